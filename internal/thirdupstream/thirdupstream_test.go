package thirdupstream_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/internal/thirdupstream"
	"github.com/memshape/memory-datasource/pkg/plugin"
	"github.com/memshape/memory-datasource/pkg/upstream"
	_ "github.com/memshape/memory-datasource/pkg/upstream/all" // the upstreams Memory Shape ships
)

// A third upstream is its package and this one line.
func init() { upstream.Register(thirdupstream.Upstream{}) }

const token = "memory-token-0003"

// instance is a Memory Shape data source on the in-memory upstream.
func instance(t *testing.T, jsonData string, secure map[string]string) *plugin.Datasource {
	t.Helper()
	inst, err := plugin.NewDatasource(context.Background(), backend.DataSourceInstanceSettings{
		UID: "third", Name: "Memory Shape", JSONData: json.RawMessage(jsonData), DecryptedSecureJSONData: secure,
	})
	require.NoError(t, err)
	return inst.(*plugin.Datasource)
}

func query(ref string, model map[string]any, rng, interval time.Duration) backend.DataQuery {
	raw, _ := json.Marshal(model)
	return backend.DataQuery{RefID: ref, JSON: raw, Interval: interval, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: fixture.End.Add(-rng), To: fixture.End}}
}

func run(t *testing.T, ds *plugin.Datasource, headers map[string]string, qs ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Headers: headers, Queries: qs})
	require.NoError(t, err)
	for _, q := range qs {
		require.NoError(t, resp.Responses[q.RefID].Error, q.RefID)
		_, err := dataplanetest.Check(resp.Responses[q.RefID].Frames)
		require.NoError(t, err, "%s: the data plane contract", q.RefID)
	}
	return resp
}

// TestThirdUpstream runs a panel query and an alert query through the
// plugin against an upstream the plugin's code does not know: its
// settings, client, step rules and (missing) capabilities are its own.
func TestThirdUpstream(t *testing.T) {
	ds := instance(t, `{"upstream":"memory"}`, map[string]string{"token": token})
	h, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusOk, h.Status, h.Message)
	assert.Equal(t, "Connected to the in-memory fixture: 6 series", h.Message)

	resp := run(t, ds, nil,
		query("table", map[string]any{"expr": "namespace=prod", "output": "verdicts"}, time.Hour, 15*time.Second),
		query("series", map[string]any{"expr": "service=leak-1", "output": "series"}, 7*24*time.Hour, time.Minute),
	)
	shapes := map[string]string{}
	for _, f := range resp.Responses["table"].Frames {
		if f.Name != "verdicts" {
			continue
		}
		name, _ := f.FieldByName("series")
		shape, _ := f.FieldByName("shape")
		require.NotNil(t, name)
		require.NotNil(t, shape)
		for i := range f.Rows() {
			shapes[name.At(i).(string)] = shape.At(i).(string)
		}
	}
	assert.Equal(t, "leak", shapes["leak-1"], "%v", shapes)
	assert.Equal(t, "leak", shapes["leak-restart"])
	assert.Equal(t, "healthy", shapes["steady"])
	// A week at 1 m is 10,080 points: the upstream's own cap (500) raises
	// the step, and the notice quotes it.
	var notices []string
	for _, f := range resp.Responses["series"].Frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				notices = append(notices, n.Text)
			}
		}
	}
	assert.Contains(t, strings.Join(notices, "\n"), "Step raised from 1m0s to 20m10s: the panel gets at most 500 points per series")

	alert := run(t, ds, map[string]string{plugin.AlertHeader: "true"}, query("A", map[string]any{"expr": "namespace=prod"}, 10*time.Minute, time.Second))
	values := map[string]*float64{}
	for _, f := range alert.Responses["A"].Frames {
		require.Equal(t, data.FrameTypeNumericMulti, f.Meta.Type)
		if len(f.Fields) > 0 {
			values[f.Fields[0].Labels.String()] = f.Fields[0].At(0).(*float64)
		}
	}
	require.NotEmpty(t, values)
	leak := false
	for labels, v := range values {
		if strings.Contains(labels, "service=leak-1") {
			leak = true
			require.NotNil(t, v, labels)
			assert.Greater(t, *v, 0.5, labels)
		}
	}
	assert.True(t, leak, "leak-1 has an alert number: %v", values)

	// Its bad query is its own error, on that query only.
	both, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		query("bad", map[string]any{"expr": "service"}, time.Hour, time.Minute),
		query("good", map[string]any{"expr": "service=steady", "output": "verdicts"}, time.Hour, time.Minute),
	}})
	require.NoError(t, err)
	require.Error(t, both.Responses["bad"].Error)
	assert.Contains(t, both.Responses["bad"].Error.Error(), `In-memory fixture rejected the query: "service" is not a key=value matcher`)
	assert.NoError(t, both.Responses["good"].Error)

	// No label or tag API: the routes say so.
	status, body := callResource(t, ds, "api/v1/labels")
	assert.Equal(t, 501, status)
	assert.Contains(t, body, "In-memory fixture data sources have no Prometheus label or metadata API")
	status, _ = callResource(t, ds, "memory/metrics")
	assert.Equal(t, 501, status)

	for _, dr := range resp.Responses {
		for _, f := range dr.Frames {
			js, err := f.MarshalJSON()
			require.NoError(t, err)
			assert.NotContains(t, string(js), token)
		}
	}
}

// Its settings are its own: the token is required; the registry lists it.
func TestThirdUpstreamSettings(t *testing.T) {
	h, err := instance(t, `{"upstream":"memory"}`, nil).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusError, h.Status)
	assert.Contains(t, h.Message, "the in-memory upstream's token is missing")
	h, err = instance(t, `{"upstream":"influx"}`, nil).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	require.NoError(t, err)
	assert.Contains(t, h.Message, `unknown upstream "influx": choose "prometheus", "datadog" or "memory"`)
}

func callResource(t *testing.T, ds *plugin.Datasource, path string) (int, string) {
	t.Helper()
	var status int
	var body []byte
	err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: path, URL: path},
		backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
			status, body = r.Status, append(body, r.Body...)
			return nil
		}))
	require.NoError(t, err)
	return status, string(body)
}
