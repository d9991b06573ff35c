// Command memshape names the shape of memory series — leak, fragmentation,
// bloat, healthy or inconclusive — from a Prometheus or Datadog query, a
// Prometheus query_range response, a Datadog query response or a CSV file.
//
//	memshape classify [--format table|json] [--limit BYTES] [--sensitivity low|normal|high] [--plot DIR] [FILE|-]
//	memshape classify --prometheus URL --query Q [--start T] [--end T] [--step D] [auth flags]
//	memshape classify --datadog-site SITE_OR_URL --query Q [--start T] [--end T]
//	memshape classify --upstream NAME [--url URL] [--json-data JSON] [--secret-env KEY=VAR] --query Q
//	memshape demo [--format table|json]
//	memshape accuracy [--seed N] [--per-scenario N]
//	memshape version
//	memshape help [COMMAND]
//
// Exit status: 0 on success, 1 when the input cannot be read or holds no
// series, or the upstream fails or refuses a credential, 2 for a usage
// error (unknown command, bad flag, missing credential).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	memshape "github.com/memshape/memory-datasource"
	"github.com/memshape/memory-datasource/pkg/input"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// version is set by a build that names its own: go build -ldflags
// "-X main.version=1.2.3" (-X sets only a constant string, so it starts
// empty). Otherwise the version is the release version, package.json's
// (memshape.Version), the same as the plugin's.
var version string

func versionString() string {
	if version != "" {
		return version
	}
	return memshape.Version()
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // unreadable input, no series, failure writing output
	exitUsage = 2 // unknown command, bad flag or argument
)

const usage = `memshape names the shape of memory series: leak, fragmentation, bloat,
healthy or inconclusive.

Usage:
  memshape <command> [flags] [arguments]

Commands:
  classify   classify each series of a Prometheus or Datadog query, a file
             or standard input
  demo       classify built-in examples of every shape (no input needed)
  demo-exporter  serve the demo workload as Prometheus metrics, with history
  accuracy   score the classifier and today's rules on the labelled corpus
  version    print the version
  help       print this help, or a command's: memshape help classify

Input formats (detected from the content):
  Prometheus  the JSON body of /api/v1/query_range (resultType matrix)
  Datadog     the JSON body of /api/v1/query
  CSV         timestamp,value[,series] rows, or Grafana's panel CSV export
              (Time plus one column per series); timestamps in Unix
              seconds, Unix milliseconds, RFC 3339 or 2025-11-29 00:00:00
              (UTC unless an offset is given); header row optional; a bad
              cell skips its point with a warning naming the line

Examples:
  memshape classify --prometheus http://prometheus:9090 --limit 2GiB \
      --query 'container_memory_working_set_bytes{pod=~"api-.*"}'
  DD_API_KEY=… DD_APP_KEY=… memshape classify --datadog-site datadoghq.eu \
      --query 'avg:kubernetes.memory.usage{service:api} by {pod_name}'
  curl -sG http://prometheus:9090/api/v1/query_range \
      --data-urlencode 'query=container_memory_working_set_bytes{pod=~"api-.*"}' \
      -d start=2024-05-01T00:00:00Z -d end=2024-05-02T00:00:00Z -d step=60 \
      | memshape classify --limit 2GiB
  memshape classify mem.csv
  memshape classify --format json --sensitivity high datadog.json
`

