// Package plugin is the Memory Shape backend data source: it reads memory
// series from the upstream (Prometheus today), asks pkg/shape what shape
// each one has and answers with frames built by pkg/frames.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/memshape/memory-datasource/pkg/upstream"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// logger is the plugin's logger; tests swap it to inspect what is logged.
var logger log.Logger = backend.Logger

// Make sure Datasource implements the SDK interfaces it serves.
var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured Memory Shape data source.
type Datasource struct {
	settings Settings
	// cfgErr is a settings problem. The instance is still created so the
	// problem reaches the user as a health message and per-query errors
	// rather than as an opaque "plugin unavailable".
	cfgErr error
	up     upstream.Client
	hc     *http.Client
}

// NewDatasource is the instance factory handed to datasource.Manage. It
// fails only on internal errors; settings problems are kept and reported
// by CheckHealth and each query.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	d := &Datasource{}
	d.settings, d.cfgErr = LoadSettings(s)
	if d.cfgErr != nil || d.settings.Upstream != UpstreamPrometheus {
		return d, nil
	}
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		d.cfgErr = fmt.Errorf("the HTTP settings of the data source are not valid: %v", d.redactErr(err))
		return d, nil
	}
	if d.settings.Timeout > 0 {
		if opts.Timeouts == nil {
			t := httpclient.DefaultTimeoutOptions
			opts.Timeouts = &t
		}
		opts.Timeouts.Timeout = d.settings.Timeout
	}
	if d.settings.BearerToken != "" {
		if opts.Header == nil {
			opts.Header = http.Header{}
		}
		opts.Header.Set("Authorization", "Bearer "+string(d.settings.BearerToken))
	}
	hc, err := httpclient.New(opts)
	if err != nil {
		d.cfgErr = fmt.Errorf("could not set up the HTTP client from the data source settings: %v", d.redactErr(err))
		return d, nil
	}
	d.hc = hc
	d.up, err = prom.New(d.settings.URL, hc)
	if err != nil {
		d.cfgErr = fmt.Errorf("%v: fix the URL in the data source settings", err)
	}
	return d, nil
}

// Dispose closes idle connections when Grafana replaces the instance.
func (d *Datasource) Dispose() {
	if d.hc != nil {
		d.hc.CloseIdleConnections()
	}
}

// redact replaces every secret value in s by [redacted].
func (d *Datasource) redact(s string) string {
	for _, sec := range d.settings.secrets() {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}

func (d *Datasource) redactErr(err error) error {
	if err == nil {
		return nil
	}
	r := d.redact(err.Error())
	if r == err.Error() {
		return err
	}
	return errors.New(r)
}

// QueryData runs each query on its own: one query's error or panic becomes
// that query's DataResponse error and never touches the others.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // at most 4 upstream queries at once
	for _, q := range req.Queries {
		wg.Add(1)
		go func(q backend.DataQuery) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dr := d.safeQuery(ctx, req, q)
			mu.Lock()
			resp.Responses[q.RefID] = dr
			mu.Unlock()
		}(q)
	}
	wg.Wait()
	return resp, nil
}

// safeQuery runs one query, turning a panic into an error response and
// removing secrets from whatever is returned.
func (d *Datasource) safeQuery(ctx context.Context, req *backend.QueryDataRequest, q backend.DataQuery) (dr backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			logger.Error("query panicked", "refId", q.RefID, "panic", d.redact(fmt.Sprint(r)), "stack", d.redact(string(debug.Stack())))
			dr = backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin,
				fmt.Sprintf("internal error while running query %s (a bug in Memory Shape; see the Grafana server log)", q.RefID))
		}
	}()
	dr = d.query(ctx, req, q)
	if dr.Error != nil {
		dr.Error = d.redactErr(dr.Error)
		logger.Debug("query failed", "refId", q.RefID, "status", dr.Status, "error", dr.Error.Error())
	}
	for _, f := range dr.Frames {
		if f.Meta == nil {
			continue
		}
		for i := range f.Meta.Notices {
			f.Meta.Notices[i].Text = d.redact(f.Meta.Notices[i].Text)
		}
	}
	return dr
}

// CheckHealth tells whether the upstream answers.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	fail := func(msg string) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: d.redact(msg)}, nil
	}
	if d.cfgErr != nil {
		return fail(d.cfgErr.Error())
	}
	if d.up == nil {
		return fail("Datadog support is not built yet: choose Prometheus as the upstream for now")
	}
	msg, err := d.up.Health(ctx)
	if err != nil {
		return fail(err.Error())
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: d.redact(msg)}, nil
}
