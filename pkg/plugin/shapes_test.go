package plugin

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// shapeSeries is two days at one minute of f(hours) GiB with 0.3 % noise.
func shapeSeries(end time.Time, pod string, f func(h float64) float64) series.Series {
	r := rand.New(rand.NewPCG(uint64(len(pod)), 1))
	s := series.Series{Labels: map[string]string{"__name__": "memshape_shapes_bytes", "pod": pod}}
	const n = 48 * 60
	for i := 0; i < n; i++ {
		h := float64(i) / 60
		s.T = append(s.T, end.Add(-time.Duration(n-1-i)*time.Minute).UnixMilli())
		s.V = append(s.V, (1<<30)*(f(h)+0.003*r.NormFloat64()))
	}
	return s
}

// The whole path — Prometheus, the plugin over gRPC, the classifier, the
// frames — names each shape: a leak, the seed post's trap (bloat plus
// fragmentation, which looks linear) and a flat series.
func TestShapesEndToEnd(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	trap := func(h float64) float64 {
		y := 1 + 0.3*math.Log1p(h/4)
		for _, j := range []float64{8, 17, 26, 35, 44} {
			if h > j {
				y += 0.12
			}
		}
		return y
	}
	srv := promtest.Start(t,
		shapeSeries(end, "leaky", func(h float64) float64 { return 1 + 0.02*h }),
		shapeSeries(end, "trap", trap),
		shapeSeries(end, "steady", func(float64) float64 { return 1 }),
	)
	client := startPlugin(t)
	ds := settings(srv.URL, `{"upstream":"prometheus"}`, nil)
	from := end.Add(-48*time.Hour + time.Minute)

	resp, err := client.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: pctx(ds),
		Queries: []backend.DataQuery{
			q("all", map[string]any{"expr": "memshape_shapes_bytes", "limitBytes": 4 << 30}, from, end, time.Minute),
			q("alert", map[string]any{"expr": "memshape_shapes_bytes", "output": "alert"}, from, end, time.Minute),
		},
	})
	require.NoError(t, err)
	all := resp.Responses["all"]
	require.NoError(t, all.Error)

	shapes := map[string]string{}
	overlays := map[string][]string{}
	for _, f := range all.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			continue
		}
		v := f.Fields[1]
		if o := v.Labels["overlay"]; o != "" {
			overlays[v.Labels["pod"]] = append(overlays[v.Labels["pod"]], o)
			continue
		}
		require.Equal(t, 48*60, f.Rows(), "series %s", v.Labels["pod"])
		shapes[v.Labels["pod"]] = v.Labels["shape"]
	}
	assert.Equal(t, string(shape.Leak), shapes["leaky"])
	assert.Contains(t, []string{string(shape.Bloat), string(shape.Fragmentation)}, shapes["trap"], "the trap must not be a leak")
	assert.Equal(t, string(shape.Healthy), shapes["steady"])
	assert.ElementsMatch(t, []string{"linear", "forecast"}, overlays["leaky"])
	assert.Contains(t, overlays["trap"], "steps")
	assert.Empty(t, overlays["steady"])

	alert := resp.Responses["alert"]
	require.NoError(t, alert.Error)
	values := map[string]float64{}
	for _, f := range alert.Frames {
		require.Equal(t, data.FrameTypeNumericMulti, f.Meta.Type)
		v := f.Fields[0]
		values[v.Labels["pod"]] = v.At(0).(float64)
	}
	assert.Greater(t, values["leaky"], 0.5)
	assert.Greater(t, values["trap"], 0.5)
	assert.Zero(t, values["steady"])
}
