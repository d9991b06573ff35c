package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// InstallHint says how to get a real Prometheus for the demo.
const InstallHint = "apt-get install prometheus"

// Prometheus is a local Prometheus server started from the binaries in
// PATH on a backfilled data directory.
type Prometheus struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Version is the first line `prometheus --version` printed.
	Version string
	// LogPath is the server's log file.
	LogPath string
	// Backfill and Startup are how long promtool took and how long the
	// server took to become ready.
	Backfill, Startup time.Duration

	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // the process' exit, once done is closed
	log     *os.File
}

// FindPrometheus returns the paths of prometheus and promtool, or an error
// naming what is missing.
func FindPrometheus() (prometheus, promtool string, err error) {
	var missing []string
	prometheus, e1 := exec.LookPath("prometheus")
	if e1 != nil {
		missing = append(missing, "prometheus")
	}
	promtool, e2 := exec.LookPath("promtool")
	if e2 != nil {
		missing = append(missing, "promtool")
	}
	if len(missing) > 0 {
		return "", "", fmt.Errorf("%s not found in PATH", strings.Join(missing, " and "))
	}
	return prometheus, promtool, nil
}

// StartPrometheus backfills the OpenMetrics text om into a data directory
// under dir with `promtool tsdb create-blocks-from openmetrics`, then starts
// `prometheus` on it, listening on a free loopback port with no scrape
// targets, and waits until it is ready. Stop it with Stop.
func StartPrometheus(ctx context.Context, dir, om string) (*Prometheus, error) {
	promBin, promtool, err := FindPrometheus()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	omPath := filepath.Join(dir, "history.om.txt")
	if err := os.WriteFile(omPath, []byte(om), 0o644); err != nil {
		return nil, err
	}
	t0 := time.Now()
	out, err := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", omPath, data).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("promtool backfill failed: %v\n%s", err, out)
	}
	_ = os.Remove(omPath)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\nscrape_configs: []\n"), 0o644); err != nil {
		return nil, err
	}
	p := &Prometheus{LogPath: filepath.Join(dir, "prometheus.log"), Backfill: time.Since(t0)}
	t1 := time.Now()
	if v, err := exec.CommandContext(ctx, promBin, "--version").CombinedOutput(); err == nil {
		p.Version, _, _ = strings.Cut(string(v), "\n")
	}
	// A port may be taken between picking and binding it: try a few.
	var lastErr error
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		if p.log, err = os.Create(p.LogPath); err != nil {
			return nil, err
		}
		p.cmd = exec.Command(promBin,
			"--config.file="+cfg,
			"--storage.tsdb.path="+data,
			"--storage.tsdb.retention.time=100y",
			"--web.listen-address="+addr,
			"--log.level=warn",
		)
		p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := p.cmd.Start(); err != nil {
			p.log.Close()
			return nil, fmt.Errorf("starting prometheus: %v", err)
		}
		p.done = make(chan struct{})
		go func(c *exec.Cmd, done chan struct{}) { p.waitErr = c.Wait(); close(done) }(p.cmd, p.done)
		p.URL = "http://" + addr
		if lastErr = waitReady(ctx, p, time.Minute); lastErr == nil {
			p.Startup = time.Since(t1)
			return p, nil
		}
		p.Stop()
	}
	log, _ := os.ReadFile(p.LogPath)
	return nil, fmt.Errorf("prometheus did not become ready: %v\n%s", lastErr, log)
}

// Stop ends the server (SIGTERM, then SIGKILL after 10 s).
func (p *Prometheus) Stop() {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
	p.cmd = nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(ctx context.Context, p *Prometheus, timeout time.Duration) error {
	url := p.URL
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("prometheus exited early: %v", p.waitErr)
		case <-ctx.Done():
			return errors.New("no 200 from " + url + "/-/ready in time")
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}
