package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape/corpus"
)

const accuracyUsage = `Usage: memshape accuracy [--seed N] [--per-scenario N]

Generates the labelled corpus (pkg/shape/corpus: every shape and nuisance,
windows 2 minutes to 14 days) and scores the classifier beside today's
rules — predict_linear over the window projected 4 h and 24 h, a 1 %/h
linear regression rule, and Coroot's memory-leak check on the whole window
and as its alert: accuracy, macro-F1, false-leak rate and leak recall,
overall and per time scale (minutes, hours, days), then per scenario
accuracy, the share called a leak, false-leak rate and leak recall, then
the classifier's confusion matrix, and last how often its shape changes
when every case is queried at two or three steps. Seed 1 with 150 per
scenario is the reference corpus.
`

func runAccuracy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.Int64("seed", 1, "corpus seed")
	per := fs.Int("per-scenario", 150, "series per scenario")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, accuracyUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "memshape accuracy: %v\n\n%s", err, accuracyUsage)
		return exitUsage
	}
	if *per < 1 || *per > 10000 || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "memshape accuracy: --per-scenario must be 1–10000, and no arguments\n\n%s", accuracyUsage)
		return exitUsage
	}
	start := time.Now()
	cases := corpus.Generate(*seed, *per)
	fmt.Fprintf(stdout, "corpus: seed %d, %d series in %d scenarios, generated in %v\n\n", *seed, len(cases), len(corpus.Scenarios()), time.Since(start).Round(time.Millisecond))
	reports := corpus.Benchmark(cases)
	corpus.Compare(stdout, reports...)
	fmt.Fprintln(stdout)
	reports[0].WriteText(stdout)
	fmt.Fprintln(stdout)
	corpus.EvaluateSteps(corpus.GenerateSteps(*seed, *per), "shape.Classify", corpus.Memshape).WriteText(stdout)
	return exitOK
}
