package prometheus

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

const okMatrix = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[1700000000,"1"]]}]}}`

var q0 = upstream.Query{Expr: "m", Start: time.Unix(1700000000, 0), End: time.Unix(1700000600, 0), Step: time.Minute}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := NewWithConfig(cfg)
	require.NoError(t, err)
	return c
}

func asUpstream(t *testing.T, err error) *upstream.Error {
	t.Helper()
	require.Error(t, err)
	ue, ok := upstream.AsError(err)
	require.True(t, ok, "%T %v", err, err)
	return ue
}

// Prometheus' own errorType and message survive whatever the status.
func TestStatusErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		ctype  string
		body   string
		kind   upstream.Kind
		code   int // Status()
		want   []string
	}{
		{"query timeout", 503, "application/json", `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`,
			upstream.Timeout, 504, []string{"timed out", "(timeout)", "query timed out in expression evaluation", "raise the timeout"}},
		{"execution", 422, "application/json", `{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`,
			upstream.Execution, 422, []string{"(execution)", "many-to-many matching not allowed"}},
		{"bad data", 400, "application/json", `{"status":"error","errorType":"bad_data","error":"1:6: parse error: unexpected end of input"}`,
			upstream.BadQuery, 400, []string{"rejected the query", "(bad_data)", "parse error"}},
		{"internal with json", 500, "application/json", `{"status":"error","errorType":"internal","error":"expanding series: too many chunks"}`,
			upstream.Server, 502, []string{"(internal)", "expanding series: too many chunks"}},
		{"5xx json without errorType", 502, "application/json", `{"status":"error","error":"upstream connect error"}`,
			upstream.Server, 502, []string{"502", "upstream connect error"}},
		{"proxy html", 502, "text/html", "<html><body><h1>502 Bad Gateway</h1>\n\n<p>nginx</p></body></html>",
			upstream.Server, 502, []string{"502", "<h1>502 Bad Gateway</h1> <p>nginx</p>"}},
		{"gateway timeout", 504, "text/plain", "upstream request timeout",
			upstream.Timeout, 504, []string{"upstream request timeout"}},
		{"unauthorized", 401, "text/plain", "Unauthorized\n", upstream.Unauthorized, 401, []string{"refused the credentials", "Unauthorized", "basic auth"}},
		{"forbidden", 403, "text/plain", "no org id", upstream.Forbidden, 403, []string{"denied access", "no org id", "X-Scope-OrgID"}},
		{"not found", 404, "text/plain", "404 page not found", upstream.NotFound, 404, []string{"404", "API root"}},
		{"rate limited", 429, "application/json", `{"status":"error","errorType":"too_many_requests","error":"slow down"}`,
			upstream.RateLimited, 429, []string{"429", "slow down"}},
		{"empty body", 500, "", "", upstream.Server, 502, []string{"500", "empty answer"}},
		{"long body", 500, "text/plain", strings.Repeat("x", 5000), upstream.Server, 502, []string{"…"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.ctype != "" {
					w.Header().Set("Content-Type", c.ctype)
				}
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			}))
			defer ts.Close()
			_, err := newClient(t, Config{URL: ts.URL}).QueryRange(context.Background(), q0)
			ue := asUpstream(t, err)
			assert.Equal(t, c.kind, ue.Kind)
			assert.Equal(t, c.status, ue.HTTPStatus)
			assert.Equal(t, c.code, ue.Status())
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Less(t, len(err.Error()), 700)
		})
	}
}

// A 200 that is not the API (a login page) says so and quotes it.
func TestNotJSONAnswer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><title>Sign in</title></html>")
	}))
	defer ts.Close()
	_, err := newClient(t, Config{URL: ts.URL}).QueryRange(context.Background(), q0)
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.BadResponse, ue.Kind)
	assert.Contains(t, err.Error(), "text/html, not JSON")
	assert.Contains(t, err.Error(), "Sign in")
}

// The method, the parameters, the path prefix and compression are as
// configured.
func TestRequests(t *testing.T) {
	type seen struct {
		method, path, ctype, encoding, auth string
		form                                url.Values
	}
	var mu sync.Mutex
	var got []seen
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.EscapedPath(), r.Header.Get("Content-Type"), r.Header.Get("Accept-Encoding"), r.Header.Get("Authorization"), r.Form})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		var out io.Writer = w
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			defer gz.Close()
			out = gz
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/query_range"):
			_, _ = io.WriteString(out, okMatrix)
		case strings.HasSuffix(r.URL.Path, "/values"), strings.HasSuffix(r.URL.Path, "/labels"):
			_, _ = io.WriteString(out, `{"status":"success","data":["a","b"]}`)
		case strings.HasSuffix(r.URL.Path, "/series"):
			_, _ = io.WriteString(out, `{"status":"success","data":[{"__name__":"m","pod":"a"}],"warnings":["w"]}`)
		case strings.HasSuffix(r.URL.Path, "/metadata"):
			_, _ = io.WriteString(out, `{"status":"success","data":{"m":[{"type":"gauge","help":"memory","unit":"bytes"}]}}`)
		case strings.HasSuffix(r.URL.Path, "/buildinfo"):
			_, _ = io.WriteString(out, `{"status":"success","data":{"application":"Grafana Mimir","version":"2.14.0","features":{"x":"y"}}}`)
		}
	}))
	defer ts.Close()
	ctx := context.Background()

	for _, method := range []string{"POST", "GET"} {
		for _, compress := range []bool{true, false} {
			got = nil
			c := newClient(t, Config{URL: ts.URL + "/prometheus/", Method: method, Compression: compress})
			res, err := c.QueryRange(ctx, upstream.Query{Expr: `sum by (pod) (m{a="b"})`, Start: time.UnixMilli(1700000000123), End: time.UnixMilli(1700003600000), Step: 1500 * time.Millisecond})
			require.NoError(t, err)
			require.Len(t, res.Series, 1)
			require.Len(t, got, 1)
			r := got[0]
			assert.Equal(t, method, r.method)
			assert.Equal(t, "/prometheus/api/v1/query_range", r.path)
			if method == "POST" {
				assert.Equal(t, "application/x-www-form-urlencoded", r.ctype)
			}
			assert.Equal(t, `sum by (pod) (m{a="b"})`, r.form.Get("query"))
			assert.Equal(t, "1700000000.123", r.form.Get("start"))
			assert.Equal(t, "1700003600", r.form.Get("end"))
			assert.Equal(t, "1.5", r.form.Get("step"))
			assert.Empty(t, r.form.Get("timeout"), "no deadline, no timeout parameter")
			if compress {
				assert.Equal(t, "gzip", r.encoding)
			} else {
				assert.Equal(t, "identity", r.encoding)
			}
		}
	}

	// The metadata calls, under the same prefix; label names are escaped
	// into the path.
	got = nil
	c := newClient(t, Config{URL: ts.URL + "/prometheus", Method: "POST"})
	sel := Selection{Match: []string{`up{job="a"}`}, Start: time.Unix(1700000000, 0), End: time.Unix(1700000060, 0)}
	names, _, err := c.Labels(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names)
	vals, _, err := c.LabelValues(ctx, "weird/label", sel)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, vals)
	sets, warns, err := c.Series(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, []map[string]string{{"__name__": "m", "pod": "a"}}, sets)
	assert.Equal(t, []string{"w"}, warns)
	md, _, err := c.Metadata(ctx, "m", 10)
	require.NoError(t, err)
	assert.Equal(t, map[string][]Metadata{"m": {{Type: "gauge", Help: "memory", Unit: "bytes"}}}, md)
	ok, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Connected to Grafana Mimir 2.14.0", ok)
	require.Len(t, got, 5)
	assert.Equal(t, "/prometheus/api/v1/labels", got[0].path)
	assert.Equal(t, "POST", got[0].method)
	assert.Equal(t, []string{`up{job="a"}`}, got[0].form["match[]"])
	assert.Equal(t, "1700000000", got[0].form.Get("start"))
	assert.Equal(t, "/prometheus/api/v1/label/weird%2Flabel/values", got[1].path)
	assert.Equal(t, "GET", got[1].method)
	assert.Equal(t, "/prometheus/api/v1/series", got[2].path)
	assert.Equal(t, "/prometheus/api/v1/metadata", got[3].path)
	assert.Equal(t, "10", got[3].form.Get("limit"))
	assert.Equal(t, "/prometheus/api/v1/status/buildinfo", got[4].path)

	_, err = NewWithConfig(Config{URL: ts.URL, Method: "PUT"})
	assert.ErrorContains(t, err, "choose POST or GET")
}

// The metadata calls have the same caps and error typing as queries.
func TestResourceCaps(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/series"):
			_, _ = io.WriteString(w, `{"status":"success","data":[{"a":"1"},{"a":"2"},{"a":"3"}]}`)
		case strings.HasSuffix(r.URL.Path, "/labels"):
			_, _ = io.WriteString(w, `{"status":"success","data":["a","b","c"]}`)
		case strings.HasSuffix(r.URL.Path, "/metadata"):
			_, _ = io.WriteString(w, `{"status":"success","data":{"a":[],"b":[],"c":[]}}`)
		default:
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"match[]\": 1:3: parse error"}`)
		}
	}))
	defer ts.Close()
	c := newClient(t, Config{URL: ts.URL, MaxSeries: 2})
	ctx := context.Background()
	_, _, err := c.Series(ctx, Selection{Match: []string{"x"}})
	assert.Equal(t, upstream.TooLarge, asUpstream(t, err).Kind)
	assert.ErrorContains(t, err, "more than 2 items")
	_, _, err = c.Labels(ctx, Selection{})
	assert.Equal(t, upstream.TooLarge, asUpstream(t, err).Kind)
	_, _, err = c.Metadata(ctx, "", 0)
	assert.Equal(t, upstream.TooLarge, asUpstream(t, err).Kind)
	_, _, err = c.LabelValues(ctx, "job", Selection{Match: []string{"{"}})
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.BadQuery, ue.Kind)
	assert.Equal(t, "bad_data", ue.Type)
	assert.Contains(t, ue.Msg, "parse error")
	_, _, err = c.Series(ctx, Selection{})
	assert.Equal(t, upstream.BadQuery, asUpstream(t, err).Kind)
}

