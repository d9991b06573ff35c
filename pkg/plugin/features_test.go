package plugin

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/models"
)

const week = 7 * 24 * time.Hour

// TestFeatures runs what a Grafana user meets — panels of any range, alert
// rules on defaults, annotations, dashboard variables — through the plugin
// over gRPC against a real Prometheus holding a week of history.
func TestFeatures(t *testing.T) {
	srv := fixtureProm(t)
	ds := settings(srv.URL, `{}`, nil)
	expr := map[string]any{"expr": "memshape_fixture_bytes", "limitExpr": "memshape_fixture_limit_bytes"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range expr {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}

	t.Run("the verdict does not depend on the panel's range", func(t *testing.T) {
		resp := run(t, ds, nil,
			panelQuery("hour", with("output", "verdicts"), time.Hour, 5*time.Second),
			panelQuery("week", with("output", "verdicts"), week, 10*time.Minute),
			panelQuery("day", with("output", "verdicts", "analysisWindow", "1d"), week, 10*time.Minute),
		)
		alert := run(t, ds, fromAlert, alertQuery("rule", with("alertValue", "growth_confidence")))
		hour, weekRows := tableRows(t, resp.Responses["hour"].Frames), tableRows(t, resp.Responses["week"].Frames)
		require.Len(t, hour, 6)
		for name, row := range weekRows {
			assert.Equal(t, row["shape"], hour[name]["shape"], name)
			assert.Equal(t, row["confidence"], hour[name]["confidence"], name)
			assert.Equal(t, row["analysed_from"], hour[name]["analysed_from"], name)
		}
		assert.Equal(t, "leak", hour["leak-1"]["shape"], "a week-long leak seen from a 1-hour panel")
		assert.Equal(t, "leak", hour["leak-restart"]["shape"])
		assert.Contains(t, []any{"bloat", "fragmentation"}, hour["trap"]["shape"], "the trap is no leak")
		assert.Equal(t, "healthy", hour["steady"]["shape"])
		// The 7-day window is what was analysed, and says so.
		assert.EqualValues(t, fixtureEnd.Add(-week).UnixMilli(), hour["leak-1"]["analysed_from"])
		assert.EqualValues(t, fixtureEnd.UnixMilli(), hour["leak-1"]["analysed_to"])
		day := tableRows(t, resp.Responses["day"].Frames)
		assert.EqualValues(t, fixtureEnd.Add(-week).UnixMilli(), day["leak-1"]["analysed_from"], "a window shorter than the panel: the panel's range")

		// The alert rule's 10 minutes give the same numbers.
		for labels, v := range alertValues(t, alert.Responses["rule"].Frames) {
			require.NotNil(t, v, labels)
			var name string
			for n := range hour {
				if strings.Contains(labels, "service="+strings.Split(n, ", ")[0]) {
					name = n
				}
			}
			if strings.Contains(labels, "service=dup") {
				continue // two rows share the pod; checked below
			}
			require.NotEmpty(t, name, labels)
			want := 0.0
			if s := hour[name]["shape"]; s == "leak" || s == "bloat" || s == "fragmentation" {
				want = hour[name]["confidence"].(float64)
			}
			assert.Equal(t, want, *v, labels)
		}
	})

	t.Run("one upstream call when the panel is the analysis window", func(t *testing.T) {
		// A new data source instance each time: its cache is empty.
		fresh := func() *backend.DataSourceInstanceSettings { return settings(srv.URL, `{}`, nil) }
		before := rangeQueries(t, srv.URL)
		run(t, fresh(), nil, panelQuery("A", map[string]any{"expr": "memshape_fixture_bytes", "output": "series"}, week, 5*time.Minute))
		assert.Equal(t, 1, rangeQueries(t, srv.URL)-before, "7 days at the analysis step: one call")
		before = rangeQueries(t, srv.URL)
		run(t, fresh(), nil, panelQuery("B", map[string]any{"expr": "memshape_fixture_bytes", "output": "series"}, time.Hour, 15*time.Second))
		assert.Equal(t, 2, rangeQueries(t, srv.URL)-before, "a 1-hour panel: the long window and the panel's range")
		before = rangeQueries(t, srv.URL)
		rule := fresh()
		first := run(t, rule, fromAlert, alertQuery("C", map[string]any{"expr": "memshape_fixture_bytes"}))
		assert.Equal(t, 1, rangeQueries(t, srv.URL)-before, "an alert rule needs only the long window")
		// The rule's next evaluation: the week is settled history, held by
		// the instance's cache; the answer is the same.
		before = rangeQueries(t, srv.URL)
		again := run(t, rule, fromAlert, alertQuery("C", map[string]any{"expr": "memshape_fixture_bytes"}))
		assert.Equal(t, 0, rangeQueries(t, srv.URL)-before, "nothing new to fetch")
		assert.Equal(t, alertValues(t, first.Responses["C"].Frames), alertValues(t, again.Responses["C"].Frames))
	})

	t.Run("alert rules work on the defaults", func(t *testing.T) {
		// Saved with the default output (all), run by alerting.
		resp := run(t, ds, fromAlert,
			alertQuery("A", map[string]any{"expr": "memshape_fixture_bytes"}),
			alertQuery("none", map[string]any{"expr": "memshape_no_such_metric"}),
			alertQuery("ttl", with("alertValue", "hours_to_limit")),
			alertQuery("macros", map[string]any{"expr": "max_over_time(memshape_fixture_bytes[$__interval]) + 0*rate(memshape_fixture_bytes[$__rate_interval]) + 0*$__range_s + 0*$__interval_ms + 0*$__range_ms"}),
		)
		fr := resp.Responses["A"].Frames
		got, err := dataplanetest.Check(fr)
		require.NoError(t, err)
		insts := got[data.FrameTypeNumericMulti]
		require.Len(t, insts, 6, "one number per upstream series, no overlays:\n%s", dataplanetest.String(insts))
		require.Len(t, got, 1, "only numeric frames")
		values := alertValues(t, fr)
		var sawA, sawB bool
		for labels, v := range values {
			switch {
			case strings.Contains(labels, "service=leak-1"), strings.Contains(labels, "service=leak-restart"):
				assert.Greater(t, *v, 0.5, labels)
				assert.Contains(t, labels, "memshape_shape=leak")
			case strings.Contains(labels, "service=trap"):
				assert.Zero(t, *v, "leak confidence of the trap: %s", labels)
			default:
				assert.Zero(t, *v, labels)
			}
			sawA = sawA || strings.Contains(labels, "shape=a")
			sawB = sawB || strings.Contains(labels, "shape=b")
		}
		assert.True(t, sawA && sawB, "the upstream's own shape label is kept, so the two dup series stay apart")

		none := resp.Responses["none"].Frames
		require.Len(t, none, 1)
		assert.Equal(t, data.FrameTypeNumericMulti, none[0].Meta.Type)
		assert.Empty(t, none[0].Fields, "no series: Grafana's NoData")

		for labels, v := range alertValues(t, resp.Responses["ttl"].Frames) {
			if strings.Contains(labels, "service=leak-1") {
				require.NotNil(t, v, "leak-1 has a limit from the limit query")
				assert.Greater(t, *v, 1.0)
				assert.Less(t, *v, 24*60.0)
			}
			if strings.Contains(labels, "service=steady") {
				assert.Nil(t, v, "no limit, no time to it")
			}
		}
		assert.Len(t, alertValues(t, resp.Responses["macros"].Frames), 6, "Grafana's variables are interpolated for alert rules")
	})

	t.Run("every output passes the data plane contract", func(t *testing.T) {
		for _, out := range models.Outputs {
			for _, rng := range []time.Duration{10 * time.Minute, time.Hour, week} {
				run(t, ds, nil, panelQuery("A", with("output", string(out)), rng, rng/1000))
				run(t, ds, fromAlert, panelQuery("A", with("output", string(out)), rng, time.Second))
			}
		}
	})

	t.Run("legend and notice say the shape", func(t *testing.T) {
		resp := run(t, ds, nil, panelQuery("A", with("output", "series"), 6*time.Hour, 30*time.Second))
		fr := resp.Responses["A"].Frames
		var names []string
		notices := 0
		for _, f := range fr {
			names = append(names, f.Fields[1].Config.DisplayNameFromDS)
			if f.Meta.Notices != nil {
				notices += len(f.Meta.Notices)
				n := f.Meta.Notices[0]
				assert.Equal(t, data.NoticeSeverityWarning, n.Severity)
				assert.True(t, strings.HasPrefix(n.Text, "LEAK in 2 of 6 over 7 days — "), n.Text)
				assert.LessOrEqual(t, utf8.RuneCountInString(n.Text), frames.MaxNotice)
			}
		}
		assert.Equal(t, 1, notices, "one notice per query")
		joined := strings.Join(names, "\n")
		assert.Regexp(t, `(?m)^leak-1 · LEAK$`, joined, "the shape, and no number that would move between refreshes")
		assert.Regexp(t, `(?m)^steady$`, joined, "healthy series keep their plain name")
		assert.Regexp(t, `(?m)^dup, a$`, joined)
		assert.Regexp(t, `(?m)^leak-1 · linear fit$`, joined)
		assert.NotContains(t, joined, "forecast", "the panel ends at the data: no forecast stub")

		// A panel that reaches into the future draws the forecast.
		dq := q("F", with("output", "series"), fixtureEnd.Add(-6*time.Hour), fixtureEnd.Add(12*time.Hour), time.Minute)
		fr = run(t, ds, nil, dq).Responses["F"].Frames
		var forecast *data.Frame
		for _, f := range fr {
			if f.Fields[1].Config.DisplayNameFromDS == "leak-1 · forecast" {
				forecast = f
			}
		}
		require.NotNil(t, forecast)
		assert.Greater(t, forecast.Rows(), 100)
		assert.Greater(t, forecast.Fields[0].At(forecast.Rows()-1).(time.Time).Unix(), fixtureEnd.Add(11*time.Hour).Unix())
	})

	t.Run("series and points caps", func(t *testing.T) {
		for jd, want := range map[string]string{
			`{"maxSeries":2}`:    "more than 2 series",
			`{"maxPoints":5000}`: "more than 5,000 points",
		} {
			resp, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(settings(srv.URL, jd, nil)),
				Queries: []backend.DataQuery{panelQuery("A", map[string]any{"expr": "memshape_fixture_bytes"}, time.Hour, time.Minute)}})
			require.NoError(t, err)
			dr := resp.Responses["A"]
			require.Error(t, dr.Error, jd)
			assert.Contains(t, dr.Error.Error(), want)
			assert.Contains(t, dr.Error.Error(), "cap")
			assert.EqualValues(t, 413, dr.Status, "too large, not a bad gateway")
		}
	})

	t.Run("annotations", func(t *testing.T) {
		resp := run(t, ds, nil, panelQuery("A", with("output", "annotations"), week, 10*time.Minute))
		fr := resp.Responses["A"].Frames
		require.Len(t, fr, 1)
		kinds := map[string]int{}
		for i := 0; i < fr[0].Rows(); i++ {
			tags := fr[0].Fields[4].At(i).(string)
			kinds[strings.Split(tags, ",")[0]]++
		}
		assert.GreaterOrEqual(t, kinds["restart"], 4, "leak-restart restarts every 30 h: %v", kinds)
		assert.GreaterOrEqual(t, kinds["jump"], 3, "the trap's jumps: %v", kinds)
		assert.GreaterOrEqual(t, kinds["leak-onset"], 1, "%v", kinds)
	})

	t.Run("dashboard variables and completion through the resource API", func(t *testing.T) {
		get := func(path string) (int, string) {
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
		span := "&start=" + url.QueryEscape(fixtureEnd.Add(-week).Format(time.RFC3339)) + "&end=" + url.QueryEscape(fixtureEnd.Format(time.RFC3339))
		texts := func(body string) []string {
			var vs []MetricFindValue
			require.NoError(t, json.Unmarshal([]byte(body), &vs), body)
			var out []string
			for _, v := range vs {
				out = append(out, v.Text)
			}
			return out
		}
		status, body := get("variable?query=" + url.QueryEscape("label_values(memshape_fixture_bytes, service)") + span)
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"dup", "leak-1", "leak-restart", "steady", "trap"}, texts(body))
		status, body = get("variable?query=" + url.QueryEscape(`label_values(memshape_fixture_bytes{service=~"leak-1|trap"}, service)`) + span)
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"leak-1", "trap"}, texts(body), "a multi-value variable as the frontend writes it")
		status, body = get("variable?query=" + url.QueryEscape("metrics(fixture)") + span)
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"memshape_fixture_bytes", "memshape_fixture_limit_bytes"}, texts(body))
		status, body = get("variable?query=" + url.QueryEscape("label_values(namespace)") + span)
		require.Equal(t, 200, status, body)
		assert.Equal(t, []string{"prod"}, texts(body))
		status, body = get("variable?query=" + url.QueryEscape("label_values(foo bar)"))
		assert.Equal(t, 400, status)
		assert.Contains(t, body, "label_values(metric, label)")

		status, body = get("api/v1/labels?" + url.Values{"match[]": {"memshape_fixture_bytes"}}.Encode() + span)
		require.Equal(t, 200, status, body)
		assert.Contains(t, body, `"status":"success"`)
		assert.Contains(t, body, `"service"`)
		status, body = get("api/v1/label/service/values?" + url.Values{"match[]": {"memshape_fixture_limit_bytes"}}.Encode() + span)
		require.Equal(t, 200, status, body)
		assert.Contains(t, body, `"leak-restart"`)
		status, body = get("api/v1/series?" + url.Values{"match[]": {"memshape_fixture_limit_bytes"}}.Encode() + span)
		require.Equal(t, 200, status, body)
		assert.Contains(t, body, `"memshape_fixture_limit_bytes"`)
		status, body = get("api/v1/labels?" + url.Values{"match[]": {"sum("}}.Encode())
		assert.Equal(t, 400, status, body)
		assert.Contains(t, body, "parse error")
	})
}

// Queries that share a refId are refused, each with a clear error.
func TestDuplicateRefIDs(t *testing.T) {
	ds := settings("http://127.0.0.1:9", `{}`, nil)
	resp, err := startPlugin(t).QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pctx(ds), Queries: []backend.DataQuery{
		q("A", map[string]any{"expr": "up"}, fixtureEnd.Add(-time.Hour), fixtureEnd, time.Minute),
		q("A", map[string]any{"expr": "down"}, fixtureEnd.Add(-time.Hour), fixtureEnd, time.Minute),
	}})
	require.NoError(t, err)
	require.Error(t, resp.Responses["A"].Error)
	assert.Contains(t, resp.Responses["A"].Error.Error(), `2 queries share the refId "A"`)
}
