// Package prometheus is the Prometheus upstream: range queries (memory
// series in), health, and the metadata calls the query editor needs
// (labels, label values, series, metric metadata), against Prometheus or
// anything that speaks its HTTP API (Mimir, Cortex, Thanos Querier; a path
// prefix such as /prometheus in the URL is kept).
//
// It makes its own requests on the caller's *http.Client, so that answers
// stream: a query_range body is decoded once, as it arrives, straight into
// each series' columns (DecodeQueryRange, which the CLI uses for saved
// bodies too), with the body, series and points caps enforced while
// reading. Failures are *upstream.Error carrying Prometheus' own error
// type and message, with every secret removed.
package prometheus

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

var _ upstream.Client = (*Client)(nil)

// MaxPointsPerSeries is Prometheus' limit on (end-start)/step for
// query_range; above it Prometheus answers 400 bad_data.
const MaxPointsPerSeries = 11000

// Config says how to reach one Prometheus.
type Config struct {
	// URL is the API root, e.g. http://prometheus:9090 or, for Mimir,
	// https://mimir.example.com/prometheus. User info in it is sent as
	// basic auth and never appears in a message.
	URL string
	// HTTPClient carries authentication, TLS, custom headers and the
	// timeout (nil: a default client). The Client uses a copy whose
	// transport enforces MaxBody and whose redirects stay on the first
	// host, so credentials never reach another.
	HTTPClient *http.Client
	// Method is "POST" (a form; the default) or "GET" for the query and
	// the calls that allow both.
	Method string
	// Compression asks for gzip answers. Off (the default) asks for
	// identity: Prometheus spends about 11 times the CPU of writing a
	// query_range answer on compressing it, which the network saves only
	// on a slow or metered link; a data source reaching Prometheus
	// across a WAN, or a proxy that charges by the byte, turns it on.
	Compression bool
	// MaxBody caps one answer's bytes, after decompression (0: no cap on
	// the body: the caps on decoded series, points and memory hold the
	// memory an answer takes, the body itself is never held).
	MaxBody int64
	// MaxSeries, MaxPoints and MaxBytes are the caps for queries that set
	// none (0: upstream.DefaultMaxSeries, DefaultMaxPoints,
	// DefaultMaxBytes). MaxSeries also caps the items of a metadata call.
	MaxSeries int
	MaxPoints int
	MaxBytes  int64
	// Tenant, when set, is sent as X-Scope-OrgID on every request: the
	// tenant of Mimir, Cortex, Loki-style gateways and Thanos' receive
	// tenancy. A custom header of the same name set on HTTPClient wins.
	Tenant string
	// PartialResponse, when set, is sent as Thanos Querier's
	// partial_response parameter: true accepts an answer some stores could
	// not add to (with a warning, shown as a notice), false makes such an
	// answer an error. Unset leaves the querier's own default.
	PartialResponse *bool
	// TimeShard, when set, splits a range query longer than one shard
	// into queries of at most that long, each aligned to a multiple of it
	// from the Unix epoch (days, for a shard of 24h) and to the step, and
	// fetches them in parallel (ShardParallel at a time): a query
	// frontend (Mimir, Cortex, Thanos) caches each day's answer and
	// computes the days in parallel. A plain Prometheus gains nothing.
	TimeShard     time.Duration
	ShardParallel int
	// Redactor removes the caller's secrets (bearer token, passwords,
	// header values) from every error, including what the upstream echoes
	// back. The URL's password is added to it.
	Redactor *upstream.Redactor
}

// Client talks to one Prometheus.
type Client struct {
	base      *url.URL // no user info
	user      *url.Userinfo
	display   string // the URL for messages, password masked
	hc        *http.Client
	method    string
	compress  bool
	maxSeries int
	maxPoints int
	maxBytes  int64
	tenant    string
	partial   string // "", "true" or "false"
	shard     time.Duration
	parallel  int
	red       *upstream.Redactor // the caller's secrets (may be nil)
	urlRed    *upstream.Redactor // the URL's password
}

// New returns a client for the server at rawURL using hc (nil: a default
// client), with the default settings.
func New(rawURL string, hc *http.Client) (*Client, error) {
	return NewWithConfig(Config{URL: rawURL, HTTPClient: hc})
}

