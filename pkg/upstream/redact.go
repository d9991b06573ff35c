package upstream

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redacted replaces every secret a Redactor finds.
const Redacted = "[redacted]"

// MinSecretLen is the shortest value a Redactor removes wherever it
// appears: a shorter one would shred every text and protect nothing. A
// short token or password is still never shown as the Authorization
// header value it becomes ("Bearer ab" is removed whole; see
// AuthorizationValues).
const MinSecretLen = 4

// Redactor removes secret values from text, in every form a secret takes
// on its way through URLs, JSON, JavaScript, HTML and headers: whole,
// URL-escaped (either hex case), JSON- and JavaScript-escaped (\u003c,
// \/, \", \x3c), HTML-escaped, with its white space collapsed, and as
// part of a base64 text (the Basic Authorization header "user:secret").
// Where a text is cut (Excerpt), a piece of a secret at the cut is
// dropped too.
//
// Add must not run concurrently with the other methods; a Redactor that
// is no longer added to is safe for concurrent use. A nil *Redactor
// removes nothing.
type Redactor struct {
	// forms are every form of every secret, longest first, no duplicates.
	forms []string
}

// NewRedactor returns a Redactor for the given secret values.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets. Values shorter than MinSecretLen are
// ignored.
func (r *Redactor) Add(secrets ...string) {
	var add []string
	for _, s := range secrets {
		add = append(add, forms(s)...)
	}
	r.merge(add)
}

// AddHeaders registers the credentials among forwarded request headers
// (the user's OAuth token in Authorization, X-Id-Token, Cookie, and any
// other header Grafana forwards): every header's whole value, the token
// of an Authorization value, the user:password of a Basic one, and the
// value of each cookie. Headers that never carry a credential (Accept,
// Content-Type, User-Agent, …) are left out.
func (r *Redactor) AddHeaders(h http.Header) {
	var secrets []string
	for name, values := range h {
		if harmlessHeader(name) {
			continue
		}
		for _, v := range values {
			v = strings.TrimSpace(v)
			secrets = append(secrets, v)
			if scheme, token, ok := strings.Cut(v, " "); ok && isToken(scheme) {
				token = strings.TrimSpace(token)
				secrets = append(secrets, token)
				if strings.EqualFold(scheme, "Basic") {
					if b, err := base64.StdEncoding.DecodeString(token); err == nil {
						userPass := string(b)
						secrets = append(secrets, userPass)
						if _, pass, ok := strings.Cut(userPass, ":"); ok {
							secrets = append(secrets, pass)
						}
					}
				}
			}
			if http.CanonicalHeaderKey(name) == "Cookie" {
				for _, part := range strings.Split(v, ";") {
					if _, value, ok := strings.Cut(part, "="); ok {
						secrets = append(secrets, strings.TrimSpace(part), strings.Trim(strings.TrimSpace(value), `"`))
					}
				}
			}
		}
	}
	r.Add(secrets...)
}

// AuthorizationValues are the Authorization header values a bearer token
// or a basic-auth user and password become, for Add: the whole value is
// removed however short the secret in it.
func AuthorizationValues(bearerToken, basicUser, basicPassword string) []string {
	var out []string
	if bearerToken != "" {
		out = append(out, "Bearer "+bearerToken)
	}
	if basicPassword != "" {
		b64 := base64.StdEncoding.EncodeToString([]byte(basicUser + ":" + basicPassword))
		out = append(out, "Basic "+b64, b64)
	}
	return out
}

// harmlessHeader: request headers that never carry a credential.
func harmlessHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection", "Content-Length",
		"Content-Type", "Pragma", "Te", "Upgrade-Insecure-Requests", "User-Agent", "Origin", "Via",
		"X-Grafana-Org-Id", "X-Datasource-Uid", "X-Plugin-Id", "X-Panel-Id", "X-Dashboard-Uid", "X-Query-Group-Id",
		"Traceparent", "Tracestate", "X-Forwarded-For", "X-Real-Ip":
		return true
	}
	return strings.HasPrefix(http.CanonicalHeaderKey(name), "Sec-")
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// JoinRedactors returns a Redactor that removes what each of rs removes
// (nil ones are skipped).
func JoinRedactors(rs ...*Redactor) *Redactor {
	out := &Redactor{}
	var all []string
	for _, r := range rs {
		if r != nil {
			all = append(all, r.forms...)
		}
	}
	out.merge(all)
	return out
}

