package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// spy records the queries that reach the upstream.
type spy struct {
	upstream.Client
	mu sync.Mutex
	qs []upstream.Query
}

func (s *spy) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	s.mu.Lock()
	s.qs = append(s.qs, q)
	s.mu.Unlock()
	return s.Client.QueryRange(ctx, q)
}

// The cached answer equals a fresh fetch from the real Prometheus, after
// samples were appended, one of them late (older than the end of what
// the cache held), and a series appeared: for plain selectors,
// aggregations, rates and range-dependent expressions alike.
func TestEqualsFreshFetchRealPrometheus(t *testing.T) {
	srv := promtest.StartWith(t, promtest.Options{RemoteWrite: true})
	prom, err := prometheus.New(srv.URL, nil)
	require.NoError(t, err)
	ctx := context.Background()
	const step = 15 * time.Second
	t0 := time.Now().Truncate(step)

	mk := func(pod string, from, to time.Time, every time.Duration, base float64) series.Series {
		s := series.Series{Labels: map[string]string{"__name__": "memshape_cache_bytes", "pod": pod}}
		for ts := from; !ts.After(to); ts = ts.Add(every) {
			s.T = append(s.T, ts.UnixMilli())
			s.V = append(s.V, base+float64(ts.Unix()%1000)*1024)
		}
		return s
	}
	// Samples off the grid (scrapes are not aligned to the query's step).
	require.NoError(t, srv.Push(ctx,
		mk("a", t0.Add(-40*time.Minute+3*time.Second), t0.Add(-20*time.Second), 10*time.Second, 1e8),
		mk("b", t0.Add(-40*time.Minute+7*time.Second), t0.Add(-20*time.Second), 10*time.Second, 2e8)))

	exprs := []string{
		`memshape_cache_bytes`,
		`sum by (pod) (memshape_cache_bytes)`,
		`rate(memshape_cache_bytes[1m])`,
		`max_over_time(memshape_cache_bytes[5m])`,
		`memshape_cache_bytes @ end()`,
		`memshape_cache_bytes offset -1m`,
	}
	inner := &spy{Client: prom}
	cached := New(inner, Config{})
	sloppy := New(prom, Config{Overlap: time.Millisecond}) // trusts everything it holds
	q := func(expr string, from, to time.Time) upstream.Query {
		return upstream.Query{Expr: expr, Start: from, End: to, Step: step}
	}
	check := func(round string, from, to time.Time) {
		for _, e := range exprs {
			want, err := prom.QueryRange(ctx, q(e, from, to))
			require.NoError(t, err)
			got, err := cached.QueryRange(ctx, q(e, from, to))
			require.NoError(t, err)
			assert.Equal(t, want.Series, got.Series, "%s: %s", round, e)
		}
	}
	check("first", t0.Add(-30*time.Minute), t0)
	_, err = sloppy.QueryRange(ctx, q(exprs[0], t0.Add(-30*time.Minute), t0))
	require.NoError(t, err)

	// A late sample for a (before the end held), then newer samples, a
	// new series c, and b goes quiet.
	require.NoError(t, srv.Push(ctx, series.Series{Labels: map[string]string{"__name__": "memshape_cache_bytes", "pod": "a"},
		T: []int64{t0.Add(-5 * time.Second).UnixMilli()}, V: []float64{9e8}}))
	require.NoError(t, srv.Push(ctx,
		mk("a", t0.Add(5*time.Second), t0.Add(2*time.Minute), 10*time.Second, 1e8),
		mk("c", t0.Add(30*time.Second), t0.Add(2*time.Minute), 10*time.Second, 3e8)))
	before := cached.Stats()
	check("second", t0.Add(-28*time.Minute), t0.Add(2*time.Minute))
	after := cached.Stats()
	assert.Equal(t, before.Extends+4, after.Extends, "the four cacheable expressions were extended, not fetched whole")
	assert.Equal(t, before.Bypassed+2, after.Bypassed, "@ and negative offsets are never cached")
	// The extension asked only for the newest part.
	for _, qq := range inner.qs[len(inner.qs)-6:] {
		if qq.Expr == exprs[0] {
			assert.True(t, qq.Start.After(t0.Add(-28*time.Minute)), "extension starts at %s", qq.Start)
		}
	}

	// The same again, and once more after another append.
	check("third", t0.Add(-28*time.Minute), t0.Add(2*time.Minute))
	require.NoError(t, srv.Push(ctx, mk("c", t0.Add(2*time.Minute+10*time.Second), t0.Add(3*time.Minute), 10*time.Second, 3e8)))
	check("fourth", t0.Add(-27*time.Minute), t0.Add(3*time.Minute))

	// Without the overlap the late sample is missed: the check above can
	// fail.
	want, err := prom.QueryRange(ctx, q(exprs[0], t0.Add(-28*time.Minute), t0.Add(2*time.Minute)))
	require.NoError(t, err)
	got, err := sloppy.QueryRange(ctx, q(exprs[0], t0.Add(-28*time.Minute), t0.Add(2*time.Minute)))
	require.NoError(t, err)
	assert.NotEqual(t, want.Series, got.Series, "a cache that trusts its last point serves the stale value")
}

