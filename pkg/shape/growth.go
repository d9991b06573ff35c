package shape

import (
	"cmp"
	"math"
	"slices"
)

// growthFit is the fifth stage's result: how the levels (jumps taken out)
// grow over the steady parts of the lifetimes.
type growthFit struct {
	spans       []span // steady spans long enough to fit
	aged        []span // the same, with a lifetime of unknown age left empty
	line        pooled // straight line over the steady parts
	early, late pooled // straight lines over the first and second halves
	// The halves' bins: the first and second half of each aged lifetime.
	earlySpans, lateSpans []span

	evidenceHours float64 // steady time summed over lifetimes
	watchedHours  float64 // the same lifetimes watched from their first point (warm-up included)
	// coveredHours is the wall-clock time the steady parts cover. For one
	// series it is evidenceHours; replicas side by side watch the same
	// hours (and the same load), so for pooled series it is their union,
	// and so is watchedHours: twelve hours of steady growth means twelve
	// hours of the clock however many pods showed it.
	coveredHours float64
	typicalHours float64 // median steady span
	residRise    float64 // lasting rise between jumps, per lifetime (normalised)
	jumpRise     float64 // persisted jumps, per lifetime (normalised)
}

// growthScratch is measureGrowth's working memory. The spans and the
// lines' intercepts live in it until the verdict is made.
type growthScratch struct {
	spans, aged, early, late []span
	spansH, mids, icpt       []float64
	typical                  []float64 // spansH's copy for its median
}

// measureGrowth fits the steady parts: the pooled straight line, separate
// lines for the first and second half of every lifetime (does the rate
// hold up?), and the lasting rise between jumps and in them.
func measureGrowth(lv *levels, st steadyParts, jf jumpsFound, sc *growthScratch) growthFit {
	g := growthFit{spans: sc.spans[:0], aged: sc.aged[:0]}
	// A lifetime that began before the window (with two or more restarts,
	// the first) has unknown ages, so it takes no part in judging how
	// growth changes with age (its intercept still counts for the straight
	// line).
	spansH, mids := sc.spansH[:0], sc.mids[:0]
	early, late := sc.early[:0], sc.late[:0]
	defer func() {
		sc.spans, sc.aged, sc.spansH, sc.mids, sc.early, sc.late = g.spans, g.aged, spansH, mids, early, late
	}()
	longMid, longH := math.NaN(), -1.0 // the middle age of the longest aged span
	var watched, steady []interval     // pooled: the wall-clock spans watched and steady, ms
	var wholeMids []float64            // pooled: the middle ages of lifetimes seen whole
	for k, s := range st.spans {
		if s.bins() < 3 {
			continue
		}
		g.spans = append(g.spans, s)
		h := lv.age[s.hi-1] - lv.age[s.lo]
		spansH = append(spansH, h)
		g.evidenceHours += h + lv.binHours // each bin stands for its whole width
		g.watchedHours += lv.age[s.hi-1] - lv.age[lv.life[k].lo] + lv.binHours
		if lv.pooled {
			ms := lv.binHours * 3.6e6
			watched = append(watched, interval{lv.at[lv.life[k].lo], lv.at[s.hi-1] + ms})
			steady = append(steady, interval{lv.at[s.lo], lv.at[s.hi-1] + ms})
		}
		if !lv.aged(k) {
			g.aged = append(g.aged, span{s.lo, s.lo})
			continue
		}
		g.aged = append(g.aged, s)
		mids = append(mids, (lv.age[s.lo]+lv.age[s.hi-1])/2)
		if lv.pooled && lv.began[k] && !lv.running[k] {
			wholeMids = append(wholeMids, mids[len(mids)-1])
		}
		if h > longH {
			longMid, longH = mids[len(mids)-1], h
		}
	}
	g.coveredHours = g.evidenceHours
	if lv.pooled {
		g.watchedHours, g.coveredHours = unionHours(watched), unionHours(steady)
	}
	if len(g.spans) == 0 {
		return growthFit{evidenceHours: g.evidenceHours, watchedHours: g.watchedHours, coveredHours: g.coveredHours}
	}
	typical := append(sc.typical[:0], spansH...) // a copy: the median reorders it
	sc.typical = typical
	g.typicalHours = median(typical)
	if len(spansH) <= 2 {
		// Two lifetimes are both cut by the window (the first began
		// before it, the last has not ended): the longer is the better
		// measure, as for the bins. The lower middle of the two would let
		// a restart near an end, a few hours from it, make a long steady
		// rise look small.
		g.typicalHours = max(spansH[0], spansH[len(spansH)-1])
	}

	// First half against second half, split at one age for all lifetimes
	// so that the same ages are compared — and no later than twice that
	// age: a lifetime far longer than the rest (two, where a restart went
	// unseen) must not carry the second half's rate by its leverage alone.
	if len(mids) > 0 {
		split := median(mids)
		if len(lv.life) <= 2 || lv.fewWhole {
			// Both lifetimes are cut by the window: the halves of the
			// longer are compared. A few hours of the other, before or
			// after a restart near an end, measure no rate, and split at
			// their middle they would cut the longer to its first hours.
			// So for pooled lifetimes none of which is seen whole: the
			// replicas that ran through the window against those just
			// started.
			split = longMid
		} else if w := wholeMids; len(w) >= 2 {
			// Pooled lifetimes: the pods still running are cut by the
			// window's end, younger than a lifetime lasts; the middle age
			// of those seen whole is the typical lifetime's.
			split = median(w)
		}
		for _, s := range g.aged {
			m := s.lo
			for m < s.hi && lv.age[m] < split {
				m++
			}
			e := m
			for e < s.hi && lv.age[e] <= 2*split {
				e++
			}
			if m-s.lo >= 2 && e-m >= 2 {
				early = append(early, span{s.lo, m})
				late = append(late, span{m, e})
			}
		}
	}
	icpt := grow(sc.icpt, len(g.spans)+len(early)+len(late))
	sc.icpt = icpt
	g.line = fitLineInto(icpt[:len(g.spans):len(g.spans)], lv.age, jf.flat, g.spans)
	icpt = icpt[len(g.spans):]
	g.early = fitLineInto(icpt[:len(early):len(early)], lv.age, jf.flat, early)
	g.late = fitLineInto(icpt[len(early):], lv.age, jf.flat, late)
	g.earlySpans, g.lateSpans = early, late

	// Lasting rise between jumps: the level at the end of each steady span
	// against its start (a tenth of the span at each end), averaged with
	// the spans' lengths as weights.
	var rise, weight float64
	for k, s := range g.spans {
		q := max(1, s.bins()/10)
		var head, tail float64
		for i := 0; i < q; i++ {
			head += jf.flat[s.lo+i]
			tail += jf.flat[s.hi-1-i]
		}
		rise += (tail - head) / float64(q) * spansH[k]
		weight += spansH[k]
	}
	if weight > 0 {
		g.residRise = rise / weight
	}
	g.jumpRise = jf.rise(st.spans, lv)
	return g
}

