// Package cache keeps the samples of recent range queries so that
// evaluating a query again — an alert rule every minute, a dashboard
// refreshing — fetches only the samples newer than what is held.
//
// It decorates any upstream.Client. One Cache belongs to one data source
// instance and holds its samples compactly (chunk: the grid's times are
// not stored, values as packed integer differences, about 3 bytes a
// sample for a memory series) within a byte budget (Config.MaxBytes,
// 512 MiB by default), evicting the series used least recently when it
// is spent. What is held is per series: every query that selects a
// series with a plain selector (`mem{pod=~"api-.*"}`, `mem`) shares it,
// at the same step and step phase and for the same identity
// (Query.CacheKey); other expressions keep their series to themselves.
//
// Samples can arrive late (scrape and rule-evaluation delays, remote
// write), so everything after (fetch time - Overlap) is fetched again
// every time, and an answer older than MaxAge is fetched whole again.
// The answer returned is the one a fresh fetch would give, bit for bit.
//
// Expressions whose points depend on the query's range rather than on
// their own time (the @ modifier, as in `x @ end()`; negative offsets,
// which look past the point) are never cached.
//
// Callers get the most from it when they align Start and End to the step
// (as Grafana's Prometheus data source does), so that an evaluation a
// minute later keeps the step phase, and when they set the query's caps:
// an answer built from what is held is held to them (to the upstream
// package's defaults when they are 0), as a fresh one would be.
package cache

import (
	"container/list"
	"context"
	"math"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Defaults for Config's zero fields.
const (
	// DefaultMaxBytes is the budget of one cache: at about 3 bytes a
	// sample, 80,000 series of 7 days at 5 minutes.
	DefaultMaxBytes = 512 << 20
	// DefaultMaxEntries is how many queries are remembered (each holds
	// only references to its series).
	DefaultMaxEntries = 1024
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
	// MaxBytes is the budget for held samples (what chunks, labels and
	// bookkeeping take).
	MaxBytes   int64
	MaxEntries int
	// QueryMaxBytes caps the memory of one answer built from what is
	// held, for queries that set no MaxBytes (0:
	// upstream.DefaultMaxBytes): the client's own cap, for a fresh fetch.
	QueryMaxBytes int64
	Overlap       time.Duration
	MaxAge        time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Stats counts what the cache did.
type Stats struct {
	// Misses fetched the whole range; Extends fetched only the newest
	// part; Hits fetched nothing; Bypassed were not cacheable.
	Misses, Extends, Hits, Bypassed int64
	// Unchanged counts answers not built again: the caller held them
	// (QueryRangeSince) and nothing in them changed.
	Unchanged int64
	// Evicted counts series dropped for the byte budget.
	Evicted int64
	// Entries (queries), Series, Samples and Bytes are what is held now.
	Entries int
	Series  int
	Samples int64
	Bytes   int64
}

// Cache is an upstream.Client that remembers samples.
type Cache struct {
	next upstream.Client
	cfg  Config

	mu      sync.Mutex
	series  map[seriesKey]*held
	head    *held // most recently used
	tail    *held
	queries map[queryKey]*list.Element // of *query
	qlru    *list.List
	bytes   int64
	samples int64
	stats   Stats
	answers uint64 // the last answer identity given out
}

var _ upstream.Client = (*Cache)(nil)

type queryKey struct {
	expr     string
	step     int64 // ms
	phase    int64 // start modulo step, ms
	identity string
}

// seriesKey names one series' samples: values is the expression for
// anything but a plain selector, whose series are shared ("").
type seriesKey struct {
	values   string
	step     int64
	phase    int64
	identity string
	labels   string // series.Key
}

// held is one series' samples, known complete over [from, to].
type held struct {
	key     seriesKey
	labels  map[string]string
	from    int64
	to      int64
	chunks  []chunk // replaced whole, never changed in place
	samples int
	bytes   int64
	ver     uint64
	gone    bool // evicted
	prev    *held
	next    *held
}

// query is what one query asked for last: its series, in order.
type query struct {
	key      queryKey
	start    int64
	last     int64
	fetched  time.Time
	created  time.Time
	refs     []*held
	sorted   bool // in Prometheus' label order
	warnings []string
	// answer identifies the answer its series hold, as they were at
	// install (vers: each ref's version then); 0 when they do not hold
	// exactly the answer last returned.
	answer uint64
	vers   []uint64
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
	return &Cache{next: next, cfg: cfg, series: map[seriesKey]*held{}, queries: map[queryKey]*list.Element{}, qlru: list.New()}
}

// Source is the upstream's.
func (c *Cache) Source() upstream.Source { return c.next.Source() }

// Health is the upstream's.
func (c *Cache) Health(ctx context.Context) (string, error) { return c.next.Health(ctx) }

// Stats says what the cache did so far and what it holds.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Series, s.Samples, s.Bytes = c.qlru.Len(), len(c.series), c.samples, c.bytes
	return s
}

// rangeDependent finds expressions whose points depend on the query's
// range: the @ modifier and negative offsets.
var rangeDependent = regexp.MustCompile(`@|(?i:offset)\s*-`)

// view is a series as held when a query read it.
type view struct {
	h      *held
	ver    uint64
	chunks []chunk
	labels map[string]string
}

// QueryRange answers q from what is held plus a fetch of what is newer
// than its settled part, or by a fetch of the whole range.
func (c *Cache) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	res, _, _, err := c.QueryRangeSince(ctx, q, 0)
	return res, err
}

