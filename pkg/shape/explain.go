package shape

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/units"
)

// lifetimes reports each lifetime with its warm-up and levels in bytes.
func (a *analysis) lifetimes() []Lifetime {
	out := make([]Lifetime, 0, len(a.segs))
	for k, s := range a.segs {
		l := Lifetime{Start: a.t[s.lo], End: a.t[s.hi-1], WarmupEnd: a.t[s.lo]}
		st := a.steady[k]
		if st.b > st.a {
			if st.a > a.life[k].a { // there was a warm-up
				l.WarmupEnd = int64(a.b.at[st.a])
			}
			l.From = a.b.y[st.a] * a.scale
			l.To = a.b.y[st.b-1] * a.scale
		}
		out = append(out, l)
	}
	return out
}

// verdictJumps reports the jumps in bytes and milliseconds.
func (a *analysis) verdictJumps() []Jump {
	out := make([]Jump, 0, len(a.jumps))
	for _, j := range a.jumps {
		out = append(out, Jump{
			Start: int64(a.b.at[j.i]), End: int64(a.b.at[j.j]),
			From: j.from * a.scale, To: j.peak * a.scale,
			Size: (j.peak - j.from) * a.scale, Freed: j.freed * a.scale,
		})
	}
	return out
}

// curveFits converts a pooled fit to Fits in bytes and ms: one per
// lifetime, cut at each jump and lifted by the jumps before it (the curve
// was fitted with the jumps taken out).
func (a *analysis) curveFits(p pooled) []Fit {
	var out []Fit
	k := 0
	for li, s := range a.steady {
		if s.b-s.a < 3 {
			continue
		}
		if k >= len(p.a) || math.IsNaN(p.a[k]) {
			k++
			continue
		}
		base := Fit{Model: p.model, Origin: a.t[a.segs[li].lo]}
		switch p.model {
		case Linear:
			base.B = p.b * a.scale / 3.6e6
		default:
			base.B = p.b * a.scale
			base.Tau = p.tau * 3.6e6
		}
		from, lift := s.a, 0.0
		emit := func(to int) {
			if to <= from {
				return
			}
			f := base
			f.Start, f.End = int64(a.b.at[from]), int64(a.b.at[to-1])
			f.A = (p.a[k] + lift) * a.scale
			out = append(out, f)
		}
		for _, j := range a.jumps {
			if j.j <= s.a || j.j >= s.b {
				continue
			}
			emit(j.j)
			from, lift = j.j, lift+j.size
		}
		emit(s.b)
		k++
	}
	return out
}

// stepFits draws the bloat envelope: the level before the first jump, then
// the level each jump leaves behind.
func (a *analysis) stepFits() []Fit {
	var out []Fit
	for _, s := range a.steady {
		var knots []Knot
		for _, j := range a.jumps {
			if j.i < s.a || j.j >= s.b {
				continue
			}
			if len(knots) == 0 {
				knots = append(knots, Knot{T: int64(a.b.at[s.a]), V: a.levelNear(s.a, s) * a.scale})
			}
			knots = append(knots, Knot{T: int64(a.b.at[j.j]), V: a.levelNear(j.j+1, s) * a.scale})
		}
		if len(knots) > 0 {
			out = append(out, Fit{Model: Steps, Start: int64(a.b.at[s.a]), End: int64(a.b.at[s.b-1]), Origin: int64(a.b.at[s.a]), Knots: knots})
		}
	}
	return out
}

// At evaluates the fit at t (Unix ms); age is t − Origin in ms.
//
//   - Linear, Forecast: A + B·age
//   - Logarithmic: A + B·ln(1 + age/Tau)
//   - Saturating: A + B·(1 − exp(−age/Tau))
//   - Steps: the V of the last knot at or before t (knots in any order);
//     before the first knot, A
//
// It returns NaN outside [Start, End], for an unknown model, and for a
// logarithmic or saturating fit without a positive Tau.
func (f Fit) At(t int64) float64 {
	if t < f.Start || t > f.End {
		return math.NaN()
	}
	age := float64(t - f.Origin)
	switch f.Model {
	case Linear, Forecast:
		return f.A + f.B*age
	case Logarithmic:
		if !(f.Tau > 0) || age/f.Tau <= -1 {
			return math.NaN()
		}
		return f.A + f.B*math.Log1p(age/f.Tau)
	case Saturating:
		if !(f.Tau > 0) {
			return math.NaN()
		}
		return f.A + f.B*(-math.Expm1(-age/f.Tau))
	case Steps:
		v, at, found := f.A, int64(0), false
		for _, k := range f.Knots {
			if k.T <= t && (!found || k.T >= at) {
				v, at, found = k.V, k.T, true
			}
		}
		return v
	}
	return math.NaN()
}

