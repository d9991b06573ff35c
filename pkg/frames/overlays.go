package frames

import (
	"sort"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// OverlayLabel marks an overlay series; its value is the overlay's kind.
const OverlayLabel = "memshape_overlay"

// Overlay kinds: one series of each at most per parent series.
const (
	KindFit      = "fit"      // the shape's curve: linear, logarithmic or saturating
	KindSteps    = "steps"    // the bloat envelope through the jumps
	KindForecast = "forecast" // where the growth goes past the data
	KindLimit    = "limit"    // the memory limit the verdict used
	// The forecast's 95 % band (shape.Band): its lower and upper edge,
	// drawn as one shaded band — the upper edge's custom.fillBelowTo names
	// the lower edge's display name, as Grafana's time series panel reads
	// it.
	KindBandLower = "forecast_lower"
	KindBandUpper = "forecast_upper"
)

func kindOf(m shape.Model) string {
	switch m {
	case shape.Steps:
		return KindSteps
	case shape.Forecast:
		return KindForecast
	}
	return KindFit
}

// LaneLabel numbers the overlays of a workload whose pods ran side by
// side: one overlay series per replica slot (1, 2, …), each carrying the
// fits of the lifetimes that ran in that slot one after another.
const LaneLabel = "memshape_lane"

// Overlays draws the verdict's fits as dashed series over the panel's
// range, one series per kind: the per-lifetime (and between-jump) pieces
// of a kind are joined, with a null between pieces so that restarts show
// as gaps. Points follow the panel's timestamps (at most MaxDataPoints of
// them, plus each piece's ends and a bloat envelope's corners). The
// forecast is drawn only when the panel reaches past the last sample.
// A workload's lifetimes may overlap (replicas): its fits are laid in
// lanes, one series per kind and lane, and one forecast. A forecast with
// a band comes with two more series, its edges, shaded between. Overlays
// stay out of the legend (the series' own entry stands for them), and the
// band out of the tooltip too.
func Overlays(it Item, name string, opt Options) []*data.Frame {
	lanes := []int(nil)
	nLanes := 1
	if it.Grouped() && len(it.Verdict.Fits) > 0 {
		lanes, nLanes = memberLanes(it.Workload.Members)
	}
	type key struct {
		kind string
		lane int
	}
	byKind := map[key][]shape.Fit{}
	for _, f := range it.Verdict.Fits {
		k := key{kindOf(f.Model), 0}
		if lanes != nil && k.kind != KindForecast && f.Lifetime < len(it.Verdict.Lifetimes) {
			if m := it.Verdict.Lifetimes[f.Lifetime].Series; m < len(lanes) {
				k.lane = lanes[m]
			}
		}
		byKind[k] = append(byKind[k], f)
	}
	var out []*data.Frame
	if it.Limit > 0 && opt.To.After(opt.From) {
		// The limit comes with the series it bounds: a panel needs no second
		// query (whose own notice would take the badge's place).
		ts := []int64{opt.From.UnixMilli(), opt.To.UnixMilli()}
		l := it.Limit
		f := overlayFrame(copyLabels(it.Labels), name, KindLimit, "limit", ts, []*float64{&l, &l}, opt.times)
		f.Fields[1].Config.Custom["lineStyle"] = map[string]any{"fill": "dot", "dash": []int{0, 6}}
		f.Fields[1].Config.Custom["lineWidth"] = 2
		out = append(out, f)
	}
	if len(byKind) == 0 {
		return out
	}
	grid := overlayGrid(it, opt)
	for _, kind := range []string{KindFit, KindSteps, KindForecast} {
		for lane := 0; lane < nLanes; lane++ {
			fits := byKind[key{kind, lane}]
			if len(fits) == 0 {
				continue
			}
			var ts []int64
			var vs []*float64
			if kind == KindForecast {
				var line shape.Fit
				ts, vs, line = forecastPoints(fits[len(fits)-1], grid, it.Limit, it.Verdict.RestartsResetFirst || it.Verdict.ForecastEndsAtRestart, opt)
				if countValues(vs) > 0 {
					out = append(out, bandFrames(copyLabels(it.Labels), name, line, ts, opt.times)...)
				}
			} else {
				ts, vs = joinedPoints(fits, grid, opt)
			}
			if countValues(vs) == 0 {
				continue
			}
			labels := copyLabels(it.Labels)
			if nLanes > 1 && kind != KindForecast {
				labels[FreeLabel(it.Labels, LaneLabel)] = strconv.Itoa(lane + 1)
			}
			out = append(out, overlayFrame(labels, name, kind, overlayTitle(kind, fits[0].Model), ts, vs, opt.times))
		}
	}
	return out
}

// memberLanes lays the members (in order of their first samples) in as
// few lanes as hold them without overlap: a member takes the first lane
// free when it starts — or free within two of its samples, as a rolling
// update's new pod overlaps the one it replaces for a scrape or two. It
// returns each member's lane and the lanes used.
func memberLanes(ms []workload.Member) ([]int, int) {
	lanes := make([]int, len(ms))
	var ends []int64 // each lane's last sample so far
	for i, m := range ms {
		l := -1
		for k, e := range ends {
			if e < m.First+2*m.Step {
				l = k
				break
			}
		}
		if l < 0 {
			l = len(ends)
			ends = append(ends, 0)
		}
		ends[l] = m.Last
		lanes[i] = l
	}
	return lanes, max(1, len(ends))
}

func overlayTitle(kind string, m shape.Model) string {
	switch kind {
	case KindFit:
		return string(m) + " fit"
	case KindSteps:
		return "steps"
	}
	return "forecast"
}

func overlayFrame(labels map[string]string, name, kind, title string, ts []int64, vs []*float64, times *timeFields) *data.Frame {
	labels[FreeLabel(labels, OverlayLabel)] = kind
	value := data.NewField("value", labels, vs)
	value.Config = &data.FieldConfig{
		Unit:              "bytes",
		DisplayNameFromDS: name + " · " + title,
		Custom: map[string]any{
			"lineStyle":   map[string]any{"fill": "dash", "dash": []int{10, 10}},
			"lineWidth":   1,
			"fillOpacity": 0,
			"hideFrom":    map[string]any{"legend": true, "tooltip": false, "viz": false},
		},
	}
	f := data.NewFrame(name+" · "+title, times.field(ts), value)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: dataplaneVersion}
	return f
}

