package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
		"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/upstream"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// QueryModel is a query as the frontend sends it.
type QueryModel struct {
	Expr         string   `json:"expr"`
	LegendFormat string   `json:"legendFormat"`
	LimitBytes   *float64 `json:"limitBytes"`
	Sensitivity  string   `json:"sensitivity"`
	Output       string   `json:"output"`
}

var sensitivities = map[string]shape.Sensitivity{
	"":       shape.Normal,
	"low":    shape.Low,
	"normal": shape.Normal,
	"high":   shape.High,
}

// query is a parsed, checked query.
type query struct {
	QueryModel
	opt    shape.Options
	output frames.Output
}

func quoteAll[T ~string](vs []T) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// parseQuery reads and checks a query's JSON.
func parseQuery(raw json.RawMessage) (query, error) {
	var q query
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &q.QueryModel); err != nil {
			return q, fmt.Errorf("the query is not valid JSON: %v", err)
		}
	}
	q.Expr = strings.TrimSpace(q.Expr)
	if q.Expr == "" {
		return q, errors.New("the query expression is empty: enter a PromQL expression for a memory series, e.g. container_memory_working_set_bytes")
	}
	sens, ok := sensitivities[strings.ToLower(q.Sensitivity)]
	if !ok {
		return q, fmt.Errorf("unknown sensitivity %q: use one of \"low\", \"normal\", \"high\"", q.Sensitivity)
	}
	q.opt.Sensitivity = sens
	if q.LimitBytes != nil {
		l := *q.LimitBytes
		if math.IsNaN(l) || math.IsInf(l, 0) || l < 0 {
			return q, fmt.Errorf("limitBytes %v is not valid: give the memory limit in bytes, or 0 when unknown", l)
		}
		q.opt.LimitBytes = l
	}
	q.output = frames.Output(strings.ToLower(q.Output))
	if q.output == "" {
		q.output = frames.All
	}
	valid := false
	for _, o := range frames.Outputs {
		valid = valid || o == q.output
	}
	if !valid {
		return q, fmt.Errorf("unknown output %q: use one of %s", q.Output, quoteAll(frames.Outputs))
	}
	return q, nil
}

func errResponse(status backend.Status, src backend.ErrorSource, err error) backend.DataResponse {
	return backend.DataResponse{Error: err, Status: status, ErrorSource: src}
}

// upstreamError maps an upstream failure to a response: the upstream's
// status (a timeout is 504), marked as the upstream's fault.
func upstreamError(err error) backend.DataResponse {
	status := backend.StatusBadGateway
	if ue, ok := upstream.AsError(err); ok {
		status = backend.Status(ue.Status())
	}
	return errResponse(status, backend.ErrorSourceDownstream, err)
}

// classify is shape.Classify; tests replace it.
var classify = shape.Classify

// AlertHeader is the header Grafana sets on queries run by alert rules.
const AlertHeader = "FromAlert"

func (d *Datasource) query(ctx context.Context, req *backend.QueryDataRequest, dq backend.DataQuery) backend.DataResponse {
	if d.cfgErr != nil {
		return errResponse(backend.StatusBadRequest, backend.ErrorSourceDownstream, d.cfgErr)
	}
	q, err := parseQuery(dq.JSON)
	if err != nil {
		return errResponse(backend.StatusBadRequest, backend.ErrorSourceDownstream, err)
	}
	if d.settings.Upstream == UpstreamDatadog {
		return errResponse(backend.StatusNotImplemented, backend.ErrorSourcePlugin,
			errors.New("Datadog support is not built yet: choose Prometheus as the upstream for now"))
	}
	start, end := dq.TimeRange.From, dq.TimeRange.To
	if !end.After(start) {
		return errResponse(backend.StatusBadRequest, backend.ErrorSourceDownstream,
			fmt.Errorf("the time range is empty (from %s to %s): pick a range that ends after it starts", start.Format("2006-01-02T15:04:05Z07:00"), end.Format("2006-01-02T15:04:05Z07:00")))
	}
	step, raised := prom.Step(start, end, dq.Interval)
	var notices []data.Notice
	if raised {
		notices = append(notices, data.Notice{
			Severity: data.NoticeSeverityInfo,
			Text: fmt.Sprintf("Step raised from %s to %s: Prometheus returns at most %d points per series; narrow the time range for finer detail.",
				dq.Interval, step, prom.MaxPointsPerSeries),
		})
	}
	res, err := d.up.QueryRange(ctx, upstream.Query{Expr: q.Expr, Start: start, End: end, Step: step})
	if err != nil {
		return upstreamError(err)
	}
	for _, w := range res.Warnings {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: "Prometheus: " + w})
	}

	items := make([]frames.Item, len(res.Series))
	for i, s := range res.Series {
		items[i] = frames.Item{Series: s, Verdict: classify(s.T, s.V, q.opt)}
	}
	if len(items) == 0 {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: "The query returned no series in this time range."})
	}
	output := q.output
	if req != nil && req.Headers[AlertHeader] == "true" && output == frames.Verdicts {
		// Alert rules cannot read the verdict table; give them one number
		// per series instead (see frames.AlertFrames).
		output = frames.Alert
	}
	out := frames.Build(items, frames.Options{LegendFormat: q.LegendFormat, Output: output})
	if len(notices) > 0 {
		if len(out) == 0 {
			out = data.Frames{data.NewFrame("")}
		}
		if out[0].Meta == nil {
			out[0].Meta = &data.FrameMeta{}
		}
		// The query's own notices first, then the per-series ones.
		out[0].Meta.Notices = append(notices, out[0].Meta.Notices...)
	}
	return backend.DataResponse{Frames: out, Status: backend.StatusOK}
}
