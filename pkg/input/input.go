// Package input reads memory series from the bodies people already have to
// hand: an upstream's saved answer to a range query (a Prometheus
// /api/v1/query_range response, a Datadog /api/v1/query response: any
// registered upstream that reads its answers, upstream.AnswerReader), or a
// CSV file (including Grafana's panel export). Read sniffs which one it
// was given. It names no upstream: a program registers them by importing
// their packages (pkg/upstream/all).
//
// Series come back with T in Unix milliseconds and V as given: NaN, ±Inf,
// gaps, unsorted and repeated timestamps are kept for the classifier to
// clean, so that gaps stay visible. Zero series is not an error; callers
// decide what "nothing" means to them.
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// ErrEmpty is returned (wrapped) by Read for input with nothing but white
// space in it.
var ErrEmpty = errors.New("empty input")

// Format is the kind of body Read detected: CSV, or the name of the
// upstream whose answer it is (upstream.Source: "prometheus", "datadog").
type Format string

// CSV is timestamp,value[,series] rows or Grafana's panel CSV export.
const CSV Format = "csv"

// Result is what Read found.
type Result struct {
	Series []series.Series
	// Format is the format detected.
	Format Format
	// Warnings name what was skipped and where (CSV: a bad cell skips its
	// point, a bad row the row), e.g. `line 12: value "abc" is not a
	// number; point skipped`.
	Warnings []string
}

// answers are the registered upstreams that read their answers, in the
// order of upstream.Sources.
func answers() []upstream.Source {
	var out []upstream.Source
	for _, src := range upstream.Sources() {
		if u, ok := upstream.Lookup(src); ok {
			if _, ok := u.(upstream.AnswerReader); ok {
				out = append(out, src)
			}
		}
	}
	return out
}

func reader(src upstream.Source) upstream.AnswerReader {
	u, _ := upstream.Lookup(src)
	r, _ := u.(upstream.AnswerReader)
	return r
}

// Accepted names the formats Read understands, for error messages: "a
// Prometheus /api/v1/query_range JSON response, a Datadog /api/v1/query
// JSON response, or CSV with …".
func Accepted() string {
	var parts []string
	for _, src := range answers() {
		parts = append(parts, reader(src).Answer().Describe+", ")
	}
	return strings.Join(parts, "") + "or CSV with columns timestamp,value[,series] or Grafana's panel CSV export"
}

// Read reads all of r, works out which format it is and parses it. JSON
// (first non-space byte '{' or '[') is the answer of the upstream whose
// markers (upstream.Answer) its keys carry; anything else is read as CSV.
// On error the Result is empty.
func Read(r io.Reader) (Result, error) {
	data, err := readAll(r)
	if err != nil {
		return Result{}, err
	}
	f, err := sniff(data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Format: f}
	if f == CSV {
		res.Series, res.Warnings, err = parseCSV(data)
	} else {
		res.Series, err = readAnswer(upstream.Source(f), data)
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// readAnswer reads an upstream's answer. When its reader fails on a body
// that is not JSON at all, the syntax check says on which line and
// column a hand-edited file breaks.
func readAnswer(src upstream.Source, data []byte) ([]series.Series, error) {
	b := trimBOM(data)
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: expected %s", ErrEmpty, reader(src).Answer().Describe)
	}
	ss, err := reader(src).ReadAnswer(trimmed)
	if err != nil {
		if jerr := upstream.JSONCheck(b); jerr != nil {
			return nil, fmt.Errorf("%s: %w", src, jerr)
		}
		return nil, err
	}
	return ss, nil
}

// sniff says which format data is in, without parsing it fully.
func sniff(data []byte) (Format, error) {
	body := trimBOM(data)
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		if len(data) == 0 {
			return "", fmt.Errorf("%w: expected %s", ErrEmpty, Accepted())
		}
		return "", fmt.Errorf("%w (only white space): expected %s", ErrEmpty, Accepted())
	}
	switch trimmed[0] {
	case '{', '[':
	default:
		if !isText(trimmed) {
			return "", fmt.Errorf("input is not text (binary data?): expected %s", Accepted())
		}
		return CSV, nil
	}
	if f := sniffJSON(trimmed); f != "" {
		return f, nil
	}
	// JSON that names none: say what is wrong with it if it is broken,
	// and what was expected if it is not.
	if err := upstream.JSONCheck(trimmed); err != nil {
		return "", fmt.Errorf("input looks like JSON but is malformed: %w; expected %s", err, Accepted())
	}
	var none []string
	for _, src := range answers() {
		a := reader(src).Answer()
		var keys []string
		for _, m := range a.Markers {
			if m.Text {
				keys = append(keys, fmt.Sprintf("%q", m.Keys[0]))
			}
		}
		none = append(none, fmt.Sprintf("%s (no %s)", a.Describe, orList(keys)))
	}
	return "", fmt.Errorf("JSON input is neither %s: expected %s", strings.Join(none, " nor "), Accepted())
}

// orList joins "a", "b" or "c".
func orList(q []string) string {
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// sniffJSON decides from the keys present: the upstream with the
// highest-ranked marker (upstream.Marker) among the top-level keys when
// the document parses; when it does not, the first whose text markers
// appear in it, by rank (so that a truncated Prometheus body gets a
// Prometheus error with a position, not a generic one). A bare empty
// array is zero series of the first upstream.
func sniffJSON(b []byte) Format {
	var keys map[string]json.RawMessage
	parsed := false
	if b[0] == '{' {
		parsed = json.Unmarshal(b, &keys) == nil
	} else {
		var arr []map[string]json.RawMessage
		if parsed = json.Unmarshal(b, &arr) == nil; parsed {
			if len(arr) == 0 {
				if srcs := answers(); len(srcs) > 0 {
					return Format(srcs[0])
				}
				return ""
			}
			keys = arr[0]
		}
	}
	best, rank := Format(""), 0
	for _, src := range answers() {
		for _, m := range reader(src).Answer().Markers {
			if m.Rank <= rank || len(m.Keys) == 0 {
				continue
			}
			has := true
			for _, k := range m.Keys {
				if parsed {
					_, ok := keys[k]
					has = has && ok
				} else {
					has = has && m.Text && len(m.Keys) == 1 && bytes.Contains(b, []byte(`"`+k+`"`))
				}
			}
			if has {
				best, rank = Format(src), m.Rank
			}
		}
	}
	return best
}

func trimBOM(b []byte) []byte {
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
}

// isText reports whether the first bytes look like text: no NUL bytes and
// few control characters.
func isText(b []byte) bool {
	if len(b) > 512 {
		b = b[:512]
	}
	ctl := 0
	for _, c := range b {
		if c == 0 {
			return false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*10 <= len(b)
}

// readAll is io.ReadAll with the error worded for these readers.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	return data, nil
}
