package shape

import (
	"math"
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
// slowing curve) put the rate where the forecast starts. The errors come
// from the fit's residuals, widened for
// their autocorrelation: memory that wanders holds fewer independent
// points than it has samples (n_eff = n·(1 − r1)/(1 + r1)), and Z is
// Student's t for those.
type Band struct {
	Level float64 `json:"level"`           // bytes
	Rate  float64 `json:"rate"`            // bytes per ms
	Lead  float64 `json:"lead"`            // ms
	Drift float64 `json:"drift,omitempty"` // bytes per ms
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

// Bounds are the band's edges at t: the fit at t ± Z·SE. ok is false
// where the fit is not drawn (outside [Start, End]) or has no band.
func (f Fit) Bounds(t int64) (lo, hi float64, ok bool) {
	v := f.At(t)
	se := f.Band.SE(float64(t - f.Origin))
	if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(se) || math.IsInf(se, 0) {
		return math.NaN(), math.NaN(), false
	}
	return v - f.Band.Z*se, v + f.Band.Z*se, true
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
	e.z = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: math.Max(dof, 1)}.Quantile((1 + bandShare) / 2)
	return e, !math.IsNaN(e.z) && !math.IsInf(e.z, 0)
}

// tauCandidates are the time constants tried around p's: 41 from a
// quarter to four times it, evenly on a log scale.
func (p pooled) tauCandidates() []float64 {
	const steps = 41
	out := make([]float64, steps)
	for i := range out {
		out[i] = p.tau * math.Pow(16, float64(i)/(steps-1)-0.5)
	}
	return out
}

// refineTau is p refitted to y over spans with the time constant of
// tauCandidates that leaves the least residual sum of squares; p itself
// when none fits better.
func (p pooled) refineTau(x, y []float64, spans []span) pooled {
	if !(p.tau > 0) {
		return p
	}
	best := p
	for _, tau := range p.tauCandidates() {
		c := pooled{model: p.model, tau: tau}
		gx := make([]float64, len(x))
		for _, s := range spans {
			for j := s.lo; j < s.hi; j++ {
				gx[j] = c.g(x[j])
			}
		}
		q := fitPooledGInto(make([]float64, len(spans)), gx, y, spans)
		if q.ok && q.slope > 0 && q.rss < best.rss {
			q.model, q.tau, q.gx = p.model, tau, gx
			best = q
		}
	}
	return best
}

// tauSpread is how far the level and rate (per hour) at ageEnd of the
// curve fitted with any time constant the data do not reject lie from
// those of the forecast's start `from` (normalised levels). A time
// constant is not rejected when its residual sum of squares is within
// χ²₁(95 %) residual variances (s2, widened) of the best of
// tauCandidates. The curve is fitted to y over pieces;
// kk is the piece the forecast starts from (< 0: none, no spread).
func (p pooled) tauSpread(x, y []float64, pieces []span, kk int, ageEnd float64, from Fit, scale, s2 float64) (dl, dr float64) {
	if kk < 0 || !(p.tau > 0) || !(s2 > 0) || scale == 0 {
		return 0, 0
	}
	level0 := from.At(from.End) / scale
	rate0 := from.slopeAt(from.End) * 3.6e6 / scale
	type cand struct{ rss, level, rate float64 }
	taus := p.tauCandidates()
	cands := make([]cand, 0, len(taus))
	gx := make([]float64, len(x))
	best := math.Inf(1)
	for _, tau := range taus {
		c := pooled{model: p.model, tau: tau}
		for _, s := range pieces {
			for j := s.lo; j < s.hi; j++ {
				gx[j] = c.g(x[j])
			}
		}
		q := fitPooledGInto(make([]float64, len(pieces)), gx, y, pieces)
		if !q.ok || math.IsNaN(q.icpt[kk]) {
			continue
		}
		c.slope = q.slope
		var dg float64
		if p.model == Logarithmic {
			dg = 1 / (c.tau + ageEnd)
		} else {
			dg = math.Exp(-ageEnd/c.tau) / c.tau
		}
		cands = append(cands, cand{q.rss, q.icpt[kk] + q.slope*c.g(ageEnd), q.slope * dg})
		best = math.Min(best, q.rss)
	}
	const chi2 = 3.84 // χ²₁ at 95 %
	for _, c := range cands {
		if c.rss <= best+chi2*s2 {
			dl = math.Max(dl, math.Abs(c.level-level0))
			dr = math.Max(dr, math.Abs(c.rate-rate0))
		}
	}
	return dl, dr
}

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
//     rate's error includes how far the line fitted with the jumps left
//     in lies from p's: the band spans both readings.
//   - else (a slowing curve beside bloat's jumps): the jumps are their own
//     shape. The errors are those of the same curve fitted to raw with
//     every span cut at its jumps (each piece its own level: the jumps'
//     sizes fitted with the curve, not measured from a few levels either
//     side), and the rate's error includes how far that fit's rate lies
//     from p's.
//
// A slowing curve's time constant was picked from a coarse grid: the band
// is that of the curve refitted with the best time constant of a fine one
// (refineTau), widened to hold the forecasts of every time constant the
// data do not reject (tauSpread) — the drawn forecast's among them.
func (p pooled) band(x, flat, raw []float64, spans []span, cuts []int, jumpsGrow bool, k int, from Fit, scale float64) (Band, bool) {
	if p.model == Logarithmic || p.model == Saturating {
		p = p.refineTau(x, flat, spans)
	}
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
	gx := p.gx
	if gx == nil {
		gx = make([]float64, len(x))
		for _, s := range pieces {
			for i := s.lo; i < s.hi; i++ {
				gx[i] = p.gAt(x, i)
			}
		}
	}
	q := fitPooledGInto(make([]float64, len(pieces)), gx, raw, pieces)
	q.model, q.tau, q.gx = p.model, p.tau, gx
	var e fitErrors
	var ok bool
	if jumpsGrow {
		// p's own residuals: with the jumps left in, they would be the
		// jumps.
		e, ok = p.errors(x, flat, spans)
		q.icpt = p.icpt
	} else {
		e, ok = q.errors(x, raw, pieces)
	}
	if !ok || !q.ok {
		return Band{}, false
	}
	if d := q.slope - p.slope; d != 0 {
		e.slope2 += d * d
	}
	// The curve's slope (per hour of age) where the forecast starts: the
	// forecast runs on straight at that rate.
	ageEnd := float64(from.End-from.Origin) / 3.6e6
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
	if kk >= 0 && pieces[kk].bins() > 0 && !math.IsNaN(q.icpt[kk]) {
		s := pieces[kk]
		var sum float64
		for i := s.lo; i < s.hi; i++ {
			sum += gx[i]
		}
		gMean := sum / float64(s.bins())
		level2 = e.s2 / float64(s.bins())
		gEnd := ageEnd
		if p.model != Linear {
			gEnd = p.g(ageEnd)
		}
		if dg > 0 {
			lead = (gEnd - gMean) / dg // hours
		} else {
			level2 += (gEnd - gMean) * (gEnd - gMean) * e.slope2
		}
	}
	rate2 := e.slope2 * dg * dg // per hour, squared
	drift := 0.0                // per hour
	if p.model == Logarithmic || p.model == Saturating {
		// The time constant was picked from a coarse grid, and the data
		// pin it down only so far: the band holds the forecasts of every
		// time constant the data do not reject.
		dl, dr := p.tauSpread(x, raw, pieces, kk, ageEnd, from, scale, e.s2)
		level2 += dl * dl
		drift = dr
	}
	b := Band{
		Level: math.Sqrt(level2) * scale,
		Rate:  math.Sqrt(rate2) * scale / 3.6e6,
		Drift: drift * scale / 3.6e6,
		Lead:  lead * 3.6e6,
		Z:     e.z,
		R1:    e.r1,
	}
	if math.IsNaN(b.Level+b.Rate+b.Lead) || math.IsInf(b.Level+b.Rate+b.Lead, 0) {
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
	// Origin. An edge meets the limit where (limit − c0 − B·h)² = Z²·SE²:
	// a quadratic in h; the upper edge where limit − c0 − B·h ≥ 0, the
	// lower where ≤ 0.
	a0 := float64(f.Start - f.Origin)
	c := limit - (f.A + f.B*a0)
	e := edge{B: f.B, c: c, zr: b.Z * b.Rate, zd: b.Z * b.Drift, zl: b.Z * b.Level, d: a0 + b.Lead, a0: a0}
	if c > b.Z*b.SE(a0) { // else the upper edge is at the limit already
		h, ok := e.crossing(true)
		if !ok {
			return LimitRange{}, false
		}
		r.Soonest = msDuration(h)
	}
	if c <= 0 {
		return r, true // the forecast itself is at the limit
	}
	if h, ok := e.crossing(false); ok && h <= float64(maxLimitHorizon/time.Millisecond) {
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
