package cache

// plainSelector reports whether expr is a bare PromQL vector selector —
// a metric name, label matchers in braces, or both; no function,
// operator, range, offset or @ — whose value at a time depends only on
// the series, never on the expression: `mem{pod=~"api-.*"}` and `mem`
// give the same points for the series both select, so they can share
// what is held of it.
func plainSelector(expr string) bool {
	p := selParser{s: expr}
	p.space()
	named := p.name()
	p.space()
	if p.peek() == '{' {
		p.i++
		if !p.matchers() {
			return false
		}
	} else if !named {
		return false
	}
	p.space()
	return p.i == len(p.s)
}

type selParser struct {
	s string
	i int
}

func (p *selParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *selParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// name reads a metric or label name.
func (p *selParser) name() bool {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (p.i > start && c >= '0' && c <= '9') {
			p.i++
			continue
		}
		break
	}
	return p.i > start
}

// matchers reads `name op "value", …}` after the opening brace.
func (p *selParser) matchers() bool {
	for {
		p.space()
		if p.peek() == '}' {
			p.i++
			return true
		}
		if !p.name() && !p.str() { // a quoted name (UTF-8 names) is a string
			return false
		}
		p.space()
		switch {
		case p.i+1 < len(p.s) && (p.s[p.i:p.i+2] == "=~" || p.s[p.i:p.i+2] == "!~" || p.s[p.i:p.i+2] == "!="):
			p.i += 2
		case p.peek() == '=':
			p.i++
		default:
			// A lone quoted name in braces selects by metric name.
			p.space()
			if p.peek() != ',' && p.peek() != '}' {
				return false
			}
			goto next
		}
		p.space()
		if !p.str() {
			return false
		}
	next:
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return false
		}
	}
}

// str reads a PromQL string: "…" or '…' with escapes, or `…` raw.
func (p *selParser) str() bool {
	q := p.peek()
	if q != '"' && q != '\'' && q != '`' {
		return false
	}
	p.i++
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\\' && q != '`':
			p.i += 2
			continue
		case c == q:
			p.i++
			return true
		}
		p.i++
	}
	return false
}
