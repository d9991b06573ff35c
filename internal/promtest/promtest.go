// Package promtest runs a real Prometheus server for tests, preloaded with
// series: it writes them as an OpenMetrics file of gauges, backfills it
// with `promtool tsdb create-blocks-from openmetrics` and starts
// `prometheus` on a free local port with no scrape targets.
//
// It needs the `prometheus` and `promtool` binaries in PATH (Debian:
// apt-get install prometheus). Without them a test is skipped — except when
// the environment variable CI is "true", where it fails: CI must never
// silently skip.
package promtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

// InstallHint says how to get the binaries.
const InstallHint = "install Prometheus and promtool: `apt-get update && apt-get install -y prometheus` on Debian/Ubuntu, or put both binaries from a Prometheus release in PATH"

// Server is a running Prometheus.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Version is what `prometheus --version` printed first.
	Version string
	// LogPath is the server's log file.
	LogPath string
}

// Binaries returns the paths of prometheus and promtool, or an error naming
// the missing one.
func Binaries() (prometheus, promtool string, err error) {
	var errs []error
	prometheus, e1 := exec.LookPath("prometheus")
	if e1 != nil {
		errs = append(errs, fmt.Errorf("prometheus not found in PATH"))
	}
	promtool, e2 := exec.LookPath("promtool")
	if e2 != nil {
		errs = append(errs, fmt.Errorf("promtool not found in PATH"))
	}
	return prometheus, promtool, errors.Join(errs...)
}

// Require skips the test (or fails it when CI=true) unless both binaries
// are in PATH, and returns their paths.
func Require(t testing.TB) (prometheus, promtool string) {
	t.Helper()
	prometheus, promtool, err := Binaries()
	if err != nil {
		msg := fmt.Sprintf("needs a real Prometheus: %v; %s", err, InstallHint)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: not skipping)")
		}
		t.Skip(msg)
	}
	return prometheus, promtool
}

// Start backfills ss into a fresh TSDB and starts Prometheus on it. Every
// series needs a __name__ label; samples may be in any order (they are
// sorted) and values may be NaN or ±Inf. Samples older than 100 years are
// dropped by retention, so use recent timestamps. The server is stopped
// when the test ends; its log is printed if the test failed.
func Start(t testing.TB, ss ...series.Series) *Server {
	t.Helper()
	promBin, promtool := Require(t)
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}

	if len(ss) > 0 {
		om, err := OpenMetrics(ss...)
		if err != nil {
			t.Fatalf("promtest: %v", err)
		}
		omPath := filepath.Join(dir, "series.om.txt")
		if err := os.WriteFile(omPath, []byte(om), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", omPath, dataDir).CombinedOutput()
		if err != nil {
			t.Fatalf("promtest: promtool backfill failed: %v\n%s", err, out)
		}
	}

	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte("global:\n  scrape_interval: 1m\nscrape_configs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "prometheus.log")
	srv := &Server{LogPath: logPath}
	if out, err := exec.Command(promBin, "--version").CombinedOutput(); err == nil {
		srv.Version, _, _ = strings.Cut(string(out), "\n")
	}

	// A port may be taken between picking and binding it: try a few.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(promBin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+dataDir,
			"--storage.tsdb.retention.time=100y",
			"--web.listen-address="+addr,
			"--log.level=warn",
		)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			t.Fatalf("promtest: starting prometheus: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		srv.URL = "http://" + addr
		lastErr = waitReady(srv.URL, exited, 60*time.Second)
		if lastErr == nil {
			t.Cleanup(func() {
				stop(cmd, exited)
				logFile.Close()
				if t.Failed() {
					t.Logf("promtest: prometheus log (%s):\n%s", logPath, readFile(logPath))
				}
			})
			return srv
		}
		stop(cmd, exited)
		logFile.Close()
	}
	t.Fatalf("promtest: prometheus did not become ready: %v\nlog:\n%s", lastErr, readFile(logPath))
	return nil
}

func readFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(url string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("prometheus exited early: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
		resp, err := client.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no 200 from %s/-/ready within %s", url, timeout)
}

func stop(cmd *exec.Cmd, exited <-chan error) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// OpenMetrics renders ss as an OpenMetrics text exposition of gauges with
// timestamps in seconds, grouped by metric name, ending with "# EOF".
func OpenMetrics(ss ...series.Series) (string, error) {
	byName := map[string][]series.Series{}
	var names []string
	for i, s := range ss {
		name := s.Labels["__name__"]
		if !validName(name) {
			return "", fmt.Errorf("series %d (%s): needs a valid __name__ label, got %q", i, s.Name(), name)
		}
		if len(s.T) != len(s.V) {
			return "", fmt.Errorf("series %s: %d timestamps but %d values", s.Name(), len(s.T), len(s.V))
		}
		if _, ok := byName[name]; !ok {
			names = append(names, name)
		}
		byName[name] = append(byName[name], s)
	}
	sort.Strings(names)
	var b strings.Builder
	w := bufio.NewWriter(&b)
	for _, name := range names {
		fmt.Fprintf(w, "# TYPE %s gauge\n", name)
		for _, s := range byName[name] {
			lbl := labelString(s.Labels)
			idx := make([]int, len(s.T))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool { return s.T[idx[a]] < s.T[idx[b]] })
			last := int64(math.MinInt64)
			for _, i := range idx {
				if s.T[i] == last {
					continue // OpenMetrics wants strictly increasing timestamps
				}
				last = s.T[i]
				fmt.Fprintf(w, "%s%s %s %s\n", name, lbl, formatValue(s.V[i]), formatMillis(s.T[i]))
			}
		}
	}
	w.WriteString("# EOF\n")
	if err := w.Flush(); err != nil {
		return "", err
	}
	return b.String(), nil
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i, r := range n {
		ok := r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func labelString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(l[k])
		fmt.Fprintf(&b, `%s="%s"`, k, v)
	}
	b.WriteByte('}')
	return b.String()
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func formatMillis(ms int64) string {
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec--
		frac += 1000
	}
	if frac == 0 {
		return strconv.FormatInt(sec, 10)
	}
	return fmt.Sprintf("%d.%03d", sec, frac)
}
