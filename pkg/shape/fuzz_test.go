package shape

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// FuzzClassify feeds arbitrary series: any timestamps (unsorted, repeated,
// far apart), any float64 bits (NaN, ±Inf, negative, subnormal, 1e308).
// Classify must never panic and must always return a usable verdict.
// Inputs it ever failed on live in testdata/fuzz/FuzzClassify and run as
// regression tests with every go test.
func FuzzClassify(f *testing.F) {
	add := func(t []int64, v []float64, limit float64, sens uint8) {
		b := make([]byte, 0, 16*len(t))
		for i := range t {
			b = binary.LittleEndian.AppendUint64(b, uint64(t[i]))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v[i]))
		}
		f.Add(b, limit, sens)
	}
	tt, vv := series(48*3600e9, 60e9, 0.01, 1, linear(0.02))
	add(tt, vv, 4*GiB, 0)
	tt, vv = series(6*3600e9, 15e9, 0.01, 2, func(h float64) float64 { return 1 + 0.2*math.Mod(h*20, 1) })
	add(tt, vv, 0, 2)
	add([]int64{1, 1, 1}, []float64{math.NaN(), math.Inf(1), -1}, -1, 1)
	add([]int64{math.MaxInt64, math.MinInt64, 0, 5, 10, 15, 20, 25}, []float64{1e308, 1e308, 1e-308, 5, 1, 1e300, 2, 3}, math.NaN(), 9)

	f.Fuzz(func(t *testing.T, b []byte, limit float64, sens uint8) {
		n := len(b) / 16
		ts := make([]int64, n)
		vs := make([]float64, n)
		for i := 0; i < n; i++ {
			ts[i] = int64(binary.LittleEndian.Uint64(b[16*i:]))
			vs[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[16*i+8:]))
		}
		v := Classify(ts, vs, Options{LimitBytes: limit, Sensitivity: Sensitivity(sens % 3)})
		switch v.Shape {
		case Leak, Fragmentation, Bloat, Healthy, Inconclusive:
		default:
			t.Fatalf("shape %q", v.Shape)
		}
		if strings.Contains(v.Reason, "internal error") {
			t.Fatalf("recovered a panic: %s", v.Reason) // Classify's safety net must never be needed
		}
		if v.Shape == Inconclusive && v.Reason == "" {
			t.Fatal("inconclusive without a reason")
		}
		if v.Explanation == "" || v.Components == nil {
			t.Fatalf("empty explanation or nil components: %+v", v)
		}
		if math.IsNaN(v.Confidence) || v.Confidence < 0 || v.Confidence > 1 {
			t.Fatalf("confidence %v", v.Confidence)
		}
		if len(v.Explanation) > 2000 {
			t.Fatalf("explanation of %d bytes", len(v.Explanation))
		}
	})
}
