package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/memshape/memory-datasource/pkg/series"
)

// AnswerReader is an optional interface of an Upstream whose answers
// people save to files (curl … > answer.json): pkg/input recognises such
// a body by the Answer's markers and reads it with ReadAnswer.
type AnswerReader interface {
	// Answer describes the body the upstream answers a range query with.
	Answer() Answer
	// ReadAnswer reads a body that starts, after white space and a byte
	// order mark, with '{' or '['. Series have T in Unix milliseconds and
	// V as given (NaN, gaps and repeats kept). An error is in the
	// upstream's own words (its error body quoted, or where the body is
	// wrong), and says "the <name> answer" rather than which file.
	ReadAnswer(body []byte) ([]series.Series, error)
}

// Answer describes an upstream's answer body.
type Answer struct {
	// Describe names the body for messages: "a Prometheus
	// /api/v1/query_range JSON response".
	Describe string
	// Markers are what tells the body from others'.
	Markers []Marker
}

// Marker is a sign that a JSON body is an upstream's answer: its Keys
// are all among the top-level keys (of a bare array's first element).
// Of the upstreams whose markers a body has, the one with the highest
// Rank reads it; a tie goes to the upstream listed first by Sources.
type Marker struct {
	Keys []string
	Rank int
	// Text says a body that does not parse (a truncated file) is the
	// upstream's when "Key" appears in its text (one key only), so that
	// its reader says where it breaks.
	Text bool
}

// JSONCheck returns nil for well-formed JSON and otherwise an error that
// gives the line, column and byte offset of the problem.
func JSONCheck(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return JSONError(b, err)
	}
	return nil
}

// JSONError turns an encoding/json error about doc into one that says
// where in doc the problem is: "malformed JSON at line 2, column 12 (byte
// 20): …".
func JSONError(doc []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := syn.Offset
		if strings.HasPrefix(syn.Error(), "invalid character") {
			off-- // Offset counts the bad character itself
		}
		return fmt.Errorf("malformed JSON at %s: %s", position(doc, off), syn.Error())
	case errors.As(err, &typ):
		field := ""
		if typ.Field != "" {
			field = " in field " + typ.Field
		}
		return fmt.Errorf("unexpected JSON %s%s at %s (want %s)", typ.Value, field, position(doc, typ.Offset), typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("malformed JSON at %s: unexpected end of input", position(doc, int64(len(doc))))
	}
	return err
}

// position renders a byte offset as "line L, column C (byte N)".
func position(b []byte, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("line %d, column %d (byte %d)", line, col, off)
}

// Snippet quotes at most n bytes of b for an error message.
func Snippet(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
