package demo

import (
	"strconv"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

// Fleet is the demo cluster's memory series over [from, to] at step,
// repeated in copies namespaces (shop-0, search-0, …, shop-1, …): a fleet
// of copies × ~630 series that churns as the demo cluster does, for
// benchmarks of grouping at fleet scale. The copies share their values.
func Fleet(copies int, from, to time.Time, step time.Duration) []series.Series {
	var base []series.Series
	for _, s := range History(Workloads(to), from, to, step, nil) {
		if s.Labels["__name__"] == MemoryMetric {
			base = append(base, s)
		}
	}
	out := make([]series.Series, 0, copies*len(base))
	for c := 0; c < copies; c++ {
		for _, s := range base {
			labels := make(map[string]string, len(s.Labels))
			for k, v := range s.Labels {
				labels[k] = v
			}
			labels["namespace"] = s.Labels["namespace"] + "-" + strconv.Itoa(c)
			out = append(out, series.Series{Labels: labels, T: s.T, V: s.V})
		}
	}
	return out
}
