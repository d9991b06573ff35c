package prometheus

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Series on the query's grid share one time column: the same times as a
// decode without a grid, the same backing array for every series that
// keeps to it, its own for one with a gap or off the grid.
func TestGridSharesOneTimeColumn(t *testing.T) {
	body := `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"p":"full"},"values":[[1700000000,"1"],[1700000060,"2"],[1700000120,"3"]]},
		{"metric":{"p":"late"},"values":[[1700000060,"4"],[1700000120,"5"]]},
		{"metric":{"p":"gap"},"values":[[1700000000,"6"],[1700000120,"7"]]},
		{"metric":{"p":"off"},"values":[[1700000001,"8"],[1700000061,"9"]]},
		{"metric":{"p":"beyond"},"values":[[1700000120,"1"],[1700000180,"2"]]}]}}`
	grid := GridOf(time.Unix(1700000000, 0), time.Unix(1700000120, 0), time.Minute)
	require.Equal(t, Grid{Start: 1700000000000, Step: 60000, N: 3}, grid)
	plain, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{})
	require.NoError(t, err)
	for _, window := range []int{16, 100, readBuf} {
		got, err := decodeQueryRange(chunkReader{strings.NewReader(body), 7}, DecodeOptions{Grid: grid}, window)
		require.NoError(t, err)
		require.True(t, sameSeries(plain.Series, got.Series), "window %d: %+v", window, got.Series)
		assert.Equal(t, int64(1700000180000), got.Last)
		full, late, gap, off := got.Series[0].T, got.Series[1].T, got.Series[2].T, got.Series[3].T
		assert.Same(t, &full[1], &late[0], "a series that starts late shares the column")
		assert.NotSame(t, &full[0], &gap[0], "a series with a gap has its own times")
		assert.Equal(t, []int64{1700000001000, 1700000061000}, off)
		assert.Equal(t, 1, cap(full[2:]), "shared times are capped: an append never writes into the column")
	}
	assert.Equal(t, plain.Last, int64(1700000180000))
}

// Memory, not the body, is what is capped: the message names the cap,
// the fleet size that fits at this query's points per series, how many
// series the answer had by then, and how to narrow the query; the decode
// stops there without reading the rest.
func TestMemoryCapTellsTheFleetThatFits(t *testing.T) {
	body := matrixBody(400, 1000) // 400 series × 1,000 points: ~3.2 MB decoded
	cr := &countingReader{r: strings.NewReader(body)}
	grid := Grid{Start: 1700000000000, Step: 60000, N: 1000}
	_, err := DecodeQueryRange(cr, DecodeOptions{Limits: Limits{MaxBytes: 1 << 20}, Grid: grid})
	ue, ok := upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, upstream.TooLarge, ue.Kind)
	msg := err.Error()
	assert.Contains(t, msg, "more than 1 MiB once decoded")
	// 1,000 points × 8 bytes + labels ≈ 8 KiB a series: about 125 fit.
	assert.Regexp(t, `about 12\d series fit`, msg)
	assert.Contains(t, msg, "one query per namespace")
	assert.Less(t, cr.n, int64(len(body)/2), "stopped soon after the cap")

	// Within the cap, the same body decodes; the budget was asked for
	// about what it holds, a little at a time.
	var asked atomic.Int64
	calls := 0
	res, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{Grid: grid, Reserve: func(n int64) error {
		asked.Add(n)
		calls++
		return nil
	}})
	require.NoError(t, err)
	require.Len(t, res.Series, 400)
	assert.InDelta(t, 400*1000*8, float64(asked.Load()), 400*1000*8*0.2)
	assert.Greater(t, calls, 3)

	// A budget that says no ends the decode with its error.
	busy := &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Busy, Msg: "taken"}
	_, err = DecodeQueryRange(strings.NewReader(body), DecodeOptions{Reserve: func(int64) error { return busy }})
	assert.ErrorIs(t, err, busy)

	// The points cap says the same about fleet size.
	_, err = DecodeQueryRange(strings.NewReader(body), DecodeOptions{Limits: Limits{MaxPoints: 50_000}, Grid: grid})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at 1,000 points per series, 50 series fit")
}

