package shapecheck

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/shape"
)

const root = "../.."

var dashboards = []string{"provisioning/dashboards/fleet.json", "provisioning/dashboards/service.json"}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readJSON(t *testing.T, rel string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(read(t, rel)), &v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return v
}

// walk calls f on every object in v, depth first.
func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(x[k], f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

func isShape(s string) bool {
	_, ok := shape.Lookup(shape.Shape(s))
	return ok
}

// Every value mapping of a dashboard that maps a shape maps every shape:
// its colour, its word, and the index of shape.Listed.
func TestDashboardMappings(t *testing.T) {
	want := map[string]any{}
	for i, in := range shape.Listed() {
		want[string(in.Shape)] = map[string]any{"color": in.Color, "index": float64(i), "text": in.Word}
	}
	for _, file := range dashboards {
		found := 0
		walk(readJSON(t, file), func(m map[string]any) {
			opts, ok := m["options"].(map[string]any)
			if m["type"] != "value" || !ok {
				return
			}
			mapsShape := false
			for k := range opts {
				mapsShape = mapsShape || isShape(k)
			}
			if !mapsShape {
				return
			}
			found++
			got, _ := json.Marshal(opts)
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Errorf("%s: a shape's value mapping is\n%s\nthe table says\n%s", file, got, exp)
			}
		})
		if found == 0 {
			t.Errorf("%s maps no shape to a colour", file)
		}
	}
}

