package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// promAPI reads Prometheus' metadata APIs (labels, label values, series,
// metadata, instant query) for dashboard variables and query completion.
type promAPI interface {
	// get calls GET /api/v1/<path> with params and returns the "data"
	// member of Prometheus' answer, and its warnings.
	get(ctx context.Context, path string, params url.Values) (json.RawMessage, []string, error)
}

type promHTTPAPI struct {
	base string
	hc   *http.Client
}

func newPromAPI(base string, hc *http.Client) promAPI {
	return promHTTPAPI{base: strings.TrimRight(base, "/"), hc: hc}
}

func (p promHTTPAPI) get(ctx context.Context, path string, params url.Values) (json.RawMessage, []string, error) {
	u := p.base + "/api/v1/" + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: "the request could not be built", Err: err}
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		if ue, ok := upstream.AsError(err); ok {
			return nil, nil, ue
		}
		kind := upstream.Unreachable
		if ctx.Err() != nil {
			kind = upstream.Timeout
		}
		return nil, nil, &upstream.Error{Source: upstream.Prometheus, Kind: kind, Msg: urlFree(err), Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		if ue, ok := upstream.AsError(err); ok {
			return nil, nil, ue
		}
		return nil, nil, &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadResponse, HTTPStatus: resp.StatusCode, Msg: err.Error(), Err: err}
	}
	var answer struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Warnings  []string        `json:"warnings"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.Status == "" {
		excerpt := strings.TrimSpace(string(body))
		if len(excerpt) > 200 {
			excerpt = excerpt[:200] + "…"
		}
		return nil, nil, statusError(resp.StatusCode, "", fmt.Sprintf("answered %d with something other than Prometheus JSON: %q", resp.StatusCode, excerpt))
	}
	if answer.Status != "success" {
		return nil, nil, statusError(resp.StatusCode, answer.ErrorType, answer.Error)
	}
	return answer.Data, answer.Warnings, nil
}

// statusError types a failed Prometheus answer by its errorType and
// status.
func statusError(status int, errType, msg string) *upstream.Error {
	e := &upstream.Error{Source: upstream.Prometheus, HTTPStatus: status, Type: errType, Msg: msg, Kind: upstream.Server}
	switch errType {
	case "bad_data":
		e.Kind = upstream.BadQuery
	case "timeout":
		e.Kind = upstream.Timeout
	case "canceled":
		e.Kind = upstream.Canceled
	case "execution":
		e.Kind = upstream.Execution
	}
	switch status {
	case http.StatusUnauthorized:
		e.Kind = upstream.Unauthorized
	case http.StatusForbidden:
		e.Kind = upstream.Forbidden
	case http.StatusNotFound:
		e.Kind = upstream.NotFound
	case http.StatusTooManyRequests:
		e.Kind = upstream.RateLimited
	}
	return e
}

// urlFree is err's text without the URL that net/http repeats (it may
// carry a password).
func urlFree(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
