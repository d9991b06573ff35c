package frames

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
)

const hour = int64(time.Hour / time.Millisecond)

var t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).UnixMilli()

// panelSeries is hourly points over [t0, t0+n h) following f.
func panelSeries(labels map[string]string, n int, f func(h float64) float64) series.Series {
	s := series.Series{Labels: labels}
	for i := 0; i < n; i++ {
		s.T = append(s.T, t0+int64(i)*hour)
		s.V = append(s.V, f(float64(i)))
	}
	return s
}

// A leak across a restart at hour 12: two lifetimes, one linear fit each,
// and a forecast. The verdict is hand-made, not the classifier's.
func leakItem(pod string) Item {
	l := map[string]string{"__name__": "container_memory_working_set_bytes", "namespace": "prod", "pod": pod}
	rate := 38 * float64(1<<20) / float64(hour)
	return Item{Labels: l, Panel: panelSeries(l, 24, func(h float64) float64 { return 1e9 + 38*(1<<20)*float64(int(h)%12) }), Limit: 2e9,
		Verdict: shape.Verdict{
			Shape: shape.Leak, Components: []shape.Shape{shape.Leak}, Confidence: 0.93, GrowthBytesPerHour: 38 * (1 << 20), Restarts: 1,
			Lifetimes: []shape.Lifetime{{Start: t0, End: t0 + 11*hour, WarmupEnd: t0 + hour, From: 1e9, To: 1.4e9}, {Start: t0 + 12*hour, End: t0 + 23*hour, WarmupEnd: t0 + 12*hour, From: 1e9, To: 1.4e9}},
			Fits: []shape.Fit{
				{Model: shape.Linear, Start: t0 + hour, End: t0 + 11*hour, Origin: t0, A: 1e9, B: rate},
				{Model: shape.Linear, Start: t0 + 12*hour, End: t0 + 23*hour, Origin: t0 + 12*hour, A: 1e9, B: rate},
				{Model: shape.Forecast, Start: t0 + 23*hour, End: t0 + 30*hour, Origin: t0 + 23*hour, A: 1.4e9, B: rate},
			},
			TimeToLimit: 9 * time.Hour, HasTimeToLimit: true,
			Explanation: "Leak: +38 MiB/h steady for 22 h across 1 restarts, no sign of slowing; reaches the 1.9 GiB limit in ~9 h.",
		}}
}

func bloatItem() Item {
	l := map[string]string{"__name__": "container_memory_working_set_bytes", "namespace": "prod", "pod": "cache-0", "shape": "cache"}
	return Item{Labels: l, Panel: panelSeries(l, 24, func(h float64) float64 { return 1e9 + 3e8*float64(int(h)/8) }),
		Verdict: shape.Verdict{
			Shape: shape.Bloat, Components: []shape.Shape{shape.Bloat}, Confidence: 0.8, GrowthBytesPerHour: 20 * (1 << 20),
			Jumps: []shape.Jump{{Start: t0 + 7*hour, End: t0 + 8*hour, From: 1e9, To: 1.3e9, Size: 3e8, Freed: 1e8}, {Start: t0 + 15*hour, End: t0 + 16*hour, From: 1.3e9, To: 1.6e9, Size: 3e8}},
			Fits: []shape.Fit{{Model: shape.Steps, Start: t0, End: t0 + 23*hour, Origin: t0, A: 1e9,
				Knots: []shape.Knot{{T: t0, V: 1e9}, {T: t0 + 8*hour, V: 1.3e9}, {T: t0 + 16*hour, V: 1.6e9}}}},
			Explanation: "Bloat: two jumps that stayed.",
		}}
}

func healthyItem(pod string) Item {
	l := map[string]string{"__name__": "container_memory_working_set_bytes", "namespace": "prod", "pod": pod}
	return Item{Labels: l, Panel: panelSeries(l, 24, func(float64) float64 { return 5e8 }),
		Verdict: shape.Verdict{Shape: shape.Healthy, Confidence: 0.9, Explanation: "Healthy: no lasting growth."}}
}