// QueryRangeSince is QueryRange for a caller that may still hold an
// earlier answer to q, identified by since (an identity this method
// returned; 0 for none). It returns the answer and its identity (0 when
// it has none): two answers with the same identity are the same series
// and samples, bit for bit. When the answer would be the one since names
// — nothing new fetched, or what was fetched again equal to what is held
// — it builds nothing and returns unchanged, with the answer's warnings
// and no series: the caller uses what it holds. An alert rule evaluated
// every minute over a window at a coarser step finds its answer
// unchanged until the window's next step.
func (c *Cache) QueryRangeSince(ctx context.Context, q upstream.Query, since uint64) (res upstream.Result, id uint64, unchanged bool, err error) {
	step := q.Step.Milliseconds()
	start, end := q.Start.UnixMilli(), q.End.UnixMilli()
	if step <= 0 || end < start || time.Duration(step)*time.Millisecond != q.Step || rangeDependent.MatchString(q.Expr) {
		c.count(func(s *Stats) { s.Bypassed++ })
		res, err = c.next.QueryRange(ctx, q)
		return res, 0, false, err
	}
	k := queryKey{expr: q.Expr, step: step, phase: mod(start, step), identity: q.CacheKey}
	// The last point of the grid the query asks for.
	last := start + (end-start)/step*step
	now := c.cfg.Now()

	qe, entry, views, settled, ok := c.lookup(k, start, last, now)
	if !ok {
		return c.fetchWhole(ctx, q, k, start, last, now)
	}
	// The answer the held series make is the one last returned (and the
	// caller's, when since names it).
	same := qe.answer != 0 && start == qe.start && last == qe.last && len(views) == len(qe.vers)
	for i := 0; same && i < len(views); i++ {
		same = views[i].ver == qe.vers[i]
	}
	var fresh upstream.Result
	fetched := qe.fetched
	if settled < last {
		dq := q
		dq.Start = time.UnixMilli(settled + step)
		dq.Each = nil // its series are not the answer's
		if fresh, err = c.next.QueryRange(ctx, dq); err != nil {
			return upstream.Result{}, 0, false, err
		}
		fetched = now
		c.count(func(s *Stats) { s.Extends++ })
	} else {
		c.count(func(s *Stats) { s.Hits++ })
	}
	if same && since == qe.answer && (settled == last || sameTail(views, fresh, settled, last, step)) {
		// Nothing new: what was fetched again is what is held.
		warnings := union(qe.warnings, fresh.Warnings)
		c.mu.Lock()
		if el, ok := c.queries[k]; ok && el.Value == entry {
			entry.fetched, entry.warnings = fetched, warnings
		}
		c.stats.Unchanged++
		c.mu.Unlock()
		return upstream.Result{Warnings: warnings}, since, true, nil
	}
	a := answer{c: c, q: q, k: k, start: start, settled: settled, last: last, step: step}
	res, ok, err = a.build(ctx, views, fresh, qe.sorted)
	if err != nil {
		return upstream.Result{}, 0, false, err
	}
	if !ok {
		// The fresh part is off the grid: start over.
		c.dropQuery(k)
		return c.fetchWhole(ctx, q, k, start, last, now)
	}
	res.Warnings = union(qe.warnings, fresh.Warnings)
	if !a.changed && start == qe.start && len(a.refs) == len(qe.refs) {
		// A hit: nothing held changes.
		if same {
			id = qe.answer
		}
		return res, id, false, nil
	}
	id = c.install(&query{key: k, start: start, last: last, fetched: fetched, created: qe.created,
		sorted: a.sorted, warnings: res.Warnings}, a.updates, a.refs)
	return res, id, false, nil
}

