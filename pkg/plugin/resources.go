package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// CallResource serves the frontend's completion and dashboard-variable
// calls (see routes).
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return httpadapter.New(d.routes()).CallResource(ctx, req, sender)
}

// routes: Prometheus' own label and metadata APIs, for an upstream that
// has them (upstream.LabelAPI, MetadataAPI), with the data source's URL
// and credentials, answering in Prometheus' own JSON; <upstream>/metrics
// and <upstream>/tags (datadog/metrics) for one that lists metrics and
// tags (upstream.TagAPI); "variable", which answers a dashboard variable
// query; and tag-keys and tag-values for ad hoc filters.
func (d *Datasource) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/labels", d.meta(func(ctx context.Context, r *http.Request, sel upstream.Selection) (any, []string, error) {
		return d.client.(upstream.LabelAPI).Labels(ctx, sel)
	}))
	mux.HandleFunc("GET /api/v1/label/{name}/values", d.meta(func(ctx context.Context, r *http.Request, sel upstream.Selection) (any, []string, error) {
		return d.client.(upstream.LabelAPI).LabelValues(ctx, r.PathValue("name"), sel)
	}))
	mux.HandleFunc("GET /api/v1/series", d.meta(func(ctx context.Context, r *http.Request, sel upstream.Selection) (any, []string, error) {
		return d.client.(upstream.LabelAPI).Series(ctx, sel)
	}))
	mux.HandleFunc("GET /api/v1/metadata", d.meta(func(ctx context.Context, r *http.Request, _ upstream.Selection) (any, []string, error) {
		md, ok := d.client.(upstream.MetadataAPI)
		if !ok {
			return nil, nil, &upstream.Error{Source: d.settings.Upstream, Kind: upstream.NotFound, Msg: "there is no metric metadata API"}
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		return md.Metadata(ctx, r.URL.Query().Get("metric"), limit)
	}))
	mux.HandleFunc("GET /variable", d.variable)
	mux.HandleFunc("GET /tag-keys", d.tagKeys)
	mux.HandleFunc("GET /tag-values", d.tagValues)
	if src := d.settings.Upstream; src != "" {
		mux.HandleFunc("GET /"+string(src)+"/metrics", d.tagMetrics)
		mux.HandleFunc("GET /"+string(src)+"/tags", d.tagTags)
	}
	return mux
}

// usable answers the settings problem, if there is one.
func (d *Datasource) usable(w http.ResponseWriter) bool {
	if d.cfgErr != nil {
		writeError(w, http.StatusBadRequest, d.redact.String(d.cfgErr.Error()))
		return false
	}
	return true
}

// labelAPI is usable, for the routes only a LabelAPI answers.
func (d *Datasource) labelAPI(w http.ResponseWriter) bool {
	if !d.usable(w) {
		return false
	}
	if _, ok := d.client.(upstream.LabelAPI); !ok {
		msg := fmt.Sprintf("%s data sources have no Prometheus label or metadata API", d.settings.Upstream.Title())
		if _, ok := d.client.(upstream.TagAPI); ok {
			msg += fmt.Sprintf(": use the %[1]s/metrics and %[1]s/tags resources", d.settings.Upstream)
		}
		writeError(w, http.StatusNotImplemented, msg)
		return false
	}
	return true
}

// selection reads match[], start and end (Unix seconds or RFC 3339).
func selection(r *http.Request) (upstream.Selection, error) {
	q := r.URL.Query()
	sel := upstream.Selection{Match: q["match[]"]}
	var err error
	if sel.Start, err = parseTime(q.Get("start")); err != nil {
		return sel, fmt.Errorf("start: %w", err)
	}
	if sel.End, err = parseTime(q.Get("end")); err != nil {
		return sel, fmt.Errorf("end: %w", err)
	}
	return sel, nil
}

// parseTime reads Unix seconds (with a fraction) or RFC 3339; "" is the
// zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(f * 1000)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("%q is neither Unix seconds nor RFC 3339", s)
	}
	return t, nil
}

func (d *Datasource) meta(call func(context.Context, *http.Request, upstream.Selection) (any, []string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !d.labelAPI(w) {
			return
		}
		red := d.requestRedactor(r.Header)
		sel, err := selection(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, red.String(err.Error()))
			return
		}
		data, warnings, err := call(upstream.WithRedactor(r.Context(), red), r, sel)
		if err != nil {
			writeUpstreamError(w, red, err)
			return
		}
		writeJSON(w, http.StatusOK, redactJSON(red, map[string]any{"status": "success", "data": data, "warnings": warnings}))
	}
}

// redactJSON is v, as JSON, with every secret removed from its strings
// (an upstream may echo one into a label name or value).
func redactJSON(red *upstream.Redactor, v any) any {
	raw, err := json.Marshal(v)
	if err != nil || red.String(string(raw)) == string(raw) {
		return v
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return v
	}
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case string:
			return red.String(t)
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[red.String(k)] = walk(e)
			}
			return out
		}
		return x
	}
	return walk(tree)
}

func writeUpstreamError(w http.ResponseWriter, red *upstream.Redactor, err error) {
	status := http.StatusBadGateway
	msg := red.String(err.Error())
	body := map[string]any{"status": "error", "error": msg, "message": msg}
	if ue, ok := upstream.AsError(err); ok {
		status = ue.Status()
		body["errorType"] = red.String(ue.Type)
	}
	writeJSON(w, status, body)
}

// writeError answers in Prometheus' error form, plus "message", which
// Grafana's frontend shows.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": "error", "error": msg, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// MetricFindValue is one value of a dashboard variable.
type MetricFindValue struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

