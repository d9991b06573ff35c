package shape

import "math"

// jumpsFound is the fourth stage's result: the jumps in the steady bins,
// whether the one jump is a slow rise, how many regular steps went back
// into the growth, and the levels with the jumps taken out.
type jumpsFound struct {
	list  []binJump
	slow  bool      // the one jump is a slow rise (a ramp), not a step
	steps int       // regular steps taken back into the growth (a step-wise leak)
	flat  []float64 // bin levels with the jumps taken out
}

// rise is the lasting rise the jumps add, per lifetime searched for them
// (normalised). Of two lifetimes both are cut by the window (the first
// began before it, the last has not ended): the jumps are spread over the
// time searched and counted over the longer, as jumps come at moments and
// a lifetime seen for a few hours before or after a restart has had little
// time for any.
func (jf jumpsFound) rise(steady []span, lv *levels) float64 {
	var sum float64
	for _, j := range jf.list {
		sum += j.size
	}
	searched := 0
	var hours, longest float64
	for _, s := range steady {
		if s.bins() >= minJumpBins {
			searched++
			h := lv.age[s.hi-1] - lv.age[s.lo] + lv.binHours
			hours += h
			longest = max(longest, h)
		}
	}
	if searched == 2 && len(steady) == 2 && hours > 0 {
		return sum * longest / hours
	}
	return sum / float64(max(1, searched))
}

// takeJumps finds the jumps of every steady span and takes them out of the
// levels; then decides what they are: regular steps of a step-wise leak, a
// steep decelerating curve cut into pieces, or bloat — and with no jump,
// whether a rise that speeds up and stops is one slow jump.
func takeJumps(lv *levels, st steadyParts, minRise float64, ws *workspace) jumpsFound {
	jf := jumpsFound{flat: append(ws.flat[:0], lv.y...)}
	for _, s := range st.spans {
		for _, j := range findJumps(lv.y, s, st.sigma, &ws.jump) {
			jf.list = append(jf.list, j)
			mid := (j.start + j.end + 1) / 2
			for q := mid; q < s.hi; q++ {
				jf.flat[q] -= j.size
			}
		}
	}

	// Many equal jumps at regular times are a leak in steps (one per test
	// iteration, per batch), not bloat: they go back into the growth —
	// with the steps the detector missed among them.
	if len(st.spans) == 1 && len(jf.list) >= 2 {
		if steps := withMissedSteps(jf.list, st.spans[0]); regularSteps(steps, st.spans[0], lv.y) {
			jf.steps = len(steps)
			jf.list = nil
			copy(jf.flat, lv.y)
		}
	}

	// Jumps that shrink one after the other from the start of a lifetime
	// are a steep decelerating curve cut into pieces: where they all lie
	// in the first half of the span and one curve explains the levels as
	// well as the jumps do, the jumps go back.
	if len(jf.list) > 0 && jumpsEarly(jf.list, st.spans) && concaveExplainsJumps(lv, st.spans, jf) {
		jf.list = nil
		copy(jf.flat, lv.y)
	}

	// A rise that speeds up and then stops: one slow jump (a single
	// lifetime; restarted processes are judged by their common climb).
	if len(st.spans) == 1 && len(jf.list) == 0 {
		s := st.spans[0]
		if j, r, ok := slowJump(lv, jf.flat, s, minRise, st.sigma); ok {
			jf.list = append(jf.list, j)
			jf.slow = true
			x1, x2 := lv.age[j.start], lv.age[j.end]
			for q := s.lo; q < s.hi; q++ {
				jf.flat[q] -= r.at(lv.age[q], x1, x2) - r.base
			}
		}
	}
	return jf
}

// Regular steps: at least minSteps jumps whose sizes and spacing vary by at
// most stepsCV (coefficient of variation), from near the start of the span
// to near its end — so their interval is at most a seventh of the span —
// with the level flat between them: what rises within the stretches
// between the steps is at most stepsFlat of the whole rise. A few jumps
// cannot show that they are equal: bloat's sizes vary (by half, say) and
// its times drift, and five to seven such jumps look as even as a leak's
// steps in one draw of a hundred or more — six jumps a day apart in a
// week's window are bloat. Eight are judged; a leak in steps (one per test
// iteration, per batch) shows more.
const (
	minSteps  = 8
	stepsCV   = 0.15
	stepsFlat = 0.2
)

