// Package frames turns memory series and their verdicts into Grafana data
// frames that follow the data-plane contract:
//
//   - one time-series-multi frame per series (time + value, labels on the
//     value field, unit bytes, the verdict's shape as label "shape");
//   - one time-series-multi frame per fitted curve ("overlay"), drawn dashed,
//     labels {series labels…, overlay: "<model>"};
//   - one table frame of verdicts, one row per series;
//   - for alert rules and server-side expressions, numeric-multi frames
//     (see AlertFrames).
package frames

import (
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// Output selects which frames a query returns.
type Output string

const (
	// All returns the series, their overlays and the verdict table.
	All Output = "all"
	// SeriesOnly returns the series and their overlays.
	SeriesOnly Output = "series"
	// Verdicts returns the verdict table only.
	Verdicts Output = "verdicts"
	// Alert returns one numeric-multi frame per series (AlertFrames): what
	// alert rules and server-side expressions consume.
	Alert Output = "alert"
)

// Outputs lists the accepted Output values.
var Outputs = []Output{All, SeriesOnly, Verdicts, Alert}

// Item is one series and what the classifier said of it.
type Item struct {
	Series  series.Series
	Verdict shape.Verdict
}

// Options tune Build.
type Options struct {
	// LegendFormat is a Prometheus-style legend template ("{{pod}}"); when
	// set it becomes each series field's DisplayNameFromDS. The template
	// sees the series labels plus "shape".
	LegendFormat string
	// Output: All when empty.
	Output Output
}

// ShapeLabel is the label added to a series' value field (and to alert
// frames) carrying the verdict's shape.
const ShapeLabel = "shape"

// OverlayLabel is the label naming an overlay's model.
const OverlayLabel = "overlay"

var dataplaneVersion = data.FrameTypeVersion{0, 1}

// IsGrowth reports whether s is a growth shape (leak, fragmentation, bloat).
func IsGrowth(s shape.Shape) bool {
	return s == shape.Leak || s == shape.Fragmentation || s == shape.Bloat
}

// Build returns the frames for items in the order: for each series its
// series frame then its overlays; then the verdict table. Which of them
// appear depends on opt.Output. Notices for verdicts go on the series
// frames, or on the table when the series are not returned.
func Build(items []Item, opt Options) data.Frames {
	out := opt.Output
	if out == "" {
		out = All
	}
	var frames data.Frames
	switch out {
	case Alert:
		return AlertFrames(items)
	case Verdicts:
		t := VerdictTable(items)
		for _, it := range items {
			if n, ok := VerdictNotice(it); ok {
				t.AppendNotices(n)
			}
		}
		return data.Frames{t}
	}
	for _, it := range items {
		sf := SeriesFrame(it, opt.LegendFormat)
		if n, ok := VerdictNotice(it); ok {
			sf.AppendNotices(n)
		}
		frames = append(frames, sf)
		frames = append(frames, OverlayFrames(it, opt.LegendFormat)...)
	}
	if out == All {
		frames = append(frames, VerdictTable(items))
	}
	return frames
}

// seriesLabels is the series' labels plus shape.
func seriesLabels(it Item) data.Labels {
	l := data.Labels{}
	maps.Copy(l, it.Series.Labels)
	if it.Verdict.Shape != "" {
		l[ShapeLabel] = string(it.Verdict.Shape)
	}
	return l
}

func times(ts []int64) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = time.UnixMilli(t).UTC()
	}
	return out
}

// SeriesFrame is the series as a time-series-multi frame named after the
// series: fields "time" and "value" (unit bytes, labels = series labels +
// shape, DisplayNameFromDS from the legend format when given).
func SeriesFrame(it Item, legendFormat string) *data.Frame {
	s := it.Series
	n := min(len(s.T), len(s.V))
	vals := make([]float64, n)
	copy(vals, s.V[:n])
	labels := seriesLabels(it)
	value := data.NewField("value", labels, vals)
	value.Config = &data.FieldConfig{Unit: "bytes"}
	if legend := Legend(legendFormat, labels); legend != "" {
		value.Config.DisplayNameFromDS = legend
	}
	f := data.NewFrame(s.Name(), data.NewField("time", nil, times(s.T[:n])), value)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: dataplaneVersion}
	return f
}

// OverlayFrames draws each fit of the verdict as a dashed time-series-multi
// frame evaluated at the series' timestamps within the fit's span (plus the
// span's ends, and the corners of a Steps envelope). Points where the fit
// evaluates to NaN are left out.
func OverlayFrames(it Item, legendFormat string) []*data.Frame {
	var out []*data.Frame
	for _, fit := range it.Verdict.Fits {
		var ts []int64
		var vs []float64
		for _, t := range overlayTimes(fit, it.Series.T) {
			v := fit.At(t)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			ts = append(ts, t)
			vs = append(vs, v)
		}
		labels := data.Labels{}
		maps.Copy(labels, it.Series.Labels)
		labels[OverlayLabel] = string(fit.Model)
		value := data.NewField("value", labels, vs)
		value.Config = &data.FieldConfig{
			Unit:   "bytes",
			Custom: map[string]any{"lineStyle": map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		}
		if legend := Legend(legendFormat, seriesLabels(it)); legend != "" {
			value.Config.DisplayNameFromDS = fmt.Sprintf("%s (%s)", legend, fit.Model)
		}
		f := data.NewFrame(fmt.Sprintf("%s %s", it.Series.Name(), fit.Model),
			data.NewField("time", nil, times(ts)), value)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: dataplaneVersion}
		out = append(out, f)
	}
	return out
}

