package plugin

import (
	"context"
	"math"
	"runtime/debug"
	"testing"
)

func TestLimitForFollowsReservedAboveLiveHeap(t *testing.T) {
	const mib = 1 << 20
	quiet := memSample{live: 10 * mib, other: 5 * mib}
	// A process that held 64 MiB and reserved 100 MiB for samples: 64 +
	// 2×100 + the slack (8 MiB, or an eighth of what it held).
	if got, want := limitFor(64*mib, 100*mib, quiet, math.MaxInt64), int64(64*mib+200*mib+8*mib); got != want {
		t.Errorf("limit %d MiB, want %d MiB", got/mib, want/mib)
	}
	if got, want := limitFor(800*mib, 100*mib, quiet, math.MaxInt64), int64(800*mib+200*mib+100*mib); got != want {
		t.Errorf("limit %d MiB with a large base, want %d MiB (an eighth of it as slack)", got/mib, want/mib)
	}
	// The live heap grew past what was reserved (a workload pooled to be
	// judged): the limit stays a quarter above it, so the collector
	// does not run without pause.
	busy := memSample{live: 600 * mib, other: 20 * mib}
	if got, want := limitFor(64*mib, 100*mib, busy, math.MaxInt64), int64(20*mib+750*mib+8*mib); got != want {
		t.Errorf("limit %d MiB under a live heap of 600 MiB, want %d MiB", got/mib, want/mib)
	}
	// GOMEMLIMIT (or another limit set before) is never raised.
	if got := limitFor(64*mib, 100*mib, busy, 300*mib); got != 300*mib {
		t.Errorf("limit %d MiB, want the 300 MiB set before", got/mib)
	}
}

func TestGovernorSetsLimitWhileQueriesAreInFlightAndRestoresIt(t *testing.T) {
	const before = 1 << 40
	old := debug.SetMemoryLimit(before)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	const gcBefore = 150
	oldGC := debug.SetGCPercent(gcBefore)
	t.Cleanup(func() { debug.SetGCPercent(oldGC) })

	b := newBudget(1 << 40)
	b.gov = &governor{}
	first := b.enter("test")
	if err := first.Grow(context.Background(), 256<<20); err != nil {
		t.Fatal(err)
	}
	second := b.enter("test")
	if err := second.Grow(context.Background(), 256<<20); err != nil {
		t.Fatal(err)
	}
	got := debug.SetMemoryLimit(-1)
	if gc := debug.SetGCPercent(-1); gc != -1 {
		t.Errorf("GOGC %d while queries are in flight, want off (the limit decides)", gc)
	}
	base := b.gov.base
	if want := base + 2*512<<20; got < want || got >= before {
		t.Errorf("limit with 512 MiB reserved over a base of %d MiB: %d MiB, want at least %d MiB and below the one set before", base>>20, got>>20, want>>20)
	}
	first.release()
	if l := debug.SetMemoryLimit(-1); l == before {
		t.Errorf("limit restored while a query is still in flight")
	}
	second.release()
	if l := debug.SetMemoryLimit(-1); l != before {
		t.Errorf("limit after the queries ended: %d, want %d as before", l, int64(before))
	}
	if gc := debug.SetGCPercent(-1); gc != gcBefore {
		t.Errorf("GOGC after the queries ended: %d, want %d as before", gc, gcBefore)
	}
}
