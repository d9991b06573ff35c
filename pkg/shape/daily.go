package shape

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// A daily load cycle rides on many memory series (caches and pools follow
// traffic). Over two days or more it can be measured and taken out, so
// that the daily rise is not mistaken for a jump and the daily fall not
// for a slowdown. Under two days it cannot be told from growth, and the
// verdict says so instead.
const (
	dayMs          = 24 * 3600 * 1000
	minDailyWindow = 2 * dayMs
	dailyMinGain   = 0.25 // the cycle must explain this share of what a straight line leaves
)

// removeDailyCycle fits, over all bins, one straight line per lifetime plus
// a shared 24-hour sinusoid, and subtracts the sinusoid when it is clearly
// there. It returns the cycle's amplitude (normalised), 0 when none.
func (a *analysis) removeDailyCycle() float64 {
	if a.t[len(a.t)-1]-a.t[0] < minDailyWindow {
		return 0
	}
	n := len(a.b.y)
	// Columns age, sin, cos and the target, each centred within its lifetime.
	x := mat.NewDense(n, 3, nil)
	y := mat.NewVecDense(n, nil)
	w := 2 * math.Pi / dayMs
	for _, s := range a.life {
		m := float64(s.b - s.a)
		if m == 0 {
			continue
		}
		var mu [4]float64
		for i := s.a; i < s.b; i++ {
			sn, cs := math.Sincos(w * math.Mod(a.b.at[i], dayMs))
			mu[0] += a.b.age[i] / m
			mu[1] += sn / m
			mu[2] += cs / m
			mu[3] += a.b.y[i] / m
		}
		for i := s.a; i < s.b; i++ {
			sn, cs := math.Sincos(w * math.Mod(a.b.at[i], dayMs))
			x.Set(i, 0, a.b.age[i]-mu[0])
			x.Set(i, 1, sn-mu[1])
			x.Set(i, 2, cs-mu[2])
			y.SetVec(i, a.b.y[i]-mu[3])
		}
	}
	var full mat.VecDense
	if err := full.SolveVec(x, y); err != nil {
		return 0
	}
	lin := mat.NewVecDense(1, nil)
	if err := lin.SolveVec(x.Slice(0, n, 0, 1), y); err != nil {
		return 0
	}
	var rssFull, rssLin float64
	for i := 0; i < n; i++ {
		r := y.AtVec(i) - x.At(i, 0)*full.AtVec(0) - x.At(i, 1)*full.AtVec(1) - x.At(i, 2)*full.AtVec(2)
		rssFull += r * r
		r = y.AtVec(i) - x.At(i, 0)*lin.AtVec(0)
		rssLin += r * r
	}
	c, d := full.AtVec(1), full.AtVec(2)
	amp := math.Hypot(c, d)
	noise := math.Sqrt(rssFull / float64(max(1, n-3)))
	if rssLin <= 0 || (rssLin-rssFull)/rssLin < dailyMinGain || amp < 2*noise {
		return 0
	}
	for i := range a.b.y {
		sn, cs := math.Sincos(w * math.Mod(a.b.at[i], dayMs))
		a.b.y[i] -= c*sn + d*cs
	}
	return amp
}