// VerdictTable is one row per series: series, shape, confidence,
// growth_bytes_per_hour, time_to_limit_seconds (null when unknown or
// never), restarts, jumps, explanation.
func VerdictTable(items []Item) *data.Frame {
	n := len(items)
	name := make([]string, n)
	shp := make([]string, n)
	conf := make([]float64, n)
	growth := make([]float64, n)
	ttl := make([]*float64, n)
	restarts := make([]int64, n)
	jumps := make([]int64, n)
	expl := make([]string, n)
	for i, it := range items {
		v := it.Verdict
		name[i] = it.Series.Name()
		shp[i] = string(v.Shape)
		conf[i] = v.Confidence
		growth[i] = v.GrowthBytesPerHour
		if v.HasTimeToLimit {
			s := v.TimeToLimit.Seconds()
			ttl[i] = &s
		}
		restarts[i] = int64(v.Restarts)
		jumps[i] = int64(len(v.Jumps))
		expl[i] = v.Explanation
		if expl[i] == "" {
			expl[i] = v.Reason
		}
	}
	confF := data.NewField("confidence", nil, conf)
	confF.Config = &data.FieldConfig{Unit: "percentunit", Min: ptr(0), Max: ptr(1)}
	growthF := data.NewField("growth_bytes_per_hour", nil, growth)
	growthF.Config = &data.FieldConfig{Unit: "bytes", DisplayName: "growth per hour"}
	ttlF := data.NewField("time_to_limit_seconds", nil, ttl)
	ttlF.Config = &data.FieldConfig{Unit: "s", DisplayName: "time to limit"}
	f := data.NewFrame("verdicts",
		data.NewField("series", nil, name),
		data.NewField("shape", nil, shp),
		confF, growthF, ttlF,
		data.NewField("restarts", nil, restarts),
		data.NewField("jumps", nil, jumps),
		data.NewField("explanation", nil, expl),
	)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, PreferredVisualization: data.VisTypeTable}
	return f
}

func ptr(f float64) *data.ConfFloat64 { c := data.ConfFloat64(f); return &c }

// VerdictNotice is the frame notice for a verdict: a warning whose text is
// the explanation for leak, fragmentation and bloat; an info note for
// inconclusive (the reason, and how long to watch); none for healthy.
func VerdictNotice(it Item) (data.Notice, bool) {
	v := it.Verdict
	name := it.Series.Name()
	switch {
	case IsGrowth(v.Shape):
		text := v.Explanation
		if text == "" {
			text = fmt.Sprintf("looks like %s", v.Shape)
		}
		return data.Notice{Severity: data.NoticeSeverityWarning, Text: name + ": " + text}, true
	case v.Shape == shape.Inconclusive:
		text := v.Explanation
		if text == "" {
			text = "inconclusive"
			if v.Reason != "" {
				text += ": " + v.Reason
			}
		}
		if v.WatchFor > 0 {
			text += fmt.Sprintf(" (watch for %s more)", v.WatchFor.Round(time.Minute))
		}
		return data.Notice{Severity: data.NoticeSeverityInfo, Text: name + ": " + text}, true
	}
	return data.Notice{}, false
}

// AlertValue is the number an alert rule sees for a verdict: the
// confidence for a growth shape (leak, fragmentation, bloat), 0 otherwise.
func AlertValue(v shape.Verdict) float64 {
	if IsGrowth(v.Shape) {
		return v.Confidence
	}
	return 0
}

// AlertFrames gives alert rules and server-side expressions one number per
// series. Each series becomes a numeric-multi frame (data plane, type
// version 0.1) with a single row and a single float64 field
// "growth_confidence" whose value is AlertValue: the verdict's confidence
// when the shape is leak, fragmentation or bloat, else 0. The field's labels
// are the series labels plus "shape", so a rule such as
// "growth_confidence > 0.7" fires per series, notification policies can
// route on shape=leak, and templates can print {{ $labels.shape }}. When a
// series' shape changes its alert instance changes too (the old instance
// goes away, the new one starts pending): that is deliberate — a leak that
// becomes bloat is a different finding.
//
// These frames are returned alone (Output Alert): server-side expressions
// read one frame kind per response, so they are never mixed with the
// time-series or table frames.
func AlertFrames(items []Item) data.Frames {
	out := make(data.Frames, 0, len(items))
	for _, it := range items {
		field := data.NewField("growth_confidence", seriesLabels(it), []float64{AlertValue(it.Verdict)})
		field.Config = &data.FieldConfig{Unit: "percentunit"}
		f := data.NewFrame(it.Series.Name(), field)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: dataplaneVersion}
		out = append(out, f)
	}
	return out
}
