package shape

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/memshape/memory-datasource/pkg/units"
)

// Life is one lifetime of a workload as a series: the memory of one pod,
// or of one container instance (cAdvisor starts a new series at each
// container restart). T holds Unix milliseconds, V bytes. A series may
// still hold restarts of its own (a process restarted in place); they are
// found as in Classify.
type Life struct {
	T []int64
	V []float64
	// Generation numbers the workload's rollouts in time order: lifetimes
	// of one generation share a ReplicaSet, an image or a restart wave.
	// The verdict names the generation from which the shape changed.
	Generation int
}

// Pool is what a pooled verdict says of the lifetimes it pooled.
type Pool struct {
	Series    int `json:"series"`    // series given
	Judged    int `json:"judged"`    // series with enough points to take part
	Lifetimes int `json:"lifetimes"` // lifetimes among them (a series may hold restarts)
	Replicas  int `json:"replicas"`  // most lifetimes seen at once
	// Showing counts the lifetimes whose own growth shows the verdict's
	// shape, of Measured: those long enough to show one on their own.
	Showing  int `json:"showing"`
	Measured int `json:"measured"`
	// Worst is the index in Verdict.Lifetimes of the lifetime whose level
	// rose fastest; -1 when none rose.
	Worst int `json:"worst"`
	// Change is set when the shape changed at a rollout.
	Change *Change `json:"change,omitempty"`

	// rates are each lifetime's own lasting rise per hour of steady time,
	// jumps included, relative to the workload's level (NaN: too short).
	rates []float64
	// daily: a daily cycle was taken out of the levels.
	daily bool
}

// Change is a rollout that changed the shape: the lifetimes of Generation
// and later (the first of them seen at At, Unix ms) show the verdict's
// shape; the BeforeLifetimes lifetimes before them showed Before, growing
// BeforeGrowth bytes per hour.
type Change struct {
	Generation      int     `json:"generation"`
	At              int64   `json:"at"`
	Before          Shape   `json:"before"`
	BeforeLifetimes int     `json:"before_lifetimes"`
	BeforeGrowth    float64 `json:"before_growth_bytes_per_hour"`
	AfterLifetimes  int     `json:"after_lifetimes"`
}

// minLifePoints is the fewest points a series needs to take part in a
// pooled verdict (a pod that lived for a scrape or two shows nothing).
const minLifePoints = 3

// ClassifyPooled names the shape of a workload from all its lifetimes at
// once: replicas side by side, pods replaced by rollouts and autoscaling,
// containers restarted. Every lifetime must grow the same way for a
// shape to be named — one straight line shared by all of them is a leak
// (however short each lifetime), a rate that falls with age in each is
// fragmentation, jumps that persist are bloat — so a leak hidden by
// frequent rollouts is found, and one lifetime that looks straight does
// not make a leak. Verdict.Pool says how many lifetimes show the shape;
// when the lifetimes of a later generation grow differently from those
// before, the verdict is theirs and Pool.Change names the generation.
//
// One life gives the same verdict as Classify on its series (plus Pool).
// It never panics and never modifies its input.
func ClassifyPooled(lives []Life, opt Options) (verdict Verdict) {
	defer func() {
		if r := recover(); r != nil {
			verdict = inconclusive(verdict, fmt.Sprintf("internal error while judging these series (%v); please report it with the data", r), 0)
		}
	}()
	// The window began at the lives' first timestamp (poolInput finds it
	// as it cleans them).
	return classifyPooled(lives, opt, math.MaxInt64, true)
}

// pooling is how the series of one workload lie in the arrays the stages
// read: each member's point range, in order of their first points, and
// the window's start (a member whose first point is within a step or so
// of it was running before the window began).
type pooling struct {
	members []segment
	since   int64
}

