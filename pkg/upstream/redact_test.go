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
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/leaktest"
)

// Every form a secret takes in URLs, JSON, JavaScript, HTML, base64 and
// collapsed white space is removed, and nothing around it.
func TestRedactorEveryForm(t *testing.T) {
	secrets := []string{
		`p<a>s&s"w'o\r/d#?%@: é  Zq7`, // every character escapes touch, two spaces
		"tok-Kx8vQ2mWp9Lr4Tz6",        // plain
		"uni-€𝄞-Hy5Rf3",               // beyond the BMP: a JSON surrogate pair
	}
	r := NewRedactor(secrets...)
	lowerHex := func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(s, strings.ToLower)
	}
	marshal := func(s string, escapeHTML bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		require.NoError(t, enc.Encode(s))
		return strings.Trim(strings.TrimSpace(b.String()), `"`)
	}
	for _, s := range secrets {
		forms := map[string]string{
			"as is":                 s,
			"query-escaped":         url.QueryEscape(s),
			"query-escaped, lower":  lowerHex(url.QueryEscape(s)),
			"path-escaped":          url.PathEscape(s),
			"user info":             strings.TrimPrefix(url.UserPassword("grafana", s).String(), "grafana:"),
			"JSON":                  marshal(s, true),
			"JSON without HTML":     marshal(s, false),
			"JSON with \\/":         strings.ReplaceAll(marshal(s, true), "/", `\/`),
			"JSON, ASCII only":      strings.Trim(strconv.QuoteToASCII(s), `"`),
			"Go %q":                 strings.Trim(fmt.Sprintf("%q", s), `"`),
			"JavaScript":            template.JSEscapeString(s),
			"JavaScript \\x":        regexp.MustCompile(`\\u00([0-9A-Fa-f]{2})`).ReplaceAllString(template.JSEscapeString(s), `\x$1`),
			"HTML":                  html.EscapeString(s),
			"HTML template":         template.HTMLEscapeString(s),
			"white space collapsed": strings.Join(strings.Fields(s), " "),
		}
		for _, user := range []string{"u", "us", "usr", "grafana"} {
			forms["Basic, user "+user] = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+s))
		}
		forms["base64url"] = base64.URLEncoding.EncodeToString([]byte("x" + s))
		for name, f := range forms {
			in := "before " + f + " after"
			out := r.String(in)
			if l, found := leaktest.Find(out, s); found {
				t.Errorf("%s of %q: %q shows %q (%s): %q", name, s, out, l.Piece, l.View, l.Near)
			}
			assert.Contains(t, out, Redacted, name)
			assert.True(t, strings.HasPrefix(out, "before ") && strings.HasSuffix(out, " after"), "%s: the text around the secret stays: %q", name, out)
		}
	}

	// Overlapping secrets go as one; short values stay.
	r = NewRedactor("abcdefgh", "efghijkl", "abc")
	assert.Equal(t, "x [redacted] y", r.String("x abcdefghijkl y"))
	assert.Equal(t, "abc stays", r.String("abc stays"), "values under 4 characters would shred every text")

	// A short token or password never shows as its Authorization value.
	r = NewRedactor(AuthorizationValues("k9", "grafana", "pw")...)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("grafana:pw"))
	out := r.String("sent Authorization: Bearer k9 and Authorization: " + basic)
	assert.NotContains(t, out, "Bearer k9")
	assert.NotContains(t, out, basic)
	assert.NotContains(t, out, base64.StdEncoding.EncodeToString([]byte("grafana:pw")))

	var none *Redactor
	assert.Equal(t, "text", none.String("text"))
	assert.Equal(t, "text…", none.Excerpt([]byte("text and more"), 4, false))
}

