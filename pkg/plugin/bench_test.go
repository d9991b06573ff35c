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
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	prommodel "github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/upstream/cache"
)

// The benchmarks below run the data source as Grafana does, against the
// real Prometheus holding the benchmark fleet (promtest.BenchFleet: 20,000
// series, 7 days at 5 minutes), on a data source left on its defaults
// unless a side says otherwise. No timing is asserted: they report.

// fleetSizes are the fleets measured; MEMSHAPE_BENCH_SERIES (e.g.
// "1000,5000") picks others.
func fleetSizes() []int {
	sizes := []int{1000, 5000, 20000}
	if v := os.Getenv("MEMSHAPE_BENCH_SERIES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// benchRule is an alert rule over the first n series of the fleet, as
// Grafana's alerting sends it: a 10-minute range ending at `at`.
type benchRule struct {
	n    int
	expr string
}

func (r benchRule) evaluate(ds *Datasource, at time.Time) error {
	model, _ := json.Marshal(map[string]any{"expr": r.expr})
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
		Headers: map[string]string{AlertHeader: "true"},
		Queries: []backend.DataQuery{{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: at.Add(-10 * time.Minute), To: at}, Interval: time.Second, MaxDataPoints: 43200}},
	})
	if err != nil {
		return err
	}
	// One frame per workload: the fleet's pods 10000 and up are named as
	// a StatefulSet's (api-7d9f8b6c5-<ordinal>), so on defaults each
	// shard of them is one workload.
	if dr := resp.Responses["A"]; dr.Error != nil || len(dr.Frames) == 0 || len(dr.Frames) > r.n {
		return fmt.Errorf("%d series: %d frames, error %v", r.n, len(dr.Frames), dr.Error)
	}
	return nil
}

// panel is a 7-day time-series panel with every output (series, fits,
// forecast, verdict table) over the first n series, ending at `at`.
func (r benchRule) panel(ds *Datasource, at time.Time) error {
	model, _ := json.Marshal(map[string]any{"expr": r.expr, "output": "all"})
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: at.Add(-week), To: at}, Interval: 10 * time.Minute, MaxDataPoints: 1000},
	}})
	if err != nil {
		return err
	}
	return resp.Responses["A"].Error
}

func newBenchDS(b *testing.B, u, jsonData string) *Datasource {
	ds, err := NewDatasource(context.Background(), *settings(u, jsonData, nil))
	if err != nil {
		b.Fatal(err)
	}
	return ds.(*Datasource)
}

