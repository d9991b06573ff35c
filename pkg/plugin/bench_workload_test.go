package plugin

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/internal/promtest"
)

// BenchmarkQueryDataGrouped runs an alert rule's first evaluation (a new
// instance each time: nothing cached) over a churned fleet of ~5,000
// series in a real Prometheus — eight copies of the demo cluster, 7 days
// at 5 minutes, pods replaced at every rollout — both ways in one run:
// judged one series at a time (groupBy series) and by workload (the
// default, groupBy auto: grouping, pooled judgement and the rollout
// search). The ratio of the two ns/op is what grouping costs a query; no
// timing is asserted.
func BenchmarkQueryDataGrouped(b *testing.B) {
	end := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	fleet := demo.Fleet(8, end.Add(-7*24*time.Hour-time.Hour), end, 5*time.Minute)
	srv := promtest.Start(b, fleet...)
	for _, by := range []string{"series", "auto"} {
		model, _ := json.Marshal(map[string]any{"expr": demo.MemoryMetric, "groupBy": by})
		b.Run("groupBy="+by, func(b *testing.B) {
			frames := 0
			for b.Loop() {
				ds, err := NewDatasource(context.Background(), *settings(srv.URL, `{}`, nil))
				if err != nil {
					b.Fatal(err)
				}
				resp, err := ds.(*Datasource).QueryData(context.Background(), &backend.QueryDataRequest{
					Headers: map[string]string{AlertHeader: "true"},
					Queries: []backend.DataQuery{{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: end.Add(-10 * time.Minute), To: end}, Interval: time.Second, MaxDataPoints: 43200}},
				})
				if err != nil {
					b.Fatal(err)
				}
				dr := resp.Responses["A"]
				if dr.Error != nil {
					b.Fatal(dr.Error)
				}
				frames = len(dr.Frames)
			}
			b.ReportMetric(float64(len(fleet)), "series")
			b.ReportMetric(float64(frames), "instances")
		})
	}
}
