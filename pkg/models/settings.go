// Package models holds what Grafana sends the plugin, read and checked:
// a data source instance's settings and a query's model. Errors say which
// setting or field is wrong and how to fix it; they never contain a secret.
package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Defaults of the data source settings.
const (
	DefaultTimeout        = 30 * time.Second
	MaxTimeout            = 10 * time.Minute
	DefaultAnalysisWindow = 7 * 24 * time.Hour
	DefaultScrapeInterval = 15 * time.Second
	// DefaultCacheBytes is the default budget of an instance's cache.
	DefaultCacheBytes = 512 << 20
	// DefaultDatadogMaxBody caps a Datadog answer, which its client reads
	// whole before decoding.
	DefaultDatadogMaxBody = upstream.DefaultMaxBody
)

// Secret is a string that never prints: fmt, logs and JSON see
// "[redacted]". Use string(s) only where the value must go on the wire.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `models.Secret("` + s.String() + `")` }

// MarshalJSON keeps encoding/json from printing the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Settings is one data source instance's configuration.
type Settings struct {
	// URL is the Prometheus server (the data source's URL field).
	URL      string
	Upstream upstream.Source
	// DatadogSite is a Datadog site (datadoghq.eu) or a full URL.
	DatadogSite string
	// Timeout for one upstream request; never 0.
	Timeout time.Duration
	// AnalysisWindow is how far back verdicts look by default.
	AnalysisWindow time.Duration
	// ScrapeInterval is Prometheus' scrape interval (jsonData.timeInterval),
	// the floor of the panel's step and the base of $__rate_interval.
	ScrapeInterval time.Duration
	// HTTPMethod is POST or GET for Prometheus queries.
	HTTPMethod string
	// MaxResponseBytes caps one upstream answer's bytes; 0 is no cap on
	// the body (Prometheus' default: its answer is decoded as it streams
	// and held to MaxQueryBytes). Datadog's client holds a body whole, so
	// it gets DefaultDatadogMaxBody.
	MaxResponseBytes int64
	// Compression asks the upstream for gzip: off for Prometheus unless
	// set (compressing costs Prometheus about 11 times the CPU of the
	// answer), on for Datadog (a remote service that compresses cheaply).
	Compression bool
	// MaxSeries and MaxPoints cap what one query may return (0: the
	// upstream client's defaults, upstream.DefaultMaxSeries and
	// DefaultMaxPoints).
	MaxSeries, MaxPoints int
	// MaxQueryBytes caps the memory one query's decoded samples and labels
	// take (jsonData.maxQueryBytes; default upstream.DefaultMaxBytes).
	MaxQueryBytes int64
	// CacheBytes is the byte budget of the instance's cache of samples
	// (jsonData.cacheBytes; default DefaultCacheBytes; 0 turns the cache
	// off only when written as 0).
	CacheBytes int64
	// TimeShard splits long range queries into shards of this length
	// fetched in parallel (jsonData.timeShard, e.g. "1d"; 0: one request),
	// for a query frontend that caches by day.
	TimeShard time.Duration
	// Tenant is sent as X-Scope-OrgID (jsonData.tenant): Mimir, Cortex.
	Tenant string
	// PartialResponse is Thanos' partial_response (jsonData.
	// partialResponse); nil leaves the querier's default.
	PartialResponse *bool

	BearerToken   Secret
	DatadogAPIKey Secret
	DatadogAppKey Secret

	// secrets are every secret value of the instance, for redaction; a
	// pointer, so that fmt never prints them.
	secrets *secretSet
}

type secretSet struct{ values []string }

// String prints the settings with the URL's password removed.
func (s Settings) String() string {
	type plain Settings
	p := plain(s)
	p.URL = redactURL(s.URL)
	return fmt.Sprintf("%+v", p)
}

// GoString is String, for %#v.
func (s Settings) GoString() string { return s.String() }

// MarshalJSON writes the settings with the URL's password removed.
func (s Settings) MarshalJSON() ([]byte, error) {
	type plain Settings
	p := plain(s)
	p.URL = redactURL(s.URL)
	return json.Marshal(p)
}

func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if len(urlPassword(raw)) > 0 {
		return "[redacted URL]"
	}
	return raw
}

// Secrets lists every secret value the instance holds — secure fields
// (tokens, passwords, keys, TLS material, header values) and a password in
// the URL — for redaction.
func (s Settings) Secrets() []string {
	if s.secrets == nil {
		return nil
	}
	return s.secrets.values
}

