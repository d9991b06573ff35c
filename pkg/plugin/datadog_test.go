package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// datadogStandIn speaks Datadog's documented /api/v1/query and
// /api/v1/validate JSON, serving the fixture's memory series (tags
// pod:…, namespace:…) over the asked range, with the keys it wants.
type datadogStandIn struct {
	apiKey, appKey string
	mu             sync.Mutex
	queries        []string
	rateLimitOnce  bool
	// answer, when set, gives the series in Datadog's form for a range
	// (ms) instead of the fixture's.
	answer func(from, to int64) []map[string]any
}

func (f *datadogStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Header.Get("DD-API-KEY") != f.apiKey:
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errors":["Forbidden"]}`))
		return
	case r.URL.Path == "/api/v1/validate":
		_, _ = w.Write([]byte(`{"valid":true}`))
		return
	case r.Header.Get("DD-APPLICATION-KEY") != f.appKey:
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errors":["Forbidden"]}`))
		return
	}
	switch {
	case r.URL.Path == "/api/v1/metrics":
		_, _ = w.Write([]byte(`{"from":"` + r.URL.Query().Get("from") + `","metrics":["system.mem.used","kubernetes.memory.usage","kubernetes.memory.working_set"]}`))
		return
	case r.URL.Path == "/api/v1/tags/hosts":
		_, _ = w.Write([]byte(`{"tags":{"namespace:prod":["node-1","node-2"],"namespace:stage":["node-3"],"cluster:eu-1":["node-1","node-2","node-3"]}}`))
		return
	case r.URL.Path == "/api/v2/metrics/kubernetes.memory.usage/all-tags":
		tags := []string{"namespace:prod"}
		for _, s := range fixture.Series() {
			tags = append(tags, "service:"+s.Labels["service"])
		}
		body, _ := json.Marshal(map[string]any{"data": map[string]any{"type": "metrics", "id": "kubernetes.memory.usage", "attributes": map[string]any{"tags": tags}}})
		_, _ = w.Write(body)
		return
	case r.URL.Path != "/api/v1/query":
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":["Not found"]}`))
		return
	}
	keep, err := scopeMatcher(r.URL.Query().Get("query"))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":["Error parsing query: ` + err.Error() + `"]}`))
		return
	}
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.Query().Get("query"))
	limited := f.rateLimitOnce
	f.rateLimitOnce = false
	f.mu.Unlock()
	if limited {
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Period", "10")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"errors":["Rate limit of 100 requests in 10 seconds reached."]}`))
		return
	}
	var from, to int64
	_, _ = fmt.Sscan(r.URL.Query().Get("from"), &from)
	_, _ = fmt.Sscan(r.URL.Query().Get("to"), &to)
	var out []map[string]any
	if f.answer != nil {
		out = f.answer(from*1000, to*1000)
	}
	for _, s := range fixture.Series() {
		if f.answer != nil || s.Labels["__name__"] != fixture.Metric || s.Labels["shape"] != "" || !keep(map[string]string{"namespace": s.Labels["namespace"], "service": s.Labels["service"]}) {
			continue
		}
		out = append(out, ddSeries(s, from*1000, to*1000))
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok", "res_type": "time_series", "from_date": from * 1000, "to_date": to * 1000, "series": out, "query": r.URL.Query().Get("query")})
}

