// Package promtest runs a real Prometheus server for tests, preloaded with
// series: it writes them as an OpenMetrics file of gauges, backfills it
// with `promtool tsdb create-blocks-from openmetrics` (one block, one
// pass, however long the range) and starts `prometheus` on a free
// loopback port with no scrape targets.
//
// Options put it behind what teams deploy: basic auth (a bcrypt hash),
// TLS with a CA made for the server, client certificates, all through
// Prometheus' own --web.config.file; and the remote-write receiver, so a
// test can append samples to the running server (Server.Push).
//
// It needs the `prometheus` and `promtool` binaries in PATH (InstallHint).
// Without them a test is skipped — except when the environment variable CI
// is "true", where it fails: CI must never silently skip. LaunchContext
// starts the same server outside a test (the CLI's demo).
package promtest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/memshape/memory-datasource/pkg/series"
)

// InstallHint says how to get the binaries: the one wording for tests,
// the demo and its stand-in's errors.
const InstallHint = "install Prometheus and promtool: `apt-get install prometheus` on Debian/Ubuntu (after `apt-get update`), or put both binaries of a Prometheus release in PATH"

// Options says how to run the server. The zero value is plain HTTP with
// no authentication.
type Options struct {
	// BasicAuth, when set, makes Prometheus require these credentials
	// (stored as a bcrypt hash in its web config). Any password works,
	// '/', '#', '?' and '@' included.
	BasicAuth *BasicAuth
	// TLS serves HTTPS, with a server certificate for 127.0.0.1 and
	// localhost signed by a CA made for this server (Server.CAPEM).
	TLS bool
	// ClientCert requires clients to present a certificate signed by that
	// CA (implies TLS); Server.ClientCertPEM and ClientKeyPEM hold one.
	ClientCert bool
	// RemoteWrite enables the remote-write receiver, for Server.Push.
	RemoteWrite bool
	// Generate, when set, emits more series to backfill after the ones
	// given to Start: for fleets too big to hold in memory at once. The
	// series of one metric name must be emitted together.
	Generate func(emit func(series.Series) error) error
	// Blocks, when set, is a folder of TSDB blocks made before (by
	// promtool) that the server starts with, hard-linked (or copied) into
	// its own data folder, which leaves them as they are.
	Blocks string
}

// BasicAuth is a user name and password.
type BasicAuth struct {
	User, Password string
}

// Server is a running Prometheus.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234 (https
	// with TLS).
	URL string
	// Version is what `prometheus --version` printed first.
	Version string
	// LogPath is the server's log file.
	LogPath string
	// CAPEM is the CA that signed the server's (and the client's)
	// certificate, with TLS.
	CAPEM []byte
	// ClientCertPEM and ClientKeyPEM are a client certificate the server
	// accepts, with ClientCert.
	ClientCertPEM, ClientKeyPEM []byte
	// BasicAuth is what the server requires, if anything.
	BasicAuth *BasicAuth
	// Backfill and Startup are how long promtool took and how long the
	// server took to become ready.
	Backfill, Startup time.Duration

	dir      string
	cmd      *exec.Cmd
	exited   chan error
	logFile  *os.File
	stopOnce sync.Once
}

// Binaries returns the paths of prometheus and promtool, or an error naming
// the missing ones.
func Binaries() (prometheus, promtool string, err error) {
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
	return StartWith(t, Options{}, ss...)
}

// StartWith is Start with options.
func StartWith(t testing.TB, opt Options, ss ...series.Series) *Server {
	t.Helper()
	Require(t)
	srv, err := Launch(opt, ss...)
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	stopAtEnd(t, srv, "prometheus")
	return srv
}

// Launch is Start for a server that outlives one test (a benchmark
// binary's shared fleet): the caller must Stop it. It needs the binaries
// (see Require).
func Launch(opt Options, ss ...series.Series) (*Server, error) {
	return LaunchContext(context.Background(), opt, ss...)
}

