package upstream

import (
	"sync"
	"sync/atomic"

	"github.com/memshape/memory-datasource/pkg/series"
)

// Behind runs a caller's work on each series of a streamed answer
// (Query.Each) on a goroutine of its own, in the order the series are
// given, so that it runs beside the decoding of the rest instead of in
// its way: a decoder reads on one core while Prometheus, which has
// built its whole answer before the first byte, has little left to do
// on the other.
//
// Each never blocks (series wait in a queue). Stop ends the work: the
// series in hand is finished, those still waiting are left; the caller
// does what was left itself, where a panic can be reported. A panic in
// the work stops it the same way (the series it panicked on counts as
// left).
type Behind struct {
	work func(i int, s series.Series)

	mu      sync.Mutex
	queue   []given
	stopped atomic.Bool
	wake    chan struct{}
	done    chan struct{}
	handled int // series whose work ended, a prefix of those given
}

type given struct {
	i int
	s series.Series
}

// NewBehind starts work's goroutine; Stop must be called.
func NewBehind(work func(i int, s series.Series)) *Behind {
	b := &Behind{work: work, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go b.run()
	return b
}

// Each queues s (index i) for the work: a Query.Each.
func (b *Behind) Each(i int, s series.Series) {
	b.mu.Lock()
	b.queue = append(b.queue, given{i, s})
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Stop ends the work and waits for the series in hand; it returns how
// many series were handled whole: the first that many given.
func (b *Behind) Stop() int {
	b.stopped.Store(true)
	select {
	case b.wake <- struct{}{}:
	default:
	}
	<-b.done
	return b.handled
}

func (b *Behind) run() {
	defer close(b.done)
	defer func() { _ = recover() }() // left to the caller, who does it again
	var batch []given
	for {
		if b.stopped.Load() {
			return
		}
		b.mu.Lock()
		batch, b.queue = b.queue, batch[:0]
		b.mu.Unlock()
		if len(batch) == 0 {
			<-b.wake
			continue
		}
		for k, g := range batch {
			if b.stopped.Load() {
				return
			}
			b.work(g.i, g.s)
			b.handled++
			batch[k] = given{} // the queue's storage is reused
		}
	}
}