// synth is an in-memory upstream: each series' value at t is a function
// of t, between its birth and its end (zero: always), so any range can be
// answered and compared. Like Prometheus, it never changes the past.
type synth struct {
	pods  []pod
	calls int
	fail  error
	mu    sync.Mutex
}

type pod struct {
	name     string
	from, to time.Time
}

func pods(names ...string) []pod {
	out := make([]pod, len(names))
	for i, n := range names {
		out[i] = pod{name: n}
	}
	return out
}

func (s *synth) Source() upstream.Source                { return upstream.Prometheus }
func (s *synth) Health(context.Context) (string, error) { return "ok", nil }
func (s *synth) QueryRange(_ context.Context, q upstream.Query) (upstream.Result, error) {
	s.mu.Lock()
	s.calls++
	fail := s.fail
	ps := append([]pod(nil), s.pods...)
	s.mu.Unlock()
	if fail != nil {
		return upstream.Result{}, fail
	}
	var res upstream.Result
	for i, p := range ps {
		ss := series.Series{Labels: map[string]string{"__name__": "m", "pod": p.name}}
		for ts := q.Start; !ts.After(q.End); ts = ts.Add(q.Step) {
			if (!p.from.IsZero() && ts.Before(p.from)) || (!p.to.IsZero() && ts.After(p.to)) {
				continue
			}
			ss.T = append(ss.T, ts.UnixMilli())
			ss.V = append(ss.V, float64(i*1000)+float64(ts.Unix()%977))
		}
		if len(ss.T) > 0 {
			res.Series = append(res.Series, ss)
		}
	}
	return res, nil
}

func (s *synth) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// The key: expression, step, phase and identity; never another's answer.
func TestKeys(t *testing.T) {
	up := &synth{pods: pods("a", "b")}
	clk := &clock{t: time.Unix(1700003600, 0)}
	c := New(up, Config{Now: clk.now})
	ctx := context.Background()
	base := upstream.Query{Expr: "m", Start: time.Unix(1700000000, 0), End: time.Unix(1700003000, 0), Step: time.Minute}
	_, err := c.QueryRange(ctx, base)
	require.NoError(t, err)
	for name, q := range map[string]upstream.Query{
		"identity": func() upstream.Query { q := base; q.CacheKey = "user-2"; return q }(),
		"expr":     func() upstream.Query { q := base; q.Expr = "m2"; return q }(),
		"step":     func() upstream.Query { q := base; q.Step = 2 * time.Minute; return q }(),
		"phase":    func() upstream.Query { q := base; q.Start = q.Start.Add(time.Second); return q }(),
	} {
		calls := up.count()
		st := c.Stats()
		_, err := c.QueryRange(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, st.Misses+1, c.Stats().Misses, name)
		assert.Equal(t, calls+1, up.count(), name)
	}
	// The same query: held whole (the clock has not moved past the
	// settled part), nothing fetched.
	calls := up.count()
	res, err := c.QueryRange(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, calls, up.count())
	want, _ := up.QueryRange(ctx, base)
	assert.Equal(t, want.Series, res.Series)
}

// Sliding windows, as an alert rule evaluates, equal fresh answers and
// fetch only the tail.
func TestSlidingWindow(t *testing.T) {
	up := &synth{pods: pods("a", "b", "c")}
	clk := &clock{t: time.Unix(1700000000, 0)}
	c := New(up, Config{Now: clk.now, Overlap: 2 * time.Minute})
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		end := clk.t.Truncate(time.Minute)
		q := upstream.Query{Expr: "m", Start: end.Add(-6 * time.Hour), End: end, Step: time.Minute}
		switch i {
		case 10:
			up.pods = append(up.pods, pod{name: "d", from: end}) // a new series
		case 20:
			up.pods[0].to = end // one goes away
		}
		got, err := c.QueryRange(ctx, q)
		require.NoError(t, err)
		want, _ := up.QueryRange(ctx, q)
		require.Equal(t, want.Series, got.Series, "evaluation %d", i)
		clk.t = clk.t.Add(time.Minute)
	}
	st := c.Stats()
	assert.Equal(t, int64(1), st.Misses)
	assert.Equal(t, int64(29), st.Extends)
}

