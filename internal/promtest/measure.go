package promtest

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// HeapPeak samples the Go heap (bytes in live and not yet swept objects)
// while a benchmark's operation runs, for reporting its peak memory.
type HeapPeak struct {
	base uint64
	s    *sampler
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapBytes(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampler keeps the largest of what read returns, every `every`, until
// stopped.
type sampler struct {
	peak uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startSampler(every time.Duration, first uint64, read func() uint64) *sampler {
	sm := &sampler{peak: first, stop: make(chan struct{})}
	sm.wg.Add(1)
	go func() {
		defer sm.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v := read(); v > sm.peak {
				sm.peak = v
			}
			select {
			case <-sm.stop:
				return
			case <-t.C:
			}
		}
	}()
	return sm
}

// halt stops sampling and returns the largest value read.
func (sm *sampler) halt() uint64 {
	close(sm.stop)
	sm.wg.Wait()
	return sm.peak
}

// StartHeapPeak collects garbage, notes the heap as the base, and samples
// it every 100 µs until Stop.
func StartHeapPeak() *HeapPeak {
	runtime.GC()
	base := heapBytes([]metrics.Sample{{Name: heapMetric}})
	s := []metrics.Sample{{Name: heapMetric}}
	return &HeapPeak{base: base, s: startSampler(100*time.Microsecond, base, func() uint64 { return heapBytes(s) })}
}

// Stop ends sampling and returns the peak heap above the base, in bytes.
func (h *HeapPeak) Stop() uint64 {
	peak := max(h.s.halt(), heapBytes([]metrics.Sample{{Name: heapMetric}}))
	return peak - h.base
}

// ProcessCPU is the CPU time (user + system) this process has used.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// RSSPeak measures the peak resident memory of this process while an
// operation runs, above what it held before: the kernel's high-water mark
// (VmHWM, reset through /proc/self/clear_refs) and, where that reset is
// not allowed, samples of VmRSS every 200 µs.
type RSSPeak struct {
	base  uint64
	reset bool
	s     *sampler
}

// StartRSSPeak collects garbage and gives the freed memory back to the
// system (debug.FreeOSMemory), so that the base is what is live, then
// starts measuring.
func StartRSSPeak() *RSSPeak {
	debug.FreeOSMemory()
	r := &RSSPeak{}
	r.reset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	r.base, _ = procStatus()
	r.s = startSampler(200*time.Microsecond, r.base, func() uint64 { rss, _ := procStatus(); return rss })
	return r
}

// Stop ends the measure: the peak resident memory above the base, and
// the base, in bytes.
func (r *RSSPeak) Stop() (peak, base uint64) {
	p := r.s.halt()
	rss, hwm := procStatus()
	p = max(p, rss)
	if r.reset {
		p = max(p, hwm)
	}
	return p - min(r.base, p), r.base
}

// procStatus reads VmRSS and VmHWM of this process (bytes; 0 when they
// cannot be read).
func procStatus() (rss, hwm uint64) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// MemoryBandwidth is this machine's memory copy speed now, in bytes per
// second: the best of a few copies of 256 MiB (the baseline a decoder's
// speed is set beside).
func MemoryBandwidth() float64 {
	const size = 256 << 20
	src, dst := make([]byte, size), make([]byte, size)
	for i := range src {
		src[i] = byte(i)
	}
	best := time.Duration(math.MaxInt64)
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		copy(dst, src)
		best = min(best, time.Since(t0))
	}
	return float64(size) / best.Seconds()
}

// Side is one operation of a side-by-side benchmark.
type Side struct {
	Name string
	Op   func() error
}

// SideTimes is what one side took over a run: its totals and each
// iteration's own (Runs), in the order the iterations ran.
type SideTimes struct {
	Wall, CPU, ServerCPU time.Duration
	Runs                 []Run
}

// Run is what one iteration of a side took.
type Run struct {
	Wall, CPU, ServerCPU time.Duration
}

// RunSides runs every side once per iteration, back to back in rotating
// order so that a shared machine's load falls on each alike, and reports
// each side's wall milliseconds per op. Before each, garbage is collected
// and the freed memory given back to the system (debug.FreeOSMemory):
// else a side that follows one that took a lot (client_golang's decode of
// a fleet: a gigabyte) pays for the runtime giving that back while it
// runs, and its own memory comes fresh or not by the order of the sides.
// It returns each side's totals by name: wall time, this process's CPU
// time and, when srv is not nil, the server's.
func RunSides(b *testing.B, srv *Server, sides []Side) map[string]SideTimes {
	b.Helper()
	times := make([]SideTimes, len(sides))
	for i := 0; i < b.N; i++ {
		for j := range sides {
			k := (i + j) % len(sides)
			debug.FreeOSMemory()
			c0, s0 := ProcessCPU(), srv.CPUTime()
			t0 := time.Now()
			if err := sides[k].Op(); err != nil {
				b.Fatalf("%s: %v", sides[k].Name, err)
			}
			r := Run{Wall: time.Since(t0), CPU: ProcessCPU() - c0, ServerCPU: srv.CPUTime() - s0}
			times[k].Wall += r.Wall
			times[k].CPU += r.CPU
			times[k].ServerCPU += r.ServerCPU
			times[k].Runs = append(times[k].Runs, r)
		}
	}
	out := make(map[string]SideTimes, len(sides))
	for k, s := range sides {
		b.ReportMetric(float64(times[k].Wall.Microseconds())/1000/float64(b.N), s.Name+"-ms/op")
		out[s.Name] = times[k]
	}
	return out
}

// Ratio is a's wall time over z's.
func Ratio(t map[string]SideTimes, a, z string) float64 {
	return float64(t[a].Wall) / float64(t[z].Wall)
}

// PairRatios are a's times over z's iteration by iteration — each pair
// ran back to back, so a change in the machine's load or in the
// server's own cost from one request to the next (Prometheus' CPU for
// the same query moves by a fifth) falls on both — summarised as the
// median and the highest, in wall time and in CPU time (this process's
// and the server's together).
type PairRatios struct {
	Wall, WallMax, CPU, CPUMax float64
}

// Pairs compares a with z iteration by iteration (see PairRatios).
func Pairs(t map[string]SideTimes, a, z string) PairRatios {
	ra, rz := t[a].Runs, t[z].Runs
	n := min(len(ra), len(rz))
	wall, cpu := make([]float64, n), make([]float64, n)
	for i := range n {
		wall[i] = float64(ra[i].Wall) / float64(rz[i].Wall)
		cpu[i] = float64(ra[i].CPU+ra[i].ServerCPU) / float64(rz[i].CPU+rz[i].ServerCPU)
	}
	w, wm := medianMax(wall)
	c, cm := medianMax(cpu)
	return PairRatios{Wall: w, WallMax: wm, CPU: c, CPUMax: cm}
}

// medianMax is the median (the mean of the middle two of an even count)
// and the highest of xs, which it sorts; NaN for none.
func medianMax(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	return m, xs[len(xs)-1]
}
