package datadog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

const (
	goodAPIKey = "apikey-0123456789abcdef0123456789abcdef"
	goodAppKey = "appkey-0123456789abcdef0123456789abcdef01234567"
)

// fakeDatadog speaks the documented JSON of /api/v1/validate and
// /api/v1/query: keys in DD-API-KEY and DD-APPLICATION-KEY, errors as
// {"errors": ["…"]}, pointlists of [ms, value|null].
type fakeDatadog struct {
	apiKey, appKey string

	mu       sync.Mutex
	requests []*http.Request
	// limited is how many query requests get a 429 before one succeeds;
	// limitHeaders are sent with each 429.
	limited      int
	limitHeaders map[string]string
	// answer, when set, replaces the query answer.
	answer func(w http.ResponseWriter, r *http.Request)
}

func (f *fakeDatadog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(context.Background()))
	limited := f.limited > 0 && r.URL.Path == "/api/v1/query"
	if limited {
		f.limited--
	}
	f.mu.Unlock()

	forbidden := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"errors":["Forbidden"]}`)
	}
	if r.Header.Get("DD-API-KEY") != f.apiKey {
		forbidden()
		return
	}
	switch r.URL.Path {
	case "/api/v1/validate":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"valid":true}`)
	case "/api/v1/query":
		if r.Header.Get("DD-APPLICATION-KEY") != f.appKey {
			forbidden()
			return
		}
		if limited {
			for k, v := range f.limitHeaders {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"errors":["Rate limit of 1600 requests in 3600 seconds reached. Please try again later."]}`)
			return
		}
		if f.answer != nil {
			f.answer(w, r)
			return
		}
		writeSeries(w, r, []fakeSeries{
			{metric: "system.mem.used", tags: []string{"env:prod", "host:web-1"}, values: []any{1.0e9, 1.1e9, nil, 1.3e9}},
			{metric: "system.mem.used", tags: []string{"env:prod", "host:web-2"}, values: []any{nil, 2.0e9, 2.0e9, 2.0e9}},
			{metric: "system.mem.used", tags: []string{"env:prod", "host:web-3"}, values: []any{3.0e9, 3.0e9, 3.0e9, nil}},
		})
	case "/api/v1/metrics", "/api/v1/tags/hosts":
		if r.Header.Get("DD-APPLICATION-KEY") != f.appKey {
			forbidden()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v1/tags/hosts" {
			_, _ = io.WriteString(w, `{"tags":{"env:prod":["web-1","web-2"],"role:web":["web-1","web-2"],"env:stage":["web-3"],"datadog-agent":["web-1"]}}`)
			return
		}
		if r.URL.Query().Get("from") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errors":["Missing 'from' parameter"]}`)
			return
		}
		_, _ = io.WriteString(w, `{"from":"`+r.URL.Query().Get("from")+`","metrics":["system.mem.used","container.memory.usage","system.mem.free","system.mem.used"]}`)
	case "/api/v2/metrics/system.mem.used/all-tags":
		if r.Header.Get("DD-APPLICATION-KEY") != f.appKey {
			forbidden()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"type":"metrics","id":"system.mem.used","attributes":{"tags":["env:prod","host:web-1","host:web-2"],"ingested_tags":["env:prod","host:web-3","team:core"]}}}`)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"errors":["Metric not found"]}`)
	}
}

func (f *fakeDatadog) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func (f *fakeDatadog) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.URL.Path == path {
			n++
		}
	}
	return n
}

type fakeSeries struct {
	metric string
	tags   []string
	values []any // float64 or nil, one per minute from "from"
}

