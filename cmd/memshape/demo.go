package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/pkg/plot"
	"github.com/memshape/memory-datasource/pkg/plugin"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
)

const demoUsage = `Usage: memshape demo [--out DIR [--force]] [--in-process]

Runs Memory Shape on the demo workload (see memshape help demo-exporter):
eleven services whose memory follows every shape — leaks (also under
restarts and a GC sawtooth), fragmentation (logarithmic and saturating),
bloat, bloat plus fragmentation (the trap), and healthy services with
restarts, a warm-up, a GC sawtooth and a daily cycle.

It writes the last eight days of their memory and limits, starts a local
Prometheus backfilled with them (promtool tsdb create-blocks-from
openmetrics), runs the data source's query path in this process — the
plugin's QueryData, as Grafana would call it, over the last seven days —
prints the verdict table from the frames it returns, and draws one PNG per
series, and fleet.png with all of them, into a folder it names.

Without prometheus and promtool in PATH it serves the same history from an
in-process stand-in for Prometheus' HTTP API and says so; the frames path is
the same. Install Prometheus for the full path: apt-get install prometheus.

Flags:
  --out DIR      where to write the PNGs: a new or empty folder (default: a
                 new folder in the system's temporary directory, one per run)
  --force        write into a --out folder that is not empty, replacing
                 only the demo's own files (fleet.png and
                 <namespace>-<pod>.png); nothing else in it is touched
  --in-process   use the in-process stand-in even when Prometheus is
                 installed
`

