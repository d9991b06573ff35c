package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// maxTagMetrics bounds the metrics whose tags one tag-keys or tag-values
// call reads (one upstream call each).
const maxTagMetrics = 10

// tagRequest is what the ad hoc filter routes read: the other filters
// (filters, JSON as Grafana hands them over), the range, and for a
// TagAPI the metrics whose tags to list (metric, repeatable; the hosts'
// tags without one).
type tagRequest struct {
	filters []models.AdhocFilter
	sel     upstream.Selection
	metrics []string
}

func readTagRequest(r *http.Request) (tagRequest, error) {
	var tr tagRequest
	var err error
	if tr.sel, err = selection(r); err != nil {
		return tr, err
	}
	if raw := r.URL.Query().Get("filters"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &tr.filters); err != nil {
			return tr, fmt.Errorf("filters: not a JSON list of ad hoc filters ({key, operator, value}): %v", err)
		}
		for _, f := range tr.filters {
			if err := f.Check(); err != nil {
				return tr, err
			}
		}
	}
	for _, m := range r.URL.Query()["metric"] {
		if m = strings.TrimSpace(m); m != "" && len(tr.metrics) < maxTagMetrics {
			tr.metrics = append(tr.metrics, m)
		}
	}
	return tr, nil
}

// tagKeys answers GET tag-keys with the keys an ad hoc filter can use:
// the label names of the series the other filters select (__name__
// aside) of a LabelAPI, or the tag keys of a TagAPI.
func (d *Datasource) tagKeys(w http.ResponseWriter, r *http.Request) {
	d.tags(w, r, func(ctx context.Context, tr tagRequest) ([]string, error) {
		if ta, ok := d.client.(upstream.TagAPI); ok {
			tags, err := d.tagList(ctx, ta, tr)
			return upstream.TagKeys(tags), err
		}
		names, _, err := d.client.(upstream.LabelAPI).Labels(ctx, tr.sel)
		out := names[:0]
		for _, n := range names {
			if n != "__name__" {
				out = append(out, n)
			}
		}
		return out, err
	})
}

// tagValues answers GET tag-values?key=… with the values an ad hoc
// filter on key can take.
func (d *Datasource) tagValues(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimSpace(r.URL.Query().Get("key"))
	if key == "" {
		writeError(w, http.StatusBadRequest, "tag-values needs the key whose values to list (key=…)")
		return
	}
	d.tags(w, r, func(ctx context.Context, tr tagRequest) ([]string, error) {
		if ta, ok := d.client.(upstream.TagAPI); ok {
			tags, err := d.tagList(ctx, ta, tr)
			return upstream.TagValues(tags, key), err
		}
		values, _, err := d.client.(upstream.LabelAPI).LabelValues(ctx, key, tr.sel)
		return values, err
	})
}

