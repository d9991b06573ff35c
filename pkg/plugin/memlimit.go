package plugin

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The Go runtime lets the heap grow to twice what was live at the last
// collection before it collects again (GOGC=100). For a query that holds
// its decoded samples while it reads and judges them, that headroom — on
// the samples and on all the process held before — is most of its peak
// resident memory beyond the samples themselves: an alert rule's next
// evaluation at 1,000 series peaked at 1.7× its decoded samples with
// only 0.85× of them live.
//
// While queries are in flight, the governor below sets a soft memory
// limit (debug.SetMemoryLimit) of what the process held when they began
// plus peakPerReserved times the memory they reserved for their decoded
// samples (upstream.Reserve: 8 bytes a point and the labels) plus some
// slack: the runtime then collects before passing it, and gives freed
// pages back, instead of letting the heap double. It never sets the
// limit below liveHeadroom times the heap found live at the last
// collection (a query may hold more than its samples for a moment: a
// workload's samples pooled to be judged, a panel's frames): below that
// the collector would run without pause. While queries are in flight
// the collector also runs only for that limit (GOGC off): the limit is
// what they may take, and collecting each time the heap doubles, on
// the way up to it, only costs CPU — an eighth of the plugin's own
// first alert evaluation, for 1.0–1.1× its decoded samples at its peak
// instead of 0.93–0.97×. When no query is in flight the limit and GOGC
// are what they were before (GOMEMLIMIT's and GOGC's, or their defaults).
const (
	// peakPerReserved is the memory a query may take per byte reserved
	// for its samples: 2 × 8 bytes a point is the samples decoded as
	// 16-byte points (a timestamp and a value), which leaves the slack
	// and the live heap's headroom below 1.5 times them.
	peakPerReserved = 2
	// minSlack is the least headroom above what the process held before
	// (or an eighth of it, if more).
	minSlack = 8 << 20
	// liveHeadroom is the least headroom above the live heap: the
	// runtime collects at most every quarter of the live heap allocated
	// (as GOGC=25 would).
	liveHeadroom = 1.25
	// governorEvery is how often the live heap is looked at while queries
	// are in flight.
	governorEvery = 20 * time.Millisecond
)

// governor sets the process's soft memory limit from the memory the
// queries in flight reserved.
type governor struct {
	mu       sync.Mutex
	busy     bool
	before   int64 // the limit before the queries in flight (math.MaxInt64: none)
	base     int64 // the memory the process held when they began
	reserved int64
	set      int64         // the limit last set
	gcBefore int           // GOGC before the queries in flight
	stop     chan struct{} // closed when the queries in flight end
}

// memSample is the runtime's memory: what counts against a memory limit
// (all it has mapped and not given back) and, of it, the heap found live
// at the last collection and what is not the heap.
type memSample struct {
	live, other int64
}

var memNames = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
}

func readMem() memSample {
	s := make([]metrics.Sample, len(memNames))
	for i, n := range memNames {
		s[i].Name = n
	}
	metrics.Read(s)
	v := make([]int64, len(s))
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = int64(s[i].Value.Uint64())
		}
	}
	// Not the heap's objects or spans: stacks, the runtime's metadata,
	// and what the heap has mapped but not used.
	other := v[1] - v[2] - v[3] - v[4] - v[5]
	return memSample{live: v[0], other: max(other, 0)}
}

// limitFor is the soft memory limit for queries that reserved reserved
// bytes in a process that held base when they began, with the heap live
// at now: never above before (the limit set outside the plugin).
func limitFor(base, reserved int64, now memSample, before int64) int64 {
	floor := now.other + int64(float64(now.live)*liveHeadroom) + minSlack
	return min(max(targetFor(base, reserved), floor), before)
}

// targetFor is the limit for what is reserved, before the live heap's
// floor.
func targetFor(base, reserved int64) int64 {
	return base + peakPerReserved*reserved + max(minSlack, base/8)
}

// target is targetFor the queries in flight.
func (g *governor) target() int64 { return targetFor(g.base, g.reserved) }

// update follows what the queries in flight of b reserved now (read
// under the governor's lock: updates never apply out of order).
func (g *governor) update(b *budget) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	used, active := b.inUse()
	switch {
	case active > 0 && !g.busy:
		g.busy = true
		g.before = debug.SetMemoryLimit(-1)
		now := readMem()
		g.base = now.live + now.other
		g.reserved = used
		g.set = 0
		g.stop = make(chan struct{})
		go g.watch(g.stop)
		g.apply(now)
		g.gcBefore = debug.SetGCPercent(-1) // after the limit: never neither
	case active > 0:
		// Asked on every reservation (a decoder reserves per series):
		// the runtime's memory is read again only when what is reserved
		// moves the limit; the watch keeps the live heap's floor.
		g.reserved = used
		if t := min(g.target(), g.before); g.set != 0 && t < g.set+g.set/16 && t > g.set-g.set/16 {
			return
		}
		g.apply(readMem())
	case g.busy:
		g.busy = false
		close(g.stop)
		debug.SetGCPercent(g.gcBefore)
		debug.SetMemoryLimit(g.before)
	}
}

// apply sets the limit for what is reserved now, when it moved by more
// than a sixteenth (setting it stops the world for a moment).
func (g *governor) apply(now memSample) {
	l := limitFor(g.base, g.reserved, now, g.before)
	if g.set != 0 && l < g.set+g.set/16 && l > g.set-g.set/16 {
		return
	}
	debug.SetMemoryLimit(l)
	g.set = l
}

// watch raises the limit while queries are in flight when the live heap
// nears it.
func (g *governor) watch(stop chan struct{}) {
	t := time.NewTicker(governorEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		g.mu.Lock()
		if g.busy && g.stop == stop {
			g.apply(readMem())
		}
		g.mu.Unlock()
	}
}
