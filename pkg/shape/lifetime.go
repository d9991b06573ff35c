package shape

import "math"

// Time scales that tell a garbage collector from a restart. GC cycles run
// seconds to minutes; worker killers, deploys and OOM kills come an hour or
// more apart. Between the two, drops are taken as GC cycles: a restart
// every few minutes is a crash loop, and its lifetimes are too short to
// show a shape anyway.
const (
	gcMaxPeriodMs   = 30 * 60 * 1000
	minDropsForGC   = 4
	gcMinSteps      = 4    // a sawtooth is resolved when a period spans at least this many steps
	restartErase    = 0.6  // a restart gives back at least this share of the climb since the lifetime began
	restartDeepDrop = 0.35 // …or drops by this share of the level at once (the process died)
	dropShare       = 0.03 // a sharp fall is at least this share of the level
)

// drop is a sharp fall: from point from to point to (to > from).
type drop struct{ from, to int }

// segment is a process lifetime as a range of cleaned points [lo, hi).
type segment struct{ lo, hi int }

// lifetimes is the first stage's result: the series' scale and step, the
// garbage collector's period if it saws, and the process lifetimes between
// restarts.
type lifetimes struct {
	scale float64 // the median level, bytes: levels are judged relative to it
	step  float64 // median sampling step, ms
	gc    float64 // GC period in ms, 0 when there is no sawtooth
	// pointNoise is the spread of one point about its neighbours (from
	// the differences of consecutive points), normalised by scale; 0 when
	// unknown (pooled series).
	pointNoise float64
	segs       []segment // lifetimes as point ranges

	// Where each lifetime stands in the window. A lifetime is partial when
	// it began before the window (its age is unknown), running when it
	// lasts to the window's end. first and last are the window's first and
	// last timestamps.
	partial, running []bool
	began            []bool // the lifetime is seen to begin inside the window
	first, last      int64
	// startsSeen: some lifetime is seen to begin inside the window.
	startsSeen bool

	// Pooled over several series (the lifetimes of a workload): each
	// series' point range and each lifetime's series. One series is one
	// member.
	members []segment
	member  []int
	pooled  bool
}

// place fills in where the lifetimes of one series stand: the first began
// before the window when two restarts or more show that the process
// restarts (with one restart both lifetimes are cut by the window and
// judged as seen), the last runs to the end. What it fills in lives in
// ws's arrays.
func (lt *lifetimes) place(t []int64, ws *workspace) {
	n := len(lt.segs)
	flags := grow(ws.flags, 3*n)
	clear(flags)
	member := grow(ws.member, n)
	clear(member)
	ws.flags, ws.member = flags, member
	lt.partial, lt.running, lt.began, lt.member = flags[:n:n], flags[n:2*n:2*n], flags[2*n:], member
	lt.partial[0] = n >= 3
	lt.running[n-1] = true
	for k := 1; k < n; k++ {
		lt.began[k] = true
	}
	lt.first, lt.last = t[0], t[len(t)-1]
	lt.startsSeen = n > 1
	ws.whole = [1]segment{{0, len(t)}}
	lt.members = ws.whole[:]
}

// fewWhole reports whether fewer than two pooled lifetimes are seen whole:
// begun and ended inside the window.
func (lt *lifetimes) fewWhole() bool {
	if !lt.pooled {
		return false
	}
	n := 0
	for k := range lt.segs {
		if lt.began[k] && !lt.running[k] {
			n++
		}
	}
	return n < 2
}

// current is the lifetime the process is in now: of those running to the
// window's end, the one that began last; when none is (pooled series that
// all stopped), the one that ended last.
func (lt *lifetimes) current(t []int64) int {
	cur := -1
	for k, s := range lt.segs {
		if cur < 0 {
			cur = k
			continue
		}
		c := lt.segs[cur]
		switch {
		case lt.running[k] != lt.running[cur]:
			if lt.running[k] {
				cur = k
			}
		case lt.running[k]:
			if t[s.lo] >= t[c.lo] {
				cur = k
			}
		case t[s.hi-1] > t[c.hi-1] || t[s.hi-1] == t[c.hi-1] && t[s.lo] >= t[c.lo]:
			cur = k
		}
	}
	return cur
}

