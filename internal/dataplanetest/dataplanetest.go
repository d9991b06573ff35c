// Package dataplanetest checks frames the way Grafana's server-side
// expressions and alerting read them, with Grafana's own data-plane
// library (github.com/grafana/dataplane/sdata): every time-series-shaped
// frame declares a data-plane type, each group of typed frames is accepted
// by its sdata reader with validation on (names + labels unique, time
// sorted), and numeric label sets are unique.
package dataplanetest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Instance is one metric an alert rule would see.
type Instance struct {
	Name   string
	Labels data.Labels
}

// Check validates frames and returns the metrics each typed group holds
// (empty for a NoData response), or the first problem found.
func Check(frames data.Frames) (map[data.FrameType][]Instance, error) {
	groups := map[data.FrameType]data.Frames{}
	for i, f := range frames {
		var t data.FrameType
		if f.Meta != nil {
			t = f.Meta.Type
		}
		switch {
		case t.IsTimeSeries() || t.IsNumeric():
			groups[t] = append(groups[t], f)
		case t == data.FrameTypeUnknown && f.TimeSeriesSchema().Type != data.TimeSeriesTypeNot:
			return nil, fmt.Errorf("frame %d %q is a %s time series but declares no data-plane type", i, f.Name, f.TimeSeriesSchema().Type)
		}
	}
	out := map[data.FrameType][]Instance{}
	for t, fs := range groups {
		insts, err := read(t, fs)
		if err != nil {
			return nil, fmt.Errorf("sdata rejects the %d %s frames: %w", len(fs), t, err)
		}
		out[t] = insts
	}
	return out, nil
}

func read(t data.FrameType, frames data.Frames) (insts []Instance, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sdata panicked: %v", r)
		}
	}()
	switch t.Kind() {
	case data.KindTimeSeries:
		r, err := timeseries.CollectionReaderFromFrames(frames)
		if err != nil {
			return nil, err
		}
		col, err := r.GetCollection(true)
		if err != nil {
			return nil, err
		}
		if len(col.RemainderIndices) > 0 {
			return nil, fmt.Errorf("fields ignored by the reader: %v", col.RemainderIndices)
		}
		for _, m := range col.Refs {
			insts = append(insts, Instance{m.GetMetricName(), m.GetLabels()})
		}
	case data.KindNumeric:
		r, err := numeric.CollectionReaderFromFrames(frames)
		if err != nil {
			return nil, err
		}
		// sdata v0.0.9's numeric readers panic when validating: uniqueness
		// is checked here instead.
		col, err := r.GetCollection(false)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, m := range col.Refs {
			k := m.GetMetricName() + m.GetLabels().String()
			if seen[k] {
				return nil, fmt.Errorf("duplicate metrics found for metric name %q and labels %q", m.GetMetricName(), m.GetLabels())
			}
			seen[k] = true
			insts = append(insts, Instance{m.GetMetricName(), m.GetLabels()})
		}
	default:
		return nil, fmt.Errorf("kind %q is not read by server-side expressions", t.Kind())
	}
	sort.Slice(insts, func(i, j int) bool {
		return insts[i].Name+insts[i].Labels.String() < insts[j].Name+insts[j].Labels.String()
	})
	return insts, nil
}

// String lists instances one per line, for failure messages.
func String(insts []Instance) string {
	var b strings.Builder
	for _, in := range insts {
		fmt.Fprintf(&b, "%s{%s}\n", in.Name, in.Labels)
	}
	return b.String()
}