// pooledInput is the cleaned lives laid end to end in order of their first
// points.
type pooledInput struct {
	t       []int64
	v       []float64
	members []segment
	index   []int // the lives' index of each member
	gen     []int // each member's generation
	dropped int
	short   int   // lives too short to take part
	first   int64 // the earliest timestamp given, cleaned or not (math.MaxInt64: none)
	// own: t and v are the workspace's arrays, not one life's cleaned
	// samples (which may be the caller's own).
	own bool
}

// kept is a life that takes part in a pooled verdict: its cleaned samples,
// its index and its generation.
type kept struct {
	c   cleaned
	i   int
	gen int
}

// poolInput lays the lives' cleaned samples end to end: in the workspace's
// arrays (reused, so that judging a fleet's workloads does not make a copy
// of every sample for the collector), or, when one life takes part, as
// that life's cleaned samples themselves. The lists of members live in the
// workspace too.
func poolInput(lives []Life, ws *workspace) pooledInput {
	in := pooledInput{first: math.MaxInt64}
	ks := ws.kept[:0]
	total := 0
	for i, l := range lives {
		c := clean(l.T, l.V)
		in.first = min(in.first, earliest(l.T, c))
		in.dropped += c.dropped
		if c.problem != "" || len(c.t) < minLifePoints {
			in.short++
			continue
		}
		ks = append(ks, kept{c, i, l.Generation})
		total += len(c.t)
	}
	slices.SortStableFunc(ks, func(a, b kept) int { return cmp.Compare(a.c.t[0], b.c.t[0]) })
	in.members, in.index, in.gen = ws.members[:0], ws.index[:0], ws.gen[:0]
	if len(ks) == 1 {
		in.t, in.v = ks[0].c.t, ks[0].c.v
	} else {
		in.t, in.v, in.own = slices.Grow(ws.poolT[:0], total), slices.Grow(ws.poolV[:0], total), true
	}
	for _, k := range ks {
		lo := len(in.t)
		if in.own {
			in.t = append(in.t, k.c.t...)
			in.v = append(in.v, k.c.v...)
		} else {
			lo = 0
		}
		in.members = append(in.members, segment{lo, len(in.t)})
		in.index = append(in.index, k.i)
		in.gen = append(in.gen, k.gen)
	}
	clear(ks) // the workspace must not hold the callers' samples
	ws.kept = ks
	ws.members, ws.index, ws.gen = in.members, in.index, in.gen
	return in
}

// earliest is the least timestamp of t, of which c is the cleaning: the
// first when cleaning kept the series as given, in time order.
func earliest(t []int64, c cleaned) int64 {
	first := int64(math.MaxInt64)
	switch {
	case !c.given:
		if len(t) > 0 {
			first = slices.Min(t)
		}
	case len(t) > len(c.t): // times without a value are times given all the same
		first = min(c.t[0], slices.Min(t[len(c.t):]))
	default:
		first = c.t[0]
	}
	return first
}