// findLifetimes measures the scale and step, looks for a GC sawtooth, and
// otherwise cuts the series at restarts (and at outages that hide one).
func findLifetimes(t []int64, v []float64, buf []float64) lifetimes {
	n := len(t)
	lt := lifetimes{
		scale: median(sampleInto(buf, n, func(i int) float64 { return v[i] })),
		step:  medianStep(t, buf),
	}
	drops, med, sigma, beat := findDrops(v, buf, lt.scale)
	lt.pointNoise = sigma / math.Sqrt2 / lt.scale
	lt.gc = gcPeriod(t, collections(v, drops))
	if lt.gc > 0 {
		lt.segs = []segment{{0, n}}
		if lt.gc < gcMinSteps*lt.step {
			// A sawtooth sampled slower than it runs: the scrape catches it
			// at random phases, and it is noise of its amplitude around its
			// mean. Its apparent period is the step's, not the collector's.
			lt.gc = 0
		}
		return lt
	}
	if p := beatPeriod(t, v, beat); p >= gcMinSteps*lt.step {
		// A collector's sawtooth seen as a slow beat that rises at once
		// and sinks slowly: its floor is what grows.
		lt.gc = p
		lt.segs = []segment{{0, n}}
		return lt
	}
	drops = levelDrops(v, drops, med, sigma, lt.scale)
	segs, short := splitLifetimes(v, drops, sigma, lt.scale, buf, false, true)
	if short && !steadyClimbs(t, v, segs, buf) {
		// Lifetimes of a few points each that climb at unequal rates: the
		// slow beat of a collector's sawtooth sampled near a multiple of
		// its period, whose falls come at uneven times and always give back
		// the same height. Judged on five points they are not restarts.
		segs, short = splitLifetimes(v, drops, sigma, lt.scale, buf, false, false)
	}
	if len(drops) >= minDropsForGC && 3*(len(segs)-1) < len(drops) {
		// Most falls leave the level where it was: a sawtooth, seen at a
		// step that turns the collector's period into a slow beat. The few
		// falls of the beat that look like restarts are not — except a
		// fall by restartDeepDrop of the level at once, deeper than a
		// collector's beat falls: the process died, and a few other falls
		// beside it (part of a jump freed, a spike ending) must not hide
		// that.
		segs, _ = splitLifetimes(v, drops, sigma, lt.scale, buf, true, short)
	}
	if gc := crashLoop(t, segs); gc >= gcMinSteps*lt.step {
		// Restarts every few minutes, found where noise hides each fall
		// point by point: a collector's sawtooth, as the falls a point
		// shows are (see gcMaxPeriodMs).
		lt.gc = gc
		lt.segs = []segment{{0, n}}
		return lt
	}
	lt.segs = splitAtGaps(t, v, segs)
	return lt
}

// crashLoop is the typical lifetime in ms when the series restarts at
// least minDropsForGC times and its lifetimes are typically shorter than
// gcMaxPeriodMs; 0 otherwise.
func crashLoop(t []int64, segs []segment) float64 {
	if len(segs)-1 < minDropsForGC {
		return 0
	}
	spans := make([]float64, 0, len(segs)-2)
	for _, s := range segs[1 : len(segs)-1] { // the first and last are cut by the window
		spans = append(spans, float64(t[s.hi]-t[s.lo]))
	}
	if p := median(spans); p < gcMaxPeriodMs {
		return p
	}
	return 0
}

// medianStep is the median spacing of t in ms (of at most maxSample
// sampled spacings); a regular series needs no selection.
func medianStep(t []int64, buf []float64) float64 {
	n := len(t)
	stride := 1
	if n-1 > maxSample {
		stride = (n - 1 + maxSample - 1) / maxSample
	}
	first := t[1] - t[0]
	regular := true
	for i := 0; i+1 < n && regular; i += stride {
		regular = t[i+1]-t[i] == first
	}
	if regular {
		return float64(first)
	}
	return median(sampleInto(buf, n-1, func(i int) float64 { return float64(t[i+1] - t[i]) }))
}

