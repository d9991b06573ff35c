package plugin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
	"github.com/memshape/memory-datasource/pkg/workload"
)

func TestAnalysisStep(t *testing.T) {
	day := 24 * time.Hour
	for span, want := range map[time.Duration]time.Duration{
		day: time.Minute, 3 * day: 3 * time.Minute, 7 * day: 5 * time.Minute,
		14 * day: 10 * time.Minute, 30 * day: 30 * time.Minute, time.Hour: 15 * time.Second,
	} {
		got := analysisStep(span, 15*time.Second)
		assert.Equal(t, want, got, span)
		assert.LessOrEqual(t, int(span/got), MaxAnalysisPoints, span)
	}
	assert.Equal(t, time.Minute, analysisStep(time.Hour, time.Minute), "never below the scrape interval")
}

// The analysis depends on the window and the end only: a 10-minute alert
// rule, a 1-hour panel and a 7-day panel ending at the same time analyse
// the same samples.
func TestPlanIndependentOfPanel(t *testing.T) {
	to := time.Date(2026, 11, 20, 10, 7, 31, 0, time.UTC)
	now := to.Add(time.Hour)
	week := 7 * 24 * time.Hour
	var plans []plan
	for _, rng := range []time.Duration{10 * time.Minute, time.Hour, week} {
		plans = append(plans, makePlan(testRules, "m", to.Add(-rng), to, now, rng/1000, week, 15*time.Second, true))
	}
	for _, p := range plans {
		assert.Equal(t, plans[0].analysis, p.analysis)
	}
	a := plans[0].analysis
	assert.Equal(t, 5*time.Minute, a.Step)
	assert.Equal(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC), a.End, "aligned to the step")
	assert.Equal(t, week, a.End.Sub(a.Start))
	require.NotNil(t, plans[1].panel)
	assert.Equal(t, to.Add(-time.Hour), plans[1].panel.Start)
	assert.Equal(t, 15*time.Second, plans[1].panel.Step, "the panel's step, floored at the scrape interval")

	// A panel longer than the window is analysed over its own range.
	long := makePlan(testRules, "m", to.Add(-30*24*time.Hour), to, now, time.Hour, week, 15*time.Second, false)
	assert.Equal(t, 30*time.Minute, long.analysis.Step)
	assert.Nil(t, long.panel, "nothing to draw")
	assert.False(t, long.analysis.Start.After(to.Add(-30*24*time.Hour)))

	// A panel reaching into the future is analysed up to now.
	future := makePlan(testRules, "m", now.Add(-6*time.Hour), now.Add(12*time.Hour), now, time.Minute, week, 15*time.Second, true)
	assert.False(t, future.analysis.End.After(now))
	assert.Greater(t, future.analysis.End, now.Add(-5*time.Minute))

	// One call when the panel is the analysis window at its step.
	end := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	same := makePlan(testRules, "m", end.Add(-week), end, now, 5*time.Minute, week, 15*time.Second, true)
	assert.Nil(t, same.panel)
}

func TestInterpolate(t *testing.T) {
	got := interpolate(`rate(m[$__rate_interval]) + m[$__interval] + $__interval_ms + ${__range} + $__range_s + $__range_ms + ${__interval}`,
		5*time.Minute, time.Minute, 7*24*time.Hour, 15*time.Second)
	assert.Equal(t, `rate(m[1m15s]) + m[5m] + 300000 + 604800s + 604800 + 604800000 + 5m`, got)
	assert.Equal(t, "rate(m[1m0s])", interpolate("rate(m[$__rate_interval])", time.Second, time.Second, time.Hour, 15*time.Second), "at least four scrapes")
	assert.Equal(t, "up", interpolate("up", time.Minute, time.Minute, time.Hour, 15*time.Second))

	// $__workloadPods(w): w's pods, w a regular expression with groups of its own.
	pods := interpolate(`m{pod=~"$__workloadPods( (api|web) )", x="$__workloadPods(db)"}`, time.Minute, time.Minute, time.Hour, 15*time.Second)
	assert.Equal(t, `m{pod=~"`+workload.PodPattern("(api|web)")+`", x="`+workload.PodPattern("db")+`"}`, pods)
	assert.Equal(t, `m{pod=~"$__workloadPods((api|web)"}`, interpolate(`m{pod=~"$__workloadPods((api|web)"}`, time.Minute, time.Minute, time.Hour, 15*time.Second),
		"left open, left as written for the upstream to refuse")
	for _, expr := range []string{`m{pod=~"$__workloadPods((api|web))"} + on() $__interval_ms`, `m{pod=~"$__workloadPods(\\(x)"}`} {
		masked := maskMacros(expr)
		assert.Len(t, masked, len(expr), "positions kept: %s", masked)
		assert.NotContains(t, masked, "$", masked)
	}
}

// testRules are Prometheus' step rules.
var testRules = prom.Upstream{}.Rules()