func inconclusiveItem() Item {
	l := map[string]string{"__name__": "container_memory_working_set_bytes", "namespace": "prod", "pod": "new-1"}
	return Item{Labels: l, Panel: panelSeries(l, 3, func(h float64) float64 { return 1e8 + h }),
		Verdict: shape.Verdict{Shape: shape.Inconclusive, Reason: "too short", WatchFor: 8 * time.Hour}}
}

func fleet() []Item {
	return []Item{healthyItem("api-0"), leakItem("api-1"), bloatItem(), inconclusiveItem(), leakItem("api-7")}
}

func opts(out models.Output) Options {
	return Options{
		Output: out, From: time.UnixMilli(t0), To: time.UnixMilli(t0 + 23*hour), Step: time.Hour, MaxDataPoints: 1000,
		Window: Window{From: time.UnixMilli(t0 - 6*24*hour), To: time.UnixMilli(t0 + 23*hour), Step: 5 * time.Minute},
	}
}

// Every output mode passes the data-plane contract as Grafana's sdata
// reads it: unique names + labels per frame type, sorted time.
func TestEveryOutputPassesDataplane(t *testing.T) {
	for _, out := range models.Outputs {
		for _, items := range [][]Item{fleet(), nil, {leakItem("a"), leakItem("a")}} {
			fr := Build(items, opts(out))
			got, err := dataplanetest.Check(fr)
			require.NoError(t, err, "output %s, %d items", out, len(items))
			if out == models.OutputAlert {
				assert.Len(t, got[data.FrameTypeNumericMulti], len(items), dataplanetest.String(got[data.FrameTypeNumericMulti]))
			}
		}
	}
}

func seriesFrames(fr data.Frames) (series, overlays []*data.Frame) {
	for _, f := range fr {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			continue
		}
		if kind, ok := f.Fields[1].Labels[OverlayLabel]; ok {
			if kind != KindLimit { // the limit line: TestLimitComesWithTheSeries
				overlays = append(overlays, f)
			}
		} else {
			series = append(series, f)
		}
	}
	return series, overlays
}

func TestLegendCarriesTheShape(t *testing.T) {
	fr := Build(fleet(), opts(models.OutputAll))
	ss, ov := seriesFrames(fr)
	var names []string
	for _, f := range ss {
		names = append(names, f.Fields[1].Config.DisplayNameFromDS)
		assert.Equal(t, "bytes", f.Fields[1].Config.Unit)
	}
	assert.Equal(t, []string{
		"api-0",
		"api-1 · LEAK",
		"cache-0, cache · BLOAT",
		"new-1",
		"api-7 · LEAK",
	}, names, "auto legend: the labels that differ; the shape on growing series only, no number that moves")
	// The upstream's own "shape" label is kept as it is.
	assert.Equal(t, "cache", ss[2].Fields[1].Labels["shape"])

	var overlayNames []string
	for _, f := range ov {
		overlayNames = append(overlayNames, f.Fields[1].Config.DisplayNameFromDS)
		assert.Equal(t, "dash", f.Fields[1].Config.Custom["lineStyle"].(map[string]any)["fill"])
	}
	assert.Equal(t, []string{"api-1 · linear fit", "cache-0, cache · steps", "api-7 · linear fit"}, overlayNames,
		"one overlay per kind per series; no forecast when the panel ends at the data")

	for format, want := range map[string]string{
		"__verbatim":            `container_memory_working_set_bytes{namespace="prod", pod="api-1"} · LEAK`,
		"{{namespace}}/{{pod}}": "prod/api-1 · LEAK",
		"{{nothing}}":           `container_memory_working_set_bytes{namespace="prod", pod="api-1"} · LEAK`,
	} {
		o := opts(models.OutputSeries)
		o.Legend = format
		ss, _ := seriesFrames(Build([]Item{leakItem("api-1")}, o))
		assert.Equal(t, want, ss[0].Fields[1].Config.DisplayNameFromDS, format)
	}
	ss, _ = seriesFrames(Build([]Item{healthyItem("api-0")}, opts(models.OutputSeries)))
	assert.Equal(t, "container_memory_working_set_bytes", ss[0].Fields[1].Config.DisplayNameFromDS, "a lone series is named by its metric")
}

