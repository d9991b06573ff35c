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
// there. windowMs is the series' span. It returns the cycle's amplitude
// (normalised), 0 when none.
func (lv *levels) removeDailyCycle(windowMs int64, sc *dailyScratch) float64 {
	if windowMs < minDailyWindow {
		return 0
	}
	n := len(lv.y)
	sn, cs := grow(sc.sn, n), grow(sc.cs, n)
	sc.sn, sc.cs = sn, cs
	for i, at := range lv.at {
		sn[i], cs[i] = dayPhase(int64(at))
	}
	// Normal equations of y on (age, sin, cos), every column centred
	// within its lifetime (one intercept per lifetime), summed as we go.
	var a00, a01, a02, a11, a12, a22 float64 // XᵀX, upper triangle
	var xty [3]float64
	var yty, n2 float64
	for _, s := range lv.life {
		m := float64(s.bins())
		if m == 0 {
			continue
		}
		var mu [4]float64
		for i := s.lo; i < s.hi; i++ {
			mu[0] += lv.age[i]
			mu[1] += sn[i]
			mu[2] += cs[i]
			mu[3] += lv.y[i]
		}
		for k := range mu {
			mu[k] /= m
		}
		age, sin, cos, ys := lv.age[s.lo:s.hi], sn[s.lo:s.hi], cs[s.lo:s.hi], lv.y[s.lo:s.hi]
		for i := range ys {
			x0, x1, x2 := age[i]-mu[0], sin[i]-mu[1], cos[i]-mu[2]
			y := ys[i] - mu[3]
			a00 += x0 * x0
			a01 += x0 * x1
			a02 += x0 * x2
			a11 += x1 * x1
			a12 += x1 * x2
			a22 += x2 * x2
			xty[0] += x0 * y
			xty[1] += x1 * y
			xty[2] += x2 * y
			yty += y * y
		}
		n2 += m
	}
	xtx := [3][3]float64{{a00, a01, a02}, {a01, a11, a12}, {a02, a12, a22}}
	if sc.xtx == nil {
		sc.xtx, sc.xty = mat.NewSymDense(3, nil), mat.NewVecDense(3, nil)
	}
	for i := range xtx {
		sc.xty.SetVec(i, xty[i])
	}
	chol, beta := &sc.chol, &sc.beta
	if !sc.factored(xtx) {
		// XᵀX depends on the bins' times and lifetimes alone, not on the
		// levels: the series of one query share them, and the last
		// factorization (its condition too) is used again when XᵀX is the
		// same to the bit.
		for i := range xtx {
			for j := i; j < len(xtx); j++ {
				sc.xtx.SetSym(i, j, xtx[i][j])
			}
		}
		sc.ok, sc.last, sc.has = chol.Factorize(sc.xtx), xtx, true
	}
	if !sc.ok || xtx[0][0] <= 0 {
		return 0
	}
	if err := chol.SolveVecTo(beta, sc.xty); err != nil {
		return 0
	}
	// Residual sums of squares: with the cycle, and with the lines alone.
	rssFull := yty - (beta.AtVec(0)*xty[0] + beta.AtVec(1)*xty[1] + beta.AtVec(2)*xty[2])
	rssLin := yty - xty[0]*xty[0]/xtx[0][0]
	c, d := beta.AtVec(1), beta.AtVec(2)
	amp := math.Hypot(c, d)
	noise := math.Sqrt(math.Max(rssFull, 0) / math.Max(1, n2-3))
	if rssLin <= 0 || (rssLin-rssFull)/rssLin < dailyMinGain || amp < 2*noise {
		return 0
	}
	if lv.synchronised() && lv.ageProfileRises(2*noise) {
		// Every lifetime starts at the same time of day and lasts a day or
		// less (a nightly deploy): a daily cycle and a curve of age are
		// one and the same here. A load cycle falls as well as rises; a
		// profile of age that only rises is the shape itself (a curve that
		// slows is fragmentation, not a leak bent by the day).
		return 0
	}
	for i := range lv.y {
		lv.y[i] -= c*sn[i] + d*cs[i]
	}
	lv.cycle = [2]float64{c, d}
	return amp
}

