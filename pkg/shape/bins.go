package shape

import (
	"math"
	"slices"
)

// binsPerLifetime is the resolution at which shapes are judged: about 1 %
// of a lifetime per bin. A rise that fits in a few bins is a jump at the
// series' own scale (30–45 minutes on a day-long chart); everything slower
// is growth.
const binsPerLifetime = 100

// minStepsPerBin: a bin spans at least two scrape steps, so that at a
// coarse step every level is still a mean of points, not one point alone.
const minStepsPerBin = 2

// maxBinsPerLifetime bounds the bins of one lifetime however unequal the
// lifetimes are.
const maxBinsPerLifetime = 1000

// bins is the series reduced to a level per time bin: the mean of the
// points in the bin — under a GC sawtooth, of the sawtooth's floor (see
// rollingFloor): what a collector cannot free is what grows.
type bins struct {
	age []float64 // hours since the lifetime's first point, at the bin's mean time
	at  []float64 // Unix ms of the bin's mean time
	y   []float64 // level (normalised: 1 = the series' median)
}

// levels is the second stage's result: the series reduced to a level per
// bin, with the bins of each lifetime, the bin width, and the daily cycle
// taken out.
type levels struct {
	bins
	life     []span     // bins of each lifetime
	binHours float64    // bin width
	daily    float64    // amplitude of the daily cycle taken out (normalised), 0 if none
	cycle    [2]float64 // the cycle taken out: its sine and cosine coefficients
	// gcLift is how far the memory sits above the levels under a GC
	// sawtooth (the levels are its floor), normalised: a level drawn for a
	// person is lifted by it, to sit on the data.
	gcLift float64

	// From the lifetimes: which began before the window, whether any is
	// seen to begin in it, and whether they come from several series.
	partial    []bool
	startsSeen bool
	pooled     bool
	// fewWhole: pooled, and fewer than two lifetimes are seen whole (begun
	// and ended inside the window). The lifetimes that began before it
	// then take part in judging how growth changes with age, measured
	// from the window's start: the rest are too few and too young.
	fewWhole bool
	// began and running: each lifetime is seen to begin inside the window,
	// and lasts to its end.
	began, running []bool
}

// aged reports whether lifetime k takes part in judging how growth
// changes with age (see lifetimes.aged).
func (lv *levels) aged(k int) bool {
	return !lv.partial[k] || (lv.pooled && lv.fewWhole)
}

// binLevels bins every lifetime of v at one width — under a GC sawtooth
// the level its collections come back to — and takes out a daily cycle.
func binLevels(t []int64, v []float64, lt lifetimes, ws *workspace) levels {
	n := len(t)
	width := binWidth(t, lt.segs, lt.step, lt.pointNoise)
	level, scale := v, lt.scale
	gcLift := 0.0
	if lt.gc > 0 {
		// The floor of each series on its own: the series of a workload
		// lie end to end, each in time order.
		floorMs, meanMs := lt.floorWindows()
		level, scale = make([]float64, 0, n), 1
		for _, m := range lt.members {
			mt := t[m.lo:m.hi]
			level = append(level, rollingMean(mt, rollingFloor(mt, v[m.lo:m.hi], floorMs, lt.scale), meanMs)...)
		}
		gcLift = sawtoothLift(v, level, lt.scale)
	}
	c := min(n, 2*binsPerLifetime*len(lt.segs))
	lv := levels{
		bins:     bins{age: slices.Grow(ws.age[:0], c), at: slices.Grow(ws.at[:0], c), y: slices.Grow(ws.y[:0], c)},
		life:     slices.Grow(ws.life[:0], len(lt.segs)),
		binHours: width / 3.6e6,
	}
	for _, s := range lt.segs {
		lo, hi := lv.appendBins(t, level, s.lo, s.hi, width, scale)
		lv.life = append(lv.life, span{lo, hi})
	}
	lv.gcLift = gcLift
	lv.partial, lv.startsSeen, lv.pooled = lt.partial, lt.startsSeen, lt.pooled
	lv.fewWhole = lt.fewWhole()
	lv.began, lv.running = lt.began, lt.running
	lv.daily = lv.removeDailyCycle(lt.last-lt.first, &ws.daily)
	return lv
}

// binWidth picks one bin width for all lifetimes, in ms: about 1 % of the
// typical lifetime, and at least two scrape steps — or one, for a
// lifetime of a few points, or of a few dozen quiet ones (noise: the
// spread of one point, normalised; 0 when unknown).
func binWidth(t []int64, segs []segment, step, noise float64) float64 {
	spans := make([]float64, 0, len(segs))
	for _, s := range segs {
		spans = append(spans, float64(t[s.hi-1]-t[s.lo]))
	}
	typical := median(spans)
	if len(spans) <= 2 {
		// Both lifetimes are cut by the window (the first began before
		// it, the last has not ended): the longer is the better measure.
		typical = max(spans[0], spans[len(spans)-1])
	}
	steps := float64(minStepsPerBin)
	if typical < minBinsAtTwoSteps*minStepsPerBin*step || (typical < quietBinsAtTwoSteps*minStepsPerBin*step && noise > 0 && noise <= quietPointNoise && float64(t[len(t)-1]-t[0]) >= hourMs) {
		// A lifetime of a few points (restarts every hour or two seen at a
		// 10–20-minute step): bins of two steps would leave too few to
		// measure its rate and how it changes with age, so each point is
		// its own level.
		steps = 1
	}
	return math.Max(math.Max(typical/binsPerLifetime, steps*step), 1)
}

// minBinsAtTwoSteps is the fewest bins a typical lifetime must keep for a
// bin to span minStepsPerBin steps.
const minBinsAtTwoSteps = 8

