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
