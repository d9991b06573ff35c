package shape

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Sample evaluates the fit where a drawing needs it, within [lo, hi] and
// the fit's own span: at both ends, at every time of grid strictly inside,
// and for a Steps envelope at each corner (just before and at each knot).
// Times come sorted and once each; points where the fit is not finite are
// left out. The one place fits become points, for panels and pictures.
func (f Fit) Sample(grid []int64, lo, hi int64) (ts []int64, vs []float64) {
	lo, hi = max(lo, f.Start), min(hi, f.End)
	if lo > hi {
		return nil, nil
	}
	at := make([]int64, 0, len(grid)+2+2*len(f.Knots))
	at = append(at, lo, hi)
	for _, t := range grid {
		if t > lo && t < hi {
			at = append(at, t)
		}
	}
	if f.Model == Steps {
		for _, k := range f.Knots {
			if k.T > lo && k.T <= hi {
				at = append(at, k.T-1, k.T)
			}
		}
	}
	sort.Slice(at, func(i, j int) bool { return at[i] < at[j] })
	ts, vs = make([]int64, 0, len(at)), make([]float64, 0, len(at))
	for i, t := range at {
		if i > 0 && t == at[i-1] {
			continue
		}
		if v := f.At(t); !math.IsNaN(v) && !math.IsInf(v, 0) {
			ts = append(ts, t)
			vs = append(vs, v)
		}
	}
	return ts, vs
}

// ParseSensitivity reads "low", "normal" or "high" (any case; "" is
// normal).
func ParseSensitivity(s string) (Sensitivity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "normal":
		return Normal, nil
	case "low":
		return Low, nil
	case "high":
		return High, nil
	}
	return Normal, fmt.Errorf("unknown sensitivity %q: use one of \"low\", \"normal\", \"high\"", s)
}
