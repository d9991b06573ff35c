// Package cache keeps the answers of recent range queries so that
// evaluating the same query again — an alert rule every minute, a
// dashboard refreshing — fetches only the samples newer than what is held.
//
// It decorates any upstream.Client. One Cache belongs to one data source
// instance and is bounded in entries and bytes. A held answer is reused
// only for the same expression, step, step phase (start modulo step) and
// identity (Query.CacheKey), and only up to a settled point: samples can
// arrive late (scrape and rule-evaluation delays, remote write), so
// everything after (fetch time - Overlap) is fetched again every time.
// The answer returned is the one a fresh fetch would give.
//
// Expressions whose points depend on the query's range rather than on
// their own time (the @ modifier, as in `x @ end()`; negative offsets,
// which look past the point) are never cached.
//
// Callers get the most from it when they align Start and End to the step
// (as Grafana's Prometheus data source does), so that an evaluation a
// minute later keeps the step phase, and when they set Query.MaxSeries and
// Query.MaxPoints: a merged answer is held to those caps (to the upstream
// package's defaults when they are 0), as a fresh one would be.
package cache

import (
	"container/list"
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Defaults for Config's zero fields.
const (
	DefaultMaxEntries = 64
	DefaultMaxBytes   = 256 << 20
	// DefaultOverlap is how far back from the time of the last fetch
	// samples are assumed to still arrive: Grafana's own default for
	// incremental Prometheus queries.
	DefaultOverlap = 10 * time.Minute
	// DefaultMaxAge bounds how long an answer is extended before it is
	// fetched whole again, for what no overlap catches (deleted series,
	// backfilled blocks, out-of-order ingestion).
	DefaultMaxAge = time.Hour
)

// Config bounds a Cache.
type Config struct {
	MaxEntries int
	MaxBytes   int64
	Overlap    time.Duration
	MaxAge     time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Stats counts what the cache did.
type Stats struct {
	// Misses fetched the whole range; Extends fetched only the newest
	// part; Hits fetched nothing; Bypassed were not cacheable.
	Misses, Extends, Hits, Bypassed int64
	// Entries and Bytes are what is held now.
	Entries int
	Bytes   int64
}

// Cache is an upstream.Client that remembers answers.
type Cache struct {
	next upstream.Client
	cfg  Config

	mu      sync.Mutex
	lru     *list.List // of *entry, most recent first
	entries map[key]*list.Element
	bytes   int64
	stats   Stats
}

var _ upstream.Client = (*Cache)(nil)

type key struct {
	expr     string
	step     int64 // ms
	phase    int64 // start modulo step, ms
	identity string
}

type entry struct {
	key        key
	start, end int64 // ms, the range held (both on the step grid)
	fetched    time.Time
	created    time.Time
	series     []series.Series
	sorted     bool // in Prometheus' label order
	warnings   []string
	bytes      int64
}

// New returns a cache in front of next.
func New(next upstream.Client, cfg Config) *Cache {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = DefaultOverlap
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cache{next: next, cfg: cfg, lru: list.New(), entries: map[key]*list.Element{}}
}

// Source is the upstream's.
func (c *Cache) Source() upstream.Source { return c.next.Source() }

// Health is the upstream's.
func (c *Cache) Health(ctx context.Context) (string, error) { return c.next.Health(ctx) }

// Stats says what the cache did so far.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = c.lru.Len(), c.bytes
	return s
}

// rangeDependent finds expressions whose points depend on the query's
// range: the @ modifier and negative offsets.
var rangeDependent = regexp.MustCompile(`@|(?i:offset)\s*-`)

// QueryRange answers q from what is held plus a fetch of what is newer
// than its settled part, or by a fetch of the whole range.
func (c *Cache) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	step := q.Step.Milliseconds()
	start, end := q.Start.UnixMilli(), q.End.UnixMilli()
	if step <= 0 || end < start || time.Duration(step)*time.Millisecond != q.Step || rangeDependent.MatchString(q.Expr) {
		c.count(func(s *Stats) { s.Bypassed++ })
		return c.next.QueryRange(ctx, q)
	}
	k := key{expr: q.Expr, step: step, phase: mod(start, step), identity: q.CacheKey}
	// The last point of the grid the query asks for.
	last := start + (end-start)/step*step

	now := c.cfg.Now()
	held := c.get(k)
	if held == nil || start < held.start || now.Sub(held.created) > c.cfg.MaxAge {
		return c.fetchWhole(ctx, q, k, start, last, now)
	}
	settled := held.end
	if lim := held.fetched.Add(-c.cfg.Overlap).UnixMilli(); lim < settled {
		settled = lim
	}
	if settled > last {
		settled = last
	}
	settled = start + floorDiv(settled-start, step)*step // on the grid
	if settled < start {
		return c.fetchWhole(ctx, q, k, start, last, now)
	}

	res := upstream.Result{}
	var fresh upstream.Result
	sorted := held.sorted
	fetched := held.fetched
	if settled < last {
		dq := q
		dq.Start = time.UnixMilli(settled + step)
		var err error
		fresh, err = c.next.QueryRange(ctx, dq)
		if err != nil {
			return upstream.Result{}, err
		}
		if !onGrid(fresh.Series, settled+step, last, step) {
			c.drop(k)
			return c.fetchWhole(ctx, q, k, start, last, now)
		}
		sorted = sorted && isSorted(fresh.Series)
		fetched = now
		c.count(func(s *Stats) { s.Extends++ })
	} else {
		c.count(func(s *Stats) { s.Hits++ })
	}
	merged, err := merge(held.series, fresh.Series, start, settled, last, sorted, q, c.next.Source())
	if err != nil {
		return upstream.Result{}, err
	}
	res.Series = merged
	res.Warnings = union(held.warnings, fresh.Warnings)
	c.put(&entry{key: k, start: start, end: last, fetched: fetched, created: held.created,
		series: merged, sorted: sorted, warnings: res.Warnings})
	return res, nil
}

