package upstream

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/memshape/memory-datasource/pkg/series"
)

// The work is done for every series, in the order given, beside the
// giver; Stop waits for it and counts the series handled.
func TestBehindDoesTheWorkInOrder(t *testing.T) {
	var got []int
	all := make(chan struct{})
	b := NewBehind(func(i int, s series.Series) {
		got = append(got, i)
		if len(got) == 1000 {
			close(all)
		}
	})
	for i := range 1000 {
		b.Each(i, series.Series{})
	}
	<-all
	assert.Equal(t, 1000, b.Stop())
	for i, v := range got {
		if v != i {
			t.Fatalf("series %d handled at %d", v, i)
		}
	}
	assert.Equal(t, 1000, b.Stop(), "Stop twice is Stop once")
}

// Stop leaves the series still waiting; they are the caller's.
func TestBehindStopLeavesTheRest(t *testing.T) {
	hold := make(chan struct{})
	var once sync.Once
	started := make(chan struct{})
	b := NewBehind(func(i int, s series.Series) {
		once.Do(func() { close(started) })
		<-hold
	})
	for i := range 10 {
		b.Each(i, series.Series{})
	}
	<-started
	done := make(chan int)
	go func() { done <- b.Stop() }()
	for !b.stopped.Load() {
		runtime.Gosched()
	}
	close(hold)
	assert.Equal(t, 1, <-done, "the series in hand is finished, the rest left")
}

// A panic in the work stops it: the series it panicked on and those
// after are left, and the process lives on.
func TestBehindPanicStopsTheWork(t *testing.T) {
	reached := make(chan struct{})
	b := NewBehind(func(i int, s series.Series) {
		if i == 3 {
			close(reached)
			panic("boom")
		}
	})
	for i := range 10 {
		b.Each(i, series.Series{})
	}
	<-reached
	assert.Equal(t, 3, b.Stop())
}
