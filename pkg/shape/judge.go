package shape

import (
	"math"
	"slices"
	"sync"
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
	leakLeadShare = 0.5  // …unless they carry less than this share at the series' own scale: the growth between them is judged
	rateHoldLow   = 0.85 // the rate between jumps holds: late over early at least this
	bloatPresence = 0.2  // …at least this share beside a leak: bloat is a component
	maxWatchHours = 14 * 24
	steadyMinRise = 0.01 // a steady rise this share of the level is growth, however small
	// Over hours, where growth between jumps may lead, its rate must hold
	// closer: late over early within [rateHoldHours, 1/rateHoldHours],
	// half against half and stretch against stretch. The trap's jumps,
	// rising over hours and giving some of it back, leave its slowing at
	// 0.86–0.87 stretch by stretch in the reference corpus.
	rateHoldHours = 0.9
	// …and short pieces of the stretches climb at that rate within their
	// noise (pieceScatter, chi-square per degree of freedom): 0.2–4 for 9
	// in 10 views of the reference corpus' leaks that jump, 5.8–145 for
	// 19 in 20 views of the trap that look straight, whose jumps a coarse
	// step does not find.
	maxPieceScatter = 6.0
)

// evidence is what the stages measured of one cleaned series, each stage
// from the results of the ones before: lifetimes, levels, steady parts,
// jumps, growth. Levels are normalised by life.scale (the median); times
// within a lifetime are hours of age.
type evidence struct {
	opt    Options
	th     thresholds
	t      []int64 // the cleaned timestamps, Unix ms
	life   lifetimes
	lv     levels
	steady steadyParts
	jumps  jumpsFound
	growth growthFit
	ws     *workspace // the working memory the evidence lives in
}

// gather runs the stages over a cleaned series — or, pooled, over the
// cleaned series of one workload laid end to end in t and v. The
// evidence's levels live in ws until the verdict is made.
func gather(t []int64, v []float64, pool *pooling, opt Options, ws *workspace) *evidence {
	buf := slices.Grow(ws.buf[:0], min(len(t), maxSample+1))
	// Every field is set here or by a stage, so the evidence is not
	// cleared first.
	ev := &ws.ev
	ev.opt, ev.th, ev.t, ev.ws = opt, opt.Sensitivity.thresholds(), t, ws
	if pool == nil {
		ev.life = findLifetimes(t, v, buf)
		ev.life.place(t, ws)
	} else {
		ev.life = poolLifetimes(t, v, *pool, buf)
	}
	ev.lv = binLevels(t, v, ev.life, ws)
	ev.steady = findSteady(&ev.lv, ev.life, buf, ws)
	ev.jumps = takeJumps(&ev.lv, ev.steady, ev.th.minRise, ws)
	ev.growth = measureGrowth(&ev.lv, ev.steady, ev.jumps, &ws.growth)
	ws.buf = buf
	return ev
}

// workspace is the working memory of one classification, reused by the
// next: the evidence itself, the levels, their copy with the jumps taken
// out, and the stages' scratch. Nothing in a Verdict points into it.
type workspace struct {
	ev                    evidence
	buf, age, at, y, flat []float64
	life, steady          []span
	warm                  warmScratch
	levels, ranked        []float64 // steadyRange's levels and its sample of them
	noise                 []float64
	jump                  jumpScratch
	growth                growthScratch
	curve                 []float64 // the decelerating curve's values and intercepts
	daily                 dailyScratch
	// A workload's samples laid end to end (poolInput), kept for the next
	// up to maxKeptPool points.
	poolT []int64
	poolV []float64
	// poolInput's lives that take part, and its members' ranges, lives and
	// generations.
	kept       []kept
	members    []segment
	index, gen []int
	// One series' lifetimes (lifetimes.place): where they stand, their
	// member (always 0) and the one member.
	flags  []bool
	member []int
	whole  [1]segment
}

// maxKeptPool is the most points of a workload's samples a workspace keeps
// for the next one (64 MiB): a thousand pods over 7 days at 5 minutes
// (two million points) fit, so a fleet's large workloads do not each
// take, clear and fault in new arrays of that size.
const maxKeptPool = 1 << 22

