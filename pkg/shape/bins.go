package shape

import "math"

// binsPerLifetime is the resolution at which shapes are judged: about 1 %
// of a lifetime per bin. A rise that fits in a few bins is a jump at the
// series' own scale (30–45 minutes on a day-long chart); everything slower
// is growth.
const binsPerLifetime = 100

// maxBinsPerLifetime bounds the bins of one lifetime however unequal the
// lifetimes are.
const maxBinsPerLifetime = 1000

// bins is the series reduced to a level per time bin. In each bin the level
// is the mean, or under a GC sawtooth the floor (the minimum over at least
// one and a half GC periods): what a collector cannot free is what grows.
type bins struct {
	age []float64 // hours since the lifetime's first point, at the bin's mean time
	at  []float64 // Unix ms of the bin's mean time
	y   []float64 // level (normalised: 1 = the series' median)
	n   []int     // points in the bin
}

// binWidth picks one bin width for all lifetimes, in ms.
func binWidth(t []int64, segs []segment, step, gc float64) float64 {
	spans := make([]float64, 0, len(segs))
	for _, s := range segs {
		spans = append(spans, float64(t[s.hi-1]-t[s.lo]))
	}
	w := median(spans) / binsPerLifetime
	w = math.Max(w, step)
	if gc > 0 {
		w = math.Max(w, 1.5*gc)
	}
	return math.Max(w, 1)
}

// appendBins adds the bins of one lifetime [lo, hi) and returns the range
// of bin indexes it used.
func (b *bins) appendBins(t []int64, y []float64, lo, hi int, width float64, floor bool) (int, int) {
	b0 := len(b.y)
	t0 := t[lo]
	// A lifetime far longer than the typical one gets wider bins, so that
	// no lifetime costs more than maxBinsPerLifetime.
	width = math.Max(width, float64(t[hi-1]-t0)/maxBinsPerLifetime)
	cur := -1
	var sumT, acc float64
	var cnt int
	flush := func() {
		if cnt == 0 {
			return
		}
		mt := sumT / float64(cnt)
		b.at = append(b.at, float64(t0)+mt)
		b.age = append(b.age, mt/3.6e6)
		if floor {
			b.y = append(b.y, acc)
		} else {
			b.y = append(b.y, acc/float64(cnt))
		}
		b.n = append(b.n, cnt)
	}
	for i := lo; i < hi; i++ {
		off := float64(t[i] - t0)
		k := int(off / width)
		if k != cur {
			flush()
			cur, sumT, cnt = k, 0, 0
			if floor {
				acc = math.Inf(1)
			} else {
				acc = 0
			}
		}
		sumT += off
		cnt++
		if floor {
			acc = math.Min(acc, y[i])
		} else {
			acc += y[i]
		}
	}
	flush()
	b.fillGaps(b0, width)
	return b0, len(b.y)
}

// fillGaps bridges missing bins (a scrape outage, dropped zero fill) in the
// bins from b0 on with straight lines, so that growth during an outage
// reads as the growth it was and not as a jump. Bridged bins hold no
// points (n = 0).
func (b *bins) fillGaps(b0 int, width float64) {
	missing := 0
	for i := b0 + 1; i < len(b.y); i++ {
		if g := int(math.Round((b.at[i]-b.at[i-1])/width)) - 1; g > 0 {
			missing += g
		}
	}
	if missing == 0 {
		return
	}
	n := len(b.y) - b0
	age := append([]float64(nil), b.age[b0:]...)
	at := append([]float64(nil), b.at[b0:]...)
	y := append([]float64(nil), b.y[b0:]...)
	cnt := append([]int(nil), b.n[b0:]...)
	b.age, b.at, b.y, b.n = b.age[:b0], b.at[:b0], b.y[:b0], b.n[:b0]
	for i := 0; i < n; i++ {
		if i > 0 {
			g := int(math.Round((at[i]-at[i-1])/width)) - 1
			for q := 1; q <= g; q++ {
				f := float64(q) / float64(g+1)
				b.age = append(b.age, age[i-1]+f*(age[i]-age[i-1]))
				b.at = append(b.at, at[i-1]+f*(at[i]-at[i-1]))
				b.y = append(b.y, y[i-1]+f*(y[i]-y[i-1]))
				b.n = append(b.n, 0)
			}
		}
		b.age = append(b.age, age[i])
		b.at = append(b.at, at[i])
		b.y = append(b.y, y[i])
		b.n = append(b.n, cnt[i])
	}
}
