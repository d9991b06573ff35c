package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	jsoniter "github.com/json-iterator/go"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Limits caps what one decode may hold; 0 means no cap. The Client fills
// in upstream.DefaultMaxSeries and upstream.DefaultMaxPoints.
type Limits struct {
	MaxSeries int
	MaxPoints int
}

// DecodeOptions tunes DecodeQueryRange.
type DecodeOptions struct {
	Limits
	// Bare accepts, besides the API's envelope, the bodies people save by
	// hand: the bare "data" object, the bare "result" array and a single
	// {"metric":…,"values":…} stream.
	Bare bool
}

// DecodeError says where in a body decoding stopped and why.
type DecodeError struct {
	// Path locates the value: data.result[3].values[17]. A bare result
	// array is named "result", so paths read the same for every form.
	Path string
	Msg  string
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// readBuf is the decoder's window on the body: big enough that numbers
// rarely straddle two reads, small enough not to matter.
const readBuf = 64 << 10

// DecodeQueryRange reads a /api/v1/query_range answer from r in one
// streaming pass, straight into each series' columns: T in Unix
// milliseconds, V as sent (NaN and ±Inf kept). Prometheus' warnings and
// infos become Result.Warnings; native histogram samples are skipped and
// reported there, and a series that has nothing else is left out.
//
// Failures are *upstream.Error: a "status":"error" body keeps Prometheus'
// errorType and message (kind from the type; HTTPStatus is left for the
// caller); a body that is not a well-formed answer is BadResponse with a
// *DecodeError naming where; a result that is not a matrix is BadQuery;
// more series or points than opt allows is TooLarge, found as soon as the
// cap is passed, without reading the rest. An error from r that is an
// *upstream.Error (the body cap) is returned as is.
func DecodeQueryRange(r io.Reader, opt DecodeOptions) (upstream.Result, error) {
	d := newDecoder(r, opt.Limits)
	d.res.Series = []series.Series{}
	var bareKey func(*jsoniter.Iterator, string) bool
	if opt.Bare {
		bareKey = d.queryRangeData
	}
	ok := d.document(bareKey, func() bool { return d.dataObject(d.queryRangeData) })
	if err := d.finish(ok); err != nil {
		return upstream.Result{}, err
	}
	if d.resultType == "" && d.sawResult {
		if d.vectorish {
			return upstream.Result{}, d.wrongType("vector")
		}
		if d.bareForm != "result" && d.bareForm != "stream" {
			return upstream.Result{}, d.badf(d.dataPath(), `resultType is missing (want "matrix")`)
		}
	}
	if d.hist > 0 {
		d.res.Warnings = append(d.res.Warnings, d.histWarning())
	}
	return d.res, nil
}

type decoder struct {
	it   *jsoniter.Iterator
	body *errReader
	lim  Limits

	// err is the first failure we found (the iterator keeps its own).
	err     error
	path    []pathStep
	errPath string // where the iterator first failed

	env        envelope
	res        upstream.Result
	points     int
	resultType string
	sawResult  bool
	vectorish  bool
	bareForm   string // "data", "result" or "stream" when a bare form was read
	sizeHint   int    // points in the previous series: the next one's capacity

	cur     *series.Series
	curHist int
	hist    int // histogram samples skipped
	histSer int // series that had some
	histEx  string

	pointFn func(*jsoniter.Iterator) bool
	histFn  func(*jsoniter.Iterator) bool
}

type pathStep struct {
	key string
	idx int // -1 for a key
}

type envelope struct {
	status, errorType, errorMsg string
	sawData, sawStatus          bool
}

func newDecoder(r io.Reader, lim Limits) *decoder {
	body := &errReader{r: r}
	d := &decoder{body: body, lim: lim, it: jsoniter.Parse(jsoniter.ConfigDefault, body, readBuf)}
	d.pointFn = d.point
	d.histFn = d.histSample
	return d
}

func (d *decoder) push(key string) { d.path = append(d.path, pathStep{key: key, idx: -1}) }
func (d *decoder) pushIdx(i int)   { d.path = append(d.path, pathStep{idx: i}) }
func (d *decoder) setIdx(i int)    { d.path[len(d.path)-1].idx = i }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

// alive says decoding goes on: no failure, and the body has not ended (it
// may only end after the top-level value, which end checks).
func (d *decoder) next() jsoniter.ValueType { return d.it.WhatIsNext() }

// alive says decoding goes on: no failure, and the body has not ended (it
// may only end after the top-level value, which end checks).
func (d *decoder) alive() bool {
	if d.err == nil && d.it.Error == nil {
		return true
	}
	if d.errPath == "" {
		d.errPath = d.pathString()
	}
	return false
}

func (d *decoder) pathString() string {
	var b strings.Builder
	for _, s := range d.path {
		if s.idx >= 0 {
			b.WriteString("[" + strconv.Itoa(s.idx) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// dataPath is where resultType and result live: "data" in an envelope.
func (d *decoder) dataPath() string {
	if d.bareForm != "" {
		return ""
	}
	return "data"
}

func (d *decoder) badf(path, format string, args ...any) *upstream.Error {
	de := &DecodeError{Path: path, Msg: fmt.Sprintf(format, args...)}
	return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadResponse, Msg: de.Error(), Err: de}
}

// fail records a failure at the current path and returns false, so
// callbacks can `return d.fail(…)`.
func (d *decoder) fail(format string, args ...any) bool {
	if d.err == nil {
		d.err = d.badf(d.pathString(), format, args...)
	}
	return false
}

func (d *decoder) failErr(err error) bool {
	if d.err == nil {
		d.err = err
	}
	return false
}

func (d *decoder) wrongType(t string) *upstream.Error {
	de := &DecodeError{Path: d.dataPath(), Msg: "a range query result (matrix) is needed; got " + t}
	return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: de.Msg,
		Hint: "write a PromQL expression that selects series over time, e.g. process_resident_memory_bytes", Err: de}
}

// document reads the one top-level value, the API's envelope. data reads
// the value of its "data" key. bareKey, when not nil, reads the other
// keys of a bare data object or stream (and a bare result array is read
// too); it returns false for keys it does not know.
func (d *decoder) document(bareKey func(it *jsoniter.Iterator, key string) bool, data func() bool) bool {
	it := d.it
	switch d.next() {
	case jsoniter.ObjectValue:
	case jsoniter.ArrayValue:
		if bareKey != nil {
			d.bareForm = "result"
			d.sawResult = true
			d.push("result")
			ok := d.result()
			d.pop()
			return ok && d.end()
		}
		return d.fail("want a JSON object, the Prometheus API's answer, got an array")
	default:
		if it.Error != nil && it.Error != io.EOF {
			return false
		}
		if it.Error == io.EOF {
			return d.fail("the answer is empty")
		}
		return d.fail("want a JSON object, the Prometheus API's answer")
	}
	seen := map[string]bool{}
	ok := it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		if seen[key] {
			return d.fail("duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "status":
			d.env.sawStatus = true
			return d.str(&d.env.status, key)
		case "errorType":
			return d.str(&d.env.errorType, key)
		case "error":
			return d.str(&d.env.errorMsg, key)
		case "warnings", "infos":
			return d.strings(key, &d.res.Warnings)
		case "data":
			d.env.sawData = true
			if d.next() == jsoniter.NilValue {
				it.Skip()
				d.env.sawData = false
				return d.alive()
			}
			d.push("data")
			ok := data()
			d.pop()
			return ok && d.alive()
		}
		if bareKey != nil && bareKey(it, key) {
			return d.alive()
		}
		if d.err != nil {
			return false
		}
		it.Skip()
		return d.alive()
	})
	if !ok || !d.alive() {
		return false
	}
	if !d.end() {
		return false
	}
	return d.checkEnvelope(seen)
}

// end checks that nothing but white space follows the document.
func (d *decoder) end() bool {
	if !d.alive() {
		return false
	}
	t := d.next()
	if d.it.Error == io.EOF && t == jsoniter.InvalidValue {
		return true
	}
	if !d.alive() {
		return false
	}
	d.path = d.path[:0]
	return d.fail("unexpected data after the end of the answer")
}

func (d *decoder) checkEnvelope(seen map[string]bool) bool {
	e := d.env
	switch e.status {
	case "error":
		kind := kindOfType(e.errorType)
		msg := e.errorMsg
		if msg == "" {
			msg = "(no message)"
		}
		return d.failErr(&upstream.Error{Source: upstream.Prometheus, Kind: kind, Type: e.errorType, Msg: msg})
	case "success", "":
	default:
		d.path = d.path[:0]
		return d.fail("unexpected status %q (want \"success\" or \"error\")", e.status)
	}
	if d.bareForm != "" {
		return true
	}
	if !e.sawData && !seen["data"] {
		d.path = d.path[:0]
		return d.fail(`the answer has no "data"`)
	}
	if !e.sawData {
		d.path = d.path[:0]
		return d.fail(`the answer has no "data" (it is null)`)
	}
	return true
}

// kindOfType maps Prometheus' errorType to a Kind.
func kindOfType(t string) upstream.Kind {
	switch t {
	case "bad_data":
		return upstream.BadQuery
	case "timeout":
		return upstream.Timeout
	case "execution":
		return upstream.Execution
	case "not_found":
		return upstream.NotFound
	case "canceled", "internal", "unavailable":
		return upstream.Server
	}
	return upstream.Server
}

func (d *decoder) str(dst *string, key string) bool {
	switch d.next() {
	case jsoniter.StringValue:
		*dst = d.it.ReadString()
		return d.alive()
	case jsoniter.NilValue:
		d.it.Skip()
		return d.alive()
	}
	if !d.alive() {
		return false
	}
	d.push(key)
	return d.fail("want a string")
}

func (d *decoder) strings(key string, dst *[]string) bool {
	if d.next() == jsoniter.NilValue {
		d.it.Skip()
		return d.alive()
	}
	if d.next() != jsoniter.ArrayValue {
		if !d.alive() {
			return false
		}
		d.push(key)
		return d.fail("want an array of strings")
	}
	d.push(key)
	d.pushIdx(0)
	i := 0
	ok := d.it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		d.setIdx(i)
		i++
		if d.next() != jsoniter.StringValue {
			if !d.alive() {
				return false
			}
			return d.fail("want a string")
		}
		*dst = append(*dst, it.ReadString())
		return d.alive()
	})
	d.pop()
	d.pop()
	return ok && d.alive()
}