// A value longer than the window's bound is refused, not buffered.
func TestHugeTokenRefused(t *testing.T) {
	body := `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"` + strings.Repeat("x", maxWindow+10) + `"},"values":[]}]}}`
	_, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{})
	ue, ok := upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, upstream.TooLarge, ue.Kind)
	assert.Contains(t, err.Error(), "longer than")
}

// Number parsing allocates nothing, on the fast path (short decimals,
// exponents) and off it (17-digit values, NaN, infinities), and neither
// does decoding a sample off the fast path.
func TestParseValueAllocatesNothing(t *testing.T) {
	for _, in := range []string{"536870912", "0.25", "1.5e-07", "123456789.33333333", "NaN", "+Inf", "-Inf", "1e21", "4.9e-324"} {
		b := []byte(in)
		want := mustParse(t, in)
		allocs := testing.AllocsPerRun(100, func() {
			v, err := parseValue(b)
			if err != nil || (math.Float64bits(v) != math.Float64bits(want) && !math.IsNaN(v)) {
				t.Fatalf("%q: %v %v", in, v, err)
			}
		})
		assert.Zero(t, allocs, "%q", in)
	}
}

func mustParse(t *testing.T, s string) float64 {
	t.Helper()
	v, err := parseValue([]byte(s))
	require.NoError(t, err)
	return v
}