// writeSeries answers a query with the documented response shape; points
// are one minute apart from the request's from.
func writeSeries(w http.ResponseWriter, r *http.Request, ss []fakeSeries) {
	from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	to, _ := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	q := r.URL.Query().Get("query")
	var series []map[string]any
	for _, s := range ss {
		pl := make([][]any, len(s.values))
		for j, v := range s.values {
			pl[j] = []any{float64(from*1000 + int64(j)*60000), v}
		}
		unit := json.RawMessage(`[{"family":"bytes","id":2,"name":"byte","short_name":"B","plural":"bytes","scale_factor":1.0},null]`)
		series = append(series, map[string]any{
			"metric": s.metric, "display_name": s.metric, "unit": unit, "pointlist": pl,
			"scope": strings.Join(s.tags, ","), "tag_set": s.tags, "expression": "avg:" + s.metric + "{" + strings.Join(s.tags, ",") + "}",
			"aggr": "avg", "query_index": 0, "interval": 60, "length": len(pl), "start": from * 1000, "end": to * 1000, "attributes": map[string]any{},
		})
	}
	body, _ := json.Marshal(map[string]any{
		"status": "ok", "res_type": "time_series", "resp_version": 1, "query": q,
		"from_date": from * 1000, "to_date": to * 1000, "series": series, "values": []any{}, "times": []any{},
		"message": "", "group_by": []string{"host"},
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func newFake(t *testing.T) (*fakeDatadog, *httptest.Server) {
	t.Helper()
	f := &fakeDatadog{apiKey: goodAPIKey, appKey: goodAppKey}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func newClient(t *testing.T, site, apiKey, appKey string) *Client {
	t.Helper()
	c, err := New(Config{Site: site, APIKey: apiKey, AppKey: appKey})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error {
		t.Error("slept with no rate limit")
		return nil
	}
	return c
}

// hangGuard is a context that only stops a broken test from hanging.
func hangGuard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestQueryRangeThroughTheOfficialClient(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	res, err := c.QueryRange(hangGuard(t), upstream.Query{
		Expr: "avg:system.mem.used{env:prod} by {host}", Start: t0, End: t0.Add(3 * time.Hour), Step: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last()
	if r.Header.Get("DD-API-KEY") != goodAPIKey || r.Header.Get("DD-APPLICATION-KEY") != goodAppKey {
		t.Errorf("keys not sent in the documented headers: %v", r.Header)
	}
	q := r.URL.Query()
	if q.Get("from") != strconv.FormatInt(t0.Unix(), 10) || q.Get("to") != strconv.FormatInt(t0.Add(3*time.Hour).Unix(), 10) {
		t.Errorf("from/to = %s/%s", q.Get("from"), q.Get("to"))
	}
	if got, want := q.Get("query"), "avg:system.mem.used{env:prod} by {host}.rollup(avg, 60)"; got != want {
		t.Errorf("query %q, want %q", got, want)
	}
	if len(res.Series) != 3 {
		t.Fatalf("%d series, want 3", len(res.Series))
	}
	nan := math.NaN()
	want := []struct {
		host string
		v    []float64
	}{
		{"web-1", []float64{1.0e9, 1.1e9, nan, 1.3e9}},
		{"web-2", []float64{nan, 2.0e9, 2.0e9, 2.0e9}},
		{"web-3", []float64{3.0e9, 3.0e9, 3.0e9, nan}},
	}
	for i, w := range want {
		s := res.Series[i]
		if !reflect.DeepEqual(s.Labels, map[string]string{"__name__": "system.mem.used", "env": "prod", "host": w.host}) {
			t.Errorf("series %d labels %v", i, s.Labels)
		}
		for j := range w.v {
			if s.T[j] != t0.UnixMilli()+int64(j)*60000 {
				t.Errorf("series %d T[%d] = %d", i, j, s.T[j])
			}
			if !(s.V[j] == w.v[j] || math.IsNaN(s.V[j]) && math.IsNaN(w.v[j])) {
				t.Errorf("series %d V[%d] = %v, want %v", i, j, s.V[j], w.v[j])
			}
		}
	}
}

func TestCompression(t *testing.T) {
	f, srv := newFake(t)
	for _, off := range []bool{false, true} {
		c, err := New(Config{Site: srv.URL, APIKey: goodAPIKey, AppKey: goodAppKey, NoCompression: off})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		want := "gzip"
		if off {
			want = "identity"
		}
		if got := f.last().Header.Get("Accept-Encoding"); got != want {
			t.Errorf("NoCompression %v: Accept-Encoding %q, want %q", off, got, want)
		}
	}
}

func TestRollupFromTheStep(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	for _, tt := range []struct {
		expr  string
		rng   time.Duration
		step  time.Duration
		query string
	}{
		{"avg:m{*}", time.Hour, 0, "avg:m{*}"},
		{"avg:m{*}", time.Hour, 15 * time.Second, "avg:m{*}.rollup(avg, 15)"},
		{"avg:m{*}", 30 * time.Minute, 1500 * time.Millisecond, "avg:m{*}.rollup(avg, 2)"},
		// 7 days at 1 minute would be 10,080 points: raised to 404 s.
		{"avg:m{*}", 7 * 24 * time.Hour, time.Minute, "avg:m{*}.rollup(avg, 404)"},
		{"avg:m{*}.rollup(max, 600)", time.Hour, time.Minute, "avg:m{*}.rollup(max, 600)"},
	} {
		if _, err := c.QueryRange(hangGuard(t), upstream.Query{Expr: tt.expr, Start: t0, End: t0.Add(tt.rng), Step: tt.step}); err != nil {
			t.Fatal(err)
		}
		if got := f.last().URL.Query().Get("query"); got != tt.query {
			t.Errorf("%s over %s at %s: sent %q, want %q", tt.expr, tt.rng, tt.step, got, tt.query)
		}
	}
}

func TestWithRollup(t *testing.T) {
	for in, want := range map[string]string{
		"avg:system.mem.used{env:prod} by {host}":   "avg:system.mem.used{env:prod} by {host}.rollup(avg, 60)",
		"avg:system.mem.used{env:prod}BY{host}":     "avg:system.mem.used{env:prod}BY{host}.rollup(avg, 60)",
		"avg:a{*} / avg:b{*}":                       "avg:a{*}.rollup(avg, 60) / avg:b{*}.rollup(avg, 60)",
		"top(avg:m{*} by {pod}, 10, 'max', 'desc')": "top(avg:m{*} by {pod}.rollup(avg, 60), 10, 'max', 'desc')",
		"avg:m{a:b}.fill(null)":                     "avg:m{a:b}.rollup(avg, 60).fill(null)",
		"avg:m{*}.rollup(max)":                      "avg:m{*}.rollup(max)",
		"avg:m{*} . ROLLUP (sum, 5)":                "avg:m{*} . ROLLUP (sum, 5)",
		"avg:m{*":                                   "avg:m{*",
		"avg:m{*}}":                                 "avg:m{*}}",
		"avg:m":                                     "avg:m",
		"avg:m{*} by {host}, max:m{*} by {host}":    "avg:m{*} by {host}.rollup(avg, 60), max:m{*} by {host}.rollup(avg, 60)",
	} {
		if got := WithRollup(in, 60); got != want {
			t.Errorf("WithRollup(%q) = %q, want %q", in, got, want)
		}
	}
	if got := WithRollup("avg:m{*}", 0); got != "avg:m{*}" {
		t.Errorf("no step: %q", got)
	}
}

// recordingTransport sends every request to a local server and records
// the host it was meant for.
type recordingTransport struct {
	to    *url.URL
	mu    sync.Mutex
	hosts []string
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.hosts = append(rt.hosts, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
	rt.mu.Unlock()
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host = rt.to.Scheme, rt.to.Host
	r2.Host = rt.to.Host
	return http.DefaultTransport.RoundTrip(r2)
}

func TestEverySiteMapsToItsAPIHost(t *testing.T) {
	_, srv := newFake(t)
	to, _ := url.Parse(srv.URL)
	want := map[string]string{
		"datadoghq.com":     "https://api.datadoghq.com/api/v1/query",
		"us3.datadoghq.com": "https://api.us3.datadoghq.com/api/v1/query",
		"us5.datadoghq.com": "https://api.us5.datadoghq.com/api/v1/query",
		"datadoghq.eu":      "https://api.datadoghq.eu/api/v1/query",
		"ap1.datadoghq.com": "https://api.ap1.datadoghq.com/api/v1/query",
		"ap2.datadoghq.com": "https://api.ap2.datadoghq.com/api/v1/query",
		"ddog-gov.com":      "https://api.ddog-gov.com/api/v1/query",
		"uk1.datadoghq.com": "https://api.uk1.datadoghq.com/api/v1/query",
		"us2.ddog-gov.com":  "https://api.us2.ddog-gov.com/api/v1/query",
		" DatadogHQ.EU/ ":   "https://api.datadoghq.eu/api/v1/query",
		"":                  "https://api.datadoghq.com/api/v1/query",
		// A full URL (a proxy), its path prefix kept.
		"https://dd-proxy.internal:8443/datadog/": "https://dd-proxy.internal:8443/datadog/api/v1/query",
	}
	for _, site := range Sites {
		if _, ok := want[site]; !ok {
			t.Errorf("site %s has no expectation", site)
		}
	}
	for site, w := range want {
		rt := &recordingTransport{to: to}
		c, err := New(Config{Site: site, APIKey: goodAPIKey, AppKey: goodAppKey, HTTPClient: &http.Client{Transport: rt}})
		if err != nil {
			t.Fatalf("%q: %v", site, err)
		}
		if _, err := c.QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)}); err != nil {
			// The proxy's path prefix is not served by the fake; the
			// request went to the right place all the same.
			if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.NotFound || !strings.Contains(site, "proxy") {
				t.Fatalf("%q: %v", site, err)
			}
		}
		if len(rt.hosts) == 0 || rt.hosts[0] != w {
			t.Errorf("site %q: request to %v, want %s", site, rt.hosts, w)
		}
	}
}

func TestFullURLWithPathPrefix(t *testing.T) {
	f := &fakeDatadog{apiKey: goodAPIKey, appKey: goodAppKey}
	mux := http.NewServeMux()
	mux.Handle("/dd/", http.StripPrefix("/dd", f))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newClient(t, srv.URL+"/dd/", goodAPIKey, goodAppKey)
	res, err := c.QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	if err != nil || len(res.Series) != 3 {
		t.Fatalf("%v, %d series", err, len(res.Series))
	}
	if ok, err := c.Health(hangGuard(t)); err != nil || !strings.Contains(ok, srv.URL+"/dd") {
		t.Errorf("health %q, %v", ok, err)
	}
}

func TestUnknownSite(t *testing.T) {
	for site, want := range map[string][]string{
		"datadoghq.co":                {`unknown Datadog site "datadoghq.co"`, "datadoghq.eu", "ddog-gov.com", "full URL"},
		"app.datadoghq.eu":            {`did you mean datadoghq.eu?`},
		"ftp://example.com":           {"must start with http:// or https://"},
		"https://":                    {"has no host"},
		"https://user:pa ss@host:%zz": {"not a valid URL"},
	} {
		_, err := New(Config{Site: site})
		if err == nil {
			t.Errorf("%q: no error", site)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %q lacks %q", site, err, w)
			}
		}
		if strings.Contains(err.Error(), "pa ss") {
			t.Errorf("%q: password in %q", site, err)
		}
	}
}

func TestHealth(t *testing.T) {
	_, srv := newFake(t)
	ok, err := newClient(t, srv.URL, goodAPIKey, goodAppKey).Health(hangGuard(t))
	if err != nil || !strings.Contains(ok, "API key and application key accepted") {
		t.Fatalf("health %q, %v", ok, err)
	}

	for _, tt := range []struct {
		name           string
		apiKey, appKey string
		sentinel       error
		want           string
	}{
		{"wrong API key", "apikey-wrong-wrong-wrong", goodAppKey, ErrAPIKey, "the API key was refused"},
		{"wrong application key", goodAPIKey, "appkey-wrong-wrong-wrong", ErrAppKey, "the application key was refused"},
		{"both wrong", "apikey-wrong-wrong-wrong", "appkey-wrong-wrong-wrong", ErrAPIKey, "the API key was refused"},
		{"no API key", "", goodAppKey, ErrAPIKey, "no API key is set"},
		{"no application key", goodAPIKey, "", ErrAppKey, "no application key is set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(t, srv.URL, tt.apiKey, tt.appKey).Health(hangGuard(t))
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err %v, want %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%q lacks %q", err, tt.want)
			}
			e, _ := upstream.AsError(err)
			if e.Kind != upstream.Forbidden && e.Kind != upstream.Unauthorized {
				t.Errorf("kind %s", e.Kind)
			}
		})
	}
}

func TestQueryForbiddenNamesTheKey(t *testing.T) {
	f, srv := newFake(t)
	for _, tt := range []struct {
		apiKey, appKey string
		sentinel       error
		want           string
	}{
		{"apikey-wrong-wrong-wrong", goodAppKey, ErrAPIKey, "Datadog denied access (403): Forbidden: the API key was refused"},
		{goodAPIKey, "appkey-wrong-wrong-wrong", ErrAppKey, "Datadog denied access (403): Forbidden: the application key was refused"},
	} {
		before := f.count("/api/v1/validate")
		_, err := newClient(t, srv.URL, tt.apiKey, tt.appKey).QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
		if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err %v, want %v with %q", err, tt.sentinel, tt.want)
		}
		if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.Forbidden || e.HTTPStatus != 403 || e.Status() != 403 {
			t.Errorf("%#v", e)
		}
		if f.count("/api/v1/validate") != before+1 {
			t.Errorf("the key was not identified with /api/v1/validate")
		}
	}
}

