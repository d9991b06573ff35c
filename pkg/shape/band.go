package shape

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/memshape/memory-datasource/pkg/units"
)

// Band is how sure a forecast is: its standard error at t (age = t −
// Origin, ms) is
//
//	SE(t) = √(Level² + (age + Lead)²·Rate² + age²·Drift²)   bytes
//
// and the band drawn around it, Fit.Bounds, is ±Z·SE: a 95 % band for
// where the fitted curve — the memory's trend, not each sample — runs.
// Level is the error of the level the current lifetime's fit sits at (its
// mean), Rate the error of the rate, Lead how far the forecast's start
// lies past the point the fit pivots on (the lifetime's mean age, in the
// rate's terms), and Drift an error of the rate that does not pivot
// there: how far other readings of the data (another time constant of a
// slowing curve) put the rate where the forecast starts. Up is such an
// error above the forecast only: the growth a leak's jumps add beside its
// steady rate, which more jumps would bring and nothing takes back — the
// upper edge spans it (SEUp), the lower edge follows the steady rate. The
// errors come
// from the fit's residuals, widened for
// their autocorrelation: memory that wanders holds fewer independent
// points than it has samples (n_eff = n·(1 − r1)/(1 + r1)), and Z is
// Student's t for those.
type Band struct {
	Level float64 `json:"level"`           // bytes
	Rate  float64 `json:"rate"`            // bytes per ms
	Lead  float64 `json:"lead"`            // ms
	Drift float64 `json:"drift,omitempty"` // bytes per ms
	Up    float64 `json:"up,omitempty"`    // bytes per ms, above only
	Z     float64 `json:"z"`
	// R1 is the lag-1 autocorrelation of the residuals the errors were
	// widened for (0 when they alternate more than chance).
	R1 float64 `json:"r1"`
}

// bandShare is the share of trend lines the band holds: ±Z·SE with Z the
// (1 + bandShare)/2 quantile.
const bandShare = 0.95

// maxR1 bounds the autocorrelation the errors are widened for: at 0.98
// the points count as a hundredth of their number. Above it the residuals
// are a trend the curve missed, not noise, and a band says little more.
const maxR1 = 0.98

// SE is the standard error at age (t − Origin, ms); NaN without a band.
func (b Band) SE(age float64) float64 {
	if !(b.Z > 0) {
		return math.NaN()
	}
	d, e := (age+b.Lead)*b.Rate, age*b.Drift
	return math.Sqrt(b.Level*b.Level + d*d + e*e)
}

// SEUp is the standard error of the upper edge at age: SE with Up.
func (b Band) SEUp(age float64) float64 {
	se, u := b.SE(age), age*b.Up
	return math.Sqrt(se*se + u*u)
}

// drift is the band's error of the rate that does not pivot, for its
// upper edge (with Up) or its lower.
func (b Band) drift(upper bool) float64 {
	if upper {
		return math.Hypot(b.Drift, b.Up)
	}
	return b.Drift
}

// Bounds are the band's edges at t: the fit at t ± Z·SE. ok is false
// where the fit is not drawn (outside [Start, End]) or has no band.
func (f Fit) Bounds(t int64) (lo, hi float64, ok bool) {
	v := f.At(t)
	age := float64(t - f.Origin)
	se, up := f.Band.SE(age), f.Band.SEUp(age)
	if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(up) || math.IsInf(up, 0) {
		return math.NaN(), math.NaN(), false
	}
	return v - f.Band.Z*se, v + f.Band.Z*up, true
}

// SampleBand is Sample for the band's edges: the times Sample gives, with
// the lower and upper bound at each; nothing when the fit has no band.
func (f Fit) SampleBand(grid []int64, lo, hi int64) (ts []int64, lower, upper []float64) {
	if !(f.Band.Z > 0) {
		return nil, nil, nil
	}
	at, _ := f.Sample(grid, lo, hi)
	ts = at[:0]
	lower, upper = make([]float64, 0, len(at)), make([]float64, 0, len(at))
	for _, t := range at {
		if l, h, ok := f.Bounds(t); ok {
			ts = append(ts, t)
			lower = append(lower, l)
			upper = append(upper, h)
		}
	}
	return ts, lower, upper
}

