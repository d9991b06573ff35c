package shape

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/memshape/memory-datasource/pkg/shape/edgecase"
	"github.com/memshape/memory-datasource/pkg/units"
)

// bandTrial draws a leak of known rate with noise — white (phi 0) or
// autocorrelated (AR(1) with coefficient phi, of the same marginal
// spread) — and reports whether the forecast's band holds the true line
// where the forecast ends and halfway there, and (narrowIn) whether a band
// not widened for the residuals' autocorrelation would hold it at the
// end. used is false when the verdict has no banded forecast.
func bandTrial(seed uint64, phi float64) (endIn, midIn, narrowIn, used bool, v Verdict) {
	const (
		step  = 5 * time.Minute
		span  = 3 * 24 * time.Hour
		start = 1 << 30              // 1 GiB
		rate  = 10 << 20             // 10 MiB per hour
		sd    = 24 << 20             // 24 MiB of noise
		limit = float64(4 << 30)     // 4 GiB
		epoch = int64(1767571200000) // 2026-01-05T00:00:00Z
	)
	r := rand.New(rand.NewPCG(seed, 0xBA4D))
	n := int(span / step)
	t := make([]int64, n)
	y := make([]float64, n)
	e := r.NormFloat64() * sd
	for i := range t {
		t[i] = epoch + int64(i)*step.Milliseconds()
		e = phi*e + math.Sqrt(1-phi*phi)*sd*r.NormFloat64()
		y[i] = start + rate*float64(i)*step.Hours() + e
	}
	truth := func(at int64) float64 { return start + rate*float64(at-epoch)/3.6e6 }
	v = Classify(t, y, Options{LimitBytes: limit})
	for _, f := range v.Fits {
		if f.Model != Forecast || !(f.Band.Z > 0) {
			continue
		}
		lo, hi, ok := f.Bounds(f.End)
		mlo, mhi, mok := f.Bounds((f.Start + f.End) / 2)
		if !ok || !mok {
			return false, false, false, false, v
		}
		x, mx := truth(f.End), truth((f.Start+f.End)/2)
		half := (hi - lo) / 2 * math.Sqrt((1-f.Band.R1)/(1+f.Band.R1))
		narrow := math.Abs(x-f.At(f.End)) <= half
		return lo <= x && x <= hi, mlo <= mx && mx <= mhi, narrow, true, v
	}
	return false, false, false, false, v
}

// TestForecastBandCoverage: the forecast's 95 % band holds the true trend
// line in about 95 % of seeded trials — counted, not timed — for white
// noise and for noise as autocorrelated as real memory (where a band
// from the residuals' spread alone, not widened, holds it far less often).
func TestForecastBandCoverage(t *testing.T) {
	const trials = 400
	for _, tc := range []struct {
		name    string
		phi     float64
		minUsed int // trials called a leak, with a banded forecast (wandering noise hides a slow leak)
	}{{"white noise", 0, 390}, {"AR(1) 0.5", 0.5, 390}, {"AR(1) 0.8", 0.8, 380}, {"AR(1) 0.95", 0.95, 140}} {
		t.Run(tc.name, func(t *testing.T) {
			var used, endIn, midIn, narrowIn, leaks, ranged int
			var r1 float64
			for s := range uint64(trials) {
				e, m, nw, ok, v := bandTrial(s+1, tc.phi)
				if !ok || v.Shape != Leak {
					// The band is where the shape's curve runs: a series
					// named otherwise (wandering noise can read as bloat
					// beside a slowing curve) is a wrong shape, not a band
					// that missed.
					continue
				}
				used++
				if nw {
					narrowIn++
				}
				if e {
					endIn++
				}
				if m {
					midIn++
				}
				if v.Shape == Leak {
					leaks++
					if v.TimeToLimitRange != nil {
						ranged++
					}
				}
				for _, f := range v.Fits {
					if f.Model == Forecast {
						r1 += f.Band.R1
					}
				}
			}
			if used < tc.minUsed {
				t.Fatalf("only %d of %d trials were called a leak with a banded forecast, want %d", used, trials, tc.minUsed)
			}
			end, mid := float64(endIn)/float64(used), float64(midIn)/float64(used)
			narrow := float64(narrowIn) / float64(used)
			t.Logf("%s: band holds the true line at the forecast's end in %d of %d trials (%.1f %%), halfway in %d (%.1f %%); not widened for autocorrelation %d (%.1f %%); mean r1 %.2f; %d of %d leaks with a time-to-limit range",
				tc.name, endIn, used, 100*end, midIn, 100*mid, narrowIn, 100*narrow, r1/float64(used), ranged, leaks)
			// 95 % of 400 trials: about four binomial standard deviations
			// (1.1 % each) either side.
			if end < 0.905 || end > 0.99 || mid < 0.905 || mid > 0.99 {
				t.Errorf("coverage %.3f at the end, %.3f halfway: want about 0.95", end, mid)
			}
			if tc.phi >= 0.8 && narrow > end-0.08 {
				t.Errorf("autocorrelated noise: a band not widened for it holds the line in %.3f, the widened one in %.3f: the widening should matter", narrow, end)
			}
			if ranged < leaks {
				t.Errorf("only %d of %d leaks with a banded forecast give a time-to-limit range", ranged, leaks)
			}
		})
	}
}