// sameTail reports whether fresh, fetched again over (settled, last], is
// what the held series (views) have there, bit for bit: the same series
// with the same samples, none new, none gone.
func sameTail(views []view, fresh upstream.Result, settled, last, step int64) bool {
	byLabels := make(map[string]*series.Series, len(fresh.Series))
	for i := range fresh.Series {
		if len(fresh.Series[i].T) > 0 {
			k := series.Key(fresh.Series[i].Labels)
			if byLabels[k] != nil {
				return false // label sets that repeat: built as they come
			}
			byLabels[k] = &fresh.Series[i]
		}
	}
	var ts []int64
	var vs []float64
	matched := 0
	for _, v := range views {
		ts, vs = ts[:0], vs[:0]
		for ci := range v.chunks {
			ch := &v.chunks[ci]
			if ch.t1 <= settled || ch.t0 > last {
				continue
			}
			at := len(ts)
			vs = ch.decode(&ts, vs, step)
			// Keep (settled, last].
			lo, hi := at, len(ts)
			for lo < hi && ts[lo] <= settled {
				lo++
			}
			for hi > lo && ts[hi-1] > last {
				hi--
			}
			ts = append(ts[:at], ts[lo:hi]...)
			vs = append(vs[:at], vs[lo:hi]...)
		}
		f := byLabels[v.h.key.labels]
		if f == nil {
			if len(ts) > 0 {
				return false // gone from the fresh answer
			}
			continue
		}
		matched++
		if len(f.T) != len(ts) {
			return false
		}
		for i := range ts {
			if f.T[i] != ts[i] || math.Float64bits(f.V[i]) != math.Float64bits(vs[i]) {
				return false
			}
		}
	}
	return matched == len(byLabels) // no new series
}

// lookup finds what is held for k and whether it can answer [start,
// last] at now: every series it refers to still held and known over
// [start, settled].
func (c *Cache) lookup(k queryKey, start, last int64, now time.Time) (qe query, e *query, views []view, settled int64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, found := c.queries[k]
	if !found {
		return qe, nil, nil, 0, false
	}
	e = el.Value.(*query)
	if start < e.start || now.Sub(e.created) > c.cfg.MaxAge {
		return qe, nil, nil, 0, false
	}
	settled = min(e.last, e.fetched.Add(-c.cfg.Overlap).UnixMilli(), last)
	settled = start + floorDiv(settled-start, k.step)*k.step // on the grid
	if settled < start {
		return qe, nil, nil, 0, false
	}
	views = make([]view, len(e.refs))
	for i, h := range e.refs {
		if h.gone || h.from > start || h.to < settled {
			return qe, nil, nil, 0, false
		}
		views[i] = view{h: h, ver: h.ver, chunks: h.chunks, labels: h.labels}
	}
	c.qlru.MoveToFront(el)
	for _, h := range e.refs {
		c.touch(h)
	}
	return *e, e, views, settled, true
}

