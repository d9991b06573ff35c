package shape

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// beatReference is beatPeriod as it was before findDrops found the rises
// and falls in its own pass: a pass of its own over the differences.
func beatReference(t []int64, y []float64, med, sigma, level float64) float64 {
	n := len(y)
	if n < 20 {
		return 0
	}
	thr := med + math.Max(4*sigma, dropShare*level)
	fall := med - math.Max(4*sigma, dropShare*level)
	var at []int
	var sum float64
	falls := 0
	for i := 1; i < n; i++ {
		if y[i]-y[i-1] <= fall && (i == 1 || y[i-1]-y[i-2] > fall) {
			falls++
		}
		if y[i]-y[i-1] < thr || (i > 1 && y[i-1]-y[i-2] >= thr) {
			continue
		}
		top := i
		for top+1 < n && y[top+1]-y[top] >= thr {
			top++
		}
		rise := y[top] - y[i-1]
		if top+2 >= n || math.Min(y[top+1], y[top+2])-y[i-1] < (1-spikeEnd)*rise {
			continue
		}
		sum += rise
		at = append(at, i)
	}
	if len(at) < minDropsForGC || 4*falls > len(at) {
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

// dropsReference is findDrops' pass over the differences as it was before
// it looked for a beat's rises in the same pass.
func dropsReference(y []float64, med, sigma, level float64) []drop {
	var drops []drop
	thr := med - math.Max(6*sigma, dropShare*level)
	for i := 1; i < len(y); i++ {
		if d := y[i] - y[i-1]; d >= thr || d >= med-dropShare*y[i-1] {
			continue
		}
		if k := len(drops); k > 0 && drops[k-1].to == i-1 {
			drops[k-1].to = i
			continue
		}
		drops = append(drops, drop{from: i - 1, to: i})
	}
	return drops
}

// levelDropsReference is levelDrops as it was before the sums slid on in
// a loop of their own where nothing was pending.
func levelDropsReference(y []float64, drops []drop, med, sigma, level float64) []drop {
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

// TestOnePassFindsBeatsAndDrops checks the sharp falls and the backward
// beat found in one pass over the differences against a pass for each, on
// series that show them and series that do not: backward beats, a
// collector's sawtooth, restarts, spikes, steps, noise alone and short
// series; and the falls of the level found where noise hides them point
// by point (levelDrops) against the version before.
func TestOnePassFindsBeatsAndDrops(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const step = 60_000
	shapes := map[string]func(i int) float64{
		"backward beat": func(i int) float64 { return 1e9 * (1 + 0.2*(1-math.Mod(float64(i)*0.07, 1)) + 0.002*r.NormFloat64()) },
		"sawtooth":      func(i int) float64 { return 1e9 * (1 + 0.2*math.Mod(float64(i)*0.13, 1) + 0.002*r.NormFloat64()) },
		"restarts":      func(i int) float64 { return 1e9 * (1 + 0.01*float64(i%90) + 0.002*r.NormFloat64()) },
		"spikes": func(i int) float64 {
			if i%37 == 0 {
				return 1.5e9
			}
			return 1e9 * (1 + 0.003*r.NormFloat64())
		},
		"steps":    func(i int) float64 { return 1e9 * (1 + 0.1*float64(i/50) + 0.002*r.NormFloat64()) },
		"noise":    func(i int) float64 { return 1e9 * (1 + 0.05*r.NormFloat64()) },
		"repeated": func(i int) float64 { return float64(1e9 + 1e8*float64(r.IntN(2))) },
		"hidden restarts": func(i int) float64 {
			return 1e9 * (1 + 0.003*float64(i%150) + 0.01*r.NormFloat64())
		},
		"steep rise": func(i int) float64 { return 1e9 * (1 + 0.05*float64(i) + 0.002*r.NormFloat64()) },
	}
	for name, f := range shapes {
		for _, n := range []int{2, 3, 10, 19, 20, 21, 200, 2016} {
			ts := make([]int64, n)
			ys := make([]float64, n)
			for i := range ts {
				ts[i], ys[i] = int64(i)*step, f(i)
			}
			level := median(sampleInto(nil, n, func(i int) float64 { return ys[i] }))
			drops, med, sigma, beat := findDrops(ys, nil, level)
			if want := dropsReference(ys, med, sigma, level); n >= 3 && !reflect.DeepEqual(drops, want) {
				t.Errorf("%s, %d points: drops %v, want %v", name, n, drops, want)
			}
			if got, want := levelDrops(ys, drops, med, sigma, level), levelDropsReference(ys, drops, med, sigma, level); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %d points: level drops %v, want %v", name, n, got, want)
			}
			got, want := beatPeriod(ts, ys, beat), beatReference(ts, ys, med, sigma, level)
			if got != want {
				t.Errorf("%s, %d points: beat period %v, want %v", name, n, got, want)
			}
		}
	}
}
