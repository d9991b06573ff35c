// Package shape names the shape of a memory series — leak, fragmentation,
// bloat or healthy — and gives the evidence: lifetimes between restarts,
// warm-up, jumps, fitted curves and a sentence a person can read out.
//
// It is a pure engine: no I/O, no clock, no Grafana types. Input is a pair
// of slices (Unix milliseconds, bytes); output is a Verdict.
package shape

import (
	"math"
	"time"
)

// Shape is the name of a memory series' behaviour. What the project says
// of each shape — its words, rank, colours, alert number — is in Table.
type Shape string

const (
	// Leak is sustained, roughly constant-rate growth with no sign of slowing.
	Leak Shape = "leak"
	// Fragmentation is growth whose rate keeps falling: logarithmic or
	// saturating toward a ceiling.
	Fragmentation Shape = "fragmentation"
	// Bloat is growth concentrated in a few large, sudden jumps whose new
	// level persists (part may be freed).
	Bloat Shape = "bloat"
	// Healthy is no lasting growth after warm-up.
	Healthy Shape = "healthy"
	// Inconclusive means the window cannot tell; Verdict.Reason says why and
	// Verdict.WatchFor how much longer to watch.
	Inconclusive Shape = "inconclusive"
)

// Sensitivity trades false alarms against early calls.
type Sensitivity int

const (
	// Normal is the default.
	Normal Sensitivity = iota
	// Low wants more evidence before naming a growth shape.
	Low
	// High names growth shapes on less evidence.
	High
)

// Options tune a classification. The zero value is ready to use.
type Options struct {
	// LimitBytes is the memory limit (container limit, host memory);
	// 0 means unknown. With it the verdict gives a time to limit.
	LimitBytes float64
	// Sensitivity: Normal unless set.
	Sensitivity Sensitivity
}

// Scores hold the evidence for each named shape, each 0..1.
type Scores struct {
	Leak          float64 `json:"leak"`
	Fragmentation float64 `json:"fragmentation"`
	Bloat         float64 `json:"bloat"`
	Healthy       float64 `json:"healthy"`
}

// Jump is a sudden rise whose new level persists.
type Jump struct {
	Start int64   `json:"start"` // ms, last point before the rise
	End   int64   `json:"end"`   // ms, top of the rise
	From  float64 `json:"from"`  // level before, bytes
	To    float64 `json:"to"`    // peak after the rise, bytes
	Size  float64 `json:"size"`  // To - From
	Freed float64 `json:"freed"` // given back after the peak; the rest persists
}

// Lifetime is one process lifetime: the span between two restarts.
type Lifetime struct {
	Start     int64   `json:"start"`      // ms
	End       int64   `json:"end"`        // ms
	WarmupEnd int64   `json:"warmup_end"` // ms; == Start when there is no warm-up
	From      float64 `json:"from"`       // level after warm-up, bytes
	To        float64 `json:"to"`         // level at the end, bytes
	// Series is the index of the series the lifetime was seen in, among
	// the series pooled (ClassifyPooled); 0 for one series.
	Series int `json:"series"`
	// Running: the lifetime lasts to the window's end (it is current).
	Running bool `json:"running,omitempty"`
}

// Model names a fitted curve.
type Model string

const (
	// Linear is a + b·age (b in bytes/ms).
	Linear Model = "linear"
	// Logarithmic is a + b·ln(1 + age/τ).
	Logarithmic Model = "logarithmic"
	// Saturating is a + b·(1 − exp(−age/τ)); the ceiling is a + b.
	Saturating Model = "saturating"
	// Steps is a piecewise-constant envelope through the jumps (Knots).
	Steps Model = "steps"
	// Forecast is a straight line from the last level toward the limit.
	Forecast Model = "forecast"
)

// Knot is a corner of a Steps envelope: from T on the level is V.
type Knot struct {
	T int64   `json:"t"`
	V float64 `json:"v"`
}