func (c *Cache) fetchWhole(ctx context.Context, q upstream.Query, k queryKey, start, last int64, now time.Time) (upstream.Result, uint64, bool, error) {
	c.count(func(s *Stats) { s.Misses++ })
	a := answer{c: c, q: q, k: k, start: start, settled: start - k.step, last: last, step: k.step}
	// Each series is packed as soon as it is read (a client that streams
	// its answer), on a goroutine beside the decoder's: the decoding of
	// the rest waits for neither. What is not packed when the answer ends
	// is packed by keep, on every core. The caller's Each is given every
	// series as it comes.
	fq := q
	behind := upstream.NewBehind(func(i int, s series.Series) {
		for len(a.early) <= i {
			a.early = append(a.early, early{})
		}
		chunks, ok := a.pack(nil, s.T, s.V)
		a.early[i] = early{s: series.Series{T: s.T, V: s.V}, chunks: chunks, ok: ok}
	})
	fq.Each = func(i int, s series.Series) {
		behind.Each(i, s)
		if q.Each != nil {
			q.Each(i, s)
		}
	}
	res, err := c.next.QueryRange(ctx, fq)
	behind.Stop()
	if err != nil {
		return res, 0, false, err
	}
	if !a.keep(res) {
		// Only answers on the grid the query asked for, in time order,
		// can be extended.
		c.dropQuery(k)
		return res, 0, false, nil
	}
	id := c.install(&query{key: k, start: start, last: last, fetched: now, created: now,
		sorted: a.sorted, warnings: res.Warnings}, a.updates, a.refs)
	return res, id, false, nil
}

// update is what an answer changes of one series: its new chunks, made
// from the view it read (or a new series when h is nil).
type update struct {
	v       view
	key     seriesKey
	labels  map[string]string
	chunks  []chunk
	n       int
	changed bool
}

// answer builds one query's answer from what is held and what was
// fetched, and the updates that store it.
type answer struct {
	c                    *Cache
	q                    upstream.Query
	k                    queryKey
	start, settled, last int64
	step                 int64
	column               []int64 // the grid's times over [start, last], made when needed

	scratch []int64 // a chunk's times, when it has gaps
	early   []early // series packed while the answer was read, by index
	// checked is the longest time column found on the grid so far: the
	// decoder gives every series on the grid a part of one column,
	// checked once. It is shared by the goroutines that pack.
	checked atomic.Pointer[[]int64]
	sorted  bool
	changed bool // anything to store: else the held series stay as they are
	updates []update
	refs    []int // per answer series, its update
}

func (a *answer) seriesKey(labels map[string]string) seriesKey {
	vk := a.q.Expr
	if plainSelector(vk) {
		vk = ""
	}
	return seriesKey{values: vk, step: a.k.step, phase: a.k.phase, identity: a.k.identity, labels: series.Key(labels)}
}

// early is one series packed while the answer was read: its values
// (where they lie, how many) and chunks; ok is false when it was off the
// grid.
type early struct {
	s      series.Series // its samples, as given
	chunks []chunk
	ok     bool
}

// packed is what was packed early of series s at index i, if it is s.
func (a *answer) packed(i int, s series.Series) (chunks []chunk, ok, found bool) {
	if i >= len(a.early) || len(s.V) == 0 {
		return nil, false, false
	}
	e := a.early[i]
	if !series.SameSamples(e.s, s) {
		return nil, false, false
	}
	return e.chunks, e.ok, true
}

// keep packs a whole fetch's series for storing, in one pass over each,
// on every core (after the fetch, nothing else runs), unless they were
// packed while it was read; false when a series is off the grid.
func (a *answer) keep(res upstream.Result) bool {
	a.sorted = true
	prev := ""
	a.refs = make([]int, len(res.Series))
	a.updates = make([]update, len(res.Series))
	for i, s := range res.Series {
		key := a.seriesKey(s.Labels)
		if key.labels < prev {
			a.sorted = false
		}
		prev = key.labels
		a.refs[i] = i
		a.updates[i] = update{key: key, labels: s.Labels, n: len(s.T)}
	}
	workers := min(runtime.GOMAXPROCS(0), 1+len(res.Series)/256)
	var wg sync.WaitGroup
	var bad atomic.Bool
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(res.Series) && !bad.Load(); i += workers {
				chunks, ok, found := a.packed(i, res.Series[i])
				if !found {
					chunks, ok = a.pack(nil, res.Series[i].T, res.Series[i].V)
				}
				if !ok {
					bad.Store(true)
					return
				}
				a.updates[i].chunks = chunks
			}
		}()
	}
	wg.Wait()
	return !bad.Load()
}

// pack appends t and v (after a.settled, up to a.last, on the grid,
// increasing) to chunks as whole chunks; false when they are not so.
// It only reads a, but for the column it remembers (safe to share).
func (a *answer) pack(chunks []chunk, t []int64, v []float64) ([]chunk, bool) {
	if !a.onGrid(t) {
		return nil, false
	}
	return a.flush(chunks, t, v), true
}

