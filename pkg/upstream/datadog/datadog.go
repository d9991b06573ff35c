// Package datadog is the Datadog upstream: memory series from the metrics
// query API (/api/v1/query) through the official client,
// github.com/DataDog/datadog-api-client-go/v2. It implements
// upstream.Client, turns Datadog's answers into series (ToSeries, also used
// for Datadog bodies read from files) and its failures into
// *upstream.Error carrying Datadog's own words.
//
// Resolution: a query with a Step gets ".rollup(avg, N)" on each of its
// metric queries, N the step in whole seconds raised so the range holds at
// most MaxPointsPerSeries points (see WithRollup); a query that already
// names a rollup is sent as written.
//
// Timeout: one query — its calls and its rate-limit waits together — ends
// within Config.Timeout (the data source's timeout) and the caller's
// deadline, whichever comes first.
//
// Rate limits: a 429 is retried after the wait Datadog asks for
// (X-RateLimit-Reset, else Retry-After, else 1, 2, 4 s), at most
// MaxRetries times, and only when the wait ends within the query's
// timeout and before the caller's deadline (with neither, when it is at
// most MaxWaitWithoutDeadline); otherwise the query fails at once with a
// RateLimited *upstream.Error carrying Datadog's message, its rate-limit
// figures and why it stopped ("Datadog rate limit: retry after 20 s,
// beyond the 15 s timeout"). It never sleeps past either.
//
// The API and application keys travel in the DD-API-KEY and
// DD-APPLICATION-KEY headers only, never in a URL, and are removed from
// every error text, as are the secrets of the request's context
// (upstream.WithRedactor) — before an error body is cut to an excerpt.
package datadog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV2"

	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

var _ upstream.Client = (*Client)(nil)

// Caps used when upstream.Query leaves MaxSeries or MaxPoints at 0.
const (
	DefaultMaxSeries = 10_000
	DefaultMaxPoints = 10_000_000
)

// Rate-limit handling (see the package comment).
const (
	MaxRetries             = 3
	MaxWaitWithoutDeadline = time.Minute
)

// ErrAPIKey and ErrAppKey say which key Datadog refused: an
// *upstream.Error for a refused key wraps one of them, an
// *upstream.SettingError naming the key's setting.
var (
	ErrAPIKey error = &upstream.SettingError{Key: APIKeySetting, Err: errors.New("the Datadog API key was refused")}
	ErrAppKey error = &upstream.SettingError{Key: AppKeySetting, Err: errors.New("the Datadog application key was refused")}
)

// Config configures a Client.
type Config struct {
	// Site is one of Sites (datadoghq.com, datadoghq.eu, …) or a full URL
	// (a proxy, a test server); empty means DefaultSite.
	Site string
	// APIKey and AppKey are the organisation's API key and an application
	// key allowed to query time series (timeseries_query).
	APIKey, AppKey string
	// HTTPClient is copied and given a body cap and same-host redirects;
	// nil means a default client.
	HTTPClient *http.Client
	// MaxBody caps one answer in bytes; 0 means upstream.DefaultMaxBody.
	MaxBody int64
	// NoCompression asks for answers uncompressed (jsonData.compression
	// false); by default they come gzipped.
	NoCompression bool
	// Timeout bounds one query, rate-limit waits included; 0 means the
	// HTTP client's Timeout (0 there too: only the caller's deadline).
	Timeout time.Duration
}

