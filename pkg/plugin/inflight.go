package plugin

import (
	"container/list"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// DefaultInflightBytes is the memory every query of the plugin's process
// may hold at once in decoded samples, whatever its data source: two
// queries at the default cap on memory per query (1 GiB, about 64,000
// series of 7 days). MEMSHAPE_INFLIGHT_BYTES in the plugin's environment
// (e.g. 4GiB) sets another.
const DefaultInflightBytes = 2 << 30

// inflight is the process's budget.
// Its governor keeps the process's memory near what they reserved
// (memlimit.go).
var inflight = func() *budget {
	b := newBudget(inflightLimit())
	b.gov = &governor{}
	return b
}()

func inflightLimit() int64 {
	if v := strings.TrimSpace(os.Getenv("MEMSHAPE_INFLIGHT_BYTES")); v != "" {
		if n, err := units.ParseBytes(v); err == nil && n >= 16<<20 {
			return int64(n)
		}
		logger.Warn("MEMSHAPE_INFLIGHT_BYTES is not a size of 16 MiB or more (e.g. 4GiB): using the default", "value", v, "default", units.FormatBytesIEC(DefaultInflightBytes))
	}
	return DefaultInflightBytes
}

// admit enters a query into the process's budget: the upstream clients
// below ask it for memory as they decode (upstream.Reserve), and release
// gives back all the query took. A query that would pass the budget
// waits for others to finish — except the oldest query in flight, which
// always proceeds, so queries never wait on each other in a circle —
// and fails clearly at its deadline.
func (d *Datasource) admit(ctx context.Context) (context.Context, func()) {
	src := d.settings.Upstream
	if d.up != nil {
		src = d.up.Source()
	}
	t := inflight.enter(src)
	return upstream.WithReserver(ctx, t), t.release
}

// budget is a memory budget shared by the queries in flight.
type budget struct {
	mu     sync.Mutex
	limit  int64
	used   int64
	active *list.List // of *ticket, oldest first
	wake   chan struct{}
	gov    *governor // nil: the process's memory limit is left alone
}

func newBudget(limit int64) *budget {
	return &budget{limit: limit, active: list.New(), wake: make(chan struct{})}
}

// ticket is one query's share.
type ticket struct {
	b    *budget
	el   *list.Element
	held int64
	src  upstream.Source
	once sync.Once
}

func (b *budget) enter(src upstream.Source) *ticket {
	b.mu.Lock()
	t := &ticket{b: b, src: src}
	t.el = b.active.PushBack(t)
	b.mu.Unlock()
	b.gov.update(b)
	return t
}

// Grow takes n more bytes for the query, waiting while the budget is
// spent by other queries.
func (t *ticket) Grow(ctx context.Context, n int64) error {
	b := t.b
	for {
		b.mu.Lock()
		if b.used+n <= b.limit || b.active.Front() == t.el {
			b.used += n
			t.held += n
			b.mu.Unlock()
			b.gov.update(b)
			return nil
		}
		wake := b.wake
		others, used := b.active.Len()-1, b.used
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return &upstream.Error{Source: t.src, Kind: upstream.Busy, Err: ctx.Err(),
				Msg: fmt.Sprintf("the memory for queries in flight (%s, shared by every Memory Shape query of this Grafana) stayed taken by %d other queries (%s) until this query's deadline",
					units.FormatBytesIEC(float64(b.limit)), others, units.FormatBytesIEC(float64(used))),
				Hint: "spread the evaluation of large alert rules, split large queries by namespace or cluster, or give the plugin more memory (MEMSHAPE_INFLIGHT_BYTES in its environment)"}
		}
	}
}

// release gives back what the query took and wakes those waiting.
func (t *ticket) release() {
	t.once.Do(func() {
		b := t.b
		b.mu.Lock()
		b.used -= t.held
		b.active.Remove(t.el)
		close(b.wake)
		b.wake = make(chan struct{})
		b.mu.Unlock()
		b.gov.update(b)
	})
}

// inUse is what the queries in flight hold, and how many there are.
func (b *budget) inUse() (int64, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.active.Len()
}
