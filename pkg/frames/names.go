package frames

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/workload"
)

var legendRe = regexp.MustCompile(`\{\{\s*(.+?)\s*\}\}`)

// Legend applies a Prometheus-style legend template: each {{label}} is
// replaced by the label's value (empty when missing).
func Legend(format string, labels map[string]string) string {
	return legendRe.ReplaceAllStringFunc(format, func(m string) string {
		return labels[legendRe.FindStringSubmatch(m)[1]]
	})
}

// hasLabels reports whether labels have every label a legend template
// names.
func hasLabels(format string, labels map[string]string) bool {
	for _, m := range legendRe.FindAllStringSubmatch(format, -1) {
		if _, ok := labels[m[1]]; !ok {
			return false
		}
	}
	return true
}

// Names gives each item its legend name:
//   - "" or "__auto": a Kubernetes workload is namespace/workload (its
//     container added when the query's workloads differ by it), then the
//     values of the other labels that differ between the query's items; a
//     series the values of the labels that differ (api-7; "prod, api-7"
//     when two differ); a lone series is named by its metric name, or in
//     full when it has none;
//   - "__verbatim": the labels in Prometheus' notation, name{a="b"};
//   - anything else: a {{label}} template (a template that renders empty
//     falls back to the labels in full).
func Names(items []Item, format string) []string {
	out := make([]string, len(items))
	full := func(i int) string { return series.Series{Labels: items[i].Labels}.Name() }
	switch strings.TrimSpace(format) {
	case models.LegendVerbatim:
		for i := range items {
			out[i] = full(i)
		}
	case "", models.LegendAuto:
		keys := varyingKeys(items)
		containers := map[string]map[string]bool{} // namespace/workload → containers
		for _, it := range items {
			if w := it.Workload; it.Grouped() && w.Name != "" {
				k := w.Namespace + "/" + w.Name
				if containers[k] == nil {
					containers[k] = map[string]bool{}
				}
				containers[k][w.Container] = true
			}
		}
		for i, it := range items {
			var parts []string
			if w := it.Workload; it.Grouped() && w.Kind != workload.Labelled {
				head := w.Name
				if w.Namespace != "" {
					head = w.Namespace + "/" + w.Name
				}
				if len(containers[w.Namespace+"/"+w.Name]) > 1 && w.Container != "" {
					head += " (" + w.Container + ")"
				}
				parts = append(parts, head)
				for _, k := range keys {
					if v := it.Labels[k]; v != "" && !workload.NamingLabels[k] {
						parts = append(parts, v)
					}
				}
			} else {
				for _, k := range keys {
					if v := it.Labels[k]; v != "" {
						parts = append(parts, v)
					}
				}
			}
			switch {
			case len(parts) > 0:
				out[i] = strings.Join(parts, ", ")
			case it.Labels["__name__"] != "" && len(items) == 1:
				out[i] = it.Labels["__name__"]
			default:
				out[i] = full(i)
			}
		}
	default:
		var auto []string
		for i, it := range items {
			if it.Grouped() && !hasLabels(format, it.Labels) {
				// A template of a pod's labels ({{pod}}) names each pod's
				// series (memberNames); the workload is named as auto
				// names it.
				if auto == nil {
					auto = Names(items, models.LegendAuto)
				}
				out[i] = auto[i]
				continue
			}
			if out[i] = Legend(format, it.Labels); strings.TrimSpace(out[i]) == "" {
				out[i] = full(i)
			}
		}
	}
	return out
}

// memberName is the legend name of one series of a workload.
type memberName struct {
	index int // in Item.Members
	name  string
}

// memberNames names the drawn series of a workload: the workload's legend
// name and the pod ("shop/cart · cart-7d9f8b6c5d-x2kq4"); series
// grouped by other labels are told apart by the labels that differ
// between them. A {{label}} legend is applied to each series' own labels.
// Only series with points are named.
func memberNames(it Item, name, format string) []memberName {
	w := it.Workload
	var out []memberName
	var varying []string
	if f := strings.TrimSpace(format); f != "" && f != models.LegendAuto && f != models.LegendVerbatim {
		for i, s := range it.Members {
			if len(s.T) == 0 {
				continue
			}
			n := Legend(format, s.Labels)
			if strings.TrimSpace(n) == "" {
				n = s.Name()
			}
			out = append(out, memberName{i, n})
		}
		return out
	}
	if w.Kind == workload.Labelled {
		ls := make([]Item, 0, len(it.Members))
		for _, s := range it.Members {
			ls = append(ls, Item{Labels: s.Labels})
		}
		varying = varyingKeys(ls)
	}
	for i, s := range it.Members {
		m := w.Members[i]
		if len(s.T) == 0 {
			continue
		}
		var part string
		switch {
		case strings.TrimSpace(format) == models.LegendVerbatim:
			out = append(out, memberName{i, s.Name()})
			continue
		case m.Pod != "" && w.Kind != workload.Labelled:
			// A pod's restarted containers share its name: a name must not
			// move between refreshes, and hiding the pod hides them all.
			part = m.Pod
		default:
			var vs []string
			for _, k := range varying {
				if v := s.Labels[k]; v != "" {
					vs = append(vs, v)
				}
			}
			part = strings.Join(vs, ", ")
		}
		if part == "" {
			out = append(out, memberName{i, name})
			continue
		}
		out = append(out, memberName{i, name + " · " + part})
	}
	return out
}

