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
	return fitLineInto(make([]float64, len(spans)), x, y, spans)
}

// fitLineInto is fitLine with the intercepts written to icpt, one per span.
func fitLineInto(icpt, x, y []float64, spans []span) pooled {
	p := fitPooledGInto(icpt, x, y, spans)
	p.model = Linear
	return p
}

// fitPooledGInto fits y = icpt_k + slope·gx over the spans, gx already
// transformed, with the intercepts written to icpt, one per span.
func fitPooledGInto(icpt, gx, y []float64, spans []span) pooled {
	var p pooled
	p.icpt = icpt[:len(spans)]
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
	return fitConcaveInto(nil, x, y, spans, typical, unit)
}

// fitConcaveInto is fitConcave with the curve at every bin and the
// intercepts kept in buf, grown when short (the fit's gx[:cap(gx)] is buf
// then).
func fitConcaveInto(buf, x, y []float64, spans []span, typical, unit float64) pooled {
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
	// Each candidate's curve is tabulated in table; the best so far is
	// kept in bestTable (the two are swapped), so the winner need not be
	// tabulated again.
	table := grow(sc.table, onGrid+len(ages))
	bestTable := grow(sc.bestTable, onGrid+len(ages))
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
	sc.slot, sc.grid, sc.dense, sc.ages, sc.dev = slot, grid, dense, ages, dev
	defer func() { sc.table, sc.bestTable = table, bestTable }()
	if dof < 1 {
		return best
	}
	// With one span whose grid ages rise, bin sp.lo+k is slot k: the sums
	// read the table in order. The gaps between grid ages (all small, in
	// the common case) are the same for every saturating candidate.
	var one span
	var gaps []int8
	var gapsIn uint16 // bit d set: some gap is d
	var gridF []float64
	if ordered && filled == 1 {
		for _, sp := range spans {
			if sp.hi > sp.lo {
				one = sp
			}
		}
		gridF, gaps = grow(sc.gridF, len(grid)), grow(sc.gaps, len(grid))
		sc.gridF, sc.gaps = gridF, gaps
		gridF, gaps = gridF[:len(grid)], gaps[:len(grid)]
		at, small := 0, true
		for k, q := range grid {
			d := q - at
			small = small && uint(d) < 16
			gridF[k], gaps[k], gapsIn, at = float64(q), int8(d), gapsIn|1<<(d&15), q
		}
		if !small {
			gaps = nil
		}
	}
	logRel := [...]float64{0.01, 0.03, 0.1, 0.3, 1}
	satRel := [...]float64{0.15, 0.3, 0.6, 1.2, 2.5}
	// The saturating curves are tabulated together: each is a chain of
	// multiplications, one waiting for the one before, and five chains
	// side by side wait five times less.
	var sat [len(satRel)][]float64
	if one.hi > one.lo && gaps != nil {
		var rPow [len(satRel)][16]float64
		for c, rel := range satRel {
			r := math.Exp(-step / (rel * typical))
			for d := range rPow[c] {
				if gapsIn&(1<<d) != 0 {
					rPow[c][d] = math.Pow(r, float64(d))
				}
			}
		}
		all := grow(sc.sat, len(satRel)*len(grid))
		sc.sat = all
		for c := range sat {
			sat[c] = all[c*len(grid) : (c+1)*len(grid)]
		}
		satTables(&sat, gaps, &rPow)
	}
	bestRSS, bestModel, bestTau := math.Inf(1), Model(""), 0.0
	try := func(model Model, tau float64, tabulated []float64) {
		tb := table
		var sxx, sxy float64
		switch a := step / tau; {
		case one.hi > one.lo && model == Logarithmic && a > 0 && float64(grid[0])*a >= 1e-3 && float64(grid[len(grid)-1])*a <= math.MaxFloat64:
			log1pTableF(tb[:len(grid)], gridF, a)
			sxx, sxy = curveSums(tb[:len(grid)], dev[one.lo:one.hi])
		case tabulated != nil:
			tb = tabulated
			sxx, sxy = curveSums(tb, dev[one.lo:one.hi])
		case one.hi > one.lo:
			fillCurve(tb, grid, ages, step, model, tau)
			sxx, sxy = curveSums(tb[:one.bins()], dev[one.lo:one.hi])
		default:
			fillCurve(tb, grid, ages, step, model, tau)
			for _, sp := range spans {
				if sp.bins() <= 0 {
					continue
				}
				sxx1, sxy1 := curveSumsAt(tb, slot[sp.lo:sp.hi], dev[sp.lo:sp.hi])
				sxx += sxx1
				sxy += sxy1
			}
		}
		if sxx <= 0 {
			return
		}
		if slope := sxy / sxx; slope > 0 {
			if rss := math.Max(syy-slope*sxy, 0); rss < bestRSS {
				bestRSS, bestModel, bestTau = rss, model, tau
				if tabulated != nil {
					copy(bestTable, tabulated)
				} else {
					table, bestTable = bestTable, table
				}
			}
		}
	}
	for _, rel := range logRel {
		try(Logarithmic, rel*typical, nil)
	}
	for c, rel := range satRel {
		try(Saturating, rel*typical, sat[c])
	}
	if bestModel == "" {
		return best
	}
	// Kept with the fit: the curve at every bin of its spans (0 elsewhere),
	// and the intercepts.
	buf = grow(buf, len(x)+len(spans))
	gx, icpt := buf[:len(x)], buf[len(x):] // gx[:cap(gx)] is buf
	clear(gx)
	for _, sp := range spans {
		for i := sp.lo; i < sp.hi; i++ {
			gx[i] = bestTable[slot[i]]
		}
	}
	if p := fitPooledGInto(icpt, gx, y, spans); p.ok && p.slope > 0 {
		best, best.model, best.tau, best.gx = p, bestModel, bestTau, gx
	}
	return best
}