// overlayGrid is where the overlays of it are drawn: the panel's
// timestamps (panelGrid); for a workload the panel's step over its range,
// up to the last sample of any pod — the forecast runs on from there.
// Worked out only for an item with fits to draw: a panel of many healthy
// series made and dropped a grid per series.
func overlayGrid(it Item, opt Options) []int64 {
	if !it.Grouped() {
		return panelGrid(it, opt)
	}
	var last int64
	for _, s := range it.Members {
		if n := len(s.T); n > 0 {
			last = max(last, s.T[n-1])
		}
	}
	grid := panelGrid(Item{}, opt)
	for len(grid) > 0 && grid[len(grid)-1] > last {
		grid = grid[:len(grid)-1]
	}
	return grid
}

// panelGrid is the panel's timestamps within its range, thinned to at
// most MaxDataPoints.
func panelGrid(it Item, opt Options) []int64 {
	ts, _ := sortedPoints(it.Panel.T, it.Panel.V)
	if len(ts) == 0 && opt.Step > 0 && opt.To.After(opt.From) {
		for t := opt.From.UnixMilli(); t <= opt.To.UnixMilli(); t += opt.Step.Milliseconds() {
			ts = append(ts, t)
		}
	}
	if limit := opt.MaxDataPoints; limit > 0 && len(ts) > limit {
		every := (len(ts) + limit - 1) / limit
		thin := make([]int64, 0, limit+1)
		for i := 0; i < len(ts); i += every {
			thin = append(thin, ts[i])
		}
		if thin[len(thin)-1] != ts[len(ts)-1] {
			thin = append(thin, ts[len(ts)-1])
		}
		ts = thin
	}
	return ts
}

// joinedPoints evaluates the pieces of one kind on the grid (shape.Fit.
// Sample), with a null between consecutive pieces.
func joinedPoints(fits []shape.Fit, grid []int64, opt Options) ([]int64, []*float64) {
	sort.Slice(fits, func(i, j int) bool { return fits[i].Start < fits[j].Start })
	from, to := opt.From.UnixMilli(), opt.To.UnixMilli()
	var ts []int64
	var vs []*float64
	for _, f := range fits {
		pts, vals := f.Sample(grid, from, to)
		for len(pts) > 0 && len(ts) > 0 && pts[0] <= ts[len(ts)-1] {
			pts, vals = pts[1:], vals[1:]
		}
		if len(pts) == 0 {
			continue
		}
		if len(ts) > 0 && ts[len(ts)-1] < pts[0]-1 {
			ts = append(ts, ts[len(ts)-1]+(pts[0]-ts[len(ts)-1])/2)
			vs = append(vs, nil)
		}
		for i := range pts {
			ts = append(ts, pts[i])
			vs = append(vs, &vals[i])
		}
	}
	return ts, vs
}