// classifyUsage is classify's help. The upstream flags are the registered
// upstreams' own (upstream.CommandLine), so a new upstream appears here.
func classifyUsage() string {
	var b strings.Builder
	b.WriteString("Usage: memshape classify [flags] [FILE|-]\n")
	_, cls := commandLines()
	var languages []string
	for _, cl := range cls {
		fmt.Fprintf(&b, "       memshape classify --%s %s --query Q [--start T] [--end T] [--step D] [flags]\n", cl.Flag, cl.Arg)
		if cl.Query != "" {
			languages = append(languages, cl.Query)
		}
	}
	b.WriteString("       memshape classify --upstream NAME [--url URL] [--json-data JSON] [--secret-env KEY=VAR] --query Q [flags]\n\n")
	b.WriteString(wrap("Names the shape of each memory series. The series come from a query to an upstream, "+
		"or from FILE (standard input when FILE is \"-\" or omitted): "+input.Accepted()+".", ""))
	b.WriteString(`
Flags:
  --format table|json
        output format (default table). The JSON is
        {"results":[{"metric":{...},"shape":"...","components":[...],
        "confidence":0.9,"growth_bytes_per_hour":1e6,"explanation":"...", ...}]}
  --limit BYTES
        memory limit, for the time to reach it: 2GiB, 512MiB, 1.5GB, 1e9
  --sensitivity low|normal|high
        low wants more evidence before naming a growth shape, high less
        (default normal)
  --group-by auto|series|workload|LABEL,LABEL
        how series are judged (default auto): auto judges the series of
        one Kubernetes workload together — its pods side by side, the pods
        that replaced them at each rollout, the containers restarted in
        them (series with a pod label: Prometheus' pod and namespace,
        Datadog's pod_name and kube_namespace) — and every other series on
        its own; series judges each series on its own; workload groups
        Kubernetes series and says which have no pod label; LABEL,LABEL
        groups the series that share those labels' values (job,service),
        every other label telling lifetimes apart
  --plot DIR
        also draw one PNG per series into DIR: the series, the fitted
        curves, jumps, restarts, the limit, and the verdict as its title

Querying an upstream:
`)
	for _, cl := range cls {
		fmt.Fprintf(&b, "  --%s %s\n%s", cl.Flag, cl.Arg, wrap(cl.Usage, "        "))
	}
	names := make([]string, len(upstream.Sources()))
	for i, s := range upstream.Sources() {
		names[i] = string(s)
	}
	fmt.Fprintf(&b, `  --upstream NAME
        any upstream the data source offers (%s), with its
        settings given as a data source's: --url, --json-data, --secret-env
  --url URL
        the data source's URL field
  --json-data JSON
        its settings, as the data source's jsonData holds them, e.g.
        '{"timeShard":"1d","tenant":"team-a"}'; with an upstream's own flag too
  --secret-env KEY=VARIABLE
        the secure setting KEY (secureJsonData) read from the environment
        variable VARIABLE; repeatable
  --query Q
        the query, in the upstream's own language (%s)
  --start T, --end T
        RFC 3339 (2026-11-20T00:00:00Z), Unix seconds, now, or now-<duration>
        (now-2d, now-6h); default the last 7 days
  --step D
        resolution: 30s, 5m, 1h or seconds; default the smallest whole
        second giving at most 2,000 points
  --timeout D
        give up after D (default 2m)

HTTP credentials, for %s (never on the command line):
  --bearer-token-file FILE
        send the token in FILE as "Authorization: Bearer …"
  --basic-auth USER
        basic auth as USER, the password read from MEMSHAPE_BASIC_AUTH_PASSWORD
  --header NAME=VALUE
        send a header with every request, e.g. X-Scope-OrgID=tenant-1;
        repeatable

Examples:
  memshape classify --limit 2GiB mem.csv
  memshape classify --prometheus http://prometheus:9090 --start now-2d \
      --query 'process_resident_memory_bytes{job="api"}' --plot plots/
  MEMSHAPE_BASIC_AUTH_PASSWORD=… memshape classify --basic-auth grafana \
      --prometheus https://prometheus.example.com --query 'container_memory_rss'
  curl -s ... | memshape classify --format json -
`, orList(names), strings.Join(append(languages, "…"), ", "), httpAuthChoices())
	return b.String()
}

// wrap breaks text into lines of at most 76 columns, each starting with
// indent.
func wrap(text, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > 76 {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program, minus the process: arguments after the
// program name, the standard streams, and the exit code back.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "help", "-h", "-help", "--help":
		return runHelp(rest, stdout, stderr)
	case "version", "-version", "--version":
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "memshape version: unexpected argument %q\n", rest[0])
			return exitUsage
		}
		fmt.Fprintf(stdout, "memshape %s\n", versionString())
		return exitOK
	case "classify":
		return runClassify(rest, stdin, stdout, stderr)
	case "demo":
		return runDemo(rest, stdout, stderr)
	case "accuracy":
		return runAccuracy(rest, stdout, stderr)
	case "demo-exporter":
		return runDemoExporter(rest, stdout, stderr)
	default:
		if strings.HasPrefix(cmd, "-") {
			fmt.Fprintf(stderr, "memshape: flag %s must follow a command\n\n", cmd)
		} else {
			fmt.Fprintf(stderr, "memshape: unknown command %q\n\n", cmd)
		}
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	switch args[0] {
	case "classify":
		fmt.Fprint(stdout, classifyUsage())
	case "demo":
		fmt.Fprint(stdout, demoUsage)
	case "accuracy":
		fmt.Fprint(stdout, accuracyUsage)
	case "version":
		fmt.Fprint(stdout, "Usage: memshape version\n\nPrints the version: memshape <version>.\n")
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "memshape help: unknown command %q\n\n", args[0])
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	return exitOK
}

