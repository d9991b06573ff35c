// Package corpus generates a labelled, deterministic corpus of memory series
// for measuring the shape classifier (package shape) and the baselines it has
// to beat (package baseline).
//
// Every series is drawn from a scenario — a story about a process, such as
// "leaks between hourly restarts" or "bloat on top of fragmentation" — whose
// curve follows the pictures of the seed post "The shape of memory issues":
// linear growth is a leak, logarithmic or saturating growth is
// fragmentation, a few sudden jumps whose level persists is bloat. Each
// scenario varies window, scrape step, base level, sizes, phases and noise,
// and adds the nuisances real scrapes have: Gaussian noise, isolated spikes
// and scrape outages (gaps).
//
// The same seed always gives the same corpus, point for point, so an
// accuracy number is reproducible and a misclassified case can be found
// again by its name.
package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// Case is one labelled memory series.
type Case struct {
	// Name is unique within a corpus: "<scenario>/<index>", e.g.
	// "leak-restarts/0042".
	Name string
	// Scenario is the story the series was drawn from, e.g. "leak-restarts".
	Scenario string
	// T holds Unix milliseconds starting at Epoch, sorted, on a regular Step
	// except where a scrape outage removed points. (Hand-made series that
	// break these rules on purpose are in pkg/shape/testdata/edge.)
	T []int64
	// V holds the memory in bytes.
	V []float64
	// Limit is the memory limit in bytes: 1.3–4× the series' maximum, or for
	// some leak cases (and trap cases, which imitate one) just above it.
	// Baselines compare forecasts with it; pass it as Options.LimitBytes.
	Limit float64
	// Want is the label: the shape a careful person would name.
	Want shape.Shape
	// Accept lists other answers that also count as right, e.g.
	// inconclusive for a leak seen for less than 12 h.
	Accept []shape.Shape
	// Window is the time range the series covers; Step the scrape step.
	Window, Step time.Duration
}

// Correct reports whether got is a right answer for c: Want or one of
// Accept.
func (c Case) Correct(got shape.Shape) bool {
	return got == c.Want || slices.Contains(c.Accept, got)
}

// Epoch is the first timestamp of every generated series:
// 2026-01-05T00:00:00Z, a Monday.
var Epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Defaults of the reference corpus the accuracy targets are stated on:
// Generate(DefaultSeed, DefaultPerScenario).
const (
	DefaultSeed        = 1
	DefaultPerScenario = 150
)

// MaxPoints is Prometheus' cap on points per series in a range query.
const MaxPoints = 11000

// MinPoints is the fewest points a generated series has (before gaps).
const MinPoints = 60

// Scale is the time scale of a series: minutes (a test run, a batch job),
// hours or days.
type Scale string

// The time scales accuracy is reported at.
const (
	Minutes Scale = "minutes" // windows under an hour
	Hours   Scale = "hours"   // an hour to under a day
	Days    Scale = "days"    // a day or more
)

// Scales lists the time scales in order.
var Scales = []Scale{Minutes, Hours, Days}

// ScaleOf is the time scale of a window.
func ScaleOf(window time.Duration) Scale {
	switch {
	case window < time.Hour:
		return Minutes
	case window < 24*time.Hour:
		return Hours
	}
	return Days
}

// ladder is a window and the steps it is queried at, finest first; every
// step is a multiple of the finest, so a coarser view of a series is the
// finer one with points left out, as Prometheus returns it.
type ladder struct {
	window time.Duration
	steps  []time.Duration
}

