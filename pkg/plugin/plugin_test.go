package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// ---- harness ----

var instanceID atomic.Int64

// settings builds instance settings; each call is a distinct instance.
func settings(u string, jsonData string, secure map[string]string) *backend.DataSourceInstanceSettings {
	id := instanceID.Add(1)
	if jsonData == "" {
		jsonData = "{}"
	}
	return &backend.DataSourceInstanceSettings{
		ID: id, UID: fmt.Sprintf("memshape-%d", id), Name: "Memory Shape", Type: "memshape-memory-datasource",
		URL: u, JSONData: json.RawMessage(jsonData), DecryptedSecureJSONData: secure,
		Updated: time.Unix(1_700_000_000, 0),
	}
}

func pctx(s *backend.DataSourceInstanceSettings) backend.PluginContext {
	return backend.PluginContext{Namespace: "default", PluginID: "memshape-memory-datasource", DataSourceInstanceSettings: s}
}

var (
	pluginOnce   sync.Once
	pluginClient *datasourcetest.TestPluginClient
	pluginServer datasourcetest.TestPlugin
	pluginErr    error
)

// startPlugin serves the data source over real gRPC on a free address. The
// SDK registers process-wide metrics, so there is one server per test
// binary (stopped in TestMain); tests use distinct instance IDs.
func startPlugin(t *testing.T) *datasourcetest.TestPluginClient {
	t.Helper()
	pluginOnce.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			pluginErr = err
			return
		}
		addr := l.Addr().String()
		_ = l.Close()
		// The SDK's own request logs (its ERROR "Partial data response
		// error" quotes each query's error) are recorded too.
		sdkLog.next = backend.Logger
		backend.Logger = sdkLog
		pluginServer, pluginErr = datasourcetest.Manage(NewDatasource, datasourcetest.ManageOpts{Address: addr})
		pluginClient = pluginServer.Client
	})
	require.NoError(t, pluginErr)
	return pluginClient
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pluginClient != nil {
		_ = pluginServer.Shutdown()
	}
	promtest.StopBenchFleet()
	os.Exit(code)
}

func q(refID string, model map[string]any, from, to time.Time, interval time.Duration) backend.DataQuery {
	raw, _ := json.Marshal(model)
	return backend.DataQuery{RefID: refID, JSON: raw, TimeRange: backend.TimeRange{From: from, To: to}, Interval: interval, MaxDataPoints: 1000}
}

// memSeries is 60 one-minute samples ending at end: 1000, 1001, … 1059 MB.
func memSeries(end time.Time, pod string) series.Series {
	s := series.Series{Labels: map[string]string{"__name__": "memshape_test_memory_bytes", "pod": pod, "namespace": "prod"}}
	for i := 0; i < 60; i++ {
		s.T = append(s.T, end.Add(-time.Duration(59-i)*time.Minute).UnixMilli())
		s.V = append(s.V, float64(1000+i)*1e6)
	}
	return s
}

// sdkLog records what the SDK logs about each request, and passes it on.
var sdkLog = &teeLogger{rec: &recLogger{}}

type teeLogger struct {
	rec  *recLogger
	next log.Logger
}

func (l *teeLogger) Debug(msg string, args ...any) {
	l.rec.Debug(msg, args...)
	l.next.Debug(msg, args...)
}
func (l *teeLogger) Info(msg string, args ...any) {
	l.rec.Info(msg, args...)
	l.next.Info(msg, args...)
}
func (l *teeLogger) Warn(msg string, args ...any) {
	l.rec.Warn(msg, args...)
	l.next.Warn(msg, args...)
}
func (l *teeLogger) Error(msg string, args ...any) {
	l.rec.Error(msg, args...)
	l.next.Error(msg, args...)
}
func (l *teeLogger) With(args ...any) log.Logger {
	return &teeLogger{rec: l.rec, next: l.next.With(args...)}
}
func (l *teeLogger) Level() log.Level { return log.Debug }
func (l *teeLogger) FromContext(ctx context.Context) log.Logger {
	return &teeLogger{rec: l.rec, next: l.next.FromContext(ctx)}
}

