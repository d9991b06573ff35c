package plot

import (
	"math"
	"strconv"
	"strings"
	"time"

	gplot "gonum.org/v1/plot"

	"github.com/memshape/memory-datasource/pkg/units"
)

// bytesTicks places 4–7 major ticks at round numbers of one IEC unit (the
// unit of the larger end), e.g. 1.25 GiB, 1.5 GiB, 1.75 GiB.
func bytesTicks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) {
		return []gplot.Tick{{Value: lo, Label: units.FormatBytesIEC(lo)}}
	}
	u, unit := units.IECUnit(math.Max(math.Abs(lo), math.Abs(hi)))
	rng := (hi - lo) / u
	step, dec := niceStep(rng, 7)
	if u == 1 { // whole bytes
		step = math.Max(step, 1)
		dec = 0
	}
	var ticks []gplot.Tick
	start := math.Ceil(lo/u/step-1e-9) * step
	for k := 0; ; k++ {
		v := start + float64(k)*step
		if v > hi/u+1e-9*step {
			break
		}
		label := strconv.FormatFloat(v, 'f', dec, 64)
		if label == "-0" || strings.TrimLeft(label, "-0.") == "" {
			label = "0"
		}
		ticks = append(ticks, gplot.Tick{Value: math.Min(math.Max(v*u, lo), hi), Label: label + " " + unit})
		// one minor tick between majors
		if m := (v + step/2) * u; m < hi {
			ticks = append(ticks, gplot.Tick{Value: m})
		}
		if k > 50 {
			break
		}
	}
	return ticks
}

// niceStep is a step of 1, 2, 2.5 or 5 × 10^k giving at most maxTicks
// ticks over rng, and the decimals its labels need.
func niceStep(rng float64, maxTicks int) (float64, int) {
	raw := rng / float64(maxTicks-1)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if s := m * p; s >= raw {
			dec := 0
			if s < 1 {
				dec = int(math.Ceil(-math.Log10(s) - 1e-9))
				if m == 2.5 {
					dec++
				}
			} else if m == 2.5 && p == 1 {
				dec = 1
			}
			return s, dec
		}
	}
	return 10 * p, 0
}

// timeSteps are the tick intervals a time axis may use.
var timeSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// timeTicks labels a time axis in Unix seconds with at most 10 ticks, at
// round times of day (UTC): "15:00", and at midnight the date
// ("Mon 5 Jan"); with day steps only dates.
func timeTicks(lo, hi float64) []gplot.Tick {
	span := time.Duration((hi - lo) * float64(time.Second))
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= 9 {
			step = s
			break
		}
	}
	minor := step / 2
	if step == 3*time.Hour || step == 6*time.Hour || step == 12*time.Hour {
		minor = step / 3
		if step == 12*time.Hour {
			minor = 3 * time.Hour
		}
	}
	if step >= 7*24*time.Hour {
		minor = 24 * time.Hour
	}
	t0 := time.Unix(int64(math.Floor(lo)), 0).UTC()
	day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC)
	var ticks []gplot.Tick
	first := true
	for t := day; !t.After(time.Unix(int64(math.Ceil(hi)), 0)); t = t.Add(minor) {
		v := float64(t.Unix())
		if v < lo || v > hi {
			continue
		}
		off := t.Sub(day)
		if off%step != 0 {
			ticks = append(ticks, gplot.Tick{Value: v})
			continue
		}
		var label string
		switch {
		case step >= 24*time.Hour:
			label = t.Format("Mon 2 Jan")
		case t.Hour() == 0 && t.Minute() == 0 || first:
			label = t.Format("15:04") + "\n" + t.Format("Mon 2 Jan")
		default:
			label = t.Format("15:04")
		}
		first = false
		ticks = append(ticks, gplot.Tick{Value: v, Label: label})
		if len(ticks) > 200 {
			break
		}
	}
	return ticks
}