// ladders are the windows a dashboard or a test run shows, each with the
// three steps it is generated at where the window allows: at least 120
// points at the coarsest step (2 minutes have one step, 5 minutes and an
// hour two).
var ladders = []ladder{
	{2 * time.Minute, []time.Duration{time.Second}},
	{5 * time.Minute, []time.Duration{time.Second, 2 * time.Second}},
	{10 * time.Minute, []time.Duration{time.Second, 2 * time.Second, 5 * time.Second}},
	{15 * time.Minute, []time.Duration{time.Second, 2 * time.Second, 5 * time.Second}},
	{20 * time.Minute, []time.Duration{time.Second, 5 * time.Second, 10 * time.Second}},
	{30 * time.Minute, []time.Duration{time.Second, 5 * time.Second, 10 * time.Second}},
	{time.Hour, []time.Duration{15 * time.Second, 30 * time.Second}},
	{3 * time.Hour, []time.Duration{15 * time.Second, 30 * time.Second, time.Minute}},
	{6 * time.Hour, []time.Duration{15 * time.Second, time.Minute, 2 * time.Minute}},
	{12 * time.Hour, []time.Duration{15 * time.Second, time.Minute, 5 * time.Minute}},
	{24 * time.Hour, []time.Duration{15 * time.Second, time.Minute, 5 * time.Minute}},
	{48 * time.Hour, []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute}},
	{72 * time.Hour, []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute}},
	{7 * 24 * time.Hour, []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute}},
	{14 * 24 * time.Hour, []time.Duration{2 * time.Minute, 10 * time.Minute, 30 * time.Minute}},
}

// LeakMinWindow is how long steady growth must be watched before the product
// calls it a leak at normal sensitivity. Shorter windows cannot tell linear
// from logarithmic growth, so a leak seen for less is labelled inconclusive
// (with leak accepted).
const LeakMinWindow = 12 * time.Hour

// DiurnalMinWindow is the window below which a daily cycle cannot be told
// from growth; a healthy diurnal series seen for less also accepts
// inconclusive.
const DiurnalMinWindow = 48 * time.Hour

// Scenarios lists the scenario names in generation order.
func Scenarios() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// Generate draws perScenario cases from every scenario. It is deterministic:
// case i of scenario s comes from a PCG source seeded with (seed, s<<32|i),
// so the same seed gives the same series, and a smaller perScenario gives a
// prefix of each scenario's cases. Each case is one of the views
// GenerateSteps gives of it, at a step drawn from its window's ladder.
func Generate(seed int64, perScenario int) []Case {
	cases := make([]Case, 0, len(scenarios)*max(perScenario, 0))
	for si, sc := range scenarios {
		for i := range perScenario {
			d := sc.draw(rand.New(rand.NewPCG(uint64(seed), uint64(si)<<32|uint64(i))))
			c := d.view(d.primary)
			c.Name = fmt.Sprintf("%s/%04d", sc.name, i)
			cases = append(cases, c)
		}
	}
	return cases
}

// GenerateSteps is Generate with every case at each step of its window's
// ladder (two or three steps, finest first): the same process scraped once
// and queried at several steps, so a coarser view is a finer one with
// points left out. One of the views is the case Generate returns. It
// measures whether a verdict depends on the step.
func GenerateSteps(seed int64, perScenario int) [][]Case {
	groups := make([][]Case, 0, len(scenarios)*max(perScenario, 0))
	for si, sc := range scenarios {
		for i := range perScenario {
			d := sc.draw(rand.New(rand.NewPCG(uint64(seed), uint64(si)<<32|uint64(i))))
			views := make([]Case, 0, len(d.ladder))
			for k := range d.ladder {
				c := d.view(k)
				c.Name = fmt.Sprintf("%s/%04d", sc.name, i)
				views = append(views, c)
			}
			groups = append(groups, views)
		}
	}
	return groups
}

// scenario is one story a memory series can tell.
type scenario struct {
	name string
	// build picks the frame (window and steps) on d, writes the clean curve
	// into d.v and returns the label.
	build func(d *draw) (want shape.Shape, accept []shape.Shape)
	// closeLimit is the share of cases whose limit sits just above the
	// maximum (1.02–1.3×) instead of 1.3–4× it.
	closeLimit float64
	// gapFrac, when set, replaces the usual scrape outage: every case loses a
	// contiguous stretch of this share of its points (lo, hi).
	gapFrac [2]float64
	// valid, when set, rejects a drawn case (judged at its drawn step); the
	// scenario then draws again from the same source (the "next random
	// draw").
	valid func(c Case) bool
}

