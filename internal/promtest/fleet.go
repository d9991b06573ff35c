package promtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

// Fleet generates n memory series named name, each with points samples
// every `every` up to end, for Options.Generate: the benchmark fleets.
// Labels are as a Kubernetes scrape gives them (namespace, pod,
// container, instance, job) plus shard, which is i/1000, so a selector
// {shard="0"} picks 1,000 series. Values are bytes: a base per series,
// slow growth, a daily cycle and noise, whole numbers as memory is.
func Fleet(name string, n, points int, end time.Time, every time.Duration) func(emit func(series.Series) error) error {
	return func(emit func(series.Series) error) error {
		endMs := end.UnixMilli()
		step := every.Milliseconds()
		for i := 0; i < n; i++ {
			s := series.Series{
				Labels: map[string]string{
					"__name__":  name,
					"namespace": "shop",
					"container": "api",
					"job":       "kubelet",
					"pod":       fmt.Sprintf("api-7d9f8b6c5-%05d", i),
					"instance":  fmt.Sprintf("10.0.%d.%d:10250", i/250, i%250),
					"shard":     strconv.Itoa(i / 1000),
				},
				T: make([]int64, points),
				V: make([]float64, points),
			}
			base := 256e6 + float64(i%97)*8e6
			seed := uint64(i)*0x9E3779B97F4A7C15 + 1
			for j := 0; j < points; j++ {
				t := endMs - int64(points-1-j)*step
				seed ^= seed << 13
				seed ^= seed >> 7
				seed ^= seed << 17
				noise := float64(seed%1000000) - 500000
				day := 20e6 * math.Sin(2*math.Pi*float64(t%86400000)/86400000)
				s.T[j], s.V[j] = t, math.Round(base+float64(j)*1000+day+noise)
			}
			if err := emit(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// CPUTime is the CPU time (user + system) the server process has used so
// far, read from /proc (Linux); 0 when it cannot be read (or s is nil).
func (s *Server) CPUTime() time.Duration {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces, in parens):
	// state is field 3, utime 14 and stime 15, in clock ticks (USER_HZ,
	// 100 on Linux).
	str := string(raw)
	i := strings.LastIndexByte(str, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(str[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// BenchFleet is the benchmarks' fleet: 20,000 memory series (Fleet), 7
// days at 5 minutes, in one real Prometheus per test binary, started the
// first time a benchmark asks; BenchFleetExpr selects the first 1,000,
// 5,000 or all of them. The backfilled block is kept in the temporary
// directory (BenchFleetDir) and reused by later runs, so that only the
// first run pays the backfill (a few minutes). StopBenchFleet (from
// TestMain) stops the server.
const (
	BenchFleetSeries = 20000
	BenchFleetPoints = 2016
	BenchFleetStep   = 5 * time.Minute
	BenchFleetMetric = "memshape_bench_bytes"
)

// BenchFleetExpr selects the first n series of the fleet (n: 1,000 to
// 10,000 in thousands, or all): a shard label matcher.
func BenchFleetExpr(n int) string {
	switch {
	case n >= BenchFleetSeries:
		return BenchFleetMetric
	case n <= 1000:
		return BenchFleetMetric + `{shard="0"}`
	}
	return fmt.Sprintf(`%s{shard=~"[0-%d]"}`, BenchFleetMetric, n/1000-1)
}

var (
	benchOnce sync.Once
	benchSrv  *Server
	benchErr  error
	benchEnd  time.Time
)

// BenchFleetDir is where the fleet's backfilled block is kept between
// runs.
func BenchFleetDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("memshape-benchfleet-v2-%dx%dx%s", BenchFleetSeries, BenchFleetPoints, BenchFleetStep))
}

// BenchFleet returns the running fleet server and where its samples end.
func BenchFleet(b testing.TB) (*Server, time.Time) {
	Require(b)
	benchOnce.Do(func() {
		began := time.Now()
		var blocks string
		blocks, benchEnd, benchErr = benchBlocks()
		if benchErr != nil {
			return
		}
		benchSrv, benchErr = Launch(Options{Blocks: blocks})
		fmt.Fprintf(os.Stderr, "fleet: %d series × %d points ending %s, served in %s\n", BenchFleetSeries, BenchFleetPoints, benchEnd.UTC().Format(time.RFC3339), time.Since(began).Round(time.Second))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSrv, benchEnd
}

// benchBlocks returns the fleet's TSDB blocks, backfilling them once
// (under a lock: test binaries run side by side).
func benchBlocks() (dir string, end time.Time, err error) {
	dir = BenchFleetDir()
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", end, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", end, err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if raw, err := os.ReadFile(dir + ".end"); err == nil && isDir(dir) {
		if ms, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64); err == nil {
			return dir, time.UnixMilli(ms).UTC(), nil
		}
	}
	_, promtool, err := Binaries()
	if err != nil {
		return "", end, err
	}
	began := time.Now()
	end = time.Now().Truncate(BenchFleetStep).UTC()
	tmp := dir + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", end, err
	}
	om := tmp + ".om.txt"
	defer os.Remove(om)
	if err := writeOpenMetricsFile(om, nil, Fleet(BenchFleetMetric, BenchFleetSeries, BenchFleetPoints, end, BenchFleetStep)); err != nil {
		return "", end, err
	}
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet",
		"--max-block-duration=100000h", om, tmp).CombinedOutput(); err != nil {
		return "", end, fmt.Errorf("promtool backfill failed: %v\n%s", err, out)
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", end, err
	}
	if err := os.WriteFile(dir+".end", []byte(strconv.FormatInt(end.UnixMilli(), 10)), 0o644); err != nil {
		return "", end, err
	}
	fmt.Fprintf(os.Stderr, "fleet: %d series × %d points backfilled into %s in %s (kept for later runs)\n", BenchFleetSeries, BenchFleetPoints, dir, time.Since(began).Round(time.Second))
	return dir, end, nil
}

// StopBenchFleet stops the fleet server if a benchmark started it.
func StopBenchFleet() {
	if benchSrv != nil {
		benchSrv.Stop()
	}
}

// RawQueryRange posts form to the server's /api/v1/query_range as a
// client with compression off would, and hands the body to read: the raw
// side of the benchmarks, which read it through a window and throw it
// away (Discard) or decode it another way.
func RawQueryRange(ctx context.Context, hc *http.Client, baseURL string, form url.Values, read func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/query_range", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("query_range: HTTP %d", resp.StatusCode)
	}
	return read(resp.Body)
}

// Discard reads r to its end through buf and throws it away; n is the
// bytes read.
func Discard(r io.Reader, buf []byte) (n int64, err error) {
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
