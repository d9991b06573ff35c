package plugin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Prometheus is sent the data source's timeout as its own timeout
// parameter — not the caller's deadline, and also when there is none.
func TestPrometheusTimeoutParameterIsTheConfiguredTimeout(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		sent = append(sent, r.Form.Get("timeout"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	}))
	t.Cleanup(ts.Close)
	client := startPlugin(t)
	ds := settings(ts.URL, `{"timeout":15}`, nil)
	long, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for _, ctx := range []context.Context{long, context.Background()} {
		resp, err := client.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: []backend.DataQuery{
			q("A", map[string]any{"expr": "m"}, fixtureEnd.Add(-time.Hour), fixtureEnd, time.Minute),
		}})
		require.NoError(t, err)
		require.NoError(t, resp.Responses["A"].Error)
	}
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, sent)
	for _, s := range sent {
		assert.Equal(t, "15", s, "every query_range carries the 15 s of the settings")
	}
}

// Datadog's rate-limit waits stop at the data source's timeout: asked to
// wait 20 s with a 15 s timeout, the query fails at once and says why,
// however far the caller's deadline is.
func TestDatadogRateLimitStopsAtTheConfiguredTimeout(t *testing.T) {
	var mu sync.Mutex
	queries := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v1/validate" {
			_, _ = io.WriteString(w, `{"valid":true}`)
			return
		}
		mu.Lock()
		queries++
		mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Period", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "20")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"errors":["Rate limit of 100 requests in 60 seconds reached."]}`)
	}))
	t.Cleanup(ts.Close)
	client := startPlugin(t)
	ds := settings("", `{"upstream":"datadog","timeout":15,"datadogSite":"`+ts.URL+`"}`,
		map[string]string{"datadogApiKey": "api-key-1234", "datadogAppKey": "app-key-5678"})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	resp, err := client.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: []backend.DataQuery{
		q("A", map[string]any{"expr": "avg:container.memory.usage{*} by {pod}"}, fixtureEnd.Add(-time.Hour), fixtureEnd, time.Minute),
	}})
	require.NoError(t, err)
	dr := resp.Responses["A"]
	require.Error(t, dr.Error)
	assert.Contains(t, dr.Error.Error(), "Datadog rate limit: retry after 20 s, beyond the 15 s timeout")
	assert.Equal(t, backend.Status(http.StatusTooManyRequests), dr.Status)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, queries, "no retry: the wait would end beyond the timeout")
}
