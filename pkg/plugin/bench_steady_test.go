package plugin

import (
	"fmt"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
)

// BenchmarkAlertEveryMinute measures an alert rule's steady state as
// Grafana runs it: evaluated every minute on a warm data source, side by
// side with its first evaluation on a new one, against the real
// Prometheus holding the benchmark fleet. One op of "minutes" is one
// analysis step's worth of evaluations (5, a minute apart: the first
// brings a new analysis point from Prometheus, the other four find
// nothing new), so minutes/5 is what an evaluation costs on average.
// It reports wall and CPU (this process and Prometheus) per op and the
// ratios per evaluation. No timing is asserted.
//
// Run: go test ./pkg/plugin -run '^$' -bench AlertEveryMinute -benchtime 3x -timeout 60m
// (MEMSHAPE_BENCH_SERIES=5000,20000 picks the fleet sizes.)
func BenchmarkAlertEveryMinute(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	step := promtest.BenchFleetStep
	perStep := int(step / time.Minute)
	at0 := end.Add(-2 * time.Hour)
	for _, n := range fleetSizes() {
		rule := benchRule{n: n, expr: promtest.BenchFleetExpr(n)}
		// The warm instance's first evaluation may take long on a loaded
		// machine: it is not measured.
		warm := newBenchDS(b, srv.URL, `{"timeout":600}`)
		if err := rule.evaluate(warm, at0); err != nil {
			b.Fatal(err)
		}
		minute := 0
		minutes := func() error {
			for range perStep {
				minute++
				at := at0.Add(time.Duration(minute) * time.Minute)
				// As Grafana runs it, 30 s after the minute: the cache
				// fetches its overlap (the last 10 minutes) again.
				warm.now = func() time.Time { return at.Add(30 * time.Second) }
				if err := rule.evaluate(warm, at); err != nil {
					return err
				}
			}
			return nil
		}
		sides := []promtest.Side{
			{Name: "first", Op: func() error { return rule.evaluate(newBenchDS(b, srv.URL, `{}`), at0) }},
			{Name: "minutes", Op: minutes},
		}
		if testing.Short() { // profile the steady state alone
			sides = sides[1:]
		}
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			load0 := loadAverage()
			t := promtest.RunSides(b, srv, sides)
			b.ReportMetric((load0+loadAverage())/2, "load-avg")
			if len(sides) < 2 {
				return
			}
			cpu := func(k string) float64 { return float64(t[k].CPU + t[k].ServerCPU) }
			b.ReportMetric(float64(t["minutes"].Wall)/float64(perStep)/float64(t["first"].Wall), "minute/first")
			b.ReportMetric(cpu("minutes")/float64(perStep)/cpu("first"), "minute/first-cpu")
			b.ReportMetric(float64(t["minutes"].CPU)/float64(perStep)/float64(t["first"].CPU), "minute/first-plugin-cpu")
		})
	}
}
