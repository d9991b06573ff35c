package prometheus

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// lexer reads JSON from a stream through a window that slides over it,
// handing out tokens as slices of the window, so that the hot path (a
// sample pair) costs a few byte comparisons and no allocation.
//
// It exists because no JSON library's streaming API is fast enough here:
// json-iterator's Iterator, with the checks a strict reader needs, spends
// 100-160 ns per sample pair and still ~50 ns with none, against a budget
// of ~20 ns for the client to cost at most 10% over Prometheus writing
// the body (BenchmarkDecode and BenchmarkQueryRange measure it).
// Escaped strings, rare in these bodies, are decoded by encoding/json.
type lexer struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte
	end  int   // end of valid bytes
	off  int64 // body offset of buf[0]
	eof  bool
	rerr error // the reader's error, other than io.EOF
	// cut is set when a token ran into the end of the body.
	cut bool
}

// maxWindow bounds the window: the longest single token (a label value,
// a warning) an answer may hold. Everything else streams through.
const maxWindow = 16 << 20

func newLexer(r io.Reader, size int) *lexer {
	return &lexer{r: r, buf: make([]byte, size)}
}

// offset is the body offset of the next unread byte.
func (l *lexer) offset() int64 { return l.off + int64(l.pos) }

// more reads more of the body into the window, keeping buf[keep:] (keep
// <= pos) and sliding it to the front, growing the window when it is
// full of what must be kept. It reports whether anything was read.
func (l *lexer) more(keep int) bool {
	if l.eof || l.rerr != nil {
		return false
	}
	if keep > 0 {
		copy(l.buf, l.buf[keep:l.end])
		l.off += int64(keep)
		l.pos -= keep
		l.end -= keep
	}
	if l.end == len(l.buf) {
		if len(l.buf) >= maxWindow {
			l.rerr = &upstream.Error{Source: upstream.Prometheus, Kind: upstream.TooLarge,
				Msg:  fmt.Sprintf("one value in the answer (at byte %d) is longer than %d MiB", l.off+int64(l.pos), maxWindow>>20),
				Hint: "check that the URL points at the Prometheus API; a label value this long is not a memory series"}
			return false
		}
		nb := make([]byte, min(2*len(l.buf), maxWindow))
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err == io.EOF {
			l.eof = true
		} else if err != nil {
			l.rerr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	l.rerr = io.ErrNoProgress
	return false
}

// ws skips white space and returns the next byte without consuming it;
// 0 at the end of the body.
func (l *lexer) ws() byte {
	for {
		for l.pos < l.end {
			switch c := l.buf[l.pos]; c {
			case ' ', '\n', '\r', '\t':
				l.pos++
			default:
				return c
			}
		}
		if !l.more(l.pos) {
			return 0
		}
	}
}

// atEnd reports whether only white space is left of the body (ws gives
// 0 both there and for a NUL byte, which is not the end).
func (l *lexer) atEnd() bool { return l.ws() == 0 && l.pos >= l.end }

// accept consumes c, after white space, if it is next.
func (l *lexer) accept(c byte) bool {
	if l.ws() == c {
		l.pos++
		return true
	}
	return false
}

// isNum marks the bytes a JSON number (or a sloppy one) is made of.
var isNum = [256]bool{'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'-': true, '+': true, '.': true, 'e': true, 'E': true}

// number returns the bytes of the number that comes next (after white
// space), or nil when none does.
func (l *lexer) number() []byte {
	if l.ws() == 0 {
		return nil
	}
	for {
		i := l.pos
		for i < l.end && isNum[l.buf[i]] {
			i++
		}
		if i == l.end {
			if l.more(l.pos) {
				continue // the window moved: scan again
			}
			// more may have moved the window before finding the end.
			i = l.pos
			for i < l.end && isNum[l.buf[i]] {
				i++
			}
			l.cut = l.eof
		}
		s := l.buf[l.pos:i]
		if len(s) == 0 {
			return nil
		}
		l.pos = i
		return s
	}
}

// str reads a string (after white space) and returns its bytes: a slice
// of the window, valid until the next read, or for an escaped string its
// decoded copy. ok is false when no well-formed string comes next.
func (l *lexer) str() (s []byte, ok bool) {
	if l.ws() != '"' {
		return nil, false
	}
	start := l.pos // the opening quote
	i := start + 1
	for {
		for i < l.end {
			c := l.buf[i]
			if c == '"' {
				l.pos = i + 1
				return l.buf[start+1 : i], true
			}
			if c == '\\' || c < 0x20 {
				return l.escaped(start)
			}
			i++
		}
		n := i - start
		if !l.more(start) {
			l.cut = l.eof
			return nil, false
		}
		start, i = 0, n
	}
}

// escaped reads the rest of a string holding escapes, from its opening
// quote at buf[start], and decodes it.
func (l *lexer) escaped(start int) ([]byte, bool) {
	i := start + 1
	for {
		for i < l.end {
			switch l.buf[i] {
			case '\\':
				i++
			case '"':
				var s string
				if json.Unmarshal(l.buf[start:i+1], &s) != nil {
					return nil, false
				}
				l.pos = i + 1
				return []byte(s), true
			}
			i++
		}
		n := i - start
		if !l.more(start) {
			l.cut = l.eof
			return nil, false
		}
		start, i = 0, n
	}
}

// literal consumes the literal word (true, false, null) if it is next.
func (l *lexer) literal(word string) bool {
	for l.end-l.pos < len(word) {
		if !l.more(l.pos) {
			l.cut = l.eof
			return false
		}
	}
	if string(l.buf[l.pos:l.pos+len(word)]) != word {
		return false
	}
	l.pos += len(word)
	return true
}

// validNumber reports whether b is a JSON number.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// maxDepth bounds the nesting of skipped values.
const maxDepth = 500

// skip consumes one value of any kind, checking that it is well formed.
func (l *lexer) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch l.ws() {
	case '"':
		_, ok := l.str()
		return ok
	case '{':
		l.pos++
		if l.accept('}') {
			return true
		}
		for {
			if _, ok := l.str(); !ok || !l.accept(':') || !l.skip(depth+1) {
				return false
			}
			if l.accept(',') {
				continue
			}
			return l.accept('}')
		}
	case '[':
		l.pos++
		if l.accept(']') {
			return true
		}
		for {
			if !l.skip(depth + 1) {
				return false
			}
			if l.accept(',') {
				continue
			}
			return l.accept(']')
		}
	case 't':
		return l.literal("true")
	case 'f':
		return l.literal("false")
	case 'n':
		return l.literal("null")
	}
	n := l.number()
	return n != nil && validNumber(n)
}
