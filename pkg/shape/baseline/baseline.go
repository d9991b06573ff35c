// Package baseline implements what today's monitoring does about memory
// growth, so the shape classifier can be measured against it. Every
// detector fits one straight line over the whole window and answers only
// "leak" or "healthy" — the root of the false alarms on warm-ups, GC
// sawtooth, bloat steps and saturating growth described in
// shared/notes/prior-art.md.
package baseline

import (
	"math"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// Detector is a baseline leak rule: given a series (t in Unix ms, v in
// bytes) and the memory limit in bytes, it returns shape.Leak or
// shape.Healthy.
type Detector func(t []int64, v []float64, limit float64) shape.Shape

// DefaultHorizon is how far ahead the common alert rule projects:
// predict_linear(mem[window], 4*3600) > limit (kubernetes-mixin,
// awesome-prometheus-alerts).
const DefaultHorizon = 4 * time.Hour

// PredictLinear is the PromQL rule predict_linear(mem[window], 4*3600) >
// limit: Leak if the least-squares line over the whole window, projected
// 4 h past the last sample, exceeds the limit. A limit ≤ 0 (unknown) never
// fires.
func PredictLinear(t []int64, v []float64, limit float64) shape.Shape {
	return predictLinear(t, v, limit, DefaultHorizon)
}

// PredictLinearHorizon builds the predict_linear rule for another horizon,
// e.g. 24 h.
func PredictLinearHorizon(h time.Duration) Detector {
	return func(t []int64, v []float64, limit float64) shape.Shape {
		return predictLinear(t, v, limit, h)
	}
}

// predictLinear does what PromQL's predict_linear does: a least-squares fit
// of v on t in seconds with the intercept taken at the last timestamp (the
// evaluation time of a query whose range ends at the last sample), then
// intercept + slope × horizon.
func predictLinear(t []int64, v []float64, limit float64, h time.Duration) shape.Shape {
	if limit <= 0 {
		return shape.Healthy
	}
	x, y := finite(t, v)
	if len(x) < 2 {
		return shape.Healthy
	}
	last := x[0]
	for _, xi := range x {
		last = max(last, xi)
	}
	for i := range x {
		x[i] -= last
	}
	intercept, slope := stat.LinearRegression(x, y, nil, false)
	if predicted := intercept + slope*h.Seconds(); predicted > limit {
		return shape.Leak
	}
	return shape.Healthy
}

// Defaults of the growth-rate rule.
const (
	// DefaultPercentPerHour is the growth, in percent of the mean level
	// per hour, at which PercentPerHour calls a leak.
	DefaultPercentPerHour = 1.0
	// DefaultMinR2 is how well the line must fit for the growth to count.
	DefaultMinR2 = 0.5
)

// PercentPerHour is a Coroot-style growth rule: a least-squares line over
// the whole series; Leak if it rises by at least 1 % of the mean level per
// hour and fits with R² ≥ 0.5. The limit is not used.
func PercentPerHour(t []int64, v []float64, limit float64) shape.Shape {
	return growthRule(t, v, DefaultPercentPerHour, DefaultMinR2)
}

// PercentPerHourRule builds the growth-rate rule with another threshold
// (percent of the mean level per hour) and minimum R².
func PercentPerHourRule(percent, minR2 float64) Detector {
	return func(t []int64, v []float64, _ float64) shape.Shape {
		return growthRule(t, v, percent, minR2)
	}
}

func growthRule(t []int64, v []float64, percent, minR2 float64) shape.Shape {
	x, y := finite(t, v)
	if len(x) < 2 {
		return shape.Healthy
	}
	alpha, slope := stat.LinearRegression(x, y, nil, false)
	mean := stat.Mean(y, nil)
	if mean <= 0 || math.IsNaN(slope) {
		return shape.Healthy
	}
	perHour := slope * 3600 / mean * 100
	if perHour >= percent && stat.RSquared(x, y, nil, alpha, slope) >= minR2 {
		return shape.Leak
	}
	return shape.Healthy
}

// finite returns the points with a finite value as (seconds since the
// first timestamp, bytes). Like a Prometheus range vector, the rules see
// only real samples; unlike Prometheus they skip NaN and ±Inf instead of
// returning NaN.
func finite(t []int64, v []float64) (x, y []float64) {
	n := min(len(t), len(v))
	if n == 0 {
		return nil, nil
	}
	x = make([]float64, 0, n)
	y = make([]float64, 0, n)
	for i := range n {
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			continue
		}
		x = append(x, float64(t[i]-t[0])/1000)
		y = append(y, v[i])
	}
	return x, y
}