// A collector's sawtooth (a slow climb, a sudden fall) sampled at a step a
// little longer than a multiple of its period is seen a little later in
// its cycle at every scrape: a slow beat of the same height, which its
// falls show. At a step a little shorter the beat runs backwards: the
// points sink slowly and rise at once, by the sawtooth's height, every
// beat. Those rises are no jumps: what they add, the slow sinking between
// them gives back, so together they add up to far more than the series
// rises in all (beatGiveBack times or more), and they give it back slowly,
// with few sharp falls. Bloat keeps what its jumps take, a leak in steps
// rises by what its steps add, restarts fall as sharply as their warm-ups
// rise, and a spike falls as sharply as it rose.
const beatGiveBack = 1.5

// beatPeriod is the period in ms of a backward beat in y, and 0 when
// there is none: at least minDropsForGC sudden rises (beyond the typical
// step-to-step difference by four times its robust spread and by
// dropShare of the level), each holding for two points, that add up to
// beatGiveBack times the series' whole rise or more, typically less than
// gcMaxPeriodMs apart, with sharp falls (by as much beyond the typical
// difference) fewer than a quarter of them. The rises and falls are found
// by findDrops, in its pass over the differences (beat).
func beatPeriod(t []int64, y []float64, beat beatScan) float64 {
	n := len(y)
	if n < 20 {
		return 0
	}
	at, sum, falls := beat.at, beat.sum, beat.falls
	if len(at) < minDropsForGC || 4*falls > len(at) { // restarts fall as sharply as their warm-ups rise
		return 0
	}
	q := max(1, n/10)
	whole := meanOf(y, n-q, n) - meanOf(y, 0, q)
	if sum < beatGiveBack*math.Max(whole, 0) {
		return 0
	}
	gaps := make([]float64, 0, len(at)-1)
	for k := 1; k < len(at); k++ {
		gaps = append(gaps, float64(t[at[k]]-t[at[k-1]]))
	}
	if p := median(gaps); p < gcMaxPeriodMs {
		return p
	}
	return 0
}

// beatScan is what a backward beat shows in y (see beatPeriod): where its
// sudden rises begin, what they add up to, and how many sharp falls y
// has.
type beatScan struct {
	at    []int
	sum   float64
	falls int
}

// step looks at the difference into point i: a sharp fall (at or below
// fall, not the rest of one) is counted, and a sudden rise (at or beyond
// rise, not the rest of one) whose new level holds for two points is
// added. A difference between fall and rise is neither.
func (b *beatScan) step(y []float64, i int, rise, fall float64) {
	n := len(y)
	if y[i]-y[i-1] <= fall && (i == 1 || y[i-1]-y[i-2] > fall) {
		b.falls++
	}
	if y[i]-y[i-1] < rise || (i > 1 && y[i-1]-y[i-2] >= rise) {
		return // no rise, or the rest of one
	}
	top := i
	for top+1 < n && y[top+1]-y[top] >= rise {
		top++
	}
	up := y[top] - y[i-1]
	if top+2 >= n || math.Min(y[top+1], y[top+2])-y[i-1] < (1-spikeEnd)*up {
		return // a spike, falling as sharply as it rose
	}
	b.sum += up
	b.at = append(b.at, i)
}

// findDrops returns the sharp falls of y: runs of consecutive differences
// far below the typical difference med, whose robust spread is sigma, and
// by at least dropShare of the level (the series' typical level, the
// median) and of the level they fall from. A process whose noise grows with
// its level (a lifetime far above the rest) would otherwise fall sharply
// now and then by noise alone, and those falls would pass for a garbage
// collector's or hide a restart among them.
//
// The same pass over the differences finds the sudden rises and falls
// that tell a backward beat (beatPeriod): beyond med by four times sigma
// and by dropShare of the level.
func findDrops(y []float64, buf []float64, level float64) (drops []drop, med, sigma float64, beat beatScan) {
	n := len(y)
	if n < 3 {
		return nil, 0, 0, beat
	}
	d := sampleInto(buf, n-1, func(i int) float64 { return y[i+1] - y[i] })
	med = median(d)
	sigma = madSigmaAround(d, med)
	thr := med - math.Max(6*sigma, dropShare*level)
	beyond := math.Max(4*sigma, dropShare*level)
	rise, fall := med+beyond, med-beyond // fall ≥ thr: sigma is never negative
	for i := 1; i < n; i++ {
		d := y[i] - y[i-1]
		if d > fall && d < rise {
			continue // most differences: no rise, no fall, no drop
		}
		beat.step(y, i, rise, fall)
		if d >= thr || d >= med-dropShare*y[i-1] {
			continue
		}
		if k := len(drops); k > 0 && drops[k-1].to == i-1 {
			drops[k-1].to = i // the fall goes on over another sample
			continue
		}
		drops = append(drops, drop{from: i - 1, to: i})
	}
	return drops, med, sigma, beat
}

