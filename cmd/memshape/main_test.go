package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	memshape "github.com/memshape/memory-datasource"
	"github.com/memshape/memory-datasource/pkg/input"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// inputDir holds the test inputs this command shares with pkg/input.
const inputDir = "../../pkg/input/testdata/"

// testFile is the path of a test input: this command's own testdata
// (prom_6h.json), else the shared inputs.
func testFile(name string) string {
	if _, err := os.Stat(filepath.Join("testdata", name)); err == nil {
		return filepath.Join("testdata", name)
	}
	return inputDir + name
}

// runCLI runs the program in-process.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// contractKeys are the keys of each result, in order, that --format json
// promises.
var contractKeys = []string{"metric", "shape", "components", "confidence", "growth_bytes_per_hour", "explanation"}

func TestVersion(t *testing.T) {
	code, out, errs := runCLI(t, "", "version")
	// The plugin's version (package.json's), not "dev".
	if code != 0 || out != "memshape "+memshape.Version()+"\n" || memshape.Version() == "dev" || errs != "" {
		t.Errorf("version: code %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, _ := runCLI(t, "", "version", "extra"); code != 2 {
		t.Errorf("version extra: code %d, want 2", code)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || errs != "" {
			t.Errorf("%v: code %d, stderr %q", args, code, errs)
		}
		for _, want := range []string{"Usage:", "Commands:", "classify", "version", "help", "Examples:", "memshape classify --limit 2GiB"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: usage lacks %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"help", "classify"}, {"classify", "-h"}, {"classify", "--help"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(out, "--sensitivity low|normal|high") || !strings.Contains(out, "2GiB, 512MiB, 1.5GB, 1e9") {
			t.Errorf("%v: code %d, stdout:\n%s", args, code, out)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"--format", "json"}, {"help", "frobnicate"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 2 {
			t.Errorf("%v: code %d, want 2", args, code)
		}
		if out != "" {
			t.Errorf("%v: stdout %q, want nothing", args, out)
		}
		if !strings.Contains(errs, "Usage:") || !strings.Contains(errs, "Commands:") {
			t.Errorf("%v: stderr lacks usage:\n%s", args, errs)
		}
	}
	_, _, errs := runCLI(t, "", "frobnicate")
	if !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("stderr %q", errs)
	}
}

// TestClassifyJSON runs each input format through --format json and checks
// the public contract: key names and order, [] and {} rather than null,
// and the series' labels unchanged.
func TestClassifyJSON(t *testing.T) {
	for _, file := range []string{"prom_matrix.json", "prom_6h.json", "dd_query.json", "mem.csv"} {
		t.Run(file, func(t *testing.T) {
			path := testFile(file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := input.Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want := res.Series

			// From a file, from "-" and from stdin with no argument.
			var outs []string
			for _, args := range [][]string{
				{"classify", "--group-by", "series", "--format", "json", path},
				{"classify", "--group-by", "series", "--format=json", "-"},
				{"classify", "--group-by=series", "--format", "json"},
				{"classify", path, "--format", "json", "--limit", "2GiB", "--group-by", "series"},
			} {
				stdin := ""
				if args[len(args)-1] != path && !contains(args, path) {
					stdin = string(data)
				}
				code, out, errs := runCLI(t, stdin, args...)
				if code != 0 || errs != "" {
					t.Fatalf("%v: code %d, stderr %q", args, code, errs)
				}
				outs = append(outs, out)
			}
			if outs[0] != outs[1] || outs[0] != outs[2] {
				t.Errorf("file and stdin give different output")
			}

			out := outs[0]
			var doc struct {
				Results []map[string]json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if len(doc.Results) != len(want) {
				t.Fatalf("%d results, want %d", len(doc.Results), len(want))
			}
			orders := resultKeyOrders(t, out)
			for i, res := range doc.Results {
				for _, k := range contractKeys {
					if _, ok := res[k]; !ok {
						t.Errorf("result %d lacks %q", i, k)
					}
				}
				if got := orders[i]; len(got) < len(contractKeys) || !reflect.DeepEqual(got[:len(contractKeys)], contractKeys) {
					t.Errorf("result %d keys %v, want them to start with %v", i, got, contractKeys)
				}
				var labels map[string]string
				if err := json.Unmarshal(res["metric"], &labels); err != nil || labels == nil {
					t.Errorf("result %d metric %s: %v", i, res["metric"], err)
				}
				if !reflect.DeepEqual(labels, want[i].Labels) {
					t.Errorf("result %d metric %v, want the labels unchanged: %v", i, labels, want[i].Labels)
				}
				var comps []shape.Shape
				if err := json.Unmarshal(res["components"], &comps); err != nil || comps == nil {
					t.Errorf("result %d components %s, want an array", i, res["components"])
				}
				var sh shape.Shape
				if err := json.Unmarshal(res["shape"], &sh); err != nil || !contains(shapeNames(), string(sh)) {
					t.Errorf("result %d shape %s", i, res["shape"])
				}
				for _, k := range []string{"confidence", "growth_bytes_per_hour"} {
					var f float64
					if err := json.Unmarshal(res[k], &f); err != nil {
						t.Errorf("result %d %s %s: %v", i, k, res[k], err)
					}
				}
				var expl string
				if err := json.Unmarshal(res["explanation"], &expl); err != nil {
					t.Errorf("result %d explanation %s: %v", i, res["explanation"], err)
				}
			}
		})
	}
}

// resultKeyOrders reads the keys of each result object in document order.
func resultKeyOrders(t *testing.T, doc string) [][]string {
	t.Helper()
	var raw struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	var orders [][]string
	for _, r := range raw.Results {
		dec := json.NewDecoder(bytes.NewReader(r))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		var keys []string
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, tok.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		orders = append(orders, keys)
	}
	return orders
}

func shapeNames() []string {
	var s []string
	for _, sh := range shape.Shapes {
		s = append(s, string(sh))
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestClassifyJSONEmptyLabels(t *testing.T) {
	// CSV without a series column gives a series with no labels: the
	// contract says {} and [], never null.
	code, out, errs := runCLI(t, "1700000000,1\n1700000060,2\n", "classify", "--format", "json")
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, `"metric": {}`) || !strings.Contains(out, `"components": []`) {
		t.Errorf("want empty metric {} and components []:\n%s", out)
	}
	if strings.Contains(out, `"metric": null`) || strings.Contains(out, `"components": null`) || strings.Contains(out, `"jumps": null`) {
		t.Errorf("null in output:\n%s", out)
	}
}

func TestClassifyTable(t *testing.T) {
	for _, file := range []string{"prom_matrix.json", "prom_6h.json", "dd_query.json", "mem.csv"} {
		t.Run(file, func(t *testing.T) {
			path := testFile(file)
			code, out, errs := runCLI(t, "", "classify", "--limit", "1.5GB", "--sensitivity", "high", "--group-by", "series", path)
			if code != 0 || errs != "" {
				t.Fatalf("code %d, stderr %q", code, errs)
			}
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			header := strings.Fields(lines[0])
			if want := []string{"SERIES", "SHAPE", "CONF", "GROWTH", "TO", "LIMIT", "EXPLANATION"}; !reflect.DeepEqual(header, want) {
				t.Errorf("header %q", lines[0])
			}
			data, _ := os.ReadFile(path)
			res, _ := input.Read(bytes.NewReader(data))
			ss := res.Series
			if len(lines)-1 != len(ss) {
				t.Fatalf("%d rows, want %d:\n%s", len(lines)-1, len(ss), out)
			}
			for i, s := range ss {
				if !strings.HasPrefix(lines[i+1], s.Name()+" ") {
					t.Errorf("row %d %q does not start with %q", i, lines[i+1], s.Name())
				}
			}
			// Columns line up: SHAPE starts at the same offset in every row.
			col := strings.Index(lines[0], "SHAPE")
			for _, l := range lines[1:] {
				if l[col-1] != ' ' || l[col] == ' ' {
					t.Errorf("row not aligned with header at %d: %q", col, l)
				}
			}
		})
	}
}

func TestClassifyErrors(t *testing.T) {
	malformed, _ := os.ReadFile(inputDir + "prom_malformed.json")
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  []string
	}{
		{"missing file", []string{"classify", "testdata/nope.json"}, "", 1,
			[]string{"testdata/nope.json", "no such file"}},
		{"malformed file", []string{"classify", inputDir + "prom_malformed.json"}, "", 1,
			[]string{"pkg/input/testdata/prom_malformed.json", "malformed JSON at line 10, column 4"}},
		{"malformed stdin", []string{"classify", "-"}, string(malformed), 1,
			[]string{"standard input", "malformed JSON"}},
		{"instant query", []string{"classify", inputDir + "prom_vector.json"}, "", 1,
			[]string{"a range query result (matrix) is needed; got vector — use /api/v1/query_range"}},
		{"empty input", []string{"classify"}, "", 1,
			[]string{"empty input", "Prometheus", "Datadog", "CSV"}},
		{"no series", []string{"classify", inputDir + "prom_empty.json"}, "", 1,
			[]string{"no series in input", "pkg/input/testdata/prom_empty.json"}},
		{"no series csv", []string{"classify", "--format", "json"}, "timestamp,value\n", 1,
			[]string{"no series in input"}},
		{"csv with nothing readable", []string{"classify"}, "1700000000,abc\n1700000060,abc\n", 1,
			[]string{`memshape: warning: standard input: line 2: value "abc" is not a number; point skipped`, "no series in input"}},
		{"bad format", []string{"classify", "--format", "xml", inputDir + "mem.csv"}, "", 2,
			[]string{`--format "xml": want table or json`}},
		{"bad limit", []string{"classify", "--limit", "2XB", inputDir + "mem.csv"}, "", 2,
			[]string{"--limit", "unknown unit"}},
		{"negative limit", []string{"classify", "--limit=-1GB", inputDir + "mem.csv"}, "", 2,
			[]string{"negative"}},
		{"bad sensitivity", []string{"classify", "--sensitivity", "extreme", inputDir + "mem.csv"}, "", 2,
			[]string{`--sensitivity: unknown sensitivity "extreme": use one of "low", "normal", "high"`}},
		{"unknown flag", []string{"classify", "--colour", inputDir + "mem.csv"}, "", 2,
			[]string{"flag provided but not defined: -colour", "Usage: memshape classify"}},
		{"missing flag value", []string{"classify", inputDir + "mem.csv", "--limit"}, "", 2,
			[]string{"flag needs an argument: -limit"}},
		{"two files", []string{"classify", inputDir + "mem.csv", inputDir + "dd_query.json"}, "", 2,
			[]string{"one input at a time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("code %d, want %d (stderr %q)", code, tt.code, errs)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
		})
	}
}

// TestClassifyGrafanaCSV: Grafana's panel export is read, and a bad cell
// skips its point with a warning naming the line while the rest is
// classified.
func TestClassifyGrafanaCSV(t *testing.T) {
	code, out, errs := runCLI(t, "", "classify", "--format", "json", inputDir+"grafana_bad_cells.csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Results []struct {
			Metric map[string]string `json:"metric"`
			Points int               `json:"points"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 2 || doc.Results[0].Metric["series"] != "api-7" || doc.Results[1].Metric["series"] != "api-8" ||
		doc.Results[0].Points != 2 || doc.Results[1].Points != 3 {
		t.Errorf("results %+v", doc.Results)
	}
	for _, w := range []string{
		`memshape: warning: ../../pkg/input/testdata/grafana_bad_cells.csv: line 3: value "abc" is not a number; point skipped`,
		`line 4: timestamp "yesterday"`, "row skipped", "line 5: 2 columns where the header has 3; row skipped",
	} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr %q lacks %q", errs, w)
		}
	}
	code, out, _ = runCLI(t, "", "classify", inputDir+"grafana_wide.csv")
	if code != 0 || !strings.Contains(out, "{series=\"api-7\"}") || !strings.Contains(out, "{series=\"api-8\"}") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestFlagsAfterFileAndDashDash(t *testing.T) {
	code, out, errs := runCLI(t, "", "classify", inputDir+"mem.csv", "--format", "json")
	if code != 0 || !strings.HasPrefix(out, "{") {
		t.Errorf("flags after file: code %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "classify", "--", inputDir+"mem.csv")
	if code != 0 {
		t.Errorf("--: code %d, stderr %q", code, errs)
	}
}

func TestApproxDuration(t *testing.T) {
	tests := map[string]string{
		"0s": "now", "30s": "~30 s", "10m": "~10 min", "9h10m": "~9.2 h", "47h": "~47 h", "72h": "~3 days",
	}
	for in, want := range tests {
		d, _ := time.ParseDuration(in)
		if got := approxDuration(d); got != want {
			t.Errorf("approxDuration(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestCells(t *testing.T) {
	v := shape.Verdict{Shape: shape.Leak, Components: []shape.Shape{shape.Leak}, GrowthBytesPerHour: 38 << 20, HasTimeToLimit: true, TimeToLimit: 9 * 3600e9}
	if g := growthCell(v); g != "+38 MiB/h" {
		t.Errorf("growth %q", g)
	}
	if l := toLimitCell(v); l != "~9 h" {
		t.Errorf("to limit %q", l)
	}
	v.TimeToLimitRange = &shape.LimitRange{Soonest: 7 * time.Hour, Latest: 12 * time.Hour}
	if l := toLimitCell(v); l != "~9 h (7–12 h)" {
		t.Errorf("to limit with its range %q", l)
	}
	v.TimeToLimitRange = nil
	v = shape.Verdict{Shape: shape.Bloat, Components: []shape.Shape{shape.Bloat, shape.Fragmentation}, GrowthBytesPerHour: -2e6}
	if s := shapeCell(v); s != "bloat+fragmentation" {
		t.Errorf("shape %q", s)
	}
	if g := growthCell(v); g != "-1.9 MiB/h" {
		t.Errorf("growth %q", g)
	}
	if l := toLimitCell(v); l != "—" {
		t.Errorf("to limit %q", l)
	}
	v = shape.Verdict{Shape: shape.Inconclusive, Reason: "too short", WatchFor: 6 * 3600e9}
	if e := explanationCell(v); e != "too short; watch 6 h more" {
		t.Errorf("explanation %q", e)
	}
	if g := growthCell(v); g != "—" {
		t.Errorf("growth %q", g)
	}
	if c := cell("a\tb\nc"); c != "a b c" {
		t.Errorf("cell %q", c)
	}
}

// TestBinary builds the real binary and runs it on a testdata file.
func TestBinary(t *testing.T) {
	// Parallel: the build is another process; it overlaps the in-process
	// tests marked parallel (which set no environment and no package state).
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "memshape")
	build := exec.Command(gobin, "build", "-ldflags", "-X main.version=v9.9.9-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "memshape v9.9.9-test\n" {
		t.Errorf("version: %q, %v", out, err)
	}

	cmd := exec.Command(bin, "classify", "--format", "json", "--limit", "2GiB", filepath.Join("testdata", "prom_6h.json"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("classify: %v\n%s", err, stderr.String())
	}
	var doc struct {
		Results []struct {
			Metric map[string]string `json:"metric"`
			Shape  string            `json:"shape"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output: %v\n%s", err, out)
	}
	// Two pods of two Deployments: judged as their workloads, by default.
	if len(doc.Results) != 2 || doc.Results[0].Metric["workload"] != "checkout" || doc.Results[0].Metric["pod"] != "" {
		t.Errorf("results: %+v", doc.Results)
	}

	// Standard input through a pipe, and the exit codes of the process.
	cmd = exec.Command(bin, "classify")
	cmd.Stdin = strings.NewReader("1700000000,1\n1700000060,2\n")
	if out, err := cmd.Output(); err != nil || !strings.HasPrefix(string(out), "SERIES") {
		t.Errorf("stdin: %q, %v", out, err)
	}
	for args, want := range map[string]int{"classify testdata/nope.csv": 1, "classify": 1, "frobnicate": 2, "classify --format xml -": 2} {
		err := exec.Command(bin, strings.Fields(args)...).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != want {
			t.Errorf("%s: %v, want exit %d", args, err, want)
		}
	}
}

func TestAccuracyPrintsTheComparison(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"accuracy", "--per-scenario", "3"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, s := range []string{"shape.Classify", "predict_linear 4h", "false-leak", "leak recall", "trap"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("accuracy output lacks %q", s)
		}
	}
	if code := run([]string{"accuracy", "--per-scenario", "0"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("--per-scenario 0: exit %d, want %d", code, exitUsage)
	}
}

// The JSON answer carries the time to limit's range beside the time, as
// the verdict table does: a noisy leak toward its limit gets a range that
// holds the time.
func TestClassifyJSONTimeToLimitRange(t *testing.T) {
	var b strings.Builder
	b.WriteString("timestamp,value,series\n")
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 3 * 24 * 12 { // 3 days at 5 minutes, +10 MiB/h
		h := float64(i) / 12
		fmt.Fprintf(&b, "%d,%.0f,api-1\n", 1700000000+300*i, (1024+10*h)*(1<<20)+8*(1<<20)*r.NormFloat64())
	}
	code, out, errs := runCLI(t, b.String(), "classify", "--format", "json", "--group-by", "series", "--limit", "2GiB")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	var doc struct {
		Results []struct {
			Shape   shape.Shape `json:"shape"`
			ToLimit *float64    `json:"time_to_limit_seconds"`
			Soonest *float64    `json:"time_to_limit_soonest_seconds"`
			Latest  *float64    `json:"time_to_limit_latest_seconds"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Results) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	res := doc.Results[0]
	if res.Shape != shape.Leak || res.ToLimit == nil || res.Soonest == nil || res.Latest == nil {
		t.Fatalf("want a leak with a time to limit and its range: %s", out)
	}
	if !(*res.Soonest <= *res.ToLimit && *res.ToLimit <= *res.Latest && *res.Soonest < *res.Latest) {
		t.Errorf("range %.0f–%.0f s does not hold the time to limit %.0f s", *res.Soonest, *res.Latest, *res.ToLimit)
	}
}