// LaunchContext is Launch that gives up (and stops what it started) when
// ctx ends before the server is ready.
func LaunchContext(ctx context.Context, opt Options, ss ...series.Series) (srv *Server, err error) {
	promBin, promtool, err := Binaries()
	if err != nil {
		return nil, fmt.Errorf("%v; %s", err, InstallHint)
	}
	dir, err := os.MkdirTemp("", "promtest-")
	if err != nil {
		return nil, err
	}
	srv = &Server{dir: dir, LogPath: filepath.Join(dir, "prometheus.log")}
	defer func() {
		if err != nil {
			srv.Stop()
		}
	}()
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	if opt.Blocks != "" {
		if err := linkTree(opt.Blocks, dataDir); err != nil {
			return nil, fmt.Errorf("bringing in the blocks of %s: %v", opt.Blocks, err)
		}
	}
	if len(ss) > 0 || opt.Generate != nil {
		omPath := filepath.Join(dir, "series.om.txt")
		if err := writeOpenMetricsFile(omPath, ss, opt.Generate); err != nil {
			return nil, err
		}
		// One block however long the range: promtool reads its input once
		// per block, and Prometheus has nothing to compact afterwards.
		t0 := time.Now()
		out, err := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet",
			"--max-block-duration=100000h", omPath, dataDir).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("promtool backfill failed: %v\n%s", err, out)
		}
		_ = os.Remove(omPath)
		srv.Backfill = time.Since(t0)
	}

	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte("global:\n  scrape_interval: 1m\nscrape_configs: []\n"), 0o644); err != nil {
		return nil, err
	}
	args := []string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + dataDir,
		"--storage.tsdb.retention.time=100y",
		"--log.level=warn",
	}
	if opt.RemoteWrite {
		args = append(args, "--web.enable-remote-write-receiver")
	}
	webCfg, err := srv.webConfig(opt)
	if err != nil {
		return nil, err
	}
	if webCfg != "" {
		args = append(args, "--web.config.file="+webCfg)
	}
	t1 := time.Now()
	if out, err := exec.CommandContext(ctx, promBin, "--version").CombinedOutput(); err == nil {
		srv.Version, _, _ = strings.Cut(string(out), "\n")
	}
	scheme := "http"
	if opt.TLS || opt.ClientCert {
		scheme = "https"
	}

	// A port may be taken between picking and binding it: try a few.
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
		cmd := exec.Command(promBin, append(args, "--web.listen-address="+addr)...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			return nil, fmt.Errorf("starting prometheus: %v", err)
		}
		srv.cmd, srv.logFile, srv.exited = cmd, logFile, make(chan error, 1)
		go func(c *exec.Cmd, ch chan error) { ch <- c.Wait() }(cmd, srv.exited)
		srv.URL = scheme + "://" + addr
		lastErr = srv.waitReady(ctx, 60*time.Second)
		if lastErr == nil {
			srv.Startup = time.Since(t1)
			return srv, nil
		}
		if ctx.Err() != nil {
			break
		}
		srv.stopProcess()
	}
	return nil, fmt.Errorf("prometheus did not become ready: %v\nlog:\n%s", lastErr, readFile(srv.LogPath))
}

// Stop stops the server and removes its files. It may be called more than
// once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.stopProcess()
		if s.dir != "" {
			_ = os.RemoveAll(s.dir)
		}
	})
}

func (s *Server) stopProcess() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		// The exit status after SIGTERM (or a kill) is no news.
		select {
		case err := <-s.exited:
			_ = err
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			err := <-s.exited
			_ = err
		}
	}
	s.cmd = nil
	if s.logFile != nil {
		s.logFile.Close()
		s.logFile = nil
	}
}

// TLSConfig trusts the server's CA and presents the client certificate
// when there is one; nil without TLS.
func (s *Server) TLSConfig() *tls.Config {
	if s.CAPEM == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if s.ClientCertPEM != nil {
		cert, err := tls.X509KeyPair(s.ClientCertPEM, s.ClientKeyPEM)
		if err == nil {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	return cfg
}

// HTTPClient is a client that passes every check the server makes: its
// CA, its client certificate, its basic auth.
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = s.TLSConfig()
	var rt http.RoundTripper = tr
	if s.BasicAuth != nil {
		rt = basicAuthRT{next: tr, auth: *s.BasicAuth}
	}
	return &http.Client{Transport: rt}
}

type basicAuthRT struct {
	next http.RoundTripper
	auth BasicAuth
}

func (b basicAuthRT) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.SetBasicAuth(b.auth.User, b.auth.Password)
	return b.next.RoundTrip(req)
}

// webConfig writes Prometheus' --web.config.file for opt (and the TLS
// material it names) and returns its path, "" when none is needed.
func (s *Server) webConfig(opt Options) (string, error) {
	var b strings.Builder
	if opt.TLS || opt.ClientCert {
		pki, err := newPKI()
		if err != nil {
			return "", err
		}
		files := map[string][]byte{"ca.crt": pki.caPEM, "server.crt": pki.serverCertPEM, "server.key": pki.serverKeyPEM}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o600); err != nil {
				return "", err
			}
		}
		s.CAPEM = pki.caPEM
		fmt.Fprintf(&b, "tls_server_config:\n  cert_file: %s\n  key_file: %s\n",
			filepath.Join(s.dir, "server.crt"), filepath.Join(s.dir, "server.key"))
		if opt.ClientCert {
			s.ClientCertPEM, s.ClientKeyPEM = pki.clientCertPEM, pki.clientKeyPEM
			fmt.Fprintf(&b, "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n", filepath.Join(s.dir, "ca.crt"))
		}
	}
	if opt.BasicAuth != nil {
		hash, err := bcrypt.GenerateFromPassword([]byte(opt.BasicAuth.Password), bcrypt.MinCost)
		if err != nil {
			return "", err
		}
		auth := *opt.BasicAuth
		s.BasicAuth = &auth
		fmt.Fprintf(&b, "basic_auth_users:\n  %s: %s\n", strconv.Quote(auth.User), strconv.Quote(string(hash)))
	}
	if b.Len() == 0 {
		return "", nil
	}
	path := filepath.Join(s.dir, "web.yml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
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

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	return s.waitFor(ctx, "prometheus", "/-/ready", timeout, func(int, []byte) bool { return true })
}