// TestLimitRange: the range's ends are where the band's edges meet the
// limit — checked against the edges themselves — and hold the time to
// limit between them.
func TestLimitRange(t *testing.T) {
	f := Fit{Model: Forecast, Start: 0, End: 1e12, Origin: 0, A: 1 << 30, B: 1, // 3.4 MiB/h
		Band: Band{Level: 20 << 20, Rate: 0.2, Lead: 36 * 3.6e6, Z: 1.97}}
	limit := float64(2 << 30)
	r, ok := limitRange(f, limit)
	if !ok || r.Open {
		t.Fatalf("got %+v, %v: want a closed range", r, ok)
	}
	eta := time.Duration((limit-f.A)/f.B) * time.Millisecond
	if !(r.Soonest < eta && eta < r.Latest) {
		t.Errorf("range %v–%v does not hold the time to limit %v", r.Soonest, r.Latest, eta)
	}
	_, hi, _ := f.Bounds(r.Soonest.Milliseconds())
	lo, _, _ := f.Bounds(r.Latest.Milliseconds())
	if math.Abs(hi-limit) > 1<<10 || math.Abs(lo-limit) > 1<<10 {
		t.Errorf("upper edge at the soonest %.0f, lower edge at the latest %.0f: want both at the limit %.0f", hi, lo, limit)
	}
	// Jumps that add growth (Up): the upper edge, and the soonest, move;
	// the lower edge and the latest do not.
	jumps := f
	jumps.Band.Up = 0.5
	rj, ok := limitRange(jumps, limit)
	if !ok || rj.Open || !(rj.Soonest < r.Soonest) || rj.Latest != r.Latest {
		t.Errorf("with jumps' growth above: got %+v, %v; want a sooner soonest than %v and the latest %v", rj, ok, r.Soonest, r.Latest)
	}
	_, hi, _ = jumps.Bounds(rj.Soonest.Milliseconds())
	if lo0, _, _ := f.Bounds(rj.Soonest.Milliseconds()); math.Abs(hi-limit) > 1<<10 {
		t.Errorf("with jumps, the upper edge at the soonest is %.0f: want the limit %.0f", hi, limit)
	} else if lo1, _, _ := jumps.Bounds(rj.Soonest.Milliseconds()); lo1 != lo0 {
		t.Errorf("jumps moved the lower edge: %.0f against %.0f", lo1, lo0)
	}
	// A band wider than the growth: the lower edge never gets there.
	f.Band.Rate = 1
	if r, ok := limitRange(f, limit); !ok || !r.Open || r.Soonest <= 0 || r.Soonest >= eta {
		t.Errorf("a band wider than the rate: got %+v, %v; want open, soonest before %v", r, ok, eta)
	}
	// Already within the band's reach of the limit: soonest is now.
	f.Band.Rate, f.A = 0.2, limit-(10<<20)
	if r, ok := limitRange(f, limit); !ok || r.Soonest != 0 {
		t.Errorf("10 MiB below the limit with a ±40 MiB band: got %+v, %v; want soonest 0", r, ok)
	}
	// No band, no range.
	f.Band = Band{}
	if _, ok := limitRange(f, limit); ok {
		t.Error("a forecast without a band has a range")
	}
}

// The range reads as the words give it, and the sentence carries it
// after the time to limit.
func TestLimitRangeWords(t *testing.T) {
	h := time.Hour
	for _, tt := range []struct {
		r    *LimitRange
		want string
	}{
		{nil, ""},
		{&LimitRange{Soonest: 24 * h, Latest: 45 * h}, "24–45 h"},
		{&LimitRange{Soonest: 0, Latest: 3 * h}, "up to 3 h"},
		{&LimitRange{Soonest: 30 * h, Open: true}, "30 h to over a year"},
		{&LimitRange{Open: true}, "now to over a year"},
		{&LimitRange{Soonest: 31*h + 58*time.Minute, Latest: 32 * h}, ""},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.r, got, tt.want)
		}
	}
	_, _, _, _, v := bandTrial(1, 0)
	if v.TimeToLimitRange == nil {
		t.Fatalf("a leak toward a limit has no range: %s", v.Explanation)
	}
	want := "limit in ~" + units.FormatDuration(v.TimeToLimit) + " (" + v.TimeToLimitRange.String() + ")"
	if !strings.Contains(v.Explanation, want) {
		t.Errorf("explanation %q lacks %q", v.Explanation, want)
	}
	t.Log(v.Explanation)
}