// dataObject reads the "data" object of query_range, handing each key to
// data.
func (d *decoder) dataObject(data func(it *jsoniter.Iterator, key string) bool) bool {
	if d.next() != jsoniter.ObjectValue {
		if !d.alive() {
			return false
		}
		return d.fail("want an object with resultType and result")
	}
	seen := map[string]bool{}
	return d.it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		if seen[key] {
			return d.fail("duplicate key %q", key)
		}
		seen[key] = true
		if data(it, key) {
			return d.alive()
		}
		if d.err != nil {
			return false
		}
		it.Skip()
		return d.alive()
	}) && d.alive()
}

// queryRangeData handles one key of the data object (or, in bare mode,
// of the top-level object). It returns false for keys it does not know
// (and has not read), and after a failure (d.err set).
func (d *decoder) queryRangeData(it *jsoniter.Iterator, key string) bool {
	top := len(d.path) == 0
	switch key {
	case "resultType":
		if top {
			d.bareForm = "data"
		}
		var t string
		if !d.str(&t, key) {
			return false
		}
		d.resultType = t
		switch t {
		case "matrix":
			return true
		case "vector", "scalar", "string":
			return d.failErr(d.wrongType(t))
		case "":
			return true // reported at the end as missing
		}
		return d.failErr(d.badf(d.pathString(), "unknown resultType %q (want \"matrix\")", t))
	case "result":
		if top {
			d.bareForm = "data"
		}
		d.sawResult = true
		d.push("result")
		ok := d.result()
		d.pop()
		return ok
	case "metric", "values", "histograms", "value", "histogram":
		if !top {
			return false
		}
		// A single bare stream: the whole object is one series.
		if d.bareForm == "" {
			d.bareForm = "stream"
			d.sawResult = true
			d.res.Series = append(d.res.Series, series.Series{Labels: map[string]string{}})
		}
		if d.bareForm != "stream" {
			return d.fail("key %q does not belong beside %s", key, "resultType and result")
		}
		d.cur = &d.res.Series[len(d.res.Series)-1]
		ok := d.streamKey(key)
		if ok && d.curHist > 0 {
			d.noteHist()
		}
		return ok
	}
	return false
}

