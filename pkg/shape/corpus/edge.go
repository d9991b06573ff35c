package corpus

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// EdgeCases are hand-made series that break the rules generated cases
// keep: too few points, NaN and ±Inf, absurd magnitudes, negative values,
// unsorted and duplicate timestamps, and zero-filled stretches where a host
// was absent. Degenerate series are labelled inconclusive, a constant one
// healthy, and where the junk is only partial the label is the true shape of
// the rest. The classifier must not panic on any of them.
func EdgeCases() []Case {
	r := rand.New(rand.NewPCG(0xED6E, 0xCA5E))
	const base = 512 * MiB
	day := 24 * time.Hour

	var cases []Case
	add := func(name string, s edgeSeries, want shape.Shape, accept ...shape.Shape) {
		limit := 2 * s.peak()
		if limit == 0 || math.IsNaN(limit) || math.IsInf(limit, 0) {
			limit = 2 * base
		}
		cases = append(cases, Case{
			Name:     "edge/" + name,
			Scenario: "edge",
			T:        s.t,
			V:        s.v,
			Limit:    limit,
			Want:     want,
			Accept:   accept,
			Window:   s.window,
			Step:     s.step,
		})
	}

	// Too little to say anything.
	add("empty", edgeSeries{t: []int64{}, v: []float64{}, window: time.Hour, step: time.Minute}, shape.Inconclusive)
	add("one-point", grid(0, time.Minute, func(float64) float64 { return base }), shape.Inconclusive)
	add("two-points", grid(time.Hour, time.Hour, func(x float64) float64 { return base * (1 + x) }), shape.Inconclusive)
	add("all-nan", grid(day, time.Minute, func(float64) float64 { return math.NaN() }), shape.Inconclusive)
	add("negative-only", grid(day, time.Minute, noisy(r, -base, 0.01*base)), shape.Inconclusive)
	add("zero-only", grid(day, time.Minute, func(float64) float64 { return 0 }), shape.Inconclusive, shape.Healthy)

	// A constant series is the healthiest there is.
	add("constant", grid(day, time.Minute, func(float64) float64 { return base }), shape.Healthy)
	add("constant-1e300", grid(day, time.Minute, func(float64) float64 { return 1e300 }), shape.Healthy, shape.Inconclusive)

	// Healthy and leaking series at magnitudes where sums of squares
	// overflow or lose precision.
	add("huge-healthy-1e15", grid(day, time.Minute, noisy(r, 1e15, 1e13)), shape.Healthy)
	add("huge-leak-1e17", grid(3*day, 2*time.Minute, leaking(r, 1e17, 0.6, 1e15)), shape.Leak)
	add("huge-healthy-1e18", grid(day, time.Minute, noisy(r, 1e18, 5e15)), shape.Healthy)
	add("huge-flat-1e300", grid(day, time.Minute, noisy(r, 1e300, 1e298)), shape.Healthy, shape.Inconclusive)
	s := grid(day, time.Minute, noisy(r, base, 0.01*base))
	s.v[700] = 1e300
	add("healthy-1e300-outlier", s, shape.Healthy)

	// Junk sprinkled on an otherwise clear series.
	add("healthy-inf-nan", sprinkle(r, grid(day, time.Minute, noisy(r, base, 0.01*base)), 0.02), shape.Healthy)
	add("leak-inf-nan", sprinkle(r, grid(3*day, 2*time.Minute, leaking(r, base, 0.8, 0.01*base)), 0.02), shape.Leak)
	s = grid(day, time.Minute, noisy(r, base, 0.01*base))
	for _, i := range []int{100, 500, 501, 1200} {
		s.v[i] = -s.v[i]
	}
	add("healthy-negative-points", s, shape.Healthy)

	// Timestamps out of order or repeated.
	s = grid(day, time.Minute, noisy(r, base, 0.01*base))
	for i := 1; i+1 < len(s.t); i += 20 {
		s.t[i], s.t[i+1] = s.t[i+1], s.t[i]
		s.v[i], s.v[i+1] = s.v[i+1], s.v[i]
	}
	add("healthy-swapped", s, shape.Healthy)
	s = grid(3*day, 2*time.Minute, leaking(r, base, 0.8, 0.01*base))
	r.Shuffle(len(s.t), func(i, j int) {
		s.t[i], s.t[j] = s.t[j], s.t[i]
		s.v[i], s.v[j] = s.v[j], s.v[i]
	})
	add("leak-shuffled", s, shape.Leak)
	s = grid(day, time.Minute, noisy(r, base, 0.01*base))
	for i := len(s.t) - 1; i > 0; i -= 7 {
		s.t = append(s.t[:i+1], s.t[i:]...)
		s.v = append(s.v[:i+1], s.v[i:]...)
		s.v[i+1] *= 1 + 0.01*r.NormFloat64()
	}
	add("healthy-duplicates", s, shape.Healthy)
	// The same leaking series reported twice, one copy after the other, as
	// when two scrapes of one target are merged.
	s = grid(2*day, time.Minute, leaking(r, base, 0.8, 0.01*base))
	s.t = append(s.t, s.t...)
	s.v = append(s.v, s.v...)
	add("leak-doubled", s, shape.Leak)

	// A host absent for a while, reported as zeros instead of a gap.
	s = grid(2*day, time.Minute, noisy(r, base, 0.01*base))
	zero(s, 0.4, 0.5)
	add("healthy-zero-fill", s, shape.Healthy)
	s = grid(14*day, 5*time.Minute, leaking(r, base, 1.0, 0.01*base))
	zero(s, 0.55, 0.63)
	add("leak-zero-fill", s, shape.Leak)

	return cases
}

// edgeSeries is a hand-made series under construction.
type edgeSeries struct {
	t            []int64
	v            []float64
	window, step time.Duration
}

func (s edgeSeries) peak() float64 {
	p := 0.0
	for _, v := range s.v {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			p = max(p, v)
		}
	}
	return p
}

// grid lays a regular series over window at step from Epoch; f gets the
// position in the window, 0..1.
func grid(window, step time.Duration, f func(x float64) float64) edgeSeries {
	n := points(window, step)
	s := edgeSeries{t: make([]int64, n), v: make([]float64, n), window: window, step: step}
	for i := range n {
		s.t[i] = Epoch.Add(time.Duration(i) * step).UnixMilli()
		x := 0.0
		if window > 0 {
			x = float64(time.Duration(i)*step) / float64(window)
		}
		s.v[i] = f(x)
	}
	return s
}

// noisy is a flat level with Gaussian noise sigma.
func noisy(r *rand.Rand, level, sigma float64) func(float64) float64 {
	return func(float64) float64 { return level + sigma*r.NormFloat64() }
}

// leaking is a linear rise of rise × level over the window with noise sigma.
func leaking(r *rand.Rand, level, rise, sigma float64) func(float64) float64 {
	return func(x float64) float64 { return level*(1+rise*x) + sigma*r.NormFloat64() }
}

// sprinkle replaces share of the points with NaN, +Inf or -Inf.
func sprinkle(r *rand.Rand, s edgeSeries, share float64) edgeSeries {
	junk := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for i := range s.v {
		if r.Float64() < share {
			s.v[i] = junk[r.IntN(len(junk))]
		}
	}
	return s
}

// zero sets the points between the positions from and to (0..1) to zero.
func zero(s edgeSeries, from, to float64) {
	n := float64(len(s.v))
	for i := int(from * n); i < int(to*n); i++ {
		s.v[i] = 0
	}
}
