package workload

import (
	"strconv"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
)

// Judge names the shape of a workload from its members' series (ss is
// what Group was given). A workload of one ungrouped series is judged as
// shape.Classify judges it; a grouped one pools every lifetime
// (shape.ClassifyPooled), and when a rollout changed the shape the
// explanation says which, and what the lifetimes before it did. The
// verdict's Lifetimes[k].Series is an index into w.Members.
func Judge(w Workload, ss []series.Series, opt shape.Options) shape.Verdict {
	if !w.Grouped() && w.Members[0].Series >= 0 {
		s := ss[w.Members[0].Series]
		return shape.Classify(s.T, s.V, opt)
	}
	lives := make([]shape.Life, 0, len(w.Members))
	index := make([]int, 0, len(w.Members)) // lives → members
	for i, m := range w.Members {
		if m.Series < 0 { // only in a panel's range: no history
			continue
		}
		s := ss[m.Series]
		lives = append(lives, shape.Life{T: s.T, V: s.V, Generation: m.Generation})
		index = append(index, i)
	}
	v := shape.ClassifyPooled(lives, opt)
	for k := range v.Lifetimes {
		v.Lifetimes[k].Series = index[v.Lifetimes[k].Series]
	}
	if v.Pool != nil && v.Pool.Change != nil {
		v.Explanation = w.changeText(v) + " " + v.Explanation
	}
	return v
}

// Rollout is the rollout that started generation g, if any.
func (w Workload) Rollout(g int) (Rollout, bool) {
	for _, r := range w.Rollouts {
		if r.Generation == g {
			return r, true
		}
	}
	return Rollout{}, false
}

// RolloutName names a rollout for a person: the ReplicaSet (or job) and
// the image — "cart-7d9f8b6c5d, image shop/cart:1.4.2" — or why it was
// one ("restart wave").
func (w Workload) RolloutName(r Rollout) string {
	var parts []string
	if r.Template != "" {
		parts = append(parts, w.Name+"-"+r.Template)
	}
	if r.Image != "" {
		parts = append(parts, "image "+r.Image)
	}
	if len(parts) == 0 {
		parts = append(parts, r.Cause)
	}
	return strings.Join(parts, ", ")
}

// Moment writes a time of day for an incident call: 12-04 14:02 UTC.
func Moment(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("01-02 15:04") + " UTC"
}

// changeText says which rollout changed the shape and what the lifetimes
// before it did: "Leak since the rollout at 12-04 14:02 UTC
// (cart-7d9f8b6c5d, image shop/cart:1.4.2); the 9 lifetimes before it
// were healthy."
func (w Workload) changeText(v shape.Verdict) string {
	c := v.Pool.Change
	var b strings.Builder
	switch {
	case v.Shape == shape.Inconclusive && c.Before.IsGrowth():
		b.WriteString("Growth changed")
	case v.Shape == shape.Inconclusive:
		b.WriteString("Growth, not yet named,")
	default:
		b.WriteString(strings.ToUpper(string(v.Shape[:1])) + string(v.Shape[1:]))
	}
	b.WriteString(" since the rollout at ")
	b.WriteString(Moment(c.At))
	if r, ok := w.Rollout(c.Generation); ok {
		b.WriteString(" (" + w.RolloutName(r) + ")")
	}
	b.WriteString("; the " + strconv.Itoa(c.BeforeLifetimes) + " lifetimes before it ")
	switch c.Before {
	case shape.Healthy:
		b.WriteString("were healthy")
	case shape.Leak:
		b.WriteString("leaked " + units.FormatGrowth(c.BeforeGrowth))
	case shape.Fragmentation:
		b.WriteString("grew ever slower (fragmentation)")
	case shape.Bloat:
		b.WriteString("grew in jumps (bloat)")
	default:
		b.WriteString("could not be told")
	}
	b.WriteString(".")
	return b.String()
}
