package frames

import (
	"sort"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// overlayTimes is where an overlay is drawn: the series' timestamps inside
// [f.Start, f.End], plus f.Start and f.End themselves (a forecast reaches
// past the data) and, for Steps, each knot (so the corners are drawn).
func overlayTimes(f shape.Fit, ts []int64) []int64 {
	out := make([]int64, 0, len(ts)+2+len(f.Knots))
	for _, t := range ts {
		if t >= f.Start && t <= f.End {
			out = append(out, t)
		}
	}
	if f.End >= f.Start {
		out = append(out, f.Start, f.End)
	}
	if f.Model == shape.Steps {
		for _, k := range f.Knots {
			if k.T >= f.Start && k.T <= f.End {
				out = append(out, k.T)
				if k.T > f.Start {
					out = append(out, k.T-1) // the old level up to the corner
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	// dedupe
	n := 0
	for i, t := range out {
		if i == 0 || t != out[n-1] {
			out[n] = t
			n++
		}
	}
	return out[:n]
}