// dailyScratch is removeDailyCycle's working memory, reused across calls,
// with the last factorization of XᵀX: has, the matrix it factorized (last)
// and whether it could (ok).
type dailyScratch struct {
	sn, cs []float64
	xtx    *mat.SymDense
	xty    *mat.VecDense
	chol   mat.Cholesky
	beta   mat.VecDense
	last   [3][3]float64
	ok     bool
	has    bool
}

// factored reports whether chol holds the factorization of xtx: the last
// matrix factorized was xtx, bit for bit.
func (sc *dailyScratch) factored(xtx [3][3]float64) bool {
	if !sc.has {
		return false
	}
	for i := range xtx {
		for j := range xtx[i] {
			if math.Float64bits(xtx[i][j]) != math.Float64bits(sc.last[i][j]) {
				return false
			}
		}
	}
	return true
}

// phaseSteps divides the day for dayPhase's table: 4,096 steps of 21 s, so
// a phase is off by at most 0.08 % of the cycle.
const phaseSteps = 4096

var sinDay, cosDay = func() (s, c [phaseSteps]float64) {
	for i := range s {
		s[i], c[i] = math.Sincos(2 * math.Pi * float64(i) / phaseSteps)
	}
	return s, c
}()

// dayPhase is sin and cos of the time of day of t (Unix ms) as an angle.
func dayPhase(t int64) (float64, float64) {
	ms := t % dayMs
	if ms < 0 {
		ms += dayMs
	}
	i := int(ms * phaseSteps / dayMs)
	return sinDay[i], cosDay[i]
}

// synchronised reports whether every lifetime seen to start (all of them,
// when none is) starts within 90 minutes of the same time of day, and
// none lasts over 26 hours: the lifetimes' ages and the time of day then
// move together.
func (lv *levels) synchronised() bool {
	var sx, sy float64
	n := 0
	for k, s := range lv.life {
		if s.bins() == 0 {
			continue
		}
		if lv.age[s.hi-1]-lv.age[s.lo] > 26 {
			return false
		}
		if len(lv.life) > 1 && !lv.aged(k) {
			continue
		}
		start := lv.at[s.lo] - lv.age[s.lo]*3.6e6
		sn, cs := dayPhase(int64(start))
		sx, sy = sx+cs, sy+sn
		n++
	}
	if n < 2 {
		return false
	}
	// The mean resultant length of the start phases: 1 when all agree;
	// 90 minutes of spread either way keeps it above cos(π/8).
	return math.Hypot(sx, sy)/float64(n) >= math.Cos(math.Pi/8)
}

// ageProfileRises reports whether the lifetimes' mean level by hour of age
// never falls by more than tol from its running maximum and ends higher
// than it starts by more than tol: growth, with no fall a load cycle would
// have.
func (lv *levels) ageProfileRises(tol float64) bool {
	var sum, cnt [27]float64
	for k, s := range lv.life {
		if s.bins() < 4 || (len(lv.life) > 1 && !lv.aged(k)) {
			continue
		}
		var mean float64
		for i := s.lo; i < s.hi; i++ {
			mean += lv.y[i]
		}
		mean /= float64(s.bins())
		for i := s.lo; i < s.hi; i++ {
			h := min(int(lv.age[i]), len(sum)-1)
			sum[h] += lv.y[i] - mean
			cnt[h]++
		}
	}
	top, first, last := math.Inf(-1), math.NaN(), math.NaN()
	for h := range sum {
		if cnt[h] == 0 {
			continue
		}
		v := sum[h] / cnt[h]
		if math.IsNaN(first) {
			first = v
		}
		if v < top-tol {
			return false
		}
		top, last = math.Max(top, v), v
	}
	return last-first > tol
}

// withCycle is bin i's level with the daily cycle taken out put back: the
// level the memory had at that time of day.
func (lv *levels) withCycle(i int) float64 {
	if lv.daily == 0 {
		return lv.y[i]
	}
	sn, cs := dayPhase(int64(lv.at[i]))
	return lv.y[i] + lv.cycle[0]*sn + lv.cycle[1]*cs
}
