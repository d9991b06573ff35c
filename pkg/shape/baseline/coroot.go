package baseline

import (
	"math"
	"slices"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// Coroot's memory-leak check, written from its documentation and source:
//
//	https://docs.coroot.com/inspections/memory#memory-leak
//	https://github.com/coroot/coroot/blob/main/auditor/memory.go (MemoryGrowthPct)
//	https://github.com/coroot/coroot/blob/main/model/check.go (MemoryLeakPercent, threshold 10)
//	https://github.com/coroot/coroot/blob/main/model/alerting_rule.go ("memory-leak": for 15 min)
//	https://github.com/coroot/coroot/blob/main/watchers/watchers.go (alerts see the last hour)
//
// On a window of a memory series at a regular step:
//   - at least 80 % of the window's steps must hold a sample;
//   - the series is split where a sample falls below half the one before (a
//     restart), and the longest run is kept: at least 10 samples and a third
//     of the window's steps;
//   - a least-squares line through that run must rise, and a line through
//     its last quarter (at least the last 15 minutes, at least 5 samples)
//     must rise at 0.3× that slope or more;
//   - the line's growth over the window's last hour must be at least 50 MiB,
//     or 5 % of the limit when the limit is known;
//   - that growth as a share of the level an hour before the window's end
//     is the check's value, in percent per hour; above 10 the check fails.
//
// The panel check judges the whole window once. The alert re-evaluates the
// check over the last hour at every step and fires once it has failed for
// 15 minutes in a row (evaluated every step, at most once a minute).
const (
	CorootThresholdPercent = 10
	corootPresent          = 0.8
	corootMinRun           = 10
	corootTailShare        = 0.25
	corootTailMin          = 15 * time.Minute
	corootTailSlope        = 0.3
	corootMinGrowth        = 50 << 20
	corootLimitShare       = 0.05
	// CorootAlertWindow is the range an alert evaluation sees, and
	// CorootAlertFor how long the check must fail before the alert fires.
	CorootAlertWindow = time.Hour
	CorootAlertFor    = 15 * time.Minute
	// corootEvery is how often the replayed alert is evaluated: every step,
	// at most once a minute.
	corootEvery = time.Minute
)

// CorootGrowthPercent is Coroot's memory growth in percent per hour over
// the samples t (Unix ms), v (bytes) of a window of slots steps ending at
// end (Unix ms); 0 when the check finds no leak to measure. limit ≤ 0 is
// unknown.
func CorootGrowthPercent(t []int64, v []float64, limit float64, slots int, end int64) float64 {
	var sc corootScratch
	return sc.growth(t, v, limit, slots, end)
}

// corootScratch holds the runs' buffers across the evaluations of an alert.
type corootScratch struct{ x, y, cx, cy []float64 }

func (sc *corootScratch) growth(t []int64, v []float64, limit float64, slots int, end int64) float64 {
	present := 0
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			present++
		}
	}
	if slots <= 0 || float64(present) < corootPresent*float64(slots) {
		return 0
	}
	// Split at restarts; keep the longest run.
	x, y, cx, cy := sc.x[:0], sc.y[:0], sc.cx[:0], sc.cy[:0]
	defer func() { sc.x, sc.y, sc.cx, sc.cy = x, y, cx, cy }()
	prev := math.NaN()
	for i := range t {
		val := v[i]
		if math.IsNaN(val) || math.IsInf(val, 0) {
			continue
		}
		if !math.IsNaN(prev) && prev > 0 && val < prev*0.5 {
			if len(cx) > len(x) {
				x, y, cx, cy = cx, cy, x, y
			}
			cx, cy = cx[:0], cy[:0]
		}
		cx = append(cx, float64(t[i]-end)/1000) // seconds before the end
		cy = append(cy, val)
		prev = val
	}
	if len(cx) > len(x) {
		x, y, cx, cy = cx, cy, x, y
	}
	if len(x) < corootMinRun || len(x) < slots/3 {
		return 0
	}
	alpha, beta := leastSquares(x, y)
	if !(beta > 0) {
		return 0
	}
	tail := len(x) - len(x)/4
	for tail > 0 && x[len(x)-1]-x[tail] < corootTailMin.Seconds() {
		tail--
	}
	if len(x)-tail < 5 {
		return 0
	}
	_, tailBeta := leastSquares(x[tail:], y[tail:])
	if !(tailBeta > 0) || tailBeta < beta*corootTailSlope {
		return 0
	}
	s := alpha + beta*-3600 // the line an hour before the end
	e := alpha
	if !(e > 0 && e > s) {
		return 0
	}
	minGrowth := float64(corootMinGrowth)
	if limit > 0 {
		minGrowth = limit * corootLimitShare
	}
	if e-s < minGrowth {
		return 0
	}
	if s > 0 {
		return (e - s) / s * 100
	}
	return (e - s) / e * 100
}