// classifyPooled is ClassifyPooled over a window that began at since
// (Unix ms), or at the lives' first timestamp if that is earlier; changes
// looks for a rollout that changed the shape.
func classifyPooled(lives []Life, opt Options, since int64, changes bool) Verdict {
	ws := workspaces.Get().(*workspace)
	in := poolInput(lives, ws)
	defer func() {
		// The samples laid end to end stay with the workspace for the
		// next workload, unless they are more than a workspace keeps.
		switch {
		case !in.own:
		case cap(in.t) <= maxKeptPool:
			ws.poolT, ws.poolV = in.t[:0], in.v[:0]
		default:
			ws.poolT, ws.poolV = nil, nil
		}
		workspaces.Put(ws)
	}()
	since = min(since, in.first)
	verdict := Verdict{Points: len(in.t), Dropped: in.dropped, Components: []Shape{}}
	pool := &Pool{Series: len(lives), Judged: len(in.members), Worst: -1}
	verdict.Pool = pool
	if len(in.members) == 0 {
		return inconclusive(verdict, "no series has enough points to judge: widen the time range or lower the step", 0)
	}
	first, last := in.t[0], in.t[0]
	for _, m := range in.members {
		last = max(last, in.t[m.hi-1])
	}
	n := len(in.t)
	if n < minPoints {
		return inconclusive(verdict, fmt.Sprintf("only %d usable points: need at least %d — widen the time range or lower the step", n, minPoints), 0)
	}
	if span := float64(last) - float64(first); span > maxSpanMs {
		return inconclusive(verdict, fmt.Sprintf("the timestamps span %.3g years: memory series are judged over at most %d years — are the timestamps Unix milliseconds?", span/(365.25*dayMs), maxSpanMs/(365*dayMs)), 0)
	}
	if span := last - first; span < minSpanMs && n < judgedPoints {
		return inconclusive(verdict, fmt.Sprintf("only %d points over %s: need %d points, or a time range of at least %s — lower the step or widen the range", n, units.FormatDuration(time.Duration(span)*time.Millisecond), judgedPoints, units.FormatDuration(minSpanMs*time.Millisecond)), time.Duration(minSpanMs-span)*time.Millisecond)
	}
	var lay *pooling
	if len(in.members) > 1 { // one series: judged as Classify judges it
		lay = &pooling{members: in.members, since: since}
	}
	ev := gather(in.t, in.v, lay, opt, ws)
	verdict = explain(ev, judge(ev), verdict)
	ws.keep(ev)
	for k := range verdict.Lifetimes {
		verdict.Lifetimes[k].Series = in.index[verdict.Lifetimes[k].Series]
	}
	if changes {
		if c, ok := changedAt(lives, verdict, opt, since); ok {
			return c
		}
	}
	return verdict
}

// poolLifetimes finds the lifetimes of every member on its own and lays
// them side by side: the scale and step of the whole workload, a GC
// sawtooth when most members saw, and where each lifetime stands in the
// window. A member that began within a step or so of the window's start
// began before it; every other member's start is a lifetime seen to begin.
func poolLifetimes(t []int64, v []float64, p pooling, buf []float64) lifetimes {
	members := p.members
	lt := lifetimes{members: members, pooled: true, first: t[members[0].lo], last: t[members[0].hi-1]}
	steps := make([]float64, 0, len(members))
	var gcs []float64
	for mi, m := range members {
		ml := findLifetimes(t[m.lo:m.hi], v[m.lo:m.hi], buf)
		steps = append(steps, ml.step)
		if ml.gc > 0 {
			gcs = append(gcs, ml.gc)
		}
		for _, s := range ml.segs {
			lt.segs = append(lt.segs, segment{s.lo + m.lo, s.hi + m.lo})
			lt.member = append(lt.member, mi)
		}
		lt.first, lt.last = min(lt.first, t[m.lo]), max(lt.last, t[m.hi-1])
	}
	lt.scale = median(sampleInto(buf, len(v), func(i int) float64 { return v[i] }))
	lt.step = median(steps)
	if 2*len(gcs) > len(members) {
		lt.gc = median(gcs)
	}
	tol := int64(1.5 * lt.step)
	n := len(lt.segs)
	lt.partial, lt.running, lt.began = make([]bool, n), make([]bool, n), make([]bool, n)
	for k, s := range lt.segs {
		firstOfMember := k == 0 || lt.member[k-1] != lt.member[k]
		lt.partial[k] = firstOfMember && t[s.lo]-min(p.since, lt.first) <= tol
		lt.began[k] = !lt.partial[k]
		lt.startsSeen = lt.startsSeen || lt.began[k]
		lt.running[k] = t[s.hi-1] >= lt.last-tol
	}
	return lt
}

// minOwnBins is the fewest steady bins a lifetime needs to show a shape on
// its own.
const minOwnBins = 6

