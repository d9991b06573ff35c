package plugin

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
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
//
// The ${…} forms too. Done in the backend so that alert rules, which have
// no frontend to do it, and panels agree.
func interpolate(expr string, step, interval, rng, scrape time.Duration) string {
	if !strings.Contains(expr, "$") {
		return expr
	}
	rangeMs := rng.Milliseconds()
	rangeS := int64(math.Round(float64(rangeMs) / 1000))
	rate := max(interval+scrape, 4*scrape)
	vars := []struct{ name, value string }{
		// Longer names first: $__interval is a prefix of $__interval_ms.
		{"__rate_interval_ms", strconv.FormatInt(rate.Milliseconds(), 10)},
		{"__rate_interval", rate.String()},
		{"__interval_ms", strconv.FormatInt(step.Milliseconds(), 10)},
		{"__interval", gtime.FormatInterval(step)},
		{"__range_ms", strconv.FormatInt(rangeMs, 10)},
		{"__range_s", strconv.FormatInt(rangeS, 10)},
		{"__range", strconv.FormatInt(rangeS, 10) + "s"},
	}
	for _, v := range vars {
		expr = strings.ReplaceAll(expr, "${"+v.name+"}", v.value)
		expr = strings.ReplaceAll(expr, "$"+v.name, v.value)
	}
	return expr
}
