package frames

import (
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Fixed columns of the verdict table; a label column with one of these
// names is called label_<name> instead.
var tableColumns = map[string]bool{
	"series": true, "shape": true, "severity": true, "confidence": true,
	"growth_bytes_per_hour": true, "time_to_limit_seconds": true, "limit_bytes": true,
	"restarts": true, "jumps": true, "analysed_from": true, "analysed_to": true, "explanation": true,
}

// VerdictTable is one row per series, worst first (severity, then the
// nearest limit, then the fastest growth): series (the legend name), one
// string column per label key (metric for __name__), shape, severity,
// confidence, growth_bytes_per_hour (never negative for a growth shape),
// time_to_limit_seconds and limit_bytes (null when unknown), restarts,
// jumps, analysed_from and analysed_to (Unix ms, shown as dates) and the
// explanation. It has no time field, so graph panels leave it alone.
func VerdictTable(items []Item, names []string, w Window) *data.Frame {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return worse(items[order[a]], items[order[b]]) })

	keys := labelKeys(items)
	n := len(items)
	name := make([]string, n)
	labelCols := make([][]string, len(keys))
	for k := range labelCols {
		labelCols[k] = make([]string, n)
	}
	shp := make([]string, n)
	sev := make([]int64, n)
	conf := make([]float64, n)
	growth := make([]float64, n)
	ttl := make([]*float64, n)
	limit := make([]*float64, n)
	restarts := make([]int64, n)
	jumps := make([]int64, n)
	from := make([]float64, n)
	to := make([]float64, n)
	expl := make([]string, n)
	for row, i := range order {
		it := items[i]
		v := it.Verdict
		name[row] = names[i]
		for k, key := range keys {
			labelCols[k][row] = it.Labels[key]
		}
		shp[row] = string(v.Shape)
		sev[row] = int64(Severity(v.Shape))
		conf[row] = v.Confidence
		growth[row] = growthRate(v)
		if v.HasTimeToLimit {
			s := v.TimeToLimit.Seconds()
			ttl[row] = &s
		}
		if it.Limit > 0 {
			l := it.Limit
			limit[row] = &l
		}
		restarts[row] = int64(v.Restarts)
		jumps[row] = int64(len(v.Jumps))
		from[row] = float64(w.From.UnixMilli())
		to[row] = float64(w.To.UnixMilli())
		expl[row] = v.Explanation
		if expl[row] == "" {
			expl[row] = v.Reason
		}
	}
	fields := []*data.Field{data.NewField("series", nil, name)}
	for k, key := range keys {
		col := key
		if key == "__name__" {
			col = "metric"
		}
		if tableColumns[col] {
			col = "label_" + col
		}
		fields = append(fields, data.NewField(col, nil, labelCols[k]))
	}
	confF := data.NewField("confidence", nil, conf)
	confF.Config = &data.FieldConfig{Unit: "percentunit", Min: ptr(0), Max: ptr(1)}
	growthF := data.NewField("growth_bytes_per_hour", nil, growth)
	growthF.Config = &data.FieldConfig{Unit: "bytes", DisplayName: "growth per hour"}
	ttlF := data.NewField("time_to_limit_seconds", nil, ttl)
	ttlF.Config = &data.FieldConfig{Unit: "s", DisplayName: "time to limit"}
	limitF := data.NewField("limit_bytes", nil, limit)
	limitF.Config = &data.FieldConfig{Unit: "bytes", DisplayName: "limit"}
	fromF := data.NewField("analysed_from", nil, from)
	fromF.Config = &data.FieldConfig{Unit: "dateTimeAsIso", DisplayName: "analysed from"}
	toF := data.NewField("analysed_to", nil, to)
	toF.Config = &data.FieldConfig{Unit: "dateTimeAsIso", DisplayName: "analysed to"}
	fields = append(fields,
		data.NewField("shape", nil, shp),
		data.NewField("severity", nil, sev),
		confF, growthF, ttlF, limitF,
		data.NewField("restarts", nil, restarts),
		data.NewField("jumps", nil, jumps),
		fromF, toF,
		data.NewField("explanation", nil, expl),
	)
	f := data.NewFrame("verdicts", fields...)
	f.Meta = &data.FrameMeta{
		Type: data.FrameTypeTable, PreferredVisualization: data.VisTypeTable,
		ExecutedQueryString: "analysed " + w.From.UTC().Format(time.RFC3339) + " to " + w.To.UTC().Format(time.RFC3339) + " at a " + w.Step.String() + " step",
	}
	return f
}

// worse orders items worst first.
func worse(a, b Item) bool {
	sa, sb := Severity(a.Verdict.Shape), Severity(b.Verdict.Shape)
	if sa != sb {
		return sa > sb
	}
	ta, tb := a.Verdict.HasTimeToLimit, b.Verdict.HasTimeToLimit
	if ta != tb {
		return ta
	}
	if ta && a.Verdict.TimeToLimit != b.Verdict.TimeToLimit {
		return a.Verdict.TimeToLimit < b.Verdict.TimeToLimit
	}
	return growthRate(a.Verdict) > growthRate(b.Verdict)
}

// labelKeys is every label key of the items, __name__ first, then sorted.
func labelKeys(items []Item) []string {
	seen := map[string]bool{}
	var keys []string
	for _, it := range items {
		for k := range it.Labels {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "__name__") != (keys[j] == "__name__") {
			return keys[i] == "__name__"
		}
		return keys[i] < keys[j]
	})
	return keys
}

func ptr(f float64) *data.ConfFloat64 { c := data.ConfFloat64(f); return &c }
