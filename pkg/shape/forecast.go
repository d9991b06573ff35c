package shape

import (
	"math"
	"time"
)

// lifetimeReport gives each lifetime with its warm-up and levels in bytes.
func (ev *evidence) lifetimeReport() []Lifetime {
	lv, t, scale := &ev.lv, ev.t, ev.life.scale
	out := make([]Lifetime, 0, len(ev.life.segs))
	for k, s := range ev.life.segs {
		l := Lifetime{Start: t[s.lo], End: t[s.hi-1], WarmupEnd: t[s.lo], Series: ev.life.member[k], Running: ev.life.running[k]}
		st := ev.steady.spans[k]
		if st.hi > st.lo {
			if st.lo > lv.life[k].lo { // there was a warm-up
				l.WarmupEnd = int64(lv.at[st.lo])
			}
			l.From = lv.y[st.lo] * scale
			l.To = lv.y[st.hi-1] * scale
		}
		out = append(out, l)
	}
	return out
}

// jumpReport gives the jumps in bytes and milliseconds. Beside a leak
// (growing) each jump is what persisted beyond the steady rate, nothing
// freed: its top is measured a little after the rise, and in a leak the
// memory grew meanwhile — a jump of 100 MiB in a leak of 10 MiB/h read
// +150 MiB with a third of it "freed".
func (ev *evidence) jumpReport(growing bool) []Jump {
	lv, scale := &ev.lv, ev.life.scale
	out := make([]Jump, 0, len(ev.jumps.list))
	for _, j := range ev.jumps.list {
		jp := Jump{
			Start: int64(lv.at[j.start]), End: int64(lv.at[j.end]),
			From: j.before * scale, To: j.peak * scale,
			Size: (j.peak - j.before) * scale, Freed: j.freed * scale,
		}
		if growing && j.size > 0 {
			jp.Size, jp.Freed = j.size*scale, 0
			jp.To = jp.From + jp.Size
		}
		out = append(out, jp)
	}
	return out
}

// curveFits converts a pooled fit to Fits in bytes and ms: one per
// lifetime, cut at each jump and lifted by the jumps before it (the curve
// was fitted with the jumps taken out).
func (ev *evidence) curveFits(p pooled) []Fit {
	lv, scale := &ev.lv, ev.life.scale
	var out []Fit
	k := 0
	for li, s := range ev.steady.spans {
		if s.bins() < 3 {
			continue
		}
		if k >= len(p.icpt) {
			k++
			continue
		}
		icpt, origin := p.icpt[k], ev.t[ev.life.segs[li].lo]
		if math.IsNaN(icpt) {
			// A lifetime that began before the window took no part in the
			// curve (its age is unknown): it is drawn with the curve laid
			// where it fits it best, as if it began that much earlier.
			var ok bool
			if icpt, origin, ok = ev.placeCurve(p, s, origin); !ok {
				k++
				continue
			}
		}
		base := Fit{Model: p.model, Origin: origin, Lifetime: li}
		switch p.model {
		case Linear:
			base.B = p.slope * scale / 3.6e6
		default:
			base.B = p.slope * scale
			base.Tau = p.tau * 3.6e6
		}
		from, lift := s.lo, 0.0
		emit := func(to int) {
			if to <= from {
				return
			}
			f := base
			f.Start, f.End = int64(lv.at[from]), int64(lv.at[to-1])
			f.A = (icpt + lift) * scale
			if out == nil { // at most a fit per span and per jump, and room for the forecast after
				out = make([]Fit, 0, len(ev.steady.spans)+len(ev.jumps.list)+1)
			}
			out = append(out, f)
		}
		for _, j := range ev.jumps.list {
			if j.end <= s.lo || j.end >= s.hi {
				continue
			}
			emit(j.end)
			from, lift = j.end, lift+j.size
		}
		emit(s.hi)
		k++
	}
	return out
}