func (c *Cache) fetchWhole(ctx context.Context, q upstream.Query, k key, start, last int64, now time.Time) (upstream.Result, error) {
	c.count(func(s *Stats) { s.Misses++ })
	res, err := c.next.QueryRange(ctx, q)
	if err != nil {
		return res, err
	}
	// Only answers on the grid the query asked for, in time order, can
	// be extended.
	if !onGrid(res.Series, start, last, k.step) {
		c.drop(k)
		return res, nil
	}
	c.put(&entry{key: k, start: start, end: last, fetched: now, created: now,
		series: res.Series, sorted: isSorted(res.Series), warnings: res.Warnings})
	return res, nil
}

// merge joins the held points in [start, settled] with the fresh ones
// (after settled), series matched by their labels; series left without
// points are dropped, as a fresh fetch would not return them.
func merge(held, fresh []series.Series, start, settled, last int64, sorted bool, q upstream.Query, src upstream.Source) ([]series.Series, error) {
	type slot struct {
		old, new *series.Series
	}
	order := make([]string, 0, len(held)+len(fresh))
	slots := make(map[string]*slot, len(held)+len(fresh))
	for i := range held {
		id := labelKey(held[i].Labels)
		slots[id] = &slot{old: &held[i]}
		order = append(order, id)
	}
	for i := range fresh {
		id := labelKey(fresh[i].Labels)
		if s, ok := slots[id]; ok {
			s.new = &fresh[i]
			continue
		}
		slots[id] = &slot{new: &fresh[i]}
		order = append(order, id)
	}
	maxSeries, maxPoints := q.MaxSeries, q.MaxPoints
	if maxSeries <= 0 {
		maxSeries = upstream.DefaultMaxSeries
	}
	if maxPoints <= 0 {
		maxPoints = upstream.DefaultMaxPoints
	}
	out := make([]series.Series, 0, len(order))
	points := 0
	for _, id := range order {
		sl := slots[id]
		var lo, hi int
		var labels map[string]string
		if sl.old != nil {
			labels = sl.old.Labels
			lo, _ = slices.BinarySearch(sl.old.T, start)
			hi, _ = slices.BinarySearch(sl.old.T, settled+1)
		}
		n := hi - lo
		var nt []int64
		if sl.new != nil {
			labels = sl.new.Labels
			// Only what lies after the settled part and on the asked grid.
			a, _ := slices.BinarySearch(sl.new.T, settled+1)
			b, _ := slices.BinarySearch(sl.new.T, last+1)
			nt = sl.new.T[a:b]
			n += len(nt)
			if n == 0 {
				continue
			}
			s := series.Series{Labels: labels, T: make([]int64, 0, n), V: make([]float64, 0, n)}
			if sl.old != nil {
				s.T = append(s.T, sl.old.T[lo:hi]...)
				s.V = append(s.V, sl.old.V[lo:hi]...)
			}
			s.T = append(s.T, nt...)
			s.V = append(s.V, sl.new.V[a:b]...)
			out = append(out, s)
		} else {
			if n == 0 {
				continue
			}
			out = append(out, series.Series{Labels: labels, T: slices.Clone(sl.old.T[lo:hi]), V: slices.Clone(sl.old.V[lo:hi])})
		}
		points += n
		if len(out) > maxSeries {
			return nil, upstream.TooManySeries(src, maxSeries)
		}
		if points > maxPoints {
			return nil, upstream.TooManyPoints(src, maxPoints)
		}
	}
	if sorted {
		sort.SliceStable(out, func(i, j int) bool { return compareLabels(out[i].Labels, out[j].Labels) < 0 })
	}
	return out, nil
}