// The fleet dashboard has one stat per shape, in shape.Listed's order,
// titled, filtered and coloured as the table says.
func TestFleetStats(t *testing.T) {
	var d struct {
		Panels []struct {
			Type            string `json:"type"`
			Title           string `json:"title"`
			Description     string `json:"description"`
			Transformations []struct {
				ID      string `json:"id"`
				Options struct {
					Filters []struct {
						FieldName string `json:"fieldName"`
						Config    struct {
							ID      string `json:"id"`
							Options struct {
								Value string `json:"value"`
							} `json:"options"`
						} `json:"config"`
					} `json:"filters"`
				} `json:"options"`
			} `json:"transformations"`
			FieldConfig struct {
				Defaults struct {
					Color struct {
						Mode       string `json:"mode"`
						FixedColor string `json:"fixedColor"`
					} `json:"color"`
					Thresholds struct {
						Steps []struct {
							Color string `json:"color"`
						} `json:"steps"`
					} `json:"thresholds"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(read(t, dashboards[0])), &d); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range d.Panels {
		for _, tr := range p.Transformations {
			if tr.ID != "filterByValue" {
				continue
			}
			for _, f := range tr.Options.Filters {
				if f.FieldName != "shape" {
					continue
				}
				s := f.Config.Options.Value
				got = append(got, s)
				in, ok := shape.Lookup(shape.Shape(s))
				if !ok || f.Config.ID != "equal" || p.Type != "stat" {
					t.Errorf("panel %q: a %s filter on %q", p.Title, f.Config.ID, s)
					continue
				}
				c := p.FieldConfig.Defaults
				if p.Title != in.Title || c.Color.Mode != "fixed" || c.Color.FixedColor != in.Color || !strings.Contains(p.Description, s) {
					t.Errorf("stat of %s: title %q, colour %s %q, description %q; the table says %q in %q",
						s, p.Title, c.Color.Mode, c.Color.FixedColor, p.Description, in.Title, in.Color)
				}
				for _, st := range c.Thresholds.Steps {
					if st.Color != in.Color {
						t.Errorf("stat of %s: a threshold coloured %q, not %q", s, st.Color, in.Color)
					}
				}
			}
		}
	}
	var want []string
	for _, in := range shape.Listed() {
		want = append(want, string(in.Shape))
	}
	if !slices.Equal(got, want) {
		t.Errorf("the fleet dashboard's stats filter on %v, want %v", got, want)
	}
}

// The sets of shapes a list may name: every shape, the growth shapes, or
// the shapes with a score (all but inconclusive).
func shapeSets() map[string][]string {
	sets := map[string][]string{}
	for _, in := range shape.Table {
		s := string(in.Shape)
		sets["every shape"] = append(sets["every shape"], s)
		if in.Growth {
			sets["the growth shapes"] = append(sets["the growth shapes"], s)
		}
		if in.Score != nil {
			sets["the shapes with a score"] = append(sets["the shapes with a score"], s)
		}
	}
	for _, v := range sets {
		sort.Strings(v)
	}
	return sets
}

var (
	// ['leak', 'bloat', 'fragmentation'] and (LEAK|BLOAT|FRAGMENTATION).
	quotedList = regexp.MustCompile(`\[\s*'[a-z]+'(?:\s*,\s*'[a-z]+')+\s*,?\s*\]`)
	quotedItem = regexp.MustCompile(`'([a-z]+)'`)
	altList    = regexp.MustCompile(`\(([A-Za-z]+(?:\|[A-Za-z]+)+)\)`)
)

// shapeLists finds the lists of three or more shapes in text: array
// literals of quoted names and regular-expression alternations (the
// legend's words in capitals).
func shapeLists(text string) [][]string {
	var out [][]string
	keep := func(items []string) {
		if len(items) < 3 {
			return
		}
		for _, s := range items {
			if !isShape(strings.ToLower(s)) {
				return
			}
		}
		out = append(out, items)
	}
	for _, m := range quotedList.FindAllString(text, -1) {
		var items []string
		for _, q := range quotedItem.FindAllStringSubmatch(m, -1) {
			items = append(items, q[1])
		}
		keep(items)
	}
	for _, m := range altList.FindAllStringSubmatch(text, -1) {
		keep(strings.Split(m[1], "|"))
	}
	return out
}

// listFiles are the files outside Go with a list of shapes in them, found
// by scanning the frontend, the e2e specs and the provisioning.
func listFiles(t *testing.T) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	for _, dir := range []string{"src", "tests", "provisioning"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && e.Name() == "node_modules" {
				return filepath.SkipDir
			}
			switch filepath.Ext(p) {
			case ".ts", ".tsx", ".json", ".yml", ".yaml":
			default:
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if ls := shapeLists(string(b)); len(ls) > 0 {
				rel, _ := filepath.Rel(root, p)
				out[filepath.ToSlash(rel)] = ls
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A list of shapes in the frontend, its tests or the dashboards names
// every shape, the growth shapes or the shapes with a score: a shape
// added to the table and forgotten in one of them fails here.
func TestFrontendShapeLists(t *testing.T) {
	sets := shapeSets()
	files := listFiles(t)
	for file, lists := range files {
		for _, l := range lists {
			got := make([]string, len(l))
			for i, s := range l {
				got[i] = strings.ToLower(s)
			}
			sort.Strings(got)
			ok := false
			for _, set := range sets {
				ok = ok || slices.Equal(got, set)
			}
			if !ok {
				t.Errorf("%s: the list %v is not one of %v", file, l, sets)
			}
		}
	}
	// The scan finds the lists it must: the legend's words in the fleet
	// dashboard, the jest tests' shapes.
	for _, f := range []string{"provisioning/dashboards/fleet.json", "src/golden.test.ts", "src/demoDashboard.test.tsx"} {
		if len(files[f]) == 0 {
			t.Errorf("no list of shapes found in %s", f)
		}
	}

	// The colour map the jest tests build a dashboard's value mapping from.
	text := read(t, "src/testing/goldenPanels.tsx")
	block := regexp.MustCompile(`SHAPE_COLORS[^=]*=\s*\{([^}]*)\}`).FindStringSubmatch(text)
	if block == nil {
		t.Fatal("src/testing/goldenPanels.tsx: no SHAPE_COLORS")
	}
	var got, want []string
	for _, m := range regexp.MustCompile(`(\w+):\s*'([^']*)'`).FindAllStringSubmatch(block[1], -1) {
		got = append(got, m[1]+"="+m[2])
	}
	for _, in := range shape.Listed() {
		want = append(want, fmt.Sprintf("%s=%s", in.Shape, in.Color))
	}
	if !slices.Equal(got, want) {
		t.Errorf("SHAPE_COLORS is %v, the table says %v", got, want)
	}
}

