package promtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

// VictoriaInstallHint says how to get VictoriaMetrics' single-node server.
const VictoriaInstallHint = "install VictoriaMetrics: `apt-get update && apt-get install -y victoria-metrics` on Debian/Ubuntu, or put the victoria-metrics binary of a release in PATH"

// VictoriaBinary returns the path of the victoria-metrics binary.
func VictoriaBinary() (string, error) {
	p, err := exec.LookPath("victoria-metrics")
	if err != nil {
		return "", fmt.Errorf("victoria-metrics not found in PATH")
	}
	return p, nil
}

// RequireVictoria skips the test (or fails it when CI=true) unless the
// victoria-metrics binary is in PATH.
func RequireVictoria(t testing.TB) {
	t.Helper()
	if _, err := VictoriaBinary(); err != nil {
		msg := fmt.Sprintf("needs VictoriaMetrics: %v; %s", err, VictoriaInstallHint)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: not skipping)")
		}
		t.Skip(msg)
	}
}

// StartVictoria starts VictoriaMetrics' single-node server on a free
// loopback port with ss imported (through its Prometheus text import,
// timestamps kept) and flushed so that queries see them; it is stopped
// when the test ends, its log printed if the test failed. The Server's
// URL is the Prometheus-compatible API root.
func StartVictoria(t testing.TB, ss ...series.Series) *Server {
	t.Helper()
	RequireVictoria(t)
	srv, err := LaunchVictoria(ss...)
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	stopAtEnd(t, srv, "victoria-metrics")
	return srv
}

// LaunchVictoria is StartVictoria for a server that outlives one test:
// the caller must Stop it.
func LaunchVictoria(ss ...series.Series) (srv *Server, err error) {
	bin, err := VictoriaBinary()
	if err != nil {
		return nil, fmt.Errorf("%v; %s", err, VictoriaInstallHint)
	}
	dir, err := os.MkdirTemp("", "victoriatest-")
	if err != nil {
		return nil, err
	}
	srv = &Server{dir: dir, LogPath: filepath.Join(dir, "victoria-metrics.log")}
	defer func() {
		if err != nil {
			srv.Stop()
		}
	}()
	if out, err := exec.Command(bin, "-version").CombinedOutput(); err == nil {
		srv.Version = strings.TrimSpace(string(out))
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		logFile, err := os.Create(srv.LogPath)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin,
			"-storageDataPath="+filepath.Join(dir, "data"),
			"-httpListenAddr="+addr,
			"-retentionPeriod=100y",
			"-loggerLevel=ERROR",
			// Old samples are what the tests hold: serve them as they are.
			"-search.latencyOffset=0s",
			"-search.disableCache",
		)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			return nil, fmt.Errorf("starting victoria-metrics: %v", err)
		}
		srv.cmd, srv.logFile, srv.exited = cmd, logFile, make(chan error, 1)
		go func(c *exec.Cmd, ch chan error) { ch <- c.Wait() }(cmd, srv.exited)
		srv.URL = "http://" + addr
		if lastErr = srv.waitHealthy(60 * time.Second); lastErr == nil {
			break
		}
		srv.stopProcess()
	}
	if lastErr != nil {
		return nil, fmt.Errorf("victoria-metrics did not become ready: %v\nlog:\n%s", lastErr, readFile(srv.LogPath))
	}
	if len(ss) > 0 {
		if err := srv.importSeries(ss); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

func (s *Server) waitHealthy(timeout time.Duration) error {
	return s.waitFor(context.Background(), "victoria-metrics", "/health", timeout, func(_ int, body []byte) bool {
		return strings.TrimSpace(string(body)) == "OK"
	})
}

// importSeries sends ss through /api/v1/import/prometheus (the text
// format with millisecond timestamps) and flushes them to search.
func (s *Server) importSeries(ss []series.Series) error {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		for _, x := range ss {
			name := x.Labels["__name__"]
			if !validName(name) {
				_ = pw.CloseWithError(fmt.Errorf("series %s: needs a valid __name__ label", x.Name()))
				return
			}
			lbl := labelString(x.Labels)
			for i := range x.T {
				fmt.Fprintf(w, "%s%s %s %d\n", name, lbl, series.FormatValue(x.V[i]), x.T[i])
			}
		}
		_ = pw.CloseWithError(w.Flush())
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/import/prometheus", pr)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("victoria-metrics import: %v", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("victoria-metrics import: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	resp, err = http.Get(s.URL + "/internal/force_flush")
	if err != nil {
		return fmt.Errorf("victoria-metrics flush: %v", err)
	}
	resp.Body.Close()
	return nil
}
