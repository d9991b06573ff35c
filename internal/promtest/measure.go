package promtest

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"
)

// HeapPeak samples the Go heap (bytes in live and not yet swept objects)
// while a benchmark's operation runs, for reporting its peak memory.
type HeapPeak struct {
	base uint64
	peak uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapBytes(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// StartHeapPeak collects garbage, notes the heap as the base, and samples
// it every 100 µs until Stop.
func StartHeapPeak() *HeapPeak {
	runtime.GC()
	s := []metrics.Sample{{Name: heapMetric}}
	h := &HeapPeak{base: heapBytes(s), stop: make(chan struct{})}
	h.peak = h.base
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s := []metrics.Sample{{Name: heapMetric}}
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			if v := heapBytes(s); v > h.peak {
				h.peak = v
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the peak heap above the base, in bytes.
func (h *HeapPeak) Stop() uint64 {
	close(h.stop)
	h.wg.Wait()
	if v := heapBytes([]metrics.Sample{{Name: heapMetric}}); v > h.peak {
		h.peak = v
	}
	return h.peak - h.base
}

// ProcessCPU is the CPU time (user + system) this process has used.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
