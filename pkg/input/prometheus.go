package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// ReadPrometheus parses the body of a Prometheus /api/v1/query_range
// response:
//
//	{"status":"success","data":{"resultType":"matrix","result":[
//	  {"metric":{"__name__":"...", ...},"values":[[1700000000.123,"123456"], ...]}]}}
//
// The bare "data" object, the bare "result" array and a single bare
// {"metric":...,"values":...} stream are accepted too.
// Labels are the metric's labels, unchanged; timestamps (Unix seconds) are
// converted to milliseconds; values "NaN", "+Inf" and "-Inf" are kept as
// such. A status "error" body is returned as an error quoting its errorType
// and error; an instant-query result (vector, scalar, string) is an error
// that says to use query_range.
func ReadPrometheus(r io.Reader) ([]series.Series, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parsePrometheus(data)
}

// parsePrometheus decodes with the one Prometheus decoder the plugin uses
// too (no caps: a file is as big as its owner made it). When that fails,
// a syntax check says on which line and column a hand-edited file breaks.
func parsePrometheus(data []byte) ([]series.Series, error) {
	b := trimBOM(data)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: expected a Prometheus /api/v1/query_range JSON response", ErrEmpty)
	}
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return nil, fmt.Errorf("prometheus: expected a JSON object, got %s", snippet(trimmed, 40))
	}
	res, err := prom.DecodeQueryRange(bytes.NewReader(trimmed), prom.DecodeOptions{Bare: true})
	if err != nil {
		if jerr := jsonCheck(b); jerr != nil {
			return nil, fmt.Errorf("prometheus: %w", jerr)
		}
		return nil, promError(trimmed, err)
	}
	return res.Series, nil
}

// promError words a decoder failure for a file: Prometheus' own error,
// or where the file is wrong, quoting the offending value.
func promError(doc []byte, err error) error {
	var de *prom.DecodeError
	ue, isUE := upstream.AsError(err)
	switch {
	case isUE && ue.Type != "":
		return fmt.Errorf("prometheus returned an error: %s: %s", ue.Type, ue.Msg)
	case isUE && ue.Kind == upstream.BadQuery && errors.As(err, &de):
		return fmt.Errorf("%s — use /api/v1/query_range", de.Msg)
	case errors.As(err, &de):
		if raw := valueAt(doc, de.Path); raw != nil && de.Path != "" {
			return fmt.Errorf("prometheus: %s %s: %s", de.Path, snippet(raw, 60), de.Msg)
		}
		return fmt.Errorf("prometheus: %s", de.Error())
	}
	return fmt.Errorf("prometheus: %w", err)
}

// valueAt returns the raw JSON at a decoder path such as
// data.result[1].values[3] (a bare result array's path starts with
// "result"), or nil.
func valueAt(doc []byte, path string) json.RawMessage {
	cur := json.RawMessage(doc)
	if bytes.HasPrefix(bytes.TrimLeft(doc, " \t\r\n"), []byte("[")) {
		path = strings.TrimPrefix(path, "result")
	}
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil {
				return nil
			}
			var arr []json.RawMessage
			if json.Unmarshal(cur, &arr) != nil || i >= len(arr) {
				return nil
			}
			cur, path = arr[i], path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(cur, &obj) != nil {
				return nil
			}
			v, ok := obj[path[:end]]
			if !ok {
				return nil
			}
			cur, path = v, path[end:]
		}
	}
	return cur
}
