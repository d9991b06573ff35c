package plugin

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
)

// fixtureEnd is where the fixture's history ends: a fixed instant, so
// that responses (and the goldens written from them) do not depend on
// when the tests run.
var fixtureEnd = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

const gib = float64(1 << 30)

// fixtureSeries is seven days at one minute of f(hours since start) GiB
// with 0.3 % noise, labelled pod=pod plus extra.
func fixtureSeries(pod string, f func(h float64) float64, extra ...string) series.Series {
	r := rand.New(rand.NewPCG(uint64(len(pod))+7, 1))
	s := series.Series{Labels: map[string]string{"__name__": "memshape_fixture_bytes", "namespace": "prod", "pod": pod}}
	for i := 0; i+1 < len(extra); i += 2 {
		s.Labels[extra[i]] = extra[i+1]
	}
	const n = 7 * 24 * 60
	for i := 0; i < n; i++ {
		h := float64(i) / 60
		s.T = append(s.T, fixtureEnd.Add(-time.Duration(n-1-i)*time.Minute).UnixMilli())
		s.V = append(s.V, gib*(f(h)+0.003*r.NormFloat64()))
	}
	return s
}

// trap is the seed post's trap: jumps whose level stays plus growth that
// slows down — together they look like a straight line for hours.
func trap(h float64) float64 {
	y := 1 + 0.3*math.Log1p(h/4)
	for _, j := range []float64{20, 50, 80, 110, 140} {
		if h > j {
			y += 0.12
		}
	}
	return y
}

// fixture is the history every feature test reads: a leak, a leak that
// restarts every 30 h, the trap, a flat series, two flat series that
// differ only by an upstream label named "shape", and memory limits.
func fixture() []series.Series {
	ss := []series.Series{
		fixtureSeries("leak-1", func(h float64) float64 { return 1 + 0.015*h }),
		fixtureSeries("leak-restart", func(h float64) float64 { return 1 + 0.03*math.Mod(h, 30) }),
		fixtureSeries("trap", trap),
		fixtureSeries("steady", func(float64) float64 { return 1 }),
		fixtureSeries("dup", func(float64) float64 { return 0.5 }, "shape", "a"),
		fixtureSeries("dup", func(float64) float64 { return 0.6 }, "shape", "b"),
	}
	for _, pod := range []string{"leak-1", "leak-restart"} {
		l := series.Series{Labels: map[string]string{"__name__": "memshape_fixture_limit_bytes", "namespace": "prod", "pod": pod}}
		for i := 0; i < 7*24; i++ {
			l.T = append(l.T, fixtureEnd.Add(-time.Duration(7*24-1-i)*time.Hour).UnixMilli())
			l.V = append(l.V, 4*gib)
		}
		ss = append(ss, l)
	}
	return ss
}

// fixtureProm starts a real Prometheus with the fixture; the feature
// tests share one per test function, as subtests.
func fixtureProm(t *testing.T) *promtest.Server {
	t.Helper()
	return promtest.Start(t, fixture()...)
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
