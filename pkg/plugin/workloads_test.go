package plugin

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/internal/dataplanetest"
	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/frames"
	"github.com/memshape/memory-datasource/pkg/shape"
)

// clusterEnd is where the churned cluster's history ends: a Sunday, six
// days after shop/payments' leaking release went out.
var clusterEnd = time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)

// The query people already have on their dashboards, and the limits
// kube-state-metrics exports.
var clusterModel = map[string]any{
	"expr":      `container_memory_working_set_bytes{container!="", container!="POD"}`,
	"limitExpr": `kube_pod_container_resource_limits{resource="memory"}`,
}

// clusterProm starts a real Prometheus backfilled with eight days of the
// demo cluster at a one-minute scrape: Deployments rolled to new pod names
// every 6–24 h, an autoscaled worker whose pods live 1–4 h, a DaemonSet
// whose containers are OOM-killed (a new cAdvisor series each time),
// StatefulSets restarted in place — 600-odd series for 14 workloads.
func clusterProm(t *testing.T) (*promtest.Server, []demo.Workload) {
	t.Helper()
	ws := demo.Workloads(clusterEnd)
	hist := demo.History(ws, clusterEnd.Add(-8*24*time.Hour), clusterEnd, time.Minute, demo.ScrapeLabels())
	return promtest.Start(t, hist...), ws
}