// scopeMatcher reads the scope of a metrics query as Datadog's documented
// syntax has it — "*", or conditions joined by commas (key:value,
// !key:value) or by AND (key:value, NOT key:value, key IN (a, b), key NOT
// IN (a, b)), the two never mixed — and says which tag sets it selects.
func scopeMatcher(query string) (func(tags map[string]string) bool, error) {
	open, end := strings.IndexByte(query, '{'), strings.IndexByte(query, '}')
	if open < 0 || end < open {
		return nil, fmt.Errorf("no scope in %q", query)
	}
	scope := strings.TrimSpace(query[open+1 : end])
	if scope == "*" {
		return func(map[string]string) bool { return true }, nil
	}
	type cond struct {
		key    string
		values []string
		not    bool
	}
	var conds []cond
	boolean := strings.Contains(scope, " AND ") || strings.Contains(scope, " IN ") || strings.HasPrefix(scope, "NOT ")
	if boolean && (strings.Contains(scope, ",") && !strings.Contains(scope, "(") || strings.Contains(scope, "!")) {
		return nil, fmt.Errorf("mixed scope syntax in %q", scope)
	}
	sep := ","
	if boolean {
		sep = " AND "
	}
	for _, term := range strings.Split(scope, sep) {
		term = strings.TrimSpace(term)
		c := cond{}
		if strings.HasPrefix(term, "!") || strings.HasPrefix(term, "NOT ") {
			c.not, term = true, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(term, "!"), "NOT "))
		}
		if k, list, ok := strings.Cut(term, " NOT IN ("); ok {
			c.key, c.not, c.values = k, true, strings.Split(strings.TrimSuffix(list, ")"), ", ")
		} else if k, list, ok := strings.Cut(term, " IN ("); ok {
			c.key, c.values = k, strings.Split(strings.TrimSuffix(list, ")"), ", ")
		} else if k, v, ok := strings.Cut(term, ":"); ok {
			c.key, c.values = k, []string{v}
		} else {
			return nil, fmt.Errorf("cannot read %q", term)
		}
		conds = append(conds, c)
	}
	return func(tags map[string]string) bool {
		for _, c := range conds {
			in := false
			for _, v := range c.values {
				in = in || tags[c.key] == v
			}
			if in == c.not {
				return false
			}
		}
		return true
	}, nil
}

// ddSeries is one series in Datadog's pointlist form at 5-minute
// resolution, with a null point now and then.
func ddSeries(s series.Series, from, to int64) map[string]any {
	return ddTagged(s, from, to, []string{"namespace:" + s.Labels["namespace"], "service:" + s.Labels["service"]})
}

// ddTagged is s in Datadog's pointlist form at 5-minute resolution, with
// the given tags.
func ddTagged(s series.Series, from, to int64, tags []string) map[string]any {
	var pl [][2]any
	for i, t := range s.T {
		if t < from || t > to || (t/60000)%5 != 0 {
			continue
		}
		if i%97 == 0 {
			pl = append(pl, [2]any{float64(t), nil})
			continue
		}
		pl = append(pl, [2]any{float64(t), s.V[i]})
	}
	return map[string]any{
		"metric": "kubernetes.memory.usage", "display_name": "kubernetes.memory.usage", "pointlist": pl,
		"scope": strings.Join(tags, ","), "tag_set": tags, "expression": "avg:kubernetes.memory.usage{" + strings.Join(tags, ",") + "}",
		"length": len(pl), "interval": 300, "aggr": "avg",
	}
}