// withMissedSteps is the jumps js with a step put in where a gap between
// two is a whole number of times (two or more) the typical gap: a step of
// a leak in steps that the detector missed at this step (its comparison
// windows straddle two steps as often as not at a coarse one). The steps
// put in are checked with the rest by regularSteps, on the levels: where
// the level does not step there, they are not equal and the jumps are no
// steps.
func withMissedSteps(js []binJump, s span) []binJump {
	gaps := make([]float64, 0, len(js)-1)
	for k := 1; k < len(js); k++ {
		gaps = append(gaps, float64(js[k].end-js[k-1].end))
	}
	g := median(append([]float64(nil), gaps...))
	if g <= 0 {
		return js
	}
	out := make([]binJump, 0, 2*len(js))
	put := func(at int) {
		if at-1 >= s.lo && at < s.hi {
			out = append(out, binJump{start: at - 1, end: at})
		}
	}
	// …and before the first and after the last, where the span leaves
	// room for another interval and a half.
	for q := int((float64(js[0].end-s.lo) - g/2) / g); q >= 1; q-- {
		put(js[0].end - int(math.Round(float64(q)*g)))
	}
	for k, j := range js {
		if k > 0 {
			prev := js[k-1]
			if n := int(math.Round(gaps[k-1] / g)); n >= 2 {
				for q := 1; q < n; q++ {
					put(prev.end + int(math.Round(float64(q)*gaps[k-1]/float64(n))))
				}
			}
		}
		out = append(out, j)
	}
	last := js[len(js)-1].end
	for q := 1; float64(s.hi-1-last)-float64(q)*g >= g/2; q++ {
		put(last + int(math.Round(float64(q)*g)))
	}
	return out
}

// regularSteps reports whether the jumps js in span s of the levels y are
// the regular steps of a step-wise leak.
func regularSteps(js []binJump, s span, y []float64) bool {
	if len(js) < minSteps {
		return false
	}
	limit := stepsCV
	sizes := make([]float64, 0, len(js))
	gaps := make([]float64, 0, len(js))
	// A step's size is read from the flat stretches on both sides (their
	// middle halves), which a coarse step measures as well as a fine one;
	// the size the detector took out depends on its short windows.
	stretch := func(k int) float64 { // mean level of the middle half between step k-1 and step k
		lo, hi := s.lo, s.hi
		if k > 0 {
			lo = js[k-1].end
		}
		if k < len(js) {
			hi = js[k].start + 1
		}
		q := (hi - lo) / 4
		if hi-q <= lo+q {
			return math.NaN()
		}
		return meanOf(y, lo+q, hi-q)
	}
	prev := stretch(0)
	for k, j := range js {
		if j.start < s.lo || j.end >= s.hi {
			return false
		}
		next := stretch(k + 1)
		size := next - prev
		if math.IsNaN(size) {
			size = j.size
		}
		sizes = append(sizes, size)
		prev = next
		if k > 0 {
			gaps = append(gaps, float64(j.end-js[k-1].end))
		}
	}
	g := mean(gaps)
	if cv(sizes) > limit || cv(gaps) > limit || g <= 0 {
		return false
	}
	if float64(js[0].end-s.lo) > 2*g || float64(s.hi-1-js[len(js)-1].end) > 2*g {
		return false
	}
	// Between two steps, the middle half of the stretch: its last third
	// against its first.
	var within float64
	for k := 1; k < len(js); k++ {
		lo, hi := js[k-1].end, js[k].start+1
		q := (hi - lo) / 4
		lo, hi = lo+q, hi-q
		if third := (hi - lo) / 3; third >= 1 {
			// …scaled to the whole stretch: what the stretch itself rises.
			within += (meanOf(y, hi-third, hi) - meanOf(y, lo, lo+third)) * float64(js[k].start+1-js[k-1].end) / float64(hi-lo-third)
		}
	}
	q := max(1, s.bins()/20)
	whole := meanOf(y, s.hi-q, s.hi) - meanOf(y, s.lo, s.lo+q)
	return whole > 0 && within <= stepsFlat*whole
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// cv is the coefficient of variation: standard deviation over mean.
func cv(xs []float64) float64 {
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss/float64(len(xs))) / math.Abs(m)
}

