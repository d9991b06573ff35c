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
