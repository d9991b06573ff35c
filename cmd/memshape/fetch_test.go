package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
)

// classifyResults decodes --format json output.
func classifyResults(t *testing.T, out string) []struct {
	Metric map[string]string `json:"metric"`
	Shape  string            `json:"shape"`
	Points int               `json:"points"`
} {
	t.Helper()
	var doc struct {
		Results []struct {
			Metric map[string]string `json:"metric"`
			Shape  string            `json:"shape"`
			Points int               `json:"points"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return doc.Results
}

// TestClassifyFromRealPrometheus queries a real Prometheus (promtest) over
// the default range and step, and draws the plots.
func TestClassifyFromRealPrometheus(t *testing.T) {
	t.Parallel() // with TestBinary: sets no environment and no package state
	end := time.Now().Truncate(time.Minute)
	var want []series.Series
	for k, pod := range []string{"api-1", "api-2"} {
		s := series.Series{Labels: map[string]string{"__name__": "memshape_cli_bytes", "pod": pod}}
		for i := 0; i <= 2*24*60; i += 5 {
			s.T = append(s.T, end.Add(-time.Duration(2*24*60-i)*time.Minute).UnixMilli())
			// api-1 leaks 1 MiB per 5 min; api-2 is flat with noise.
			v := 512e6 + float64(k)*1e6*float64(i%7)
			if k == 0 {
				v = 512e6 + float64(i/5)*(1<<20)
			}
			s.V = append(s.V, v)
		}
		want = append(want, s)
	}
	srv := promtest.Start(t, want...)

	plots := filepath.Join(t.TempDir(), "plots")
	code, out, errs := runCLI(t, "", "classify", "--prometheus", srv.URL, "--query", "memshape_cli_bytes",
		"--start", "now-2d", "--format", "json", "--limit", "4GiB", "--plot", plots)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	res := classifyResults(t, out)
	if len(res) != 2 {
		t.Fatalf("%d results, want 2:\n%s", len(res), out)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Metric["pod"] < res[j].Metric["pod"] })
	for i, r := range res {
		if r.Metric["pod"] != want[i].Labels["pod"] || r.Metric["__name__"] != "memshape_cli_bytes" {
			t.Errorf("result %d labels %v", i, r.Metric)
		}
		// Two days at the default step (87 s for ≤ 2,000 points) give
		// 1,987 points; data every 5 minutes is repeated by Prometheus'
		// lookback, so at least the 577 samples are there.
		if r.Points < 577 || r.Points > 2000 {
			t.Errorf("result %d: %d points", i, r.Points)
		}
	}
	if res[0].Shape != "leak" {
		t.Errorf("api-1 leaks 1 MiB every 5 minutes for 2 days, got %s", res[0].Shape)
	}
	files, _ := filepath.Glob(filepath.Join(plots, "*.png"))
	if len(files) != 2 || !strings.Contains(errs, "2 plot(s) in "+plots) {
		t.Fatalf("plots %v, stderr %q", files, errs)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(fh)
		fh.Close()
		if err != nil || cfg.Width < 200 || cfg.Height < 150 {
			t.Errorf("%s: %v, %dx%d", f, err, cfg.Width, cfg.Height)
		}
		if base := filepath.Base(f); base != "1-api-1.png" && base != "2-api-2.png" && base != "1-api-2.png" && base != "2-api-1.png" {
			t.Errorf("file name %s does not name the series by what tells it apart", f)
		}
	}
}

// authPrometheus answers query_range like Prometheus when the request
// carries the right basic auth or bearer token, and 401 otherwise, as
// Prometheus' web config does.
type authPrometheus struct {
	user, password, token string
	mu                    sync.Mutex
	headers               []http.Header
}

func (p *authPrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.headers = append(p.headers, r.Header.Clone())
	p.mu.Unlock()
	u, pw, ok := r.BasicAuth()
	authorized := ok && u == p.user && pw == p.password ||
		p.token != "" && r.Header.Get("Authorization") == "Bearer "+p.token
	if !authorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="prometheus"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	start, _ := strconv.ParseFloat(r.FormValue("start"), 64)
	var values []string
	for i := 0; i < 100; i++ {
		values = append(values, fmt.Sprintf(`[%d,"%d"]`, int64(start)+int64(i)*60, 500000000+i*1000))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m","job":"api"},"values":[%s]}]}}`, strings.Join(values, ","))
}

func TestClassifyPrometheusCredentials(t *testing.T) {
	const password, token = "hunter2-PW-5d1c9e", "tok-SECRET-8a7b6c"
	p := &authPrometheus{user: "admin", password: password, token: token}
	srv := httptest.NewServer(p)
	defer srv.Close()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	wrongTokenFile := filepath.Join(dir, "wrong-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wrongTokenFile, []byte("tok-WRONG-000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	base := []string{"classify", "--prometheus", srv.URL, "--query", "m", "--start", "now-2h", "--format", "json"}
	for _, tt := range []struct {
		name     string
		password string
		args     []string
		code     int
		want     []string
	}{
		{"right password", password, []string{"--basic-auth", "admin", "--header", "X-Scope-OrgID=tenant-1"}, 0, nil},
		{"right token", "", []string{"--bearer-token-file", tokenFile}, 0, nil},
		{"wrong password", "wrong-PW-000000", []string{"--basic-auth", "admin"}, 1,
			[]string{"Prometheus refused the credentials (401)", `the basic-auth password (MEMSHAPE_BASIC_AUTH_PASSWORD) of user "admin" was refused`}},
		{"wrong user", password, []string{"--basic-auth", "root"}, 1, []string{`of user "root" was refused`}},
		{"wrong token", "", []string{"--bearer-token-file", wrongTokenFile}, 1, []string{"the bearer token in " + wrongTokenFile + " was refused"}},
		{"no credentials", "", nil, 1, []string{"wants credentials: give --basic-auth USER"}},
		{"Authorization header", "", []string{"--header", "Authorization=Bearer tok-WRONG-111111"}, 1, []string{"the Authorization header given with --header was refused"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envBasicAuthPassword, tt.password)
			code, out, errs := runCLI(t, "", append(append([]string{}, base...), tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errs)
			}
			t.Logf("exit %d, stderr:\n%s", code, errs)
			if code == 0 {
				if res := classifyResults(t, out); len(res) != 1 || res[0].Metric["job"] != "api" || res[0].Points != 100 {
					t.Errorf("results %+v", res)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
			for _, secret := range []string{password, token, "wrong-PW-000000", "tok-WRONG-000000", "tok-WRONG-111111"} {
				if strings.Contains(out+errs, secret) {
					t.Errorf("secret %q printed: %s%s", secret, out, errs)
				}
			}
		})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if got := p.headers[0].Get("X-Scope-OrgID"); got != "tenant-1" {
		t.Errorf("--header not sent: X-Scope-OrgID %q", got)
	}
}

func TestClassifyPrometheusRedirectKeepsCredentialsHome(t *testing.T) {
	var leaked []string
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	t.Setenv(envBasicAuthPassword, "hunter2-PW-5d1c9e")
	code, _, errs := runCLI(t, "", "classify", "--prometheus", srv.URL, "--query", "m", "--basic-auth", "admin")
	if code != 1 || !strings.Contains(errs, "credentials are never sent to another host") {
		t.Errorf("exit %d: %s", code, errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) > 0 {
		t.Errorf("credentials reached another host: %q", leaked)
	}
}

// fakeDatadog answers /api/v1/validate and /api/v1/query as documented.
func fakeDatadog(apiKey, appKey string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("DD-API-KEY") != apiKey {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"errors":["Forbidden"]}`)
			return
		}
		switch r.URL.Path {
		case "/api/v1/validate":
			_, _ = io.WriteString(w, `{"valid":true}`)
		case "/api/v1/query":
			if r.Header.Get("DD-APPLICATION-KEY") != appKey {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"errors":["Forbidden"]}`)
				return
			}
			from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
			var pl []string
			for i := 0; i < 120; i++ {
				v := "null"
				if i%10 != 3 {
					v = strconv.Itoa(700+i) + ".5"
				}
				pl = append(pl, fmt.Sprintf("[%d.0,%s]", (from+int64(i)*300)*1000, v))
			}
			fmt.Fprintf(w, `{"status":"ok","res_type":"time_series","query":%q,"series":[{"metric":"system.mem.used","tag_set":["host:web-1","env:prod"],"unit":[{"family":"bytes","name":"mebibyte","scale_factor":1048576.0},null],"pointlist":[%s]}]}`,
				r.URL.Query().Get("query"), strings.Join(pl, ","))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

func TestClassifyDatadog(t *testing.T) {
	const apiKey, appKey = "API-SECRET-1a2b3c4d5e", "APP-SECRET-6f7a8b9c0d"
	srv := httptest.NewServer(fakeDatadog(apiKey, appKey))
	defer srv.Close()
	for _, tt := range []struct {
		name           string
		apiKey, appKey string
		code           int
		want           []string
	}{
		{"keys accepted", apiKey, appKey, 0, nil},
		{"wrong API key", "API-SECRET-wrong-000", appKey, 1, []string{"Datadog denied access (403): Forbidden: the API key was refused", "the API key in DD_API_KEY was refused"}},
		{"wrong application key", apiKey, "APP-SECRET-wrong-000", 1, []string{"the application key was refused", "the application key in DD_APP_KEY was refused"}},
		{"no keys", "", "", 2, []string{"set DD_API_KEY and DD_APP_KEY"}},
		{"no application key", apiKey, "", 2, []string{"set DD_APP_KEY:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DD_API_KEY", tt.apiKey)
			t.Setenv("DD_APP_KEY", tt.appKey)
			code, out, errs := runCLI(t, "", "classify", "--datadog-site", srv.URL, "--query", "avg:system.mem.used{env:prod} by {host}",
				"--start", "now-10h", "--format", "json")
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errs)
			}
			t.Logf("exit %d, stderr:\n%s", code, errs)
			if code == 0 {
				res := classifyResults(t, out)
				if len(res) != 1 || res[0].Metric["host"] != "web-1" || res[0].Metric["__name__"] != "system.mem.used" || res[0].Points != 108 {
					t.Errorf("results %+v", res)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
			if strings.Contains(out+errs, "SECRET") {
				t.Errorf("a key was printed: %s%s", out, errs)
			}
		})
	}
}

func TestClassifyUpstreamUsage(t *testing.T) {
	t.Setenv(envBasicAuthPassword, "")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--prometheus", "http://x", "--datadog-site", "datadoghq.com", "--query", "m"}, "give one upstream"},
		{[]string{"--prometheus", "http://x"}, "--query is required"},
		{[]string{"--prometheus", "http://x", "--query", "m", "testdata/prom_6h.json"}, "give one input"},
		{[]string{"--query", "m"}, "--query needs --prometheus URL, --datadog-site SITE"},
		{[]string{"--basic-auth", "admin", "testdata/prom_6h.json"}, "--basic-auth needs --prometheus"},
		{[]string{"--prometheus", "http://x", "--query", "m", "--basic-auth", "admin"}, "set the password in MEMSHAPE_BASIC_AUTH_PASSWORD"},
		{[]string{"--prometheus", "http://x", "--query", "m", "--bearer-token-file", "/nonexistent/token"}, "--bearer-token-file: open /nonexistent/token"},
		{[]string{"--prometheus", "ftp://x", "--query", "m"}, "must start with http:// or https://"},
		{[]string{"--prometheus", "http://x", "--query", "m", "--start", "yesterday"}, `--start "yesterday": want an RFC 3339 time`},
		{[]string{"--prometheus", "http://x", "--query", "m", "--start", "now-1d", "--end", "now-2d"}, "must be before --end"},
		{[]string{"--prometheus", "http://x", "--query", "m", "--step", "0"}, `--step "0": want a positive duration`},
		{[]string{"--prometheus", "http://x", "--query", "m", "--header", "X-Scope-OrgID"}, "want NAME=VALUE"},
		{[]string{"--prometheus", "http://x", "--query", "m", "--header", "Bad Name=1"}, "not a valid header name"},
		{[]string{"--datadog-site", "datadoghq.co", "--query", "m"}, `unknown Datadog site "datadoghq.co"`},
		{[]string{"--datadog-site", "datadoghq.com", "--query", "m", "--basic-auth", "x"}, "apply to --prometheus"},
	} {
		code, out, errs := runCLI(t, "", append([]string{"classify"}, tt.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", tt.args, code, out, errs, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	ref := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"now":                       ref,
		"NOW-2d":                    ref.Add(-48 * time.Hour),
		"now-90m":                   ref.Add(-90 * time.Minute),
		"now-1w":                    ref.Add(-7 * 24 * time.Hour),
		"now-1h30m":                 ref.Add(-90 * time.Minute),
		"now+1h":                    ref.Add(time.Hour),
		"1700000000":                time.Unix(1700000000, 0),
		"1700000000.5":              time.Unix(1700000000, 5e8),
		"2026-11-20T00:00:00Z":      time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		"2026-11-20T01:00:00+01:00": time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
	} {
		got, err := parseTime(in, ref)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "now-", "now-2x", "now*2", "2026-11-20", "1e300"} {
		if _, err := parseTime(bad, ref); err == nil {
			t.Errorf("parseTime(%q): no error", bad)
		}
	}
}

func TestDefaultStep(t *testing.T) {
	ref := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for rng, want := range map[time.Duration]time.Duration{
		7 * 24 * time.Hour: 303 * time.Second, // 604,800 s / 1,999 = 302.6
		2 * time.Hour:      4 * time.Second,
		10 * time.Minute:   time.Second,
	} {
		got := defaultStep(ref.Add(-rng), ref)
		if got != want {
			t.Errorf("defaultStep(%s) = %s, want %s", rng, got, want)
		}
		if points := int(rng/got) + 1; points > maxDefaultPoints {
			t.Errorf("defaultStep(%s) gives %d points", rng, points)
		}
	}
}

func TestPlotFileNames(t *testing.T) {
	ss := []series.Series{
		{Labels: map[string]string{"__name__": "m", "namespace": "shop", "pod": "checkout-5c9d7b7f4-8kq2m"}},
		{Labels: map[string]string{"__name__": "m", "namespace": "shop", "pod": "cart/6f8d:9c"}},
		{Labels: map[string]string{"__name__": "m", "namespace": "shop"}},
	}
	keys := distinguishing(ss)
	for i, want := range []string{"checkout-5c9d7b7f4-8kq2m", "cart_6f8d_9c", "m"} {
		if got := fileName(shortName(ss[i], keys)); got != want {
			t.Errorf("series %d: %q, want %q", i, got, want)
		}
	}
	one := []series.Series{{Labels: map[string]string{"__name__": "m", "pod": "a", "ns": "b"}}}
	if got := fileName(shortName(one[0], distinguishing(one))); got != "b_a" {
		t.Errorf("one series: %q", got)
	}
	if got := fileName(strings.Repeat("x", 200)); len(got) != 80 {
		t.Errorf("long name: %d bytes", len(got))
	}
	if got := fileName("{}"); got != "series" {
		t.Errorf("empty name: %q", got)
	}
}

// On a churned cluster the CLI judges each workload across its pods and
// containers, with the same verdicts as the data source gives for the same
// window and step (both go through pkg/workload); --group-by series and
// --group-by LABEL group otherwise.
func TestClassifyGroupsWorkloadsAsThePluginDoes(t *testing.T) {
	t.Parallel() // with TestBinary: sets no environment and no package state
	end := demoNow
	ws := demo.Workloads(end)
	hist := demo.History(ws, end.Add(-7*24*time.Hour-time.Hour), end, 5*time.Minute, demo.ScrapeLabels())
	srv := httptest.NewServer(demo.NewAPI(hist))
	defer srv.Close()
	args := []string{"classify", "--prometheus", srv.URL, "--query", demoExpr,
		"--start", end.Add(-7 * 24 * time.Hour).Format(time.RFC3339), "--end", end.Format(time.RFC3339), "--step", "5m", "--format", "json"}

	code, out, errs := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Results []struct {
			Metric      map[string]string `json:"metric"`
			Shape       string            `json:"shape"`
			Explanation string            `json:"explanation"`
			Workload    *struct {
				Name      string `json:"name"`
				Kind      string `json:"kind"`
				Series    int    `json:"series"`
				Lifetimes int    `json:"lifetimes"`
				Showing   int    `json:"showing"`
			} `json:"workload"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if len(doc.Results) != len(ws) {
		t.Fatalf("%d results, want one per workload (%d)", len(doc.Results), len(ws))
	}

	// The data source over the same window, at the same step.
	frames, err := demoQuery(context.Background(), srv.URL, end)
	if err != nil {
		t.Fatal(err)
	}
	var table *data.Frame
	for _, f := range frames {
		if f.Name == "verdicts" {
			table = f
		}
	}
	plugin := map[string][2]string{}
	for i := range table.Rows() {
		plugin[stringAt(table, "namespace", i)+"/"+stringAt(table, "workload", i)] = [2]string{stringAt(table, "shape", i), stringAt(table, "explanation", i)}
	}
	for _, r := range doc.Results {
		if r.Workload == nil || r.Metric["pod"] != "" {
			t.Errorf("%v: not judged as a workload", r.Metric)
			continue
		}
		name := r.Metric["namespace"] + "/" + r.Metric["workload"]
		want, ok := plugin[name]
		if !ok {
			t.Errorf("%s: the plugin has no row", name)
			continue
		}
		// The plugin's verdicts carry each pod's limit; the CLI was given
		// none: the shape and the words before the limit agree.
		if r.Shape != want[0] || !strings.HasPrefix(want[1], strings.SplitN(strings.TrimSuffix(r.Explanation, "."), ";", 2)[0]) {
			t.Errorf("%s: CLI %s (%s), plugin %s (%s)", name, r.Shape, r.Explanation, want[0], want[1])
		}
		if r.Workload.Series < 1 || r.Workload.Lifetimes < 1 || r.Workload.Showing > r.Workload.Lifetimes {
			t.Errorf("%s: %+v", name, *r.Workload)
		}
	}

	code, out, _ = runCLI(t, "", append(args, "--group-by", "series")...)
	if n := len(classifyResults(t, out)); code != 0 || n < 10*len(ws) {
		t.Errorf("--group-by series: exit %d, %d results, want one per pod and container", code, n)
	}
	code, out, _ = runCLI(t, "", append(args, "--group-by", "namespace")...)
	if res := classifyResults(t, out); code != 0 || len(res) != 4 || res[0].Metric["namespace"] == "" || len(res[0].Metric) != 1 {
		t.Errorf("--group-by namespace: exit %d, %+v", code, res)
	}
	if code, _, errs := runCLI(t, "", append(args, "--group-by", "9bad")...); code != exitUsage || !strings.Contains(errs, "not a label name") {
		t.Errorf("--group-by 9bad: exit %d, %q", code, errs)
	}
}

// Prometheus by the generic flags: its own settings (the tenant, the HTTP
// method) come from --json-data, as a data source's jsonData, and reach
// the requests; a bad one names the key.
func TestClassifyPrometheusByTheGenericFlags(t *testing.T) {
	const password = "hunter2-PW-5d1c9e"
	p := &authPrometheus{user: "admin", password: password}
	srv := httptest.NewServer(p)
	defer srv.Close()
	t.Setenv(envBasicAuthPassword, password)
	code, out, errs := runCLI(t, "", "classify", "--upstream", "prometheus", "--url", srv.URL, "--basic-auth", "admin",
		"--json-data", `{"tenant":"tenant-9","httpMethod":"GET"}`, "--query", "m", "--start", "now-2h", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if res := classifyResults(t, out); len(res) != 1 || res[0].Points != 100 {
		t.Errorf("results %+v", res)
	}
	p.mu.Lock()
	if got := p.headers[len(p.headers)-1].Get("X-Scope-OrgID"); got != "tenant-9" {
		t.Errorf("jsonData.tenant not sent: X-Scope-OrgID %q", got)
	}
	p.mu.Unlock()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--json-data", `{"httpMethod":"PUT"}`}, `HTTP method "PUT" is not supported for Prometheus`},
		{[]string{"--json-data", `{"tenant":`}, "--json-data: want a JSON object"},
		{[]string{"--url", "ftp://x"}, "--url: "},
	} {
		args := append([]string{"classify", "--upstream", "prometheus", "--url", srv.URL, "--query", "m"}, tt.args...)
		if code, _, errs := runCLI(t, "", args...); code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, errs, tt.want)
		}
	}
}
