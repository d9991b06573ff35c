package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	prommodel "github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/internal/promtest"
)

// BenchmarkQueryData runs, against the real Prometheus holding the
// benchmark fleet (promtest.BenchFleet: 7 days at 5 minutes), both sides in
// one run:
//
//   - raw: the query_range a 7-day analysis window needs, body read and
//     thrown away — the least any data source can do;
//   - alert: an alert rule's evaluation through the plugin (a new instance
//     each time: the first evaluation, nothing cached);
//   - alert-again: the same rule on the same instance (what each later
//     evaluation costs with the cache);
//   - all: a 7-day panel with output all (series, overlays, table).
//
// It reports the body, the peak heap and its ratio to the body, and CPU.
// No timing is asserted.
func BenchmarkQueryData(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	week := 7 * 24 * time.Hour
	step := promtest.BenchFleetStep
	for _, n := range []int{1000, 5000} {
		expr := promtest.BenchFleetMetric
		if n == 1000 {
			expr += `{shard="0"}`
		}
		body := int64(0)
		b.Run(fmt.Sprintf("series=%d/raw", n), func(b *testing.B) {
			form := url.Values{"query": {expr}, "start": {unix(end.Add(-week))}, "end": {unix(end)}, "step": {strconv.Itoa(int(step.Seconds()))}}
			buf := make([]byte, 64<<10)
			benchOp(b, srv, &body, func() (n int64, err error) {
				err = promtest.RawQueryRange(context.Background(), http.DefaultClient, srv.URL, form, func(r io.Reader) error {
					n, err = promtest.Discard(r, buf)
					return err
				})
				return n, err
			})
		})
		model, _ := json.Marshal(map[string]any{"expr": expr})
		alert := func(ds instancemgmt.Instance) func() (int64, error) {
			return func() (int64, error) {
				resp, err := ds.(*Datasource).QueryData(context.Background(), &backend.QueryDataRequest{
					Headers: map[string]string{AlertHeader: "true"},
					Queries: []backend.DataQuery{{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: end.Add(-10 * time.Minute), To: end}, Interval: time.Second, MaxDataPoints: 43200}},
				})
				if err != nil {
					return 0, err
				}
				if dr := resp.Responses["A"]; dr.Error != nil || len(dr.Frames) != n {
					return 0, fmt.Errorf("%d frames, error %v", len(dr.Frames), dr.Error)
				}
				return body, nil
			}
		}
		newDS := func(b *testing.B) instancemgmt.Instance {
			ds, err := NewDatasource(context.Background(), *settings(srv.URL, `{"compression":false}`, nil))
			if err != nil {
				b.Fatal(err)
			}
			return ds
		}
		b.Run(fmt.Sprintf("series=%d/alert", n), func(b *testing.B) {
			benchOp(b, srv, nil, func() (int64, error) { return alert(newDS(b))() })
		})
		b.Run(fmt.Sprintf("series=%d/alert-again", n), func(b *testing.B) {
			ds := newDS(b)
			if _, err := alert(ds)(); err != nil {
				b.Fatal(err)
			}
			benchOp(b, srv, nil, alert(ds))
		})
		b.Run(fmt.Sprintf("series=%d/all", n), func(b *testing.B) {
			all, _ := json.Marshal(map[string]any{"expr": expr, "output": "all"})
			benchOp(b, srv, nil, func() (int64, error) {
				ds := newDS(b).(*Datasource)
				resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
					{RefID: "A", JSON: all, TimeRange: backend.TimeRange{From: end.Add(-week), To: end}, Interval: 10 * time.Minute, MaxDataPoints: 1000},
				}})
				if err != nil {
					return 0, err
				}
				if dr := resp.Responses["A"]; dr.Error != nil {
					return 0, dr.Error
				}
				return body, nil
			})
		})
	}
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// benchOp times op and reports the body it read (or *body, the raw
// side's, when it reads none of its own), the peak heap, their ratio and
// CPU (ours and Prometheus').
func benchOp(b *testing.B, srv *promtest.Server, body *int64, op func() (int64, error)) {
	b.ReportAllocs()
	var peak uint64
	var n int64
	var cpu, promCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		hp := promtest.StartHeapPeak()
		c0, p0 := promtest.ProcessCPU(), srv.CPUTime()
		b.StartTimer()
		read, err := op()
		b.StopTimer()
		cpu += promtest.ProcessCPU() - c0
		promCPU += srv.CPUTime() - p0
		peak = max(peak, hp.Stop())
		if err != nil {
			b.Fatal(err)
		}
		n = read
	}
	if body != nil {
		*body = n
	}
	b.ReportMetric(float64(n)/(1<<20), "body-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if n > 0 {
		b.ReportMetric(float64(peak)/float64(n), "peak/body")
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(promCPU.Milliseconds())/float64(b.N), "prom-cpu-ms/op")
}