func TestBounds(t *testing.T) {
	up := &synth{pods: pods("a")}
	clk := &clock{t: time.Unix(1700003600, 0)}
	ctx := context.Background()
	q := func(i int) upstream.Query {
		return upstream.Query{Expr: fmt.Sprintf("m%d", i), Start: time.Unix(1700000000, 0), End: time.Unix(1700003000, 0), Step: time.Minute}
	}
	c := New(up, Config{Now: clk.now, MaxEntries: 3})
	for i := 0; i < 5; i++ {
		_, err := c.QueryRange(ctx, q(i))
		require.NoError(t, err)
	}
	assert.Equal(t, 3, c.Stats().Entries)
	calls := up.count()
	_, _ = c.QueryRange(ctx, q(4)) // held
	_, _ = c.QueryRange(ctx, q(0)) // evicted
	assert.Equal(t, calls+1, up.count())

	// Bytes: each query holds one series of its own (not a plain
	// selector, so not shared); a budget that fits two keeps the two
	// used last and evicts the others, series by series.
	sum := func(i int) upstream.Query { q := q(i); q.Expr = fmt.Sprintf("sum(m%d)", i); return q }
	one := New(up, Config{Now: clk.now})
	_, _ = one.QueryRange(ctx, sum(0))
	per := one.Stats().Bytes
	c = New(up, Config{Now: clk.now, MaxBytes: 2*per + per/2})
	for i := 0; i < 4; i++ {
		_, _ = c.QueryRange(ctx, sum(i))
	}
	st := c.Stats()
	assert.Equal(t, 2, st.Series)
	assert.Equal(t, int64(2), st.Evicted)
	assert.LessOrEqual(t, st.Bytes, 2*per+per/2)
	calls = up.count()
	_, _ = c.QueryRange(ctx, sum(3))
	_, _ = c.QueryRange(ctx, sum(2))
	assert.Equal(t, calls, up.count(), "the two used last are held")
	_, _ = c.QueryRange(ctx, sum(0))
	assert.Equal(t, calls+1, up.count(), "an evicted one is fetched again")

	// An answer bigger than the bound is not kept.
	c = New(up, Config{Now: clk.now, MaxBytes: per / 2})
	_, _ = c.QueryRange(ctx, sum(0))
	assert.Equal(t, 0, c.Stats().Entries)
	assert.Equal(t, 0, c.Stats().Series)
}

// Failures are not cached and not hidden; a held entry older than MaxAge
// or a start before what is held is fetched whole.
func TestRefetchAndErrors(t *testing.T) {
	up := &synth{pods: pods("a")}
	clk := &clock{t: time.Unix(1700003600, 0)}
	c := New(up, Config{Now: clk.now, MaxAge: 30 * time.Minute})
	ctx := context.Background()
	q := upstream.Query{Expr: "m", Start: time.Unix(1700000000, 0), End: time.Unix(1700003000, 0), Step: time.Minute}
	_, err := c.QueryRange(ctx, q)
	require.NoError(t, err)

	earlier := q
	earlier.Start = q.Start.Add(-time.Hour)
	_, _ = c.QueryRange(ctx, earlier)
	assert.Equal(t, int64(2), c.Stats().Misses)

	clk.t = clk.t.Add(31 * time.Minute)
	_, _ = c.QueryRange(ctx, earlier)
	assert.Equal(t, int64(3), c.Stats().Misses, "older than MaxAge")

	boom := &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Timeout, Msg: "boom"}
	up.fail = boom
	clk.t = clk.t.Add(5 * time.Minute)
	later := earlier
	later.End = later.End.Add(5 * time.Minute)
	_, err = c.QueryRange(ctx, later)
	assert.True(t, errors.Is(err, boom), "%v", err)
	up.fail = nil
	got, err := c.QueryRange(ctx, later)
	require.NoError(t, err)
	want, _ := up.QueryRange(ctx, later)
	assert.Equal(t, want.Series, got.Series)

	// Caps hold on the merged answer as on a fresh one.
	up.pods = append(up.pods, pod{name: "b", from: later.End}, pod{name: "c", from: later.End})
	clk.t = clk.t.Add(5 * time.Minute)
	capped := later
	capped.End = capped.End.Add(5 * time.Minute)
	capped.MaxSeries = 2
	_, err = c.QueryRange(ctx, capped)
	ue, ok := upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, upstream.TooLarge, ue.Kind)
}

