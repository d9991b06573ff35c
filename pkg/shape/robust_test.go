package shape

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestSelectKth checks the branch-free selection against a sort on noisy,
// repeated, sorted and reversed data of every size up to twice the sample
// cap, and that NaN, which clean data never holds, cannot stop it.
func TestSelectKth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fills := map[string]func(i, n int) float64{
		"noise":    func(i, n int) float64 { return r.NormFloat64() },
		"repeated": func(i, n int) float64 { return float64(r.IntN(3)) },
		"equal":    func(i, n int) float64 { return 7 },
		"sorted":   func(i, n int) float64 { return float64(i) },
		"reversed": func(i, n int) float64 { return float64(n-i) + 0.5*float64(r.IntN(2)) },
	}
	for name, fill := range fills {
		for n := 1; n <= 2*maxSample+2; n++ {
			buf := make([]float64, n)
			for i := range buf {
				buf[i] = fill(i, n)
			}
			want := slices.Sorted(slices.Values(buf))
			k := r.IntN(n)
			if got := selectKth(buf, k); got != want[k] || buf[k] != want[k] {
				t.Fatalf("%s, %d elements, k=%d: got %v (buf[k] %v), want %v", name, n, k, got, buf[k], want[k])
			}
			if m := median(slices.Clone(want)); m != want[(n-1)/2] {
				t.Fatalf("%s, %d elements: median %v, want %v", name, n, m, want[(n-1)/2])
			}
		}
	}
	nan := []float64{3, math.NaN(), 1, math.NaN(), 2, 9, 8, math.NaN(), 7, 6, 5, 4, math.NaN()}
	for k := range nan {
		selectKth(slices.Clone(nan), k) // must return
	}
}

// TestQuantilePair checks the selected quantiles against gonum's
// empirical quantiles of the sorted data — what the steady range took
// before — on noisy, repeated and equal data of every size up to twice the
// sample cap, at the steady range's quantiles and at others, the extremes
// and equal ones included.
func TestQuantilePair(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	fills := map[string]func() float64{
		"noise":    func() float64 { return 1 + 0.1*r.NormFloat64() },
		"repeated": func() float64 { return float64(r.IntN(4)) },
		"equal":    func() float64 { return 0.5 },
	}
	pairs := [][2]float64{{0.05, 0.95}, {0, 1}, {0.5, 0.5}, {0.1, 0.25}, {0.33, 0.66}}
	for name, fill := range fills {
		for n := 1; n <= 2*maxSample+2; n++ {
			buf := make([]float64, n)
			for i := range buf {
				buf[i] = fill()
			}
			sorted := slices.Sorted(slices.Values(buf))
			for _, pq := range pairs {
				lo, hi := quantilePair(slices.Clone(buf), pq[0], pq[1])
				wantLo := stat.Quantile(pq[0], stat.Empirical, sorted, nil)
				wantHi := stat.Quantile(pq[1], stat.Empirical, sorted, nil)
				if lo != wantLo || hi != wantHi {
					t.Fatalf("%s, %d elements, quantiles %v: got %v, %v, want %v, %v", name, n, pq, lo, hi, wantLo, wantHi)
				}
			}
		}
	}
	if lo, hi := quantilePair(nil, 0.05, 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Fatalf("no data: got %v, %v, want NaN", lo, hi)
	}
}

// TestMed5 checks the branch-free median of five against a sort.
func TestMed5(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		y := make([]float64, 5)
		for i := range y {
			y[i] = float64(r.IntN(6)) // with ties
		}
		want := slices.Sorted(slices.Values(y))[2]
		if got := med5(y); got != want {
			t.Fatalf("med5(%v) = %v, want %v", y, got, want)
		}
	}
}