// placeCurve lays a decelerating curve over the steady bins s of a
// lifetime of unknown age that began at start (ms): the age it had at its
// first point — from a grid of a quarter of the time constant to 32 times
// it — and its intercept that fit the levels (jumps out) best. ok is false
// for a straight line, or when nothing fits.
func (ev *evidence) placeCurve(p pooled, s span, start int64) (icpt float64, origin int64, ok bool) {
	if p.model != Logarithmic && p.model != Saturating || !(p.tau > 0) || s.bins() < 3 {
		return 0, 0, false
	}
	lv, y := &ev.lv, ev.jumps.flat
	best := math.Inf(1)
	for _, m := range []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32} {
		o := m * p.tau
		var mean float64
		for i := s.lo; i < s.hi; i++ {
			mean += y[i] - p.slope*p.g(lv.age[i]+o)
		}
		mean /= float64(s.bins())
		var rss float64
		for i := s.lo; i < s.hi; i++ {
			r := y[i] - mean - p.slope*p.g(lv.age[i]+o)
			rss += r * r
		}
		if rss < best {
			best, icpt, origin, ok = rss, mean, start-int64(o*3.6e6), true
		}
	}
	return icpt, origin, ok
}

// stepFits draws the bloat envelope: the level before the first jump, then
// the level each jump leaves behind; a slow rise is drawn as the straight
// climb it was fitted with, between the level before and the level after.
func (ev *evidence) stepFits() []Fit {
	lv, scale := &ev.lv, ev.life.scale
	var out []Fit
	if ev.jumps.slow && len(ev.jumps.list) == 1 {
		j := ev.jumps.list[0]
		s := ev.steady.spans[0]
		t0, t1 := int64(lv.at[j.start]), int64(lv.at[j.end])
		before, after := j.before*scale, j.peak*scale
		return []Fit{
			{Model: Steps, Start: int64(lv.at[s.lo]), End: t0, Origin: int64(lv.at[s.lo]), Knots: []Knot{{T: int64(lv.at[s.lo]), V: before}}},
			{Model: Linear, Start: t0, End: t1, Origin: t0, A: before, B: (after - before) / float64(max(t1-t0, 1))},
			{Model: Steps, Start: t1, End: int64(lv.at[s.hi-1]), Origin: t1, Knots: []Knot{{T: t1, V: after}}},
		}
	}
	for li, s := range ev.steady.spans {
		var knots []Knot
		for _, j := range ev.jumps.list {
			if j.start < s.lo || j.end >= s.hi {
				continue
			}
			if len(knots) == 0 {
				knots = append(knots, Knot{T: int64(lv.at[s.lo]), V: lv.levelNear(s.lo, s) * scale})
			}
			knots = append(knots, Knot{T: int64(lv.at[j.end]), V: lv.levelNear(j.end+1, s) * scale})
		}
		if len(knots) > 0 {
			out = append(out, Fit{Model: Steps, Start: int64(lv.at[s.lo]), End: int64(lv.at[s.hi-1]), Origin: int64(lv.at[s.lo]), Knots: knots, Lifetime: li})
		}
	}
	return out
}

// levelNear is the mean level of the three bins from i on, within s, as
// the memory sits (with the daily cycle taken out put back, and above a
// collector's floor).
func (lv *levels) levelNear(i int, s span) float64 {
	lo := min(max(i, s.lo), s.hi-1)
	hi := min(lo+3, s.hi)
	var sum float64
	for q := lo; q < hi; q++ {
		sum += lv.withCycle(q)
	}
	return sum/float64(hi-lo) + lv.gcLift
}

// limitNote is what the wording needs to know of the limit beyond the
// verdict: whether the lifetimes end at it (OOM kills).
type limitNote struct{ oomRestarts bool }

