package shape

import (
	"math"
)

// analysis is everything measured about one cleaned series before the
// judgement. Levels are normalised by scale (the median), times within a
// lifetime are hours of age.
type analysis struct {
	opt   Options
	t     []int64
	scale float64
	step  float64 // median sampling step, ms
	gc    float64 // GC period in ms, 0 when there is no sawtooth

	segs        []segment // lifetimes as point ranges
	b           bins
	life        []span  // bins of each lifetime
	steady      []span  // bins of each lifetime after warm-up
	warmupHours float64 // age at which warm-up ends
	binHours    float64 // bin width
	daily       float64 // amplitude of the daily cycle taken out (normalised), 0 if none
	sigma       float64 // noise of one bin
	jumps       []binJump
	slow        bool      // the one jump is a slow rise (a ramp), not a step
	steps       int       // regular steps taken back into the growth (a step-wise leak)
	oomRestarts bool      // lifetimes end near the limit: the restarts are OOM kills
	dj          []float64 // bin levels with the jumps taken out

	spans       []span // steady spans long enough to fit
	aged        []span // the same, with a lifetime of unknown age left empty
	lin         pooled // straight line over the steady parts
	early, late pooled // straight lines over the first and second halves
	conc        pooled // best logarithmic or saturating curve (fitted on demand)

	evidenceHours float64 // steady time summed over lifetimes
	watchedHours  float64 // the same lifetimes watched from their first point (warm-up included)
	typicalHours  float64 // median steady span
	residRise     float64 // lasting rise between jumps, per lifetime (normalised)
	jumpRise      float64 // persisted jumps, per lifetime (normalised)
}

func analyse(t []int64, v []float64, opt Options) *analysis {
	n := len(t)
	a := &analysis{opt: opt, t: t}
	buf := make([]float64, 0, min(n, maxSample+1))

	a.scale = median(sampleInto(buf, n, func(i int) float64 { return v[i] }))
	y := v[:n] // raw bytes until binning divides by the scale
	a.step = median(sampleInto(buf, n-1, func(i int) float64 { return float64(t[i+1] - t[i]) }))

	drops, dsig := findDrops(y, buf, a.scale)
	a.gc = gcPeriod(t, drops)
	if a.gc > 0 {
		a.segs = []segment{{0, n}}
	} else {
		a.segs = splitAtGaps(t, y, splitLifetimes(y, drops, dsig, a.scale))
	}

	width := binWidth(t, a.segs, a.step)
	level, scale := y, a.scale
	if a.gc > 0 {
		level, scale = rollingMean(t, rollingFloor(t, y, 1.5*a.gc, a.scale), a.gc), 1
	}
	a.b = bins{
		age: make([]float64, 0, min(n, 2*binsPerLifetime*len(a.segs))),
		at:  make([]float64, 0, min(n, 2*binsPerLifetime*len(a.segs))),
		y:   make([]float64, 0, min(n, 2*binsPerLifetime*len(a.segs))),
	}
	for _, s := range a.segs {
		b0, b1 := a.b.appendBins(t, level, s.lo, s.hi, width, scale)
		a.life = append(a.life, span{b0, b1})
	}

	a.daily = a.removeDailyCycle()
	a.binHours = width / 3.6e6
	a.warmupHours = a.warmup(a.binHours)
	a.steady = make([]span, len(a.life))
	for k, s := range a.life {
		st := s.a
		for st < s.b && a.b.age[st] < a.warmupHours-1e-9 {
			st++
		}
		a.steady[k] = span{st, s.b}
	}
	a.sigma = a.binNoise(buf)

	a.dj = append([]float64(nil), a.b.y...)
	var sc jumpScratch
	for _, s := range a.steady {
		for _, j := range findJumps(a.b.y, s.a, s.b, a.sigma, &sc) {
			a.jumps = append(a.jumps, j)
			mid := (j.i + j.j + 1) / 2
			for q := mid; q < s.b; q++ {
				a.dj[q] -= j.size
			}
		}
	}

	// Many equal jumps at regular times are a leak in steps (one per test
	// iteration, per batch), not bloat: they go back into the growth.
	if len(a.steady) == 1 && regularSteps(a.jumps, a.steady[0], a.dj) {
		a.steps = len(a.jumps)
		a.jumps = nil
		copy(a.dj, a.b.y)
	}

	// Jumps that shrink one after the other from the start of a lifetime
	// are a steep decelerating curve cut into pieces: where one curve
	// explains the levels as well as the jumps do, the jumps go back.
	if len(a.jumps) > 0 && a.concaveExplainsJumps() {
		a.jumps = nil
		copy(a.dj, a.b.y)
	}

	// A rise that speeds up and then stops: one slow jump (a single
	// lifetime; restarted processes are judged by their common climb).
	if len(a.steady) == 1 && len(a.jumps) == 0 {
		s := a.steady[0]
		if j, r, ok := a.slowJump(s, opt.Sensitivity.thresholds().minRise); ok {
			a.jumps = append(a.jumps, j)
			a.slow = true
			x1, x2 := a.b.age[j.i], a.b.age[j.j]
			for q := s.a; q < s.b; q++ {
				a.dj[q] -= r.at(a.b.age[q], x1, x2) - r.a
			}
		}
	}

	a.fit()
	return a
}

