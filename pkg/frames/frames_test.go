package frames

import (
	"flag"
	"math"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// go test ./pkg/frames -update rewrites testdata/*.jsonc.
var update = flag.Bool("update", false, "rewrite golden files")

const t0 = int64(1_700_000_000_000) // ms
const hour = int64(time.Hour / time.Millisecond)

// leakItem is a hand-made series and verdict; the numbers do not come from
// the classifier.
func leakItem() Item {
	s := series.Series{
		Labels: map[string]string{"__name__": "container_memory_working_set_bytes", "pod": "api-1", "namespace": "prod"},
	}
	for i := int64(0); i < 5; i++ {
		s.T = append(s.T, t0+i*hour)
		s.V = append(s.V, 100e6+float64(i)*10e6)
	}
	return Item{Series: s, Verdict: shape.Verdict{
		Shape:              shape.Leak,
		Components:         []shape.Shape{shape.Leak},
		Confidence:         0.9,
		GrowthBytesPerHour: 10e6,
		Restarts:           1,
		Jumps:              []shape.Jump{{Start: t0, End: t0 + hour, From: 1, To: 2, Size: 1}},
		Fits: []shape.Fit{
			{Model: shape.Linear, Start: t0 + hour, End: t0 + 4*hour, Origin: t0, A: 100e6, B: 10e6 / float64(hour)},
			{Model: shape.Forecast, Start: t0 + 4*hour, End: t0 + 6*hour, Origin: t0 + 4*hour, A: 140e6, B: 10e6 / float64(hour)},
		},
		TimeToLimit:    86 * time.Hour,
		HasTimeToLimit: true,
		Explanation:    "Grows 10 MB an hour at a steady rate since the restart: a leak; reaches the 1 GB limit in 3.6 days.",
	}}
}

func inconclusiveItem() Item {
	return Item{
		Series: series.Series{
			Labels: map[string]string{"__name__": "process_resident_memory_bytes", "job": "worker"},
			T:      []int64{t0, t0 + hour},
			V:      []float64{5e6, math.NaN()},
		},
		Verdict: shape.Verdict{Shape: shape.Inconclusive, Reason: "too few points", WatchFor: 6 * time.Hour},
	}
}

func stepsItem() Item {
	s := series.Series{Labels: map[string]string{"__name__": "mem", "app": "cache"}}
	for i := int64(0); i < 6; i++ {
		s.T = append(s.T, t0+i*hour)
	}
	s.V = []float64{1e6, 1e6, 3e6, 3e6, 5e6, 5e6}
	return Item{Series: s, Verdict: shape.Verdict{
		Shape: shape.Bloat, Confidence: 0.7, Explanation: "Two jumps of 2 MB that stayed: bloat.",
		Jumps: []shape.Jump{{}, {}},
		Fits: []shape.Fit{{Model: shape.Steps, Start: t0, End: t0 + 5*hour, Origin: t0, A: 1e6,
			Knots: []shape.Knot{{T: t0, V: 1e6}, {T: t0 + 2*hour, V: 3e6}, {T: t0 + 4*hour, V: 5e6}}}},
	}}
}

func healthyItem() Item {
	return Item{
		Series:  series.Series{Labels: map[string]string{"__name__": "mem", "app": "ok"}, T: []int64{t0}, V: []float64{1}},
		Verdict: shape.Verdict{Shape: shape.Healthy, Confidence: 0.8, Explanation: "Flat after warm-up."},
	}
}

func items() []Item { return []Item{leakItem(), inconclusiveItem(), stepsItem(), healthyItem()} }

func TestGoldenAll(t *testing.T) {
	dr := backend.DataResponse{Frames: Build(items(), Options{LegendFormat: "{{pod}}{{app}} {{ shape }}", Output: All})}
	experimental.CheckGoldenJSONResponse(t, "testdata", "all", &dr, *update)
}

func TestGoldenSeries(t *testing.T) {
	dr := backend.DataResponse{Frames: Build(items(), Options{Output: SeriesOnly})}
	experimental.CheckGoldenJSONResponse(t, "testdata", "series", &dr, *update)
}

func TestGoldenVerdicts(t *testing.T) {
	dr := backend.DataResponse{Frames: Build(items(), Options{Output: Verdicts})}
	experimental.CheckGoldenJSONResponse(t, "testdata", "verdicts", &dr, *update)
}

func TestGoldenAlert(t *testing.T) {
	dr := backend.DataResponse{Frames: Build(items(), Options{Output: Alert})}
	experimental.CheckGoldenJSONResponse(t, "testdata", "alert", &dr, *update)
}

func TestBuildShapes(t *testing.T) {
	fs := Build(items(), Options{})
	// leak: series + 2 overlays; inconclusive: series; steps: series + 1; healthy: series; + table
	require.Len(t, fs, 3+1+2+1+1)
	for _, f := range fs[:len(fs)-1] {
		require.Equal(t, data.FrameTypeTimeSeriesMulti, f.Meta.Type, f.Name)
		require.Equal(t, data.FrameTypeVersion{0, 1}, f.Meta.TypeVersion)
		require.Equal(t, "bytes", f.Fields[1].Config.Unit)
	}
	series := fs[0]
	assert.Equal(t, "leak", series.Fields[1].Labels["shape"])
	assert.Equal(t, "api-1", series.Fields[1].Labels["pod"])
	require.Len(t, series.Meta.Notices, 1)
	assert.Equal(t, data.NoticeSeverityWarning, series.Meta.Notices[0].Severity)
	assert.Contains(t, series.Meta.Notices[0].Text, "a leak")

	overlay := fs[1]
	assert.Equal(t, "linear", overlay.Fields[1].Labels["overlay"])
	assert.Equal(t, map[string]any{"fill": "dash", "dash": []int{10, 10}}, overlay.Fields[1].Config.Custom["lineStyle"])
	// linear over [t0+1h, t0+4h] at the series' timestamps: 4 points.
	require.Equal(t, 4, overlay.Rows())
	assert.InDelta(t, 110e6, overlay.Fields[1].At(0).(float64), 1e-3)
	assert.InDelta(t, 140e6, overlay.Fields[1].At(3).(float64), 1e-3)
	forecast := fs[2]
	assert.Equal(t, 2, forecast.Rows(), "forecast reaches past the data: its last series point and its end")
	assert.InDelta(t, 160e6, forecast.Fields[1].At(1).(float64), 1e-3)

	inc := fs[3]
	require.Len(t, inc.Meta.Notices, 1)
	assert.Equal(t, data.NoticeSeverityInfo, inc.Meta.Notices[0].Severity)
	assert.Contains(t, inc.Meta.Notices[0].Text, "too few points")
	assert.Empty(t, fs[6].Meta.Notices, "healthy gets no notice")

	table := fs[7]
	assert.Equal(t, "verdicts", table.Name)
	require.Equal(t, 4, table.Rows())
	assert.Equal(t, "leak", table.Fields[1].At(0))
	assert.Equal(t, float64(86*3600), *(table.Fields[4].At(0).(*float64)))
	assert.Nil(t, table.Fields[4].At(1))
	assert.Equal(t, int64(2), table.Fields[6].At(2))
}

func TestOutputSelection(t *testing.T) {
	fs := Build(items(), Options{Output: SeriesOnly})
	for _, f := range fs {
		assert.Equal(t, data.FrameTypeTimeSeriesMulti, f.Meta.Type)
	}
	fs = Build(items(), Options{Output: Verdicts})
	require.Len(t, fs, 1)
	assert.Len(t, fs[0].Meta.Notices, 3, "leak, inconclusive, bloat")

	fs = Build(items(), Options{Output: Alert})
	require.Len(t, fs, 4)
	for _, f := range fs {
		assert.Equal(t, data.FrameTypeNumericMulti, f.Meta.Type)
		require.Equal(t, 1, f.Rows())
	}
	assert.Equal(t, 0.9, fs[0].Fields[0].At(0))
	assert.Equal(t, "leak", fs[0].Fields[0].Labels["shape"])
	assert.Equal(t, 0.0, fs[1].Fields[0].At(0), "inconclusive is not growth")
	assert.Equal(t, 0.7, fs[2].Fields[0].At(0))
	assert.Equal(t, 0.0, fs[3].Fields[0].At(0), "healthy")
}

func TestLegend(t *testing.T) {
	l := map[string]string{"pod": "a", "__name__": "m"}
	assert.Equal(t, "a / m / ", Legend("{{pod}} / {{ __name__ }} / {{missing}}", l))
	assert.Equal(t, "", Legend("", l))
	assert.Equal(t, "plain", Legend("plain", l))
	f := SeriesFrame(Item{Series: series.Series{Labels: l, T: []int64{1}, V: []float64{2}}}, "{{pod}}")
	assert.Equal(t, "a", f.Fields[1].Config.DisplayNameFromDS)
	f = SeriesFrame(Item{Series: series.Series{Labels: l, T: []int64{1}, V: []float64{2}}}, "")
	assert.Equal(t, "", f.Fields[1].Config.DisplayNameFromDS)
}

// TestEval pins the curve evaluation the overlays are drawn with
// (shape.Fit.At).
func TestEval(t *testing.T) {
	h := float64(hour)
	cases := []struct {
		name string
		fit  shape.Fit
		t    int64
		want float64
	}{
		{"linear", shape.Fit{Model: shape.Linear, Start: 0, End: 10 * hour, Origin: 0, A: 5, B: 2 / h}, 3 * hour, 11},
		{"linear origin", shape.Fit{Model: shape.Linear, Start: 0, End: 10 * hour, Origin: hour, A: 5, B: 2 / h}, 3 * hour, 9},
		{"forecast", shape.Fit{Model: shape.Forecast, Start: 0, End: 10 * hour, Origin: 0, A: 1, B: 1 / h}, 10 * hour, 11},
		{"log", shape.Fit{Model: shape.Logarithmic, Start: 0, End: 10 * hour, A: 1, B: 2, Tau: h}, hour, 1 + 2*math.Log(2)},
		{"saturating", shape.Fit{Model: shape.Saturating, Start: 0, End: 10 * hour, A: 1, B: 2, Tau: h}, hour, 1 + 2*(1-math.Exp(-1))},
		{"saturating at origin", shape.Fit{Model: shape.Saturating, Start: 0, End: 10 * hour, A: 1, B: 2, Tau: h}, 0, 1},
		{"steps before first knot", shape.Fit{Model: shape.Steps, Start: 0, End: 10, A: 7, Knots: []shape.Knot{{T: 2, V: 1}, {T: 5, V: 3}}}, 1, 7},
		{"steps on knot", shape.Fit{Model: shape.Steps, Start: 0, End: 10, A: 7, Knots: []shape.Knot{{T: 2, V: 1}, {T: 5, V: 3}}}, 5, 3},
		{"steps between", shape.Fit{Model: shape.Steps, Start: 0, End: 10, A: 7, Knots: []shape.Knot{{T: 5, V: 3}, {T: 2, V: 1}}}, 4, 1},
		{"steps last", shape.Fit{Model: shape.Steps, Start: 0, End: 10, A: 7, Knots: []shape.Knot{{T: 2, V: 1}, {T: 5, V: 3}}}, 10, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.InDelta(t, c.want, c.fit.At(c.t), 1e-9)
		})
	}
	nan := []struct {
		name string
		fit  shape.Fit
		t    int64
	}{
		{"before start", shape.Fit{Model: shape.Linear, Start: 5, End: 10}, 4},
		{"after end", shape.Fit{Model: shape.Linear, Start: 5, End: 10}, 11},
		{"log tau 0", shape.Fit{Model: shape.Logarithmic, Start: 0, End: 10}, 5},
		{"saturating tau 0", shape.Fit{Model: shape.Saturating, Start: 0, End: 10}, 5},
		{"unknown model", shape.Fit{Model: "spline", Start: 0, End: 10}, 5},
		{"log negative argument", shape.Fit{Model: shape.Logarithmic, Start: 0, End: 10, Origin: 10, Tau: 1}, 0},
	}
	for _, c := range nan {
		t.Run(c.name, func(t *testing.T) {
			assert.True(t, math.IsNaN(c.fit.At(c.t)))
		})
	}
}

func TestMismatchedLengthsDoNotPanic(t *testing.T) {
	it := Item{Series: series.Series{Labels: map[string]string{"__name__": "m"}, T: []int64{1, 2, 3}, V: []float64{1}}}
	f := SeriesFrame(it, "")
	assert.Equal(t, 1, f.Rows())
	_, err := f.RowLen()
	assert.NoError(t, err)
}
