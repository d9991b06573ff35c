package corpus

import (
	"testing"

	"github.com/memshape/memory-datasource/pkg/shape"
)

func BenchmarkZZRestarts(b *testing.B) {
	const n = 1440
	var ts [][]int64
	var vs [][]float64
	for _, c := range Generate(1, 20) {
		if len(c.T) < n || (c.Scenario != "fragmentation-restarts" && c.Scenario != "leak-restarts" && c.Scenario != "healthy-restarts") {
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
	for b.Loop() {
		for i := range ts {
			shape.Classify(ts[i], vs[i], shape.Options{})
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(ts)), "ns/series")
}
