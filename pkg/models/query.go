package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// Output selects which frames a query returns.
type Output string

const (
	// OutputAll gives the series, their overlays and the verdict table.
	OutputAll Output = "all"
	// OutputSeries gives the series and their overlays.
	OutputSeries Output = "series"
	// OutputVerdicts gives the verdict table only.
	OutputVerdicts Output = "verdicts"
	// OutputAlert gives one number per series, for alert rules.
	OutputAlert Output = "alert"
	// OutputAnnotations gives events (jumps, restarts, leak onsets, warm-ups).
	OutputAnnotations Output = "annotations"
)

// Outputs lists the accepted outputs.
var Outputs = []Output{OutputAll, OutputSeries, OutputVerdicts, OutputAlert, OutputAnnotations}

// AlertValue selects the number the alert output gives per series.
type AlertValue string

const (
	// LeakConfidence gives the confidence when the shape is leak, else 0.
	LeakConfidence AlertValue = "leak_confidence"
	// GrowthConfidence gives the confidence of any growth shape, else 0.
	GrowthConfidence AlertValue = "growth_confidence"
	// GrowthBytesPerHour gives the verdict's growth rate.
	GrowthBytesPerHour AlertValue = "growth_bytes_per_hour"
	// HoursToLimit gives the hours until the limit; null when it is never
	// reached or unknown.
	HoursToLimit AlertValue = "hours_to_limit"
)

// AlertValues lists the accepted alert values.
var AlertValues = []AlertValue{LeakConfidence, GrowthConfidence, GrowthBytesPerHour, HoursToLimit}

// Annotate selects whose events the annotations output gives.
type Annotate string

const (
	// AnnotateAll gives the events of every series.
	AnnotateAll Annotate = "all"
	// AnnotateGrowing gives the events of series whose shape is growth
	// (leak, fragmentation, bloat) only.
	AnnotateGrowing Annotate = "growing"
)

// AnnotateModes lists the accepted annotate values.
var AnnotateModes = []Annotate{AnnotateAll, AnnotateGrowing}

// Windows are the analysis windows a query may pick ("auto" takes the
// data source's default).
var Windows = []string{"auto", "1d", "3d", "7d", "14d", "30d"}

// Legend modes besides a template.
const (
	LegendAuto     = "__auto"
	LegendVerbatim = "__verbatim"
)

// QueryModel is a query as the frontend (or an alert rule) sends it. Its
// schema (pkg/models/schema, written by TestSchema with the plugin
// SDK's schemabuilder) is the one definition src/types.ts is checked
// against; the enum tags are checked against Outputs, AlertValues,
// Windows and AnnotateModes.
type QueryModel struct {
	// Expr is the upstream query: PromQL for Prometheus, a metrics query
	// for Datadog.
	Expr string `json:"expr"`
	// LegendFormat is "__auto", "__verbatim" or a template such as
	// "{{pod}}".
	LegendFormat string `json:"legendFormat,omitempty"`
	// LimitBytes is the memory limit in bytes; 0 or absent when unknown.
	LimitBytes *float64 `json:"limitBytes,omitempty"`
	// LimitExpr is a query whose series give each series' limit, matched
	// by shared labels.
	LimitExpr string `json:"limitExpr,omitempty"`
	// Sensitivity of the classifier; "normal" when absent.
	Sensitivity string `json:"sensitivity,omitempty" jsonschema:"enum=low,enum=normal,enum=high"`
	// Output selects the frames the query returns; "all" when absent.
	Output string `json:"output,omitempty" jsonschema:"enum=all,enum=series,enum=verdicts,enum=alert,enum=annotations"`
	// AlertValue is the number the alert output gives per workload;
	// "leak_confidence" when absent.
	AlertValue string `json:"alertValue,omitempty" jsonschema:"enum=leak_confidence,enum=growth_confidence,enum=growth_bytes_per_hour,enum=hours_to_limit"`
	// AnalysisWindow is how far back the verdict looks; "auto" (the data
	// source's default) when absent.
	AnalysisWindow string `json:"analysisWindow,omitempty" jsonschema:"enum=auto,enum=1d,enum=3d,enum=7d,enum=14d,enum=30d"`
	// Annotate says whose events the annotations output gives; "all" when
	// absent.
	Annotate string `json:"annotate,omitempty" jsonschema:"enum=all,enum=growing"`
	// GroupBy says how series are grouped into workloads (editor: "Judge
	// by"): "auto" (the default), "series", "workload", or a list of
	// label names.
	GroupBy json.RawMessage `json:"groupBy,omitempty"`
	// Interval is the min step of the panel's fetch ("30s", "1m"; Grafana's
	// Prometheus calls it the same).
	Interval string `json:"interval,omitempty"`
	// AdhocFilters are the dashboard's ad hoc filters, added by the frontend
	// to every query of the dashboard.
	AdhocFilters []AdhocFilter `json:"adhocFilters,omitempty"`
}