func TestErrorsKeepDatadogsWords(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		kind   upstream.Kind
		want   string
	}{
		{"bad query", 400, `{"errors":["Error parsing query: unable to parse avg:m{: Rule 'scope_expr' didn't match"]}`, upstream.BadQuery,
			"Datadog rejected the query: Error parsing query: unable to parse avg:m{: Rule 'scope_expr' didn't match"},
		{"unauthorized", 401, `{"errors":["Unauthorized"]}`, upstream.Unauthorized, "Datadog refused the credentials (401): Unauthorized: the application key was refused"},
		{"not found", 404, `{"errors":["Not found"]}`, upstream.NotFound, "Not found (check the Datadog site"},
		{"server error", 500, `{"errors":["Internal Server Error"]}`, upstream.Server, "Datadog answered 500 Internal Server Error: Internal Server Error"},
		{"bad gateway page", 502, `<html><body>Bad Gateway</body></html>`, upstream.Server, "Datadog answered 502 Bad Gateway: Bad Gateway"},
		{"gateway timeout", 504, `{"errors":["Query timed out"]}`, upstream.Timeout, "Datadog query timed out: Query timed out"},
		{"JSON:API errors", 400, `{"errors":[{"status":"400","title":"Bad Request","detail":"invalid from"}]}`, upstream.BadQuery, "invalid from"},
		{"status error in a 200", 200, `{"status":"error","res_type":"time_series","series":[],"error":"Error parsing query: \n unable to parse avg:m{env:prod"}`, upstream.BadQuery,
			"Datadog rejected the query: Error parsing query: \n unable to parse avg:m{env:prod"},
		{"malformed 200", 200, `{"status":"ok","series":[{"pointlist":[[1,`, upstream.BadResponse, "could not be read"},
		{"short point", 200, `{"status":"ok","series":[{"metric":"m","pointlist":[[1700000000000]]}]}`, upstream.BadResponse, "series[0].pointlist[0]: want [<unix ms>, <value or null>], got [1700000000000]"},
		{"wrong type", 200, `{"status":"ok","series":[{"metric":"m","pointlist":[[1700000000000,"12"]]}]}`, upstream.BadResponse, "does not match the /api/v1/query response schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.answer = func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}
			_, err := newClient(t, srv.URL, goodAPIKey, goodAppKey).QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
			e, ok := upstream.AsError(err)
			if !ok {
				t.Fatalf("err %v is not an *upstream.Error", err)
			}
			if e.Source != upstream.Datadog || e.Kind != tt.kind {
				t.Errorf("source %s kind %s, want datadog %s", e.Source, e.Kind, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%q lacks %q", err, tt.want)
			}
		})
	}
}