// onGrid reports whether t is after a.settled, up to a.last, on the
// grid and increasing. Times that lie in a column found so before are
// not checked again: a.settled is on the grid, so every time of that
// column is, and so is any run of them (a client does not write times it
// has given, as packed assumes of the samples it knows again).
func (a *answer) onGrid(t []int64) bool {
	col := a.checked.Load()
	if col != nil && series.Within(t, *col) {
		return true
	}
	if !a.checkGrid(t) {
		return false
	}
	if col == nil || len(t) > len(*col) {
		held := t
		a.checked.Store(&held)
	}
	return true
}

// checkGrid is onGrid, checked time by time. A series without gaps
// (nearly every one) is checked by its ends and one comparison a time,
// without a branch.
func (a *answer) checkGrid(t []int64) bool {
	n := len(t)
	if n == 0 {
		return true
	}
	first := t[0] > a.settled && t[0] <= a.last && (t[0] == a.settled+a.step || mod(t[0]-a.start, a.step) == 0)
	if first && t[n-1] <= a.last {
		var off int64
		want := t[0]
		for _, ts := range t[1:] {
			want += a.step
			off |= ts ^ want
		}
		if off == 0 {
			return true
		}
	}
	prev := a.settled // on the grid
	for _, ts := range t {
		if ts <= prev || ts > a.last || (ts != prev+a.step && mod(ts-a.start, a.step) != 0) {
			return false
		}
		prev = ts
	}
	return true
}

// grid returns the answer's time column from t0 for n points.
func (a *answer) grid(t0 int64, n int) []int64 {
	if a.column == nil {
		a.column = make([]int64, (a.last-a.start)/a.step+1)
		for i := range a.column {
			a.column[i] = a.start + int64(i)*a.step
		}
	}
	i := int((t0 - a.start) / a.step)
	return a.column[i : i+n : i+n]
}

// build joins each held series' samples in [start, settled] with the
// fresh ones after, keeps new series, and makes the updates; false when
// the fresh part is off the grid.
func (a *answer) build(ctx context.Context, views []view, fresh upstream.Result, sorted bool) (upstream.Result, bool, error) {
	lim := caps{q: a.q}
	if lim.q.MaxBytes <= 0 {
		lim.q.MaxBytes = a.c.cfg.QueryMaxBytes
	}
	byLabels := make(map[string]int, len(fresh.Series))
	a.sorted = sorted
	prevKey := ""
	for i, s := range fresh.Series {
		k := series.Key(s.Labels)
		byLabels[k] = i
		if i > 0 && k < prevKey {
			a.sorted = false
		}
		prevKey = k
	}
	used := make([]bool, len(fresh.Series))
	out := make([]series.Series, 0, len(views)+len(fresh.Series))
	var col columnBuilder
	for _, v := range views {
		var f *series.Series
		if i, ok := byLabels[v.h.key.labels]; ok {
			f, used[i] = &fresh.Series[i], true
		}
		s, u, ok := a.join(v, f, &col)
		if !ok {
			return upstream.Result{}, false, nil
		}
		if u.changed {
			a.changed = true
		}
		if len(s.V) == 0 {
			// Left without points: a fresh fetch would not return it.
			a.changed = true
			continue
		}
		if err := lim.add(ctx, &s, col.shared, a.c.next.Source()); err != nil {
			return upstream.Result{}, false, err
		}
		a.refs = append(a.refs, len(a.updates))
		a.updates = append(a.updates, u)
		out = append(out, s)
	}
	for i := range fresh.Series {
		if used[i] || len(fresh.Series[i].T) == 0 {
			continue
		}
		s := fresh.Series[i]
		chunks, ok := a.pack(nil, s.T, s.V)
		if !ok {
			return upstream.Result{}, false, nil
		}
		if err := lim.add(ctx, &s, true, a.c.next.Source()); err != nil {
			return upstream.Result{}, false, err
		}
		a.changed = true
		a.refs = append(a.refs, len(a.updates))
		a.updates = append(a.updates, update{key: a.seriesKey(s.Labels), labels: s.Labels, chunks: chunks, n: len(s.T)})
		out = append(out, s)
	}
	if a.sorted {
		order := make([]int, len(out))
		for i := range out {
			order[i] = i
		}
		key := func(i int) string { return a.updates[a.refs[i]].key.labels }
		sort.SliceStable(order, func(x, y int) bool { return key(order[x]) < key(order[y]) })
		sortedOut := make([]series.Series, len(out))
		sortedRefs := make([]int, len(out))
		for i, j := range order {
			sortedOut[i], sortedRefs[i] = out[j], a.refs[j]
		}
		out, a.refs = sortedOut, sortedRefs
	}
	res := upstream.Result{Series: out}
	for _, s := range out {
		res.Last = max(res.Last, s.T[len(s.T)-1])
	}
	return res, true, nil
}

