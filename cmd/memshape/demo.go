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
	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/plot"
	"github.com/memshape/memory-datasource/pkg/plugin"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/workload"
)

const demoUsage = `Usage: memshape demo [--out DIR [--force]] [--in-process]

Runs Memory Shape on the demo cluster (see memshape help demo-exporter):
Kubernetes workloads whose memory follows every shape — leaks (hidden by
rollouts every few hours, by OOM kills, under a GC sawtooth, or started by
one release), fragmentation (logarithmic and saturating), bloat, bloat plus
fragmentation (the trap), and healthy workloads with rollouts, restarts, a
warm-up, autoscaling, a GC sawtooth and a daily cycle — behind the churn of
a real cluster: every rollout replaces a Deployment's pods with new names,
an autoscaled worker's pods live an hour or four, an OOM-killed container
comes back as a new series.

It writes the last eight days of their memory and limits as cAdvisor and
kube-state-metrics export them, starts a local Prometheus backfilled with
them (promtool tsdb create-blocks-from openmetrics), runs the data source's
query path in this process — the plugin's QueryData, as Grafana would call
it, over the last seven days, with the query dashboards already have:
container_memory_working_set_bytes{container!="", container!="POD"} —
prints the verdict of every workload, judged across its pods and
containers, from the frames it returns, and draws one PNG per workload,
and fleet.png with all of them, into a folder it names.

Without prometheus and promtool in PATH it serves the same history from an
in-process stand-in for Prometheus' HTTP API and says so; the frames path is
the same. For the full path, ` + promtest.InstallHint + `.

Flags:
  --out DIR      where to write the PNGs: a new or empty folder (default: a
                 new folder in the system's temporary directory, one per run)
  --force        write into a --out folder that is not empty, replacing
                 only the demo's own files (fleet.png and
                 <namespace>-<workload>.png); nothing else in it is touched
  --in-process   use the in-process stand-in even when Prometheus is
                 installed
`

// The demo's queries: every container's memory, with each one's limit.
const (
	demoExpr      = demo.MemoryMetric + `{container!="", container!="POD"}`
	demoLimitExpr = demo.LimitMetric + `{resource="memory"}`
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
	res, err := demoRun(context.Background(), demoConfig{now: time.Now(), outDir: dir, inProcess: *inProcess, log: stdout, pictures: demoPictures})
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
		return "", false, fmt.Errorf("--out %s is not empty (%d entries): name a new or empty folder, or add --force to write the demo's pictures there, replacing only its own files (%s and <namespace>-<workload>.png)", out, len(entries), demoCollage)
	}
	return out, false, nil
}

type demoConfig struct {
	now       time.Time
	outDir    string // an existing folder; "" draws no PNGs
	inProcess bool
	log       io.Writer // progress lines
	// pictures are the PNGs' sizes; zero: defaultPictures.
	pictures pictureSizes
}

// pictureSizes are the sizes in pixels of each workload's PNG (0: the
// plot's default) and of a tile of the collage.
type pictureSizes struct {
	pngW, pngH, tileW, tileH int
}

// defaultPictures are the demo's: the plot's default size, and three
// columns of 760×320 px tiles in fleet.png.
var defaultPictures = pictureSizes{tileW: 760, tileH: 320}

// demoPictures are the sizes `memshape demo` draws at: defaultPictures
// (tests that only count the pictures draw them smaller).
var demoPictures = defaultPictures

// demoRow is one row of the verdict table, read from the frames: one
// workload.
type demoRow struct {
	series, namespace, workload  string
	shape                        string
	confidence, growth           float64
	toLimit, limit               *float64 // seconds, bytes
	lifetimes, showing, measured *float64
	explanation                  string
	built                        *demo.Workload
	png                          string
}

