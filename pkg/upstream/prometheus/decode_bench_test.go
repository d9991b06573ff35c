package prometheus

import (
	"encoding/json"
	"io"
	"math"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/common/model"
)

// BenchmarkDecode compares, on an in-memory body of 1,000 series × 1,440
// points as Prometheus writes it: reading the bytes through the decoder's
// window only (the floor), the streaming decoder, and encoding/json into
// client_golang's model.Matrix (what the client did before).
func BenchmarkDecode(b *testing.B) {
	body := matrixBody(1000, 1440)
	b.Run("read-only", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		buf := make([]byte, readBuf)
		for b.Loop() {
			r := strings.NewReader(body)
			for {
				if _, err := r.Read(buf); err == io.EOF {
					break
				}
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		// The least CPU time one decode took on its thread: what the
		// decoder costs, whatever else the machine runs.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		best := time.Duration(math.MaxInt64)
		for b.Loop() {
			c0 := threadCPU()
			if _, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{}); err != nil {
				b.Fatal(err)
			}
			if d := threadCPU() - c0; d < best {
				best = d
			}
		}
		b.ReportMetric(float64(best.Nanoseconds())/float64(1000*1440), "min-thread-cpu-ns/point")
	})
	// The decoder beside this machine's memory bandwidth, in the same
	// op: decode the body onto its grid (as the client does: timestamps
	// of whole seconds, as a range query's), then copy as many bytes as
	// the body (memmove: the least any reader of the body pays to touch
	// it). Reports, from the least CPU time each side took on its thread
	// (what it costs, whatever else the machine runs): points/s and
	// bytes/s of the decoder, bytes/s of the copy, and the decoder's
	// bytes/s as a fraction of the copy's; the mean wall time of both
	// sides; the allocations per op.
	b.Run("vs-memcpy", func(b *testing.B) {
		b.ReportAllocs()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		grid := Grid{Start: 1700000000000, Step: 60000, N: 1440}
		src, dst := []byte(body), make([]byte, len(body))
		var dec, cp time.Duration
		bestDec, bestCp := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
		for b.Loop() {
			c0, t0 := threadCPU(), time.Now()
			if _, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{Grid: grid}); err != nil {
				b.Fatal(err)
			}
			c1, t1 := threadCPU(), time.Now()
			copy(dst, src)
			c2, t2 := threadCPU(), time.Now()
			dec += t1.Sub(t0)
			cp += t2.Sub(t1)
			bestDec, bestCp = min(bestDec, c1-c0), min(bestCp, c2-c1)
		}
		points, bytes := float64(1000*1440), float64(len(body))
		b.ReportMetric(points/bestDec.Seconds()/1e6, "decode-Mpoints/cpu-s")
		b.ReportMetric(bytes/bestDec.Seconds()/1e6, "decode-MB/cpu-s")
		b.ReportMetric(bytes/bestCp.Seconds()/1e6, "memcpy-MB/cpu-s")
		b.ReportMetric(bestCp.Seconds()/bestDec.Seconds(), "decode÷memcpy-speed")
		b.ReportMetric(float64(bestDec.Nanoseconds())/points, "min-thread-cpu-ns/point")
		b.ReportMetric(points*float64(b.N)/dec.Seconds()/1e6, "wall-decode-Mpoints/s")
		b.ReportMetric(bytes*float64(b.N)/cp.Seconds()/1e6, "wall-memcpy-MB/s")
	})
	b.Run("model-matrix", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var resp struct {
				Data struct {
					Result model.Matrix `json:"result"`
				} `json:"data"`
			}
			raw, _ := io.ReadAll(strings.NewReader(body))
			if err := json.Unmarshal(raw, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// threadCPU is the CPU time of the calling thread (Linux's
// CLOCK_THREAD_CPUTIME_ID: to the nanosecond, where getrusage counts
// clock ticks).
func threadCPU() time.Duration {
	const clockThreadCPUTime = 3
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}
