package corpus

import (
	"math"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// closeLimitShare is the share of leak cases (and trap cases, which imitate
// a leak heading for the limit) whose limit sits just above the maximum,
// as for a process that is about to be OOM-killed.
const closeLimitShare = 0.35

// TrapMinR2 is how well a straight line must fit a trap case: the seed
// post's point is that bloat plus fragmentation "will start to look linear".
const TrapMinR2 = 0.9

// scenarios is the catalogue, in generation order. Append new scenarios at
// the end: a scenario's index seeds its cases.
var scenarios = []scenario{
	{name: "healthy-flat", build: healthyFlat},
	{name: "healthy-warmup", build: healthyWarmup},
	{name: "healthy-gc", build: healthyGC},
	{name: "healthy-diurnal", build: healthyDiurnal},
	{name: "healthy-restarts", build: healthyRestarts},
	{name: "healthy-spikes", build: healthySpikes},
	{name: "leak", build: leak, closeLimit: closeLimitShare},
	{name: "leak-slow", build: leakSlow, closeLimit: closeLimitShare},
	{name: "leak-restarts", build: leakRestarts, closeLimit: closeLimitShare},
	{name: "leak-gc", build: leakGC, closeLimit: closeLimitShare},
	{name: "leak-diurnal", build: leakDiurnal, closeLimit: closeLimitShare},
	{name: "fragmentation-log", build: fragmentationLog},
	{name: "fragmentation-saturating", build: fragmentationSaturating},
	{name: "fragmentation-restarts", build: fragmentationRestarts},
	{name: "bloat", build: bloat},
	{name: "bloat-gc", build: bloatGC},
	{name: "trap", build: trap, closeLimit: closeLimitShare, valid: linearLooking},
	// Nuisances beyond the seed post, labelled by the same definitions.
	{name: "healthy-deploy", build: healthyDeploy},
	{name: "healthy-release", build: healthyRelease},
	{name: "leak-gap", build: leak12h, closeLimit: closeLimitShare, gapFrac: [2]float64{0.05, 0.2}},
	// Minutes: test runs and batch jobs.
	{name: "batch-healthy", build: batchHealthy},
	{name: "batch-leak", build: batchLeak, closeLimit: closeLimitShare},
	{name: "batch-leak-steps", build: batchLeakSteps, closeLimit: closeLimitShare},
	{name: "batch-startup", build: batchStartup},
	{name: "batch-churn", build: batchChurn},
	// A rise that speeds up and then stops, at every scale.
	{name: "bloat-slow", build: bloatSlow},
	// Restarts that come rarely: one near an end of the window, or none.
	{name: "bloat-daily", build: bloatDaily},
	{name: "leak-restart-end", build: leakRestartEnd, closeLimit: closeLimitShare},
	// A leak that also jumps: the growth between the jumps carries the rise.
	{name: "leak-jumps", build: leakJumps, closeLimit: closeLimitShare},
}

// healthy is the label of a series without lasting growth.
func healthy() (shape.Shape, []shape.Shape) { return shape.Healthy, nil }

// leakLabel labels a steady linear rise: a leak once it has been watched for
// LeakMinWindow, before that too short to tell linear from logarithmic
// growth (inconclusive, with leak accepted).
func leakLabel(window time.Duration) (shape.Shape, []shape.Shape) {
	if window < LeakMinWindow {
		return shape.Inconclusive, []shape.Shape{shape.Leak}
	}
	return shape.Leak, nil
}

// fill sets every point to base.
func (d *draw) fill() {
	for i := range d.v {
		d.v[i] = d.base
	}
}

// healthyFlat: a steady level with noise.
func healthyFlat(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	d.fill()
	return healthy()
}

// healthyWarmup: the level starts at 20–60 % of its final value and reaches
// it within the first 1–8 % of the window, then stays.
func healthyWarmup(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	w := d.drawWarmup(0.01, 0.08)
	for i, t := range d.sec {
		d.v[i] = d.base * w.factor(t)
	}
	return healthy()
}

// healthyGC: a garbage collector's sawtooth on a flat floor.
func healthyGC(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	saw := d.drawSawtooth()
	for i := range d.v {
		d.v[i] = d.base + saw[i]
	}
	return healthy()
}

// healthyDiurnal: a daily traffic cycle of 3–15 %. Under 48 h a rising half
// of the cycle can pass for growth, so inconclusive is accepted too.
func healthyDiurnal(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	a, phi := d.u(0.03, 0.15), d.u(0, 2*math.Pi)
	for i, t := range d.sec {
		d.v[i] = d.base * diurnal(t, a, phi)
	}
	if d.window < DiurnalMinWindow {
		return shape.Healthy, []shape.Shape{shape.Inconclusive}
	}
	return healthy()
}

// healthyRestarts: flat lifetimes between restarts every 1–24 h; each
// restart dips and warms back up to the same level.
func healthyRestarts(d *draw) (shape.Shape, []shape.Shape) {
	life := d.lifetimeFrame(1, 24, 0, 3)
	step := d.step.Seconds()
	lts := d.lifetimes(life)
	d.eachLifetime(lts, func(i, k int, age float64) {
		d.v[i] = lts[k].level(age, d.base, step)
	})
	return healthy()
}

// healthySpikes: 1–6 transient spikes of +20–100 % lasting at most 1 % of
// the window, each returning fully.
func healthySpikes(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	d.fill()
	for range d.intn(1, 6) {
		i := d.intn(d.n*2/100, d.n*97/100)
		d.addSpike(i, d.u(0.2, 1)*d.base, d.u(0.002, 0.01)*d.secs())
	}
	return healthy()
}

// leak: a steady linear rise of 15–150 % of base over the window, after a
// warm-up in 30 % of cases.
func leak(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	return linearLeak(d, d.u(0.15, 1.5), 0.3)
}

// leak12h: a leak watched for at least 12 h (the scenario adds a long
// scrape outage).
func leak12h(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{minWindow: LeakMinWindow})
	return linearLeak(d, d.u(0.2, 1.5), 0.3)
}

