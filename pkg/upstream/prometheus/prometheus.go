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
)

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

// Result is what a range query returned.
type Result struct {
	Series []series.Series
	// Warnings and Infos are Prometheus' own annotations, to be shown as
	// notices.
	Warnings []string
}

// Error is a failed Prometheus call. Type is Prometheus' errorType
// (bad_data, execution, timeout, canceled, client_error, server_error,
// bad_response) or "unreachable" when no answer came back.
type Error struct {
	Type string
	// Msg is Prometheus' message, e.g. `1:5: parse error: unexpected ...`.
	Msg string
	// HTTPStatus is the HTTP status code when known (0 otherwise).
	HTTPStatus int
	URL        string
	Err        error
}

func (e *Error) Error() string {
	switch e.Type {
	case "unreachable":
		return fmt.Sprintf("could not reach Prometheus at %s: %s", e.URL, e.Msg)
	case "client_error", "server_error", "bad_response":
		hint := ""
		switch e.HTTPStatus {
		case http.StatusUnauthorized:
			hint = " (unauthorized: check the bearer token or auth settings of the data source)"
		case http.StatusForbidden:
			hint = " (forbidden: the credentials lack access)"
		case http.StatusNotFound:
			hint = " (not found: check the URL points at the Prometheus server root, e.g. http://host:9090)"
		}
		return fmt.Sprintf("Prometheus at %s answered %s%s", e.URL, e.Msg, hint)
	}
	return fmt.Sprintf("Prometheus %s: %s", e.Type, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func (c *Client) wrap(err error) error {
	if err == nil {
		return nil
	}
	var ae *v1.Error
	if errors.As(err, &ae) {
		e := &Error{Type: string(ae.Type), Msg: ae.Msg, URL: c.url, Err: err}
		var code int
		if _, scanErr := fmt.Sscanf(ae.Msg, "client error: %d", &code); scanErr == nil {
			e.HTTPStatus = code
		} else if _, scanErr := fmt.Sscanf(ae.Msg, "server error: %d", &code); scanErr == nil {
			e.HTTPStatus = code
		} else if _, scanErr := fmt.Sscanf(ae.Msg, "bad response code %d", &code); scanErr == nil {
			e.HTTPStatus = code
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Type: "canceled", Msg: "the request was canceled", URL: c.url, Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Type: "timeout", Msg: "no answer before the timeout (raise timeoutSeconds or narrow the query)", URL: c.url, Err: err}
	}
	return &Error{Type: "unreachable", Msg: err.Error(), URL: c.url, Err: err}
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
func (c *Client) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (Result, error) {
	val, warnings, infos, err := c.api.QueryRange(ctx, expr, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return Result{}, c.wrap(err)
	}
	res := Result{}
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
		return Result{}, &Error{Type: "bad_response", Msg: fmt.Sprintf("expected a range vector (matrix), got %s", val.Type()), URL: c.url}
	}
	return res, nil
}

// BuildInfo returns the server's version, e.g. "2.42.0".
func (c *Client) BuildInfo(ctx context.Context) (string, error) {
	bi, err := c.api.Buildinfo(ctx)
	if err != nil {
		return "", c.wrap(err)
	}
	return bi.Version, nil
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
