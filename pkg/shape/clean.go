package shape

import (
	"math"
	"sort"
)

// cleaned is a series made fit for judgement: sorted, one point per
// timestamp, finite, no zero fill. It shares the caller's slices when the
// input was already clean, so it must never be written to.
type cleaned struct {
	t       []int64
	v       []float64
	dropped int
	problem string // non-empty: the series cannot be judged, and why
	// given: t and v are the input's own (cut to the shorter), already
	// clean — in time order, so t[0] is the earliest.
	given bool
}

// clean sorts, deduplicates (the last value for a timestamp wins), drops
// NaN and ±Inf, and drops non-positive values when most of the series is
// positive: a memory gauge is never zero or negative, so those points are
// zero fill from a host that did not exist, or a broken exporter.
func clean(t []int64, v []float64) cleaned {
	n := min(len(t), len(v))
	t, v = t[:n], v[:n]
	// The common case first: every value positive and finite, times
	// increasing — the series is used as it is.
	if n > 0 && v[0] > 0 && v[0] <= math.MaxFloat64 {
		i := 1
		for ; i < n; i++ {
			if x := v[i]; !(x > 0 && x <= math.MaxFloat64) || t[i] <= t[i-1] {
				break
			}
		}
		if i == n {
			return cleaned{t: t, v: v, given: true}
		}
	}
	finite, positive := 0, 0
	sorted := true
	for i := 0; i < n; i++ {
		x := v[i]
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			finite++
			if x > 0 {
				positive++
			}
		}
		if i > 0 && t[i] <= t[i-1] {
			sorted = false
		}
	}
	switch {
	case n == 0:
		return cleaned{problem: "the series is empty"}
	case finite == 0:
		return cleaned{dropped: n, problem: "every value is NaN or infinite"}
	case positive*2 < finite:
		return cleaned{dropped: n, problem: "most values are zero or negative, which memory never is: is this a memory gauge in bytes?"}
	}
	if sorted && positive == n {
		return cleaned{t: t, v: v, given: true}
	}

	idx := make([]int, 0, positive)
	for i := 0; i < n; i++ {
		if x := v[i]; x > 0 && !math.IsInf(x, 0) {
			idx = append(idx, i)
		}
	}
	if !sorted {
		sort.SliceStable(idx, func(a, b int) bool { return t[idx[a]] < t[idx[b]] })
	}
	ct := make([]int64, 0, len(idx))
	cv := make([]float64, 0, len(idx))
	for _, i := range idx {
		if k := len(ct); k > 0 && ct[k-1] == t[i] {
			cv[k-1] = v[i] // a repeated timestamp: the last value wins
			continue
		}
		ct = append(ct, t[i])
		cv = append(cv, v[i])
	}
	return cleaned{t: ct, v: cv, dropped: n - len(ct)}
}