func clusterQuery(ref string, rng, interval time.Duration, kv ...any) backend.DataQuery {
	m := map[string]any{}
	for k, v := range clusterModel {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return q(ref, m, clusterEnd.Add(-rng), clusterEnd, interval)
}

// TestWorkloadsAcrossPodChurn is the cluster a user has: every workload is
// judged across its pods and containers, by default, on every output.
func TestWorkloadsAcrossPodChurn(t *testing.T) {
	srv, ws := clusterProm(t)
	ds := settings(srv.URL, `{}`, nil)
	byName := map[string]demo.Workload{}
	for _, w := range ws {
		byName[w.Namespace+"/"+w.Name] = w
	}

	t.Run("one verdict per workload, the shape it was built with", func(t *testing.T) {
		resp := run(t, ds, nil, clusterQuery("A", 7*24*time.Hour, 10*time.Minute, "output", "verdicts"))
		rows := tableRows(t, resp.Responses["A"].Frames)
		require.Len(t, rows, len(ws), "one row per workload, not one per pod")
		for name, w := range byName {
			row, ok := rows[name]
			require.True(t, ok, "no row for %s in %v", name, keys(rows))
			got := shape.Shape(row["shape"].(string))
			assert.True(t, w.Correct(got), "%s (%s): got %s — %s", name, w.Story, got, row["explanation"])
			if got == shape.Leak {
				assert.Equal(t, shape.Leak, w.Want, "no false leak: %s", name)
			}
			assert.Equal(t, w.Namespace, row["namespace"])
			assert.Equal(t, w.Name, row["workload"])
			assert.Equal(t, "app", row["container"])
			assert.NotContains(t, row, "pod", "the pod tells lifetimes apart, not workloads")
		}
		cart := rows["shop/cart"]
		assert.GreaterOrEqual(t, cart["lifetimes"], int64(60), "3 replicas rolled every 8 h over a week")
		require.NotNil(t, cart["showing"])
		assert.GreaterOrEqual(t, *cart["showing"].(*int64), cart["lifetimes"].(int64)*9/10, "the leak shows in (nearly) every lifetime")
		assert.Contains(t, cart["explanation"], "lifetimes")
		assert.Equal(t, int64(3), cart["replicas"])
		assert.GreaterOrEqual(t, cart["rollouts"], int64(20))
		assert.Regexp(t, `^cart-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$`, cart["worst"])

		// The leak that one release started, named with its release.
		pay := rows["shop/payments"]
		release, image, leaks := demo.Release(clusterEnd)
		require.True(t, leaks, "the release in force at clusterEnd leaks")
		require.NotNil(t, pay["changed_at"], pay["explanation"])
		assert.Equal(t, float64(release.UnixMilli()), pay["changed_at"])
		assert.Contains(t, pay["changed_by"], "image "+image)
		assert.Contains(t, pay["explanation"], "Leak since the rollout at "+release.Format("01-02 15:04")+" UTC")
		assert.Contains(t, pay["explanation"], "before it were healthy")

		// OOM-killed containers restart as new series under their pod.
		assert.Greater(t, rows["kube-system/node-agent"]["restarts"], int64(0))
	})

	t.Run("judged one pod at a time, the same cluster hides its leak", func(t *testing.T) {
		resp := run(t, ds, nil, clusterQuery("A", 7*24*time.Hour, 10*time.Minute, "output", "verdicts", "groupBy", "series"))
		f := verdictFrame(t, resp.Responses["A"].Frames)
		pods, shapes := f.Fields[0], mustField(t, f, "shape")
		cartLeaks, cartPods := 0, 0
		for i := 0; i < f.Rows(); i++ {
			if strings.Contains(pods.At(i).(string), "cart-") {
				cartPods++
				if shapes.At(i).(string) == string(shape.Leak) {
					cartLeaks++
				}
			}
		}
		assert.Greater(t, f.Rows(), 3*len(ws), "one row per pod")
		assert.GreaterOrEqual(t, cartPods, 60)
		assert.Less(t, cartLeaks, cartPods/4, "8-hour lifetimes are too short to show a leak one by one")
	})

	t.Run("alert rules get one number per workload", func(t *testing.T) {
		resp := run(t, ds, fromAlert, alertClusterQuery())
		got, err := dataplanetest.Check(resp.Responses["A"].Frames)
		require.NoError(t, err)
		numbers := got[data.FrameTypeNumericMulti]
		require.Len(t, numbers, len(ws), "one instance per workload that runs now: %s", dataplanetest.String(numbers))
		seen := map[string]bool{}
		for _, f := range resp.Responses["A"].Frames {
			fl := f.Fields[0]
			name := fl.Labels["namespace"] + "/" + fl.Labels["workload"]
			require.False(t, seen[name], "duplicate instance %s", name)
			seen[name] = true
			assert.NotContains(t, fl.Labels, "pod")
			assert.NotContains(t, fl.Labels, "id")
			v := fl.At(0).(*float64)
			require.NotNil(t, v)
			if byName[name].Want == shape.Leak && fl.Labels[frames.ShapeLabel] == string(shape.Leak) {
				assert.Greater(t, *v, 0.5, name)
			} else {
				assert.Zero(t, *v, "%s (%s)", name, fl.Labels[frames.ShapeLabel])
			}
		}
	})

	t.Run("series: pods named by workload, fits per replica slot", func(t *testing.T) {
		resp := run(t, ds, nil, clusterQuery("A", 24*time.Hour, time.Minute, "output", "series"))
		var cartPods, cartFits, forecasts int
		colors := map[string]bool{}
		for _, f := range resp.Responses["A"].Frames {
			fl := f.Fields[1]
			name := fl.Config.DisplayNameFromDS
			if !strings.HasPrefix(name, "shop/cart · ") {
				continue
			}
			colors[fl.Config.Color["fixedColor"].(string)] = true
			switch fl.Labels[frames.OverlayLabel] {
			case "":
				cartPods++
				assert.Regexp(t, `^shop/cart · cart-\w+-\w+ · LEAK$`, name)
				assert.NotEmpty(t, fl.Labels["pod"], "a pod's series keeps its own labels")
			case frames.KindFit:
				cartFits++
				assert.Equal(t, "shop/cart · linear fit", name)
			case frames.KindForecast:
				forecasts++
			}
		}
		assert.GreaterOrEqual(t, cartPods, 9, "a day: three rollouts of three pods")
		assert.LessOrEqual(t, cartFits, 4, "one fit series per replica slot, not one per dead pod")
		assert.Positive(t, cartFits)
		assert.Zero(t, forecasts, "the panel ends at the data")
		assert.Len(t, colors, 1, "a workload's pods and fits share one colour")
	})

	t.Run("dashboards pick workloads, not pods: workloads() and $__workloadPods", func(t *testing.T) {
		span := "&start=" + url.QueryEscape(clusterEnd.Add(-7*24*time.Hour).Format(time.RFC3339)) + "&end=" + url.QueryEscape(clusterEnd.Format(time.RFC3339))
		status, body := callResource(t, ds, "variable?query="+url.QueryEscape(`workloads(container_memory_working_set_bytes{namespace="shop", container!="", container!="POD"})`)+span)
		require.Equal(t, 200, status, body)
		var want []string
		for _, w := range ws {
			if w.Namespace == "shop" {
				want = append(want, w.Name)
			}
		}
		slices.Sort(want)
		assert.Equal(t, want, texts(t, body), "one value per workload, however many pods it ran")
		status, body = callResource(t, ds, "variable?query="+url.QueryEscape(`workloads()`)+span)
		assert.Equal(t, 400, status)
		assert.Contains(t, body, "workloads(container_memory_working_set_bytes", "the refusal shows the form")

		// A multi-value variable as Grafana writes it for Prometheus.
		expr := `container_memory_working_set_bytes{namespace="shop", container!="", container!="POD", pod=~"$__workloadPods((cart|orders))"}`
		resp := run(t, ds, nil, clusterQuery("A", 7*24*time.Hour, 10*time.Minute, "output", "verdicts", "expr", expr))
		require.NoError(t, resp.Responses["A"].Error)
		rows := tableRows(t, resp.Responses["A"].Frames)
		assert.ElementsMatch(t, []string{"shop/cart", "shop/orders"}, keys(rows), "every pod of both, over every rollout")
		assert.Equal(t, string(shape.Leak), rows["shop/cart"]["shape"], rows["shop/cart"]["explanation"])
		assert.GreaterOrEqual(t, rows["shop/cart"]["lifetimes"], int64(60), "pods of every rollout, not today's")

		// A prefix is not a workload: cart's and cache's pods both start "ca".
		resp = run(t, ds, nil, clusterQuery("A", 7*24*time.Hour, 10*time.Minute, "output", "verdicts",
			"expr", `container_memory_working_set_bytes{container!="", pod=~"$__workloadPods(ca)"}`))
		assert.Empty(t, tableRows(t, resp.Responses["A"].Frames))
	})

	t.Run("annotations: rollouts, OOM kills and the release that changed the shape", func(t *testing.T) {
		resp := run(t, ds, nil, clusterQuery("A", 7*24*time.Hour, 10*time.Minute, "output", "annotations"))
		f := resp.Responses["A"].Frames[0]
		titles := mustField(t, f, "title")
		count := map[string]int{}
		for i := 0; i < f.Rows(); i++ {
			title := titles.At(i).(string)
			count[title]++
		}
		assert.GreaterOrEqual(t, count["Rollout · shop/cart"], 19, "%v", count)
		assert.Positive(t, count["OOM kill · kube-system/node-agent"], "%v", count)
		assert.Equal(t, 1, count["LEAK since this rollout · shop/payments"], "%v", count)
		assert.Positive(t, count["Restart wave · shop/cache"], "%v", count)
	})
}

func alertClusterQuery() backend.DataQuery {
	dq := q("A", clusterModel, clusterEnd.Add(-10*time.Minute), clusterEnd, time.Second)
	dq.MaxDataPoints = 43200
	return dq
}

func verdictFrame(t *testing.T, fr data.Frames) *data.Frame {
	t.Helper()
	for _, f := range fr {
		if f.Name == "verdicts" {
			return f
		}
	}
	t.Fatal("no verdict table")
	return nil
}

func mustField(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	fl, _ := f.FieldByName(name)
	require.NotNil(t, fl, "no field %s", name)
	return fl
}
