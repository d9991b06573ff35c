package plugin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Upstream names where memory series come from.
type Upstream string

const (
	UpstreamPrometheus Upstream = "prometheus"
	UpstreamDatadog    Upstream = "datadog"
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
func (s Secret) GoString() string { return `plugin.Secret("` + s.String() + `")` }

// MarshalJSON keeps encoding/json from printing the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Settings is one data source instance's configuration.
type Settings struct {
	// URL is the Prometheus server (the data source's URL field).
	URL         string
	Upstream    Upstream
	DatadogSite string
	// Timeout for one upstream request; 0 means the SDK default.
	Timeout time.Duration

	BearerToken   Secret
	DatadogAPIKey Secret
	DatadogAppKey Secret
}

// minRedactLen: values shorter than this are not searched for in messages
// (a one-letter "secret" would shred every text and protects nothing).
const minRedactLen = 4

// secrets lists the secret values present, for redaction.
func (s Settings) secrets() []string {
	var out []string
	for _, v := range []Secret{s.BearerToken, s.DatadogAPIKey, s.DatadogAppKey} {
		if len(v) >= minRedactLen {
			out = append(out, string(v))
		}
	}
	return out
}

// jsonData is the data source's jsonData as the config editor writes it.
type jsonData struct {
	Upstream       string          `json:"upstream"`
	DatadogSite    string          `json:"datadogSite"`
	TimeoutSeconds json.RawMessage `json:"timeoutSeconds"`
}

// MaxTimeout bounds timeoutSeconds.
const MaxTimeout = 10 * time.Minute

// LoadSettings reads and checks a data source instance's settings. Errors
// say which setting is wrong and how to fix it; they never contain a secret.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	out := Settings{
		URL:           strings.TrimSpace(s.URL),
		BearerToken:   Secret(s.DecryptedSecureJSONData["bearerToken"]),
		DatadogAPIKey: Secret(s.DecryptedSecureJSONData["datadogApiKey"]),
		DatadogAppKey: Secret(s.DecryptedSecureJSONData["datadogAppKey"]),
	}
	var jd jsonData
	if len(s.JSONData) > 0 && strings.TrimSpace(string(s.JSONData)) != "null" {
		if err := json.Unmarshal(s.JSONData, &jd); err != nil {
			return out, fmt.Errorf("the data source settings (jsonData) are not valid JSON: %v; save the data source settings again", err)
		}
	}
	switch strings.ToLower(strings.TrimSpace(jd.Upstream)) {
	case "", string(UpstreamPrometheus):
		out.Upstream = UpstreamPrometheus
	case string(UpstreamDatadog):
		out.Upstream = UpstreamDatadog
	default:
		return out, fmt.Errorf("unknown upstream %q: choose %q or %q in the data source settings", jd.Upstream, UpstreamPrometheus, UpstreamDatadog)
	}
	out.DatadogSite = strings.TrimSpace(jd.DatadogSite)

	if raw := strings.TrimSpace(string(jd.TimeoutSeconds)); raw != "" && raw != "null" && raw != `""` {
		secs, err := strconv.ParseFloat(strings.Trim(raw, `"`), 64)
		if err != nil {
			return out, fmt.Errorf("timeoutSeconds %s is not a number: set a timeout in seconds (1 to %d) in the data source settings", raw, int(MaxTimeout.Seconds()))
		}
		if secs < 0 || secs > MaxTimeout.Seconds() {
			return out, fmt.Errorf("timeoutSeconds %v is out of range: set a timeout in seconds (1 to %d), or leave it empty for the default", secs, int(MaxTimeout.Seconds()))
		}
		out.Timeout = time.Duration(secs * float64(time.Second))
	}

	switch out.Upstream {
	case UpstreamPrometheus:
		if out.URL == "" {
			return out, fmt.Errorf("Prometheus URL is empty: set it in the data source settings (e.g. http://prometheus:9090)")
		}
	case UpstreamDatadog:
		if out.DatadogAPIKey == "" || out.DatadogAppKey == "" {
			return out, fmt.Errorf("Datadog API key and application key are required: set both in the data source settings")
		}
	}
	return out, nil
}