// warmup finds the age at which start-up growth gives way to the steady
// behaviour, from the profile of all lifetimes laid over each other by age
// (a restarted process warms up the same way each time). The steady line
// is fitted to the later part of the profile; warm-up lasts while the
// profile stays clearly below that line, and never more than 15 % of a
// lifetime: a rise that has not met the steady line by then is part of the
// shape (fragmentation's early growth, a jump), not a warm-up.
func (a *analysis) warmup(width float64) float64 {
	use := a.life
	if len(a.life) >= 3 { // the first lifetime began before the window: its age is unknown
		use = a.life[1:]
	}
	// Lifetimes are laid over each other by age up to the typical lifetime
	// span, each shifted by its mean level over a common stretch of age, so
	// lifetimes of unequal length do not bend the profile.
	spans := make([]float64, 0, len(use))
	for _, s := range use {
		if s.b > s.a {
			spans = append(spans, a.b.age[s.b-1])
		}
	}
	if len(spans) == 0 {
		return 0
	}
	typical := median(spans)
	width = math.Max(width, typical/maxBinsPerLifetime) // lifetimes of very unequal length
	p := int(typical/width) + 1
	if p < 5 {
		return 0
	}
	lo, hi := 0.4*typical, 0.8*typical
	sum := make([]float64, p)
	cnt := make([]float64, p)
	for _, s := range use {
		if s.b-s.a < 2 || a.b.age[s.b-1] < hi {
			continue
		}
		var off, m float64
		for i := s.a; i < s.b; i++ {
			if age := a.b.age[i]; age >= lo && age <= hi {
				off += a.b.y[i]
				m++
			}
		}
		if m == 0 {
			continue
		}
		off /= m
		for i := s.a; i < s.b; i++ {
			j := int(a.b.age[i] / width)
			if j >= p {
				break
			}
			sum[j] += a.b.y[i] - off
			cnt[j]++
		}
	}
	prof := make([]float64, p)
	for j := range prof {
		prof[j] = math.NaN()
		if cnt[j] > 0 {
			prof[j] = sum[j] / cnt[j]
		}
	}
	// Steady line over the profile's later 70 %.
	var sx, sy, sxx, sxy, m float64
	for j := int(0.3 * float64(p)); j < p; j++ {
		if math.IsNaN(prof[j]) {
			continue
		}
		x := float64(j)
		sx, sy, sxx, sxy, m = sx+x, sy+prof[j], sxx+x*x, sxy+x*prof[j], m+1
	}
	if m < 3 || math.IsNaN(prof[0]) {
		return 0
	}
	slope := (m*sxy - sx*sy) / (m*sxx - sx*sx)
	icpt := (sy - slope*sx) / m
	diffs := make([]float64, 0, p)
	for j := 1; j < p; j++ {
		if !math.IsNaN(prof[j]) && !math.IsNaN(prof[j-1]) {
			diffs = append(diffs, prof[j]-prof[j-1])
		}
	}
	d := sampleInto(make([]float64, 0, len(diffs)), len(diffs), func(i int) float64 { return diffs[i] })
	sp := madSigma(d) / math.Sqrt2
	deficit := prof[0] - icpt
	if deficit >= -math.Max(4*sp, 0.02) {
		return 0
	}
	limit := max(int(math.Ceil(0.15*float64(p))), min(2, p/3))
	if a.gc > 0 { // the floor under a sawtooth is smoothed over 2.5 periods: so is the warm-up's end
		limit += int(math.Ceil(2.5 * a.gc / 3.6e6 / width))
	}
	tol := math.Max(math.Max(3*sp, 0.01), -0.1*deficit) // 90 % of the way up
	for j := 1; j <= limit && j < p; j++ {
		if math.IsNaN(prof[j]) || prof[j]-(icpt+slope*float64(j)) < -tol {
			continue
		}
		// Without a restart in sight the window's start is not a process
		// start: a warm-up there must climb from the first point on, and a
		// level that sits still and then leaps is a jump — the shape, not
		// its preamble. (After a restart, the dip and climb back are the
		// warm-up whatever their form.)
		third := j / 3
		if len(a.life) == 1 && j >= 3 && (math.IsNaN(prof[third]) || prof[third]-(icpt+slope*float64(third)) <= 0.85*deficit) {
			return 0
		}
		return float64(j) * width
	}
	return 0 // still far below the steady line: not a warm-up but a shape of its own
}