// result reads the result array: one stream per series.
func (d *decoder) result() bool {
	switch d.next() {
	case jsoniter.NilValue:
		d.it.Skip()
		return d.alive()
	case jsoniter.ArrayValue:
	default:
		if !d.alive() {
			return false
		}
		return d.fail("want an array of series")
	}
	if d.resultType != "" && d.resultType != "matrix" {
		return false
	}
	d.pushIdx(0)
	i := 0
	ok := d.it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		d.setIdx(i)
		i++
		if d.lim.MaxSeries > 0 && i > d.lim.MaxSeries {
			return d.failErr(upstream.TooManySeries(upstream.Prometheus, d.lim.MaxSeries))
		}
		return d.stream()
	})
	d.pop()
	return ok && d.alive()
}

const (
	seenMetric = 1 << iota
	seenValues
	seenHistograms
)

// stream reads one {"metric":{…},"values":[…],"histograms":[…]}.
func (d *decoder) stream() bool {
	if d.next() != jsoniter.ObjectValue {
		if !d.alive() {
			return false
		}
		return d.fail(`want a series object {"metric":{…},"values":[…]}`)
	}
	d.res.Series = append(d.res.Series, series.Series{})
	d.cur = &d.res.Series[len(d.res.Series)-1]
	d.curHist = 0
	var seen int
	ok := d.it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		bit := 0
		switch key {
		case "metric":
			bit = seenMetric
		case "values":
			bit = seenValues
		case "histograms":
			bit = seenHistograms
		}
		if seen&bit != 0 {
			return d.fail("duplicate key %q", key)
		}
		seen |= bit
		return d.streamKey(key)
	})
	if !ok || !d.alive() {
		return false
	}
	s := d.cur
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	if d.curHist > 0 {
		d.noteHist()
		if len(s.T) == 0 {
			// Only histograms: nothing a memory shape can be read from.
			d.res.Series = d.res.Series[:len(d.res.Series)-1]
		}
	}
	return true
}