// The demo's queries: every container's memory, with each one's limit.
const (
	demoExpr      = demo.MemoryMetric + `{container="` + demo.Container + `"}`
	demoLimitExpr = demo.LimitMetric + `{resource="memory"}`
	demoLegend    = "{{namespace}}/{{pod}}"
	demoWindow    = 7 * 24 * time.Hour
	demoInterval  = 5 * time.Minute
	pluginID      = "memshape-memory-datasource"
)

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	force := fs.Bool("force", false, "")
	inProcess := fs.Bool("in-process", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, demoUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "memshape demo: %v\n\n%s", err, demoUsage)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "memshape demo: unexpected argument %q\n\n%s", fs.Arg(0), demoUsage)
		return exitUsage
	}
	if *force && *out == "" {
		fmt.Fprintf(stderr, "memshape demo: --force applies to --out DIR; without --out the pictures go to a new folder\n\n%s", demoUsage)
		return exitUsage
	}
	dir, fresh, err := demoOutDir(*out, *force)
	if err != nil {
		fmt.Fprintf(stderr, "memshape demo: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "the pictures go to %s\n", dir)
	res, err := demoRun(context.Background(), demoConfig{now: time.Now(), outDir: dir, inProcess: *inProcess, log: stdout})
	if err != nil {
		if fresh {
			_ = os.Remove(dir) // ours, made this run; only if still empty
		}
		fmt.Fprintf(stderr, "memshape demo: %v\n", err)
		return exitError
	}
	if err := res.write(stdout); err != nil {
		fmt.Fprintf(stderr, "memshape: writing output: %v\n", err)
		return exitError
	}
	return exitOK
}

// demoOutDir is the folder the pictures go to, and whether this run made
// it. Without --out it is a new folder in the system's temporary
// directory, so that two demos never share one. --out names a folder that
// is made if missing and must be empty unless force: the demo then
// replaces its own file names there and touches nothing else.
func demoOutDir(out string, force bool) (dir string, fresh bool, err error) {
	if out == "" {
		dir, err := os.MkdirTemp("", "memshape-demo-")
		return dir, err == nil, err
	}
	info, err := os.Stat(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(out, 0o755); err != nil {
			return "", false, fmt.Errorf("--out %s: %v", out, err)
		}
		return out, true, nil
	case err != nil:
		return "", false, fmt.Errorf("--out %s: %v", out, err)
	case !info.IsDir():
		return "", false, fmt.Errorf("--out %s is a file: name a new or empty folder", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return "", false, fmt.Errorf("--out %s: %v", out, err)
	}
	if len(entries) > 0 && !force {
		return "", false, fmt.Errorf("--out %s is not empty (%d entries): name a new or empty folder, or add --force to write the demo's pictures there, replacing only its own files (%s and <namespace>-<pod>.png)", out, len(entries), demoCollage)
	}
	return out, false, nil
}

type demoConfig struct {
	now       time.Time
	outDir    string // an existing folder; "" draws no PNGs
	inProcess bool
	log       io.Writer // progress lines
}

// demoRow is one row of the verdict table, read from the frames.
type demoRow struct {
	series, namespace, pod string
	shape                  string
	confidence, growth     float64
	toLimit, limit         *float64 // seconds, bytes
	explanation            string
	service                *demo.Service
	png                    string
}

type demoResult struct {
	upstream string // what answered: "Prometheus 2.42.0 …" or the stand-in
	rows     []demoRow
	notices  []string
	outDir   string
	took     time.Duration
}

// demoRun writes the history, starts the upstream, runs the query through
// the plugin and reads the frames back.
func demoRun(ctx context.Context, cfg demoConfig) (*demoResult, error) {
	t0 := time.Now()
	// The SDK logs at debug level to stderr by default; a command line
	// wants warnings only.
	log.DefaultLogger = log.NewWithLevel(log.Warn)
	now := cfg.now.Truncate(time.Second)
	services := demo.Services()
	// One sample per query step keeps the backfill quick; the exporter's
	// history has one a minute.
	hist := demo.History(services, now.Add(-demo.HistoryDays*24*time.Hour), now, demoInterval, demo.ScrapeLabels())
	res := &demoResult{outDir: cfg.outDir}

	var url string
	_, _, missing := demo.FindPrometheus()
	switch {
	case cfg.inProcess || missing != nil:
		srv := httptest.NewServer(demo.NewAPI(hist))
		defer srv.Close()
		url = srv.URL
		res.upstream = "the in-process stand-in for Prometheus' HTTP API"
		if missing != nil {
			fmt.Fprintf(cfg.log, "Prometheus is not installed (%v): running on the same history through an in-process stand-in for its API; for the full path, apt-get install prometheus\n", missing)
		}
	default:
		dir, err := os.MkdirTemp("", "memshape-demo-prometheus-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		om, err := demo.OpenMetrics(hist)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(cfg.log, "backfilling a local Prometheus with %d days of %d series (promtool) …\n", demo.HistoryDays, len(hist))
		p, err := demo.StartPrometheus(ctx, dir, om)
		if err != nil {
			return nil, fmt.Errorf("starting a local Prometheus: %v (run with --in-process to skip it)", err)
		}
		defer p.Stop()
		fmt.Fprintf(cfg.log, "backfilled in %.1f s; Prometheus ready in %.1f s\n", p.Backfill.Seconds(), p.Startup.Seconds())
		url = p.URL
		res.upstream = strings.TrimSpace(p.Version) + " at " + p.URL
	}

	frames, err := demoQuery(ctx, url, now)
	if err != nil {
		return nil, err
	}
	if err := res.read(frames, services); err != nil {
		return nil, err
	}
	if cfg.outDir != "" {
		if err := res.draw(frames); err != nil {
			return nil, err
		}
	}
	res.took = time.Since(t0)
	return res, nil
}

// demoQuery runs the demo's query through the data source as Grafana
// would: NewDatasource with the URL, then QueryData.
func demoQuery(ctx context.Context, url string, now time.Time) (data.Frames, error) {
	settings := backend.DataSourceInstanceSettings{
		UID: "memshape-demo", Name: "Memory Shape (demo)", Type: pluginID, URL: url,
		JSONData: json.RawMessage(`{"upstream":"prometheus","analysisWindow":"7d"}`),
	}
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		return nil, fmt.Errorf("creating the data source: %v", err)
	}
	ds, ok := inst.(backend.QueryDataHandler)
	if !ok {
		return nil, errors.New("the data source does not answer queries")
	}
	q, _ := json.Marshal(map[string]any{
		"refId": "A", "expr": demoExpr, "limitExpr": demoLimitExpr,
		"legendFormat": demoLegend, "output": "all",
	})
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: pluginID, DataSourceInstanceSettings: &settings},
		Queries: []backend.DataQuery{{
			RefID: "A", JSON: q, Interval: demoInterval, MaxDataPoints: int64(demoWindow/demoInterval) + 1,
			TimeRange: backend.TimeRange{From: now.Add(-demoWindow), To: now},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("running the query: %v", err)
	}
	dr := resp.Responses["A"]
	if dr.Error != nil {
		return nil, fmt.Errorf("the query failed: %v", dr.Error)
	}
	return dr.Frames, nil
}

// read fills the rows from the verdict table and the notices.
func (r *demoResult) read(frames data.Frames, services []demo.Service) error {
	var table *data.Frame
	for _, f := range frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				r.notices = append(r.notices, n.Text)
			}
		}
		if f.Name == "verdicts" {
			table = f
		}
	}
	if table == nil {
		return errors.New("the response has no verdicts frame")
	}
	n, err := table.RowLen()
	if err != nil {
		return err
	}
	for i := range n {
		row := demoRow{
			series:      stringAt(table, "series", i),
			namespace:   stringAt(table, "namespace", i),
			pod:         stringAt(table, "pod", i),
			shape:       stringAt(table, "shape", i),
			confidence:  floatAt(table, "confidence", i),
			growth:      floatAt(table, "growth_bytes_per_hour", i),
			toLimit:     nullableAt(table, "time_to_limit_seconds", i),
			limit:       nullableAt(table, "limit_bytes", i),
			explanation: stringAt(table, "explanation", i),
		}
		for k := range services {
			s := &services[k]
			if (row.pod != "" && row.pod == s.Pod && row.namespace == s.Namespace) ||
				(row.pod == "" && strings.Contains(row.series, s.Pod)) {
				row.service = s
			}
		}
		r.rows = append(r.rows, row)
	}
	return nil
}