// concaveScratch is fitConcave's working memory, reused across calls.
type concaveScratch struct {
	slot, grid, dense                []int
	gaps                             []int8
	ages, table, bestTable, dev, sat []float64
	gridF                            []float64
}

var concavePool = sync.Pool{New: func() any { return new(concaveScratch) }}

// fillCurve tabulates a logarithmic or saturating curve with time constant
// tau: at the grid ages q·step (q in grid) into table[:len(grid)], and at
// the ages off the grid after them.
func fillCurve(table []float64, grid []int, ages []float64, step float64, model Model, tau float64) {
	onGrid := len(grid)
	if model == Logarithmic {
		a := step / tau
		tb := table[:len(grid)]
		// The grid rises, and so does x = q·a: the ages the table does not
		// take (x below 1e-3, where 1 + x loses digits of x) come first and
		// go to math.Log1p, and the rest need no test when the last is
		// finite.
		from := 0
		for from < len(grid) {
			x := float64(grid[from]) * a
			if x >= 1e-3 && x <= math.MaxFloat64 {
				break
			}
			tb[from] = math.Log1p(x)
			from++
		}
		if rest := grid[from:]; len(rest) > 0 && a > 0 && float64(rest[len(rest)-1])*a <= math.MaxFloat64 {
			log1pTable(tb[from:], rest, a)
		} else {
			for k := from; k < len(grid); k++ {
				x := float64(grid[k]) * a
				if !(x >= 1e-3) || x > math.MaxFloat64 {
					tb[k] = math.Log1p(x)
					continue
				}
				tb[k] = log1pBits(math.Float64bits(1 + x))
			}
		}
		for k, x := range ages {
			table[onGrid+k] = math.Log1p(x / tau)
		}
		return
	}
	// 1 − e^(−q·step/τ) by powers of r = e^(−step/τ), one multiplication
	// per grid point in use (the common gap is one bin, four grid steps;
	// r to the power of each small gap is taken once).
	r := math.Exp(-step / tau)
	var rPow [16]float64
	var have [16]bool
	pow, at := 1.0, 0
	tb := table[:len(grid)]
	for k, q := range grid {
		var rGap float64
		if d := q - at; d >= 0 && d < len(rPow) {
			if !have[d] {
				rPow[d], have[d] = math.Pow(r, float64(d)), true
			}
			rGap = rPow[d]
		} else {
			rGap = math.Pow(r, float64(d))
		}
		pow *= rGap
		at = q
		tb[k] = 1 - pow
	}
	for k, x := range ages {
		table[onGrid+k] = -math.Expm1(-x / tau)
	}
}