// A shape's alert value is one the query model accepts and the frontend
// offers.
func TestAlertValues(t *testing.T) {
	types := read(t, "src/types.ts")
	union := regexp.MustCompile(`export type AlertValue\s*=([^;]*);`).FindStringSubmatch(types)
	if union == nil {
		t.Fatal("src/types.ts: no AlertValue type")
	}
	options := read(t, "src/options.ts")
	n := 0
	for _, in := range shape.Table {
		if in.Alert == "" {
			continue
		}
		n++
		if !slices.Contains(models.AlertValues, models.AlertValue(in.Alert)) {
			t.Errorf("%s: alert value %q is not one of %v", in.Shape, in.Alert, models.AlertValues)
		}
		if !strings.Contains(union[1], "'"+in.Alert+"'") {
			t.Errorf("%s: alert value %q is not in src/types.ts' AlertValue", in.Shape, in.Alert)
		}
		if !strings.Contains(options, "value: '"+in.Alert+"'") {
			t.Errorf("%s: alert value %q is not offered in src/options.ts", in.Shape, in.Alert)
		}
	}
	if n == 0 {
		t.Error("no shape has an alert value")
	}
}

// The docs' lists of severities and dashboard colours are the table's.
func TestDocs(t *testing.T) {
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	byRank := slices.Clone(shape.Table)
	slices.SortStableFunc(byRank, func(a, b shape.Info) int { return b.Severity - a.Severity })
	var sev []string
	for _, in := range byRank {
		sev = append(sev, fmt.Sprintf("%s %d", in.Shape, in.Severity))
	}
	var colours []string
	for _, in := range shape.Listed() {
		c := in.Color
		if strings.HasPrefix(c, "#") {
			c = "grey"
		}
		colours = append(colours, fmt.Sprintf("%s %s", in.Shape, c))
	}
	for _, c := range []struct{ file, want string }{
		{"README.md", strings.Join(sev, ", ")},
		{"docs/method.md", strings.Join(sev, ", ")},
		{"README.md", strings.Join(colours, ", ")},
	} {
		if !strings.Contains(norm(read(t, c.file)), c.want) {
			t.Errorf("%s does not say %q", c.file, c.want)
		}
	}
}

// CONTRIBUTING's "Adding a shape" names files that exist, among them every
// file outside Go that holds a list of shapes.
func TestContributing(t *testing.T) {
	text := read(t, "CONTRIBUTING.md")
	_, section, ok := strings.Cut(text, "\n## Adding a shape\n")
	if !ok {
		t.Fatal(`CONTRIBUTING.md has no "## Adding a shape" section`)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Za-z0-9_./-]+\\.[a-z]+)`").FindAllStringSubmatch(section, -1) {
		named[m[1]] = true
		if _, err := os.Stat(filepath.Join(root, m[1])); err != nil {
			t.Errorf("CONTRIBUTING.md names %s: %v", m[1], err)
		}
	}
	if len(named) < 3 {
		t.Errorf("the section names %d files", len(named))
	}
	need := []string{"pkg/shape/table.go", "pkg/shape/verdict.go", "src/testing/goldenPanels.tsx"}
	need = append(need, dashboards...)
	for f := range listFiles(t) {
		need = append(need, f)
	}
	for _, f := range need {
		if !named[f] {
			t.Errorf("CONTRIBUTING.md's \"Adding a shape\" does not name %s", f)
		}
	}
}