// forecast adds the fits to draw, the forecast from the current lifetime,
// and the time to the limit, judged against the restarts.
func (ev *evidence) forecast(j judgement, v *Verdict) limitNote {
	var main []Fit
	var fitted pooled   // the curve main draws
	var fitSpans []span // the spans it was fitted over
	switch j.shape {
	case Leak:
		main, fitted, fitSpans = ev.curveFits(ev.growth.line), ev.growth.line, ev.growth.spans
	case Fragmentation, Bloat:
		if ev.jumps.list != nil {
			v.Fits = append(v.Fits, ev.stepFits()...)
		}
		if j.shape == Fragmentation || contains(j.components, Fragmentation) {
			main, fitted, fitSpans = ev.curveFits(j.curve), j.curve, ev.growth.aged
		}
	case Inconclusive:
		if ev.growth.line.ok && ev.growth.line.slope > 0 {
			main, fitted, fitSpans = ev.curveFits(ev.growth.line), ev.growth.line, ev.growth.spans
		}
	}
	if len(v.Fits) == 0 && len(main) > 0 {
		v.Fits = main // curveFits made it, with room for the forecast
	} else {
		v.Fits = append(v.Fits, main...)
	}

	// The forecast runs from the end of the current lifetime's curve.
	limit := ev.opt.LimitBytes
	cur := ev.life.current(ev.t)
	end := ev.t[ev.life.segs[cur].hi-1]
	level := ev.lv.y[ev.lv.life[cur].hi-1] * ev.life.scale
	rate := 0.0
	// The forecast's band, from the current lifetime's fit; worked out
	// only where a forecast is drawn (below). A curve that misses the data
	// in long stretches has no bounds to give: its residuals are what it
	// missed, not noise.
	var bandFrom Fit
	canBand := false
	if last, ok := currentFit(main, cur, ev.life.segs[cur], ev.t, level); ok {
		level, rate = last.At(last.End), last.slopeAt(last.End)
		end = last.End
		bandFrom, canBand = last, !j.misfit
		if j.shape == Fragmentation || j.shape == Bloat && contains(j.components, Fragmentation) {
			v.HasTimeToLimit, v.TimeToLimit = curveToLimit(last, limit)
		}
	}
	if limit > 0 && level >= limit {
		v.HasTimeToLimit, v.TimeToLimit = true, 0
	} else if j.shape == Leak && limit > 0 && rate > 0 {
		// Past a year the limit is out of sight (and past 292 years out of
		// a time.Duration).
		if ms := (limit - level) / rate; ms <= float64(maxLimitHorizon/time.Millisecond) {
			v.HasTimeToLimit = true
			v.TimeToLimit = time.Duration(ms * float64(time.Millisecond))
		}
	}
	note := ev.restartsFirst(v, limit, cur)
	if (j.shape == Leak || j.shape == Fragmentation || contains(j.components, Fragmentation)) && rate > 0 {
		horizon := float64(ev.span()) / 4
		if v.HasTimeToLimit {
			horizon = math.Min(math.Max(horizon, float64(v.TimeToLimit/time.Millisecond)), 4*horizon)
		}
		age := float64(end - ev.t[ev.life.segs[cur].lo])
		if every := ev.restartEvery(v); v.RestartsResetFirst || every > age && every-age < horizon {
			// The process restarts every so long (and, when the restarts
			// reset the level before the limit, that is all the forecast
			// can say): the forecast runs to where the next lifetime is
			// due to begin, and no further.
			horizon = math.Min(horizon, every-age)
			v.ForecastEndsAtRestart = true
		}
		if horizon > 0 {
			fc := Fit{Model: Forecast, Start: end, End: end + int64(horizon), Origin: end, A: level, B: rate, Lifetime: cur}
			var band Band
			hasBand := false
			if canBand {
				band, hasBand = fitted.band(ev.lv.age, ev.jumps.flat, ev.lv.y, fitSpans, ev.jumpCuts(), fitted.model == Linear, ev.spanIndex(cur), bandFrom, ev.life.scale)
			}
			if hasBand {
				fc.Band = band
				if j.shape == Leak && v.HasTimeToLimit && v.TimeToLimit > 0 {
					// The time to limit follows this line: its range is
					// where the band's edges meet the limit.
					if r, ok := limitRange(fc, limit); ok {
						r.Soonest = min(r.Soonest, v.TimeToLimit)
						if !r.Open {
							r.Latest = max(r.Latest, v.TimeToLimit)
						}
						v.TimeToLimitRange = &r
					}
				}
			}
			v.Fits = append(v.Fits, fc)
		}
	}
	return note
}