// fitErrors is what the residuals of a pooled fit say of its precision.
type fitErrors struct {
	s2     float64 // residual variance per level, widened
	slope2 float64 // variance of the slope, widened
	z      float64 // the band's quantile of Student's t
	r1     float64 // lag-1 autocorrelation of the residuals (≥ 0)
}

// errors measures the fit's residuals over spans of (x, y): their
// variance, their lag-1 autocorrelation within each span, and from these
// the widened variances and the quantile for the effective points.
func (p pooled) errors(x, y []float64, spans []span) (fitErrors, bool) {
	if !p.ok || p.dof < 1 {
		return fitErrors{}, false
	}
	var ss, lag float64
	used := 0
	for k, s := range spans {
		if k >= len(p.icpt) || math.IsNaN(p.icpt[k]) || s.bins() <= 0 {
			continue
		}
		used++
		prev := math.NaN()
		for i := s.lo; i < s.hi; i++ {
			r := y[i] - p.icpt[k] - p.slope*p.gAt(x, i)
			ss += r * r
			if !math.IsNaN(prev) {
				lag += r * prev
			}
			prev = r
		}
	}
	if ss <= 0 || used == 0 {
		return fitErrors{}, false
	}
	r1 := math.Min(math.Max(lag/ss, 0), maxR1)
	widen := (1 + r1) / (1 - r1)
	dof := float64(p.n)/widen - float64(used+1)
	s2 := ss / float64(p.dof)
	e := fitErrors{s2: s2 * widen, slope2: p.se * p.se * widen, r1: r1}
	e.z = tQuantile(math.Max(dof, 1))
	return e, !math.IsNaN(e.z) && !math.IsInf(e.z, 0)
}

// maxTauShift bounds how far (a factor, either way) a slowing curve's band
// looks from the classifier's time constant: its grid's steps are 2–3×.
const maxTauShift = 4

// tauFit is a slowing curve fitted with one time constant τ = τ₀·e^u: its
// residual sum of squares, and its level and rate (per hour) where the
// forecast starts.
type tauFit struct {
	u, rss, level, rate float64
	ok                  bool
}

// curveAt fills gx over pieces with the curve of the given model and time
// constant at the ages x: ln(1 + age/τ) by the table of log1pBits where it
// holds (x/τ ≥ 1e-3), 1 − e^(−age/τ).
func curveAt(gx, x []float64, pieces []span, model Model, tau float64) {
	for _, s := range pieces {
		for j := s.lo; j < s.hi; j++ {
			a := x[j] / tau
			switch {
			case model == Saturating:
				gx[j] = -math.Expm1(-a)
			case a >= 1e-3 && a <= math.MaxFloat64:
				gx[j] = log1pBits(math.Float64bits(1 + a))
			default:
				gx[j] = math.Log1p(a)
			}
		}
	}
}