// A slowing curve's forecast runs on straight at the rate it has now, and
// its band holds that straight line's true course — the true curve's
// tangent where the forecast starts — in about 95 % of seeded trials
// (more: the time constant, picked from a coarse grid, widens it). The
// true curve bends under the straight line: the band holds it too over
// the next hours (18 h on: 98–100 % of trials).
func TestForecastBandSlowingCurve(t *testing.T) {
	const (
		trials = 200
		step   = 5 * time.Minute
		epoch  = int64(1767571200000)
		mib    = 1 << 20
	)
	truth := func(at int64) float64 { return (1 << 30) + 400*mib*math.Log1p(float64(at-epoch)/3.6e6/4) }
	slope := func(at int64) float64 { return 400 * mib / (4 + float64(at-epoch)/3.6e6) } // per hour
	for _, phi := range []float64{0, 0.8} {
		var used, tangentIn, nearIn, near int
		for seed := range uint64(trials) {
			r := rand.New(rand.NewPCG(seed+1, 0xF4A6))
			n := int(3 * 24 * time.Hour / step)
			ts, ys := make([]int64, n), make([]float64, n)
			e := 0.0
			for i := range ts {
				ts[i] = epoch + int64(i)*step.Milliseconds()
				e = phi*e + math.Sqrt(1-phi*phi)*12*mib*r.NormFloat64()
				ys[i] = truth(ts[i]) + e
			}
			v := Classify(ts, ys, Options{LimitBytes: 4 << 30})
			if v.Shape != Fragmentation {
				continue
			}
			for _, f := range v.Fits {
				if f.Model != Forecast || !(f.Band.Z > 0) {
					continue
				}
				used++
				lo, hi, _ := f.Bounds(f.End)
				if x := truth(f.Start) + slope(f.Start)*float64(f.End-f.Start)/3.6e6; lo <= x && x <= hi {
					tangentIn++
				}
				if at := min(f.End, f.Start+18*3.6e6); at > f.Start {
					near++
					lo, hi, _ := f.Bounds(at)
					if x := truth(at); lo <= x && x <= hi {
						nearIn++
					}
				}
			}
		}
		t.Logf("phi %.1f: %d trials called fragmentation with a banded forecast; the band holds the true tangent at the forecast's end in %d (%.1f %%), the true curve 18 h on in %d of %d (%.1f %%)",
			phi, used, tangentIn, 100*float64(tangentIn)/float64(used), nearIn, near, 100*float64(nearIn)/float64(near))
		if used < trials*9/10 {
			t.Fatalf("phi %.1f: only %d of %d trials called fragmentation with a banded forecast", phi, used, trials)
		}
		if float64(tangentIn) < 0.9*float64(used) || float64(nearIn) < 0.9*float64(near) {
			t.Errorf("phi %.1f: the band holds the tangent in %d of %d, the curve 18 h on in %d of %d: want ≥ 90 %%", phi, tangentIn, used, nearIn, near)
		}
	}
}

// A forecast stops where the next restart is due, limit or not: a leak
// restarted every 80 minutes has no forecast running on for days past
// restarts that will reset it.
func TestForecastStopsAtTheNextRestart(t *testing.T) {
	for _, tc := range []struct{ file, name string }{
		{"coarse-steps.txt", "leak-restarted-every-80-min-at-20-min-step"},
		{"forecast.txt", "leak-restarted-before-the-limit"},
	} {
		c, err := edgecase.Find(filepath.Join("testdata", "edge", tc.file), tc.name)
		if err != nil {
			t.Fatal(err)
		}
		v := Classify(c.T, c.V, Options{LimitBytes: c.Limit})
		if v.TypicalLifetime <= 0 || !v.ForecastEndsAtRestart {
			t.Errorf("%s: typical lifetime %v, forecast ends at restart %v: want both", tc.name, v.TypicalLifetime, v.ForecastEndsAtRestart)
			continue
		}
		// The next restart is due a lifetime's span after the last one
		// began, and a step more (the span runs from its first sample to
		// its last).
		cur, prev := v.Lifetimes[len(v.Lifetimes)-1], v.Lifetimes[len(v.Lifetimes)-2]
		every := cur.Start - prev.Start
		for _, f := range v.Fits {
			if f.Model != Forecast {
				continue
			}
			if due := cur.Start + every; f.End > due+1 {
				t.Errorf("%s: the forecast runs to %s, past the next restart due at %s", tc.name,
					time.UnixMilli(f.End).UTC().Format(time.RFC3339), time.UnixMilli(due).UTC().Format(time.RFC3339))
			}
		}
	}
}

