package shape

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/units"
)

// explain turns the judgement into a verdict: the lifetimes, jumps and fits
// in bytes and milliseconds, the forecast and time to limit, the growth,
// and the words — a reason when no shape can be named, and the sentence to
// read out.
func explain(ev *evidence, j judgement, v Verdict) Verdict {
	v.Restarts = len(ev.life.segs) - len(ev.life.members)
	v.Lifetimes = ev.lifetimeReport()
	v.Jumps = ev.jumpReport(j.shape == Leak)
	v.Shape, v.Confidence, v.Scores, v.Misfit = j.shape, j.confidence, j.scores, j.misfit
	v.Components = j.components
	if v.Components == nil {
		v.Components = []Shape{}
	}
	if v.Pool != nil {
		ev.poolReport(j, v.Pool)
	}
	if j.shape == Inconclusive {
		v.Reason, v.WatchFor = ev.reason(j), hoursDur(j.watchHours)
		if j.why == noSteadyPoints {
			v.Explanation = "Inconclusive: " + v.Reason + "."
			return v
		}
	}
	v.GrowthBytesPerHour = ev.lastingGrowth(j.shape) * ev.life.scale
	note := ev.forecast(j, &v)
	v.Explanation = ev.sentence(j, v, note)
	return v
}

// inconclusive fills in a verdict that cannot name a shape for a problem of
// the input (too few points, no memory gauge), before any stage runs.
func inconclusive(v Verdict, reason string, watch time.Duration) Verdict {
	v.Shape = Inconclusive
	v.Reason = reason
	v.WatchFor = watch
	v.Confidence = 0
	if v.Components == nil {
		v.Components = []Shape{}
	}
	v.Explanation = "Inconclusive: " + reason + "."
	return v
}

// reason words why no shape can be named.
func (ev *evidence) reason(j judgement) string {
	g := ev.growth
	rate := units.FormatGrowth(g.line.slope * ev.life.scale)
	switch j.why {
	case noSteadyPoints:
		return "too few steady points after warm-up to measure growth: widen the time range"
	case steadyButSmall:
		return fmt.Sprintf("memory grows %s steadily (+%.1f%% over %s) — too little yet to tell a leak from a process settling",
			rate, 100*j.steadyRise, hoursText(g.coveredHours))
	case linearTooShort:
		return fmt.Sprintf("memory grows %s steadily, but only for %s of steady growth — too short to tell a leak from fragmentation, which looks linear for hours",
			rate, hoursText(g.coveredHours))
	case accelerating:
		return fmt.Sprintf("memory grows ever faster (the rate rose %.1f× from the first half to the second) — a load ramp or a daily cycle looks like this; watch at least a day", j.ratio)
	}
	return fmt.Sprintf("memory grows %s, but the window cannot yet tell whether the growth is slowing down (fragmentation) or steady (leak)", rate)
}