// NewWithConfig returns a client for cfg. The error says what is wrong
// with the URL or method, never quoting a password.
func NewWithConfig(cfg Config) (*Client, error) {
	base, user, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base: base, user: user,
		compress:  cfg.Compression,
		maxSeries: cfg.MaxSeries, maxPoints: cfg.MaxPoints, maxBytes: cfg.MaxBytes,
		tenant: strings.TrimSpace(cfg.Tenant), shard: cfg.TimeShard, parallel: cfg.ShardParallel,
		red: cfg.Redactor, urlRed: upstream.NewRedactor(),
	}
	shown := *base
	if user != nil {
		if p, ok := user.Password(); ok {
			// The password, and the Authorization header it becomes, which
			// an upstream may echo.
			c.urlRed.Add(p, base64.StdEncoding.EncodeToString([]byte(user.Username()+":"+p)))
			shown.User = url.UserPassword(user.Username(), "xxxxx")
		} else {
			shown.User = user
		}
	}
	c.display = shown.String()
	if c.method, err = Method(cfg.Method); err != nil {
		return nil, err
	}
	if c.maxSeries <= 0 {
		c.maxSeries = upstream.DefaultMaxSeries
	}
	if c.maxPoints <= 0 {
		c.maxPoints = upstream.DefaultMaxPoints
	}
	if c.maxBytes <= 0 {
		c.maxBytes = upstream.DefaultMaxBytes
	}
	if cfg.PartialResponse != nil {
		c.partial = strconv.FormatBool(*cfg.PartialResponse)
	}
	if c.shard < 0 {
		return nil, fmt.Errorf("time shard %s is negative: give a duration such as 24h, or 0 for none", c.shard)
	}
	if c.parallel <= 0 {
		c.parallel = DefaultShardParallel
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	next = gunzip{next: next, ask: c.compress}
	if cfg.MaxBody > 0 {
		next = upstream.CapBody(next, upstream.Prometheus, cfg.MaxBody)
	}
	hc.Transport = next
	upstream.SameHostRedirects(hc, upstream.Prometheus)
	c.hc = hc
	return c, nil
}

// URL is the server's address with any password masked.
func (c *Client) URL() string { return c.display }

// Source is upstream.Prometheus.
func (c *Client) Source() upstream.Source { return upstream.Prometheus }

// parseURL reads the data source URL. A password may hold '/', '#', '?'
// or '@' unescaped, as people type it: when the standard parse does not
// give a sensible host, everything before the last '@' is taken as the
// user info. Messages never quote it.
func parseURL(raw string) (*url.URL, *url.Userinfo, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil, errors.New("the Prometheus URL is empty: set it, e.g. http://prometheus:9090")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, nil, fmt.Errorf("the Prometheus URL %q must start with http:// or https://", redactURLString(raw))
	}
	var u *url.URL
	var user *url.Userinfo
	std, err := url.Parse(scheme + "://" + rest)
	if err == nil && std.Host != "" && std.Fragment == "" && !strings.Contains(std.Path+std.RawQuery, "@") && validPort(std.Port()) {
		u, user = std, std.User
	} else if at := strings.LastIndex(rest, "@"); at >= 0 {
		info, host := rest[:at], rest[at+1:]
		u, err = url.Parse(scheme + "://" + host)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, nil, fmt.Errorf("the Prometheus URL %q is not a valid URL: %v", redactURLString(raw), err)
		}
		name, pass, hasPass := strings.Cut(info, ":")
		name, pass = unescapeLoose(name), unescapeLoose(pass)
		if hasPass {
			user = url.UserPassword(name, pass)
		} else {
			user = url.User(name)
		}
	} else {
		if err == nil {
			return nil, nil, fmt.Errorf("the Prometheus URL %q has no host", redactURLString(raw))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, fmt.Errorf("the Prometheus URL %q is not a valid URL: %v", redactURLString(raw), err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, nil, fmt.Errorf("the Prometheus URL %q has no host", redactURLString(raw))
	}
	if !validPort(u.Port()) {
		return nil, nil, fmt.Errorf("the Prometheus URL %q has an invalid port", redactURLString(raw))
	}
	if u.Fragment != "" {
		return nil, nil, fmt.Errorf("the Prometheus URL %q has a #fragment: remove it", redactURLString(raw))
	}
	u.User = nil
	return u, user, nil
}

func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

func unescapeLoose(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// redactURLString shows a URL without anything that could be a password:
// everything before the last '@' of the authority is dropped.
func redactURLString(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "…@" + s[i+1:]
		}
		return s
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return scheme + "://…@" + rest[i+1:]
	}
	return s
}

