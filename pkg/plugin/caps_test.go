package plugin

import (
	"context"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/fixture"
)

// A query past a cap fails alone, as a 413, telling the user how many
// series of this window fit and how to narrow the query; the other query
// of the request is answered, and the memory of both is given back.
func TestCapTellsTheFleetThatFits(t *testing.T) {
	srv := fixtureProm(t)
	ds := settings(srv.URL, `{"maxPoints":5000}`, nil)
	resp, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(ds), Headers: fromAlert, Queries: []backend.DataQuery{
		alertQuery("A", map[string]any{"expr": fixture.Metric}),
		alertQuery("B", map[string]any{"expr": fixture.Metric + `{pod="leak-1"}`}),
	}})
	require.NoError(t, err)
	a := resp.Responses["A"]
	require.Error(t, a.Error)
	assert.Equal(t, backend.Status(413), a.Status)
	assert.Contains(t, a.Error.Error(), "more than 5,000 points in all, the cap on points per query: at 2,017 points per series, 2 series fit")
	assert.Contains(t, a.Error.Error(), "label matchers")
	require.NoError(t, resp.Responses["B"].Error)
	assert.Len(t, resp.Responses["B"].Frames, 1)
	used, n := inflight.inUse()
	assert.Zero(t, used, "every query gave its memory back")
	assert.Zero(t, n)
}