// poolReport says of each lifetime whether its own growth shows the
// judged shape, which rose fastest, and how many were seen at once.
func (ev *evidence) poolReport(j judgement, p *Pool) {
	lv, g := &ev.lv, ev.growth
	p.Lifetimes = len(ev.life.segs)
	p.daily = lv.daily > 0
	p.Replicas = ev.life.replicas(ev.t)
	worstRate := 0.0
	p.rates = make([]float64, len(ev.steady.spans))
	for k, s := range ev.steady.spans {
		p.rates[k] = math.NaN()
		if s.bins() < minOwnBins {
			continue
		}
		p.Measured++
		hours := lv.age[s.hi-1] - lv.age[s.lo] + lv.binHours
		q := max(1, s.bins()/10)
		rise := meanOf(lv.y, s.hi-q, s.hi) - meanOf(lv.y, s.lo, s.lo+q)
		p.rates[k] = rise / hours
		if rate := rise / hours; rate > worstRate {
			worstRate, p.Worst = rate, k
		}
		// The lifetime's own line, fitted where a shape asks for it.
		own := func() pooled { return fitLine(lv.age, ev.jumps.flat, []span{s}) }
		var shows bool
		switch j.shape {
		case Leak:
			own := own()
			shows = own.ok && own.slope >= 0.5*g.line.slope
		case Fragmentation:
			mid := (s.lo + s.hi) / 2
			early := fitLine(lv.age, ev.jumps.flat, []span{{s.lo, mid}})
			late := fitLine(lv.age, ev.jumps.flat, []span{{mid, s.hi}})
			shows = early.ok && late.ok && early.slope > 0 && late.slope < early.slope
		case Bloat:
			for _, jp := range ev.jumps.list {
				shows = shows || jp.start >= s.lo && jp.end < s.hi
			}
		case Healthy:
			shows = math.Abs(rise) < ev.th.minRise
		case Inconclusive:
			own := own()
			shows = own.ok && g.line.slope > 0 && own.slope >= 0.5*g.line.slope
		}
		if shows {
			p.Showing++
		}
	}
}

// replicas is the most lifetimes seen at once. A lifetime is counted
// from its second sample: a replacement that overlaps the pod it replaces
// for a scrape or two is not one more replica.
func (lt *lifetimes) replicas(t []int64) int {
	type edge struct {
		at    int64
		delta int
	}
	edges := make([]edge, 0, 2*len(lt.segs))
	for k, s := range lt.segs {
		from := t[s.lo]
		if s.hi-s.lo > 1 && lt.began[k] {
			from = t[s.lo+1]
		}
		edges = append(edges, edge{from, 1}, edge{t[s.hi-1] + 1, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.delta, b.delta) // an end before a start at the same moment
	})
	most, now := 0, 0
	for _, e := range edges {
		now += e.delta
		most = max(most, now)
	}
	return most
}

// minOnsetHours is how long lifetimes since a rollout must have grown for
// growth not yet named to be told as starting there.
const minOnsetHours = 6

// changeT is how clearly the lifetimes after a rollout must grow
// differently from those before it (a t statistic of the difference of
// their mean rates) for the two to be judged apart.
const changeT = 4

