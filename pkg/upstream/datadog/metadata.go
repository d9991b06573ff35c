package datadog

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV2"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// MinTagWindow is the shortest look-back Datadog's tag listing of a metric
// accepts (window[seconds] of /api/v2/metrics/{metric}/all-tags).
const MinTagWindow = 4 * time.Hour

// Metrics lists the metrics that have reported since from
// (GET /api/v1/metrics?from=…), sorted: the names the query editor
// completes and metrics(regex) variables read.
func (c *Client) Metrics(ctx context.Context, from time.Time) ([]string, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	if err := c.missingKey(true); err != nil {
		return nil, c.redactor(ctx).Error(err)
	}
	var resp datadogV1.MetricsListResponse
	err := c.call(ctx, func(ctx context.Context) (*http.Response, error) {
		var hr *http.Response
		var err error
		resp, hr, err = c.metrics.ListActiveMetrics(c.withKeys(ctx, true), from.Unix())
		return hr, err
	})
	if err != nil {
		return nil, c.redactor(ctx).Error(c.refused(ctx, err))
	}
	return sortedUnique(resp.Metrics), nil
}

// MetricTags lists the tags (key:value) of one metric's series over the
// window before now, at least MinTagWindow
// (GET /api/v2/metrics/{metric}/all-tags): indexed and ingested tags both.
func (c *Client) MetricTags(ctx context.Context, metric string, window time.Duration) ([]string, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	if err := c.missingKey(true); err != nil {
		return nil, c.redactor(ctx).Error(err)
	}
	metric = strings.TrimSpace(metric)
	if metric == "" {
		return nil, c.redactor(ctx).Error(&upstream.Error{Source: upstream.Datadog, Kind: upstream.BadQuery,
			Msg: "no metric name to list the tags of", Hint: "name a metric, e.g. system.mem.used"})
	}
	seconds := int64(max(window, MinTagWindow) / time.Second)
	var resp datadogV2.MetricAllTagsResponse
	err := c.call(ctx, func(ctx context.Context) (*http.Response, error) {
		var hr *http.Response
		var err error
		resp, hr, err = c.metricsV2.ListTagsByMetricName(c.withKeys(ctx, true), metric,
			*datadogV2.NewListTagsByMetricNameOptionalParameters().WithWindowSeconds(seconds))
		return hr, err
	})
	if err != nil {
		return nil, c.redactor(ctx).Error(c.refused(ctx, err))
	}
	data := resp.GetData()
	attrs := data.GetAttributes()
	return sortedUnique(append(attrs.GetTags(), attrs.GetIngestedTags()...)), nil
}

// HostTags lists the tags (key:value) of the organisation's hosts
// (GET /api/v1/tags/hosts): what ad hoc filters and tag_values(key)
// offer when no metric is named.
func (c *Client) HostTags(ctx context.Context) ([]string, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	if err := c.missingKey(true); err != nil {
		return nil, c.redactor(ctx).Error(err)
	}
	var resp datadogV1.TagToHosts
	err := c.call(ctx, func(ctx context.Context) (*http.Response, error) {
		var hr *http.Response
		var err error
		resp, hr, err = c.tags.ListHostTags(c.withKeys(ctx, true))
		return hr, err
	})
	if err != nil {
		return nil, c.redactor(ctx).Error(c.refused(ctx, err))
	}
	tags := make([]string, 0, len(resp.GetTags()))
	for tag := range resp.GetTags() {
		tags = append(tags, tag)
	}
	return sortedUnique(tags), nil
}

// TagKeys are the keys of key:value tags (upstream.TagKeys).
func TagKeys(tags []string) []string { return upstream.TagKeys(tags) }

// TagValues are the values of key in key:value tags (upstream.TagValues).
func TagValues(tags []string, key string) []string { return upstream.TagValues(tags, key) }

func sortedUnique(xs []string) []string { return upstream.SortedUnique(xs) }