// Per-lifetime fits are joined into one series with a null in the restart
// gap; the forecast appears only when the panel reaches past the data.
func TestOverlaysJoinedAndForecast(t *testing.T) {
	o := opts(models.OutputSeries)
	_, ov := seriesFrames(Build([]Item{leakItem("api-1")}, o))
	require.Len(t, ov, 1)
	vals := ov[0].Fields[1]
	nulls := 0
	for i := 0; i < vals.Len(); i++ {
		if vals.At(i).(*float64) == nil {
			nulls++
			ts := ov[0].Fields[0].At(i).(time.Time).UnixMilli()
			assert.Greater(t, ts, t0+11*hour)
			assert.Less(t, ts, t0+12*hour)
		}
	}
	assert.Equal(t, 1, nulls, "one gap, at the restart")
	assert.Equal(t, KindFit, vals.Labels[OverlayLabel])

	o.To = time.UnixMilli(t0 + 48*hour)
	_, ov = seriesFrames(Build([]Item{leakItem("api-1")}, o))
	require.Len(t, ov, 2)
	fc := ov[1]
	assert.Equal(t, "container_memory_working_set_bytes · forecast", fc.Fields[1].Config.DisplayNameFromDS)
	last := fc.Fields[1].At(fc.Rows() - 1).(*float64)
	assert.GreaterOrEqual(t, *last, 2e9, "the forecast runs to the limit")
	assert.LessOrEqual(t, fc.Fields[0].At(fc.Rows()-1).(time.Time).UnixMilli(), t0+48*hour)
	assert.Greater(t, fc.Rows(), 5, "more than a stub")
}

func TestOverlaysDecimatedToMaxDataPoints(t *testing.T) {
	it := leakItem("api-1")
	it.Panel = panelSeries(it.Labels, 0, nil)
	for i := int64(0); i < 24*60; i++ { // one point a minute
		it.Panel.T = append(it.Panel.T, t0+i*hour/60)
		it.Panel.V = append(it.Panel.V, 1e9)
	}
	o := opts(models.OutputSeries)
	o.MaxDataPoints = 100
	_, ov := seriesFrames(Build([]Item{it}, o))
	require.Len(t, ov, 1)
	assert.LessOrEqual(t, ov[0].Rows(), 100+8, "at most MaxDataPoints plus the pieces' ends and the gap")
}

func TestVerdictTable(t *testing.T) {
	fr := Build(fleet(), opts(models.OutputVerdicts))
	require.Len(t, fr, 1)
	tb := fr[0]
	assert.Equal(t, data.FrameTypeTable, tb.Meta.Type)
	col := func(name string) *data.Field {
		f, i := tb.FieldByName(name)
		require.GreaterOrEqual(t, i, 0, name)
		return f
	}
	var shapes, series []string
	for i := 0; i < tb.Rows(); i++ {
		shapes = append(shapes, col("shape").At(i).(string))
		series = append(series, col("series").At(i).(string))
	}
	assert.Equal(t, []string{"leak", "leak", "bloat", "inconclusive", "healthy"}, shapes, "worst first")
	assert.Equal(t, "api-1", series[0])
	assert.Equal(t, "prod", col("namespace").At(0))
	assert.Equal(t, "api-1", col("pod").At(0))
	assert.Equal(t, "container_memory_working_set_bytes", col("metric").At(0))
	assert.Equal(t, "cache", col("label_shape").At(2), "an upstream label named like a column keeps its value")
	assert.EqualValues(t, 20*(1<<20), col("growth_bytes_per_hour").At(2), "the verdict's growth (pkg/shape keeps it non-negative for growing shapes)")
	assert.EqualValues(t, 4, col("severity").At(0))
	assert.InDelta(t, 9*3600, *col("time_to_limit_seconds").At(0).(*float64), 1)
	assert.Nil(t, col("time_to_limit_seconds").At(4))
	assert.EqualValues(t, 2e9, *col("limit_bytes").At(0).(*float64))
	assert.Equal(t, "dateTimeAsIso", col("analysed_from").Config.Unit)
	for _, f := range tb.Fields {
		assert.NotEqual(t, data.FieldTypeTime, f.Type(), "no time field: graph panels must not draw the table")
	}
}

