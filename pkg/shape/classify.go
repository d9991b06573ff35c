package shape

import (
	"fmt"
	"time"

	"github.com/memshape/memory-datasource/pkg/units"
)

const (
	minPoints = 8
	// A series of judgedPoints points or more is judged whatever its
	// duration, at its own scale (a test run of 3 minutes at 1 s); a
	// sparser one needs to cover minSpanMs.
	judgedPoints = 50
	minSpanMs    = 10 * 60 * 1000
	maxSpanMs    = 10 * 365 * dayMs
)

// Classify names the shape of one memory series. t holds Unix milliseconds,
// v bytes; extra elements of the longer slice are ignored. It never panics
// and never modifies its input.
//
// After cleaning, stages each hand a typed result to the next (gather):
// the lifetimes between restarts (findLifetimes), a level per bin
// (binLevels), the warm-up and steady parts (findSteady), the jumps
// (takeJumps) and the growth between them (measureGrowth). judge decides the
// shape from that evidence; explain words it and adds the fits, forecast
// and time to limit.
func Classify(t []int64, v []float64, opt Options) (verdict Verdict) {
	defer func() {
		if r := recover(); r != nil { // a bug must cost one verdict, not the caller
			verdict = inconclusive(verdict, fmt.Sprintf("internal error while judging this series (%v); please report it with the data", r), 0)
		}
	}()
	c := clean(t, v)
	verdict = Verdict{Points: len(c.t), Dropped: c.dropped, Components: []Shape{}}
	if c.problem != "" {
		return inconclusive(verdict, c.problem, 0)
	}
	n := len(c.t)
	if n < minPoints {
		return inconclusive(verdict, fmt.Sprintf("only %d usable points: need at least %d — widen the time range or lower the step", n, minPoints), 0)
	}
	if span := float64(c.t[n-1]) - float64(c.t[0]); span > maxSpanMs {
		return inconclusive(verdict, fmt.Sprintf("the timestamps span %.3g years: memory series are judged over at most %d years — are the timestamps Unix milliseconds?", span/(365.25*dayMs), maxSpanMs/(365*dayMs)), 0)
	}
	if span := c.t[n-1] - c.t[0]; span < minSpanMs && n < judgedPoints {
		return inconclusive(verdict, fmt.Sprintf("only %d points over %s: need %d points, or a time range of at least %s — lower the step or widen the range", n, units.FormatDuration(time.Duration(span)*time.Millisecond), judgedPoints, units.FormatDuration(minSpanMs*time.Millisecond)), time.Duration(minSpanMs-span)*time.Millisecond)
	}
	ws := workspaces.Get().(*workspace)
	ev := gather(c.t, c.v, nil, opt, ws)
	verdict = explain(ev, judge(ev), verdict)
	ws.keep(ev)
	workspaces.Put(ws)
	return verdict
}
