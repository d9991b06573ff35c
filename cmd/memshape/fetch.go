package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
	_ "github.com/memshape/memory-datasource/pkg/upstream/all" // the upstreams the data source offers
)

// envBasicAuthPassword is where --basic-auth's password is read from
// (never a flag, which ends up in shell history and process lists).
const envBasicAuthPassword = "MEMSHAPE_BASIC_AUTH_PASSWORD"

// Defaults for a query to an upstream.
const (
	defaultRange     = 7 * 24 * time.Hour
	maxDefaultPoints = 2000
	defaultTimeout   = 2 * time.Minute
)

// now is the clock the time flags are read against; tests replace it.
var now = time.Now

// fetchConfig is what classify needs to query an upstream. The upstream
// is any registered one (pkg/upstream/all): chosen by its own flag
// (upstream.CommandLine: --prometheus URL, --datadog-site SITE) or by
// --upstream NAME, its settings given as a data source's are — the URL,
// jsonData, secureJsonData — and read by the upstream's own package.
type fetchConfig struct {
	// own holds the value of each upstream's own flag, by upstream.
	own map[upstream.Source]*string
	// upstreamName, url, jsonData and secrets are the generic flags:
	// --upstream NAME, --url URL, --json-data JSON, --secret-env KEY=VAR.
	upstreamName string
	url          string
	jsonData     string
	secrets      secretEnvFlag
	query        string
	start, end   string // as given; "" for the defaults
	step         string
	timeout      time.Duration

	bearerTokenFile string
	basicAuthUser   string
	headers         headerFlag
}

// commandLines are the registered upstreams that have their own flag, in
// the order of upstream.Sources.
func commandLines() (srcs []upstream.Source, cls []upstream.CommandLine) {
	for _, src := range upstream.Sources() {
		u, _ := upstream.Lookup(src)
		if cl, ok := upstream.CommandLineOf(u); ok {
			srcs, cls = append(srcs, src), append(cls, cl)
		}
	}
	return srcs, cls
}

// define adds the upstream flags to fs.
func (f *fetchConfig) define(fs *flag.FlagSet) {
	fs.StringVar(&f.upstreamName, "upstream", "", "")
	fs.StringVar(&f.url, "url", "", "")
	fs.StringVar(&f.jsonData, "json-data", "", "")
	fs.Var(&f.secrets, "secret-env", "")
	fs.StringVar(&f.query, "query", "", "")
	fs.StringVar(&f.start, "start", "", "")
	fs.StringVar(&f.end, "end", "", "")
	fs.StringVar(&f.step, "step", "", "")
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "")
	fs.StringVar(&f.bearerTokenFile, "bearer-token-file", "", "")
	fs.StringVar(&f.basicAuthUser, "basic-auth", "", "")
	fs.Var(&f.headers, "header", "")
	f.own = map[upstream.Source]*string{}
	srcs, cls := commandLines()
	for i, cl := range cls {
		if fs.Lookup(cl.Flag) != nil {
			continue // a name the command has already: the upstream is reachable by --upstream
		}
		f.own[srcs[i]] = fs.String(cl.Flag, "", "")
	}
}

func (f *fetchConfig) wanted() bool {
	if f.upstreamName != "" {
		return true
	}
	for _, v := range f.own {
		if *v != "" {
			return true
		}
	}
	return false
}

// choices lists the ways to choose an upstream: "--prometheus URL,
// --datadog-site SITE or --upstream NAME".
func choices() string {
	var q []string
	_, cls := commandLines()
	for _, cl := range cls {
		q = append(q, "--"+cl.Flag+" "+cl.Arg)
	}
	return orList(append(q, "--upstream NAME"))
}