func (d *decoder) streamKey(key string) bool {
	it := d.it
	switch key {
	case "metric":
		d.push("metric")
		ok := d.labels()
		d.pop()
		return ok
	case "values":
		d.push("values")
		ok := d.values()
		d.pop()
		return ok
	case "histograms":
		d.push("histograms")
		ok := d.histograms()
		d.pop()
		return ok
	case "value", "histogram":
		// An instant vector's sample: the query was not a range query.
		d.vectorish = true
	}
	it.Skip()
	return d.alive()
}

func (d *decoder) labels() bool {
	if d.next() == jsoniter.NilValue {
		return d.skip()
	}
	if d.cur.Labels == nil {
		d.cur.Labels = make(map[string]string, 8)
	}
	return d.labelMap(d.cur.Labels)
}

func (d *decoder) values() bool {
	switch d.next() {
	case jsoniter.NilValue:
		d.it.Skip()
		return d.alive()
	case jsoniter.ArrayValue:
	default:
		if !d.alive() {
			return false
		}
		return d.fail(`want an array of [<unix seconds>, "<value>"] pairs`)
	}
	s := d.cur
	if s.T == nil && d.sizeHint > 0 {
		s.T = make([]int64, 0, d.sizeHint)
		s.V = make([]float64, 0, d.sizeHint)
	}
	d.pushIdx(0)
	ok := d.it.ReadArrayCB(d.pointFn)
	d.pop()
	if len(s.T) > 0 {
		d.sizeHint = len(s.T)
	}
	return ok && d.alive()
}

const wantPair = `want [<unix seconds>, "<value>"]`

// point reads one [<unix seconds>, "<value>"] into the current series.
func (d *decoder) point(it *jsoniter.Iterator) bool {
	s := d.cur
	d.setIdx(len(s.T))
	if it.WhatIsNext() != jsoniter.ArrayValue || !it.ReadArray() {
		if !d.alive() {
			return false
		}
		return d.fail("not a pair (%s)", wantPair)
	}
	if it.WhatIsNext() != jsoniter.NumberValue {
		if !d.alive() {
			return false
		}
		return d.fail("the timestamp is not a number (%s)", wantPair)
	}
	sec := it.ReadFloat64()
	// ReadArray takes "[" for "," too: make sure a comma is next.
	if it.WhatIsNext() != jsoniter.InvalidValue || !it.ReadArray() {
		if !d.alive() {
			return false
		}
		return d.fail("not a pair (%s)", wantPair)
	}
	if it.WhatIsNext() != jsoniter.StringValue {
		if !d.alive() {
			return false
		}
		return d.fail("the value is not a quoted string (%s)", wantPair)
	}
	raw := it.ReadStringAsSlice()
	v, perr := parseValue(raw)
	if perr != nil {
		if !d.alive() {
			return false
		}
		return d.fail("value %q is not a number (%s)", raw, wantPair)
	}
	if it.WhatIsNext() != jsoniter.InvalidValue || it.ReadArray() {
		if !d.alive() {
			return false
		}
		return d.fail("more than two elements (%s)", wantPair)
	}
	if !d.alive() {
		return false
	}
	ms := math.Round(sec * 1000)
	if !(ms > -9e18 && ms < 9e18) {
		return d.fail("timestamp %g is out of range", sec)
	}
	if d.lim.MaxPoints > 0 && d.points >= d.lim.MaxPoints {
		return d.failErr(upstream.TooManyPoints(upstream.Prometheus, d.lim.MaxPoints))
	}
	d.points++
	s.T = append(s.T, int64(ms))
	s.V = append(s.V, v)
	return true
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseValue parses a sample value as Prometheus writes it. A plain
// decimal of at most 15 digits (nearly every memory value) is one exact
// integer divided by an exact power of ten, so the division rounds it
// correctly, as strconv would; anything else goes to strconv.
func parseValue(b []byte) (float64, error) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, frac := 0, -1
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
			continue
		case c == '.' && frac < 0:
			frac = 0
			continue
		}
		digits = 99 // not a plain decimal
		break
	}
	if digits == 0 || digits > 15 || frac == 0 {
		return strconv.ParseFloat(string(b), 64)
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, nil
}

