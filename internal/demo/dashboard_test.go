package demo_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/pkg/plugin"
	"github.com/memshape/memory-datasource/pkg/shape"
	_ "github.com/memshape/memory-datasource/pkg/upstream/all" // the upstreams the data source offers
	"github.com/memshape/memory-datasource/pkg/workload"
)

// go test ./internal/demo -run TestDashboardAnswers -update rewrites
// testdata/dashboard.
var update = flag.Bool("update", false, "rewrite the dashboard's answers in testdata/dashboard")

const (
	serviceDashboard = "../../provisioning/dashboards/service.json"
	fleetDashboard   = "../../provisioning/dashboards/fleet.json"
	datasourcesYML   = "../../provisioning/datasources/datasources.yml"
	answersDir       = "testdata/dashboard"
	pluginType       = "memshape-memory-datasource"
)

// dashboardNow is the moment the dashboard is opened: fixed, so the answers
// are the same on every run (the demo's own tests use the same moment).
var dashboardNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// The interval Grafana would send is the range over the panel's width in
// pixels, about 5 minutes for seven days on a 1600-pixel dashboard. The
// time series panel asks for 15 minutes instead, which keeps its stored
// answer small (~670 points a series, not ~2,000) and draws the same
// curves at that width; the verdicts do not depend on it (the analysis
// window's step depends only on the window).
const (
	defaultInterval    = 5 * time.Minute
	timeSeriesInterval = 15 * time.Minute
)