func fieldAt(f *data.Frame, name string, i int) (any, bool) {
	fld, idx := f.FieldByName(name)
	if idx < 0 || i >= fld.Len() {
		return nil, false
	}
	return fld.At(i), true
}

func stringAt(f *data.Frame, name string, i int) string {
	v, _ := fieldAt(f, name, i)
	switch s := v.(type) {
	case string:
		return s
	case *string:
		if s != nil {
			return *s
		}
	}
	return ""
}

func floatAt(f *data.Frame, name string, i int) float64 {
	if p := nullableAt(f, name, i); p != nil {
		return *p
	}
	return math.NaN()
}

func nullableAt(f *data.Frame, name string, i int) *float64 {
	v, _ := fieldAt(f, name, i)
	switch x := v.(type) {
	case float64:
		return &x
	case *float64:
		return x
	case int64:
		y := float64(x)
		return &y
	}
	return nil
}

// draw renders one PNG per series frame with pkg/plot: the points the
// plugin returned, the shape it named, and the fitted curves of the same
// classifier run on those points (pkg/plot draws a shape.Verdict). It
// writes only its own file names and deletes nothing.
func (r *demoResult) draw(frames data.Frames) error {
	var tiles []image.Image
	for _, f := range frames {
		s, ok := seriesOf(f)
		if !ok {
			continue
		}
		var row *demoRow
		for i := range r.rows {
			if rw := &r.rows[i]; rw.service != nil && rw.service.Pod == s.Labels["pod"] && rw.service.Namespace == s.Labels["namespace"] {
				row = rw
			}
		}
		if row == nil {
			continue
		}
		limit := 0.0
		if row.limit != nil {
			limit = *row.limit
		}
		v := shape.Classify(s.T, s.V, shape.Options{LimitBytes: limit})
		title := s.Labels["namespace"] + "/" + s.Labels["pod"]
		name := s.Labels["namespace"] + "-" + s.Labels["pod"] + ".png"
		if err := writePNG(filepath.Join(r.outDir, name), s, v, plot.Options{Title: title, Limit: limit}); err != nil {
			return fmt.Errorf("drawing %s: %v", name, err)
		}
		tile, err := plot.Image(s, v, plot.Options{Title: title, Limit: limit, Width: tileW, Height: tileH})
		if err != nil {
			return fmt.Errorf("drawing %s: %v", name, err)
		}
		tiles = append(tiles, tile)
		row.png = name
	}
	return writeCollage(filepath.Join(r.outDir, demoCollage), tiles)
}

// The collage of every series: three columns of 760×320 px charts.
const (
	demoCollage  = "fleet.png"
	tileW, tileH = 760, 320
	tileCols     = 3
)

func writePNG(path string, s series.Series, v shape.Verdict, o plot.Options) error {
	return writeFile(path, func(w io.Writer) error { return plot.Render(w, s, v, o) })
}

// writeFile writes path whole or not at all: into a temporary file of
// its own beside it, renamed over path when complete, so that a reader (or
// another demo writing the same name) never sees half a picture.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name()) // ours, made just now
	}
	return err
}

