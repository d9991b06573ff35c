package shape

import "slices"

// Info is everything the project says of one shape apart from how it is
// found: its words, rank, colours and alert number. Table holds one per
// shape; the frames, the charts, the CLI and gendocs read it, and a test
// (internal/shapecheck) holds the dashboards, the frontend's lists and the
// docs to it.
type Info struct {
	Shape Shape
	// Title names the shape in a heading: the fleet dashboard's stat
	// panels ("Leak").
	Title string
	// Word is the shape as a legend badge, a notice's head and a
	// dashboard's value mapping show it: capitals for a growth shape
	// ("LEAK"), the plain name otherwise ("healthy").
	Word string
	// Severity ranks the shape by how soon it needs a person; the verdict
	// table's severity column and worst-first sort.
	Severity int
	// Growth: a shape of growth. It is badged in the legend, counted by
	// the growth_confidence alert value and the growing-series annotations,
	// and named in a notice's head.
	Growth bool
	// Warns: a query where the shape appears gets a warning notice, not an
	// info one.
	Warns bool
	// Color is the shape's colour on the dashboards (a Grafana colour name
	// or #rrggbb): the value mappings of the shape column and stat, and
	// the fleet dashboard's stat per shape.
	Color string
	// Chart is the shape's colour in the PNG charts (pkg/plot: the CLI's
	// plot, docs/img), #RRGGBB: a darker shade of Color from Grafana's
	// palette (charts are drawn on white), so that a shape reads the same
	// colour on a dashboard and in a picture.
	Chart string
	// Alert is the alert value whose number is this shape's confidence
	// alone (0 for any other shape); "" when there is none.
	Alert string
	// Score is where Scores keeps the evidence for the shape; nil when it
	// has none (inconclusive).
	Score func(*Scores) *float64
}

// Table lists the shapes, in the order they are introduced (Shapes).
var Table = []Info{
	{Shape: Leak, Title: "Leak", Word: "LEAK", Severity: 4, Growth: true, Warns: true,
		Color: "red", Chart: "#E02F44", Alert: "leak_confidence",
		Score: func(s *Scores) *float64 { return &s.Leak }},
	{Shape: Fragmentation, Title: "Fragmentation", Word: "FRAGMENTATION", Severity: 2, Growth: true,
		Color: "yellow", Chart: "#E0B400",
		Score: func(s *Scores) *float64 { return &s.Fragmentation }},
	{Shape: Bloat, Title: "Bloat", Word: "BLOAT", Severity: 3, Growth: true,
		Color: "orange", Chart: "#FA6400",
		Score: func(s *Scores) *float64 { return &s.Bloat }},
	{Shape: Healthy, Title: "Healthy", Word: "healthy", Severity: 0,
		Color: "green", Chart: "#37872D",
		Score: func(s *Scores) *float64 { return &s.Healthy }},
	{Shape: Inconclusive, Title: "Inconclusive", Word: "inconclusive", Severity: 1,
		Color: "#8e8e8e", Chart: "#8E8E8E"},
}

// Shapes lists the shapes in Table's order.
var Shapes = func() []Shape {
	out := make([]Shape, len(Table))
	for i, in := range Table {
		out[i] = in.Shape
	}
	return out
}()

// Lookup is the Info of s; false for an unknown shape.
func Lookup(s Shape) (Info, bool) {
	for _, in := range Table {
		if in.Shape == s {
			return in, true
		}
	}
	return Info{}, false
}

// Listed is the order a notice counts the shapes in and a dashboard shows
// them (its stats and value mappings): the growth shapes worst first,
// then the others in Table's order — leak, bloat, fragmentation,
// healthy, inconclusive.
func Listed() []Info {
	var growth, rest []Info
	for _, in := range Table {
		if in.Growth {
			growth = append(growth, in)
		} else {
			rest = append(rest, in)
		}
	}
	slices.SortStableFunc(growth, func(a, b Info) int { return b.Severity - a.Severity })
	return append(growth, rest...)
}

// IsGrowth reports whether s is a shape of growth: leak, fragmentation or
// bloat (Info.Growth).
func (s Shape) IsGrowth() bool {
	in, _ := Lookup(s)
	return in.Growth
}

// Severity ranks a shape by how soon it needs a person (Info.Severity):
// leak 4 (grows until the process dies), bloat 3 (a lasting step up that
// may come again), fragmentation 2 (grows ever slower), inconclusive 1
// (watch it), healthy 0. An unknown shape ranks -1. Sort verdicts by it,
// highest first, to put the worst first.
func (s Shape) Severity() int {
	if in, ok := Lookup(s); ok {
		return in.Severity
	}
	return -1
}

// Map is s with f applied to every shape's score.
func (s Scores) Map(f func(float64) float64) Scores {
	for _, in := range Table {
		if in.Score != nil {
			p := in.Score(&s)
			*p = f(*p)
		}
	}
	return s
}
