package shape

import "math"

// steadyParts is the third stage's result: where each lifetime's warm-up
// ends, the steady bins after it, and the noise of one bin.
type steadyParts struct {
	warmupHours float64 // age at which warm-up ends
	spans       []span  // bins of each lifetime after warm-up
	sigma       float64 // noise of one bin
}

// findSteady finds the warm-up shared by the lifetimes and the noise of the
// steady bins after it.
func findSteady(lv *levels, lt lifetimes, buf []float64, ws *workspace) steadyParts {
	reach := 0.0 // how far the floor under a sawtooth reaches either side of a point, ms
	if lt.gc > 0 {
		floorMs, meanMs := lt.floorWindows()
		reach = (floorMs + meanMs) / 2
	}
	st := steadyParts{warmupHours: warmup(lv, reach, &ws.warm), spans: grow(ws.steady, len(lv.life))}
	for k, s := range lv.life {
		lo := s.lo
		for lo < s.hi && lv.age[lo] < st.warmupHours-1e-9 {
			lo++
		}
		st.spans[k] = span{lo, s.hi}
	}
	ws.noise, st.sigma = binNoise(lv, st.spans, buf, ws.noise)
	return st
}

// warmup finds the age at which start-up growth gives way to the steady
// behaviour, from the profile of all lifetimes laid over each other by age
// (a restarted process warms up the same way each time). The steady line
// is fitted to the later part of the profile; warm-up lasts while the
// profile stays clearly below that line, and never more than 15 % of a
// lifetime: a rise that has not met the steady line by then is part of the
// shape (fragmentation's early growth, a jump), not a warm-up.
func warmup(lv *levels, reach float64, sc *warmScratch) float64 {
	width := lv.binHours
	use := sc.use[:0] // lifetimes of known age (one that began before the window has none)
	for k, s := range lv.life {
		if lv.aged(k) {
			use = append(use, s)
		}
	}
	sc.use = use
	// Lifetimes are laid over each other by age up to the typical lifetime
	// span, each shifted by its mean level over a common stretch of age, so
	// lifetimes of unequal length do not bend the profile.
	spans := sc.spans[:0]
	defer func() { sc.spans = spans }()
	for _, s := range use {
		if s.hi > s.lo {
			spans = append(spans, lv.age[s.hi-1])
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
	sum, cnt := grow(sc.sum, p), grow(sc.cnt, p)
	clear(sum)
	clear(cnt)
	sc.sum, sc.cnt = sum, cnt
	for _, s := range use {
		if s.bins() < 2 || lv.age[s.hi-1] < hi {
			continue
		}
		var off, m float64
		for i := s.lo; i < s.hi; i++ {
			if age := lv.age[i]; age >= lo && age <= hi {
				off += lv.y[i]
				m++
			}
		}
		if m == 0 {
			continue
		}
		off /= m
		for i := s.lo; i < s.hi; i++ {
			j := int(lv.age[i] / width)
			if j >= p {
				break
			}
			sum[j] += lv.y[i] - off
			cnt[j]++
		}
	}
	prof := grow(sc.prof, p)
	sc.prof = prof
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
	deficit := prof[0] - icpt
	diffs := sc.diffs[:0]
	defer func() { sc.diffs = diffs }()
	finite := true
	for j := 1; j < p; j++ {
		if !math.IsNaN(prof[j]) && !math.IsNaN(prof[j-1]) {
			diff := prof[j] - prof[j-1]
			finite = finite && !math.IsInf(diff, 0)
			diffs = append(diffs, diff)
		}
	}
	if deficit >= -0.02 && finite {
		// No warm-up whatever the noise (sp below is then a number): the
		// level starts at or near the steady line.
		return 0
	}
	d := sampleInto(sc.d[:0], len(diffs), func(i int) float64 { return diffs[i] })
	sc.d = d
	sp := madSigma(d) / math.Sqrt2
	if deficit >= -math.Max(4*sp, 0.02) {
		return 0
	}
	limit := max(int(math.Ceil(0.15*float64(p))), min(2, p/3))
	lag := 0       // bins the floor under a sawtooth holds the first level before it follows a climb
	if reach > 0 { // the floor under a sawtooth is smoothed over twice its reach: so is the warm-up's end
		limit += int(math.Ceil(2 * reach / 3.6e6 / width))
		lag = int(math.Ceil(reach / 3.6e6 / width))
	}
	tol := math.Max(math.Max(3*sp, 0.01), -0.1*deficit) // 90 % of the way up
	for j := 1; j <= limit && j < p; j++ {
		if math.IsNaN(prof[j]) || prof[j]-(icpt+slope*float64(j)) < -tol {
			continue
		}
		if j+1 < p && !math.IsNaN(prof[j+1]) && prof[j+1]-(icpt+slope*float64(j+1)) < -tol {
			// It meets the line where it stays on it: one bin that
			// reaches it by its noise (more of it at a coarser step) and
			// the next below is no end of a warm-up, and a curve that
			// slows from its start would lose its head to one.
			continue
		}
		// Without a restart in sight the window's start is not a process
		// start: a warm-up there must climb from the first point on, and a
		// level that sits still and then leaps is a jump — the shape, not
		// its preamble. (After a restart, the dip and climb back are the
		// warm-up whatever their form.) It sits still when a third of the
		// way to its end it has not climbed by 15 % of the deficit beyond
		// the noise of the two bins compared (3 sp, two standard errors
		// of their difference): without that allowance a noisier view (a
		// coarser step) would see a climb sit still as often as not.
		if !lv.startsSeen && j-lag >= 3 && sitsStill(prof, lag, j, icpt, slope, deficit, sp) {
			return 0
		}
		return pooledWarmup(lv, prof, j, len(use), sp, width) * width
	}
	if j := pooledWarmup(lv, prof, 0, len(use), sp, width); j > 0 {
		return j * width
	}
	return 0 // still far below the steady line: not a warm-up but a shape of its own
}

// sitsStill reports whether the profile, over the first half of the way
// from bin lag to bin j where it meets the steady line (icpt, slope), has
// on average climbed by less than 15 % of the deficit it started from,
// beyond three standard errors of that mean (sp: the noise of one bin). A
// mean over half the way, not one bin a third of the way, so that a
// noisier view of the same memory (a coarser step, a collector's sawtooth
// sampled slower than it runs) tells a level that sits still and leaps
// as surely as a finer one, and its noise does not make the leap a
// warm-up. A warm-up climbs from its start: an exponential approach has
// on average climbed by 40 % of the way over its first half, a straight
// one by 22 %.
func sitsStill(prof []float64, lag, j int, icpt, slope, deficit, sp float64) bool {
	var sum float64
	n := 0
	for q := lag; q <= lag+(j-lag)/2; q++ {
		if !math.IsNaN(prof[q]) {
			sum += prof[q] - (icpt + slope*float64(q))
			n++
		}
	}
	if n == 0 {
		return true
	}
	return sum/float64(n)+3*sp/math.Sqrt(float64(n)) <= 0.85*deficit
}

// Pooled lifetimes of a workload (many pods, each a few hours) warm up for
// minutes as a single process does, and a short lifetime's warm-up can
// outlast the 15 % of it that warmup allows — or its last tenth, which
// warmup leaves in the steady part, can bend a short lifetime's rate. With
// minPooledForWarmup lifetimes laid over each other the profile is clear
// enough to tell a warm-up from a shape: a warm-up is a climb, over in
// minutes or an hour or two, larger than all the lifetime grows after it,
// and over where the profile from there on grows at one rate (or not at
// all) — while fragmentation keeps slowing wherever it is cut, and a
// daily cycle falls again.
const (
	minPooledForWarmup   = 6
	maxPooledWarmup      = 0.4 // of the typical lifetime
	maxPooledWarmupHours = 2
	straightRatio        = 0.25
)

// pooledWarmup is where the warm-up ends, in bins of the profile: from,
// or later when the lifetimes are pooled and the profile after from is
// not yet straight — the first bin up to maxPooledWarmup of the profile
// from which it is. One series (or a few lifetimes) keeps from.
func pooledWarmup(lv *levels, prof []float64, from, aged int, sp, width float64) float64 {
	p := len(prof)
	if !lv.pooled || aged < minPooledForWarmup || p < 10 || math.IsNaN(prof[0]) {
		return float64(from)
	}
	last := p - 1
	for last > 0 && math.IsNaN(prof[last]) {
		last--
	}
	for j := max(from, 1); j <= int(maxPooledWarmup*float64(p)) && float64(j)*width <= maxPooledWarmupHours; j++ {
		if math.IsNaN(prof[j]) || prof[j]-prof[0] < prof[last]-prof[j] {
			continue // not yet a climb larger than what follows
		}
		mid := (j + p) / 2
		s1, n1 := profSlope(prof, j, mid)
		s2, n2 := profSlope(prof, mid, p)
		if n1 < 3 || n2 < 3 {
			break
		}
		hi := math.Max(math.Abs(s1), math.Abs(s2))
		flat := hi*float64(p-j) <= math.Max(3*sp, 0.01) // the rest moves less than noise or 1 %
		if flat || math.Abs(s1-s2) <= straightRatio*hi {
			if j == from {
				return float64(from)
			}
			return float64(j)
		}
	}
	return float64(from)
}

// profSlope is the least-squares slope of prof over bins [lo, hi) (NaN
// bins skipped) and how many bins it rests on.
func profSlope(prof []float64, lo, hi int) (float64, int) {
	var sx, sy, sxx, sxy, m float64
	for j := lo; j < hi; j++ {
		if math.IsNaN(prof[j]) {
			continue
		}
		x := float64(j)
		sx, sy, sxx, sxy, m = sx+x, sy+prof[j], sxx+x*x, sxy+x*prof[j], m+1
	}
	if m < 3 || m*sxx-sx*sx <= 0 {
		return 0, int(m)
	}
	return (m*sxy - sx*sy) / (m*sxx - sx*sx), int(m)
}

// warmScratch is warmup's working memory.
type warmScratch struct {
	spans, sum, cnt, prof, diffs, d []float64
	use                             []span
}

// binNoise is the spread of one bin's level around its neighbours, from
// the differences of consecutive steady bins; diffs is scratch, handed
// back grown.
func binNoise(lv *levels, steady []span, buf, diffs []float64) ([]float64, float64) {
	diffs = diffs[:0]
	for _, s := range steady {
		for i := s.lo + 1; i < s.hi; i++ {
			diffs = append(diffs, lv.y[i]-lv.y[i-1])
		}
	}
	if len(diffs) < 3 {
		return diffs, 0
	}
	d := sampleInto(buf, len(diffs), func(i int) float64 { return diffs[i] })
	return diffs, madSigma(d) / math.Sqrt2
}