// jsonData is the data source's jsonData as the config editor writes it.
type jsonData struct {
	Upstream         string          `json:"upstream"`
	DatadogSite      string          `json:"datadogSite"`
	Timeout          json.RawMessage `json:"timeout"`
	TimeoutSeconds   json.RawMessage `json:"timeoutSeconds"` // before plugin-ui's timeout field
	AnalysisWindow   string          `json:"analysisWindow"`
	TimeInterval     string          `json:"timeInterval"`
	HTTPMethod       string          `json:"httpMethod"`
	MaxResponseBytes json.RawMessage `json:"maxResponseBytes"`
	Compression      *bool           `json:"compression"`
	MaxSeries        json.RawMessage `json:"maxSeries"`
	MaxPoints        json.RawMessage `json:"maxPoints"`
	MaxQueryBytes    json.RawMessage `json:"maxQueryBytes"`
	CacheBytes       json.RawMessage `json:"cacheBytes"`
	TimeShard        string          `json:"timeShard"`
	Tenant           string          `json:"tenant"`
	PartialResponse  *bool           `json:"partialResponse"`
}

// LoadSettings reads and checks a data source instance's settings.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	out := Settings{
		URL:            strings.TrimSpace(s.URL),
		BearerToken:    Secret(s.DecryptedSecureJSONData["bearerToken"]),
		DatadogAPIKey:  Secret(s.DecryptedSecureJSONData["datadogApiKey"]),
		DatadogAppKey:  Secret(s.DecryptedSecureJSONData["datadogAppKey"]),
		Timeout:        DefaultTimeout,
		AnalysisWindow: DefaultAnalysisWindow,
		ScrapeInterval: DefaultScrapeInterval,
		HTTPMethod:     "POST",
		MaxQueryBytes:  upstream.DefaultMaxBytes,
		CacheBytes:     DefaultCacheBytes,
	}
	out.secrets = &secretSet{}
	for _, v := range s.DecryptedSecureJSONData {
		out.secrets.values = append(out.secrets.values, v)
	}
	out.secrets.values = append(out.secrets.values, urlPassword(out.URL)...)
	// What an upstream that echoes the Authorization header shows, removed
	// whole however short the token or password in it.
	basicPassword := ""
	if s.BasicAuthEnabled {
		basicPassword = s.DecryptedSecureJSONData["basicAuthPassword"]
	}
	out.secrets.values = append(out.secrets.values,
		upstream.AuthorizationValues(s.DecryptedSecureJSONData["bearerToken"], s.BasicAuthUser, basicPassword)...)
	if u, err := url.Parse(out.URL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out.secrets.values = append(out.secrets.values, upstream.AuthorizationValues("", u.User.Username(), p)...)
		}
	}

	var jd jsonData
	if len(s.JSONData) > 0 && strings.TrimSpace(string(s.JSONData)) != "null" {
		if err := json.Unmarshal(s.JSONData, &jd); err != nil {
			return out, fmt.Errorf("the data source settings (jsonData) are not valid JSON: %v; save the data source settings again", err)
		}
	}
	switch strings.ToLower(strings.TrimSpace(jd.Upstream)) {
	case "", string(upstream.Prometheus):
		out.Upstream = upstream.Prometheus
	case string(upstream.Datadog):
		out.Upstream = upstream.Datadog
	default:
		return out, fmt.Errorf("unknown upstream %q: choose %q or %q in the data source settings", jd.Upstream, upstream.Prometheus, upstream.Datadog)
	}
	out.DatadogSite = strings.TrimSpace(jd.DatadogSite)

	var err error
	raw := jd.Timeout
	if isUnset(raw) {
		raw = jd.TimeoutSeconds
	}
	if out.Timeout, err = parseTimeout(raw); err != nil {
		return out, err
	}
	if w := strings.TrimSpace(jd.AnalysisWindow); w != "" && w != "auto" {
		if out.AnalysisWindow, err = ParseWindow(w); err != nil {
			return out, fmt.Errorf("default analysis window: %w; fix it in the data source settings", err)
		}
	}
	if ti := strings.TrimSpace(jd.TimeInterval); ti != "" {
		d, err := gtime.ParseIntervalStringToTimeDuration(ti)
		if err != nil || d <= 0 {
			return out, fmt.Errorf("scrape interval %q is not a duration: write it like 15s or 1m in the data source settings", ti)
		}
		out.ScrapeInterval = d
	}
	switch m := strings.ToUpper(strings.TrimSpace(jd.HTTPMethod)); m {
	case "":
	case "GET", "POST":
		out.HTTPMethod = m
	default:
		return out, fmt.Errorf("HTTP method %q is not supported: choose POST or GET in the data source settings", jd.HTTPMethod)
	}
	// Compression and the body cap by what they cost each upstream.
	out.Compression = out.Upstream == upstream.Datadog
	if out.Upstream == upstream.Datadog {
		out.MaxResponseBytes = DefaultDatadogMaxBody
	}
	if !isUnset(jd.MaxResponseBytes) {
		n, err := strconv.ParseFloat(strings.Trim(string(jd.MaxResponseBytes), `" `), 64)
		if err != nil || math.IsNaN(n) || n < 1<<20 || n > 1<<40 {
			return out, fmt.Errorf("response size cap %s is not usable: give a number of bytes between 1 MiB and 1 TiB, or leave it empty for none (Prometheus) or 256 MiB (Datadog)", jd.MaxResponseBytes)
		}
		out.MaxResponseBytes = int64(n)
	}
	if jd.Compression != nil {
		out.Compression = *jd.Compression
	}
	if !isUnset(jd.MaxQueryBytes) {
		n, err := strconv.ParseFloat(strings.Trim(string(jd.MaxQueryBytes), `" `), 64)
		if err != nil || math.IsNaN(n) || n < 16<<20 || n > 1<<40 {
			return out, fmt.Errorf("memory per query %s is not usable: give a number of bytes between 16 MiB and 1 TiB in the data source settings, or leave it empty for 1 GiB", jd.MaxQueryBytes)
		}
		out.MaxQueryBytes = int64(n)
	}
	if !isUnset(jd.CacheBytes) {
		n, err := strconv.ParseFloat(strings.Trim(string(jd.CacheBytes), `" `), 64)
		if err != nil || math.IsNaN(n) || (n != 0 && n < 1<<20) || n > 1<<40 {
			return out, fmt.Errorf("cache size %s is not usable: give a number of bytes between 1 MiB and 1 TiB (0 turns the cache off) in the data source settings, or leave it empty for 512 MiB", jd.CacheBytes)
		}
		out.CacheBytes = int64(n)
	}
	if ts := strings.TrimSpace(jd.TimeShard); ts != "" && ts != "0" && ts != "off" {
		d, err := gtime.ParseIntervalStringToTimeDuration(ts)
		if err != nil || d < time.Hour {
			return out, fmt.Errorf("time shard %q is not usable: write a duration of an hour or more, such as 1d (a query frontend's day), or leave it empty for one request per query", ts)
		}
		out.TimeShard = d
	}
	out.Tenant = strings.TrimSpace(jd.Tenant)
	if strings.ContainsAny(out.Tenant, "\r\n") {
		return out, errors.New("the tenant (X-Scope-OrgID) holds a line break: give the tenant ID alone")
	}
	out.PartialResponse = jd.PartialResponse
	if out.MaxSeries, err = parseCap(jd.MaxSeries, "series cap", 1, 1_000_000); err != nil {
		return out, err
	}
	if out.MaxPoints, err = parseCap(jd.MaxPoints, "points cap", 1000, 1_000_000_000); err != nil {
		return out, err
	}

	switch out.Upstream {
	case upstream.Prometheus:
		if out.URL == "" {
			return out, errors.New("the Prometheus URL is empty: set it in the data source settings (e.g. http://prometheus:9090)")
		}
	case upstream.Datadog:
		switch {
		case out.DatadogAPIKey == "" && out.DatadogAppKey == "":
			return out, errors.New("the Datadog API key and application key are missing: set both in the data source settings")
		case out.DatadogAPIKey == "":
			return out, errors.New("the Datadog API key is missing: set it in the data source settings")
		case out.DatadogAppKey == "":
			return out, errors.New("the Datadog application key is missing: set it in the data source settings")
		}
	}
	return out, nil
}