// slopeAt is the fit's rate in bytes per ms at time t.
func (f Fit) slopeAt(t int64) float64 {
	age := float64(t - f.Origin)
	switch f.Model {
	case Linear, Forecast:
		return f.B
	case Logarithmic:
		return f.B / (f.Tau + age)
	case Saturating:
		return f.B / f.Tau * math.Exp(-age/f.Tau)
	}
	return 0
}

// explain adds the fits to draw, the time to the limit, and the sentence.
func (a *analysis) explain(v Verdict) Verdict {
	var main []Fit
	switch v.Shape {
	case Leak:
		main = a.curveFits(a.lin)
	case Fragmentation, Bloat:
		if a.jumps != nil {
			v.Fits = append(v.Fits, a.stepFits()...)
		}
		if v.Shape == Fragmentation || contains(v.Components, Fragmentation) {
			main = a.curveFits(a.conc)
		}
	case Inconclusive:
		if a.lin.ok && a.lin.b > 0 {
			main = a.curveFits(a.lin)
		}
	}
	v.Fits = append(v.Fits, main...)

	// The forecast runs from the end of the last lifetime's curve.
	end := a.t[len(a.t)-1]
	level := a.b.y[len(a.b.y)-1] * a.scale
	rate := 0.0
	if len(main) > 0 {
		last := main[len(main)-1]
		level, rate = last.At(last.End), last.slopeAt(last.End)
		end = last.End
		if v.Shape == Fragmentation || v.Shape == Bloat && contains(v.Components, Fragmentation) {
			v.HasTimeToLimit, v.TimeToLimit = curveToLimit(last, a.opt.LimitBytes)
		}
	}
	if a.opt.LimitBytes > 0 && level >= a.opt.LimitBytes {
		v.HasTimeToLimit, v.TimeToLimit = true, 0
	} else if v.Shape == Leak && a.opt.LimitBytes > 0 && rate > 0 {
		v.HasTimeToLimit = true
		v.TimeToLimit = time.Duration((a.opt.LimitBytes - level) / rate * float64(time.Millisecond))
	}
	a.restartsFirst(&v)
	if (v.Shape == Leak || v.Shape == Fragmentation) && rate > 0 {
		horizon := float64(a.t[len(a.t)-1]-a.t[0]) / 4
		if v.HasTimeToLimit {
			horizon = math.Min(math.Max(horizon, float64(v.TimeToLimit/time.Millisecond)), 4*horizon)
		}
		v.Fits = append(v.Fits, Fit{Model: Forecast, Start: end, End: end + int64(horizon), Origin: end, A: level, B: rate})
	}
	v.Explanation = a.sentence(v)
	if v.Misfit {
		v.Explanation = strings.TrimSuffix(v.Explanation, ".") + "; the fitted curve misses the data in long stretches, so this is less certain."
	}
	return v
}

// restartsFirst judges the time to limit against the restarts: it runs from
// the current lifetime's level, and when the process typically restarts
// before its growth would reach the limit, the restarts reset the level
// first and the limit is not reached at this pace. Lifetimes that end near
// the limit are the limit's own doing (OOM kills): then the time to limit
// stands.
func (a *analysis) restartsFirst(v *Verdict) {
	n := len(v.Lifetimes)
	if v.Restarts == 0 || n < 3 {
		return
	}
	whole := v.Lifetimes[1 : n-1] // the first began before the window, the last still runs
	spans := make([]float64, 0, len(whole))
	ends := make([]float64, 0, len(whole))
	for _, l := range whole {
		spans = append(spans, float64(l.End-l.Start))
		ends = append(ends, l.To)
	}
	typical := median(spans)
	v.TypicalLifetime = time.Duration(typical) * time.Millisecond
	if !v.HasTimeToLimit || v.TimeToLimit <= 0 {
		return
	}
	if limit := a.opt.LimitBytes; limit > 0 && median(ends) >= oomShare*limit {
		a.oomRestarts = true
		return
	}
	cur := v.Lifetimes[n-1]
	if float64(cur.End-cur.Start)+float64(v.TimeToLimit/time.Millisecond) > typical {
		v.RestartsResetFirst = true
		v.HasTimeToLimit, v.TimeToLimit = false, 0
	}
}