// sentence is the one line to read out on an incident call.
func (ev *evidence) sentence(j judgement, v Verdict, note limitNote) string {
	g, scale, limitBytes := ev.growth, ev.life.scale, ev.opt.LimitBytes
	// The words are joined by hand, not by fmt: this is a fair share of a
	// short series' cost.
	var b strings.Builder
	b.Grow(256)
	put := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	across := ""
	switch {
	case ev.life.pooled && v.Pool != nil && v.Shape.IsGrowth():
		across = " in " + strconv.Itoa(v.Pool.Showing) + " of " + strconv.Itoa(v.Pool.Measured) + " lifetimes"
	case ev.life.pooled:
		across = " across " + strconv.Itoa(len(ev.life.segs)) + " lifetimes"
	case v.Restarts > 0:
		across = " across " + strconv.Itoa(v.Restarts) + " restarts"
	}
	limit := ""
	if limitBytes > 0 {
		lim := units.FormatBytesIEC(limitBytes)
		switch {
		case v.HasTimeToLimit && v.TimeToLimit == 0:
			limit = "; already at the " + lim + " limit"
		case v.HasTimeToLimit && note.oomRestarts:
			limit = "; reaches the " + lim + " limit in ~" + units.FormatDuration(v.TimeToLimit) + v.TimeToLimitRange.paren() + " — each lifetime ends near it, so the restarts look like OOM kills"
		case v.HasTimeToLimit:
			limit = "; reaches the " + lim + " limit in ~" + units.FormatDuration(v.TimeToLimit) + v.TimeToLimitRange.paren()
		case v.RestartsResetFirst && ev.life.pooled:
			limit = "; lifetimes of ~" + units.FormatDuration(v.TypicalLifetime) + " end before it reaches the " + lim + " limit"
		case v.RestartsResetFirst:
			limit = "; restarts every ~" + units.FormatDuration(v.TypicalLifetime) + " reset it before the " + lim + " limit"
		case v.Shape == Fragmentation:
			limit = "; stays below the " + lim + " limit for at least a year at this pace"
		}
	}
	switch v.Shape {
	case Leak:
		scaleText := ""
		if j.ownScale {
			scaleText = fmt.Sprintf(", %s memory %.1f× its start at an unchanged rate", ev.cyclesText(), 1+g.relativeGrowth(&ev.lv))
		}
		if contains(v.Components, Bloat) && len(v.Jumps) > 0 {
			// The rate between the jumps is what climbs steadily; with the
			// jumps it is the rate the forecast runs at.
			put("Leak: ", units.FormatGrowth(g.line.slope*scale), " steady for ", hoursText(g.coveredHours), across,
				" between ", jumpsText(v.Jumps, false), scaleText, ", no sign of slowing — ", units.FormatGrowth(v.GrowthBytesPerHour), " with the jumps")
		} else {
			put("Leak: ", units.FormatGrowth(v.GrowthBytesPerHour), " steady for ", hoursText(g.coveredHours), across, scaleText, ", no sign of slowing")
		}
		put(limit)
		if ev.underADay() && ev.span() >= hourMs { // a test run is no daily cycle

			b.WriteString(" (under a day of data: a daily load cycle can look like this — confirm over 24 h)")
		}
		b.WriteString(".")
	case Fragmentation:
		// Growth that slowed to nothing, or whose late slope dips below zero
		// in the noise, has stopped: no negative growth in the words.
		late := "a standstill"
		if l := g.late.slope * scale; units.FormatGrowth(l) != units.FormatGrowth(0) && l > 0 {
			late = units.FormatGrowth(l)
		}
		put("Fragmentation: growth slowed from ", units.FormatGrowth(g.early.slope*scale), " to ", late,
			" over ", hoursText(g.coveredHours), across, ", ", curveText(v.Fits))
		if contains(v.Components, Bloat) {
			put(", plus ", jumpsText(v.Jumps, true))
		}
		put("; not a leak", limit, ".")
	case Bloat:
		if ev.jumps.slow && len(v.Jumps) == 1 {
			j := v.Jumps[0]
			put("Bloat: one slow rise of +", units.FormatBytesIEC(j.Size), " over ", units.FormatDuration(time.Duration(j.End-j.Start)*time.Millisecond),
				" that sped up and stopped — one jump, not a curve that slows from the start; the new level persists at ", units.FormatBytesIEC(ev.persisted()))
		} else {
			put("Bloat: ", jumpsText(v.Jumps, true), "; the new level persists at ", units.FormatBytesIEC(ev.persisted()))
		}
		switch {
		case contains(v.Components, Fragmentation):
			put(", and growth between jumps slows down (fragmentation) — together they look linear, but this is not a leak", limit, ".")
		case g.residRise > 0 && g.line.slope > 0 && g.residRise >= ev.th.minRise:
			put("; between jumps memory still grows ", units.FormatGrowth(g.line.slope*scale), " — watch whether that slows down (fragmentation) or holds (leak)", limit, ".")
		default:
			put(", flat between jumps", limit, ".")
		}
	case Healthy:
		warm := ""
		if hoursDur(ev.steady.warmupHours) >= time.Second {
			warm = " after a " + hoursText(ev.steady.warmupHours) + " warm-up"
		}
		lo, hi := ev.steadyRange()
		put("Healthy: no lasting growth", warm, " (", units.FormatBytesRangeIEC(lo, hi), " over ",
			units.FormatDuration(time.Duration(ev.span())*time.Millisecond), across, ").")
	case Inconclusive:
		put("Inconclusive: ", v.Reason)
		if v.WatchFor > 0 {
			put("; watch ~", units.FormatDuration(v.WatchFor), " more")
		}
		b.WriteString(".")
	}
	if v.Misfit {
		return strings.TrimSuffix(b.String(), ".") + "; the fitted curve misses the data in long stretches, so this is less certain."
	}
	return b.String()
}