// Step returns the step to use for a range query over [start, end] when
// want is asked for: want rounded up to a whole millisecond (at least 1 s
// when want <= 0 and the range is empty), raised so that the query stays
// within MaxPointsPerSeries. raised reports whether it had to be raised.
func Step(start, end time.Time, want time.Duration) (step time.Duration, raised bool) {
	return Upstream{}.Rules().Step(start, end, want)
}

// QueryRange runs q.Expr over [q.Start, q.End] at q.Step: in one
// request, or in time shards fetched in parallel (Config.TimeShard).
func (c *Client) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	if q.Step <= 0 {
		return upstream.Result{}, c.badQuery("the step must be positive, got %s", q.Step)
	}
	if q.End.Before(q.Start) {
		return upstream.Result{}, c.badQuery("the range ends (%s) before it starts (%s)", q.End.UTC().Format(time.RFC3339), q.Start.UTC().Format(time.RFC3339))
	}
	lim := Limits{MaxSeries: q.MaxSeries, MaxPoints: q.MaxPoints, MaxBytes: q.MaxBytes}
	if lim.MaxSeries <= 0 {
		lim.MaxSeries = c.maxSeries
	}
	if lim.MaxPoints <= 0 {
		lim.MaxPoints = c.maxPoints
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = c.maxBytes
	}
	if shards := c.shards(q); len(shards) > 1 {
		q.Each = nil // shards' series are joined after
		return c.queryShards(ctx, q, shards, lim)
	}
	return c.queryRange(ctx, q, lim, nil)
}

// queryRange runs one range request, decoding onto the query's grid (col,
// when not nil, is that grid's time column, shared with other shards).
func (c *Client) queryRange(ctx context.Context, q upstream.Query, lim Limits, acct *shardAccount) (upstream.Result, error) {
	params := url.Values{
		"query": {q.Expr},
		"start": {formatTime(q.Start)},
		"end":   {formatTime(q.End)},
		"step":  {formatSeconds(q.Step.Milliseconds())},
	}
	if t := c.hc.Timeout; t >= time.Millisecond {
		// The configured timeout (the HTTP client's, the data source's
		// setting), never the caller's deadline.
		params.Set("timeout", formatSeconds(t.Milliseconds()))
	}
	resp, err := c.do(ctx, c.method, "api/v1/query_range", params)
	if err != nil {
		return upstream.Result{}, err
	}
	defer resp.Body.Close()
	opt := DecodeOptions{Limits: lim, Grid: GridOf(q.Start, q.End, q.Step), Each: q.Each}
	opt.Reserve = func(n int64) error { return upstream.Reserve(ctx, n) }
	if acct != nil {
		acct.limit(&opt)
	}
	res, err := DecodeQueryRange(resp.Body, opt)
	if err != nil {
		return upstream.Result{}, c.bodyErr(ctx, resp, err)
	}
	return res, nil
}

// Health asks Prometheus for its build information: "Connected to
// Prometheus 2.42.0". An API without it (Thanos Querier) is checked with
// a trivial query instead.
func (c *Client) Health(ctx context.Context) (string, error) {
	info := map[string]string{}
	_, err := c.call(ctx, http.MethodGet, "api/v1/status/buildinfo", nil, func(d *decoder) bool { return d.stringMap(info) })
	if err == nil {
		app := info["application"]
		if app == "" && info["version"] == "" {
			// VictoriaMetrics answers with an empty object.
			return "Connected to a Prometheus-compatible API (it gives no build information)", nil
		}
		if app == "" {
			app = "Prometheus"
		}
		// Build metadata (a distribution's "+ds") is not part of the
		// version people compare.
		if v, _, _ := strings.Cut(info["version"], "+"); v != "" {
			return c.redactString("Connected to " + app + " " + v), nil
		}
		return c.redactString("Connected to " + app), nil
	}
	if ue, ok := upstream.AsError(err); !ok || ue.Kind != upstream.NotFound {
		return "", err
	}
	params := url.Values{"query": {"1"}}
	if _, qerr := c.call(ctx, c.method, "api/v1/query", params, (*decoder).skip); qerr != nil {
		if ue, ok := upstream.AsError(qerr); ok && ue.Kind == upstream.NotFound {
			ue.Hint = notFoundHint
		}
		return "", qerr
	}
	return "Connected to a Prometheus-compatible API (it gives no build information)", nil
}