// recLogger records every log line.
type recLogger struct {
	mu    sync.Mutex
	lines []string
}

func (r *recLogger) rec(level, msg string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprint(level, " ", msg, " ", fmt.Sprint(args...)))
}
func (r *recLogger) Debug(msg string, args ...any)          { r.rec("debug", msg, args...) }
func (r *recLogger) Info(msg string, args ...any)           { r.rec("info", msg, args...) }
func (r *recLogger) Warn(msg string, args ...any)           { r.rec("warn", msg, args...) }
func (r *recLogger) Error(msg string, args ...any)          { r.rec("error", msg, args...) }
func (r *recLogger) With(args ...any) log.Logger            { return r }
func (r *recLogger) Level() log.Level                       { return log.Debug }
func (r *recLogger) FromContext(context.Context) log.Logger { return r }
func (r *recLogger) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}
func (r *recLogger) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// ---- (a) smoke test over gRPC against a real Prometheus ----

func TestSmokeGRPCRealPrometheus(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	srv := promtest.Start(t, memSeries(end, "api-1"))
	client := startPlugin(t)
	ctx := context.Background()
	ds := settings(srv.URL, `{"upstream":"prometheus","timeoutSeconds":30}`, nil)

	health, err := client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pctx(ds)})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Regexp(t, `^Connected to Prometheus \d+\.\d+\.\d+`, health.Message)

	resp, err := client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: pctx(ds),
		Queries: []backend.DataQuery{q("A", map[string]any{
			"expr": `memshape_test_memory_bytes{pod="api-1"}`, "legendFormat": "{{pod}}", "limitBytes": 2e9, "sensitivity": "high",
		}, end.Add(-59*time.Minute), end, time.Minute)},
	})
	require.NoError(t, err)
	dr := resp.Responses["A"]
	require.NoError(t, dr.Error)
	require.NotEmpty(t, dr.Frames)

	sf := dr.Frames[0]
	require.Equal(t, data.FrameTypeTimeSeriesMulti, sf.Meta.Type)
	require.Equal(t, 60, sf.Rows())
	value := sf.Fields[1]
	assert.Equal(t, map[string]string{"__name__": "memshape_test_memory_bytes", "pod": "api-1", "namespace": "prod"}, map[string]string(value.Labels), "the upstream's labels, unchanged")
	assert.True(t, strings.HasPrefix(value.Config.DisplayNameFromDS, "api-1"), value.Config.DisplayNameFromDS)
	assert.Equal(t, "bytes", value.Config.Unit)
	for i := 0; i < 60; i++ {
		assert.Equal(t, float64(1000+i)*1e6, value.At(i).(float64), "point %d", i)
		assert.Equal(t, end.Add(-time.Duration(59-i)*time.Minute).UnixMilli(), sf.Fields[0].At(i).(time.Time).UnixMilli())
	}

	table := dr.Frames[len(dr.Frames)-1]
	assert.Equal(t, "verdicts", table.Name)
	require.Equal(t, 1, table.Rows())
	assert.Equal(t, "prod/api", table.Fields[0].At(0), "a pod's legend names its series; the row is its workload's")
	workloadCol, _ := table.FieldByName("workload")
	require.NotNil(t, workloadCol)
	assert.Equal(t, "api", workloadCol.At(0), "StatefulSet api, from its pod api-1")
	shapeCol, _ := table.FieldByName("shape")
	assert.Contains(t, shape.Shapes, shape.Shape(shapeCol.At(0).(string)))

	// The alert output over gRPC: one numeric frame per series.
	resp, err = client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: pctx(ds),
		Queries:       []backend.DataQuery{q("B", map[string]any{"expr": "memshape_test_memory_bytes", "output": "alert"}, end.Add(-59*time.Minute), end, time.Minute)},
	})
	require.NoError(t, err)
	require.NoError(t, resp.Responses["B"].Error)
	require.Len(t, resp.Responses["B"].Frames, 1)
	assert.Equal(t, data.FrameTypeNumericMulti, resp.Responses["B"].Frames[0].Meta.Type)

	// An alert rule asking for verdicts gets the numeric frames too.
	resp, err = client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: pctx(ds),
		Headers:       map[string]string{AlertHeader: "true"},
		Queries:       []backend.DataQuery{q("C", map[string]any{"expr": "memshape_test_memory_bytes", "output": "verdicts"}, end.Add(-59*time.Minute), end, time.Minute)},
	})
	require.NoError(t, err)
	require.NoError(t, resp.Responses["C"].Error)
	require.Len(t, resp.Responses["C"].Frames, 1)
	assert.Equal(t, data.FrameTypeNumericMulti, resp.Responses["C"].Frames[0].Meta.Type)
	assert.NotEmpty(t, resp.Responses["C"].Frames[0].Fields[0].Labels["memshape_shape"])
}