// bytesFlag is a --limit value: a byte size parsed by units.ParseBytes.
type bytesFlag float64

func (b *bytesFlag) String() string {
	if *b == 0 {
		return ""
	}
	return units.FormatBytesIEC(float64(*b))
}

func (b *bytesFlag) Set(s string) error {
	v, err := units.ParseBytes(s)
	if err != nil {
		return err
	}
	*b = bytesFlag(v)
	return nil
}

type classifyConfig struct {
	format      string
	groupBy     workload.By
	limit       float64
	sensitivity shape.Sensitivity
	file        string // "-" for standard input
	plotDir     string
	fetch       fetchConfig
}

func parseClassifyFlags(args []string, stderr io.Writer) (classifyConfig, int, bool) {
	cfg := classifyConfig{file: "-"}
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "table", "")
	sens := fs.String("sensitivity", "normal", "")
	groupBy := fs.String("group-by", "auto", "")
	var limit bytesFlag
	fs.Var(&limit, "limit", "")
	fs.StringVar(&cfg.plotDir, "plot", "", "")
	f := &cfg.fetch
	f.define(fs)

	// Flags may come before or after FILE: parse, take one positional
	// argument, parse the rest. "--" ends the flags.
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return cfg, exitOK, false
			}
			fmt.Fprintf(stderr, "memshape classify: %v\n\n%s", err, classifyUsage())
			return cfg, exitUsage, false
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		// flag stops at "--" and swallows it, so fs.Args() after it are
		// all positional: detect that by comparing with what was given.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		rest = rest[1:]
		args = rest
	}
	if len(positional) > 1 {
		fmt.Fprintf(stderr, "memshape classify: one input at a time; got %d (%s)\n\n%s",
			len(positional), strings.Join(positional, " "), classifyUsage())
		return cfg, exitUsage, false
	}
	if len(positional) == 1 && positional[0] != "" {
		cfg.file = positional[0]
	}
	if f.wanted() && len(positional) > 0 {
		fmt.Fprintf(stderr, "memshape classify: %s and a query to an upstream: give one input\n", positional[0])
		return cfg, exitUsage, false
	}
	if named := f.unsetUpstreamFlags(); !f.wanted() && len(named) > 0 {
		fmt.Fprintf(stderr, "memshape classify: %s needs %s\n", named[0], choices())
		return cfg, exitUsage, false
	}

	switch *format {
	case "table", "json":
		cfg.format = *format
	default:
		fmt.Fprintf(stderr, "memshape classify: --format %q: want table or json\n", *format)
		return cfg, exitUsage, false
	}
	var err error
	if cfg.sensitivity, err = shape.ParseSensitivity(*sens); err != nil {
		fmt.Fprintf(stderr, "memshape classify: --sensitivity: %v\n", err)
		return cfg, exitUsage, false
	}
	if cfg.groupBy, err = workload.ParseByString(*groupBy); err != nil {
		fmt.Fprintf(stderr, "memshape classify: --group-by: %v\n", err)
		return cfg, exitUsage, false
	}
	cfg.limit = float64(limit)
	return cfg, exitOK, true
}

// row is one line of the output: one series, or one workload judged
// across its series.
type row struct {
	labels  map[string]string // the series' labels, or the workload's identity
	v       shape.Verdict
	w       workload.Workload
	members []series.Series // a workload's series, in order of their first samples
}

func (r row) name() string { return series.Series{Labels: r.labels}.Name() }