// Client queries one Datadog site.
type Client struct {
	base    string // API base URL, password removed, for messages
	apiKey  string
	appKey  string
	metrics *datadogV1.MetricsApi
	auth    *datadogV1.AuthenticationApi
	// metricsV2 and tags list metric tags and host tags (metadata.go).
	metricsV2 *datadogV2.MetricsApi
	tags      *datadogV1.TagsApi
	red       *upstream.Redactor
	timeout   time.Duration // one query's, rate-limit waits included; 0: none

	// now and sleep are the clock, replaced in tests.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a client for cfg. Its only error is an unknown site or a
// malformed URL; missing keys are reported by each call, naming the key.
func New(cfg Config) (*Client, error) {
	u, err := APIURL(cfg.Site)
	if err != nil {
		return nil, err
	}
	red := upstream.NewRedactor(cfg.APIKey, cfg.AppKey)
	if p, ok := u.User.Password(); ok {
		red.Add(p)
	}

	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = hc.Timeout
	}
	hc.Transport = upstream.CapBody(hc.Transport, upstream.Datadog, cfg.MaxBody)
	upstream.SameHostRedirects(hc, upstream.Datadog)

	dc := datadog.NewConfiguration()
	dc.HTTPClient = hc
	dc.Servers = datadog.ServerConfigurations{{URL: u.String()}}
	dc.OperationServers = nil
	dc.UserAgent = "memshape (" + dc.UserAgent + ")"
	dc.Compress = !cfg.NoCompression
	// Retries are ours: they honour the query's deadline and a fake clock.
	dc.RetryConfiguration.EnableRetry = false
	api := datadog.NewAPIClient(dc)

	return &Client{
		base:      u.Redacted(),
		apiKey:    strings.TrimSpace(cfg.APIKey),
		appKey:    strings.TrimSpace(cfg.AppKey),
		metrics:   datadogV1.NewMetricsApi(api),
		auth:      datadogV1.NewAuthenticationApi(api),
		metricsV2: datadogV2.NewMetricsApi(api),
		tags:      datadogV1.NewTagsApi(api),
		red:       red,
		timeout:   timeout,
		now:       time.Now,
		sleep:     sleepCtx,
	}, nil
}

// URL is the API base URL, password removed.
func (c *Client) URL() string { return c.base }

// Source is upstream.Datadog.
func (c *Client) Source() upstream.Source { return upstream.Datadog }

// withKeys puts the keys where the official client looks for them.
func (c *Client) withKeys(ctx context.Context, app bool) context.Context {
	keys := map[string]datadog.APIKey{"apiKeyAuth": {Key: c.apiKey}}
	if app {
		keys["appKeyAuth"] = datadog.APIKey{Key: c.appKey}
	}
	return context.WithValue(ctx, datadog.ContextAPIKeys, keys)
}

func (c *Client) missingKey(app bool) error {
	switch {
	case c.apiKey == "":
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.Unauthorized, Err: ErrAPIKey,
			Msg: "no API key is set", Hint: "set the Datadog API key"}
	case app && c.appKey == "":
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.Unauthorized, Err: ErrAppKey,
			Msg: "no application key is set", Hint: "set a Datadog application key that may query time series"}
	}
	return nil
}

// QueryRange runs one metrics query over [q.Start, q.End].
func (c *Client) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	res, err := c.queryRange(ctx, q)
	return res, c.redactor(ctx).Error(err)
}

type timeoutKey struct{}

// bound ends ctx at the query's timeout, remembering when that is so
// that a rate-limit wait beyond it says so.
func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, func() {}
	}
	end := c.now().Add(c.timeout)
	ctx, cancel := context.WithDeadline(ctx, end)
	return context.WithValue(ctx, timeoutKey{}, end), cancel
}

// redactor removes the keys, a URL password and the secrets of the
// request's context.
func (c *Client) redactor(ctx context.Context) *upstream.Redactor {
	return upstream.JoinRedactors(c.red, upstream.RedactorFrom(ctx))
}

func (c *Client) queryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	if err := c.missingKey(true); err != nil {
		return upstream.Result{}, err
	}
	expr := strings.TrimSpace(q.Expr)
	if expr == "" {
		return upstream.Result{}, &upstream.Error{Source: upstream.Datadog, Kind: upstream.BadQuery,
			Msg: "the query is empty", Hint: "write a Datadog metrics query, e.g. avg:system.mem.used{*} by {host}"}
	}
	if q.End.Before(q.Start) {
		return upstream.Result{}, &upstream.Error{Source: upstream.Datadog, Kind: upstream.BadQuery,
			Msg: fmt.Sprintf("the range ends (%s) before it starts (%s)", q.End.UTC().Format(time.RFC3339), q.Start.UTC().Format(time.RFC3339))}
	}
	query := WithRollup(expr, RollupSeconds(q.Start, q.End, q.Step))

	var resp datadogV1.MetricsQueryResponse
	err := c.call(ctx, func(ctx context.Context) (*http.Response, error) {
		var hr *http.Response
		var err error
		resp, hr, err = c.metrics.QueryMetrics(c.withKeys(ctx, true), q.Start.Unix(), q.End.Unix(), query)
		return hr, err
	})
	if err != nil {
		return upstream.Result{}, c.refused(ctx, err)
	}
	if err := checkCaps(resp, q); err != nil {
		return upstream.Result{}, err
	}
	ss, err := ToSeries(resp)
	if err != nil {
		var re *ResponseError
		if errors.As(err, &re) {
			return upstream.Result{}, &upstream.Error{Source: upstream.Datadog, Kind: upstream.BadQuery, Msg: re.Msg, Err: err}
		}
		return upstream.Result{}, &upstream.Error{Source: upstream.Datadog, Kind: upstream.BadResponse, Msg: err.Error(), Err: err}
	}
	res := upstream.Result{Series: ss}
	if m := strings.TrimSpace(resp.GetMessage()); m != "" {
		res.Warnings = append(res.Warnings, m)
	}
	return res, nil
}

