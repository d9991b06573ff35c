package prometheus

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

func TestStep(t *testing.T) {
	start := time.Unix(0, 0)
	cases := []struct {
		name   string
		rng    time.Duration
		want   time.Duration
		step   time.Duration
		raised bool
	}{
		{"fits", time.Hour, 15 * time.Second, 15 * time.Second, false},
		{"exactly the cap", 11000 * time.Second, time.Second, time.Second, false},
		{"one over the cap", 11001 * time.Second, time.Second, 2 * time.Second, true},
		{"30 days at 1s", 30 * 24 * time.Hour, time.Second, 236 * time.Second, true},
		{"zero interval", time.Hour, 0, time.Second, false},
		{"sub-ms interval", 5 * time.Second, time.Microsecond, time.Millisecond, false},
		{"empty range", 0, time.Minute, time.Minute, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step, raised := Step(start, start.Add(c.rng), c.want)
			assert.Equal(t, c.step, step)
			assert.Equal(t, c.raised, raised)
			if c.rng > 0 {
				assert.LessOrEqual(t, int64(c.rng/step), int64(MaxPointsPerSeries))
			}
		})
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "prom:9090", "ftp://x", "http://", "http://user:pa55@:bad"} {
		_, err := New(u, nil)
		require.Error(t, err, u)
		assert.NotContains(t, err.Error(), "pa55")
	}
	c, err := New("http://user:pa55@prom:9090", nil)
	require.NoError(t, err)
	assert.NotContains(t, c.URL(), "pa55")
}

// TestQueryRangeRealPrometheus reads back backfilled samples, NaN included.
func TestQueryRangeRealPrometheus(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	var s series.Series
	s.Labels = map[string]string{"__name__": "memshape_up_bytes", "pod": "a"}
	for i := 0; i < 30; i++ {
		s.T = append(s.T, end.Add(-time.Duration(29-i)*time.Minute).UnixMilli())
		v := float64(i) * 1024
		if i == 10 {
			v = math.NaN()
		}
		s.V = append(s.V, v)
	}
	srv := promtest.Start(t, s)
	c, err := New(srv.URL, nil)
	require.NoError(t, err)
	ctx := context.Background()

	version, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `^Connected to Prometheus \d+\.\d+\.\d+$`, version)

	res, err := c.QueryRange(ctx, upstream.Query{Expr: "memshape_up_bytes", Start: end.Add(-29 * time.Minute), End: end, Step: time.Minute})
	require.NoError(t, err)
	require.Len(t, res.Series, 1)
	got := res.Series[0]
	assert.Equal(t, map[string]string{"__name__": "memshape_up_bytes", "pod": "a"}, got.Labels)
	require.Len(t, got.T, 30)
	for i := range got.T {
		assert.Equal(t, s.T[i], got.T[i])
		if i == 10 {
			assert.True(t, math.IsNaN(got.V[i]))
		} else {
			assert.Equal(t, s.V[i], got.V[i])
		}
	}

	_, err = c.QueryRange(ctx, upstream.Query{Expr: "rate(", Start: end.Add(-time.Hour), End: end, Step: time.Minute})
	var pe *upstream.Error
	require.True(t, errors.As(err, &pe), "%v", err)
	assert.Equal(t, http.StatusBadRequest, pe.HTTPStatus)
	assert.Equal(t, "bad_data", pe.Type)
	assert.Equal(t, upstream.BadQuery, pe.Kind)
	assert.Contains(t, err.Error(), "parse error")

	// The editor's metadata calls.
	var ok bool
	sel := Selection{Match: []string{`memshape_up_bytes`}, Start: end.Add(-time.Hour), End: end}
	names, _, err := c.Labels(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, []string{"__name__", "pod"}, names)
	vals, _, err := c.LabelValues(ctx, "pod", sel)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, vals)
	sets, _, err := c.Series(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, []map[string]string{{"__name__": "memshape_up_bytes", "pod": "a"}}, sets)
	md, _, err := c.Metadata(ctx, "", 0)
	require.NoError(t, err)
	assert.Empty(t, md, "backfilled series have no metadata (it comes from scrapes)")
	_, _, err = c.Series(ctx, Selection{Match: []string{"{"}})
	pe, ok = upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "bad_data", pe.Type)

	// Beyond the point cap Prometheus itself refuses: Step exists for this.
	_, err = c.QueryRange(ctx, upstream.Query{Expr: "memshape_up_bytes", Start: end.Add(-24 * time.Hour), End: end, Step: time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "11,000 points")
}

func TestWarningsAndHTTPErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/query_range", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","warnings":["too many samples"],"infos":["an info"],
			"data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[1700000000,"+Inf"],[1700000060.5,"12"]]}]}}`))
	})
	mux.HandleFunc("/api/v1/status/buildinfo", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusForbidden)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c, err := New(ts.URL, ts.Client())
	require.NoError(t, err)
	res, err := c.QueryRange(context.Background(), upstream.Query{Expr: "m", Start: time.Unix(1700000000, 0), End: time.Unix(1700000100, 0), Step: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, []string{"too many samples", "an info"}, res.Warnings)
	require.Len(t, res.Series, 1)
	assert.Equal(t, []int64{1700000000000, 1700000060500}, res.Series[0].T)
	assert.True(t, math.IsInf(res.Series[0].V[0], 1))

	_, err = c.Health(context.Background())
	var pe *upstream.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, http.StatusForbidden, pe.HTTPStatus)
	assert.Equal(t, upstream.Forbidden, pe.Kind)
	assert.Contains(t, err.Error(), "403")
}

// A fleet whose answer slides through the decoder's window hundreds of
// times (400 series × 1,440 points, about 17 MiB) comes back from the real
// Prometheus exactly as it went in — every label set, time and value —
// with compression on and off. (Where a read ends is up to the network;
// TestDecodeEveryCut puts a cut at every place.)
func TestQueryRangeFleetRealPrometheus(t *testing.T) {
	promtest.Require(t)
	const n, points = 400, 1440
	end := time.Now().Truncate(time.Minute)
	gen := promtest.Fleet("memshape_fleet_bytes", n, points, end, time.Minute)
	srv, err := promtest.Launch(promtest.Options{Generate: gen})
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	want := map[string]series.Series{}
	require.NoError(t, gen(func(s series.Series) error {
		want[s.Labels["pod"]] = s
		return nil
	}))
	for _, gzip := range []bool{false, true} {
		c, err := NewWithConfig(Config{URL: srv.URL, Compression: gzip})
		require.NoError(t, err)
		res, err := c.QueryRange(context.Background(), upstream.Query{Expr: "memshape_fleet_bytes", Start: end.Add(-(points - 1) * time.Minute), End: end, Step: time.Minute})
		require.NoError(t, err)
		require.Len(t, res.Series, n, "compression %v", gzip)
		for _, got := range res.Series {
			w, ok := want[got.Labels["pod"]]
			require.True(t, ok, "compression %v: a series nobody wrote: %v", gzip, got.Labels)
			require.Equal(t, w.Labels, got.Labels, "compression %v", gzip)
			require.Equal(t, w.T, got.T, "compression %v: %v", gzip, got.Labels)
			require.Equal(t, w.V, got.V, "compression %v: %v", gzip, got.Labels)
		}
	}
}
