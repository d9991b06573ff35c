package shape

import (
	"math"
	"sync"
)

// span is a range of bin indexes [lo, hi) belonging to one lifetime.
type span struct{ lo, hi int }

// bins is how many bins the span holds.
func (s span) bins() int { return s.hi - s.lo }

// pooled is a least-squares fit of y = icpt_k + slope·g(age) over several
// lifetimes at once: one intercept per lifetime, one shared curve. This is
// how a restarted process is judged — every lifetime must climb the same
// way — and for a single lifetime it is an ordinary regression.
type pooled struct {
	slope float64   // shared coefficient (per unit of g; per hour for a line)
	se    float64   // its standard error
	rss   float64   // residual sum of squares
	tss   float64   // total sum of squares around the lifetime means
	n     int       // points used
	dof   int       // degrees of freedom left
	icpt  []float64 // intercept of each span (NaN where the span is empty)
	ok    bool
	model Model
	tau   float64   // hours, for logarithmic and saturating
	gx    []float64 // the curve at every bin of the spans it was fitted over (logarithmic and saturating)
}

// r2 is the share of within-lifetime variation the curve explains.
func (p pooled) r2() float64 {
	if p.tss <= 0 {
		return 0
	}
	return 1 - p.rss/p.tss
}

// r2Beyond is r2 with the noise of the levels (sigma each) taken out of
// both sums: the share of the variation beyond noise that the curve
// explains. A level is the mean of the points in its bin, so a coarser
// step leaves fewer points in each and more noise: r2 falls with the step
// for the same curve, r2Beyond does not. Where noise is all there is, it
// is 0.
func (p pooled) r2Beyond(sigma float64) float64 {
	noise := sigma * sigma
	spans := float64(p.n - p.dof - 1) // intercepts
	signal := p.tss - (float64(p.n)-spans)*noise
	if signal <= 0 {
		return 0
	}
	return 1 - math.Max(p.rss-float64(p.dof)*noise, 0)/signal
}

// fitLine fits a straight line (one intercept per span) over the spans of
// (x, y).
func fitLine(x, y []float64, spans []span) pooled {
	p := fitPooledG(x, y, spans)
	p.model = Linear
	return p
}

// fitPooledG fits y = icpt_k + slope·gx over the spans, gx already
// transformed.
func fitPooledG(gx, y []float64, spans []span) pooled {
	var p pooled
	p.icpt = make([]float64, len(spans))
	var sxx, sxy, syy float64
	var small [16]float64
	var gm []float64
	if len(spans) <= len(small) {
		gm = small[:len(spans)]
	} else {
		gm = make([]float64, len(spans))
	}
	for k, s := range spans {
		m := s.bins()
		if m <= 0 {
			p.icpt[k] = math.NaN()
			continue
		}
		var sg, sy float64
		for i := s.lo; i < s.hi; i++ {
			sg += gx[i]
			sy += y[i]
		}
		mg, my := sg/float64(m), sy/float64(m)
		for i := s.lo; i < s.hi; i++ {
			dg, dy := gx[i]-mg, y[i]-my
			sxx += dg * dg
			sxy += dg * dy
			syy += dy * dy
		}
		gm[k], p.icpt[k] = mg, my
		p.n += m
		if m > 0 {
			p.dof-- // one intercept per non-empty span
		}
	}
	p.dof += p.n - 1
	p.tss = syy
	if sxx <= 0 || p.dof < 1 {
		return p
	}
	p.slope = sxy / sxx
	p.rss = math.Max(syy-p.slope*sxy, 0)
	p.se = math.Sqrt(p.rss / float64(p.dof) / sxx)
	for k := range spans {
		if !math.IsNaN(p.icpt[k]) {
			p.icpt[k] -= p.slope * gm[k]
		}
	}
	p.ok = true
	return p
}