func TestAlertFrames(t *testing.T) {
	items := fleet()
	fr := Build(items, opts(models.OutputAlert))
	got, err := dataplanetest.Check(fr)
	require.NoError(t, err)
	require.Len(t, got[data.FrameTypeNumericMulti], 5)
	values := map[string]*float64{}
	for _, f := range fr {
		assert.Nil(t, f.Meta.Notices)
		v := f.Fields[0]
		assert.Equal(t, "leak_confidence", v.Name)
		if v.Labels["pod"] == "cache-0" {
			assert.Equal(t, "cache", v.Labels["shape"], "the upstream's shape label is untouched")
			assert.Equal(t, "bloat", v.Labels[ShapeLabel])
		}
		values[v.Labels["pod"]] = v.At(0).(*float64)
	}
	assert.InDelta(t, 0.93, *values["api-1"], 1e-9)
	assert.Zero(t, *values["cache-0"], "leak confidence of a bloat is 0")

	for what, check := range map[models.AlertValue]func(pod string, v *float64){
		models.GrowthConfidence: func(pod string, v *float64) {
			if pod == "cache-0" {
				assert.InDelta(t, 0.8, *v, 1e-9)
			}
		},
		models.GrowthBytesPerHour: func(pod string, v *float64) {
			assert.GreaterOrEqual(t, *v, 0.0, pod)
		},
		models.HoursToLimit: func(pod string, v *float64) {
			if pod == "api-1" || pod == "api-7" {
				assert.InDelta(t, 9, *v, 1e-9)
			} else {
				assert.Nil(t, v, pod)
			}
		},
	} {
		o := opts(models.OutputAlert)
		o.Value = what
		for _, f := range Build(items, o) {
			assert.Equal(t, string(what), f.Fields[0].Name)
			check(f.Fields[0].Labels["pod"], f.Fields[0].At(0).(*float64))
		}
	}

	// A series that already has memshape_shape keeps it; ours moves aside.
	it := leakItem("x")
	it.Labels[ShapeLabel] = "theirs"
	f := Build([]Item{it}, opts(models.OutputAlert))[0]
	assert.Equal(t, "theirs", f.Fields[0].Labels[ShapeLabel])
	assert.Equal(t, "leak", f.Fields[0].Labels[ShapeLabel+"_1"])

	// No series: one empty numeric-multi frame, Grafana's NoData.
	fr = Build(nil, opts(models.OutputAlert))
	require.Len(t, fr, 1)
	assert.Equal(t, data.FrameTypeNumericMulti, fr[0].Meta.Type)
	assert.Empty(t, fr[0].Fields)
}

func TestSameLabelsMadeUnique(t *testing.T) {
	fr := Build([]Item{leakItem("a"), leakItem("a"), leakItem("a")}, opts(models.OutputAlert))
	var seen []string
	for _, f := range fr {
		seen = append(seen, f.Fields[0].Labels[SeriesLabel])
	}
	assert.Equal(t, []string{"", "2", "3"}, seen)
}

func TestAnnotations(t *testing.T) {
	fr := Build(fleet(), opts(models.OutputAnnotations))
	require.Len(t, fr, 1)
	a := fr[0]
	for _, name := range []string{"time", "timeEnd", "title", "text", "tags"} {
		_, i := a.FieldByName(name)
		assert.GreaterOrEqual(t, i, 0, name)
	}
	kinds := map[string]int{}
	for i := 0; i < a.Rows(); i++ {
		tags := strings.Split(a.Fields[4].At(i).(string), ",")
		kinds[tags[0]]++
		if i > 0 {
			assert.False(t, a.Fields[0].At(i).(time.Time).Before(a.Fields[0].At(i-1).(time.Time)), "in time order")
		}
		if tags[0] == "jump" {
			assert.NotNil(t, a.Fields[1].At(i), "a jump spans its rise")
			assert.Contains(t, a.Fields[3].At(i), "freed since")
			assert.Contains(t, tags, "pod=cache-0")
			assert.Contains(t, tags, "bloat")
		}
	}
	assert.Equal(t, map[string]int{"jump": 2, "restart": 2, "warmup": 2, "leak-onset": 2}, kinds)

	o := opts(models.OutputAnnotations)
	o.From, o.To = time.UnixMilli(t0+14*hour), time.UnixMilli(t0+17*hour)
	fr = Build(fleet(), o)
	assert.Equal(t, 1, fr[0].Rows(), "only the events within the panel's range: the second jump")
}

