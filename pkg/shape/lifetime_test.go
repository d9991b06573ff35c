package shape

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// beatReference is the pass over the differences beatPeriod made of its
// own before findDrops found the rises and falls in its pass.
func beatReference(y []float64, med, sigma, level float64) beatScan {
	var b beatScan
	n := len(y)
	thr := med + math.Max(4*sigma, dropShare*level)
	fall := med - math.Max(4*sigma, dropShare*level)
	for i := 1; i < n; i++ {
		if y[i]-y[i-1] <= fall && (i == 1 || y[i-1]-y[i-2] > fall) {
			b.falls++
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
		b.sum += rise
		b.at = append(b.at, i)
	}
	return b
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
// a loop of their own where nothing was pending, written point by point:
// at every point from w to n−w the difference of the window sums is looked
// at (and then slid on), and the fall pending updated or settled.
func levelDropsReference(y []float64, drops []drop, med, sigma, level float64) []drop {
	const w = 5
	n := len(y)
	if n < 2*w+2 {
		return drops
	}
	thr := w*med - math.Max(5*sigma/math.Sqrt2, dropShare*level)
	lim := w * thr / 4
	var found []drop
	pending, deepest := -1, 0.0
	settle := func() { // the pending fall at its steepest point, unless a drop is near
		if pending < 0 {
			return
		}
		at := pending
		for i := max(1, pending-w/2); i <= min(n-1, pending+w/2); i++ {
			if y[i]-y[i-1] < y[at]-y[at-1] {
				at = i
			}
		}
		if !slices.ContainsFunc(drops, func(d drop) bool { return d.to >= at-2 && d.from <= at+1 }) {
			found = append(found, drop{from: at - 1, to: at})
		}
		pending = -1
	}
	var diff float64
	for q := 0; q < w; q++ {
		diff += y[w+q] - y[q]
	}
	for i := w; i <= n-w; i++ {
		if i > w {
			diff += y[i-1+w] - 2*y[i-1] + y[i-1-w]
		}
		if diff < lim {
			before := med5(y[i-w : i])
			fall := med5(y[i:i+w]) - before
			if fall >= min(thr, w*med-dropShare*before) {
				settle()
			} else if pending < 0 || fall < deepest {
				pending, deepest = i, fall
			}
		} else if !(thr > 0) {
			settle()
		} else if pending < 0 || 0 < deepest {
			pending, deepest = i, 0
		}
	}
	settle()
	if len(found) == 0 {
		return drops
	}
	// Each fall found after the drops that begin before it.
	merged, rest := make([]drop, 0, len(drops)+len(found)), drops
	for _, f := range found {
		before := 0
		for before < len(rest) && rest[before].from < f.from {
			before++
		}
		merged = append(append(merged, rest[:before]...), f)
		rest = rest[before:]
	}
	return append(merged, rest...)
}

// TestOnePassFindsBeatsAndDrops checks the sharp falls and the backward
// beat found in one pass over the differences against a pass for each, on
// series that show them and series that do not: backward beats, a
// collector's sawtooth, restarts, spikes, steps, noise alone and short
// series; and the falls of the level found where noise hides them point
// by point (levelDrops) against the version before.
func TestOnePassFindsBeatsAndDrops(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
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
			ys := make([]float64, n)
			for i := range ys {
				ys[i] = f(i)
			}
			level := median(sampleInto(nil, n, func(i int) float64 { return ys[i] }))
			drops, med, sigma, beat := findDrops(ys, nil, level)
			if want := dropsReference(ys, med, sigma, level); n >= 3 && !reflect.DeepEqual(drops, want) {
				t.Errorf("%s, %d points: drops %v, want %v", name, n, drops, want)
			}
			if got, want := levelDrops(ys, drops, med, sigma, level), levelDropsReference(ys, drops, med, sigma, level); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %d points: level drops %v, want %v", name, n, got, want)
			}
			if n < 3 {
				if !reflect.DeepEqual(beat, beatScan{}) {
					t.Errorf("%s, %d points: a beat %+v in too few points", name, n, beat)
				}
				continue
			}
			if want := beatReference(ys, med, sigma, level); !reflect.DeepEqual(beat, want) {
				t.Errorf("%s, %d points: beat %+v, want %+v", name, n, beat, want)
			}
		}
	}
}
