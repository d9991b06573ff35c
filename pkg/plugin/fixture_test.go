package plugin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/internal/promtest"
)

// fixtureEnd is where the fixture's history ends.
var fixtureEnd = fixture.End

// fixtureProm starts a real Prometheus with the fixture; the feature
// tests share one per test function, as subtests.
func fixtureProm(t *testing.T) *promtest.Server {
	t.Helper()
	return promtest.Start(t, fixture.Series()...)
}

// rangeQueries is how many range queries Prometheus has answered, from
// its own metrics.
func rangeQueries(t *testing.T, promURL string) int {
	t.Helper()
	resp, err := http.Get(promURL + "/metrics")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, `prometheus_http_requests_total{code="200",handler="/api/v1/query_range"}`) {
			f := strings.Fields(line)
			v, err := strconv.Atoi(f[len(f)-1])
			require.NoError(t, err)
			n += v
		}
	}
	return n
}

// panelQuery is a query as a panel of the given range sends it: Grafana's
// interval is the range over the max data points, rounded.
func panelQuery(ref string, model map[string]any, rng time.Duration, interval time.Duration) backend.DataQuery {
	return q(ref, model, fixtureEnd.Add(-rng), fixtureEnd, interval)
}

// alertQuery is a query as an alert rule sends it: a 10-minute range,
// interval 1 s, 43,200 max data points.
func alertQuery(ref string, model map[string]any) backend.DataQuery {
	dq := q(ref, model, fixtureEnd.Add(-10*time.Minute), fixtureEnd, time.Second)
	dq.MaxDataPoints = 43200
	return dq
}

func run(t *testing.T, ds *backend.DataSourceInstanceSettings, headers map[string]string, qs ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(ds), Headers: headers, Queries: qs})
	require.NoError(t, err)
	for _, q := range qs {
		dr := resp.Responses[q.RefID]
		require.NoError(t, dr.Error, q.RefID)
		_, err := dataplanetest.Check(dr.Frames)
		require.NoError(t, err, "%s: the data plane contract", q.RefID)
	}
	return resp
}

var fromAlert = map[string]string{AlertHeader: "true"}

// tableRows reads the verdict table: series name → column → value.
func tableRows(t *testing.T, fr data.Frames) map[string]map[string]any {
	t.Helper()
	for _, f := range fr {
		if f.Name != "verdicts" {
			continue
		}
		rows := map[string]map[string]any{}
		for i := 0; i < f.Rows(); i++ {
			row := map[string]any{}
			for _, fld := range f.Fields {
				v := fld.At(i)
				if p, ok := v.(*float64); ok {
					if p == nil {
						v = nil
					} else {
						v = *p
					}
				}
				row[fld.Name] = v
			}
			rows[row["series"].(string)] = row
		}
		return rows
	}
	t.Fatal("no verdict table")
	return nil
}

// alertValues reads the alert frames: labels → value (nil for null).
func alertValues(t *testing.T, fr data.Frames) map[string]*float64 {
	t.Helper()
	out := map[string]*float64{}
	for _, f := range fr {
		require.Equal(t, data.FrameTypeNumericMulti, f.Meta.Type)
		if len(f.Fields) == 0 {
			continue
		}
		v := f.Fields[0]
		key := v.Labels.String()
		require.NotContains(t, out, key, "label sets are unique")
		out[key] = v.At(0).(*float64)
	}
	return out
}

func mustJSONString(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
