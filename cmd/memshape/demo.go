package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/corpus"
)

const demoUsage = `Usage: memshape demo [--format table|json]

Classifies built-in examples — one series of each shape from the seed post,
the bloat-plus-fragmentation trap, and the nuisances that fool today's
alerts (warm-up, GC sawtooth, restarts, a daily cycle) — each against its
own memory limit, and prints the verdicts like classify does. The series
come from the labelled corpus (pkg/shape/corpus, seed 1); the label
"expected" says what each one is.
`

// demoScenarios are the corpus scenarios the demo shows, in reading order.
var demoScenarios = []string{
	"leak", "leak-restarts", "leak-gc", "fragmentation-log", "fragmentation-saturating",
	"bloat", "trap", "healthy-warmup", "healthy-gc", "healthy-restarts", "healthy-diurnal",
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, demoUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "memshape demo: %v\n\n%s", err, demoUsage)
		return exitUsage
	}
	if *format != "table" && *format != "json" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "memshape demo: want --format table or json and no arguments\n\n%s", demoUsage)
		return exitUsage
	}
	want := map[string]bool{}
	for _, s := range demoScenarios {
		want[s] = true
	}
	var ss []series.Series
	var vs []shape.Verdict
	for _, c := range corpus.Generate(1, 1) {
		if !want[c.Scenario] {
			continue
		}
		expected := string(c.Want)
		for _, a := range c.Accept {
			expected += " or " + string(a)
		}
		ss = append(ss, series.Series{
			Labels: map[string]string{"__name__": "demo_memory_bytes", "scenario": c.Scenario, "window": c.Window.String(), "expected": expected},
			T:      c.T, V: c.V,
		})
		vs = append(vs, shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit}))
	}
	var err error
	if *format == "json" {
		err = writeJSON(stdout, ss, vs)
	} else {
		err = writeTable(stdout, ss, vs)
	}
	if err != nil {
		fmt.Fprintf(stderr, "memshape: writing output: %v\n", err)
		return exitError
	}
	return exitOK
}
