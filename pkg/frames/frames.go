// Package frames turns memory series and their verdicts into Grafana data
// frames that follow the data-plane contract (checked in the tests with
// github.com/grafana/dataplane/sdata):
//
//   - series: one time-series-multi frame per upstream series, labels
//     unchanged, its display name carrying the verdict;
//   - overlays: at most one time-series-multi frame per kind (fit, steps,
//     forecast, and the forecast's band: forecast_lower, forecast_upper)
//     per series, labelled like the series plus memshape_overlay;
//   - the verdict table: one typed table frame, one row per series;
//   - alert: one numeric-multi frame per series, labelled like the series
//     plus memshape_shape (no series: one empty numeric-multi frame,
//     which Grafana reads as NoData);
//   - annotations: one table frame of events (time, timeEnd, title, text,
//     tags) — the fields Grafana's default annotation mapping reads;
//   - one notice per query summarising every series, worst first.
package frames

import (
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// Item is what the classifier judged: one upstream series, or a workload
// whose series were judged together (Workload set).
type Item struct {
	// Labels are the series' labels, unchanged from the upstream; for a
	// workload its identity labels (workload.Workload.Labels).
	Labels map[string]string
	// Panel is the series over the panel's range at the panel's step;
	// empty when the output does not show series, and for a workload
	// (its Members have theirs).
	Panel series.Series
	// Verdict comes from the analysis window.
	Verdict shape.Verdict
	// Limit is the memory limit the verdict used (0: unknown).
	Limit float64
	// Workload is set when the item pools several series (a Kubernetes
	// workload, or series grouped by the query's labels). Verdict.
	// Lifetimes[k].Series indexes Workload.Members.
	Workload *workload.Workload
	// Members are the workload's series over the panel's range, by index
	// of Workload.Members: each drawn with its own labels (empty when not
	// drawn, or without points there).
	Members []series.Series
}

// Grouped reports whether the item is a workload of pooled series.
func (it Item) Grouped() bool { return it.Workload != nil && it.Workload.Grouped() }

// Window is the span the verdicts were computed over.
type Window struct {
	From, To time.Time
	Step     time.Duration
}

// Options tune Build.
type Options struct {
	Output models.Output
	// Legend is the legend format: "" or "__auto", "__verbatim", or a
	// {{label}} template.
	Legend string
	// Value is the number the alert output gives.
	Value models.AlertValue
	// From and To are the panel's range; Step its step.
	From, To time.Time
	Step     time.Duration
	// MaxDataPoints bounds the points of each overlay (0: no bound).
	MaxDataPoints int
	// Window is what the verdicts were computed over.
	Window Window
	// Events says whose events the annotations output gives.
	Events models.Annotate

	// times shares the time fields of the frames Build makes (nil: each
	// frame its own).
	times *timeFields
}

var dataplaneVersion = data.FrameTypeVersion{0, 1}

// Build returns the frames of one query. Every output but alert carries
// one notice summarising the verdicts on its first frame.
func Build(items []Item, opt Options) data.Frames {
	return build(items, opt, newTimeFields())
}

// build is Build with the frames' time fields from times (nil: a field
// of its own for every frame).
func build(items []Item, opt Options, times *timeFields) data.Frames {
	items = UniqueLabels(items)
	names := Names(items, opt.Legend)
	opt.times = times
	var out data.Frames
	switch opt.Output {
	case models.OutputAlert:
		return AlertFrames(items, opt.Value)
	case models.OutputVerdicts:
		out = data.Frames{VerdictTable(items, names, opt.Window)}
	case models.OutputAnnotations:
		annotated, annotatedNames := items, names
		if opt.Events == models.AnnotateGrowing {
			annotated, annotatedNames = nil, nil
			for i, it := range items {
				if it.Verdict.Shape.IsGrowth() {
					annotated, annotatedNames = append(annotated, it), append(annotatedNames, names[i])
				}
			}
		}
		out = data.Frames{Annotations(annotated, annotatedNames, opt.From, opt.To)}
	default:
		for i, it := range items {
			color := Color(i)
			if it.Grouped() {
				for _, m := range memberNames(it, names[i], opt.Legend) {
					f := seriesFrame(it.Members[m.index].Labels, it.Members[m.index], DisplayName(m.name, it), opt.times)
					paint(f, color)
					out = append(out, f)
				}
			} else {
				f := seriesFrame(it.Labels, it.Panel, DisplayName(names[i], it), opt.times)
				paint(f, color)
				out = append(out, f)
			}
			for _, f := range Overlays(it, names[i], opt) {
				paint(f, color)
				out = append(out, f)
			}
		}
		if opt.Output == models.OutputAll || opt.Output == "" {
			out = append(out, VerdictTable(items, names, opt.Window))
		}
	}
	if n, ok := Summary(items, names, opt.Window); ok {
		if len(out) == 0 {
			out = data.Frames{data.NewFrame("")}
		}
		out[0].AppendNotices(n)
	}
	return out
}

// SeriesFrame is the series s as a time-series-multi frame: fields "time"
// and "value" (unit bytes, labels as given — the upstream's, unchanged
// but for UniqueLabels —, display name from the legend with the verdict).
// Timestamps are sorted and repeated ones dropped, as the data plane
// requires.
func SeriesFrame(labels map[string]string, s series.Series, display string) *data.Frame {
	return seriesFrame(labels, s, display, nil)
}

// seriesFrame is SeriesFrame with its time field from times (shared with
// every frame on the same timestamps).
func seriesFrame(labels map[string]string, s series.Series, display string, times *timeFields) *data.Frame {
	ts, vs := sortedPoints(s.T, s.V)
	value := data.NewField("value", data.Labels(copyLabels(labels)), vs)
	value.Config = &data.FieldConfig{Unit: "bytes", DisplayNameFromDS: display}
	f := data.NewFrame(display, times.field(ts), value)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: dataplaneVersion}
	return f
}

func copyLabels(l map[string]string) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		out[k] = v
	}
	return out
}

// SeriesLabel tells apart series whose upstream labels are the same (a
// Datadog query of several metrics, say), so that every label set in a
// response is unique: the second and later of a repeated set get
// memshape_series=2, 3, … (or the first free name, see FreeLabel).
const SeriesLabel = "memshape_series"

// UniqueLabels returns items with every label set unique; items itself
// when they already are.
func UniqueLabels(items []Item) []Item {
	seen := make(map[string]int, len(items))
	var out []Item
	for i, it := range items {
		key := data.Labels(it.Labels).String()
		seen[key]++
		if seen[key] == 1 {
			if out != nil {
				out = append(out, it)
			}
			continue
		}
		if out == nil {
			out = append(make([]Item, 0, len(items)), items[:i]...)
		}
		labels := copyLabels(it.Labels)
		labels[FreeLabel(it.Labels, SeriesLabel)] = strconv.Itoa(seen[key])
		it.Labels = labels
		out = append(out, it)
	}
	if out == nil {
		return items
	}
	return out
}
