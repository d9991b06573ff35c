package plugin

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"

	"github.com/memshape/memory-datasource/pkg/workload"
)

// interpolate replaces Grafana's built-in interval and range variables in
// expr with the meaning Grafana's Prometheus data source gives them, for
// a fetch over rng at step (interval is what the panel asked for, scrape
// the data source's scrape interval):
//
//	$__interval       step as Grafana writes intervals (30s, 5m)
//	$__interval_ms    step in milliseconds
//	$__range          the range in whole seconds with an s (3600s)
//	$__range_s        the range in whole seconds
//	$__range_ms       the range in milliseconds
//	$__rate_interval  max(interval + scrape, 4 × scrape), as Go writes it (1m15s)
//	$__rate_interval_ms  the same in milliseconds
//	$__workloadPods(w)  a regular expression matching the names of the pods
//	                  of workload w (itself a regular expression: api, or
//	                  (api|cache) as a multi-value variable gives it), for
//	                  pod=~"$__workloadPods($workload)"; api-gateway's pods
//	                  are not api's (workload.PodPattern)
//
// The ${…} forms too (not of $__workloadPods). Done in the backend so that alert rules, which have
// no frontend to do it, and panels agree.
func interpolate(expr string, step, interval, rng, scrape time.Duration) string {
	if !strings.Contains(expr, "$") {
		return expr
	}
	rangeMs := rng.Milliseconds()
	rangeS := int64(math.Round(float64(rangeMs) / 1000))
	rate := max(interval+scrape, 4*scrape)
	values := map[string]string{
		"__rate_interval_ms": strconv.FormatInt(rate.Milliseconds(), 10),
		"__rate_interval":    rate.String(),
		"__interval_ms":      strconv.FormatInt(step.Milliseconds(), 10),
		"__interval":         gtime.FormatInterval(step),
		"__range_ms":         strconv.FormatInt(rangeMs, 10),
		"__range_s":          strconv.FormatInt(rangeS, 10),
		"__range":            strconv.FormatInt(rangeS, 10) + "s",
	}
	for _, m := range macros {
		expr = strings.ReplaceAll(expr, "${"+m.name+"}", values[m.name])
		expr = strings.ReplaceAll(expr, "$"+m.name, values[m.name])
	}
	return replaceCalls(expr, workloadPods, func(arg string) string {
		return workload.PodPattern(strings.TrimSpace(arg))
	})
}

// workloadPods is the macro that takes an argument.
const workloadPods = "$__workloadPods("

// replaceCalls replaces every call name…) in expr — the argument ends at
// the parenthesis that balances the opening one, so a regular expression
// with groups may be the argument — with f(argument). A call left open is
// left as written, for the upstream to refuse with its own words.
func replaceCalls(expr, name string, f func(string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(expr, name)
		if i < 0 {
			break
		}
		j, depth := i+len(name), 1
		for ; j < len(expr) && depth > 0; j++ {
			if expr[j-1] == '\\' {
				continue // an escaped parenthesis (\( in a regular expression, \\( in a PromQL string) is not a group
			}
			switch expr[j] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth > 0 {
			break
		}
		b.WriteString(expr[:i])
		b.WriteString(f(expr[i+len(name) : j-1]))
		expr = expr[j:]
	}
	b.WriteString(expr)
	return b.String()
}

// macros are the names interpolate replaces, longer names first
// ($__interval is a prefix of $__interval_ms); number says the value is a
// number rather than a duration.
var macros = []struct {
	name   string
	number bool
}{
	{"__rate_interval_ms", true}, {"__rate_interval", false},
	{"__interval_ms", true}, {"__interval", false},
	{"__range_ms", true}, {"__range_s", true}, {"__range", false},
}

// maskMacros is expr with every macro interpolate knows replaced by PromQL
// of the same length and kind (a duration such as 0000001s, a number such
// as 0000001), so that the PromQL parser reads the query and what it finds
// is where it is in expr.
func maskMacros(expr string) string {
	if !strings.Contains(expr, "$") {
		return expr
	}
	stand := func(n int, number bool) string {
		if number {
			return strings.Repeat("0", n-1) + "1"
		}
		return strings.Repeat("0", n-2) + "1s"
	}
	for _, m := range macros {
		for _, form := range []string{"${" + m.name + "}", "$" + m.name} {
			expr = strings.ReplaceAll(expr, form, stand(len(form), m.number))
		}
	}
	// $__workloadPods(…) stands inside a label value: letters of its length.
	return replaceCalls(expr, workloadPods, func(arg string) string {
		return strings.Repeat("x", len(workloadPods)+len(arg)+1)
	})
}
