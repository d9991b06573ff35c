package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/internal/promtest"
)

// grafanaSettings is a data source as Grafana's config editor saves it
// with @grafana/plugin-ui: basic auth in basicAuth/basicAuthUser and
// secureJsonData.basicAuthPassword, TLS in jsonData.tlsAuth… and
// secureJsonData.tlsCACert…, custom headers in httpHeaderName1 /
// httpHeaderValue1.
func grafanaSettings(u string, jsonData map[string]any, secure map[string]string, basicUser string) *backend.DataSourceInstanceSettings {
	jd, _ := json.Marshal(jsonData)
	s := settings(u, string(jd), secure)
	if basicUser != "" {
		s.BasicAuthEnabled, s.BasicAuthUser = true, basicUser
	}
	return s
}

// Prometheus as teams deploy it: behind basic auth and TLS with client
// certificates (its own --web.config.file), reached with the settings
// Grafana stores; every secret stays out of every answer.
func TestPrometheusBehindAuthAndTLS(t *testing.T) {
	const password = "p/ss#w?rd@1-secret"
	srv := promtest.StartWith(t, promtest.Options{BasicAuth: &promtest.BasicAuth{User: "grafana", Password: password}, ClientCert: true}, fixture.Series()...)
	require.True(t, strings.HasPrefix(srv.URL, "https://"))
	client := startPlugin(t)
	ctx := context.Background()
	tls := map[string]any{"tlsAuth": true, "tlsAuthWithCACert": true, "httpMethod": "GET"}
	secure := map[string]string{
		"basicAuthPassword": password, "tlsCACert": string(srv.CAPEM),
		"tlsClientCert": string(srv.ClientCertPEM), "tlsClientKey": string(srv.ClientKeyPEM),
	}
	var everything strings.Builder
	check := func(name string, ds *backend.DataSourceInstanceSettings, wantOK bool, wantText string) {
		t.Run(name, func(t *testing.T) {
			h, err := client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pctx(ds)})
			require.NoError(t, err)
			resp, err := client.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pctx(ds), Headers: fromAlert, Queries: []backend.DataQuery{
				alertQuery("A", map[string]any{"expr": fixture.Metric}),
			}})
			require.NoError(t, err)
			everything.WriteString(mustJSONString(t, h) + mustJSONString(t, resp))
			if dr := resp.Responses["A"]; dr.Error != nil {
				everything.WriteString(dr.Error.Error())
			}
			if wantOK {
				assert.Equal(t, backend.HealthStatusOk, h.Status, h.Message)
				require.NoError(t, resp.Responses["A"].Error)
				assert.Len(t, resp.Responses["A"].Frames, 6)
				return
			}
			assert.Equal(t, backend.HealthStatusError, h.Status)
			assert.Contains(t, h.Message, wantText)
			require.Error(t, resp.Responses["A"].Error)
		})
	}
	check("basic auth, CA and client certificate", grafanaSettings(srv.URL, tls, secure, "grafana"), true, "")
	wrong := map[string]string{}
	for k, v := range secure {
		wrong[k] = v
	}
	wrong["basicAuthPassword"] = "wrong/pass#word"
	check("a wrong password", grafanaSettings(srv.URL, tls, wrong, "grafana"), false, "401")
	noCA := map[string]string{"basicAuthPassword": password, "tlsClientCert": string(srv.ClientCertPEM), "tlsClientKey": string(srv.ClientKeyPEM)}
	check("no CA: the certificate is not trusted", grafanaSettings(srv.URL, map[string]any{"tlsAuth": true}, noCA, "grafana"), false, "certificate")
	check("skip verify", grafanaSettings(srv.URL, map[string]any{"tlsAuth": true, "tlsSkipVerify": true}, secure, "grafana"), true, "")
	noCert := map[string]string{"basicAuthPassword": password, "tlsCACert": string(srv.CAPEM)}
	check("no client certificate", grafanaSettings(srv.URL, map[string]any{"tlsAuthWithCACert": true}, noCert, "grafana"), false, "Prometheus")
	all := everything.String()
	for _, secret := range []string{password, "wrong/pass#word", url.QueryEscape(password), string(srv.ClientKeyPEM)[40:80]} {
		assert.NotContains(t, all, secret)
	}
}

// Custom headers (X-Scope-OrgID for a Mimir or Cortex tenant) reach the
// upstream, and a URL with a path prefix (/prometheus) works.
func TestTenantHeaderAndPathPrefix(t *testing.T) {
	srv := fixtureProm(t)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var tenants []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/prometheus/") {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		tenants = append(tenants, r.Header.Get("X-Scope-OrgID"))
		mu.Unlock()
		if r.Header.Get("X-Scope-OrgID") != "team-a" {
			http.Error(w, "no org id", http.StatusUnauthorized)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/prometheus")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(gw.Close)
	ds := grafanaSettings(gw.URL+"/prometheus", map[string]any{"httpHeaderName1": "X-Scope-OrgID"}, map[string]string{"httpHeaderValue1": "team-a"}, "")
	resp := run(t, ds, fromAlert, alertQuery("A", map[string]any{"expr": fixture.Metric}))
	assert.Len(t, resp.Responses["A"].Frames, 6)
	h, err := startPlugin(t).CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: pctx(ds)})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusOk, h.Status, h.Message)
	mu.Lock()
	assert.NotEmpty(t, tenants)
	for _, tn := range tenants {
		assert.Equal(t, "team-a", tn)
	}
	mu.Unlock()
}