// leakSlow: a slow linear rise of 10–25 % over 2 days or more.
func leakSlow(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{minWindow: 48 * time.Hour})
	return linearLeak(d, d.u(0.10, 0.25), 0)
}

// leakJumps: a linear rise of 30–150 % of base watched for a day or more,
// with 1–4 persisting jumps (spread as bloat's are, each rising over 1–3 %
// of the window, up to 30 % of it freed) that together carry 10–40 % of
// the rise. A leak: the growth between the jumps carries the rise at a rate
// that holds. Bloat would say the jumps carry it.
func leakJumps(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{minWindow: 24 * time.Hour})
	rise := d.u(0.3, 1.5)
	for i, t := range d.sec {
		d.v[i] = d.base + rise*d.base*t/d.secs()
	}
	jumps := d.bloatJumps()
	jumps = jumps[:min(len(jumps), d.intn(1, 4))]
	share := d.u(0.1, 0.4) // of the whole rise: jumps / (jumps + line)
	size := rise * d.base * share / (1 - share) / float64(len(jumps))
	for k := range jumps {
		jumps[k] = d.drawJump(jumps[k].at, size*d.u(0.7, 1.3), 0.3)
	}
	d.addJumps(jumps)
	return shape.Leak, nil
}

// linearLeak writes a linear rise of rise × base over the window on the
// current frame, preceded by a warm-up with probability pWarmup.
func linearLeak(d *draw, rise, pWarmup float64) (shape.Shape, []shape.Shape) {
	w := warmup{from: 1, dur: 1}
	if d.chance(pWarmup) {
		w = d.drawWarmup(0.01, 0.08)
	}
	for i, t := range d.sec {
		d.v[i] = d.base*w.factor(t) + rise*d.base*t/d.secs()
	}
	return leakLabel(d.window)
}

// leakRestarts: restarts every 1–12 h hide a leak; every lifetime climbs
// 10–80 % of base from the same level at the same rate (±10 %).
func leakRestarts(d *draw) (shape.Shape, []shape.Shape) {
	life := d.lifetimeFrame(1, 12, 24*time.Hour, 3)
	rate := d.u(0.1, 0.8) * d.base / life
	step := d.step.Seconds()
	lts := d.lifetimes(life)
	jitter := make([]float64, len(lts))
	for k := range jitter {
		jitter[k] = d.u(0.9, 1.1)
	}
	d.eachLifetime(lts, func(i, k int, age float64) {
		d.v[i] = lts[k].level(age, d.base, step) + rate*jitter[k]*age
	})
	return shape.Leak, nil
}