func TestRateLimitBackoffThenSuccess(t *testing.T) {
	f, srv := newFake(t)
	f.limited = 2
	f.limitHeaders = map[string]string{"X-RateLimit-Limit": "1600", "X-RateLimit-Period": "3600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7", "X-RateLimit-Name": "query"}
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	res, err := c.QueryRange(ctx, upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	if err != nil || len(res.Series) != 3 {
		t.Fatalf("%v, %d series", err, len(res.Series))
	}
	if !reflect.DeepEqual(slept, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("slept %v, want the 7 s Datadog asked for, twice", slept)
	}
	if n := f.count("/api/v1/query"); n != 3 {
		t.Errorf("%d queries, want 3", n)
	}
}

func TestRateLimitWithoutResetHeaderBacksOffExponentially(t *testing.T) {
	f, srv := newFake(t)
	f.limited = 3
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	if _, err := c.QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(slept, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}) {
		t.Errorf("slept %v", slept)
	}
}

func TestRateLimitBeyondTheDeadline(t *testing.T) {
	f, srv := newFake(t)
	f.limited = 1
	f.limitHeaders = map[string]string{"X-RateLimit-Limit": "1600", "X-RateLimit-Period": "3600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800"}
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	slept := false
	c.sleep = func(context.Context, time.Duration) error { slept = true; return nil }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.QueryRange(ctx, upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	e, ok := upstream.AsError(err)
	if !ok || e.Kind != upstream.RateLimited || e.HTTPStatus != 429 || e.Status() != 429 {
		t.Fatalf("err %v", err)
	}
	if slept {
		t.Error("slept although the wait ends after the deadline")
	}
	for _, w := range []string{
		"Datadog is rate limiting (429): Rate limit of 1600 requests in 3600 seconds reached. Please try again later.",
		"limit 1600 requests per 3600 s", "resets in 1800 s", "Datadog rate limit: retry after 30 min, beyond the 30 s left before the query's deadline",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q lacks %q", err, w)
		}
	}
	if n := f.count("/api/v1/query"); n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
}

