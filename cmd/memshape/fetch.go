package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/datadog"
	"github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// Environment variables the CLI reads credentials from (never flags, which
// end up in shell history and process lists).
const (
	envBasicAuthPassword = "MEMSHAPE_BASIC_AUTH_PASSWORD"
	envDatadogAPIKey     = "DD_API_KEY"
	envDatadogAppKey     = "DD_APP_KEY"
)

// Defaults for a query to an upstream.
const (
	defaultRange     = 7 * 24 * time.Hour
	maxDefaultPoints = 2000
	defaultTimeout   = 2 * time.Minute
)

// now is the clock the time flags are read against; tests replace it.
var now = time.Now

// fetchConfig is what classify needs to query an upstream.
type fetchConfig struct {
	prometheusURL string
	datadogSite   string
	query         string
	start, end    string // as given; "" for the defaults
	step          string
	timeout       time.Duration

	bearerTokenFile string
	basicAuthUser   string
	headers         headerFlag
}

func (f *fetchConfig) wanted() bool {
	return f.prometheusURL != "" || f.datadogSite != ""
}

// headerFlag is a repeatable --header K=V.
type headerFlag [][2]string

func (h *headerFlag) String() string { return "" }

func (h *headerFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", redactHeaderArg(s))
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return fmt.Errorf("%q is not a valid header name", k)
		}
	}
	*h = append(*h, [2]string{k, v})
	return nil
}

// redactHeaderArg shows a malformed --header argument without what may be
// a secret value.
func redactHeaderArg(s string) string {
	if len(s) > 12 {
		return s[:4] + "…"
	}
	return s
}

// upstreamRequest is a validated fetchConfig: the client to ask, the
// query, and what to say when a credential is refused.
type upstreamRequest struct {
	client  upstream.Client
	where   string // "Prometheus at http://…", for messages
	query   upstream.Query
	timeout time.Duration
	red     *upstream.Redactor
	// credential names what was sent, for a refusal: "the basic-auth
	// password (MEMSHAPE_BASIC_AUTH_PASSWORD) of user \"admin\"".
	credential string
}

// usageError is a mistake in the flags or the environment: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// prepare checks f and builds the request.
func (f *fetchConfig) prepare(getenv func(string) string) (*upstreamRequest, error) {
	if f.prometheusURL != "" && f.datadogSite != "" {
		return nil, usagef("--prometheus and --datadog-site: give one upstream")
	}
	if strings.TrimSpace(f.query) == "" {
		return nil, usagef("--query is required with --prometheus or --datadog-site")
	}
	start, end, err := queryRange(f.start, f.end, now())
	if err != nil {
		return nil, err
	}
	step := defaultStep(start, end)
	if f.step != "" {
		d, err := parseDuration(f.step)
		if err != nil || d <= 0 {
			return nil, usagef("--step %q: want a positive duration such as 30s, 5m, 1h or a number of seconds", f.step)
		}
		step = d
	}
	timeout := f.timeout
	if timeout <= 0 {
		return nil, usagef("--timeout must be positive")
	}
	req := &upstreamRequest{
		query:   upstream.Query{Expr: f.query, Start: start, End: end, Step: step},
		timeout: timeout,
		red:     upstream.NewRedactor(),
	}
	for _, h := range f.headers {
		req.red.Add(h[1])
	}
	if f.datadogSite != "" {
		return req, f.prepareDatadog(req, getenv)
	}
	return req, f.preparePrometheus(req, getenv)
}