// varyingKeys are the label keys whose values are not the same on every
// item, __name__ first, then sorted.
func varyingKeys(items []Item) []string {
	if len(items) < 2 {
		return nil
	}
	seen := map[string]bool{}
	for _, it := range items {
		for k := range it.Labels {
			seen[k] = true
		}
	}
	var keys []string
	for k := range seen {
		first := items[0].Labels[k]
		for _, it := range items[1:] {
			if it.Labels[k] != first {
				keys = append(keys, k)
				break
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "__name__") != (keys[j] == "__name__") {
			return keys[i] == "__name__"
		}
		return keys[i] < keys[j]
	})
	// A key that always has the same value as one kept before it (pod and
	// a copy of it under another name) says nothing more.
	var kept []string
	for _, k := range keys {
		redundant := false
		for _, prev := range kept {
			same := true
			for _, it := range items {
				if it.Labels[k] != it.Labels[prev] {
					same = false
					break
				}
			}
			redundant = redundant || same
		}
		if !redundant {
			kept = append(kept, k)
		}
	}
	return kept
}

// DisplayName is the name a series shows in the legend and tooltip: its
// legend name, and for a growth shape the shape in capitals — "api-7 ·
// LEAK". It depends on the labels and the shape only, never on numbers
// that move between refreshes: a legend click saves an override matched
// by this name, which must still match an hour later. Healthy and
// inconclusive series keep their plain name; growth, time to limit and
// confidence are in the verdict table and the alert numbers.
func DisplayName(name string, it Item) string {
	if tag := Badge(it); tag != "" {
		return name + " · " + tag
	}
	return name
}

// Badge is the verdict in a word for a growth shape ("LEAK",
// shape.Info.Word), "" otherwise.
func Badge(it Item) string {
	if in, _ := shape.Lookup(it.Verdict.Shape); in.Growth {
		return in.Word
	}
	return ""
}

// growthText is how a growth shape grows: a rate for leak and
// fragmentation, the lasting size of the jumps for bloat.
func growthText(v shape.Verdict) string {
	switch v.Shape {
	case shape.Bloat:
		kept := 0.0
		for _, j := range v.Jumps {
			kept += j.Size - j.Freed
		}
		n := len(v.Jumps)
		if n == 0 || kept <= 0 {
			return units.FormatGrowth(v.GrowthBytesPerHour)
		}
		s := "s"
		if n == 1 {
			s = ""
		}
		return fmt.Sprintf("+%s in %d jump%s", units.FormatBytesIEC(kept), n, s)
	case shape.Fragmentation:
		return units.FormatGrowth(v.GrowthBytesPerHour) + ", slowing"
	}
	return units.FormatGrowth(v.GrowthBytesPerHour)
}

// limitText says when the limit is reached: "limit in ~9 h (7–12 h)"
// (the range where the forecast's band meets it, when it has one), "at
// the limit", "restarts every ~6 h reset it first" when the process restarts
// before it would get there, or "" when unknown or never.
func limitText(v shape.Verdict) string {
	if v.RestartsResetFirst && v.Pool != nil && v.Pool.Judged > 1 {
		return "lifetimes of ~" + units.FormatDuration(v.TypicalLifetime) + " end first"
	}
	if v.RestartsResetFirst {
		return "restarts every ~" + units.FormatDuration(v.TypicalLifetime) + " reset it first"
	}
	if !v.HasTimeToLimit {
		return ""
	}
	if v.TimeToLimit <= 0 {
		return "at the limit"
	}
	return "limit in ~" + units.FormatDuration(v.TimeToLimit) + rangeText(v)
}

// rangeText is the time to limit's range in brackets after a space, ""
// when it has none.
func rangeText(v shape.Verdict) string {
	if s := v.TimeToLimitRange.String(); s != "" {
		return " (" + s + ")"
	}
	return ""
}