// leastSquares is the least-squares line y = alpha + beta·x (gonum's
// stat.LinearRegression without weights, in one pass over centred sums).
func leastSquares(x, y []float64) (alpha, beta float64) {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxx, sxy float64
	for i := range x {
		dx := x[i] - mx
		sxx += dx * dx
		sxy += dx * (y[i] - my)
	}
	beta = sxy / sxx
	return my - beta*mx, beta
}

// medianStep is the typical spacing of t in ms (at least 1).
func medianStep(t []int64) int64 {
	if len(t) < 2 {
		return 1
	}
	d := make([]int64, len(t)-1)
	for i := range d {
		d[i] = t[i+1] - t[i]
	}
	slices.Sort(d)
	return max(d[len(d)/2], 1)
}

// sortedCopy returns t, v ordered by time.
func sortedCopy(t []int64, v []float64) ([]int64, []float64) {
	n := min(len(t), len(v))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case t[a] < t[b]:
			return -1
		case t[a] > t[b]:
			return 1
		}
		return 0
	})
	st, sv := make([]int64, n), make([]float64, n)
	for k, i := range idx {
		st[k], sv[k] = t[i], v[i]
	}
	return st, sv
}

// CorootCheck is Coroot's memory-leak check on a panel: the whole window,
// judged once at its end. Leak when the growth exceeds 10 % per hour.
func CorootCheck(t []int64, v []float64, limit float64) shape.Shape {
	t, v = sortedCopy(t, v)
	if len(t) == 0 {
		return shape.Healthy
	}
	step := medianStep(t)
	slots := int((t[len(t)-1]-t[0])/step) + 1
	if CorootGrowthPercent(t, v, limit, slots, t[len(t)-1]) > CorootThresholdPercent {
		return shape.Leak
	}
	return shape.Healthy
}

// CorootAlert is Coroot's built-in "Memory leak" alert replayed over the
// window: at every step the check judges the hour before it, and the alert
// fires once the check has failed for 15 minutes in a row. Leak when it
// would have fired anywhere in the window. A window shorter than an hour
// never fills an evaluation's 80 % and never fires.
func CorootAlert(t []int64, v []float64, limit float64) shape.Shape {
	t, v = sortedCopy(t, v)
	if len(t) == 0 {
		return shape.Healthy
	}
	step := medianStep(t)
	window := CorootAlertWindow.Milliseconds()
	slots := int(window/step) + 1
	every := max(step, corootEvery.Milliseconds())
	failingSince := int64(math.MinInt64)
	next := t[0] + window
	var sc corootScratch
	lo := 0
	for hi := range t {
		end := t[hi]
		if end < next {
			continue
		}
		next = end + every
		for t[lo] < end-window {
			lo++
		}
		if sc.growth(t[lo:hi+1], v[lo:hi+1], limit, slots, end) > CorootThresholdPercent {
			if failingSince == math.MinInt64 {
				failingSince = end
			}
			if end-failingSince >= CorootAlertFor.Milliseconds() {
				return shape.Leak
			}
		} else {
			failingSince = math.MinInt64
		}
	}
	return shape.Healthy
}
