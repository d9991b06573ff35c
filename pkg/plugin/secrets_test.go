package plugin

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/leaktest"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// secretKind is one kind of credential: how the data source or the
// request carries it, and what must never show.
type secretKind struct {
	name      string
	upstreams []upstream.Source
	// secrets must not show, not even any 6 characters of one in a row;
	// never are values too short for pieces that must not show whole.
	secrets, never []string
	// target is the request header the echo puts across an excerpt's cut.
	target string
	setup  func(c *echoCase)
}

// echoCase is one data source instance (one kind of secret, one way the
// upstream fails) and the request headers Grafana forwards.
type echoCase struct {
	url, basicUser string
	jsonData       map[string]any
	secure         map[string]string
	forwarded      map[string]string // header → value
}

// Secrets with the characters every escaping touches (< > & " ' / \ %,
// white space, non-ASCII), each unlike any other text.
const (
	sBearer = `Kx8vQ2mW<p9&Lr"4Tz'6/Hy5é\Rf3%Jb7`
	sBasic  = `Nc1Vd0<Xs2&Ge8/Wq4"Mt6'Pz9#Lk3?Bh5@`
	sURL    = `Yj4Fp8/Qm2#Vn6?Tc9@Rb3 Zx7%Ud1&Gs5`
	sHeader = `Hq7Lw3<Mz5&Cv9"Bk2'Ny6/Jd4é\Pt8%Xa1`
	sOAuth  = `Ur5Ei2<Ow8&Sa4"Dl7'Fg3/Kh9é\Zc6%Vb1`
	sIDTok  = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.Qw9Er4Ty7Ui2Op5`
	sCookie = `Gf6Hj3Kl8Zx1Cv4Bn7Mq2Wp5Er9Ty0Ui3`
	sFwd    = `Ao2Sd6<Fg9&Hj4"Kl7'Zx3/Cv8é\Bn5%Mq1`
	sSpaced = "Wh1  te\tSp4ce-Qz8 Lm6  Xv2"
	sDDAPI  = `Dp3Ak7<Gx1&Fm5"Lq9'Rt2/Wz6é\Hc4%Nv8`
	sDDApp  = `Ep5Bl9<Hy3&Gn7"Mr1'Su4/Xa8é\Id6%Ow2`
	ddPlain = "ddplain-Jw5Kx9Lv2Mz6Nq3Pr7" // the keys of Datadog data sources whose secret is another
)

func secretKinds() []secretKind {
	prom, dd := upstream.Prometheus, upstream.Datadog
	both := []upstream.Source{prom, dd}
	forward := func(name, header, value string, secrets ...string) secretKind {
		return secretKind{name: name, upstreams: both, secrets: secrets, target: header,
			setup: func(c *echoCase) { c.forwarded[header] = value }}
	}
	return []secretKind{
		{name: "bearer token", upstreams: []upstream.Source{prom}, secrets: []string{sBearer}, target: "Authorization",
			setup: func(c *echoCase) { c.secure["bearerToken"] = sBearer }},
		{name: "basic-auth password", upstreams: []upstream.Source{prom}, secrets: []string{sBasic}, target: "Authorization",
			setup: func(c *echoCase) { c.basicUser, c.secure["basicAuthPassword"] = "grafana", sBasic }},
		{name: "password in the URL", upstreams: []upstream.Source{prom}, secrets: []string{sURL}, target: "Authorization",
			setup: func(c *echoCase) {
				c.url = strings.Replace(c.url, "://", "://grafana:"+url.PathEscape(sURL)+"@", 1)
			}},
		{name: "custom header", upstreams: []upstream.Source{prom}, secrets: []string{sHeader}, target: "X-Scope-Orgid",
			setup: func(c *echoCase) {
				c.jsonData["httpHeaderName1"], c.secure["httpHeaderValue1"] = "X-Scope-OrgID", sHeader
			}},
		{name: "password with white space", upstreams: []upstream.Source{prom}, secrets: []string{sSpaced}, target: "Authorization",
			setup: func(c *echoCase) { c.basicUser, c.secure["basicAuthPassword"] = "grafana", sSpaced }},
		{name: "short bearer token", upstreams: []upstream.Source{prom}, never: []string{"Bearer k9"}, target: "Authorization",
			setup: func(c *echoCase) { c.secure["bearerToken"] = "k9" }},
		{name: "short basic-auth password", upstreams: []upstream.Source{prom},
			never:  []string{base64.StdEncoding.EncodeToString([]byte("grafana:p7")), "grafana:p7"},
			target: "Authorization",
			setup:  func(c *echoCase) { c.basicUser, c.secure["basicAuthPassword"] = "grafana", "p7" }},
		{name: "Datadog keys", upstreams: []upstream.Source{dd}, secrets: []string{sDDAPI, sDDApp}, target: "Dd-Api-Key",
			setup: func(c *echoCase) { c.secure["datadogApiKey"], c.secure["datadogAppKey"] = sDDAPI, sDDApp }},
		forward("forwarded OAuth token", "Authorization", "Bearer "+sOAuth, sOAuth),
		forward("forwarded ID token", "X-Id-Token", sIDTok, sIDTok),
		forward("forwarded cookie", "Cookie", "theme=dark; grafana_session="+sCookie, sCookie),
		forward("forwarded header", "X-Grafana-Id", sFwd, sFwd),
	}
}