// checkCaps fails with TooLarge when the answer holds more series or
// points than q allows.
func checkCaps(resp datadogV1.MetricsQueryResponse, q upstream.Query) error {
	maxSeries, maxPoints := q.MaxSeries, q.MaxPoints
	if maxSeries <= 0 {
		maxSeries = DefaultMaxSeries
	}
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	if n := len(resp.Series); n > maxSeries {
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.TooLarge,
			Msg:  fmt.Sprintf("the query returned %d series, more than the cap of %d per query", n, maxSeries),
			Hint: "narrow the query: fewer groups in by {…}, a tighter scope, or top(…)"}
	}
	points := 0
	for _, s := range resp.Series {
		points += len(s.Pointlist)
	}
	if points > maxPoints {
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.TooLarge,
			Msg:  fmt.Sprintf("the query returned %d points, more than the cap of %d per query", points, maxPoints),
			Hint: "narrow the query (fewer series) or shorten the range; a coarser interval gives fewer points"}
	}
	return nil
}

// Health checks the API key (/api/v1/validate), then the application key
// with the call queries need (a metrics query over the last five minutes),
// and says which key was refused.
func (c *Client) Health(ctx context.Context) (string, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	ok, err := c.health(ctx)
	red := c.redactor(ctx)
	return red.String(ok), red.Error(err)
}

func (c *Client) health(ctx context.Context) (string, error) {
	if err := c.missingKey(true); err != nil {
		return "", err
	}
	valid, err := c.validate(ctx)
	if err != nil {
		return "", err
	}
	if !valid {
		return "", apiKeyRefused(http.StatusForbidden, "")
	}
	now := c.now()
	err = c.call(ctx, func(ctx context.Context) (*http.Response, error) {
		_, hr, err := c.metrics.QueryMetrics(c.withKeys(ctx, true), now.Add(-5*time.Minute).Unix(), now.Unix(), "avg:datadog.agent.running{*}")
		return hr, err
	})
	if err != nil {
		if e, ok := upstream.AsError(err); ok && (e.Kind == upstream.Unauthorized || e.Kind == upstream.Forbidden) {
			return "", appKeyRefused(e.HTTPStatus, e.Msg)
		}
		return "", err
	}
	return "Connected to Datadog at " + c.base + ": API key and application key accepted", nil
}

// validate asks /api/v1/validate whether the API key is valid. A refusal
// (401, 403 or valid: false) is (false, nil); other failures are errors.
func (c *Client) validate(ctx context.Context) (bool, error) {
	var out datadogV1.AuthenticationValidationResponse
	err := c.call(ctx, func(ctx context.Context) (*http.Response, error) {
		var hr *http.Response
		var err error
		out, hr, err = c.auth.Validate(c.withKeys(ctx, false))
		return hr, err
	})
	if err != nil {
		if e, ok := upstream.AsError(err); ok && (e.Kind == upstream.Unauthorized || e.Kind == upstream.Forbidden) {
			return false, nil
		}
		return false, err
	}
	return out.GetValid(), nil
}

// refused names the key behind a 401 or 403 from a query: it asks
// /api/v1/validate whether the API key is good; if it is, the application
// key was refused (or lacks the permission to query time series).
func (c *Client) refused(ctx context.Context, err error) error {
	e, ok := upstream.AsError(err)
	if !ok || (e.Kind != upstream.Unauthorized && e.Kind != upstream.Forbidden) {
		return err
	}
	valid, verr := c.validate(ctx)
	switch {
	case verr != nil:
		e.Msg += ": the API key or the application key was refused"
		e.Hint = "check both Datadog keys"
		return e
	case !valid:
		return apiKeyRefused(e.HTTPStatus, e.Msg)
	}
	return appKeyRefused(e.HTTPStatus, e.Msg)
}

