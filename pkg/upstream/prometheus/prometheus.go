// Package prometheus is a thin client for the two Prometheus HTTP API calls
// Memory Shape needs: query_range (memory series in) and buildinfo (health).
// It turns results into series.Series and Prometheus failures into *Error
// carrying Prometheus' own message.
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

var _ upstream.Client = (*Client)(nil)

// MaxPointsPerSeries is Prometheus' limit on (end-start)/step for
// query_range; above it Prometheus answers 400 bad_data.
const MaxPointsPerSeries = 11000

// Client talks to one Prometheus server.
type Client struct {
	api v1.API
	url string // redacted, for messages
}

// New returns a client for the server at rawURL using hc (nil: a default
// client). rawURL must be an absolute http(s) URL.
func New(rawURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		// url.Error repeats the whole URL, password included: keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("Prometheus URL %q is not a valid URL: %v", redactURLString(rawURL), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("Prometheus URL %q must start with http:// or https://", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("Prometheus URL %q has no host", u.Redacted())
	}
	c, err := api.NewClient(api.Config{Address: u.String(), Client: hc})
	if err != nil {
		return nil, fmt.Errorf("Prometheus URL %q: %v", u.Redacted(), err)
	}
	return &Client{api: v1.NewAPI(c), url: u.Redacted()}, nil
}

// URL is the server's address with any password removed.
func (c *Client) URL() string { return c.url }

// Source is upstream.Prometheus.
func (c *Client) Source() upstream.Source { return upstream.Prometheus }

// wrap turns a client_golang failure into an *upstream.Error that keeps
// Prometheus' own error type and message.
func (c *Client) wrap(err error) error {
	if err == nil {
		return nil
	}
	e := &upstream.Error{Source: upstream.Prometheus, Msg: err.Error(), Err: err}
	var ae *v1.Error
	switch {
	case errors.As(err, &ae):
		e.Type, e.Msg = string(ae.Type), ae.Msg
		if ae.Detail != "" {
			e.Msg = strings.TrimSpace(ae.Detail)
		}
		var code int
		for _, f := range []string{"client error: %d", "server error: %d", "bad response code %d"} {
			if _, scanErr := fmt.Sscanf(ae.Msg, f, &code); scanErr == nil {
				e.HTTPStatus = code
				break
			}
		}
		switch ae.Type {
		case v1.ErrBadData:
			e.Kind = upstream.BadQuery
		case v1.ErrTimeout:
			e.Kind = upstream.Timeout
		case v1.ErrCanceled:
			e.Kind = upstream.Canceled
		case v1.ErrExec:
			e.Kind = upstream.Execution
		case v1.ErrBadResponse:
			e.Kind = upstream.BadResponse
		default:
			e.Kind = upstream.Server
		}
		switch e.HTTPStatus {
		case http.StatusUnauthorized:
			e.Kind, e.Hint = upstream.Unauthorized, "check the credentials in the data source settings"
		case http.StatusForbidden:
			e.Kind, e.Hint = upstream.Forbidden, "the credentials lack access"
		case http.StatusNotFound:
			e.Kind, e.Hint = upstream.NotFound, "check that the URL points at the Prometheus API root, e.g. http://host:9090"
		case http.StatusTooManyRequests:
			e.Kind = upstream.RateLimited
		}
	case errors.Is(err, context.Canceled):
		e.Kind, e.Msg = upstream.Canceled, "the request was canceled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Msg, e.Hint = upstream.Timeout, "no answer before the timeout", "raise the timeout in the data source settings or narrow the query"
	default:
		e.Kind, e.Hint = upstream.Unreachable, "check the URL "+c.url+" and that Prometheus is reachable from the Grafana server"
	}
	return e
}

// Step returns the step to use for a range query over [start, end] when
// want is asked for: want rounded up to a whole millisecond (at least 1 s
// when want <= 0 and the range is empty), raised so that the query stays
// within MaxPointsPerSeries. raised reports whether it had to be raised.
func Step(start, end time.Time, want time.Duration) (step time.Duration, raised bool) {
	rng := end.Sub(start)
	if want <= 0 {
		want = time.Second
	}
	step = want.Round(time.Millisecond)
	if step < time.Millisecond {
		step = time.Millisecond
	}
	if rng <= 0 {
		return step, false
	}
	if rng/step > MaxPointsPerSeries {
		// Smallest whole-second step that fits.
		min := time.Duration(math.Ceil(float64(rng)/float64(MaxPointsPerSeries)/float64(time.Second))) * time.Second
		if min < step {
			min = step
		}
		return min, true
	}
	return step, false
}

// QueryRange runs expr over [start, end] with the given step.
func (c *Client) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	val, warnings, infos, err := c.api.QueryRange(ctx, q.Expr, v1.Range{Start: q.Start, End: q.End, Step: q.Step})
	if err != nil {
		return upstream.Result{}, c.wrap(err)
	}
	res := upstream.Result{}
	res.Warnings = append(res.Warnings, warnings...)
	res.Warnings = append(res.Warnings, infos...)
	switch m := val.(type) {
	case model.Matrix:
		res.Series = make([]series.Series, 0, len(m))
		for _, ss := range m {
			s := series.Series{
				Labels: make(map[string]string, len(ss.Metric)),
				T:      make([]int64, 0, len(ss.Values)),
				V:      make([]float64, 0, len(ss.Values)),
			}
			for k, v := range ss.Metric {
				s.Labels[string(k)] = string(v)
			}
			for _, p := range ss.Values {
				s.T = append(s.T, int64(p.Timestamp))
				s.V = append(s.V, float64(p.Value))
			}
			if len(ss.Histograms) > 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: %d native histogram samples were ignored; memory series must be plain numbers", s.Name(), len(ss.Histograms)))
			}
			res.Series = append(res.Series, s)
		}
	case nil:
	default:
		return upstream.Result{}, &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: fmt.Sprintf("the query gives a %s, not a range vector", val.Type()), Hint: "write a PromQL expression that selects memory series, e.g. process_resident_memory_bytes"}
	}
	return res, nil
}

// Health asks Prometheus for its build information.
func (c *Client) Health(ctx context.Context) (string, error) {
	bi, err := c.api.Buildinfo(ctx)
	if err != nil {
		return "", c.wrap(err)
	}
	return "Connected to Prometheus " + bi.Version, nil
}

func redactURLString(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "…@" + s[i+1:]
	}
	return s
}
