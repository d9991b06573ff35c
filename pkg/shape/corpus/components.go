package corpus

import "math"

// The building blocks scenarios compose: warm-up after a start, the garbage
// collector's sawtooth, the daily cycle, restarts that cut a series into
// lifetimes, bloat jumps and transient spikes. All times are seconds since
// the start of the window.

const day = 24 * 3600.0

// warmup is a process filling its caches after start: the level starts at
// from × final and reaches the final level after dur seconds, either along
// a straight ramp or as an exponential approach.
type warmup struct {
	from float64 // share of the final level at t = 0
	dur  float64 // seconds until the final level is reached
	exp  bool    // exponential approach rather than a ramp
}

// drawWarmup draws a warm-up from 20–60 % of the final level lasting
// loFrac–hiFrac of the window.
func (d *draw) drawWarmup(loFrac, hiFrac float64) warmup {
	return warmup{
		from: d.u(0.2, 0.6),
		dur:  d.u(loFrac, hiFrac) * d.secs(),
		exp:  d.chance(0.5),
	}
}

// factor is the share of the final level reached at t.
func (w warmup) factor(t float64) float64 {
	if w.exp {
		// Five time constants: within 0.7 % of the final level at dur.
		return 1 - (1-w.from)*math.Exp(-5*t/w.dur)
	}
	if t >= w.dur {
		return 1
	}
	return w.from + (1-w.from)*t/w.dur
}

// sawtooth is the garbage collector's pattern on a flat floor: memory ramps
// up linearly by amp bytes over one collection cycle, then drops back at
// once. Cycles last period seconds, each jittered ±20 %, with a random
// phase. Periods shorter than the step alias into noise, as they do in a
// real scrape.
func (d *draw) sawtooth(amp, period float64) []float64 {
	out := make([]float64, d.n)
	length := period * d.u(0.8, 1.2)
	start := -d.u(0, length)
	for i, t := range d.sec {
		for t >= start+length {
			start += length
			length = period * d.u(0.8, 1.2)
		}
		out[i] = amp * (t - start) / length
	}
	return out
}

// drawSawtooth draws a GC sawtooth of 5–40 % of base with a period of
// 30 s–10 min.
func (d *draw) drawSawtooth() []float64 {
	return d.sawtooth(d.u(0.05, 0.4)*d.base, d.u(30, 600))
}

// diurnal is the daily cycle of traffic: a sine with period 24 h, relative
// amplitude a and phase phi.
func diurnal(t, a, phi float64) float64 {
	return 1 + a*math.Sin(2*math.Pi*t/day+phi)
}

// lifetime is one process lifetime between restarts.
type lifetime struct {
	start  float64 // seconds; the first lifetime starts before the window
	dipPts int     // points the restart dip lasts (0: no dip in view)
	dip    float64 // level during the dip, as a share of base
	settle float64 // time constant of the warm-up back to base, seconds
}

// lifetimes cuts the window into lifetimes of about life seconds (each
// jittered ±20 %). The first lifetime began before the window, at a random
// point of its life; each later one starts with a dip to 20–60 % of base for
// 1–2 points and warms back up to base within a few % of its length.
func (d *draw) lifetimes(life float64) []lifetime {
	length := life * d.u(0.8, 1.2)
	lts := []lifetime{{start: -d.u(0, length)}}
	for next := lts[0].start + length; next < d.secs(); next += length {
		length = life * d.u(0.8, 1.2)
		lts = append(lts, lifetime{
			start:  next,
			dipPts: d.intn(1, 2),
			dip:    d.u(0.2, 0.6),
			settle: d.u(0.003, 0.01) * length,
		})
	}
	return lts
}

// eachLifetime calls f for every point with the index of the lifetime it
// falls in and its age (seconds since that lifetime started).
func (d *draw) eachLifetime(lts []lifetime, f func(i, k int, age float64)) {
	k := 0
	for i, t := range d.sec {
		for k+1 < len(lts) && t >= lts[k+1].start {
			k++
		}
		f(i, k, t-lts[k].start)
	}
}

// level is the process' baseline at age: the restart dip, then an
// exponential warm-up back to base.
func (lt lifetime) level(age, base, step float64) float64 {
	dipDur := float64(lt.dipPts) * step
	if age < dipDur {
		return lt.dip * base
	}
	if lt.settle == 0 {
		return base
	}
	return base - (1-lt.dip)*base*math.Exp(-(age-dipDur)/lt.settle)
}

// jump is one bloat event: memory rises by size over rise seconds from at,
// then freed × size is given back over free seconds; the rest persists.
type jump struct {
	at, rise    float64 // seconds
	size        float64 // bytes
	freed, free float64 // share given back; over how many seconds
}

// height is the jump's contribution at t.
func (j jump) height(t float64) float64 {
	switch {
	case t <= j.at:
		return 0
	case t < j.at+j.rise:
		return j.size * (t - j.at) / j.rise
	case t < j.at+j.rise+j.free:
		return j.size * (1 - j.freed*(t-j.at-j.rise)/j.free)
	default:
		return j.size * (1 - j.freed)
	}
}

// drawJump draws the rise and release of one bloat jump of size bytes at
// at: a steep ramp over 1–3 % of the window, then up to maxFreed of it freed
// over the next 1–3 %.
func (d *draw) drawJump(at, size, maxFreed float64) jump {
	return jump{
		at:    at,
		rise:  d.u(0.01, 0.03) * d.secs(),
		size:  size,
		freed: d.u(0, maxFreed),
		free:  d.u(0.01, 0.03) * d.secs(),
	}
}

// bloatJumps draws 1–6 jumps of 10–60 % of base at random times, none in
// the first or last 5 % of the window and each at least 5 % of it apart.
func (d *draw) bloatJumps() []jump {
	n := d.intn(1, 6)
	var at []float64
	for len(at) < n {
		at = at[:0]
		for range n {
			at = append(at, d.u(0.05, 0.95))
		}
		if !spread(at, 0.05) {
			at = at[:0]
		}
	}
	jumps := make([]jump, n)
	for i, a := range at {
		jumps[i] = d.drawJump(a*d.secs(), d.u(0.1, 0.6)*d.base, 0.4)
	}
	return jumps
}

// spread reports whether every pair of xs is at least gap apart.
func spread(xs []float64, gap float64) bool {
	for i := range xs {
		for j := range i {
			if math.Abs(xs[i]-xs[j]) < gap {
				return false
			}
		}
	}
	return true
}

// addJumps adds every jump to the curve.
func (d *draw) addJumps(jumps []jump) {
	for i, t := range d.sec {
		for _, j := range jumps {
			d.v[i] += j.height(t)
		}
	}
}

// addSpike adds a transient spike of height bytes lasting dur seconds,
// centred on the grid point i so at least that point sees it: a quick rise
// (a quarter of dur), a plateau, and a quick return to where it was.
func (d *draw) addSpike(i int, height, dur float64) {
	c := d.sec[i]
	for k, t := range d.sec {
		x := math.Abs(t-c) / (dur / 2) // 0 at the centre, 1 at the ends
		switch {
		case x >= 1:
			continue
		case x <= 0.5:
			d.v[k] += height
		default:
			d.v[k] += height * (1 - x) / 0.5
		}
	}
}
