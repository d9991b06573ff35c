package shape

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// classifyIn is Classify on a clean series with the workspace given.
func classifyIn(ws *workspace, t []int64, v []float64, opt Options) Verdict {
	ev := gather(t, v, nil, opt, ws)
	verdict := explain(ev, judge(ev), Verdict{Points: len(t), Components: []Shape{}})
	ws.keep(ev)
	return verdict
}

// TestDailyCycleFactorizationReused checks that a workspace that judged a
// series before gives the verdict a fresh one gives: series of one query
// share their times, and the daily cycle's factorization of XᵀX, which
// depends on them alone, is used again. Series in turn share their times,
// or not, and have a daily cycle, or not.
func TestDailyCycleFactorizationReused(t *testing.T) {
	day := func(amp float64, f func(h float64) float64) func(h float64) float64 {
		return func(h float64) float64 { return f(h) + amp*math.Sin(2*math.Pi*h/24) }
	}
	shapes := []func(h float64) float64{
		day(0.05, func(h float64) float64 { return 1 }),
		day(0.05, linear(0.002)),
		day(0.08, func(h float64) float64 { return 1 + 0.3*(1-math.Exp(-h/30)) }),
		func(h float64) float64 { return 1 },
		day(0.02, staircase(func(float64) float64 { return 1 }, 0.2, 0.5, 50, 100)),
		linear(0.001),
	}
	shared := new(workspace)
	for _, window := range []time.Duration{7 * 24 * time.Hour, 3 * 24 * time.Hour} {
		for k, f := range shapes {
			for seed := uint64(1); seed <= 3; seed++ {
				ts, vs := series(window, 5*time.Minute, 0.004, seed+uint64(10*k), f)
				got := classifyIn(shared, ts, vs, Options{LimitBytes: 3e9})
				want := classifyIn(new(workspace), ts, vs, Options{LimitBytes: 3e9})
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%v window, shape %d, seed %d: after other series\n%+v\nalone\n%+v", window, k, seed, got, want)
				}
			}
		}
	}
}
