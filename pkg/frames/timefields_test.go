package frames

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// sharingPanel is a panel whose frames fall on a few runs of timestamps:
// series on the same hourly points (one of them on the very same slice
// as another), one with as many points, the same first and last, but one
// point moved (it must not share), and leaks with fits, forecasts, bands
// and limits (overlays on the panel's grid and on the forecast's).
func sharingPanel() []Item {
	a, b := healthyItem("api-0"), healthyItem("api-2")
	b.Panel.T = a.Panel.T // the decoder's shared time column
	moved := healthyItem("api-3")
	moved.Panel.T = append([]int64(nil), moved.Panel.T...)
	moved.Panel.T[5] += hour / 2
	items := []Item{a, b, moved, bloatItem(), inconclusiveItem()}
	for _, pod := range []string{"api-1", "api-7"} {
		it := leakItem(pod)
		fc := &it.Verdict.Fits[2]
		fc.Band = shape.Band{Level: 8 << 20, Rate: 0.1 * fc.B, Lead: float64(6 * hour), Z: 1.98}
		items = append(items, it)
	}
	return items
}

func timesOf(f *data.Field) string {
	ts := make([]int64, f.Len())
	for i := range ts {
		ts[i] = f.At(i).(time.Time).UnixMilli()
	}
	return fmt.Sprint(ts)
}

// Frames on the same timestamps share one time field — and the answer is
// byte for byte, in Arrow and in JSON, what a time field per frame gives:
// nothing sets a shared field's name, config or labels per frame (a
// colour painted on it, say, would leave every frame with the last one's).
func TestFramesShareTimeFields(t *testing.T) {
	o := opts(models.OutputAll)
	o.To = time.UnixMilli(t0 + 48*hour)
	items := sharingPanel()
	shared := Build(items, o)
	own := build(items, o, nil)
	require.Len(t, shared, len(own))
	for i := range shared {
		a, err := shared[i].MarshalArrow()
		require.NoError(t, err)
		b, err := own[i].MarshalArrow()
		require.NoError(t, err)
		assert.Equal(t, b, a, "frame %d (%s): Arrow", i, own[i].Name)
		ja, err := json.Marshal(shared[i])
		require.NoError(t, err)
		jb, err := json.Marshal(own[i])
		require.NoError(t, err)
		assert.Equal(t, string(jb), string(ja), "frame %d (%s): JSON", i, own[i].Name)
	}

	byTimes := map[string]*data.Field{}
	frames := 0
	kinds := map[string]bool{}
	for _, f := range shared {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			continue
		}
		frames++
		kinds[f.Fields[1].Labels[OverlayLabel]] = true
		tf := f.Fields[0]
		assert.Equal(t, "time", tf.Name)
		assert.Nil(t, tf.Config, "%s: a time field has no config", f.Name)
		assert.Nil(t, tf.Labels, "%s: a time field has no labels", f.Name)
		key := timesOf(tf)
		if prev, ok := byTimes[key]; ok {
			assert.Same(t, prev, tf, "%s: frames on the same timestamps share one time field", f.Name)
		} else {
			byTimes[key] = tf
		}
	}
	for _, k := range []string{"", KindLimit, KindFit, KindSteps, KindForecast, KindBandLower, KindBandUpper} {
		assert.True(t, kinds[k], "the panel has a %q frame", k)
	}
	// One field per run of timestamps, never one for two runs.
	fields := map[*data.Field]bool{}
	for _, f := range byTimes {
		fields[f] = true
	}
	assert.Len(t, fields, len(byTimes), "a field shared by frames on different timestamps")
	assert.Less(t, len(byTimes), frames-6, "frames share their time fields")

	var moved, other *data.Field
	for _, f := range shared {
		switch f.Fields[1].Labels["pod"] {
		case "api-3":
			if _, overlay := f.Fields[1].Labels[OverlayLabel]; !overlay {
				moved = f.Fields[0]
			}
		case "api-2":
			if _, overlay := f.Fields[1].Labels[OverlayLabel]; !overlay {
				other = f.Fields[0]
			}
		}
	}
	require.NotNil(t, moved)
	require.NotNil(t, other)
	assert.NotSame(t, other, moved, "one point moved: a time field of its own")
	assert.Equal(t, t0+5*hour+hour/2, moved.At(5).(time.Time).UnixMilli())
	assert.Equal(t, t0+5*hour, other.At(5).(time.Time).UnixMilli())
}

// A time field is the timestamps in UTC, as data.NewField of
// []time.Time gives them.
func TestNewTimeFieldAsNewField(t *testing.T) {
	ts := []int64{t0, t0 + 1, t0 + hour, -1, 0}
	want := make([]time.Time, len(ts))
	for i, v := range ts {
		want[i] = time.UnixMilli(v).UTC()
	}
	a, err := data.NewFrame("x", newTimeField(ts)).MarshalArrow()
	require.NoError(t, err)
	b, err := data.NewFrame("x", data.NewField("time", nil, want)).MarshalArrow()
	require.NoError(t, err)
	assert.Equal(t, b, a)
	assert.Equal(t, want[3], newTimeField(ts).At(3))
}
