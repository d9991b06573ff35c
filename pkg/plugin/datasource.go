// Package plugin is the Memory Shape backend data source: every query —
// panel, alert rule, annotation, dashboard variable — goes one way:
// upstream (any registered upstream.Upstream, behind upstream.Client) →
// series → pkg/shape → frames (pkg/frames). It names no upstream: a
// program registers them by importing their packages (pkg/upstream/all).
package plugin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/cache"
)

// logger is the plugin's logger; tests swap it to inspect what is logged.
var logger log.Logger = backend.Logger

// Make sure Datasource implements the SDK interfaces it serves.
var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured Memory Shape data source.
type Datasource struct {
	settings models.Settings
	// cfgErr is a settings problem. The instance is still created so the
	// problem reaches the user as a health message and per-query errors
	// rather than as an opaque "plugin unavailable".
	cfgErr error
	// up is the upstream's client, behind the cache when the upstream's
	// rules allow one; client is the client itself, whose capabilities
	// (capabilities.go in pkg/upstream) the resource routes ask for.
	up     upstream.Client
	client upstream.Client
	rules  upstream.Rules
	hc     *http.Client
	redact *upstream.Redactor
	// now is the clock; tests set it (the cache's too).
	now func() time.Time
	// verdicts keeps the judged items of queries that show no series,
	// reused while their samples stay the same (nil without the cache).
	verdicts *verdictMemo
}

// NewDatasource is the instance factory handed to datasource.Manage. It
// fails only on internal errors; settings problems are kept and reported
// by CheckHealth and each query.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	d := &Datasource{now: time.Now}
	d.settings, d.cfgErr = models.LoadSettings(s)
	d.redact = upstream.NewRedactor(d.settings.Secrets()...)
	if d.cfgErr != nil {
		return d, nil
	}
	if err := d.connect(ctx, s); err != nil {
		d.cfgErr = d.redact.Error(err)
	}
	return d, nil
}

// connect builds the HTTP client from Grafana's HTTP settings (auth, TLS,
// custom headers, forwarded identity) and the upstream client on it.
func (d *Datasource) connect(ctx context.Context, s backend.DataSourceInstanceSettings) error {
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		return fmt.Errorf("the HTTP settings of the data source are not valid: %w", err)
	}
	if opts.Timeouts == nil {
		t := httpclient.DefaultTimeoutOptions
		opts.Timeouts = &t
	}
	opts.Timeouts.Timeout = d.settings.Timeout
	// OAuth identity and allowed cookies, when the data source forwards them.
	opts.ForwardHTTPHeaders = true
	for k, vs := range d.settings.Own.Header() {
		if opts.Header == nil {
			opts.Header = http.Header{}
		}
		opts.Header[k] = vs
	}
	src := d.settings.Upstream
	opts.Middlewares = httpclient.DefaultMiddlewares()
	if d.settings.MaxResponseBytes > 0 {
		opts.Middlewares = append(opts.Middlewares, httpclient.MiddlewareFunc(func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
			return upstream.CapBody(next, src, d.settings.MaxResponseBytes)
		}))
	}
	hc, err := httpclient.New(opts)
	if err != nil {
		return fmt.Errorf("could not set up the HTTP client from the data source settings: %w", err)
	}
	upstream.SameHostRedirects(hc, src)
	d.hc = hc
	c, err := d.settings.Own.Connect(upstream.Connection{
		URL: d.settings.URL, HTTPClient: hc, Timeout: d.settings.Timeout,
		MaxBody: d.settings.MaxResponseBytes, Compression: d.settings.Compression,
		MaxSeries: d.settings.MaxSeries, MaxPoints: d.settings.MaxPoints, MaxBytes: d.settings.MaxQueryBytes,
		Redactor: d.redact,
	})
	if err != nil {
		return err
	}
	d.up, d.client, d.rules = c, c, d.settings.Kind.Rules()
	// Alert rules every minute and refreshing dashboards fetch only what
	// is new, from samples every rule and panel of the instance shares.
	if d.rules.Cache && d.settings.CacheBytes > 0 {
		d.up = cache.New(c, cache.Config{MaxBytes: d.settings.CacheBytes, QueryMaxBytes: d.settings.MaxQueryBytes,
			Now: func() time.Time { return d.now() }})
		// Verdicts are far smaller than their samples: an eighth of the
		// cache's budget holds those of every rule on the instance.
		d.verdicts = newVerdictMemo(d.settings.CacheBytes / 8)
	}
	return nil
}

// Dispose closes idle connections when Grafana replaces the instance.
func (d *Datasource) Dispose() {
	if d.hc != nil {
		d.hc.CloseIdleConnections()
	}
}

// CheckHealth tells whether the upstream answers and takes the
// credentials.
func (d *Datasource) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	var forwarded http.Header
	if req != nil {
		forwarded = req.GetHTTPHeaders()
	}
	red := d.requestRedactor(forwarded)
	if d.cfgErr != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: red.String(d.cfgErr.Error())}, nil
	}
	msg, err := d.up.Health(upstream.WithRedactor(ctx, red))
	if err != nil {
		logger.FromContext(ctx).Debug("health check failed", "error", red.String(err.Error()))
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: red.String(err.Error())}, nil
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: red.String(msg)}, nil
}

// requestRedactor removes the data source's secrets and the credentials
// forwarded with one request (the user's OAuth token, ID token, cookies
// and any other forwarded header).
func (d *Datasource) requestRedactor(forwarded http.Header) *upstream.Redactor {
	r := upstream.JoinRedactors(d.redact)
	r.AddHeaders(forwarded)
	return r
}

// redactor is the request's Redactor that ctx carries, else the data
// source's.
func (d *Datasource) redactor(ctx context.Context) *upstream.Redactor {
	if r := upstream.RedactorFrom(ctx); r != nil {
		return r
	}
	return d.redact
}
