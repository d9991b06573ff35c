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
// part per point: a day at 1,440, 2,880, 5,760 and 11,000 points is
// classified in turn in the same loop, and a straight line is fitted by
// least squares to the time per series against the points — its intercept
// is the fixed cost, its slope the cost per point.
func BenchmarkClassifyCost(b *testing.B) {
	sizes := []int{1440, 2880, 5760, 11000}
	ts := make([][]int64, len(sizes))
	vs := make([][]float64, len(sizes))
	for i, n := range sizes {
		ts[i], vs[i] = benchSeries(n, 1)
	}
	spent := make([]time.Duration, len(sizes))
	b.ReportAllocs()
	for b.Loop() {
		for i := range sizes {
			s := time.Now()
			Classify(ts[i], vs[i], Options{LimitBytes: 4e9})
			spent[i] += time.Since(s)
		}
	}
	var sx, sy, sxx, sxy float64
	for i, n := range sizes {
		x, y := float64(n), float64(spent[i])/float64(b.N)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	k := float64(len(sizes))
	perPoint := (k*sxy - sx*sy) / (k*sxx - sx*sx)
	b.ReportMetric((sy-perPoint*sx)/k, "fixed-ns/series")
	b.ReportMetric(perPoint, "ns/point")
}
