package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/upstream"
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

// countingRT counts the (decompressed) body bytes its responses give.
type countingRT struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// measure runs op b.N times and reports, per op, besides time and
// allocations: the body size, the peak heap above the heap before the op
// (sampled) and its ratio to the body, and the CPU time of this process
// and of Prometheus. Only the op is timed.
func measure(b *testing.B, srv *promtest.Server, body *atomic.Int64, op func() error) {
	b.ReportAllocs()
	var peak, bodyBytes uint64
	var cpu, promCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		body.Store(0)
		hp := promtest.StartHeapPeak()
		c0, p0 := promtest.ProcessCPU(), srv.CPUTime()
		b.StartTimer()
		err := op()
		b.StopTimer()
		cpu += promtest.ProcessCPU() - c0
		promCPU += srv.CPUTime() - p0
		p := hp.Stop()
		if err != nil {
			b.Fatal(err)
		}
		if p > peak {
			peak = p
		}
		bodyBytes = uint64(body.Load())
	}
	b.ReportMetric(float64(bodyBytes)/(1<<20), "body-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if bodyBytes > 0 {
		b.ReportMetric(float64(peak)/float64(bodyBytes), "peak/body")
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(promCPU.Milliseconds())/float64(b.N), "prom-cpu-ms/op")
}

// BenchmarkQueryRange runs, in one run against the same Prometheus, for
// 1,000 and 5,000 series × 1,440 points:
//
//   - raw: the query_range request with the body read (through the same
//     64 KiB window as the decoder) and thrown away: the floor any client
//     pays;
//   - raw+model: the body read whole and decoded into client_golang's
//     model.Matrix (what the client did before);
//   - client: QueryRange, decoded streaming into columns, uncompressed;
//   - client-gzip: the same with compression on (the default).
//
// Run: go test ./pkg/upstream/prometheus -run '^$' -bench QueryRange -benchtime 3x -count 5
func BenchmarkQueryRange(b *testing.B) {
	srv, end := fleet(b)
	ctx := context.Background()
	for _, n := range []int{1000, 5000} {
		expr := fleetMetric
		if n == 1000 {
			expr = fleetMetric + `{shard="0"}`
		}
		q := upstream.Query{Expr: expr, Start: end.Add(-1439 * fleetStep), End: end, Step: fleetStep, MaxSeries: 10000, MaxPoints: 50_000_000}
		var body atomic.Int64
		newHTTP := func() *http.Client {
			return &http.Client{Transport: countingRT{next: http.DefaultTransport.(*http.Transport).Clone(), n: &body}}
		}
		form := url.Values{"query": {q.Expr}, "start": {formatTime(q.Start)}, "end": {formatTime(q.End)}, "step": {formatSeconds(q.Step.Milliseconds())}}
		rawHC := newHTTP()
		raw := func(read func(io.Reader) error) func() error {
			return func() error { return promtest.RawQueryRange(ctx, rawHC, srv.URL, form, read) }
		}
		client := func(gzip bool) func() error {
			c, err := NewWithConfig(Config{URL: srv.URL, HTTPClient: newHTTP(), Compression: gzip, MaxBody: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			return func() error {
				res, err := c.QueryRange(ctx, q)
				if err == nil && len(res.Series) != n {
					err = fmt.Errorf("%d series, want %d", len(res.Series), n)
				}
				return err
			}
		}
		b.Run(fmt.Sprintf("series=%d/raw", n), func(b *testing.B) {
			buf := make([]byte, readBuf)
			measure(b, srv, &body, raw(func(r io.Reader) error {
				_, err := promtest.Discard(r, buf)
				return err
			}))
		})
		b.Run(fmt.Sprintf("series=%d/client", n), func(b *testing.B) {
			measure(b, srv, &body, client(false))
		})
		b.Run(fmt.Sprintf("series=%d/client-gzip", n), func(b *testing.B) {
			measure(b, srv, &body, client(true))
		})
		b.Run(fmt.Sprintf("series=%d/raw+model", n), func(b *testing.B) {
			measure(b, srv, &body, raw(func(r io.Reader) error {
				data, err := io.ReadAll(r)
				if err != nil {
					return err
				}
				var resp struct {
					Data struct {
						Result model.Matrix `json:"result"`
					} `json:"data"`
				}
				return json.Unmarshal(data, &resp)
			}))
		})
	}
}

// BenchmarkRatio measures both sides inside each op, back to back and in
// alternating order, so that the load of a shared machine falls on both
// alike: the raw request with the body read and thrown away, and the
// client's QueryRange (compression off on both). It reports each side's
// milliseconds per op and client/raw, in wall time and in CPU time (this
// process plus Prometheus).
//
// Run: go test ./pkg/upstream/prometheus -run '^$' -bench Ratio -benchtime 10x
func BenchmarkRatio(b *testing.B) {
	srv, end := fleet(b)
	ctx := context.Background()
	for _, n := range []int{1000, 5000} {
		expr := fleetMetric
		if n == 1000 {
			expr = fleetMetric + `{shard="0"}`
		}
		q := upstream.Query{Expr: expr, Start: end.Add(-1439 * fleetStep), End: end, Step: fleetStep, MaxSeries: 10000, MaxPoints: 50_000_000}
		form := url.Values{"query": {q.Expr}, "start": {formatTime(q.Start)}, "end": {formatTime(q.End)}, "step": {formatSeconds(q.Step.Milliseconds())}}
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		buf := make([]byte, readBuf)
		raw := func() error {
			return promtest.RawQueryRange(ctx, hc, srv.URL, form, func(r io.Reader) error {
				_, err := promtest.Discard(r, buf)
				return err
			})
		}
		c, err := NewWithConfig(Config{URL: srv.URL, HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, MaxBody: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		client := func() error {
			res, err := c.QueryRange(ctx, q)
			if err == nil && len(res.Series) != n {
				err = fmt.Errorf("%d series, want %d", len(res.Series), n)
			}
			return err
		}
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			var wall, cpu [2]time.Duration
			timed := func(side int, f func() error) {
				runtime.GC()
				c0 := promtest.ProcessCPU() + srv.CPUTime()
				t0 := time.Now()
				if err := f(); err != nil {
					b.Fatal(err)
				}
				wall[side] += time.Since(t0)
				cpu[side] += promtest.ProcessCPU() + srv.CPUTime() - c0
			}
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					timed(0, raw)
					timed(1, client)
				} else {
					timed(1, client)
					timed(0, raw)
				}
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(wall[0]), "raw-ms/op")
			b.ReportMetric(ms(wall[1]), "client-ms/op")
			b.ReportMetric(float64(wall[1])/float64(wall[0]), "wall-ratio")
			b.ReportMetric(ms(cpu[0]), "raw-cpu-ms/op")
			b.ReportMetric(ms(cpu[1]), "client-cpu-ms/op")
			b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu-ratio")
		})
	}
}