// ---- (b) per-query isolation ----

func TestPerQueryIsolation(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	srv := promtest.Start(t, memSeries(end, "api-1"))
	client := startPlugin(t)
	ds := settings(srv.URL, "", nil)
	from := end.Add(-59 * time.Minute)
	resp, err := client.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: pctx(ds),
		Queries: []backend.DataQuery{
			q("bad", map[string]any{"expr": "sum(memshape_test_memory_bytes"}, from, end, time.Minute),
			q("good", map[string]any{"expr": "memshape_test_memory_bytes"}, from, end, time.Minute),
			q("sens", map[string]any{"expr": "memshape_test_memory_bytes", "sensitivity": "extreme"}, from, end, time.Minute),
			q("out", map[string]any{"expr": "memshape_test_memory_bytes", "output": "graph"}, from, end, time.Minute),
			q("empty", map[string]any{"expr": "  "}, from, end, time.Minute),
			q("limit", map[string]any{"expr": "memshape_test_memory_bytes", "limitBytes": -1}, from, end, time.Minute),
			q("none", map[string]any{"expr": "no_such_metric"}, from, end, time.Minute),
		},
	})
	require.NoError(t, err)
	bad := resp.Responses["bad"]
	require.Error(t, bad.Error)
	assert.Contains(t, bad.Error.Error(), "parse error")
	assert.Contains(t, bad.Error.Error(), "bad_data")
	assert.Equal(t, backend.StatusBadRequest, bad.Status)
	assert.Empty(t, bad.Frames)

	good := resp.Responses["good"]
	require.NoError(t, good.Error)
	require.NotEmpty(t, good.Frames)
	assert.Equal(t, 60, good.Frames[0].Rows())

	sens := resp.Responses["sens"].Error
	require.Error(t, sens)
	assert.Contains(t, sens.Error(), `"extreme"`)
	assert.Contains(t, sens.Error(), `"low", "normal", "high"`)

	out := resp.Responses["out"].Error
	require.Error(t, out)
	assert.Contains(t, out.Error(), `"graph"`)
	assert.Contains(t, out.Error(), `"all", "series", "verdicts", "alert", "annotations"`)

	require.Error(t, resp.Responses["empty"].Error)
	assert.Contains(t, resp.Responses["empty"].Error.Error(), "expression is empty")
	require.Error(t, resp.Responses["limit"].Error)
	assert.Contains(t, resp.Responses["limit"].Error.Error(), "limitBytes")

	none := resp.Responses["none"]
	require.NoError(t, none.Error)
	require.NotEmpty(t, none.Frames)
	require.Len(t, none.Frames[0].Meta.Notices, 1)
	assert.Contains(t, none.Frames[0].Meta.Notices[0].Text, "no series")
}

