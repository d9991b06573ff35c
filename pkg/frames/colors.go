package frames

import "github.com/grafana/grafana-plugin-sdk-go/data"

// palette is the start of Grafana's classic palette (palette-classic),
// whose colours a time-series panel gives its series in turn.
var palette = []string{
	"#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A6", "#705DA0",
	"#508642", "#CCA300", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477",
}

// Color is the colour of the i-th item of a query: Grafana's classic
// palette in turn. A series, its overlays and, for a workload, every pod's
// series share it, so a fit is drawn in the colour of what it fits.
func Color(i int) string { return palette[i%len(palette)] }

// paint gives every value field of f the fixed colour c.
func paint(f *data.Frame, c string) {
	for _, fl := range f.Fields {
		if fl.Type() == data.FieldTypeTime || fl.Type() == data.FieldTypeNullableTime {
			continue
		}
		if fl.Config == nil {
			fl.Config = &data.FieldConfig{}
		}
		fl.Config.Color = map[string]any{"mode": "fixed", "fixedColor": c}
	}
}