// changedAt looks for the rollout from which the lifetimes grow
// differently: the generation boundary where the lifetimes' own rates of
// rise differ most clearly (and by enough to matter over a lifetime).
// There the lifetimes before and after are judged apart; when their
// shapes differ, the verdict is the later lifetimes' with the change
// named. ok is false when no rollout changed the shape.
func changedAt(lives []Life, all Verdict, opt Options, since int64) (Verdict, bool) {
	gens := map[int]bool{}
	for _, l := range lives {
		gens[l.Generation] = true
	}
	if len(gens) < 2 || len(all.Lifetimes) < 4 {
		return Verdict{}, false
	}
	order := make([]int, 0, len(gens))
	for g := range gens {
		order = append(order, g)
	}
	slices.Sort(order)
	// Each lifetime's own lasting rise per hour (after its warm-up),
	// with its generation.
	type rate struct {
		gen int
		r   float64
	}
	gen := make(map[int]int, len(lives)) // lives' index → generation
	for i, l := range lives {
		gen[i] = l.Generation
	}
	var rates []rate
	var typical []float64
	for k, l := range all.Lifetimes {
		if k >= len(all.Pool.rates) || math.IsNaN(all.Pool.rates[k]) {
			continue
		}
		rates = append(rates, rate{gen[l.Series], all.Pool.rates[k]})
		typical = append(typical, float64(l.End-l.Start)/3.6e6)
	}
	if len(rates) < 4 {
		return Verdict{}, false
	}
	hours := median(typical)
	th := opt.Sensitivity.thresholds()
	// The boundary that splits the rates best (the least squares within
	// the two sides), if the split is clear (a t statistic) and matters.
	bestSSE, bestT, bestGen, rising := math.Inf(1), 0.0, 0, false
	for _, b := range order[1:] {
		var before, after []float64
		for _, r := range rates {
			if r.gen < b {
				before = append(before, r.r)
			} else {
				after = append(after, r.r)
			}
		}
		if len(before) < 2 || len(after) < 2 {
			continue
		}
		mb, ma := mean(before), mean(after)
		sse := variance(before)*float64(len(before)-1) + variance(after)*float64(len(after)-1)
		if sse >= bestSSE {
			continue
		}
		bestSSE, bestGen, rising = sse, b, ma > mb
		bestT = 0
		se := math.Sqrt(variance(before)/float64(len(before)) + variance(after)/float64(len(after)))
		if math.Abs(ma-mb)*hours >= th.minRise {
			bestT = math.Inf(1)
			if se > 0 {
				bestT = math.Abs(ma-mb) / se
			}
		}
	}
	if bestT < changeT {
		return Verdict{}, false
	}
	// Lifetimes since a recent rollout are younger than those before it,
	// and a young lifetime of fragmentation grows faster (of bloat, slower)
	// than an old one: the split must hold at the same ages. The rates are
	// taken again over the ages the later lifetimes reached.
	var vs []float64
	for _, l := range lives {
		vs = append(vs, l.V...)
	}
	level := median(sampleInto(nil, len(vs), func(i int) float64 { return vs[i] }))
	if !agesAgree(lives, all, bestGen, level, hours, th) {
		return Verdict{}, false
	}
	var early, late []Life
	for _, l := range lives {
		if l.Generation < bestGen {
			early = append(early, l)
		} else {
			late = append(late, l)
		}
	}
	before := classifyPooled(early, opt, since, false)
	after := classifyPooled(late, opt, since, false)
	// Fragmentation grows fastest young: lifetimes that began before the
	// window are seen old, slow, and pass for healthy beside the young
	// ones after a restart. Unless lifetimes before the split began in
	// the window too, their shape is not known, nor is a change.
	if after.Shape == Fragmentation && beganIn(early, since) < 2 {
		return Verdict{}, false
	}
	cover := coverHours(late)
	fix := before.Shape.IsGrowth() && !rising
	onset := !before.Shape.IsGrowth() && rising
	switch {
	case before.Shape == after.Shape || before.Shape == Inconclusive:
		return Verdict{}, false
	case after.Shape == Leak:
		// A leak has had its hours of steady growth, whatever the split.
	case after.Shape != Inconclusive && cover >= 24:
		// A day since the rollout: a daily cycle cannot pass for a shape.
	case fix && cover >= minOnsetHours && cover >= lifeHours(early)/2:
		// The lifetimes since the rollout grow less than those before: a
		// fix, to be watched for a day before it is called one. They must
		// have lived half as long as those before did: a young lifetime
		// has had little time for jumps.
		after = inconclusive(after, "since the rollout memory grows "+units.FormatGrowth(max(after.GrowthBytesPerHour, 0))+
			", against "+units.FormatGrowth(before.GrowthBytesPerHour)+" before it — watch whether that holds",
			hoursDur(max(24-cover, 1)))
	case onset && after.Shape == Inconclusive && cover >= minOnsetHours && !(all.Pool.daily && cover < 48):
		// Growth since the rollout, not yet named: a new leak being
		// watched. (Under two days a daily cycle, when the window has one,
		// cannot be told from it.)
	default:
		return Verdict{}, false
	}
	at := int64(math.MaxInt64)
	for _, l := range late {
		if len(l.T) > 0 {
			at = min(at, slices.Min(l.T))
		}
	}
	// The later verdict speaks of the later lives; its lifetimes' series
	// are numbered among all the lives given.
	idx := make([]int, 0, len(late))
	for i, l := range lives {
		if l.Generation >= bestGen {
			idx = append(idx, i)
		}
	}
	for k := range after.Lifetimes {
		after.Lifetimes[k].Series = idx[after.Lifetimes[k].Series]
	}
	after.Pool.Series = len(lives)
	after.Pool.Change = &Change{
		Generation: bestGen, At: at,
		Before: before.Shape, BeforeLifetimes: before.Pool.Lifetimes, BeforeGrowth: before.GrowthBytesPerHour,
		AfterLifetimes: after.Pool.Lifetimes,
	}
	return after, true
}

