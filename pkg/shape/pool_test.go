package shape

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// churn lays out a workload's lifetimes over a window: replicas side by
// side, every pod replaced every `life` (staggered by a minute per
// replica), sampled every step, memory f(age in hours, generation) bytes
// with 0.4 % noise. The first generation began before the window.
func churn(window, life, step time.Duration, replicas int, f func(age float64, gen int) float64) []Life {
	r := rand.New(rand.NewPCG(7, uint64(replicas)))
	end := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	start := end.Add(-window)
	var lives []Life
	for g := 0; ; g++ {
		g0 := start.Add(-life/3 + time.Duration(g)*life)
		if !g0.Before(end) {
			break
		}
		for i := 0; i < replicas; i++ {
			from, to := g0.Add(time.Duration(i)*time.Minute), g0.Add(life+time.Duration(i)*time.Minute)
			var l Life
			l.Generation = g
			for t := from.Truncate(step); t.Before(to) && !t.After(end); t = t.Add(step) {
				if t.Before(start) || t.Before(from) {
					continue
				}
				age := t.Sub(from).Hours()
				l.T = append(l.T, t.UnixMilli())
				l.V = append(l.V, f(age, g)*(1+0.004*r.NormFloat64()))
			}
			if len(l.T) > 0 {
				lives = append(lives, l)
			}
		}
	}
	return lives
}

const mib = 1 << 20

// warm is a restarted process' level: 40 % of base at start, warming up
// with a 10-minute time constant.
func warm(age, base float64) float64 { return base * (1 - 0.6*math.Exp(-age*6)) }

// A leak no pod lives long enough to show — 3 replicas replaced every 6 h,
// each lifetime alone too short to tell — is a leak across its lifetimes,
// shown in every one of them.
func TestPooledLeakAcrossShortLifetimes(t *testing.T) {
	lives := churn(7*24*time.Hour, 6*time.Hour, 5*time.Minute, 3, func(age float64, _ int) float64 {
		return warm(age, 300*mib) + 15*mib*age
	})
	alone := map[Shape]int{}
	for _, l := range lives {
		alone[Classify(l.T, l.V, Options{}).Shape]++
	}
	if alone[Leak] > 0 {
		t.Fatalf("the case is meant to hide the leak from each lifetime alone: %v", alone)
	}
	v := ClassifyPooled(lives, Options{LimitBytes: 1 << 30})
	if v.Shape != Leak {
		t.Fatalf("pooled: %s (%s)", v.Shape, v.Explanation)
	}
	p := v.Pool
	if p.Series != len(lives) || p.Measured < len(lives)-6 || p.Showing != p.Measured || p.Replicas != 3 {
		t.Errorf("pool %+v for %d lives", *p, len(lives))
	}
	if g := v.GrowthBytesPerHour / mib; g < 13.5 || g > 16.5 {
		t.Errorf("growth %.1f MiB/h, want about 15", g)
	}
	if !v.RestartsResetFirst || v.HasTimeToLimit {
		t.Errorf("6-hour lifetimes end before the 1 GiB limit: %s", v.Explanation)
	}
	for _, l := range v.Lifetimes {
		if l.Series < 0 || l.Series >= len(lives) {
			t.Fatalf("lifetime of series %d of %d", l.Series, len(lives))
		}
	}
}