// binNoise is the spread of one bin's level around its neighbours, from
// the differences of consecutive steady bins.
func (a *analysis) binNoise(buf []float64) float64 {
	diffs := make([]float64, 0, len(a.b.y))
	for _, s := range a.steady {
		for i := s.a + 1; i < s.b; i++ {
			diffs = append(diffs, a.b.y[i]-a.b.y[i-1])
		}
	}
	if len(diffs) < 3 {
		return 0
	}
	d := sampleInto(buf, len(diffs), func(i int) float64 { return diffs[i] })
	return madSigma(d) / math.Sqrt2
}

// fit measures growth over the steady parts: the pooled straight line,
// separate lines for the first and second half of every lifetime (does the
// rate hold up?), the best decelerating curve, and the lasting rise.
func (a *analysis) fit() {
	// With two or more restarts the first lifetime began before the window:
	// its ages are unknown, so it takes no part in judging how growth
	// changes with age (its intercept still counts for the straight line).
	partialFirst := len(a.segs) >= 3
	var spans, aged []span
	var spansH, mids []float64
	for k, s := range a.steady {
		if s.b-s.a < 3 {
			continue
		}
		spans = append(spans, s)
		h := a.b.age[s.b-1] - a.b.age[s.a]
		spansH = append(spansH, h)
		a.evidenceHours += h + a.binHours // each bin stands for its whole width
		a.watchedHours += a.b.age[s.b-1] - a.b.age[a.life[k].a] + a.binHours
		if k == 0 && partialFirst {
			aged = append(aged, span{s.a, s.a})
			continue
		}
		aged = append(aged, s)
		mids = append(mids, (a.b.age[s.a]+a.b.age[s.b-1])/2)
	}
	if len(spans) == 0 {
		return
	}
	a.typicalHours = median(append([]float64(nil), spansH...))

	// First half against second half, split at one age for all lifetimes
	// so that the same ages are compared.
	var early, late []span
	if len(mids) > 0 {
		split := median(mids)
		for _, s := range aged {
			m := s.a
			for m < s.b && a.b.age[m] < split {
				m++
			}
			if m-s.a >= 2 && s.b-m >= 2 {
				early = append(early, span{s.a, m})
				late = append(late, span{m, s.b})
			}
		}
	}

	a.lin = fitPooled(a.b.age, a.dj, spans, nil)
	a.lin.model = Linear
	a.early = fitPooled(a.b.age, a.dj, early, nil)
	a.late = fitPooled(a.b.age, a.dj, late, nil)
	a.spans = spans
	a.aged = aged

	// Lasting rise between jumps: the level at the end of each steady span
	// against its start (a tenth of the span at each end), averaged with
	// the spans' lengths as weights.
	var rise, weight float64
	for k, s := range spans {
		q := max(1, (s.b-s.a)/10)
		var head, tail float64
		for i := 0; i < q; i++ {
			head += a.dj[s.a+i]
			tail += a.dj[s.b-1-i]
		}
		rise += (tail - head) / float64(q) * spansH[k]
		weight += spansH[k]
	}
	if weight > 0 {
		a.residRise = rise / weight
	}
	var jr float64
	for _, j := range a.jumps {
		jr += j.size
	}
	a.jumpRise = jr / float64(max(1, a.jumpLifetimes()))
}

// Regular steps: at least minSteps jumps whose sizes and spacing vary by at
// most stepsCV (coefficient of variation; fewStepsCV for fewer than
// manySteps), from near the start of the span to near its end, with the
// level flat between them (what rises between the steps is at most
// stepsFlat of what they rise).
const (
	minSteps   = 5
	manySteps  = 8
	stepsCV    = 0.25
	fewStepsCV = 0.15
	stepsFlat  = 0.2
)