// agesAgree reports whether the lifetimes of generation b and later still
// grow differently from those before when both are measured over the same
// ages: from the end of each lifetime's warm-up to the age the later
// lifetimes typically reached. level is the workload's level, hours the
// typical lifetime.
func agesAgree(lives []Life, all Verdict, b int, level, hours float64, th thresholds) bool {
	var spans []float64
	for _, l := range all.Lifetimes {
		if lives[l.Series].Generation >= b {
			spans = append(spans, float64(l.End-l.Start)/3.6e6)
		}
	}
	if len(spans) == 0 {
		return false
	}
	upTo := median(spans)
	var before, after []float64
	for _, l := range all.Lifetimes {
		life := lives[l.Series]
		from, to := max(l.WarmupEnd, l.Start), l.Start+int64(upTo*3.6e6)
		var sx, sy, sxx, sxy, n float64
		for i, t := range life.T {
			if t < from || t > to || t > l.End {
				continue
			}
			x := float64(t-from) / 3.6e6
			y := life.V[i] / level
			sx, sy, sxx, sxy, n = sx+x, sy+y, sxx+x*x, sxy+x*y, n+1
		}
		if n < 2*minOwnBins || n*sxx-sx*sx <= 0 {
			continue
		}
		r := (n*sxy - sx*sy) / (n*sxx - sx*sx)
		if life.Generation >= b {
			after = append(after, r)
		} else {
			before = append(before, r)
		}
	}
	if len(before) < 2 || len(after) < 2 {
		return false
	}
	mb, ma := mean(before), mean(after)
	se := math.Sqrt(variance(before)/float64(len(before)) + variance(after)/float64(len(after)))
	if math.Abs(ma-mb)*math.Min(hours, upTo) < th.minRise {
		return false
	}
	return se == 0 || math.Abs(ma-mb)/se >= changeT
}

// coverHours is the wall-clock time the lives cover together, hours.
func coverHours(lives []Life) float64 {
	iv := make([]interval, 0, len(lives))
	for _, l := range lives {
		if len(l.T) > 0 {
			iv = append(iv, interval{float64(slices.Min(l.T)), float64(slices.Max(l.T))})
		}
	}
	return unionHours(iv)
}

// lifeHours is the median span of the lives, hours.
func lifeHours(lives []Life) float64 {
	spans := make([]float64, 0, len(lives))
	for _, l := range lives {
		if len(l.T) > 1 {
			spans = append(spans, float64(slices.Max(l.T)-slices.Min(l.T))/3.6e6)
		}
	}
	if len(spans) == 0 {
		return 0
	}
	return median(spans)
}

// variance is the sample variance of xs (0 for fewer than two).
func variance(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return ss / float64(len(xs)-1)
}

// beganIn counts the lives whose first point is in the window that began
// at since (not at its start: those began before it, at an unknown age).
func beganIn(lives []Life, since int64) int {
	n := 0
	for _, l := range lives {
		if len(l.T) < 2 {
			continue
		}
		if l.T[0]-since > 3*(l.T[1]-l.T[0])/2 {
			n++
		}
	}
	return n
}
