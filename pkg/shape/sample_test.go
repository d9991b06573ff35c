package shape

import (
	"testing"
)

func TestSample(t *testing.T) {
	lin := Fit{Model: Linear, Start: 100, End: 200, Origin: 100, A: 10, B: 1}
	ts, vs := lin.Sample([]int64{50, 120, 150, 150, 250}, 0, 1000)
	if want := []int64{100, 120, 150, 200}; !equal(ts, want) {
		t.Fatalf("times %v, want %v", ts, want)
	}
	if vs[1] != 30 || vs[3] != 110 {
		t.Fatalf("values %v", vs)
	}
	ts, _ = lin.Sample([]int64{120, 150}, 130, 180)
	if want := []int64{130, 150, 180}; !equal(ts, want) {
		t.Fatalf("clipped times %v, want %v", ts, want)
	}
	steps := Fit{Model: Steps, Start: 0, End: 100, A: 1, Knots: []Knot{{T: 0, V: 1}, {T: 50, V: 5}}}
	ts, vs = steps.Sample(nil, 0, 100)
	if want := []int64{0, 49, 50, 100}; !equal(ts, want) {
		t.Fatalf("step corners %v, want %v", ts, want)
	}
	if vs[1] != 1 || vs[2] != 5 {
		t.Fatalf("step values %v", vs)
	}
	if ts, _ := lin.Sample(nil, 300, 400); ts != nil {
		t.Fatalf("outside the span: %v", ts)
	}
	log := Fit{Model: Logarithmic, Start: 0, End: 10}
	if ts, _ := log.Sample([]int64{5}, 0, 10); len(ts) != 0 {
		t.Fatalf("a fit without tau has no finite points: %v", ts)
	}
}

func TestParseSensitivity(t *testing.T) {
	for in, want := range map[string]Sensitivity{"": Normal, "LOW": Low, " high ": High, "normal": Normal} {
		got, err := ParseSensitivity(in)
		if err != nil || got != want {
			t.Errorf("ParseSensitivity(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSensitivity("extreme"); err == nil {
		t.Error("extreme is no sensitivity")
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