// secretURLs are data source URLs whose password holds the characters
// that break URL parsing.
var secretPasswords = []string{"s3cr/et", "s3cr#et", "s3cr?et", "s3cr@et", "a/b#c?d@e", "pct%zzpw"}

// A password in the URL is sent as basic auth and never appears in an
// error, whatever it holds and whatever fails.
func TestURLPasswordNeverShown(t *testing.T) {
	var gotUser, gotPass atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		gotUser.Store(u)
		gotPass.Store(p)
		// An upstream that echoes what it was sent.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"status":"error","errorType":"unauthorized","error":"bad credentials %s:%s (%s)"}`, u, p, r.Header.Get("Authorization"))
	}))
	defer ts.Close()
	host := strings.TrimPrefix(ts.URL, "http://")
	ctx := context.Background()
	for _, pw := range secretPasswords {
		t.Run(pw, func(t *testing.T) {
			raw := "http://admin:" + pw + "@" + host + "/prometheus"
			c := newClient(t, Config{URL: raw})
			assert.NotContains(t, c.URL(), pw)
			assert.Equal(t, "http://admin:xxxxx@"+host+"/prometheus", c.URL())
			_, err := c.QueryRange(ctx, q0)
			require.Error(t, err)
			assert.Equal(t, "admin", gotUser.Load())
			assert.Equal(t, pw, gotPass.Load(), "the password is sent as typed")
			checkNoSecret(t, err, pw)
			assert.Contains(t, err.Error(), "[redacted]")
			_, err = c.Health(ctx)
			checkNoSecret(t, err, pw)

			// Unreachable: nothing listens there.
			dead := newClient(t, Config{URL: "http://admin:" + pw + "@" + closedAddr(t)})
			_, err = dead.QueryRange(ctx, q0)
			assert.Equal(t, upstream.Unreachable, asUpstream(t, err).Kind)
			checkNoSecret(t, err, pw)
			_, err = dead.Health(ctx)
			checkNoSecret(t, err, pw)

			// Broken URLs: the error never quotes what precedes the host.
			for _, bad := range []string{"http://admin:" + pw + "@", "http://admin:" + pw + "@:99999", "http://admin:" + pw + "@host:port/x", "ftp://admin:" + pw + "@host", "admin:" + pw + "@host"} {
				_, err := NewWithConfig(Config{URL: bad})
				require.Error(t, err, bad)
				checkNoSecret(t, err, pw)
			}
		})
	}
}

func checkNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	require.Error(t, err)
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte("admin:" + secret))} {
		assert.NotContains(t, err.Error(), form)
		if ue, ok := upstream.AsError(err); ok {
			assert.NotContains(t, ue.Msg+ue.Hint+ue.Type, form)
			if ue.Err != nil {
				assert.NotContains(t, ue.Err.Error(), form)
			}
		}
	}
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// headerRT adds a header to every request, as Grafana's HTTP client does
// for a bearer token or custom headers.
type headerRT struct {
	next        http.RoundTripper
	name, value string
}

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.next.RoundTrip(r)
}

// Credentials never follow a redirect to another host (bearer token,
// basic auth from the URL); a redirect within the host is followed.
func TestRedirects(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, okMatrix)
	}))
	defer other.Close()
	var sameHostAuth atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			sameHostAuth.Store(r.Header.Get("Authorization"))
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, okMatrix)
		case strings.HasPrefix(r.URL.Path, "/local/"):
			http.Redirect(w, r, "/moved"+strings.TrimPrefix(r.URL.Path, "/local"), http.StatusTemporaryRedirect)
		default:
			code := http.StatusFound
			if strings.Contains(r.URL.Path, "307") {
				code = http.StatusTemporaryRedirect
			}
			http.Redirect(w, r, other.URL+r.URL.Path, code)
		}
	}))
	defer origin.Close()
	ctx := context.Background()
	bearer := &http.Client{Transport: headerRT{next: http.DefaultTransport, name: "Authorization", value: "Bearer tok-12345"}}
	host := strings.TrimPrefix(origin.URL, "http://")
	for _, cfg := range []Config{
		{URL: origin.URL, HTTPClient: bearer},
		{URL: origin.URL + "/307", HTTPClient: bearer},
		{URL: "http://admin:pa55word@" + host},
		{URL: "http://admin:pa55word@" + host + "/307", Method: "GET"},
	} {
		_, err := newClient(t, cfg).QueryRange(ctx, q0)
		ue := asUpstream(t, err)
		assert.Contains(t, err.Error(), "credentials are never sent to another host")
		assert.Contains(t, err.Error(), other.URL)
		assert.NotContains(t, err.Error(), "pa55word")
		assert.Equal(t, upstream.BadResponse, ue.Kind)
	}
	assert.Zero(t, leaked.Load(), "a credential reached the other host")

	res, err := newClient(t, Config{URL: origin.URL + "/local", HTTPClient: bearer}).QueryRange(ctx, q0)
	require.NoError(t, err, "a redirect on the same host is followed")
	assert.Len(t, res.Series, 1)
	assert.Equal(t, "Bearer tok-12345", sameHostAuth.Load())
}

