package corpus

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/baseline"
)

// Classifier names the shape of one case. It sees the whole case, so an
// adapter can pass Limit (e.g. as Options.LimitBytes) but must not peek at
// Want or Accept.
type Classifier func(c Case) shape.Shape

// Panicked is the answer recorded for a case on which the classifier
// panicked. It is never right.
const Panicked shape.Shape = "panic"

// ScenarioScore is a classifier's result on one scenario.
type ScenarioScore struct {
	Scenario string
	N        int
	Correct  int
	Accuracy float64 // Correct / N
	// CalledLeak counts the cases answered leak: for scenarios that are no
	// leak, the false alarms a leak rule would raise.
	CalledLeak int
	// FalseLeakRate and LeakRecall as in Report, over the scenario's cases;
	// NotLeak and Leaks are their denominators (0: not defined here).
	FalseLeakRate, LeakRecall float64
	NotLeak, Leaks            int
	falseLeaks, caughtLeaks   int
}

// ScaleScore is a classifier's result on the cases of one time scale.
type ScaleScore struct {
	Scale         Scale
	N, Correct    int
	Accuracy      float64
	FalseLeakRate float64
	LeakRecall    float64
	// NotLeak and Leaks are the denominators of FalseLeakRate and
	// LeakRecall.
	NotLeak, Leaks int
}

// Miss is one case a classifier got wrong.
type Miss struct {
	Name string
	Want shape.Shape
	Got  shape.Shape
}

// Report is how one classifier did on a set of cases.
//
// Definitions:
//   - A case is correct if the answer is its Want or one of its Accept.
//   - Accuracy is the share of correct cases.
//   - The confusion matrix counts cases by (Want, answer), where an answer
//     in Accept counts as Want: it was right.
//   - MacroF1 is the mean over the labels that occur as Want of
//     F1 = 2·TP / (2·TP + FP + FN), read off the confusion matrix.
//   - FalseLeakRate is the share of cases that must not be called a leak
//     (Want ≠ leak and leak ∉ Accept) that were classified leak.
//   - LeakRecall is the share of cases with Want == leak classified leak.
type Report struct {
	Classifier string
	N          int
	Correct    int
	Accuracy   float64
	MacroF1    float64
	// F1 per label that occurs as Want.
	F1            map[shape.Shape]float64
	FalseLeakRate float64
	LeakRecall    float64
	// NotLeak and Leaks are the denominators of FalseLeakRate and
	// LeakRecall.
	NotLeak, Leaks int
	Panics         int
	// Scenarios in the order they first occur in the cases.
	Scenarios []ScenarioScore
	// Scales holds accuracy, false-leak rate and leak recall per time scale
	// (minutes, hours, days) that occurs in the cases.
	Scales []ScaleScore
	// Confusion[want][got] counts cases; got ∈ Accept is counted as want.
	Confusion map[shape.Shape]map[shape.Shape]int
	// Misses lists the wrong answers in case order.
	Misses []Miss
	// Elapsed is the wall time the classifier took over all cases.
	Elapsed time.Duration
}

// Evaluate runs f on every case (in parallel: f must be safe for concurrent
// use) and scores it. A panic in f is recovered and recorded as the answer
// Panicked.
func Evaluate(cases []Case, name string, f Classifier) Report {
	start := time.Now()
	r := score(cases, classifyAll(cases, f))
	r.Classifier = name
	r.Elapsed = time.Since(start)
	return r
}