func (f *fetchConfig) prepareDatadog(req *upstreamRequest, getenv func(string) string) error {
	if f.bearerTokenFile != "" || f.basicAuthUser != "" || len(f.headers) > 0 {
		return usagef("--bearer-token-file, --basic-auth and --header apply to --prometheus; Datadog takes its keys from %s and %s", envDatadogAPIKey, envDatadogAppKey)
	}
	if _, err := datadog.APIURL(f.datadogSite); err != nil {
		return usagef("--datadog-site: %v", err)
	}
	apiKey, appKey := strings.TrimSpace(getenv(envDatadogAPIKey)), strings.TrimSpace(getenv(envDatadogAppKey))
	req.red.Add(apiKey, appKey)
	var missing []string
	if apiKey == "" {
		missing = append(missing, envDatadogAPIKey)
	}
	if appKey == "" {
		missing = append(missing, envDatadogAppKey)
	}
	if len(missing) > 0 {
		return usagef("set %s: Datadog needs an API key and an application key, read from the environment", strings.Join(missing, " and "))
	}
	c, err := datadog.New(datadog.Config{Site: f.datadogSite, APIKey: apiKey, AppKey: appKey, HTTPClient: &http.Client{}, Timeout: req.timeout})
	if err != nil {
		return usagef("--datadog-site: %v", err)
	}
	req.client = c
	req.where = "Datadog at " + c.URL()
	return nil
}