// levelDrops adds to drops (sorted) the falls of the level that noise hides
// point by point (a restart seen at a coarse step, without its dip): falls
// of the five-point median level by more than 5 σ of one point (σ of a difference / √2; the
// difference of two such medians has σ ≈ 0.76 σ, so this is over 6 σ of
// it) and dropShare of level and of the median they fall from, each at its
// steepest point, where no drop is already within two points.
func levelDrops(y []float64, drops []drop, med, sigma, level float64) []drop {
	n := len(y)
	const w = 5
	if n < 2*w+2 {
		return drops
	}
	thr := w*med - math.Max(5*sigma/math.Sqrt2, dropShare*level)
	var out []drop
	k := 0
	best, bestI := 0.0, -1
	flush := func() {
		if bestI < 0 {
			return
		}
		q := bestI
		for i := max(1, bestI-w/2); i <= min(n-1, bestI+w/2); i++ { // the medians tolerate w/2 points on either side
			if y[i]-y[i-1] < y[q]-y[q-1] {
				q = i
			}
		}
		near := false
		for _, d := range drops {
			if d.to >= q-2 && d.from <= q+1 {
				near = true
				break
			}
		}
		if !near {
			out = append(out, drop{from: q - 1, to: q})
		}
		bestI = -1
	}
	// The medians are taken only where the sums of the two windows fall by
	// a quarter of the threshold: a fall of the medians comes with a fall
	// of the sums (unless a spike of several times the fall sits in the
	// window after), and the difference of the sums slides in O(1).
	lim := w * thr / 4
	var diff float64 // Σ y[i:i+w] − Σ y[i-w:i]
	for q := 0; q < w; q++ {
		diff += y[w+q] - y[q]
	}
	// Sliding both windows one point on: y[i+w] comes in after, y[i]
	// moves from after to before, y[i-w] leaves before.
	ahead := y[2*w:]
	mid, behind := y[w:][:len(ahead)], y[:len(ahead)]
	rising := thr > 0 // a steep rise: no fall at all still passes
	for k := 0; ; k++ {
		if !rising && bestI < 0 {
			// No fall pending and no rise that passes: the sums slide on
			// to where they fall (most of a series does not).
			for k < len(ahead) && !(diff < lim) {
				diff += ahead[k] - 2*mid[k] + behind[k]
				k++
			}
		}
		i := w + k
		switch {
		case diff < lim:
			before := med5(y[i-w : i])
			if fall := med5(y[i:i+w]) - before; fall < min(thr, w*med-dropShare*before) {
				if bestI < 0 || fall < best {
					best, bestI = fall, i
				}
			} else if bestI >= 0 {
				flush()
			}
		case rising:
			if bestI < 0 || 0 < best {
				best, bestI = 0, i
			}
		case bestI >= 0:
			flush()
		}
		if k >= len(ahead) {
			break
		}
		diff += ahead[k] - 2*mid[k] + behind[k]
	}
	flush()
	if len(out) == 0 {
		return drops
	}
	merged := make([]drop, 0, len(drops)+len(out))
	for _, d := range out {
		for k < len(drops) && drops[k].from < d.from {
			merged = append(merged, drops[k])
			k++
		}
		merged = append(merged, d)
	}
	return append(merged, drops[k:]...)
}

// med5 is the median of five numbers, without a branch: the middle two
// of the first four are the larger of their pairs' minima and the smaller
// of their pairs' maxima, and the fifth is clamped between them.
func med5(y []float64) float64 {
	a, b, c, d, e := y[0], y[1], y[2], y[3], y[4]
	f := max(min(a, b), min(c, d))
	g := min(max(a, b), max(c, d))
	return max(min(e, f), min(max(e, f), g))
}

