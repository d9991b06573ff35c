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
	"github.com/memshape/memory-datasource/pkg/upstream/datadog"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// ddMeta is Datadog's metric and tag listings.
type ddMeta interface {
	Metrics(ctx context.Context, from time.Time) ([]string, error)
	MetricTags(ctx context.Context, metric string, window time.Duration) ([]string, error)
	HostTags(ctx context.Context) ([]string, error)
}

// maxTagMetrics bounds the metrics whose tags one tag-keys or tag-values
// call reads (one Datadog call each).
const maxTagMetrics = 10

// tagRequest is what the ad hoc filter routes read: the other filters
// (filters, JSON as Grafana hands them over), the range, and for Datadog
// the metrics whose tags to list (metric, repeatable; the hosts' tags
// without one).
type tagRequest struct {
	filters []models.AdhocFilter
	sel     prom.Selection
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
// Prometheus' label names of the series the other filters select
// (__name__ aside), or Datadog's tag keys.
func (d *Datasource) tagKeys(w http.ResponseWriter, r *http.Request) {
	d.tags(w, r, func(ctx context.Context, tr tagRequest) ([]string, error) {
		if d.dd != nil {
			tags, err := d.datadogTagList(ctx, tr)
			return datadog.TagKeys(tags), err
		}
		names, _, err := d.api.Labels(ctx, tr.sel)
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
		if d.dd != nil {
			tags, err := d.datadogTagList(ctx, tr)
			return datadog.TagValues(tags, key), err
		}
		values, _, err := d.api.LabelValues(ctx, key, tr.sel)
		return values, err
	})
}

func (d *Datasource) tags(w http.ResponseWriter, r *http.Request, list func(context.Context, tagRequest) ([]string, error)) {
	if !d.usable(w) {
		return
	}
	if d.dd == nil && !d.prometheusAPI(w) {
		return
	}
	tr, err := readTagRequest(r)
	if err == nil && d.dd == nil {
		var match string
		if match, err = filterSelector(tr.filters); match != "" {
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

// datadogTagList is the tags of the request's metrics, or of the hosts
// when it names none.
func (d *Datasource) datadogTagList(ctx context.Context, tr tagRequest) ([]string, error) {
	if len(tr.metrics) == 0 {
		return d.dd.HostTags(ctx)
	}
	var all []string
	for _, m := range tr.metrics {
		tags, err := d.dd.MetricTags(ctx, m, d.tagWindow(tr.sel))
		if err != nil {
			return nil, err
		}
		all = append(all, tags...)
	}
	return all, nil
}

// tagWindow is how far back from now a Datadog tag listing looks: to the
// start of the range (Datadog's least, 4 h, when it is later).
func (d *Datasource) tagWindow(sel prom.Selection) time.Duration {
	if sel.Start.IsZero() {
		return datadog.MinTagWindow
	}
	return d.now().Sub(sel.Start)
}

// datadogUsable answers for the Datadog-only routes.
func (d *Datasource) datadogUsable(w http.ResponseWriter) bool {
	if !d.usable(w) {
		return false
	}
	if d.dd == nil {
		writeError(w, http.StatusNotImplemented, fmt.Sprintf("%s data sources have no Datadog metric or tag listing: use the api/v1 resources", d.settings.Upstream.Title()))
		return false
	}
	return true
}

// datadogMetrics answers GET datadog/metrics?start=… with the names of
// the metrics reporting since start (the last day without it), for the
// Datadog query editor's completion.
func (d *Datasource) datadogMetrics(w http.ResponseWriter, r *http.Request) {
	if !d.datadogUsable(w) {
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
	metrics, err := d.dd.Metrics(r.Context(), from)
	if err != nil {
		writeUpstreamError(w, d.requestRedactor(r.Header), err)
		return
	}
	writeJSON(w, http.StatusOK, metrics)
}

// datadogTags answers GET datadog/tags?metric=…&start=… with the metric's
// tags (key:value), or the hosts' tags without a metric, for the Datadog
// query editor's completion.
func (d *Datasource) datadogTags(w http.ResponseWriter, r *http.Request) {
	if !d.datadogUsable(w) {
		return
	}
	tr, err := readTagRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	tags, err := d.datadogTagList(r.Context(), tr)
	if err != nil {
		writeUpstreamError(w, d.requestRedactor(r.Header), err)
		return
	}
	writeJSON(w, http.StatusOK, tags)
}

var (
	tagValuesRe     = regexp.MustCompile(`^tag_values\(\s*(?:([^,\s]+)\s*,\s*)?([^,\s()]+)\s*\)$`)
	datadogVarForms = "write metrics(regex), tag_values(key) or tag_values(metric, key)"
)

// datadogVariable answers the variable route for a Datadog data source:
// metrics(regex) (the metrics reporting in the range whose name matches),
// tag_values(key) (from the hosts' tags) and tag_values(metric, key)
// (from the metric's tags).
func (d *Datasource) datadogVariable(w http.ResponseWriter, r *http.Request) {
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
		writeError(w, http.StatusBadRequest, "the variable query is empty: "+datadogVarForms)
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
		all, err = d.dd.Metrics(ctx, from)
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
		tags, err = d.datadogTagList(ctx, tr)
		values = datadog.TagValues(tags, m[2])
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("cannot read the variable query %q for Datadog: %s", query, datadogVarForms))
		return
	}
	if err != nil {
		writeUpstreamError(w, d.requestRedactor(r.Header), err)
		return
	}
	writeValues(w, values)
}
