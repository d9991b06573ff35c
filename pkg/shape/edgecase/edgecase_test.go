package edgecase

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file is read as the README says, and a problem names its line.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", "# a comment\ncase climb\nstep 1m\nvalues 1GiB+1MiBx3 _ 2GiB\nlimit 4GiB\nexpect leak or inconclusive\nsays \"Leak\"\n")
	c, err := Find(good, "climb")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.T) != 5 || c.T[4]-c.T[3] != 2*60_000 || c.V[1] != 1<<30+1<<20 || c.V[4] != 2<<30 {
		t.Errorf("points: %v %v", c.T, c.V)
	}
	if c.Limit != 4<<30 || strings.Join(c.Want, ",") != "leak,inconclusive" || len(c.Says) != 1 || c.Says[0] != "Leak" || c.Line != 2 {
		t.Errorf("case: %+v", c)
	}
	if _, err := Find(good, "other"); err == nil || !strings.Contains(err.Error(), "no case other") {
		t.Errorf("a missing case: %v", err)
	}
	for text, want := range map[string]string{
		"case a\nstep 1m\nvalues 1\nexpect leek\n": "line 4: unknown shape",
		"case a\nvalues 1\nexpect leak\n":          "line 2: values before a step line",
		"case a\nstep 1m\nvalues 1\n":              "has no expect line",
		"step 1m\n":                                "before the first case line",
	} {
		if _, err := Read(write("bad.txt", text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}