// spikeEnd is how sharply the level must have risen just before a fall,
// as a share of the fall, for the fall to end a spike.
const spikeEnd = 0.75

// collections are the drops that may be a garbage collector's: not the end
// of a spike, which rose as sharply as it falls. A collector's heap climbs
// back over the steps of its period (at least gcMinSteps of them when the
// sawtooth is resolved), so the step before a collection rises by a
// fraction of it; isolated spikes must not pass for a sawtooth however many
// of them a short window holds.
func collections(y []float64, drops []drop) []drop {
	var out []drop
	for k, d := range drops {
		spike := d.from > 0 && y[d.from]-y[d.from-1] >= spikeEnd*(y[d.from]-y[d.to])
		switch {
		case spike && out == nil:
			out = append(make([]drop, 0, len(drops)), drops[:k]...)
		case !spike && out != nil:
			out = append(out, d)
		}
	}
	if out == nil {
		return drops
	}
	return out
}

// gcPeriod reports whether the drops are a garbage collector's sawtooth
// and, if so, its typical period in ms.
func gcPeriod(t []int64, drops []drop) float64 {
	if len(drops) < minDropsForGC {
		return 0
	}
	gaps := make([]float64, 0, len(drops)-1)
	for i := 1; i < len(drops); i++ {
		gaps = append(gaps, float64(t[drops[i].to]-t[drops[i-1].to]))
	}
	g := sampleInto(make([]float64, 0, len(gaps)), len(gaps), func(i int) float64 { return gaps[i] })
	if p := median(g); p < gcMaxPeriodMs {
		return p
	}
	return 0
}

// splitLifetimes cuts the series at restarts: drops that give back most of
// the climb since the lifetime began, or that fall by a large share of the
// level at once. Levels before and after a drop are medians of a few
// points, so a one-point spike is not a restart. Drops that do neither (a
// spike ending, part of a jump freed, a GC cycle) leave the lifetime whole.
// With deepOnly, only falls of the second kind cut it.
//
// With short, a lifetime of fewer than ten points is judged on fewer of
// them (restartWindow), and short reports whether one such was cut.
func splitLifetimes(y []float64, drops []drop, sigma, level float64, buf []float64, deepOnly, short bool) ([]segment, bool) {
	usedShort := false
	segs := []segment{{lo: 0}}
	start := 0
	w := max(5, len(y)/20) // up to 5 % of the series: a spike (≤ 1 %) is outvoted
	scratch := buf[:0]     // the medians' working copies
	if cap(scratch) < w+1 {
		scratch = make([]float64, 0, w+1)
	}
	for _, d := range drops {
		if d.to-start < 2 { // two restarts in a row: one restart
			continue
		}
		// A lifetime of a few points (a restart every hour or two seen at
		// a 10–20-minute step) is judged on fewer of them: medians of five
		// would take its start and end from its middle and see no climb.
		q := 5
		if short {
			q = restartWindow(d.from - start + 1)
		}
		if q == 1 && d.from > start && y[d.from]-y[d.from-1] >= spikeEnd*(y[d.from]-y[d.to]) {
			continue // one point alone, reached as sharply as it falls: a spike ending
		}
		base := lifetimeBase(y, start, d.from, q, scratch)
		// The level before: over the lifetime's last quarter at most, so
		// that a short lifetime's climb is not averaged away.
		wd := max(5, min(w, (d.from-start)/4))
		if q < 5 {
			wd = q - 1
		}
		before := median(append(scratch[:0], y[max(start, d.from-wd):d.from+1]...))
		after := median(append(scratch[:0], y[d.to:min(len(y), d.to+min(q, 3))]...))
		if q < 5 {
			// A lifetime of a few points climbs from after its restart's
			// dip (dipEnd): from the dip its climb would look larger than
			// the fall that ends it, and one restart missed there merges
			// the lifetimes after it.
			if lo := dipEnd(y, start, d.from, before); lo > start {
				base = y[lo]
			}
		}
		climb := before - base
		// The fall matters (medians: 4 σ of a point) and takes the level
		// back to where the lifetime began, or near. The first lifetime
		// began before the window and climbed out of sight: a fall below
		// its first level is enough.
		fall := climb
		if start == 0 {
			fall = before - after
			climb = math.Max(climb, 0)
		}
		erases := fall >= math.Max(4*sigma/math.Sqrt2, 0.05*level) && after <= base+(1-restartErase)*climb
		deep := y[d.to] <= (1-restartDeepDrop)*before
		if !deep && (deepOnly || !erases) {
			continue
		}
		usedShort = usedShort || q < 5
		segs[len(segs)-1].hi = d.to
		segs = append(segs, segment{lo: d.to})
		start = d.to
	}
	segs[len(segs)-1].hi = len(y)
	return segs, usedShort
}

