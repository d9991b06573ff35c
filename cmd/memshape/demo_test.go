package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// userFiles puts files of someone else's into dir (a picture among them)
// and returns a check that each is still there, unchanged.
func userFiles(t *testing.T, dir string) func(t *testing.T) {
	t.Helper()
	files := map[string]string{"photo.png": "\x89PNG a user's photo", "notes.txt": "mine", "album/cat.png": "\x89PNG a cat"}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return func(t *testing.T) {
		t.Helper()
		for name, body := range files {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != body {
				t.Errorf("%s was changed or removed: %q, %v", name, b, err)
			}
		}
	}
}

// countedPictures are the sizes of the demo's pictures in the tests, which
// count them and read them back but do not look at them: the smallest the
// plot draws. Under the race detector a picture's cost is its pixels (PNG
// compression): the demo's pictures at full size took half a minute a
// run. The plot's default size is drawn by TestClassifyFromRealPrometheus
// (--plot) and pkg/plot's tests.
var countedPictures = pictureSizes{pngW: 200, pngH: 150, tileW: 200, tileH: 150}

// standIn is one demo run through the in-process stand-in, drawn into a
// folder beside someone else's files, shared by the tests that read it
// (TestDemoInProcessNamesEveryWorkloadAndDrawsIt,
// TestDemoRealPrometheusAgreesWithTheStandIn): its verdicts do not depend
// on who reads them.
var standIn struct {
	once      sync.Once
	dir       string
	res       *demoResult
	err       error
	unchanged func(t *testing.T)
}

// TestMain removes the shared run's folder.
func TestMain(m *testing.M) {
	code := m.Run()
	if standIn.dir != "" {
		_ = os.RemoveAll(standIn.dir)
	}
	os.Exit(code)
}

// standInRun is the shared run.
func standInRun(t *testing.T) (*demoResult, string, func(t *testing.T)) {
	t.Helper()
	standIn.once.Do(func() {
		if standIn.dir, standIn.err = os.MkdirTemp("", "memshape-demo-test-"); standIn.err != nil {
			return
		}
		standIn.unchanged = userFiles(t, standIn.dir)
		standIn.res, standIn.err = demoRun(context.Background(), demoConfig{now: demoNow, outDir: standIn.dir, inProcess: true, log: io.Discard,
			pictures: countedPictures})
	})
	if standIn.err != nil {
		t.Fatal(standIn.err)
	}
	return standIn.res, standIn.dir, standIn.unchanged
}