// forecastPoints draws the forecast from the end of the data to the end
// of the panel at the panel's step (at most MaxDataPoints points),
// stopping at the limit — or, when it ends at the next restart (restarts
// reset the level first, or come before the forecast's horizon), where
// the verdict's forecast ends; nothing when the panel
// ends at the data. It returns the forecast as drawn (run on to the
// panel's end), for its band.
func forecastPoints(fc shape.Fit, grid []int64, limit float64, reset bool, opt Options) ([]int64, []*float64, shape.Fit) {
	last := fc.Start
	if len(grid) > 0 {
		last = max(last, grid[len(grid)-1])
	}
	end := opt.To.UnixMilli()
	if reset {
		end = min(end, fc.End)
	}
	step := opt.Step.Milliseconds()
	if step <= 0 {
		step = 60_000
	}
	if end <= last+step {
		return nil, nil, fc
	}
	if n := opt.MaxDataPoints; n > 0 && (end-fc.Start)/step > int64(n) {
		step = (end - fc.Start) / int64(n)
	}
	var ahead []int64
	for t := fc.Start + step; t < end; t += step {
		ahead = append(ahead, t)
	}
	line := fc
	line.End = end // a straight line runs to the panel's end
	pts, vals := line.Sample(ahead, fc.Start, end)
	var ts []int64
	var vs []*float64
	for i := range pts {
		ts = append(ts, pts[i])
		vs = append(vs, &vals[i])
		if limit > 0 && vals[i] >= limit {
			break
		}
	}
	return ts, vs, line
}

// bandFrames are the forecast's band edges at the forecast's times ts
// (shape.Fit.SampleBand over them): the lower edge, then the upper, whose
// fill reaches down to the lower. None when the forecast has no band.
func bandFrames(labels map[string]string, name string, fc shape.Fit, ts []int64, times *timeFields) []*data.Frame {
	if len(ts) < 2 {
		return nil
	}
	at, lower, upper := fc.SampleBand(ts[1:len(ts)-1], ts[0], ts[len(ts)-1])
	if len(at) < 2 {
		return nil
	}
	lo, hi := make([]*float64, len(at)), make([]*float64, len(at))
	for i := range at {
		lo[i], hi[i] = &lower[i], &upper[i]
	}
	lowerName := name + " · " + bandTitle(KindBandLower)
	low := overlayFrame(copyLabels(labels), name, KindBandLower, bandTitle(KindBandLower), at, lo, times)
	high := overlayFrame(labels, name, KindBandUpper, bandTitle(KindBandUpper), at, hi, times)
	for _, f := range []*data.Frame{low, high} {
		c := f.Fields[1].Config.Custom
		c["lineStyle"] = map[string]any{"fill": "solid"}
		c["lineWidth"] = 0
		c["hideFrom"] = map[string]any{"legend": true, "tooltip": true, "viz": false}
	}
	// Grafana's time series panel finds the field to fill down to by its
	// display name (or name), among the panel's series joined in one frame.
	high.Fields[1].Config.Custom["fillBelowTo"] = lowerName
	high.Fields[1].Config.Custom["fillOpacity"] = bandOpacity
	return []*data.Frame{low, high}
}

// bandOpacity is how strongly the band is shaded, in per cent: the
// forecast's dashed line stays readable on it.
const bandOpacity = 15

func bandTitle(kind string) string {
	if kind == KindBandLower {
		return "forecast lower"
	}
	return "forecast upper"
}

func countValues(vs []*float64) int {
	n := 0
	for _, v := range vs {
		if v != nil {
			n++
		}
	}
	return n
}

// sortedPoints returns the points sorted by time with repeated timestamps
// dropped (the last value of a repeat wins): t and v themselves when they
// already are (the usual case; they are not changed), else new slices.
func sortedPoints(t []int64, v []float64) ([]int64, []float64) {
	n := min(len(t), len(v))
	sorted := true
	for i := 1; i < n; i++ {
		if t[i] <= t[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return t[:n], v[:n]
	}
	ts, vs := make([]int64, n), make([]float64, n)
	copy(ts, t[:n])
	copy(vs, v[:n])
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return t[idx[a]] < t[idx[b]] })
	ts, vs = ts[:0], vs[:0]
	for _, i := range idx {
		if len(ts) > 0 && ts[len(ts)-1] == t[i] {
			vs[len(vs)-1] = v[i]
			continue
		}
		ts = append(ts, t[i])
		vs = append(vs, v[i])
	}
	return ts, vs
}
