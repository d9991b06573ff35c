package plugin

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/require"
)

// go test ./pkg/plugin -run TestGolden -update rewrites testdata/golden.
var update = flag.Bool("update", false, "rewrite the golden responses in testdata/golden")

// TestGolden writes the plugin's real answers — json.Marshal of the
// QueryDataResponse, i.e. Grafana's /api/ds/query body — for the frontend
// tests, which read them with Grafana's own code (toDataQueryResponse,
// applyFieldOverrides, getFieldDisplayName), and checks that they have
// not changed unnoticed.
func TestGolden(t *testing.T) {
	srv := fixtureProm(t)
	ds := settings(srv.URL, `{}`, nil)
	model := func(kv ...any) map[string]any {
		m := map[string]any{"expr": "memshape_fixture_bytes", "limitExpr": "memshape_fixture_limit_bytes", "legendFormat": "__auto"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name    string
		headers map[string]string
		query   backend.DataQuery
	}{
		{"panel-all-3d", nil, panelQuery("A", model(), 3*24*time.Hour, 15*time.Minute)},
		{"panel-series-forecast", nil, q("A", model("output", "series"), fixtureEnd.Add(-6*time.Hour), fixtureEnd.Add(12*time.Hour), 5*time.Minute)},
		{"verdicts-week", nil, panelQuery("A", model("output", "verdicts"), week, 10*time.Minute)},
		{"alert-default", fromAlert, alertQuery("A", model())},
		{"alert-nodata", fromAlert, alertQuery("A", map[string]any{"expr": "memshape_no_such_metric"})},
		{"annotations-week", nil, panelQuery("A", model("output", "annotations"), week, 10*time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := run(t, ds, c.headers, c.query)
			got, err := json.MarshalIndent(resp, "", " ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "no golden: go test ./pkg/plugin -run TestGolden -update")
			require.JSONEq(t, string(want), string(got), "the answer changed: if that is intended, go test ./pkg/plugin -run TestGolden -update and check the diff")
		})
	}
}

// TestGoldenWorkloads writes the plugin's answers for the churned cluster
// (clusterProm), grouped by workload as the default does: the verdict
// table over a week and a day's panel of namespace shop (its pods named by
// workload, their fits per replica slot). src/golden.test.ts reads them
// with Grafana's own code.
func TestGoldenWorkloads(t *testing.T) {
	srv, _ := clusterProm(t)
	ds := settings(srv.URL, `{}`, nil)
	shop := `container_memory_working_set_bytes{namespace="shop", container!="", container!="POD"}`
	cases := []struct {
		name  string
		query backend.DataQuery
	}{
		{"workloads-verdicts-week", clusterQuery("A", 7*24*time.Hour, 10*time.Minute, "output", "verdicts")},
		{"workloads-shop-series-6h", q("A", map[string]any{"expr": shop, "limitExpr": clusterModel["limitExpr"], "output": "series"},
			clusterEnd.Add(-6*time.Hour), clusterEnd.Add(2*time.Hour), 5*time.Minute)},
		// The same panel refreshed an hour before: the legend names must
		// be the same (a legend click saves an override matched by them).
		{"workloads-shop-series-6h-hour-before", q("A", map[string]any{"expr": shop, "limitExpr": clusterModel["limitExpr"], "output": "series"},
			clusterEnd.Add(-7*time.Hour), clusterEnd.Add(time.Hour), 5*time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := run(t, ds, nil, c.query)
			got, err := json.MarshalIndent(resp, "", " ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "no golden: go test ./pkg/plugin -run TestGolden -update")
			require.JSONEq(t, string(want), string(got), "the answer changed: if that is intended, go test ./pkg/plugin -run TestGolden -update and check the diff")
		})
	}
}