// onGrid reports whether every series' timestamps increase and lie on
// the grid from first to last.
func onGrid(ss []series.Series, first, last, step int64) bool {
	for _, s := range ss {
		prev := first - step
		for _, t := range s.T {
			if t <= prev || t > last || mod(t-first, step) != 0 {
				return false
			}
			prev = t
		}
	}
	return true
}

func (c *Cache) drop(k key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		c.remove(el)
	}
}

func (c *Cache) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

func (c *Cache) get(k key) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*entry)
}

// put stores e in place of what was held for its key, then evicts the
// least recently used entries until the bounds hold. An entry bigger
// than the byte bound is not kept.
func (c *Cache) put(e *entry) {
	e.bytes = size(e)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		c.remove(el)
	}
	if e.bytes > c.cfg.MaxBytes {
		return
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.bytes += e.bytes
	for c.lru.Len() > c.cfg.MaxEntries || c.bytes > c.cfg.MaxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.bytes -= e.bytes
}

// size estimates what an entry holds in memory.
func size(e *entry) int64 {
	n := int64(len(e.key.expr)+len(e.key.identity)) + 200
	for _, s := range e.series {
		n += 64 + int64(len(s.T))*8 + int64(len(s.V))*8
		for k, v := range s.Labels {
			n += int64(len(k)+len(v)) + 32
		}
	}
	for _, w := range e.warnings {
		n += int64(len(w)) + 16
	}
	return n
}

func union(a, b []string) []string {
	if len(b) == 0 {
		return slices.Clone(a)
	}
	out := slices.Clone(a)
	for _, w := range b {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// labelKey identifies a label set.
func labelKey(l map[string]string) string {
	names := make([]string, 0, len(l))
	for k := range l {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(l[k])
		b.WriteByte(0)
	}
	return b.String()
}

// compareLabels orders label sets as Prometheus sorts a range query's
// series: pairwise by name then value, in name order; a prefix first.
func compareLabels(a, b map[string]string) int {
	an, bn := sortedNames(a), sortedNames(b)
	for i := 0; i < len(an) && i < len(bn); i++ {
		if c := strings.Compare(an[i], bn[i]); c != 0 {
			return c
		}
		if c := strings.Compare(a[an[i]], b[bn[i]]); c != 0 {
			return c
		}
	}
	return len(an) - len(bn)
}

func sortedNames(l map[string]string) []string {
	names := make([]string, 0, len(l))
	for k := range l {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func isSorted(ss []series.Series) bool {
	for i := 1; i < len(ss); i++ {
		if compareLabels(ss[i-1].Labels, ss[i].Labels) > 0 {
			return false
		}
	}
	return true
}

func mod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