// maxDraws bounds how often a scenario may reject its own draws.
const maxDraws = 1000

func (sc scenario) draw(r *rand.Rand) *drawn {
	for range maxDraws {
		d := sc.drawOnce(r)
		if sc.valid == nil || sc.valid(d.view(d.primary)) {
			return d
		}
	}
	panic("corpus: scenario " + sc.name + " rejected every draw")
}

// drawn is one case as scraped at the finest step of its ladder, before it
// is viewed at a step.
type drawn struct {
	*draw
	scenario string
	want     shape.Shape
	accept   []shape.Shape
	keep     []int // fine points that survived the outage
	limit    float64
	ladder   []time.Duration
	primary  int // index in ladder of the step Generate returns
}

func (sc scenario) drawOnce(r *rand.Rand) *drawn {
	d := &draw{r: r}
	d.base = d.logU(50*MiB, 8*GiB)
	want, accept := sc.build(d)
	if d.n == 0 {
		panic("corpus: scenario " + sc.name + " picked no frame")
	}
	d.noise(d.u(0.002, 0.02))
	if d.chance(0.2) {
		d.isolatedSpikes()
	}
	keep := d.allPoints()
	switch {
	case sc.gapFrac[1] > 0:
		keep = d.outage(d.u(sc.gapFrac[0], sc.gapFrac[1]))
	case d.chance(0.1):
		keep = d.outage(d.u(0.01, 0.05))
	}
	peak := 0.0
	for _, i := range keep {
		peak = max(peak, d.v[i])
	}
	out := &drawn{draw: d, scenario: sc.name, want: want, accept: accept, keep: keep, ladder: d.ladder, primary: d.primary}
	if d.chance(sc.closeLimit) {
		out.limit = peak * d.u(1.02, 1.3)
	} else {
		out.limit = peak * d.u(1.3, 4)
	}
	return out
}

// view is the case at step ladder[k]: the fine points that fall on that
// step's grid.
func (d *drawn) view(k int) Case {
	every := int(d.ladder[k] / d.ladder[0])
	c := Case{
		Scenario: d.scenario,
		Want:     d.want,
		Accept:   d.accept,
		Window:   d.window,
		Step:     d.ladder[k],
		Limit:    d.limit,
		T:        make([]int64, 0, len(d.keep)/every+1),
		V:        make([]float64, 0, len(d.keep)/every+1),
	}
	start := Epoch.UnixMilli()
	for _, i := range d.keep {
		if i%every == 0 {
			c.T = append(c.T, start+int64(d.sec[i]*1000))
			c.V = append(c.V, d.v[i])
		}
	}
	return c
}

// Byte units.
const (
	MiB = 1 << 20
	GiB = 1 << 30
)

// draw is the state of one case being drawn: its random source, frame and
// curve. The curve is laid on the finest step of the ladder.
type draw struct {
	r            *rand.Rand
	window, step time.Duration // step: the finest of the ladder
	ladder       []time.Duration
	primary      int
	n            int       // points before gaps
	sec          []float64 // seconds since the start of the window
	v            []float64 // bytes
	base         float64   // the level the scenario is built around, bytes
}

// u draws uniformly from [lo, hi).
func (d *draw) u(lo, hi float64) float64 { return lo + (hi-lo)*d.r.Float64() }

// logU draws log-uniformly from [lo, hi).
func (d *draw) logU(lo, hi float64) float64 {
	return math.Exp(d.u(math.Log(lo), math.Log(hi)))
}

// intn draws an integer uniformly from [lo, hi].
func (d *draw) intn(lo, hi int) int { return lo + d.r.IntN(hi-lo+1) }

func (d *draw) chance(p float64) bool { return d.r.Float64() < p }

// secs is the window's length in seconds.
func (d *draw) secs() float64 { return d.window.Seconds() }