// Fragmentation in every lifetime is fragmentation, and a workload is
// never called a leak because one of its lifetimes looks straight.
func TestPooledFragmentationAndOneStraightLifetime(t *testing.T) {
	frag := func(age float64, _ int) float64 { return warm(age, 700*mib) + 150*mib*math.Log1p(age/1.5) }
	lives := churn(7*24*time.Hour, 24*time.Hour, 5*time.Minute, 2, frag)
	if v := ClassifyPooled(lives, Options{}); v.Shape != Fragmentation || v.Pool.Showing < v.Pool.Measured-1 {
		t.Fatalf("pooled: %s, %+v (%s)", v.Shape, *v.Pool, v.Explanation)
	}
	// One lifetime that grew in a straight line for a day.
	k := len(lives) / 2
	for i := range lives[k].V {
		age := float64(lives[k].T[i]-lives[k].T[0]) / 3.6e6
		lives[k].V[i] = warm(age, 700*mib) + 20*mib*age
	}
	if one := Classify(lives[k].T, lives[k].V, Options{}); one.Shape != Leak {
		t.Fatalf("the straight lifetime alone: %s, meant to be a leak", one.Shape)
	}
	if v := ClassifyPooled(lives, Options{}); v.Shape == Leak {
		t.Errorf("one straight lifetime among %d made the workload a leak: %s", len(lives), v.Explanation)
	}
}

// Healthy churn stays healthy: pods replaced every few hours, a daily
// load cycle, warm-ups — no lasting growth.
func TestPooledHealthyChurn(t *testing.T) {
	day := func(age float64, g int) float64 {
		tod := math.Mod(float64(g)*5+age, 24)
		return warm(age, 800*mib*(1+0.12*math.Sin(2*math.Pi*tod/24)))
	}
	v := ClassifyPooled(churn(7*24*time.Hour, 5*time.Hour, 5*time.Minute, 3, day), Options{})
	if v.Shape != Healthy {
		t.Errorf("%s (%s)", v.Shape, v.Explanation)
	}
}

// A release that starts a leak is named: the verdict is the later
// lifetimes' and says from which generation; the lifetimes before were
// healthy. A release that stops it, watched for days, is healthy since.
func TestPooledChangeAtARollout(t *testing.T) {
	leakFrom := func(g0 int) func(age float64, g int) float64 {
		return func(age float64, g int) float64 {
			v := warm(age, 400*mib)
			if g >= g0 {
				v += 20 * mib * age
			}
			return v
		}
	}
	lives := churn(7*24*time.Hour, 12*time.Hour, 5*time.Minute, 2, leakFrom(8))
	v := ClassifyPooled(lives, Options{})
	if v.Shape != Leak || v.Pool.Change == nil {
		t.Fatalf("%s, change %+v (%s)", v.Shape, v.Pool.Change, v.Explanation)
	}
	c := v.Pool.Change
	first := int64(math.MaxInt64)
	for _, l := range lives {
		if l.Generation == 8 {
			first = min(first, l.T[0])
		}
	}
	if c.Generation != 8 || c.Before != Healthy || c.At != first || c.BeforeLifetimes < 10 {
		t.Errorf("change %+v, want generation 8 at %d after healthy lifetimes", *c, first)
	}
	for _, l := range v.Lifetimes {
		if lives[l.Series].Generation < 8 {
			t.Errorf("the verdict since the change holds a lifetime of generation %d", lives[l.Series].Generation)
		}
	}

	fixed := churn(7*24*time.Hour, 12*time.Hour, 5*time.Minute, 2, func(age float64, g int) float64 {
		v := warm(age, 400*mib)
		if g < 6 {
			v += 20 * mib * age
		}
		return v
	})
	if v := ClassifyPooled(fixed, Options{}); v.Shape != Healthy || v.Pool.Change == nil || v.Pool.Change.Before != Leak {
		t.Errorf("fixed at generation 6: %s, change %+v (%s)", v.Shape, v.Pool.Change, v.Explanation)
	}
	// No change in a workload whose every generation leaks alike.
	if v := ClassifyPooled(churn(7*24*time.Hour, 12*time.Hour, 5*time.Minute, 2, leakFrom(0)), Options{}); v.Pool.Change != nil {
		t.Errorf("a change %+v where every generation leaks", *v.Pool.Change)
	}
}