// regularSteps reports whether the jumps js in span s of the levels dj
// (jumps taken out) are the regular steps of a step-wise leak.
func regularSteps(js []binJump, s span, dj []float64) bool {
	if len(js) < minSteps {
		return false
	}
	limit := stepsCV
	if len(js) < manySteps {
		limit = fewStepsCV
	}
	var total float64
	for _, j := range js {
		total += j.size
	}
	q := max(1, (s.b-s.a)/10)
	if meanOf(dj[s.a:s.b], s.b-s.a-q, s.b-s.a)-meanOf(dj[s.a:s.b], 0, q) > stepsFlat*total {
		return false
	}
	var sizes, gaps []float64
	for k, j := range js {
		if j.i < s.a || j.j >= s.b {
			return false
		}
		sizes = append(sizes, j.size)
		if k > 0 {
			gaps = append(gaps, float64(j.j-js[k-1].j))
		}
	}
	g := mean(gaps)
	if cv(sizes) > limit || cv(gaps) > limit || g <= 0 {
		return false
	}
	return float64(js[0].j-s.a) <= 2*g && float64(s.b-1-js[len(js)-1].j) <= 2*g
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
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

// cycles is how many of the process' own cycles its steady growth spans:
// garbage-collector periods under a sawtooth, steps of a step-wise leak,
// else bins (a cycle is no longer than the resolution the series shows).
func (a *analysis) cycles() float64 {
	switch {
	case a.gc > 0:
		return a.evidenceHours * 3.6e6 / a.gc
	case a.steps > 0:
		return float64(a.steps)
	}
	n := 0
	for _, s := range a.spans {
		n += s.b - s.a
	}
	return float64(n)
}

// relativeGrowth is how far the steady rate lifts memory over a typical
// steady span, as a share of the level the span starts from.
func (a *analysis) relativeGrowth() float64 {
	if !a.lin.ok || len(a.spans) == 0 {
		return 0
	}
	var start float64
	k := 0
	for i, s := range a.spans {
		if math.IsNaN(a.lin.a[i]) {
			continue
		}
		start += a.lin.a[i] + a.lin.b*a.b.age[s.a]
		k++
	}
	if k == 0 {
		return 0
	}
	start /= float64(k)
	if start <= 0 {
		return 0
	}
	return a.lin.b * a.typicalHours / start
}

// concaveExplainsJumps compares, by the Bayesian information criterion,
// the jumps (two parameters each) plus a straight line per lifetime with
// one decelerating curve through the levels as they are (jumps on a
// curve of their own count the curve's parameter too). The curve must
// also clearly beat a straight line through those levels: jumps on a
// slower rise that together look straight (the trap) stay jumps.
func (a *analysis) concaveExplainsJumps() bool {
	var spans []span
	for _, s := range a.steady {
		if s.b-s.a >= 3 {
			spans = append(spans, s)
		}
	}
	if len(spans) == 0 {
		return false
	}
	var typical float64
	for _, s := range spans {
		typical = math.Max(typical, a.b.age[s.b-1]-a.b.age[s.a])
	}
	steps := fitPooled(a.b.age, a.dj, spans, nil)
	if c := fitConcave(a.b.age, a.dj, spans, typical, a.binHours); c.ok && c.rss < steps.rss {
		steps.rss = c.rss // jumps on a decelerating curve (the trap)
	}
	line := fitPooled(a.b.age, a.b.y, spans, nil)
	conc := fitConcave(a.b.age, a.b.y, spans, typical, a.binHours)
	if !steps.ok || !conc.ok || !line.ok || steps.rss <= 0 || conc.rss <= 0 || line.rss <= 0 {
		return false
	}
	n := float64(steps.n)
	bicSteps := n*math.Log(steps.rss/n) + float64(3+2*len(a.jumps))*math.Log(n)
	bicConc := n*math.Log(conc.rss/n) + 3*math.Log(n)
	bicLine := n*math.Log(line.rss/n) + 2*math.Log(n)
	return bicConc <= bicSteps && bicConc+10 < bicLine
}

// jumpLifetimes counts lifetimes long enough to be searched for jumps.
func (a *analysis) jumpLifetimes() int {
	c := 0
	for _, s := range a.steady {
		if s.b-s.a >= minJumpBins {
			c++
		}
	}
	return c
}
