package datadog

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxPointsPerSeries is the most points Datadog returns for one series of
// /api/v1/query; for a finer rollup it picks a coarser one itself.
const MaxPointsPerSeries = 1500

// RollupSeconds is the rollup interval, in whole seconds, for a query over
// [start, end] at the wanted step: the step rounded up to a whole second,
// raised so that the range holds at most MaxPointsPerSeries points. It is
// 0 (Datadog chooses) when step <= 0.
func RollupSeconds(start, end time.Time, step time.Duration) int64 {
	if step <= 0 {
		return 0
	}
	sec := int64(math.Ceil(step.Seconds()))
	if rng := end.Sub(start).Seconds(); rng > 0 {
		if least := int64(math.Ceil(rng / MaxPointsPerSeries)); least > sec {
			sec = least
		}
	}
	return max(sec, 1)
}

var rollupCall = regexp.MustCompile(`(?i)\.\s*rollup\s*\(`)

// HasRollup reports whether query names a rollup of its own.
func HasRollup(query string) bool { return rollupCall.MatchString(query) }

// WithRollup returns query with ".rollup(avg, seconds)" appended to each
// metric query in it, so that a panel's interval sets the resolution:
//
//	avg:system.mem.used{env:prod} by {host}
//	  → avg:system.mem.used{env:prod} by {host}.rollup(avg, 300)
//	avg:a{*} / avg:b{*}
//	  → avg:a{*}.rollup(avg, 300) / avg:b{*}.rollup(avg, 300)
//	top(avg:m{*} by {pod}, 10, 'max', 'desc')
//	  → top(avg:m{*} by {pod}.rollup(avg, 300), 10, 'max', 'desc')
//
// A metric query ends at the closing brace of its scope, or of its
// "by {…}" group when it has one. The query is returned unchanged when
// seconds <= 0, when it already has a rollup anywhere (its author chose),
// or when its braces do not balance (Datadog will say what is wrong).
// avg is the time aggregation because memory is a gauge: the average over
// each interval keeps the level and the slope.
func WithRollup(query string, seconds int64) string {
	if seconds <= 0 || HasRollup(query) || !balanced(query) {
		return query
	}
	suffix := ".rollup(avg, " + strconv.FormatInt(seconds, 10) + ")"
	var b strings.Builder
	b.Grow(len(query) + 2*len(suffix))
	depth := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		b.WriteByte(c)
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 && !byGroupFollows(query[i+1:]) {
				b.WriteString(suffix)
			}
		}
	}
	return b.String()
}

// byGroupFollows reports whether s starts with "by {" (any case, any
// spaces).
func byGroupFollows(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	if len(s) < 2 || !strings.EqualFold(s[:2], "by") {
		return false
	}
	s = strings.TrimLeft(s[2:], " \t\r\n")
	return strings.HasPrefix(s, "{")
}

func balanced(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}