// BenchmarkQueryDataRatio measures, inside each op, back to back and in
// rotating order so that a shared machine's load falls on every side alike,
// for 1,000 and 5,000 series of the benchmark fleet:
//
//   - raw: the very query_range the plugin sends (recorded from its first
//     evaluation), body read and thrown away: the floor any client pays;
//   - raw+decode: the same request through client_golang's API client
//     (api/prometheus/v1 QueryRange, decoded into model.Matrix): what a
//     Go program that reads Prometheus pays;
//   - alert: an alert rule's first evaluation through the plugin (a new
//     instance: nothing cached; fetch, decode, classify, frames);
//   - alert-again: the same rule evaluated again on a warm instance.
//
// It reports each side's wall milliseconds per op and the ratios
// alert/raw+decode and alert/raw. No timing is asserted.
//
// Run: go test ./pkg/plugin -run '^$' -bench QueryDataRatio -benchtime 6x
func BenchmarkQueryDataRatio(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	for _, n := range []int{1000, 5000} {
		expr := promtest.BenchFleetMetric
		if n == 1000 {
			expr += `{shard="0"}`
		}
		// Record the form of the plugin's query_range through a pass-through proxy.
		target, _ := url.Parse(srv.URL)
		var sent url.Values
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/query_range") && sent == nil {
				body, _ := io.ReadAll(r.Body)
				form, _ := url.ParseQuery(string(body))
				for k, v := range r.URL.Query() {
					form[k] = v
				}
				sent = form
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
		}))
		model, _ := json.Marshal(map[string]any{"expr": expr})
		evaluate := func(ds *Datasource) error {
			resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
				Headers: map[string]string{AlertHeader: "true"},
				Queries: []backend.DataQuery{{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: end.Add(-10 * time.Minute), To: end}, Interval: time.Second, MaxDataPoints: 43200}},
			})
			if err != nil {
				return err
			}
			if dr := resp.Responses["A"]; dr.Error != nil || len(dr.Frames) != n {
				return fmt.Errorf("%d frames, error %v", len(dr.Frames), dr.Error)
			}
			return nil
		}
		newDS := func(u string) *Datasource {
			ds, err := NewDatasource(context.Background(), *settings(u, `{"compression":false}`, nil))
			if err != nil {
				b.Fatal(err)
			}
			return ds.(*Datasource)
		}
		if err := evaluate(newDS(proxy.URL)); err != nil {
			b.Fatal(err)
		}
		proxy.Close()
		if sent == nil {
			b.Fatal("the plugin sent no query_range")
		}
		parse := func(k string) time.Time {
			f, _ := strconv.ParseFloat(sent.Get(k), 64)
			return time.UnixMilli(int64(f * 1000))
		}
		stepSec, _ := strconv.ParseFloat(sent.Get("step"), 64)
		rng := promv1.Range{Start: parse("start"), End: parse("end"), Step: time.Duration(stepSec * float64(time.Second))}
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		buf := make([]byte, 64<<10)
		raw := func() error {
			return promtest.RawQueryRange(context.Background(), hc, srv.URL, sent, func(r io.Reader) error {
				_, err := promtest.Discard(r, buf)
				return err
			})
		}
		pc, err := promapi.NewClient(promapi.Config{Address: srv.URL, RoundTripper: &http.Transport{DisableCompression: true}})
		if err != nil {
			b.Fatal(err)
		}
		api := promv1.NewAPI(pc)
		rawDecode := func() error {
			v, _, _, err := api.QueryRange(context.Background(), sent.Get("query"), rng)
			if err == nil && len(v.(prommodel.Matrix)) != n {
				err = fmt.Errorf("%d series, want %d", len(v.(prommodel.Matrix)), n)
			}
			return err
		}
		warm := newDS(srv.URL)
		if err := evaluate(warm); err != nil {
			b.Fatal(err)
		}
		sides := []struct {
			name string
			op   func() error
		}{
			{"raw", raw},
			{"raw+decode", rawDecode},
			{"alert", func() error { return evaluate(newDS(srv.URL)) }},
			{"alert-again", func() error { return evaluate(warm) }},
		}
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			wall := make([]time.Duration, len(sides))
			for i := 0; i < b.N; i++ {
				for j := range sides {
					k := (i + j) % len(sides)
					runtime.GC()
					t0 := time.Now()
					if err := sides[k].op(); err != nil {
						b.Fatal(err)
					}
					wall[k] += time.Since(t0)
				}
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			for k, s := range sides {
				b.ReportMetric(ms(wall[k]), s.name+"-ms/op")
			}
			b.ReportMetric(float64(wall[2])/float64(wall[1]), "alert/raw+decode")
			b.ReportMetric(float64(wall[2])/float64(wall[0]), "alert/raw")
			b.ReportMetric(float64(wall[3])/float64(wall[2]), "again/alert")
			b.ReportMetric(float64(rng.End.Sub(rng.Start)/rng.Step)+1, "points/series")
		})
	}
}
