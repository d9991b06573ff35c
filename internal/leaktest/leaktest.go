// Package leaktest finds a secret in what a program shows, in whatever
// form it may have been written: as is, URL-escaped, JSON- or
// JavaScript-escaped, HTML-escaped, inside base64, with its white space
// collapsed — or only a piece of it. Tests use it to prove that no
// message, notice, frame, log line or health result carries a secret.
package leaktest

import (
	"html"
	"strconv"
	"strings"
)

// PieceLen is the length of the pieces of a secret Find looks for: any 6
// characters of a secret in a row count as showing it.
const PieceLen = 6

// Leak is a piece of a secret found in a text.
type Leak struct {
	Piece string // the piece of the secret
	View  string // how the text was read when it showed: "as is", "URL-unescaped", …
	Near  string // the text around it, as read
}

// Find looks for any PieceLen characters in a row of secret (the whole
// secret when it is shorter; also of the secret with its white space
// collapsed) in text, read in every way it may encode them. It returns
// the first it finds.
func Find(text, secret string) (Leak, bool) { return Read(text).Find(secret) }

// FindWhole looks for value whole in text, read in every way it may
// encode it: for values too short to hunt in pieces, such as the
// Authorization value of a two-character token ("Bearer k9").
func FindWhole(text, value string) (Leak, bool) { return Read(text).FindWhole(value) }

// Reading is a text read every way (Views), to look for many secrets.
type Reading struct{ views []View }

// Read reads text every way once.
func Read(text string) *Reading { return &Reading{views: Views(text)} }

// Find is Find on the text read.
func (r *Reading) Find(secret string) (Leak, bool) {
	if secret == "" {
		return Leak{}, false
	}
	pieces := Pieces(secret)
	for _, v := range r.views {
		for _, p := range pieces {
			if i := strings.Index(v.Text, p); i >= 0 {
				return leak(v, i, p), true
			}
		}
	}
	return Leak{}, false
}

// FindWhole is FindWhole on the text read.
func (r *Reading) FindWhole(value string) (Leak, bool) {
	if value == "" {
		return Leak{}, false
	}
	for _, v := range r.views {
		if i := strings.Index(v.Text, value); i >= 0 {
			return leak(v, i, value), true
		}
	}
	return Leak{}, false
}

func leak(v View, i int, piece string) Leak {
	from, to := max(0, i-40), min(len(v.Text), i+len(piece)+40)
	return Leak{Piece: piece, View: v.Name, Near: strings.ToValidUTF8(v.Text[from:to], "?")}
}

// Pieces are the runs of PieceLen characters of secret and of secret
// with its white space collapsed; the whole secret when it is shorter.
func Pieces(secret string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range []string{secret, strings.Join(strings.Fields(secret), " ")} {
		r := []rune(s)
		if len(r) <= PieceLen {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
			continue
		}
		for i := 0; i+PieceLen <= len(r); i++ {
			if p := string(r[i : i+PieceLen]); !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// View is a text read one way.
type View struct {
	Name, Text string
}

// Views reads text as is and decoded every way a secret may have been
// encoded in it; each also after JSON/JavaScript unescaping.
func Views(text string) []View {
	var out []View
	for _, base := range []View{{"as is", text}, {"JSON-unescaped", JSUnescape(text)}} {
		prefix := ""
		if base.Name != "as is" {
			prefix = base.Name + ", "
		}
		out = append(out,
			View{base.Name, base.Text},
			View{prefix + "URL-unescaped", URLUnescape(base.Text, false)},
			View{prefix + "URL-unescaped (+ as space)", URLUnescape(base.Text, true)},
			View{prefix + "HTML-unescaped", html.UnescapeString(base.Text)},
			View{prefix + "base64-decoded", Base64Decode(base.Text)},
		)
	}
	return out
}

// URLUnescape decodes every %XX in s, leaving anything else as it is.
func URLUnescape(s string, plusIsSpace bool) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && plusIsSpace:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// JSUnescape decodes the escapes of JSON, Go and JavaScript strings in s
// (\uXXXX with surrogate pairs, \xXX, \/, \", \', \\, \n, \t, \r, \b,
// \f), leaving anything else as it is.
func JSUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch n := s[i+1]; n {
		case 'u':
			if r, ok := hexAt(s, i+2, 4); ok {
				i += 5
				if r >= 0xD800 && r < 0xDC00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					if lo, ok := hexAt(s, i+3, 4); ok && lo >= 0xDC00 && lo < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
						i += 6
					}
				}
				b.WriteRune(rune(r))
				continue
			}
		case 'x':
			if r, ok := hexAt(s, i+2, 2); ok {
				b.WriteByte(byte(r))
				i += 3
				continue
			}
		case '/', '"', '\'', '\\':
			b.WriteByte(n)
			i++
			continue
		case 'n', 't', 'r', 'b', 'f':
			b.WriteByte(map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f'}[n])
			i++
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func hexAt(s string, at, n int) (uint64, bool) {
	if at+n > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[at:at+n], 16, 32)
	return v, err == nil
}

// b64Runs are the runs of 8 or more base64 characters in s (either
// alphabet), with their padding.
func b64Runs(s string) []string {
	var out []string
	isB64 := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '_' || c == '-'
	}
	for i := 0; i < len(s); {
		if !isB64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isB64(s[j]) {
			j++
		}
		end := j
		for end < len(s) && end < j+2 && s[end] == '=' {
			end++
		}
		if j-i >= 8 {
			out = append(out, s[i:end])
		}
		i = end
	}
	return out
}

// Base64Decode decodes every run of 8 or more base64 characters in s
// (either alphabet) at each of the four alignments, leniently, one group
// of four at a time; the decoded texts are joined by newlines.
func Base64Decode(s string) string {
	var b []byte
	for _, run := range b64Runs(s) {
		run = strings.TrimRight(run, "=")
		for off := 0; off < 4 && off < len(run); off++ {
			for g := off; g < len(run); g += 4 {
				var bits uint32
				n := min(4, len(run)-g)
				for k := 0; k < 4; k++ {
					bits <<= 6
					if k < n {
						bits |= uint32(b64Value(run[g+k]))
					}
				}
				out := []byte{byte(bits >> 16), byte(bits >> 8), byte(bits)}
				b = append(b, out[:max(n-1, 0)]...)
			}
			b = append(b, '\n')
		}
	}
	return string(b)
}

func b64Value(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '+' || c == '-':
		return 62
	}
	return 63 // '/' or '_'
}