// oomShare: lifetimes whose level ends at this share of the limit or above
// end at the limit (OOM kills).
const oomShare = 0.9

// curveToLimit solves a decelerating curve for the limit.
func curveToLimit(f Fit, limit float64) (bool, time.Duration) {
	if limit <= 0 || f.B <= 0 || f.Tau <= 0 {
		return false, 0
	}
	now := float64(f.End - f.Origin)
	var age float64
	switch f.Model {
	case Logarithmic:
		age = f.Tau * math.Expm1((limit-f.A)/f.B)
	case Saturating:
		if limit >= f.A+f.B {
			return false, 0 // the ceiling is below the limit
		}
		age = -f.Tau * math.Log1p(-(limit-f.A)/f.B)
	default:
		return false, 0
	}
	if math.IsNaN(age) || math.IsInf(age, 0) || age-now > float64(365*24*time.Hour/time.Millisecond) {
		return false, 0
	}
	return true, time.Duration(math.Max(age-now, 0) * float64(time.Millisecond))
}

func contains(s []Shape, x Shape) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// sentence is the one line to read out on an incident call.
func (a *analysis) sentence(v Verdict) string {
	var b strings.Builder
	across := ""
	if v.Restarts > 0 {
		across = fmt.Sprintf(" across %d restarts", v.Restarts)
	}
	limit := ""
	if a.opt.LimitBytes > 0 {
		switch {
		case v.HasTimeToLimit && v.TimeToLimit == 0:
			limit = fmt.Sprintf("; already at the %s limit", bytesText(a.opt.LimitBytes))
		case v.HasTimeToLimit && a.oomRestarts:
			limit = fmt.Sprintf("; reaches the %s limit in ~%s — each lifetime ends near it, so the restarts look like OOM kills", bytesText(a.opt.LimitBytes), human(v.TimeToLimit))
		case v.HasTimeToLimit:
			limit = fmt.Sprintf("; reaches the %s limit in ~%s", bytesText(a.opt.LimitBytes), human(v.TimeToLimit))
		case v.RestartsResetFirst:
			limit = fmt.Sprintf("; restarts every ~%s reset it before the %s limit", human(v.TypicalLifetime), bytesText(a.opt.LimitBytes))
		case v.Shape == Fragmentation:
			limit = fmt.Sprintf("; stays below the %s limit for at least a year at this pace", bytesText(a.opt.LimitBytes))
		}
	}
	switch v.Shape {
	case Leak:
		fmt.Fprintf(&b, "Leak: %s steady for %s%s, no sign of slowing%s", rateText(v.GrowthBytesPerHour), hoursText(a.evidenceHours), across, limit)
		if a.underADay() {
			b.WriteString(" (under a day of data: a daily load cycle can look like this — confirm over 24 h)")
		}
		b.WriteString(".")
	case Fragmentation:
		fmt.Fprintf(&b, "Fragmentation: growth slowed from %s to %s over %s%s, %s",
			rateText(a.early.b*a.scale), rateText(a.late.b*a.scale), hoursText(a.evidenceHours), across, curveText(v.Fits))
		if contains(v.Components, Bloat) {
			fmt.Fprintf(&b, ", plus %s", jumpsText(v.Jumps))
		}
		fmt.Fprintf(&b, "; not a leak%s.", limit)
	case Bloat:
		fmt.Fprintf(&b, "Bloat: %s; the new level persists at %s", jumpsText(v.Jumps), bytesText(a.b.y[len(a.b.y)-1]*a.scale))
		switch {
		case contains(v.Components, Fragmentation):
			fmt.Fprintf(&b, ", and growth between jumps slows down (fragmentation) — together they look linear, but this is not a leak%s.", limit)
		case a.residRise > 0 && a.lin.b > 0 && a.residRise >= a.opt.Sensitivity.thresholds().minRise:
			fmt.Fprintf(&b, "; between jumps memory still grows %s — watch whether that slows down (fragmentation) or holds (leak)%s.", rateText(a.lin.b*a.scale), limit)
		default:
			fmt.Fprintf(&b, ", flat between jumps%s.", limit)
		}
	case Healthy:
		warm := ""
		if a.warmupHours > 0 {
			warm = fmt.Sprintf(" after a %s warm-up", human(hoursDur(a.warmupHours)))
		}
		lo, hi := a.steadyRange()
		fmt.Fprintf(&b, "Healthy: no lasting growth%s (%s–%s over %s%s).", warm, bytesText(lo), bytesText(hi), human(time.Duration(a.t[len(a.t)-1]-a.t[0])*time.Millisecond), across)
	case Inconclusive:
		fmt.Fprintf(&b, "Inconclusive: %s", v.Reason)
		if v.WatchFor > 0 {
			fmt.Fprintf(&b, "; watch ~%s more", human(v.WatchFor))
		}
		b.WriteString(".")
	}
	return b.String()
}