// persisted is the level the memory sits at now, bytes: the current
// lifetime's last bins, as stepFits draws a level.
func (ev *evidence) persisted() float64 {
	cur := ev.life.current(ev.t)
	s := ev.lv.life[cur]
	return ev.lv.levelNear(s.hi-3, s) * ev.life.scale
}

// cyclesText words the cycles a leak at the series' own scale held over:
// "over 16 steps," or "over 120 collector cycles,"; nothing when none is in
// sight.
func (ev *evidence) cyclesText() string {
	switch n, kind := ev.cycles(); kind {
	case stepCycles:
		return fmt.Sprintf("over %.0f steps,", n)
	case gcCycles:
		return fmt.Sprintf("over %.0f collector cycles,", n)
	}
	return "with"
}

// steadyRange is the 5th and 95th percentile of the steady bin levels, in
// bytes — with the daily cycle the judgement took out put back: the range
// is where the memory lives, through the day. The percentiles are
// selected, not sorted for (the empirical quantiles of gonum's stat, as
// quantile takes them), in the workspace's arrays.
func (ev *evidence) steadyRange() (float64, float64) {
	lv, ws := &ev.lv, ev.ws
	ys := ws.levels[:0]
	for _, s := range ev.steady.spans {
		for i := s.lo; i < s.hi; i++ {
			ys = append(ys, lv.withCycle(i))
		}
	}
	if len(ys) == 0 {
		for i := range lv.y {
			ys = append(ys, lv.withCycle(i))
		}
	}
	some := sampleInto(ws.ranked, len(ys), func(i int) float64 { return ys[i] })
	ws.levels, ws.ranked = ys, some
	lo, hi := quantilePair(some, 0.05, 0.95)
	return lo * ev.life.scale, hi * ev.life.scale
}

// jumpsText names the jumps and their sizes and, with freed, how much of
// them was given back right after (a bloat's words; in a leak's the
// memory that keeps climbing between them says more).
func jumpsText(js []Jump, freed bool) string {
	if len(js) == 0 {
		return "no single jump"
	}
	parts := make([]string, 0, 4)
	var given, size float64
	for i, j := range js {
		if i < 4 {
			parts = append(parts, "+"+units.FormatBytesIEC(j.Size))
		}
		given += j.Freed
		size += j.Size
	}
	if len(js) > 4 {
		parts = append(parts, "…")
	}
	word := "jumps"
	if len(js) == 1 {
		word = "jump"
	}
	text := fmt.Sprintf("%d %s (%s)", len(js), word, strings.Join(parts, ", "))
	if !freed {
		return text
	}
	return text + fmt.Sprintf(", %.0f%% freed after", 100*given/math.Max(size, 1e-300))
}

// curveText says where a decelerating curve is going: a saturating curve
// toward its ceiling, a logarithmic one ever slower without one.
func curveText(fits []Fit) string {
	for i := len(fits) - 1; i >= 0; i-- {
		switch f := fits[i]; f.Model {
		case Saturating:
			return "levelling off toward ~" + units.FormatBytesIEC(f.A+f.B) + " (saturating)"
		case Logarithmic:
			return "growing ever slower (logarithmic)"
		}
	}
	return "growing ever slower"
}

const hourMs = 3600 * 1000

// hoursText words a number of hours: 45 min, 9.5 h, 2.5 days.
func hoursText(h float64) string { return units.FormatDuration(hoursDur(h)) }

// hoursDur is h hours as a duration, to the second under an hour and to
// the minute above (0 for none).
func hoursDur(h float64) time.Duration {
	if h <= 0 || math.IsNaN(h) {
		return 0
	}
	d := time.Duration(h * float64(time.Hour))
	if d < time.Hour {
		return d.Round(time.Second)
	}
	return d.Round(time.Minute)
}