func (d *Datasource) tags(w http.ResponseWriter, r *http.Request, list func(context.Context, tagRequest) ([]string, error)) {
	if !d.usable(w) {
		return
	}
	_, tagged := d.client.(upstream.TagAPI)
	if !tagged && !d.labelAPI(w) {
		return
	}
	tr, err := readTagRequest(r)
	if fs, ok := d.client.(upstream.FilterSelector); ok && err == nil && !tagged {
		var match string
		if match, err = fs.FilterSelector(tr.filters); match != "" {
			tr.sel.Match = []string{match}
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	red := d.requestRedactor(r.Header)
	values, err := list(upstream.WithRedactor(r.Context(), red), tr)
	if err != nil {
		writeUpstreamError(w, red, err)
		return
	}
	writeValues(w, values)
}

// tagList is the tags of the request's metrics, or of the hosts when it
// names none.
func (d *Datasource) tagList(ctx context.Context, ta upstream.TagAPI, tr tagRequest) ([]string, error) {
	if len(tr.metrics) == 0 {
		return ta.HostTags(ctx)
	}
	var all []string
	for _, m := range tr.metrics {
		tags, err := ta.MetricTags(ctx, m, d.tagWindow(tr.sel))
		if err != nil {
			return nil, err
		}
		all = append(all, tags...)
	}
	return all, nil
}

// tagWindow is how far back from now a tag listing looks: to the start
// of the range (0 without one: the upstream's least, also when it is
// later).
func (d *Datasource) tagWindow(sel upstream.Selection) time.Duration {
	if sel.Start.IsZero() {
		return 0
	}
	return d.now().Sub(sel.Start)
}

// tagAPI is usable, for the routes only a TagAPI answers; nil when it
// answered.
func (d *Datasource) tagAPI(w http.ResponseWriter) upstream.TagAPI {
	if !d.usable(w) {
		return nil
	}
	ta, ok := d.client.(upstream.TagAPI)
	if !ok {
		writeError(w, http.StatusNotImplemented, fmt.Sprintf("%s data sources have no metric or tag listing: use the api/v1 resources", d.settings.Upstream.Title()))
		return nil
	}
	return ta
}

// tagMetrics answers GET <upstream>/metrics?start=… (datadog/metrics)
// with the names of the metrics reporting since start (the last day
// without it), for the query editor's completion.
func (d *Datasource) tagMetrics(w http.ResponseWriter, r *http.Request) {
	ta := d.tagAPI(w)
	if ta == nil {
		return
	}
	sel, err := selection(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	from := sel.Start
	if from.IsZero() {
		from = d.now().Add(-24 * time.Hour)
	}
	metrics, err := ta.Metrics(r.Context(), from)
	if err != nil {
		writeUpstreamError(w, d.requestRedactor(r.Header), err)
		return
	}
	writeJSON(w, http.StatusOK, metrics)
}

// tagTags answers GET <upstream>/tags?metric=…&start=… (datadog/tags)
// with the metric's tags (key:value), or the hosts' tags without a
// metric, for the query editor's completion.
func (d *Datasource) tagTags(w http.ResponseWriter, r *http.Request) {
	ta := d.tagAPI(w)
	if ta == nil {
		return
	}
	tr, err := readTagRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	tags, err := d.tagList(r.Context(), ta, tr)
	if err != nil {
		writeUpstreamError(w, d.requestRedactor(r.Header), err)
		return
	}
	writeJSON(w, http.StatusOK, tags)
}

var (
	tagValuesRe = regexp.MustCompile(`^tag_values\(\s*(?:([^,\s]+)\s*,\s*)?([^,\s()]+)\s*\)$`)
	tagVarForms = "write metrics(regex), tag_values(key) or tag_values(metric, key)"
)

// tagVariable answers the variable route for a TagAPI: metrics(regex)
// (the metrics reporting in the range whose name matches), tag_values(key)
// (from the hosts' tags) and tag_values(metric, key) (from the metric's
// tags).
func (d *Datasource) tagVariable(w http.ResponseWriter, r *http.Request, ta upstream.TagAPI) {
	query := strings.TrimSpace(r.URL.Query().Get("query"))
	sel, err := selection(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	var values []string
	switch {
	case query == "":
		writeError(w, http.StatusBadRequest, "the variable query is empty: "+tagVarForms)
		return
	case metricsRe.MatchString(query):
		expr := metricsRe.FindStringSubmatch(query)[1]
		re, rerr := regexp.Compile(expr)
		if rerr != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("metrics(%s): not a regular expression: %v", expr, rerr))
			return
		}
		from := sel.Start
		if from.IsZero() {
			from = d.now().Add(-24 * time.Hour)
		}
		var all []string
		all, err = ta.Metrics(ctx, from)
		for _, m := range all {
			if re.MatchString(m) {
				values = append(values, m)
			}
		}
	case tagValuesRe.MatchString(query):
		m := tagValuesRe.FindStringSubmatch(query)
		tr := tagRequest{sel: sel}
		if m[1] != "" {
			tr.metrics = []string{m[1]}
		}
		var tags []string
		tags, err = d.tagList(ctx, ta, tr)
		values = upstream.TagValues(tags, m[2])
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("cannot read the variable query %q for %s: %s", query, d.settings.Upstream.Title(), tagVarForms))
		return
	}
	if err != nil {
		writeUpstreamError(w, d.requestRedactor(r.Header), err)
		return
	}
	writeValues(w, values)
}
