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
