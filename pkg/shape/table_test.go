package shape

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestTableComplete(t *testing.T) {
	hex := regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	seen := map[Shape]bool{}
	for _, in := range Table {
		if seen[in.Shape] {
			t.Errorf("%s is in the table twice", in.Shape)
		}
		seen[in.Shape] = true
		if in.Shape == "" || in.Title == "" || in.Word == "" || in.Color == "" {
			t.Errorf("%q: a name, title, word and colour are needed: %+v", in.Shape, in)
		}
		if !strings.EqualFold(in.Word, string(in.Shape)) || !strings.EqualFold(in.Title, string(in.Shape)) {
			t.Errorf("%s: word %q and title %q are not its name", in.Shape, in.Word, in.Title)
		}
		// Growth shapes shout in the legend; the others do not.
		if in.Growth != (in.Word == strings.ToUpper(in.Word)) {
			t.Errorf("%s: word %q, growth %v", in.Shape, in.Word, in.Growth)
		}
		if !hex.MatchString(in.Chart) {
			t.Errorf("%s: chart colour %q is not #RRGGBB", in.Shape, in.Chart)
		}
		if in.Severity < 0 {
			t.Errorf("%s: severity %d is below an unknown shape's -1", in.Shape, in.Severity)
		}
		if in.Alert != "" && !strings.HasPrefix(in.Alert, string(in.Shape)+"_") {
			t.Errorf("%s: alert value %q does not name it", in.Shape, in.Alert)
		}
		if got, ok := Lookup(in.Shape); !ok || got.Shape != in.Shape {
			t.Errorf("Lookup(%s) = %+v, %v", in.Shape, got, ok)
		}
		if in.Shape.IsGrowth() != in.Growth || in.Shape.Severity() != in.Severity {
			t.Errorf("%s: IsGrowth %v, Severity %d; the table says %v, %d", in.Shape, in.Shape.IsGrowth(), in.Shape.Severity(), in.Growth, in.Severity)
		}
	}
	if !slices.Equal(Shapes, []Shape{Leak, Fragmentation, Bloat, Healthy, Inconclusive}) {
		t.Errorf("Shapes = %v", Shapes)
	}
	if _, ok := Lookup("other"); ok || Shape("other").IsGrowth() || Shape("other").Severity() != -1 {
		t.Error("an unknown shape is in the table")
	}
}

func TestListed(t *testing.T) {
	var got []Shape
	for _, in := range Listed() {
		got = append(got, in.Shape)
	}
	if want := []Shape{Leak, Bloat, Fragmentation, Healthy, Inconclusive}; !slices.Equal(got, want) {
		t.Errorf("Listed() = %v, want %v", got, want)
	}
	if Table[0].Shape != Leak || Table[1].Shape != Fragmentation {
		t.Fatal("Listed must not reorder the table itself")
	}
}

// Every score in Scores is reached through exactly one shape's Info.Score,
// under the shape's own name in JSON: a score added without its row, or
// a row pointing at another shape's score, fails here.
func TestScoresEachShape(t *testing.T) {
	typ := reflect.TypeFor[Scores]()
	reached := map[string]Shape{}
	for _, in := range Table {
		if in.Score == nil {
			continue
		}
		var s Scores
		*in.Score(&s) = 1
		v := reflect.ValueOf(s)
		for i := range typ.NumField() {
			if v.Field(i).Float() == 0 {
				continue
			}
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag != string(in.Shape) {
				t.Errorf("%s's score is the field %s (json %q)", in.Shape, typ.Field(i).Name, tag)
			}
			if other, ok := reached[tag]; ok {
				t.Errorf("%s and %s share the score %s", in.Shape, other, tag)
			}
			reached[tag] = in.Shape
		}
	}
	if len(reached) != typ.NumField() {
		t.Errorf("the table reaches %d of Scores' %d fields: %v", len(reached), typ.NumField(), reached)
	}

	in := Scores{Leak: math.NaN(), Fragmentation: 0.25, Bloat: math.Inf(1), Healthy: 0.5}
	got := in.Map(func(x float64) float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return -1
		}
		return 2 * x
	})
	if want := (Scores{Leak: -1, Fragmentation: 0.5, Bloat: -1, Healthy: 1}); got != want {
		t.Errorf("Map = %+v, want %+v", got, want)
	}
	if !math.IsNaN(in.Leak) {
		t.Error("Map changed the scores it was called on")
	}
	if b, err := json.Marshal(got); err != nil || !strings.Contains(string(b), `"fragmentation":0.5`) {
		t.Errorf("json %s, %v", b, err)
	}
}

// grafanaShades are the darker shades of Grafana's named colours that a
// chart on white may use for a dashboard's colour (semi-dark, dark), as
// @grafana/data's theme resolves them (createTheme().visualization
// .getColorByName("semi-dark-red"), …).
var grafanaShades = map[string][]string{
	"red":    {"#E02F44", "#C4162A"},
	"orange": {"#FF780A", "#FA6400"},
	"yellow": {"#F2CC0C", "#E0B400"},
	"green":  {"#56A64B", "#37872D"},
	"blue":   {"#3274D9", "#1F60C4"},
	"purple": {"#A352CC", "#8F3BB8"},
}

// A shape reads the same colour on a dashboard and in a picture: the
// chart's colour is a darker shade of the dashboard's.
func TestChartColourIsTheDashboardsShade(t *testing.T) {
	for _, in := range Table {
		if strings.HasPrefix(in.Color, "#") {
			if !strings.EqualFold(in.Chart, in.Color) {
				t.Errorf("%s: chart %s, dashboards %s", in.Shape, in.Chart, in.Color)
			}
			continue
		}
		shades, ok := grafanaShades[in.Color]
		if !ok {
			t.Errorf("%s: dashboards' colour %q is no Grafana colour this test knows", in.Shape, in.Color)
			continue
		}
		if !slices.ContainsFunc(shades, func(s string) bool { return strings.EqualFold(s, in.Chart) }) {
			t.Errorf("%s: chart colour %s is not a darker shade of the dashboards' %s (%v)", in.Shape, in.Chart, in.Color, shades)
		}
	}
}