// partialPaths are the calls Thanos Querier takes partial_response on
// (and api/v1/label/<name>/values).
var partialPaths = map[string]bool{
	"api/v1/query": true, "api/v1/query_range": true, "api/v1/series": true,
	"api/v1/labels": true, "api/v1/metadata": true,
}

const (
	notFoundHint = "check that the URL points at the Prometheus API root, e.g. http://prometheus:9090, or https://mimir.example.com/prometheus for Mimir"
	timeoutHint  = "raise the timeout in the data source settings, or narrow the query"
)

func (c *Client) badQuery(format string, args ...any) error {
	return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: fmt.Sprintf(format, args...)}
}

// formatTime writes t as Unix seconds with milliseconds, exactly.
func formatTime(t time.Time) string { return formatSeconds(t.UnixMilli()) }

func formatSeconds(ms int64) string {
	neg := ms < 0
	if neg {
		ms = -ms
	}
	s := strconv.FormatInt(ms/1000, 10)
	if f := ms % 1000; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", f), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// do sends one API request and returns a 2xx answer whose body is the
// caller's to read and close; any other answer is turned into an error.
func (c *Client) do(ctx context.Context, method, path string, params url.Values) (*http.Response, error) {
	u := c.base.JoinPath(path)
	for k, vs := range c.base.Query() {
		if _, ok := params[k]; !ok {
			params[k] = vs
		}
	}
	if c.partial != "" && (partialPaths[path] || strings.HasPrefix(path, "api/v1/label/")) {
		if _, ok := params["partial_response"]; !ok {
			params.Set("partial_response", c.partial)
		}
	}
	var body io.Reader
	if method == http.MethodGet {
		u.RawQuery = params.Encode()
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, c.redact(&upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: "could not build the request: " + err.Error()})
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if !c.compress {
		req.Header.Set("Accept-Encoding", "identity")
	}
	if c.tenant != "" {
		req.Header.Set("X-Scope-OrgID", c.tenant)
	}
	if c.user != nil {
		p, _ := c.user.Password()
		req.SetBasicAuth(c.user.Username(), p)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportErr(ctx, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, c.statusErr(ctx, resp)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "" && !strings.Contains(mt, "json") {
			defer resp.Body.Close()
			return nil, c.redact(&upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadResponse, HTTPStatus: resp.StatusCode,
				Msg:  fmt.Sprintf("the answer is %s, not JSON: %s", mt, c.excerpt(ctx, resp.Body)),
				Hint: "check that the URL points at the Prometheus API (" + c.display + "), not a web page or a login proxy"})
		}
	}
	return resp, nil
}

// call runs a metadata request and decodes its envelope, handing "data"
// to read.
func (c *Client) call(ctx context.Context, method, path string, params url.Values, read func(*decoder) bool) ([]string, error) {
	if params == nil {
		params = url.Values{}
	}
	resp, err := c.do(ctx, method, path, params)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	d := newDecoder(resp.Body, Limits{MaxSeries: c.maxSeries, MaxPoints: c.maxPoints})
	ok := d.document(nil, func() bool { return read(d) })
	if err := d.finish(ok); err != nil {
		return nil, c.bodyErr(ctx, resp, err)
	}
	return d.res.Warnings, nil
}

// transportErr explains a request that got no answer.
func (c *Client) transportErr(ctx context.Context, err error) error {
	if ue, ok := upstream.AsError(err); ok {
		return c.redact(ue)
	}
	if e := c.ctxErr(ctx, err); e != nil {
		return c.redact(e)
	}
	cause := err
	var uerr *url.Error
	if errors.As(err, &uerr) {
		cause = uerr.Err // the URL is said once, redacted, in the hint
	}
	return c.redact(&upstream.Error{Source: upstream.Prometheus, Kind: upstream.Unreachable, Msg: cause.Error(), Err: err,
		Hint: "check the URL " + c.display + ", the TLS settings and that Prometheus is reachable from here"})
}

// ctxErr is the error for a request ended by the context or a timeout,
// nil otherwise.
func (c *Client) ctxErr(ctx context.Context, err error) *upstream.Error {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled) || (ctx.Err() == nil && errors.Is(err, context.Canceled)):
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Canceled, Msg: "the request was canceled", Err: err}
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Timeout, Msg: "no complete answer before the timeout", Hint: timeoutHint, Err: err}
	}
	return nil
}