// leakGC: a GC sawtooth whose floor rises linearly by 15–150 %.
func leakGC(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	saw := d.drawSawtooth()
	rise := d.u(0.15, 1.5)
	for i, t := range d.sec {
		d.v[i] = d.base + rise*d.base*t/d.secs() + saw[i]
	}
	return leakLabel(d.window)
}

// leakDiurnal: a linear rise of 30–150 % under a daily cycle of 3–10 %,
// watched for 3 days or more.
func leakDiurnal(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{minWindow: 72 * time.Hour})
	rise, a, phi := d.u(0.3, 1.5), d.u(0.03, 0.1), d.u(0, 2*math.Pi)
	for i, t := range d.sec {
		d.v[i] = d.base*diurnal(t, a, phi) + rise*d.base*t/d.secs()
	}
	return shape.Leak, nil
}

// fragmentationLog: base + c·ln(1 + t/τ), τ in [T/100, T/4], total rise
// 20–120 % of base.
func fragmentationLog(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	T := d.secs()
	tau := d.u(T/100, T/4)
	c := d.u(0.2, 1.2) * d.base / math.Log1p(T/tau)
	for i, t := range d.sec {
		d.v[i] = d.base + c*math.Log1p(t/tau)
	}
	return shape.Fragmentation, nil
}

// fragmentationSaturating: base + c·(1 − exp(−t/τ)), τ in [T/3, T], total
// rise 20–100 % of base.
func fragmentationSaturating(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	T := d.secs()
	tau := d.u(T/3, T)
	c := d.u(0.2, 1.0) * d.base / -math.Expm1(-T/tau)
	for i, t := range d.sec {
		d.v[i] = d.base - c*math.Expm1(-t/tau)
	}
	return shape.Fragmentation, nil
}

// fragmentationRestarts: restarts every 6–24 h; every lifetime grows
// logarithmically from its own start (τ in [L/50, L/4]) by 20–100 % of base.
func fragmentationRestarts(d *draw) (shape.Shape, []shape.Shape) {
	life := d.lifetimeFrame(6, 24, 48*time.Hour, 3)
	tau := d.u(life/50, life/4)
	c := d.u(0.2, 1.0) * d.base / math.Log1p(life/tau)
	step := d.step.Seconds()
	lts := d.lifetimes(life)
	d.eachLifetime(lts, func(i, k int, age float64) {
		d.v[i] = lts[k].level(age, d.base, step) + c*math.Log1p(age/tau)
	})
	return shape.Fragmentation, nil
}

// bloat: 1–6 steep jumps of 10–60 % whose level persists (up to 40 % of
// each is freed), flat between them.
func bloat(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	d.fill()
	d.addJumps(d.bloatJumps())
	return shape.Bloat, nil
}

// bloatGC: bloat on top of a GC sawtooth.
func bloatGC(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	saw := d.drawSawtooth()
	for i := range d.v {
		d.v[i] = d.base + saw[i]
	}
	d.addJumps(d.bloatJumps())
	return shape.Bloat, nil
}

// trap is the seed post's puma servers: bloat and fragmentation together.
// 3–8 jumps of 5–20 % spread roughly evenly (±30 % jitter) on top of a
// logarithmic rise of 20–80 %, which together look like a straight line
// (the scenario rejects draws with a linear-fit R² below TrapMinR2). It is
// fragmentation with bloat accepted, and for windows under 12 h also
// inconclusive — never a leak.
func trap(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	T := d.secs()
	tau := d.u(T/20, T/2)
	c := d.u(0.2, 0.8) * d.base / math.Log1p(T/tau)
	for i, t := range d.sec {
		d.v[i] = d.base + c*math.Log1p(t/tau)
	}
	n := d.intn(3, 8)
	gap := 1.0 / float64(n+1)
	jumps := make([]jump, n)
	for k := range jumps {
		at := (float64(k+1) + d.u(-0.3, 0.3)) * gap * T
		jumps[k] = d.drawJump(at, d.u(0.05, 0.2)*d.base, 0.3)
	}
	d.addJumps(jumps)
	if d.window < LeakMinWindow {
		return shape.Fragmentation, []shape.Shape{shape.Bloat, shape.Inconclusive}
	}
	return shape.Fragmentation, []shape.Shape{shape.Bloat}
}

