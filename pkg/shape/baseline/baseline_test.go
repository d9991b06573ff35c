package baseline

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

const mib = 1 << 20

// series samples f (position in the window 0..1 → bytes) every step over
// window, with Gaussian noise of sigma bytes.
func series(window, step time.Duration, sigma float64, f func(x float64) float64) ([]int64, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	n := int(window/step) + 1
	t, v := make([]int64, n), make([]float64, n)
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range n {
		t[i] = start.Add(time.Duration(i) * step).UnixMilli()
		v[i] = f(float64(i)/float64(n-1)) + sigma*r.NormFloat64()
	}
	return t, v
}

func peak(v []float64) float64 {
	p := math.Inf(-1)
	for _, x := range v {
		p = max(p, x)
	}
	return p
}

var detectors = map[string]Detector{
	"predict_linear 4h":  PredictLinear,
	"predict_linear 24h": PredictLinearHorizon(24 * time.Hour),
	"percent per hour":   PercentPerHour,
}

func TestFireOnAClearLeak(t *testing.T) {
	// 1 GiB growing by 60 % in a day, limit 10 % above the last value:
	// 2.5 %/h, and the 4 h projection crosses the limit.
	ts, v := series(24*time.Hour, time.Minute, 5*mib, func(x float64) float64 { return 1024 * mib * (1 + 0.6*x) })
	limit := 1.05 * peak(v)
	for name, d := range detectors {
		if got := d(ts, v, limit); got != shape.Leak {
			t.Errorf("%s: %s on a clear leak", name, got)
		}
	}
}

func TestQuietOnAFlatSeries(t *testing.T) {
	ts, v := series(24*time.Hour, time.Minute, 5*mib, func(float64) float64 { return 1024 * mib })
	limit := 1.3 * peak(v)
	for name, d := range detectors {
		if got := d(ts, v, limit); got != shape.Healthy {
			t.Errorf("%s: %s on a flat series", name, got)
		}
	}
}

func TestDegenerateInput(t *testing.T) {
	nan := math.NaN()
	for name, d := range detectors {
		for _, c := range []struct {
			t []int64
			v []float64
		}{
			{nil, nil},
			{[]int64{1}, []float64{1}},
			{[]int64{1, 2, 3}, []float64{nan, nan, nan}},
			{[]int64{1, 2}, []float64{1}},
			{[]int64{0, 60000, 120000}, []float64{1e8, 1e8, math.Inf(1)}},
		} {
			if got := d(c.t, c.v, 1e9); got != shape.Healthy {
				t.Errorf("%s(%v, %v) = %s", name, c.t, c.v, got)
			}
		}
	}
	ts, v := series(24*time.Hour, time.Minute, 0, func(x float64) float64 { return 1024 * mib * (1 + x) })
	if got := PredictLinear(ts, v, 0); got != shape.Healthy {
		t.Errorf("predict_linear with an unknown limit: %s", got)
	}
}

// TestPredictLinearMatchesPromQL checks the projection against a line
// worked by hand: 100 MiB + 1 MiB/min, sampled for an hour, projected 4 h
// past the last sample is 100 + 60 + 240 MiB.
func TestPredictLinearMatchesPromQL(t *testing.T) {
	ts, v := series(time.Hour, time.Minute, 0, func(x float64) float64 { return 100*mib + 60*mib*x })
	want := 400.0 * mib
	if got := PredictLinear(ts, v, want-mib); got != shape.Leak {
		t.Errorf("projection below %v", want-mib)
	}
	if got := PredictLinear(ts, v, want+mib); got != shape.Healthy {
		t.Errorf("projection above %v", want+mib)
	}
}

func TestPercentPerHourThreshold(t *testing.T) {
	// 0.5 %/h of the mean: below the default, above a 0.25 % rule.
	ts, v := series(48*time.Hour, time.Minute, mib, func(x float64) float64 { return 1024*mib + 1024*mib*0.24*x })
	if got := PercentPerHour(ts, v, 0); got != shape.Healthy {
		t.Errorf("default rule: %s on ~0.45 %%/h", got)
	}
	if got := PercentPerHourRule(0.25, DefaultMinR2)(ts, v, 0); got != shape.Leak {
		t.Errorf("0.25 %%/h rule: %s on ~0.45 %%/h", got)
	}
}