func refusedKind(status int) upstream.Kind {
	if status == http.StatusUnauthorized {
		return upstream.Unauthorized
	}
	return upstream.Forbidden
}

func apiKeyRefused(status int, words string) *upstream.Error {
	if words == "" {
		words = "Forbidden"
	}
	if status == 0 {
		status = http.StatusForbidden
	}
	return &upstream.Error{Source: upstream.Datadog, Kind: refusedKind(status), HTTPStatus: status, Err: ErrAPIKey,
		Msg:  words + ": the API key was refused",
		Hint: "check the Datadog API key (Organization Settings → API Keys) and that it belongs to this site's organisation"}
}

func appKeyRefused(status int, words string) *upstream.Error {
	if words == "" {
		words = "Forbidden"
	}
	if status == 0 {
		status = http.StatusForbidden
	}
	return &upstream.Error{Source: upstream.Datadog, Kind: refusedKind(status), HTTPStatus: status, Err: ErrAppKey,
		Msg:  words + ": the application key was refused or may not query time series",
		Hint: "check the Datadog application key (Organization Settings → Application Keys) and, if it is scoped, that it has timeseries_query"}
}

// call runs op, waiting out Datadog's rate limit as the package comment
// says, and turns a failure into an *upstream.Error.
func (c *Client) call(ctx context.Context, op func(context.Context) (*http.Response, error)) error {
	for attempt := 0; ; attempt++ {
		hr, err := op(ctx) //nolint:bodyclose // the official client has read and closed the body; hr carries only status and headers
		if err == nil {
			return nil
		}
		if hr == nil || hr.StatusCode != http.StatusTooManyRequests {
			return c.wrap(ctx, hr, err)
		}
		e := c.wrap(ctx, hr, err)
		wait, figures := rateLimitWait(hr.Header, attempt)
		if figures != "" {
			e.Msg += " (" + figures + ")"
		}
		if attempt >= MaxRetries {
			e.Hint = fmt.Sprintf("still rate limited after %d retries: wait and retry, or query less often", MaxRetries)
			return e
		}
		if beyond, bounded := c.beyond(ctx, wait); beyond != "" {
			e.Hint = "Datadog rate limit: retry after " + units.FormatDuration(wait) + ", " + beyond + ": run the query again then, "
			if bounded {
				e.Hint += "raise the timeout in the data source settings, "
			}
			e.Hint += "or query less often"
			return e
		}
		if err := c.sleep(ctx, wait); err != nil {
			return c.wrap(ctx, nil, err)
		}
	}
}

// beyond says why a rate-limit wait is not waited for: it ends beyond
// the query's timeout ("beyond the 15 s timeout", "… (5 s of it left)"
// once time has gone) or the caller's deadline (bounded: a timeout or a
// deadline stops it), or is too long to wait without either; "" when it
// is waited for.
func (c *Client) beyond(ctx context.Context, wait time.Duration) (why string, bounded bool) {
	deadline, ok := ctx.Deadline()
	if !ok {
		if wait > MaxWaitWithoutDeadline {
			return "longer than the " + units.FormatDuration(MaxWaitWithoutDeadline) + " waited without a timeout", false
		}
		return "", false
	}
	left := deadline.Sub(c.now())
	if wait < left {
		return "", true
	}
	left = max(left.Round(time.Second), 0)
	if end, ours := ctx.Value(timeoutKey{}).(time.Time); ours && end.Equal(deadline) {
		s := "beyond the " + units.FormatDuration(c.timeout) + " timeout"
		if spent := c.timeout - left; spent >= time.Second {
			s += " (" + units.FormatDuration(left) + " of it left)"
		}
		return s, true
	}
	return "beyond the " + units.FormatDuration(left) + " left before the query's deadline", true
}

