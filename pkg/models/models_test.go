package models

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/upstream"
	_ "github.com/memshape/memory-datasource/pkg/upstream/datadog"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

func instance(u, jsonData string, secure map[string]string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{URL: u, JSONData: json.RawMessage(jsonData), DecryptedSecureJSONData: secure}
}

// An unusable timeout is rejected or replaced by the default: never no
// timeout at all.
func TestTimeoutNeverNone(t *testing.T) {
	cases := []struct {
		jsonData string
		want     time.Duration
		err      string
	}{
		{`{}`, DefaultTimeout, ""},
		{`{"timeout":0}`, DefaultTimeout, ""},
		{`{"timeout":null}`, DefaultTimeout, ""},
		{`{"timeout":""}`, DefaultTimeout, ""},
		{`{"timeout":"3"}`, 3 * time.Second, ""},
		{`{"timeout":45}`, 45 * time.Second, ""},
		{`{"timeoutSeconds":"12.5"}`, 12500 * time.Millisecond, ""},
		{`{"timeout":0.5}`, 0, "out of range"},
		{`{"timeout":-5}`, 0, "out of range"},
		{`{"timeout":100000}`, 0, "out of range"},
		{`{"timeout":"soon"}`, 0, "not a number"},
		{`{"timeout":"NaN"}`, 0, "not a number"},
		{`{"timeoutSeconds":"NaN"}`, 0, "not a number"},
		{`{"timeoutSeconds":0.0001}`, 0, "out of range"},
		{`{"timeout":true}`, 0, "not a number"},
	}
	for _, c := range cases {
		t.Run(c.jsonData, func(t *testing.T) {
			s, err := LoadSettings(instance("http://prom:9090", c.jsonData, nil))
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				assert.Contains(t, err.Error(), "1 to 600", "the error says what is accepted")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, s.Timeout)
			assert.Positive(t, s.Timeout)
		})
	}
}

func TestSettingsDefaultsAndChecks(t *testing.T) {
	s, err := LoadSettings(instance("http://prom:9090", `{}`, nil))
	require.NoError(t, err)
	assert.Equal(t, upstream.Prometheus, s.Upstream)
	assert.Equal(t, 7*24*time.Hour, s.AnalysisWindow)
	assert.Equal(t, 15*time.Second, s.ScrapeInterval)
	own := s.Own.(*prom.Settings)
	assert.Equal(t, "POST", own.HTTPMethod)
	// Prometheus: no gzip (it costs Prometheus ~11× the CPU of the
	// answer), no cap on the body; memory per query and the cache's
	// budget instead; no shards, tenant or partial_response.
	assert.Zero(t, s.MaxResponseBytes)
	assert.False(t, s.Compression)
	assert.EqualValues(t, 1<<30, s.MaxQueryBytes)
	assert.EqualValues(t, 512<<20, s.CacheBytes)
	assert.Zero(t, own.TimeShard)
	assert.Empty(t, own.Tenant)
	assert.Nil(t, own.PartialResponse)

	// Datadog: gzip and a body cap (its client holds the body whole).
	s, err = LoadSettings(instance("", `{"upstream":"datadog"}`, map[string]string{"datadogApiKey": "k-1234", "datadogAppKey": "a-1234"}))
	require.NoError(t, err)
	assert.True(t, s.Compression)
	assert.EqualValues(t, 256<<20, s.MaxResponseBytes)

	s, err = LoadSettings(instance("http://prom:9090", `{"analysisWindow":"14d","timeInterval":"30s","httpMethod":"get","maxResponseBytes":"1048576","compression":true,
		"maxQueryBytes":2147483648,"cacheBytes":"0","timeShard":"1d","tenant":" team-a ","partialResponse":false}`, nil))
	require.NoError(t, err)
	assert.Equal(t, 14*24*time.Hour, s.AnalysisWindow)
	assert.Equal(t, 30*time.Second, s.ScrapeInterval)
	own = s.Own.(*prom.Settings)
	assert.Equal(t, "GET", own.HTTPMethod)
	assert.EqualValues(t, 1<<20, s.MaxResponseBytes)
	assert.True(t, s.Compression)
	assert.EqualValues(t, 2<<30, s.MaxQueryBytes)
	assert.Zero(t, s.CacheBytes, "0 turns the cache off")
	assert.Equal(t, 24*time.Hour, own.TimeShard)
	assert.Equal(t, "team-a", own.Tenant)
	require.NotNil(t, own.PartialResponse)
	assert.False(t, *own.PartialResponse)

	for jd, want := range map[string]string{
		`{"upstream": `:                "not valid JSON",
		`{"upstream":"influx"}`:        `unknown upstream "influx": choose "prometheus" or "datadog"`,
		`{"analysisWindow":"forever"}`: `"forever" is not an analysis window`,
		`{"timeInterval":"often"}`:     "scrape interval",
		`{"httpMethod":"PUT"}`:         "POST or GET",
		`{"maxResponseBytes":12}`:      "between 1 MiB and 1 TiB",
		`{"maxSeries":0.5}`:            "series cap 0.5 is not usable",
		`{"maxPoints":"lots"}`:         "points cap",
		`{"maxQueryBytes":1000}`:       "memory per query 1000 is not usable",
		`{"cacheBytes":-1}`:            "cache size -1 is not usable",
		`{"timeShard":"5m"}`:           `time shard "5m" is not usable`,
		`{"tenant":"a\nb"}`:            "line break",
	} {
		_, err := LoadSettings(instance("http://prom:9090", jd, nil))
		assert.ErrorContains(t, err, want, jd)
	}
	_, err = LoadSettings(instance("", `{}`, nil))
	assert.ErrorContains(t, err, "the Prometheus URL is empty")
	for secure, want := range map[string]string{
		``:          "API key and application key are missing",
		`api`:       "application key is missing",
		`app`:       "API key is missing",
		`api + app`: "",
	} {
		sec := map[string]string{}
		if secure == "api" || secure == "api + app" {
			sec["datadogApiKey"] = "k-1234"
		}
		if secure == "app" || secure == "api + app" {
			sec["datadogAppKey"] = "a-1234"
		}
		_, err := LoadSettings(instance("", `{"upstream":"datadog","datadogSite":"datadoghq.eu"}`, sec))
		if want == "" {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, want)
		}
	}
}

