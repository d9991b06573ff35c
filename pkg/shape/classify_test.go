package shape

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	t0  = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z
	GiB = 1 << 30
)

// series samples f (hours → level in units of 1 GiB) every step over the
// window, with Gaussian noise of sd noise GiB.
func series(window, step time.Duration, noise float64, seed uint64, f func(h float64) float64) ([]int64, []float64) {
	r := rand.New(rand.NewPCG(seed, 99))
	n := int(window / step)
	t := make([]int64, n)
	v := make([]float64, n)
	for i := range t {
		h := float64(i) * step.Hours()
		t[i] = t0 + int64(i)*step.Milliseconds()
		v[i] = GiB * (f(h) + noise*r.NormFloat64())
	}
	return t, v
}

func linear(rate float64) func(float64) float64 {
	return func(h float64) float64 { return 1 + rate*h }
}

// staircase adds +size at each jump hour (rising over rise hours).
func staircase(f func(float64) float64, size, rise float64, at ...float64) func(float64) float64 {
	return func(h float64) float64 {
		y := f(h)
		for _, j := range at {
			y += size * math.Min(math.Max((h-j)/rise, 0), 1)
		}
		return y
	}
}

// Each case is a shape the seed post defines, at a scale where it can be
// told; the verdict must name it.
func TestClassifyNamesTheShape(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		name   string
		window time.Duration
		f      func(float64) float64
		want   Shape
	}{
		{"flat", 3 * day, func(float64) float64 { return 1 }, Healthy},
		{"leak 2%/h over 2 days", 2 * day, linear(0.02), Leak},
		{"leak in every hourly lifetime", 2 * day, func(h float64) float64 { return 1 + 0.3*math.Mod(h, 4)/4 }, Leak},
		{"logarithmic growth", 3 * day, func(h float64) float64 { return 1 + 0.3*math.Log1p(h/2) }, Fragmentation},
		{"saturating growth", 3 * day, func(h float64) float64 { return 1 + 0.6*(1-math.Exp(-h/30)) }, Fragmentation},
		{"three jumps that persist", 3 * day, staircase(func(float64) float64 { return 1 }, 0.25, 0.5, 14, 35, 52), Bloat},
		{"warm-up then flat", day, func(h float64) float64 { return 1 - 0.5*math.Exp(-h/0.25) }, Healthy},
		{"GC sawtooth on a flat floor", day, func(h float64) float64 { return 1 + 0.2*math.Mod(h*20, 1) }, Healthy},
		{"GC sawtooth on a rising floor", 2 * day, func(h float64) float64 { return 1 + 0.01*h + 0.2*math.Mod(h*20, 1) }, Leak},
		{"daily cycle", 4 * day, func(h float64) float64 { return 1 + 0.1*math.Sin(2*math.Pi*h/24) }, Healthy},
		{"leak under a daily cycle", 4 * day, func(h float64) float64 { return 1 + 0.01*h + 0.05*math.Sin(2*math.Pi*h/24) }, Leak},
	} {
		t.Run(c.name, func(t *testing.T) {
			tt, vv := series(c.window, time.Minute, 0.005, 1, c.f)
			v := Classify(tt, vv, Options{})
			if v.Shape != c.want {
				t.Fatalf("got %s, want %s: %s", v.Shape, c.want, v.Explanation)
			}
			if v.Explanation == "" || !strings.HasPrefix(strings.ToLower(v.Explanation), string(c.want)) {
				t.Errorf("explanation %q does not start with the shape", v.Explanation)
			}
		})
	}
}

// The seed post's trap: bloat and fragmentation together look linear over
// hours and days. It must never come out as a leak.
func TestClassifyTrapIsNeverALeak(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		window := time.Duration(6+r.IntN(7*24)) * time.Hour
		hours := window.Hours()
		var at []float64
		for j := 1; j <= 3+r.IntN(5); j++ {
			at = append(at, hours*float64(j)/8*(0.85+0.3*r.Float64()))
		}
		tau := hours * (0.05 + 0.3*r.Float64())
		f := staircase(func(h float64) float64 { return 1 + 0.4*math.Log1p(h/tau) }, 0.08+0.1*r.Float64(), hours/100, at...)
		tt, vv := series(window, window/2000, 0.004, seed, f)
		if v := Classify(tt, vv, Options{}); v.Shape == Leak {
			t.Errorf("seed %d (%s, %d jumps, τ %.1f h): called a leak: %s", seed, window, len(at), tau, v.Explanation)
		}
	}
}