// orList joins "a", "b" or "c".
func orList(q []string) string {
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// unsetUpstreamFlags names the upstream flags given without an upstream.
func (f *fetchConfig) unsetUpstreamFlags() []string {
	var named []string
	for name, set := range map[string]bool{
		"--query": f.query != "", "--start": f.start != "", "--end": f.end != "", "--step": f.step != "",
		"--url": f.url != "", "--json-data": f.jsonData != "", "--secret-env": len(f.secrets) > 0,
		"--bearer-token-file": f.bearerTokenFile != "", "--basic-auth": f.basicAuthUser != "", "--header": len(f.headers) > 0,
	} {
		if set {
			named = append(named, name)
		}
	}
	sort.Strings(named)
	return named
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

// secretEnvFlag is a repeatable --secret-env KEY=VAR: secureJsonData.KEY
// read from the environment variable VAR.
type secretEnvFlag []upstream.EnvSecret

func (s *secretEnvFlag) String() string { return "" }

func (s *secretEnvFlag) Set(arg string) error {
	k, v, ok := strings.Cut(arg, "=")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want KEY=VARIABLE (the secure setting KEY read from the environment variable VARIABLE), got %q", arg)
	}
	*s = append(*s, upstream.EnvSecret{Var: v, Key: k, What: "the secure setting " + k})
	return nil
}

// upstreamRequest is a validated fetchConfig: the client to ask, the
// query, and what to say when a credential is refused.
type upstreamRequest struct {
	client  upstream.Client
	where   string // "Prometheus at http://…", for messages
	query   upstream.Query
	timeout time.Duration
	red     *upstream.Redactor
	// credential names the HTTP credential sent, for a refusal: "the
	// basic-auth password (MEMSHAPE_BASIC_AUTH_PASSWORD) of user
	// \"admin\"".
	credential string
	// secrets are the secure settings read from the environment, by key.
	secrets map[string]upstream.EnvSecret
	// httpAuth says the HTTP credential flags apply to the upstream.
	httpAuth bool
}

// usageError is a mistake in the flags or the environment: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// chosen is the upstream the flags choose, with its own flag's value.
type chosen struct {
	u    upstream.Upstream
	cl   upstream.CommandLine
	own  bool   // chosen by its own flag
	flag string // "--prometheus" or "--upstream"
	val  string // the own flag's value
}

func (f *fetchConfig) choose() (chosen, error) {
	var set []string
	var c chosen
	srcs, cls := commandLines()
	for i, src := range srcs {
		if v, ok := f.own[src]; ok && *v != "" {
			set = append(set, "--"+cls[i].Flag)
			u, _ := upstream.Lookup(src)
			c = chosen{u: u, cl: cls[i], own: true, flag: "--" + cls[i].Flag, val: *v}
		}
	}
	if f.upstreamName != "" {
		set = append(set, "--upstream")
		u, ok := upstream.Lookup(upstream.Source(strings.ToLower(strings.TrimSpace(f.upstreamName))))
		if !ok {
			return c, usagef("--upstream %q: choose %s", f.upstreamName, upstream.Choices())
		}
		c = chosen{u: u, flag: "--upstream"}
		c.cl, _ = upstream.CommandLineOf(u)
	}
	if len(set) > 1 {
		return c, usagef("%s: give one upstream", strings.Join(set, " and "))
	}
	if c.own && c.cl.Setting == upstream.URLSetting && f.url != "" {
		return c, usagef("%s and --url: give the URL once", c.flag)
	}
	return c, nil
}

// httpAuth says whether the command's HTTP credentials apply: to an
// upstream that says so, and to any without its own flag.
func (c chosen) httpAuth() bool {
	return c.cl.HTTPAuth || c.cl.Flag == ""
}

// prepare checks f and builds the request.
func (f *fetchConfig) prepare(getenv func(string) string) (*upstreamRequest, error) {
	c, err := f.choose()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.query) == "" {
		return nil, usagef("--query is required with %s", c.flag)
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
		query:    upstream.Query{Expr: f.query, Start: start, End: end, Step: step},
		timeout:  timeout,
		red:      upstream.NewRedactor(),
		secrets:  map[string]upstream.EnvSecret{},
		httpAuth: c.httpAuth(),
	}
	for _, h := range f.headers {
		req.red.Add(h[1])
	}
	if !req.httpAuth && (f.bearerTokenFile != "" || f.basicAuthUser != "" || len(f.headers) > 0) {
		var vars []string
		for _, e := range c.cl.Env {
			vars = append(vars, e.Var)
		}
		takes := "takes no HTTP credentials"
		if len(vars) > 0 {
			takes = "takes its credentials from " + strings.Join(vars, " and ")
		}
		return nil, usagef("--bearer-token-file, --basic-auth and --header apply to %s; %s %s", httpAuthChoices(), c.u.Title(), takes)
	}
	auth, err := f.httpCredentials(req, getenv)
	if err != nil {
		return nil, err
	}
	settings, err := f.settings(c, req, getenv)
	if err != nil {
		return nil, err
	}
	return req, f.connect(c, settings, auth, req)
}