// BenchmarkQueryDataRatio measures, inside each op, back to back and in
// rotating order so that a shared machine's load falls on every side
// alike, for 1,000, 5,000 and 20,000 series of the fleet:
//
//   - raw: the very query_range the plugin sends (recorded from its first
//     evaluation), uncompressed, body read and thrown away: the floor any
//     client pays;
//   - raw+decode: the same request through client_golang's API client
//     (api/prometheus/v1 QueryRange, decoded into model.Matrix): what a
//     Go program that reads Prometheus pays;
//   - predict_linear: `predict_linear(<expr>[7d], 4h)` as an instant
//     query (body thrown away): what today's leak alert costs;
//   - alert: an alert rule's first evaluation through the plugin on a new
//     data source left on its defaults (nothing cached; fetch, decode,
//     classify, frames);
//   - alert-gzip: the same with compression turned on (1,000 and 5,000
//     series): the trade the default avoids;
//   - alert-next: the rule evaluated one step (5 minutes) later on a warm
//     instance: only the new samples fetched — an alert rule's steady
//     state;
//   - alert-again: the rule evaluated again within the same step (nothing
//     fetched).
//
// It reports each side's wall milliseconds per op and the ratios, and
// for raw, alert and alert-next the CPU time (this process and
// Prometheus, and this process alone) and alert/raw in CPU time, which a
// loaded machine moves less than the wall time. alert/raw is also given
// pair by pair — each evaluation over the raw request it ran beside —
// as the median and the highest of the pairs, in wall and CPU time:
// Prometheus' own CPU for the same request moves by a fifth from one
// request to the next, and a pair shares what it did then. No timing is
// asserted.
//
// Run: go test ./pkg/plugin -run '^$' -bench QueryDataRatio -benchtime 3x -timeout 90m
// (MEMSHAPE_BENCH_SIDES=raw,alert runs only those sides.)
func BenchmarkQueryDataRatio(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	step := promtest.BenchFleetStep
	// Evaluations start two hours before the fleet's end, so that each
	// later one finds new samples.
	at0 := end.Add(-2 * time.Hour)
	for _, n := range fleetSizes() {
		rule := benchRule{n: n, expr: promtest.BenchFleetExpr(n)}
		// Record the form of the plugin's query_range through a
		// pass-through proxy.
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
		if err := rule.evaluate(newBenchDS(b, proxy.URL, `{}`), at0); err != nil {
			b.Fatal(err)
		}
		proxy.Close()
		if sent == nil {
			b.Fatal("the plugin sent no query_range")
		}
		sent.Del("timeout")
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
		predict := func() error {
			form := url.Values{"query": {fmt.Sprintf("predict_linear(%s[7d], 4 * 3600)", rule.expr)}, "time": {unix(rng.End)}}
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/query", strings.NewReader(form.Encode()))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("predict_linear: HTTP %d", resp.StatusCode)
			}
			_, err = promtest.Discard(resp.Body, buf)
			return err
		}
		warm := newBenchDS(b, srv.URL, `{}`)
		if err := rule.evaluate(warm, at0); err != nil {
			b.Fatal(err)
		}
		next := 0
		sides := []promtest.Side{
			// alert right after raw: in the rotation each then follows
			// the same side as the other (or the other itself).
			// Prometheus collects a request's garbage during the next
			// one, and after predict_linear, which reads every raw
			// sample of the week, its CPU for the same request was up
			// to 1.4× as much.
			{Name: "raw", Op: raw},
			{Name: "alert", Op: func() error { return rule.evaluate(newBenchDS(b, srv.URL, `{}`), at0) }},
			{Name: "raw+decode", Op: rawDecode},
			{Name: "predict_linear", Op: predict},
			{Name: "alert-next", Op: func() error { next++; return rule.evaluate(warm, at0.Add(time.Duration(next)*step)) }},
			{Name: "alert-again", Op: func() error { return rule.evaluate(warm, at0.Add(time.Duration(next)*step)) }},
		}
		if n <= 5000 {
			// A longer timeout: at 5,000 series gzip can pass the default.
			sides = append(sides, promtest.Side{Name: "alert-gzip", Op: func() error {
				return rule.evaluate(newBenchDS(b, srv.URL, `{"compression":true,"timeout":600}`), at0)
			}})
		}
		sides = pickSides(sides)
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			load0 := loadAverage()
			t := promtest.RunSides(b, srv, sides)
			// CPU, this process's and Prometheus': what a saturated
			// machine's wall time follows.
			cpu := func(k string) float64 { return float64((t[k].CPU + t[k].ServerCPU).Milliseconds()) / float64(b.N) }
			for _, k := range []string{"raw", "alert", "alert-next"} {
				if _, ok := t[k]; ok {
					b.ReportMetric(cpu(k), k+"-cpu-ms/op")
					b.ReportMetric(float64(t[k].CPU.Milliseconds())/float64(b.N), k+"-plugin-cpu-ms/op")
				}
			}
			ratio := func(a, z, unit string) {
				if _, ok := t[a]; ok {
					if _, ok := t[z]; ok {
						b.ReportMetric(promtest.Ratio(t, a, z), unit)
					}
				}
			}
			if _, ok := t["raw"]; ok {
				if _, ok := t["alert"]; ok {
					b.ReportMetric(cpu("alert")/cpu("raw"), "alert/raw-cpu")
					// Pair by pair: each alert beside the raw request
					// it ran next to.
					p := promtest.Pairs(t, "alert", "raw")
					b.ReportMetric(p.Wall, "alert/raw-median")
					b.ReportMetric(p.WallMax, "alert/raw-max")
					b.ReportMetric(p.CPU, "alert/raw-cpu-median")
					b.ReportMetric(p.CPUMax, "alert/raw-cpu-max")
				}
			}
			ratio("alert", "raw", "alert/raw")
			ratio("alert", "raw+decode", "alert/raw+decode")
			ratio("alert", "predict_linear", "alert/predict_linear")
			ratio("alert-next", "alert", "next/alert")
			ratio("alert-again", "alert", "again/alert")
			ratio("alert-gzip", "raw", "gzip/raw")
			b.ReportMetric(float64(rng.End.Sub(rng.Start)/rng.Step)+1, "points/series")
			b.ReportMetric((load0+loadAverage())/2, "load-avg")
		})
	}
}

