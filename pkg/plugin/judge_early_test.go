package plugin

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/corpus"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// earlyFleet is a cluster's memory series in the order Prometheus gives
// them (by their labels): the corpus' workloads as Deployments, each
// generation a ReplicaSet of its own; the pods of every other workload
// spread over three nodes, whose instance label sorts before the pod, so
// that its series come apart; a series without a pod and two with the
// same labels.
func earlyFleet(t *testing.T) []series.Series {
	t.Helper()
	const safe = "bcdfghjklmnpqrstvwxz2456789"
	hashes := []string{"7d9f8b6c5d", "5c4b8d9f7x", "6f5d4c8b9z", "9b8c7d6f5w"}
	var ss []series.Series
	for c, wc := range corpus.GenerateWorkloads(7, 2) {
		for k, life := range wc.Lives {
			suffix := []byte{safe[k%27], safe[(k/27)%27], safe[c%27], 'x', 'z'}
			node := 0
			if c%2 == 1 {
				node = k % 3
			}
			ss = append(ss, series.Series{Labels: map[string]string{
				"__name__": "container_memory_working_set_bytes", "namespace": "shop", "container": "app",
				"instance": fmt.Sprintf("10.0.0.%d:10250", node),
				"pod":      fmt.Sprintf("w%02d-%s-%s", c, hashes[life.Generation%len(hashes)], suffix),
			}, T: life.T, V: life.V})
		}
	}
	one := ss[0]
	for _, name := range []string{"batch", "same", "same"} {
		ss = append(ss, series.Series{Labels: map[string]string{"__name__": "process_resident_memory_bytes", "job": name}, T: one.T, V: one.V})
	}
	slices.SortStableFunc(ss, func(a, b series.Series) int { return strings.Compare(series.Key(a.Labels), series.Key(b.Labels)) })
	return ss
}

// Workloads judged while their series are read are grouped and judged
// exactly as they are after the whole answer: the same workloads and the
// same verdicts. Those whose series come apart are judged after.
func TestEarlyJudgingChangesNoVerdict(t *testing.T) {
	ss := earlyFleet(t)
	by := workload.By{Mode: workload.Auto}
	opt := shape.Options{}

	late, lateNotes := workload.Group(ss, by)
	lateItems := pair(late, ss, nil, by)
	judgeEach(lateItems, ss, opt, limitSet{}, nil)

	e := newEarlyJudge(by, opt)
	e.behind.Stop() // the series are taken here, in turn
	for i, s := range ss {
		e.take(i, s)
	}
	groups, notes := e.done(ss)
	require.Equal(t, late, groups)
	assert.Equal(t, lateNotes, notes)
	items := pair(groups, ss, nil, by)
	judgeEach(items, ss, opt, limitSet{}, e)

	early, apart := 0, 0
	for i := range items {
		w := items[i].Workload
		if _, ok := e.verdict(w); ok {
			early++
		} else if w.Grouped() && len(w.Members) > 1 {
			apart++
		}
		// Verdicts hold NaN (no growth) and unexported fields.
		if d := cmp.Diff(lateItems[i].Verdict, items[i].Verdict, cmpopts.EquateNaNs(), cmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
			t.Errorf("%s: judged early, the verdict differs (-after +early):\n%s", w.Name, d)
		}
		assert.Equal(t, lateItems[i].Limit, items[i].Limit)
	}
	t.Logf("%d workloads, %d judged early, %d whose series came apart", len(items), early, apart)
	assert.Greater(t, early, len(items)/3, "the workloads whose series come together are judged early")
	assert.Greater(t, apart, 0, "the workloads whose series come apart are judged after")
}

// Series given early that are not the answer's (another fetch's) are
// grouped again from the answer.
func TestEarlyJudgingOfAnotherAnswer(t *testing.T) {
	ss := earlyFleet(t)
	by := workload.By{Mode: workload.Auto}
	e := newEarlyJudge(by, shape.Options{})
	e.behind.Stop()
	for i, s := range ss[:10] {
		e.take(i, s)
	}
	other := slices.Clone(ss)
	other[3].V = slices.Clone(other[3].V)
	groups, _ := e.done(other)
	late, _ := workload.Group(other, by)
	require.Equal(t, late, groups)
	for i := range groups {
		_, ok := e.verdict(&groups[i])
		assert.False(t, ok, "nothing judged early is used")
	}
}
