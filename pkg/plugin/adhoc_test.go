package plugin

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callResource runs one GET resource call through the plugin over gRPC.
func callResource(t *testing.T, ds *backend.DataSourceInstanceSettings, path string) (int, string) {
	t.Helper()
	var status int
	var body []byte
	err := startPlugin(t).CallResource(context.Background(), &backend.CallResourceRequest{
		PluginContext: pctx(ds), Path: strings.SplitN(path, "?", 2)[0], Method: "GET", URL: path,
	}, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		status, body = r.Status, append(body, r.Body...)
		return nil
	}))
	require.NoError(t, err)
	return status, string(body)
}

// texts reads a [{"text","value"}] answer.
func texts(t *testing.T, body string) []string {
	t.Helper()
	var vs []MetricFindValue
	require.NoError(t, json.Unmarshal([]byte(body), &vs), body)
	out := []string{}
	for _, v := range vs {
		assert.Equal(t, v.Text, v.Value)
		out = append(out, v.Text)
	}
	return out
}

func filtersParam(t *testing.T, fs ...map[string]any) string {
	b, err := json.Marshal(fs)
	require.NoError(t, err)
	return "filters=" + url.QueryEscape(string(b))
}

// fixtureMetric names the one series a query returns (the automatic
// legend has no label that differs).
const fixtureMetric = "memshape_fixture_bytes"

func services(rows map[string]map[string]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["service"].(string))
	}
	sort.Strings(out)
	return out
}