// fitConcave tries logarithmic and saturating curves over a grid of time
// constants (relative to the typical steady span, hours) and returns the
// best by residual sum of squares. Each candidate is an exact linear fit
// once τ is fixed, so the grid search is the whole optimisation.
func fitConcave(x, y []float64, spans []span, typical, unit float64) pooled {
	best := pooled{rss: math.Inf(1)}
	if typical <= 0 {
		return best
	}
	sc := concavePool.Get().(*concaveScratch)
	defer concavePool.Put(sc)
	// Lifetimes share their ages bin for bin, so each curve is tabulated
	// once, at the ages in use on a grid of a quarter of a bin, and looked
	// up: the transcendental functions then cost per bin of a lifetime,
	// not per bin of the series. (A quarter of a bin moves a point's age by
	// less than the bins' own spread.) Each bin refers to a slot of the
	// table: a grid age, or, off the grid, its own age.
	step := unit / 4
	slot := grow(sc.slot, len(x))
	const offGrid = -1
	grid := grow(sc.grid, 0)
	maxIdx := -1
	ordered, filled := true, 0 // one span, its grid ages rising: the slots are the bins
	for _, s := range spans {
		if s.hi > s.lo {
			filled++
		}
		last := -1
		for i := s.lo; i < s.hi; i++ {
			slot[i] = offGrid
			if step > 0 {
				if q := math.Round(x[i] / step); q >= 0 && q < 4*maxBinsPerLifetime {
					slot[i] = int(q)
					maxIdx = max(maxIdx, int(q))
				}
			}
			ordered = ordered && slot[i] > last
			last = slot[i]
		}
	}
	dense := grow(sc.dense, maxIdx+1)
	ages := grow(sc.ages, 0) // the age of each slot off the grid
	if ordered && filled == 1 {
		for _, s := range spans {
			for i := s.lo; i < s.hi; i++ {
				grid = append(grid, slot[i])
				slot[i] = i - s.lo
			}
		}
	} else {
		// Grid points in use, in order, numbered densely; then the ages
		// off the grid.
		for q := range dense {
			dense[q] = -1
		}
		for _, s := range spans {
			for i := s.lo; i < s.hi; i++ {
				if q := slot[i]; q >= 0 {
					dense[q] = 0
				}
			}
		}
		for q, d := range dense {
			if d == 0 {
				dense[q] = len(grid)
				grid = append(grid, q)
			}
		}
		for _, s := range spans {
			for i := s.lo; i < s.hi; i++ {
				if q := slot[i]; q >= 0 {
					slot[i] = dense[q]
				} else {
					slot[i] = len(grid) + len(ages)
					ages = append(ages, x[i])
				}
			}
		}
	}
	onGrid := len(grid)
	table := grow(sc.table, onGrid+len(ages))
	// Each candidate is judged by its residual sum of squares from sums
	// over the spans (the levels' deviations from their span means taken
	// once); only the best is fitted in full.
	dev := grow(sc.dev, len(y))
	var syy float64
	dof := -1
	for _, sp := range spans {
		m := sp.bins()
		if m <= 0 {
			continue
		}
		var sum float64
		for i := sp.lo; i < sp.hi; i++ {
			sum += y[i]
		}
		mean := sum / float64(m)
		for i := sp.lo; i < sp.hi; i++ {
			dev[i] = y[i] - mean
			syy += dev[i] * dev[i]
		}
		dof += m - 1
	}
	sc.slot, sc.grid, sc.dense, sc.ages, sc.table, sc.dev = slot, grid, dense, ages, table, dev
	if dof < 1 {
		return best
	}
	fill := func(model Model, tau float64) {
		if model == Logarithmic {
			a := step / tau
			for k, q := range grid {
				x := float64(q) * a
				if !(x >= 1e-3) || x > math.MaxFloat64 {
					table[k] = math.Log1p(x)
					continue
				}
				// ln(1 + x) by the table: see logBits.
				b := math.Float64bits(1 + x)
				j := (b >> (52 - logBits)) & (1<<logBits - 1)
				r := math.Float64frombits(b&(1<<52-1)|1023<<52)*logInv[j] - 1
				r2 := r * r
				table[k] = float64(int(b>>52)-1023)*math.Ln2 + logMid[j] + (r - r2*(1.0/2)) + r2*r*(1.0/3-r*(1.0/4))
			}
			for k, x := range ages {
				table[onGrid+k] = math.Log1p(x / tau)
			}
			return
		}
		// 1 − e^(−q·step/τ) by powers of r = e^(−step/τ), one
		// multiplication per grid point in use (the common gap is one
		// bin, four grid steps).
		r := math.Exp(-step / tau)
		gap, rGap := -1, 1.0
		pow, at := 1.0, 0
		for k, q := range grid {
			if d := q - at; d != gap {
				gap, rGap = d, math.Pow(r, float64(d))
			}
			pow *= rGap
			at = q
			table[k] = 1 - pow
		}
		for k, x := range ages {
			table[onGrid+k] = -math.Expm1(-x / tau)
		}
	}
	bestRSS, bestModel, bestTau := math.Inf(1), Model(""), 0.0
	try := func(model Model, tau float64) {
		fill(model, tau)
		var sxx, sxy float64
		for _, sp := range spans {
			m := sp.bins()
			if m <= 0 {
				continue
			}
			// Two accumulators each, so that the additions of consecutive
			// bins do not wait for one another.
			sl, d := slot[sp.lo:sp.hi], dev[sp.lo:sp.hi]
			d = d[:len(sl)]
			var sg, sgg, sxy0, sg1, sgg1, sxy1 float64
			i := 0
			for ; i+1 < len(sl); i += 2 {
				g, h := table[sl[i]], table[sl[i+1]]
				sg += g
				sgg += g * g
				sxy0 += g * d[i]
				sg1 += h
				sgg1 += h * h
				sxy1 += h * d[i+1]
			}
			if i < len(sl) {
				g := table[sl[i]]
				sg += g
				sgg += g * g
				sxy0 += g * d[i]
			}
			sg, sgg = sg+sg1, sgg+sgg1
			sxy += sxy0 + sxy1
			sxx += sgg - sg*sg/float64(m)
		}
		if sxx <= 0 {
			return
		}
		if slope := sxy / sxx; slope > 0 {
			if rss := math.Max(syy-slope*sxy, 0); rss < bestRSS {
				bestRSS, bestModel, bestTau = rss, model, tau
			}
		}
	}
	for _, rel := range []float64{0.01, 0.03, 0.1, 0.3, 1} {
		try(Logarithmic, rel*typical)
	}
	for _, rel := range []float64{0.15, 0.3, 0.6, 1.2, 2.5} {
		try(Saturating, rel*typical)
	}
	if bestModel == "" {
		return best
	}
	fill(bestModel, bestTau)
	gx := make([]float64, len(x)) // kept with the fit: the curve at every bin of its spans
	for _, sp := range spans {
		for i := sp.lo; i < sp.hi; i++ {
			gx[i] = table[slot[i]]
		}
	}
	if p := fitPooledG(gx, y, spans); p.ok && p.slope > 0 {
		best, best.model, best.tau, best.gx = p, bestModel, bestTau, gx
	}
	return best
}

