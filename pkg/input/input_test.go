package input

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
	_ "github.com/memshape/memory-datasource/pkg/upstream/all" // the upstreams whose answers Read reads
)

// The formats of the upstreams Memory Shape ships.
const (
	Prometheus Format = "prometheus"
	Datadog    Format = "datadog"
)

// want describes the series a test file should give.
type want struct {
	labels map[string]string
	t      []int64 // checked when non-nil
	v      []float64
	n      int // number of points, checked when t is nil
}

func TestRead(t *testing.T) {
	const t0 = int64(1700000000000)
	g0 := time.Date(2025, 11, 29, 0, 0, 0, 0, time.UTC).UnixMilli()
	nan, pinf, ninf := math.NaN(), math.Inf(1), math.Inf(-1)
	podA := map[string]string{
		"__name__": "container_memory_working_set_bytes", "container": "api", "namespace": "shop",
		"pod": "api-7d9f8b6c5-x2x9k", "instance": "10.0.3.17:10250", "job": "kubelet",
	}
	podB := map[string]string{
		"__name__": "container_memory_working_set_bytes", "container": "api", "namespace": "shop",
		"pod": "api-7d9f8b6c5-q8wzt", "instance": "10.0.3.18:10250", "job": "kubelet",
	}
	promA := want{labels: podA, n: 10}
	promB := want{
		labels: podB,
		t: []int64{t0 + 123, t0 + 60000, t0 + 120000, t0 + 180000, t0 + 240000,
			t0 + 300000, t0 + 360000, t0 + 420000, t0 + 480000, t0 + 540000},
		v: []float64{512e6, 512e6, 512e6, nan, 512e6, pinf, 512e6, ninf, 512e6, 512e6},
	}
	web1 := map[string]string{"__name__": "system.mem.used", "env": "prod", "host": "web-1"}
	web2 := map[string]string{"__name__": "system.mem.used", "env": "prod", "host": "web-2"}

	tests := []struct {
		file   string
		format Format
		want   []want
	}{
		{"prom_matrix.json", Prometheus, []want{promA, promB}},
		{"prom_data_only.json", Prometheus, []want{promA, promB}},
		{"prom_result_only.json", Prometheus, []want{promA, promB}},
		{"prom_warnings.json", Prometheus, []want{promA}},
		{"prom_empty.json", Prometheus, nil},
		{"dd_query.json", Datadog, []want{
			{labels: web1, n: 10},
			{labels: web2, t: []int64{t0, t0 + 60000, t0 + 120000, t0 + 180000, t0 + 240000, t0 + 300000,
				t0 + 360000, t0 + 420000, t0 + 480000, t0 + 540000},
				v: []float64{1.8e9, 1.8e9, nan, nan, 1.8e9, 1.8e9, 1.8e9, 1.8e9, 1.8e9, 1.8e9}},
		}},
		{"dd_empty.json", Datadog, nil},
		{"dd_tags.json", Datadog, []want{
			{labels: map[string]string{"__name__": "jvm.heap_memory", "role": "db,cache", "canary": ""},
				t: []int64{t0, t0 + 60000}, v: []float64{1, nan}},
			{labels: map[string]string{"__name__": "jvm.heap_memory", "service": "billing", "az": "us-east-1a"},
				t: []int64{t0}, v: []float64{2}},
			{labels: map[string]string{"__name__": "jvm.heap_memory"}, t: []int64{t0}, v: []float64{3}},
		}},
		{"mem.csv", CSV, []want{
			{labels: map[string]string{"series": "api-1"}, t: []int64{t0, t0 + 60000, t0 + 120000},
				v: []float64{524288000, 525336576, 526385152}},
			{labels: map[string]string{"series": "api-2"}, t: []int64{t0, t0 + 60000, t0 + 120000},
				v: []float64{412000000, nan, nan}},
		}},
		{"mem_ms.csv", CSV, []want{
			{labels: map[string]string{}, t: []int64{t0, t0 + 60000, t0 + 120500}, v: []float64{1.5e9, 1.51e9, pinf}},
		}},
		{"mem_rfc3339.csv", CSV, []want{
			{labels: map[string]string{}, t: []int64{t0, t0 + 60250, t0 + 120000}, v: []float64{100, 101, 102}},
		}},
		// Grafana's panel "Download CSV": wide, its time format in UTC.
		{"grafana_wide.csv", CSV, []want{
			{labels: map[string]string{"series": "api-7"}, t: []int64{g0, g0 + 60000, g0 + 120000}, v: []float64{524288000, 525336576, 526385152}},
			{labels: map[string]string{"series": "api-8"}, t: []int64{g0, g0 + 60000, g0 + 120000}, v: []float64{612000000, nan, 612000000}},
		}},
		{"grafana_single.csv", CSV, []want{
			{labels: map[string]string{}, t: []int64{g0, g0 + 30000}, v: []float64{1.5e9, 1.51e9}},
		}},
		// "Download for Excel": a sep= line, ';', an offset, a fraction.
		{"grafana_excel.csv", CSV, []want{
			{labels: map[string]string{"series": `container_memory_working_set_bytes{pod="api-7"}`}, t: []int64{g0, g0 + 60500}, v: []float64{1.5, 2.5}},
		}},
		// Several frames, one block each.
		{"grafana_frames.csv", CSV, []want{
			{labels: map[string]string{"series": "api-7"}, t: []int64{g0, g0 + 60000}, v: []float64{100, 101}},
			{labels: map[string]string{"series": "api-8"}, t: []int64{g0, g0 + 60000}, v: []float64{200, 201}},
		}},
		// "Formatted data": values with units.
		{"grafana_formatted.csv", CSV, []want{
			{labels: map[string]string{"series": "api-7"}, t: []int64{g0, g0 + 60000, g0 + 120000}, v: []float64{1.5 * (1 << 30), 1.51 * (1 << 30), 1.62e9}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got.Format != tt.format {
				t.Errorf("format = %q, want %q", got.Format, tt.format)
			}
			if got.Series == nil {
				t.Errorf("got nil slice, want non-nil (possibly empty)")
			}
			if len(got.Warnings) > 0 {
				t.Errorf("warnings %q", got.Warnings)
			}
			checkSeries(t, got.Series, tt.want)
		})
	}
}

func checkSeries(t *testing.T, got []series.Series, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d series, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if !reflect.DeepEqual(g.Labels, w.labels) {
			t.Errorf("series %d labels = %v, want %v", i, g.Labels, w.labels)
		}
		if len(g.T) != len(g.V) {
			t.Errorf("series %d: %d timestamps, %d values", i, len(g.T), len(g.V))
		}
		if w.t == nil {
			if g.Len() != w.n {
				t.Errorf("series %d: %d points, want %d", i, g.Len(), w.n)
			}
			continue
		}
		if !reflect.DeepEqual(g.T, w.t) {
			t.Errorf("series %d T = %v, want %v", i, g.T, w.t)
		}
		if !sameFloats(g.V, w.v) {
			t.Errorf("series %d V = %v, want %v", i, g.V, w.v)
		}
	}
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  string // under testdata, or
		input string // inline
		want  []string
	}{
		{name: "prometheus error body", file: "prom_error.json",
			want: []string{"prometheus returned an error", "bad_data", `invalid parameter "query": 1:27: parse error`}},
		{name: "vector", file: "prom_vector.json",
			want: []string{"a range query result (matrix) is needed; got vector — use /api/v1/query_range"}},
		{name: "scalar", file: "prom_scalar.json",
			want: []string{"a range query result (matrix) is needed; got scalar — use /api/v1/query_range"}},
		{name: "malformed prometheus", file: "prom_malformed.json",
			want: []string{"malformed JSON", "line 10, column 4", "invalid character ','"}},
		{name: "truncated prometheus", file: "prom_truncated.json",
			want: []string{"malformed JSON", "unexpected end of JSON input", "line 13"}},
		{name: "bad prometheus value", file: "prom_bad_value.json",
			want: []string{"data.result[0].values[1]", `"abc"`}},
		{name: "datadog status error", file: "dd_error.json",
			want: []string{"datadog returned an error", "Error parsing query", "scope_expr"}},
		{name: "datadog errors array", file: "dd_errors.json",
			want: []string{"datadog returned an error: Forbidden"}},
		{name: "datadog value of wrong type", file: "dd_bad_type.json",
			want: []string{"datadog", "unexpected JSON string", "series.pointlist", "line 1, column"}},
		{name: "datadog short point", file: "dd_short_point.json",
			want: []string{"series[0].pointlist[0]", "want [<unix ms>, <value or null>]"}},
		{name: "csv one column", input: "1700000000\n1700000060\n",
			want: []string{"line 1: want 2 or more columns (a time, then values), got 1"}},
		{name: "csv one column with a header", input: "# memory\ntime\n1700000000\n",
			want: []string{"line 2: want 2 or more columns", "time"}},
		{name: "csv quote", input: "1700000000,\"1\n",
			want: []string{"csv: line 1", "quote"}},
		{name: "empty", input: "",
			want: []string{"empty input", "Prometheus", "Datadog", "CSV"}},
		{name: "white space", input: " \n\t\n",
			want: []string{"empty input", "only white space", "Prometheus", "Datadog", "CSV"}},
		{name: "binary", input: "\x00\x01\x02\x03garbage",
			want: []string{"not text", "Prometheus", "Datadog", "CSV"}},
		{name: "json of neither kind", input: `{"hello":"world"}`,
			want: []string{"neither a Prometheus", "nor a Datadog", "expected"}},
		{name: "malformed json of neither kind", input: "{\n  \"hello\": world\n}",
			want: []string{"malformed", "line 2, column 12", "expected"}},
		{name: "prometheus missing resultType", input: `{"status":"success","data":{"result":[]}}`,
			want: []string{"resultType is missing"}},
		{name: "prometheus no data", input: `{"status":"success","data":null}`,
			want: []string{`no "data"`}},
		{name: "prometheus bad timestamp", input: `[{"metric":{},"values":[[1,"1"]]},{"metric":{},"values":[[1,"2"],["x","1"]]}]`,
			want: []string{`result[1].values[1] ["x","1"]`, "want [<unix seconds>"}},
		{name: "prometheus value not a string", input: `{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}`,
			want: []string{"result[0].values[0] [1,2]", "quoted string"}},
		{name: "trailing garbage", input: `{"status":"success","data":{"resultType":"matrix","result":[]}} x`,
			want: []string{"malformed JSON", "line 1, column 65"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.input)
			if tt.file != "" {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Read(bytes.NewReader(data))
			if err == nil {
				t.Fatalf("Read: no error, got %d series", len(got.Series))
			}
			if got.Series != nil || got.Warnings != nil {
				t.Errorf("an error with a result: %+v", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEmptyIsErrEmpty(t *testing.T) {
	for _, in := range []string{"", "  \n", "\xef\xbb\xbf"} {
		if _, err := Read(strings.NewReader(in)); !errors.Is(err, ErrEmpty) {
			t.Errorf("Read(%q) = %v, want ErrEmpty", in, err)
		}
	}
	for _, src := range []upstream.Source{upstream.Source(Prometheus), upstream.Source(Datadog)} {
		if _, err := readAnswer(src, []byte(" ")); !errors.Is(err, ErrEmpty) {
			t.Errorf("got %v, want ErrEmpty", err)
		}
	}
	if _, _, err := parseCSV([]byte(" ")); !errors.Is(err, ErrEmpty) {
		t.Errorf("got %v, want ErrEmpty", err)
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadError(t *testing.T) {
	_, err := Read(failReader{})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v", err)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{`{"status":"success","data":{}}`, Prometheus},
		{`  {"resultType":"matrix","result":[]}`, Prometheus},
		{`[{"metric":{},"values":[]}]`, Prometheus},
		{`[]`, Prometheus},
		{`{"status":"error","errorType":"timeout","error":"query timed out"}`, Prometheus},
		{`{"status":"ok","series":[],"values":[],"times":[]}`, Datadog},
		{`[{"metric":"m","pointlist":[]}]`, Datadog},
		{`{"errors":["Forbidden"]}`, Datadog},
		{`{"status":"error","error":"boom"}`, Datadog},
		{`{"status":"ok","series":[{"pointlist":[[1,`, Datadog}, // truncated
		{`{"data":{"resultType":"matrix"`, Prometheus},          // truncated
		{"\xef\xbb\xbf1700000000,1\n", CSV},
		{"timestamp,value\n", CSV},
	}
	for _, tt := range tests {
		got, err := sniff([]byte(tt.in))
		if err != nil {
			t.Errorf("sniff(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrometheusSingleStream(t *testing.T) {
	got, err := Read(strings.NewReader(`{"metric":{"__name__":"m","job":"j"},"values":[[1700000000,"1"],[1700000060.5,"NaN"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, got.Series, []want{{labels: map[string]string{"__name__": "m", "job": "j"},
		t: []int64{1700000000000, 1700000060500}, v: []float64{1, math.NaN()}}})
}

func TestCSVDetails(t *testing.T) {
	// A header row is skipped only when it is the first row; series keep
	// the order they first appear in; empty series name is a series too.
	in := "ts,bytes,pod\n" +
		"1700000000.5,1,b\n" +
		"1700000000,2,a\n" +
		"1700000001,3,\n" +
		"1700000002,4\n" +
		"1e9,5,b\n"
	got, warnings, err := parseCSV([]byte(in))
	if err != nil || warnings != nil {
		t.Fatal(err, warnings)
	}
	checkSeries(t, got, []want{
		{labels: map[string]string{"series": "b"}, t: []int64{1700000000500, 1000000000000}, v: []float64{1, 5}},
		{labels: map[string]string{"series": "a"}, t: []int64{1700000000000}, v: []float64{2}},
		{labels: map[string]string{"series": ""}, t: []int64{1700000001000}, v: []float64{3}},
		{labels: map[string]string{}, t: []int64{1700000002000}, v: []float64{4}},
	})

	// Only a header: zero series, no error.
	got, _, err = parseCSV([]byte("timestamp,value\n"))
	if err != nil || len(got) != 0 {
		t.Errorf("header only: %v, %v", got, err)
	}
	got, _, err = parseCSV([]byte("\"Time\",\"api-7\",\"api-8\"\n"))
	if err != nil || len(got) != 0 {
		t.Errorf("wide header only: %v, %v", got, err)
	}

	// Three numeric columns are two series, not a series column.
	got, _, err = parseCSV([]byte("1700000000,1,2\n1700000060,3,4\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, got, []want{
		{labels: map[string]string{"series": "column 2"}, t: []int64{1700000000000, 1700000060000}, v: []float64{1, 3}},
		{labels: map[string]string{"series": "column 3"}, t: []int64{1700000000000, 1700000060000}, v: []float64{2, 4}},
	})

	// A third column headed "series" names series even when the names
	// are numbers.
	got, _, err = parseCSV([]byte("timestamp,value,series\n1700000000,1,7\n1700000000,2,8\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, got, []want{
		{labels: map[string]string{"series": "7"}, t: []int64{1700000000000}, v: []float64{1}},
		{labels: map[string]string{"series": "8"}, t: []int64{1700000000000}, v: []float64{2}},
	})

	// A tab-separated export.
	got, _, err = parseCSV([]byte("Time\tapi-1\n2025-11-29 00:00:00\t5\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, got, []want{{labels: map[string]string{"series": "api-1"}, t: []int64{1764374400000}, v: []float64{5}}})
}

// TestCSVBadCellsAreSkipped: a bad cell skips its point, a bad row the
// row, each with a warning naming the line; the rest is read.
func TestCSVBadCellsAreSkipped(t *testing.T) {
	g0 := time.Date(2025, 11, 29, 0, 0, 0, 0, time.UTC).UnixMilli()
	tests := []struct {
		file     string
		want     []want
		warnings []string
	}{
		{"grafana_bad_cells.csv", []want{
			{labels: map[string]string{"series": "api-7"}, t: []int64{g0, g0 + 240000}, v: []float64{100, 104}},
			{labels: map[string]string{"series": "api-8"}, t: []int64{g0, g0 + 60000, g0 + 240000}, v: []float64{200, 201, 204}},
		}, []string{
			`line 3: value "abc" is not a number; point skipped`,
			`line 4: timestamp "yesterday" is not Unix seconds, Unix milliseconds or a date and time (RFC 3339, or 2025-11-29 00:00:00 as Grafana exports it); row skipped`,
			`line 5: 2 columns where the header has 3; row skipped`,
		}},
		{"bad_value.csv", []want{{labels: map[string]string{}, n: 11}},
			[]string{`line 12: value "abc" is not a number; point skipped`}},
		{"bad_timestamp.csv", []want{{labels: map[string]string{}, t: []int64{1700000000000}, v: []float64{1}}},
			[]string{`line 2: timestamp "yesterday" is not Unix seconds`}},
		{"bad_columns.csv", []want{{labels: map[string]string{"series": "a"}, t: []int64{1700000000000}, v: []float64{1}}},
			[]string{"line 2: want 2 or 3 columns (timestamp,value[,series]), got 4; row skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			checkSeries(t, got.Series, tt.want)
			if len(got.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d", got.Warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.HasPrefix(got.Warnings[i], w) {
					t.Errorf("warning %d %q, want %q", i, got.Warnings[i], w)
				}
			}
		})
	}

	// A header after data (no blank line before it) is a bad row.
	got, warnings, err := parseCSV([]byte("1700000000,1\ntimestamp,value\n1700000060,2\n"))
	if err != nil || len(got) != 1 || got[0].Len() != 2 || len(warnings) != 1 || !strings.HasPrefix(warnings[0], `line 2: timestamp "timestamp"`) {
		t.Errorf("%v %q %v", got, warnings, err)
	}

	// Thousands of bad lines: a bounded list, the rest counted.
	var b strings.Builder
	b.WriteString("1700000000,1\n")
	for i := 0; i < 500; i++ {
		b.WriteString("1700000060,x\n")
	}
	_, warnings, err = parseCSV([]byte(b.String()))
	if err != nil || len(warnings) != maxCSVWarnings+1 || warnings[maxCSVWarnings] != "400 more lines with problems like these" {
		t.Errorf("%d warnings, last %q, %v", len(warnings), warnings[len(warnings)-1], err)
	}
}

func TestParseTimestamp(t *testing.T) {
	g0 := time.Date(2025, 11, 29, 0, 0, 0, 0, time.UTC).UnixMilli()
	for in, want := range map[string]int64{
		"2025-11-29 00:00:00":           g0,
		"2025-11-29 00:00:00.250":       g0 + 250,
		"2025-11-29 01:00:00+01:00":     g0,
		"2025-11-29 01:00:00 +01:00":    g0,
		"2025-11-28 19:00:00-0500":      g0,
		"2025-11-29 00:00:00 UTC":       g0,
		"2025-11-29T00:00:00":           g0,
		"2025-11-29T00:00:00Z":          g0,
		"2025-11-29 00:00":              g0,
		"1764374400":                    g0,
		"1764374400000":                 g0,
		"1764374400.5":                  g0 + 500,
		"2025-11-29T00:00:00.001+00:00": g0 + 1,
	} {
		got, err := parseTimestamp(in)
		if err != nil || got != want {
			t.Errorf("parseTimestamp(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2025-11-29", "29/11/2025 00:00:00", "NaN", "1e300"} {
		if _, err := parseTimestamp(bad); err == nil {
			t.Errorf("parseTimestamp(%q): no error", bad)
		}
	}
}
