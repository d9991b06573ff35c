package frames

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
)

// Event is one annotation.
type Event struct {
	Time, End int64 // Unix ms; End 0 for a point in time
	Title     string
	Text      string
	Tags      []string
}

// Events are what the classifier found in one series, as annotations:
// each jump (its size and the share given back since), each restart, the
// onset of a leak (the start of its steady growth) and the end of each
// warm-up.
//
// A workload's events are its own: each rollout (pods replaced at once),
// each container restart (an OOM kill when the container ended near its
// limit), the rollout its shape changed at, and its jumps.
func Events(it Item, name string) []Event {
	v := it.Verdict
	base := []string{string(v.Shape)}
	for _, k := range sortedKeys(it.Labels) {
		base = append(base, k+"="+it.Labels[k])
	}
	tags := func(kind string) []string { return append([]string{kind}, base...) }
	if it.Grouped() {
		return workloadEvents(it, name, tags)
	}
	out := jumpEvents(v, name, tags)
	for i, l := range v.Lifetimes {
		if i > 0 {
			out = append(out, Event{Time: l.Start, Title: "Restart · " + name,
				Text: fmt.Sprintf("%s restarted: memory fell back from %s.", name, units.FormatBytesIEC(v.Lifetimes[i-1].To)), Tags: tags("restart")})
		}
		if l.WarmupEnd > l.Start {
			out = append(out, Event{Time: l.Start, End: l.WarmupEnd, Title: "Warm-up · " + name,
				Text: fmt.Sprintf("%s warmed up for %s, to %s; growth is judged after it.", name, units.FormatDuration(time.Duration(l.WarmupEnd-l.Start)*time.Millisecond), units.FormatBytesIEC(l.From)), Tags: tags("warmup")})
		}
	}
	if v.Shape == shape.Leak {
		onset := int64(0)
		for _, f := range v.Fits {
			if f.Model == shape.Linear && (onset == 0 || f.Start < onset) {
				onset = f.Start
			}
		}
		if onset != 0 {
			out = append(out, Event{Time: onset, Title: "Leak onset · " + name,
				Text: fmt.Sprintf("%s: steady growth of %s starts here.", name, units.FormatGrowth(v.GrowthBytesPerHour)), Tags: tags("leak-onset")})
		}
	}
	return out
}

func jumpEvents(v shape.Verdict, name string, tags func(string) []string) []Event {
	var out []Event
	for _, j := range v.Jumps {
		from, to := units.FormatBytesPairIEC(j.From, j.To)
		text := fmt.Sprintf("%s: memory jumped %s, from %s to %s", name, units.FormatBytesIEC(j.Size), from, to)
		if j.Size > 0 {
			text += fmt.Sprintf("; %.0f %% of it freed since, the rest stayed", 100*j.Freed/j.Size)
		}
		out = append(out, Event{Time: j.Start, End: j.End, Title: "Jump +" + units.FormatBytesIEC(j.Size) + " · " + name, Text: text + ".", Tags: tags("jump")})
	}
	return out
}

// workloadEvents are a workload's rollouts, container restarts (OOM kills
// among them), the rollout its shape changed at, and its jumps.
func workloadEvents(it Item, name string, tags func(string) []string) []Event {
	v, w := it.Verdict, it.Workload
	out := jumpEvents(v, name, tags)
	for _, r := range w.Rollouts {
		title, kind := "Rollout · "+name, "rollout"
		if r.Cause == "restart wave" {
			title, kind = "Restart wave · "+name, "restart-wave"
		}
		out = append(out, Event{Time: r.At, Title: title, Tags: tags(kind),
			Text: fmt.Sprintf("%s: %s started %s (%s).", name, plural(r.Series, "series", "series"), map[bool]string{true: "at once", false: "one after another"}[r.Series > 1], w.RolloutName(r))})
	}
	// The level each member's last lifetime ended at.
	endLevel := make([]float64, len(w.Members))
	for k, l := range v.Lifetimes {
		if l.Series < len(endLevel) {
			endLevel[l.Series] = l.To
			if k > 0 && v.Lifetimes[k-1].Series == l.Series {
				pod := w.Members[l.Series].Pod
				out = append(out, Event{Time: l.Start, Title: "Restart · " + name, Tags: tags("restart"),
					Text: fmt.Sprintf("%s: %s restarted in place; memory fell back from %s.", name, pod, units.FormatBytesIEC(v.Lifetimes[k-1].To))})
			}
		}
	}
	last := map[string]int{} // pod → its latest member so far
	for i, m := range w.Members {
		prev, seen := last[m.Pod]
		last[m.Pod] = i
		if !m.Restarted || !seen {
			continue
		}
		title, kind, what := "Restart · "+name, "restart", "container restarted (a new series)"
		if lvl := endLevel[prev]; it.Limit > 0 && lvl >= 0.9*it.Limit {
			title, kind, what = "OOM kill · "+name, "oom-kill", fmt.Sprintf("container restarted at %s, %.0f %% of its %s limit: an OOM kill", units.FormatBytesIEC(lvl), 100*lvl/it.Limit, units.FormatBytesIEC(it.Limit))
		}
		out = append(out, Event{Time: m.First, Title: title, Tags: tags(kind), Text: fmt.Sprintf("%s: %s %s.", name, m.Pod, what)})
	}
	if p := v.Pool; p != nil && p.Change != nil {
		out = append(out, Event{Time: p.Change.At, Title: strings.ToUpper(string(v.Shape)) + " since this rollout · " + name, Tags: tags("shape-change"),
			Text: v.Explanation})
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Annotations is one frame of the events of every series within
// [from, to], in time order: time, timeEnd (null for a point), title, text,
// tags (comma-separated, as Grafana's annotation mapping splits them) and
// series.
func Annotations(items []Item, names []string, from, to time.Time) *data.Frame {
	type row struct {
		Event
		series string
	}
	var rows []row
	lo, hi := from.UnixMilli(), to.UnixMilli()
	for i, it := range items {
		for _, e := range Events(it, names[i]) {
			end := max(e.End, e.Time)
			if end < lo || e.Time > hi {
				continue
			}
			rows = append(rows, row{e, names[i]})
		}
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].Time < rows[b].Time })
	n := len(rows)
	ts := make([]time.Time, n)
	ends := make([]*time.Time, n)
	titles, texts, tags, names2 := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range rows {
		ts[i] = time.UnixMilli(r.Time).UTC()
		if r.End > r.Time {
			e := time.UnixMilli(r.End).UTC()
			ends[i] = &e
		}
		titles[i], texts[i], tags[i], names2[i] = r.Title, r.Text, strings.Join(r.Tags, ","), r.series
	}
	f := data.NewFrame("annotations",
		data.NewField("time", nil, ts),
		data.NewField("timeEnd", nil, ends),
		data.NewField("title", nil, titles),
		data.NewField("text", nil, texts),
		data.NewField("tags", nil, tags),
		data.NewField("series", nil, names2),
	)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return f
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