// curveBand is a slowing curve's best fit to y over pieces among time
// constants around p's, and how far the level and rate (per hour,
// normalised) at ageEnd of every time constant the data do not reject lie
// from those of the forecast's start `from` (drawn with p's coarse pick).
// A time constant is not rejected when its residual sum of squares is
// within χ²₁(95 %) residual variances (of the best fit, widened for
// autocorrelation) of the best: the residual sum of squares is a parabola
// in ln τ near its least, found by successive parabolas (a handful of
// fits, not a grid), and its curvature gives the interval not rejected;
// the level and rate are taken at its ends. kk is the piece the forecast
// starts from (< 0: none, and no spread).
func (p pooled) curveBand(x, y []float64, pieces []span, kk int, ageEnd float64, from Fit, scale float64) (best pooled, e fitErrors, dl, dr float64, ok bool) {
	if !(p.tau > 0) || scale == 0 {
		return p, fitErrors{}, 0, 0, false
	}
	gx := make([]float64, len(x))
	icpt := make([]float64, len(pieces))
	limit := math.Log(maxTauShift)
	at := func(u float64) tauFit {
		u = math.Max(-limit, math.Min(limit, u))
		tau := p.tau * math.Exp(u)
		curveAt(gx, x, pieces, p.model, tau)
		q := fitPooledGInto(icpt, gx, y, pieces)
		f := tauFit{u: u, rss: q.rss, ok: q.ok && q.slope > 0}
		if !f.ok {
			f.rss = math.Inf(1)
			return f
		}
		if kk >= 0 && !math.IsNaN(q.icpt[kk]) {
			c := pooled{model: p.model, tau: tau}
			f.level = q.icpt[kk] + q.slope*c.g(ageEnd)
			if p.model == Logarithmic {
				f.rate = q.slope / (tau + ageEnd)
			} else {
				f.rate = q.slope * math.Exp(-ageEnd/tau) / tau
			}
		}
		return f
	}
	// Three points a step apart, then parabolas through the best three.
	h := math.Ln2
	pts := []tauFit{at(-h), at(0), at(h)}
	curv := 0.0 // of the residual sum of squares in u: rss ≈ min + curv·(u − u*)²
	for range 6 {
		slices.SortFunc(pts, func(a, b tauFit) int { return cmp.Compare(a.u, b.u) })
		a, b, c := pts[0], pts[1], pts[2]
		// The parabola through the three (unevenly spaced) points.
		d1, d2 := (b.rss-a.rss)/(b.u-a.u), (c.rss-b.rss)/(c.u-b.u)
		curv = (d2 - d1) / (c.u - a.u)
		var next float64
		switch {
		case !(curv > 0) || math.IsInf(a.rss, 0) || math.IsInf(c.rss, 0):
			// No minimum between them: step on downhill.
			if a.rss < c.rss {
				next = a.u - (c.u - a.u)
			} else {
				next = c.u + (c.u - a.u)
			}
		default:
			next = (a.u+b.u)/2 - d1/(2*curv) // the vertex: where its slope d1 + curv·(2u − a − b) is 0
		}
		next = math.Max(-limit, math.Min(limit, next))
		if math.Abs(next-b.u) < 0.01 || next == a.u || next == c.u {
			break
		}
		f := at(next)
		// Keep the best three.
		pts = append(pts, f)
		slices.SortFunc(pts, func(a, b tauFit) int { return cmp.Compare(a.rss, b.rss) })
		pts = pts[:3]
	}
	slices.SortFunc(pts, func(a, b tauFit) int { return cmp.Compare(a.rss, b.rss) })
	bestU := pts[0].u
	if !pts[0].ok {
		return p, fitErrors{}, 0, 0, false
	}
	tau := p.tau * math.Exp(bestU)
	curveAt(gx, x, pieces, p.model, tau)
	best = fitPooledGInto(make([]float64, len(pieces)), gx, y, pieces)
	best.model, best.tau, best.gx = p.model, tau, gx
	if e, ok = best.errors(x, y, pieces); !ok {
		return p, fitErrors{}, 0, 0, false
	}
	if kk < 0 {
		return best, e, 0, 0, true
	}
	// The time constants not rejected: ln τ within √(χ²·s²/curv) of the
	// best, as far as the search goes.
	const chi2 = 3.84 // χ²₁ at 95 %
	width := limit
	if curv > 0 {
		width = math.Min(math.Sqrt(chi2*e.s2/curv), limit)
	}
	level0 := from.At(from.End) / scale
	rate0 := from.slopeAt(from.End) * 3.6e6 / scale
	for _, u := range []float64{bestU, bestU - width, bestU + width} {
		if f := at(u); f.ok {
			dl = math.Max(dl, math.Abs(f.level-level0))
			dr = math.Max(dr, math.Abs(f.rate-rate0))
		}
	}
	// at overwrote gx: the best fit's curve again.
	curveAt(gx, x, pieces, p.model, tau)
	return best, e, dl, dr, true
}

