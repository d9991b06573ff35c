package workload_test

import (
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// BenchmarkJudge judges a churned fleet of ~5,000 series (eight copies of
// the demo cluster, 7 days at 5 minutes) both ways in one run: one series
// at a time (groupBy series: shape.Classify per series) and by workload
// (groupBy auto: grouping, then shape.ClassifyPooled per workload, the
// rollout search included). Compare the two ns/op; no timing is asserted.
func BenchmarkJudge(b *testing.B) {
	end := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	ss := demo.Fleet(8, end.Add(-7*24*time.Hour), end, 5*time.Minute)
	points := 0
	for _, s := range ss {
		points += len(s.T)
	}
	for _, c := range []struct {
		name string
		by   workload.By
	}{{"series", workload.By{Mode: workload.BySeries}}, {"workload", workload.By{Mode: workload.Auto}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			groups := 0
			for b.Loop() {
				ws, _ := workload.Group(ss, c.by)
				groups = len(ws)
				for _, w := range ws {
					workload.Judge(w, ss, shape.Options{})
				}
			}
			b.ReportMetric(float64(len(ss)), "series")
			b.ReportMetric(float64(groups), "verdicts")
			b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}

// BenchmarkGroup groups the churned fleet of BenchmarkJudge (~5,000
// Kubernetes series) by workload, without judging: the grouper's own
// cost, a Grouper.Add per series, then Done.
func BenchmarkGroup(b *testing.B) {
	end := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	ss := demo.Fleet(8, end.Add(-7*24*time.Hour), end, 5*time.Minute)
	b.ReportAllocs()
	groups := 0
	for b.Loop() {
		ws, _ := workload.Group(ss, workload.By{Mode: workload.Auto})
		groups = len(ws)
	}
	b.ReportMetric(float64(len(ss)), "series")
	b.ReportMetric(float64(groups), "workloads")
}