// linearLooking accepts a case whose least-squares line fits with R² of at
// least TrapMinR2.
func linearLooking(c Case) bool { return LinearR2(c.T, c.V) >= TrapMinR2 }

// healthyDeploy: a flat series with one deploy in the middle: a dip for 1–2
// points, a warm-up over 0.2–2 % of the window, and a level within ±2 % of
// the old one.
func healthyDeploy(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	at := d.u(0.2, 0.8) * d.secs()
	deploy := lifetime{
		start:  at,
		dipPts: d.intn(1, 2),
		dip:    d.u(0.2, 0.6),
		settle: d.u(0.002, 0.02) * d.secs() / 5,
	}
	after := d.base * d.u(0.98, 1.02)
	step := d.step.Seconds()
	for i, t := range d.sec {
		if t < at {
			d.v[i] = d.base
			continue
		}
		d.v[i] = deploy.level(t-at, after, step)
	}
	return healthy()
}

// healthyRelease: a flat series that gives back 10–40 % of its memory once
// or twice (a cache dropped, the allocator returning pages to the OS) and
// stays at the lower level.
func healthyRelease(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{})
	var at []float64
	for len(at) == 0 || !spread(at, 0.1) {
		at = at[:0]
		for range d.intn(1, 2) {
			at = append(at, d.u(0.1, 0.9))
		}
	}
	level := d.base
	drops := make([]jump, len(at))
	for k, a := range at {
		size := d.u(0.1, 0.4) * level
		level -= size
		drops[k] = jump{at: a * d.secs(), rise: d.u(0.001, 0.02) * d.secs(), size: -size}
	}
	d.fill()
	d.addJumps(drops)
	return healthy()
}

// Minutes: test runs, CI memory checks, batch jobs and load tests, 2–30
// minutes at 1–10 s steps. There is no 12-hour yardstick at this scale: a
// leak is told by the process' own cycles (test iterations, GC periods,
// steps) over which the rate held, and by how far memory grew from its
// start at that rate — fragmentation slows as it grows and does not double
// a process' memory at a constant rate.
var minutes = frameRule{scales: []Scale{Minutes}}

// LeakMinCycles is how many of its own cycles a short-lived process must
// hold its rate over, and LeakMinGrowth how far (as a share of its starting
// level) memory must grow at that rate, before a leak is named at the
// minutes scale. A leak with less to show is labelled inconclusive, with
// leak accepted.
const (
	LeakMinCycles = 10
	LeakMinGrowth = 1.0
)

// shortLeakLabel labels a steady rise over cycles cycles by rise × the
// starting level.
func shortLeakLabel(rise float64, cycles int) (shape.Shape, []shape.Shape) {
	if rise >= LeakMinGrowth && cycles >= LeakMinCycles {
		return shape.Leak, nil
	}
	return shape.Inconclusive, []shape.Shape{shape.Leak}
}

// leakRise draws how far a short leak grows: 70 % of cases 1.5–5× (the
// test suite that climbed from 1.6 GB to 8 GB), the rest 10–80 %; none
// near the threshold, which a measurement a few percent off would cross.
func (d *draw) leakRise() float64 {
	if d.chance(0.7) {
		return d.u(1.5, 5)
	}
	return d.u(0.1, 0.8)
}

// iterations cuts the window into count cycles of equal length (each
// jittered ±jitter) with a random phase; it returns the cycle boundaries in
// seconds, the first before the window.
func (d *draw) iterations(count int, jitter float64) []float64 {
	period := d.secs() / float64(count)
	at := []float64{-d.u(0, period)}
	for at[len(at)-1] < d.secs() {
		at = append(at, at[len(at)-1]+period*d.u(1-jitter, 1+jitter))
	}
	return at
}

// cycleOf is the index of the cycle t falls in and how far into it (0..1).
func cycleOf(at []float64, t float64, from int) (int, float64) {
	k := from
	for k+1 < len(at) && t >= at[k+1] {
		k++
	}
	return k, (t - at[k]) / (at[k+1] - at[k])
}