func TestSecretsListedAndNeverPrinted(t *testing.T) {
	s, err := LoadSettings(instance("http://user:p%2Fss@x:9090", "", map[string]string{
		"bearerToken": "tok-123", "datadogApiKey": "dd-1", "basicAuthPassword": "bap-9", "tlsClientKey": "KEY-PEM",
	}))
	require.NoError(t, err)
	assert.Subset(t, s.Secrets(), []string{"tok-123", "dd-1", "bap-9", "KEY-PEM", "p/ss"})
	js, err := json.Marshal(s)
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), string(js)} {
		for _, secret := range []string{"tok-123", "dd-1", "bap-9", "KEY-PEM"} {
			assert.NotContains(t, out, secret)
		}
		for _, secret := range []string{"p%2Fss", "p/ss"} {
			assert.NotContains(t, out, secret)
		}
	}
	// A password the URL parser chokes on is still known to be secret.
	assert.Contains(t, urlPassword("http://user:pa/ss#w?rd@host:9090"), "pa/ss#w?rd")
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery(json.RawMessage(`{"expr":" up "}`))
	require.NoError(t, err)
	assert.Equal(t, "up", q.Expr)
	assert.Equal(t, shape.Normal, q.Options.Sensitivity)
	assert.Equal(t, OutputAll, q.Out)
	assert.Equal(t, LeakConfidence, q.Value)
	assert.Zero(t, q.Window)
	assert.Equal(t, AnnotateAll, q.Events)

	q, err = ParseQuery(json.RawMessage(`{"expr":"up","sensitivity":"LOW","limitBytes":1e9,"output":"Verdicts","alertValue":"hours_to_limit","analysisWindow":"3d","limitExpr":" kube_limit ","annotate":"Growing"}`))
	require.NoError(t, err)
	assert.Equal(t, shape.Low, q.Options.Sensitivity)
	assert.Equal(t, 1e9, q.Options.LimitBytes)
	assert.Equal(t, OutputVerdicts, q.Out)
	assert.Equal(t, HoursToLimit, q.Value)
	assert.Equal(t, 72*time.Hour, q.Window)
	assert.Equal(t, "kube_limit", q.LimitExpr)
	assert.Equal(t, AnnotateGrowing, q.Events)

	for raw, want := range map[string]string{
		`{"expr":`:                                     "not valid JSON",
		`{"expr":"  "}`:                                "expression is empty",
		`{"expr":"up","sensitivity":"extreme"}`:        `"low", "normal", "high"`,
		`{"expr":"up","output":"graph"}`:               `"all", "series", "verdicts", "alert", "annotations"`,
		`{"expr":"up","limitBytes":-1}`:                "limitBytes",
		`{"expr":"up","alertValue":"loudness"}`:        `"leak_confidence"`,
		`{"expr":"up","analysisWindow":"a fortnight"}`: `"auto", "1d", "3d", "7d", "14d", "30d"`,
		`{"expr":"up","annotate":"loud"}`:              `unknown annotate "loud": use one of "all", "growing"`,
	} {
		_, err := ParseQuery(json.RawMessage(raw))
		assert.ErrorContains(t, err, want, raw)
	}
}

// The min step and the ad hoc filters are read and checked with the query.
func TestMinStepAndAdhocFilters(t *testing.T) {
	q, err := ParseQuery(json.RawMessage(`{"expr":"up","interval":"5m","adhocFilters":[{"key":"pod","operator":"=|","value":"","values":["a","b"]},{"key":"ns","operator":"!=","value":"x"}]}`))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Minute, q.MinStep)
	require.Len(t, q.AdhocFilters, 2)
	assert.Equal(t, []string{"a", "b"}, q.AdhocFilters[0].OneOf())
	assert.Equal(t, "pod =| a, b", q.AdhocFilters[0].String())
	assert.Equal(t, []string{"x"}, q.AdhocFilters[1].OneOf())

	q, err = ParseQuery(json.RawMessage(`{"expr":"up"}`))
	require.NoError(t, err)
	assert.Zero(t, q.MinStep, "no min step: the panel's interval alone")

	for raw, want := range map[string]string{
		`{"expr":"up","interval":"-1m"}`:                                          `the min step "-1m" is not a duration`,
		`{"expr":"up","interval":"0s"}`:                                           `the min step "0s" is not a duration`,
		`{"expr":"up","adhocFilters":[{"key":"pod","operator":">","value":"1"}]}`: `the ad hoc filter pod > 1 has an operator Memory Shape cannot apply`,
		`{"expr":"up","adhocFilters":[{"key":" ","operator":"=","value":"1"}]}`:   "has no key",
		`{"expr":"up","adhocFilters":{"key":"pod"}}`:                              "not valid JSON",
	} {
		_, err := ParseQuery(json.RawMessage(raw))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
}