// TestKnownFailures documents why the product exists: one straight line
// over the window calls a leak where there is none.
func TestKnownFailures(t *testing.T) {
	t.Run("warm-up after a deploy", func(t *testing.T) {
		// One hour after a deploy, a JVM-style warm-up (from 40 % of the
		// working set, time constant 10 minutes) is levelling off. The limit
		// is 30 % above the peak. Both rules fire: the line through the
		// warm-up rises ~45 %/h with R² ~0.67 and projects far past the
		// limit (sapcc/helm-charts#808: "often fires directly after
		// deployments"; coroot#893: apps that grab memory at start).
		ts, v := series(time.Hour, 30*time.Second, 2*mib, func(x float64) float64 {
			return 1024 * mib * (1 - 0.6*math.Exp(-x*60/10))
		})
		limit := 1.3 * peak(v)
		for name, d := range map[string]Detector{"predict_linear 4h": PredictLinear, "percent per hour": PercentPerHour} {
			if got := d(ts, v, limit); got != shape.Leak {
				t.Errorf("%s: %s — the known false alarm no longer happens; update this test", name, got)
			}
		}
	})
	t.Run("bloat plus fragmentation (the seed post's trap)", func(t *testing.T) {
		// One day of 1 GiB memory that fragments (logarithmic growth of
		// 30 %) and bloats (five jumps of 12 %, evenly spaced): a straight
		// line fits it well, so both rules call it a leak. The limit is
		// 5 % above the peak, as it was for the puma servers that ran out
		// of memory.
		ts, v := series(24*time.Hour, time.Minute, 3*mib, func(x float64) float64 {
			level := 1024 * mib * (1 + 0.3*math.Log1p(x*10)/math.Log1p(10))
			for k := 1; k <= 5; k++ {
				level += 1024 * mib * 0.12 * math.Min(1, math.Max(0, (x-float64(k)/6)/0.02))
			}
			return level
		})
		limit := 1.05 * peak(v)
		for name, d := range map[string]Detector{"predict_linear 4h": PredictLinear, "percent per hour": PercentPerHour} {
			if got := d(ts, v, limit); got != shape.Leak {
				t.Errorf("%s: %s — the known false alarm no longer happens; update this test", name, got)
			}
		}
	})
}

func TestCorootCheck(t *testing.T) {
	gib := 1024.0 * mib
	for _, c := range []struct {
		name   string
		window time.Duration
		f      func(x float64) float64
		limit  float64
		want   shape.Shape
	}{
		// 1 GiB growing 20 % of its level an hour: over 50 MiB and 10 %/h.
		{"steady growth of 20 %/h", 6 * time.Hour, func(x float64) float64 { return gib * (1 + 1.2*x) }, 0, shape.Leak},
		// 5 %/h is under the 10 % threshold.
		{"steady growth of 5 %/h", 6 * time.Hour, func(x float64) float64 { return gib * (1 + 0.3*x) }, 0, shape.Healthy},
		// A small process: 20 %/h of 100 MiB is 20 MiB an hour, under 50 MiB.
		{"small process", 6 * time.Hour, func(x float64) float64 { return 100 * mib * (1 + 1.2*x) }, 0, shape.Healthy},
		// …but with a 200 MiB limit 5 % of it (10 MiB) is enough.
		{"small process with a limit", 6 * time.Hour, func(x float64) float64 { return 100 * mib * (1 + 1.2*x) }, 200 * mib, shape.Leak},
		// A start-up climb that plateaus: the last quarter no longer rises.
		{"climb then plateau", 6 * time.Hour, func(x float64) float64 { return gib * (1 + 1.5*math.Min(x, 0.5)) }, 0, shape.Healthy},
		// Restarts every 1.5 h: each run climbs 40 % an hour; the longest
		// run (1.5 h of 6) covers under a third of the window.
		{"restarts every 1.5 h", 6 * time.Hour, func(x float64) float64 { return gib * (1 + 0.6*math.Mod(x*6, 1.5)) }, 0, shape.Healthy},
	} {
		ts, v := series(c.window, time.Minute, 2*mib, c.f)
		if got := CorootCheck(ts, v, c.limit); got != c.want {
			t.Errorf("%s: %s, want %s (growth %.1f %%/h)", c.name, got, c.want,
				CorootGrowthPercent(ts, v, c.limit, len(ts), ts[len(ts)-1]))
		}
	}
	// Fewer than 80 % of the steps present: no verdict.
	ts, v := series(6*time.Hour, time.Minute, 2*mib, func(x float64) float64 { return gib * (1 + 1.2*x) })
	if got := CorootGrowthPercent(ts[:200], v[:200], 0, len(ts), ts[len(ts)-1]); got != 0 {
		t.Errorf("with 200 of %d steps present: %.1f %%/h, want 0", len(ts), got)
	}
}

func TestCorootAlert(t *testing.T) {
	gib := 1024.0 * mib
	// A leak of 20 %/h fires; under an hour of data it cannot.
	ts, v := series(3*time.Hour, 30*time.Second, 2*mib, func(x float64) float64 { return gib * (1 + 0.6*x) })
	if got := CorootAlert(ts, v, 0); got != shape.Leak {
		t.Errorf("3 h of a 20 %%/h leak: %s, want leak", got)
	}
	short, sv := series(50*time.Minute, 15*time.Second, 2*mib, func(x float64) float64 { return gib * (1 + 0.2*x) })
	if got := CorootAlert(short, sv, 0); got != shape.Healthy {
		t.Errorf("50 minutes: %s, want no alert", got)
	}
	// A 30 % jump over 10 minutes, then flat: no alert.
	spurt, pv := series(6*time.Hour, 30*time.Second, 1*mib, func(x float64) float64 {
		h := x * 6
		return gib * (1 + 0.3*math.Min(math.Max(h-3, 0)/(10.0/60), 1))
	})
	if got := CorootAlert(spurt, pv, 0); got != shape.Healthy {
		t.Errorf("a 10-minute jump then flat: %s, want no alert", got)
	}
	if got := CorootAlert(ts, v, 0); got != CorootCheck(ts, v, 0) {
		t.Errorf("on a steady leak the alert (%s) and the check (%s) agree", got, CorootCheck(ts, v, 0))
	}
}