func TestOneNoticeSummarisesTheQuery(t *testing.T) {
	var many []Item
	for _, pod := range []string{"api-1", "api-2", "api-3", "api-4", "api-5", "api-6", "api-7", "api-8", "api-9", "api-10"} {
		many = append(many, leakItem("a-very-long-pod-name-"+pod))
	}
	cases := []struct {
		items []Item
		sev   data.NoticeSeverity
		want  string
	}{
		{fleet(), data.NoticeSeverityWarning, "LEAK in 2 of 5 over 7 days — api-1 +38 MiB/h (~9 h to limit), api-7 +38 MiB/h (~9 h to limit); 1 bloat; 1 healthy; 1 inconclusive (watch ~8 h more)"},
		{[]Item{bloatItem(), healthyItem("a")}, data.NoticeSeverityInfo, "BLOAT in 1 of 2 over 7 days — cache-0, cache +477 MiB in 2 jumps; 1 healthy"},
		{[]Item{healthyItem("a"), healthyItem("b")}, data.NoticeSeverityInfo, "No growth in 2 series over 7 days: 2 healthy"},
		{many, data.NoticeSeverityWarning, ""},
	}
	for _, c := range cases {
		for _, out := range []models.Output{models.OutputAll, models.OutputSeries, models.OutputVerdicts, models.OutputAnnotations} {
			fr := Build(c.items, opts(out))
			var notices []data.Notice
			for _, f := range fr {
				if f.Meta != nil {
					notices = append(notices, f.Meta.Notices...)
				}
			}
			require.Len(t, notices, 1, "one notice per query")
			assert.Equal(t, c.sev, notices[0].Severity)
			assert.LessOrEqual(t, utf8.RuneCountInString(notices[0].Text), MaxNotice)
			if c.want != "" {
				assert.Equal(t, c.want, notices[0].Text)
			} else {
				assert.Contains(t, notices[0].Text, "LEAK in 10 of 10")
				assert.Contains(t, notices[0].Text, "more")
			}
		}
	}
}

func TestAutoLegendSkipsCopies(t *testing.T) {
	a, b := leakItem("api-1"), leakItem("api-2")
	a.Labels["instance"], b.Labels["instance"] = "api-1", "api-2"
	assert.Equal(t, []string{"api-1", "api-2"}, Names([]Item{a, b}, ""), "a label that copies another adds nothing")
}

// annotate "growing" keeps the events of leaks, fragmentation and bloat
// and drops those of healthy and inconclusive series (a healthy service's
// nightly restarts would bury a dashboard of growing ones).
func TestAnnotationsOfGrowingSeries(t *testing.T) {
	items := fleet()
	restarted := healthyItem("api-0")
	restarted.Verdict.Lifetimes = []shape.Lifetime{
		{Start: t0, End: t0 + 5*hour, WarmupEnd: t0, From: 5e8, To: 5e8},
		{Start: t0 + 5*hour, End: t0 + 23*hour, WarmupEnd: t0 + 5*hour, From: 5e8, To: 5e8},
	}
	items[0] = restarted
	shapeOf := func(f *data.Frame) (growing, other int) {
		for i := 0; i < f.Rows(); i++ {
			tags := strings.Split(f.Fields[4].At(i).(string), ",")
			if shape.Shape(tags[1]).IsGrowth() {
				growing++
			} else {
				other++
			}
		}
		return growing, other
	}
	all := Build(items, opts(models.OutputAnnotations))
	allGrowing, allOther := shapeOf(all[0])
	require.Positive(t, allOther, "the fixture has events of a series that does not grow")
	o := opts(models.OutputAnnotations)
	o.Events = models.AnnotateGrowing
	fr := Build(items, o)
	require.Len(t, fr, 1)
	growing, other := shapeOf(fr[0])
	assert.Equal(t, allGrowing, growing)
	assert.Zero(t, other)
	_, err := dataplanetest.Check(fr)
	require.NoError(t, err)
}