// A panic in one query (here: in the classifier) fails that query only.
func TestPanicIsIsolated(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	srv := promtest.Start(t, memSeries(end, "api-1"), memSeries(end, "boom"))
	orig := judgeWorkload
	judgeWorkload = func(w workload.Workload, ss []series.Series, opt shape.Options) shape.Verdict {
		if v := ss[w.Members[0].Series].V; len(v) > 0 && v[0] == 0 {
			panic("boom")
		}
		return orig(w, ss, opt)
	}
	t.Cleanup(func() { judgeWorkload = orig })
	client := startPlugin(t)
	from := end.Add(-59 * time.Minute)
	resp, err := client.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: pctx(settings(srv.URL, "", nil)),
		Queries: []backend.DataQuery{
			q("A", map[string]any{"expr": `memshape_test_memory_bytes{pod="boom"} * 0`}, from, end, time.Minute),
			q("B", map[string]any{"expr": `memshape_test_memory_bytes{pod="api-1"}`}, from, end, time.Minute),
		},
	})
	require.NoError(t, err)
	require.Error(t, resp.Responses["A"].Error)
	assert.Contains(t, resp.Responses["A"].Error.Error(), "internal error")
	assert.Equal(t, backend.StatusInternal, resp.Responses["A"].Status)
	require.NoError(t, resp.Responses["B"].Error)
	assert.NotEmpty(t, resp.Responses["B"].Frames)
}

// A 30-day range at a 1 s interval would be 2.6 M points: the step is raised.
func TestStepRaisedToPointCap(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	srv := promtest.Start(t, memSeries(end, "api-1"))
	client := startPlugin(t)
	resp, err := client.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: pctx(settings(srv.URL, "", nil)),
		Queries:       []backend.DataQuery{q("A", map[string]any{"expr": "memshape_test_memory_bytes", "output": "series"}, end.Add(-30*24*time.Hour), end, time.Second)},
	})
	require.NoError(t, err)
	dr := resp.Responses["A"]
	require.NoError(t, dr.Error)
	require.NotEmpty(t, dr.Frames)
	var texts []string
	for _, n := range dr.Frames[0].Meta.Notices {
		texts = append(texts, n.Text)
	}
	assert.Contains(t, strings.Join(texts, "\n"), "Step raised from 15s to 3m56s", "the scrape interval is the smallest step")
	assert.Contains(t, strings.Join(texts, "\n"), "11000")
}

// ---- (c) bad settings ----

func TestBadSettings(t *testing.T) {
	client := startPlugin(t)
	now := time.Now()
	cases := []struct {
		name string
		ds   *backend.DataSourceInstanceSettings
		want string
	}{
		{"empty URL", settings("", "", nil), "the Prometheus URL is empty: set it in the data source settings"},
		{"bad JSON", settings("http://127.0.0.1:9", `{"upstream": `, nil), "not valid JSON"},
		{"unknown upstream", settings("http://127.0.0.1:9", `{"upstream":"influx"}`, nil), `unknown upstream "influx": choose "prometheus" or "datadog"`},
		{"bad timeout", settings("http://127.0.0.1:9", `{"timeoutSeconds":"soon"}`, nil), `timeout "soon" is not a number`},
		{"negative timeout", settings("http://127.0.0.1:9", `{"timeoutSeconds":-5}`, nil), "out of range"},
		{"bad scheme", settings("ftp://prom:9090", "", nil), "must start with http:// or https://"},
		{"no host", settings("http://", "", nil), "has no host"},
		{"datadog no keys", settings("", `{"upstream":"datadog"}`, nil), "the Datadog API key and application key are missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := client.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: pctx(c.ds)})
			require.NoError(t, err)
			assert.Equal(t, backend.HealthStatusError, h.Status)
			assert.Contains(t, h.Message, c.want)
			resp, err := client.QueryData(context.Background(), &backend.QueryDataRequest{
				PluginContext: pctx(c.ds),
				Queries:       []backend.DataQuery{q("A", map[string]any{"expr": "up"}, now.Add(-time.Hour), now, time.Minute)},
			})
			require.NoError(t, err)
			require.Error(t, resp.Responses["A"].Error)
			assert.Contains(t, resp.Responses["A"].Error.Error(), c.want)
		})
	}
}

