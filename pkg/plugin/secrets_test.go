package plugin

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every error path is provoked with every kind of secret set — bearer
// token, basic-auth password, a password in the URL, a custom header's
// value, Datadog keys — by an upstream that echoes everything it was sent;
// no secret may appear in any answer, health result, notice, frame name or
// log line.
func TestNoSecretInAnyAnswer(t *testing.T) {
	const (
		token   = "tok-SECRET-1111"
		basicPw = "basic/SECRET#2222"
		urlPw   = "url/SECRET?3333"
		header  = "hdr-SECRET-4444"
		ddAPI   = "ddapi-SECRET-5555"
		ddApp   = "ddapp-SECRET-6666"
	)
	secrets := []string{token, basicPw, urlPw, header, ddAPI, ddApp, url.QueryEscape(basicPw), url.PathEscape(urlPw),
		base64.StdEncoding.EncodeToString([]byte("grafana:" + basicPw))}

	// echo answers every request with what it was sent, in the form each
	// error path expects.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(other.Close)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		sent := fmt.Sprintf("%v %v %v", r.Header, r.Form, r.URL)
		q := r.Form.Get("query")
		switch {
		case strings.Contains(q, "redirect"):
			http.Redirect(w, r, other.URL+"/api/v1/query_range", http.StatusTemporaryRedirect)
		case strings.Contains(q, "slow"):
			time.Sleep(3 * time.Second)
		case strings.Contains(q, "huge"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"matrix","result":[`+strings.Repeat(`{"metric":{"a":"`+sent+`"},"values":[]},`, 20000)+`{}]}}`)
		case strings.Contains(q, "bad"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":%q}`, "parse error near "+sent)
		case strings.Contains(q, "html"):
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>gateway says: "+sent+"</html>")
		default:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, "unauthorized: "+sent)
		}
	}))
	t.Cleanup(echo.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	withPw := func(base string) string {
		u, _ := url.Parse(base)
		return u.Scheme + "://grafana:" + url.PathEscape(urlPw) + "@" + u.Host
	}
	secure := map[string]string{"bearerToken": token, "basicAuthPassword": basicPw, "httpHeaderValue1": header, "datadogApiKey": ddAPI, "datadogAppKey": ddApp}
	prom := func(u string) *backend.DataSourceInstanceSettings {
		s := grafanaSettings(u, map[string]any{"httpHeaderName1": "X-Scope-OrgID", "timeout": 1, "maxResponseBytes": 1 << 20}, secure, "grafana")
		return s
	}
	instances := []*backend.DataSourceInstanceSettings{
		prom(withPw(echo.URL)), prom(withPw(down)), prom("http://grafana:pa/ss@" + strings.TrimPrefix(down, "http://")),
		settings("", `{"upstream":"datadog","datadogSite":"`+echo.URL+`"}`, secure),
		settings("", `{"upstream":"datadog","datadogSite":"`+down+`"}`, secure),
	}

	rl := &recLogger{}
	orig := logger
	logger = rl
	t.Cleanup(func() { logger = orig })
	client := startPlugin(t)
	ctx := context.Background()
	var all strings.Builder
	for _, ds := range instances {
		h, err := client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pctx(ds)})
		require.NoError(t, err)
		all.WriteString(mustJSONString(t, h))
		var qs []backend.DataQuery
		for _, e := range []string{"up", "bad", "slow", "huge", "redirect", "html"} {
			qs = append(qs, q(e, map[string]any{"expr": e + "_memory"}, fixtureEnd.Add(-time.Hour), fixtureEnd, time.Minute))
		}
		resp, err := client.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: qs})
		require.NoError(t, err)
		all.WriteString(mustJSONString(t, resp))
		for ref, dr := range resp.Responses {
			if dr.Error != nil {
				all.WriteString(dr.Error.Error())
			} else if ds == instances[0] {
				t.Errorf("%s: the echoing upstream should fail every query", ref)
			}
		}
		for _, path := range []string{"variable?query=label_values(pod)", "api/v1/labels"} {
			err := client.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pctx(ds), Path: strings.SplitN(path, "?", 2)[0], Method: "GET", URL: path},
				backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
					all.Write(r.Body)
					return nil
				}))
			require.NoError(t, err)
		}
	}
	everything := all.String() + "\n" + rl.all()
	assert.Contains(t, everything, "Prometheus", "the errors were seen")
	for _, s := range secrets {
		assert.NotContains(t, everything, s)
	}
	for _, part := range []string{"SECRET-1111", "SECRET#2222", "SECRET?3333", "SECRET-4444", "SECRET-5555", "SECRET-6666", "pa/ss"} {
		assert.NotContains(t, everything, part)
	}
}
