package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream/cache"
)

// An alert rule evaluated every minute or so on a data source with the
// cache reuses its verdicts while the samples stay the same, and every
// answer — reused or not — equals the one a data source without the
// cache computes afresh, across hours in which a leak begins and a
// leaking pod restarts, against the real Prometheus.
func TestReusedVerdictsEqualFresh(t *testing.T) {
	end := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	const mb = 1e6
	noise := func(i int) float64 { return float64((i*7919)%11-5) * mb }
	mk := func(name string, value func(t time.Time, i int) float64) series.Series {
		s := series.Series{Labels: map[string]string{"__name__": "memshape_reuse_bytes", "service": name}}
		for ts, i := end.Add(-3*24*time.Hour), 0; !ts.After(end); ts, i = ts.Add(time.Minute), i+1 {
			s.T = append(s.T, ts.UnixMilli())
			s.V = append(s.V, value(ts, i))
		}
		return s
	}
	leakFrom, restartAt := end.Add(-26*time.Hour), end.Add(-3*time.Hour)
	srv := promtest.Start(t,
		mk("steady", func(_ time.Time, i int) float64 { return 500*mb + noise(i) }),
		// Flat for days, then 80 MB an hour: inconclusive after 16 hours of
		// growth in the 1-day window, a leak after 20.
		mk("leak-begins", func(ts time.Time, i int) float64 {
			v := 400*mb + noise(i)
			if ts.After(leakFrom) {
				v += 80 * mb * ts.Sub(leakFrom).Hours()
			}
			return v
		}),
		// 20 MB an hour for days, restarted three hours before the end.
		mk("restart", func(ts time.Time, i int) float64 {
			since := ts.Sub(end.Add(-3 * 24 * time.Hour))
			if ts.After(restartAt) {
				since = ts.Sub(restartAt)
			}
			return 300*mb + 20*mb*math.Floor(since.Minutes())/60 + noise(i)
		}))

	open := func(jsonData string) *Datasource {
		inst, err := NewDatasource(context.Background(), *settings(srv.URL, jsonData, nil))
		require.NoError(t, err)
		return inst.(*Datasource)
	}
	warm, fresh := open(`{}`), open(`{"cacheBytes":0}`)
	require.NotNil(t, warm.verdicts, "the cache's instance reuses verdicts")
	require.Nil(t, fresh.verdicts)

	expr := `memshape_reuse_bytes`
	ask := func(ds *Datasource, at time.Time) map[string]string {
		ds.now = func() time.Time { return at.Add(20 * time.Second) }
		alert, _ := json.Marshal(map[string]any{"expr": expr, "analysisWindow": "1d"})
		table, _ := json.Marshal(map[string]any{"expr": expr, "analysisWindow": "1d", "output": "verdicts"})
		rng := backend.TimeRange{From: at.Add(-10 * time.Minute), To: at}
		out := map[string]string{}
		for ref, hdr := range map[string]map[string]string{"alert": fromAlert, "table": nil} {
			model := alert
			if ref == "table" {
				model = table
			}
			resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Headers: hdr,
				Queries: []backend.DataQuery{{RefID: ref, JSON: model, TimeRange: rng, Interval: time.Second, MaxDataPoints: 43200}}})
			require.NoError(t, err)
			dr := resp.Responses[ref]
			require.NoError(t, dr.Error, "%s at %s", ref, at)
			raw, err := json.Marshal(dr.Frames)
			require.NoError(t, err)
			out[ref] = string(raw)
			if ref == "table" {
				for name, row := range tableRows(t, dr.Frames) {
					out["row "+name] = fmt.Sprint(row["shape"], " restarts ", row["restarts"])
				}
			}
			if ref == "alert" {
				for _, f := range dr.Frames {
					l := f.Fields[0].Labels
					out[l["service"]] = fmt.Sprintf("%s %.3f", l[frames.ShapeLabel], *f.Fields[0].At(0).(*float64))
					out["shape "+l["service"]] = l[frames.ShapeLabel]
				}
			}
		}
		return out
	}
	shapes := map[string]map[string]bool{}
	evaluations := 0
	// Over a 1-day window (a 1-minute step): 20 seconds apart mostly,
	// now and then a few steps at once.
	at := end.Add(-10 * time.Hour)
	for k := 0; !at.After(end); k++ {
		got, want := ask(warm, at), ask(fresh, at)
		require.Equal(t, want, got, "evaluation at %s", at)
		for _, svc := range []string{"shape steady", "shape leak-begins", "restart", "row restart"} {
			if shapes[svc] == nil {
				shapes[svc] = map[string]bool{}
			}
			shapes[svc][got[svc]] = true
		}
		evaluations++
		at = at.Add([]time.Duration{20 * time.Second, 20 * time.Second, 20 * time.Second, 40 * time.Second, 3 * time.Minute, 11 * time.Minute}[k%6])
	}
	t.Logf("%d evaluations; shapes seen: %v; verdicts reused %d times", evaluations, shapes, warm.verdicts.Reused())
	assert.Equal(t, map[string]bool{"inconclusive": true, "leak": true}, shapes["shape leak-begins"], "the beginning leak changes its shape during the evaluations")
	assert.Equal(t, map[string]bool{"healthy": true}, shapes["shape steady"])
	assert.Greater(t, len(shapes["row restart"]), 1, "the restart is seen during the evaluations")
	reused := warm.verdicts.Reused()
	assert.Greater(t, reused, int64(evaluations)/2, "evaluations within a step reuse their verdicts")
	assert.Less(t, reused, int64(2*evaluations), "a new step's samples are judged again")
	assert.Positive(t, warm.up.(*cache.Cache).Stats().Unchanged)

	assert.Len(t, warm.verdicts.entries, 1, "one entry for the alert and the table (they judge alike), whatever the window")

	// A panel that draws its series keeps nothing: its items hold them.
	kept := len(warm.verdicts.entries)
	panel, _ := json.Marshal(map[string]any{"expr": expr, "analysisWindow": "1d", "output": "all"})
	resp, err := warm.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "P", JSON: panel, TimeRange: backend.TimeRange{From: end.Add(-6 * time.Hour), To: end}, Interval: time.Minute, MaxDataPoints: 1000}}})
	require.NoError(t, err)
	require.NoError(t, resp.Responses["P"].Error)
	assert.Len(t, warm.verdicts.entries, kept)
}