// columnBuilder follows one series' times as they are added: while they
// are one grid step after another (shared), only the first is kept.
type columnBuilder struct {
	shared bool
	t0     int64
	n      int
	own    []int64
	step   int64
}

func (b *columnBuilder) reset(step int64) {
	b.shared, b.n, b.own, b.step = true, 0, nil, step
}

func (b *columnBuilder) add(ts []int64) {
	for _, t := range ts {
		if b.shared && b.n > 0 && t != b.t0+int64(b.n)*b.step {
			b.own = make([]int64, b.n, b.n+len(ts))
			for i := range b.own {
				b.own[i] = b.t0 + int64(i)*b.step
			}
			b.shared = false
		}
		if b.n == 0 {
			b.t0 = t
		}
		if !b.shared {
			b.own = append(b.own, t)
		}
		b.n++
	}
}

// addRun adds n times one step apart from t0.
func (b *columnBuilder) addRun(t0 int64, n int) {
	if b.shared && (b.n == 0 || t0 == b.t0+int64(b.n)*b.step) {
		if b.n == 0 {
			b.t0 = t0
		}
		b.n += n
		return
	}
	for i := 0; i < n; i++ {
		b.add([]int64{t0 + int64(i)*b.step})
	}
}

func (b *columnBuilder) last() int64 {
	if b.shared {
		return b.t0 + int64(b.n-1)*b.step
	}
	return b.own[len(b.own)-1]
}

// join is one held series' answer: its chunks clipped to [start,
// settled], then f's samples (may be nil); and its update: whole chunks
// kept as they are, the rest packed again.
func (a *answer) join(v view, f *series.Series, col *columnBuilder) (series.Series, update, bool) {
	u := update{v: v, key: v.h.key, labels: v.labels}
	s := series.Series{Labels: v.labels}
	n := 0
	for _, ch := range v.chunks {
		n += int(ch.n)
	}
	if f != nil {
		n += len(f.V)
		s.Labels, u.labels = f.Labels, f.Labels
	}
	s.V = make([]float64, 0, n)
	col.reset(a.step)
	var pendT []int64
	var pendV []float64
	for ci := range v.chunks {
		ch := &v.chunks[ci]
		if ch.t1 < a.start || ch.t0 > a.settled {
			u.changed = true
			continue
		}
		// The chunk's samples in [start, settled]: [lo, hi). A chunk
		// without gaps needs no times decoded: they are the grid's.
		before := len(s.V)
		var ts []int64
		lo, hi := 0, int(ch.n)
		if ch.tw == 0 {
			s.V = ch.decode(nil, s.V, a.step)
			if ch.t0 < a.start {
				lo = int((a.start - ch.t0 + a.step - 1) / a.step)
			}
			if ch.t1 > a.settled {
				hi = int((a.settled-ch.t0)/a.step) + 1
			}
		} else {
			a.scratch = a.scratch[:0]
			s.V = ch.decode(&a.scratch, s.V, a.step)
			for lo < hi && a.scratch[lo] < a.start {
				lo++
			}
			for hi > lo && a.scratch[hi-1] > a.settled {
				hi--
			}
			ts = a.scratch[lo:hi]
		}
		if lo > 0 || hi < int(ch.n) {
			copy(s.V[before:], s.V[before+lo:before+hi])
			s.V = s.V[:before+hi-lo]
		}
		if hi <= lo {
			continue
		}
		if ts == nil {
			col.addRun(ch.t0+int64(lo)*a.step, hi-lo)
		} else {
			col.add(ts)
		}
		// Kept whole: a chunk inside [start, settled], or a first one that
		// begins before start (readers clip those samples) rather than
		// be packed again every time the window slides a step.
		if ch.t1 <= a.settled && (ch.t0 >= a.start || (len(u.chunks) == 0 && len(pendT) == 0)) {
			if len(pendT) > 0 {
				u.chunks = a.flush(u.chunks, pendT, pendV)
				pendT, pendV = pendT[:0], pendV[:0]
			}
			u.chunks = append(u.chunks, *ch)
			continue
		}
		// Clipped at the end: what lies inside is packed again.
		u.changed = true
		if ts == nil {
			for i := lo; i < hi; i++ {
				pendT = append(pendT, ch.t0+int64(i)*a.step)
			}
		} else {
			pendT = append(pendT, ts...)
		}
		pendV = append(pendV, s.V[before:]...)
	}
	if f != nil && len(f.T) > 0 {
		prev := a.settled
		if col.n > 0 {
			prev = col.last()
		}
		for _, ts := range f.T {
			if ts <= prev || ts > a.last || mod(ts-a.start, a.step) != 0 {
				return s, u, false
			}
			prev = ts
		}
		u.changed = true
		col.add(f.T)
		// A last chunk left short is filled up with the new samples.
		if k := len(u.chunks) - 1; len(pendT) == 0 && k >= 0 && u.chunks[k].n < chunkLen {
			last := u.chunks[k]
			u.chunks = u.chunks[:k]
			a.scratch = last.times(a.scratch[:0], a.step)
			lt := a.scratch
			lo := 0
			for lo < len(lt) && lt[lo] < a.start {
				lo++ // a first chunk that began before start
			}
			pendT = append(pendT, lt[lo:]...)
			pendV = append(pendV, s.V[len(s.V)-(len(lt)-lo):]...)
		}
		s.V = append(s.V, f.V...)
		pendT = append(pendT, f.T...)
		pendV = append(pendV, f.V...)
	}
	u.chunks = a.flush(u.chunks, pendT, pendV)
	u.n = len(s.V)
	if col.n == 0 {
		return s, u, true
	}
	if col.shared {
		s.T = a.grid(col.t0, col.n)
	} else {
		s.T = col.own
	}
	return s, u, true
}

