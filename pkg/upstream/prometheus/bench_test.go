package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// fleet is the benchmarks' fleet (promtest.BenchFleet); fleetURL its
// address once started.
func fleet(b *testing.B) (*promtest.Server, time.Time) {
	srv, end := promtest.BenchFleet(b)
	fleetURL = srv.URL
	return srv, end
}

var fleetURL string

const fleetStep = promtest.BenchFleetStep

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
// 1,000, 5,000 and 20,000 series × 2,016 points (7 days at 5 minutes):
//
//   - raw: the query_range request with the body read (through the same
//     64 KiB window as the decoder) and thrown away: the floor any client
//     pays;
//   - raw+model: the body read whole and decoded into client_golang's
//     model.Matrix (what the client did before);
//   - client: QueryRange on the defaults: uncompressed, decoded streaming
//     into columns that share one time column;
//   - client-gzip: the same with compression on.
//
// Run: go test ./pkg/upstream/prometheus -run '^$' -bench QueryRange -benchtime 3x -count 5
func BenchmarkQueryRange(b *testing.B) {
	srv, end := fleet(b)
	ctx := context.Background()
	for _, n := range []int{1000, 5000, 20000} {
		q := upstream.Query{Expr: promtest.BenchFleetExpr(n), Start: end.Add(-(promtest.BenchFleetPoints - 1) * fleetStep), End: end, Step: fleetStep}
		var body atomic.Int64
		newHTTP := func() *http.Client {
			return &http.Client{Transport: countingRT{next: http.DefaultTransport.(*http.Transport).Clone(), n: &body}}
		}
		form := url.Values{"query": {q.Expr}, "start": {formatTime(q.Start)}, "end": {formatTime(q.End)}, "step": {formatSeconds(q.Step.Milliseconds())}}
		rawHC := newHTTP()
		raw := func(read func(io.Reader) error) func() error {
			return func() error { return promtest.RawQueryRange(ctx, rawHC, srv.URL, form, read) }
		}
		client := func(gzip bool) func() error { return fleetClient(b, newHTTP(), gzip, q, n) }
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

// BenchmarkRatio measures the sides inside each op, back to back and in
// rotating order, so that the load of a shared machine falls on all
// alike: the raw request with the body read and thrown away
// (uncompressed), the client's QueryRange on its defaults (uncompressed),
// and the client with gzip on. It reports each side's milliseconds per
// op, client/raw and gzip/raw, in wall time and in CPU time (this process
// plus Prometheus) — Prometheus' own CPU apart, for what compressing
// costs it.
//
// Run: go test ./pkg/upstream/prometheus -run '^$' -bench Ratio -benchtime 5x
func BenchmarkRatio(b *testing.B) {
	srv, end := fleet(b)
	ctx := context.Background()
	for _, n := range []int{1000, 5000, 20000} {
		q := upstream.Query{Expr: promtest.BenchFleetExpr(n), Start: end.Add(-(promtest.BenchFleetPoints - 1) * fleetStep), End: end, Step: fleetStep}
		form := url.Values{"query": {q.Expr}, "start": {formatTime(q.Start)}, "end": {formatTime(q.End)}, "step": {formatSeconds(q.Step.Milliseconds())}}
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		buf := make([]byte, readBuf)
		raw := func() error {
			return promtest.RawQueryRange(ctx, hc, srv.URL, form, func(r io.Reader) error {
				_, err := promtest.Discard(r, buf)
				return err
			})
		}
		client := func(gzip bool) func() error {
			return fleetClient(b, &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, gzip, q, n)
		}
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			t := promtest.RunSides(b, srv, []promtest.Side{{Name: "raw", Op: raw}, {Name: "client", Op: client(false)}, {Name: "gzip", Op: client(true)}})
			cpu := func(k string) float64 {
				return float64((t[k].CPU + t[k].ServerCPU).Microseconds()) / 1000 / float64(b.N)
			}
			for _, k := range []string{"raw", "client", "gzip"} {
				b.ReportMetric(cpu(k), k+"-cpu-ms/op")
				b.ReportMetric(float64(t[k].ServerCPU.Microseconds())/1000/float64(b.N), k+"-prom-cpu-ms/op")
			}
			b.ReportMetric(promtest.Ratio(t, "client", "raw"), "client/raw")
			b.ReportMetric(promtest.Ratio(t, "gzip", "raw"), "gzip/raw")
			b.ReportMetric(cpu("client")/cpu("raw"), "client/raw-cpu")
			b.ReportMetric(float64(t["gzip"].ServerCPU)/float64(t["raw"].ServerCPU), "prom-cpu-gzip/raw")
		})
	}
}

// fleetClient is a client on hc running q and expecting n series.
func fleetClient(b *testing.B, hc *http.Client, gzip bool, q upstream.Query, n int) func() error {
	c, err := NewWithConfig(Config{URL: fleetURL, HTTPClient: hc, Compression: gzip})
	if err != nil {
		b.Fatal(err)
	}
	return func() error {
		res, err := c.QueryRange(context.Background(), q)
		if err == nil && len(res.Series) != n {
			err = fmt.Errorf("%d series, want %d", len(res.Series), n)
		}
		return err
	}
}