func TestRateLimitGivesUp(t *testing.T) {
	f, srv := newFake(t)
	f.limited = 100
	f.limitHeaders = map[string]string{"X-RateLimit-Reset": "1"}
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	sleeps := 0
	c.sleep = func(context.Context, time.Duration) error { sleeps++; return nil }
	_, err := c.QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.RateLimited || !strings.Contains(err.Error(), "after 3 retries") {
		t.Fatalf("err %v", err)
	}
	if sleeps != MaxRetries {
		t.Errorf("%d sleeps, want %d", sleeps, MaxRetries)
	}

	// Without a deadline, a wait longer than MaxWaitWithoutDeadline is not
	// waited for.
	f.mu.Lock()
	f.limited, f.limitHeaders = 1, map[string]string{"X-RateLimit-Reset": "3600"}
	f.mu.Unlock()
	sleeps = 0
	_, err = c.QueryRange(context.Background(), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.RateLimited || sleeps != 0 {
		t.Fatalf("err %v, %d sleeps", err, sleeps)
	}
}

// The data source's timeout bounds a query's rate-limit waits, whatever
// the caller's deadline: a wait beyond it is not waited for, and the
// error says so.
func TestRateLimitStopsAtTheTimeout(t *testing.T) {
	f, srv := newFake(t)
	f.limited = 100
	f.limitHeaders = map[string]string{"X-RateLimit-Limit": "100", "X-RateLimit-Period": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}
	c, err := New(Config{Site: srv.URL, APIKey: goodAPIKey, AppKey: goodAppKey, Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error {
		t.Error("waited 20 s with a 15 s timeout")
		return nil
	}
	caller, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	q := upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)}
	_, err = c.QueryRange(caller, q)
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.RateLimited {
		t.Fatalf("err %v", err)
	}
	if w := "Datadog rate limit: retry after 20 s, beyond the 15 s timeout"; !strings.Contains(err.Error(), w) {
		t.Errorf("%q lacks %q", err, w)
	}
	if n := f.count("/api/v1/query"); n != 1 {
		t.Errorf("%d queries, want 1", n)
	}

	// Shorter waits are waited for while they fit: 5 s asked, a clock
	// moved by each wait: two waits fit in 15 s, a third would end at the
	// timeout.
	f.mu.Lock()
	f.limitHeaders["X-RateLimit-Reset"] = "5"
	f.mu.Unlock()
	clock := time.Now()
	c.now = func() time.Time { return clock }
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		clock = clock.Add(d)
		return nil
	}
	_, err = c.QueryRange(caller, q)
	if err == nil {
		t.Fatal("no error while rate limited")
	}
	if !reflect.DeepEqual(slept, []time.Duration{5 * time.Second, 5 * time.Second}) {
		t.Errorf("slept %v, want 5 s twice", slept)
	}
	if w := "Datadog rate limit: retry after 5 s, beyond the 15 s timeout (5 s of it left)"; !strings.Contains(err.Error(), w) {
		t.Errorf("%q lacks %q", err, w)
	}
	if n := f.count("/api/v1/query"); n != 1+3 {
		t.Errorf("%d queries, want 4", n)
	}

	// A health check is bounded the same way.
	f.mu.Lock()
	f.limitHeaders["X-RateLimit-Reset"] = "20"
	f.mu.Unlock()
	slept = nil
	if _, err := c.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "retry after 20 s, beyond the 15 s timeout") || len(slept) > 0 {
		t.Errorf("health: %v, slept %v", err, slept)
	}
}

func TestSleepStopsAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx on a done context: %v", err)
	}
}

func TestBodyOverTheCap(t *testing.T) {
	_, srv := newFake(t)
	c, err := New(Config{Site: srv.URL, APIKey: goodAPIKey, AppKey: goodAppKey, MaxBody: 600})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	e, ok := upstream.AsError(err)
	if !ok || e.Kind != upstream.TooLarge || e.Source != upstream.Datadog || !strings.Contains(err.Error(), "600 B cap") {
		t.Fatalf("err %v", err)
	}
}

func TestRedirectToAnotherHost(t *testing.T) {
	var leaked []string
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("DD-API-KEY")+r.Header.Get("DD-APPLICATION-KEY"))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"status":"ok","series":[]}`)
	}))
	defer other.Close()
	f, srv := newFake(t)
	f.answer = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}
	_, err := newClient(t, srv.URL, goodAPIKey, goodAppKey).QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	if e, ok := upstream.AsError(err); !ok || !strings.Contains(err.Error(), "credentials are never sent to another host") || e.Source != upstream.Datadog {
		t.Fatalf("err %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Errorf("the other host was called: %q", leaked)
	}
}

func TestSeriesAndPointCaps(t *testing.T) {
	_, srv := newFake(t)
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	q := upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour), MaxSeries: 2}
	_, err := c.QueryRange(hangGuard(t), q)
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.TooLarge || !strings.Contains(err.Error(), "3 series, more than the cap of 2") {
		t.Errorf("series cap: %v", err)
	}
	q.MaxSeries, q.MaxPoints = 0, 11
	_, err = c.QueryRange(hangGuard(t), q)
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.TooLarge || !strings.Contains(err.Error(), "12 points, more than the cap of 11") {
		t.Errorf("points cap: %v", err)
	}
	q.MaxPoints = 12
	if res, err := c.QueryRange(hangGuard(t), q); err != nil || len(res.Series) != 3 {
		t.Errorf("at the cap: %v", err)
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	release := make(chan struct{})
	f, srv := newFake(t)
	f.answer = func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := newClient(t, srv.URL, goodAPIKey, goodAppKey).QueryRange(ctx, upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.Timeout || e.Status() != 504 {
		t.Errorf("timeout: %v", err)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err = newClient(t, dead.URL, goodAPIKey, goodAppKey).QueryRange(hangGuard(t), upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
	e, ok := upstream.AsError(err)
	if !ok || e.Kind != upstream.Unreachable || !strings.Contains(err.Error(), "Get "+dead.URL+"/api/v1/query: ") {
		t.Errorf("unreachable: %v", err)
	}
	if strings.Contains(err.Error(), "from=") {
		t.Errorf("the query string is in the message: %v", err)
	}
}

func TestBadQueries(t *testing.T) {
	_, srv := newFake(t)
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	for _, q := range []upstream.Query{
		{Expr: "  ", Start: t0, End: t0.Add(time.Hour)},
		{Expr: "avg:m{*}", Start: t0, End: t0.Add(-time.Hour)},
	} {
		if e, ok := upstream.AsError(func() error { _, err := c.QueryRange(hangGuard(t), q); return err }()); !ok || e.Kind != upstream.BadQuery {
			t.Errorf("%+v: %v", q, e)
		}
	}
}

// TestKeysNeverAppear provokes every failure with distinctive keys that
// the server echoes back, and looks for them in every error text and in
// the log.
func TestKeysNeverAppear(t *testing.T) {
	const apiKey, appKey = "API-SECRET-7c1e4b2a9d", "APP-SECRET-3f8d6e0b5c"
	var logs bytes.Buffer
	orig := log.Writer()
	log.SetOutput(&logs)
	defer log.SetOutput(orig)

	echo := func(status int) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Reset", "99999")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":["key %s / %s rejected", %q]}`, r.Header.Get("DD-API-KEY"), r.Header.Get("DD-APPLICATION-KEY"), url.QueryEscape(r.Header.Get("DD-API-KEY")))
		}
	}
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()

	type provoke struct {
		name   string
		site   string
		apiKey string
		answer func(w http.ResponseWriter, r *http.Request)
		health bool
		ctx    func() (context.Context, context.CancelFunc)
		max    int64
	}
	var cases []provoke
	for _, s := range []int{400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504} {
		cases = append(cases, provoke{name: strconv.Itoa(s), answer: echo(s)})
	}
	cases = append(cases,
		provoke{name: "status error in 200", answer: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"status":"error","error":"bad %s %s"}`, r.Header.Get("DD-API-KEY"), r.Header.Get("DD-APPLICATION-KEY"))
		}},
		provoke{name: "malformed 200", answer: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"series":[{"metric":"%s","pointlist":[[1,`, r.Header.Get("DD-API-KEY"))
		}},
		provoke{name: "text body", answer: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, "upstream said %s and %s", r.Header.Get("DD-API-KEY"), r.Header.Get("DD-APPLICATION-KEY"))
		}},
		provoke{name: "redirect", answer: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/?k="+r.Header.Get("DD-API-KEY"), http.StatusFound)
		}},
		provoke{name: "body cap", max: 10, answer: echo(200)},
		provoke{name: "timeout", answer: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			}},
		provoke{name: "unreachable", site: dead.URL},
		provoke{name: "unreachable, password in URL", site: strings.Replace(dead.URL, "://", "://u:"+apiKey+"@", 1)},
		provoke{name: "wrong API key", apiKey: "API-SECRET-wrong-0000"},
		provoke{name: "health, wrong API key", apiKey: "API-SECRET-wrong-0000", health: true},
		provoke{name: "health, 500", answer: echo(500), health: true},
		provoke{name: "health, 403", answer: echo(403), health: true},
		provoke{name: "health, 429", answer: echo(429), health: true},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			key := apiKey
			if tt.apiKey != "" {
				key = tt.apiKey
			}
			f := &fakeDatadog{apiKey: apiKey, appKey: appKey, answer: tt.answer}
			srv := httptest.NewServer(f)
			defer srv.Close()
			site := srv.URL
			if tt.site != "" {
				site = tt.site
			}
			c, err := New(Config{Site: site, APIKey: key, AppKey: appKey, MaxBody: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			c.sleep = func(context.Context, time.Duration) error { return nil }
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			var text string
			if tt.health {
				ok, err := c.Health(ctx)
				if err == nil {
					t.Fatalf("health passed: %s", ok)
				}
				text = ok + err.Error()
				err = errors.Unwrap(err)
				for err != nil {
					text += err.Error()
					err = errors.Unwrap(err)
				}
			} else {
				_, err := c.QueryRange(ctx, upstream.Query{Expr: "avg:m{*}", Start: t0, End: t0.Add(time.Hour)})
				if err == nil {
					t.Fatal("no error")
				}
				e, _ := upstream.AsError(err)
				text = err.Error() + fmt.Sprintf("%+v", e)
				for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
					text += u.Error()
				}
			}
			text += logs.String()
			for _, secret := range []string{apiKey, appKey, "API-SECRET", "APP-SECRET", url.QueryEscape(apiKey)} {
				if strings.Contains(text, secret) {
					t.Errorf("%q appears in %q", secret, text)
				}
			}
		})
	}
}