// The same outputs, overlays, badge, alert numbers and annotations from
// Datadog, through the official client, as from Prometheus.
func TestDatadogThroughThePlugin(t *testing.T) {
	dd := &datadogStandIn{apiKey: "dd-api-key-0001", appKey: "dd-app-key-0002"}
	srv := httptest.NewServer(dd)
	t.Cleanup(srv.Close)
	secure := map[string]string{"datadogApiKey": dd.apiKey, "datadogAppKey": dd.appKey}
	ds := settings("", `{"upstream":"datadog","datadogSite":"`+srv.URL+`"}`, secure)
	client := startPlugin(t)

	h, err := client.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: pctx(ds)})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusOk, h.Status, h.Message)

	expr := map[string]any{"expr": "avg:kubernetes.memory.usage{namespace:prod} by {pod}", "limitBytes": 4 << 30}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range expr {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	dd.rateLimitOnce = true
	resp := run(t, ds, nil,
		panelQuery("table", with("output", "verdicts"), time.Hour, 15*time.Second),
		panelQuery("series", with("output", "series"), 6*time.Hour, time.Minute),
		panelQuery("annotations", with("output", "annotations"), week, 10*time.Minute),
	)
	rows := tableRows(t, resp.Responses["table"].Frames)
	require.Len(t, rows, 4, "%v", rows)
	assert.Equal(t, "leak", rows["leak-1"]["shape"])
	assert.Equal(t, "leak", rows["leak-restart"]["shape"])
	assert.Contains(t, []any{"bloat", "fragmentation"}, rows["trap"]["shape"])
	assert.Equal(t, "healthy", rows["steady"]["shape"])

	var names []string
	for _, f := range resp.Responses["series"].Frames {
		names = append(names, f.Fields[1].Config.DisplayNameFromDS)
	}
	assert.Contains(t, strings.Join(names, "\n"), "leak-1 · LEAK\n")
	assert.Contains(t, strings.Join(names, "\n"), "leak-1 · linear fit")
	assert.Greater(t, resp.Responses["annotations"].Frames[0].Rows(), 3)

	alert := run(t, ds, fromAlert, alertQuery("A", expr))
	got, err := dataplanetest.Check(alert.Responses["A"].Frames)
	require.NoError(t, err)
	assert.Len(t, got[data.FrameTypeNumericMulti], 4)
	for labels, v := range alertValues(t, alert.Responses["A"].Frames) {
		if strings.Contains(labels, "service=leak-1") {
			assert.Greater(t, *v, 0.5, labels)
		}
	}
	dd.mu.Lock()
	for _, q := range dd.queries {
		if strings.Contains(q, "kubernetes.memory.usage") {
			assert.Contains(t, q, ".rollup(avg, ", "the rollup follows the step")
		}
	}
	dd.mu.Unlock()

	// A wrong application key: the health check says which one.
	bad := settings("", `{"upstream":"datadog","datadogSite":"`+srv.URL+`"}`, map[string]string{"datadogApiKey": dd.apiKey, "datadogAppKey": "wrong-app-key-9"})
	h, err = client.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: pctx(bad)})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusError, h.Status)
	assert.Contains(t, h.Message, "application key")
	assert.NotContains(t, h.Message, "wrong-app-key-9")
	assert.NotContains(t, h.Message, dd.apiKey)
}