// keep hands the levels' arrays, grown as they may have been, back to the
// workspace. (The evidence stays until the next classification overwrites
// it; a pooled workspace is dropped at the next garbage collections.)
func (ws *workspace) keep(ev *evidence) {
	ws.age, ws.at, ws.y, ws.flat = ev.lv.age, ev.lv.at, ev.lv.y, ev.jumps.flat
	ws.life, ws.steady = ev.lv.life, ev.steady.spans
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// undecided says why no shape can be named; explain words it.
type undecided int

const (
	decided        undecided = iota
	noSteadyPoints           // too few steady points after warm-up to fit a line
	steadyButSmall           // steady growth, too little yet to matter
	linearTooShort           // a straight rise, watched too briefly to rule out fragmentation
	accelerating             // the rate rose from the first half to the second
	slowingOrNot             // the rate's change is not yet known well enough
)

// judgement is what judge decides of the evidence: the shape and how sure,
// or why none can be named and how long to watch.
type judgement struct {
	shape      Shape
	components []Shape
	confidence float64
	scores     Scores
	misfit     bool      // the shape's curve misses the data in long stretches
	curve      pooled    // the decelerating curve, when one was fitted
	why        undecided // inconclusive only
	watchHours float64   // inconclusive only
	ratio      float64   // late rate over early rate; NaN when unknown
	steadyRise float64   // the rise so far at the steady rate, share of the level
	ownScale   bool      // a leak told at the series' own scale (cycles and growth), not by the hours watched
}

// judge decides the shape from the evidence. It words nothing.
func judge(ev *evidence) judgement {
	th, g := ev.th, ev.growth
	j := judgement{ratio: math.NaN()}
	if g.line.n == 0 || !g.line.ok {
		return undecidedFor(j, noSteadyPoints, g.typicalHours)
	}
	rate := g.line.slope // normalised per hour

	// How strong is each kind of growth?
	residT := 0.0
	if g.line.se > 0 {
		residT = rate / g.line.se
	} else if rate > 0 {
		residT = math.Inf(1)
	}
	residGrows := g.residRise >= th.minRise && rate*g.typicalHours >= th.minRise && residT >= th.minT
	total := math.Max(g.residRise, 0) + g.jumpRise
	jumpShare := 0.0
	if total > 0 {
		jumpShare = g.jumpRise / total
	}
	bloatGrows := g.jumpRise >= th.minRise && g.jumpRise+g.residRise >= th.minRise // jumps that the rest gives back are no lasting growth

	// Does the rate hold up from the first half of each lifetime to the second?
	ratioSE := math.Inf(1)
	if g.early.ok && g.late.ok && g.early.slope > 0 && g.early.slope > 2*g.early.se {
		j.ratio = g.late.slope / g.early.slope
		ratioSE = math.Sqrt(g.late.se*g.late.se+j.ratio*j.ratio*g.early.se*g.early.se) / g.early.slope
	}
	ratio := j.ratio
	if residGrows && ratio < linearLow { // only a slowing rate needs the curve (NaN skips it too)
		j.curve = fitConcaveInto(ev.ws.curve, ev.lv.age, ev.jumps.flat, g.aged, g.typicalHours, ev.lv.binHours)
		if j.curve.gx != nil {
			ev.ws.curve = j.curve.gx[:cap(j.curve.gx)]
		}
	}
	bic := concaveAdvantage(g.line, j.curve)
	decel := !math.IsNaN(ratio) && ((ratio <= decelRatio && ratio+2*ratioSE < decelUpper) || (bic > 10 && ratio < linearLow && j.curve.r2() > 0.8))
	// A straight line explains most of what is beyond the noise of the
	// levels: how much noise a level carries depends on the step.
	linear := !math.IsNaN(ratio) && ratio >= linearLow && ratio <= linearHigh && ratioSE <= ratioPrecise*2 && g.line.r2Beyond(ev.steady.sigma) >= 0.6

	growth := math.Max(g.residRise, 0) + g.jumpRise
	j.scores = Scores{
		Healthy: clamp01(1 - growth/(2*th.minRise)),
		Bloat:   clamp01(jumpShare) * clamp01(g.jumpRise/th.minRise),
	}
	if residGrows && !math.IsNaN(ratio) {
		grow := (1 - jumpShare) * clamp01(g.residRise/th.minRise)
		j.scores.Leak = grow * clamp01(1-math.Abs(ratio-1)/0.5) * clamp01(g.watchedHours/th.leakSpan)
		j.scores.Fragmentation = grow * clamp01((0.9-ratio)/0.5)
	}

	// Growth too small yet to matter, but steady (a straight line explains
	// it and its rate is far beyond noise) is never healthy: it is a leak
	// too young to see, or not. What the line explains is judged beyond
	// the noise of the levels, which a coarser step raises: a rise as
	// steady at every step.
	j.steadyRise = rate * g.evidenceHours
	steady := rate > 0 && residT >= 2*th.minT && g.line.r2Beyond(ev.steady.sigma) >= 0.8 && j.steadyRise >= steadyMinRise &&
		!(ratio+2*ratioSE < linearLow) // a rate that clearly falls is not steady (NaN: not known to fall)
	// At the series' own scale: the rate held over enough of the process'
	// own cycles and multiplied memory — fragmentation slows as it grows.
	cycles, _ := ev.cycles()
	byCycles := cycles >= th.leakCycles && g.relativeGrowth(&ev.lv) >= th.leakGrowth

	switch {
	case !residGrows && !bloatGrows && steady:
		need := math.Max(th.leakSpan-g.watchedHours, (th.minRise-j.steadyRise)/rate)
		return undecidedFor(j, steadyButSmall, math.Max(need, 0.25*g.evidenceHours))
	case !residGrows && !bloatGrows:
		j.shape = Healthy
		j.confidence = 0.5 + 0.5*j.scores.Healthy
	case !residGrows && bloatGrows:
		j.shape = Bloat
		j.components = []Shape{Bloat}
		j.confidence = 0.5 + 0.5*j.scores.Bloat
	case decel:
		// Jumps that persist beside a slowing curve lead, whatever their
		// share: the split between jumps and curve moves with the step (a
		// coarse step blurs small jumps into the curve), the presence of
		// both does not. At a test run's own scale, where its iterations
		// sampled slower than they run make jumps at one step and none at
		// the next, they lead when they carry a fifth of the growth.
		j.shape = Fragmentation
		j.components = []Shape{Fragmentation}
		if bloatGrows && (jumpShare >= bloatShare || cycles < th.leakCycles) {
			j.shape = Bloat
			j.components = []Shape{Bloat, Fragmentation}
		}
		j.confidence = 0.5 + 0.5*math.Max(j.scores.Fragmentation, clamp01((decelUpper-ratio-2*ratioSE)/0.3))
	case bloatGrows && jumpShare >= bloatShare && !(jumpShare < leakLeadShare && cycles >= th.leakCycles && ratio >= linearLow && ratio <= linearHigh) &&
		!(jumpShare < leakLeadShare && g.watchedHours >= th.leakSpan && linear && ev.rateHolds(ratio, rateHoldHours, 1/rateHoldHours) && ev.pieceScatter() <= maxPieceScatter):
		// Jumps carry the growth and what is left between them looks
		// steady: bloat, not a leak — bloat with fragmentation looks just
		// like this until the slowdown shows. But bloat means the jumps
		// carry the growth: at the series' own scale (a test run, a batch
		// job, over ten of its cycles or more), where the growth between
		// the jumps carries most of the rise at a rate that neither
		// clearly speeds up nor slows down, the jumps do not carry it,
		// and a test run's own cycles sampled slower than they run make
		// jumps of a few percent at one step and none at the next. It is
		// judged as growth (below). Over hours a rate between jumps that
		// roughly holds is what the trap imitates (its small jumps,
		// unresolved at a coarse step, fill in its slowing): there the
		// growth leads only where its rate holds within a tenth, half
		// against half and stretch against stretch, and piece by piece
		// within its noise (a leak that also jumps); else the jumps keep
		// the lead.
		j.shape = Bloat
		j.components = []Shape{Bloat}
		j.confidence = 0.5 + 0.5*j.scores.Bloat*0.8
	case bloatGrows && jumpShare >= bloatShare && !(linear && ev.rateHolds(ratio, rateHoldLow, linearHigh)):
		// At the series' own scale the growth between the jumps carries
		// most of the rise. Where its rate holds, stretch by stretch
		// (rateHolds) and from the first half to the second, it is a leak
		// with its jumps named once it multiplied memory — fragmentation
		// slows as it grows — and too short to tell before (below).
		// Where that is not shown, neither the jumps nor a leak can be
		// named yet: the trap at a test run's scale slows stretch by
		// stretch.
		return undecidedFor(j, slowingOrNot, watchForRatio(g.evidenceHours, ratioSE))
	case linear && (g.watchedHours >= th.leakSpan || byCycles):
		j.shape = Leak
		j.components = []Shape{Leak}
		j.ownScale = g.watchedHours < th.leakSpan
		if bloatGrows && jumpShare >= bloatPresence {
			j.components = append(j.components, Bloat)
		}
		j.confidence = 0.5 + 0.5*math.Max(j.scores.Leak, 0.2)
		if ev.underADay() {
			j.confidence *= 0.8
		}
	case linear:
		return undecidedFor(j, linearTooShort, th.leakSpan-g.watchedHours)
	case !math.IsNaN(ratio) && ratio > linearHigh:
		return undecidedFor(j, accelerating, math.Max(24-g.evidenceHours, g.evidenceHours))
	default:
		return undecidedFor(j, slowingOrNot, watchForRatio(g.evidenceHours, ratioSE))
	}

	// A curve that misses the data in long stretches lowers the confidence.
	switch j.shape {
	case Leak:
		j.misfit = g.line.misses(ev.lv.age, ev.jumps.flat, g.spans, g.residRise)
	case Fragmentation:
		j.misfit = j.curve.misses(ev.lv.age, ev.jumps.flat, g.aged, g.residRise)
	}
	if j.misfit {
		j.confidence = 0.5 + 0.5*(j.confidence-0.5)
	}
	return j
}

// rateHolds reports whether the growth between the jumps keeps its rate:
// the jump-free levels rise as fast in the second half as in the first
// (ratio), and so do the stretches between the jumps, each fitted on its
// own level (rateBetweenJumps), known to ±ratioPrecise. Growth between
// the trap's jumps is fragmentation: it slows.
func (ev *evidence) rateHolds(ratio, low, high float64) bool {
	if !(ratio >= low && ratio <= high) {
		return false
	}
	r, se, ok := ev.rateBetweenJumps()
	return ok && r >= low && r <= high && se <= ratioPrecise
}

// undecidedFor is j made inconclusive for a reason, with hours to watch
// (at most two weeks).
func undecidedFor(j judgement, why undecided, watch float64) judgement {
	j.shape, j.why, j.confidence, j.components = Inconclusive, why, 0, nil
	j.watchHours = math.Min(watch, maxWatchHours)
	return j
}

// lastingGrowth is Verdict.GrowthBytesPerHour, normalised: the lasting
// rise per hour of steady time.
func (ev *evidence) lastingGrowth(s Shape) float64 {
	g := ev.growth
	hours := math.Max(g.typicalHours, ev.lv.binHours)
	switch s {
	case Leak:
		return math.Max(g.line.slope+g.jumpRise/hours, 0)
	case Fragmentation, Bloat:
		return math.Max((math.Max(g.residRise, 0)+g.jumpRise)/hours, 0)
	}
	return g.line.slope
}

// underADay reports a single lifetime seen for less than a day, where a
// daily load cycle cannot be ruled out.
func (ev *evidence) underADay() bool {
	return len(ev.life.segs) == 1 && ev.span() < dayMs
}

// span is the window's length in ms: from the first point of any
// lifetime to the last.
func (ev *evidence) span() int64 { return ev.life.last - ev.life.first }

// concaveAdvantage is the Bayesian information criterion's preference for
// the best decelerating curve over a straight line (positive: curve wins).
func concaveAdvantage(line, curve pooled) float64 {
	if !curve.ok || !line.ok || line.n < 4 || curve.rss <= 0 {
		return 0
	}
	n := float64(line.n)
	return n*math.Log(line.rss/curve.rss) - math.Log(n)
}

// watchForRatio estimates how much longer to watch, after h hours of
// evidence, until the rate ratio is known to ±ratioPrecise: a slope's
// standard error falls with the span to the power 1.5 at a fixed sampling
// rate.
func watchForRatio(h, se float64) float64 {
	if math.IsInf(se, 0) || math.IsNaN(se) || se <= 0 {
		return math.Min(math.Max(h, 1), maxWatchHours)
	}
	need := h * math.Pow(se/ratioPrecise, 2.0/3.0)
	return math.Min(math.Max(need-h, 0.25*h), maxWatchHours)
}