// concaveScratch is fitConcave's working memory, reused across calls.
type concaveScratch struct {
	slot, grid, dense []int
	ages, table, dev  []float64
}

var concavePool = sync.Pool{New: func() any { return new(concaveScratch) }}

// The curve search takes ln(1 + x), x ≥ 1e-3, to about 1e-16 in a third of
// the time of math.Log: 1 + x = m·2^e with m in [1, 2); m = c·(1 + r) with
// c the middle of m's part of [1, 2) in 2^logBits, whose logarithm and
// inverse are tabulated, and |r| < 2^-11, whose logarithm its series gives
// to r⁴ (the next term is below 1e-17). Below 1e-3, where 1 + x loses
// digits of x, math.Log1p.
const logBits = 10

var logMid, logInv = func() (lm, li [1 << logBits]float64) {
	for j := range lm {
		c := 1 + (float64(j)+0.5)/(1<<logBits)
		lm[j], li[j] = math.Log(c), 1/c
	}
	return lm, li
}()

// g is the pooled fit's curve at age (hours): age itself for a line.
func (p pooled) g(age float64) float64 {
	switch p.model {
	case Logarithmic:
		return math.Log1p(age / p.tau)
	case Saturating:
		return -math.Expm1(-age / p.tau)
	}
	return age
}

// Residual structure: a curve that fits leaves residuals that change sign
// often; one that misses the data leaves long runs of one sign. The runs
// test (Wald–Wolfowitz) counts the runs against those expected of random
// signs; misfitRuns is the z-score below which the runs are too few, and
// misfitShare how large the residuals must be, against the rise the curve
// describes, for the miss to matter.
const (
	misfitRuns  = -3
	misfitShare = 0.1
)

// misses reports whether the pooled fit p over spans of (x, y) leaves
// residuals with structure (too few sign runs) and of a size that matters
// against rise (normalised).
func (p pooled) misses(x, y []float64, spans []span, rise float64) bool {
	if !p.ok || rise <= 0 {
		return false
	}
	var pos, neg, runs, ss, n float64
	for k, s := range spans {
		if k >= len(p.icpt) || math.IsNaN(p.icpt[k]) {
			continue
		}
		last := 0
		for i := s.lo; i < s.hi; i++ {
			g := x[i]
			if p.gx != nil {
				g = p.gx[i]
			} else if p.model != Linear {
				g = p.g(x[i])
			}
			r := y[i] - p.icpt[k] - p.slope*g
			ss += r * r
			n++
			sign := 1
			if r < 0 {
				sign = -1
				neg++
			} else {
				pos++
			}
			if sign != last {
				runs++
				last = sign
			}
		}
	}
	if n < 10 || pos == 0 || neg == 0 {
		return false
	}
	mu := 2*pos*neg/n + 1
	v := (mu - 1) * (mu - 2) / (n - 1)
	if v <= 0 {
		return false
	}
	z := (runs - mu) / math.Sqrt(v)
	return z < misfitRuns && math.Sqrt(ss/n) >= misfitShare*rise
}