// The ways an upstream fails (or answers), chosen by the first element of
// the URL path; each echoes the request it was sent.
var (
	promModes = []string{"text401", "text403", "json400", "json422", "json503", "html502", "text429", "text404", "text504",
		"page200", "malformed200", "dupkey200", "badstatus200", "data200", "huge200", "redirect", "slow", "reset",
		"straddle", "straddle-json", "straddle-url", "straddle-64k", "down"}
	ddModes = []string{"json401", "json403", "json400", "text500", "html500", "json429", "malformed200", "data200",
		"huge200", "redirect", "slow", "straddle", "straddle-json", "straddle-url", "down"}
	// modes whose error or answer quotes what the upstream sent
	quoting = map[string]bool{"text401": true, "text403": true, "json400": true, "json422": true, "json503": true, "html502": true,
		"text429": true, "text404": true, "text504": true, "page200": true, "dupkey200": true, "badstatus200": true, "data200": true,
		"json401": true, "json403": true, "text500": true, "json429": true}
)

// Every error path, provoked with every kind of secret — configured
// (bearer token, basic-auth password, a password in the URL, a custom
// header, Datadog keys, short ones, one with white space) or forwarded
// with the request (the user's OAuth token, ID token, cookie, any
// forwarded header) — against an upstream that echoes the request in
// every encoding (as is, URL, JSON, JavaScript, HTML, white space
// collapsed) and puts a credential across the cut of an excerpt: no 6
// characters of a secret in a row may show in any error, notice, frame,
// health result, resource answer or log line (the plugin's and the
// SDK's), read in any encoding.
func TestNoSecretInAnyAnswer(t *testing.T) {
	var elsewhere atomic.Int32 // requests that reached another host
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	echo := httptest.NewServer(echoUpstream(other.URL))
	t.Cleanup(echo.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	rl := &recLogger{}
	orig := logger
	logger = rl
	t.Cleanup(func() { logger = orig })
	client := startPlugin(t)
	sdkBefore := len(sdkLog.rec.snapshot())

	// The cases run eight at a time (much of their time is waiting on the
	// echo or on a timeout), then each is checked in its own subtest.
	type echoRun struct {
		kind secretKind
		src  upstream.Source
		mode string
		out  *caseOutput
		err  error
	}
	var runs []*echoRun
	kinds := secretKinds()
	for _, kind := range kinds {
		for _, src := range kind.upstreams {
			modes := promModes
			if src == upstream.Datadog {
				modes = ddModes
			}
			for _, mode := range modes {
				runs = append(runs, &echoRun{kind: kind, src: src, mode: mode})
			}
		}
	}
	work := make(chan *echoRun)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				r.out, r.err = runEchoCase(client, r.kind, r.src, r.mode, echo.URL, down)
			}
		}()
	}
	for _, r := range runs {
		work <- r
	}
	close(work)
	wg.Wait()

	calls, errPaths := 0, map[string]bool{}
	for _, r := range runs {
		t.Run(r.kind.name+"/"+string(r.src)+"/"+r.mode, func(t *testing.T) {
			require.NoError(t, r.err)
			out, all := r.out, r.out.all.String()
			for call, o := range out.calls {
				calls++
				if o.failed {
					errPaths[string(r.src)+" "+r.mode+" "+call] = true
				}
			}
			checkNoLeak(t, r.kind, r.src, leaktest.Read(all))
			if quoting[r.mode] && !strings.Contains(all, upstream.Redacted) {
				t.Errorf("nothing was redacted: the echo did not reach an answer, so the case proves nothing:\n%.2000s", all)
			}
			if strings.HasPrefix(r.mode, "straddle") && (!strings.Contains(all, "xxxxxxxxxx") && r.mode != "straddle-64k" ||
				strings.Contains(all, "no "+r.kind.target+" header")) {
				t.Errorf("the straddle did not reach an answer, so the case proves nothing:\n%.2000s", all)
			}
			if r.mode != "data200" && !out.calls["query"].failed {
				t.Errorf("the query did not fail")
			}
		})
	}
	logs := rl.all() + "\n" + strings.Join(sdkLog.rec.snapshot()[sdkBefore:], "\n")
	require.Contains(t, logs, "Partial data response error", "the SDK's error log was captured")
	read := leaktest.Read(logs)
	for _, kind := range kinds {
		checkNoLeak(t, kind, upstream.Datadog, read)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d requests followed a redirect to another host", n)
	}
	t.Logf("%d cases (kind of secret × upstream × way of failing), %d calls; %d distinct error paths (upstream × way of failing × call), each provoked with every kind of secret its upstream takes",
		len(runs), calls, len(errPaths))
}

