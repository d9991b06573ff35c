package datadog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Metric names, a metric's tags and the hosts' tags, through the official
// client, from a server speaking Datadog's documented JSON.
func TestMetadataThroughTheOfficialClient(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv.URL, goodAPIKey, goodAppKey)
	ctx := hangGuard(t)

	metrics, err := c.Metrics(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(metrics, " "); got != "container.memory.usage system.mem.free system.mem.used" {
		t.Errorf("metrics %q: want them sorted, each once", got)
	}
	if from := f.last().URL.Query().Get("from"); from != "1795132800" {
		t.Errorf("from=%s: want the Unix seconds of the range start", from)
	}

	tags, err := c.MetricTags(ctx, "system.mem.used", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tags, " "); got != "env:prod host:web-1 host:web-2 host:web-3 team:core" {
		t.Errorf("tags %q: want indexed and ingested tags, each once", got)
	}
	if w := f.last().URL.Query().Get("window[seconds]"); w != "14400" {
		t.Errorf("window[seconds]=%s: want Datadog's least, 4 h, for a shorter window", w)
	}
	if _, err := c.MetricTags(ctx, "system.mem.used", 48*time.Hour); err != nil || f.last().URL.Query().Get("window[seconds]") != "172800" {
		t.Errorf("a 2-day window: %v, window[seconds]=%s", err, f.last().URL.Query().Get("window[seconds]"))
	}
	if got := strings.Join(TagKeys(tags), " "); got != "env host team" {
		t.Errorf("keys %q", got)
	}
	if got := strings.Join(TagValues(tags, "host"), " "); got != "web-1 web-2 web-3" {
		t.Errorf("values of host %q", got)
	}

	hosts, err := c.HostTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(TagValues(hosts, "env"), " "); got != "prod stage" {
		t.Errorf("env values of the hosts' tags %q", got)
	}
	if got := strings.Join(TagKeys(hosts), " "); got != "env role" {
		t.Errorf("host tag keys %q: a bare tag (datadog-agent) has no key", got)
	}

	// Datadog's own words for an unknown metric, and a refused key named.
	_, err = c.MetricTags(ctx, "no.such.metric", time.Hour)
	if e, ok := upstream.AsError(err); !ok || e.Kind != upstream.NotFound || !strings.Contains(e.Error(), "Metric not found") {
		t.Errorf("unknown metric: %v", err)
	}
	bad := newClient(t, srv.URL, goodAPIKey, "wrong-app-key")
	_, err = bad.Metrics(ctx, t0)
	if !errors.Is(err, ErrAppKey) || strings.Contains(err.Error(), "wrong-app-key") {
		t.Errorf("refused application key: %v", err)
	}
	if _, err := c.MetricTags(ctx, " ", time.Hour); err == nil || !strings.Contains(err.Error(), "no metric name") {
		t.Errorf("empty metric: %v", err)
	}
}