type demoResult struct {
	upstream string // what answered: "Prometheus 2.42.0 …" or the stand-in
	series   int    // series the query returned
	rows     []demoRow
	notices  []string
	outDir   string
	pictures pictureSizes
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
	workloads := demo.Workloads(now)
	// One sample per query step over the analysis window keeps the
	// backfill quick (the exporter's history has one a minute, for eight
	// days); the limits are read over the last hour.
	hist := scraped(recentLimits(demo.History(workloads, now.Add(-demoWindow-time.Hour), now, demoInterval, demo.ScrapeLabels()), now.Add(-2*time.Hour)))
	res := &demoResult{outDir: cfg.outDir, pictures: cfg.pictures}
	if res.pictures == (pictureSizes{}) {
		res.pictures = defaultPictures
	}

	var url string
	_, _, missing := promtest.Binaries()
	switch {
	case cfg.inProcess || missing != nil:
		srv := httptest.NewServer(demo.NewAPI(hist))
		defer srv.Close()
		url = srv.URL
		res.upstream = "the in-process stand-in for Prometheus' HTTP API"
		if missing != nil {
			fmt.Fprintf(cfg.log, "Prometheus is not installed (%v): running on the same history through an in-process stand-in for its API; for the full path, %s\n", missing, promtest.InstallHint)
		}
	default:
		fmt.Fprintf(cfg.log, "backfilling a local Prometheus with 7 days of %d series (promtool) …\n", len(hist))
		p, err := promtest.LaunchContext(ctx, promtest.Options{}, hist...)
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
	if err := res.read(frames, workloads); err != nil {
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

// recentLimits keeps the limit series' samples from `from` on (the demo
// reads each pod's limit over the last hour), and the memory series whole.
func recentLimits(ss []series.Series, from time.Time) []series.Series {
	out := ss[:0]
	for _, s := range ss {
		if s.Labels["__name__"] == demo.LimitMetric {
			i := sort.Search(len(s.T), func(i int) bool { return s.T[i] >= from.UnixMilli() })
			s.T, s.V = s.T[i:], s.V[i:]
			if len(s.T) == 0 {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// scrapeLag is how long after each step the demo's samples are stamped: a
// scrape never lands on the query's grid, and a sample exactly one
// lookback before a step is selected by Prometheus 2 (a closed lookback)
// and not by Prometheus 3 or the stand-in (left-open). Off the grid, every
// Prometheus selects the same samples.
const scrapeLag = 30 * time.Second

func scraped(ss []series.Series) []series.Series {
	for _, s := range ss {
		for i := range s.T {
			s.T[i] -= scrapeLag.Milliseconds()
		}
	}
	return ss
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
		"refId": "A", "expr": demoExpr, "limitExpr": demoLimitExpr, "output": "all",
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
func (r *demoResult) read(frames data.Frames, workloads []demo.Workload) error {
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
		if _, ok := seriesOf(f); ok {
			r.series++
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
			workload:    stringAt(table, "workload", i),
			shape:       stringAt(table, "shape", i),
			confidence:  floatAt(table, "confidence", i),
			growth:      floatAt(table, "growth_bytes_per_hour", i),
			toLimit:     nullableAt(table, "time_to_limit_seconds", i),
			limit:       nullableAt(table, "limit_bytes", i),
			lifetimes:   nullableAt(table, "lifetimes", i),
			showing:     nullableAt(table, "showing", i),
			measured:    nullableAt(table, "measured", i),
			explanation: stringAt(table, "explanation", i),
		}
		for k := range workloads {
			if w := &workloads[k]; w.Namespace == row.namespace && w.Name == row.workload {
				row.built = w
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
	case *int64:
		if x != nil {
			y := float64(*x)
			return &y
		}
	}
	return nil
}

// draw renders one PNG per workload with pkg/plot: the points of its pods
// and containers the plugin returned, the shape it named, and the fitted
// curves of the same judgement run on those points (the series grouped
// and pooled as the plugin does: pkg/workload). It writes only its own
// file names and deletes nothing.
func (r *demoResult) draw(frames data.Frames) error {
	var drawn []series.Series
	for _, f := range frames {
		if s, ok := seriesOf(f); ok {
			drawn = append(drawn, s)
		}
	}
	groups, _ := workload.Group(drawn, workload.By{Mode: workload.Auto})
	var tiles []image.Image
	for i := range r.rows {
		row := &r.rows[i]
		var g *workload.Workload
		for k := range groups {
			if groups[k].Namespace == row.namespace && groups[k].Name == row.workload {
				g = &groups[k]
			}
		}
		if g == nil {
			continue
		}
		limit := 0.0
		if row.limit != nil {
			limit = *row.limit
		}
		v := workload.Judge(*g, drawn, shape.Options{LimitBytes: limit})
		members := make([]series.Series, 0, len(g.Members))
		for _, m := range g.Members {
			members = append(members, drawn[m.Series])
		}
		title := row.namespace + "/" + row.workload
		name := row.namespace + "-" + row.workload + ".png"
		o := plot.Options{Title: title, Limit: limit, Width: r.pictures.pngW, Height: r.pictures.pngH}
		if err := writeWorkloadPNG(filepath.Join(r.outDir, name), members, v, o); err != nil {
			return fmt.Errorf("drawing %s: %v", name, err)
		}
		o.Width, o.Height = r.pictures.tileW, r.pictures.tileH
		tile, err := plot.Images(members, v, o)
		if err != nil {
			return fmt.Errorf("drawing %s: %v", name, err)
		}
		tiles = append(tiles, tile)
		row.png = name
	}
	return writeCollage(filepath.Join(r.outDir, demoCollage), tiles)
}

// The collage of every series: three columns of charts.
const (
	demoCollage = "fleet.png"
	tileCols    = 3
)

func writeWorkloadPNG(path string, ss []series.Series, v shape.Verdict, o plot.Options) error {
	return writeFile(path, func(w io.Writer) error { return plot.RenderWorkload(w, ss, v, o) })
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

// writeCollage lays the charts (all of one size) out in a grid on white,
// in the order given.
func writeCollage(path string, tiles []image.Image) error {
	if len(tiles) == 0 {
		return nil
	}
	tileW, tileH := tiles[0].Bounds().Dx(), tiles[0].Bounds().Dy()
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
	fmt.Fprintf(w, "\nMemory Shape on the demo cluster: the last 7 days of %d workloads (%d series: pods and containers) from %s\n\n", len(r.rows), r.series, r.upstream)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tSHAPE\tCONF\tGROWTH\tTO LIMIT\tLIFETIMES\tEXPECTED\t")
	counts := map[string]int{}
	right := 0
	for _, row := range r.rows {
		counts[row.shape]++
		expected, mark := "?", ""
		if row.built != nil {
			expected = string(row.built.Want)
			for _, a := range row.built.Accept {
				expected += " or " + string(a)
			}
			if row.built.Correct(shape.Shape(row.shape)) {
				right++
				mark = "ok"
			} else {
				mark = "WRONG"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\n", cell(row.series), cell(row.shape), row.confidence,
			demoGrowth(row.growth), demoToLimit(row.toLimit), demoLifetimes(row), expected, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, row := range r.rows {
		story := ""
		if row.built != nil {
			story = " (" + row.built.Story + ")"
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
		fmt.Fprintf(w, "%d PNGs (one per workload) and %s (all of them) in %s\n", len(pngs), demoCollage, r.outDir)
	}
	fmt.Fprintf(w, "Took %.1f s. Live in Grafana: docker compose up (see README).\n", r.took.Seconds())
	return nil
}

// demoLifetimes is "14 of 14 (16)": the lifetimes that show the shape, of
// those long enough to tell, and all seen.
func demoLifetimes(row demoRow) string {
	switch {
	case row.lifetimes == nil:
		return "—"
	case row.showing == nil || row.measured == nil:
		return fmt.Sprintf("%.0f", *row.lifetimes)
	}
	return fmt.Sprintf("%.0f of %.0f (%.0f)", *row.showing, *row.measured, *row.lifetimes)
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
