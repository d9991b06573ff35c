package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/frames"
)

// A week's panel with every output holds its time once per run of
// timestamps, not once per frame: the series drawn at the panel's step
// share one time field through the whole path (fetch, judge, frames,
// redaction of a data source with a secret), and the answer reads as
// one with a time field per frame — Arrow, as Grafana receives it.
func TestPanelFramesShareTime(t *testing.T) {
	srv := fixtureProm(t)
	inst, err := NewDatasource(context.Background(), *settings(srv.URL, `{}`, map[string]string{"bearerToken": "s3cret-token-4b1d"}))
	require.NoError(t, err)
	model := map[string]any{"expr": "memshape_fixture_bytes", "limitExpr": "memshape_fixture_limit_bytes", "output": "all"}
	resp, err := inst.(*Datasource).QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{panelQuery("A", model, week, 10*time.Minute)}})
	require.NoError(t, err)
	dr := resp.Responses["A"]
	require.NoError(t, dr.Error)

	byTimes := map[string][]*data.Frame{}
	series := 0
	for _, f := range dr.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			continue
		}
		if _, overlay := f.Fields[1].Labels[frames.OverlayLabel]; !overlay {
			series++
		}
		tf := f.Fields[0]
		ts := make([]int64, tf.Len())
		for i := range ts {
			ts[i] = tf.At(i).(time.Time).UnixMilli()
		}
		key := fmt.Sprint(ts)
		byTimes[key] = append(byTimes[key], f)
	}
	shared := 0
	for _, fs := range byTimes {
		for _, f := range fs[1:] {
			assert.Same(t, fs[0].Fields[0], f.Fields[0], "%s and %s: same timestamps, one time field", fs[0].Name, f.Name)
		}
		if len(fs) > 1 {
			shared += len(fs)
		}
	}
	require.Greater(t, series, 3)
	assert.GreaterOrEqual(t, shared, series, "the series at the panel's step share their time")

	own := make(data.Frames, len(dr.Frames))
	for i, f := range dr.Frames {
		c := *f
		c.Fields = append([]*data.Field(nil), f.Fields...)
		if len(c.Fields) > 0 && c.Fields[0].Type() == data.FieldTypeTime {
			tf := c.Fields[0]
			ts := make([]time.Time, tf.Len())
			for j := range ts {
				ts[j] = tf.At(j).(time.Time)
			}
			c.Fields[0] = data.NewField(tf.Name, tf.Labels, ts)
			c.Fields[0].Config = tf.Config
		}
		own[i] = &c
	}
	a, err := dr.Frames.MarshalArrow()
	require.NoError(t, err)
	b, err := own.MarshalArrow()
	require.NoError(t, err)
	assert.Equal(t, b, a)
	ja, err := json.Marshal(dr.Frames)
	require.NoError(t, err)
	jb, err := json.Marshal(own)
	require.NoError(t, err)
	assert.Equal(t, string(jb), string(ja))
}
