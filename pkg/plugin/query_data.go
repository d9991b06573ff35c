package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/concurrent"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// AlertHeader is the header Grafana sets on queries run by alert rules.
const AlertHeader = "FromAlert"

// maxConcurrentQueries is how many of a request's queries run upstream at
// once.
const maxConcurrentQueries = 4

// QueryData runs each query on its own, through the SDK's
// concurrent.QueryData: one query's error or panic becomes that query's
// DataResponse error and never touches the others. Queries that share a
// refId are all refused: their answers could not be told apart.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	// The user's forwarded credentials are secrets of this request.
	red := d.requestRedactor(req.GetHTTPHeaders())
	ctx = upstream.WithRedactor(ctx, red)
	unique, refused := splitSharedRefIDs(req.Queries)
	run := *req
	run.Queries = unique
	// safeQuery recovers its own panics: the SDK's recovery would answer
	// with the raw panic value (which may hold a secret) and log it
	// unredacted, so it never sees one.
	resp, err := concurrent.QueryData(ctx, &run, func(ctx context.Context, q concurrent.Query) backend.DataResponse {
		return d.safeQuery(ctx, red, req, q.DataQuery)
	}, maxConcurrentQueries)
	if err != nil {
		return nil, err
	}
	for refID, dr := range refused {
		resp.Responses[refID] = dr
	}
	return resp, nil
}

// splitSharedRefIDs keeps the queries whose refId is their own and refuses
// those that share one, each refId with a clear error.
func splitSharedRefIDs(queries []backend.DataQuery) ([]backend.DataQuery, map[string]backend.DataResponse) {
	seen := map[string]int{}
	for _, q := range queries {
		seen[q.RefID]++
	}
	var unique []backend.DataQuery
	refused := map[string]backend.DataResponse{}
	for _, q := range queries {
		if n := seen[q.RefID]; n > 1 {
			refused[q.RefID] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
				fmt.Sprintf("%d queries share the refId %q: give each query its own refId", n, q.RefID))
			continue
		}
		unique = append(unique, q)
	}
	return unique, refused
}

// safeQuery runs one query, turning a panic into an error response and
// removing the request's secrets (red) from whatever is returned: the
// error, which the SDK also logs, and every text of every frame.
func (d *Datasource) safeQuery(ctx context.Context, red *upstream.Redactor, req *backend.QueryDataRequest, q backend.DataQuery) (dr backend.DataResponse) {
	log := logger.FromContext(ctx)
	defer func() {
		if r := recover(); r != nil {
			log.Error("query panicked", "refId", q.RefID, "panic", red.String(fmt.Sprint(r)), "stack", red.String(string(debug.Stack())))
			dr = backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin,
				fmt.Sprintf("internal error while running query %s (a bug in Memory Shape; see the Grafana server log)", q.RefID))
		}
	}()
	dr = d.query(ctx, req, q)
	if dr.Error != nil {
		dr.Error = red.Error(dr.Error)
		log.Debug("query failed", "refId", q.RefID, "status", dr.Status, "error", dr.Error.Error())
	}
	redactFrames(red, dr.Frames)
	return dr
}

