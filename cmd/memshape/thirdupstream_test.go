package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/internal/thirdupstream"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// A third upstream is its package and this one line: the command finds
// its flag, settings, client and file format through the registry.
func init() { upstream.Register(thirdupstream.Upstream{}) }

// TestThirdUpstreamFromTheCommandLine queries an upstream the command's
// code does not know — by the flag it declares and by the generic
// --upstream flags — and reads a file of its answers.
func TestThirdUpstreamFromTheCommandLine(t *testing.T) {
	const token = "memory-token-0003-SECRET"
	window := []string{"--start", fixture.End.Add(-7 * 24 * time.Hour).Format(time.RFC3339), "--end", fixture.End.Format(time.RFC3339),
		"--step", "5m", "--group-by", "series", "--format", "json"}
	shapes := func(t *testing.T, out string) map[string]string {
		t.Helper()
		got := map[string]string{}
		for _, r := range classifyResults(t, out) {
			got[r.Metric["service"]] = r.Shape
			if r.Points < 2000 || r.Points > 2017 {
				t.Errorf("%v: %d points, want a week at 5m", r.Metric, r.Points)
			}
		}
		return got
	}
	secretFree := func(t *testing.T, s string) {
		t.Helper()
		if strings.Contains(s, "SECRET") {
			t.Errorf("the token was printed: %s", s)
		}
	}

	// Its own flag, its token from the variable it names.
	t.Setenv(thirdupstream.TokenVar, token)
	code, out, errs := runCLI(t, "", append([]string{"classify", "--memory", fixture.Metric, "--query", "namespace=prod"}, window...)...)
	if code != 0 {
		t.Fatalf("--memory: exit %d: %s", code, errs)
	}
	secretFree(t, out+errs)
	got := shapes(t, out)
	if got["leak-1"] != "leak" || got["steady"] != "healthy" || len(got) != 5 {
		t.Errorf("--memory: shapes %v", got)
	}

	// The generic flags: its settings as a data source's.
	t.Setenv("OTHER_TOKEN", token)
	code, out, errs = runCLI(t, "", append([]string{"classify", "--upstream", "memory", "--secret-env", "token=OTHER_TOKEN",
		"--json-data", `{"metric":"` + fixture.Metric + `"}`, "--query", "service=leak-1"}, window...)...)
	if code != 0 {
		t.Fatalf("--upstream memory: exit %d: %s", code, errs)
	}
	secretFree(t, out+errs)
	if got := shapes(t, out); len(got) != 1 || got["leak-1"] != "leak" {
		t.Errorf("--upstream memory: shapes %v", got)
	}

	// Its errors are its own, the command's words around them.
	for _, tt := range []struct {
		args []string
		env  string
		code int
		want string
	}{
		{[]string{"--memory", fixture.Metric, "--query", "service"}, token, exitError, `In-memory fixture rejected the query: "service" is not a key=value matcher`},
		{[]string{"--memory", "no_such_metric", "--query", "namespace=prod"}, token, exitError, "no series: In-memory fixture answered none for namespace=prod"},
		{[]string{"--memory", fixture.Metric, "--query", "namespace=prod"}, "", exitUsage, "set " + thirdupstream.TokenVar + ": In-memory fixture takes the token from the environment"},
		{[]string{"--upstream", "memory", "--query", "namespace=prod"}, "", exitUsage, "set " + thirdupstream.TokenVar + ": In-memory fixture takes the token"},
		{[]string{"--upstream", "memory", "--secret-env", "token=UNSET_TOKEN_VAR", "--query", "x=y"}, token, exitUsage, "--secret-env token=UNSET_TOKEN_VAR: UNSET_TOKEN_VAR is not set"},
		{[]string{"--upstream", "influx", "--query", "x"}, token, exitUsage, `--upstream "influx": choose "prometheus", "datadog" or "memory"`},
		{[]string{"--memory", fixture.Metric, "--prometheus", "http://x", "--query", "x"}, token, exitUsage, "--prometheus and --memory: give one upstream"},
		{[]string{"--memory", fixture.Metric, "--query", "x", "--basic-auth", "admin"}, token, exitUsage, "apply to --prometheus; In-memory fixture takes its credentials from " + thirdupstream.TokenVar},
	} {
		t.Setenv(thirdupstream.TokenVar, tt.env)
		code, out, errs := runCLI(t, "", append(append([]string{"classify"}, tt.args...), window...)...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, errs, tt.code, tt.want)
		}
		secretFree(t, out+errs)
	}

	// Its help and its file format.
	_, help, _ := runCLI(t, "", "help", "classify")
	for _, want := range []string{"--memory METRIC", "in-memory fixture's series of METRIC", "key=value matchers", `(prometheus, datadog or memory)`} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	var ss []series.Series
	for _, s := range fixture.Series() {
		if s.Labels["__name__"] == fixture.Metric && (s.Labels["service"] == "leak-1" || s.Labels["service"] == "steady") {
			ss = append(ss, s)
		}
	}
	body, err := thirdupstream.WriteAnswer(ss)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "memory.json")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "", "classify", "--group-by", "series", "--format", "json", file)
	if code != 0 {
		t.Fatalf("file: exit %d: %s", code, errs)
	}
	byService := map[string]string{}
	for _, r := range classifyResults(t, out) {
		byService[r.Metric["service"]] = r.Shape
	}
	if byService["leak-1"] != "leak" || byService["steady"] != "healthy" || len(byService) != 2 {
		t.Errorf("file: shapes %v", byService)
	}
	code, _, errs = runCLI(t, `{"memory":[{"labels":{},"t":[1,2],"v":[1]}]}`, "classify")
	if code != exitError || !strings.Contains(errs, "memory: memory[0] has 2 times and 1 values") {
		t.Errorf("bad file: exit %d, %q", code, errs)
	}
}