// checkNoLeak fails t for any piece of kind's secrets in text.
func checkNoLeak(t *testing.T, kind secretKind, src upstream.Source, text *leaktest.Reading) {
	t.Helper()
	secrets := kind.secrets
	if src == upstream.Datadog && kind.name != "Datadog keys" {
		secrets = append(secrets, ddPlain)
	}
	for _, s := range secrets {
		if l, found := text.Find(s); found {
			t.Errorf("%s: %q shows (%s): …%s…", kind.name, l.Piece, l.View, l.Near)
		}
	}
	for _, v := range kind.never {
		if l, found := text.FindWhole(v); found {
			t.Errorf("%s: %q shows whole (%s): …%s…", kind.name, v, l.View, l.Near)
		}
	}
}

type callOutput struct{ failed bool }

type caseOutput struct {
	calls map[string]callOutput
	all   strings.Builder // every text returned
}

// runEchoCase creates the data source for kind and mode and runs every
// call on it: health, a query (with a limit query), and for Prometheus
// the six resource calls.
func runEchoCase(client *datasourcetest.TestPluginClient, kind secretKind, src upstream.Source, mode, echoURL, down string) (*caseOutput, error) {
	c := &echoCase{
		url:       echoURL + "/" + mode + "/" + kind.target,
		jsonData:  map[string]any{"timeout": 10, "maxResponseBytes": 1 << 20},
		secure:    map[string]string{},
		forwarded: map[string]string{},
	}
	switch mode {
	case "down":
		c.url = down
	case "slow":
		c.jsonData["timeout"] = 1
	}
	if src == upstream.Datadog {
		c.jsonData["upstream"] = "datadog"
		c.secure["datadogApiKey"], c.secure["datadogAppKey"] = ddPlain, ddPlain
	}
	kind.setup(c)
	if src == upstream.Datadog {
		c.jsonData["datadogSite"], c.url = c.url, ""
	}
	ds := grafanaSettings(c.url, c.jsonData, c.secure, c.basicUser)
	// Forwarded as Grafana sends them: identity headers by name, others
	// with the http_ prefix (queries, health); by name for resources.
	headers := map[string]string{}
	resHeaders := map[string][]string{"Accept": {"application/json"}}
	for k, v := range c.forwarded {
		switch k {
		case "Authorization", "X-Id-Token", "Cookie":
			headers[k] = v
		default:
			headers["http_"+k] = v
		}
		resHeaders[k] = []string{v}
	}
	ctx := context.Background()
	type result struct {
		text   string
		failed bool
	}
	// Each call, by name; they run at once.
	calls := map[string]func() (result, error){
		"health": func() (result, error) {
			// Over gRPC as Grafana sends it: the SDK's test client would
			// drop the forwarded headers of a health check.
			hp, err := client.DiagnosticsClient.CheckHealth(ctx, &pluginv2.CheckHealthRequest{
				PluginContext: backend.ToProto().PluginContext(pctx(ds)), Headers: headers})
			if err != nil {
				return result{}, err
			}
			h := backend.FromProto().CheckHealthResponse(hp)
			return result{fmt.Sprintf("health: %s %s\n", h.Message, h.JSONDetails), h.Status != backend.HealthStatusOk}, nil
		},
		"query": func() (result, error) {
			expr := "memshape_echo_bytes"
			if src == upstream.Datadog {
				expr = "avg:memshape.echo.bytes{*} by {pod}"
			}
			resp, err := client.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pctx(ds), Headers: headers, Queries: []backend.DataQuery{
				q("A", map[string]any{"expr": expr, "limitExpr": expr, "output": "all"}, fixtureEnd.Add(-time.Hour), fixtureEnd, time.Minute),
			}})
			if err != nil {
				return result{}, err
			}
			var b strings.Builder
			dr := resp.Responses["A"]
			if dr.Error != nil {
				fmt.Fprintf(&b, "query error: %s\n", dr.Error.Error())
			}
			for _, s := range frameTexts(dr.Frames) {
				fmt.Fprintf(&b, "frame: %s\n", s)
			}
			raw, err := json.Marshal(resp)
			if err != nil {
				return result{}, err
			}
			fmt.Fprintf(&b, "query JSON: %s\n", raw)
			return result{b.String(), dr.Error != nil}, nil
		},
	}
	resources := []string{"api/v1/labels", "api/v1/label/pod/values", "api/v1/series?match[]=up", "api/v1/metadata",
		"variable?query=label_values(pod)", "variable?query=query_result(up)"}
	if src == upstream.Datadog {
		resources = resources[4:5]
	}
	for _, path := range resources {
		calls["resource "+path] = func() (result, error) {
			var r result
			err := client.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pctx(ds), Path: strings.SplitN(path, "?", 2)[0],
				Method: "GET", URL: path, Headers: resHeaders},
				backend.CallResourceResponseSenderFunc(func(res *backend.CallResourceResponse) error {
					r = result{fmt.Sprintf("resource %s: %d %s\n", path, res.Status, res.Body), res.Status >= 400}
					return nil
				}))
			return r, err
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	results := map[string]result{}
	for name, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := call()
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", name, err)
			}
			results[name] = r
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out := &caseOutput{calls: map[string]callOutput{}}
	names := make([]string, 0, len(results))
	for name := range results {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out.calls[name] = callOutput{failed: results[name].failed}
		out.all.WriteString(results[name].text)
	}
	return out, nil
}

