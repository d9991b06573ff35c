package plugin

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// judgeWorkload is workload.Judge; tests replace it.
var judgeWorkload = workload.Judge

// judge turns the analysis window's series into judged items, in named
// steps: group them into workloads as the query asks (workload.Group),
// keep those that still report (active), pair each workload with what the
// panel draws of it (pair), judge each (judgeEach) and put them in the
// order of their labels (order). Notes say what the grouping could not do.
// early, when not nil, grouped and judged what it could while the series
// were read (judge_early.go).
func (d *Datasource) judge(analysed, panel []series.Series, q models.Query, limits limitSet, activeFrom int64, showSeries bool, early *earlyJudge) ([]frames.Item, []string) {
	var groups []workload.Workload
	var notes []string
	if early != nil {
		groups, notes = early.done(analysed)
	} else {
		groups, notes = workload.Group(analysed, q.By)
	}
	groups = active(groups, activeFrom)
	if !showSeries {
		panel = nil // nothing is drawn
	}
	items := pair(groups, analysed, panel, q.By)
	judgeEach(items, analysed, q.Options, limits, early)
	return order(items), notes
}

// order sorts items by their labels' key, keeping the order of items
// with the same labels.
func order(items []frames.Item) []frames.Item {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = series.Key(it.Labels)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sorted := make([]frames.Item, len(items))
	for i, k := range idx {
		sorted[i] = items[k]
	}
	return sorted
}

// active keeps the workloads of which some series has a sample at or after
// t (ms): a workload whose every pod is gone is not one to judge now. The
// series that stopped still count in the verdicts of those kept.
func active(groups []workload.Workload, t int64) []workload.Workload {
	out := groups[:0]
	for _, g := range groups {
		for _, m := range g.Members {
			if m.Last >= t {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// pair makes one item per workload with the panel's series of it: an
// ungrouped series its own (Item.Panel), a workload each member's
// (Item.Members, one slot per member, empty when the panel has none). A
// panel series with no history in the analysis window (a pod started in
// its last step) is drawn as a new member of its workload, or as an item
// of its own with an inconclusive verdict. With no panel series, the items
// draw nothing.
func pair(groups []workload.Workload, analysed, panel []series.Series, by workload.By) []frames.Item {
	items := make([]frames.Item, len(groups))
	for i := range groups {
		items[i] = frames.Item{Labels: groups[i].Labels, Workload: &groups[i]}
		if groups[i].Grouped() {
			items[i].Members = make([]series.Series, len(groups[i].Members))
		}
	}
	if len(panel) == 0 {
		return items
	}
	// Series with the same labels (Datadog, label_replace) are paired in
	// the order they come: the n-th of a label set with the n-th.
	type place struct{ item, member int }
	where := map[string][]place{}
	for i, it := range items {
		for m, mem := range it.Workload.Members {
			k := series.Key(analysed[mem.Series].Labels)
			where[k] = append(where[k], place{i, m})
		}
	}
	for _, ps := range where {
		slices.SortFunc(ps, func(a, b place) int {
			return cmp.Compare(items[a.item].Workload.Members[a.member].Series, items[b.item].Workload.Members[b.member].Series)
		})
	}
	var orphans []series.Series
	for _, s := range panel {
		k := series.Key(s.Labels)
		ps := where[k]
		ok := len(ps) > 0
		var p place
		if ok {
			p, where[k] = ps[0], ps[1:]
		}
		switch {
		case !ok:
			orphans = append(orphans, s)
		case items[p.item].Grouped():
			items[p.item].Members[p.member] = s
		default:
			items[p.item].Panel = s
		}
	}
	return addPanelOnly(items, orphans, by)
}

// addPanelOnly draws the panel's series that have no history in the
// analysis window (orphans): each as a new member of its workload, or in
// an item of its own with an inconclusive verdict.
func addPanelOnly(items []frames.Item, orphans []series.Series, by workload.By) []frames.Item {
	if len(orphans) == 0 {
		return items
	}
	byIdentity := map[string]int{}
	for i, it := range items {
		if it.Grouped() {
			byIdentity[series.Key(it.Labels)] = i
		}
	}
	newGroups, _ := workload.Group(orphans, by)
	for gi := range newGroups {
		g := newGroups[gi]
		if i, ok := byIdentity[series.Key(g.Labels)]; ok && g.Grouped() {
			w := *items[i].Workload // a copy: the members grow
			for _, m := range g.Members {
				items[i].Members = append(items[i].Members, orphans[m.Series])
				m.Series = -1 // only in the panel's range
				w.Members = append(w.Members, m)
			}
			items[i].Workload = &w
			continue
		}
		it := frames.Item{Labels: g.Labels, Workload: &newGroups[gi], Verdict: shape.Verdict{
			Shape: shape.Inconclusive, Components: []shape.Shape{},
			Reason: "the series has no history in the analysis window yet",
		}}
		if g.Grouped() {
			for _, m := range g.Members {
				it.Members = append(it.Members, orphans[m.Series])
			}
			newGroups[gi].Members = markPanelOnly(g.Members)
		} else {
			it.Panel = orphans[g.Members[0].Series]
			newGroups[gi].Members = markPanelOnly(g.Members)
		}
		items = append(items, it)
	}
	return items
}

func markPanelOnly(ms []workload.Member) []workload.Member {
	out := make([]workload.Member, len(ms))
	for i, m := range ms {
		m.Series = -1
		out[i] = m
	}
	return out
}

// judgeEach judges every item that has history (in parallel: each
// verdict is independent), with the limit of its series — for a workload,
// of its latest series; a workload judged early (early may be nil) is
// not judged again. A panic in a worker is carried back to this
// goroutine, where safeQuery turns it into this query's error.
func judgeEach(items []frames.Item, analysed []series.Series, opt shape.Options, limits limitSet, early *earlyJudge) {
	work := make(chan int)
	var wg sync.WaitGroup
	var panicked atomic.Value
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					panicked.CompareAndSwap(nil, fmt.Sprintf("%v\n%s", r, debug.Stack()))
					for range work { // let the sender finish
					}
				}
			}()
			for i := range work {
				it := &items[i]
				o := opt
				if l, ok := limits.For(latestLabels(it.Workload, analysed)); ok {
					o.LimitBytes = l
				}
				it.Limit = o.LimitBytes
				it.Verdict = judgeWorkload(*it.Workload, analysed, o)
			}
		}()
	}
	for i := range items {
		it := &items[i]
		if len(it.Workload.Members) == 0 || it.Workload.Members[0].Series < 0 {
			continue
		}
		if v, ok := early.verdict(it.Workload); ok {
			// Judged early, without a limit query: the options' limit.
			it.Limit, it.Verdict = opt.LimitBytes, v
			continue
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(p)
	}
}

// latestLabels are the labels of a workload's series that reported last
// (its current pod: the one whose limit applies now).
func latestLabels(w *workload.Workload, analysed []series.Series) map[string]string {
	best := -1
	for i, m := range w.Members {
		if m.Series >= 0 && (best < 0 || m.Last >= w.Members[best].Last) {
			best = i
		}
	}
	if best < 0 {
		return w.Labels
	}
	return analysed[w.Members[best].Series].Labels
}