// Through the in-process stand-in, the plugin's own query path names every
// workload as its story says — judged across its pods and containers, not
// one pod at a time — and draws one readable PNG per workload, beside
// someone else's files, which it leaves as they were.
func TestDemoInProcessNamesEveryWorkloadAndDrawsIt(t *testing.T) {
	res, dir, unchanged := standInRun(t)
	unchanged(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 + len(res.rows) + 1; len(entries) != want { // photo.png, notes.txt, album/, the PNGs, fleet.png
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%d entries, want %d (the user's 3, %d PNGs and %s; no temporary files): %v", len(entries), want, len(res.rows), demoCollage, names)
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
	stand, _, _ := standInRun(t)
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

// Without prometheus and promtool in PATH the demo says what is missing,
// gives the one install hint, and runs on the same history through the
// in-process stand-in.
func TestDemoWithoutPrometheusUsesTheStandIn(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var log bytes.Buffer
	res, err := demoRun(context.Background(), demoConfig{now: demoNow, log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.upstream, "in-process stand-in") {
		t.Errorf("upstream %q: not the stand-in", res.upstream)
	}
	for _, want := range []string{"prometheus and promtool not found in PATH", promtest.InstallHint} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("demo log lacks %q:\n%s", want, log.String())
		}
	}
	if n := len(demo.Workloads(demoNow)); len(res.rows) != n {
		t.Errorf("%d rows, want one per workload (%d)", len(res.rows), n)
	}
}

// The demo is the README's first command: it runs with no input, names
// every shape of its workload, and without --out puts the pictures in a
// new folder it names.
func TestDemoCommand(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	demoPictures = countedPictures
	t.Cleanup(func() { demoPictures = defaultPictures })
	code, out, errs := runCLI(t, "", "demo", "--in-process")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	n := len(demo.Workloads(time.Now()))
	for _, s := range []string{fmt.Sprintf("%d of %d as the workload was built", n, n), " leak ", " fragmentation ", " bloat ", " healthy ", "search/recommender", "shop/cart "} {
		if !strings.Contains(out, s) {
			t.Errorf("demo output lacks %q:\n%s", s, out)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "memshape-demo-*"))
	if len(dirs) != 1 {
		t.Fatalf("folders made in $TMPDIR: %v, want one new one", dirs)
	}
	if !strings.Contains(out, "the pictures go to "+dirs[0]+"\n") || !strings.Contains(out, "and fleet.png (all of them) in "+dirs[0]) {
		t.Errorf("the output does not name %s:\n%s", dirs[0], out)
	}
	if pngs, _ := filepath.Glob(filepath.Join(dirs[0], "*.png")); len(pngs) != n+1 {
		t.Errorf("%d PNGs in %s, want %d and fleet.png", len(pngs), dirs[0], n)
	}

	// A folder with someone else's files in it is refused without --force,
	// before anything is run or written.
	full := t.TempDir()
	unchanged := userFiles(t, full)
	code, out, errs = runCLI(t, "", "demo", "--in-process", "--out", full)
	if code != exitUsage || !strings.Contains(errs, "is not empty") || !strings.Contains(errs, "--force") || out != "" {
		t.Errorf("--out a folder in use: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	unchanged(t)
	if entries, _ := os.ReadDir(full); len(entries) != 3 {
		t.Errorf("%d entries in the refused folder, want the user's 3", len(entries))
	}
	if code, _, errs := runCLI(t, "", "demo", "--force"); code != exitUsage || !strings.Contains(errs, "--force applies to --out") {
		t.Errorf("--force without --out: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "demo", "extra"); code != exitUsage || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("demo extra: exit %d, stderr %q", code, errs)
	}
	if code, out, _ := runCLI(t, "", "help", "demo"); code != exitOK || !strings.Contains(out, "apt-get install prometheus") {
		t.Errorf("help demo: exit %d:\n%s", code, out)
	}
}

// The output folder: new for each run without --out; made when --out
// names none; an empty one taken; one in use refused unless forced; a file
// refused.
func TestDemoOutDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a, freshA, errA := demoOutDir("", false)
	b, freshB, errB := demoOutDir("", false)
	if errA != nil || errB != nil || a == b || !freshA || !freshB || filepath.Dir(a) != tmp || filepath.Dir(b) != tmp {
		t.Errorf("two runs without --out: %q %v %v, %q %v %v; want two new folders in %s", a, freshA, errA, b, freshB, errB, tmp)
	}

	missing := filepath.Join(tmp, "new", "pictures")
	if dir, fresh, err := demoOutDir(missing, false); err != nil || dir != missing || !fresh {
		t.Errorf("a missing folder: %q %v %v", dir, fresh, err)
	}
	if info, err := os.Stat(missing); err != nil || !info.IsDir() {
		t.Errorf("%s was not made: %v", missing, err)
	}
	if dir, fresh, err := demoOutDir(missing, false); err != nil || dir != missing || fresh {
		t.Errorf("an empty folder: %q %v %v", dir, fresh, err)
	}

	full := t.TempDir()
	unchanged := userFiles(t, full)
	if _, _, err := demoOutDir(full, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a folder in use without --force: %v", err)
	}
	if dir, fresh, err := demoOutDir(full, true); err != nil || dir != full || fresh {
		t.Errorf("a folder in use with --force: %q %v %v", dir, fresh, err)
	}
	unchanged(t)
	if _, _, err := demoOutDir(filepath.Join(full, "notes.txt"), true); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("a file: %v", err)
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