func (f *fetchConfig) preparePrometheus(req *upstreamRequest, getenv func(string) string) error {
	auth := authTransport{headers: f.headers}
	switch {
	case f.bearerTokenFile != "" && f.basicAuthUser != "":
		return usagef("--bearer-token-file and --basic-auth: give one (both use the Authorization header)")
	case f.bearerTokenFile != "":
		b, err := os.ReadFile(f.bearerTokenFile)
		if err != nil {
			return usagef("--bearer-token-file: %v", err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return usagef("--bearer-token-file %s is empty", f.bearerTokenFile)
		}
		req.red.Add(token)
		auth.authorization = "Bearer " + token
		req.credential = "the bearer token in " + f.bearerTokenFile
	case f.basicAuthUser != "":
		pw := getenv(envBasicAuthPassword)
		if pw == "" {
			return usagef("--basic-auth %s: set the password in %s", f.basicAuthUser, envBasicAuthPassword)
		}
		req.red.Add(pw)
		r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
		r.SetBasicAuth(f.basicAuthUser, pw)
		auth.authorization = r.Header.Get("Authorization")
		req.red.Add(strings.TrimPrefix(auth.authorization, "Basic "))
		req.credential = fmt.Sprintf("the basic-auth password (%s) of user %q", envBasicAuthPassword, f.basicAuthUser)
	}
	for _, h := range f.headers {
		if strings.EqualFold(h[0], "Authorization") {
			if auth.authorization != "" {
				return usagef("--header Authorization=… and --bearer-token-file or --basic-auth: give one")
			}
			req.credential = "the Authorization header given with --header"
		}
	}
	if req.credential == "" && len(f.headers) > 0 {
		req.credential = "the headers given with --header"
	}
	// The timeout on the client is also Prometheus' own timeout parameter.
	c, err := newPrometheus(f.prometheusURL, &http.Client{Transport: auth, Timeout: req.timeout})
	if err != nil {
		return usagef("--prometheus: %v", req.red.Error(err))
	}
	req.client = c
	req.where = "Prometheus at " + c.URL()
	return nil
}

// newPrometheus is the one place the CLI builds a Prometheus client, with
// hc carrying the credentials. Same-host redirects are set here; the
// client holds the answer to its caps on decoded series, points and
// memory, as the data source does.
func newPrometheus(rawURL string, hc *http.Client) (*prometheus.Client, error) {
	upstream.SameHostRedirects(hc, upstream.Prometheus)
	return prometheus.New(rawURL, hc)
}

// authTransport adds the credentials and custom headers to every request.
// Redirects stay on the first host (upstream.SameHostRedirects), so they
// never reach another.
type authTransport struct {
	authorization string
	headers       [][2]string
	next          http.RoundTripper
}

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for _, h := range a.headers {
		if strings.EqualFold(h[0], "Host") {
			r.Host = h[1]
			continue
		}
		r.Header.Set(h[0], h[1])
	}
	if a.authorization != "" {
		r.Header.Set("Authorization", a.authorization)
	}
	next := a.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// run queries the upstream. A refused credential is named.
func (req *upstreamRequest) run(ctx context.Context) (upstream.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	res, err := req.client.QueryRange(ctx, req.query)
	if err != nil {
		return res, req.explain(err)
	}
	for i, w := range res.Warnings {
		res.Warnings[i] = req.red.String(w)
	}
	return res, nil
}

// explain words a failed query for the terminal: the upstream's error,
// plus which credential was refused when one was. Secrets are removed.
func (req *upstreamRequest) explain(err error) error {
	e, ok := upstream.AsError(err)
	if !ok || (e.Kind != upstream.Unauthorized && e.Kind != upstream.Forbidden) {
		return errors.New(req.red.String(err.Error()))
	}
	// The upstream's hint speaks of data source settings; say instead
	// which of this command's credentials was refused.
	bare := *e
	bare.Hint = ""
	var which string
	switch {
	case errors.Is(err, datadog.ErrAPIKey):
		which = "the API key in " + envDatadogAPIKey + " was refused"
	case errors.Is(err, datadog.ErrAppKey):
		which = "the application key in " + envDatadogAppKey + " was refused (or may not query time series: a scoped key needs timeseries_query)"
	case e.Source == upstream.Datadog:
		which = "the key in " + envDatadogAPIKey + " or " + envDatadogAppKey + " was refused"
	case req.credential == "":
		which = req.where + " wants credentials: give --basic-auth USER (password in " + envBasicAuthPassword + "), --bearer-token-file FILE or --header NAME=VALUE"
	case e.Kind == upstream.Forbidden:
		which = req.credential + " was accepted but has no access (403)"
	default:
		which = req.credential + " was refused"
	}
	return errors.New(req.red.String(bare.Error() + "\nmemshape: " + which))
}

// defaultStep is the step that gives at most maxDefaultPoints points over
// [start, end], in whole seconds, at least one.
func defaultStep(start, end time.Time) time.Duration {
	rng := end.Sub(start).Seconds()
	sec := math.Ceil(rng / (maxDefaultPoints - 1))
	return time.Duration(max(sec, 1)) * time.Second
}

// queryRange reads --start and --end; the defaults are the 7 days up to now.
func queryRange(startArg, endArg string, now time.Time) (time.Time, time.Time, error) {
	end := now
	if endArg != "" {
		t, err := parseTime(endArg, now)
		if err != nil {
			return time.Time{}, time.Time{}, usagef("--end %q: %v", endArg, err)
		}
		end = t
	}
	start := end.Add(-defaultRange)
	if startArg != "" {
		t, err := parseTime(startArg, now)
		if err != nil {
			return time.Time{}, time.Time{}, usagef("--start %q: %v", startArg, err)
		}
		start = t
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, usagef("--start (%s) must be before --end (%s)", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	return start, end, nil
}

// parseTime reads RFC 3339, Unix seconds, "now", or "now" plus or minus a
// duration ("now-2d", "now-90m").
func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "now"); ok {
		if rest == "" {
			return now, nil
		}
		sign := time.Duration(1)
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, errors.New("want now, now-<duration> or now+<duration>, e.g. now-2d")
		}
		d, err := parseDuration(rest[1:])
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(sign * d), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want an RFC 3339 time (2026-11-20T00:00:00Z), Unix seconds, now or now-<duration> (now-2d)")
}

// durationUnits are the units parseDuration reads, Grafana's and
// Prometheus' (no months or years: their length varies).
var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
	"d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
}

// parseDuration reads "90" (seconds), "30s", "5m", "1h30m", "2d", "1w".
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 1e9 || math.IsNaN(f) {
			return 0, fmt.Errorf("duration %q is out of range", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && rest[j] >= 'a' && rest[j] <= 'z' {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		u, ok := durationUnits[unit]
		f, err := strconv.ParseFloat(num, 64)
		if !ok || err != nil || f > 1e9 {
			return 0, fmt.Errorf("duration %q: want numbers with units ms, s, m, h, d or w, e.g. 90s, 5m, 2d", s)
		}
		total += time.Duration(f * float64(u))
		rest = rest[j:]
	}
	return total, nil
}