// Datadog's Agent tags the demo cluster's containers as the Kubernetes tag
// extraction does: pod_name, kube_namespace, kube_container_name and the
// owner (kube_deployment, kube_stateful_set, kube_daemon_set). Grouped
// `by {pod_name,…}`, a pod is one series — its restarted containers in
// it — and the plugin judges each workload across its pods, as from
// Prometheus.
func TestDatadogWorkloadsByPodName(t *testing.T) {
	ws := demo.Workloads(clusterEnd)
	hist := demo.History(ws, clusterEnd.Add(-8*24*time.Hour), clusterEnd, 5*time.Minute, nil)
	owner := map[string]string{}
	for _, w := range ws {
		tag := map[workload.Kind]string{workload.Deployment: "kube_deployment", workload.StatefulSet: "kube_stateful_set", workload.DaemonSet: "kube_daemon_set"}[w.Kind]
		owner[w.Namespace+"/"+w.Name] = tag + ":" + w.Name
	}
	// One series per pod: its containers' samples together.
	byPod := map[string]*series.Series{}
	var order []string
	for _, s := range hist {
		if s.Labels["__name__"] != demo.MemoryMetric {
			continue
		}
		key := s.Labels["namespace"] + "/" + s.Labels["pod"]
		p, ok := byPod[key]
		if !ok {
			p = &series.Series{Labels: s.Labels}
			byPod[key] = p
			order = append(order, key)
		}
		p.T, p.V = append(p.T, s.T...), append(p.V, s.V...)
	}
	dd := &datadogStandIn{apiKey: "dd-api-key-0001", appKey: "dd-app-key-0002", answer: func(from, to int64) []map[string]any {
		var out []map[string]any
		for _, key := range order {
			s := *byPod[key]
			w := workload.ParsePod(s.Labels["pod"]).Workload
			tags := []string{"pod_name:" + s.Labels["pod"], "kube_namespace:" + s.Labels["namespace"], "kube_container_name:" + s.Labels["container"],
				owner[s.Labels["namespace"]+"/"+w]}
			if d := ddTagged(s, from, to, tags); d["length"].(int) > 0 {
				out = append(out, d)
			}
		}
		return out
	}}
	srv := httptest.NewServer(dd)
	t.Cleanup(srv.Close)
	ds := settings("", `{"upstream":"datadog","datadogSite":"`+srv.URL+`"}`, map[string]string{"datadogApiKey": dd.apiKey, "datadogAppKey": dd.appKey})
	expr := "avg:kubernetes.memory.usage{*} by {pod_name,kube_namespace,kube_container_name,kube_deployment,kube_stateful_set,kube_daemon_set}"
	resp := run(t, ds, nil, q("A", map[string]any{"expr": expr, "output": "verdicts"}, clusterEnd.Add(-7*24*time.Hour), clusterEnd, 10*time.Minute))
	rows := tableRows(t, resp.Responses["A"].Frames)
	require.Len(t, rows, len(ws), "one row per workload: %v", keys(rows))
	for _, w := range ws {
		row, ok := rows[w.Namespace+"/"+w.Name]
		require.True(t, ok, "no row for %s/%s in %v", w.Namespace, w.Name, keys(rows))
		got := shape.Shape(row["shape"].(string))
		assert.True(t, w.Correct(got), "%s/%s (%s): %s — %s", w.Namespace, w.Name, w.Story, got, row["explanation"])
		assert.Equal(t, w.Namespace, row["namespace"], "the workload's namespace, from kube_namespace")
		assert.Equal(t, w.Name, row["workload"], "from the owner tag")
	}
	assert.Greater(t, rows["kube-system/node-agent"]["restarts"], int64(0), "a pod's OOM-killed container restarts inside its series")
}

// Two series with the same labels (a Datadog query of two metrics, or
// label_replace) are both returned, on every output, told apart by
// memshape_series.
func TestSeriesWithTheSameLabelsAreAllReturned(t *testing.T) {
	a := fixture.Series()[0] // leak-1
	b := fixture.Series()[3] // steady
	tags := []string{"service:same", "namespace:prod"}
	dd := &datadogStandIn{apiKey: "k1", appKey: "k2", answer: func(from, to int64) []map[string]any {
		return []map[string]any{ddTagged(a, from, to, tags), ddTagged(b, from, to, tags)}
	}}
	srv := httptest.NewServer(dd)
	t.Cleanup(srv.Close)
	ds := settings("", `{"upstream":"datadog","datadogSite":"`+srv.URL+`"}`, map[string]string{"datadogApiKey": "k1", "datadogAppKey": "k2"})
	model := func(out string) map[string]any {
		return map[string]any{"expr": "avg:kubernetes.memory.usage{service:same}", "output": out}
	}
	resp := run(t, ds, nil,
		panelQuery("series", model("series"), 6*time.Hour, time.Minute),
		panelQuery("table", model("verdicts"), 6*time.Hour, time.Minute),
	)
	var drawn []*data.Frame
	for _, f := range resp.Responses["series"].Frames {
		if _, overlay := f.Fields[1].Labels[frames.OverlayLabel]; !overlay {
			drawn = append(drawn, f)
		}
	}
	require.Len(t, drawn, 2)
	seen := map[string]bool{}
	for _, f := range drawn {
		assert.Greater(t, f.Rows(), 60, "each series with its own points (6 h at 5 min): %s", f.Fields[1].Labels)
		seen[f.Fields[1].Labels.String()] = true
	}
	assert.Len(t, seen, 2, "label sets told apart")
	assert.Equal(t, 2, verdictFrame(t, resp.Responses["table"].Frames).Rows())
	alert := run(t, ds, fromAlert, alertQuery("A", model("alert")))
	assert.Len(t, alert.Responses["A"].Frames, 2)
}
