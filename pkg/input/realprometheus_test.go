package input

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
)

// The body a real Prometheus returns for /api/v1/query_range — what
// `curl … | memshape classify` feeds in — reads back to the same points
// and labels, and the sniffer takes it for Prometheus.
func TestReadRealPrometheusBody(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	var want []series.Series
	for _, pod := range []string{"api-1", "api-2"} {
		s := series.Series{Labels: map[string]string{"__name__": "memshape_input_bytes", "pod": pod}}
		for i := 0; i < 120; i++ {
			s.T = append(s.T, end.Add(-time.Duration(119-i)*time.Minute).UnixMilli())
			s.V = append(s.V, 5e8+float64(i)*1e6+float64(len(pod)))
		}
		want = append(want, s)
	}
	srv := promtest.Start(t, want...)

	q := url.Values{
		"query": {"memshape_input_bytes"},
		"start": {strconv.FormatInt(end.Add(-119*time.Minute).Unix(), 10)},
		"end":   {strconv.FormatInt(end.Unix(), 10)},
		"step":  {"60"},
	}
	resp, err := http.Get(srv.URL + "/api/v1/query_range?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("query_range: %v, HTTP %d: %s", err, resp.StatusCode, body)
	}

	res, err := Read(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, body)
	}
	if res.Format != Prometheus {
		t.Errorf("format %s", res.Format)
	}
	got := res.Series
	if len(got) != 2 {
		t.Fatalf("%d series, want 2", len(got))
	}
	for _, g := range got {
		var w series.Series
		for _, s := range want {
			if s.Labels["pod"] == g.Labels["pod"] {
				w = s
			}
		}
		if g.Labels["__name__"] != "memshape_input_bytes" || w.Labels == nil {
			t.Fatalf("labels %v", g.Labels)
		}
		if len(g.T) != len(w.T) {
			t.Fatalf("%s: %d points, want %d", g.Labels["pod"], len(g.T), len(w.T))
		}
		for i := range g.T {
			if g.T[i] != w.T[i] || math.Abs(g.V[i]-w.V[i]) > 1e-6 {
				t.Fatalf("%s point %d: (%d, %v), want (%d, %v)", g.Labels["pod"], i, g.T[i], g.V[i], w.T[i], w.V[i])
			}
		}
	}
}
