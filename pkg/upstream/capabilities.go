package upstream

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// What only some upstreams answer, each a small interface an upstream's
// Client implements or not; the plugin's resource routes and query
// parsing ask for them by type assertion and answer 501, or refuse the
// filter, without one.

// Selection picks the series a label or metadata call looks at.
type Selection struct {
	// Match holds series selectors (match[]); empty means all series
	// (Prometheus requires at least one for Series).
	Match []string
	// Start and End bound the time range; zero means the upstream's
	// default.
	Start, End time.Time
}

// LabelAPI is Prometheus' label and series API: what the query editor
// completes, the label_values, label_names, metrics, query_result and
// workloads variables and the ad hoc filters' keys and values read.
type LabelAPI interface {
	// Labels lists the label names of the selected series.
	Labels(ctx context.Context, sel Selection) (names, warnings []string, err error)
	// LabelValues lists the values of label name over the selected series.
	LabelValues(ctx context.Context, name string, sel Selection) (values, warnings []string, err error)
	// Series lists the label sets of the selected series.
	Series(ctx context.Context, sel Selection) (sets []map[string]string, warnings []string, err error)
}

// Metadata describes one metric (Prometheus' /api/v1/metadata).
type Metadata struct {
	Type string `json:"type"`
	Help string `json:"help"`
	Unit string `json:"unit"`
}

// MetadataAPI is Prometheus' metric metadata API.
type MetadataAPI interface {
	// Metadata gives the type, help and unit of metric (of every metric
	// when it is empty, at most limit when limit > 0).
	Metadata(ctx context.Context, metric string, limit int) (map[string][]Metadata, []string, error)
}

// TagAPI lists metrics and tags written key:value (Datadog's): what the
// query editor completes, the metrics and tag_values variables and the
// ad hoc filters' keys and values read.
type TagAPI interface {
	// Metrics lists the metrics that have reported since from.
	Metrics(ctx context.Context, from time.Time) ([]string, error)
	// MetricTags lists the tags of one metric's series over the window
	// before now (the upstream's least when shorter, or 0).
	MetricTags(ctx context.Context, metric string, window time.Duration) ([]string, error)
	// HostTags lists the tags of the hosts.
	HostTags(ctx context.Context) ([]string, error)
}

// Filterer applies a dashboard's ad hoc filters to a query written in
// the upstream's own language.
type Filterer interface {
	// AddFilters narrows expr by the filters. parseable is expr with the
	// plugin's macros ($__interval, …) replaced by text of the same length
	// the query language reads, for the upstream to parse instead. An
	// error names the filter and what the upstream cannot do with it.
	AddFilters(expr, parseable string, filters []Filter) (string, error)
}

// FilterSelector is a LabelAPI's way of writing the ad hoc filters as
// one series selector for Selection.Match.
type FilterSelector interface {
	// FilterSelector is the filters as one selector; "" without filters.
	FilterSelector(filters []Filter) (string, error)
}

// Filter is one ad hoc filter as Grafana hands it to a data source
// (AdHocVariableFilter): key operator value, or key operator values for
// the one-of operators.
type Filter struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Value    string   `json:"value"`
	Values   []string `json:"values,omitempty"`
}

// Ad hoc filter operators, as Grafana writes them.
const (
	FilterEqual      = "="
	FilterNotEqual   = "!="
	FilterRegex      = "=~"
	FilterNotRegex   = "!~"
	FilterOneOf      = "=|"
	FilterNotOneOf   = "!=|"
	filterOperatorsQ = `"=", "!=", "=~", "!~", "=|" (one of) or "!=|" (none of)`
)

// Check says what is wrong with the filter, naming it and the fix.
func (f Filter) Check() error {
	switch {
	case strings.TrimSpace(f.Key) == "":
		return fmt.Errorf("an ad hoc filter has no key: pick a label in the filter or remove it")
	case f.Operator != FilterEqual && f.Operator != FilterNotEqual && f.Operator != FilterRegex &&
		f.Operator != FilterNotRegex && f.Operator != FilterOneOf && f.Operator != FilterNotOneOf:
		return fmt.Errorf("the ad hoc filter %s %s %s has an operator Memory Shape cannot apply: use %s", f.Key, f.Operator, f.Value, filterOperatorsQ)
	}
	return nil
}

// OneOf is the filter's values for the one-of operators (Values, else
// Value alone).
func (f Filter) OneOf() []string {
	if len(f.Values) > 0 {
		return f.Values
	}
	return []string{f.Value}
}

// String is the filter as people read it: namespace = shop.
func (f Filter) String() string {
	if f.Operator == FilterOneOf || f.Operator == FilterNotOneOf {
		return f.Key + " " + f.Operator + " " + strings.Join(f.OneOf(), ", ")
	}
	return f.Key + " " + f.Operator + " " + f.Value
}

// TagKeys are the keys of key:value tags, sorted, each once (a tag
// without a value has no key to filter on).
func TagKeys(tags []string) []string {
	var keys []string
	for _, t := range tags {
		if k, _, ok := strings.Cut(t, ":"); ok && k != "" {
			keys = append(keys, k)
		}
	}
	return SortedUnique(keys)
}

// TagValues are the values of key in key:value tags, sorted, each once.
func TagValues(tags []string, key string) []string {
	var values []string
	for _, t := range tags {
		if k, v, ok := strings.Cut(t, ":"); ok && k == key && v != "" {
			values = append(values, v)
		}
	}
	return SortedUnique(values)
}

// SortedUnique is a sorted copy of xs with each string once.
func SortedUnique(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	n := 0
	for i, x := range out {
		if i == 0 || x != out[n-1] {
			out[n] = x
			n++
		}
	}
	return out[:n]
}
