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
//	SE(t) = √(Level² + (age + Lead)²·Rate²)   bytes
//
// and the band drawn around it, Fit.Bounds, is ±Z·SE: a 95 % band for
// where the fitted curve — the memory's trend, not each sample — runs.
// Level is the error of the level the current lifetime's fit sits at (its
// mean), Rate the error of the rate, Lead how far the forecast's start
// lies past the point the fit pivots on (the lifetime's mean age, in the
// rate's terms). The errors come from the fit's residuals, widened for
// their autocorrelation: memory that wanders holds fewer independent
// points than it has samples (n_eff = n·(1 − r1)/(1 + r1)), and Z is
// Student's t for those.
type Band struct {
	Level float64 `json:"level"` // bytes
	Rate  float64 `json:"rate"`  // bytes per ms
	Lead  float64 `json:"lead"`  // ms
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
	d := (age + b.Lead) * b.Rate
	return math.Sqrt(b.Level*b.Level + d*d)
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

// jumpsShift is how much the slope of p's curve changes when it is fitted
// to raw (the jumps left in) instead of y over the same spans; 0 when the
// two are the same there.
func (p pooled) jumpsShift(x, y, raw []float64, spans []span) float64 {
	same := true
	for _, s := range spans {
		for i := s.lo; i < s.hi && same; i++ {
			same = y[i] == raw[i]
		}
	}
	if same {
		return 0
	}
	gx := p.gx
	if gx == nil {
		gx = make([]float64, len(x))
		for _, s := range spans {
			for i := s.lo; i < s.hi; i++ {
				gx[i] = p.gAt(x, i)
			}
		}
	}
	q := fitPooledGInto(make([]float64, len(spans)), gx, raw, spans)
	if !q.ok {
		return 0
	}
	return q.slope - p.slope
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

// band is the forecast's Band from the pooled fit p of y (the levels,
// jumps taken out) over spans (the spans it was fitted over, indexed as
// its intercepts), for a forecast that starts at the end of fit `from`,
// drawn over the span k of the current lifetime (k < 0: the current
// lifetime took no part, and the forecast's level is one level, not a
// fitted mean). raw are the levels with the jumps left in; scale turns
// levels into bytes.
//
// Jumps taken out are a judgement the residuals cannot see: a rise of
// noise read as a jump takes its share of the trend with it, and a real
// jump may come again. So where the fit had jumps taken out, the rate's
// error includes how far the same curve fitted with the jumps left in
// differs: the band spans both readings.
func (p pooled) band(x, y, raw []float64, spans []span, k int, from Fit, scale float64) (Band, bool) {
	e, ok := p.errors(x, y, spans)
	if !ok {
		return Band{}, false
	}
	if d := p.jumpsShift(x, y, raw, spans); d != 0 {
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
	if k >= 0 && k < len(spans) && spans[k].bins() > 0 && k < len(p.icpt) && !math.IsNaN(p.icpt[k]) {
		s := spans[k]
		var sum float64
		for i := s.lo; i < s.hi; i++ {
			sum += p.gAt(x, i)
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
	b := Band{
		Level: math.Sqrt(level2) * scale,
		Rate:  math.Sqrt(e.slope2) * dg * scale / 3.6e6,
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
	// its SE² is L² + (a0 + Lead + h)²·R², a0 = Start − Origin. An edge
	// meets the limit where (limit − c0 − B·h)² = Z²·SE²: a quadratic in
	// h; the upper edge where limit − c0 − B·h ≥ 0, the lower where ≤ 0.
	a0 := float64(f.Start - f.Origin)
	c := limit - (f.A + f.B*a0)
	zr, zl, d := b.Z*b.Rate, b.Z*b.Level, a0+b.Lead
	if c > math.Sqrt(zl*zl+d*d*zr*zr) { // else the upper edge is at the limit already
		h, ok := edgeCrossing(f.B, c, zr, zl, d, true)
		if !ok {
			return LimitRange{}, false
		}
		r.Soonest = msDuration(h)
	}
	if c <= 0 {
		return r, true // the forecast itself is at the limit
	}
	if h, ok := edgeCrossing(f.B, c, zr, zl, d, false); ok && h <= float64(maxLimitHorizon/time.Millisecond) {
		r.Latest = msDuration(h)
	} else {
		r.Open = true
	}
	return r, true
}

// edgeCrossing solves (c − B·h)² = zl² + (d + h)²·zr² for the smallest h ≥
// 0 with c − B·h ≥ 0 (upper) or ≤ 0 (lower).
func edgeCrossing(B, c, zr, zl, d float64, upper bool) (float64, bool) {
	qa := B*B - zr*zr
	qb := -2 * (c*B + zr*zr*d)
	qc := c*c - zr*zr*d*d - zl*zl
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
// a year" (Open); "" for nil.
func (r *LimitRange) String() string {
	switch {
	case r == nil:
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