// A dashboard's ad hoc filters narrow every query of it, as Grafana's
// Prometheus data source does: against a real Prometheus, the verdicts,
// the limit query, the keys and values offered, the variables.
func TestAdhocFiltersAgainstPrometheus(t *testing.T) {
	srv := fixtureProm(t)
	ds := settings(srv.URL, `{}`, nil)
	base := map[string]any{"expr": "memshape_fixture_bytes", "limitExpr": "max by (service) (memshape_fixture_limit_bytes)", "output": "verdicts"}
	with := func(filters ...map[string]any) map[string]any {
		m := map[string]any{"adhocFilters": filters}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	f := func(key, op, value string, values ...string) map[string]any {
		m := map[string]any{"key": key, "operator": op, "value": value}
		if len(values) > 0 {
			m["values"] = values
		}
		return m
	}

	t.Run("on every selector of the query and of its limit query", func(t *testing.T) {
		resp := run(t, ds, nil,
			panelQuery("none", with(), time.Hour, time.Minute),
			panelQuery("eq", with(f("service", "=", "leak-1")), time.Hour, time.Minute),
			panelQuery("neq", with(f("service", "!=", "steady"), f("shape", "!=", "a")), time.Hour, time.Minute),
			panelQuery("re", with(f("service", "=~", "leak-.*")), time.Hour, time.Minute),
			panelQuery("oneof", with(f("service", "=|", "", "trap", "leak.restart", "steady")), time.Hour, time.Minute),
			panelQuery("noneof", with(f("service", "!=|", "", "trap", "dup"), f("namespace", "=", "prod")), time.Hour, time.Minute),
			panelQuery("nothing", with(f("namespace", "=", "shop")), time.Hour, time.Minute),
		)
		all := tableRows(t, resp.Responses["none"].Frames)
		require.Len(t, all, 6)
		assert.Equal(t, []string{"leak-1"}, services(tableRows(t, resp.Responses["eq"].Frames)))
		assert.Equal(t, []string{"dup", "leak-1", "leak-restart", "trap"}, services(tableRows(t, resp.Responses["neq"].Frames)))
		assert.Equal(t, []string{"leak-1", "leak-restart"}, services(tableRows(t, resp.Responses["re"].Frames)))
		// One of several values matches each literally: "leak.restart" is no regex.
		assert.Equal(t, []string{"steady", "trap"}, services(tableRows(t, resp.Responses["oneof"].Frames)))
		assert.Equal(t, []string{"leak-1", "leak-restart", "steady"}, services(tableRows(t, resp.Responses["noneof"].Frames)))
		assert.Empty(t, tableRows(t, resp.Responses["nothing"].Frames))

		// The filtered verdict is the verdict of the same series unfiltered;
		// the limit query, filtered too, still gives the series' limit.
		row := tableRows(t, resp.Responses["eq"].Frames)[fixtureMetric]
		assert.Equal(t, all["leak-1"]["shape"], row["shape"])
		assert.Equal(t, all["leak-1"]["confidence"], row["confidence"])
		assert.EqualValues(t, 4<<30, row["limit_bytes"], "the limit of leak-1")
	})

	t.Run("the query as the frontend sends it", func(t *testing.T) {
		// testdata/adhoc-query.json is what src/datasource.ts makes of a
		// panel query and two ad hoc filters (src/datasource.test.ts checks
		// it): the two sides agree on the filters' form and meaning.
		raw, err := os.ReadFile("testdata/adhoc-query.json")
		require.NoError(t, err)
		var model map[string]any
		require.NoError(t, json.Unmarshal(raw, &model))
		resp := run(t, ds, nil, panelQuery("A", model, time.Hour, time.Minute))
		rows := tableRows(t, resp.Responses["A"].Frames)
		assert.Equal(t, []string{"leak-1", "trap"}, services(rows))
		assert.EqualValues(t, 4<<30, rows["leak-1"]["limit_bytes"], "the filtered limit query still gives leak-1 its limit")
		assert.Nil(t, rows["trap"]["limit_bytes"], "trap has no limit series")
	})

	t.Run("with the backend's macros in the query", func(t *testing.T) {
		m := with(f("service", "=", "trap"))
		m["expr"] = "max_over_time(memshape_fixture_bytes[$__interval]) + 0 * rate(memshape_fixture_bytes[${__rate_interval}]) * $__range_s"
		resp := run(t, ds, nil, panelQuery("A", m, 6*time.Hour, time.Minute))
		assert.Equal(t, []string{"trap"}, services(tableRows(t, resp.Responses["A"].Frames)))
	})

	t.Run("a filter or query it cannot apply fails that query alone, saying why", func(t *testing.T) {
		bad := func(filters ...map[string]any) map[string]any { return with(filters...) }
		unparsable := with(f("service", "=", "x"))
		unparsable["expr"] = "sum(memshape_fixture_bytes"
		resp, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: []backend.DataQuery{
			panelQuery("lt", bad(f("service", "<", "x")), time.Hour, time.Minute),
			panelQuery("nokey", bad(f("", "=", "x")), time.Hour, time.Minute),
			panelQuery("regex", bad(f("service", "=~", "(")), time.Hour, time.Minute),
			panelQuery("parse", unparsable, time.Hour, time.Minute),
			panelQuery("fine", with(f("service", "=", "steady")), time.Hour, time.Minute),
		}})
		require.NoError(t, err)
		for ref, want := range map[string]string{
			"lt": `operator Memory Shape cannot apply: use "=", "!="`, "nokey": "has no key",
			"regex": "not a label matcher Prometheus accepts", "parse": "not PromQL the ad hoc filters can be added to",
		} {
			dr := resp.Responses[ref]
			require.Error(t, dr.Error, ref)
			assert.Contains(t, dr.Error.Error(), want, ref)
			assert.EqualValues(t, 400, dr.Status, ref)
		}
		require.NoError(t, resp.Responses["fine"].Error)
	})

	t.Run("keys and values offered, narrowed by the other filters", func(t *testing.T) {
		span := "&start=" + url.QueryEscape(fixtureEnd.Add(-week).Format(time.RFC3339)) + "&end=" + url.QueryEscape(fixtureEnd.Format(time.RFC3339))
		status, body := callResource(t, ds, "tag-keys?"+span[1:])
		require.Equal(t, 200, status, body)
		keys := texts(t, body)
		assert.Subset(t, keys, []string{"namespace", "service", "shape"})
		assert.NotContains(t, keys, "__name__")

		status, body = callResource(t, ds, "tag-keys?"+filtersParam(t, f("service", "=", "steady"))+span)
		require.Equal(t, 200, status, body)
		assert.NotContains(t, texts(t, body), "shape", "the steady series has no shape label")

		status, body = callResource(t, ds, "tag-values?key=service&"+filtersParam(t, f("shape", "=~", "a|b"))+span)
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"dup"}, texts(t, body))
		status, body = callResource(t, ds, "tag-values?key=service&"+filtersParam(t, f("__name__", "=", "memshape_fixture_limit_bytes"))+span)
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"leak-1", "leak-restart"}, texts(t, body))

		status, body = callResource(t, ds, "tag-values?"+span[1:])
		assert.Equal(t, 400, status)
		assert.Contains(t, body, "needs the key")
		status, body = callResource(t, ds, "tag-keys?filters=%5Bnot+json")
		assert.Equal(t, 400, status)
		assert.Contains(t, body, "not a JSON list of ad hoc filters")
	})

	t.Run("label_names() variables", func(t *testing.T) {
		status, body := callResource(t, ds, "variable?query="+url.QueryEscape("label_names()"))
		require.Equal(t, 200, status, body)
		assert.Subset(t, texts(t, body), []string{"__name__", "namespace", "service", "shape"})
		status, body = callResource(t, ds, "variable?query="+url.QueryEscape("label_names(memshape_fixture_limit_bytes)"))
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"__name__", "namespace", "service"}, texts(t, body))
		status, body = callResource(t, ds, "variable?query="+url.QueryEscape("label_names(sum()"))
		assert.Equal(t, 400, status, body)
	})

	t.Run("a min step sets the panel's step, not the verdict's", func(t *testing.T) {
		q := map[string]any{"expr": "memshape_fixture_bytes", "output": "all"}
		coarse := map[string]any{"expr": "memshape_fixture_bytes", "output": "all", "interval": "30m"}
		resp := run(t, ds, nil,
			panelQuery("fine", q, 12*time.Hour, time.Minute),
			panelQuery("coarse", coarse, 12*time.Hour, time.Minute),
		)
		step := func(fr data.Frames) time.Duration {
			for _, f := range fr {
				if f.Rows() > 2 && f.Fields[0].Type() == data.FieldTypeTime {
					return f.Fields[0].At(1).(time.Time).Sub(f.Fields[0].At(0).(time.Time))
				}
			}
			t.Fatal("no time series")
			return 0
		}
		assert.Equal(t, time.Minute, step(resp.Responses["fine"].Frames))
		assert.Equal(t, 30*time.Minute, step(resp.Responses["coarse"].Frames))
		fine, coarseRows := tableRows(t, resp.Responses["fine"].Frames), tableRows(t, resp.Responses["coarse"].Frames)
		for name, row := range fine {
			assert.Equal(t, row["shape"], coarseRows[name]["shape"], name)
			assert.Equal(t, row["confidence"], coarseRows[name]["confidence"], name)
		}
		bad, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: []backend.DataQuery{
			panelQuery("A", map[string]any{"expr": "memshape_fixture_bytes", "interval": "soon"}, time.Hour, time.Minute),
		}})
		require.NoError(t, err)
		require.Error(t, bad.Responses["A"].Error)
		assert.Contains(t, bad.Responses["A"].Error.Error(), `the min step "soon" is not a duration`)
	})
}

