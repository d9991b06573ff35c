package shape

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// maxSample bounds the work of robust statistics on long series: medians
// are taken over at most this many evenly spaced elements, which keeps the
// classifier linear in the number of points with a small constant.
const maxSample = 2048

// sampleInto copies up to maxSample evenly spaced values of f(i), i in
// [0, n), into buf and returns it sorted.
func sampleInto(buf []float64, n int, f func(i int) float64) []float64 {
	buf = buf[:0]
	stride := 1
	if n > maxSample {
		stride = (n + maxSample - 1) / maxSample
	}
	for i := 0; i < n; i += stride {
		if x := f(i); !math.IsNaN(x) {
			buf = append(buf, x)
		}
	}
	sort.Float64s(buf)
	return buf
}

// quantile of sorted data (empirical, gonum's definition).
func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return stat.Quantile(p, stat.Empirical, sorted, nil)
}

// madSigma estimates a standard deviation from the median absolute
// deviation of sorted data (1.4826·MAD is σ for Gaussian noise).
func madSigma(sorted []float64, scratch []float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	m := quantile(sorted, 0.5)
	scratch = scratch[:0]
	for _, x := range sorted {
		scratch = append(scratch, math.Abs(x-m))
	}
	sort.Float64s(scratch)
	return 1.4826 * quantile(scratch, 0.5)
}

// clamp01 limits x to [0, 1].
func clamp01(x float64) float64 {
	switch {
	case x < 0 || math.IsNaN(x):
		return 0
	case x > 1:
		return 1
	}
	return x
}