// tQuantile is Student's t (1 + bandShare)/2 quantile for nu degrees of
// freedom: from 16 on by its Cornish–Fisher expansion about the normal
// quantile (within 1e-4 of the exact value there), below from a table of
// gonum's exact values (tTable), interpolated in ln t against ln ν
// (within 0.2 %): the inverse incomplete beta function costs as much as a
// classification.
func tQuantile(nu float64) float64 {
	if nu < 16 {
		tb := tTable()
		nu = math.Max(nu, 1)
		i := sort.Search(len(tb), func(i int) bool { return tb[i].nu > nu }) - 1
		i = max(0, min(i, len(tb)-2))
		a, b := tb[i], tb[i+1]
		w := math.Log(nu/a.nu) / math.Log(b.nu/a.nu)
		return math.Exp(math.Log(a.t) + w*math.Log(b.t/a.t))
	}
	z := zBand
	z2 := z * z
	z3, z5, z7 := z2*z, z2*z2*z, z2*z2*z2*z
	return z + (z3+z)/(4*nu) + (5*z5+16*z3+3*z)/(96*nu*nu) + (3*z7+19*z5+17*z3-15*z)/(384*nu*nu*nu)
}

// tTable is the exact quantile of tQuantile from ν = 1 to 16: a sixteenth
// of a degree apart up to 3, where it falls fastest, a quarter after.
var tTable = sync.OnceValue(func() []struct{ nu, t float64 } {
	var tb []struct{ nu, t float64 }
	for nu := 1.0; nu <= 16; {
		tb = append(tb, struct{ nu, t float64 }{nu, distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile((1 + bandShare) / 2)})
		if nu < 3 {
			nu += 1.0 / 16
		} else {
			nu += 0.25
		}
	}
	return tb
})

// zBand is the normal distribution's (1 + bandShare)/2 quantile.
var zBand = distuv.UnitNormal.Quantile((1 + bandShare) / 2)

// gAt is the fit's curve at bin i of x: x itself for a line, else the
// curve kept with the fit or computed.
func (p pooled) gAt(x []float64, i int) float64 {
	switch {
	case p.gx != nil:
		return p.gx[i]
	case p.model == Linear || p.model == "":
		return x[i]
	}
	return p.g(x[i])
}

