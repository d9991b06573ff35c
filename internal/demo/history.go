package demo

import (
	"maps"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
)

// The labels Prometheus adds when it scrapes the exporter in docker
// compose (provisioning/prometheus/prometheus.yml: job memshape-demo,
// target demo-exporter:9101). The history carries them too, so the
// backfilled and the scraped samples are one series.
const (
	Job      = "memshape-demo"
	Instance = "demo-exporter:9101"
)

// Defaults of the backfilled history: eight days, one sample a minute —
// a day more than the data source's default analysis window of seven.
const (
	HistoryDays = 8
	HistoryStep = time.Minute
)

// ScrapeLabels are the job and instance labels of the compose scrape.
func ScrapeLabels() map[string]string {
	return map[string]string{"job": Job, "instance": Instance}
}

// History is every workload's memory and limits from `from` to `to`,
// samples on multiples of step, with extra labels added to each series
// (e.g. ScrapeLabels): a series per container lifetime (Workload.Series),
// then a limit series per pod over the time it lived.
func History(ws []Workload, from, to time.Time, step time.Duration, extra map[string]string) []series.Series {
	var out []series.Series
	for _, w := range ws {
		out = append(out, w.Series(from, to.Add(time.Millisecond), step, extra)...)
	}
	for _, w := range ws {
		out = append(out, w.LimitSeries(from, to.Add(time.Millisecond), step, extra)...)
	}
	return out
}

func withExtra(l, extra map[string]string) map[string]string {
	out := maps.Clone(l)
	maps.Copy(out, extra)
	return out
}

// OpenMetrics renders series as the OpenMetrics text that
// `promtool tsdb create-blocks-from openmetrics` backfills.
func OpenMetrics(ss []series.Series) (string, error) {
	return promtest.OpenMetrics(ss...)
}