// merge adds forms, keeping them unique and longest first (so that a
// secret containing another is removed whole).
func (r *Redactor) merge(add []string) {
	if len(add) == 0 {
		return
	}
	seen := make(map[string]bool, len(r.forms)+len(add))
	for _, f := range r.forms {
		seen[f] = true
	}
	for _, f := range add {
		if !seen[f] {
			seen[f] = true
			r.forms = append(r.forms, f)
		}
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
}

// String replaces every secret in s, in every form, by Redacted.
// Overlapping secrets are removed as one.
func (r *Redactor) String(s string) string {
	if r == nil || len(r.forms) == 0 || s == "" {
		return s
	}
	var spans [][2]int
	for _, f := range r.forms {
		for from := 0; from < len(s); {
			i := strings.Index(s[from:], f)
			if i < 0 {
				break
			}
			spans = append(spans, [2]int{from + i, from + i + len(f)})
			from += i + 1
		}
	}
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= end; i++ {
			end = max(end, spans[i][1])
		}
		b.WriteString(s[at:start])
		b.WriteString(Redacted)
		at = end
	}
	b.WriteString(s[at:])
	return b.String()
}

// Excerpt quotes the start of raw in a message: every secret is removed
// first, then white space is collapsed and the text cut to at most maxLen
// bytes (at a character boundary, "…" marking the cut). more says raw is
// itself cut from a longer text. At a cut, an ending that could be the
// start of a secret is dropped too, so no part of one shows.
func (r *Redactor) Excerpt(raw []byte, maxLen int, more bool) string {
	s := r.String(strings.ToValidUTF8(string(raw), "?"))
	s = r.String(strings.Join(strings.Fields(s), " "))
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		// Not in the middle of a redaction mark.
		if i := strings.LastIndex(s[:cut], "["); i >= 0 && cut-i < len(Redacted) && strings.HasPrefix(s[i:], Redacted) {
			cut = i
		}
		s, more = s[:cut], true
	}
	if !more {
		return s
	}
	return strings.TrimRight(r.dropPartial(s), " ") + "…"
}

// dropPartial cuts from the end of s the longest ending that is the
// beginning of a secret (in any form).
func (r *Redactor) dropPartial(s string) string {
	if r == nil {
		return s
	}
	drop := 0
	for _, f := range r.forms {
		for k := min(len(f)-1, len(s)); k > drop; k-- {
			if strings.HasSuffix(s, f[:k]) {
				drop = k
				break
			}
		}
	}
	return s[:len(s)-drop]
}

// Error returns err with every secret removed from its text. An *Error
// (found anywhere in the chain) comes back as a copy whose fields hold no
// secret, so errors.As finds a clean one; its cause is kept when no text
// in the cause's chain says a secret, and replaced by its redacted text
// otherwise. err itself comes back when it holds no secret.
func (r *Redactor) Error(err error) error {
	if err == nil || r == nil || len(r.forms) == 0 {
		return err
	}
	if e, ok := err.(*Error); ok { //nolint:errorlint // only an *Error at the top is copied as such; one deeper is handled below
		if out := r.scrub(e); out != e {
			return out
		}
		return err
	}
	msg := r.String(err.Error())
	e, hasE := AsError(err)
	var clean *Error
	if hasE {
		clean = r.scrub(e)
	}
	if msg == err.Error() && (!hasE || clean == e) {
		return err
	}
	if hasE {
		return redactedError{msg: msg, err: clean}
	}
	return redactedError{msg: msg}
}

// scrub is e with no secret in its fields or its cause's texts; e itself
// when it holds none.
func (r *Redactor) scrub(e *Error) *Error {
	out := *e
	out.Msg, out.Hint, out.Type = r.String(e.Msg), r.String(e.Hint), r.String(e.Type)
	for u := out.Err; u != nil; u = errors.Unwrap(u) {
		if red := r.String(u.Error()); red != u.Error() {
			out.Err = errors.New(r.String(out.Err.Error()))
			break
		}
	}
	if out.Msg == e.Msg && out.Hint == e.Hint && out.Type == e.Type && out.Err == e.Err { //nolint:errorlint // the same cause, not a kind of error
		return e
	}
	return &out
}