// An upstream that echoes the bearer token or a header value gets it
// redacted by the Redactor the caller passes.
func TestRedactorOnEcho(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg, _ := json.Marshal(fmt.Sprintf("tenant %q with %q not allowed", r.Header.Get("X-Scope-OrgID"), r.Header.Get("Authorization")))
		fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":%s}`, msg)
	}))
	defer ts.Close()
	hc := &http.Client{Transport: headerRT{next: headerRT{next: http.DefaultTransport, name: "X-Scope-OrgID", value: "tenant-secret-1"}, name: "Authorization", value: "Bearer tok/en+12345"}}
	c := newClient(t, Config{URL: ts.URL, HTTPClient: hc, Redactor: upstream.NewRedactor("tok/en+12345", "tenant-secret-1")})
	_, err := c.QueryRange(context.Background(), q0)
	ue := asUpstream(t, err)
	assert.Equal(t, "bad_data", ue.Type)
	for _, s := range []string{"tok/en+12345", "tenant-secret-1"} {
		assert.NotContains(t, err.Error(), s)
		assert.NotContains(t, ue.Msg, s)
	}
	assert.Contains(t, ue.Msg, `tenant "[redacted]" with "Bearer [redacted]" not allowed`)
}

// bodyGen writes a valid beginning of a query_range answer and then
// points without end, counting what it managed to write.
type bodyGen struct {
	written       atomic.Int64
	contentLength int64
	gzip          bool // compress when asked (a gzip bomb: tiny on the wire)
}