// judgeAll groups the series as --group-by says and judges each group as
// the data source does (pkg/workload): a Kubernetes workload across its
// pods and containers, anything else one series at a time. Notes of the
// grouping go to stderr.
func judgeAll(ss []series.Series, by workload.By, opt shape.Options, stderr io.Writer) []row {
	groups, notes := workload.Group(ss, by)
	printWarnings(stderr, notes)
	rows := make([]row, len(groups))
	for i, g := range groups {
		rows[i] = row{labels: g.Labels, v: workload.Judge(g, ss, opt), w: g}
		for _, m := range g.Members {
			rows[i].members = append(rows[i].members, ss[m.Series])
		}
	}
	return rows
}

func runClassify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, code, ok := parseClassifyFlags(args, stderr)
	if !ok {
		if code == exitOK { // -h
			fmt.Fprint(stdout, classifyUsage())
		}
		return code
	}

	var (
		ss       []series.Series
		warnings []string
	)
	if cfg.fetch.wanted() {
		req, err := cfg.fetch.prepare(os.Getenv)
		if err != nil {
			fmt.Fprintf(stderr, "memshape classify: %v\n", err)
			var ue usageError
			if errors.As(err, &ue) {
				return exitUsage
			}
			return exitError
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		res, err := req.run(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "memshape: %v\n", err)
			return exitError
		}
		ss, warnings = res.Series, res.Warnings
		if len(ss) == 0 {
			printWarnings(stderr, warnings)
			fmt.Fprintf(stderr, "memshape: no series: %s answered none for %s from %s to %s\n", req.where,
				req.query.Expr, req.query.Start.UTC().Format(time.RFC3339), req.query.End.UTC().Format(time.RFC3339))
			return exitError
		}
	} else {
		name := "standard input"
		r := stdin
		if cfg.file != "-" {
			f, err := os.Open(cfg.file)
			if err != nil {
				fmt.Fprintf(stderr, "memshape: %v\n", err)
				return exitError
			}
			defer f.Close()
			r, name = f, cfg.file
		} else if isTerminal(stdin) {
			fmt.Fprintf(stderr, "memshape classify: no input: give a FILE or %s, or pipe %s to standard input\n\n%s", choices(), input.Accepted(), classifyUsage())
			return exitUsage
		}
		res, err := input.Read(r)
		if err != nil {
			fmt.Fprintf(stderr, "memshape: %s: %v\n", name, err)
			return exitError
		}
		ss = res.Series
		for _, w := range res.Warnings {
			warnings = append(warnings, name+": "+w)
		}
		if len(ss) == 0 {
			printWarnings(stderr, warnings)
			fmt.Fprintf(stderr, "memshape: no series in input (%s)\n", name)
			return exitError
		}
	}
	printWarnings(stderr, warnings)

	opt := shape.Options{LimitBytes: cfg.limit, Sensitivity: cfg.sensitivity}
	rows := judgeAll(ss, cfg.groupBy, opt, stderr)

	var err error
	if cfg.format == "json" {
		err = writeJSON(stdout, rows)
	} else {
		err = writeTable(stdout, rows)
	}
	if err != nil {
		fmt.Fprintf(stderr, "memshape: writing output: %v\n", err)
		return exitError
	}
	if cfg.plotDir != "" {
		written, plotWarnings, err := writePlots(cfg.plotDir, rows, cfg.limit)
		printWarnings(stderr, plotWarnings)
		if err != nil {
			fmt.Fprintf(stderr, "memshape: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stderr, "memshape: %d plot(s) in %s\n", len(written), cfg.plotDir)
	}
	return exitOK
}

// maxWarnings is how many warnings are printed before the rest are
// counted.
const maxWarnings = 20

func printWarnings(w io.Writer, warnings []string) {
	for i, m := range warnings {
		if i == maxWarnings {
			fmt.Fprintf(w, "memshape: warning: and %d more\n", len(warnings)-maxWarnings)
			return
		}
		fmt.Fprintf(w, "memshape: warning: %s\n", cell(m))
	}
}

// isTerminal reports whether r is an interactive terminal, where waiting
// for standard input would only look like a hang.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	// /dev/null is a character device too, but reading it is no hang.
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// jsonResult is one element of the --format json output. Its first six
// fields, in this order and with these names, are a public contract; more
// may be added after them, none renamed or removed.
type jsonResult struct {
	Metric             map[string]string `json:"metric"`
	Shape              shape.Shape       `json:"shape"`
	Components         []shape.Shape     `json:"components"`
	Confidence         float64           `json:"confidence"`
	GrowthBytesPerHour float64           `json:"growth_bytes_per_hour"`
	Explanation        string            `json:"explanation"`

	// Additions beyond the contract.
	Series             string   `json:"series"`                // series.Name()
	TimeToLimitSeconds *float64 `json:"time_to_limit_seconds"` // null: unknown or never
	// The time to limit's 95 % range where the forecast's band meets the
	// limit (as the verdict table's columns); null when there is none,
	// the latest also when it lies beyond a year.
	TimeToLimitSoonestSeconds *float64     `json:"time_to_limit_soonest_seconds"`
	TimeToLimitLatestSeconds  *float64     `json:"time_to_limit_latest_seconds"`
	Reason                    string       `json:"reason,omitempty"`
	WatchForSeconds           float64      `json:"watch_for_seconds,omitempty"`
	Restarts                  int          `json:"restarts"`
	Jumps                     []shape.Jump `json:"jumps"`
	Scores                    shape.Scores `json:"scores"`
	Points                    int          `json:"points"`
	Dropped                   int          `json:"dropped"`
	// Workload is set when the series were grouped into a workload.
	Workload *jsonWorkload `json:"workload,omitempty"`
}

type jsonOutput struct {
	Results []jsonResult `json:"results"`
}

// jsonWorkload is what a workload's result adds: how it was grouped and
// what its lifetimes showed.
type jsonWorkload struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Series    int    `json:"series"`    // series pooled
	Lifetimes int    `json:"lifetimes"` // lifetimes among them
	Showing   int    `json:"showing"`   // lifetimes whose own growth shows the shape
	Measured  int    `json:"measured"`  // lifetimes long enough to tell
	Replicas  int    `json:"replicas"`
	Rollouts  int    `json:"rollouts"`
	ChangedAt *int64 `json:"changed_at,omitempty"` // Unix ms of the rollout the shape changed at
	ChangedBy string `json:"changed_by,omitempty"`
	Worst     string `json:"worst,omitempty"` // the pod whose memory rose fastest
}

