package cache

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// valueKinds are the values the chunk tests pack, by name: a fleet's
// bytes and page multiples, whole values of every width up to the edges
// of ±2^53, and what the whole-number paths must leave to the general
// one (-0, NaN, infinities, fractions, decimals, values beyond ±2^53).
func valueKinds(rng *rand.Rand) map[string]func(i int) float64 {
	edge := []float64{maxExact - 1, -(maxExact - 1), maxExact, -maxExact, 1 << 52, -(1 << 52), 1<<52 + 1, -(1<<52 + 1), 0}
	return map[string]func(i int) float64{
		"bytes":      func(i int) float64 { return math.Round(5e8 + float64(i)*1000 + rng.NormFloat64()*4e5) },
		"pages":      func(i int) float64 { return float64(4096 * (120000 + rng.IntN(300))) },
		"terabytes":  func(i int) float64 { return float64(int64(1+rng.IntN(3)) << 40) },
		"flat":       func(int) float64 { return 1 << 30 },
		"down":       func(i int) float64 { return float64(3 - 7*i) },
		"huge":       func(int) float64 { return float64(rng.Int64N(1<<53)) * float64(1-2*rng.IntN(2)) },
		"edges":      func(i int) float64 { return edge[rng.IntN(len(edge))] },
		"wide":       func(i int) float64 { return []float64{maxExact - 1, -(maxExact - 1)}[i%2] },
		"minus0":     func(i int) float64 { return []float64{5, 6, 7, math.Copysign(0, -1)}[i%4] },
		"nan":        func(i int) float64 { return []float64{5, 6, 7, math.NaN()}[i%4] },
		"inf":        func(i int) float64 { return []float64{5, math.Inf(1 - 2*(i/4%2))}[min(i%4, 1)] },
		"fraction":   func(i int) float64 { return []float64{5, 6, 7, 7.5}[i%4] },
		"halves":     func(i int) float64 { return -float64(i) * 1.5 },
		"decimals":   func(int) float64 { return math.Round(rng.Float64()*1e6) / 100 },
		"averages":   func(int) float64 { return 5e8 + rng.Float64() },
		"beyond2^53": func(i int) float64 { return []float64{5, 1 << 60}[min(i, 1)] },
		"specials": func(i int) float64 {
			return []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 1e300, -5}[i%7]
		},
	}
}

// Whatever the values — bytes, page multiples, decimals, long
// fractions, NaN, ±Inf, -0, huge integers — and whatever the gaps, a
// chunk gives back exactly what it was given, bit for bit.
func TestChunkRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const step = 300_000
	gens := valueKinds(rng)
	for name, gen := range gens {
		for _, n := range []int{1, 2, 7, chunkLen} {
			for _, gaps := range []bool{false, true} {
				t0 := int64(1_700_000_000_000)
				ts, vs := make([]int64, n), make([]float64, n)
				for i := range ts {
					ts[i] = t0
					vs[i] = gen(i)
					t0 += step
					if gaps && rng.IntN(3) == 0 {
						t0 += step * int64(1+rng.IntN(40))
					}
				}
				c := makeChunk(ts, vs, step)
				var gotT []int64
				gotV := c.decode(&gotT, nil, step)
				require.Equal(t, ts, gotT, "%s n=%d gaps=%v", name, n, gaps)
				for i := range vs {
					require.Equal(t, math.Float64bits(vs[i]), math.Float64bits(gotV[i]), "%s n=%d gaps=%v point %d: %v vs %v", name, n, gaps, i, vs[i], gotV[i])
				}
				assert.Equal(t, !gaps || n < 2 || c.contiguous(step) == (ts[n-1]-ts[0] == int64(n-1)*step), true)
			}
		}
	}
}

// Whole values (bytes, page multiples) are packed by a quicker path
// into exactly the chunk the general one makes; other values are left to
// the general one.
func TestWholeChunkIsTheGeneralPacking(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const step = 300_000
	gens := valueKinds(rng)
	whole := map[string]bool{"bytes": true, "pages": true, "terabytes": true, "flat": true, "down": true}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 7, 100, chunkLen} {
			ts, vs := make([]int64, n), make([]float64, n)
			for i := range ts {
				ts[i], vs[i] = 1_700_000_000_000+int64(i)*step, gen(i)
			}
			head := chunk{t0: ts[0], t1: ts[n-1], n: uint16(n)}
			fast := head
			ok := wholeChunk(&fast, ts, vs, step)
			if whole[name] || name == "minus0" && n == 1 {
				require.True(t, ok, "%s n=%d", name, n)
			}
			if !ok {
				require.Equal(t, head, fast, "%s n=%d: left as it was", name, n)
				continue
			}
			require.Equal(t, packChunk(head, ts, vs, step), fast, "%s n=%d", name, n)
		}
	}
}

