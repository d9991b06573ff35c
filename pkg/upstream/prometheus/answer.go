package prometheus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

var _ upstream.AnswerReader = Upstream{}

// Answer is the body of /api/v1/query_range: "data", "resultType" and
// "errorType" are Prometheus' own; "values" (a bare result array) is
// weaker, since Datadog's answer has it too.
func (Upstream) Answer() upstream.Answer {
	return upstream.Answer{
		Describe: "a Prometheus /api/v1/query_range JSON response",
		Markers: []upstream.Marker{
			{Keys: []string{"data"}, Rank: 3, Text: true},
			{Keys: []string{"resultType"}, Rank: 3, Text: true},
			{Keys: []string{"errorType"}, Rank: 3},
			{Keys: []string{"values"}, Rank: 2, Text: true},
			{Keys: []string{"metric", "histograms"}, Rank: 2},
		},
	}
}

// ReadAnswer reads the body of a Prometheus /api/v1/query_range response:
//
//	{"status":"success","data":{"resultType":"matrix","result":[
//	  {"metric":{"__name__":"...", ...},"values":[[1700000000.123,"123456"], ...]}]}}
//
// The bare "data" object, the bare "result" array and a single bare
// {"metric":...,"values":...} stream are accepted too, with the one
// decoder the data source uses (no caps: a file is as big as its owner
// made it). Labels are the metric's labels, unchanged; timestamps are
// converted to milliseconds; "NaN", "+Inf" and "-Inf" are kept. A status
// "error" body is an error quoting its errorType and error; an
// instant-query result (vector, scalar, string) is an error that says to
// use query_range; a value of the wrong kind is quoted with its path.
func (Upstream) ReadAnswer(body []byte) ([]series.Series, error) {
	res, err := DecodeQueryRange(bytes.NewReader(body), DecodeOptions{Bare: true})
	if err != nil {
		return nil, answerError(body, err)
	}
	return res.Series, nil
}

// answerError words a decoder failure for a file: Prometheus' own error,
// or where the body is wrong, quoting the offending value.
func answerError(doc []byte, err error) error {
	var de *DecodeError
	ue, isUE := upstream.AsError(err)
	switch {
	case isUE && ue.Type != "":
		return fmt.Errorf("prometheus returned an error: %s: %s", ue.Type, ue.Msg)
	case isUE && ue.Kind == upstream.BadQuery && errors.As(err, &de):
		return fmt.Errorf("%s — use /api/v1/query_range", de.Msg)
	case errors.As(err, &de):
		if raw := valueAt(doc, de.Path); raw != nil && de.Path != "" {
			return fmt.Errorf("prometheus: %s %s: %s", de.Path, upstream.Snippet(raw, 60), de.Msg)
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
