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
)

var legendRe = regexp.MustCompile(`\{\{\s*(.+?)\s*\}\}`)

// Legend applies a Prometheus-style legend template: each {{label}} is
// replaced by the label's value (empty when missing).
func Legend(format string, labels map[string]string) string {
	return legendRe.ReplaceAllStringFunc(format, func(m string) string {
		return labels[legendRe.FindStringSubmatch(m)[1]]
	})
}

// Names gives each item its legend name:
//   - "" or "__auto": the values of the labels that differ between the
//     query's series (api-7; "prod, api-7" when two differ); a lone series
//     is named by its metric name, or in full when it has none;
//   - "__verbatim": the series in Prometheus' notation, name{a="b"};
//   - anything else: a {{label}} template (a template that renders empty
//     falls back to the series in full).
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
		for i, it := range items {
			var parts []string
			for _, k := range keys {
				if v := it.Labels[k]; v != "" {
					parts = append(parts, v)
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
		for i, it := range items {
			if out[i] = Legend(format, it.Labels); strings.TrimSpace(out[i]) == "" {
				out[i] = full(i)
			}
		}
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
// legend name, and for a growth shape the verdict in capitals with its
// growth and time to limit: "api-7 · LEAK +38 MiB/h · limit in ~9 h".
// Healthy and inconclusive series keep their plain name.
func DisplayName(name string, it Item) string {
	if tag := Badge(it); tag != "" {
		return name + " · " + tag
	}
	return name
}

// Badge is the verdict in a few words for a growth shape, "" otherwise.
func Badge(it Item) string {
	v := it.Verdict
	if !IsGrowth(v.Shape) {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.ToUpper(string(v.Shape)))
	b.WriteString(" ")
	b.WriteString(growthText(v))
	if ttl := limitText(v); ttl != "" {
		b.WriteString(" · ")
		b.WriteString(ttl)
	}
	return b.String()
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
			return units.FormatRate(growthRate(v))
		}
		s := "s"
		if n == 1 {
			s = ""
		}
		return fmt.Sprintf("+%s in %d jump%s", units.FormatBytesIEC(kept), n, s)
	case shape.Fragmentation:
		return units.FormatRate(growthRate(v)) + ", slowing"
	}
	return units.FormatRate(growthRate(v))
}

// growthRate is the verdict's growth, never shown negative for a growing
// shape.
func growthRate(v shape.Verdict) float64 {
	if IsGrowth(v.Shape) && v.GrowthBytesPerHour < 0 {
		return 0
	}
	return v.GrowthBytesPerHour
}

// limitText says when the limit is reached: "limit in ~9 h", "at the
// limit", or "" when unknown or never.
func limitText(v shape.Verdict) string {
	if !v.HasTimeToLimit {
		return ""
	}
	if v.TimeToLimit <= 0 {
		return "at the limit"
	}
	return "limit in ~" + units.FormatDuration(v.TimeToLimit)
}

// IsGrowth reports whether s is a growth shape (leak, fragmentation, bloat).
func IsGrowth(s shape.Shape) bool {
	return s == shape.Leak || s == shape.Fragmentation || s == shape.Bloat
}

// Severity ranks shapes for sorting and colouring: leak 4, bloat 3,
// fragmentation 2, inconclusive 1, healthy 0.
func Severity(s shape.Shape) int {
	switch s {
	case shape.Leak:
		return 4
	case shape.Bloat:
		return 3
	case shape.Fragmentation:
		return 2
	case shape.Inconclusive:
		return 1
	}
	return 0
}