// maxClimbSpread is the largest relative spread (robust σ over the
// median) of the rates at which whole lifetimes climb for them to count
// as one process restarting: its lifetimes climb at one rate, however long
// each lasts.
const maxClimbSpread = 0.3

// steadyClimbs reports whether at least three lifetimes are seen whole
// and climb at about one rate (within maxClimbSpread): from first point to
// last, per ms.
func steadyClimbs(t []int64, y []float64, segs []segment, buf []float64) bool {
	if len(segs) < 5 {
		return false
	}
	rates := buf[:0]
	for _, s := range segs[1 : len(segs)-1] {
		if s.hi-s.lo < 2 {
			continue
		}
		lo := dipEnd(y, s.lo, s.hi-1, y[s.hi-1])
		rates = append(rates, (y[s.hi-1]-y[lo])/float64(t[s.hi-1]-t[lo]))
	}
	if len(rates) < 3 {
		return false
	}
	m := median(rates)
	spread := madSigmaAround(rates, m) / m
	return m > 0 && spread <= maxClimbSpread
}

// dipEnd is where the climb of the lifetime from point lo to point last,
// which ends at level top, starts: lo, or the point after it when lo is
// the restart's dip — the process down while scraped, one point at a
// coarse step (medians of five skip it at a finer one) — which the next
// point leaves by more than half the way to top, without passing it.
func dipEnd(y []float64, lo, last int, top float64) int {
	if last > lo+1 && y[lo+1] < top && y[lo+1]-y[lo] > (top-y[lo])/2 {
		return lo + 1
	}
	return lo
}

// lifetimeBase is the level a lifetime starts from: the median of its
// first q points (five unless the lifetime is short in points), so the
// restart's dip does not count.
func lifetimeBase(y []float64, lo, hi, q int, scratch []float64) float64 {
	end := max(min(hi+1, lo+q), lo+1)
	return median(append(scratch[:0], y[lo:end]...))
}

// restartWindow is how many points the levels before and after a fall are
// taken over when the lifetime it ends has n points: five (a one-point
// spike is outvoted), three for a lifetime under ten points, one for one
// under six — where the step resolves no more than the climb itself.
func restartWindow(n int) int {
	switch {
	case n >= 10:
		return 5
	case n >= 6:
		return 3
	}
	return 1
}

// splitAtGaps cuts lifetimes at scrape outages that may hide a restart: in
// a process that restarts every few hours, an outage longer than half the
// typical lifetime, or longer than a quarter of it with the level lower
// after than before, surely does. Bridging it would make one lifetime of
// several.
func splitAtGaps(t []int64, y []float64, segs []segment) []segment {
	if len(segs) < 3 {
		return segs
	}
	spans := make([]float64, len(segs))
	for i, s := range segs {
		spans[i] = float64(t[s.hi-1] - t[s.lo])
	}
	typical := median(spans)
	out := make([]segment, 0, len(segs))
	for _, s := range segs {
		lo := s.lo
		for i := s.lo + 1; i < s.hi; i++ {
			gap := float64(t[i] - t[i-1])
			hides := gap > typical/2 || (gap > typical/4 && y[i] < y[i-1])
			if hides && i-lo >= 2 && s.hi-i >= 2 {
				out = append(out, segment{lo, i})
				lo = i
			}
		}
		out = append(out, segment{lo, s.hi})
	}
	return out
}