// Concurrent evaluations of the same and other queries stay correct (run
// with -race).
func TestConcurrent(t *testing.T) {
	up := &synth{pods: pods("a", "b")}
	c := New(up, Config{MaxEntries: 4})
	ctx := context.Background()
	end := time.Now().Truncate(time.Minute)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				q := upstream.Query{Expr: fmt.Sprintf("m%d", (g+i)%6), Start: end.Add(-time.Hour), End: end.Add(time.Duration(i) * time.Minute), Step: time.Minute}
				got, err := c.QueryRange(ctx, q)
				if err != nil {
					t.Error(err)
					return
				}
				want, _ := up.QueryRange(ctx, q)
				if !assert.Equal(t, want.Series, got.Series) {
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// QueryRangeSince tells a caller that its answer is unchanged only when
// it is, bit for bit: samples fetched again equal to those held, nothing
// new in the window. A late sample, a new step, another query changing a
// shared series or a stale identity each give the answer again, equal to
// a fresh fetch from the real Prometheus.
func TestQueryRangeSinceUnchangedOnlyWhenSame(t *testing.T) {
	srv := promtest.StartWith(t, promtest.Options{RemoteWrite: true})
	prom, err := prometheus.New(srv.URL, nil)
	require.NoError(t, err)
	ctx := context.Background()
	const step = 30 * time.Second
	t0 := time.Now().Truncate(step)
	mk := func(pod string, from, to time.Time, base float64) series.Series {
		s := series.Series{Labels: map[string]string{"__name__": "memshape_since_bytes", "pod": pod}}
		for ts := from; !ts.After(to); ts = ts.Add(10 * time.Second) {
			s.T = append(s.T, ts.UnixMilli())
			s.V = append(s.V, base+float64(ts.Unix()%1000)*4096)
		}
		return s
	}
	require.NoError(t, srv.Push(ctx,
		mk("a", t0.Add(-40*time.Minute+3*time.Second), t0.Add(-20*time.Second), 1e8),
		mk("b", t0.Add(-40*time.Minute+7*time.Second), t0.Add(-20*time.Second), 2e8)))
	clock := t0.Add(5 * time.Second)
	c := New(prom, Config{Now: func() time.Time { return clock }})
	q := func(expr string, end time.Time) upstream.Query {
		return upstream.Query{Expr: expr, Start: end.Add(-30 * time.Minute), End: end, Step: step}
	}
	const expr = `memshape_since_bytes`
	ask := func(round string, qq upstream.Query, since uint64, wantUnchanged bool) uint64 {
		t.Helper()
		got, id, unchanged, err := c.QueryRangeSince(ctx, qq, since)
		require.NoError(t, err, round)
		require.Equal(t, wantUnchanged, unchanged, round)
		if unchanged {
			assert.Empty(t, got.Series, round)
			return id
		}
		want, err := prom.QueryRange(ctx, qq)
		require.NoError(t, err, round)
		assert.Equal(t, want.Series, got.Series, round)
		return id
	}
	id1 := ask("first", q(expr, t0), 0, false)
	require.NotZero(t, id1)

	// A minute later: the overlap is fetched again and found the same.
	clock = clock.Add(time.Minute)
	before := c.Stats()
	assert.Equal(t, id1, ask("same, fetched again", q(expr, t0), id1, true))
	after := c.Stats()
	assert.Equal(t, before.Extends+1, after.Extends, "the overlap was fetched again")
	assert.Equal(t, before.Unchanged+1, after.Unchanged)
	// Without the caller's identity, the answer is given whole (held
	// again, under an identity of its own).
	id1 = ask("same, not held", q(expr, t0), 0, false)
	require.NotZero(t, id1)

	// A late sample inside the overlap changes the answer.
	require.NoError(t, srv.Push(ctx, series.Series{Labels: map[string]string{"__name__": "memshape_since_bytes", "pod": "a"},
		T: []int64{t0.Add(-5 * time.Second).UnixMilli()}, V: []float64{9e8}}))
	clock = clock.Add(time.Minute)
	id2 := ask("late sample", q(expr, t0), id1, false)
	assert.NotEqual(t, id1, id2)
	assert.Equal(t, id2, ask("same after the late sample", q(expr, t0), id2, true))
	ask("stale identity", q(expr, t0), id1, false)

	// New samples and a new step.
	require.NoError(t, srv.Push(ctx, mk("a", t0.Add(5*time.Second), t0.Add(time.Minute), 1e8)))
	clock = t0.Add(time.Minute + 5*time.Second)
	id3 := ask("next step", q(expr, t0.Add(time.Minute)), id2, false)
	assert.NotEqual(t, id2, id3)

	// Another query that shares series a extends it: the first query's
	// answer is built again (its series changed under it), and equals a
	// fresh fetch.
	require.NoError(t, srv.Push(ctx, mk("a", t0.Add(time.Minute+5*time.Second), t0.Add(2*time.Minute), 1e8)))
	clock = t0.Add(2*time.Minute + 5*time.Second)
	ask("other query", q(`memshape_since_bytes{pod="a"}`, t0.Add(2*time.Minute)), 0, false)
	ask("shared series changed", q(expr, t0.Add(time.Minute)), id3, false)
}