// The limit the verdict used is drawn with the series it bounds — in its
// colour, dotted, out of the legend — so a panel needs no second query.
func TestLimitComesWithTheSeries(t *testing.T) {
	fr := Build([]Item{leakItem("api-1"), healthyItem("api-0")}, opts(models.OutputSeries))
	var limits []*data.Frame
	colour := map[string]string{}
	for _, f := range fr {
		v := f.Fields[1]
		if v.Labels[OverlayLabel] == KindLimit {
			limits = append(limits, f)
			continue
		}
		if _, ok := v.Labels[OverlayLabel]; !ok {
			colour[v.Labels["pod"]] = v.Config.Color["fixedColor"].(string)
		}
	}
	require.Len(t, limits, 1, "only the series with a limit")
	v := limits[0].Fields[1]
	assert.Equal(t, "api-1", v.Labels["pod"])
	assert.Equal(t, 2e9, *v.At(0).(*float64))
	assert.Equal(t, 2e9, *v.At(1).(*float64))
	assert.Equal(t, "api-1 · limit", v.Config.DisplayNameFromDS)
	assert.Equal(t, colour["api-1"], v.Config.Color["fixedColor"])
	assert.Equal(t, true, v.Config.Custom["hideFrom"].(map[string]any)["legend"])
	assert.Equal(t, "dot", v.Config.Custom["lineStyle"].(map[string]any)["fill"])
	_, err := dataplanetest.Check(fr)
	require.NoError(t, err)
}

// A forecast with a band comes with its two edges, shaded between the way
// Grafana's time series panel shades a band: the upper edge's
// custom.fillBelowTo names the lower edge's display name. Both run at the
// forecast's own times, hold it between them, take the series' colour
// and stay out of the legend and tooltip; the frames pass the data plane
// as sdata reads them, each edge a metric of its own.
func TestForecastBand(t *testing.T) {
	it := leakItem("api-1")
	fc := &it.Verdict.Fits[2]
	fc.Band = shape.Band{Level: 8 << 20, Rate: 0.1 * fc.B, Lead: float64(6 * hour), Z: 1.98}
	o := opts(models.OutputSeries)
	o.To = time.UnixMilli(t0 + 48*hour)
	fr := Build([]Item{it, healthyItem("api-0")}, o)
	byKind := map[string]*data.Frame{}
	var colour string
	for _, f := range fr {
		v := f.Fields[1]
		kind, ok := v.Labels[OverlayLabel]
		if !ok && v.Labels["pod"] == "api-1" {
			colour = v.Config.Color["fixedColor"].(string)
		}
		if ok && v.Labels["pod"] == "api-1" {
			require.Nil(t, byKind[kind], "one %s series", kind)
			byKind[kind] = f
		}
	}
	line, lower, upper := byKind[KindForecast], byKind[KindBandLower], byKind[KindBandUpper]
	require.NotNil(t, line)
	require.NotNil(t, lower, "the lower edge")
	require.NotNil(t, upper, "the upper edge")
	lv, uv := lower.Fields[1], upper.Fields[1]
	assert.Equal(t, "api-1 · forecast lower", lv.Config.DisplayNameFromDS)
	assert.Equal(t, "api-1 · forecast upper", uv.Config.DisplayNameFromDS)
	assert.Equal(t, lv.Config.DisplayNameFromDS, uv.Config.Custom["fillBelowTo"], "the upper edge fills down to the lower by its display name")
	assert.Nil(t, lv.Config.Custom["fillBelowTo"])
	assert.Greater(t, uv.Config.Custom["fillOpacity"], 0)
	for _, v := range []*data.Field{lv, uv} {
		assert.Equal(t, colour, v.Config.Color["fixedColor"], "the series' colour")
		assert.Equal(t, map[string]any{"legend": true, "tooltip": true, "viz": false}, v.Config.Custom["hideFrom"])
	}
	// The same times as the forecast, the forecast between the edges, the
	// band widening ahead.
	require.Equal(t, line.Rows(), lower.Rows())
	require.Equal(t, line.Rows(), upper.Rows())
	for i := 0; i < line.Rows(); i++ {
		assert.Equal(t, line.Fields[0].At(i), lower.Fields[0].At(i))
		assert.Equal(t, line.Fields[0].At(i), upper.Fields[0].At(i))
		mid, lo, hi := *line.Fields[1].At(i).(*float64), *lv.At(i).(*float64), *uv.At(i).(*float64)
		assert.Less(t, lo, mid)
		assert.Greater(t, hi, mid)
		if i > 0 {
			assert.Greater(t, hi-lo, *uv.At(i - 1).(*float64)-*lv.At(i - 1).(*float64))
		}
	}
	got, err := dataplanetest.Check(fr)
	require.NoError(t, err)
	metrics := map[string]bool{}
	for _, m := range got[data.FrameTypeTimeSeriesMulti] {
		metrics[m.Labels[OverlayLabel]] = true
	}
	for _, k := range []string{KindForecast, KindBandLower, KindBandUpper} {
		assert.True(t, metrics[k], "sdata reads the %s series", k)
	}

	// No band, no edges; and a forecast the next restart stops stops its
	// band with it.
	plain := leakItem("api-1")
	for _, f := range Build([]Item{plain}, o) {
		assert.NotContains(t, []string{KindBandLower, KindBandUpper}, f.Fields[1].Labels[OverlayLabel])
	}
	it.Verdict.RestartsResetFirst, it.Verdict.HasTimeToLimit, it.Verdict.TypicalLifetime = true, false, 12*time.Hour
	it.Verdict.Fits[2].End = t0 + 26*hour
	for _, f := range Build([]Item{it}, o) {
		if k := f.Fields[1].Labels[OverlayLabel]; k == KindForecast || k == KindBandLower || k == KindBandUpper {
			last := f.Fields[0].At(f.Rows() - 1).(time.Time).UnixMilli()
			assert.LessOrEqual(t, last, t0+26*hour, "%s stops at the next restart", k)
		}
	}
}