// frameTexts are every text a frame shows: names, notices, the executed
// query, field names, labels, display names and string values.
func frameTexts(frames data.Frames) []string {
	var out []string
	for _, f := range frames {
		out = append(out, f.Name)
		if f.Meta != nil {
			out = append(out, f.Meta.ExecutedQueryString)
			for _, n := range f.Meta.Notices {
				out = append(out, n.Text)
			}
		}
		for _, fld := range f.Fields {
			out = append(out, fld.Name, fld.Labels.String())
			if fld.Config != nil {
				out = append(out, fld.Config.DisplayName, fld.Config.DisplayNameFromDS)
			}
			for i := 0; i < fld.Len(); i++ {
				switch v := fld.At(i).(type) {
				case string:
					out = append(out, v)
				case *string:
					if v != nil {
						out = append(out, *v)
					}
				}
			}
		}
	}
	return out
}

// echoUpstream answers as Prometheus or Datadog would fail (or succeed),
// the way the first element of the path says, echoing the request in
// every encoding; the second element is the header a straddle mode puts
// across the cut of an excerpt (200 characters for Prometheus, 300 for
// Datadog; 64 KiB for what Prometheus reads of an error body).
func echoUpstream(elsewhere string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
		if len(parts) < 3 {
			http.NotFound(w, r)
			return
		}
		mode, target, api := parts[0], parts[1], "/"+parts[2]
		datadog := strings.HasPrefix(api, "/api/v1/query") && r.URL.Query().Get("from") != "" || api == "/api/v1/validate"
		d := dump(r, target)
		value := r.Header.Get(target)
		text := func(status int, body string) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
		jsonBody := func(status int, body any) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(body)
		}
		promError := func(status int, errorType string) {
			jsonBody(status, map[string]any{"status": "error", "errorType": errorType, "error": "parse error near " + d})
		}
		ddErrors := func(status int) { jsonBody(status, map[string]any{"errors": []string{"refused: " + d}}) }
		cut := 200
		if datadog {
			cut = 300
		}
		straddle := func(v string, at int, pad string) {
			if value == "" {
				text(http.StatusBadRequest, "no "+target+" header")
				return
			}
			text(http.StatusInternalServerError, strings.Repeat(pad, max(0, at-len(v)/2)/len(pad))+v+" and more after it")
		}
		switch mode {
		case "text401", "text403", "text429", "text404", "text504":
			status := map[string]int{"text401": 401, "text403": 403, "text429": 429, "text404": 404, "text504": 504}[mode]
			text(status, "refused:\n"+d)
		case "json400":
			if datadog {
				ddErrors(http.StatusBadRequest)
				return
			}
			promError(http.StatusBadRequest, "bad_data")
		case "json422":
			promError(http.StatusUnprocessableEntity, "execution")
		case "json503":
			promError(http.StatusServiceUnavailable, "internal")
		case "json401":
			ddErrors(http.StatusUnauthorized)
		case "json403":
			ddErrors(http.StatusForbidden)
		case "json429":
			w.Header().Set("X-RateLimit-Reset", "3600")
			ddErrors(http.StatusTooManyRequests)
		case "text500":
			text(http.StatusInternalServerError, d)
		case "html502", "html500", "page200":
			status := map[string]int{"html502": 502, "html500": 500, "page200": 200}[mode]
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<html><body><h1>Sign in</h1><pre>"+html.EscapeString(d)+"</pre>"+d+"</body></html>")
		case "malformed200":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"success","data":`+d)
		case "dupkey200":
			k, _ := json.Marshal(d)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{%s:"a",%s:"b"},"values":[[1,"1"]]}]}}`, k, k)
		case "badstatus200":
			jsonBody(http.StatusOK, map[string]any{"status": d, "data": map[string]any{}})
		case "data200":
			answerWithEcho(w, r, api, datadog, d)
		case "huge200":
			w.Header().Set("Content-Type", "application/json")
			k, _ := json.Marshal(d)
			_, _ = io.WriteString(w, `{"status":"success","series":[],"data":{"resultType":"matrix","result":[`)
			for n := 0; n < (1<<20+1<<16)/len(k)+1; n++ { // past the 1 MiB cap
				fmt.Fprintf(w, `{"metric":{"echo":%s,"n":"%d"},"values":[[1,"1"]]},`, k, n)
			}
			_, _ = io.WriteString(w, `{}]}}`)
		case "redirect":
			http.Redirect(w, r, elsewhere+"/api/v1/query_range?echo="+url.QueryEscape(d), http.StatusTemporaryRedirect)
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case "reset":
			w.Header().Set("Content-Type", "application/json")
			k, _ := json.Marshal(d)
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"echo":%s}`, k)
			w.(http.Flusher).Flush()
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
		case "straddle":
			straddle(value, cut, "x")
		case "straddle-json":
			straddle(jsonEscape(value), cut, "x")
		case "straddle-url":
			straddle(url.QueryEscape(value), cut, "x")
		case "straddle-64k":
			straddle(value, 64<<10, " \n")
		default:
			http.NotFound(w, r)
		}
	})
}

// answerWithEcho succeeds, with the echo in every text an answer holds:
// label names and values, warnings, the build information, metadata;
// Datadog's scope, tags, expression and message.
func answerWithEcho(w http.ResponseWriter, r *http.Request, api string, datadog bool, d string) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	if datadog {
		if api == "/api/v1/validate" {
			_ = enc.Encode(map[string]any{"valid": true})
			return
		}
		var from int64
		_, _ = fmt.Sscan(r.URL.Query().Get("from"), &from)
		var pl [][2]any
		for i := 0; i < 60; i++ {
			pl = append(pl, [2]any{float64((from + int64(i)*60) * 1000), 1e9 + float64(i)*1e6})
		}
		series := []map[string]any{
			{"metric": "memshape.echo.bytes", "display_name": d, "expression": d,
				"scope": "pod:a,echo:" + d, "tag_set": []string{"pod:a", "echo:" + d}, "pointlist": pl, "length": len(pl)},
			{"metric": "memshape.echo.bytes", "display_name": "b", "expression": "b", "scope": "pod:b", "tag_set": []string{"pod:b"}, "pointlist": pl, "length": len(pl)},
		}
		_ = enc.Encode(map[string]any{"status": "ok", "res_type": "time_series", "series": series, "message": d, "query": d})
		return
	}
	success := func(data any) {
		_ = enc.Encode(map[string]any{"status": "success", "data": data, "warnings": []string{d}, "infos": []string{d}})
	}
	switch {
	case strings.HasSuffix(api, "/query_range"):
		_ = r.ParseForm()
		var start float64
		_, _ = fmt.Sscan(r.Form.Get("start"), &start)
		var values [][2]any
		for i := 0; i < 60; i++ {
			values = append(values, [2]any{start + float64(i*60), fmt.Sprint(1e9 + float64(i)*1e6)})
		}
		var result []map[string]any
		result = append(result,
			map[string]any{"metric": map[string]string{"__name__": "memshape_echo_bytes", "pod": "a", "echo": d}, "values": values},
			map[string]any{"metric": map[string]string{"__name__": "memshape_echo_bytes", "pod": "b"}, "values": values})
		success(map[string]any{"resultType": "matrix", "result": result})
	case strings.HasSuffix(api, "/buildinfo"):
		success(map[string]any{"application": d, "version": d})
	case strings.HasSuffix(api, "/series"):
		success([]map[string]string{{"__name__": d, "pod": d}})
	case strings.HasSuffix(api, "/metadata"):
		success(map[string]any{d: []map[string]string{{"type": "gauge", "help": d, "unit": d}}})
	default: // labels, label values, an instant query
		success([]string{d, "pod"})
	}
}

// dump is the request as an echoing upstream shows it — the header
// first (so that even a short quote shows it), method and URI, every
// header, the basic-auth user and password, each cookie, the form —
// written as is, URL-escaped (either hex case), JSON-escaped (\u003c,
// \/), JavaScript-escaped (\x3c), HTML-escaped and with white space
// collapsed.
func dump(r *http.Request, first string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", first, r.Header.Get(first))
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL.RequestURI())
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
	}
	if u, p, ok := r.BasicAuth(); ok {
		fmt.Fprintf(&b, "basic auth: user %s password %s\n", u, p)
	}
	for _, c := range r.Cookies() {
		fmt.Fprintf(&b, "cookie %s = %s\n", c.Name, c.Value)
	}
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(bufio.NewReader(r.Body))
		fmt.Fprintf(&b, "body: %s\n", body)
	}
	plain := b.String()
	lower := regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(plain), strings.ToLower)
	js := regexp.MustCompile(`\\u00([0-9A-Fa-f]{2})`).ReplaceAllString(template.JSEscapeString(plain), `\x$1`)
	return strings.Join([]string{plain, "URL: " + url.QueryEscape(plain), "url: " + lower, "JSON: " + jsonEscape(plain),
		"JS: " + js, "HTML: " + html.EscapeString(plain), "collapsed: " + strings.Join(strings.Fields(plain), " ")}, "\n")
}

// jsonEscape is s inside a JSON string, with <, >, & as \u003c… and / as
// \/.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(strings.Trim(string(b), `"`), "/", `\/`)
}
