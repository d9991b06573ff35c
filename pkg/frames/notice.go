package frames

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// MaxNotice bounds the summary notice, so it can be read out.
const MaxNotice = 200

// Summary is the one notice of a query (Grafana's panel header keeps one
// notice per severity, so there is one): every series, worst first, named
// by the legend, e.g.
//
//	LEAK in 2 of 12 over 7 days — api-1 +38 MiB/h (limit ~9 h), api-7 +12 MiB/h; 1 bloat; 9 healthy
//
// A warning when a leak is present, else info. Inconclusive series say
// once how long to watch. No notice when there are no series.
func Summary(items []Item, names []string, w Window) (data.Notice, bool) {
	if len(items) == 0 {
		return data.Notice{Severity: data.NoticeSeverityInfo, Text: "The query returned no series in the analysis window."}, true
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return worse(items[order[a]], items[order[b]]) })
	count := map[shape.Shape]int{}
	for _, it := range items {
		count[it.Verdict.Shape]++
	}
	over := ""
	if span := w.To.Sub(w.From); span > 0 {
		over = " over " + units.FormatDuration(span.Round(time.Hour))
	}
	// The head names the worst growth shape present; a shape that warns
	// (leak) makes the notice a warning.
	sev := data.NoticeSeverityInfo
	var head, word string
	var named shape.Shape
	listed := shape.Listed()
	for _, in := range listed {
		if count[in.Shape] == 0 {
			continue
		}
		if in.Warns {
			sev = data.NoticeSeverityWarning
		}
		if in.Growth && named == "" {
			named, word = in.Shape, in.Word
		}
	}
	noun, grouped := " workloads", true
	for _, it := range items {
		grouped = grouped && it.Grouped()
	}
	if !grouped {
		noun = ""
	}
	if named != "" {
		head = fmt.Sprintf("%s in %d of %d%s%s — ", word, count[named], len(items), noun, over)
	} else if grouped {
		head = fmt.Sprintf("No growth in %d workloads%s — ", len(items), over)
	} else {
		head = fmt.Sprintf("No growth in %d series%s — ", len(items), over)
	}
	// The named shape's series, worst first, each with its numbers.
	var who []string
	for _, i := range order {
		it := items[i]
		if it.Verdict.Shape != named || named == "" {
			continue
		}
		s := names[i] + " " + growthText(it.Verdict)
		if p := it.Verdict.Pool; it.Grouped() && p != nil && p.Measured > 1 {
			s += fmt.Sprintf(" in %d of %d lifetimes", p.Showing, p.Measured)
			if p.Change != nil {
				s += " since the rollout at " + workload.Moment(p.Change.At)
			}
		}
		switch ttl := limitText(it.Verdict); {
		case strings.HasPrefix(ttl, "limit in "):
			s += " (~" + units.FormatDuration(it.Verdict.TimeToLimit) + " to limit"
			if r := it.Verdict.TimeToLimitRange.String(); r != "" {
				s += ", " + r
			}
			s += ")"
		case ttl != "":
			s += " (" + ttl + ")"
		}
		who = append(who, s)
	}
	// The others as counts.
	var rest []string
	for _, in := range listed {
		s := in.Shape
		if s == named || count[s] == 0 {
			continue
		}
		part := fmt.Sprintf("%d %s", count[s], s)
		if s == shape.Inconclusive {
			if watch := longestWatch(items); watch > 0 {
				part += " (watch ~" + units.FormatDuration(watch) + " more)"
			}
		}
		rest = append(rest, part)
	}
	tail := strings.Join(rest, "; ")
	text := head
	for k, s := range who {
		sep := ", "
		if k == 0 {
			sep = ""
		}
		more := ""
		if left := len(who) - k - 1; left > 0 {
			more = fmt.Sprintf(", +%d more", left)
		}
		if len(text)+len(sep)+len(s)+len(more)+len("; ")+len(tail) > MaxNotice && k > 0 {
			text += fmt.Sprintf(", +%d more", len(who)-k)
			break
		}
		text += sep + s
	}
	if named == "" {
		text = strings.TrimSuffix(text, " — ")
		if tail != "" {
			text += ": " + tail
		}
	} else if tail != "" {
		text += "; " + tail
	}
	if r := []rune(text); len(r) > MaxNotice {
		text = string(r[:MaxNotice-1]) + "…"
	}
	return data.Notice{Severity: sev, Text: text}, true
}

func longestWatch(items []Item) time.Duration {
	var w time.Duration
	for _, it := range items {
		if it.Verdict.Shape == shape.Inconclusive && it.Verdict.WatchFor > w {
			w = it.Verdict.WatchFor
		}
	}
	return w
}
