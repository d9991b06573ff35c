package main

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// A fixed moment, so the demo's verdicts are the same on every run.
var demoNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// Through the in-process stand-in, the plugin's own query path names every
// service as its story says and draws one readable PNG per series.
func TestDemoInProcessNamesEveryServiceAndDrawsIt(t *testing.T) {
	dir := t.TempDir()
	res, err := demoRun(context.Background(), demoConfig{now: demoNow, outDir: dir, inProcess: true, log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	services := demo.Services()
	if len(res.rows) != len(services) {
		t.Fatalf("%d verdict rows, want one per service (%d)", len(res.rows), len(services))
	}
	for _, row := range res.rows {
		if row.service == nil {
			t.Errorf("row %q matches no demo service", row.series)
			continue
		}
		if !row.service.Correct(shape.Shape(row.shape)) {
			t.Errorf("%s: %s (%s), want %s", row.series, row.shape, row.explanation, row.service.Want)
		}
		if row.png == "" {
			t.Errorf("%s: no PNG drawn", row.series)
			continue
		}
		f, err := os.Open(filepath.Join(dir, row.png))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 200 {
			t.Errorf("%s: %s is not a readable picture: %v", row.series, row.png, err)
		}
	}
	var out bytes.Buffer
	if err := res.write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{" leak ", " fragmentation ", " bloat ", " healthy ", "11 of 11 as the workload was built", "11 PNGs", dir} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// A real Prometheus backfilled with the history gives the plugin the same
// answers as the in-process stand-in: the stand-in is a faithful fallback.
func TestDemoRealPrometheusAgreesWithTheStandIn(t *testing.T) {
	promtest.Require(t)
	ctx := context.Background()
	prom, err := demoRun(ctx, demoConfig{now: demoNow, log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prom.upstream, "prometheus") {
		t.Fatalf("upstream %q: not the real Prometheus", prom.upstream)
	}
	stand, err := demoRun(ctx, demoConfig{now: demoNow, inProcess: true, log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if len(prom.rows) != len(stand.rows) {
		t.Fatalf("%d rows from Prometheus, %d from the stand-in", len(prom.rows), len(stand.rows))
	}
	for i := range prom.rows {
		a, b := prom.rows[i], stand.rows[i]
		if a.series != b.series || a.shape != b.shape || a.confidence != b.confidence || a.growth != b.growth || a.explanation != b.explanation {
			t.Errorf("row %d differs:\n  prometheus: %s %s %.4f %.1f %s\n  stand-in:   %s %s %.4f %.1f %s",
				i, a.series, a.shape, a.confidence, a.growth, a.explanation, b.series, b.shape, b.confidence, b.growth, b.explanation)
		}
	}
}

func TestDemoCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "", "demo", "--in-process", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "11 of 11") {
		t.Errorf("output lacks the tally:\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "demo", "extra"); code != exitUsage || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("demo extra: exit %d, stderr %q", code, errs)
	}
	if code, out, _ := runCLI(t, "", "help", "demo"); code != exitOK || !strings.Contains(out, "apt-get install prometheus") {
		t.Errorf("help demo: exit %d:\n%s", code, out)
	}
}

func get(t *testing.T, h http.Handler, url string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
}

// /metrics serves every service's memory and limit at the moment of the
// scrape, in the Prometheus text format; /history ends on the same curve.
func TestExporterServesTheSameCurveLiveAndAsHistory(t *testing.T) {
	now := demoNow.Add(17*time.Second + 250*time.Millisecond)
	h := exporterHandler(demo.ScrapeLabels(), func() time.Time { return now })

	rec := get(t, h, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("/metrics is not the text format: %v", err)
	}
	mem, lim := fams[demo.MemoryMetric], fams[demo.LimitMetric]
	if mem == nil || lim == nil || len(mem.Metric) != len(demo.Services()) || len(lim.Metric) != len(demo.Services()) {
		t.Fatalf("/metrics lacks a family or a service: %v", fams)
	}
	live := map[string]float64{}
	for _, m := range mem.Metric {
		for _, l := range m.Label {
			if l.GetName() == "pod" {
				live[l.GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	for _, s := range demo.Services() {
		if got, want := live[s.Pod], s.Bytes(now); got != want {
			t.Errorf("%s: /metrics says %v, the workload %v", s.Pod, got, want)
		}
	}

	rec = get(t, h, "/history?days=1")
	if rec.Code != http.StatusOK || !strings.HasSuffix(rec.Body.String(), "# EOF\n") {
		t.Fatalf("/history: %d, not OpenMetrics", rec.Code)
	}
	last := map[string]string{}
	lines := 0
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if !strings.HasPrefix(line, demo.MemoryMetric+"{") {
			continue
		}
		lines++
		if !strings.Contains(line, `instance="demo-exporter:9101"`) || !strings.Contains(line, `job="memshape-demo"`) {
			t.Fatalf("history line without the scrape's labels: %s", line)
		}
		for _, s := range demo.Services() {
			if strings.Contains(line, `pod="`+s.Pod+`"`) {
				last[s.Pod] = line
			}
		}
	}
	if want := len(demo.Services()) * 24 * 60; lines != want {
		t.Errorf("%d memory samples in a day of history, want %d (one a minute per service)", lines, want)
	}
	lastMinute := now.Truncate(time.Minute)
	for _, s := range demo.Services() {
		f := strings.Fields(last[s.Pod])
		if len(f) != 3 || f[2] != model.TimeFromUnixNano(lastMinute.UnixNano()).String() {
			t.Errorf("%s: last history sample %q, want one at %s", s.Pod, last[s.Pod], lastMinute)
			continue
		}
		if want := strconv.FormatFloat(s.Bytes(lastMinute), 'g', -1, 64); f[1] != want {
			t.Errorf("%s: history ends at %s, the workload at %s", s.Pod, f[1], want)
		}
	}

	for _, bad := range []string{"0", "31", "x"} {
		if rec := get(t, h, "/history?days="+bad); rec.Code != http.StatusBadRequest {
			t.Errorf("/history?days=%s: %d, want 400", bad, rec.Code)
		}
	}
}

func TestExporterWritesAHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.om")
	code, out, errs := runCLI(t, "", "demo-exporter", "--history", path, "--days", "1", "--instance", "localhost:9101")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(b, []byte(`instance="localhost:9101"`)) || !bytes.HasSuffix(b, []byte("# EOF\n")) {
		t.Errorf("history file %s: %v (%d bytes); stdout %q", path, err, len(b), out)
	}
	if code, _, _ := runCLI(t, "", "demo-exporter", "--days", "0"); code != exitUsage {
		t.Errorf("--days 0: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runCLI(t, "", "demo-exporter", "--listen", "not an address"); code != exitError {
		t.Errorf("a bad --listen: exit %d, want %d", code, exitError)
	}
}