// A memory series takes at most 4 bytes a sample held, time included:
// the week of 5-minute samples of a fleet like the benchmarks' (noise of
// ±0.5 MB on a daily cycle) and of page-sized working sets.
func TestHeldBytesPerSample(t *testing.T) {
	end := time.Unix(1_700_006_400, 0)
	const n, points = 200, 2016
	up := &fixed{}
	gen := promtest.Fleet("mem", n, points, end, 5*time.Minute)
	require.NoError(t, gen(func(s series.Series) error {
		up.res.Series = append(up.res.Series, s)
		return nil
	}))
	pages := series.Series{Labels: map[string]string{"__name__": "mem", "pod": "pages"}}
	for i := 0; i < points; i++ {
		pages.T = append(pages.T, end.Add(-time.Duration(points-1-i)*5*time.Minute).UnixMilli())
		pages.V = append(pages.V, float64(4096*(300000+i*3+(i*7919)%200)))
	}
	up.res.Series = append(up.res.Series, pages)
	c := New(up, Config{})
	q := upstream.Query{Expr: "mem", Start: end.Add(-(points - 1) * 5 * time.Minute), End: end, Step: 5 * time.Minute}
	res, err := c.QueryRange(context.Background(), q)
	require.NoError(t, err)
	require.Len(t, res.Series, n+1)
	st := c.Stats()
	require.EqualValues(t, (n+1)*points, st.Samples)
	per := float64(st.Bytes) / float64(st.Samples)
	t.Logf("held: %d series, %d samples in %d bytes: %.2f bytes a sample (labels and bookkeeping included)", st.Series, st.Samples, st.Bytes, per)
	assert.LessOrEqual(t, per, 4.0)

	// What is held answers the same query again exactly.
	again, err := c.QueryRange(context.Background(), q)
	require.NoError(t, err)
	assert.Equal(t, res.Series, again.Series)
	assert.Equal(t, int64(1), c.Stats().Hits)
}

// fixed answers every query with the samples of res inside its range.
type fixed struct{ res upstream.Result }

func (f *fixed) Source() upstream.Source                { return upstream.Prometheus }
func (f *fixed) Health(context.Context) (string, error) { return "ok", nil }
func (f *fixed) QueryRange(_ context.Context, q upstream.Query) (upstream.Result, error) {
	var out upstream.Result
	for _, s := range f.res.Series {
		c := series.Series{Labels: s.Labels}
		for i, t := range s.T {
			if t >= q.Start.UnixMilli() && t <= q.End.UnixMilli() {
				c.T = append(c.T, t)
				c.V = append(c.V, s.V[i])
			}
		}
		if len(c.T) > 0 {
			out.Series = append(out.Series, c)
		}
	}
	return out, nil
}

// Plain selectors share the series they both select; other expressions
// keep theirs.
func TestPlainSelector(t *testing.T) {
	for expr, want := range map[string]bool{
		`container_memory_working_set_bytes`:                    true,
		` mem { pod =~ "api-.*" , namespace!="kube-system", } `: true,
		`{__name__="mem", job='kubelet'}`:                       true,
		"mem{a=`raw\\`}":                                        true,
		`{"mem.with.dots"}`:                                     true,
		`mem{a="quote \" inside"}`:                              true,
		`{}`:                                                    true,
		`sum(mem)`:                                              false,
		`mem * 2`:                                               false,
		`mem[5m]`:                                               false,
		`mem offset 1h`:                                         false,
		`mem{a="b"} or mem`:                                     false,
		`rate(mem[5m])`:                                         false,
		`mem{a="unterminated}`:                                  false,
		`mem{a=~b}`:                                             false,
		``:                                                      false,
		`max by (pod) (mem)`:                                    false,
		`mem{a="1"}{b="2"}`:                                     false,
		`kube_pod_container_resource_limits{resource="memory"} > 0`: false,
		`label_replace(mem, "x", "$1", "pod", "(.*)")`:              false,
		`mem @ 1700000000`: false,
		`-mem`:             false,
		`mem{a="b",}`:      true,
		`container_memory_working_set_bytes{container!="",container!="POD"}`: true,
	} {
		assert.Equal(t, want, plainSelector(expr), "%q", expr)
	}
}