// redactedError prints only the redacted text; its chain holds only a
// redacted *Error (errors.As still finds one), never the original.
type redactedError struct {
	msg string
	err *Error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error {
	if e.err == nil {
		return nil
	}
	return e.err
}

type redactorKey struct{}

// WithRedactor returns ctx carrying r: the secrets of this request (e.g.
// the user's forwarded credentials) that clients remove from what they
// quote, before they cut it.
func WithRedactor(ctx context.Context, r *Redactor) context.Context {
	return context.WithValue(ctx, redactorKey{}, r)
}

// RedactorFrom is the Redactor ctx carries; nil when none.
func RedactorFrom(ctx context.Context) *Redactor {
	r, _ := ctx.Value(redactorKey{}).(*Redactor)
	return r
}

// forms are the forms of secret s a text may carry; nil when s is too
// short to be removed.
func forms(s string) []string {
	if len(s) < MinSecretLen {
		return nil
	}
	var out []string
	add := func(fs ...string) {
		for _, f := range fs {
			// Also as an excerpt shows it (white space collapsed), and
			// quoted once more as Go's %q and JSON do when a message
			// quotes what an upstream sent (an escaped echo, escaped
			// again).
			for _, g := range []string{f, strings.Join(strings.Fields(f), " "), unquote(strconv.Quote(f))} {
				if len(g) >= MinSecretLen {
					out = append(out, g)
				}
			}
		}
	}
	bases := []string{s}
	if c := strings.Join(strings.Fields(s), " "); c != s {
		bases = append(bases, c)
	}
	for _, b := range bases {
		add(b)
		for _, f := range escapes(b) {
			add(f, hexCase(f, false), hexCase(f, true))
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		add(base64Cores(s, enc)...)
	}
	return out
}

// escapes are b written inside URLs, JSON, Go and JavaScript strings and
// HTML.
func escapes(b string) []string {
	var out []string
	// URLs: query, path, user info; %20 for a space (encodeURIComponent).
	q := url.QueryEscape(b)
	out = append(out, q, strings.ReplaceAll(q, "+", "%20"), url.PathEscape(b),
		strings.TrimPrefix((&url.URL{User: url.UserPassword("u", b)}).User.String(), "u:"))
	// JSON, with and without HTML escapes, with "/" as "\/", and with
	// every non-ASCII character escaped (\u00e9).
	for _, j := range []string{jsonString(b, true), jsonString(b, false), asciiEscape(jsonString(b, false))} {
		out = append(out, j, strings.ReplaceAll(j, "/", `\/`))
	}
	// Go and JavaScript string literals: \u003C, \x3c, \'.
	js := template.JSEscapeString(b)
	out = append(out, unquote(strconv.Quote(b)), unquote(strconv.QuoteToASCII(b)), js, uToX(js),
		strings.ReplaceAll(js, "/", `\/`))
	// HTML: &#34; or &quot;, &#39; or &#x27; or &apos;.
	h := html.EscapeString(b)
	out = append(out, h, strings.NewReplacer("&#34;", "&quot;", "&#39;", "&#x27;").Replace(h),
		strings.NewReplacer("&#34;", "&quot;", "&#39;", "&apos;").Replace(h))
	return out
}

func jsonString(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	return unquote(strings.TrimSuffix(b.String(), "\n"))
}

func unquote(q string) string { return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`) }

// asciiEscape writes every non-ASCII character of s as \uXXXX (UTF-16).
func asciiEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c < utf8.RuneSelf:
			b.WriteRune(c)
		case c > 0xFFFF:
			c -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(c>>10), 0xDC00+(c&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, c)
		}
	}
	return b.String()
}

// hexCase writes the hex digits of every escape in s (%XX, \uXXXX, \xXX,
// &#xX…;) in lower or upper case.
func hexCase(s string, upper bool) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		var from, n int
		switch {
		case b[i] == '%':
			from, n = i+1, 2
		case b[i] == '\\' && i+1 < len(b) && b[i+1] == 'u':
			from, n = i+2, 4
		case b[i] == '\\' && i+1 < len(b) && b[i+1] == 'x':
			from, n = i+2, 2
		case b[i] == '&' && i+2 < len(b) && b[i+1] == '#' && (b[i+2] == 'x' || b[i+2] == 'X'):
			from = i + 3
			for from+n < len(b) && isHex(b[from+n]) {
				n++
			}
			if from+n >= len(b) || b[from+n] != ';' {
				continue
			}
		default:
			continue
		}
		if from+n > len(b) {
			continue
		}
		ok := n > 0
		for _, c := range b[from : from+n] {
			ok = ok && isHex(c)
		}
		if !ok {
			continue
		}
		for j := from; j < from+n; j++ {
			switch c := b[j]; {
			case upper && c >= 'a' && c <= 'f':
				b[j] = c - 'a' + 'A'
			case !upper && c >= 'A' && c <= 'F':
				b[j] = c - 'A' + 'a'
			}
		}
		i = from + n - 1
	}
	return string(b)
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

var uLatin = regexp.MustCompile(`\\u00([0-9A-Fa-f]{2})`)

// uToX writes \u00XX escapes as JavaScript's \xXX.
func uToX(s string) string { return uLatin.ReplaceAllString(s, `\x$1`) }

// base64Cores are the parts of base64 texts that s determines alone,
// whatever precedes it (at each of the three byte alignments) and
// follows it: how s shows inside "Basic " + base64("user:" + s).
func base64Cores(s string, enc *base64.Encoding) []string {
	var out []string
	n := len(s)
	for p := 0; p < 3; p++ {
		buf := make([]byte, p+n+2)
		copy(buf[p:], s)
		e := enc.EncodeToString(buf)
		// Character i holds bits [6i, 6i+6); s holds bits [8p, 8(p+n)).
		first, end := (8*p+5)/6, 8*(p+n)/6
		if end > first {
			out = append(out, e[first:end])
		}
	}
	return out
}
