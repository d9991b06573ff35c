package shape

// Classify names the shape of one memory series. t holds Unix milliseconds,
// v bytes; they must have equal length (extra elements of the longer are
// ignored). It never panics and never modifies its input.
func Classify(t []int64, v []float64, opt Options) Verdict {
	return Verdict{Shape: Inconclusive, Reason: "classifier not built yet"}
}
