package cache

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

func TestMain(m *testing.M) {
	code := m.Run()
	promtest.StopBenchFleet()
	os.Exit(code)
}

// BenchmarkRepeatedEvaluation is an alert rule's fetch over the fleet's
// 20,000 series × 7 days (2,016 points each), measured side by side in
// each op (rotating order) on one client left on its defaults:
//
//   - uncached: the client alone, the whole range;
//   - first: an empty cache (the whole range fetched, and packed);
//   - next: a cache holding the previous evaluation, the window one step
//     (5 minutes) later: only the new samples fetched, the rest unpacked;
//   - again: the same window again (nothing fetched).
//
// It reports milliseconds per op, next/first and again/first, what the
// cache holds (MiB, bytes a sample) and its misses.
//
// Run: go test ./pkg/upstream/cache -run '^$' -bench RepeatedEvaluation -benchtime 3x
func BenchmarkRepeatedEvaluation(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	ctx := context.Background()
	client := benchClient(b, srv)
	step := promtest.BenchFleetStep
	n := promtest.BenchFleetSeries
	window := func(i int) upstream.Query {
		e := end.Add(-2*time.Hour + time.Duration(i)*step)
		return upstream.Query{Expr: promtest.BenchFleetExpr(n), Start: e.Add(-(promtest.BenchFleetPoints - 1) * step), End: e, Step: step}
	}
	check := func(res upstream.Result, err error) error {
		if err == nil && len(res.Series) != n {
			err = fmt.Errorf("%d series, want %d", len(res.Series), n)
		}
		return err
	}
	warm := New(client, Config{})
	if err := check(warm.QueryRange(ctx, window(0))); err != nil {
		b.Fatal(err)
	}
	next := 0
	t := promtest.RunSides(b, srv, []promtest.Side{
		{Name: "uncached", Op: func() error { return check(client.QueryRange(ctx, window(0))) }},
		{Name: "first", Op: func() error { return check(New(client, Config{}).QueryRange(ctx, window(0))) }},
		{Name: "next", Op: func() error { next++; return check(warm.QueryRange(ctx, window(next))) }},
		{Name: "again", Op: func() error { return check(warm.QueryRange(ctx, window(next))) }},
	})
	b.ReportMetric(promtest.Ratio(t, "next", "first"), "next/first")
	b.ReportMetric(promtest.Ratio(t, "again", "first"), "again/first")
	st := warm.Stats()
	b.ReportMetric(float64(st.Bytes)/(1<<20), "held-MiB")
	b.ReportMetric(float64(st.Bytes)/float64(st.Samples), "held-bytes/sample")
	b.ReportMetric(float64(st.Misses), "misses")
}

// BenchmarkTwoRules evaluates two alert rules of 5,000 series each (other
// series) on one cache, one after the other, each a step later every op:
// neither evicts the other's series, so each evaluation fetches only its
// new samples. It reports milliseconds per evaluation, the misses after
// the first two and what is held.
//
// Run: go test ./pkg/upstream/cache -run '^$' -bench TwoRules -benchtime 5x
func BenchmarkTwoRules(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	ctx := context.Background()
	client := benchClient(b, srv)
	step := promtest.BenchFleetStep
	rules := []string{promtest.BenchFleetMetric + `{shard=~"[0-4]"}`, promtest.BenchFleetMetric + `{shard=~"1[0-4]"}`}
	c := New(client, Config{})
	q := func(expr string, i int) upstream.Query {
		e := end.Add(-2*time.Hour + time.Duration(i)*step)
		return upstream.Query{Expr: expr, Start: e.Add(-(promtest.BenchFleetPoints - 1) * step), End: e, Step: step}
	}
	for _, r := range rules {
		if _, err := c.QueryRange(ctx, q(r, 0)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		for _, r := range rules {
			res, err := c.QueryRange(ctx, q(r, i))
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Series) != 5000 {
				b.Fatalf("%d series", len(res.Series))
			}
		}
	}
	b.StopTimer()
	st := c.Stats()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(2*b.N), "ms/evaluation")
	b.ReportMetric(float64(st.Misses-2), "misses-after-first")
	b.ReportMetric(float64(st.Evicted), "evicted")
	b.ReportMetric(float64(st.Bytes)/(1<<20), "held-MiB")
}

// benchClient is a Prometheus client on its defaults for the fleet.
func benchClient(b *testing.B, srv *promtest.Server) *prometheus.Client {
	c, err := prometheus.NewWithConfig(prometheus.Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
