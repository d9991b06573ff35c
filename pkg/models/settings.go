// Package models holds what Grafana sends the plugin, read and checked:
// a data source instance's settings and a query's model. Errors say which
// setting or field is wrong and how to fix it; they never contain a secret.
package models

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"

	"github.com/memshape/memory-datasource/pkg/units"
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
)

// Secret is a string that never prints (upstream.Secret).
type Secret = upstream.Secret

// Settings is one data source instance's configuration: what every
// upstream shares, and the upstream's own settings (Own), which its
// package reads.
type Settings struct {
	// URL is the data source's URL field (the upstream's server, for the
	// upstreams that have one).
	URL      string
	Upstream upstream.Source
	// Kind is the registered upstream named by Upstream.
	Kind upstream.Upstream `json:"-"`
	// Own is the upstream's own settings, read by its package.
	Own upstream.Settings
	// Timeout for one upstream request; never 0.
	Timeout time.Duration
	// AnalysisWindow is how far back verdicts look by default.
	AnalysisWindow time.Duration
	// ScrapeInterval is the upstream's scrape interval (jsonData.
	// timeInterval), the floor of the panel's step and the base of
	// $__rate_interval.
	ScrapeInterval time.Duration
	// MaxResponseBytes caps one upstream answer's bytes; 0 is no cap on
	// the body. Unset, it is the upstream's default (Upstream.Defaults).
	MaxResponseBytes int64
	// Compression asks the upstream for gzip; unset, the upstream's
	// default.
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

// JSONData is the part of a data source's jsonData every upstream shares,
// as the config editor writes it; each upstream's own part is its
// package's (upstream.Upstream.Schema). The settings schema
// (schema/v0alpha1/settings.json, TestSettingsSchema) is written from
// these types, and the frontend's types are held to it.
type JSONData struct {
	// Upstream is where the memory series come from: a registered
	// upstream's name (default prometheus).
	Upstream string `json:"upstream,omitempty"`
	// Timeout is the upstream request timeout in seconds, 1 to 600
	// (default 30; 0 is the default).
	Timeout Number `json:"timeout,omitempty"`
	// TimeoutSeconds is what editors before plugin-ui's timeout field
	// wrote; read when timeout is unset.
	TimeoutSeconds Number `json:"timeoutSeconds,omitempty" jsonschema:"-"`
	// AnalysisWindow is how far back a verdict looks when a query says
	// auto (default 7d).
	AnalysisWindow string `json:"analysisWindow,omitempty" jsonschema:"enum=1d,enum=3d,enum=7d,enum=14d,enum=30d"`
	// TimeInterval is the upstream's scrape interval, e.g. 15s: the floor
	// of a panel's step and the base of $__rate_interval (default 15s).
	TimeInterval string `json:"timeInterval,omitempty"`
	// MaxResponseBytes caps one upstream answer's bytes, 1 MiB to 1 TiB
	// (default the upstream's: none for Prometheus, 256 MiB for Datadog).
	MaxResponseBytes Number `json:"maxResponseBytes,omitempty"`
	// Compression asks the upstream for gzip answers (default the
	// upstream's: off for Prometheus, on for Datadog).
	Compression *bool `json:"compression,omitempty"`
	// MaxSeries caps the series one query may return, 1 to 1,000,000
	// (default 200,000).
	MaxSeries Number `json:"maxSeries,omitempty"`
	// MaxPoints caps the points one query may return over all its series,
	// 1,000 to 1,000,000,000 (default 200,000,000).
	MaxPoints Number `json:"maxPoints,omitempty"`
	// MaxQueryBytes caps the memory one query's decoded samples and labels
	// take, 16 MiB to 1 TiB (default 1 GiB).
	MaxQueryBytes Number `json:"maxQueryBytes,omitempty"`
	// CacheBytes is the byte budget of the data source's cache of samples,
	// 1 MiB to 1 TiB (default 512 MiB; 0 turns the cache off).
	CacheBytes Number `json:"cacheBytes,omitempty"`
}

// GrafanaJSONData are the jsonData fields of Grafana's own HTTP settings
// that the config editor writes (with @grafana/plugin-ui's editors) and
// the SDK reads (backend.DataSourceInstanceSettings.HTTPClientOptions);
// Memory Shape does not read them itself. They are in the settings schema
// so that it describes all the editor writes.
type GrafanaJSONData struct {
	// OAuthPassThru forwards the user's OAuth identity to the upstream.
	OAuthPassThru bool `json:"oauthPassThru,omitempty"`
	// TLSAuth sends a TLS client certificate (secureJsonData.tlsClientCert
	// and tlsClientKey).
	TLSAuth bool `json:"tlsAuth,omitempty"`
	// TLSAuthWithCACert checks the upstream's certificate against
	// secureJsonData.tlsCACert.
	TLSAuthWithCACert bool `json:"tlsAuthWithCACert,omitempty"`
	// TLSSkipVerify skips the upstream's certificate check.
	TLSSkipVerify bool `json:"tlsSkipVerify,omitempty"`
	// ServerName is the TLS server name to expect.
	ServerName string `json:"serverName,omitempty"`
	// KeepCookies are the cookies forwarded to the upstream.
	KeepCookies []string `json:"keepCookies,omitempty"`
}

// GrafanaSecureKeys are the secureJsonData keys of Grafana's own HTTP
// settings the config editor writes and the SDK reads.
var GrafanaSecureKeys = []upstream.SecureKey{
	{Key: "basicAuthPassword", Description: "the basic-auth password"},
	{Key: "tlsCACert", Description: "the CA certificate the upstream's is checked against (PEM)"},
	{Key: "tlsClientCert", Description: "the TLS client certificate (PEM)"},
	{Key: "tlsClientKey", Description: "the TLS client key (PEM)"},
}

// Number is a jsonData number that an editor may have saved as a string
// ("30"), kept as written for its setting's parser to read and quote.
type Number json.RawMessage

// UnmarshalJSON keeps the value as written.
func (n *Number) UnmarshalJSON(b []byte) error {
	*n = append((*n)[:0], b...)
	return nil
}

// MarshalJSON writes the value as it was read.
func (n Number) MarshalJSON() ([]byte, error) {
	if len(n) == 0 {
		return []byte("null"), nil
	}
	return []byte(n), nil
}

// LoadSettings reads and checks a data source instance's settings.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	out := Settings{
		URL:            strings.TrimSpace(s.URL),
		Timeout:        DefaultTimeout,
		AnalysisWindow: DefaultAnalysisWindow,
		ScrapeInterval: DefaultScrapeInterval,
		MaxQueryBytes:  upstream.DefaultMaxBytes,
		CacheBytes:     DefaultCacheBytes,
	}
	out.secrets = &secretSet{}
	for _, v := range s.DecryptedSecureJSONData {
		out.secrets.values = append(out.secrets.values, v)
	}
	out.secrets.values = append(out.secrets.values, urlPassword(out.URL)...)
	// What an upstream that echoes the Authorization header shows, removed
	// whole however short the password in it (the upstream adds its own
	// header's, below).
	if s.BasicAuthEnabled {
		out.secrets.values = append(out.secrets.values,
			upstream.AuthorizationValues("", s.BasicAuthUser, s.DecryptedSecureJSONData["basicAuthPassword"])...)
	}
	if u, err := url.Parse(out.URL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out.secrets.values = append(out.secrets.values, upstream.AuthorizationValues("", u.User.Username(), p)...)
		}
	}

	var jd JSONData
	if len(s.JSONData) > 0 && strings.TrimSpace(string(s.JSONData)) != "null" {
		if err := json.Unmarshal(s.JSONData, &jd); err != nil {
			return out, fmt.Errorf("the data source settings (jsonData) are not valid JSON: %v; save the data source settings again", err)
		}
	}
	out.Upstream = upstream.Source(strings.ToLower(strings.TrimSpace(jd.Upstream)))
	if out.Upstream == "" {
		out.Upstream = upstream.DefaultSource
	}
	var known bool
	if out.Kind, known = upstream.Lookup(out.Upstream); !known {
		return out, fmt.Errorf("unknown upstream %q: choose %s in the data source settings", jd.Upstream, upstream.Choices())
	}

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
	// Compression and the body cap by what they cost the upstream.
	def := out.Kind.Defaults()
	out.Compression, out.MaxResponseBytes = def.Compression, def.MaxBody
	if !isUnset(jd.MaxResponseBytes) {
		n, err := strconv.ParseFloat(strings.Trim(string(jd.MaxResponseBytes), `" `), 64)
		if err != nil || math.IsNaN(n) || n < 1<<20 || n > 1<<40 {
			unset := "none"
			if def.MaxBody > 0 {
				unset = units.FormatBytesIEC(float64(def.MaxBody))
			}
			return out, fmt.Errorf("response size cap %s is not usable: give a number of bytes between 1 MiB and 1 TiB, or leave it empty for %s (%s)", jd.MaxResponseBytes, unset, out.Kind.Title())
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
	if out.MaxSeries, err = parseCap(jd.MaxSeries, "series cap", 1, 1_000_000); err != nil {
		return out, err
	}
	if out.MaxPoints, err = parseCap(jd.MaxPoints, "points cap", 1000, 1_000_000_000); err != nil {
		return out, err
	}

	// The upstream's own settings.
	if out.Own, err = out.Kind.Settings(upstream.Instance{URL: out.URL, JSONData: s.JSONData, Secure: s.DecryptedSecureJSONData}); err != nil {
		return out, err
	}
	out.secrets.values = append(out.secrets.values, out.Own.Echoes()...)
	return out, nil
}

// parseCap reads a whole-number cap in [lo, hi]; unset is 0 (the default).
func parseCap(raw Number, what string, lo, hi float64) (int, error) {
	if isUnset(raw) {
		return 0, nil
	}
	n, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(string(raw)), `"`), 64)
	if err != nil || n != math.Trunc(n) || n < lo || n > hi {
		return 0, fmt.Errorf("%s %s is not usable: give a whole number from %.0f to %.0f in the data source settings, or leave it empty for the default", what, raw, lo, hi)
	}
	return int(n), nil
}

func isUnset(raw Number) bool { return upstream.Unset(json.RawMessage(raw)) }

// parseTimeout reads a timeout in seconds (a number, or a string holding
// one). Unset or 0 gives the default; anything else must be 1 s to 10 min.
// There is never no timeout.
func parseTimeout(raw Number) (time.Duration, error) {
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