// Too short to tell linear from logarithmic growth: inconclusive, with how
// long to watch.
func TestClassifyShortWindowSaysHowLongToWatch(t *testing.T) {
	tt, vv := series(3*time.Hour, 30*time.Second, 0.003, 1, linear(0.05))
	v := Classify(tt, vv, Options{})
	if v.Shape != Inconclusive {
		t.Fatalf("got %s, want inconclusive: %s", v.Shape, v.Explanation)
	}
	if v.WatchFor < 8*time.Hour || v.WatchFor > 10*time.Hour {
		t.Errorf("watch for %s, want about 9 h (12 h of evidence at normal sensitivity less the 3 h seen)", v.WatchFor)
	}
	if v.Reason == "" || !strings.Contains(v.Explanation, "watch") {
		t.Errorf("no reason or advice: %q", v.Explanation)
	}
	// High sensitivity needs less evidence; low needs more.
	if w := Classify(tt, vv, Options{Sensitivity: High}).WatchFor; w >= v.WatchFor {
		t.Errorf("high sensitivity watches %s, not less than normal's %s", w, v.WatchFor)
	}
	if w := Classify(tt, vv, Options{Sensitivity: Low}).WatchFor; w <= v.WatchFor {
		t.Errorf("low sensitivity watches %s, not more than normal's %s", w, v.WatchFor)
	}
}

func TestClassifyLeakEvidence(t *testing.T) {
	// 1 GiB growing 2 %/h = 20.48 MiB/h; the limit 2 GiB is reached at 50 h,
	// i.e. 2 h after a 48 h window ends.
	tt, vv := series(48*time.Hour, time.Minute, 0.002, 1, linear(0.02))
	v := Classify(tt, vv, Options{LimitBytes: 2 * GiB})
	if v.Shape != Leak {
		t.Fatalf("got %s: %s", v.Shape, v.Explanation)
	}
	if want := 0.02 * GiB; math.Abs(v.GrowthBytesPerHour-want) > 0.03*want {
		t.Errorf("growth %.0f B/h, want %.0f ± 3%%", v.GrowthBytesPerHour, want)
	}
	if !v.HasTimeToLimit || v.TimeToLimit < 90*time.Minute || v.TimeToLimit > 150*time.Minute {
		t.Errorf("time to limit %s (known %v), want about 2 h", v.TimeToLimit, v.HasTimeToLimit)
	}
	if v.Restarts != 0 || len(v.Lifetimes) != 1 || len(v.Jumps) != 0 {
		t.Errorf("restarts %d, lifetimes %d, jumps %d: want 0, 1, 0", v.Restarts, len(v.Lifetimes), len(v.Jumps))
	}
	// The overlays follow the series: the linear fit within 2 % everywhere
	// and a forecast that starts where the data ends.
	var fits, forecasts int
	for _, f := range v.Fits {
		switch f.Model {
		case Linear:
			fits++
			for i := 0; i < len(tt); i += 97 {
				if got := f.At(tt[i]); !math.IsNaN(got) && math.Abs(got-vv[i]) > 0.02*vv[i] {
					t.Fatalf("linear overlay at %d: %.3g, series %.3g", i, got, vv[i])
				}
			}
		case Forecast:
			forecasts++
			if f.Start < tt[len(tt)-1]-3*60_000 || f.At(f.End) <= f.At(f.Start) {
				t.Errorf("forecast %+v does not start at the end and rise", f)
			}
		}
	}
	if fits != 1 || forecasts != 1 {
		t.Errorf("%d linear fits and %d forecasts, want 1 and 1", fits, forecasts)
	}
	for _, w := range []string{"Leak", "MiB/h", "2 GiB limit"} {
		if !strings.Contains(v.Explanation, w) {
			t.Errorf("explanation %q lacks %q", v.Explanation, w)
		}
	}
}

func TestClassifyFindsRestartsJumpsAndWarmup(t *testing.T) {
	// Restarts every 6 h over 2 days, at 5 h, 11 h, … 47 h: 8 restarts, 9 lifetimes.
	tt, vv := series(48*time.Hour, time.Minute, 0.003, 1, func(h float64) float64 {
		age := math.Mod(h+1, 6)
		if age < 0.05 {
			return 0.3 // the restart dip
		}
		return 1 + 0.05*age
	})
	v := Classify(tt, vv, Options{})
	if v.Restarts != 8 || len(v.Lifetimes) != 9 {
		t.Errorf("restarts %d, lifetimes %d: want 8 and 9", v.Restarts, len(v.Lifetimes))
	}
	if v.Shape != Leak {
		t.Errorf("every lifetime climbs the same way: got %s, want leak: %s", v.Shape, v.Explanation)
	}

	// Jumps at 14 h, 35 h and 52 h of 72.
	tt, vv = series(72*time.Hour, time.Minute, 0.003, 2, staircase(func(float64) float64 { return 1 }, 0.25, 0.5, 14, 35, 52))
	v = Classify(tt, vv, Options{})
	if len(v.Jumps) != 3 {
		t.Fatalf("%d jumps, want 3: %s", len(v.Jumps), v.Explanation)
	}
	for i, at := range []float64{14, 35, 52} {
		h := float64(v.Jumps[i].End-t0) / 3.6e6
		if math.Abs(h-at) > 3 {
			t.Errorf("jump %d ends at %.1f h, want about %.1f h", i, h, at)
		}
		if s := v.Jumps[i].Size / GiB; s < 0.18 || s > 0.35 {
			t.Errorf("jump %d size %.2f GiB, want about 0.25", i, s)
		}
	}

	// A 20-minute warm-up.
	tt, vv = series(24*time.Hour, 30*time.Second, 0.002, 3, func(h float64) float64 { return 1 - 0.6*math.Exp(-h/0.1) })
	v = Classify(tt, vv, Options{})
	if w := time.Duration(v.Lifetimes[0].WarmupEnd-t0) * time.Millisecond; v.Shape != Healthy || w < 10*time.Minute || w > 90*time.Minute {
		t.Errorf("got %s with warm-up ending after %s, want healthy after 10–90 min", v.Shape, w)
	}
}