// Secrets go before the text is cut and its white space collapsed, and a
// piece of a secret left at the cut goes too.
func TestRedactorExcerpt(t *testing.T) {
	token := "Kx8vQ2mWp9Lr4Tz6Hy5Rf3Jb7Nc1Vd0Xs2Ge8Wq4" // 40 characters
	spaced := "pass  word\tZq7Yx"
	r := NewRedactor(token, spaced)

	// A token across the 200th character: removed whole, not cut.
	for at := 160; at <= 200; at++ {
		body := strings.Repeat("x", at) + token + strings.Repeat("y", 100)
		got := r.Excerpt([]byte(body), 200, false)
		if l, found := leaktest.Find(got, token); found {
			t.Fatalf("token at %d: %q shows %q", at, got, l.Piece)
		}
		assert.True(t, strings.HasSuffix(got, "…"), got)
		assert.LessOrEqual(t, len(got), 200+len("…"))
		assert.NotContains(t, got, "[redac…", "a cut never splits the mark")
	}
	// A text that is itself cut from a longer one (a read limit): the start
	// of a secret at its end is dropped, in any form.
	for _, form := range []string{token, url.QueryEscape(spaced), strings.ReplaceAll(spaced, "\t", `\t`)} {
		for k := 1; k < len(form); k++ {
			got := r.Excerpt([]byte("error: "+form[:k]), 200, true)
			assert.Equal(t, "error:…", got, "%q cut after %d", form, k)
		}
	}
	// White space is collapsed after the secret is gone, so a password
	// with two spaces is still found.
	got := r.Excerpt([]byte("bad  password:\n\n  "+spaced+"\n\n  try again"), 200, false)
	assert.Equal(t, "bad password: [redacted] try again", got)
	// Collapsed white space of a secret written with it collapsed.
	assert.Equal(t, "[redacted]", r.Excerpt([]byte("pass word Zq7Yx"), 200, false))
	// A short body stays whole.
	assert.Equal(t, "not found", r.Excerpt([]byte(" not \n found "), 200, false))
	// A cut at a multi-byte character backs off to its start.
	assert.Equal(t, "ab…", NewRedactor().Excerpt([]byte("abé"), 3, false))
}

// Forwarded credentials: the whole value of each header, the token of an
// Authorization value, a Basic user:password, each cookie's value.
func TestRedactorForwardedHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer oauth-Mq3Zt8Lp")
	h.Set("X-Id-Token", "eyJhbGciOi.eyJzdWIiOiJ1.c2lnbmF0dXJl")
	h.Set("Cookie", "theme=dark; grafana_session=Wd4Gh7Ks2P")
	h.Set("X-Grafana-Id", "gid-Ty6Ub3Nm")
	h.Set("Accept", "application/json")
	r := NewRedactor()
	r.AddHeaders(h)
	text := "oauth-Mq3Zt8Lp eyJhbGciOi.eyJzdWIiOiJ1.c2lnbmF0dXJl Wd4Gh7Ks2P gid-Ty6Ub3Nm application/json"
	assert.Equal(t, "[redacted] [redacted] [redacted] [redacted] application/json", r.String(text))
	assert.Equal(t, "[redacted]", r.String("grafana_session=Wd4Gh7Ks2P"))

	basic := NewRedactor()
	basic.AddHeaders(http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("ann:Hq2-Vb7x"))}})
	assert.Equal(t, "user [redacted], password [redacted]", basic.String("user ann:Hq2-Vb7x, password Hq2-Vb7x"))
	// The whole value of a short Authorization header.
	short := NewRedactor()
	short.AddHeaders(http.Header{"Authorization": {"Bearer ab"}})
	assert.Equal(t, "got [redacted]", short.String("got Bearer ab"))

	// Carried by a context, joined with others.
	ctx := WithRedactor(context.Background(), r)
	assert.Same(t, r, RedactorFrom(ctx))
	assert.Nil(t, RedactorFrom(context.Background()))
	both := JoinRedactors(nil, RedactorFrom(ctx), NewRedactor("cfg-Secret-1"))
	assert.Equal(t, "[redacted] [redacted]", both.String("cfg-Secret-1 oauth-Mq3Zt8Lp"))
}

// An *Error comes back as a clean copy (errors.As still finds it, its
// kind kept); a cause that says a secret is replaced by its redacted text;
// an error with no secret comes back as it was.
func TestRedactorError(t *testing.T) {
	r := NewRedactor("tok-Secret-77")
	cause := fmt.Errorf("dial: %w", errors.New("refused tok-Secret-77"))
	orig := &Error{Source: Prometheus, Kind: Unauthorized, Msg: "got tok-Secret-77", Hint: "hint tok-Secret-77", Err: cause}
	for _, err := range []error{orig, fmt.Errorf("wrapped: %w", orig)} {
		red := r.Error(err)
		assert.NotContains(t, red.Error(), "tok-Secret")
		e, ok := AsError(red)
		require.True(t, ok)
		assert.Equal(t, Unauthorized, e.Kind)
		for u := error(e); u != nil; u = errors.Unwrap(u) {
			assert.NotContains(t, u.Error(), "tok-Secret", "nothing in the chain says it")
		}
		assert.NotContains(t, e.Msg+e.Hint, "tok-Secret")
	}
	assert.Equal(t, "got tok-Secret-77", orig.Msg, "the original is not changed")

	sentinel := errors.New("the API key was refused")
	clean := &Error{Source: Datadog, Kind: Forbidden, Msg: "no", Err: sentinel}
	assert.Same(t, clean, r.Error(clean))
	assert.ErrorIs(t, r.Error(clean), sentinel)
	plain := errors.New("nothing secret")
	assert.Equal(t, plain, r.Error(plain))
	assert.Equal(t, "x [redacted]", r.Error(errors.New("x tok-Secret-77")).Error())
}
