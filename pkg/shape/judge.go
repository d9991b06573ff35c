package shape

import (
	"fmt"
	"math"
	"time"
)

// thresholds turn Sensitivity into numbers.
type thresholds struct {
	minRise  float64 // smallest lasting rise that matters, share of the median level
	leakSpan float64 // hours of steady growth before a leak can be called
	minT     float64 // t-statistic a growth rate needs to count
	// At the series' own scale (a test run, a batch job), a leak is also
	// called when the rate held over leakCycles of the process' cycles and
	// lifted memory by leakGrowth × the level it started from.
	leakCycles float64
	leakGrowth float64
}

func (s Sensitivity) thresholds() thresholds {
	switch s {
	case High:
		return thresholds{minRise: 0.03, leakSpan: 6, minT: 3, leakCycles: 10, leakGrowth: 0.7}
	case Low:
		return thresholds{minRise: 0.08, leakSpan: 24, minT: 5, leakCycles: 10, leakGrowth: 1.5}
	default:
		return thresholds{minRise: 0.05, leakSpan: 12, minT: 4, leakCycles: 10, leakGrowth: 1}
	}
}

// Rates of growth in the second half of the steady part against the first:
// a leak holds its rate (ratio near 1), fragmentation loses it.
const (
	decelRatio    = 0.6  // at or below: clearly slowing down
	decelUpper    = 0.85 // …and the ratio's upper bound stays below this
	linearLow     = 0.7  // a leak's ratio stays within [linearLow, linearHigh]
	linearHigh    = 1.5
	ratioPrecise  = 0.15 // a ratio known to ±this (one standard error) can be judged
	bloatShare    = 0.2  // jumps carry at least this share of the growth: bloat leads
	bloatPresence = 0.2  // …at least this share: bloat is a component
	maxWatchHours = 14 * 24
	steadyMinRise = 0.01 // a steady rise this share of the level is growth, however small
)

