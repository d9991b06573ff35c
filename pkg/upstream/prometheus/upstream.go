package prometheus

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

func init() { upstream.Register(Upstream{}) }

// Upstream is Prometheus (and what speaks its HTTP API: Mimir, Cortex,
// Thanos, VictoriaMetrics) as the plugin sees it.
type Upstream struct{}

var _ upstream.Upstream = Upstream{}

// Source is upstream.Prometheus.
func (Upstream) Source() upstream.Source { return upstream.Prometheus }

// Title is "Prometheus".
func (Upstream) Title() string { return "Prometheus" }

// Defaults are no gzip (compressing costs Prometheus about 11 times the CPU
// of the answer) and no cap on the body (it is decoded as it streams and
// held to the memory per query).
func (Upstream) Defaults() upstream.Defaults { return upstream.Defaults{} }

// Rules are at most MaxPointsPerSeries points per series (Prometheus refuses
// more), and answers a cache may keep and extend.
func (Upstream) Rules() upstream.Rules {
	return upstream.Rules{MaxPointsPerSeries: MaxPointsPerSeries, Cache: true}
}

// Settings are a Prometheus data source's own settings.
type Settings struct {
	// HTTPMethod is POST or GET for queries (jsonData.httpMethod).
	HTTPMethod string
	// TimeShard splits long range queries into shards of this length
	// fetched in parallel (jsonData.timeShard, e.g. "1d"; 0: one request),
	// for a query frontend that caches by day.
	TimeShard time.Duration
	// Tenant is sent as X-Scope-OrgID (jsonData.tenant): Mimir, Cortex.
	Tenant string
	// PartialResponse is Thanos' partial_response (jsonData.
	// partialResponse); nil leaves the querier's default.
	PartialResponse *bool
	// BearerToken (secureJsonData.bearerToken) is sent as Authorization.
	BearerToken upstream.Secret
}

// JSONData is a Prometheus data source's own jsonData.
type JSONData struct {
	// HTTPMethod is the HTTP method of queries (default POST).
	HTTPMethod string `json:"httpMethod,omitempty" jsonschema:"enum=POST,enum=GET"`
	// TimeShard splits long range queries into shards of this length
	// (e.g. 1d, an hour or more) fetched in parallel, for a query frontend
	// (Mimir, Cortex, Thanos) that caches by day; unset: one request.
	TimeShard string `json:"timeShard,omitempty"`
	// Tenant is sent as the X-Scope-OrgID header: the tenant of Mimir or
	// Cortex.
	Tenant string `json:"tenant,omitempty"`
	// PartialResponse is Thanos Querier's partial_response: true accepts
	// answers some stores could not add to (with a warning), false makes
	// them errors; unset leaves the querier's default.
	PartialResponse *bool `json:"partialResponse,omitempty"`
}

// BearerTokenKey is the secureJsonData key of the bearer token.
const BearerTokenKey = "bearerToken"

// Schema is JSONData and the bearer token.
func (Upstream) Schema() upstream.Schema {
	return upstream.Schema{JSONData: JSONData{}, Secure: []upstream.SecureKey{
		{Key: BearerTokenKey, Description: "a bearer token sent as Authorization: Bearer …"},
	}}
}

// Settings reads a Prometheus data source's own settings: the URL, the
// HTTP method, time shards, tenant, partial_response and bearer token.
func (Upstream) Settings(in upstream.Instance) (upstream.Settings, error) {
	out := &Settings{HTTPMethod: http.MethodPost, BearerToken: upstream.Secret(in.Secure[BearerTokenKey])}
	var jd JSONData
	if err := in.Decode(&jd); err != nil {
		return nil, err
	}
	var err error
	if out.HTTPMethod, err = Method(jd.HTTPMethod); err != nil {
		return nil, fmt.Errorf("%w in the data source settings", err)
	}
	if ts := strings.TrimSpace(jd.TimeShard); ts != "" && ts != "0" && ts != "off" {
		d, err := gtime.ParseIntervalStringToTimeDuration(ts)
		if err != nil || d < time.Hour {
			return nil, fmt.Errorf("time shard %q is not usable: write a duration of an hour or more, such as 1d (a query frontend's day), or leave it empty for one request per query", ts)
		}
		out.TimeShard = d
	}
	out.Tenant = strings.TrimSpace(jd.Tenant)
	if strings.ContainsAny(out.Tenant, "\r\n") {
		return nil, errors.New("the tenant (X-Scope-OrgID) holds a line break: give the tenant ID alone")
	}
	out.PartialResponse = jd.PartialResponse
	if strings.TrimSpace(in.URL) == "" {
		return nil, &upstream.SettingError{Key: upstream.URLSetting, Err: errors.New("the Prometheus URL is empty"),
			Fix: "set it in the data source settings (e.g. http://prometheus:9090)"}
	}
	return out, nil
}

// Method is the HTTP method for queries: POST (also for "") or GET.
func Method(m string) (string, error) {
	switch u := strings.ToUpper(strings.TrimSpace(m)); u {
	case "", http.MethodPost:
		return http.MethodPost, nil
	case http.MethodGet:
		return http.MethodGet, nil
	}
	return "", fmt.Errorf("HTTP method %q is not supported for Prometheus: choose POST or GET", m)
}

// Header is the bearer token's Authorization, if there is one.
func (s *Settings) Header() http.Header {
	if s.BearerToken == "" {
		return nil
	}
	return http.Header{"Authorization": {"Bearer " + string(s.BearerToken)}}
}

// Echoes is the Authorization header's value.
func (s *Settings) Echoes() []string {
	return upstream.AuthorizationValues(string(s.BearerToken), "", "")
}

// Connect builds the Prometheus client.
func (s *Settings) Connect(c upstream.Connection) (upstream.Client, error) {
	cl, err := NewWithConfig(Config{
		URL: c.URL, HTTPClient: c.HTTPClient, Method: s.HTTPMethod,
		Compression: c.Compression, MaxBody: c.MaxBody,
		MaxSeries: c.MaxSeries, MaxPoints: c.MaxPoints, MaxBytes: c.MaxBytes,
		Tenant: s.Tenant, PartialResponse: s.PartialResponse, TimeShard: s.TimeShard,
		Redactor: c.Redactor,
	})
	if err != nil {
		return nil, &upstream.SettingError{Key: upstream.URLSetting, Err: err, Fix: "fix the URL in the data source settings"}
	}
	return cl, nil
}

// CommandLine is memshape's --prometheus URL, with the command's HTTP
// credentials.
func (Upstream) CommandLine() upstream.CommandLine {
	return upstream.CommandLine{
		Flag: "prometheus", Arg: "URL", Setting: upstream.URLSetting,
		Usage: "the Prometheus (or Mimir, Thanos, Cortex, VictoriaMetrics) server, e.g. " +
			"http://prometheus:9090 or https://mimir/prometheus",
		Query: "PromQL", HTTPAuth: true,
	}
}
