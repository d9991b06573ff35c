package plugin

import (
	"time"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// MaxAnalysisPoints bounds the points per series of the analysis fetch
// (a little over 2,000, so that 7 days fit at a 5-minute step).
const MaxAnalysisPoints = 2100

// analysisSteps are the steps the analysis window is fetched at: the
// smallest that keeps a window within MaxAnalysisPoints is used.
var analysisSteps = []time.Duration{
	15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 3 * time.Minute,
	5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 20 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// plan is what one query fetches: the analysis window, at a coarse step
// that depends only on the window (so every panel range and every alert
// rule ending at the same time gets the same verdict), and the panel's
// own range at the panel's step when the series are shown.
type plan struct {
	analysis upstream.Query
	// panel is nil when the output shows no series, or when the panel's
	// range and step are the analysis window's (one upstream call).
	panel *upstream.Query
	// panelStepRaised is the step the panel asked for when it had to be
	// raised to stay within the upstream's points cap, maxPoints (0
	// otherwise).
	panelStepRaised time.Duration
	maxPoints       int
}

// analysisStep is the step for a window of span: the smallest of
// analysisSteps, not below the scrape interval, that keeps the window
// within MaxAnalysisPoints.
func analysisStep(span, scrape time.Duration) time.Duration {
	for _, s := range analysisSteps {
		if s >= scrape && span/s <= MaxAnalysisPoints {
			return s
		}
	}
	last := analysisSteps[len(analysisSteps)-1]
	return max(last, (span / MaxAnalysisPoints).Truncate(time.Second))
}

// makePlan works out the fetches of a query over the panel's [from, to]
// with the panel's interval; window is the analysis window (the query's or
// the data source's), scrape the scrape interval (the floor of any step),
// rules the upstream's step and point rules.
// The analysis window never reaches past now: a panel that shows the
// future (for the forecast) is analysed over the week up to now.
func makePlan(rules upstream.Rules, expr string, from, to, now time.Time, interval, window, scrape time.Duration, showSeries bool) plan {
	analysedTo := to
	if now.Before(to) {
		analysedTo = now
	}
	span := max(window, analysedTo.Sub(from))
	step := analysisStep(span, scrape)
	// Aligned to the step from the Unix epoch, like Grafana's Prometheus:
	// the same samples whatever the panel, and cache-friendly.
	ms := step.Milliseconds()
	end := time.UnixMilli(analysedTo.UnixMilli() - mod(analysedTo.UnixMilli(), ms)).UTC()
	n := (span.Milliseconds() + ms - 1) / ms // whole steps covering the span
	p := plan{analysis: upstream.Query{Expr: expr, Start: end.Add(-time.Duration(n) * step), End: end, Step: step}}
	if !showSeries {
		return p
	}
	want := max(interval, scrape)
	pstep, raised := rules.Step(from, to, want)
	if raised {
		p.panelStepRaised, p.maxPoints = want, rules.MaxPointsPerSeries
	}
	panel := upstream.Query{Expr: expr, Start: from, End: to, Step: pstep}
	if panel.Step == p.analysis.Step && panel.Start.Equal(p.analysis.Start) && panel.End.Equal(p.analysis.End) {
		return p
	}
	p.panel = &panel
	return p
}

// mod is a modulo that is never negative.
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