// judge turns the measurements into a verdict.
func (a *analysis) judge(v Verdict) Verdict {
	th := a.opt.Sensitivity.thresholds()
	v.Restarts = len(a.segs) - 1
	v.Lifetimes = a.lifetimes()
	v.Jumps = a.verdictJumps()
	if a.lin.n == 0 || !a.lin.ok {
		return inconclusive(v, "too few steady points after warm-up to measure growth: widen the time range", time.Duration(a.typicalHours*float64(time.Hour)))
	}
	rate := a.lin.b // normalised per hour
	v.GrowthBytesPerHour = rate * a.scale

	// How strong is each kind of growth?
	residT := 0.0
	if a.lin.se > 0 {
		residT = rate / a.lin.se
	} else if rate > 0 {
		residT = math.Inf(1)
	}
	residGrows := a.residRise >= th.minRise && rate*a.typicalHours >= th.minRise && residT >= th.minT
	total := math.Max(a.residRise, 0) + a.jumpRise
	jumpShare := 0.0
	if total > 0 {
		jumpShare = a.jumpRise / total
	}
	bloatGrows := a.jumpRise >= th.minRise && a.jumpRise+a.residRise >= th.minRise // jumps that the rest gives back are no lasting growth

	// Does the rate hold up from the first half of each lifetime to the second?
	ratio, ratioSE := math.NaN(), math.Inf(1)
	if a.early.ok && a.late.ok && a.early.b > 0 && a.early.b > 2*a.early.se {
		ratio = a.late.b / a.early.b
		ratioSE = math.Sqrt(a.late.se*a.late.se+ratio*ratio*a.early.se*a.early.se) / a.early.b
	}
	if residGrows && ratio < linearLow { // only a slowing rate needs the curve (NaN skips it too)
		a.conc = fitConcave(a.b.age, a.dj, a.aged, a.typicalHours, a.binHours)
	}
	bic := a.concaveAdvantage()
	decel := !math.IsNaN(ratio) && ((ratio <= decelRatio && ratio+2*ratioSE < decelUpper) || (bic > 10 && ratio < linearLow && a.conc.r2() > 0.8))
	linear := !math.IsNaN(ratio) && ratio >= linearLow && ratio <= linearHigh && ratioSE <= ratioPrecise*2 && a.lin.r2() >= 0.6

	growth := math.Max(a.residRise, 0) + a.jumpRise
	v.Scores = Scores{
		Healthy: clamp01(1 - growth/(2*th.minRise)),
		Bloat:   clamp01(jumpShare) * clamp01(a.jumpRise/th.minRise),
	}
	if residGrows && !math.IsNaN(ratio) {
		grow := (1 - jumpShare) * clamp01(a.residRise/th.minRise)
		v.Scores.Leak = grow * clamp01(1-math.Abs(ratio-1)/0.5) * clamp01(a.watchedHours/th.leakSpan)
		v.Scores.Fragmentation = grow * clamp01((0.9-ratio)/0.5)
	}

	// Growth too small yet to matter, but steady (a straight line explains
	// it and its rate is far beyond noise) is never healthy: it is a leak
	// too young to see, or not.
	steadyRise := rate * a.evidenceHours
	steady := rate > 0 && residT >= 2*th.minT && a.lin.r2() >= 0.8 && steadyRise >= steadyMinRise

	switch {
	case !residGrows && !bloatGrows && steady:
		need := math.Max(th.leakSpan-a.watchedHours, (th.minRise-steadyRise)/rate)
		return a.explain(inconclusive(v, fmt.Sprintf("memory grows %s steadily (+%.1f%% over %s) — too little yet to tell a leak from a process settling",
			rateText(v.GrowthBytesPerHour), 100*steadyRise, hoursText(a.evidenceHours)), hoursDur(math.Min(math.Max(need, 0.25*a.evidenceHours), maxWatchHours))))
	case !residGrows && !bloatGrows:
		v.Shape = Healthy
		v.Confidence = 0.5 + 0.5*v.Scores.Healthy
	case !residGrows && bloatGrows:
		v.Shape = Bloat
		v.Components = []Shape{Bloat}
		v.Confidence = 0.5 + 0.5*v.Scores.Bloat
	case decel:
		v.Shape = Fragmentation
		v.Components = []Shape{Fragmentation}
		if bloatGrows && jumpShare >= bloatPresence {
			v.Components = append(v.Components, Bloat)
			if jumpShare > 0.5 {
				v.Shape = Bloat
				v.Components = []Shape{Bloat, Fragmentation}
			}
		}
		v.Confidence = 0.5 + 0.5*math.Max(v.Scores.Fragmentation, clamp01((decelUpper-ratio-2*ratioSE)/0.3))
	case bloatGrows && jumpShare >= bloatShare:
		// Jumps carry the growth and what is left between them looks
		// steady: bloat, not a leak — bloat with fragmentation looks just
		// like this until the slowdown shows.
		v.Shape = Bloat
		v.Components = []Shape{Bloat}
		v.Confidence = 0.5 + 0.5*v.Scores.Bloat*0.8
	case linear && (a.watchedHours >= th.leakSpan || a.cycles() >= th.leakCycles && a.relativeGrowth() >= th.leakGrowth):
		v.Shape = Leak
		v.Components = []Shape{Leak}
		if bloatGrows && jumpShare >= bloatPresence {
			v.Components = append(v.Components, Bloat)
		}
		v.Confidence = 0.5 + 0.5*math.Max(v.Scores.Leak, 0.2)
		if a.underADay() {
			v.Confidence *= 0.8
		}
	case linear:
		watch := math.Min(th.leakSpan-a.watchedHours, maxWatchHours)
		return a.explain(inconclusive(v, fmt.Sprintf("memory grows %s steadily, but only for %s of steady growth — too short to tell a leak from fragmentation, which looks linear for hours",
			rateText(v.GrowthBytesPerHour), hoursText(a.evidenceHours)), hoursDur(watch)))
	case !math.IsNaN(ratio) && ratio > linearHigh:
		return a.explain(inconclusive(v, fmt.Sprintf("memory grows ever faster (the rate rose %.1f× from the first half to the second) — a load ramp or a daily cycle looks like this; watch at least a day", ratio),
			hoursDur(math.Max(24-a.evidenceHours, a.evidenceHours))))
	default:
		return a.explain(inconclusive(v, fmt.Sprintf("memory grows %s, but the window cannot yet tell whether the growth is slowing down (fragmentation) or steady (leak)", rateText(v.GrowthBytesPerHour)),
			hoursDur(a.watchForRatio(ratioSE))))
	}
	v.GrowthBytesPerHour = a.lastingGrowth(v) * a.scale

	// A curve that misses the data in long stretches: say so, and trust
	// the verdict less.
	switch v.Shape {
	case Leak:
		v.Misfit = a.lin.misses(a.b.age, a.dj, a.spans, a.residRise)
	case Fragmentation:
		v.Misfit = a.conc.misses(a.b.age, a.dj, a.aged, a.residRise)
	}
	if v.Misfit {
		v.Confidence = 0.5 + 0.5*(v.Confidence-0.5)
	}
	return a.explain(v)
}

// lastingGrowth is Verdict.GrowthBytesPerHour, normalised: the lasting
// rise per hour of steady time.
func (a *analysis) lastingGrowth(v Verdict) float64 {
	hours := math.Max(a.typicalHours, a.binHours)
	jumps := a.jumpRise / hours
	switch v.Shape {
	case Leak:
		return math.Max(a.lin.b+jumps, 0)
	case Fragmentation, Bloat:
		return math.Max((math.Max(a.residRise, 0)+a.jumpRise)/hours, 0)
	}
	return a.lin.b
}

// concaveAdvantage is the Bayesian information criterion's preference for
// the best decelerating curve over a straight line (positive: curve wins).
func (a *analysis) concaveAdvantage() float64 {
	if !a.conc.ok || !a.lin.ok || a.lin.n < 4 || a.conc.rss <= 0 {
		return 0
	}
	n := float64(a.lin.n)
	return n*math.Log(a.lin.rss/a.conc.rss) - math.Log(n)
}

// watchForRatio estimates how much longer to watch until the rate ratio is
// known to ±ratioPrecise: a slope's standard error falls with the span to
// the power 1.5 at a fixed sampling rate.
func (a *analysis) watchForRatio(se float64) float64 {
	h := a.evidenceHours
	if math.IsInf(se, 0) || math.IsNaN(se) || se <= 0 {
		return math.Min(math.Max(h, 1), maxWatchHours)
	}
	need := h * math.Pow(se/ratioPrecise, 2.0/3.0)
	return math.Min(math.Max(need-h, 0.25*h), maxWatchHours)
}

func hoursDur(h float64) time.Duration {
	if h <= 0 || math.IsNaN(h) {
		return 0
	}
	return time.Duration(h * float64(time.Hour)).Round(time.Minute)
}