// bodyErr completes an error found while reading a 2xx body.
func (c *Client) bodyErr(ctx context.Context, resp *http.Response, err error) error {
	ue, ok := upstream.AsError(err)
	if !ok {
		ue = &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadResponse, Msg: err.Error(), Err: err}
	}
	if ue.Kind == upstream.Unreachable {
		if e := c.ctxErr(ctx, ue.Err); e != nil {
			ue = e
		}
	}
	if ue.HTTPStatus == 0 && ue.Kind != upstream.TooLarge {
		ue.HTTPStatus = resp.StatusCode
	}
	return c.redact(ue)
}

// statusErr turns a non-2xx answer into an error that keeps Prometheus'
// own errorType and message whatever the status; a body that is not
// Prometheus' JSON is quoted in short.
func (c *Client) statusErr(ctx context.Context, resp *http.Response) error {
	e := &upstream.Error{Source: upstream.Prometheus, HTTPStatus: resp.StatusCode}
	const readMax = 64 << 10
	raw, rerr := io.ReadAll(io.LimitReader(resp.Body, readMax))
	if ue, ok := upstream.AsError(rerr); ok && len(raw) == 0 {
		return c.redact(ue)
	}
	if rerr != nil && len(raw) == 0 {
		if ce := c.ctxErr(ctx, rerr); ce != nil {
			ce.HTTPStatus = resp.StatusCode
			return c.redact(ce)
		}
	}
	d := newDecoder(bytes.NewReader(raw), Limits{})
	ok := d.document(nil, d.skip)
	if err := d.finish(ok); err != nil && d.env.status == "error" {
		if pe, isPE := upstream.AsError(err); isPE {
			e.Type, e.Msg = pe.Type, pe.Msg
		}
	}
	if e.Msg == "" {
		e.Msg = c.excerptBytes(ctx, raw, len(raw) == readMax)
		if e.Msg == "" {
			e.Msg = "(empty answer)"
		}
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Kind, e.Hint = upstream.Unauthorized, "check the credentials in the data source settings (basic auth user and password, bearer token, or the forwarded OAuth identity)"
	case http.StatusForbidden:
		e.Kind, e.Hint = upstream.Forbidden, "the credentials are accepted but lack access (for Mimir or Cortex, check the tenant header X-Scope-OrgID)"
	case http.StatusTooManyRequests:
		e.Kind, e.Hint = upstream.RateLimited, "try again later, or query less often"
	default:
		switch {
		case e.Type != "":
			e.Kind = kindOfType(e.Type)
		case resp.StatusCode == http.StatusNotFound:
			e.Kind = upstream.NotFound
		case resp.StatusCode == http.StatusBadRequest:
			e.Kind = upstream.BadQuery
		case resp.StatusCode == http.StatusUnprocessableEntity:
			e.Kind = upstream.Execution
		case resp.StatusCode == http.StatusGatewayTimeout || resp.StatusCode == http.StatusRequestTimeout:
			e.Kind = upstream.Timeout
		case resp.StatusCode == http.StatusRequestEntityTooLarge:
			e.Kind = upstream.TooLarge
		default:
			e.Kind = upstream.Server
		}
	}
	switch e.Kind {
	case upstream.NotFound:
		e.Hint = notFoundHint
	case upstream.Timeout:
		e.Hint = timeoutHint
	}
	return c.redact(e)
}

// redact removes every secret from e, in place, so that neither its text
// nor its fields carry one.
func (c *Client) redact(e *upstream.Error) *upstream.Error {
	e.Msg = c.redactString(e.Msg)
	e.Hint = c.redactString(e.Hint)
	e.Type = c.redactString(e.Type)
	if e.Err != nil {
		e.Err = c.urlRed.Error(c.red.Error(e.Err))
	}
	return e
}

func (c *Client) redactString(s string) string { return c.urlRed.String(c.red.String(s)) }

// excerpt quotes the start of a body that is not Prometheus' JSON.
func (c *Client) excerpt(ctx context.Context, r io.Reader) string {
	raw, _ := io.ReadAll(io.LimitReader(r, 512))
	return c.excerptBytes(ctx, raw, len(raw) == 512)
}

// excerptBytes quotes the start of raw (more: raw is cut from a longer
// body), every secret — the client's, the URL's, the request's own
// (upstream.WithRedactor) — removed before it is cut.
func (c *Client) excerptBytes(ctx context.Context, raw []byte, more bool) string {
	return upstream.JoinRedactors(c.red, c.urlRed, upstream.RedactorFrom(ctx)).Excerpt(raw, 200, more)
}