// restartEvery is how often (ms) the process restarts: for one series the
// median time from one lifetime's start to the next's, of the lifetimes
// seen whole (a lifetime's own span, first to last sample, is a step
// short of it: at a coarse step, much shorter); for pooled series, whose
// lifetimes run side by side, the typical lifetime. 0 when unknown.
func (ev *evidence) restartEvery(v *Verdict) float64 {
	typical := float64(v.TypicalLifetime / time.Millisecond)
	if ev.life.pooled || len(v.Lifetimes) < 2 {
		return typical
	}
	var gaps []float64
	for k := 0; k+1 < len(v.Lifetimes); k++ {
		if ev.life.began[k] && !ev.life.running[k] {
			gaps = append(gaps, float64(v.Lifetimes[k+1].Start-v.Lifetimes[k].Start))
		}
	}
	if len(gaps) == 0 {
		return typical
	}
	return math.Max(median(gaps), typical)
}

// jumpCuts are the bins where each jump's new level begins (where
// takeJumps starts taking it out).
func (ev *evidence) jumpCuts() []int {
	cuts := make([]int, 0, len(ev.jumps.list))
	for _, j := range ev.jumps.list {
		cuts = append(cuts, (j.start+j.end+1)/2)
	}
	return cuts
}

// spanIndex is the index among the growth fit's spans of lifetime li's
// steady span (curveFits counts them the same way), or -1 when it has
// none long enough to fit.
func (ev *evidence) spanIndex(li int) int {
	if li < 0 || li >= len(ev.steady.spans) || ev.steady.spans[li].bins() < 3 {
		return -1
	}
	k := 0
	for _, s := range ev.steady.spans[:li] {
		if s.bins() >= 3 {
			k++
		}
	}
	return k
}

// currentFit is the fit the forecast starts from: the last of main, drawn
// over the current lifetime cur. When cur has none (pooled lifetimes: a
// replica started too recently to fit), it is the shared curve laid
// through cur's last level at its end.
func currentFit(main []Fit, cur int, s segment, t []int64, level float64) (Fit, bool) {
	if len(main) == 0 {
		return Fit{}, false
	}
	last := main[len(main)-1]
	if last.Lifetime == cur {
		return last, true
	}
	for i := len(main) - 1; i >= 0; i-- {
		if main[i].Lifetime == cur {
			return main[i], true
		}
	}
	f := last
	f.Lifetime, f.Origin = cur, t[s.lo]
	f.Start, f.End = t[s.hi-1], t[s.hi-1]
	f.A = 0
	f.A = level - f.At(f.End)
	return f, !math.IsNaN(f.A)
}

// restartsFirst judges the time to limit against the restarts: it runs from
// the current lifetime's level, and when the process typically restarts
// before its growth would reach the limit, the restarts reset the level
// first and the limit is not reached at this pace. Lifetimes that end near
// the limit are the limit's own doing (OOM kills): then the time to limit
// stands.
func (ev *evidence) restartsFirst(v *Verdict, limit float64, cur int) limitNote {
	var whole []Lifetime // begun and ended inside the window
	for k, l := range v.Lifetimes {
		if ev.life.began[k] && !ev.life.running[k] {
			whole = append(whole, l)
		}
	}
	if len(whole) == 0 {
		return limitNote{}
	}
	spans := make([]float64, 0, len(whole))
	ends := make([]float64, 0, len(whole))
	for _, l := range whole {
		spans = append(spans, float64(l.End-l.Start))
		ends = append(ends, l.To)
	}
	typical := median(spans)
	v.TypicalLifetime = time.Duration(typical) * time.Millisecond
	if !v.HasTimeToLimit || v.TimeToLimit <= 0 {
		return limitNote{}
	}
	if limit > 0 && median(ends) >= oomShare*limit {
		return limitNote{oomRestarts: true}
	}
	now := v.Lifetimes[cur]
	if float64(now.End-now.Start)+float64(v.TimeToLimit/time.Millisecond) > typical {
		v.RestartsResetFirst = true
		v.HasTimeToLimit, v.TimeToLimit = false, 0
	}
	return limitNote{}
}

// maxLimitHorizon is how far ahead a time to the limit is given.
const maxLimitHorizon = 365 * 24 * time.Hour

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
	if math.IsNaN(age) || math.IsInf(age, 0) || age-now > float64(maxLimitHorizon/time.Millisecond) {
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
