package main

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/internal/promtest"
)

// composeScript is the shell script of docker-compose.yaml's one-shot
// history service, with compose's $$ escapes undone.
func composeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n  history:\n")
	if !ok {
		t.Fatal("docker-compose.yaml has no history service")
	}
	_, rest, ok = strings.Cut(rest, "    command:\n      - |\n")
	if !ok {
		t.Fatal("the history service has no command block")
	}
	var lines []string
	for _, l := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(l, "        ") {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, "        "))
	}
	return strings.ReplaceAll(strings.Join(lines, "\n"), "$$", "$")
}

// The compose file's backfill script, run here against the exporter with
// the real promtool, writes TSDB blocks once and skips the second time.
func TestComposeBackfillScript(t *testing.T) {
	promtest.Require(t)
	srv := httptest.NewServer(exporterHandler(demo.ScrapeLabels(), time.Now))
	defer srv.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "prometheus")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	script := composeScript(t)
	for _, want := range []string{"http://demo-exporter:9101/history", "promtool tsdb create-blocks-from openmetrics", "/prometheus"} {
		if !strings.Contains(script, want) {
			t.Fatalf("the backfill script lacks %q:\n%s", want, script)
		}
	}
	script = strings.NewReplacer(
		"http://demo-exporter:9101", srv.URL,
		"/tmp/history.om", filepath.Join(dir, "history.om"),
		"/prometheus", data,
		"days=8", "days=1", // one day keeps the test quick
	).Replace(script)
	out, err := exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("backfill script: %v\n%s", err, out)
	}
	blocks, _ := filepath.Glob(filepath.Join(data, "01*"))
	if len(blocks) == 0 {
		t.Fatalf("no TSDB blocks in %s after the script:\n%s", data, out)
	}
	out, err = exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already backfilled") {
		t.Errorf("second run: %v\n%s", err, out)
	}
}

// The scrape job and target in Prometheus' compose config are the job and
// instance labels the history carries; the exporter is started with them.
func TestComposeScrapeMatchesTheHistoryLabels(t *testing.T) {
	b, err := os.ReadFile("../../provisioning/prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	if !strings.Contains(cfg, "- job_name: "+demo.Job+"\n    static_configs:\n      - targets: ['"+demo.Instance+"']") {
		t.Errorf("prometheus.yml does not scrape %s as job %s:\n%s", demo.Instance, demo.Job, cfg)
	}
	c, err := os.ReadFile("../../docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(c), "'--instance', '"+demo.Instance+"'") {
		t.Errorf("docker-compose.yaml does not start the exporter with --instance %s", demo.Instance)
	}
}