func (d *decoder) histograms() bool {
	switch d.next() {
	case jsoniter.NilValue:
		d.it.Skip()
		return d.alive()
	case jsoniter.ArrayValue:
	default:
		if !d.alive() {
			return false
		}
		return d.fail("want an array of [<unix seconds>, {histogram}] pairs")
	}
	d.pushIdx(0)
	ok := d.it.ReadArrayCB(d.histFn)
	d.pop()
	return ok && d.alive()
}

func (d *decoder) histSample(it *jsoniter.Iterator) bool {
	d.setIdx(d.curHist)
	d.curHist++
	if it.WhatIsNext() != jsoniter.ArrayValue {
		if !d.alive() {
			return false
		}
		return d.fail("not a [<unix seconds>, {histogram}] pair")
	}
	it.Skip()
	return d.alive()
}

func (d *decoder) noteHist() {
	d.hist += d.curHist
	d.histSer++
	if d.histEx == "" {
		d.histEx = d.cur.Name()
	}
	d.curHist = 0
}

func (d *decoder) histWarning() string {
	if d.histSer == 1 {
		return fmt.Sprintf("%s: %d native histogram samples were skipped; memory series must be plain numbers", d.histEx, d.hist)
	}
	return fmt.Sprintf("%d native histogram samples in %d series (e.g. %s) were skipped; memory series must be plain numbers", d.hist, d.histSer, d.histEx)
}

// finish turns the decode's outcome into the error to return, if any.
func (d *decoder) finish(ok bool) error {
	if d.err != nil {
		return d.err
	}
	err := d.it.Error
	if ok && (err == nil || err == io.EOF) {
		return nil
	}
	return d.readError(err)
}

// readError explains an iterator failure: the body reader's own error
// (body cap, broken connection, canceled request) or malformed JSON.
func (d *decoder) readError(err error) error {
	path := d.errPath
	if path == "" {
		path = d.pathString()
	}
	var ue *upstream.Error
	switch {
	case err == nil:
		return d.badf(path, "malformed JSON")
	case errors.As(err, &ue):
		return ue
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || d.body.eof:
		if path == "" {
			return d.badf(path, "the answer ends early (truncated)")
		}
		return d.badf(path, "the answer ends early (truncated) here")
	case errors.Is(err, context.Canceled):
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Canceled, Msg: "the request was canceled while reading the answer", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Timeout, Msg: "no complete answer before the timeout", Hint: timeoutHint, Err: err}
	}
	if d.body != nil && d.body.err != nil && errors.Is(err, d.body.err) {
		// The body reader failed: the connection broke.
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Unreachable, Msg: "the connection broke while reading the answer: " + err.Error(), Err: err}
	}
	return d.badf(path, "malformed JSON: %s", iterMessage(err))
}

// errReader remembers the error its reader gave, so that the iterator's
// own complaints (malformed JSON) are told from the body's (a broken
// connection, the body cap).
type errReader struct {
	r   io.Reader
	err error
	eof bool
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	} else if err != nil {
		e.err = err
	}
	return n, err
}

// iterMessage keeps what the iterator found and a short look at where,
// without its long context dump.
func iterMessage(err error) string {
	s := err.Error()
	if i := strings.Index(s, ", bigger context"); i >= 0 {
		s = s[:i]
	}
	if _, after, ok := strings.Cut(s, ": "); ok {
		s = after
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
