package shape

import (
	"math"
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
	i, j  int     // rise from bin i to bin j
	size  float64 // persisted rise beyond the steady rate (normalised)
	peak  float64 // highest level just after the rise
	from  float64
	freed float64
}

// findJumps looks for jumps in y[a:b]; sigma is the bin noise.
func findJumps(y []float64, a, b int, sigma float64) []binJump {
	nb := b - a
	if nb < minJumpBins {
		return nil
	}
	m := max(2, int(math.Round(jumpWindowShare*float64(nb))))
	k := max(1, int(math.Round(jumpRiseShare*float64(nb))))
	// Prefix sums for window means.
	ps := make([]float64, nb+1)
	for i := 0; i < nb; i++ {
		ps[i+1] = ps[i] + y[a+i]
	}
	mean := func(lo, hi int) float64 { return (ps[hi] - ps[lo]) / float64(hi-lo) }
	// D[j] compares [j-m, j) with [j+k, j+k+m).
	lo, hi := m, nb-k-m
	if hi <= lo+2 {
		return nil
	}
	d := make([]float64, hi-lo)
	for j := lo; j < hi; j++ {
		d[j-lo] = mean(j+k, j+k+m) - mean(j-m, j)
	}
	tmp := append([]float64(nil), d...)
	base := selectKth(tmp, int(0.3*float64(len(tmp)-1))) // the steady rate's share of a comparison
	noise := sigma * math.Sqrt(2/float64(m))
	thr := math.Max(math.Max(5*noise, jumpMinSize), 1.5*math.Max(base, 0))
	h := m + k
	var out []binJump
	for j := 0; j < len(d); j++ {
		e := d[j] - base
		if e < thr {
			continue
		}
		// A peak: the largest within ±h…
		peak := true
		for q := max(0, j-h); q <= min(len(d)-1, j+h); q++ {
			if d[q] > d[j] || (d[q] == d[j] && q < j) {
				peak = false
				break
			}
		}
		if !peak {
			continue
		}
		// …and the excess falls to half on each side within h: a slowing
		// curve's first comparisons are its largest, with no rise before.
		if j == 0 || j == len(d)-1 {
			continue
		}
		lmin, rmin := math.Inf(1), math.Inf(1)
		for q := max(0, j-h); q < j; q++ {
			lmin = math.Min(lmin, d[q]-base)
		}
		for q := j + 1; q <= min(len(d)-1, j+h); q++ {
			rmin = math.Min(rmin, d[q]-base)
		}
		lneed := e / 2
		if j < h { // close to the start: only part of the rise before is seen
			lneed = 0.8 * e
		}
		if lmin > lneed || rmin > e/2 {
			continue
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
			continue
		}
		top, qtop := math.Inf(-1), pos
		for q := pos - 1; q < min(nb, pos+k+m); q++ {
			if y[a+q] > top {
				top, qtop = y[a+q], q
			}
		}
		// What falls back soon after the top, beyond the steady rate: bloat
		// frees a little, a daily cycle or a spike gives it all back.
		rate := math.Max(base, 0) / float64(h)
		low := top
		for q := qtop; q < min(nb, qtop+2*h); q++ {
			low = math.Min(low, y[a+q]-rate*float64(q-qtop))
		}
		if top-from <= 0 || (top-low)/(top-from) > maxFreed {
			continue
		}
		out = append(out, binJump{
			i: a + pos - 1, j: a + min(nb-1, pos+k),
			size: math.Min(kept, e), peak: top, from: from,
			freed: math.Max(0, top-from-kept),
		})
	}
	return out
}