// frameRule restricts the frame a scenario may be drawn on.
type frameRule struct {
	minWindow time.Duration // at least this window
	maxWindow time.Duration // at most this window; 0 for any
	maxStep   time.Duration // at most this step; 0 for any
	// scales the window may be at; nil for hours and days.
	scales []Scale
}

// points is how many samples a range query over window at step returns.
func points(window, step time.Duration) int { return int(window/step) + 1 }

// frames lists the windows a rule allows, each with the steps of its ladder
// the rule allows within Prometheus' point cap (at least one).
func frames(rule frameRule) []ladder {
	scales := rule.scales
	if scales == nil {
		scales = []Scale{Hours, Days}
	}
	var out []ladder
	for _, l := range ladders {
		w := l.window
		if w < rule.minWindow || (rule.maxWindow > 0 && w > rule.maxWindow) || !slices.Contains(scales, ScaleOf(w)) {
			continue
		}
		var steps []time.Duration
		for _, s := range l.steps {
			if rule.maxStep > 0 && s > rule.maxStep {
				continue
			}
			if n := points(w, s); n >= MinPoints && n <= MaxPoints {
				steps = append(steps, s)
			}
		}
		if len(steps) > 0 {
			out = append(out, ladder{w, steps})
		}
	}
	return out
}

// frame picks a window and the step the case is returned at, and lays out
// the time grid at the ladder's finest step and a zero curve. It reports
// false when the rule allows no frame.
func (d *draw) frame(rule frameRule) bool {
	all := frames(rule)
	if len(all) == 0 {
		return false
	}
	l := all[d.r.IntN(len(all))]
	d.window, d.ladder = l.window, l.steps
	d.primary = d.r.IntN(len(l.steps))
	d.step = l.steps[0]
	d.n = points(d.window, d.step)
	d.sec = make([]float64, d.n)
	d.v = make([]float64, d.n)
	for i := range d.sec {
		d.sec[i] = float64(i) * d.step.Seconds()
	}
	return true
}

// mustFrame is frame for rules that always allow one.
func (d *draw) mustFrame(rule frameRule) {
	if !d.frame(rule) {
		panic(fmt.Sprintf("corpus: no frame for %+v", rule))
	}
}

// lifetimeFrame draws a restart interval in [minL, maxL] hours and a frame
// that shows at least minLifetimes of them with at least 12 points each. It
// returns the interval in seconds.
func (d *draw) lifetimeFrame(minL, maxL float64, minWindow time.Duration, minLifetimes float64) float64 {
	for range maxDraws {
		life := d.u(minL, maxL) * 3600
		lifeDur := time.Duration(life * float64(time.Second))
		rule := frameRule{
			minWindow: max(minWindow, time.Duration(minLifetimes*float64(lifeDur))),
			maxStep:   lifeDur / 12,
		}
		if d.frame(rule) {
			return life
		}
	}
	panic("corpus: no frame fits the restart interval")
}

// allPoints is the identity selection of the grid.
func (d *draw) allPoints() []int {
	idx := make([]int, d.n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// noise adds Gaussian noise with standard deviation sigma × base.
func (d *draw) noise(sigma float64) {
	for i := range d.v {
		d.v[i] += d.r.NormFloat64() * sigma * d.base
	}
}

// isolatedSpikes lifts 1–4 single points by 10–50 % of base: a scrape that
// caught a short-lived allocation burst.
func (d *draw) isolatedSpikes() {
	for range d.intn(1, 4) {
		i := d.intn(1, d.n-2)
		d.v[i] += d.u(0.1, 0.5) * d.base
	}
}

// outage removes a contiguous stretch of frac of the points (never the
// first or last), as a scrape outage does, and returns the kept indices.
func (d *draw) outage(frac float64) []int {
	length := max(1, int(frac*float64(d.n)))
	from := d.intn(1, d.n-length-1)
	keep := make([]int, 0, d.n-length)
	for i := range d.n {
		if i < from || i >= from+length {
			keep = append(keep, i)
		}
	}
	return keep
}
