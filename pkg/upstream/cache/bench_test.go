package cache

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
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

// BenchmarkMakeChunk packs chunks of chunkLen samples the way a first
// fetch does, and reports nanoseconds a point:
//
//   - bytes: the fleet's series (whole bytes, ±500,000 of noise, a daily
//     cycle);
//   - pages: whole 4 KiB pages with noise (differences share a power of
//     two);
//   - gaps: the fleet's values with a missing sample now and then;
//   - decimals: values with two decimals (the general path).
//
// Run: go test ./pkg/upstream/cache -run '^$' -bench MakeChunk -count 6
func BenchmarkMakeChunk(b *testing.B) {
	for _, kind := range []string{"bytes", "pages", "gaps", "decimals"} {
		b.Run(kind, func(b *testing.B) {
			ts, vs := benchChunks(kind)
			b.ResetTimer()
			points := 0
			for i := 0; i < b.N; i++ {
				k := i % len(ts)
				c := makeChunk(ts[k], vs[k], benchStep)
				points += int(c.n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(points), "ns/point")
		})
	}
}

const benchStep = int64(5 * time.Minute / time.Millisecond)

// benchChunks is 64 chunks of chunkLen samples each of one kind (see
// BenchmarkMakeChunk), cut from 8 fleet series of 2,048 points.
func benchChunks(kind string) (ts [][]int64, vs [][]float64) {
	const nseries, points = 8, 8 * chunkLen
	end := time.Unix(1_700_006_400, 0)
	gen := promtest.Fleet("mem", nseries, points, end, time.Duration(benchStep)*time.Millisecond)
	_ = gen(func(s series.Series) error {
		for i := 0; i < points; i += chunkLen {
			t, v := s.T[i:i+chunkLen], slices.Clone(s.V[i:i+chunkLen])
			switch kind {
			case "pages":
				for j := range v {
					v[j] = 4096 * math.Round(v[j]/4096)
				}
			case "gaps":
				gt, gv := []int64{}, []float64{}
				for j := range t {
					if j%37 != 5 {
						gt, gv = append(gt, t[j]), append(gv, v[j])
					}
				}
				t, v = gt, gv
			case "decimals":
				for j := range v {
					v[j] /= 100
				}
			}
			ts, vs = append(ts, t), append(vs, v)
		}
		return nil
	})
	return ts, vs
}

// BenchmarkPackSeries packs whole fleet series of a week at 5 minutes
// (2,016 points) as a first fetch does (answer.pack: the times checked
// against the grid, then cut into chunks), and reports nanoseconds a
// point.
//
// Run: go test ./pkg/upstream/cache -run '^$' -bench PackSeries -count 6
func BenchmarkPackSeries(b *testing.B) {
	a, ss := benchSeries()
	b.ResetTimer()
	points := 0
	for i := 0; i < b.N; i++ {
		s := ss[i%len(ss)]
		if _, ok := a.pack(nil, s.T, s.V); !ok {
			b.Fatal("off the grid")
		}
		points += len(s.T)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(points), "ns/point")
}

// benchSeries is 8 fleet series and the answer of the week they fill.
func benchSeries() (*answer, []series.Series) {
	end := time.Unix(1_700_006_400, 0).Truncate(5 * time.Minute)
	points := promtest.BenchFleetPoints
	var ss []series.Series
	_ = promtest.Fleet("mem", 8, points, end, time.Duration(benchStep)*time.Millisecond)(func(s series.Series) error {
		ss = append(ss, s)
		return nil
	})
	start := ss[0].T[0]
	return &answer{start: start, settled: start - benchStep, last: ss[0].T[points-1], step: benchStep}, ss
}

// BenchmarkPackFetch packs a first fetch of 5,000 fleet series (each its
// own values, on one time column as the Prometheus decoder gives series
// on the grid), keeping every chunk until the fetch is packed, as the
// cache does: the chunks are written to memory not yet in the processor's
// caches, unlike BenchmarkPackSeries'. It reports nanoseconds a point.
//
// Run: go test ./pkg/upstream/cache -run '^$' -bench PackFetch -benchtime 4x -count 4
func BenchmarkPackFetch(b *testing.B) {
	a, ss := benchSeries()
	vs := make([][]float64, 5000)
	for i := range vs {
		vs[i] = make([]float64, len(ss[i%len(ss)].V))
		for j, x := range ss[i%len(ss)].V {
			vs[i][j] = x + float64(i)
		}
	}
	b.ResetTimer()
	points := 0
	for i := 0; i < b.N; i++ {
		held := make([][]chunk, len(vs))
		for k, v := range vs {
			chunks, ok := a.pack(nil, ss[0].T, v)
			if !ok {
				b.Fatal("off the grid")
			}
			held[k] = chunks
			points += len(v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(points), "ns/point")
}
