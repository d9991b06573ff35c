package demo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

func TestParseSelector(t *testing.T) {
	labels := map[string]string{"__name__": "mem", "pod": "api-7", "ns": `a"b`}
	for q, want := range map[string]bool{
		`mem`:                             true,
		`mem{}`:                           true,
		`mem{pod="api-7"}`:                true,
		`mem{pod='api-7',}`:               true,
		"mem{pod=`api-7`}":                true,
		`{__name__="mem", pod=~"api-.*"}`: true,
		`mem{pod!~"api-[0-6]"}`:           true,
		`mem{ns="a\"b"}`:                  true,
		`mem{pod="api"}`:                  false,
		`mem{pod=~"api"}`:                 false, // anchored, as in Prometheus
		`mem{missing=""}`:                 true,  // a missing label is empty
		`other`:                           false,
	} {
		sel, err := ParseSelector(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := sel.Matches(labels); got != want {
			t.Errorf("%s matches %v: %v, want %v", q, labels, got, want)
		}
	}
	for _, q := range []string{``, `rate(mem[5m])`, `mem{pod}`, `mem{pod="a"`, `mem{pod=a}`, `mem{pod=~"("}`, `sum(mem)`, `{}`} {
		if _, err := ParseSelector(q); err == nil {
			t.Errorf("%q: no error", q)
		} else if !strings.Contains(err.Error(), "prometheus") && !strings.Contains(err.Error(), "regular expression") {
			t.Errorf("%q: %v: the error should say how to get full PromQL", q, err)
		}
	}
}

// At selects as Prometheus does: the latest sample at or before t, not
// older than the lookback.
func TestAtLooksBackFiveMinutes(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := series.Series{T: []int64{base.UnixMilli(), base.Add(time.Minute).UnixMilli()}, V: []float64{1, 2}}
	for _, c := range []struct {
		at   time.Duration
		v    float64
		seen bool
	}{{-time.Second, 0, false}, {0, 1, true}, {59 * time.Second, 1, true}, {time.Minute, 2, true}, {6*time.Minute - time.Millisecond, 2, true}, {6 * time.Minute, 0, false}} {
		v, ok := At(s, base.Add(c.at))
		if ok != c.seen || (ok && v != c.v) {
			t.Errorf("at +%s: %v %v, want %v %v", c.at, v, ok, c.v, c.seen)
		}
	}
}

func TestAPIAnswersLikePrometheus(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	hist := History(Workloads(now), now.Add(-time.Hour), now, time.Minute, ScrapeLabels())
	srv := httptest.NewServer(NewAPI(hist))
	defer srv.Close()
	// What the history holds: the memory series of namespace shop, and the
	// pods of namespace search, sorted.
	var shop []string
	searchPods := map[string]bool{}
	for _, s := range hist {
		if s.Labels["__name__"] != MemoryMetric {
			continue
		}
		switch s.Labels["namespace"] {
		case "shop":
			shop = append(shop, s.Labels["pod"])
		case "search":
			searchPods[s.Labels["pod"]] = true
		}
	}
	pods := make([]string, 0, len(searchPods))
	for p := range searchPods {
		pods = append(pods, p)
	}
	sort.Strings(pods)
	call := func(path string, form url.Values) (int, map[string]any) {
		resp, err := http.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	code, body := call("/api/v1/query_range", url.Values{"query": {`container_memory_working_set_bytes{namespace="shop"}`},
		"start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)}, "end": {now.Format(time.RFC3339)}, "step": {"5m"}})
	res := body["data"].(map[string]any)["result"].([]any)
	if code != 200 || len(res) != len(shop) || len(shop) < 10 {
		t.Fatalf("query_range: %d, %d series, want the %d in namespace shop", code, len(res), len(shop))
	}
	first := res[0].(map[string]any)
	if vals := first["values"].([]any); len(vals) != 13 {
		t.Errorf("%d points over an hour at 5 min, want 13", len(vals))
	}
	if m := first["metric"].(map[string]any); m["job"] != Job || m["namespace"] != "shop" || m["id"] == "" {
		t.Errorf("first series %v: want a container of namespace shop with job %s", m, Job)
	}
	code, body = call("/api/v1/query_range", url.Values{"query": {`rate(x[5m])`}, "start": {"0"}, "end": {"60"}, "step": {"15"}})
	if code != 400 || body["errorType"] != "bad_data" || !strings.Contains(body["error"].(string), "apt-get install prometheus") {
		t.Errorf("a function: %d %v", code, body)
	}
	code, body = call("/api/v1/label/pod/values", url.Values{"match[]": {`{namespace="search"}`}})
	if got := body["data"].([]any); code != 200 || len(got) != len(pods) || got[0] != pods[0] {
		t.Errorf("label values: %d %v, want %v", code, body, pods)
	}
	if code, _ := call("/api/v1/query", url.Values{"query": {"x"}}); code != 404 {
		t.Errorf("instant query: %d, want 404 naming what is served", code)
	}
}