// log1pTable sets tb[k] to ln(1 + grid[k]·a) for every k, each x =
// grid[k]·a in [1e-3, MaxFloat64], by the table (see logBits).
func log1pTable(tb []float64, grid []int, a float64) {
	tb = tb[:len(grid)]
	for k, q := range grid {
		tb[k] = log1pBits(math.Float64bits(1 + float64(q)*a))
	}
}

// log1pBits is ln(m·2^e) for the bits b of m·2^e = 1 + x, x in [1e-3,
// MaxFloat64], by the table: see logBits.
func log1pBits(b uint64) float64 {
	j := (b >> (52 - logBits)) & (1<<logBits - 1)
	r := math.Float64frombits(b&(1<<52-1)|1023<<52)*logInv[j] - 1
	r2 := r * r
	return logExp[(b>>52-1023)&1023] + logMid[j] + (r - r2*(1.0/2)) + r2*r*(1.0/3-r*(1.0/4))
}

// log1pTableF is log1pTable for the grid as floats.
func log1pTableF(tb, grid []float64, a float64) {
	tb = tb[:len(grid)]
	for k, q := range grid {
		tb[k] = log1pBits(math.Float64bits(1 + q*a))
	}
}

// satTables tabulates 1 − e^(−q·step/τ) at the grid ages, whose gaps
// are given, for five time constants τ at once, from the powers of
// e^(−step/τ) to each gap.
func satTables(tabs *[5][]float64, gaps []int8, rPow *[5][16]float64) {
	n := len(gaps)
	t0, t1, t2, t3, t4 := tabs[0][:n], tabs[1][:n], tabs[2][:n], tabs[3][:n], tabs[4][:n]
	p0, p1, p2, p3, p4 := 1.0, 1.0, 1.0, 1.0, 1.0
	for k, g := range gaps {
		d := g & 15
		p0 *= rPow[0][d]
		p1 *= rPow[1][d]
		p2 *= rPow[2][d]
		p3 *= rPow[3][d]
		p4 *= rPow[4][d]
		t0[k], t1[k], t2[k], t3[k], t4[k] = 1-p0, 1-p1, 1-p2, 1-p3, 1-p4
	}
}

// curveSums are the centred sums of squares of the curve g over one span
// and of its products with the levels' deviations d from their span mean.
// Two accumulators each, so that the additions of consecutive bins do not
// wait for one another.
func curveSums(g, d []float64) (sxx, sxy float64) {
	d = d[:len(g)]
	var sg, sgg, sxy0, sg1, sgg1, sxy1 float64
	i := 0
	for ; i+1 < len(g); i += 2 {
		a, b := g[i], g[i+1]
		sg += a
		sgg += a * a
		sxy0 += a * d[i]
		sg1 += b
		sgg1 += b * b
		sxy1 += b * d[i+1]
	}
	if i < len(g) {
		a := g[i]
		sg += a
		sgg += a * a
		sxy0 += a * d[i]
	}
	sg, sgg = sg+sg1, sgg+sgg1
	return sgg - sg*sg/float64(len(g)), sxy0 + sxy1
}

// curveSumsAt is curveSums for the curve looked up in table at slots sl.
func curveSumsAt(table []float64, sl []int, d []float64) (sxx, sxy float64) {
	d = d[:len(sl)]
	var sg, sgg, sxy0, sg1, sgg1, sxy1 float64
	i := 0
	for ; i+1 < len(sl); i += 2 {
		a, b := table[sl[i]], table[sl[i+1]]
		sg += a
		sgg += a * a
		sxy0 += a * d[i]
		sg1 += b
		sgg1 += b * b
		sxy1 += b * d[i+1]
	}
	if i < len(sl) {
		a := table[sl[i]]
		sg += a
		sgg += a * a
		sxy0 += a * d[i]
	}
	sg, sgg = sg+sg1, sgg+sgg1
	return sgg - sg*sg/float64(len(sl)), sxy0 + sxy1
}

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

// logExp[e] is e·ln 2, the logarithm of 2^e, for the exponents of 1 + x.
var logExp = func() (le [1024]float64) {
	for e := range le {
		le[e] = float64(e) * math.Ln2
	}
	return le
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
