package shape

import (
	"cmp"
	"math"
	"slices"
)

// Jump detection works on the bins of one lifetime, comparing the mean
// level in a window before each point with the mean level in a window after
// it, leaving a short gap for the rise itself. A steady rate lifts every
// comparison by the same amount; a jump lifts a few of them far above the
// rest, and they fall again on both sides — that peak is the jump. A curve
// that merely slows down (fragmentation) lifts the first comparisons most
// and falls from there, with no peak.
const (
	minJumpBins     = 12   // a lifetime needs this many steady bins to look for jumps
	jumpWindowShare = 0.03 // comparison windows, as a share of the lifetime's bins
	jumpRiseShare   = 0.03 // how long a rise may take, as a share of the lifetime's bins
	jumpMinSize     = 0.03 // smallest jump, as a share of the series' median level
	jumpKeepShare   = 0.5  // a jump must keep at least this share of its size
	maxFreed        = 0.6  // …and give back at most this share right after its top
)

type binJump struct {
	start, end int     // the rise runs from bin start to bin end
	size       float64 // persisted rise beyond the steady rate (normalised)
	peak       float64 // highest level just after the rise
	before     float64 // level before the rise
	freed      float64 // given back soon after the peak
}

// jumpScratch holds findJumps' working memory, reused across lifetimes.
type jumpScratch struct {
	w, ps, d, sel []float64
	order         []int
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// findJumps looks for jumps in the bins s of y; sigma is the bin noise.
func findJumps(y []float64, s span, sigma float64, sc *jumpScratch) []binJump {
	first, nb := s.lo, s.bins()
	if nb < minJumpBins {
		return nil
	}
	m := max(2, int(math.Round(jumpWindowShare*float64(nb))))
	k := max(1, int(math.Round(jumpRiseShare*float64(nb))))
	// The top of a rise and what falls back after it are read from levels
	// smoothed over 2r+1 bins, enough to bring the noise near 2 % of the
	// median level.
	r := min(m, int(math.Ceil((math.Pow(sigma/0.02, 2)-1)/2)))
	lo, hi := m, nb-k-m // D[j] compares [j-m, j) with [j+k, j+k+m)
	if hi <= lo+2 {
		return nil
	}
	// Jumps are taken one at a time, largest first, each removed from a
	// working copy before looking again: jumps close together hide each
	// other in the comparisons until the larger one is gone.
	w := grow(sc.w, nb)
	copy(w, y[s.lo:s.hi])
	ps := grow(sc.ps, nb+1)
	d := grow(sc.d, hi-lo)
	order := grow(sc.order, hi-lo)[:0]
	scratch := grow(sc.sel, hi-lo)[:0]
	defer func() { sc.w, sc.ps, sc.d, sc.order, sc.sel = w, ps, d, order, scratch }()
	var out []binJump
	for round := 0; round < maxJumps; round++ {
		acc := ps[0] // the sum so far in a register, not read back from ps
		for i, x := range w[:nb] {
			acc += x
			ps[i+1] = acc
		}
		mean := func(lo, hi int) float64 { return (ps[hi] - ps[lo]) / float64(hi-lo) }
		for j := lo; j < hi; j++ {
			d[j-lo] = mean(j+k, j+k+m) - mean(j-m, j)
		}
		base := selectKth(append(scratch[:0], d...), int(0.3*float64(len(d)-1))) // the steady rate's share of a comparison
		noise := sigma * math.Sqrt(2/float64(m))
		thr := math.Max(math.Max(5*noise, jumpMinSize), 1.5*math.Max(base, 0))
		order = order[:0]
		for j := range d {
			if d[j]-base >= thr {
				order = append(order, j)
			}
		}
		slices.SortFunc(order, func(p, q int) int { return cmp.Compare(d[q], d[p]) })
		found := false
		for _, j := range order {
			if jp, ok := jumpAt(w, d, j, lo, m, k, r, base, mean); ok {
				jp.before = meanOf(y[s.lo:s.hi], jp.pos-m, jp.pos)
				jp.peak = y[first+jp.qtop]
				// The rise sits where the level steps up most inside the gap.
				step := jp.pos
				for q := jp.pos; q <= min(nb-1, jp.pos+k-1); q++ {
					if w[q]-w[q-1] > w[step]-w[step-1] {
						step = q
					}
				}
				jp.start, jp.end = first+step-1, first+step
				out = mergeJump(out, jp.binJump, k)
				for q := step; q < nb; q++ {
					w[q] -= jp.size
				}
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	slices.SortFunc(out, func(p, q binJump) int { return cmp.Compare(p.start, q.start) })
	return confirmJumps(y, s, out, m, sigma)
}

// confirmJumps keeps the jumps that still stand on the levels as they are:
// the mean over up to m bins after the rise (before the next jump) above
// the mean over up to m bins before it (after the previous one) by the
// smallest jump and by four times the noise of those means. A jump found
// on a working copy from which others were taken out can be the remains
// of a neighbour's release or of noise; this drops it at any step.
func confirmJumps(y []float64, s span, js []binJump, m int, sigma float64) []binJump {
	out := js[:0]
	for n, j := range js {
		lo, hi := s.lo, s.hi
		if n > 0 {
			lo = js[n-1].end
		}
		if n+1 < len(js) {
			hi = js[n+1].start + 1
		}
		from, to := max(lo, j.start+1-m), min(hi, j.end+m)
		if from >= j.start+1 || to <= j.end {
			out = append(out, j)
			continue
		}
		before := meanOf(y, from, j.start+1)
		rise := meanOf(y, j.end, to) - before
		noise := sigma * math.Sqrt(1/float64(j.start+1-from)+1/float64(to-j.end))
		if rise < math.Max(jumpMinSize, 4*noise) {
			continue
		}
		// The level stays: at the end of the stretch the jump opens (before
		// the next one), it still holds half the rise. A collector's
		// sawtooth sampled near its own period rises at once and sinks back
		// slowly over many steps; bloat keeps what it took.
		q := max(2, min(m, (hi-j.end)/3))
		if hi-q > j.end && meanOf(y, hi-q, hi)-before < jumpKeepShare*rise {
			continue
		}
		out = append(out, j)
	}
	return out
}

const maxJumps = 16

type candidate struct {
	binJump
	pos, qtop int
}

func meanOf(y []float64, lo, hi int) float64 {
	var s float64
	for _, x := range y[lo:hi] {
		s += x
	}
	return s / float64(hi-lo)
}

// jumpAt checks the comparison j for a jump in the working levels w.
func jumpAt(w, d []float64, j, lo, m, k, r int, base float64, mean func(int, int) float64) (candidate, bool) {
	nb := len(w)
	h := m + k
	e := d[j] - base
	// A peak: the largest within ±h…
	for q := max(0, j-h); q <= min(len(d)-1, j+h); q++ {
		if d[q] > d[j] || (d[q] == d[j] && q < j) {
			return candidate{}, false
		}
	}
	// …and the excess falls away on both sides within h: a slowing
	// curve's first comparisons are its largest, with no rise before.
	if j == 0 || j == len(d)-1 {
		return candidate{}, false
	}
	lmin, rmin := math.Inf(1), math.Inf(1)
	for q := max(0, j-h); q < j; q++ {
		lmin = math.Min(lmin, d[q]-base)
	}
	for q := j + 1; q <= min(len(d)-1, j+h); q++ {
		rmin = math.Min(rmin, d[q]-base)
	}
	// Another jump close by keeps one side from falling: one side must
	// fall to half, the other at least show a dip.
	lneed := e / 2
	if j < h { // close to the start: only part of the rise before is seen
		lneed = 0.8 * e
	}
	if (lmin > lneed || rmin > 0.9*e) && (rmin > e/2 || lmin > 0.9*e) {
		return candidate{}, false
	}
	// Persistence: the level well after the rise keeps most of it.
	pos := lo + j // comparison point in lifetime bins
	from := mean(pos-m, pos)
	keepLo := pos + k + m
	keepHi := min(nb, keepLo+max(m, nb/20))
	if keepHi-keepLo < 2 {
		keepLo, keepHi = pos+k, min(nb, pos+k+m)
	}
	dist := float64(keepLo+keepHi)/2 - float64(pos) + float64(m)/2 // bins between window centres
	kept := mean(keepLo, keepHi) - from - base*dist/float64(h)
	if kept < jumpKeepShare*e {
		return candidate{}, false
	}
	level := func(q int) float64 { // w[q], smoothed over ±r bins
		if r <= 0 {
			return w[q]
		}
		return mean(max(0, q-r), min(nb, q+r+1))
	}
	top, qtop := math.Inf(-1), pos
	for q := pos - 1; q < min(nb, pos+k+m); q++ {
		if l := level(q); l > top {
			top, qtop = l, q
		}
	}
	// What falls back soon after the top, beyond the steady rate: bloat
	// frees a little, a daily cycle or a spike gives it all back.
	rate := math.Max(base, 0) / float64(h)
	low := top
	for q := qtop; q < min(nb, qtop+2*h); q++ {
		low = math.Min(low, level(q)-rate*float64(q-qtop))
	}
	if top-from <= 0 || (top-low)/(top-from) > maxFreed {
		return candidate{}, false
	}
	size := math.Min(kept, e)
	return candidate{
		binJump: binJump{size: size, freed: math.Max(0, top-from-kept)},
		pos:     pos, qtop: qtop,
	}, true
}

// mergeJump adds j to the jumps, or, where it lies within gap bins of one
// already found (the rest of a rise slower than the comparison gap),
// makes the two one jump.
func mergeJump(js []binJump, j binJump, gap int) []binJump {
	for n := range js {
		o := &js[n]
		if j.start <= o.end+gap && o.start <= j.end+gap {
			o.size += j.size
			o.start, o.end = min(o.start, j.start), max(o.end, j.end)
			o.before = math.Min(o.before, j.before)
			o.peak = math.Max(o.peak, j.peak)
			o.freed = math.Max(0, o.peak-o.before-o.size)
			return js
		}
	}
	return append(js, j)
}