// concaveExplainsJumps compares, by the Bayesian information criterion,
// the jumps (two parameters each) plus a straight line per lifetime with
// one decelerating curve through the levels as they are (jumps on a
// curve of their own count the curve's parameter too). The curve must
// also clearly beat a straight line through those levels: jumps on a
// slower rise that together look straight (the trap) stay jumps.
func concaveExplainsJumps(lv *levels, steady []span, jf jumpsFound) bool {
	var spans []span
	for _, s := range steady {
		if s.bins() >= 3 {
			spans = append(spans, s)
		}
	}
	if len(spans) == 0 {
		return false
	}
	var typical float64
	for _, s := range spans {
		typical = math.Max(typical, lv.age[s.hi-1]-lv.age[s.lo])
	}
	// The cheap comparisons first: the curve against a line through the
	// levels, then against the jumps with straight lines between them
	// (a curve between them can only make the jumps fit better).
	line := fitLine(lv.age, lv.y, spans)
	if !line.ok || line.rss <= 0 {
		return false
	}
	conc := fitConcave(lv.age, lv.y, spans, typical, lv.binHours)
	if !conc.ok || conc.rss <= 0 {
		return false
	}
	n := float64(line.n)
	bic := func(rss float64, params int) float64 { return n*math.Log(rss/n) + float64(params)*math.Log(n) }
	bicConc := bic(conc.rss, 3)
	if bicConc+10 >= bic(line.rss, 2) {
		return false
	}
	steps := fitLine(lv.age, jf.flat, spans)
	if !steps.ok || steps.rss <= 0 || bicConc > bic(steps.rss, 3+2*len(jf.list)) {
		return false
	}
	if c := fitConcave(lv.age, jf.flat, spans, typical, lv.binHours); c.ok && c.rss < steps.rss {
		steps.rss = c.rss // jumps on a decelerating curve (the trap)
	}
	return steps.rss > 0 && bicConc <= bic(steps.rss, 3+2*len(jf.list))
}

// jumpsEarly reports whether every jump lies in the first half of its
// span, where a decelerating curve rises most: jumps spread over the whole
// span are no curve cut into pieces, however well a curve fits them at a
// step too coarse to tell.
func jumpsEarly(js []binJump, spans []span) bool {
	for _, j := range js {
		for _, s := range spans {
			if j.start >= s.lo && j.start < s.hi && 2*(j.end-s.lo) > s.bins() {
				return false
			}
		}
	}
	return true
}

// betweenJumps cuts the spans at the jumps: the stretches between them
// (a jump's own rise left out) of at least three bins.
func (jf jumpsFound) betweenJumps(spans []span) []span {
	var out []span
	for _, s := range spans {
		lo := s.lo
		for _, j := range jf.list {
			if j.end <= lo || j.start >= s.hi {
				continue
			}
			if j.start+1-lo >= 3 {
				out = append(out, span{lo, j.start + 1})
			}
			lo = max(lo, j.end)
		}
		if s.hi-lo >= 3 {
			out = append(out, span{lo, s.hi})
		}
	}
	return out
}

// rateBetweenJumps compares the rate the levels rise at between the
// jumps in the second half of the lifetimes with the first: each stretch
// between two jumps is fitted on its own level (one slope, an intercept
// per stretch), so what the jumps are measured to be does not tilt it. A
// leak with jumps keeps its rate from stretch to stretch; the growth
// between the trap's jumps is fragmentation, and each stretch is flatter
// than the one before. It returns the late rate over the early and that
// ratio's standard error; ok is false without jumps or enough stretches.
func (ev *evidence) rateBetweenJumps() (ratio, se float64, ok bool) {
	if len(ev.jumps.list) == 0 {
		return math.NaN(), math.Inf(1), false
	}
	g := ev.growth
	early := fitLine(ev.lv.age, ev.lv.y, ev.jumps.betweenJumps(g.earlySpans))
	late := fitLine(ev.lv.age, ev.lv.y, ev.jumps.betweenJumps(g.lateSpans))
	if !early.ok || !late.ok || !(early.slope > 2*early.se) {
		return math.NaN(), math.Inf(1), false
	}
	ratio = late.slope / early.slope
	se = math.Sqrt(late.se*late.se+ratio*ratio*early.se*early.se) / early.slope
	return ratio, se, true
}

// pieceScatter is how far the rate of short pieces of the stretches
// between the jumps (about a tenth of them each, at least five levels)
// scatters around their common rate, in units of each piece's standard
// error: chi-square per degree of freedom, about 1 for a rate that holds
// under noise. Jumps too small or too slow to be found — the trap's, at a
// coarse step — leave pieces that climb steeply and pieces that stay
// flat between them, where half against half still looks steady. NaN
// with fewer than three pieces.
func (ev *evidence) pieceScatter() float64 {
	st := ev.jumps.betweenJumps(ev.growth.spans)
	total := 0
	for _, s := range st {
		total += s.bins()
	}
	all := fitLine(ev.lv.age, ev.lv.y, st)
	if !all.ok {
		return math.NaN()
	}
	size := max(5, total/10)
	var chi float64
	n := 0
	one := []span{{}}
	for _, s := range st {
		for lo := s.lo; lo+size <= s.hi; lo += size {
			hi := lo + size
			if s.hi-hi < size {
				hi = s.hi // the rest joins the last piece
			}
			one[0] = span{lo, hi}
			f := fitLine(ev.lv.age, ev.lv.y, one)
			if !f.ok || !(f.se > 0) {
				continue
			}
			d := (f.slope - all.slope) / f.se
			chi += d * d
			n++
		}
	}
	if n < 3 {
		return math.NaN()
	}
	return chi / float64(n-1)
}
