package prometheus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stampString is the text a stampText holds: the high digits, the last
// six and the comma.
func stampString(st *stampText) string {
	var b [16]byte
	le := func(dst []byte, w uint64) {
		for i := range dst {
			dst[i] = byte(w >> (8 * i))
		}
	}
	le(b[:8], st.hi)
	le(b[st.h:st.h+8], st.lw)
	return string(b[:st.h+7])
}

// The text held for the next timestamp is, step after step, the one
// Prometheus writes (strconv's shortest form of whole seconds and the
// comma after it), also where the last six digits roll over, where the
// seconds grow a digit, and after a jump; outside the range it covers
// (before 1970-01-12, fractions of a second) it holds none.
func TestStampTextIsPrometheusText(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	starts := []int64{1_000_000, 1_000_001, 999_999_000, 1_699_999_000, 1_700_000_000, 9_999_990_000, 99_999_999_000, 123_456_789_012}
	for _, stepS := range []int64{1, 7, 60, 300, 3600, 86400, 604800, 999_999} {
		for _, s0 := range starts {
			var st stampText
			st.setGrid(Grid{Start: s0 * 1000, Step: stepS * 1000, N: 100})
			st.reset(s0 * 1000)
			for i := 0; i < 3000; i++ {
				ms := (s0 + int64(i)*stepS) * 1000
				if i > 0 {
					if rng.IntN(500) == 0 {
						ms += 1000 * stepS * int64(rng.IntN(5)) // a jump ahead: made anew
						s0 += stepS * int64(rng.IntN(5))
					}
					if !st.advance(ms) { // as fastPoints moves on
						st.reset(ms)
					}
				}
				require.Equal(t, ms, st.t)
				require.Greater(t, st.h, 0, "step %d s, at %d ms", stepS, ms)
				require.Equal(t, strconv.FormatInt(ms/1000, 10)+",", stampString(&st), "step %d s, at %d ms", stepS, ms)
			}
		}
	}
	var st stampText
	st.setGrid(Grid{Start: 1000, Step: 1000, N: 10})
	st.reset(999_999_000)
	require.Zero(t, st.h, "before 1970-01-12: no text")
	st.setGrid(Grid{Start: 1_700_000_000_500, Step: 60000, N: 10})
	st.reset(1_700_000_000_500)
	require.Zero(t, st.h, "a grid of fractions of a second: no text")
	st.setGrid(Grid{Start: 1_700_000_000_000, Step: 1500, N: 10})
	st.reset(1_700_000_000_000)
	require.Zero(t, st.h, "a step of fractions of a second: no text")
}

// On a grid of whole seconds the fast path compares timestamps with the
// text it expects; whatever else the body holds there — a gap, a sample
// off the grid, one repeated, a fraction, trailing zeros, an exponent,
// a leading zero, a number that only begins like the expected one, a
// value without its opening quote — the
// decode is the one without a grid (timestamps read digit by digit) and
// the one of the same body indented (the general path): the same series,
// times and values, or the same error.
func TestGridStampsMatchGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	cases := []struct{ s0, stepS int64 }{
		{1_699_999_000, 300},  // the last six digits roll over
		{9_999_990_000, 3600}, // the seconds grow a digit
		{1_700_000_000, 60},
		{1_000_000, 1},
		{123_456_789_012, 86400},
	}
	odd := func(sec int64) (string, bool) {
		// A variant of sec's text and whether it is still a JSON number.
		s := strconv.FormatInt(sec, 10)
		switch rng.IntN(9) {
		case 0:
			return s + ".5", true
		case 1:
			return s + ".000", true
		case 2:
			return s + "0", true // one digit more: another time
		case 3:
			return s[:len(s)-1], true // one digit less
		case 4:
			return strconv.FormatFloat(float64(sec), 'e', -1, 64), true
		case 5:
			return strconv.FormatInt(sec+1, 10), true // off the grid
		case 6:
			return "0" + s, false
		case 7:
			return s + ".", false
		}
		return strconv.FormatInt(sec-1, 10), true
	}
	for round := 0; round < 40; round++ {
		c := cases[round%len(cases)]
		const points = 200
		grid := Grid{Start: c.s0 * 1000, Step: c.stepS * 1000, N: points}
		var b strings.Builder
		valid := true
		b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
		for i := 0; i < 4; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"metric":{"i":"%d"},"values":[`, i)
			for j, n := rng.IntN(3), 0; j < points; j, n = j+1, n+1 {
				if n > 0 {
					b.WriteByte(',')
				}
				sec := c.s0 + int64(j)*c.stepS
				text := strconv.FormatInt(sec, 10)
				switch r := rng.IntN(60); {
				case r == 0 && round%4 == 3:
					var ok bool
					text, ok = odd(sec)
					valid = valid && ok
				case r == 1:
					j++ // a gap
				case r == 2:
					j-- // the same time again
				}
				if rng.IntN(300) == 0 && round%4 == 3 {
					// A value without its opening quote right after
					// the expected timestamp.
					fmt.Fprintf(&b, `[%s,%d"]`, text, 500000000+rng.IntN(1e6))
					valid = false
					continue
				}
				fmt.Fprintf(&b, `[%s,"%d"]`, text, 500000000+rng.IntN(1e6))
			}
			b.WriteString("]}")
		}
		b.WriteString("]}}")
		compact := b.String()
		onGrid, gerr := DecodeQueryRange(strings.NewReader(compact), DecodeOptions{Grid: grid})
		plain, perr := DecodeQueryRange(strings.NewReader(compact), DecodeOptions{})
		require.Equal(t, fmt.Sprint(perr), fmt.Sprint(gerr), "round %d", round)
		require.Equal(t, valid, gerr == nil, "round %d: %v", round, gerr)
		if !valid {
			continue
		}
		require.True(t, sameSeries(plain.Series, onGrid.Series), "round %d", round)
		require.Equal(t, plain.Last, onGrid.Last)
		var indented bytes.Buffer
		require.NoError(t, json.Indent(&indented, []byte(compact), "", " "))
		general, err := DecodeQueryRange(strings.NewReader(indented.String()), DecodeOptions{Grid: grid})
		require.NoError(t, err)
		require.True(t, sameSeries(general.Series, onGrid.Series), "round %d", round)
		for _, window := range []int{fastWindow, 200} {
			got, err := decodeQueryRange(chunkReader{strings.NewReader(compact), 1 + round%37}, DecodeOptions{Grid: grid}, window)
			require.NoError(t, err)
			require.True(t, sameSeries(plain.Series, got.Series), "round %d, window %d", round, window)
		}
	}
}