// writeCollage lays the charts out in a grid on white, in the order given.
func writeCollage(path string, tiles []image.Image) error {
	if len(tiles) == 0 {
		return nil
	}
	rows := (len(tiles) + tileCols - 1) / tileCols
	canvas := image.NewRGBA(image.Rect(0, 0, tileCols*tileW, rows*tileH))
	draw.Draw(canvas, canvas.Bounds(), image.White, image.Point{}, draw.Src)
	for i, t := range tiles {
		at := image.Pt((i%tileCols)*tileW, (i/tileCols)*tileH)
		draw.Draw(canvas, image.Rectangle{Min: at, Max: at.Add(t.Bounds().Size())}, t, t.Bounds().Min, draw.Src)
	}
	return writeFile(path, func(w io.Writer) error { return plot.Encode(w, canvas) })
}

// seriesOf reads a series frame (time + value, the value field carrying
// the upstream labels); overlays (labelled memshape_overlay, or overlay)
// and tables are not series.
func seriesOf(f *data.Frame) (series.Series, bool) {
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) != 2 {
		return series.Series{}, false
	}
	tf, vf := f.Fields[0], f.Fields[1]
	if tf.Type() != data.FieldTypeTime || vf.Labels["pod"] == "" {
		return series.Series{}, false
	}
	if _, ok := vf.Labels["memshape_overlay"]; ok {
		return series.Series{}, false
	}
	if _, ok := vf.Labels["overlay"]; ok {
		return series.Series{}, false
	}
	s := series.Series{Labels: map[string]string{}}
	for k, v := range vf.Labels {
		s.Labels[k] = v
	}
	for i := range tf.Len() {
		t, _ := tf.ConcreteAt(i)
		v, ok := vf.ConcreteAt(i)
		x, isFloat := v.(float64)
		if !ok || !isFloat {
			continue
		}
		s.T = append(s.T, t.(time.Time).UnixMilli())
		s.V = append(s.V, x)
	}
	return s, len(s.T) > 1
}

// write prints the verdict table, then why, then where the PNGs are.
func (r *demoResult) write(w io.Writer) error {
	fmt.Fprintf(w, "\nMemory Shape on the demo workload: the last 7 days of %d series from %s\n\n", len(r.rows), r.upstream)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIES\tSHAPE\tCONF\tGROWTH\tTO LIMIT\tEXPECTED\t")
	counts := map[string]int{}
	right := 0
	for _, row := range r.rows {
		counts[row.shape]++
		expected, mark := "?", ""
		if row.service != nil {
			expected = string(row.service.Want)
			for _, a := range row.service.Accept {
				expected += " or " + string(a)
			}
			if row.service.Correct(shape.Shape(row.shape)) {
				right++
				mark = "ok"
			} else {
				mark = "WRONG"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n", cell(row.series), cell(row.shape), row.confidence,
			demoGrowth(row.growth), demoToLimit(row.toLimit), expected, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, row := range r.rows {
		story := ""
		if row.service != nil {
			story = " (" + row.service.Story + ")"
		}
		fmt.Fprintf(w, "  %s%s\n      %s\n", row.series, story, cell(row.explanation))
	}
	var parts []string
	for _, s := range []string{"leak", "bloat", "fragmentation", "inconclusive", "healthy"} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(w, "\n%s; %d of %d as the workload was built (EXPECTED).\n", strings.Join(parts, ", "), right, len(r.rows))
	if len(r.notices) > 0 {
		fmt.Fprintf(w, "Panel notice: %s\n", r.notices[0])
	}
	if r.outDir != "" {
		var pngs []string
		for _, row := range r.rows {
			if row.png != "" {
				pngs = append(pngs, row.png)
			}
		}
		sort.Strings(pngs)
		fmt.Fprintf(w, "%d PNGs (one per series) and %s (all of them) in %s\n", len(pngs), demoCollage, r.outDir)
	}
	fmt.Fprintf(w, "Took %.1f s. Live in Grafana: docker compose up (see README).\n", r.took.Seconds())
	return nil
}

func demoGrowth(g float64) string {
	if math.IsNaN(g) || math.IsInf(g, 0) {
		return "—"
	}
	s := units.FormatBytesIEC(g)
	if !strings.HasPrefix(s, "-") && s != "0 B" {
		s = "+" + s
	}
	return s + "/h"
}

func demoToLimit(sec *float64) string {
	if sec == nil || math.IsNaN(*sec) {
		return "—"
	}
	return approxDuration(time.Duration(*sec * float64(time.Second)))
}