// steadyRange is the 5th and 95th percentile of the steady bin levels.
func (a *analysis) steadyRange() (float64, float64) {
	var ys []float64
	for _, s := range a.steady {
		ys = append(ys, a.b.y[s.a:s.b]...)
	}
	if len(ys) == 0 {
		ys = a.b.y
	}
	sorted := sorted(sampleInto(make([]float64, 0, len(ys)), len(ys), func(i int) float64 { return ys[i] }))
	return quantile(sorted, 0.05) * a.scale, quantile(sorted, 0.95) * a.scale
}

func jumpsText(js []Jump) string {
	if len(js) == 0 {
		return "no single jump"
	}
	parts := make([]string, 0, 4)
	var freed, size float64
	for i, j := range js {
		if i < 4 {
			parts = append(parts, "+"+bytesText(j.Size))
		}
		freed += j.Freed
		size += j.Size
	}
	if len(js) > 4 {
		parts = append(parts, "…")
	}
	word := "jumps"
	if len(js) == 1 {
		word = "jump"
	}
	return fmt.Sprintf("%d %s (%s), %.0f%% freed after", len(js), word, strings.Join(parts, ", "), 100*freed/math.Max(size, 1e-300))
}

// bytesText prints bytes with IEC units: 812 MiB, 1.9 GiB.
func bytesText(x float64) string { return units.FormatBytesIEC(x) }

// rateText prints a growth rate: +38 MiB/h.
func rateText(perHour float64) string {
	if perHour >= 0 {
		return "+" + bytesText(perHour) + "/h"
	}
	return bytesText(perHour) + "/h"
}

func hoursText(h float64) string { return human(hoursDur(h)) }

// human prints a duration the way people say it: 45 min, 9 h, 2.5 days.
func human(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	case d < 48*time.Hour:
		h := d.Hours()
		if h < 10 {
			return strings.TrimSuffix(fmt.Sprintf("%.1f", h), ".0") + " h"
		}
		return fmt.Sprintf("%.0f h", h)
	default:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Hours()/24), ".0") + " days"
	}
}

// underADay reports a single lifetime seen for less than a day, where a
// daily load cycle cannot be ruled out.
func (a *analysis) underADay() bool {
	return len(a.segs) == 1 && a.t[len(a.t)-1]-a.t[0] < dayMs
}

// levelNear is the mean level of the three bins from i on, within s.
func (a *analysis) levelNear(i int, s span) float64 {
	lo := min(max(i, s.a), s.b-1)
	hi := min(lo+3, s.b)
	var sum float64
	for q := lo; q < hi; q++ {
		sum += a.b.y[q]
	}
	return sum / float64(hi-lo)
}

// curveText says where a decelerating curve is going: a saturating curve
// toward its ceiling, a logarithmic one ever slower without one.
func curveText(fits []Fit) string {
	for i := len(fits) - 1; i >= 0; i-- {
		switch f := fits[i]; f.Model {
		case Saturating:
			return fmt.Sprintf("levelling off toward ~%s (saturating)", bytesText(f.A+f.B))
		case Logarithmic:
			return "growing ever slower (logarithmic)"
		}
	}
	return "growing ever slower"
}