// redactFrames removes every secret from what frames show: frame names,
// notices, the executed query, field names, labels, display names and
// string values. Label maps are replaced, never changed in place: they
// may be shared with series a cache holds. A time field several frames
// share (frames.Build gives frames on the same timestamps one) is
// redacted once.
func redactFrames(red *upstream.Redactor, frames data.Frames) {
	var done map[*data.Field]bool
	for _, f := range frames {
		f.Name = red.String(f.Name)
		if f.Meta != nil {
			f.Meta.ExecutedQueryString = red.String(f.Meta.ExecutedQueryString)
			for i := range f.Meta.Notices {
				f.Meta.Notices[i].Text = red.String(f.Meta.Notices[i].Text)
			}
		}
		for _, fld := range f.Fields {
			if fld.Type() == data.FieldTypeTime {
				if done[fld] {
					continue
				}
				if done == nil {
					done = map[*data.Field]bool{}
				}
				done[fld] = true
			}
			fld.Name = red.String(fld.Name)
			var clean data.Labels
			for k, v := range fld.Labels {
				if rk, rv := red.String(k), red.String(v); rk != k || rv != v {
					if clean == nil {
						clean = fld.Labels.Copy()
					}
					delete(clean, k)
					clean[rk] = rv
				}
			}
			if clean != nil {
				fld.Labels = clean
			}
			if c := fld.Config; c != nil {
				c.DisplayName, c.DisplayNameFromDS, c.Description = red.String(c.DisplayName), red.String(c.DisplayNameFromDS), red.String(c.Description)
			}
			switch fld.Type() {
			case data.FieldTypeString:
				for i := range fld.Len() {
					if s := fld.At(i).(string); red.String(s) != s {
						fld.Set(i, red.String(s))
					}
				}
			case data.FieldTypeNullableString:
				for i := range fld.Len() {
					if s, ok := fld.At(i).(*string); ok && s != nil && red.String(*s) != *s {
						v := red.String(*s)
						fld.Set(i, &v)
					}
				}
			}
		}
	}
}

func errResponse(status backend.Status, src backend.ErrorSource, err error) backend.DataResponse {
	return backend.DataResponse{Error: err, Status: status, ErrorSource: src}
}

// upstreamError maps an upstream failure to a response: the upstream's
// status (a timeout is 504), the source by that status.
func upstreamError(err error) backend.DataResponse {
	status := backend.StatusBadGateway
	if ue, ok := upstream.AsError(err); ok {
		status = backend.Status(ue.Status())
	}
	return errResponse(status, backend.ErrorSourceFromHTTPStatus(int(status)), err)
}