// flush packs what is pending into chunks.
func (a *answer) flush(chunks []chunk, t []int64, v []float64) []chunk {
	chunks = slices.Grow(chunks, (len(t)+chunkLen-1)/chunkLen)
	for i := 0; i < len(t); i += chunkLen {
		j := min(i+chunkLen, len(t))
		chunks = append(chunks, makeChunk(t[i:j], v[i:j], a.step))
	}
	return chunks
}

// caps holds an answer built from what is held to the query's caps, as a
// fresh fetch would be, and reserves its memory.
type caps struct {
	q        upstream.Query
	series   int
	points   int
	bytes    int64
	reserved int64
}

func (l *caps) add(ctx context.Context, s *series.Series, sharedT bool, src upstream.Source) error {
	maxSeries, maxPoints, maxBytes := l.q.MaxSeries, l.q.MaxPoints, l.q.MaxBytes
	if maxSeries <= 0 {
		maxSeries = upstream.DefaultMaxSeries
	}
	if maxPoints <= 0 {
		maxPoints = upstream.DefaultMaxPoints
	}
	if maxBytes <= 0 {
		maxBytes = upstream.DefaultMaxBytes
	}
	l.series++
	l.points += len(s.V)
	l.bytes += int64(len(s.V))*upstream.BytesPerPoint + 160
	if !sharedT {
		l.bytes += int64(len(s.T)) * 8
	}
	for k, v := range s.Labels {
		l.bytes += int64(len(k)+len(v)) + 48
	}
	switch {
	case l.series > maxSeries:
		return upstream.TooManySeries(src, maxSeries)
	case l.points > maxPoints:
		return upstream.TooManyPoints(src, maxPoints, len(s.V))
	case l.bytes > maxBytes:
		return upstream.TooMuchMemory(src, maxBytes, l.bytes/int64(l.series), l.series-1)
	}
	if l.bytes-l.reserved >= 1<<20 {
		if err := upstream.Reserve(ctx, l.bytes-l.reserved); err != nil {
			return err
		}
		l.reserved = l.bytes
	}
	return nil
}

