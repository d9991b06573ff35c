package cache

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// fleet is the benchmarks' fleet (promtest.BenchFleet).
func fleet(b *testing.B) (*promtest.Server, time.Time) { return promtest.BenchFleet(b) }

const (
	fleetSeries = promtest.BenchFleetSeries
	fleetPoints = promtest.BenchFleetPoints
	fleetStep   = promtest.BenchFleetStep
	fleetMetric = promtest.BenchFleetMetric
)

func TestMain(m *testing.M) {
	code := m.Run()
	promtest.StopBenchFleet()
	os.Exit(code)
}

// BenchmarkRepeatedEvaluation is an alert rule over 5,000 series × 7
// days (2,016 points each) evaluated again one step later: "first" is
// an empty cache (the whole range fetched, and kept), "second" a cache
// that holds the previous evaluation (only the newest part fetched),
// "uncached" the client alone. Peak heap and CPU are reported per op.
//
// Run: go test ./pkg/upstream/cache -run '^$' -bench RepeatedEvaluation -benchtime 3x -count 3
func BenchmarkRepeatedEvaluation(b *testing.B) {
	srv, end := fleet(b)
	ctx := context.Background()
	client, err := prometheus.NewWithConfig(prometheus.Config{URL: srv.URL, MaxBody: 1 << 30, MaxPoints: 20_000_000})
	if err != nil {
		b.Fatal(err)
	}
	q1 := upstream.Query{Expr: fleetMetric, Start: end.Add(-(fleetPoints - 1) * fleetStep), End: end, Step: fleetStep}
	q2 := q1
	q2.Start, q2.End = q1.Start.Add(fleetStep), q1.End.Add(fleetStep)
	check := func(res upstream.Result, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Series) != fleetSeries {
			b.Fatalf("%d series", len(res.Series))
		}
	}
	run := func(b *testing.B, prepare func() upstream.Client, q upstream.Query) {
		b.ReportAllocs()
		var peak uint64
		var cpu, promCPU time.Duration
		var held int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			c := prepare()
			hp := promtest.StartHeapPeak()
			c0, p0 := promtest.ProcessCPU(), srv.CPUTime()
			b.StartTimer()
			res, err := c.QueryRange(ctx, q)
			b.StopTimer()
			cpu += promtest.ProcessCPU() - c0
			promCPU += srv.CPUTime() - p0
			if p := hp.Stop(); p > peak {
				peak = p
			}
			check(res, err)
			if cc, ok := c.(*Cache); ok {
				held = cc.Stats().Bytes
			}
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(promCPU.Milliseconds())/float64(b.N), "prom-cpu-ms/op")
		if held > 0 {
			b.ReportMetric(float64(held)/(1<<20), "held-MiB")
		}
	}
	b.Run("uncached", func(b *testing.B) {
		run(b, func() upstream.Client { return client }, q1)
	})
	b.Run("first", func(b *testing.B) {
		run(b, func() upstream.Client { return New(client, Config{}) }, q1)
	})
	b.Run("second", func(b *testing.B) {
		run(b, func() upstream.Client {
			c := New(client, Config{})
			check(c.QueryRange(ctx, q1))
			return c
		}, q2)
	})
}
