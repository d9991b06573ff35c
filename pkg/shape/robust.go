package shape

import "math"

// maxSample bounds the work of robust statistics on long series: medians
// are taken over at most this many evenly spaced elements, which keeps the
// classifier linear in the number of points with a small constant.
const maxSample = 256

// sampleInto copies up to maxSample evenly spaced values of f(i), i in
// [0, n), into buf (NaN skipped) and returns it, unsorted.
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
	return buf
}

// quantilePair is the empirical quantiles p ≤ q of buf (NaN-free), as
// gonum's stat.Quantile takes them of the sorted data — the smallest
// element whose rank (from 1) reaches p·len(buf) — by selection in linear
// time; it reorders buf. Both are NaN when buf is empty.
func quantilePair(buf []float64, p, q float64) (float64, float64) {
	if len(buf) == 0 {
		return math.NaN(), math.NaN()
	}
	i, j := empiricalRank(p, len(buf)), empiricalRank(q, len(buf))
	lo := selectKth(buf, i)
	// Selection leaves every element from i on no smaller than the i-th:
	// the j-th smallest is among them.
	return lo, selectKth(buf[i:], j-i)
}

// empiricalRank is the index in sorted data of n elements of its empirical
// quantile p: the first index i with i+1 ≥ p·n (stat.Quantile's rule).
func empiricalRank(p float64, n int) int {
	return min(max(int(math.Ceil(p*float64(n)))-1, 0), n-1)
}

// median of buf by selection in linear time; reorders buf.
func median(buf []float64) float64 {
	n := len(buf)
	if n == 0 {
		return math.NaN()
	}
	k := (n - 1) / 2 // gonum's empirical quantile at 0.5 for even n takes the lower middle
	return selectKth(buf, k)
}

// selectKth puts the k-th smallest element at buf[k] and returns it
// (quickselect, median-of-three pivot). Its partitions move every element
// without branching on it (the sign of x − pivot says which side it goes
// to), so that noisy data does not cost a mispredicted branch per element;
// when the pivot is the smallest, its equals are gathered in a second pass,
// so that repeated values cannot make it quadratic. NaN makes the answer
// arbitrary but never stops it.
func selectKth(buf []float64, k int) float64 {
	lo, hi := 0, len(buf) // the k-th smallest lies in buf[lo:hi]
	for hi-lo > 8 {
		a, b, c := buf[lo], buf[lo+(hi-lo)/2], buf[hi-1]
		p := max(min(a, b), min(max(a, b), c)) // median of three
		// buf[lo:j] < p ≤ buf[j:hi]
		j := lo
		for i := lo; i < hi; i++ {
			x := buf[i]
			buf[i] = buf[j]
			buf[j] = x
			j += int(math.Float64bits(x-p) >> 63)
		}
		if k < j {
			if j == hi {
				break // no progress: a NaN pivot (never in clean data)
			}
			hi = j
			continue
		}
		if j > lo {
			lo = j
			continue
		}
		// Nothing below the pivot, which is then the smallest: gather its
		// equals, buf[j:e] == p < buf[e:hi].
		e := j
		for i := j; i < hi; i++ {
			x := buf[i]
			buf[i] = buf[e]
			buf[e] = x
			e += int(math.Float64bits(p-x)>>63 ^ 1)
		}
		if k < e {
			return p
		}
		if e == lo {
			break // no progress: a NaN pivot (never in clean data)
		}
		lo = e
	}
	// A few left: insertion sort.
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && buf[j] < buf[j-1]; j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
	return buf[k]
}

// madSigma estimates a standard deviation from the median absolute
// deviation (1.4826·MAD is σ for Gaussian noise). It reorders buf.
func madSigma(buf []float64) float64 {
	if len(buf) == 0 {
		return 0
	}
	return madSigmaAround(buf, median(buf))
}

// madSigmaAround is madSigma for data whose median m is known.
func madSigmaAround(buf []float64, m float64) float64 {
	if len(buf) == 0 {
		return 0
	}
	for i, x := range buf {
		buf[i] = math.Abs(x - m)
	}
	return 1.4826 * median(buf)
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
