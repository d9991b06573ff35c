package shape

import "math"

// A rise that speeds up and then stops is one slow jump — bloat — however
// long it takes: fragmentation is concave from its start, a leak does not
// stop. It is recognised by a ramp model, flat, then a straight climb, then
// flat again, that fits the steady part of a lifetime clearly better than a
// straight line or a decelerating curve, with flat stretches on both sides.
const (
	slowJumpBefore = 0.05 // the flat stretch before the ramp, share of the span at least
	slowJumpAfter  = 0.08 // …and after it
	slowJumpMaxLen = 0.6  // the ramp itself, share of the span at most
	slowJumpBIC    = 10   // the ramp's advantage over the other curves, in BIC
	slowJumpMinBin = 20   // bins a span needs to be searched
)

// ramp is the best ramp over the bins of one span: level base until bin
// start, climbing by rise to bin end, level base + rise after.
type ramp struct {
	start, end int
	base, rise float64
	rss        float64
}

// at is the ramp's level at age x given the ages of its corners.
func (r ramp) at(x, x1, x2 float64) float64 {
	switch {
	case x <= x1:
		return r.base
	case x >= x2:
		return r.base + r.rise
	}
	return r.base + r.rise*(x-x1)/(x2-x1)
}

// fitRamp finds the least-squares ramp over x, y: every pair of corners on
// a coarse grid, then every pair near the best. Prefix sums make each pair
// cost O(1).
func fitRamp(x, y []float64) ramp {
	n := len(x)
	best := ramp{rss: math.Inf(1)}
	if n < 4 {
		return best
	}
	sx := make([]float64, 5*(n+1)) // prefix sums of x, x², y, xy; and y² total
	p1, p2, py, pxy := sx[:n+1], sx[n+1:2*(n+1)], sx[2*(n+1):3*(n+1)], sx[3*(n+1):4*(n+1)]
	var syy float64
	for k := range n {
		p1[k+1] = p1[k] + x[k]
		p2[k+1] = p2[k] + x[k]*x[k]
		py[k+1] = py[k] + y[k]
		pxy[k+1] = pxy[k] + x[k]*y[k]
		syy += y[k] * y[k]
	}
	fn := float64(n)
	sy := py[n]
	try := func(i, j int) {
		if i < 0 || j >= n || j <= i {
			return
		}
		x1, x2 := x[i], x[j]
		w := x2 - x1
		if w <= 0 {
			return
		}
		// mid: bins i+1 .. j-1; after: j .. n-1
		nm := float64(j - i - 1)
		smx, smxx := p1[j]-p1[i+1], p2[j]-p2[i+1]
		smy, smxy := py[j]-py[i+1], pxy[j]-pxy[i+1]
		na := float64(n - j)
		say := py[n] - py[j]
		sr := (smx-x1*nm)/w + na
		srr := (smxx-2*x1*smx+x1*x1*nm)/(w*w) + na
		sry := (smxy-x1*smy)/w + say
		vr := srr - sr*sr/fn
		if vr <= 0 {
			return
		}
		cov := sry - sr*sy/fn
		c := cov / vr
		rss := syy - sy*sy/fn - c*cov
		if rss < best.rss {
			best = ramp{start: i, end: j, rise: c, base: (sy - c*sr) / fn, rss: rss}
		}
	}
	g := max(1, n/25)
	for i := 0; i < n; i += g {
		for j := i + g; j < n; j += g {
			try(i, j)
		}
	}
	bi, bj := best.start, best.end
	for i := bi - g; i <= bi+g; i++ {
		for j := bj - g; j <= bj+g; j++ {
			try(i, j)
		}
	}
	best.rss = math.Max(best.rss, 0)
	return best
}

// flatEnd reports whether the bins [lo, hi) of y (of nb bins that rise by
// total) climb by less than half their share of the rise: the mean of the
// second half of the stretch against the first, with three times the noise
// of that difference allowed for (sigma: the noise of one bin).
func flatEnd(y []float64, lo, hi int, total float64, nb int, sigma float64) bool {
	mid := (lo + hi) / 2
	if mid <= lo || hi <= mid {
		return true
	}
	rise := meanOf(y, mid, hi) - meanOf(y, lo, mid)
	expected := total * float64(hi-lo) / 2 / float64(nb) // a straight line's rise between the halves' centres
	noise := sigma * math.Sqrt(1/float64(mid-lo)+1/float64(hi-mid))
	return rise < 0.5*expected+3*noise
}

// slowJump looks for one slow jump in the steady bins s of the levels
// flat (jumps taken out): the ramp must beat a straight line and the best
// decelerating curve over the span by slowJumpBIC, climb by at least
// minRise, and leave flat stretches before and after it. It returns the
// jump in bins and the ramp to take out.
func slowJump(lv *levels, flat []float64, s span, minRise, sigma float64) (binJump, ramp, bool) {
	nb := s.bins()
	if nb < slowJumpMinBin {
		return binJump{}, ramp{}, false
	}
	x, y := lv.age[s.lo:s.hi], flat[s.lo:s.hi]
	q := max(2, nb/10)
	total := meanOf(y, nb-q, nb) - meanOf(y, 0, q)
	if total < minRise { // no lasting rise: nothing to explain
		return binJump{}, ramp{}, false
	}
	// A ramp leaves the first slowJumpBefore and the last slowJumpAfter of
	// the span flat: where either end still climbs at half the average
	// rate or more (a line, a curve rising from the start), there is no
	// need to look for one.
	if !flatEnd(y, 0, max(2, int(slowJumpBefore*float64(nb))), total, nb, sigma) || !flatEnd(y, nb-max(2, int(slowJumpAfter*float64(nb))), nb, total, nb, sigma) {
		return binJump{}, ramp{}, false
	}
	r := fitRamp(x, y)
	width := x[nb-1] - x[0]
	if math.IsInf(r.rss, 0) || r.rise < minRise || width <= 0 ||
		x[r.start]-x[0] < slowJumpBefore*width || x[nb-1]-x[r.end] < slowJumpAfter*width || x[r.end]-x[r.start] > slowJumpMaxLen*width {
		return binJump{}, ramp{}, false
	}
	fn := float64(nb)
	if r.rss <= 0 {
		r.rss = 1e-300
	}
	beats := func(rss float64) bool { return rss > 0 && fn*math.Log(rss/r.rss)-2*math.Log(fn) >= slowJumpBIC }
	// The line first: the curve search is the dearer and matters only when
	// the ramp beats the line.
	one := []span{s}
	if !beats(fitLine(lv.age, flat, one).rss) {
		return binJump{}, ramp{}, false
	}
	if conc := fitConcave(lv.age, flat, one, width, lv.binHours); conc.ok && !beats(conc.rss) {
		return binJump{}, ramp{}, false
	}
	return binJump{start: s.lo + r.start, end: s.lo + r.end, size: r.rise, before: r.base, peak: r.base + r.rise}, r, true
}