// The parts of a dashboard JSON the answers depend on.
type dashboardJSON struct {
	Time struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []struct {
			Type     string `json:"type"`
			Name     string `json:"name"`
			AllValue string `json:"allValue"`
			Current  struct {
				Value any `json:"value"`
			} `json:"current"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string         `json:"name"`
			Datasource dsRef          `json:"datasource"`
			Target     map[string]any `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		ID         int              `json:"id"`
		Type       string           `json:"type"`
		Title      string           `json:"title"`
		Datasource dsRef            `json:"datasource"`
		Targets    []map[string]any `json:"targets"`
	} `json:"panels"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// request is one /api/ds/query call Grafana makes for the dashboard: the
// panel (or annotation) it is for, the range and the queries as sent.
// testdata/dashboard/requests.json lists them, for the frontend that draws
// the dashboard from the answers.
type request struct {
	File          string           `json:"file"`
	PanelID       int              `json:"panelId,omitempty"`
	Annotation    string           `json:"annotation,omitempty"`
	From          int64            `json:"from"`
	To            int64            `json:"to"`
	IntervalMs    int64            `json:"intervalMs"`
	MaxDataPoints int64            `json:"maxDataPoints"`
	Queries       []map[string]any `json:"queries"`
}

// TestDashboardAnswers opens the provisioned "Memory shapes — fleet"
// dashboard on the demo workload as Grafana would at dashboardNow: every
// query of its panels and annotations, its variables at their saved
// values, over its time range, through the plugin (NewDatasource with the
// provisioned data source's settings, then QueryData) against the
// in-process Prometheus stand-in holding the backfilled history. It writes
// each answer — json.Marshal(backend.QueryDataResponse), the /api/ds/query
// body — to testdata/dashboard under -update and otherwise checks that it
// has not changed. The screenshot harness draws the dashboard from them
// (docs/img/demo-dashboard.png) and src/demoDashboard.test.tsx checks what
// its panels show.
func TestDashboardAnswers(t *testing.T) {
	log.DefaultLogger = log.NewWithLevel(log.Warn)
	var dash dashboardJSON
	readJSON(t, fleetDashboard, &dash)
	from, err := relativeTime(dash.Time.From, dashboardNow)
	if err != nil {
		t.Fatalf("dashboard time.from: %v", err)
	}
	to, err := relativeTime(dash.Time.To, dashboardNow)
	if err != nil {
		t.Fatalf("dashboard time.to: %v", err)
	}
	vars := variableValues(t, dash)

	workloads := demo.Workloads(dashboardNow)
	hist := demo.History(workloads, dashboardNow.Add(-demo.HistoryDays*24*time.Hour), dashboardNow, demo.HistoryStep, demo.ScrapeLabels())
	srv := httptest.NewServer(demo.NewAPI(hist))
	defer srv.Close()
	ds := provisionedDatasource(t, srv.URL)

	var reqs []request
	panels := map[int]bool{}
	for _, p := range dash.Panels {
		panels[p.ID] = true
		if p.Datasource.Type != pluginType {
			continue
		}
		interval := defaultInterval
		if p.Type == "timeseries" {
			interval = timeSeriesInterval
		}
		r := request{File: fmt.Sprintf("panel-%d.json", p.ID), PanelID: p.ID}
		for _, target := range p.Targets {
			r.Queries = append(r.Queries, interpolate(t, target, vars))
		}
		reqs = append(reqs, r.at(from, to, interval))
	}
	for i, a := range dash.Annotations.List {
		if a.Datasource.Type != pluginType {
			continue
		}
		r := request{File: fmt.Sprintf("annotation-%d.json", i), Annotation: a.Name}
		q := interpolate(t, a.Target, vars)
		// What the data source's annotation support sends (src/datasource.ts prepareQuery): the saved target,
		// asking for events whatever output it was saved with.
		q["output"] = "annotations"
		r.Queries = []map[string]any{q}
		reqs = append(reqs, r.at(from, to, defaultInterval))
	}
	// The panels that reuse another panel's answer (the -- Dashboard -- data source) send no query: they must
	// point at a panel that does.
	for _, p := range dash.Panels {
		if p.Datasource.UID != "-- Dashboard --" {
			continue
		}
		for _, target := range p.Targets {
			id, _ := target["panelId"].(float64)
			if !slices.ContainsFunc(reqs, func(r request) bool { return r.PanelID == int(id) }) {
				t.Errorf("panel %d %q reuses panel %v, which has no query of this data source", p.ID, p.Title, target["panelId"])
			}
		}
	}

	answers := map[string]*backend.QueryDataResponse{}
	for _, r := range reqs {
		resp := queryData(t, ds, r)
		answers[r.File] = resp
		got, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		compareOrWrite(t, r.File, append(got, '\n'))
	}
	index, err := json.MarshalIndent(reqs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compareOrWrite(t, "requests.json", append(index, '\n'))

	checkAnswers(t, reqs, answers, workloads)
}

// at sets the request's range, interval and max data points as Grafana
// does for a panel of (to − from) / interval pixels, and the same on each
// query (Grafana sends them in every query's JSON too).
func (r request) at(from, to time.Time, interval time.Duration) request {
	r.From, r.To = from.UnixMilli(), to.UnixMilli()
	r.IntervalMs = interval.Milliseconds()
	r.MaxDataPoints = int64(to.Sub(from)/interval) + 1
	for _, q := range r.Queries {
		q["intervalMs"] = r.IntervalMs
		q["maxDataPoints"] = r.MaxDataPoints
	}
	return r
}

func queryData(t *testing.T, ds backend.DataSourceInstanceSettings, r request) *backend.QueryDataResponse {
	t.Helper()
	inst, err := plugin.NewDatasource(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	handler, ok := inst.(backend.QueryDataHandler)
	if !ok {
		t.Fatal("the data source does not answer queries")
	}
	req := &backend.QueryDataRequest{PluginContext: backend.PluginContext{PluginID: pluginType, DataSourceInstanceSettings: &ds}}
	for _, q := range r.Queries {
		raw, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: q["refId"].(string), JSON: raw,
			TimeRange:     backend.TimeRange{From: time.UnixMilli(r.From).UTC(), To: time.UnixMilli(r.To).UTC()},
			Interval:      time.Duration(r.IntervalMs) * time.Millisecond,
			MaxDataPoints: r.MaxDataPoints,
		})
	}
	resp, err := handler.QueryData(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", r.File, err)
	}
	for ref, dr := range resp.Responses {
		if dr.Error != nil {
			t.Fatalf("%s: query %s: %v", r.File, ref, dr.Error)
		}
	}
	return resp
}

func compareOrWrite(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(answersDir, name)
	if *update {
		if err := os.MkdirAll(answersDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: write the answers with go test ./internal/demo -run TestDashboardAnswers -update", err)
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s (new): %v", name, err)
	}
	wb, _ := json.Marshal(w)
	gb, _ := json.Marshal(g)
	if string(wb) != string(gb) {
		t.Errorf("%s changed: if that is intended (the dashboard, the plugin or the workload changed), run go test ./internal/demo -run TestDashboardAnswers -update and look at docs/img/demo-dashboard.png again (npm run screenshots)", path)
	}
}

// checkAnswers: what the dashboard needs from the answers is there — a
// verdict row per workload with the shape it was built with, its pods'
// series in the time series panel with the growing ones' fits, and jump,
// rollout and restart events.
func checkAnswers(t *testing.T, reqs []request, answers map[string]*backend.QueryDataResponse, workloads []demo.Workload) {
	for _, r := range reqs {
		resp := answers[r.File]
		for _, q := range r.Queries {
			frames := resp.Responses[q["refId"].(string)].Frames
			switch q["output"] {
			case "verdicts":
				checkVerdicts(t, r.File, frames, workloads)
			case "series":
				checkSeries(t, r.File, frames, workloads)
			case "annotations":
				checkEvents(t, r.File, frames)
			}
		}
	}
}

func checkVerdicts(t *testing.T, file string, frames data.Frames, workloads []demo.Workload) {
	if len(frames) != 1 || frames[0].Name != "verdicts" {
		t.Fatalf("%s: want one verdicts frame, got %d frames", file, len(frames))
	}
	f := frames[0]
	if f.Rows() != len(workloads) {
		t.Errorf("%s: %d verdict rows, want one per workload (%d)", file, f.Rows(), len(workloads))
	}
	for i := range f.Rows() {
		ns, name, got := cellString(f, "namespace", i), cellString(f, "workload", i), cellString(f, "shape", i)
		w := built(workloads, ns, name)
		if w == nil {
			t.Errorf("%s: row %s/%s is no demo workload", file, ns, name)
			continue
		}
		if !w.Correct(shape.Shape(got)) {
			t.Errorf("%s: %s/%s is %s, the workload was built as %s (%s)", file, ns, name, got, w.Want, w.Story)
		}
	}
}

// checkSeries: the growing workloads' pods are drawn, each growing
// workload with its fit or steps.
func checkSeries(t *testing.T, file string, frames data.Frames, workloads []demo.Workload) {
	seen := map[string]bool{}
	fits := map[string]bool{}
	for _, f := range frames {
		if len(f.Fields) != 2 {
			continue
		}
		v := f.Fields[1]
		if kind, ok := v.Labels["memshape_overlay"]; ok {
			if kind == "fit" || kind == "steps" {
				fits[v.Labels["namespace"]+"/"+v.Labels["workload"]] = true
			}
			continue
		}
		seen[v.Labels["namespace"]+"/"+workload.ParsePod(v.Labels["pod"]).Workload] = true
	}
	if len(seen) == 0 {
		t.Errorf("%s: no series", file)
	}
	for name := range seen {
		ns, wl, _ := strings.Cut(name, "/")
		w := built(workloads, ns, wl)
		if w == nil {
			t.Errorf("%s: series of %s, no demo workload", file, name)
			continue
		}
		if w.Want != shape.Healthy && !fits[name] {
			t.Errorf("%s: %s (%s) has no fit or steps overlay", file, name, w.Want)
		}
	}
}

func checkEvents(t *testing.T, file string, frames data.Frames) {
	if len(frames) != 1 || frames[0].Name != "annotations" {
		t.Fatalf("%s: want one annotations frame, got %d frames", file, len(frames))
	}
	kinds := map[string]int{}
	f := frames[0]
	for i := range f.Rows() {
		kinds[strings.Fields(cellString(f, "title", i) + " ?")[0]]++
	}
	for _, k := range []string{"Jump", "Rollout", "Restart"} {
		if kinds[k] == 0 {
			t.Errorf("%s: no %s event among %v", file, k, kinds)
		}
	}
}

func built(workloads []demo.Workload, ns, name string) *demo.Workload {
	for i := range workloads {
		if workloads[i].Namespace == ns && workloads[i].Name == name {
			return &workloads[i]
		}
	}
	return nil
}

func cellString(f *data.Frame, name string, i int) string {
	fld, idx := f.FieldByName(name)
	if idx < 0 {
		return ""
	}
	switch v := fld.At(i).(type) {
	case string:
		return v
	case *string:
		if v != nil {
			return *v
		}
	}
	return ""
}

// provisionedDatasource is the data source as
// provisioning/datasources/datasources.yml provisions it (its jsonData),
// pointed at url.
func provisionedDatasource(t *testing.T, url string) backend.DataSourceInstanceSettings {
	t.Helper()
	raw, err := os.ReadFile(datasourcesYML)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Datasources []struct {
			Name     string         `yaml:"name"`
			Type     string         `yaml:"type"`
			UID      string         `yaml:"uid"`
			JSONData map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatalf("%s: %v", datasourcesYML, err)
	}
	for _, d := range file.Datasources {
		if d.Type != pluginType {
			continue
		}
		jd, err := json.Marshal(d.JSONData)
		if err != nil {
			t.Fatal(err)
		}
		return backend.DataSourceInstanceSettings{UID: d.UID, Name: d.Name, Type: d.Type, URL: url, JSONData: jd}
	}
	t.Fatalf("%s provisions no %s data source", datasourcesYML, pluginType)
	return backend.DataSourceInstanceSettings{}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// relativeTime reads a dashboard time: "now", "now-7d", "now-12h" (units
// s, m, h, d, w).
func relativeTime(s string, now time.Time) (time.Time, error) {
	if s == "now" {
		return now, nil
	}
	m := regexp.MustCompile(`^now-(\d+)([smhdw])$`).FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q: want now or now-<n><s|m|h|d|w>", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return now.Add(-time.Duration(n) * unit), nil
}

// variableValues are the dashboard's variables at their saved values, as
// the data source's interpolation renders them: "All" with a custom all
// value is that value verbatim (Grafana does not escape it); the data
// source variable does not appear in queries.
func variableValues(t *testing.T, dash dashboardJSON) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range dash.Templating.List {
		if v.Type == "datasource" {
			continue
		}
		all := false
		switch cur := v.Current.Value.(type) {
		case string:
			all = cur == "$__all"
		case []any:
			all = len(cur) == 1 && cur[0] == "$__all"
		}
		if !all || v.AllValue == "" {
			t.Fatalf("variable %s: only All with a custom all value is rendered here (saved: %v)", v.Name, v.Current.Value)
		}
		out[v.Name] = v.AllValue
	}
	return out
}

// The macros the backend interpolates (CONTRACT.md): left in the query.
var backendMacros = regexp.MustCompile(`^\$__(interval|interval_ms|range|range_s|range_ms|rate_interval|workloadPods)\b`)

// interpolate replaces $name and ${name} in the target's expressions and
// drops its datasource reference (Grafana sends the data source's uid,
// which the plugin does not read).
func interpolate(t *testing.T, target map[string]any, vars map[string]string) map[string]any {
	t.Helper()
	q := maps.Clone(target)
	delete(q, "datasource")
	ref := regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)
	for _, key := range []string{"expr", "limitExpr", "legendFormat"} {
		s, ok := q[key].(string)
		if !ok {
			continue
		}
		q[key] = ref.ReplaceAllStringFunc(s, func(m string) string {
			name := strings.Trim(m, "${}")
			if v, ok := vars[name]; ok {
				return v
			}
			if !backendMacros.MatchString(m) {
				t.Fatalf("%s of query %v: unknown variable %s", key, q["refId"], m)
			}
			return m
		})
	}
	return q
}

// TestServiceDashboard opens "Memory shape — service" as the fleet table's
// link does, at one workload (and at several, as a multi-value variable
// sends them): every panel and the annotation speak of that workload's
// pods over all its rollouts, and of no other workload — api-gateway is
// not api, cache is not cart.
func TestServiceDashboard(t *testing.T) {
	log.DefaultLogger = log.NewWithLevel(log.Warn)
	var dash dashboardJSON
	readJSON(t, serviceDashboard, &dash)
	from, _ := relativeTime(dash.Time.From, dashboardNow)
	workloads := demo.Workloads(dashboardNow)
	hist := demo.History(workloads, dashboardNow.Add(-demo.HistoryDays*24*time.Hour), dashboardNow, demo.HistoryStep, demo.ScrapeLabels())
	srv := httptest.NewServer(demo.NewAPI(hist))
	defer srv.Close()
	ds := provisionedDatasource(t, srv.URL)

	for _, pick := range [][]string{{"cart"}, {"cart", "orders"}} {
		t.Run(strings.Join(pick, ","), func(t *testing.T) {
			// Grafana's Prometheus formatting: one value as is, several as (a|b).
			value := pick[0]
			if len(pick) > 1 {
				value = "(" + strings.Join(pick, "|") + ")"
			}
			vars := map[string]string{"namespace": "shop", "workload": value}
			want := map[string]bool{}
			for _, w := range pick {
				want["shop/"+w] = true
			}
			check := func(what, ns, name string) {
				if !want[ns+"/"+name] {
					t.Errorf("%s of %s/%s: the dashboard is at %v", what, ns, name, pick)
				}
			}
			var queries []map[string]any
			for _, p := range dash.Panels {
				if p.Datasource.Type == pluginType {
					for _, target := range p.Targets {
						queries = append(queries, interpolate(t, target, vars))
					}
				}
			}
			for _, a := range dash.Annotations.List {
				if a.Datasource.Type == pluginType {
					q := interpolate(t, a.Target, vars)
					q["output"], q["refId"] = "annotations", "Anno"
					queries = append(queries, q)
				}
			}
			seen := map[string]int{}
			for _, q := range queries {
				resp := queryData(t, ds, request{File: "service", Queries: []map[string]any{q}}.at(from, dashboardNow, defaultInterval))
				frames := resp.Responses[q["refId"].(string)].Frames
				switch q["output"] {
				case "verdicts":
					f := frames[0]
					if f.Rows() != len(pick) {
						t.Errorf("%d verdict rows, want one per workload picked (%v)", f.Rows(), pick)
					}
					for i := range f.Rows() {
						ns, name := cellString(f, "namespace", i), cellString(f, "workload", i)
						check("a verdict", ns, name)
						if w := built(workloads, ns, name); w != nil && !w.Correct(shape.Shape(cellString(f, "shape", i))) {
							t.Errorf("%s/%s is %s, built as %s", ns, name, cellString(f, "shape", i), w.Want)
						}
					}
				case "series":
					for _, f := range frames {
						v := f.Fields[1]
						if _, ok := v.Labels["memshape_overlay"]; ok {
							check("an overlay", v.Labels["namespace"], v.Labels["workload"])
							continue
						}
						check("a pod "+v.Labels["pod"], v.Labels["namespace"], workload.ParsePod(v.Labels["pod"]).Workload)
						seen[workload.ParsePod(v.Labels["pod"]).Workload]++
					}
				case "annotations":
					f := frames[0]
					for i := range f.Rows() {
						ns, name, _ := strings.Cut(cellString(f, "series", i), "/")
						check("an event", ns, name)
					}
				}
			}
			for _, w := range pick {
				if seen[w] < 2 {
					t.Errorf("%s: %d pods drawn, want every rollout's", w, seen[w])
				}
			}
		})
	}
}