// Degenerate series are in testdata/edge; slices of unequal length cannot
// be written there.
func TestClassifyUnequalLengths(t *testing.T) {
	v := Classify([]int64{t0}, []float64{1, 2, 3}, Options{})
	if v.Shape != Inconclusive || !strings.Contains(v.Reason, "usable points") || v.Components == nil {
		t.Errorf("got %s with reason %q and components %v", v.Shape, v.Reason, v.Components)
	}
}

func TestClassifyCleansWithoutTouchingInput(t *testing.T) {
	tt, vv := series(48*time.Hour, time.Minute, 0.002, 1, linear(0.02))
	// Shuffle, duplicate, NaN and zero-fill a copy.
	r := rand.New(rand.NewPCG(5, 5))
	mt, mv := slices.Clone(tt), slices.Clone(vv)
	for i := 0; i < 200; i++ {
		mv[r.IntN(len(mv))] = math.NaN()
	}
	for i := 1000; i < 1300; i++ {
		mv[i] = 0
	}
	mt = append(mt, mt[:100]...)
	mv = append(mv, mv[:100]...)
	r.Shuffle(len(mt), func(i, j int) { mt[i], mt[j] = mt[j], mt[i]; mv[i], mv[j] = mv[j], mv[i] })
	before := slices.Clone(mv)
	v := Classify(mt, mv, Options{})
	if v.Shape != Leak {
		t.Errorf("got %s: %s", v.Shape, v.Explanation)
	}
	if v.Dropped < 500 {
		t.Errorf("dropped %d points, want at least the 200 NaN + 300 zero + 100 duplicates", v.Dropped)
	}
	for i := range mv {
		if mv[i] != before[i] && !(math.IsNaN(mv[i]) && math.IsNaN(before[i])) {
			t.Fatal("Classify modified its input")
		}
	}
}

// A restart can happen while nobody scrapes: an outage that hides one must
// not glue two lifetimes into one long climb that seems to slow down.
func TestClassifyRestartHiddenInAnOutage(t *testing.T) {
	tt, vv := series(4*24*time.Hour, 2*time.Minute, 0.003, 4, func(h float64) float64 {
		age := math.Mod(h, 10)
		if age < 0.04 {
			return 0.4 // the restart dip
		}
		return 1 + 0.08*age
	})
	// A 4.9 h outage from 49.5 h swallows the restart at 50 h; after it the level
	// is lower, but not low enough to read as a restart by itself.
	var t2 []int64
	var v2 []float64
	for i := range tt {
		if h := float64(tt[i]-t0) / 3.6e6; h >= 49.5 && h < 54.4 { // hides the restart at 50 h
			continue
		}
		t2, v2 = append(t2, tt[i]), append(v2, vv[i])
	}
	if v := Classify(t2, v2, Options{}); v.Shape != Leak {
		t.Errorf("got %s, want leak: %s", v.Shape, v.Explanation)
	}
}

// The issue's own yardsticks for "the series' own scale": on a day-long
// chart a rise over 40 minutes is a jump; a drop back to the baseline every
// hour is a restart, while a collector's cycle of minutes is not.
func TestClassifyJudgesAtTheSeriesScale(t *testing.T) {
	tt, vv := series(24*time.Hour, time.Minute, 0.003, 7,
		staircase(func(float64) float64 { return 1 }, 0.15, 40.0/60, 5, 11, 17))
	v := Classify(tt, vv, Options{})
	if v.Shape != Bloat || len(v.Jumps) != 3 {
		t.Errorf("rises over 40 min on a day: got %s with %d jumps, want bloat with 3: %s", v.Shape, len(v.Jumps), v.Explanation)
	}

	tt, vv = series(48*time.Hour, time.Minute, 0.003, 8, func(h float64) float64 {
		age := math.Mod(h, 1)
		return 1 + 0.25*age // back to the baseline every hour
	})
	v = Classify(tt, vv, Options{})
	if v.Restarts < 45 || v.Restarts > 48 {
		t.Errorf("hourly drops to the baseline: %d restarts, want 47", v.Restarts)
	}
	if v.Shape != Leak {
		t.Errorf("every hourly lifetime climbs alike: got %s, want leak: %s", v.Shape, v.Explanation)
	}

	tt, vv = series(48*time.Hour, 15*time.Second, 0.003, 9, func(h float64) float64 {
		return 1 + 0.25*math.Mod(h*60/4, 1) // a collector every 4 minutes
	})
	if v = Classify(tt, vv, Options{}); v.Restarts != 0 || v.Shape != Healthy {
		t.Errorf("a 4-minute GC cycle: %d restarts and %s, want 0 and healthy: %s", v.Restarts, v.Shape, v.Explanation)
	}
}