// install stores an answer: the query's entry and each series' new
// chunks (unless another answer changed the series since it was read),
// then evicts the least recently used series past the budget. An answer
// bigger than the whole budget is not kept. It returns the answer's
// identity: 0 when the series held are not exactly the answer (another
// answer changed one since it was read, or it was not kept).
func (c *Cache) install(qe *query, updates []update, refs []int) uint64 {
	var total int64
	for i := range updates {
		total += seriesBytesOf(&updates[i])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if total > c.cfg.MaxBytes {
		if el, ok := c.queries[qe.key]; ok {
			c.qlru.Remove(el)
			delete(c.queries, qe.key)
		}
		return 0
	}
	hs := make([]*held, len(updates))
	exact := true
	for i := range updates {
		u := &updates[i]
		h := u.v.h
		switch {
		case h == nil:
			h = c.series[u.key]
			if h == nil {
				h = &held{key: u.key}
				c.series[u.key] = h
			}
		case h.gone || h.ver != u.v.ver:
			// Evicted, or changed by another answer since: keep that one's
			// (it reads the same series), or hold it again.
			if cur := c.series[u.key]; cur != nil {
				hs[i] = cur
				c.touch(cur)
				exact = false
				continue
			}
			h = &held{key: u.key}
			c.series[u.key] = h
		}
		c.bytes -= h.bytes
		c.samples -= int64(h.samples)
		h.labels, h.chunks, h.samples = u.labels, u.chunks, u.n
		h.from, h.to = qe.start, qe.last
		h.bytes = seriesBytesOf(u)
		h.ver++
		c.bytes += h.bytes
		c.samples += int64(h.samples)
		c.touch(h)
		hs[i] = h
	}
	qe.refs = make([]*held, len(refs))
	for i, j := range refs {
		qe.refs[i] = hs[j]
	}
	if exact {
		c.answers++
		qe.answer = c.answers
		qe.vers = make([]uint64, len(qe.refs))
		for i, h := range qe.refs {
			qe.vers[i] = h.ver
		}
	}
	if el, ok := c.queries[qe.key]; ok {
		el.Value = qe
		c.qlru.MoveToFront(el)
	} else {
		c.queries[qe.key] = c.qlru.PushFront(qe)
	}
	for c.qlru.Len() > c.cfg.MaxEntries {
		el := c.qlru.Back()
		c.qlru.Remove(el)
		delete(c.queries, el.Value.(*query).key)
	}
	for c.bytes > c.cfg.MaxBytes && c.tail != nil {
		c.evict(c.tail)
	}
	if c.queries[qe.key] == nil || qe.refs == nil && len(refs) > 0 {
		return 0
	}
	return qe.answer
}

// seriesBytesOf is what a series takes held: its chunks, labels, key and
// bookkeeping.
func seriesBytesOf(u *update) int64 {
	n := int64(len(u.key.labels)+len(u.key.values)+len(u.key.identity)) + 160
	for k, v := range u.labels {
		n += int64(len(k)+len(v)) + 48
	}
	for i := range u.chunks {
		n += u.chunks[i].bytes()
	}
	return n
}

// touch makes h the most recently used series.
func (c *Cache) touch(h *held) {
	if c.head == h {
		return
	}
	c.unlink(h)
	h.next = c.head
	if c.head != nil {
		c.head.prev = h
	}
	c.head = h
	if c.tail == nil {
		c.tail = h
	}
}

func (c *Cache) unlink(h *held) {
	if h.prev != nil {
		h.prev.next = h.next
	}
	if h.next != nil {
		h.next.prev = h.prev
	}
	if c.head == h {
		c.head = h.next
	}
	if c.tail == h {
		c.tail = h.prev
	}
	h.prev, h.next = nil, nil
}

// evict drops a series: the queries that refer to it fetch whole again.
func (c *Cache) evict(h *held) {
	c.unlink(h)
	delete(c.series, h.key)
	c.bytes -= h.bytes
	c.samples -= int64(h.samples)
	h.chunks, h.gone, h.bytes = nil, true, 0
	c.stats.Evicted++
}

func (c *Cache) dropQuery(k queryKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.queries[k]; ok {
		c.qlru.Remove(el)
		delete(c.queries, k)
	}
}

func (c *Cache) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, w := range b {
		found := false
		for _, x := range out {
			if x == w {
				found = true
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
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
