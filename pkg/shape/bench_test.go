package shape

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// benchSeries makes a day of a leaking process with noise at n points.
func benchSeries(n int, seed uint64) ([]int64, []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	t := make([]int64, n)
	v := make([]float64, n)
	step := int64(24 * 3600 * 1000 / n)
	for i := range t {
		h := float64(i) / float64(n) * 24
		t[i] = 1_767_225_600_000 + int64(i)*step
		v[i] = 1e9 * (1 + 0.02*h + 0.2*math.Log1p(h) + 0.005*r.NormFloat64())
	}
	return t, v
}

// BenchmarkClassify reports points per second and allocation per series at
// several series lengths; cost should grow linearly with points.
func BenchmarkClassify(b *testing.B) {
	for _, n := range []int{240, 1440, 11000, 80640} {
		t, v := benchSeries(n, 1)
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Classify(t, v, Options{LimitBytes: 4e9})
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}
