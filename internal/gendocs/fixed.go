package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/plot"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/edgecase"
	"github.com/memshape/memory-datasource/pkg/units"
)

// fixedCase is a hand-made edge case whose verdict once read wrong, drawn
// as the classifier judges it now.
type fixedCase struct {
	file, name string // pkg/shape/testdata/edge/<file>, case <name>
	img        string // docs/img/<img>
	title      string // the section's heading
	why        string // one line: why the verdict is right
	// last, when set, draws only the series' last stretch of this long
	// (the verdict is the whole series'): lifetimes of minutes do not read
	// over a week.
	last time.Duration
}

// fixedCases are drawn in this order in docs/method.md.
var fixedCases = []fixedCase{
	{"slow-rise.txt", "warm-up-then-drifting-down", "fixed-warmup-drifting-down.png",
		"A level that falls after warm-up",
		"Memory that climbs while the process warms up and then drifts down does not grow: no verdict speaks of growth below zero — a level that falls after warm-up is healthy, and a curve that slowed is said to have slowed to a standstill.", 0},
	{"slow-rise.txt", "s-shaped-rise", "fixed-s-shaped-rise.png",
		"One slow rise that stops: bloat",
		"A rise that starts slowly, climbs fast and stops at a level that then holds, short against the window, is one jump taken slowly — bloat — not a curve that slows from its start.", 0},
	{"slow-rise.txt", "saturating-from-the-start", "fixed-saturating.png",
		"Growth fastest at its start: fragmentation",
		"Growth that is fastest at the start and slows from there towards a ceiling stays fragmentation; its forecast runs on at today's rate, with its band.", 0},
	{"jumps-and-growth.txt", "steady-climb-with-uneven-steps", "fixed-leak-jumps.png",
		"A leak that also jumps",
		"The steps carry under a third of the rise; between them memory climbs at one rate from the first stretch to the last. Bloat would say the jumps carry the growth, so this is a leak, and the sentence names its jumps.", 0},
	{"jumps-and-growth.txt", "leak-that-also-jumps-over-days", "fixed-leak-jumps-days.png",
		"A leak that also jumps, over days",
		"Over three days the jumps carry under a third of the rise, and between them memory climbs at one rate half against half, stretch against stretch and piece by piece within its noise: a leak naming its jumps. The trap fails the last test: its jumps that a coarse step does not find make pieces that climb and pieces that stay flat. Its band starts at the data and opens upwards only: the lower edge climbs with the steady rate, the upper with the rate the jumps add.", 0},
	{"coarse-steps.txt", "leak-restarted-every-80-min-at-20-min-step", "fixed-leak-coarse-step.png",
		"A leak restarted every 80 minutes, seen at a 20-minute step",
		"Each lifetime is four points at this step, and every one climbs at the same rate from the same start: restarts of a few points are restarts, and the shape is the one a 1-minute step shows. The forecast runs to the next restart, no further (the last 12 hours of the week drawn).", 12 * time.Hour},
	{"daily-cycle.txt", "daily-swing-of-200-mib", "fixed-daily-range.png",
		"A daily cycle's healthy range",
		"The range a healthy verdict gives is where the series lives, its daily swing included — not the middle of the swing.", 0},
	{"forecast.txt", "wandering-leak-toward-the-limit", "fixed-forecast-band.png",
		"The forecast's band and the time to limit's range",
		"The forecast is drawn with its 95 % band (from the fit's residuals, widened for their autocorrelation), and the time to limit comes with the range where the band's edges meet the limit.", 0},
	{"forecast.txt", "leak-restarted-before-the-limit", "fixed-forecast-restart.png",
		"A forecast that stops at the next restart",
		"The process restarts every ~10 h, long before its growth would reach the limit: no time to limit is given, and the forecast and its band run only to where the next restart is due.", 0},
}

// Markers of the generated section in docs/method.md.
const (
	fixedBegin = "<!-- fixed cases: written by go run ./internal/gendocs; do not edit by hand -->"
	fixedEnd   = "<!-- end of fixed cases -->"
)

// drawFixed draws fixedCases into dir and, unless method is "", rewrites
// the section between the markers in method.
func drawFixed(dir, edgeDir, method string, log io.Writer) error {
	md, err := fixedSection(edgeDir, func(fc fixedCase, c edgecase.Case, v shape.Verdict) error {
		s := series.Series{Labels: map[string]string{"case": fc.name}, T: c.T, V: c.V}
		o := plot.Options{Width: width, Height: height, Limit: c.Limit,
			Title: fmt.Sprintf("edge case %s (%s)", fc.name, fc.file)}
		if fc.last > 0 && len(c.T) > 0 {
			from := c.T[len(c.T)-1] - fc.last.Milliseconds()
			i, _ := slices.BinarySearch(c.T, from)
			s.T, s.V = c.T[i:], c.V[i:]
			o.Title += ", its last " + units.FormatDuration(fc.last)
		}
		file := filepath.Join(dir, fc.img)
		if err := write(file, func(w io.Writer) error { return plot.Render(w, s, v, o) }); err != nil {
			return err
		}
		fmt.Fprintf(log, "%s\t%s/%s\t%s\n", file, fc.file, fc.name, v.Shape)
		return nil
	})
	if err != nil || method == "" {
		return err
	}
	return rewriteSection(method, md)
}

// fixedSection classifies fixedCases, calls draw for each, and returns
// the section of docs/method.md that shows them: per case a heading, its
// picture, the verdict's sentence as the tool prints it, and why. A case
// whose verdict is not one its file expects is an error: a picture must
// not show a wrong verdict.
func fixedSection(edgeDir string, draw func(fixedCase, edgecase.Case, shape.Verdict) error) (string, error) {
	var md strings.Builder
	for _, fc := range fixedCases {
		c, err := edgecase.Find(filepath.Join(edgeDir, fc.file), fc.name)
		if err != nil {
			return "", err
		}
		v := shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit})
		if !slices.Contains(c.Want, string(v.Shape)) {
			return "", fmt.Errorf("edge case %s/%s: the classifier says %s, the file expects %s: %s", fc.file, fc.name, v.Shape, strings.Join(c.Want, " or "), v.Explanation)
		}
		if draw != nil {
			if err := draw(fc, c, v); err != nil {
				return "", err
			}
		}
		fmt.Fprintf(&md, "### %s\n\n![%s](img/%s)\n\n> %s\n\n%s (`pkg/shape/testdata/edge/%s`, case `%s`)\n\n",
			fc.title, fc.title, fc.img, v.Explanation, fc.why, fc.file, fc.name)
	}
	return strings.TrimSuffix(md.String(), "\n"), nil
}

// section is what lies between fixedBegin and fixedEnd in a document,
// trimmed.
func section(doc []byte) (string, bool) {
	i, j := bytes.Index(doc, []byte(fixedBegin)), bytes.Index(doc, []byte(fixedEnd))
	if i < 0 || j < i {
		return "", false
	}
	return strings.TrimSpace(string(doc[i+len(fixedBegin) : j])), true
}

// rewriteSection replaces what lies between fixedBegin and fixedEnd in
// the file with body.
func rewriteSection(path, body string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if _, ok := section(old); !ok {
		return fmt.Errorf("%s has no section between %q and %q", path, fixedBegin, fixedEnd)
	}
	i, j := bytes.Index(old, []byte(fixedBegin)), bytes.Index(old, []byte(fixedEnd))
	var out bytes.Buffer
	out.Write(old[:i+len(fixedBegin)])
	out.WriteString("\n\n" + body + "\n")
	out.Write(old[j:])
	return os.WriteFile(path, out.Bytes(), 0o644)
}