// waitFor polls path until it answers 200 and ok accepts the body, the
// process exits, ctx ends or timeout passes; name is the server's, for the
// error.
func (s *Server) waitFor(ctx context.Context, name, path string, timeout time.Duration, ok func(status int, body []byte) bool) error {
	deadline := time.Now().Add(timeout)
	client := s.HTTPClient()
	client.Timeout = 2 * time.Second
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			s.exited <- err // for stopProcess
			return fmt.Errorf("%s exited early: %v", name, err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && ok(resp.StatusCode, body) {
				cancel()
				return nil
			}
			last = fmt.Errorf("HTTP %d %q", resp.StatusCode, body)
		} else {
			last = err
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no 200 from %s%s within %s (last: %v)", s.URL, path, timeout, last)
}

// stopAtEnd stops srv when the test ends, printing its log if the test
// failed.
func stopAtEnd(t testing.TB, srv *Server, name string) {
	t.Cleanup(func() {
		failed := t.Failed()
		log := readFile(srv.LogPath)
		srv.Stop()
		if failed {
			t.Logf("promtest: %s log:\n%s", name, log)
		}
	})
}

// OpenMetrics renders ss as an OpenMetrics text exposition of gauges with
// timestamps in seconds, grouped by metric name, ending with "# EOF".
func OpenMetrics(ss ...series.Series) (string, error) {
	var b strings.Builder
	if err := writeOpenMetrics(&b, ss, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeOpenMetricsFile(path string, ss []series.Series, gen func(emit func(series.Series) error) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = writeOpenMetrics(f, ss, gen)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeOpenMetrics writes ss (grouped by metric name, sorted) and then
// whatever gen emits (in its order: one metric name's series together).
func writeOpenMetrics(out io.Writer, ss []series.Series, gen func(emit func(series.Series) error) error) error {
	byName := map[string][]series.Series{}
	var names []string
	for i, s := range ss {
		name := s.Labels["__name__"]
		if !validName(name) {
			return fmt.Errorf("series %d (%s): needs a valid __name__ label, got %q", i, s.Name(), name)
		}
		if _, ok := byName[name]; !ok {
			names = append(names, name)
		}
		byName[name] = append(byName[name], s)
	}
	sort.Strings(names)
	w := bufio.NewWriterSize(out, 1<<20)
	done := map[string]bool{}
	cur := ""
	emit := func(s series.Series) error {
		name := s.Labels["__name__"]
		if !validName(name) {
			return fmt.Errorf("series %s: needs a valid __name__ label, got %q", s.Name(), name)
		}
		if len(s.T) != len(s.V) {
			return fmt.Errorf("series %s: %d timestamps but %d values", s.Name(), len(s.T), len(s.V))
		}
		if name != cur {
			if done[name] {
				return fmt.Errorf("series %s: the series of metric %s must come together", s.Name(), name)
			}
			done[name], cur = true, name
			fmt.Fprintf(w, "# TYPE %s gauge\n", name)
		}
		writeSamples(w, name, s)
		return nil
	}
	for _, name := range names {
		for _, s := range byName[name] {
			if err := emit(s); err != nil {
				return err
			}
		}
	}
	if gen != nil {
		if err := gen(emit); err != nil {
			return err
		}
	}
	_, _ = w.WriteString("# EOF\n") // a write error comes back from Flush
	return w.Flush()
}

func writeSamples(w *bufio.Writer, name string, s series.Series) {
	lbl := labelString(s.Labels)
	idx := make([]int, len(s.T))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.T[idx[a]] < s.T[idx[b]] })
	last := int64(math.MinInt64)
	var buf []byte
	for _, i := range idx {
		if s.T[i] == last {
			continue // OpenMetrics wants strictly increasing timestamps
		}
		last = s.T[i]
		buf = append(buf[:0], name...)
		buf = append(buf, lbl...)
		buf = append(buf, ' ')
		buf = append(buf, series.FormatValue(s.V[i])...)
		buf = append(buf, ' ')
		buf = append(buf, formatMillis(s.T[i])...)
		buf = append(buf, '\n')
		_, _ = w.Write(buf) // a write error comes back from Flush
	}
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

// linkTree hard-links (or, across file systems, copies) every file under
// src into dst, keeping the folder layout.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if err := os.Link(p, to); err == nil {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
