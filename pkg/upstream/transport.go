package upstream

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

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
