package series

import (
	"slices"
	"testing"
)

func TestSameSamples(t *testing.T) {
	s := Series{T: []int64{1, 2, 3}, V: []float64{4, 5, 6}}
	if !SameSamples(s, Series{Labels: map[string]string{"a": "b"}, T: s.T, V: s.V}) {
		t.Error("the same samples under other labels are not the same")
	}
	copied := Series{T: slices.Clone(s.T), V: slices.Clone(s.V)}
	if SameSamples(s, copied) {
		t.Error("a copy of the samples is the same")
	}
	if SameSamples(s, Series{T: s.T[:2], V: s.V[:2]}) {
		t.Error("a shorter view of the same memory is the same")
	}
	if SameSamples(s, Series{T: s.T, V: copied.V}) {
		t.Error("the same times with other values are the same")
	}
	if !SameMemory[int64](nil, nil) {
		t.Error("two nil slices differ")
	}
}

func TestWithin(t *testing.T) {
	col := []int64{10, 20, 30, 40, 50}
	other := slices.Clone(col)
	for _, c := range []struct {
		name string
		a    []int64
		want bool
	}{
		{"the whole column", col, true},
		{"a run inside", col[1:4], true},
		{"a run at its end", col[3:], true},
		{"one element", col[4:5], true},
		{"a copy", other[1:3], false},
		{"empty", col[:0], false},
		{"longer than the column", append(slices.Clone(col), 60), false},
		{"a neighbour's memory", other, false},
	} {
		if got := Within(c.a, col); got != c.want {
			t.Errorf("%s: Within = %v, want %v", c.name, got, c.want)
		}
	}
	// A run that starts inside but runs past the column's length, into
	// memory the column does not hold.
	wide := []int64{1, 2, 3, 4, 5, 6}
	if Within(wide[3:6], wide[:4]) {
		t.Error("a run past the column's end is within it")
	}
	if Within(wide[:3], wide[2:5]) {
		t.Error("a run that starts before the column is within it")
	}
}