// batchHealthy: a test run or batch job that holds its level: flat after a
// short start-up, with the per-iteration allocate-and-free of its work in
// half the cases.
func batchHealthy(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(minutes)
	w := warmup{from: 1, dur: 1}
	if d.chance(0.5) {
		w = d.drawWarmup(0.01, 0.08)
	}
	var saw []float64
	if d.chance(0.5) {
		saw = d.sawtooth(d.u(0.05, 0.4)*d.base, d.secs()/float64(d.intn(10, 200)))
	}
	for i, t := range d.sec {
		d.v[i] = d.base * w.factor(t)
		if saw != nil {
			d.v[i] += saw[i]
		}
	}
	return healthy()
}

// batchLeak: a per-iteration leak: every one of 12–300 iterations keeps
// what it leaked, and in 60 % of cases the iteration's working set is
// allocated and freed on top (a sawtooth per iteration).
func batchLeak(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(minutes)
	count := d.intn(12, 300)
	at := d.iterations(count, 0.1)
	rise := d.leakRise()
	per := rise * d.base / float64(count)
	work := 0.0
	if d.chance(0.6) {
		work = d.u(0.05, 0.4) * d.base
	}
	k := 0
	for i, t := range d.sec {
		var f float64
		k, f = cycleOf(at, t, k)
		d.v[i] = d.base + per*(float64(k)+f) + work*f
	}
	return shortLeakLabel(rise, count)
}

// batchLeakSteps: a step-wise leak: 10–24 equal steps (±10 %) at regular
// times (±10 %), each rising over 0.2–1 % of the window, flat between.
func batchLeakSteps(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(minutes)
	count := d.intn(10, 24)
	rise := d.leakRise()
	gap := d.secs() / float64(count+1)
	steps := make([]jump, count)
	for k := range steps {
		steps[k] = jump{
			at:   (float64(k+1) + d.u(-0.1, 0.1)) * gap,
			rise: d.u(0.002, 0.01) * d.secs(),
			size: rise * d.base / float64(count) * d.u(0.9, 1.1),
		}
	}
	d.fill()
	d.addJumps(steps)
	return shortLeakLabel(rise, count)
}

// batchStartup: a job that loads its data in 1–3 jumps within the first
// 2–12 % of the window (from 20–50 % of its final level) and then holds it,
// with a per-iteration sawtooth in half the cases. Healthy after start-up;
// a careful reader may call the start-up jumps bloat — never a leak.
func batchStartup(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(minutes)
	end := d.u(0.02, 0.12) * d.secs()
	from := d.u(0.2, 0.5)
	n := d.intn(1, 3)
	d.fill()
	for i := range d.v {
		d.v[i] = from * d.base
	}
	var steps []jump
	for k := range n {
		steps = append(steps, jump{
			at:   end * float64(k) / float64(n),
			rise: end / float64(n) * d.u(0.1, 0.5),
			size: (1 - from) * d.base / float64(n),
		})
	}
	d.addJumps(steps)
	if d.chance(0.5) {
		saw := d.sawtooth(d.u(0.05, 0.3)*d.base, d.secs()/float64(d.intn(10, 200)))
		for i := range d.v {
			d.v[i] += saw[i]
		}
	}
	return shape.Healthy, []shape.Shape{shape.Bloat}
}

// batchChurn: allocator churn that levels off: the level climbs by 30–150 %
// toward a ceiling (saturating, τ in [T/8, T/3]) under per-iteration
// allocate-and-free. Fragmentation; a run that levelled off early may also
// read as healthy, and a short one as inconclusive.
func batchChurn(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(minutes)
	T := d.secs()
	tau := d.u(T/8, T/3)
	c := d.u(0.3, 1.5) * d.base
	saw := d.sawtooth(d.u(0.02, 0.2)*d.base, T/float64(d.intn(20, 300)))
	for i, t := range d.sec {
		d.v[i] = d.base - c*math.Expm1(-t/tau) + saw[i]
	}
	return shape.Fragmentation, []shape.Shape{shape.Healthy, shape.Inconclusive}
}

// bloatSlow: an S-shaped single rise at any scale — growth that speeds up
// and then stops is one slow jump, i.e. bloat (fragmentation is concave
// from its start). A logistic rise of 20–100 % whose 10–90 % part takes
// 8–35 % of the window, with flat stretches of at least 12 % before and
// 15 % after it.
func bloatSlow(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{scales: Scales})
	T := d.secs()
	dur := d.u(0.08, 0.35) * T
	mid := d.u(0.12*T+dur/2, 0.85*T-dur/2)
	size := d.u(0.2, 1.0) * d.base
	s := dur / (2 * math.Log(9)) // logistic: 10 % to 90 % over dur
	for i, t := range d.sec {
		d.v[i] = d.base + size/(1+math.Exp(-(t-mid)/s))
	}
	return shape.Bloat, nil
}