// httpAuthChoices names the flags of the upstreams the HTTP credentials
// apply to: "--prometheus" (or any chosen by --upstream without its own
// flag).
func httpAuthChoices() string {
	var q []string
	_, cls := commandLines()
	for _, cl := range cls {
		if cl.HTTPAuth {
			q = append(q, "--"+cl.Flag)
		}
	}
	if len(q) == 0 {
		return "--upstream"
	}
	return orList(q)
}

// httpCredentials reads --bearer-token-file, --basic-auth and --header
// into the transport that sends them.
func (f *fetchConfig) httpCredentials(req *upstreamRequest, getenv func(string) string) (authTransport, error) {
	auth := authTransport{headers: f.headers}
	switch {
	case f.bearerTokenFile != "" && f.basicAuthUser != "":
		return auth, usagef("--bearer-token-file and --basic-auth: give one (both use the Authorization header)")
	case f.bearerTokenFile != "":
		b, err := os.ReadFile(f.bearerTokenFile)
		if err != nil {
			return auth, usagef("--bearer-token-file: %v", err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return auth, usagef("--bearer-token-file %s is empty", f.bearerTokenFile)
		}
		req.red.Add(token)
		auth.authorization = "Bearer " + token
		req.credential = "the bearer token in " + f.bearerTokenFile
	case f.basicAuthUser != "":
		pw := getenv(envBasicAuthPassword)
		if pw == "" {
			return auth, usagef("--basic-auth %s: set the password in %s", f.basicAuthUser, envBasicAuthPassword)
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
				return auth, usagef("--header Authorization=… and --bearer-token-file or --basic-auth: give one")
			}
			req.credential = "the Authorization header given with --header"
		}
	}
	if req.credential == "" && len(f.headers) > 0 {
		req.credential = "the headers given with --header"
	}
	return auth, nil
}

// settings reads the upstream's settings as the data source reads an
// instance's (models.LoadSettings, the upstream's own Settings): the URL,
// jsonData from --json-data and the upstream's own flag, secureJsonData
// from the environment.
func (f *fetchConfig) settings(c chosen, req *upstreamRequest, getenv func(string) string) (models.Settings, error) {
	jd := map[string]any{}
	if strings.TrimSpace(f.jsonData) != "" {
		if err := json.Unmarshal([]byte(f.jsonData), &jd); err != nil {
			return models.Settings{}, usagef("--json-data: want a JSON object of the upstream's settings, as the data source's jsonData holds them (e.g. {\"timeShard\":\"1d\"}): %v", err)
		}
	}
	jd["upstream"] = string(c.u.Source())
	inst := backend.DataSourceInstanceSettings{URL: f.url, DecryptedSecureJSONData: map[string]string{}}
	if c.own {
		if c.cl.Setting == upstream.URLSetting {
			inst.URL = c.val
		} else {
			jd[c.cl.Setting] = c.val
		}
	}
	inst.JSONData, _ = json.Marshal(jd)
	var unset []upstream.EnvSecret
	for _, e := range append(append([]upstream.EnvSecret{}, c.cl.Env...), f.secrets...) {
		v := strings.TrimSpace(getenv(e.Var))
		if v == "" {
			unset = append(unset, e)
			continue
		}
		req.red.Add(v)
		inst.DecryptedSecureJSONData[e.Key] = v
		req.secrets[e.Key] = e
	}
	s, err := models.LoadSettings(inst)
	req.red.Add(s.Secrets()...)
	if err == nil {
		for _, e := range unset {
			if slices.Contains(f.secrets, e) {
				return s, usagef("--secret-env %s=%s: %s is not set", e.Key, e.Var, e.Var)
			}
		}
		return s, nil
	}
	if se, ok := upstream.SettingOf(err); ok {
		for _, e := range unset {
			if e.Key == se.Key {
				vars, whats := []string{}, []string{}
				for _, u := range unset {
					vars, whats = append(vars, u.Var), append(whats, u.What)
				}
				return s, usagef("set %s: %s takes %s from the environment", strings.Join(vars, " and "), c.u.Title(), strings.Join(whats, " and "))
			}
		}
	}
	return s, f.settingError(c, err, req)
}