// The band's quantile of Student's t agrees with gonum's exact one.
func TestTQuantile(t *testing.T) {
	for _, nu := range []float64{1, 1.1, 1.6, 2, 2.9, 5, 8, 12.3, 15.9, 16, 20, 30, 100, 1e6} {
		want := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile(0.975)
		if got := tQuantile(nu); math.Abs(got-want) > 2e-3*want {
			t.Errorf("nu %g: got %.6f, want %.6f", nu, got, want)
		}
	}
}

// Over every edge case: a forecast has a band unless its curve misses the
// data (then it has none), and its edges hold it.
func TestEdgeCaseBands(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "edge", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no edge cases: %v", err)
	}
	banded := 0
	for _, file := range files {
		cases, err := edgecase.Read(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			v := Classify(c.T, c.V, Options{LimitBytes: c.Limit})
			for _, f := range v.Fits {
				if f.Model != Forecast {
					continue
				}
				if has := f.Band.Z > 0; has == v.Misfit {
					t.Errorf("%s/%s: misfit %v, band %+v: a forecast has a band exactly when its curve fits", filepath.Base(file), c.Name, v.Misfit, f.Band)
					continue
				}
				if v.Misfit {
					continue
				}
				banded++
				for _, at := range []int64{f.Start, (f.Start + f.End) / 2, f.End} {
					lo, hi, ok := f.Bounds(at)
					if mid := f.At(at); !ok || !(lo <= mid && mid <= hi) {
						t.Errorf("%s/%s: at %d the band %g–%g does not hold the forecast %g", filepath.Base(file), c.Name, at, lo, hi, mid)
					}
				}
			}
		}
	}
	t.Logf("%d edge cases forecast with a band", banded)
}

// TestLeakThatJumpsReadsAsDrawn holds a leak that also jumps (10 MiB/h
// over 3 days, three jumps of 100 MiB) to what its chart shows: each jump
// is its persisted size, nothing said to be freed (the leak kept growing
// while its top was measured), and the forecast's band starts at the data
// — the rate the jumps add widens it with the forecast's time, not from
// the levels' middle (it began 350 MiB below the last sample) — and
// above the line only.
func TestLeakThatJumpsReadsAsDrawn(t *testing.T) {
	c, err := edgecase.Find(filepath.Join("testdata", "edge", "jumps-and-growth.txt"), "leak-that-also-jumps-over-days")
	if err != nil {
		t.Fatal(err)
	}
	v := Classify(c.T, c.V, Options{LimitBytes: c.Limit})
	if v.Shape != Leak || len(v.Jumps) != 3 {
		t.Fatalf("got %s with %d jumps, want a leak with 3: %s", v.Shape, len(v.Jumps), v.Explanation)
	}
	const mib = 1 << 20
	for _, j := range v.Jumps {
		if j.Size < 85*mib || j.Size > 115*mib || j.Freed != 0 || math.Abs(j.To-j.From-j.Size) > 1 {
			t.Errorf("jump at %s: size %.0f MiB, freed %.0f MiB, from %.0f to %.0f MiB; want about 100 MiB, none freed, to − from = size",
				time.UnixMilli(j.Start).UTC().Format(time.RFC3339), j.Size/mib, j.Freed/mib, j.From/mib, j.To/mib)
		}
	}
	var fc *Fit
	for i := range v.Fits {
		if v.Fits[i].Model == Forecast {
			fc = &v.Fits[i]
		}
	}
	if fc == nil || !(fc.Band.Z > 0) {
		t.Fatalf("no forecast with a band: %+v", v.Fits)
	}
	lo, hi, ok := fc.Bounds(fc.Start)
	last := c.V[len(c.V)-1]
	if !ok || last-lo > 40*mib || hi-last > 40*mib {
		t.Errorf("the band starts at %.0f–%.0f MiB beside a last sample of %.0f MiB: want it within 40 MiB of it", lo/mib, hi/mib, last/mib)
	}
	lo2, hi2, _ := fc.Bounds(fc.End)
	if !(hi2-lo2 > hi-lo) {
		t.Errorf("the band does not widen with the forecast's time: %.0f MiB at its start, %.0f at its end", (hi-lo)/mib, (hi2-lo2)/mib)
	}
	// The jumps only add growth: the lower edge rises with the steady
	// rate (it was flat: a leak drawn as if it might stop), the upper
	// spans the rate with the jumps.
	steady := fc.B * float64(fc.End-fc.Start)
	if rise := lo2 - lo; !(rise > steady/2) {
		t.Errorf("the lower edge rises %.0f MiB over the forecast, the steady rate %.0f MiB: want at least half", rise/mib, steady/mib)
	}
	if mid := fc.At(fc.End); !(hi2-mid > 2*(mid-lo2)) {
		t.Errorf("at the forecast's end the band is %.0f MiB above the line and %.0f below: want it wider above, where the jumps add", (hi2-mid)/mib, (mid-lo2)/mib)
	}
}