// A lifetime of fewer than quietBinsAtTwoSteps bins of two steps whose
// points are quiet — each within quietPointNoise of the level of its
// neighbours, so no cycle runs unseen between them — keeps a level per
// point: a mean of two would only halve the points its jumps are placed
// by, and at a coarse step (a 3-hour window at 2.5 minutes) jumps a finer
// step finds a few bins apart merge into a straight climb. Only over an
// hour or more: a test run's own iterations sampled slower than they run
// beat slowly, and consecutive points of a slow beat look quiet.
const (
	quietBinsAtTwoSteps = 40
	quietPointNoise     = 0.015
)

// floorWindows are the spans, in ms, over which the floor under a
// sawtooth is taken (1.5 periods) and then averaged (one period): each
// holds at least a dozen and eight scrapes, so that a period sampled by
// only a few points does not make the floor jump as the points slide
// over its teeth.
func (lt lifetimes) floorWindows() (floorMs, meanMs float64) {
	return math.Max(1.5*lt.gc, 12*lt.step), math.Max(lt.gc, 8*lt.step)
}

// rollingFloor is the lowest value within ±w/2 ms of each point, divided by
// scale: under a garbage collector's sawtooth, the level its collections
// come back to.
// A monotonic queue makes it linear in the number of points.
func rollingFloor(t []int64, y []float64, w, scale float64) []float64 {
	out := make([]float64, len(y))
	q := make([]int, 0, 64)
	head, r := 0, 0
	half := int64(w / 2)
	for i := range y {
		for r < len(y) && t[r] <= t[i]+half {
			for len(q) > head && y[q[len(q)-1]] >= y[r] {
				q = q[:len(q)-1]
			}
			q = append(q, r)
			r++
		}
		for t[q[head]] < t[i]-half {
			head++
		}
		out[i] = y[q[head]] / scale
	}
	return out
}

// appendBins adds the bins of one lifetime [lo, hi) of y, divided by scale,
// and returns the range of bin indexes it used.
func (b *bins) appendBins(t []int64, y []float64, lo, hi int, width, scale float64) (int, int) {
	first := len(b.y)
	t0 := t[lo]
	// A lifetime far longer than the typical one gets wider bins, so that
	// no lifetime costs more than maxBinsPerLifetime.
	width = math.Max(width, float64(t[hi-1]-t0)/maxBinsPerLifetime)
	cur := -1
	var sumT, acc float64
	var cnt int
	flush := func() {
		if cnt == 0 {
			return
		}
		mt := sumT / float64(cnt)
		b.at = append(b.at, float64(t0)+mt)
		b.age = append(b.age, mt/3.6e6)
		b.y = append(b.y, acc/float64(cnt))
	}
	// The points come in time order: a bin's index is computed only when a
	// point may have left the current bin (a hair before its end, so that
	// rounding never hides a change).
	next := math.Inf(-1)
	for i := lo; i < hi; i++ {
		off := float64(t[i] - t0)
		if off >= next {
			if k := int(off / width); k != cur {
				flush()
				cur, sumT, acc, cnt = k, 0, 0, 0
				next = float64(k+1) * width * (1 - 1e-12)
			}
		}
		sumT += off
		acc += y[i] / scale // divided first: sums of values near 1e308 must not overflow
		cnt++
	}
	flush()
	b.fillGaps(first, width)
	return first, len(b.y)
}

// fillGaps bridges missing bins (a scrape outage, dropped zero fill) in the
// bins from first on with straight lines, so that growth during an outage
// reads as the growth it was and not as a jump.
func (b *bins) fillGaps(first int, width float64) {
	missing := 0
	for i := first + 1; i < len(b.y); i++ {
		gap := b.at[i] - b.at[i-1]
		if gap < 1.4*width {
			continue // rounds to one bin at most: no division needed to tell
		}
		if g := int(math.Round(gap/width)) - 1; g > 0 {
			missing += g
		}
	}
	if missing == 0 {
		return
	}
	n := len(b.y) - first
	age := append([]float64(nil), b.age[first:]...)
	at := append([]float64(nil), b.at[first:]...)
	y := append([]float64(nil), b.y[first:]...)
	b.age, b.at, b.y = b.age[:first], b.at[:first], b.y[:first]
	for i := 0; i < n; i++ {
		if i > 0 {
			g := int(math.Round((at[i]-at[i-1])/width)) - 1
			for q := 1; q <= g; q++ {
				f := float64(q) / float64(g+1)
				b.age = append(b.age, age[i-1]+f*(age[i]-age[i-1]))
				b.at = append(b.at, at[i-1]+f*(at[i]-at[i-1]))
				b.y = append(b.y, y[i-1]+f*(y[i]-y[i-1]))
			}
		}
		b.age = append(b.age, age[i])
		b.at = append(b.at, at[i])
		b.y = append(b.y, y[i])
	}
}

// rollingMean is the mean within ±w/2 ms of each point. Over one GC period
// it smooths the floor's steps — the floor only rises when a collection
// lands — into the ramp they sample.
func rollingMean(t []int64, y []float64, w float64) []float64 {
	out := make([]float64, len(y))
	half := int64(w / 2)
	lo, hi := 0, 0
	var sum float64
	for i := range y {
		for hi < len(y) && t[hi] <= t[i]+half {
			sum += y[hi]
			hi++
		}
		for t[lo] < t[i]-half {
			sum -= y[lo]
			lo++
		}
		out[i] = sum / float64(hi-lo)
	}
	return out
}

// sawtoothLift is the median of v/scale − floor over the points: how far a
// collector's sawtooth sits, in the middle, above its floor.
func sawtoothLift(v, floor []float64, scale float64) float64 {
	return median(sampleInto(nil, len(v), func(i int) float64 { return v[i]/scale - floor[i] }))
}
