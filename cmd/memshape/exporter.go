package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/memshape/memory-datasource/internal/demo"
)

const exporterUsage = `Usage: memshape demo-exporter [--listen ADDR] [--instance HOST:PORT]
       memshape demo-exporter --history FILE [--days N] [--instance HOST:PORT]

Serves the demo cluster as Prometheus metrics, the way cAdvisor and
kube-state-metrics export them: Kubernetes workloads whose memory follows
every shape (leaks hidden by rollouts, OOM kills, a GC sawtooth or one
release; fragmentation, logarithmic and saturating; bloat; bloat plus
fragmentation; healthy with rollouts, restarts, warm-up, autoscaling, a GC
sawtooth and a daily cycle), one series per container lifetime as
container_memory_working_set_bytes{namespace,pod,container,image,name,id,node}
— new pod names at every rollout, a new id at every container restart —
and each pod's limit as kube_pod_container_resource_limits{...,
resource="memory"}. Every value, and which pods exist, is a fixed function
of the time, so the history and the live values are one cluster.

  GET /metrics          the values now (Prometheus text format)
  GET /history?days=N   the last N days (default 8), one sample a minute,
                        as OpenMetrics for promtool tsdb create-blocks-from
                        openmetrics, with the job and instance labels the
                        scrape adds

With --history FILE it writes that OpenMetrics file and exits instead.

Flags:
  --listen ADDR          address to serve on (default :9101)
  --instance HOST:PORT   the instance label of the history (default
                         demo-exporter:9101, the docker compose target)
  --days N               days of history for --history (default 8)
`

func runDemoExporter(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo-exporter", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", ":9101", "")
	instance := fs.String("instance", demo.Instance, "")
	history := fs.String("history", "", "")
	days := fs.Int("days", demo.HistoryDays, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, exporterUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "memshape demo-exporter: %v\n\n%s", err, exporterUsage)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "memshape demo-exporter: unexpected argument %q\n\n%s", fs.Arg(0), exporterUsage)
		return exitUsage
	}
	if *days < 1 || *days > 30 {
		fmt.Fprintf(stderr, "memshape demo-exporter: --days %d is out of range: give 1 to 30\n", *days)
		return exitUsage
	}
	labels := map[string]string{"job": demo.Job, "instance": *instance}
	if *history != "" {
		om, err := historyText(time.Now(), *days, labels)
		if err == nil {
			err = os.WriteFile(*history, []byte(om), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "memshape demo-exporter: writing the history: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stdout, "wrote %d days of history to %s\n", *days, *history)
		return exitOK
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "memshape demo-exporter: %v\n", err)
		return exitError
	}
	srv := &http.Server{Handler: exporterHandler(labels, time.Now), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(stdout, "memshape demo-exporter: serving %d workloads on http://%s/metrics (history: /history)\n", len(demo.Workloads(time.Now())), ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "memshape demo-exporter: %v\n", err)
		return exitError
	}
	return exitOK
}

// historyText is the last `days` days before now as OpenMetrics.
func historyText(now time.Time, days int, labels map[string]string) (string, error) {
	from := now.Add(-time.Duration(days) * 24 * time.Hour)
	return demo.OpenMetrics(demo.History(demo.Workloads(now), from, now, demo.HistoryStep, labels))
}

// exporterHandler serves /metrics (the values at now()) and /history.
func exporterHandler(historyLabels map[string]string, now func() time.Time) http.Handler {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(fleetCollector{now: now})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /history", func(w http.ResponseWriter, r *http.Request) {
		days := demo.HistoryDays
		if s := r.URL.Query().Get("days"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 30 {
				http.Error(w, "days must be a whole number from 1 to 30", http.StatusBadRequest)
				return
			}
			days = n
		}
		om, err := historyText(now(), days, historyLabels)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
		_, _ = io.WriteString(w, om)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Memory Shape demo exporter: /metrics, /history?days=N\n")
	})
	return mux
}

var (
	memoryDesc = prometheus.NewDesc(demo.MemoryMetric,
		"Current working set of the container in bytes (Memory Shape demo cluster).",
		[]string{"namespace", "pod", "container", "image", "name", "id", "node"}, nil)
	limitDesc = prometheus.NewDesc(demo.LimitMetric,
		"The number of requested limit resource by a container (Memory Shape demo cluster).",
		[]string{"namespace", "pod", "container", "resource", "unit"}, nil)
)

// fleetCollector reports the memory of every container of the demo
// cluster alive at the time of the scrape, and each pod's limit.
type fleetCollector struct{ now func() time.Time }

func (fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- memoryDesc
	ch <- limitDesc
}

func (c fleetCollector) Collect(ch chan<- prometheus.Metric) {
	at := c.now()
	for _, w := range demo.Workloads(at) {
		pods := map[string]bool{}
		for _, ct := range w.Containers(at, at.Add(time.Millisecond)) {
			l := w.Labels(ct)
			ch <- prometheus.MustNewConstMetric(memoryDesc, prometheus.GaugeValue, w.Bytes(ct, at),
				l["namespace"], l["pod"], l["container"], l["image"], l["name"], l["id"], l["node"])
			if !pods[ct.Pod] {
				pods[ct.Pod] = true
				ll := w.LimitLabels(ct.Pod)
				ch <- prometheus.MustNewConstMetric(limitDesc, prometheus.GaugeValue, w.Limit,
					ll["namespace"], ll["pod"], ll["container"], ll["resource"], ll["unit"])
			}
		}
	}
}