// The tenant header and Thanos' partial_response reach the server on
// every call that takes them, against a local server that answers like a
// multi-tenant query frontend (no tenant: 401 "no org id"; a tenant's
// own data) and like Thanos Querier when a store is down (partial
// answers with a warning when allowed, an error when not).
func TestTenantAndPartialResponse(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		org := r.Header.Get("X-Scope-OrgID")
		if org == "" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, "no org id\n")
			return
		}
		if r.Form.Get("partial_response") == "false" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"status":"error","errorType":"execution","error":"receive store 10.0.0.7:10901 unavailable"}`)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/query_range"):
			fmt.Fprintf(w, `{"status":"success","warnings":["receive store 10.0.0.7:10901 unavailable"],"data":{"resultType":"matrix","result":[{"metric":{"tenant":%q},"values":[[1700000000,"1"]]}]}}`, org)
		case strings.HasSuffix(r.URL.Path, "/values"), strings.HasSuffix(r.URL.Path, "/labels"):
			_, _ = io.WriteString(w, `{"status":"success","data":["a"]}`)
		case strings.HasSuffix(r.URL.Path, "/series"):
			_, _ = io.WriteString(w, `{"status":"success","data":[]}`)
		default:
			_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
		}
	}))
	defer ts.Close()
	ctx := context.Background()

	// No tenant: the frontend's own refusal, with the hint about it.
	_, err := newClient(t, Config{URL: ts.URL}).QueryRange(ctx, q0)
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.Unauthorized, ue.Kind)
	assert.Contains(t, err.Error(), "no org id")

	yes, no := true, false
	c := newClient(t, Config{URL: ts.URL, Tenant: " team-a ", PartialResponse: &yes})
	res, err := c.QueryRange(ctx, q0)
	require.NoError(t, err)
	assert.Equal(t, "team-a", res.Series[0].Labels["tenant"])
	assert.Equal(t, []string{"receive store 10.0.0.7:10901 unavailable"}, res.Warnings, "a partial answer says so")
	sel := Selection{Match: []string{"m"}}
	_, _, err = c.Labels(ctx, sel)
	require.NoError(t, err)
	_, _, err = c.LabelValues(ctx, "pod", sel)
	require.NoError(t, err)
	_, _, err = c.Series(ctx, sel)
	require.NoError(t, err)
	mu.Lock()
	for _, r := range seen[1:] {
		assert.Equal(t, "team-a", r.Header.Get("X-Scope-OrgID"), r.URL.Path)
		assert.Equal(t, "true", r.Form.Get("partial_response"), r.URL.Path)
	}
	seen = nil
	mu.Unlock()

	// partial_response=false: the querier's error, kept in its words.
	_, err = newClient(t, Config{URL: ts.URL, Tenant: "team-a", PartialResponse: &no}).QueryRange(ctx, q0)
	ue = asUpstream(t, err)
	assert.Equal(t, upstream.Execution, ue.Kind)
	assert.Contains(t, err.Error(), "receive store 10.0.0.7:10901 unavailable")

	// Unset: the parameter is not sent at all.
	_, err = newClient(t, Config{URL: ts.URL, Tenant: "team-a"}).QueryRange(ctx, q0)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	_, sent := seen[len(seen)-1].Form["partial_response"]
	assert.False(t, sent)
}

// Time shards: a 3-day query with a one-day shard is three requests, each
// inside one UTC day, on the query's step grid, fetched in parallel; the
// joined answer equals one request's, each series' times the one shared
// column.
func TestTimeShards(t *testing.T) {
	var inFlight, most atomic.Int32
	var mu sync.Mutex
	var ranges [][2]string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		start, end, step := parseSec(r.Form.Get("start")), parseSec(r.Form.Get("end")), parseSec(r.Form.Get("step"))
		mu.Lock()
		ranges = append(ranges, [2]string{r.Form.Get("start"), r.Form.Get("end")})
		mu.Unlock()
		// Two series over the range; "b" only from the second day on.
		var b strings.Builder
		b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
		for i, pod := range []string{"a", "b"} {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"metric":{"pod":%q},"values":[`, pod)
			first := true
			for t := start; t <= end; t += step {
				if pod == "b" && t < 1700006400+86400 {
					continue
				}
				if !first {
					b.WriteByte(',')
				}
				first = false
				fmt.Fprintf(&b, `[%d,"%d"]`, int64(t), int64(t)%977)
			}
			b.WriteString("]}")
		}
		b.WriteString("]}}")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, b.String())
	}))
	defer ts.Close()
	ctx := context.Background()
	// 1700006400 is a UTC midnight; start 3 h into that day, run 3 days.
	q := upstream.Query{Expr: "m", Start: time.Unix(1700006400+3*3600, 0), End: time.Unix(1700006400+3*86400+3*3600, 0), Step: 5 * time.Minute}
	whole, err := newClient(t, Config{URL: ts.URL}).QueryRange(ctx, q)
	require.NoError(t, err)
	mu.Lock()
	ranges = nil
	mu.Unlock()
	sharded, err := newClient(t, Config{URL: ts.URL, TimeShard: 24 * time.Hour}).QueryRange(ctx, q)
	require.NoError(t, err)
	require.True(t, sameSeries(whole.Series, sharded.Series), "sharded %+v", sharded.Series)
	assert.Equal(t, whole.Last, sharded.Last)
	assert.Same(t, &sharded.Series[0].T[len(sharded.Series[0].T)-1], &sharded.Series[1].T[len(sharded.Series[1].T)-1],
		"every series on the grid shares the one column")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, ranges, 4, "3 h of day 1, days 2 and 3, 3 h of day 4")
	for _, r := range ranges {
		s, e := parseSec(r[0]), parseSec(r[1])
		assert.Equal(t, math.Floor(s/86400), math.Floor(e/86400), "one UTC day: %v", r)
		assert.Zero(t, math.Mod(s-float64(q.Start.Unix()), 300), "on the step grid: %v", r)
	}
	assert.Greater(t, most.Load(), int32(1), "fetched in parallel")
}

func parseSec(s string) float64 {
	var f float64
	_, _ = fmt.Sscan(s, &f)
	return f
}

// A shard that fails fails the query with its own error.
func TestTimeShardFailure(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if parseSec(r.Form.Get("start")) > 1700006400+86400 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`)
			return
		}
		_, _ = io.WriteString(w, okMatrix)
	}))
	defer ts.Close()
	q := upstream.Query{Expr: "m", Start: time.Unix(1700006400, 0), End: time.Unix(1700006400+3*86400, 0), Step: time.Hour}
	_, err := newClient(t, Config{URL: ts.URL, TimeShard: 24 * time.Hour}).QueryRange(context.Background(), q)
	ue := asUpstream(t, err)
	assert.Equal(t, upstream.Timeout, ue.Kind)
	assert.Contains(t, err.Error(), "query timed out in expression evaluation")
	_ = url.Values{}
}