func writeJSON(w io.Writer, rows []row) error {
	out := jsonOutput{Results: make([]jsonResult, len(rows))}
	for i, r := range rows {
		v := r.v
		res := jsonResult{
			Metric:             r.labels,
			Shape:              v.Shape,
			Components:         v.Components,
			Confidence:         finite(v.Confidence),
			GrowthBytesPerHour: finite(v.GrowthBytesPerHour),
			Explanation:        v.Explanation,
			Series:             r.name(),
			Reason:             v.Reason,
			WatchForSeconds:    v.WatchFor.Seconds(),
			Restarts:           v.Restarts,
			Jumps:              make([]shape.Jump, len(v.Jumps)),
			Scores:             v.Scores.Map(finite),
			Points:             v.Points,
			Dropped:            v.Dropped,
		}
		if res.Metric == nil {
			res.Metric = map[string]string{}
		}
		if res.Components == nil {
			res.Components = []shape.Shape{}
		}
		if v.HasTimeToLimit {
			sec := v.TimeToLimit.Seconds()
			res.TimeToLimitSeconds = &sec
			if r := v.TimeToLimitRange; r != nil {
				soonest := r.Soonest.Seconds()
				res.TimeToLimitSoonestSeconds = &soonest
				if !r.Open {
					latest := r.Latest.Seconds()
					res.TimeToLimitLatestSeconds = &latest
				}
			}
		}
		for j, jp := range v.Jumps {
			res.Jumps[j] = shape.Jump{
				Start: jp.Start, End: jp.End,
				From: finite(jp.From), To: finite(jp.To), Size: finite(jp.Size), Freed: finite(jp.Freed),
			}
		}
		if r.w.Grouped() && v.Pool != nil {
			p := v.Pool
			jw := &jsonWorkload{Namespace: r.w.Namespace, Name: r.w.Name, Kind: string(r.w.Kind), Series: len(r.w.Members),
				Lifetimes: p.Lifetimes, Showing: p.Showing, Measured: p.Measured, Replicas: p.Replicas, Rollouts: len(r.w.Rollouts)}
			if p.Worst >= 0 && p.Worst < len(v.Lifetimes) {
				jw.Worst = r.w.Members[v.Lifetimes[p.Worst].Series].Pod
			}
			if c := p.Change; c != nil {
				at := c.At
				jw.ChangedAt = &at
				if ro, ok := r.w.Rollout(c.Generation); ok {
					jw.ChangedBy = r.w.RolloutName(ro)
				}
			}
			res.Workload = jw
		}
		out.Results[i] = res
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// finite maps NaN and ±Inf, which JSON cannot carry, to 0.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func writeTable(w io.Writer, rows []row) error {
	grouped := false
	for _, r := range rows {
		grouped = grouped || r.w.Grouped()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if grouped {
		fmt.Fprintln(tw, "SERIES\tSHAPE\tCONF\tGROWTH\tTO LIMIT\tLIFETIMES\tEXPLANATION")
	} else {
		fmt.Fprintln(tw, "SERIES\tSHAPE\tCONF\tGROWTH\tTO LIMIT\tEXPLANATION")
	}
	for _, r := range rows {
		v := r.v
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%s\t", cell(r.name()), cell(shapeCell(v)), finite(v.Confidence), growthCell(v), toLimitCell(v))
		if grouped {
			fmt.Fprintf(tw, "%s\t", lifetimesCell(r))
		}
		fmt.Fprintf(tw, "%s\n", cell(explanationCell(v)))
	}
	return tw.Flush()
}

// lifetimesCell is "14 of 14 (16)": of a workload's lifetimes long enough
// to tell, how many show the shape, and how many were seen; "1" for one
// series.
func lifetimesCell(r row) string {
	p := r.v.Pool
	if !r.w.Grouped() || p == nil {
		return strconv.Itoa(max(1, len(r.v.Lifetimes)))
	}
	return fmt.Sprintf("%d of %d (%d)", p.Showing, p.Measured, p.Lifetimes)
}

// cell keeps a value on one table row: tabs and line breaks become spaces.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r', '\v', '\f':
			return ' '
		}
		return r
	}, s)
}

