package corpus

import (
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
	seriespkg "github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// BenchmarkFleet classifies a fleet of 1,440-point series (a day at one
// minute) of every scenario — the common case of a dashboard or an alert
// rule over many pods — and reports points per second and time per series.
// Each case is taken at the finest step of its ladder and thinned to
// exactly 1,440 evenly spaced points; shorter ones are left out.
func BenchmarkFleet(b *testing.B) {
	const n = 1440
	var ts [][]int64
	var vs [][]float64
	for _, g := range GenerateSteps(1, 20) {
		c := g[0]
		if len(c.T) < n {
			continue
		}
		t := make([]int64, n)
		v := make([]float64, n)
		for i := range t {
			j := i * (len(c.T) - 1) / (n - 1)
			t[i], v[i] = c.T[j], c.V[j]
		}
		ts, vs = append(ts, t), append(vs, v)
	}
	b.ReportAllocs()
	series := 0
	for b.Loop() {
		for i := range ts {
			shape.Classify(ts[i], vs[i], shape.Options{})
		}
		series += len(ts)
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(series*n)/s, "points/s")
	b.ReportMetric(s*1e9/float64(series), "ns/series")
	b.ReportMetric(float64(len(ts)), "series")
}

// BenchmarkAlertFleet classifies the series an alert rule's first
// evaluation judges: pods of the benchmark fleet (promtest.Fleet: a base,
// slow growth, a daily cycle and noise) over 7 days at 5 minutes, each a
// workload of one lifetime judged by shape.ClassifyPooled, as the plugin
// judges them. It reports points per second and time per series.
func BenchmarkAlertFleet(b *testing.B) {
	const series, points = 200, 7 * 24 * 12
	var lives [][]shape.Life
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	err := promtest.Fleet("container_memory_working_set_bytes", series, points, end, 5*time.Minute)(func(s seriespkg.Series) error {
		lives = append(lives, []shape.Life{{T: s.T, V: s.V}})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, l := range lives {
			shape.ClassifyPooled(l, shape.Options{})
		}
		n += len(lives)
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*points)/s, "points/s")
	b.ReportMetric(s*1e9/float64(n), "ns/series")
}
