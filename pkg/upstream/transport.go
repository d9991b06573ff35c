package upstream

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/memshape/memory-datasource/pkg/units"
)

// DefaultMaxBody is the default cap on one upstream answer.
const DefaultMaxBody = 256 << 20

// CapBody wraps rt so that every response body stops with a TooLarge
// *Error once more than limit bytes (after decompression) have been read.
// A body that declares a larger Content-Length fails before it is read.
// limit <= 0 means DefaultMaxBody.
func CapBody(rt http.RoundTripper, src Source, limit int64) http.RoundTripper {
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	return capTransport{next: rt, src: src, max: limit}
}

type capTransport struct {
	next http.RoundTripper
	src  Source
	max  int64
}

func (c capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	if resp.ContentLength > c.max && !resp.Uncompressed {
		_ = resp.Body.Close()
		return nil, TooLargeBody(c.src, c.max)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: c.max, src: c.src, max: c.max}
	return resp, nil
}

// TooLargeBody is the error for an answer over the body cap.
func TooLargeBody(src Source, limit int64) *Error {
	return &Error{
		Source: src, Kind: TooLarge,
		Msg:  fmt.Sprintf("the answer is larger than the %s cap on one upstream answer", units.FormatBytesIEC(float64(limit))),
		Hint: "narrow the query (fewer series: add label matchers or aggregate with sum by/max by; a shorter analysis window) or raise the response size cap in the data source settings",
	}
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	src  Source
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, TooLargeBody(b.src, b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// SameHostRedirects makes hc follow redirects only within the scheme, host
// and port of the first request, so credentials added to every request
// (bearer token, basic auth, API keys, custom headers) never reach another
// host. A redirect elsewhere fails with an error naming where it pointed
// (without user info) and what to do.
func SameHostRedirects(hc *http.Client, src Source) {
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		first := via[0].URL
		if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
			return &Error{
				Source: src, Kind: BadResponse,
				Msg:  fmt.Sprintf("redirected from %s to %s; credentials are never sent to another host", origin(first), origin(req.URL)),
				Hint: "set the data source URL to the address the upstream redirects to",
			}
		}
		return nil
	}
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// Redactor removes secret values from text. Values shorter than 4
// characters are ignored (they would shred every text and protect
// nothing). URL-escaped forms of each secret are removed too, since URLs
// and upstream echoes carry them that way.
type Redactor struct {
	secrets []string
}

// NewRedactor returns a Redactor for the given secret values.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets.
func (r *Redactor) Add(secrets ...string) {
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), (&url.URL{User: url.UserPassword("u", s)}).User.String()[2:]} {
			if form != "" && !contains(r.secrets, form) {
				r.secrets = append(r.secrets, form)
			}
		}
	}
	// Longest first, so a secret that contains another is removed whole.
	for i := 1; i < len(r.secrets); i++ {
		for j := i; j > 0 && len(r.secrets[j]) > len(r.secrets[j-1]); j-- {
			r.secrets[j], r.secrets[j-1] = r.secrets[j-1], r.secrets[j]
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// String replaces every secret in s by [redacted].
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// Error returns err with every secret removed from its text; err itself
// when it holds none.
func (r *Redactor) Error(err error) error {
	if err == nil || r == nil {
		return err
	}
	if red := r.String(err.Error()); red != err.Error() {
		return redactedError{msg: red, err: err}
	}
	return err
}

// redactedError keeps the chain (errors.As still finds an *Error) while
// printing only the redacted text.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
