package plugin

import (
	"context"
	"reflect"
	"sync"
	"unsafe"

	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// sinceClient is an upstream client that can tell a caller its answer is
// the one the caller already holds (the cache: cache.QueryRangeSince).
type sinceClient interface {
	QueryRangeSince(ctx context.Context, q upstream.Query, since uint64) (upstream.Result, uint64, bool, error)
}

// verdictKey is what a query's judged items depend on besides the
// analysis window's samples: the window's query and step, who asked (the
// cache keeps identities apart), how series are grouped and the options
// of the verdicts — one entry per alert rule, whatever its window's end.
// The samples are named by the cache's answer identity; the window, the
// limits and the active cut are compared when reused.
type verdictKey struct {
	expr              string
	step              int64
	identity          string
	by                string
	opt               shape.Options
	maxSeries, maxPts int
}

// judged is one query's judged items, reused while the samples they were
// judged from, the limits and the active cut stay the same. The items
// are never changed once kept: frames are built from them afresh.
type judged struct {
	start, end int64 // the analysis window, ms
	answer     uint64
	lastSample int64
	limits     limitSet
	activeFrom int64
	items      []frames.Item
	notes      []string
	bytes      int64
}

// verdictMemo keeps the latest judged items of the queries that show no
// series (alert rules, verdict tables, annotations), within a byte
// budget of its own; the least recently kept go first. An alert rule
// evaluated every minute over a 7-day window at 5 minutes finds its
// samples unchanged four times in five: its verdicts are reused then,
// with neither the samples unpacked nor a series judged again.
type verdictMemo struct {
	mu      sync.Mutex
	max     int64
	bytes   int64
	entries map[verdictKey]*judged
	order   []verdictKey // least recently kept first
	reused  int64
}

func newVerdictMemo(maxBytes int64) *verdictMemo {
	return &verdictMemo{max: maxBytes, entries: map[verdictKey]*judged{}}
}

// get is what is kept for k (nil when nothing).
func (m *verdictMemo) get(k verdictKey) *judged {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries[k]
}

// put keeps j for k, replacing what was kept, and drops the least
// recently kept past the budget; j alone over the budget, or judged from
// an answer without identity, is not kept.
func (m *verdictMemo) put(k verdictKey, j *judged) {
	if m == nil {
		return
	}
	j.bytes = judgedBytes(j)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop(k)
	if j.answer == 0 || j.bytes > m.max { // samples without an identity: nothing to reuse by
		return
	}
	m.entries[k] = j
	m.order = append(m.order, k)
	m.bytes += j.bytes
	for m.bytes > m.max && len(m.order) > 0 {
		m.drop(m.order[0])
	}
}

func (m *verdictMemo) drop(k verdictKey) {
	old, ok := m.entries[k]
	if !ok {
		return
	}
	delete(m.entries, k)
	m.bytes -= old.bytes
	for i, o := range m.order {
		if o == k {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
}

// reuse counts one reuse.
func (m *verdictMemo) reuse() {
	m.mu.Lock()
	m.reused++
	m.mu.Unlock()
}

// Reused is how many times a query's verdicts were reused.
func (m *verdictMemo) Reused() int64 {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reused
}

// usable reports whether j still holds for this window, these limits and
// this active cut.
func (j *judged) usable(start, end int64, limits limitSet, activeFrom int64) bool {
	return j.start == start && j.end == end && j.activeFrom == activeFrom && reflect.DeepEqual(j.limits, limits)
}

// judgedBytes is about what kept items take: their labels, verdicts,
// workloads and notes.
func judgedBytes(j *judged) int64 {
	n := int64(256)
	for _, s := range j.notes {
		n += int64(len(s)) + 16
	}
	seen := map[*workload.Workload]bool{}
	for i := range j.items {
		it := &j.items[i]
		n += int64(unsafe.Sizeof(*it)) + labelBytes(it.Labels)
		v := &it.Verdict
		n += int64(len(v.Explanation)+len(v.Reason)) + int64(len(v.Components))*16 +
			int64(len(v.Jumps))*int64(unsafe.Sizeof(shape.Jump{})) +
			int64(len(v.Lifetimes))*int64(unsafe.Sizeof(shape.Lifetime{})) +
			int64(len(v.Fits))*int64(unsafe.Sizeof(shape.Fit{}))
		if v.Pool != nil {
			n += 512
		}
		if w := it.Workload; w != nil && !seen[w] {
			seen[w] = true
			n += int64(unsafe.Sizeof(*w)) + labelBytes(w.Labels) +
				int64(len(w.Members))*int64(unsafe.Sizeof(workload.Member{})+32) +
				int64(len(w.Rollouts))*int64(unsafe.Sizeof(workload.Rollout{}))
		}
	}
	return n
}

func labelBytes(l map[string]string) int64 {
	n := int64(48)
	for k, v := range l {
		n += int64(len(k)+len(v)) + 48
	}
	return n
}
