package plugin

import (
	"slices"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// earlyJudge groups the analysis window's series into workloads while
// the answer is still being read (upstream.Query.Each), on a goroutine
// beside the decoder's, and judges each workload as soon as its series
// seem all read: Prometheus returns series in the order of their labels,
// so a workload's series usually come together, and when the next series
// belongs to another workload the run of the one before has ended.
//
// That is a guess: a workload's series may also come apart (pods on
// several nodes, the instance label sorting before the pod). So a verdict
// judged early is used only for a workload grouped at the end exactly as
// it was judged — the same members, generations and rollouts — and the
// verdict is what judging it then would give (judging is pure). A
// workload whose series came apart is not judged early again. What is not
// judged early is judged after the answer, on every core, as before.
//
// Only a query without a limit query judges early: the limits are known
// only once its series are read.
type earlyJudge struct {
	by     workload.By
	opt    shape.Options
	behind *upstream.Behind

	// Touched by the behind goroutine until stop, then by the query's.
	g        *workload.Grouper
	ss       []series.Series // the series added, by index
	inAdd    bool            // a take did not return (it panicked)
	run      int             // the workload of the latest series added (-1: none)
	ran      []bool          // per workload: a run of its series ended
	verdicts map[int]early   // by the index of the workload's first series
}

// early is a workload as judged early and its verdict.
type early struct {
	w workload.Workload
	v shape.Verdict
}

func newEarlyJudge(by workload.By, opt shape.Options) *earlyJudge {
	e := &earlyJudge{by: by, opt: opt, g: workload.NewGrouper(by, 0), run: -1, verdicts: map[int]early{}}
	e.behind = upstream.NewBehind(e.take)
	return e
}

// Each is the analysis query's upstream.Query.Each.
func (e *earlyJudge) Each(i int, s series.Series) { e.behind.Each(i, s) }

// take adds the next series read and judges the workload whose run it
// ends.
func (e *earlyJudge) take(i int, s series.Series) {
	if i != len(e.ss) || e.inAdd {
		return // not the next series: nothing more is added early
	}
	e.inAdd = true
	e.ss = append(e.ss, s)
	w := e.g.Add(i, s)
	e.inAdd = false
	if w == e.run {
		return
	}
	if e.run >= 0 {
		e.judgeRun(e.run)
	}
	e.run = w
}

// judgeRun judges workload w, whose run of series has ended, unless an
// earlier run of it ended before (its series come apart).
func (e *earlyJudge) judgeRun(w int) {
	for len(e.ran) <= w {
		e.ran = append(e.ran, false)
	}
	if e.ran[w] {
		return
	}
	e.ran[w] = true
	sw, ok := e.g.Settled(w)
	if !ok || len(sw.Members) == 0 {
		return
	}
	e.verdicts[minSeries(sw.Members)] = early{w: sw, v: judgeWorkload(sw, e.ss, e.opt)}
}

func minSeries(ms []workload.Member) int {
	first := -1
	for _, m := range ms {
		if first < 0 || m.Series < first {
			first = m.Series
		}
	}
	return first
}

// done stops the early work and groups the answer's series (analysed):
// those added early, if they are the answer's, and the rest.
func (e *earlyJudge) done(analysed []series.Series) ([]workload.Workload, []string) {
	e.behind.Stop()
	if e.inAdd || len(e.ss) > len(analysed) || !sameSeries(e.ss, analysed) {
		// Another answer (or a panic while adding): start again.
		e.g, e.ss, e.verdicts = workload.NewGrouper(e.by, len(analysed)), nil, nil
	}
	for i := len(e.ss); i < len(analysed); i++ {
		e.g.Add(i, analysed[i])
	}
	return e.g.Done()
}

// sameSeries reports whether the series given early are the first of the
// answer's: the same samples where they lie.
func sameSeries(given, answer []series.Series) bool {
	for i, s := range given {
		if !series.SameSamples(s, answer[i]) {
			return false
		}
	}
	return true
}

// verdict is w's verdict judged early, if w is the workload judged.
func (e *earlyJudge) verdict(w *workload.Workload) (shape.Verdict, bool) {
	if e == nil || len(e.verdicts) == 0 {
		return shape.Verdict{}, false
	}
	j, ok := e.verdicts[minSeries(w.Members)]
	if !ok || j.w.Kind != w.Kind || j.w.Name != w.Name ||
		!slices.Equal(j.w.Members, w.Members) ||
		!slices.Equal(j.w.Rollouts, w.Rollouts) {
		return shape.Verdict{}, false
	}
	return j.v, true
}