// parseCap reads a whole-number cap in [lo, hi]; unset is 0 (the default).
func parseCap(raw json.RawMessage, what string, lo, hi float64) (int, error) {
	if isUnset(raw) {
		return 0, nil
	}
	n, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(string(raw)), `"`), 64)
	if err != nil || n != math.Trunc(n) || n < lo || n > hi {
		return 0, fmt.Errorf("%s %s is not usable: give a whole number from %.0f to %.0f in the data source settings, or leave it empty for the default", what, raw, lo, hi)
	}
	return int(n), nil
}

func isUnset(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "", "null", `""`:
		return true
	}
	return false
}

// parseTimeout reads a timeout in seconds (a number, or a string holding
// one). Unset or 0 gives the default; anything else must be 1 s to 10 min.
// There is never no timeout.
func parseTimeout(raw json.RawMessage) (time.Duration, error) {
	if isUnset(raw) {
		return DefaultTimeout, nil
	}
	text := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	secs, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	switch {
	case err != nil || math.IsNaN(secs) || math.IsInf(secs, 0):
		return 0, fmt.Errorf("timeout %s is not a number: set a timeout in seconds (1 to %d) in the data source settings, or leave it empty for %d", raw, int(MaxTimeout.Seconds()), int(DefaultTimeout.Seconds()))
	case secs == 0:
		return DefaultTimeout, nil
	case secs < 1 || secs > MaxTimeout.Seconds():
		return 0, fmt.Errorf("timeout %v s is out of range: set a timeout in seconds (1 to %d) in the data source settings, or leave it empty for %d", secs, int(MaxTimeout.Seconds()), int(DefaultTimeout.Seconds()))
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// urlPassword returns the password in a URL's user info, in every form it
// may appear, even when the URL does not parse (a password with / # ?).
func urlPassword(raw string) []string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			return []string{p}
		}
		return nil
	}
	// Unparseable: take what lies between the scheme's // and the last @.
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return nil
	}
	userinfo := rest[:at]
	if c := strings.Index(userinfo, ":"); c >= 0 {
		return []string{userinfo[c+1:], userinfo}
	}
	return []string{userinfo}
}