// TestFitConcaveRecoversItsCurves fits noiseless logarithmic and saturating
// curves whose τ is on the search grid, over one lifetime and over several
// that share their ages: the search must name the model and τ, and the fit
// (whose logarithms come from a table) must reproduce the curve.
func TestFitConcaveRecoversItsCurves(t *testing.T) {
	const bins, width = 100, 0.24 // hours
	for _, tc := range []struct {
		model Model
		rel   float64
	}{{Logarithmic, 0.03}, {Logarithmic, 0.3}, {Saturating, 0.6}} {
		for _, lives := range []int{1, 4} {
			var x, y []float64
			var spans []span
			typical := (bins - 1) * width
			tau := tc.rel * typical
			for l := range lives {
				lo := len(x)
				for i := range bins {
					age := (float64(i) + 0.5) * width
					g := math.Log1p(age / tau)
					if tc.model == Saturating {
						g = -math.Expm1(-age / tau)
					}
					x = append(x, age)
					y = append(y, 1+0.1*float64(l)+0.4*g)
				}
				spans = append(spans, span{lo, len(x)})
			}
			p := fitConcave(x, y, spans, typical, width)
			if !p.ok || p.model != tc.model || math.Abs(p.tau-tau) > 1e-9*tau {
				t.Fatalf("%s τ=%.3g over %d lifetimes: got %s τ=%.3g (ok %v)", tc.model, tau, lives, p.model, p.tau, p.ok)
			}
			worst := 0.0 // the fitted curve against the data, bin by bin
			for k, s := range spans {
				for i := s.lo; i < s.hi; i++ {
					worst = math.Max(worst, math.Abs(y[i]-p.icpt[k]-p.slope*p.gx[i]))
				}
			}
			if math.Abs(p.slope-0.4) > 1e-12 || worst > 1e-14 {
				t.Errorf("%s τ=%.3g over %d lifetimes: slope %.15f, residuals up to %.3g; want 0.4 and 0", tc.model, tau, lives, p.slope, worst)
			}
		}
	}
}

// TestR2BeyondNoiseHoldsAcrossSteps fits a line to a steady rise binned
// from points with white noise, as a fine and a coarse step leave them
// (twelve and two points a level): r2 falls with the noise, r2Beyond
// stays near 1; on noise alone it is near 0.
func TestR2BeyondNoiseHoldsAcrossSteps(t *testing.T) {
	const bins = 100
	r := rand.New(rand.NewPCG(3, 4))
	fit := func(perBin int, rise float64) (pooled, float64) {
		x, y := make([]float64, bins), make([]float64, bins)
		for i := range bins {
			var sum float64
			for range perBin {
				sum += 0.05 * r.NormFloat64()
			}
			x[i] = float64(i)
			y[i] = 1 + rise*float64(i)/bins + sum/float64(perBin)
		}
		return fitLine(x, y, []span{{0, bins}}), 0.05 / math.Sqrt(float64(perBin))
	}
	fine, fineSigma := fit(12, 0.1)
	coarse, coarseSigma := fit(2, 0.1)
	t.Logf("r2 %.2f / %.2f, r2Beyond %.2f / %.2f (fine / coarse)", fine.r2(), coarse.r2(), fine.r2Beyond(fineSigma), coarse.r2Beyond(coarseSigma))
	if !(coarse.r2() < fine.r2()-0.2) {
		t.Fatalf("r2 %.2f at the fine step, %.2f at the coarse: want it to fall with the noise", fine.r2(), coarse.r2())
	}
	for _, c := range []struct {
		name  string
		p     pooled
		sigma float64
	}{{"fine", fine, fineSigma}, {"coarse", coarse, coarseSigma}} {
		if got := c.p.r2Beyond(c.sigma); got < 0.8 {
			t.Errorf("%s step: r2Beyond %.2f (r2 %.2f), want ≥ 0.8", c.name, got, c.p.r2())
		}
	}
	if flat, sigma := fit(2, 0); flat.r2Beyond(sigma) > 0.2 {
		t.Errorf("noise alone: r2Beyond %.2f, want near 0", flat.r2Beyond(sigma))
	}
}