func (g *bodyGen) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if g.contentLength > 0 {
		w.Header().Set("Content-Length", fmt.Sprint(g.contentLength))
	}
	var out io.Writer = w
	if g.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		out = gz
	}
	write := func(s string) bool {
		n, err := io.WriteString(out, s)
		g.written.Add(int64(n))
		return err == nil
	}
	if !write(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[1700000000,"1"]`) {
		return
	}
	chunk := strings.Repeat(`,[1700000000,"123456789"]`, 4096)
	for i := int64(0); i < (2<<30)/int64(len(chunk)); i++ { // 2 GiB at most
		if !write(chunk) {
			return
		}
	}
}

// A 2 GB answer stops at the body cap with an error naming it, having
// read about the cap and no more; a declared length over the cap fails
// before reading.
func TestHugeBodyStopsAtCap(t *testing.T) {
	const maxBody = 8 << 20
	for _, compress := range []bool{false, true} {
		gen := &bodyGen{}
		ts := httptest.NewServer(gen)
		c := newClient(t, Config{URL: ts.URL, MaxBody: maxBody, MaxPoints: 1 << 30, Compression: compress})
		_, err := c.QueryRange(context.Background(), q0)
		ue := asUpstream(t, err)
		assert.Equal(t, upstream.TooLarge, ue.Kind)
		assert.Equal(t, http.StatusRequestEntityTooLarge, ue.Status())
		assert.Contains(t, err.Error(), "8 MiB")
		assert.Contains(t, err.Error(), "narrow the query")
		ts.Close() // waits for the handler to give up
		// What the server got out: the cap plus what sat in socket buffers.
		assert.Less(t, gen.written.Load(), int64(maxBody+16<<20), "read far past the cap")
		t.Logf("compression %v: server wrote %d bytes for a %d-byte cap", compress, gen.written.Load(), maxBody)
	}

	// A gzip bomb: the cap counts what it inflates to.
	bomb := &bodyGen{gzip: true}
	ts := httptest.NewServer(bomb)
	_, err := newClient(t, Config{URL: ts.URL, MaxBody: maxBody, MaxPoints: 1 << 30, Compression: true}).QueryRange(context.Background(), q0)
	ts.Close()
	assert.Equal(t, upstream.TooLarge, asUpstream(t, err).Kind, "%v", err)
	t.Logf("gzip bomb: server inflated %d bytes before giving up", bomb.written.Load())

	gen := &bodyGen{contentLength: 2 << 30}
	ts = httptest.NewServer(gen)
	defer ts.Close()
	_, err = newClient(t, Config{URL: ts.URL, MaxBody: maxBody}).QueryRange(context.Background(), q0)
	assert.Equal(t, upstream.TooLarge, asUpstream(t, err).Kind)
}

// Bodies that are not a well-formed answer are BadResponse, over HTTP as
// in the decoder.
func TestBadBodiesOverHTTP(t *testing.T) {
	for name, body := range map[string]string{
		"duplicate data":  `{"status":"success","data":{"resultType":"matrix","result":[]},"data":{"resultType":"matrix","result":[]}}`,
		"duplicate label": `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1","a":"2"},"values":[]}]}}`,
		"truncated":       okMatrix[:len(okMatrix)-3],
		"empty":           ``,
	} {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			}))
			defer ts.Close()
			_, err := newClient(t, Config{URL: ts.URL}).QueryRange(context.Background(), q0)
			ue := asUpstream(t, err)
			assert.Equal(t, upstream.BadResponse, ue.Kind, "%v", err)
			assert.Equal(t, http.StatusOK, ue.HTTPStatus)
		})
	}
}