// Two rules over overlapping fleets (one a subset of the other) share
// the series they both select: the second holds nothing new, and each
// answer equals a fresh fetch.
func TestSelectorsShareSeries(t *testing.T) {
	up := &synthSel{n: 50}
	clk := &clock{t: time.Unix(1700003600, 0)}
	c := New(up, Config{Now: clk.now})
	ctx := context.Background()
	q := func(expr string) upstream.Query {
		return upstream.Query{Expr: expr, Start: time.Unix(1700000000, 0), End: time.Unix(1700003000, 0), Step: time.Minute}
	}
	all, err := c.QueryRange(ctx, q(`mem`))
	require.NoError(t, err)
	require.Len(t, all.Series, 50)
	held := c.Stats()
	some, err := c.QueryRange(ctx, q(`mem{shard="0"}`))
	require.NoError(t, err)
	require.Len(t, some.Series, 10)
	st := c.Stats()
	assert.Equal(t, held.Series, st.Series, "no series held twice")
	assert.Equal(t, held.Samples, st.Samples)
	// A non-selector keeps its own.
	_, err = c.QueryRange(ctx, q(`max by (pod, shard) (mem)`))
	require.NoError(t, err)
	assert.Equal(t, held.Series+50, c.Stats().Series)

	// Later, both extend and stay equal to fresh fetches, whichever went
	// first.
	for i := 1; i <= 5; i++ {
		clk.t = clk.t.Add(time.Minute)
		for _, e := range []string{`mem{shard="0"}`, `mem`, `max by (pod, shard) (mem)`} {
			qq := q(e)
			qq.Start, qq.End = qq.Start.Add(time.Duration(i)*time.Minute), qq.End.Add(time.Duration(i)*time.Minute)
			got, err := c.QueryRange(ctx, qq)
			require.NoError(t, err)
			want, _ := up.QueryRange(ctx, qq)
			require.Equal(t, want.Series, got.Series, "%s at %d", e, i)
		}
	}
	assert.Zero(t, c.Stats().Evicted)
}

// Two large rules on one data source within the default budget do not
// evict each other: after both ran once, each later evaluation fetches
// only its newest part.
func TestTwoLargeRulesKeepTheirSeries(t *testing.T) {
	up := &synthSel{n: 2000, points: true}
	clk := &clock{t: time.Unix(1700000000+7*86400, 0)}
	c := New(up, Config{Now: clk.now})
	ctx := context.Background()
	end := clk.t.Truncate(5 * time.Minute)
	rule := func(expr string, i int) upstream.Query {
		e := end.Add(time.Duration(i) * 5 * time.Minute)
		return upstream.Query{Expr: expr, Start: e.Add(-7 * 24 * time.Hour), End: e, Step: 5 * time.Minute}
	}
	a, b := `mem{shard=~"[0-9]"}`, `max by (pod) (mem)`
	for i := 0; i < 4; i++ {
		for _, e := range []string{a, b} {
			got, err := c.QueryRange(ctx, rule(e, i))
			require.NoError(t, err)
			require.Len(t, got.Series, 2000)
		}
		clk.t = clk.t.Add(5 * time.Minute)
	}
	st := c.Stats()
	assert.Equal(t, int64(2), st.Misses, "each rule fetched whole once")
	assert.Equal(t, int64(6), st.Extends)
	assert.Zero(t, st.Evicted)
	t.Logf("two rules of 2,000 series × 2,017 points: %d series, %.1f MiB held (%.2f bytes a sample)",
		st.Series, float64(st.Bytes)/(1<<20), float64(st.Bytes)/float64(st.Samples))
}

// synthSel answers selectors of "mem" the way Prometheus would: series
// pod-i with shard i/10 (matched by shard="k" and shard=~"[0-9]"), the
// same values whatever the expression selects them; `max by (pod, …)`
// drops the name.
type synthSel struct {
	n      int
	points bool // noisy memory values rather than small integers
}