// Fit is one fitted curve over [Start, End]; age is measured from Origin.
type Fit struct {
	Model  Model   `json:"model"`
	Start  int64   `json:"start"`
	End    int64   `json:"end"`
	Origin int64   `json:"origin"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Tau    float64 `json:"tau,omitempty"` // ms
	Knots  []Knot  `json:"knots,omitempty"`
	// Lifetime is the index in Verdict.Lifetimes of the lifetime the fit
	// is drawn over (the forecast: the one it starts from).
	Lifetime int `json:"lifetime"`
	// Band is how sure a forecast is (Bounds, SampleBand); the zero
	// Band, for other fits and where the residuals cannot tell, has none.
	Band Band `json:"band,omitzero"`
}

// Verdict is what the classifier says of one series.
type Verdict struct {
	Shape Shape `json:"shape"`
	// Components lists every shape found, strongest first (e.g. bloat and
	// fragmentation together). Empty for healthy and inconclusive.
	Components []Shape `json:"components"`
	Confidence float64 `json:"confidence"`
	Scores     Scores  `json:"scores"`
	// GrowthBytesPerHour is the lasting growth: how much the level the
	// process keeps rose per hour of steady time (after warm-up, within each
	// lifetime, averaged over lifetimes), jumps that persisted included and
	// what they freed left out. For a leak it is the fitted steady rate plus
	// the jumps, for fragmentation the average over its slowing curve (its
	// rate now is lower; the explanation gives both ends), for bloat the
	// jumps and whatever rose between them, spread over the time. It is
	// never negative for leak, fragmentation and bloat; for healthy and
	// inconclusive it is the straight line's slope and may be.
	GrowthBytesPerHour float64    `json:"growth_bytes_per_hour"`
	Jumps              []Jump     `json:"jumps"`
	Lifetimes          []Lifetime `json:"lifetimes"`
	Restarts           int        `json:"restarts"`
	Fits               []Fit      `json:"fits"`
	// TimeToLimit is how long until the limit is reached, following the
	// fitted shape from the current (last) lifetime's level; 0 with
	// HasTimeToLimit false when unknown, never, or when restarts come
	// first (RestartsResetFirst).
	TimeToLimit    time.Duration `json:"time_to_limit"`
	HasTimeToLimit bool          `json:"has_time_to_limit"`
	// TimeToLimitRange is the time to limit's 95 % range, from the
	// forecast's band; nil when there is no time to limit, no band, or the
	// time follows a slowing curve rather than the forecast's line.
	TimeToLimitRange *LimitRange `json:"time_to_limit_range,omitempty"`
	// RestartsResetFirst is true when the process restarts (every
	// TypicalLifetime) before its growth would reach the limit: each
	// restart resets the level, so the limit is not reached at this pace.
	RestartsResetFirst bool `json:"restarts_reset_first,omitempty"`
	// ForecastEndsAtRestart is true when the forecast (the Forecast fit)
	// stops where the process' next restart is due, at its End: a panel
	// draws it no further.
	ForecastEndsAtRestart bool `json:"forecast_ends_at_restart,omitempty"`
	// TypicalLifetime is the median length of the lifetimes seen whole
	// (between two restarts); 0 when fewer than one was seen.
	TypicalLifetime time.Duration `json:"typical_lifetime,omitempty"`
	// Misfit is true when the curve drawn for the shape misses the data in
	// long stretches (its residuals keep one sign far longer than noise
	// would): the shape is the best of those tried, held with less
	// confidence.
	Misfit bool `json:"misfit,omitempty"`
	// Explanation is one sentence a person can read out on an incident call.
	Explanation string `json:"explanation"`
	// Reason says why a verdict is inconclusive (empty otherwise).
	Reason string `json:"reason,omitempty"`
	// WatchFor is how much longer to watch before the shape can be told
	// (inconclusive only).
	WatchFor time.Duration `json:"watch_for,omitempty"`
	// Points is how many points the verdict rests on after cleaning;
	// Dropped how many were discarded (NaN, ±Inf, duplicates, zero fill).
	Points  int `json:"points"`
	Dropped int `json:"dropped"`
	// Pool is set by ClassifyPooled: what the verdict says of the
	// lifetimes it pooled.
	Pool *Pool `json:"pool,omitempty"`
}

// At evaluates the fit at t (Unix ms); age is t − Origin in ms.
//
//   - Linear, Forecast: A + B·age
//   - Logarithmic: A + B·ln(1 + age/Tau)
//   - Saturating: A + B·(1 − exp(−age/Tau))
//   - Steps: the V of the last knot at or before t (knots in any order);
//     before the first knot, A
//
// It returns NaN outside [Start, End], for an unknown model, and for a
// logarithmic or saturating fit without a positive Tau.
func (f Fit) At(t int64) float64 {
	if t < f.Start || t > f.End {
		return math.NaN()
	}
	age := float64(t - f.Origin)
	switch f.Model {
	case Linear, Forecast:
		return f.A + f.B*age
	case Logarithmic:
		if !(f.Tau > 0) || age/f.Tau <= -1 {
			return math.NaN()
		}
		return f.A + f.B*math.Log1p(age/f.Tau)
	case Saturating:
		if !(f.Tau > 0) {
			return math.NaN()
		}
		return f.A + f.B*(-math.Expm1(-age/f.Tau))
	case Steps:
		v, at, found := f.A, int64(0), false
		for _, k := range f.Knots {
			if k.T <= t && (!found || k.T >= at) {
				v, at, found = k.V, k.T, true
			}
		}
		return v
	}
	return math.NaN()
}

// slopeAt is the fit's rate in bytes per ms at time t.
func (f Fit) slopeAt(t int64) float64 {
	age := float64(t - f.Origin)
	switch f.Model {
	case Linear, Forecast:
		return f.B
	case Logarithmic:
		return f.B / (f.Tau + age)
	case Saturating:
		return f.B / f.Tau * math.Exp(-age/f.Tau)
	}
	return 0
}