// band is the forecast's Band for the pooled fit p (of flat, the levels
// with the jumps taken out, over spans, indexed as its intercepts), for a
// forecast that starts at the end of fit `from`, drawn over the span k of
// the current lifetime (k < 0: the current lifetime took no part, and the
// forecast's level is one level, not a fitted mean). raw are the levels
// with the jumps left in, cuts the bins where each jump's new level
// begins; scale turns levels into bytes.
//
// Jumps taken out are a judgement the residuals of p cannot see: a rise
// of noise read as a jump takes its share of the trend with it. What the
// band makes of them depends on what they are to the forecast:
//
//   - jumpsGrow (a leak's line): the jumps are growth the straight line
//     leaves out — a leak's growth counts them, and more may come. The
//     errors are p's, and the band drifts apart by how far the rate of
//     the line fitted with the jumps left in lies from p's: from where
//     the forecast starts, the band spans both readings.
//   - else (a slowing curve beside bloat's jumps): the jumps are their own
//     shape. The curve is refitted to raw with every span cut at its jumps
//     (each piece its own level: the jumps' sizes fitted with the curve,
//     not measured from a few levels either side).
//
// A slowing curve's time constant was picked from a coarse grid: the band
// is that of the best of a fine one (curveBand), widened to hold the
// forecasts of every time constant the data do not reject — the drawn
// forecast's among them: Level by how far their levels lie from the drawn
// forecast's start, Drift by how far their rates do.
func (p pooled) band(x, flat, raw []float64, spans []span, cuts []int, jumpsGrow bool, k int, from Fit, scale float64) (Band, bool) {
	curve := p.model == Logarithmic || p.model == Saturating
	pieces := make([]span, 0, len(spans)+len(cuts))
	kk := -1 // the piece the forecast starts from: the last of span k
	for i, s := range spans {
		if i >= len(p.icpt) || math.IsNaN(p.icpt[i]) || s.bins() <= 0 {
			pieces = append(pieces, span{s.lo, s.lo}) // took no part
			continue
		}
		lo := s.lo
		for _, c := range cuts {
			if c > lo && c < s.hi && !jumpsGrow {
				pieces = append(pieces, span{lo, c})
				lo = c
			}
		}
		pieces = append(pieces, span{lo, s.hi})
		if i == k {
			kk = len(pieces) - 1
		}
	}
	ageEnd := float64(from.End-from.Origin) / 3.6e6
	var e fitErrors
	var ok bool
	var dl, dr float64 // the time constants' spread: level, rate per hour
	var up float64     // the jumps' rate, above the line's, per hour
	if curve {
		if p, e, dl, dr, ok = p.curveBand(x, raw, pieces, kk, ageEnd, from, scale); !ok {
			return Band{}, false
		}
	} else {
		gx := p.gx
		if gx == nil {
			gx = x
		}
		// The line with the jumps left in; p's own residuals (with the
		// jumps left in they would be the jumps).
		q := fitPooledGInto(make([]float64, len(pieces)), gx, raw, pieces)
		if e, ok = p.errors(x, flat, spans); !ok || !q.ok {
			return Band{}, false
		}
		// The two readings part from here on: the line with the jumps
		// left in is no further from the data where the forecast starts
		// (a least-squares line through the levels, as p is), only its
		// rate differs. So the gap widens the band with the forecast's
		// time (as a curve's time constants do), not with the distance
		// from the levels' middle: a band that starts at the data. The
		// rate with the jumps is the higher (they are growth): the gap
		// widens the upper edge only.
		dr = math.Abs(q.slope - p.slope)
		if jumpsGrow && q.slope > p.slope {
			up, dr = dr, 0
		}
	}
	// The curve's slope (per hour of age) where the forecast starts: the
	// forecast runs on straight at that rate.
	var dg float64 // per hour
	switch p.model {
	case Logarithmic:
		dg = 1 / (p.tau + ageEnd)
	case Saturating:
		dg = math.Exp(-ageEnd/p.tau) / p.tau
	default:
		dg = 1
	}
	level2 := e.s2 // one level, when the lifetime took no part
	lead := 0.0
	at, fitted := spans, p
	if curve {
		at = pieces // p is the curve refitted over the pieces
	} else {
		kk = k
	}
	if kk >= 0 && kk < len(at) && at[kk].bins() > 0 && kk < len(fitted.icpt) && !math.IsNaN(fitted.icpt[kk]) {
		s := at[kk]
		var sum float64
		for i := s.lo; i < s.hi; i++ {
			sum += fitted.gAt(x, i)
		}
		gMean := sum / float64(s.bins())
		level2 = e.s2 / float64(s.bins())
		gEnd := ageEnd
		if curve {
			gEnd = p.g(ageEnd)
		}
		if dg > 0 {
			lead = (gEnd - gMean) / dg // hours
		} else {
			level2 += (gEnd - gMean) * (gEnd - gMean) * e.slope2
		}
	}
	level2 += dl * dl
	b := Band{
		Level: math.Sqrt(level2) * scale,
		Rate:  math.Sqrt(e.slope2) * dg * scale / 3.6e6,
		Lead:  lead * 3.6e6,
		Drift: dr * scale / 3.6e6,
		Up:    up * scale / 3.6e6,
		Z:     e.z,
		R1:    e.r1,
	}
	if sum := b.Level + b.Rate + b.Lead + b.Drift + b.Up; math.IsNaN(sum) || math.IsInf(sum, 0) {
		return Band{}, false
	}
	return b, true
}