func (d *Datasource) query(ctx context.Context, req *backend.QueryDataRequest, dq backend.DataQuery) backend.DataResponse {
	if d.cfgErr != nil {
		return errResponse(backend.StatusBadRequest, backend.ErrorSourceDownstream, d.cfgErr)
	}
	ctx, release := d.admit(ctx) // the process's memory budget (inflight.go)
	defer release()
	q, err := d.parseQuery(dq.JSON)
	if err != nil {
		return errResponse(backend.StatusBadRequest, backend.ErrorSourceDownstream, err)
	}
	dq.Interval = max(dq.Interval, q.MinStep) // the panel's step is never below the query's min step
	from, to := dq.TimeRange.From, dq.TimeRange.To
	if !to.After(from) {
		return errResponse(backend.StatusBadRequest, backend.ErrorSourceDownstream,
			fmt.Errorf("the time range is empty (from %s to %s): pick a range that ends after it starts", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	out := q.Out
	if req != nil && req.Headers[AlertHeader] == "true" {
		// Alert rules read numbers, whatever the query was saved with.
		out = models.OutputAlert
	}
	window := q.Window
	if window == 0 {
		window = d.settings.AnalysisWindow
	}
	showSeries := out == models.OutputAll || out == models.OutputSeries
	p := makePlan(d.rules, q.Expr, from, to, d.now(), dq.Interval, window, d.settings.ScrapeInterval, showSeries)

	// Forwarded identities (OAuth, cookies) may see different data: the
	// cache keeps their answers apart.
	identity := identityKey(req)
	for _, uq := range []*upstream.Query{&p.analysis, p.panel} {
		if uq != nil {
			uq.CacheKey, uq.MaxSeries, uq.MaxPoints = identity, d.settings.MaxSeries, d.settings.MaxPoints
		}
	}
	// The analysis window: the verdicts come from here.
	aq := p.analysis
	aq.Expr = interpolate(q.Expr, aq.Step, aq.Step, aq.End.Sub(aq.Start), d.settings.ScrapeInterval)
	activeFrom := min(from.UnixMilli(), aq.End.Add(-2*aq.Step).UnixMilli())
	// Queries that show no series may reuse their verdicts while the
	// samples they were judged from stay the same (judge_reuse.go).
	var vk verdictKey
	var kept *judged
	reusable := d.verdicts != nil && !showSeries && p.panel == nil
	if reusable {
		vk = verdictKey{expr: aq.Expr, step: aq.Step.Milliseconds(),
			identity: aq.CacheKey, by: q.By.String(), opt: q.Options, maxSeries: aq.MaxSeries, maxPts: aq.MaxPoints}
		kept = d.verdicts.get(vk)
	}
	// Without a limit query, workloads are grouped and judged while the
	// series are read (judge_early.go).
	var early *earlyJudge
	if q.LimitExpr == "" {
		early = newEarlyJudge(q.By, q.Options)
		defer early.behind.Stop()
		aq.Each = early.Each
	}
	analysed, answer, err := d.fetchSince(ctx, "analysis window", aq, kept)
	if err != nil {
		return upstreamError(err)
	}
	if answer.unchanged {
		limits, err := d.limits(ctx, q, aq, kept.lastSample)
		if err != nil {
			return upstreamError(err)
		}
		if kept.usable(aq.Start.UnixMilli(), aq.End.UnixMilli(), limits, activeFrom) {
			d.verdicts.reuse()
			return d.respond(kept.items, kept.notes, analysed.Warnings, nil, q, out, p, aq, from, to, dq)
		}
		// Another window (the cache's answer is the same samples), new
		// limits or active cut: judge again.
		if analysed, answer, err = d.fetchSince(ctx, "analysis window", aq, nil); err != nil {
			return upstreamError(err)
		}
	}
	// The panel's range at the panel's step: what is drawn.
	panel := analysed
	if p.panel != nil {
		pq := *p.panel
		pq.Expr = interpolate(q.Expr, pq.Step, max(dq.Interval, d.settings.ScrapeInterval), to.Sub(from), d.settings.ScrapeInterval)
		if panel, err = d.fetch(ctx, "panel range", pq); err != nil {
			return upstreamError(err)
		}
	}
	lastSample := analysed.LastSample()
	limits, err := d.limits(ctx, q, aq, lastSample)
	if err != nil {
		return upstreamError(err)
	}

	_, span := tracing.DefaultTracer().Start(ctx, "memshape.classify", trace.WithAttributes(attribute.Int("series", len(analysed.Series))))
	items, notes := d.judge(analysed.Series, panel.Series, q, limits, activeFrom, showSeries, early)
	span.End()
	if reusable {
		d.verdicts.put(vk, &judged{start: aq.Start.UnixMilli(), end: aq.End.UnixMilli(), answer: answer.id, lastSample: lastSample, limits: limits, activeFrom: activeFrom, items: items, notes: notes})
	}
	warnings := analysed.Warnings
	var panelWarnings []string
	if p.panel != nil {
		panelWarnings = panel.Warnings
	}
	// The analysis window's samples are judged: let them go before the
	// frames are built (a 7-day panel's samples are as big again).
	analysed, panel = upstream.Result{}, upstream.Result{}
	return d.respond(items, notes, warnings, panelWarnings, q, out, p, aq, from, to, dq)
}

// respond builds a query's frames from its judged items (never changed:
// they may be reused) and adds its notices.
func (d *Datasource) respond(items []frames.Item, notes, warnings, panelWarnings []string, q models.Query, out models.Output, p plan, aq upstream.Query, from, to time.Time, dq backend.DataQuery) backend.DataResponse {
	if out == models.OutputAlert {
		// frames.Build's alert output, without the legend names it does
		// not show.
		return backend.DataResponse{Frames: frames.AlertFrames(frames.UniqueLabels(items), q.Value), Status: backend.StatusOK}
	}
	fr := frames.Build(items, frames.Options{
		Output: out, Legend: q.LegendFormat, Value: q.Value, Events: q.Events,
		From: from, To: to, Step: stepOf(p), MaxDataPoints: int(dq.MaxDataPoints),
		Window: frames.Window{From: aq.Start, To: aq.End, Step: aq.Step},
	})
	addNotices(fr, p, d.up.Source(), append(append([]string(nil), warnings...), panelWarnings...), notes)
	return backend.DataResponse{Frames: fr, Status: backend.StatusOK}
}

// answerOf is what the upstream said of an answer besides its series:
// its identity (0: none) and whether it is the one kept (unchanged: the
// result then has no series).
type answerOf struct {
	id        uint64
	unchanged bool
}

// fetchSince is fetch for the analysis window, through the cache's
// QueryRangeSince when there is one: kept (may be nil) is what the query
// judged last time, which the answer may leave unchanged.
func (d *Datasource) fetchSince(ctx context.Context, what string, q upstream.Query, kept *judged) (upstream.Result, answerOf, error) {
	sc, ok := d.up.(sinceClient)
	if !ok || d.verdicts == nil {
		res, err := d.fetch(ctx, what, q)
		return res, answerOf{}, err
	}
	var since uint64
	if kept != nil {
		since = kept.answer
	}
	var a answerOf
	res, err := d.traced(ctx, what, q, func(ctx context.Context) (upstream.Result, error) {
		res, id, unchanged, err := sc.QueryRangeSince(ctx, q, since)
		a = answerOf{id: id, unchanged: unchanged}
		return res, err
	})
	return res, a, err
}

// fetch runs one upstream range query in a tracing span.
func (d *Datasource) fetch(ctx context.Context, what string, q upstream.Query) (upstream.Result, error) {
	return d.traced(ctx, what, q, func(ctx context.Context) (upstream.Result, error) { return d.up.QueryRange(ctx, q) })
}

// traced runs one upstream range query (run) in a tracing span.
func (d *Datasource) traced(ctx context.Context, what string, q upstream.Query, run func(context.Context) (upstream.Result, error)) (upstream.Result, error) {
	ctx, span := tracing.DefaultTracer().Start(ctx, "memshape.upstream.query_range", trace.WithAttributes(
		attribute.String("memshape.fetch", what),
		attribute.String("memshape.upstream", string(d.up.Source())),
		attribute.String("memshape.step", q.Step.String()),
		attribute.Int64("memshape.start", q.Start.Unix()),
		attribute.Int64("memshape.end", q.End.Unix()),
	))
	defer span.End()
	res, err := run(ctx)
	if err != nil {
		return res, tracing.Error(span, d.redactor(ctx).Error(err))
	}
	span.SetAttributes(attribute.Int("memshape.series", len(res.Series)))
	return res, nil
}

// identityKey is a digest of the identity headers Grafana forwards
// (Authorization, X-Id-Token, Cookie); "" when there are none.
func identityKey(req *backend.QueryDataRequest) string {
	if req == nil {
		return ""
	}
	h := req.GetHTTPHeaders()
	sum := sha256.New()
	found := false
	for _, k := range []string{"Authorization", "X-Id-Token", "Cookie"} {
		for _, v := range h.Values(k) {
			found = true
			fmt.Fprintf(sum, "%s=%s\n", k, v)
		}
	}
	if !found {
		return ""
	}
	return hex.EncodeToString(sum.Sum(nil))
}

func stepOf(p plan) time.Duration {
	if p.panel != nil {
		return p.panel.Step
	}
	return p.analysis.Step
}

// addNotices adds the query's own notices after the verdict summary: the
// upstream's warnings (each once), what grouping could not do, and a
// raised step.
func addNotices(fr data.Frames, p plan, src upstream.Source, warnings, notes []string) {
	if len(fr) == 0 {
		return
	}
	for _, n := range notes {
		fr[0].AppendNotices(data.Notice{Severity: data.NoticeSeverityInfo, Text: n})
	}
	seen := map[string]bool{}
	for _, w := range warnings {
		if !seen[w] {
			seen[w] = true
			fr[0].AppendNotices(data.Notice{Severity: data.NoticeSeverityWarning, Text: src.Title() + ": " + w})
		}
	}
	if p.panelStepRaised > 0 && p.panel != nil {
		fr[0].AppendNotices(data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
			"Step raised from %s to %s: the panel gets at most %d points per series; narrow the time range for finer detail.",
			p.panelStepRaised, p.panel.Step, p.maxPoints)})
	}
}
