package promtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
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
// far, read from /proc (Linux); 0 when it cannot be read.
func (s *Server) CPUTime() time.Duration {
	if s.cmd == nil || s.cmd.Process == nil {
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

// BenchFleet is the benchmarks' fleet: 5,000 memory series (Fleet), 7 days
// at 5 minutes ending at the start of the run, in one real Prometheus per
// test binary, backfilled the first time a benchmark asks. StopBenchFleet
// (from TestMain) stops it.
const (
	BenchFleetSeries = 5000
	BenchFleetPoints = 2016
	BenchFleetStep   = 5 * time.Minute
	BenchFleetMetric = "memshape_bench_bytes"
)

var (
	benchOnce sync.Once
	benchSrv  *Server
	benchErr  error
	benchEnd  time.Time
)

// BenchFleet returns the running fleet server and where its samples end.
func BenchFleet(b testing.TB) (*Server, time.Time) {
	Require(b)
	benchOnce.Do(func() {
		benchEnd = time.Now().Truncate(BenchFleetStep)
		began := time.Now()
		benchSrv, benchErr = Launch(Options{Generate: Fleet(BenchFleetMetric, BenchFleetSeries, BenchFleetPoints, benchEnd, BenchFleetStep)})
		fmt.Fprintf(os.Stderr, "fleet: %d series × %d points backfilled and served in %s\n", BenchFleetSeries, BenchFleetPoints, time.Since(began).Round(time.Second))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSrv, benchEnd
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
