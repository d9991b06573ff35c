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
	// op: decode the body onto its grid (as the client does), then copy
	// as many bytes as the body (memmove: the least any reader of the
	// body pays to touch it). Reports points/s and bytes/s of both sides
	// and decode/memcpy, and the allocations per point.
	b.Run("vs-memcpy", func(b *testing.B) {
		b.ReportAllocs()
		grid := Grid{Start: 1700000000000, Step: 60000, N: 1440}
		src, dst := []byte(body), make([]byte, len(body))
		var dec, cp time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{Grid: grid}); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			copy(dst, src)
			t2 := time.Now()
			dec += t1.Sub(t0)
			cp += t2.Sub(t1)
		}
		points := float64(1000*1440) * float64(b.N)
		bytes := float64(len(body)) * float64(b.N)
		b.ReportMetric(points/dec.Seconds()/1e6, "decode-Mpoints/s")
		b.ReportMetric(bytes/dec.Seconds()/1e6, "decode-MB/s")
		b.ReportMetric(bytes/cp.Seconds()/1e6, "memcpy-MB/s")
		b.ReportMetric(cp.Seconds()/dec.Seconds(), "decode/memcpy")
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

// threadCPU is the CPU time of the calling thread (Linux).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1
	_ = syscall.Getrusage(rusageThread, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