// shapeCell is the shape, or the components joined by "+" when more than
// one shape was found (e.g. "bloat+fragmentation").
func shapeCell(v shape.Verdict) string {
	if len(v.Components) > 1 {
		parts := make([]string, len(v.Components))
		for i, c := range v.Components {
			parts[i] = string(c)
		}
		return strings.Join(parts, "+")
	}
	if v.Shape == "" {
		return string(shape.Inconclusive)
	}
	return string(v.Shape)
}

// growthCell renders the growth rate as "+38 MiB/h" — IEC units, like the
// classifier's explanations and memory limits; "—" when there is none to
// speak of (inconclusive with no rate, or not a number).
func growthCell(v shape.Verdict) string {
	g := v.GrowthBytesPerHour
	if math.IsNaN(g) || math.IsInf(g, 0) || (g == 0 && v.Shape == shape.Inconclusive) {
		return "—"
	}
	s := units.FormatBytesIEC(g)
	if !strings.HasPrefix(s, "-") && s != "0 B" {
		s = "+" + s
	}
	return s + "/h"
}

// toLimitCell renders the time to the limit as "~9 h", with its range
// where the forecast has a band ("~9 h (7–12 h)"); "—" when unknown or
// never.
func toLimitCell(v shape.Verdict) string {
	if !v.HasTimeToLimit {
		return "—"
	}
	if r := v.TimeToLimitRange.String(); r != "" {
		return approxDuration(v.TimeToLimit) + " (" + r + ")"
	}
	return approxDuration(v.TimeToLimit)
}

// approxDuration rounds d for a person: "now", "~40 min", "~9.5 h",
// "~3 days" (units.FormatDuration).
func approxDuration(d time.Duration) string {
	if d <= 0 {
		return "now"
	}
	return "~" + units.FormatDuration(d)
}

// explanationCell is the explanation; for an inconclusive verdict without
// one, the reason and how much longer to watch.
func explanationCell(v shape.Verdict) string {
	if v.Explanation != "" {
		return v.Explanation
	}
	s := v.Reason
	if v.WatchFor > 0 {
		w := "watch " + strings.TrimPrefix(approxDuration(v.WatchFor), "~") + " more"
		if s == "" {
			s = w
		} else {
			s += "; " + w
		}
	}
	if s == "" {
		return "—"
	}
	return s
}