// limitRange is when the forecast f meets limit at the band's edges,
// counted from f.Start: Soonest when its upper edge does, Latest when its
// lower edge does (Open when that is beyond maxLimitHorizon, or never).
// ok is false without a band or a rising forecast.
func limitRange(f Fit, limit float64) (r LimitRange, ok bool) {
	b := f.Band
	if !(b.Z > 0) || f.Model != Forecast || !(f.B > 0) || !(limit > 0) {
		return LimitRange{}, false
	}
	// The forecast at h ms past Start is c0 + B·h with c0 = A + B·a0, and
	// its SE² is L² + (a0 + Lead + h)²·R² + (a0 + h)²·D², a0 = Start −
	// Origin (the upper edge's D² with Up²). An edge meets the limit
	// where (limit − c0 − B·h)² = Z²·SE²: a quadratic in h; the upper edge
	// where limit − c0 − B·h ≥ 0, the lower where ≤ 0.
	a0 := float64(f.Start - f.Origin)
	c := limit - (f.A + f.B*a0)
	at := func(upper bool) edge {
		return edge{B: f.B, c: c, zr: b.Z * b.Rate, zd: b.Z * b.drift(upper), zl: b.Z * b.Level, d: a0 + b.Lead, a0: a0}
	}
	if c > b.Z*b.SEUp(a0) { // else the upper edge is at the limit already
		h, ok := at(true).crossing(true)
		if !ok {
			return LimitRange{}, false
		}
		r.Soonest = msDuration(h)
	}
	if c <= 0 {
		return r, true // the forecast itself is at the limit
	}
	if h, ok := at(false).crossing(false); ok && h <= float64(maxLimitHorizon/time.Millisecond) {
		r.Latest = msDuration(h)
	} else {
		r.Open = true
	}
	return r, true
}

// edge is where a band's edge meets a level c above the forecast's start:
// (c − B·h)² = zl² + (d + h)²·zr² + (a0 + h)²·zd².
type edge struct{ B, c, zr, zd, zl, d, a0 float64 }

// crossing is the smallest h ≥ 0 that solves it with c − B·h ≥ 0 (the
// upper edge) or ≤ 0 (the lower).
func (e edge) crossing(upper bool) (float64, bool) {
	B, c, zr, zd, zl, d, a0 := e.B, e.c, e.zr, e.zd, e.zl, e.d, e.a0
	qa := B*B - zr*zr - zd*zd
	qb := -2 * (c*B + zr*zr*d + zd*zd*a0)
	qc := c*c - zr*zr*d*d - zd*zd*a0*a0 - zl*zl
	var roots []float64
	if math.Abs(qa) < 1e-12*B*B {
		if qb != 0 {
			roots = append(roots, -qc/qb)
		}
	} else if disc := qb*qb - 4*qa*qc; disc >= 0 {
		sq := math.Sqrt(disc)
		roots = append(roots, (-qb-sq)/(2*qa), (-qb+sq)/(2*qa))
	}
	best, ok := math.Inf(1), false
	for _, h := range roots {
		if h < 0 || math.IsNaN(h) {
			continue
		}
		gap := c - B*h
		if upper && gap < -1e-9*math.Abs(c) || !upper && gap > 1e-9*math.Abs(c) {
			continue
		}
		if h < best {
			best, ok = h, true
		}
	}
	return best, ok
}

func msDuration(ms float64) time.Duration {
	return time.Duration(math.Round(ms)) * time.Millisecond
}

// LimitRange is when the limit is reached at the edges of the forecast's
// band: Soonest where its upper edge meets the limit, Latest where its
// lower edge does — unless Open: the lower edge does not reach the limit
// within a year (the growth may be slower than the band's width allows
// telling from none).
type LimitRange struct {
	Soonest time.Duration `json:"soonest"`
	Latest  time.Duration `json:"latest,omitempty"`
	Open    bool          `json:"open,omitempty"`
}

// String is the range as the words give it after a time to limit:
// "24–45 h", "up to 3 h" (the band reaches the limit now), "24 h to over
// a year" (Open); "" for nil, and when both ends read the same (the time
// to limit says it all).
func (r *LimitRange) String() string {
	switch {
	case r == nil:
		return ""
	case !r.Open && units.FormatDuration(r.Soonest) == units.FormatDuration(r.Latest):
		return ""
	case r.Open && r.Soonest <= 0:
		return "now to over a year"
	case r.Open:
		return units.FormatDuration(r.Soonest) + " to over a year"
	case r.Soonest <= 0:
		return "up to " + units.FormatDuration(r.Latest)
	}
	return units.FormatDurationRange(r.Soonest, r.Latest)
}

// paren is String in brackets after a space, "" for nil.
func (r *LimitRange) paren() string {
	if s := r.String(); s != "" {
		return " (" + s + ")"
	}
	return ""
}