var (
	labelNamesRe  = regexp.MustCompile(`^label_names\(\s*(.*?)\s*\)\s*$`)
	labelValuesRe = regexp.MustCompile(`^label_values\(\s*(?:(.*?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)
	metricsRe     = regexp.MustCompile(`^metrics\(\s*(.*?)\s*\)\s*$`)
	queryResultRe = regexp.MustCompile(`^query_result\(\s*(.*)\s*\)\s*$`)
	workloadsRe   = regexp.MustCompile(`^workloads\(\s*(.*?)\s*\)\s*$`)
)

const variableForms = "write label_values(metric, label), label_values(label), label_names(), metrics(regex), query_result(expr), workloads(selector) or a series selector"

// variable answers GET variable?query=…&start=…&end=… with
// [{"text","value"}] for the forms Grafana's Prometheus data source knows:
// label_values(label), label_values(selector, label), label_names(),
// label_names(selector), metrics(regex), query_result(expr), or a bare
// selector (its series) — and workloads(selector): the Kubernetes
// workloads the selected series' pods belong to (a Deployment's name, not
// its pods' names, which change on every rollout), for
// pod=~"$__workloadPods($workload)" — for a LabelAPI. A TagAPI has its
// own forms (tagVariable).
func (d *Datasource) variable(w http.ResponseWriter, r *http.Request) {
	if !d.usable(w) {
		return
	}
	if ta, ok := d.client.(upstream.TagAPI); ok {
		d.tagVariable(w, r, ta)
		return
	}
	if !d.labelAPI(w) {
		return
	}
	api := d.client.(upstream.LabelAPI)
	red := d.requestRedactor(r.Header)
	ctx := upstream.WithRedactor(r.Context(), red)
	query := strings.TrimSpace(r.URL.Query().Get("query"))
	sel, err := selection(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, red.String(err.Error()))
		return
	}
	var values []string
	switch {
	case query == "":
		writeError(w, http.StatusBadRequest, "the variable query is empty: "+variableForms)
		return
	case labelNamesRe.MatchString(query):
		if m := labelNamesRe.FindStringSubmatch(query)[1]; m != "" {
			sel.Match = []string{m}
		}
		values, _, err = api.Labels(ctx, sel)
	case labelValuesRe.MatchString(query):
		m := labelValuesRe.FindStringSubmatch(query)
		if m[1] != "" {
			sel.Match = []string{m[1]}
		}
		values, _, err = api.LabelValues(ctx, m[2], sel)
	case metricsRe.MatchString(query):
		expr := metricsRe.FindStringSubmatch(query)[1]
		re, rerr := regexp.Compile(expr)
		if rerr != nil {
			writeError(w, http.StatusBadRequest, red.String(fmt.Sprintf("metrics(%s): not a regular expression: %v", expr, rerr)))
			return
		}
		var all []string
		all, _, err = api.LabelValues(ctx, "__name__", sel)
		for _, m := range all {
			if re.MatchString(m) {
				values = append(values, m)
			}
		}
	case queryResultRe.MatchString(query):
		values, err = d.queryResult(ctx, queryResultRe.FindStringSubmatch(query)[1], sel.End)
	case workloadsRe.MatchString(query):
		m := workloadsRe.FindStringSubmatch(query)[1]
		if m == "" {
			writeError(w, http.StatusBadRequest, "workloads() needs a selector of series with a pod label: workloads(container_memory_working_set_bytes{namespace=\"$namespace\"})")
			return
		}
		sel.Match = []string{m}
		var sets []map[string]string
		sets, _, err = api.Series(ctx, sel)
		for _, l := range sets {
			if _, name, _, ok := workload.Of(l); ok {
				values = append(values, name)
			}
		}
	case strings.HasPrefix(query, "label_values") || strings.HasPrefix(query, "label_names") || strings.HasPrefix(query, "metrics(") || strings.HasPrefix(query, "query_result") || strings.HasPrefix(query, "workloads("):
		writeError(w, http.StatusBadRequest, red.String(fmt.Sprintf("cannot read the variable query %q: %s", query, variableForms)))
		return
	default:
		sel.Match = []string{query}
		var sets []map[string]string
		sets, _, err = api.Series(ctx, sel)
		for _, l := range sets {
			values = append(values, series.Series{Labels: l}.Name())
		}
	}
	if err != nil {
		writeUpstreamError(w, red, err)
		return
	}
	for i, v := range values {
		values[i] = red.String(v)
	}
	writeValues(w, values)
}

// writeValues answers [{"text","value"}], sorted, each value once.
func writeValues(w http.ResponseWriter, values []string) {
	sort.Strings(values)
	out := make([]MetricFindValue, 0, len(values))
	for i, v := range values {
		if i > 0 && v == values[i-1] {
			continue
		}
		out = append(out, MetricFindValue{Text: v, Value: v})
	}
	writeJSON(w, http.StatusOK, out)
}

// queryResult evaluates expr at one instant and lists the results the way
// Grafana's Prometheus data source does: name{labels} value timestamp.
func (d *Datasource) queryResult(ctx context.Context, expr string, at time.Time) ([]string, error) {
	if at.IsZero() {
		at = time.Now()
	}
	at = at.Truncate(time.Second)
	res, err := d.client.QueryRange(ctx, upstream.Query{Expr: expr, Start: at, End: at, Step: time.Second})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range res.Series {
		for i := range s.T {
			out = append(out, fmt.Sprintf("%s %s %d", s.Name(), strconv.FormatFloat(s.V[i], 'g', -1, 64), s.T[i]/1000))
		}
	}
	return out, nil
}
