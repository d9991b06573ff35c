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

// History is every service's memory and limit from `from` to `to`, one
// sample every step on multiples of step, with extra labels added to
// each series (e.g. ScrapeLabels). Memory series come first, in the
// order of services, then the limit series.
func History(services []Service, from, to time.Time, step time.Duration, extra map[string]string) []series.Series {
	first := from.Truncate(step)
	if first.Before(from) {
		first = first.Add(step)
	}
	var ts []int64
	for t := first; !t.After(to); t = t.Add(step) {
		ts = append(ts, t.UnixMilli())
	}
	out := make([]series.Series, 0, 2*len(services))
	for _, s := range services {
		v := make([]float64, len(ts))
		for i, t := range ts {
			v[i] = s.Bytes(time.UnixMilli(t))
		}
		out = append(out, series.Series{Labels: withExtra(s.Labels(), extra), T: ts, V: v})
	}
	for _, s := range services {
		v := make([]float64, len(ts))
		for i := range v {
			v[i] = s.Limit
		}
		out = append(out, series.Series{Labels: withExtra(s.LimitLabels(), extra), T: ts, V: v})
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
