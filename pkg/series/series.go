// Package series holds the one value every part of Memory Shape passes
// around: a labelled memory series as parallel slices of timestamps and
// values. Upstream clients produce it, the shape classifier reads it, frame
// and CLI writers print it.
package series

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// Series is one memory series. T holds Unix milliseconds, V the values
// (bytes). The two slices have equal length. Values may be NaN or ±Inf;
// timestamps may be unsorted or repeated — Clean puts that right.
type Series struct {
	// Labels identify the series, unchanged from the upstream
	// (Prometheus metric labels, Datadog scope tags).
	Labels map[string]string
	T      []int64
	V      []float64
}

// Len is the number of points.
func (s Series) Len() int { return len(s.T) }

// Name renders the labels the way Prometheus does: name{a="b", c="d"}.
func (s Series) Name() string {
	if len(s.Labels) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Labels["__name__"])
	if len(keys) == 0 && b.Len() > 0 {
		return b.String()
	}
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(s.Labels[k])
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// FormatValue writes a sample value as Prometheus' text formats and API do:
// the shortest decimal that reads back to v, and NaN, +Inf, -Inf.
func FormatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Key identifies a label set: names in order, each with its value, each
// ended by a NUL byte, so no two label sets share a key whatever their
// values hold. Its bytes sort as Prometheus orders a range query's series
// (pairwise by name then value, in name order; a prefix first). The one
// label-set key of every layer: the cache, time shards, Datadog's series,
// grouping and pairing.
func Key(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	n := 0
	for k, v := range labels {
		names = append(names, k)
		n += len(k) + len(v) + 2
	}
	sort.Strings(names)
	b := make([]byte, 0, n)
	for _, k := range names {
		b = appendPair(b, k, labels[k])
	}
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again
}

// AppendKey appends the Key of the label set given as name-value pairs
// in name order (each name once) to dst: for a caller that has the pairs
// and not the map.
func AppendKey(dst []byte, pairs [][2]string) []byte {
	for _, p := range pairs {
		dst = appendPair(dst, p[0], p[1])
	}
	return dst
}

func appendPair(b []byte, name, value string) []byte {
	return append(append(append(append(b, name...), 0), value...), 0)
}

// SameMemory reports whether a and b are the same slice: the same length
// over the same memory. A series handed on while an answer streams is
// known again by it later, without comparing its samples.
func SameMemory[E any](a, b []E) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// SameSamples reports whether a and b hold their samples in the same
// memory (SameMemory of both times and values); labels are not compared.
func SameSamples(a, b Series) bool {
	return SameMemory(a.T, b.T) && SameMemory(a.V, b.V)
}

// Within reports whether a lies in b's memory: a run of b's own elements
// (b[i:i+len(a)] for some i), not a copy of them. Empty a is in none.
func Within[E any](a, b []E) bool {
	if len(a) == 0 || len(a) > len(b) {
		return false
	}
	size := unsafe.Sizeof(a[0])
	off := uintptr(unsafe.Pointer(unsafe.SliceData(a))) - uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return off%size == 0 && off/size <= uintptr(len(b)-len(a))
}