// levelNoise multiplies every point by 1 + share × a Gaussian draw: scrape
// noise that grows with the level, as a bigger heap's churn does. A
// lifetime far above the rest is then noisier than the series' typical
// point.
func (d *draw) levelNoise(share float64) {
	for i := range d.v {
		d.v[i] *= 1 + share*d.r.NormFloat64()
	}
}

// bloatDaily: bloat about once a day, seen for 3 to 7 days: a few jumps
// (over two weeks a dozen of them climb like a staircase, which is judged
// at the lifetime's own scale as growth — see docs/method.md). Every
// 20–28 h (each jump ±25 % of that) memory rises within 5–20 minutes by an
// amount between lo and 1.5–2.5× lo (lo 10–30 % of base) and gives back up
// to 30 % of it over the next 10–40 minutes; the rest stays until a restart
// every 8–12 days (a dip, then a warm-up of minutes), so the window holds
// one restart or none, anywhere — near an end too. The first lifetime began before the window with the
// jumps it had gathered. In half the cases the scrape noise grows with the
// level. Six jumps of unequal size a day apart are bloat, not a leak in
// steps, however regular they happen to look.
func bloatDaily(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{minWindow: 72 * time.Hour, maxWindow: 7 * 24 * time.Hour})
	every := d.u(20, 28) * 3600
	lo := d.u(0.1, 0.3) * d.base
	hi := lo * d.u(1.5, 2.5)
	lts := d.lifetimes(d.u(8, 12) * day)
	jumps := make([][]jump, len(lts))
	for k, lt := range lts {
		if k > 0 {
			lts[k].settle = d.u(5, 30) * 60 // a restarted process warms up within minutes
		}
		end := d.secs() - lt.start // the lifetime's age at the end of the window
		for i := 1; ; i++ {
			at := (float64(i) + d.u(-0.25, 0.25)) * every
			if at >= end {
				break
			}
			jumps[k] = append(jumps[k], jump{
				at: at, rise: d.u(5, 20) * 60, size: d.u(lo, hi),
				freed: d.u(0, 0.3), free: d.u(10, 40) * 60,
			})
		}
	}
	step := d.step.Seconds()
	d.eachLifetime(lts, func(i, k int, age float64) {
		v := lts[k].level(age, d.base, step)
		for _, j := range jumps[k] {
			v += j.height(age)
		}
		d.v[i] = v
	})
	if d.chance(0.5) {
		d.levelNoise(d.u(0.002, 0.005))
	}
	return shape.Bloat, nil
}

// leakRestartEnd: a steady leak restarted once, 1–25 % of the window from
// its start or from its end, seen for 2 days or more. The leak lifts memory
// by 30–150 % of base per window; the lifetime before the restart had
// leaked for 0.25–4 windows before the window began (its level at most 3×
// base), the one after starts again from base after a dip and a warm-up.
// In half the cases the scrape noise grows with the level. The long
// lifetime shows a leak; the short one, before or after the restart, must
// not hide it.
func leakRestartEnd(d *draw) (shape.Shape, []shape.Shape) {
	d.mustFrame(frameRule{minWindow: 48 * time.Hour})
	T := d.secs()
	rise := d.u(0.3, 1.5)
	rate := rise * d.base / T
	age0 := d.u(0.25, math.Min(4, 2/rise)) * T
	at := d.u(0.01, 0.25) * T
	if d.chance(0.5) {
		at = T - at
	}
	after := lifetime{start: at, dipPts: d.intn(1, 2), dip: d.u(0.2, 0.6), settle: d.u(0.002, 0.01) * T}
	step := d.step.Seconds()
	for i, t := range d.sec {
		if t < at {
			d.v[i] = d.base + rate*(age0+t)
			continue
		}
		d.v[i] = after.level(t-at, d.base, step) + rate*(t-at)
	}
	if d.chance(0.5) {
		d.levelNoise(d.u(0.002, 0.005))
	}
	return shape.Leak, nil
}