// BenchmarkQueryDataMemory runs each operation alone and reports its
// peak resident memory (the process's, above what it held just before,
// after giving freed memory back to the system) beside the decoded
// samples it handles — 16 bytes a point, a timestamp and a float64, as
// any decoder holds them; for a panel, the analysis window's and the
// panel's own — and the ratio, for 1,000, 5,000 and 20,000 series on a
// data source left on its defaults:
//
//   - alert: an alert rule's first evaluation (a new instance);
//   - alert-next: the same rule one step later on the warm instance (its
//     cache holds the fleet: held-MiB);
//   - panel: a 7-day panel with every output, on a new instance.
//
// Run: go test ./pkg/plugin -run '^$' -bench QueryDataMemory -benchtime 2x -timeout 60m
func BenchmarkQueryDataMemory(b *testing.B) {
	srv, end := promtest.BenchFleet(b)
	at0 := end.Add(-2 * time.Hour)
	for _, n := range fleetSizes() {
		rule := benchRule{n: n, expr: promtest.BenchFleetExpr(n)}
		decoded := float64(n) * float64(promtest.BenchFleetPoints) * 16
		// A panel decodes the analysis window and its own range at its
		// step (10 minutes over 7 days).
		panelDecoded := float64(n) * float64(promtest.BenchFleetPoints+int(week/(10*time.Minute))+1) * 16
		measure := func(b *testing.B, decoded float64, prepare func() *Datasource, op func(*Datasource, int) error) {
			var peak, base uint64
			var held int64
			for i := 0; i < b.N; i++ {
				ds := prepare()
				m := promtest.StartRSSPeak()
				err := op(ds, i)
				p, bs := m.Stop()
				if err != nil {
					b.Fatal(err)
				}
				peak, base = max(peak, p), bs
				if c, ok := ds.up.(*cache.Cache); ok {
					held = c.Stats().Bytes
				}
			}
			b.ReportMetric(decoded/(1<<20), "decoded-MiB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
			b.ReportMetric(float64(peak)/decoded, "peak/decoded")
			b.ReportMetric(float64(base)/(1<<20), "base-rss-MiB")
			b.ReportMetric(float64(held)/(1<<20), "held-MiB")
		}
		b.Run(fmt.Sprintf("series=%d/alert", n), func(b *testing.B) {
			measure(b, decoded, func() *Datasource { return newBenchDS(b, srv.URL, `{}`) }, func(ds *Datasource, _ int) error { return rule.evaluate(ds, at0) })
		})
		warm := newBenchDS(b, srv.URL, `{}`)
		if err := rule.evaluate(warm, at0); err != nil {
			b.Fatal(err)
		}
		next := 0
		b.Run(fmt.Sprintf("series=%d/alert-next", n), func(b *testing.B) {
			measure(b, decoded, func() *Datasource { return warm }, func(ds *Datasource, _ int) error {
				next++
				return rule.evaluate(ds, at0.Add(time.Duration(next)*promtest.BenchFleetStep))
			})
		})
		warm = nil
		b.Run(fmt.Sprintf("series=%d/panel", n), func(b *testing.B) {
			measure(b, panelDecoded, func() *Datasource { return newBenchDS(b, srv.URL, `{}`) }, func(ds *Datasource, _ int) error { return rule.panel(ds, at0) })
		})
	}
}

// pickSides keeps the sides MEMSHAPE_BENCH_SIDES names (e.g.
// "raw,alert"); all when it is not set.
func pickSides(sides []promtest.Side) []promtest.Side {
	v := os.Getenv("MEMSHAPE_BENCH_SIDES")
	if v == "" {
		return sides
	}
	want := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		want[strings.TrimSpace(f)] = true
	}
	var out []promtest.Side
	for _, s := range sides {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// loadAverage is the machine's 1-minute load average (0 when unknown).
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
