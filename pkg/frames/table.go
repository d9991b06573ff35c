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
	"growth_bytes_per_hour": true, "time_to_limit_seconds": true, "time_to_limit_soonest_seconds": true,
	"time_to_limit_latest_seconds": true, "limit_bytes": true,
	"lifetimes": true, "showing": true, "measured": true, "replicas": true, "rollouts": true,
	"restarts": true, "jumps": true, "worst": true, "changed_at": true, "changed_by": true,
	"analysed_from": true, "analysed_to": true, "explanation": true,
}

// VerdictTable is one row per item (a series, or a workload judged
// across its series), worst first (severity, then the nearest limit, then
// the fastest growth): series (the legend name), one string column per
// label key (metric for __name__), shape, severity, confidence,
// growth_bytes_per_hour (never negative for a growth shape),
// time_to_limit_seconds and limit_bytes (null when unknown),
// time_to_limit_soonest_seconds and time_to_limit_latest_seconds (the
// time to limit's 95 % range, where the forecast's band meets the limit;
// null without one, the latest null too when it is beyond a year), lifetimes
// (the pods, containers and in-place restarts seen), showing and measured
// (of the lifetimes long enough to tell, how many show the shape; null for
// one series),
// replicas (the most seen at once), rollouts and restarts seen, jumps,
// worst (the pod whose memory rose fastest), changed_at and changed_by
// (the rollout from which the shape is what it is, when it changed at
// one), analysed_from and analysed_to (Unix ms, shown as dates) and the
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
	soonest := make([]*float64, n)
	latest := make([]*float64, n)
	limit := make([]*float64, n)
	lifetimes := make([]int64, n)
	showing := make([]*int64, n)
	measured := make([]*int64, n)
	replicas := make([]int64, n)
	rollouts := make([]int64, n)
	restarts := make([]int64, n)
	jumps := make([]int64, n)
	worst := make([]string, n)
	changedAt := make([]*float64, n) // Unix ms, as a number: a time field would make the table a time series to graphs
	changedBy := make([]string, n)
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
		sev[row] = int64(v.Shape.Severity())
		conf[row] = v.Confidence
		growth[row] = v.GrowthBytesPerHour
		if v.HasTimeToLimit {
			s := v.TimeToLimit.Seconds()
			ttl[row] = &s
		}
		if r := v.TimeToLimitRange; r != nil {
			lo := r.Soonest.Seconds()
			soonest[row] = &lo
			if !r.Open {
				hi := r.Latest.Seconds()
				latest[row] = &hi
			}
		}
		if it.Limit > 0 {
			l := it.Limit
			limit[row] = &l
		}
		c := Count(it)
		lifetimes[row], replicas[row], rollouts[row], restarts[row] = int64(c.Lifetimes), int64(c.Replicas), int64(c.Rollouts), int64(c.Restarts)
		if it.Grouped() && v.Pool != nil {
			sh, me := int64(v.Pool.Showing), int64(v.Pool.Measured)
			showing[row], measured[row] = &sh, &me
		}
		worst[row] = c.Worst
		if c.ChangedAt != 0 {
			at := float64(c.ChangedAt)
			changedAt[row], changedBy[row] = &at, c.ChangedBy
		}
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
	soonestF := data.NewField("time_to_limit_soonest_seconds", nil, soonest)
	soonestF.Config = &data.FieldConfig{Unit: "s", DisplayName: "time to limit, soonest"}
	latestF := data.NewField("time_to_limit_latest_seconds", nil, latest)
	latestF.Config = &data.FieldConfig{Unit: "s", DisplayName: "time to limit, latest"}
	limitF := data.NewField("limit_bytes", nil, limit)
	limitF.Config = &data.FieldConfig{Unit: "bytes", DisplayName: "limit"}
	fromF := data.NewField("analysed_from", nil, from)
	fromF.Config = &data.FieldConfig{Unit: "dateTimeAsIso", DisplayName: "analysed from"}
	toF := data.NewField("analysed_to", nil, to)
	toF.Config = &data.FieldConfig{Unit: "dateTimeAsIso", DisplayName: "analysed to"}
	showingF := data.NewField("showing", nil, showing)
	showingF.Config = &data.FieldConfig{DisplayName: "lifetimes showing it"}
	measuredF := data.NewField("measured", nil, measured)
	measuredF.Config = &data.FieldConfig{DisplayName: "lifetimes long enough to tell"}
	changedF := data.NewField("changed_at", nil, changedAt)
	changedF.Config = &data.FieldConfig{Unit: "dateTimeAsIso", DisplayName: "shape since"}
	changedByF := data.NewField("changed_by", nil, changedBy)
	changedByF.Config = &data.FieldConfig{DisplayName: "since rollout"}
	fields = append(fields,
		data.NewField("shape", nil, shp),
		data.NewField("severity", nil, sev),
		confF, growthF, ttlF, soonestF, latestF, limitF,
		data.NewField("lifetimes", nil, lifetimes),
		showingF, measuredF,
		data.NewField("replicas", nil, replicas),
		data.NewField("rollouts", nil, rollouts),
		data.NewField("restarts", nil, restarts),
		data.NewField("jumps", nil, jumps),
		data.NewField("worst", nil, worst),
		changedF, changedByF,
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
	sa, sb := a.Verdict.Shape.Severity(), b.Verdict.Shape.Severity()
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
	return a.Verdict.GrowthBytesPerHour > b.Verdict.GrowthBytesPerHour
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

// Counts are what a row says of an item's lifetimes.
type Counts struct {
	Lifetimes, Replicas, Rollouts, Restarts int
	Worst                                   string // the pod whose memory rose fastest ("" for one series)
	ChangedAt                               int64  // Unix ms of the rollout the shape changed at, 0 if none
	ChangedBy                               string // that rollout, named
}

// Count counts an item's lifetimes: for one series its restarts; for a
// workload its pods and containers (and the restarts inside each), the
// most alive at once, its rollouts, the container restarts (a pod's new
// series) and in-place restarts, its worst pod and the rollout its shape
// changed at.
func Count(it Item) Counts {
	v := it.Verdict
	c := Counts{Lifetimes: len(v.Lifetimes), Replicas: 1, Restarts: v.Restarts}
	if c.Lifetimes == 0 {
		c.Lifetimes = 1
	}
	if !it.Grouped() {
		return c
	}
	w := it.Workload
	c.Rollouts = len(w.Rollouts)
	c.Lifetimes = len(w.Members) + v.Restarts
	for _, m := range w.Members {
		if m.Restarted {
			c.Restarts++
		}
	}
	if p := v.Pool; p != nil {
		c.Replicas = p.Replicas
		if p.Worst >= 0 && p.Worst < len(v.Lifetimes) {
			if m := v.Lifetimes[p.Worst].Series; m < len(w.Members) {
				c.Worst = w.Members[m].Pod
			}
		}
		if ch := p.Change; ch != nil {
			c.ChangedAt = ch.At
			c.ChangedBy = "rollout"
			if r, ok := w.Rollout(ch.Generation); ok {
				c.ChangedBy = w.RolloutName(r)
			}
		}
	}
	return c
}
