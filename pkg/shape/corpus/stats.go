package corpus

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// LinearR2 is the coefficient of determination of the least-squares line
// through (t, v), with t in ms. Non-finite values are skipped; it returns
// NaN when fewer than two finite points remain or v is constant.
func LinearR2(t []int64, v []float64) float64 {
	var x, y []float64
	for i := range min(len(t), len(v)) {
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			continue
		}
		x = append(x, float64(t[i]-t[0])/1000)
		y = append(y, v[i])
	}
	if len(x) < 2 {
		return math.NaN()
	}
	alpha, beta := stat.LinearRegression(x, y, nil, false)
	return stat.RSquared(x, y, nil, alpha, beta)
}
