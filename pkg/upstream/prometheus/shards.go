package prometheus

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// DefaultShardParallel is how many time shards are fetched at once.
const DefaultShardParallel = 4

// maxShards bounds the shards of one query: past it the range is fetched
// whole.
const maxShards = 1000

// shards splits q at the multiples of the client's TimeShard from the
// Unix epoch, each shard holding the grid points from one boundary up to
// the next; nil when q fits in one shard (or sharding is off).
func (c *Client) shards(q upstream.Query) []upstream.Query {
	sh, step := c.shard.Milliseconds(), q.Step.Milliseconds()
	if sh <= 0 || step <= 0 || sh < step {
		return nil
	}
	start, end := q.Start.UnixMilli(), q.End.UnixMilli()
	last := start + (end-start)/step*step
	if (last-start)/sh > maxShards {
		return nil
	}
	var out []upstream.Query
	for from := start; from <= last; {
		boundary := (floorDiv(from, sh) + 1) * sh // the next multiple of the shard
		// The last grid point before the boundary.
		to := min(last, from+(boundary-1-from)/step*step)
		part := q
		part.Start, part.End = time.UnixMilli(from).UTC(), time.UnixMilli(to).UTC()
		out = append(out, part)
		from = to + step
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// shardAccount holds the shards of one query to the query's memory cap
// together: each shard's decoder reports what it takes here.
type shardAccount struct {
	ctx    context.Context
	lim    Limits
	perSer int64
	bytes  atomic.Int64
	column []int64 // the whole query's time column, shared by the shards
	grid   Grid
}

// limit makes opt a shard's options: its series cap is the query's (every
// shard holds the same series), its points and memory count toward the
// query's total, and shared timestamps come from the query's column.
func (a *shardAccount) limit(opt *DecodeOptions) {
	opt.MaxBytes = 0
	opt.Reserve = func(n int64) error {
		total := a.bytes.Add(n)
		if a.lim.MaxBytes > 0 && total > a.lim.MaxBytes {
			return upstream.TooMuchMemory(upstream.Prometheus, a.lim.MaxBytes, a.perSer, 0)
		}
		return upstream.Reserve(a.ctx, n)
	}
	off := int((opt.Grid.Start - a.grid.Start) / a.grid.Step)
	opt.column = a.column[off : off+opt.Grid.N]
}

// queryShards fetches the shards in parallel and joins each series' parts
// in time order.
func (c *Client) queryShards(ctx context.Context, q upstream.Query, parts []upstream.Query, lim Limits) (upstream.Result, error) {
	grid := GridOf(q.Start, q.End, q.Step)
	acct := &shardAccount{ctx: ctx, lim: lim, grid: grid, column: make([]int64, grid.N),
		perSer: int64(grid.N)*upstream.BytesPerPoint + seriesBytes}
	for i := range acct.column {
		acct.column[i] = grid.Start + int64(i)*grid.Step
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]upstream.Result, len(parts))
	errs := make([]error, len(parts))
	sem := make(chan struct{}, c.parallel)
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = c.redact(c.ctxErr(ctx, ctx.Err()))
				return
			}
			defer func() { <-sem }()
			results[i], errs[i] = c.queryRange(ctx, p, lim, acct)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	// The first failure in time order that is not the others' cancelling.
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if first == nil {
			first = err
		}
		if ue, ok := upstream.AsError(err); !ok || ue.Kind != upstream.Canceled {
			return upstream.Result{}, err
		}
	}
	if first != nil {
		return upstream.Result{}, first
	}
	return joinShards(results, acct.column, grid, lim)
}

// joinShards joins each series' parts, shard after shard: its values
// copied into one column, its timestamps the query's shared column when
// every part kept to it one after another.
func joinShards(results []upstream.Result, column []int64, grid Grid, lim Limits) (upstream.Result, error) {
	type joined struct {
		key    string
		labels map[string]string
		parts  []series.Series
		n      int
	}
	var order []*joined
	byKey := map[string]*joined{}
	var warnings []string
	seen := map[string]bool{}
	var last int64
	late := false // a series first seen after the first shard
	for i, r := range results {
		for _, w := range r.Warnings {
			if !seen[w] {
				seen[w] = true
				warnings = append(warnings, w)
			}
		}
		last = max(last, r.Last)
		for _, s := range r.Series {
			k := series.Key(s.Labels)
			j := byKey[k]
			if j == nil {
				j = &joined{key: k, labels: s.Labels}
				byKey[k] = j
				late = late || i > 0
				order = append(order, j)
				if lim.MaxSeries > 0 && len(order) > lim.MaxSeries {
					return upstream.Result{}, upstream.TooManySeries(upstream.Prometheus, lim.MaxSeries)
				}
			}
			j.parts = append(j.parts, s)
			j.n += len(s.V)
		}
	}
	if late {
		// In Prometheus' own order, by labels: series.Key's bytes sort as
		// compareLabels does.
		sort.SliceStable(order, func(a, b int) bool { return order[a].key < order[b].key })
	}
	out := upstream.Result{Series: make([]series.Series, 0, len(order)), Warnings: warnings, Last: last}
	points := 0
	for _, j := range order {
		points += j.n
		if lim.MaxPoints > 0 && points > lim.MaxPoints {
			return upstream.Result{}, upstream.TooManyPoints(upstream.Prometheus, lim.MaxPoints, grid.N)
		}
		s := series.Series{Labels: j.labels, V: make([]float64, 0, j.n)}
		at, shared := -1, true
		for _, p := range j.parts {
			if len(p.V) == 0 {
				continue
			}
			s.V = append(s.V, p.V...)
			i := onColumn(p.T, column, grid)
			switch {
			case i < 0 || (at >= 0 && i != at):
				shared = false
			default:
				if at < 0 {
					at = i
				}
				at += len(p.T)
			}
		}
		if shared && j.n > 0 {
			first := at - j.n
			s.T = column[first:at:at]
		} else {
			s.T = make([]int64, 0, j.n)
			for _, p := range j.parts {
				s.T = append(s.T, p.T...)
			}
		}
		out.Series = append(out.Series, s)
	}
	return out, nil
}

// onColumn is where on column t lies when t is a stretch of it (the very
// elements, shared by the decoder), -1 otherwise.
func onColumn(t, column []int64, grid Grid) int {
	if len(t) == 0 || grid.Step <= 0 {
		return -1
	}
	off := t[0] - grid.Start
	if off < 0 || off%grid.Step != 0 {
		return -1
	}
	i := int(off / grid.Step)
	if i+len(t) > len(column) || &column[i] != &t[0] {
		return -1
	}
	return i
}