// rateLimitWait is how long Datadog asks to wait after a 429, and its
// rate-limit figures in words.
func rateLimitWait(h http.Header, attempt int) (time.Duration, string) {
	var wait time.Duration
	if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64); err == nil && s >= 0 && s < 1<<31 {
		wait = time.Duration(s) * time.Second
	} else if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("Retry-After")), 10, 64); err == nil && s >= 0 && s < 1<<31 {
		wait = time.Duration(s) * time.Second
	} else {
		wait = time.Second << min(attempt, 10)
	}
	wait = max(wait, time.Second)

	var parts []string
	if l, p := h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Period"); l != "" && p != "" {
		parts = append(parts, fmt.Sprintf("limit %s requests per %s s", l, p))
	}
	if name := h.Get("X-RateLimit-Name"); name != "" {
		parts = append(parts, "rate limit "+name)
	}
	if r := h.Get("X-RateLimit-Remaining"); r != "" {
		parts = append(parts, r+" remaining")
	}
	if r := h.Get("X-RateLimit-Reset"); r != "" {
		parts = append(parts, "resets in "+r+" s")
	}
	return wait, strings.Join(parts, ", ")
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wrap turns a failed call into an *upstream.Error with Datadog's words.
func (c *Client) wrap(ctx context.Context, hr *http.Response, err error) *upstream.Error {
	if e, ok := upstream.AsError(err); ok {
		// Our own transport's: body cap, redirect to another host.
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (hr == nil && errors.Is(ctx.Err(), context.DeadlineExceeded)):
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.Timeout, Err: err,
			Msg: "no answer before the timeout", Hint: "raise the timeout or narrow the query"}
	case errors.Is(err, context.Canceled):
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.Canceled, Err: err, Msg: "the request was canceled"}
	}
	var oe datadog.GenericOpenAPIError
	if hr == nil || !errors.As(err, &oe) {
		return &upstream.Error{Source: upstream.Datadog, Kind: upstream.Unreachable, Err: err,
			Msg: transportWords(err), Hint: "check the Datadog site (" + c.base + ") and that it is reachable from here"}
	}
	// The body stays out of the chain: it may echo what was sent.
	e := &upstream.Error{Source: upstream.Datadog, HTTPStatus: hr.StatusCode, Err: errors.New(oe.Error()), Msg: words(oe.Body(), c.redactor(ctx))}
	if hr.StatusCode < 300 {
		// A 2xx whose body the client could not decode.
		e.Kind, e.Msg = upstream.BadResponse, "the answer could not be decoded: "+oe.Error()
		return e
	}
	if e.Msg == "" {
		e.Msg = strings.TrimSpace(strings.TrimPrefix(hr.Status, strconv.Itoa(hr.StatusCode)))
	}
	switch s := hr.StatusCode; {
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		e.Kind = upstream.BadQuery
	case s == http.StatusUnauthorized:
		e.Kind = upstream.Unauthorized
	case s == http.StatusForbidden:
		e.Kind = upstream.Forbidden
	case s == http.StatusNotFound:
		e.Kind, e.Hint = upstream.NotFound, "check the Datadog site: "+c.base+" does not serve the Datadog API"
	case s == http.StatusTooManyRequests:
		e.Kind = upstream.RateLimited
	case s == http.StatusRequestTimeout || s == http.StatusGatewayTimeout:
		e.Kind, e.Hint = upstream.Timeout, "narrow the query or shorten the range"
	case s == http.StatusRequestEntityTooLarge:
		e.Kind = upstream.TooLarge
	default:
		e.Kind = upstream.Server
	}
	return e
}

// transportWords describes a failure to get an answer: the request's
// method and path (no query string) and the cause.
func transportWords(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	where := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil {
		u.RawQuery, u.User = "", nil
		where = u.String()
	}
	return ue.Op + " " + where + ": " + ue.Err.Error()
}

// words is Datadog's own message in an error body: its {"errors":[…]}
// joined, else the start of a text body, secrets (red) removed before it
// is cut; "" when there is none.
func words(body []byte, red *upstream.Redactor) string {
	var api struct {
		Errors []any `json:"errors"`
	}
	if json.Unmarshal(body, &api) == nil && len(api.Errors) > 0 {
		parts := make([]string, 0, len(api.Errors))
		for _, e := range api.Errors {
			switch v := e.(type) {
			case string:
				parts = append(parts, v)
			case map[string]any: // JSON:API errors: {"title":…, "detail":…}
				if d, ok := v["detail"].(string); ok && d != "" {
					parts = append(parts, d)
				} else if t, ok := v["title"].(string); ok {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, "; ")
	}
	var single struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &single) == nil && single.Error != "" {
		return single.Error
	}
	s := strings.TrimSpace(string(body))
	if s == "" || strings.HasPrefix(s, "<") || !utf8.ValidString(s) {
		return "" // HTML error pages and binary say nothing useful
	}
	return red.Excerpt([]byte(s), 300, false)
}
