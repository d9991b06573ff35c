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
// workload as its story says — judged across its pods and containers, not
// one pod at a time — and draws one readable PNG per workload.
func TestDemoInProcessNamesEveryWorkloadAndDrawsIt(t *testing.T) {
	dir := t.TempDir()
	res, err := demoRun(context.Background(), demoConfig{now: demoNow, outDir: dir, inProcess: true, log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	workloads := demo.Workloads(demoNow)
	if len(res.rows) != len(workloads) {
		t.Fatalf("%d verdict rows, want one per workload (%d)", len(res.rows), len(workloads))
	}
	if res.series < 5*len(workloads) {
		t.Errorf("%d series for %d workloads: the cluster does not churn", res.series, len(workloads))
	}
	for _, row := range res.rows {
		if row.built == nil {
			t.Errorf("row %q matches no demo workload", row.series)
			continue
		}
		if !row.built.Correct(shape.Shape(row.shape)) {
			t.Errorf("%s: %s (%s), want %s", row.series, row.shape, row.explanation, row.built.Want)
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
	n := strconv.Itoa(len(workloads))
	for _, want := range []string{" leak ", " fragmentation ", " bloat ", " healthy ", n + " of " + n + " as the workload was built", n + " PNGs (one per workload)", "shop/cart ", dir} {
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
	if n := strconv.Itoa(len(demo.Workloads(time.Now()))); !strings.Contains(out, n+" of "+n+" as the workload was built") {
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

// /metrics serves the memory of every container alive at the moment of
// the scrape, and each pod's limit, in the Prometheus text format;
// /history ends on the same cluster.
func TestExporterServesTheSameClusterLiveAndAsHistory(t *testing.T) {
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
	if mem == nil || lim == nil {
		t.Fatalf("/metrics lacks a family: %v", fams)
	}
	type key struct{ pod, id string }
	live := map[key]float64{}
	for _, m := range mem.Metric {
		var k key
		for _, l := range m.Label {
			switch l.GetName() {
			case "pod":
				k.pod = l.GetValue()
			case "id":
				k.id = l.GetValue()
			}
		}
		live[k] = m.GetGauge().GetValue()
	}
	want, pods := 0, map[string]bool{}
	for _, w := range demo.Workloads(now) {
		for _, c := range w.Containers(now, now.Add(time.Millisecond)) {
			want++
			pods[w.Namespace+"/"+c.Pod] = true
			if got, ok := live[key{c.Pod, w.Labels(c)["id"]}]; !ok || got != w.Bytes(c, now) {
				t.Errorf("%s: /metrics says %v (%v), the cluster %v", c.Pod, got, ok, w.Bytes(c, now))
			}
		}
	}
	if len(mem.Metric) != want || len(lim.Metric) != len(pods) {
		t.Errorf("/metrics has %d containers and %d limits, the cluster %d and %d", len(mem.Metric), len(lim.Metric), want, len(pods))
	}

	rec = get(t, h, "/history?days=1")
	if rec.Code != http.StatusOK || !strings.HasSuffix(rec.Body.String(), "# EOF\n") {
		t.Fatalf("/history: %d, not OpenMetrics", rec.Code)
	}
	last := map[string]string{} // container id → its last line
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if !strings.HasPrefix(line, demo.MemoryMetric+"{") {
			continue
		}
		if !strings.Contains(line, `instance="demo-exporter:9101"`) || !strings.Contains(line, `job="memshape-demo"`) {
			t.Fatalf("history line without the scrape's labels: %s", line)
		}
		id := line[strings.Index(line, `id="`)+4:]
		last[id[:strings.IndexByte(id, '"')]] = line
	}
	lastMinute := now.Truncate(time.Minute)
	for _, w := range demo.Workloads(now) {
		for _, c := range w.Containers(lastMinute, lastMinute.Add(time.Millisecond)) {
			line := last[w.Labels(c)["id"]]
			f := strings.Fields(line)
			if len(f) != 3 || f[2] != model.TimeFromUnixNano(lastMinute.UnixNano()).String() {
				t.Errorf("%s: last history sample %q, want one at %s", c.Pod, line, lastMinute)
				continue
			}
			if want := strconv.FormatFloat(w.Bytes(c, lastMinute), 'g', -1, 64); f[1] != want {
				t.Errorf("%s: history ends at %s, the cluster at %s", c.Pod, f[1], want)
			}
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
