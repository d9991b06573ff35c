package shape

import "math"

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
	tau   float64 // hours, for logarithmic and saturating
}

// r2 is the share of within-lifetime variation the curve explains.
func (p pooled) r2() float64 {
	if p.tss <= 0 {
		return 0
	}
	return 1 - p.rss/p.tss
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
	gm := make([]float64, len(spans))
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
	// Lifetimes share their ages bin for bin, so each curve is tabulated
	// once on a grid of a quarter of a bin and looked up: the transcendental
	// functions then cost per bin of a lifetime, not per bin of the series.
	// (A quarter of a bin moves a point's age by less than the bins' own
	// spread.)
	step := unit / 4
	idx := make([]int, len(x))
	maxIdx := 0
	for _, s := range spans {
		for i := s.lo; i < s.hi; i++ {
			idx[i] = -1
			if step > 0 {
				if q := math.Round(x[i] / step); q >= 0 && q < 4*maxBinsPerLifetime {
					idx[i] = int(q)
					maxIdx = max(maxIdx, int(q))
				}
			}
		}
	}
	// The grid points in use, in order: each curve is computed there only.
	table := make([]float64, maxIdx+1)
	inUse := make([]bool, maxIdx+1)
	for _, s := range spans {
		for i := s.lo; i < s.hi; i++ {
			if q := idx[i]; q >= 0 {
				inUse[q] = true
			}
		}
	}
	used := make([]int, 0, maxIdx+1)
	for q, u := range inUse {
		if u {
			used = append(used, q)
		}
	}
	// Each candidate is judged by its residual sum of squares from sums
	// over the spans (the levels' deviations from their span means taken
	// once); only the best is fitted in full.
	dev := make([]float64, len(y))
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
	if dof < 1 {
		return best
	}
	gx := make([]float64, len(x))
	fill := func(model Model, tau float64) {
		if model == Logarithmic {
			for _, q := range used {
				table[q] = log1p(float64(q) * step / tau)
			}
		} else {
			// 1 − e^(−q·step/τ) by powers of r = e^(−step/τ), one
			// multiplication per grid point in use (the common gap is
			// one bin, four grid steps).
			r := math.Exp(-step / tau)
			gap, rGap := -1, 1.0
			pow, at := 1.0, 0
			for _, q := range used {
				if d := q - at; d != gap {
					gap, rGap = d, math.Pow(r, float64(d))
				}
				pow *= rGap
				at = q
				table[q] = 1 - pow
			}
		}
		for _, sp := range spans {
			for i := sp.lo; i < sp.hi; i++ {
				if q := idx[i]; q >= 0 {
					gx[i] = table[q]
				} else if model == Logarithmic {
					gx[i] = math.Log1p(x[i] / tau)
				} else {
					gx[i] = -math.Expm1(-x[i] / tau)
				}
			}
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
			var sg, sgg float64
			for i := sp.lo; i < sp.hi; i++ {
				g := gx[i]
				sg += g
				sgg += g * g
				sxy += g * dev[i]
			}
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
	if p := fitPooledG(gx, y, spans); p.ok && p.slope > 0 {
		best, best.model, best.tau = p, bestModel, bestTau
	}
	return best
}

// log1p is ln(1 + x): math.Log of 1 + x where that loses nothing that
// matters (x ≥ 1e-3: at most 2e-13 relative), which costs a third of
// math.Log1p; math.Log1p below.
func log1p(x float64) float64 {
	if x >= 1e-3 {
		return math.Log(1 + x)
	}
	return math.Log1p(x)
}

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
			r := y[i] - p.icpt[k] - p.slope*p.g(x[i])
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