// The context's deadline ends the request; Prometheus' timeout parameter
// is the configured timeout (the HTTP client's), never the caller's
// deadline.
func TestDeadline(t *testing.T) {
	var timeoutParam atomic.Value
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		timeoutParam.Store(r.Form.Get("timeout"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"matrix","result":[`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer ts.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := newClient(t, Config{URL: ts.URL}).QueryRange(ctx, q0)
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.Timeout, ue.Kind, "%v", err)
	assert.Equal(t, 504, ue.Status())
	tp, _ := timeoutParam.Load().(string)
	assert.Empty(t, tp, "the caller's deadline is not Prometheus' timeout")

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = newClient(t, Config{URL: ts.URL, HTTPClient: &http.Client{Timeout: 15 * time.Second}}).QueryRange(ctx, q0)
	assert.Equal(t, upstream.Timeout, asUpstream(t, err).Kind, "%v", err)
	assert.Equal(t, "15", timeoutParam.Load(), "the configured timeout, in seconds")

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = newClient(t, Config{URL: ts.URL}).QueryRange(ctx, q0)
	assert.Equal(t, upstream.Canceled, asUpstream(t, err).Kind)
}

// Against the real Prometheus behind TLS, client certificates and basic
// auth: each credential is checked, the password may hold any character.
func TestRealPrometheusSecured(t *testing.T) {
	pw := "p/ss#w?rd@1"
	end := time.Now().Truncate(time.Minute)
	s := series.Series{Labels: map[string]string{"__name__": "memshape_tls_bytes", "pod": "a"}}
	for i := 0; i < 10; i++ {
		s.T = append(s.T, end.Add(-time.Duration(9-i)*time.Minute).UnixMilli())
		s.V = append(s.V, float64(i))
	}
	srv := promtest.StartWith(t, promtest.Options{TLS: true, ClientCert: true, BasicAuth: &promtest.BasicAuth{User: "grafana", Password: pw}}, s)
	host := strings.TrimPrefix(srv.URL, "https://")
	ctx := context.Background()
	q := upstream.Query{Expr: "memshape_tls_bytes", Start: end.Add(-9 * time.Minute), End: end, Step: time.Minute}

	tlsClient := func(mod func(*tls.Config)) *http.Client {
		cfg := srv.TLSConfig()
		mod(cfg)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg
		return &http.Client{Transport: tr}
	}
	all := tlsClient(func(*tls.Config) {})

	// Everything right, the password in the URL as typed.
	c := newClient(t, Config{URL: "https://grafana:" + pw + "@" + host, HTTPClient: all})
	msg, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `^Connected to Prometheus \d+\.\d+\.\d+$`, msg)
	res, err := c.QueryRange(ctx, q)
	require.NoError(t, err)
	require.Len(t, res.Series, 1)
	assert.Equal(t, s.T, res.Series[0].T)
	assert.Equal(t, s.V, res.Series[0].V)

	// Skip verify instead of the CA.
	skip := tlsClient(func(c *tls.Config) { c.RootCAs, c.InsecureSkipVerify = nil, true })
	_, err = newClient(t, Config{URL: "https://grafana:" + pw + "@" + host, HTTPClient: skip}).Health(ctx)
	require.NoError(t, err)

	// Wrong password.
	_, err = newClient(t, Config{URL: "https://grafana:wrong-pass@" + host, HTTPClient: all}).Health(ctx)
	assert.Equal(t, upstream.Unauthorized, asUpstream(t, err).Kind)
	assert.NotContains(t, err.Error(), "wrong-pass")

	// No CA: the certificate is unknown.
	noCA := tlsClient(func(c *tls.Config) { c.RootCAs = nil })
	_, err = newClient(t, Config{URL: "https://grafana:" + pw + "@" + host, HTTPClient: noCA}).Health(ctx)
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.Unreachable, ue.Kind)
	assert.Contains(t, err.Error(), "certificate")
	checkNoSecret(t, err, pw)

	// No client certificate.
	noCert := tlsClient(func(c *tls.Config) { c.Certificates = nil })
	_, err = newClient(t, Config{URL: "https://grafana:" + pw + "@" + host, HTTPClient: noCert}).QueryRange(ctx, q)
	require.Error(t, err)
	checkNoSecret(t, err, pw)
}

// An API without build information (Thanos Querier) is checked with a
// trivial query; a URL that is not an API at all says where to point it.
func TestHealthWithoutBuildinfo(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/query" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}`)
			return
		}
		http.NotFound(w, r)
	}))
	defer ts.Close()
	msg, err := newClient(t, Config{URL: ts.URL}).Health(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Connected to a Prometheus-compatible API (it gives no build information)", msg)

	_, err = newClient(t, Config{URL: ts.URL + "/wrong"}).Health(context.Background())
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.NotFound, ue.Kind)
	assert.Contains(t, err.Error(), "API root")
}

// A corrupt or cut gzip stream is a BadResponse that says so.
func TestCorruptGzip(t *testing.T) {
	var good bytes.Buffer
	gz := gzip.NewWriter(&good)
	_, _ = io.WriteString(gz, okMatrix)
	_ = gz.Close()
	for name, body := range map[string][]byte{
		"not gzip": []byte("definitely not gzip"),
		"cut":      good.Bytes()[:good.Len()/2],
		"bad crc":  append(append([]byte{}, good.Bytes()[:good.Len()-8]...), 0, 0, 0, 0, 0, 0, 0, 0),
		"good one": good.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(body)
			}))
			defer ts.Close()
			res, err := newClient(t, Config{URL: ts.URL}).QueryRange(context.Background(), q0)
			if name == "good one" {
				require.NoError(t, err)
				assert.Len(t, res.Series, 1)
				return
			}
			ue := asUpstream(t, err)
			assert.Equal(t, upstream.BadResponse, ue.Kind, "%v", err)
		})
	}
}