// cycleKind is what a series' own cycles were counted in.
type cycleKind int

const (
	noCycles cycleKind = iota
	binCycles
	gcCycles
	stepCycles
)

// cycles is how many of the process' own cycles the steady growth of a
// series under an hour (a test run, a batch job) spans, and what they are:
// garbage-collector periods under a sawtooth, steps of a step-wise leak,
// or its bins — a cycle is no longer than the resolution it shows —
// whichever are the most, so that a collector or steps a coarser step
// cannot resolve change nothing. Over an hour a load ramp or a slow curve
// can rise as straight, a collector may be out of sight at one step and
// not at another, and the hours of steady growth decide: none.
func (ev *evidence) cycles() (float64, cycleKind) {
	if ev.span() >= hourMs {
		return 0, noCycles
	}
	n := 0
	for _, s := range ev.growth.spans {
		n += s.bins()
	}
	count, kind := float64(n), binCycles
	if ev.life.gc > 0 {
		if c := ev.growth.evidenceHours * 3.6e6 / ev.life.gc; c > count {
			count, kind = c, gcCycles
		}
	}
	if c := float64(ev.jumps.steps); c > count {
		count, kind = c, stepCycles
	}
	return count, kind
}

// relativeGrowth is how far the steady rate lifts memory over a typical
// steady span, as a share of the level the span starts from.
func (g growthFit) relativeGrowth(lv *levels) float64 {
	if !g.line.ok || len(g.spans) == 0 {
		return 0
	}
	var start float64
	k := 0
	for i, s := range g.spans {
		if math.IsNaN(g.line.icpt[i]) {
			continue
		}
		start += g.line.icpt[i] + g.line.slope*lv.age[s.lo]
		k++
	}
	if k == 0 {
		return 0
	}
	start /= float64(k)
	if start <= 0 {
		return 0
	}
	return g.line.slope * g.typicalHours / start
}

// interval is a span of wall-clock time [from, to), ms.
type interval struct{ from, to float64 }

// unionHours is how many hours the intervals cover together.
func unionHours(iv []interval) float64 {
	slices.SortFunc(iv, func(a, b interval) int { return cmp.Compare(a.from, b.from) })
	var total, end float64
	for i, x := range iv {
		if i == 0 || x.from > end {
			total += x.to - x.from
			end = x.to
			continue
		}
		if x.to > end {
			total += x.to - end
			end = x.to
		}
	}
	return total / 3.6e6
}
