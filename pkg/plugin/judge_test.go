package plugin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// Series with the same labels are all judged and all drawn: the n-th of a
// label set over the panel's range with the n-th over the analysis window.
func TestJudgeKeepsSeriesWithTheSameLabels(t *testing.T) {
	labels := map[string]string{"__name__": "mem", "service": "same"}
	mk := func(level float64, n int) series.Series {
		s := series.Series{Labels: labels}
		for i := 0; i < n; i++ {
			s.T = append(s.T, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute).UnixMilli())
			s.V = append(s.V, level)
		}
		return s
	}
	analysed := []series.Series{mk(1e9, 600), mk(2e9, 600)}
	panel := []series.Series{mk(1e9, 60), mk(2e9, 60)}
	d := &Datasource{}
	items, _ := d.judge(analysed, panel, models.Query{By: workload.By{Mode: workload.Auto}}, limitSet{}, 0, true, nil)
	require.Len(t, items, 2)
	levels := map[float64]bool{}
	for _, it := range items {
		require.Len(t, it.Panel.V, 60, "each item has its own panel series")
		levels[it.Panel.V[0]] = true
		assert.NotEmpty(t, it.Verdict.Shape)
	}
	assert.Len(t, levels, 2, "paired in order, not both with the same")
}

// A pod that shows only in the panel's range (a rollout's new pod, no
// history in the analysis window yet) joins its workload's item and is
// drawn with it; the workload is still judged on the pods with history.
func TestPanelOnlyPodJoinsItsWorkload(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	mk := func(pod string, from, n int) series.Series {
		s := series.Series{Labels: map[string]string{
			"__name__": "container_memory_working_set_bytes", "namespace": "shop", "container": "app", "pod": pod,
		}}
		for i := 0; i < n; i++ {
			s.T = append(s.T, t0.Add(time.Duration(from+i)*time.Minute).UnixMilli())
			s.V = append(s.V, 5e8)
		}
		return s
	}
	old1, old2 := mk("cart-7d9f8b6c5d-bcdxz", 0, 600), mk("cart-7d9f8b6c5d-fghxz", 0, 600)
	analysed := []series.Series{old1, old2}
	fresh := mk("cart-7d9f8b6c5d-jklxz", 590, 10) // only in the panel's range
	panel := []series.Series{mk("cart-7d9f8b6c5d-bcdxz", 540, 60), mk("cart-7d9f8b6c5d-fghxz", 540, 60), fresh}
	d := &Datasource{}
	items, _ := d.judge(analysed, panel, models.Query{By: workload.By{Mode: workload.Auto}}, limitSet{}, 0, true, nil)
	require.Len(t, items, 1, "one workload, the new pod in it")
	it := items[0]
	require.True(t, it.Grouped())
	require.Len(t, it.Members, 3)
	require.Len(t, it.Workload.Members, 3)
	assert.Equal(t, fresh.Labels["pod"], it.Members[2].Labels["pod"])
	assert.Equal(t, -1, it.Workload.Members[2].Series, "the new pod has no history in the analysis window")
	assert.NotEqual(t, "", string(it.Verdict.Shape))
}
