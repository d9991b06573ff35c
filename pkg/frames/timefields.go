package frames

import (
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// timeFields hands out the "time" field of the frames one Build makes:
// one *data.Field per distinct run of timestamps, shared by every frame
// on it. A panel's series at its aligned step all have the same
// timestamps, and so do the overlays drawn on its grid; the SDK's
// data.NewField copies what it is given (24 bytes a point for
// time.Time), so a field per frame held a 7-day panel's time once per
// series and per overlay — as much again as the samples themselves.
//
// A shared field is never changed once made: nothing in this package
// writes to a time field (paint colours value fields only), and the
// data source redacts each field once however many frames hold it. A
// frame's time field must not be given a Config, a name or labels of its
// own — give that frame a field of its own instead.
//
// A nil *timeFields makes a new field every time.
type timeFields struct {
	byKey map[timeKey][]timeField
	last  timeField // the field handed out last: the usual next match
}

// timeKey tells runs of timestamps apart cheaply: equal runs have equal
// keys; runs with equal keys are compared point by point.
type timeKey struct {
	n           int
	first, last int64
	hash        uint64
}

type timeField struct {
	ts    []int64 // what the field holds, in Unix milliseconds (not changed)
	field *data.Field
}

func newTimeFields() *timeFields { return &timeFields{byKey: map[timeKey][]timeField{}} }

// field is the "time" field of timestamps ts (Unix milliseconds, sorted):
// a field already made for the same timestamps, else a new one. ts is
// kept to compare later runs with: it must not be changed afterwards.
func (c *timeFields) field(ts []int64) *data.Field {
	if c == nil {
		return newTimeField(ts)
	}
	if l := c.last.ts; len(l) == len(ts) && len(ts) > 0 && &l[0] == &ts[0] {
		return c.last.field // the very same slice: a query's shared time column
	}
	k := keyOf(ts)
	for _, tf := range c.byKey[k] {
		if slices.Equal(tf.ts, ts) {
			c.last = tf
			return tf.field
		}
	}
	tf := timeField{ts: ts, field: newTimeField(ts)}
	c.byKey[k] = append(c.byKey[k], tf)
	c.last = tf
	return tf.field
}

func keyOf(ts []int64) timeKey {
	k := timeKey{n: len(ts), hash: 14695981039346656037}
	if len(ts) > 0 {
		k.first, k.last = ts[0], ts[len(ts)-1]
	}
	for _, t := range ts {
		k.hash = (k.hash ^ uint64(t)) * 1099511628211
	}
	return k
}

// newTimeField is the field "time" of ts (Unix milliseconds) in UTC,
// written in place: data.NewField would copy a []time.Time made first.
func newTimeField(ts []int64) *data.Field {
	f := data.NewFieldFromFieldType(data.FieldTypeTime, len(ts))
	f.Name = "time"
	for i, t := range ts {
		*f.PointerAt(i).(*time.Time) = time.UnixMilli(t).UTC()
	}
	return f
}
