package plugin

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/cache"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// VictoriaMetrics — the real single-node server, holding the fixture's
// week — answers the data source as Prometheus holding the same week
// does: the health check, an alert rule's instances and numbers, the
// verdict table, and (through the cache) later evaluations that fetch
// only the newest part; over time shards too.
func TestVictoriaMetricsAnswersLikePrometheus(t *testing.T) {
	vm := promtest.StartVictoria(t, fixture.Series()...)
	pr := fixtureProm(t)
	ctx := context.Background()

	health, err := startPlugin(t).CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pctx(settings(vm.URL, `{}`, nil))})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Equal(t, "Connected to a Prometheus-compatible API (it gives no build information)", health.Message)

	model := map[string]any{"expr": fixture.Metric, "limitExpr": fixture.LimitMetric}
	verdicts := map[string]any{"expr": fixture.Metric, "limitExpr": fixture.LimitMetric, "output": "verdicts"}
	want := run(t, settings(pr.URL, `{}`, nil), fromAlert, alertQuery("A", model))
	got := run(t, settings(vm.URL, `{}`, nil), fromAlert, alertQuery("A", model))
	wantAlerts, gotAlerts := alertValues(t, want.Responses["A"].Frames), alertValues(t, got.Responses["A"].Frames)
	require.Len(t, gotAlerts, 6)
	require.Equal(t, keys(wantAlerts), keys(gotAlerts), "the same instances, labelled with the same shapes")
	for k, w := range wantAlerts {
		require.NotNil(t, gotAlerts[k], k)
		// VictoriaMetrics keeps values to about 15 significant digits.
		assert.InDelta(t, *w, *gotAlerts[k], 1e-6, k)
	}
	wantRows := tableRows(t, run(t, settings(pr.URL, `{}`, nil), nil, panelQuery("B", verdicts, week, 10*time.Minute)).Responses["B"].Frames)
	gotRows := tableRows(t, run(t, settings(vm.URL, `{}`, nil), nil, panelQuery("B", verdicts, week, 10*time.Minute)).Responses["B"].Frames)
	require.Len(t, gotRows, len(wantRows))
	for name, w := range wantRows {
		require.Contains(t, gotRows, name)
		assert.Equal(t, w["shape"], gotRows[name]["shape"], name)
	}

	// The cache over VictoriaMetrics: an evaluation 15 minutes later
	// fetches only the newest part and equals a fresh fetch.
	client, err := prom.NewWithConfig(prom.Config{URL: vm.URL})
	require.NoError(t, err)
	clk := fixtureEnd
	c := cache.New(client, cache.Config{Now: func() time.Time { return clk }})
	q := upstream.Query{Expr: fixture.Metric, Start: fixtureEnd.Add(-3 * 24 * time.Hour), End: fixtureEnd.Add(-time.Hour), Step: 5 * time.Minute}
	_, err = c.QueryRange(ctx, q)
	require.NoError(t, err)
	clk = clk.Add(15 * time.Minute)
	q.Start, q.End = q.Start.Add(15*time.Minute), q.End.Add(15*time.Minute)
	cached, err := c.QueryRange(ctx, q)
	require.NoError(t, err)
	fresh, err := client.QueryRange(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, fresh.Series, cached.Series)
	assert.Equal(t, int64(1), c.Stats().Extends)

	// Day shards fetched in parallel join to the one-request answer.
	sharded, err := prom.NewWithConfig(prom.Config{URL: vm.URL, TimeShard: 24 * time.Hour})
	require.NoError(t, err)
	q.Start = fixtureEnd.Add(-7*24*time.Hour + 17*time.Minute + 30*time.Second)
	q.End = fixtureEnd.Add(-2 * time.Minute)
	q.Step = time.Minute
	whole, err := client.QueryRange(ctx, q)
	require.NoError(t, err)
	joined, err := sharded.QueryRange(ctx, q)
	require.NoError(t, err)
	require.Len(t, joined.Series, 6)
	assert.Equal(t, whole.Series, joined.Series)
}

func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