// ---- (d) Prometheus down ----

func TestPrometheusDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	client := startPlugin(t)
	ds := settings(down, `{"timeoutSeconds":5}`, nil)
	h, err := client.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: pctx(ds)})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusError, h.Status)
	assert.Contains(t, h.Message, "Prometheus could not be reached")
	assert.Contains(t, h.Message, "check the URL "+down)

	now := time.Now()
	resp, err := client.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: pctx(ds),
		Queries:       []backend.DataQuery{q("A", map[string]any{"expr": "up"}, now.Add(-time.Hour), now, time.Minute)},
	})
	require.NoError(t, err)
	require.Error(t, resp.Responses["A"].Error)
	assert.Contains(t, resp.Responses["A"].Error.Error(), down)
	assert.Equal(t, backend.StatusBadGateway, resp.Responses["A"].Status)
}

// ---- (e) secrets ----

// TestBearerTokenSentNeverShown puts a header-recording reverse proxy in
// front of a real Prometheus. The proxy wants the token; on a wrong one it
// answers 401 and echoes the Authorization header it got, like a chatty
// gateway might. The token must reach the proxy and appear in no response
// and no log line.
func TestBearerTokenSentNeverShown(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	srv := promtest.Start(t, memSeries(end, "api-1"))
	const token = "s3cr3t-T0KEN-value"
	const wrong = "wr0ng-T0KEN-value"
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var seen []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "unauthorized: got %q", r.Header.Get("Authorization"))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gw.Close)

	rl := &recLogger{}
	origLogger := logger
	logger = rl
	t.Cleanup(func() { logger = origLogger })

	client := startPlugin(t)
	ctx := context.Background()
	from := end.Add(-59 * time.Minute)
	var everything strings.Builder // all that came back
	record := func(v any) {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		everything.Write(b)
	}

	for _, tok := range []string{token, wrong} {
		ds := settings(gw.URL, "", map[string]string{"bearerToken": tok})
		h, err := client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pctx(ds)})
		require.NoError(t, err)
		record(h)
		resp, err := client.QueryData(ctx, &backend.QueryDataRequest{
			PluginContext: pctx(ds),
			Queries: []backend.DataQuery{
				q("A", map[string]any{"expr": "memshape_test_memory_bytes"}, from, end, time.Minute),
				q("B", map[string]any{"expr": "sum(("}, from, end, time.Minute),
			},
		})
		require.NoError(t, err)
		for _, r := range resp.Responses {
			record(r)
			if r.Error != nil {
				everything.WriteString(r.Error.Error())
			}
		}
		if tok == token {
			assert.Equal(t, backend.HealthStatusOk, h.Status, h.Message)
			require.NoError(t, resp.Responses["A"].Error)
			assert.Equal(t, 60, resp.Responses["A"].Frames[0].Rows())
		} else {
			assert.Equal(t, backend.HealthStatusError, h.Status)
			assert.Contains(t, h.Message, "401")
			assert.Contains(t, h.Message, "check the credentials")
			require.Error(t, resp.Responses["A"].Error)
			assert.Equal(t, backend.StatusUnauthorized, resp.Responses["A"].Status)
		}
	}
	mu.Lock()
	assert.Contains(t, seen, "Bearer "+token, "the token is sent as a bearer token")
	assert.Contains(t, seen, "Bearer "+wrong)
	mu.Unlock()

	all := everything.String() + "\n" + rl.all()
	assert.NotContains(t, all, token)
	assert.NotContains(t, all, wrong)
	assert.NotContains(t, all, "T0KEN")
}