// The time to limit's range is in the table and the notice, not the name.
func TestTimeToLimitRange(t *testing.T) {
	it := leakItem("api-1")
	it.Verdict.TimeToLimitRange = &shape.LimitRange{Soonest: 7 * time.Hour, Latest: 12 * time.Hour}
	open := leakItem("api-7")
	open.Verdict.TimeToLimitRange = &shape.LimitRange{Soonest: 6 * time.Hour, Open: true}
	items := []Item{it, healthyItem("api-0"), open}
	fr := Build(items, opts(models.OutputAll))
	var table *data.Frame
	for _, f := range fr {
		if f.Name == "verdicts" {
			table = f
		}
		if v := f.Fields[len(f.Fields)-1]; f.Name != "verdicts" && v.Config != nil {
			assert.NotRegexp(t, `\d ?(h|min|days?)\b`, v.Config.DisplayNameFromDS, "no time in a display name")
		}
	}
	require.NotNil(t, table)
	col := func(name string) *data.Field {
		for _, f := range table.Fields {
			if f.Name == name {
				return f
			}
		}
		t.Fatalf("no column %s", name)
		return nil
	}
	row := map[string]int{}
	for i := 0; i < table.Rows(); i++ {
		row[col("pod").At(i).(string)] = i
	}
	soon, late := col("time_to_limit_soonest_seconds"), col("time_to_limit_latest_seconds")
	assert.Equal(t, "s", soon.Config.Unit)
	assert.Equal(t, 7*3600.0, *soon.At(row["api-1"]).(*float64))
	assert.Equal(t, 12*3600.0, *late.At(row["api-1"]).(*float64))
	assert.Equal(t, 6*3600.0, *soon.At(row["api-7"]).(*float64))
	assert.Nil(t, late.At(row["api-7"]), "beyond a year: no latest")
	assert.Nil(t, soon.At(row["api-0"]))
	n, ok := Summary(items, Names(items, ""), opts(models.OutputAll).Window)
	require.True(t, ok)
	assert.Contains(t, n.Text, "api-1 +38 MiB/h (~9 h to limit, 7–12 h)")
	assert.Contains(t, n.Text, "(~9 h to limit, 6 h to over a year)")
}