// The same filters in a Datadog data source's scopes, and its tags
// offered, through the official client against a server speaking
// Datadog's documented JSON.
func TestAdhocFiltersAgainstDatadog(t *testing.T) {
	dd := &datadogStandIn{apiKey: "dd-api-key-0001", appKey: "dd-app-key-0002"}
	srv := httptest.NewServer(dd)
	t.Cleanup(srv.Close)
	ds := settings("", `{"upstream":"datadog","datadogSite":"`+srv.URL+`"}`, map[string]string{"datadogApiKey": dd.apiKey, "datadogAppKey": dd.appKey})

	model := map[string]any{
		"expr": "avg:kubernetes.memory.usage{namespace:prod} by {service}", "output": "verdicts",
		"adhocFilters": []map[string]any{{"key": "service", "operator": "=|", "values": []string{"leak-1", "trap"}}},
	}
	resp := run(t, ds, nil, panelQuery("A", model, time.Hour, time.Minute))
	assert.Equal(t, []string{"leak-1", "trap"}, services(tableRows(t, resp.Responses["A"].Frames)))
	dd.mu.Lock()
	last := dd.queries[len(dd.queries)-1]
	dd.mu.Unlock()
	assert.True(t, strings.HasPrefix(last, "avg:kubernetes.memory.usage{namespace:prod AND service IN (leak-1, trap)} by {service}.rollup(avg, "), last)

	model["adhocFilters"] = []map[string]any{{"key": "service", "operator": "=~", "value": "leak.*"}}
	bad, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: []backend.DataQuery{panelQuery("B", model, time.Hour, time.Minute)}})
	require.NoError(t, err)
	require.Error(t, bad.Responses["B"].Error)
	assert.Contains(t, bad.Responses["B"].Error.Error(), "regular expression, which Datadog scopes do not have")

	status, body := callResource(t, ds, "tag-keys?metric=kubernetes.memory.usage")
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"namespace", "service"}, texts(t, body))
	status, body = callResource(t, ds, "tag-values?key=service&metric=kubernetes.memory.usage")
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"dup", "leak-1", "leak-restart", "steady", "trap"}, texts(t, body))
	status, body = callResource(t, ds, "tag-keys")
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"cluster", "namespace"}, texts(t, body), "the hosts' tags without a metric")

	// Completion and variables.
	status, body = callResource(t, ds, "datadog/metrics")
	require.Equal(t, 200, status, body)
	assert.JSONEq(t, `["kubernetes.memory.usage","kubernetes.memory.working_set","system.mem.used"]`, body)
	status, body = callResource(t, ds, "datadog/tags?metric=kubernetes.memory.usage")
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, `"service:leak-1"`)
	status, body = callResource(t, ds, "variable?query="+url.QueryEscape("metrics(^kubernetes\\.)"))
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"kubernetes.memory.usage", "kubernetes.memory.working_set"}, texts(t, body))
	status, body = callResource(t, ds, "variable?query="+url.QueryEscape("tag_values(kubernetes.memory.usage, service)"))
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"dup", "leak-1", "leak-restart", "steady", "trap"}, texts(t, body))
	status, body = callResource(t, ds, "variable?query="+url.QueryEscape("tag_values(namespace)"))
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"prod", "stage"}, texts(t, body))
	status, body = callResource(t, ds, "variable?query="+url.QueryEscape("label_values(pod)"))
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "tag_values(metric, key)")
	status, body = callResource(t, ds, "api/v1/labels")
	assert.Equal(t, 501, status)
	assert.Contains(t, body, "datadog/tags")
}