// One series pooled is that series classified: the same verdict, plus
// the pool's counts.
func TestPooledOneLifeIsClassify(t *testing.T) {
	for _, f := range []func(age float64, g int) float64{
		func(age float64, _ int) float64 { return 1e9 + 1e7*age },
		func(age float64, _ int) float64 { return 1e9 + 2e8*math.Log1p(age/3) },
		func(age float64, _ int) float64 { return 1e9 + 3e8*math.Floor(age/40) },
	} {
		l := churn(7*24*time.Hour, 30*24*time.Hour, 5*time.Minute, 1, f)
		if len(l) != 1 {
			t.Fatalf("%d lives", len(l))
		}
		want := Classify(l[0].T, l[0].V, Options{LimitBytes: 4e9})
		got := ClassifyPooled(l, Options{LimitBytes: 4e9})
		if got.Pool == nil || got.Pool.Series != 1 || got.Pool.Judged != 1 {
			t.Errorf("pool %+v", got.Pool)
		}
		got.Pool = nil
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("one life pooled differs from Classify:\n  %s\n  %s", a, b)
		}
	}
}

// Bad input costs the verdict, never a panic: no lives, lives too short,
// values that are not memory, timestamps out of order.
func TestPooledBadInput(t *testing.T) {
	nan := math.NaN()
	for name, lives := range map[string][]Life{
		"none":       nil,
		"empty":      {{}, {}},
		"too short":  {{T: []int64{1, 2}, V: []float64{1, 2}}, {T: []int64{5}, V: []float64{3}}},
		"not memory": {{T: []int64{1, 2, 3, 4}, V: []float64{-1, -2, 0, nan}}},
		"unsorted": {{T: []int64{4e6, 1e6, 3e6, 2e6, 6e6, 5e6, 7e6, 8e6, 9e6, 10e6}, V: []float64{4, 1, 3, 2, 6, 5, 7, 8, 9, 10}},
			{T: []int64{1e6, 2e6, 3e6}, V: []float64{1, 1, 1}}},
		"one point each": {{T: []int64{1}, V: []float64{1}}, {T: []int64{2}, V: []float64{1}}},
	} {
		v := ClassifyPooled(lives, Options{})
		if v.Shape != Inconclusive || v.Explanation == "" || v.Pool == nil || v.Pool.Series != len(lives) {
			t.Errorf("%s: %s %q %+v", name, v.Shape, v.Explanation, v.Pool)
		}
	}
}

// TestEarliest checks the window's start a pooled verdict takes from its
// lives as they are cleaned against the least timestamp given: series in
// order, out of order, with values to drop, with more timestamps than
// values and fewer, and empty.
func TestEarliest(t *testing.T) {
	cases := map[string]struct {
		t []int64
		v []float64
	}{
		"in order":          {[]int64{5, 6, 7, 8}, []float64{1, 2, 3, 4}},
		"out of order":      {[]int64{7, 5, 8, 6}, []float64{1, 2, 3, 4}},
		"repeated":          {[]int64{5, 5, 6, 7}, []float64{1, 2, 3, 4}},
		"a NaN first":       {[]int64{5, 6, 7, 8}, []float64{math.NaN(), 2, 3, 4}},
		"zero fill":         {[]int64{5, 6, 7, 8}, []float64{0, 0, 0, 4}},
		"more times":        {[]int64{5, 6, 7, 2, 1}, []float64{1, 2, 3}},
		"more times, later": {[]int64{5, 6, 7, 9}, []float64{1, 2, 3}},
		"more values":       {[]int64{5, 6}, []float64{1, 2, 3, 4}},
		"no values":         {[]int64{9, 4}, nil},
		"empty":             {nil, nil},
	}
	for name, c := range cases {
		want := int64(math.MaxInt64)
		if len(c.t) > 0 {
			want = slices.Min(c.t)
		}
		if got := earliest(c.t, clean(c.t, c.v)); got != want {
			t.Errorf("%s: earliest %d, want %d", name, got, want)
		}
	}
}
