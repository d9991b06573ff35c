// Package upstream is the one door memory series come in by. Prometheus and
// Datadog each implement Client; the plugin and the CLI depend on Client,
// never on a concrete upstream. Failures are *Error, typed with their
// source and kind and carrying the upstream's own words.
package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/units"
)

// Source names an upstream: its registered name (Register), as
// jsonData.upstream holds it.
type Source string

// The upstreams Memory Shape ships, each in its own package.
const (
	Prometheus Source = "prometheus"
	Datadog    Source = "datadog"
)

// Title is the source's name as people write it: the registered
// upstream's Title, else the name with a capital.
func (s Source) Title() string {
	if u, ok := Lookup(s); ok {
		return u.Title()
	}
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Query is one range query.
type Query struct {
	// Expr is the upstream's own query language: PromQL, or a Datadog
	// metrics query.
	Expr string
	// Start and End bound the range (inclusive).
	Start, End time.Time
	// Step is the resolution wanted: Prometheus' step, Datadog's rollup
	// interval.
	Step time.Duration
	// MaxSeries, MaxPoints (over all series) and MaxBytes (the memory the
	// decoded samples and labels take) cap what one query may return; 0
	// means the client's default. Exceeding one is an *Error of kind
	// TooLarge naming the cap and the fleet size that fits.
	MaxSeries int
	MaxPoints int
	MaxBytes  int64
	// CacheKey is the identity the answer depends on besides the query
	// itself, e.g. the user whose OAuth token is forwarded: a cache never
	// serves an answer fetched under one CacheKey to another. Empty when
	// every caller of a data source sees the same data.
	CacheKey string
	// Each, when set, is given every series of the answer as soon as it
	// is read whole, while the rest of the answer is still arriving, with
	// its index in Result.Series: a caller's work on each series then
	// overlaps the upstream's writing of the rest. It runs on the reading
	// goroutine and must not change the series. Clients that do not
	// stream their answers (and time-sharded ones) never call it, and an
	// answer that fails may have been given in part: callers use what it
	// was given only for the answer's series it matches.
	Each func(i int, s series.Series)
}

// Default caps on one query's answer, used when a Query's cap is 0. The
// memory cap is the one a fleet meets first: 1 GiB holds about 64,000
// series of 2,016 points (7 days at 5 minutes); the series and points
// caps only stop what memory would not (a million one-point series).
const (
	DefaultMaxSeries = 200_000
	DefaultMaxPoints = 200_000_000
	DefaultMaxBytes  = 1 << 30
)

// BytesPerPoint is what one decoded sample takes: a float64 value (the
// time column of a query's grid is shared by its series; a series off
// the grid pays 8 more bytes per point for its own).
const BytesPerPoint = 8

// TooManySeries is the error for an answer with more than limit series.
func TooManySeries(src Source, limit int) *Error {
	return &Error{
		Source: src, Kind: TooLarge,
		Msg:  fmt.Sprintf("the query returns more than %s series, the cap on series per query", thousands(limit)),
		Hint: "narrow the query: add label matchers (one namespace, cluster or job per query) or aggregate (sum by, max by), or raise the series cap in the data source settings",
	}
}

// TooManyPoints is the error for an answer with more than limit points
// over all its series; perSeries (0: unknown) is the points one series
// has, to tell the fleet size that fits.
func TooManyPoints(src Source, limit, perSeries int) *Error {
	msg := fmt.Sprintf("the query returns more than %s points in all, the cap on points per query", thousands(limit))
	if perSeries > 0 {
		msg += fmt.Sprintf(": at %s points per series, %s series fit", thousands(perSeries), thousands(max(1, limit/perSeries)))
	}
	return &Error{
		Source: src, Kind: TooLarge, Msg: msg,
		Hint: "fetch fewer series (label matchers: one namespace, cluster or job per query; or sum by, max by), a shorter analysis window or a larger step, or raise the points cap in the data source settings",
	}
}

// TooMuchMemory is the error for an answer whose decoded samples and
// labels would take more than limit bytes. perSeries (0: unknown) is
// what one series takes, seriesSoFar how many were read before the cap
// was passed: together they tell the fleet size that fits.
func TooMuchMemory(src Source, limit, perSeries int64, seriesSoFar int) *Error {
	msg := fmt.Sprintf("the answer takes more than %s once decoded, the cap on memory per query", units.FormatBytesIEC(float64(limit)))
	if perSeries > 0 {
		msg += fmt.Sprintf(": at %s per series about %s series fit, and the answer had more than %s", units.FormatBytesIEC(float64(perSeries)), thousands(int(max(1, limit/perSeries))), thousands(seriesSoFar))
	}
	return &Error{
		Source: src, Kind: TooLarge, Msg: msg,
		Hint: "split the fleet: one query per namespace, cluster or job (label matchers), or aggregate (sum by, max by); or a shorter analysis window; or raise the memory per query in the data source settings",
	}
}

// Reserver is a budget for the memory queries hold while they run,
// shared by every query of the process: a client asks it for bytes as
// it decodes, before it holds them. Grow may wait for other queries to
// finish; its error (kind Busy or the context's) ends the query.
type Reserver interface {
	Grow(ctx context.Context, bytes int64) error
}

type reserverKey struct{}

// WithReserver returns ctx carrying r, for the clients below it.
func WithReserver(ctx context.Context, r Reserver) context.Context {
	return context.WithValue(ctx, reserverKey{}, r)
}

// Reserve asks the budget in ctx, if any, for bytes.
func Reserve(ctx context.Context, bytes int64) error {
	if r, ok := ctx.Value(reserverKey{}).(Reserver); ok && bytes > 0 {
		return r.Grow(ctx, bytes)
	}
	return nil
}

// Result is what a range query returned.
type Result struct {
	Series []series.Series
	// Warnings are the upstream's own annotations, shown as notices.
	Warnings []string
	// Last is the time of the latest sample of any series (Unix ms), noted
	// while decoding; 0 when not noted (LastSample then looks).
	Last int64
}

// LastSample is the time of the latest sample of any series (Unix ms; 0
// when there is none).
func (r Result) LastSample() int64 {
	if r.Last != 0 {
		return r.Last
	}
	var last int64
	for _, s := range r.Series {
		for _, t := range s.T {
			last = max(last, t)
		}
	}
	return last
}

// Client is an upstream of memory series.
type Client interface {
	// Source says which upstream this is.
	Source() Source
	// QueryRange runs one range query. The result may be shared (a cache
	// holds it too): callers read it and never change it.
	QueryRange(ctx context.Context, q Query) (Result, error)
	// Health checks that the upstream answers and the credentials are
	// accepted; ok is a sentence for the user ("Connected to Prometheus
	// 2.42.0"). Its error says which credential was refused, if one was.
	Health(ctx context.Context) (ok string, err error)
}

// thousands writes n with comma thousands separators: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Kind classifies an upstream failure by what the user can do about it.
type Kind string

const (
	// BadQuery means the upstream rejected the query (syntax, unknown function).
	BadQuery Kind = "bad_query"
	// Unauthorized means the credentials were refused (401).
	Unauthorized Kind = "unauthorized"
	// Forbidden means the credentials lack access (403).
	Forbidden Kind = "forbidden"
	// NotFound means the URL does not point at the API (404).
	NotFound Kind = "not_found"
	// RateLimited means the upstream asked to slow down (429).
	RateLimited Kind = "rate_limited"
	// Timeout means the query ran out of time, upstream or here.
	Timeout Kind = "timeout"
	// Canceled means the caller went away.
	Canceled Kind = "canceled"
	// Unreachable means no answer came back (connection refused, DNS, TLS).
	Unreachable Kind = "unreachable"
	// TooLarge means the answer exceeds a cap (body, series or points).
	TooLarge Kind = "too_large"
	// Execution means the upstream failed while running a valid query.
	Execution Kind = "execution"
	// BadResponse means the answer could not be read.
	BadResponse Kind = "bad_response"
	// Server means any other upstream failure (5xx).
	Server Kind = "server"
	// Busy means the plugin's memory for queries in flight stayed taken
	// by other queries until this one's deadline.
	Busy Kind = "busy"
)

// Error is a failed upstream call.
type Error struct {
	Source Source
	Kind   Kind
	// HTTPStatus is the upstream's HTTP status, 0 when none came back.
	HTTPStatus int
	// Type is the upstream's own error type (Prometheus' errorType), when
	// it gave one.
	Type string
	// Msg is the upstream's own message, or ours when it said nothing.
	Msg string
	// Hint says what to do about it; may be empty.
	Hint string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s", e.Source.Title(), e.describe())
	if e.Type != "" {
		s += " (" + e.Type + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *Error) describe() string {
	switch e.Kind {
	case BadQuery:
		return "rejected the query"
	case Unauthorized:
		return "refused the credentials (401)"
	case Forbidden:
		return "denied access (403)"
	case NotFound:
		return "answered 404 not found"
	case RateLimited:
		return "is rate limiting (429)"
	case Timeout:
		return "query timed out"
	case Canceled:
		return "query was canceled"
	case Unreachable:
		return "could not be reached"
	case TooLarge:
		return "answer is too large"
	case Execution:
		return "failed to run the query"
	case BadResponse:
		return "sent an answer that could not be read"
	case Busy:
		return "query waited too long for memory"
	}
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("answered %d %s", e.HTTPStatus, http.StatusText(e.HTTPStatus))
	}
	return "failed"
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP-like status a failure maps to (for Grafana's
// response status): 400 for a bad query, 401, 403, 404, 429, 504 for a
// timeout, 413 for too large, 502 otherwise.
func (e *Error) Status() int {
	switch e.Kind {
	case BadQuery:
		return http.StatusBadRequest
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case RateLimited:
		return http.StatusTooManyRequests
	case Timeout:
		return http.StatusGatewayTimeout
	case Canceled:
		return 499
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Execution:
		return http.StatusUnprocessableEntity
	case Busy:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}

// AsError returns err's *Error, if it has one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
