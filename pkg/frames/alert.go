package frames

import (
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// ShapeLabel carries the verdict on alert instances. It never overwrites
// an upstream label: when the series already has it, the verdict goes to
// the first free name of memshape_shape_1, memshape_shape_2, … (FreeLabel).
const ShapeLabel = "memshape_shape"

// FreeLabel is name when labels lack it, else the first of name_1,
// name_2, … that they lack.
func FreeLabel(labels map[string]string, name string) string {
	if _, taken := labels[name]; !taken {
		return name
	}
	for i := 1; ; i++ {
		n := name + "_" + strconv.Itoa(i)
		if _, taken := labels[n]; !taken {
			return n
		}
	}
}

// AlertNumber is the number an alert rule sees for a verdict; nil when
// there is none (hours to limit when the limit is unknown or never
// reached). "" is leak confidence.
func AlertNumber(v shape.Verdict, what models.AlertValue) *float64 {
	if what == "" {
		what = models.LeakConfidence
	}
	var x float64
	switch what {
	case models.GrowthConfidence:
		if v.Shape.IsGrowth() {
			x = v.Confidence
		}
	case models.GrowthBytesPerHour:
		x = v.GrowthBytesPerHour
	case models.HoursToLimit:
		if !v.HasTimeToLimit {
			return nil
		}
		x = v.TimeToLimit.Hours()
	default: // a shape's own confidence (leak_confidence): 0 for the others
		if in, _ := shape.Lookup(v.Shape); in.Alert != "" && in.Alert == string(what) {
			x = v.Confidence
		}
	}
	return &x
}

// AlertFrames gives alert rules and server-side expressions one number per
// series: a numeric-multi frame each, with one nullable float64 field named
// after the value (leak_confidence, growth_confidence,
// growth_bytes_per_hour, hours_to_limit) and labelled with the series'
// labels unchanged plus the shape (ShapeLabel). Label sets are unique: the
// upstream's are, and ours only adds one label. No series gives one empty
// numeric-multi frame: Grafana's NoData.
func AlertFrames(items []Item, what models.AlertValue) data.Frames {
	if what == "" {
		what = models.LeakConfidence
	}
	if len(items) == 0 {
		f := data.NewFrame("")
		f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: dataplaneVersion}
		return data.Frames{f}
	}
	out := make(data.Frames, 0, len(items))
	for _, it := range items {
		labels := copyLabels(it.Labels)
		labels[FreeLabel(it.Labels, ShapeLabel)] = string(it.Verdict.Shape)
		field := data.NewField(string(what), labels, []*float64{AlertNumber(it.Verdict, what)})
		switch what {
		case models.GrowthBytesPerHour:
			field.Config = &data.FieldConfig{Unit: "bytes"}
		case models.HoursToLimit:
			field.Config = &data.FieldConfig{Unit: "h"}
		default:
			field.Config = &data.FieldConfig{Unit: "percentunit"}
		}
		f := data.NewFrame(string(what), field)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: dataplaneVersion}
		out = append(out, f)
	}
	return out
}