// classifyAll runs f on every case in parallel and returns the answers in
// case order.
func classifyAll(cases []Case, f Classifier) []shape.Shape {
	got := make([]shape.Shape, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				got[i] = classifySafely(f, cases[i])
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return got
}

func classifySafely(f Classifier, c Case) (got shape.Shape) {
	defer func() {
		if recover() != nil {
			got = Panicked
		}
	}()
	return f(c)
}

// score builds a report from the answers got[i] to cases[i].
func score(cases []Case, got []shape.Shape) Report {
	r := Report{
		N:         len(cases),
		F1:        map[shape.Shape]float64{},
		Confusion: map[shape.Shape]map[shape.Shape]int{},
	}
	byScenario := map[string]*ScenarioScore{}
	var order []string
	falseLeaks, caughtLeaks := 0, 0
	type scaleTally struct {
		ScaleScore
		falseLeaks, caught int
	}
	byScale := map[Scale]*scaleTally{}
	for i, c := range cases {
		g := got[i]
		ok := c.Correct(g)
		if g == Panicked {
			r.Panics++
		}
		sc := byScale[ScaleOf(c.Window)]
		if sc == nil {
			sc = &scaleTally{ScaleScore: ScaleScore{Scale: ScaleOf(c.Window)}}
			byScale[sc.Scale] = sc
		}
		sc.N++
		if ok {
			sc.Correct++
		}

		s := byScenario[c.Scenario]
		if s == nil {
			s = &ScenarioScore{Scenario: c.Scenario}
			byScenario[c.Scenario] = s
			order = append(order, c.Scenario)
		}
		s.N++
		if g == shape.Leak {
			s.CalledLeak++
		}

		counted := g
		if ok {
			r.Correct++
			s.Correct++
			counted = c.Want
		} else {
			r.Misses = append(r.Misses, Miss{Name: c.Name, Want: c.Want, Got: g})
		}
		if r.Confusion[c.Want] == nil {
			r.Confusion[c.Want] = map[shape.Shape]int{}
		}
		r.Confusion[c.Want][counted]++

		switch {
		case c.Want == shape.Leak:
			r.Leaks++
			sc.Leaks++
			s.Leaks++
			if g == shape.Leak {
				caughtLeaks++
				sc.caught++
				s.caughtLeaks++
			}
		case !slices.Contains(c.Accept, shape.Leak):
			r.NotLeak++
			sc.NotLeak++
			s.NotLeak++
			if g == shape.Leak {
				falseLeaks++
				sc.falseLeaks++
				s.falseLeaks++
			}
		}
	}
	for _, scale := range Scales {
		if sc := byScale[scale]; sc != nil {
			sc.Accuracy = ratio(sc.Correct, sc.N)
			sc.FalseLeakRate = ratio(sc.falseLeaks, sc.NotLeak)
			sc.LeakRecall = ratio(sc.caught, sc.Leaks)
			r.Scales = append(r.Scales, sc.ScaleScore)
		}
	}

	r.Accuracy = ratio(r.Correct, r.N)
	r.FalseLeakRate = ratio(falseLeaks, r.NotLeak)
	r.LeakRecall = ratio(caughtLeaks, r.Leaks)
	for _, name := range order {
		s := byScenario[name]
		s.Accuracy = ratio(s.Correct, s.N)
		s.FalseLeakRate = ratio(s.falseLeaks, s.NotLeak)
		s.LeakRecall = ratio(s.caughtLeaks, s.Leaks)
		r.Scenarios = append(r.Scenarios, *s)
	}

	wants := r.Wants()
	for _, label := range wants {
		tp := r.Confusion[label][label]
		fp, fn := 0, 0
		for _, want := range wants {
			if want != label {
				fp += r.Confusion[want][label]
			}
		}
		for g, n := range r.Confusion[label] {
			if g != label {
				fn += n
			}
		}
		r.F1[label] = ratio(2*tp, 2*tp+fp+fn)
		r.MacroF1 += r.F1[label]
	}
	if len(wants) > 0 {
		r.MacroF1 /= float64(len(wants))
	}
	return r
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Wants lists the labels that occur as Want, in shape.Shapes order.
func (r Report) Wants() []shape.Shape {
	var out []shape.Shape
	for _, s := range shape.Shapes {
		if r.Confusion[s] != nil {
			out = append(out, s)
		}
	}
	return out
}

// answers lists every answer in the confusion matrix: shape.Shapes first,
// then anything else (a panic, an unknown shape) sorted.
func (r Report) answers() []shape.Shape {
	out := slices.Clone(shape.Shapes)
	var extra []shape.Shape
	for _, row := range r.Confusion {
		for g := range row {
			if !slices.Contains(out, g) && !slices.Contains(extra, g) {
				extra = append(extra, g)
			}
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// maxMissesShown bounds the misses WriteText lists per scenario.
const maxMissesShown = 3

// WriteText writes the report as readable tables: the summary, accuracy per
// scenario with a few misclassified cases, and the confusion matrix.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s: %d cases in %v\n", r.Classifier, r.N, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  accuracy %s  macro-F1 %.3f  false-leak rate %s (of %d)  leak recall %s (of %d)",
		pct(r.Accuracy), r.MacroF1, pct(r.FalseLeakRate), r.NotLeak, pct(r.LeakRecall), r.Leaks)
	if r.Panics > 0 {
		fmt.Fprintf(w, "  PANICS %d", r.Panics)
	}
	fmt.Fprintln(w)
	for _, sc := range r.Scales {
		fmt.Fprintf(w, "  %-7s  accuracy %s (of %d)  false-leak rate %s (of %d)  leak recall %s (of %d)\n",
			sc.Scale, pct(sc.Accuracy), sc.N, pct(sc.FalseLeakRate), sc.NotLeak, pct(sc.LeakRecall), sc.Leaks)
	}

	missesBy := map[string][]string{}
	for _, m := range r.Misses {
		scenario, _, _ := strings.Cut(m.Name, "/")
		missesBy[scenario] = append(missesBy[scenario], fmt.Sprintf("%s→%s", m.Name, m.Got))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nscenario\tn\taccuracy\tsome misses")
	for _, s := range r.Scenarios {
		misses := missesBy[s.Scenario]
		more := ""
		if len(misses) > maxMissesShown {
			more = fmt.Sprintf(" (+%d)", len(misses)-maxMissesShown)
			misses = misses[:maxMissesShown]
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s%s\n", s.Scenario, s.N, pct(s.Accuracy), strings.Join(misses, " "), more)
	}
	tw.Flush()

	answers := r.answers()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\nwant \\ got\t")
	for _, a := range answers {
		fmt.Fprintf(tw, "%s\t", a)
	}
	fmt.Fprintln(tw, "F1\t")
	for _, want := range r.Wants() {
		fmt.Fprintf(tw, "%s\t", want)
		for _, a := range answers {
			fmt.Fprintf(tw, "%d\t", r.Confusion[want][a])
		}
		fmt.Fprintf(tw, "%.3f\t\n", r.F1[want])
	}
	tw.Flush()
}

// Compare writes reports side by side: first one row per classifier with
// accuracy, macro-F1, false-leak rate and leak recall, then accuracy per
// scenario with one column per classifier, then the share of each
// scenario's cases each classifier called leak (false alarms where the
// scenario is no leak; baselines can only say leak or healthy, so this is
// the fairer column for them).
func Compare(w io.Writer, reports ...Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "classifier\tn\taccuracy\tmacro-F1\tfalse-leak\tleak recall\ttime\t")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.3f\t%s\t%s\t%v\t\n", r.Classifier, r.N, pct(r.Accuracy), r.MacroF1,
			pct(r.FalseLeakRate), pct(r.LeakRecall), r.Elapsed.Round(time.Millisecond))
	}
	tw.Flush()

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nper time scale\tn\taccuracy\tfalse-leak\tleak recall\t")
	for _, r := range reports {
		for _, sc := range r.Scales {
			fmt.Fprintf(tw, "%s, %s\t%d\t%s\t%s\t%s\t\n", r.Classifier, sc.Scale, sc.N, pct(sc.Accuracy), pct(sc.FalseLeakRate), pct(sc.LeakRecall))
		}
	}
	tw.Flush()

	perScenario(w, reports, "accuracy", func(s ScenarioScore) float64 { return s.Accuracy })
	perScenario(w, reports, "called leak", func(s ScenarioScore) float64 { return ratio(s.CalledLeak, s.N) })
	perScenarioIf(w, reports, "false-leak rate", func(s ScenarioScore) (float64, bool) { return s.FalseLeakRate, s.NotLeak > 0 })
	perScenarioIf(w, reports, "leak recall", func(s ScenarioScore) (float64, bool) { return s.LeakRecall, s.Leaks > 0 })
}

// perScenario writes one row per scenario and one column per report with
// the share f picks from each ScenarioScore.
func perScenario(w io.Writer, reports []Report, title string, f func(ScenarioScore) float64) {
	perScenarioIf(w, reports, title, func(s ScenarioScore) (float64, bool) { return f(s), true })
}

// perScenarioIf is perScenario for a share that is defined on some
// scenarios only: rows where no report defines it are left out, and
// undefined cells show "-".
func perScenarioIf(w io.Writer, reports []Report, title string, f func(ScenarioScore) (float64, bool)) {
	var order []string
	cells := map[string][]string{}
	for k, r := range reports {
		for _, s := range r.Scenarios {
			if cells[s.Scenario] == nil {
				order = append(order, s.Scenario)
				cells[s.Scenario] = make([]string, len(reports))
				for i := range cells[s.Scenario] {
					cells[s.Scenario][i] = "-"
				}
			}
			if x, ok := f(s); ok {
				cells[s.Scenario][k] = pct(x)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\n%s\t", title)
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t", r.Classifier)
	}
	fmt.Fprintln(tw)
	for _, s := range order {
		if slices.ContainsFunc(cells[s], func(c string) bool { return c != "-" }) {
			fmt.Fprintf(tw, "%s\t%s\t\n", s, strings.Join(cells[s], "\t"))
		}
	}
	tw.Flush()
}

// StepReport is how one classifier did on the same cases viewed at two or
// three steps each (GenerateSteps).
type StepReport struct {
	// All scores every view of every case.
	All Report
	// Groups counts the cases; Changed those whose views did not all get
	// the same shape; RightAndWrong those where one view's answer is right
	// and another's wrong (the rest changed between two right answers,
	// e.g. bloat and fragmentation on the trap).
	Groups, Changed, RightAndWrong int
	// Unstable is Changed / Groups; UnstableRight is RightAndWrong / Groups.
	Unstable, UnstableRight float64
	// Examples names a few changed cases with the shape at each step.
	Examples []string
	// ByScenario counts changed cases per scenario; Cases counts every
	// case per scenario.
	ByScenario, Cases map[string]int
}

// Without is the share of cases whose shape changes with the step outside
// the scenarios named.
func (sr StepReport) Without(scenarios ...string) float64 {
	changed, groups := sr.Changed, sr.Groups
	for _, s := range scenarios {
		changed -= sr.ByScenario[s]
		groups -= sr.Cases[s]
	}
	return ratio(changed, groups)
}

// Of is the share of a scenario's cases whose shape changes with the step.
func (sr StepReport) Of(scenario string) float64 {
	return ratio(sr.ByScenario[scenario], sr.Cases[scenario])
}

// maxStepExamples bounds StepReport.Examples.
const maxStepExamples = 400

// EvaluateSteps classifies every view of every case and reports how often
// the shape changes with the step.
func EvaluateSteps(groups [][]Case, name string, f Classifier) StepReport {
	var all []Case
	for _, g := range groups {
		all = append(all, g...)
	}
	start := time.Now()
	got := classifyAll(all, f)
	r := score(all, got)
	r.Classifier = name
	r.Elapsed = time.Since(start)
	sr := StepReport{All: r, Groups: len(groups), ByScenario: map[string]int{}, Cases: map[string]int{}}
	i := 0
	for _, g := range groups {
		answers := got[i : i+len(g)]
		i += len(g)
		sr.Cases[g[0].Scenario]++
		if len(g) < 2 {
			continue
		}
		same := true
		for _, a := range answers[1:] {
			same = same && a == answers[0]
		}
		if same {
			continue
		}
		sr.Changed++
		for k, c := range g[1:] {
			if c.Correct(answers[k+1]) != g[0].Correct(answers[0]) {
				sr.RightAndWrong++
				break
			}
		}
		sr.ByScenario[g[0].Scenario]++
		if len(sr.Examples) < maxStepExamples {
			parts := make([]string, len(g))
			for k, c := range g {
				parts[k] = fmt.Sprintf("%v→%s", c.Step, answers[k])
			}
			sr.Examples = append(sr.Examples, g[0].Name+" "+strings.Join(parts, " "))
		}
	}
	sr.Unstable = ratio(sr.Changed, sr.Groups)
	sr.UnstableRight = ratio(sr.RightAndWrong, sr.Groups)
	return sr
}

// WriteText writes the share of cases whose shape changes with the step,
// the scenarios they come from and a few examples.
func (sr StepReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s at every step: %d views of %d cases, accuracy %s, false-leak %s, leak recall %s\n",
		sr.All.Classifier, sr.All.N, sr.Groups, pct(sr.All.Accuracy), pct(sr.All.FalseLeakRate), pct(sr.All.LeakRecall))
	fmt.Fprintf(w, "  shape changes with the step: %s (%d of %d cases); between a right and a wrong answer: %s (%d)\n",
		pct(sr.Unstable), sr.Changed, sr.Groups, pct(sr.UnstableRight), sr.RightAndWrong)
	names := make([]string, 0, len(sr.ByScenario))
	for s := range sr.ByScenario {
		names = append(names, s)
	}
	slices.Sort(names)
	for _, s := range names {
		fmt.Fprintf(w, "    %s: %d\n", s, sr.ByScenario[s])
	}
	for _, e := range sr.Examples {
		fmt.Fprintf(w, "    %s\n", e)
	}
}

// pct formats a share as a percentage with one decimal.
func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// Memshape classifies a case with shape.Classify, its limit passed as
// Options.LimitBytes.
func Memshape(c Case) shape.Shape {
	return shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit}).Shape
}

// FromDetector adapts a baseline rule.
func FromDetector(d baseline.Detector) Classifier {
	return func(c Case) shape.Shape { return d(c.T, c.V, c.Limit) }
}

// Benchmark scores shape.Classify and today's rules — predict_linear over
// the window projected 4 h and 24 h, a 1 %/h linear-regression rule, and
// Coroot's memory-leak check on the whole window and as its alert — on the
// same cases. The first report is shape.Classify's.
func Benchmark(cases []Case) []Report {
	return []Report{
		Evaluate(cases, "shape.Classify", Memshape),
		Evaluate(cases, "predict_linear 4h", FromDetector(baseline.PredictLinear)),
		Evaluate(cases, "predict_linear 24h", FromDetector(baseline.PredictLinearHorizon(24*time.Hour))),
		Evaluate(cases, "1%/h, R²≥0.5", FromDetector(baseline.PercentPerHour)),
		Evaluate(cases, "Coroot check", FromDetector(baseline.CorootCheck)),
		Evaluate(cases, "Coroot alert", FromDetector(baseline.CorootAlert)),
	}
}
