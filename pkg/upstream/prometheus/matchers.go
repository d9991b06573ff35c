package prometheus

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// AddMatchers adds the label matchers ms to every series selector of the
// PromQL expression expr — inside functions, aggregations, range and
// subqueries, on both sides of binary operators — as Grafana's Prometheus
// data source applies a dashboard's ad hoc filters. The rest of expr is
// kept as written: the matchers go before each selector's closing brace,
// or in new braces after a bare metric name. A selector that already has
// an identical matcher does not get it twice.
//
// parseable is what the PromQL parser reads instead of expr: expr itself,
// or a copy of the same length in which text the parser does not know
// (Grafana's $__interval and kin) is replaced by something it does; the
// positions the parser finds there are used in expr. An expression that
// does not parse is an error naming the parser's complaint.
func AddMatchers(expr, parseable string, ms []*labels.Matcher) (string, error) {
	if len(ms) == 0 {
		return expr, nil
	}
	if len(parseable) != len(expr) {
		return "", fmt.Errorf("internal error: the stand-in for the query has %d bytes, the query %d", len(parseable), len(expr))
	}
	root, err := parser.ParseExpr(parseable)
	if err != nil {
		return "", fmt.Errorf("the query is not PromQL the ad hoc filters can be added to: %v", err)
	}
	type insertion struct {
		at   int
		text string
	}
	var edits []insertion
	parser.Inspect(root, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		var add []string
		for _, m := range ms {
			if !hasMatcher(vs.LabelMatchers, m) {
				add = append(add, m.String())
			}
		}
		if len(add) == 0 {
			return nil
		}
		at, open, empty := selectorEnd(parseable, int(vs.PosRange.Start))
		text := strings.Join(add, ", ")
		switch {
		case !open:
			text = "{" + text + "}"
		case !empty:
			text = ", " + text
		}
		edits = append(edits, insertion{at, text})
		return nil
	})
	// Inspect walks an aggregation's expression before its parameter
	// (topk(scalar(a), b)): put the edits in the order of the text.
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	var b strings.Builder
	b.Grow(len(expr) + 32*len(edits))
	last := 0
	for _, e := range edits {
		b.WriteString(expr[last:e.at])
		b.WriteString(e.text)
		last = e.at
	}
	b.WriteString(expr[last:])
	return b.String(), nil
}

func hasMatcher(have []*labels.Matcher, m *labels.Matcher) bool {
	for _, h := range have {
		if h.Name == m.Name && h.Type == m.Type && h.Value == m.Value {
			return true
		}
	}
	return false
}

// selectorEnd reads the selector starting at start: an optional metric
// name, then optional braces. It returns where matchers go: before the
// closing brace (open: true; empty: the braces hold no matcher, or end in
// a comma), or right after the metric name (open: false).
func selectorEnd(s string, start int) (at int, open, empty bool) {
	i := start
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	nameEnd := i
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	if i >= len(s) || s[i] != '{' {
		return nameEnd, false, false
	}
	end := matchingBrace(s, i)
	inside := strings.TrimSpace(s[i+1 : end])
	return end, true, inside == "" || strings.HasSuffix(inside, ",")
}

func isNameByte(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// matchingBrace is the index of the } closing the { at open, skipping
// strings ("…", '…' with escapes, `…` without). The parser has read the
// selector, so the brace is there.
func matchingBrace(s string, open int) int {
	var quote byte
	for i := open + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '}':
			return i
		}
	}
	return len(s)
}
