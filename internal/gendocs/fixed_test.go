package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/method.md shows the fixed cases as the classifier judges them now:
// its section between the markers is what gendocs writes (the sentences
// are the verdicts'), and every picture it names exists.
func TestFixedSectionUpToDate(t *testing.T) {
	root := filepath.Join("..", "..")
	want, err := fixedSection(filepath.Join(root, "pkg", "shape", "testdata", "edge"), nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "method.md"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := section(doc)
	if !ok {
		t.Fatalf("docs/method.md has no section between %q and %q", fixedBegin, fixedEnd)
	}
	if got != strings.TrimSpace(want) {
		t.Errorf("docs/method.md's fixed cases are not what the classifier says now: run go run ./internal/gendocs and look at the pictures it draws (docs/img/fixed-*.png)\ngot:\n%s\nwant:\n%s", got, want)
	}
	for _, fc := range fixedCases {
		if fi, err := os.Stat(filepath.Join(root, "docs", "img", fc.img)); err != nil {
			t.Errorf("%s: %v (go run ./internal/gendocs draws it)", fc.img, err)
		} else if fi.Size() > 80<<10 {
			t.Errorf("%s is %d KiB: keep the pictures under 80 KiB", fc.img, fi.Size()>>10)
		}
	}
}