func (s *synthSel) Source() upstream.Source                { return upstream.Prometheus }
func (s *synthSel) Health(context.Context) (string, error) { return "ok", nil }
func (s *synthSel) QueryRange(_ context.Context, q upstream.Query) (upstream.Result, error) {
	var res upstream.Result
	for i := 0; i < s.n; i++ {
		shard := fmt.Sprint(i / 10)
		labels := map[string]string{"__name__": "mem", "pod": fmt.Sprintf("pod-%04d", i), "shard": shard}
		switch q.Expr {
		case `mem{shard="0"}`:
			if shard != "0" {
				continue
			}
		case `mem{shard=~"[0-9]"}`:
		case `max by (pod, shard) (mem)`:
			delete(labels, "__name__")
		case `max by (pod) (mem)`:
			labels = map[string]string{"pod": labels["pod"]}
		}
		ss := series.Series{Labels: labels}
		for ts := q.Start; !ts.After(q.End); ts = ts.Add(q.Step) {
			ss.T = append(ss.T, ts.UnixMilli())
			v := float64(i*1000) + float64(ts.Unix()%977)
			if s.points {
				u := uint64(ts.Unix())*0x9E3779B97F4A7C15 + uint64(i)
				v = 3e8 + float64(i)*1e6 + float64(u%1000000)
			}
			ss.V = append(ss.V, v)
		}
		res.Series = append(res.Series, ss)
	}
	return res, nil
}

// The quick paths (whole values, with or without gaps; a series checked
// against the grid by its ends) make exactly the chunks of the general
// packing, and for whole values exactly those of a plain packer written
// from the format's description, bit by bit: values at the edges of
// ±2^53, -0, NaN, infinities and fractions after whole ones, steps of a
// large power of two, and chunks cut from the fleet with and without
// gaps.
func TestQuickPackingIsTheFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const step = 300_000
	gens := valueKinds(rng)
	check := func(name string, ts []int64, vs []float64) {
		n := len(ts)
		got := makeChunk(ts, vs, step)
		head := chunk{t0: ts[0], t1: ts[n-1], n: uint16(n)}
		var gapMax uint64
		for i := 1; i < n; i++ {
			gapMax |= uint64((ts[i]-ts[i-1])/step - 1)
		}
		head.tw = uint8(bits.Len64(gapMax))
		require.Equal(t, packChunk(head, ts, vs, step), got, "%s n=%d", name, n)
		if ref, ok := plainWholeChunk(ts, vs, step); ok {
			require.Equal(t, ref, got, "%s n=%d: the plain packer", name, n)
		} else {
			require.True(t, got.raw || got.scale > 0, "%s n=%d: not whole, yet packed as whole", name, n)
		}
		a := answer{start: ts[0] - 10*step, settled: ts[0] - step, last: ts[n-1], step: step}
		chunks, ok := a.pack(nil, ts, vs)
		require.True(t, ok, "%s n=%d", name, n)
		require.Equal(t, []chunk{got}, chunks, "%s n=%d", name, n)
	}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 3, 7, 63, 64, 65, 100, chunkLen} {
			for _, gaps := range []bool{false, true} {
				for round := 0; round < 4; round++ {
					ts, vs := make([]int64, n), make([]float64, n)
					t0 := int64(1_700_000_000_000)
					for i := range ts {
						ts[i], vs[i] = t0, gen(i)
						t0 += step
						if gaps && rng.IntN(5) == 0 {
							t0 += step * int64(1+rng.IntN(1<<rng.IntN(12)))
						}
					}
					check(name, ts, vs)
				}
			}
		}
	}
	for _, kind := range []string{"bytes", "pages", "gaps", "decimals"} {
		ts, vs := benchChunks(kind)
		for k := range ts {
			check("fleet "+kind, ts[k], vs[k])
		}
	}
}

// Off the grid, out of order, before what is settled or after the last:
// not packed, with or without gaps.
func TestPackRefusesTimesOffTheGrid(t *testing.T) {
	const step = 60_000
	a := answer{start: 1_000_000, settled: 1_000_000 - step, last: 1_000_000 + 99*step, step: step}
	grid := func(n int) []int64 {
		ts := make([]int64, n)
		for i := range ts {
			ts[i] = a.start + int64(i)*step
		}
		return ts
	}
	vs := make([]float64, 100)
	_, ok := a.pack(nil, grid(100), vs)
	require.True(t, ok)
	for name, bend := range map[string]func([]int64){
		"off the grid":   func(ts []int64) { ts[5]++ },
		"twice":          func(ts []int64) { ts[5] = ts[4] },
		"out of order":   func(ts []int64) { ts[4], ts[5] = ts[5], ts[4] },
		"settled":        func(ts []int64) { ts[0] = a.settled },
		"after the last": func(ts []int64) { ts[len(ts)-1] = a.last + step },
		"a gap off grid": func(ts []int64) { ts[7] += step / 2 },
		"first off grid": func(ts []int64) { ts[0] -= step / 2 },
	} {
		for _, n := range []int{1, 2, 10, 100} {
			ts := grid(n)
			if n < 10 && name != "settled" && name != "first off grid" && name != "after the last" {
				continue
			}
			bend(ts)
			if name == "after the last" && n < 100 {
				ts[n-1] = a.last + step
			}
			_, ok := a.pack(nil, ts, vs[:n])
			assert.False(t, ok, "%s n=%d", name, n)
		}
	}
	// A gap on the grid is fine.
	ts := grid(100)
	ts = append(ts[:10], ts[12:]...)
	_, ok = a.pack(nil, ts, vs[:len(ts)])
	assert.True(t, ok)
}