// settingError says which flag or variable to fix for a setting the
// upstream refused.
func (f *fetchConfig) settingError(c chosen, err error, req *upstreamRequest) error {
	se, ok := upstream.SettingOf(err)
	if !ok {
		return usagef("%s", req.red.Error(err))
	}
	var jd map[string]json.RawMessage
	_ = json.Unmarshal([]byte(f.jsonData), &jd)
	_, inJSON := jd[se.Key]
	switch {
	case c.own && se.Key == c.cl.Setting:
		return usagef("%s: %v", c.flag, req.red.Error(se.Err))
	case se.Key == upstream.URLSetting:
		return usagef("--url: %v", req.red.Error(se.Err))
	case req.secrets[se.Key] != (upstream.EnvSecret{}):
		return usagef("%s (%s): %v", req.secrets[se.Key].What, req.secrets[se.Key].Var, req.red.Error(se.Err))
	case inJSON:
		return usagef("--json-data %s: %v", se.Key, req.red.Error(se.Err))
	}
	return usagef("%s", req.red.Error(err))
}

// connect builds the upstream's client as the data source does, on an
// HTTP client that sends the command's credentials.
func (f *fetchConfig) connect(c chosen, s models.Settings, auth authTransport, req *upstreamRequest) error {
	for k, vs := range s.Own.Header() {
		for _, v := range vs {
			auth.headers = append([][2]string{{k, v}}, auth.headers...)
		}
	}
	src := c.u.Source()
	// The timeout on the client is also Prometheus' own timeout parameter.
	hc := &http.Client{Transport: auth, Timeout: req.timeout}
	if s.MaxResponseBytes > 0 {
		hc.Transport = upstream.CapBody(hc.Transport, src, s.MaxResponseBytes)
	}
	upstream.SameHostRedirects(hc, src)
	cl, err := s.Own.Connect(upstream.Connection{
		URL: s.URL, HTTPClient: hc, Timeout: req.timeout,
		MaxBody: s.MaxResponseBytes, Compression: s.Compression,
		MaxSeries: s.MaxSeries, MaxPoints: s.MaxPoints, MaxBytes: s.MaxQueryBytes,
		Redactor: req.red,
	})
	if err != nil {
		return f.settingError(c, err, req)
	}
	req.client = cl
	req.where = c.u.Title()
	if u, ok := cl.(interface{ URL() string }); ok {
		req.where += " at " + u.URL()
	}
	return nil
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
	se, named := upstream.SettingOf(err)
	switch {
	case named && req.secrets[se.Key] != (upstream.EnvSecret{}):
		which = req.secrets[se.Key].What + " in " + req.secrets[se.Key].Var + " was refused"
	case req.credential == "" && len(req.secrets) > 0:
		var from []string
		for _, s := range req.secrets {
			from = append(from, s.What+" in "+s.Var)
		}
		sort.Strings(from)
		which = orList(from) + " was refused"
	case req.credential == "" && req.httpAuth:
		which = req.where + " wants credentials: give --basic-auth USER (password in " + envBasicAuthPassword + "), --bearer-token-file FILE or --header NAME=VALUE"
	case req.credential == "":
		which = req.where + " wants credentials: give them with --secret-env KEY=VARIABLE"
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
