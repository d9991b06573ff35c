package shape

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
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

// BenchmarkClassifyCost splits the cost of a series into a fixed part and a
// part per point, from the times of a 1,440-point and an 11,000-point day
// classified alternately in the same loop: per point = (T₂ − T₁)/(n₂ − n₁),
// fixed = T₁ − n₁ × per point.
func BenchmarkClassifyCost(b *testing.B) {
	const n1, n2 = 1440, 11000
	t1, v1 := benchSeries(n1, 1)
	t2, v2 := benchSeries(n2, 1)
	var d1, d2 time.Duration
	b.ReportAllocs()
	for b.Loop() {
		s := time.Now()
		Classify(t1, v1, Options{LimitBytes: 4e9})
		m := time.Now()
		Classify(t2, v2, Options{LimitBytes: 4e9})
		d1, d2 = d1+m.Sub(s), d2+time.Since(m)
	}
	per1, per2 := float64(d1)/float64(b.N), float64(d2)/float64(b.N)
	perPoint := (per2 - per1) / (n2 - n1)
	b.ReportMetric(per1-n1*perPoint, "fixed-ns/series")
	b.ReportMetric(perPoint, "ns/point")
}
