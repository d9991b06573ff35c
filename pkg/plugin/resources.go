package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// CallResource serves the frontend's completion and dashboard-variable
// calls (see routes).
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return httpadapter.New(d.routes()).CallResource(ctx, req, sender)
}

// routes: Prometheus' own metadata APIs, proxied with the data source's
// URL and credentials (the same answers Prometheus gives), and
// "variable", which answers a dashboard variable query.
func (d *Datasource) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/labels", d.proxy("labels"))
	mux.HandleFunc("GET /api/v1/label/{name}/values", func(w http.ResponseWriter, r *http.Request) {
		d.proxy("label/"+url.PathEscape(r.PathValue("name"))+"/values")(w, r)
	})
	mux.HandleFunc("GET /api/v1/series", d.proxy("series"))
	mux.HandleFunc("GET /api/v1/metadata", d.proxy("metadata"))
	mux.HandleFunc("GET /variable", d.variable)
	return mux
}

// proxyParams are the query parameters passed on to Prometheus.
var proxyParams = []string{"match[]", "start", "end", "limit", "metric"}

func (d *Datasource) usable(w http.ResponseWriter) bool {
	switch {
	case d.cfgErr != nil:
		writeError(w, http.StatusBadRequest, d.redact.String(d.cfgErr.Error()))
	case d.api == nil:
		writeError(w, http.StatusNotImplemented, fmt.Sprintf("%s data sources have no label or metadata API here: completion and dashboard variables need a Prometheus data source", d.settings.Upstream.Title()))
	default:
		return true
	}
	return false
}

func (d *Datasource) proxy(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !d.usable(w) {
			return
		}
		params := url.Values{}
		for _, k := range proxyParams {
			if v, ok := r.URL.Query()[k]; ok {
				params[k] = v
			}
		}
		raw, warnings, err := d.api.get(r.Context(), path, params)
		if err != nil {
			d.writeUpstreamError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "success", "data": raw, "warnings": warnings})
	}
}

func (d *Datasource) writeUpstreamError(w http.ResponseWriter, err error) {
	status := http.StatusBadGateway
	body := map[string]any{"status": "error", "error": d.redact.String(err.Error())}
	if ue, ok := upstream.AsError(err); ok {
		status = ue.Status()
		body["errorType"] = ue.Type
	}
	writeJSON(w, status, body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": "error", "error": msg})
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
	labelValuesRe = regexp.MustCompile(`^label_values\(\s*(?:(.*?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)
	metricsRe     = regexp.MustCompile(`^metrics\(\s*(.*?)\s*\)\s*$`)
	queryResultRe = regexp.MustCompile(`^query_result\(\s*(.*)\s*\)\s*$`)
)

// variable answers GET variable?query=…&start=…&end=… (Unix seconds or
// RFC 3339) with [{"text","value"}] for the forms Grafana's Prometheus
// data source knows: label_values(label), label_values(selector, label),
// metrics(regex), query_result(expr), or a bare selector (its series).
func (d *Datasource) variable(w http.ResponseWriter, r *http.Request) {
	if !d.usable(w) {
		return
	}
	ctx := r.Context()
	query := strings.TrimSpace(r.URL.Query().Get("query"))
	params := url.Values{}
	for _, k := range []string{"start", "end"} {
		if v := r.URL.Query().Get(k); v != "" {
			params.Set(k, v)
		}
	}
	var values []string
	var err error
	switch {
	case query == "":
		writeError(w, http.StatusBadRequest, "the variable query is empty: write label_values(metric, label), label_values(label), metrics(regex), query_result(expr) or a series selector")
		return
	case labelValuesRe.MatchString(query):
		m := labelValuesRe.FindStringSubmatch(query)
		if m[1] != "" {
			params.Add("match[]", m[1])
		}
		values, err = d.strings(ctx, "label/"+url.PathEscape(m[2])+"/values", params)
	case metricsRe.MatchString(query):
		re, rerr := regexp.Compile(metricsRe.FindStringSubmatch(query)[1])
		if rerr != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("metrics(%s): not a regular expression: %v", metricsRe.FindStringSubmatch(query)[1], rerr))
			return
		}
		var all []string
		all, err = d.strings(ctx, "label/__name__/values", params)
		for _, m := range all {
			if re.MatchString(m) {
				values = append(values, m)
			}
		}
	case queryResultRe.MatchString(query):
		values, err = d.queryResult(ctx, queryResultRe.FindStringSubmatch(query)[1], params.Get("end"))
	case strings.HasPrefix(query, "label_values") || strings.HasPrefix(query, "metrics(") || strings.HasPrefix(query, "query_result"):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("cannot read the variable query %q: write label_values(metric, label), label_values(label), metrics(regex), query_result(expr) or a series selector", query))
		return
	default:
		params.Add("match[]", query)
		var raw json.RawMessage
		raw, _, err = d.api.get(ctx, "series", params)
		if err == nil {
			var sets []map[string]string
			if err = json.Unmarshal(raw, &sets); err == nil {
				for _, l := range sets {
					values = append(values, series.Series{Labels: l}.Name())
				}
			}
		}
	}
	if err != nil {
		d.writeUpstreamError(w, err)
		return
	}
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

func (d *Datasource) strings(ctx context.Context, path string, params url.Values) ([]string, error) {
	raw, _, err := d.api.get(ctx, path, params)
	if err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadResponse, Msg: "the answer is not a list of strings", Err: err}
	}
	return out, nil
}

// queryResult runs an instant query and lists its results the way
// Grafana's Prometheus data source does: name{labels} value timestamp.
func (d *Datasource) queryResult(ctx context.Context, expr, at string) ([]string, error) {
	params := url.Values{"query": {expr}}
	if at != "" {
		params.Set("time", at)
	} else {
		params.Set("time", strconv.FormatInt(time.Now().Unix(), 10))
	}
	raw, _, err := d.api.get(ctx, "query", params)
	if err != nil {
		return nil, err
	}
	var res struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.ResultType != "vector" {
		return nil, &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: "query_result needs an expression that gives an instant vector"}
	}
	var out []string
	for _, r := range res.Result {
		out = append(out, fmt.Sprintf("%s %v %v", series.Series{Labels: r.Metric}.Name(), r.Value[1], r.Value[0]))
	}
	return out, nil
}