// AdhocFilter is one ad hoc filter as Grafana hands it to a data source
// (upstream.Filter).
type AdhocFilter = upstream.Filter

// Ad hoc filter operators, as Grafana writes them.
const (
	FilterEqual    = upstream.FilterEqual
	FilterNotEqual = upstream.FilterNotEqual
	FilterRegex    = upstream.FilterRegex
	FilterNotRegex = upstream.FilterNotRegex
	FilterOneOf    = upstream.FilterOneOf
	FilterNotOneOf = upstream.FilterNotOneOf
)

// Query is a parsed, checked query.
type Query struct {
	QueryModel
	Options shape.Options
	Out     Output
	Value   AlertValue
	// Events says whose events the annotations output gives.
	Events Annotate
	// Window is the query's own analysis window; 0 means the data
	// source's default.
	Window time.Duration
	// By is how the query's series are grouped into workloads.
	By workload.By
	// MinStep is the least step of the panel's fetch (Interval); 0 when
	// not set. The analysis window's step does not depend on it.
	MinStep time.Duration
}

// ParseQuery reads and checks a query's JSON.
func ParseQuery(raw json.RawMessage) (Query, error) {
	var q Query
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &q.QueryModel); err != nil {
			return q, fmt.Errorf("the query is not valid JSON: %v", err)
		}
	}
	q.Expr = strings.TrimSpace(q.Expr)
	if q.Expr == "" {
		return q, errors.New("the query expression is empty: enter a query for a memory series, e.g. container_memory_working_set_bytes")
	}
	sens, err := shape.ParseSensitivity(q.Sensitivity)
	if err != nil {
		return q, err
	}
	q.Options.Sensitivity = sens
	if q.LimitBytes != nil {
		l := *q.LimitBytes
		if math.IsNaN(l) || math.IsInf(l, 0) || l < 0 {
			return q, fmt.Errorf("limitBytes %v is not valid: give the memory limit in bytes, or 0 when unknown", l)
		}
		q.Options.LimitBytes = l
	}
	q.LimitExpr = strings.TrimSpace(q.LimitExpr)

	q.Out = Output(strings.ToLower(strings.TrimSpace(q.Output)))
	if q.Out == "" {
		q.Out = OutputAll
	}
	if !oneOf(q.Out, Outputs) {
		return q, fmt.Errorf("unknown output %q: use one of %s", q.Output, quoteAll(Outputs))
	}
	q.Value = AlertValue(strings.ToLower(strings.TrimSpace(q.AlertValue)))
	if q.Value == "" {
		q.Value = LeakConfidence
	}
	if !oneOf(q.Value, AlertValues) {
		return q, fmt.Errorf("unknown alertValue %q: use one of %s", q.AlertValue, quoteAll(AlertValues))
	}
	q.Events = Annotate(strings.ToLower(strings.TrimSpace(q.Annotate)))
	if q.Events == "" {
		q.Events = AnnotateAll
	}
	if !oneOf(q.Events, AnnotateModes) {
		return q, fmt.Errorf("unknown annotate %q: use one of %s", q.Annotate, quoteAll(AnnotateModes))
	}
	if q.By, err = workload.ParseBy(q.GroupBy); err != nil {
		return q, err
	}
	if w := strings.ToLower(strings.TrimSpace(q.AnalysisWindow)); w != "" && w != "auto" {
		d, err := ParseWindow(w)
		if err != nil {
			return q, fmt.Errorf("analysisWindow: %w", err)
		}
		q.Window = d
	}
	if iv := strings.TrimSpace(q.Interval); iv != "" {
		d, err := gtime.ParseIntervalStringToTimeDuration(iv)
		if err != nil || d <= 0 {
			return q, fmt.Errorf("the min step %q is not a duration: use e.g. 30s, 1m or 5m, or leave it empty", iv)
		}
		q.MinStep = d
	}
	for _, f := range q.AdhocFilters {
		if err := f.Check(); err != nil {
			return q, err
		}
	}
	return q, nil
}

// ParseWindow reads an analysis window: 1d, 3d, 7d, 14d or 30d (any whole
// number of hours or days from 1 h to 90 d is accepted).
func ParseWindow(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err == nil && n > 0 {
		var d time.Duration
		switch unit {
		case "d":
			d = time.Duration(n) * 24 * time.Hour
		case "h":
			d = time.Duration(n) * time.Hour
		}
		if d >= time.Hour && d <= 90*24*time.Hour {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not an analysis window: use one of %s", s, quoteAll(Windows))
}

func oneOf[T comparable](x T, xs []T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func quoteAll[T ~string](vs []T) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
