package prometheus

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// gunzip asks for gzip when ask is set and inflates a gzip answer with
// klauspost/compress, which takes about half the CPU of compress/gzip
// here; an answer gzipped without being asked for (a proxy that
// compresses whatever it is told) is inflated too. It sits inside any
// body cap (upstream.CapBody), so that cap counts inflated bytes (a gzip
// bomb stops at it), and the decoder's caps on points and memory hold
// whatever the body. A request that already names an encoding or a range
// is sent as it is.
type gunzip struct {
	next http.RoundTripper
	ask  bool
}

func (g gunzip) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.ask && req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil || resp.Uncompressed || !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp, err
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	resp.Body = &gzipBody{raw: resp.Body}
	return resp, nil
}

// gzipBody inflates lazily, so that reading the gzip header happens on
// the first Read, under the reader's deadline, not in RoundTrip.
type gzipBody struct {
	raw io.ReadCloser
	zr  *gzip.Reader
	err error
}

func (b *gzipBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.zr == nil {
		zr, err := gzip.NewReader(b.raw)
		if err != nil {
			b.err = b.wrap(err)
			return 0, b.err
		}
		b.zr = zr
	}
	n, err := b.zr.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.wrap(err)
		b.err = err
	}
	return n, err
}

// wrap names a corrupt stream as what it is; the transport's own errors
// (a broken connection, a canceled request) pass as they are.
func (b *gzipBody) wrap(err error) error {
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || strings.HasPrefix(err.Error(), "flate: ") || errors.Is(err, io.ErrUnexpectedEOF) {
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadResponse, Msg: "the gzip-compressed answer is corrupt: " + err.Error(), Err: err,
			Hint: "turn compression off in the data source settings if a proxy mangles it"}
	}
	return err
}

func (b *gzipBody) Close() error { return b.raw.Close() }