// A column found on the grid is not checked again, but only times that
// lie in its memory are taken for it: not those beside it, nor a run
// that starts before it or runs past its end.
func TestPackChecksTimesBesideAColumn(t *testing.T) {
	const step = 60_000
	a := answer{start: 1_000_000, settled: 1_000_000 - step, last: 1_000_000 + 99*step, step: step}
	mem := make([]int64, 300)
	col := mem[100:200]
	for i := range col {
		col[i] = a.start + int64(i)*step
	}
	for i := range mem[:100] {
		mem[i] = a.start + 1 // off the grid
	}
	for i := 200; i < 300; i++ {
		mem[i] = a.last + int64(i-199)*step // after the last
	}
	vs := make([]float64, 100)
	for _, part := range [][]int64{col, col[:1], col[10:60], col[99:], col} {
		_, ok := a.pack(nil, part, vs[:len(part)])
		require.True(t, ok, "%d times of the column", len(part))
	}
	for _, other := range [][]int64{mem[:100], mem[99:101], mem[50:150], mem[150:250], mem[199:201], mem[200:300]} {
		_, ok := a.pack(nil, other, vs[:len(other)])
		assert.False(t, ok, "times beside the column")
	}
}

// plainWholeChunk packs t and v the plain way the chunk's format
// describes when every value is a whole number within ±2^53 other than
// -0 (false otherwise): gaps in steps less one, then the first value and
// the zigzag-coded differences over the power of two they share, each
// in as many bits as the widest needs, written one bit at a time.
func plainWholeChunk(t []int64, v []float64, step int64) (chunk, bool) {
	n := len(t)
	ints := make([]int64, n)
	for i, x := range v {
		if x != math.Trunc(x) || math.Abs(x) >= maxExact || math.Signbit(x) && x == 0 || math.IsNaN(x) {
			return chunk{}, false
		}
		ints[i] = int64(x)
	}
	c := chunk{t0: t[0], t1: t[n-1], n: uint16(n), v0: uint64(ints[0])}
	gaps := make([]uint64, n)
	for i := 1; i < n; i++ {
		gaps[i] = uint64((t[i]-t[i-1])/step - 1)
		for gaps[i]>>c.tw != 0 {
			c.tw++
		}
	}
	allZero := true
	for i := 1; i < n; i++ {
		allZero = allZero && ints[i] == ints[i-1]
	}
	if !allZero {
		for s := uint8(0); s < 63; s++ {
			shared := true
			for i := 1; i < n; i++ {
				shared = shared && (ints[i]-ints[i-1])%(int64(1)<<(s+1)) == 0
			}
			if !shared {
				c.shift = s
				break
			}
		}
	}
	codes := make([]uint64, n)
	for i := 1; i < n; i++ {
		d := (ints[i] - ints[i-1]) / (int64(1) << c.shift)
		if d >= 0 {
			codes[i] = uint64(2 * d)
		} else {
			codes[i] = uint64(-2*d - 1)
		}
		for codes[i]>>c.vw != 0 {
			c.vw++
		}
	}
	if c.vw > 56 {
		return chunk{}, false
	}
	nbits := (n - 1) * (int(c.tw) + int(c.vw))
	c.data = make([]byte, (nbits+7)/8+8)
	pos := 0
	put := func(x uint64, w uint8) {
		for b := uint8(0); b < w; b++ {
			if x>>b&1 != 0 {
				c.data[pos/8] |= 1 << (pos % 8)
			}
			pos++
		}
	}
	for i := 1; i < n; i++ {
		put(gaps[i], c.tw)
	}
	for i := 1; i < n; i++ {
		put(codes[i], c.vw)
	}
	return c, true
}
