package shape

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/memshape/memory-datasource/pkg/shape/edgecase"
)

// TestEdgeCases runs the hand-made cases in testdata/edge: each file holds
// one or more series written out in a small language (testdata/edge/README.md),
// the shape a careful person would name and why. Classify must name it,
// never panic, and say what the file says it says.
func TestEdgeCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "edge", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no edge cases in testdata/edge: %v", err)
	}
	var names []string
	for _, s := range Shapes {
		names = append(names, string(s))
	}
	if !slices.Equal(names, edgecase.ShapeNames) {
		t.Fatalf("the edge-case files may expect %v, the classifier names %v", edgecase.ShapeNames, names)
	}
	n := 0
	for _, file := range files {
		cases, err := edgecase.Read(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			n++
			t.Run(filepath.Base(file)+"/"+c.Name, func(t *testing.T) {
				v := Classify(c.T, c.V, Options{LimitBytes: c.Limit})
				if !slices.Contains(c.Want, string(v.Shape)) {
					t.Errorf("%s:%d: got %s, want %s: %s", file, c.Line, v.Shape, strings.Join(c.Want, " or "), v.Explanation)
				}
				for _, s := range c.Says {
					if !strings.Contains(v.Explanation, s) {
						t.Errorf("%s:%d: explanation %q lacks %q", file, c.Line, v.Explanation, s)
					}
				}
				if v.Components == nil || v.Explanation == "" || (v.Shape == Inconclusive && v.Reason == "") {
					t.Errorf("%s:%d: an unusable verdict: %+v", file, c.Line, v)
				}
				// Memory that falls is no growth: a verdict never speaks of
				// growth below zero (a level that falls after warm-up is
				// healthy; a curve that slowed has slowed to a standstill).
				if g := negativeGrowth.FindString(v.Explanation); g != "" && v.Shape != Healthy {
					t.Errorf("%s:%d: %s speaks of negative growth (%s): %s", file, c.Line, v.Shape, g, v.Explanation)
				}
				if strings.Contains(v.Reason, "internal error") {
					t.Errorf("%s:%d: %s", file, c.Line, v.Reason)
				}
			})
		}
	}
	t.Logf("%d edge cases in %d files", n, len(files))
}

// negativeGrowth is a growth rate below zero as the explanations write it.
var negativeGrowth = regexp.MustCompile(`-[0-9.]+ [KMGTPE]?i?B/h`)
