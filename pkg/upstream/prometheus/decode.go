package prometheus

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Limits caps what one decode may hold; 0 means no cap. The Client fills
// in upstream.DefaultMaxSeries, DefaultMaxPoints and DefaultMaxBytes.
type Limits struct {
	MaxSeries int
	MaxPoints int
	// MaxBytes caps the memory of the decoded samples and labels (as
	// upstream.BytesPerPoint per value, 8 more per timestamp a series
	// keeps of its own, and the labels).
	MaxBytes int64
}

// Grid is a range query's time column: Start + i×Step (Unix ms) for i in
// [0, N). Series whose samples lie on it one after another, as nearly
// every series of a range query does, share one copy of it as their T
// (so callers must never write to T).
type Grid struct {
	Start, Step int64
	N           int
}

// GridOf is the grid of a range query over [start, end] at step.
func GridOf(start, end time.Time, step time.Duration) Grid {
	s, e, st := start.UnixMilli(), end.UnixMilli(), step.Milliseconds()
	if st <= 0 || e < s {
		return Grid{}
	}
	return Grid{Start: s, Step: st, N: int((e-s)/st) + 1}
}

// DecodeOptions tunes DecodeQueryRange.
type DecodeOptions struct {
	Limits
	// Bare accepts, besides the API's envelope, the bodies people save by
	// hand: the bare "data" object, the bare "result" array and a single
	// {"metric":…,"values":…} stream.
	Bare bool
	// Grid, when its Step is set, is the query's time column: series on
	// it share it instead of holding their own timestamps.
	Grid Grid
	// Reserve, when set, is asked for memory before the decode holds it
	// (every 512 KiB or so); its error ends the decode.
	Reserve func(bytes int64) error
	// column, when set, is Grid's time column, part of a longer query's
	// (a time shard's).
	column []int64
	// Each, when set, is given every series as soon as it is read whole
	// (upstream.Query.Each).
	Each func(i int, s series.Series)
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

// readBuf is the decoder's window on the body.
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
	return decodeQueryRange(r, opt, readBuf)
}

func decodeQueryRange(r io.Reader, opt DecodeOptions, window int) (upstream.Result, error) {
	d := newDecoderWindow(r, opt.Limits, window)
	d.res.Series = []series.Series{}
	if opt.Grid.Step > 0 && opt.Grid.N > 0 {
		d.grid = opt.Grid
		d.sizeHint = opt.Grid.N
	}
	d.stamp.setGrid(d.grid)
	d.reserve = opt.Reserve
	d.column = opt.column
	d.each = opt.Each
	var bareKey func(key []byte) (bool, bool)
	if opt.Bare {
		bareKey = d.queryRangeKey
	}
	ok := d.document(bareKey, func() bool { return d.dataObject(d.queryRangeKey) })
	if ok && d.bareForm == "stream" {
		d.endSeries(d.cur)
	}
	if err := d.finish(ok); err != nil {
		return upstream.Result{}, err
	}
	d.res.Last = d.last
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
	l   *lexer
	lim Limits

	// err is the first failure found.
	err  error
	path []pathStep

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

	// The time column (grid.Step 0: none). While the current series
	// keeps to it (shared), its timestamps are not stored: the next one
	// must be nextT; gridAt is where on the grid its first sample lies.
	grid    Grid
	column  []int64 // the grid's times, made when a series first shares them
	shared  bool
	gridAt  int
	nextT   int64
	stamp   stampText // nextT's text, when the grid is of whole seconds
	maxT    int64     // latest timestamp of the current series, when not shared
	last    int64     // latest timestamp of any series ended so far
	ownT    int       // timestamps held by series of their own
	labelsB int64     // memory of the labels read so far
	// check is the point count at which caps and memory are checked next.
	check    int
	reserve  func(int64) error
	reserved int64
	each     func(int, series.Series)
}

// checkEvery is how many points are read between two checks of memory.
const checkEvery = 1 << 16

// Memory estimates: a series' struct and label map, and one label in it.
const (
	seriesBytes = 160
	labelBytes  = 48
)

type pathStep struct {
	key string
	idx int // -1 for a key
}

type envelope struct {
	status, errorType, errorMsg string
	sawData                     bool
}

func newDecoder(r io.Reader, lim Limits) *decoder { return newDecoderWindow(r, lim, readBuf) }

// newDecoderWindow is newDecoder with a window of the given size (tests
// make it small so that tokens straddle it).
func newDecoderWindow(r io.Reader, lim Limits, window int) *decoder {
	d := &decoder{l: newLexer(r, window), lim: lim}
	d.check = checkEvery
	if lim.MaxPoints > 0 {
		d.check = min(d.check, lim.MaxPoints)
	}
	return d
}

// memory is what the decode holds now: values, own timestamps, labels.
func (d *decoder) memory() int64 {
	own := d.ownT
	if d.cur != nil && !d.shared {
		own += len(d.cur.T)
	}
	return int64(d.points)*upstream.BytesPerPoint + int64(own)*8 + d.labelsB + int64(len(d.res.Series))*seriesBytes
}

// perSeries is the points of one series, as far as can be told: the
// grid's length, or the longest series read so far.
func (d *decoder) perSeries() int {
	if d.grid.N > 0 {
		return d.grid.N
	}
	return max(d.sizeHint, 1)
}

// checkpoint checks the caps on points and memory before the next point
// is added and asks the budget for what was read since the last time. It
// is called when d.points reaches d.check.
func (d *decoder) checkpoint() bool {
	if d.err != nil {
		return false
	}
	if d.lim.MaxPoints > 0 && d.points >= d.lim.MaxPoints {
		return d.failErr(upstream.TooManyPoints(upstream.Prometheus, d.lim.MaxPoints, d.perSeries()))
	}
	if !d.memCheck() {
		return false
	}
	d.check = d.points + checkEvery
	if d.lim.MaxPoints > 0 {
		d.check = min(d.check, d.lim.MaxPoints)
	}
	return true
}

// memCheck holds the decode to its memory cap and reserves what it took
// since the last call.
func (d *decoder) memCheck() bool {
	if d.err != nil {
		return false
	}
	mem := d.memory()
	if d.lim.MaxBytes > 0 && mem > d.lim.MaxBytes {
		n := len(d.res.Series)
		per := int64(d.perSeries())*upstream.BytesPerPoint + seriesBytes
		if n > 0 {
			per += d.labelsB / int64(n)
		}
		return d.failErr(upstream.TooMuchMemory(upstream.Prometheus, d.lim.MaxBytes, per, max(n-1, 0)))
	}
	if d.reserve != nil && mem > d.reserved {
		if err := d.reserve(mem - d.reserved); err != nil {
			return d.failErr(err)
		}
		d.reserved = mem
	}
	return true
}

// beginSeries starts reading a series' samples.
func (d *decoder) beginSeries() {
	d.shared = d.grid.Step > 0
	d.gridAt = 0
	d.nextT = math.MinInt64
	d.maxT = math.MinInt64
}

// offGrid handles a sample at ms that is not the next one on the grid
// while the series still shares it: the first sample of a series places
// it on the grid; any other leaves the grid, and the series gets its
// own timestamps.
func (d *decoder) offGrid(s *series.Series, ms int64) {
	g := d.grid
	n := len(s.V)
	if n == 0 {
		if off := ms - g.Start; off >= 0 && off%g.Step == 0 && off/g.Step < int64(g.N) {
			d.gridAt = int(off / g.Step)
			d.nextT = ms + g.Step
			return
		}
	}
	d.ownTimes(s)
	s.T = append(s.T, ms)
	d.maxT = max(d.maxT, ms)
}

// ownTimes gives a series that shared the grid timestamps of its own.
func (d *decoder) ownTimes(s *series.Series) {
	n := len(s.V)
	s.T = make([]int64, n, max(cap(s.V), n+1))
	for i := range s.T {
		s.T[i] = d.grid.Start + int64(d.gridAt+i)*d.grid.Step
	}
	if n > 0 {
		d.maxT = s.T[n-1]
	}
	d.shared = false
}

// endSeries ends a series' samples: one that kept to the grid gets the
// shared time column as its T.
func (d *decoder) endSeries(s *series.Series) {
	n := len(s.V)
	if d.shared && n > 0 && d.gridAt+n > d.grid.N {
		d.ownTimes(s)
	}
	switch {
	case d.shared && n > 0:
		if d.column == nil {
			d.column = make([]int64, d.grid.N)
			for i := range d.column {
				d.column[i] = d.grid.Start + int64(i)*d.grid.Step
			}
		}
		s.T = d.column[d.gridAt : d.gridAt+n : d.gridAt+n]
		d.last = max(d.last, s.T[n-1])
	case !d.shared:
		d.ownT += len(s.T)
		if len(s.T) > 0 {
			d.last = max(d.last, d.maxT)
		}
	}
	d.shared = false
}

func (d *decoder) push(key string) { d.path = append(d.path, pathStep{key: key, idx: -1}) }
func (d *decoder) pushIdx(i int)   { d.path = append(d.path, pathStep{idx: i}) }
func (d *decoder) setIdx(i int)    { d.path[len(d.path)-1].idx = i }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

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
// readers can `return d.fail(…)`.
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

// syntax records that the body does not go on as JSON should here: it
// ends early, or holds something else than want.
func (d *decoder) syntax(want string) bool {
	c := d.l.ws()
	switch {
	case d.err != nil || d.l.rerr != nil:
		return false
	case d.l.cut || (c == 0 && d.l.pos >= d.l.end):
		if len(d.path) == 0 {
			return d.fail("the answer ends early (truncated)")
		}
		return d.fail("the answer ends early (truncated) here")
	}
	return d.fail("malformed JSON at byte %d: want %s, got %s", d.l.offset(), want, quoteByte(c))
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (d *decoder) wrongType(t string) *upstream.Error {
	de := &DecodeError{Path: d.dataPath(), Msg: "a range query result (matrix) is needed; got " + t}
	return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.BadQuery, Msg: de.Msg,
		Hint: "write a PromQL expression that selects series over time, e.g. process_resident_memory_bytes", Err: de}
}

// object reads an object, handing each key to fn with the lexer at its
// value; fn must read the value. Keys repeated in one object are an
// error (JSON readers disagree on which one wins); fn checks them itself
// when dups is false.
func (d *decoder) object(fn func(key []byte) bool) bool { return d.objectDups(fn, true) }

func (d *decoder) objectDups(fn func(key []byte) bool, dups bool) bool {
	l := d.l
	if !l.accept('{') {
		return d.syntax("'{'")
	}
	if l.accept('}') {
		return true
	}
	var seen []string
	for {
		k, ok := l.str()
		if !ok {
			return d.syntax("a key")
		}
		if dups {
			for _, s := range seen {
				if s == string(k) {
					return d.fail("duplicate key %q", k)
				}
			}
			seen = append(seen, string(k))
		}
		// k is a slice of the window: when the colon is not already in
		// it, reading on slides the window over k, so keep a copy.
		if l.pos < l.end && l.buf[l.pos] == ':' {
			l.pos++
		} else {
			k = append([]byte(nil), k...)
			if !l.accept(':') {
				return d.syntax("':'")
			}
		}
		if !fn(k) {
			return false
		}
		if l.accept(',') {
			continue
		}
		if l.accept('}') {
			return true
		}
		return d.syntax("',' or '}'")
	}
}

// array reads an array, calling fn for each element with the lexer at
// it; fn must read the element.
func (d *decoder) array(fn func(i int) bool) bool {
	l := d.l
	if !l.accept('[') {
		return d.syntax("'['")
	}
	if l.accept(']') {
		return true
	}
	for i := 0; ; i++ {
		if !fn(i) {
			return false
		}
		if l.accept(',') {
			continue
		}
		if l.accept(']') {
			return true
		}
		return d.syntax("',' or ']'")
	}
}

// null consumes null if it comes next.
func (d *decoder) null() bool {
	return d.l.ws() == 'n' && d.l.literal("null")
}

func (d *decoder) skip() bool {
	if d.l.skip(0) {
		return true
	}
	return d.syntax("a JSON value")
}

// str reads a string or null (as "") into dst.
func (d *decoder) str(dst *string, key string) bool {
	if d.null() {
		return true
	}
	if d.l.ws() != '"' {
		if d.l.ws() == 0 {
			return d.syntax("a string")
		}
		d.push(key)
		return d.fail("want a string")
	}
	s, ok := d.l.str()
	if !ok {
		return d.syntax("a string")
	}
	*dst = string(s)
	return true
}

// strings reads an array of strings (or null), at most max (0: any).
func (d *decoder) strings(key string, dst *[]string, limit int) bool {
	if d.null() {
		return true
	}
	if key != "" {
		d.push(key)
		defer d.pop()
	}
	if d.l.ws() != '[' {
		if d.l.ws() == 0 {
			return d.syntax("an array")
		}
		return d.fail("want an array of strings")
	}
	d.pushIdx(0)
	defer d.pop()
	return d.array(func(i int) bool {
		d.setIdx(i)
		if limit > 0 && i >= limit {
			return d.tooMany()
		}
		if d.l.ws() != '"' {
			if d.l.ws() == 0 {
				return d.syntax("a string")
			}
			return d.fail("want a string")
		}
		s, ok := d.l.str()
		if !ok {
			return d.syntax("a string")
		}
		*dst = append(*dst, string(s))
		return true
	})
}

// document reads the one top-level value, the API's envelope. data reads
// the value of its "data" key. bareKey, when not nil, reads the other
// keys of a bare data object or stream (and a bare result array is read
// too); it returns handled=false for keys it does not know, and ok=false
// after a failure.
func (d *decoder) document(bareKey func(key []byte) (handled, ok bool), data func() bool) bool {
	switch d.l.ws() {
	case '{':
	case '[':
		if bareKey != nil {
			d.bareForm = "result"
			d.sawResult = true
			d.push("result")
			ok := d.result()
			d.pop()
			return ok && d.end()
		}
		return d.fail("want a JSON object, the Prometheus API's answer, got an array")
	case 0:
		if d.l.rerr != nil {
			return false
		}
		return d.fail("the answer is empty")
	default:
		return d.fail("want a JSON object, the Prometheus API's answer")
	}
	ok := d.object(func(key []byte) bool {
		switch string(key) {
		case "status":
			return d.str(&d.env.status, "status")
		case "errorType":
			return d.str(&d.env.errorType, "errorType")
		case "error":
			return d.str(&d.env.errorMsg, "error")
		case "warnings", "infos":
			return d.strings(string(key), &d.res.Warnings, 0)
		case "data":
			if d.null() {
				return true
			}
			d.env.sawData = true
			d.push("data")
			ok := data()
			d.pop()
			return ok
		}
		if bareKey != nil {
			if handled, ok := bareKey(key); handled || !ok {
				return ok
			}
		}
		return d.skip()
	})
	return ok && d.end() && d.checkEnvelope()
}

// end checks that nothing but white space follows the document.
func (d *decoder) end() bool {
	if d.l.atEnd() && d.l.rerr == nil {
		return true
	}
	if d.l.rerr != nil {
		return false
	}
	d.path = d.path[:0]
	return d.fail("unexpected data after the end of the answer (byte %d)", d.l.offset())
}

func (d *decoder) checkEnvelope() bool {
	e := d.env
	switch e.status {
	case "error":
		msg := e.errorMsg
		if msg == "" {
			msg = "(no message)"
		}
		return d.failErr(&upstream.Error{Source: upstream.Prometheus, Kind: kindOfType(e.errorType), Type: e.errorType, Msg: msg})
	case "success", "":
	default:
		d.path = d.path[:0]
		return d.fail("unexpected status %q (want \"success\" or \"error\")", e.status)
	}
	if d.bareForm == "" && !e.sawData {
		d.path = d.path[:0]
		return d.fail(`the answer has no "data"`)
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
	}
	return upstream.Server
}

// dataObject reads the "data" object of query_range, handing each key to
// key; unknown keys are skipped.
func (d *decoder) dataObject(key func([]byte) (bool, bool)) bool {
	if d.l.ws() != '{' {
		if d.l.ws() == 0 {
			return d.syntax("an object")
		}
		return d.fail("want an object with resultType and result")
	}
	return d.object(func(k []byte) bool {
		if handled, ok := key(k); handled || !ok {
			return ok
		}
		return d.skip()
	})
}

// queryRangeKey reads one key of the data object (or, in bare mode, of
// the top-level object).
func (d *decoder) queryRangeKey(key []byte) (handled, ok bool) {
	top := len(d.path) == 0
	switch string(key) {
	case "resultType":
		if top {
			d.bareForm = "data"
		}
		var t string
		if !d.str(&t, "resultType") {
			return true, false
		}
		d.resultType = t
		switch t {
		case "matrix", "":
			return true, true
		case "vector", "scalar", "string":
			return true, d.failErr(d.wrongType(t))
		}
		return true, d.failErr(d.badf(d.pathString(), "unknown resultType %q (want \"matrix\")", t))
	case "result":
		if top {
			d.bareForm = "data"
		}
		d.sawResult = true
		d.push("result")
		ok := d.result()
		d.pop()
		return true, ok
	case "metric", "values", "histograms", "value", "histogram":
		if !top {
			return false, true
		}
		// A single bare stream: the whole object is one series.
		if d.bareForm == "" {
			d.bareForm = "stream"
			d.sawResult = true
			d.res.Series = append(d.res.Series, series.Series{Labels: map[string]string{}})
			d.beginSeries()
		}
		if d.bareForm != "stream" {
			return true, d.fail("key %q does not belong beside resultType and result", key)
		}
		d.cur = &d.res.Series[len(d.res.Series)-1]
		ok := d.streamKey(string(key))
		if ok && d.curHist > 0 {
			d.noteHist()
		}
		return true, ok
	}
	return false, true
}

// result reads the result array: one stream per series.
func (d *decoder) result() bool {
	if d.null() {
		return true
	}
	if d.l.ws() != '[' {
		if d.l.ws() == 0 {
			return d.syntax("an array")
		}
		return d.fail("want an array of series")
	}
	d.pushIdx(0)
	ok := d.array(func(i int) bool {
		d.setIdx(i)
		if d.lim.MaxSeries > 0 && i >= d.lim.MaxSeries {
			return d.failErr(upstream.TooManySeries(upstream.Prometheus, d.lim.MaxSeries))
		}
		return d.stream()
	})
	d.pop()
	return ok
}

// stream reads one {"metric":{…},"values":[…],"histograms":[…]}.
func (d *decoder) stream() bool {
	if d.l.ws() != '{' {
		if d.l.ws() == 0 {
			return d.syntax("an object")
		}
		return d.fail(`want a series object {"metric":{…},"values":[…]}`)
	}
	d.res.Series = append(d.res.Series, series.Series{})
	d.cur = &d.res.Series[len(d.res.Series)-1]
	d.curHist = 0
	d.beginSeries()
	if !d.object(func(key []byte) bool { return d.streamKey(string(key)) }) {
		return false
	}
	s := d.cur
	d.endSeries(s)
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	if d.curHist > 0 {
		d.noteHist()
		if len(s.V) == 0 {
			// Only histograms: nothing a memory shape can be read from.
			d.res.Series = d.res.Series[:len(d.res.Series)-1]
			return d.memCheck()
		}
	}
	if d.each != nil {
		d.each(len(d.res.Series)-1, *s)
	}
	return d.memCheck()
}

func (d *decoder) streamKey(key string) bool {
	switch key {
	case "metric":
		d.push("metric")
		defer d.pop()
		if d.null() {
			return true
		}
		if d.cur.Labels == nil {
			d.cur.Labels = make(map[string]string, 8)
		}
		return d.labelMap(d.cur.Labels)
	case "values":
		d.push("values")
		defer d.pop()
		return d.values()
	case "histograms":
		d.push("histograms")
		defer d.pop()
		return d.histograms()
	case "value", "histogram":
		// An instant vector's sample: the query was not a range query.
		d.vectorish = true
	}
	return d.skip()
}

// labelMap reads {"name":"value",…} into l; duplicate names and values
// that are not strings are errors.
func (d *decoder) labelMap(l map[string]string) bool {
	if d.l.ws() != '{' {
		if d.l.ws() == 0 {
			return d.syntax("an object")
		}
		return d.fail("want an object of label names and values")
	}
	return d.objectDups(func(name []byte) bool {
		if _, dup := l[string(name)]; dup {
			return d.fail("duplicate label %q", name)
		}
		n := string(name)
		if d.l.ws() != '"' {
			if d.l.ws() == 0 {
				return d.syntax("a string")
			}
			return d.fail("label %q: want a string value", n)
		}
		v, ok := d.l.str()
		if !ok {
			return d.syntax("a string")
		}
		l[n] = string(v)
		d.labelsB += int64(len(n)+len(v)) + labelBytes
		return true
	}, false)
}

const wantPair = `want [<unix seconds>, "<value>"]`

func (d *decoder) values() bool {
	l := d.l
	if d.null() {
		return true
	}
	if l.ws() != '[' {
		if l.ws() == 0 {
			return d.syntax("an array")
		}
		return d.fail("want an array of [<unix seconds>, \"<value>\"] pairs")
	}
	l.pos++
	s := d.cur
	if s.V == nil && d.sizeHint > 0 {
		s.V = make([]float64, 0, d.sizeHint)
		if !d.shared {
			s.T = make([]int64, 0, d.sizeHint)
		}
	}
	d.pushIdx(0)
	defer d.pop()
	if !l.accept(']') {
		for {
			if d.fastPoints(s) {
				break
			}
			if !d.point(s) {
				return false
			}
			c := l.ws()
			if c == ',' {
				l.pos++
				continue
			}
			if c == ']' {
				l.pos++
				break
			}
			d.setIdx(len(s.V) - 1) // what follows the pair just read
			return d.syntax("',' or ']'")
		}
	}
	if len(s.V) > 0 && d.grid.N == 0 {
		d.sizeHint = len(s.V)
	}
	return true
}

// point reads one [<unix seconds>, "<value>"] into s: the hot path.
func (d *decoder) point(s *series.Series) bool {
	l := d.l
	if !l.accept('[') {
		d.setIdx(len(s.V))
		if l.ws() == 0 {
			return d.syntax("'['")
		}
		return d.fail("not a pair (%s)", wantPair)
	}
	num := l.number()
	if num == nil {
		d.setIdx(len(s.V))
		if c := l.ws(); c == '"' || c == ']' || c == '[' || c == '{' || c == 't' || c == 'f' || c == 'n' {
			return d.fail("the timestamp is not a number (%s)", wantPair)
		}
		return d.syntax("a number")
	}
	ms, ok := parseTimestamp(num)
	if !ok {
		d.setIdx(len(s.V))
		if validNumber(num) {
			return d.fail("timestamp %s is out of range", num)
		}
		return d.fail("timestamp %q is not a number (%s)", num, wantPair)
	}
	if !l.accept(',') {
		d.setIdx(len(s.V))
		if l.ws() == ']' {
			return d.fail("not a pair (%s)", wantPair)
		}
		return d.syntax("','")
	}
	if l.ws() != '"' {
		d.setIdx(len(s.V))
		if l.ws() == 0 {
			return d.syntax("a string")
		}
		return d.fail("the value is not a quoted string (%s)", wantPair)
	}
	raw, ok := l.str()
	if !ok {
		d.setIdx(len(s.V))
		return d.syntax("a string")
	}
	v, err := parseValue(raw)
	if err != nil {
		d.setIdx(len(s.V))
		return d.fail("value %q is not a number (%s)", raw, wantPair)
	}
	if !l.accept(']') {
		d.setIdx(len(s.V))
		if l.ws() == ',' {
			return d.fail("more than two elements (%s)", wantPair)
		}
		return d.syntax("']'")
	}
	if d.points >= d.check && !d.checkpoint() {
		return false
	}
	d.points++
	d.add(s, ms, v)
	return true
}

// add appends one sample: its time only when the series does not keep
// to the grid.
func (d *decoder) add(s *series.Series, ms int64, v float64) {
	switch {
	case !d.shared:
		s.T = append(s.T, ms)
		d.maxT = max(d.maxT, ms)
	case ms == d.nextT:
		d.nextT += d.grid.Step
	default:
		d.offGrid(s, ms)
	}
	s.V = append(s.V, v)
}

// fastPoints reads sample pairs as Prometheus writes them — compact,
// [1700000000.123,"536870912"], values plain decimals — straight from the
// window, and the "," or "]" after each. It stops, having consumed only
// whole pairs, at anything else (white space, NaN, exponents, long
// numbers, the window's end), which point then reads. It reports whether
// it read the array's closing "]".
//
// Digits are read eight at a time (swarDigits): the branches a digit
// loop mispredicts at the end of every number were most of its cost.
// The loop holds its state (the window, the place in it, the values) in
// locals and calls nothing on its common path: Go keeps no register
// across a call, and a field written at one point is loaded again at the
// next.
func (d *decoder) fastPoints(s *series.Series) bool {
	l := d.l
	// The values are appended to a local copy of s.V, written back
	// before anything else looks at s: appending to s.V itself stores
	// its header through s at every point.
	vs := s.V
	// So is the window and the place in it: l.pos stored at every point
	// is loaded again at the next.
	buf, pos := l.buf[:l.end], l.pos
	points := d.points // d.points, written back before checkpoint reads it
	closed := false
	for {
		if len(buf)-pos < fastWindow {
			// The body's last pairs are point's.
			if l.eof {
				break
			}
			l.pos = pos
			ok := l.more(pos)
			buf, pos = l.buf[:l.end], l.pos
			if !ok {
				break
			}
			continue
		}
		b := buf[pos:]
		if b[0] != '[' {
			break
		}
		var ms int64
		var j int
		if h := d.stamp.h; h > 0 && le64(b, 1)&d.stamp.hm == d.stamp.hi && le64(b, 1+h) == d.stamp.lw {
			// The next second on the grid, as expected: its text, the
			// comma and the value's opening quote, compared a word at a
			// time. (The text held is always stamp.t's, expected or not.)
			ms = d.stamp.t
			j = h + 9
		} else {
			// Seconds: 1 to 15 digits, no leading zero; up to three
			// decimals.
			sec, n := digits16(b[1:])
			if n == 0 || n > 15 || (n > 1 && b[1] == '0') {
				break
			}
			j = 1 + n
			ms = int64(sec) * 1000
			if b[j] == '.' {
				f, fn := swarDigits(le64(b, j+1))
				if fn == 0 || fn > 3 {
					break
				}
				ms += int64(f) * int64(msScale[fn])
				j += 1 + fn
			}
			if b[j] != ',' || b[j+1] != '"' {
				break
			}
			j += 2
		}
		// Value: an optional minus, digits, an optional fraction; 15
		// digits at most in all.
		neg := b[j] == '-'
		if neg {
			j++
		}
		// Its digits, as digits16 reads them (16: 16 or more), but with
		// no call, which would spill every register the loop holds; a
		// full first word (a memory series' bytes: 10 MB and up) is read
		// without a shift.
		var mant uint64
		var in int
		if x := le64(b, j); notDigits(x) == 0 {
			lo, m := swarDigits(le64(b, j+8))
			mant, in = eightDigits(x)*pow10u[m]+lo, 8+m
		} else {
			mant, in = swarDigits(x)
		}
		j += in
		// The bytes after the digits: for a whole number (a byte count,
		// the common case) the closing `"]` and the separator, compared
		// in one word without the fraction's branches.
		end := le64(b, j)
		var v float64
		if uint16(end) == '"'|']'<<8 && in > 0 && in <= 15 {
			v = float64(mant)
		} else {
			if b[j] != '.' {
				break
			}
			f, fn := digits16(b[j+1:])
			if fn == 0 || in+fn > 15 {
				break
			}
			j += 1 + fn
			end = le64(b, j)
			if uint16(end) != '"'|']'<<8 {
				break
			}
			v = float64(mant*pow10u[fn]+f) / pow10[fn]
		}
		if neg {
			v = -v
		}
		sep := byte(end >> 16)
		if sep != ',' && sep != ']' {
			break
		}
		if points >= d.check {
			d.points = points
			if !d.checkpoint() {
				break
			}
		}
		points++
		if d.shared && ms == d.nextT {
			d.nextT += d.grid.Step
			if !d.stamp.advance(d.nextT) {
				d.stamp.reset(d.nextT)
			}
		} else if d.shared {
			s.V = vs
			d.offGrid(s, ms)
			d.stamp.reset(d.nextT)
		} else {
			s.T = append(s.T, ms)
			d.maxT = max(d.maxT, ms)
		}
		vs = append(vs, v)
		pos += j + 3
		if sep == ']' {
			closed = true
			break
		}
	}
	l.pos = pos
	s.V = vs
	d.points = points
	return closed
}

// stampText is the text Prometheus writes for the next timestamp on a
// grid of whole seconds — "<seconds>," in strconv's shortest form of a
// whole float, as Prometheus formats it — so that fastPoints compares
// two words instead of reading digits. The seconds' text is held as its
// high digits (all but the last six, the same for many steps) and the
// last six with the comma and the value's opening quote after them: a
// word each. Moving on by a step
// adds the step to the last six in decimal, all six digits at once
// (stepDigits); anything else (a grid of fractions, a timestamp off it,
// before 1970-01-12 or past 5138, a step of 11 days or more) leaves it
// unset (h 0) and the digits are read.
type stampText struct {
	t     int64  // the timestamp (ms) the text is for, when h > 0
	h     int    // bytes of the high digits, 1 to 8; 0: no text held
	hi    uint64 // the high digits, masked by hm
	hm    uint64
	lo    uint64 // the last six digits' values, the last in the lowest byte
	lw    uint64 // their text, the comma and the quote: eight bytes
	step  int64  // the grid's step (ms); 0 when not whole seconds
	steps uint64 // the step's seconds, laid out as lo
}

// setGrid readies the text for a grid; only whole seconds have one.
func (st *stampText) setGrid(g Grid) {
	*st = stampText{}
	if g.Step > 0 && g.Step%1000 == 0 && g.Start%1000 == 0 && g.Step < 1e9 {
		st.step = g.Step
		st.steps = digitLanes(g.Step / 1000)
	}
}

// digitLanes lays v (< 10^6) out as six decimal digits a byte each, the
// last digit in the lowest byte.
func digitLanes(v int64) uint64 {
	var w uint64
	for i := 0; i < 6; i++ {
		w |= uint64(v%10) << (8 * i)
		v /= 10
	}
	return w
}

// advance makes the text that of t when t is one step after the text
// held and only the last six digits change, and reports whether it did.
// It has no call, so that fastPoints, which calls it at every point,
// gets it inlined.
func (st *stampText) advance(t int64) bool {
	// Each digit lane gets 246 more, so that one of 10 or more carries
	// into the next as integer addition does; the lanes that did not
	// carry (their top bit set) give the 246 back. Past 999999 (x>>48
	// not 0) the high digits change.
	const lanes, top = 0x0000_F6F6_F6F6_F6F6, 0x0000_8080_8080_8080
	x := st.lo + st.steps + lanes
	if st.h == 0 || t != st.t+st.step || x>>48 != 0 {
		return false
	}
	x -= (x & top) >> 7 * 0xF6
	st.t = t
	st.lo = x
	st.lw = lowText(x)
	return true
}

// lowText is the text of the last six digits, a comma and a quote.
func lowText(lo uint64) uint64 {
	return bits.ReverseBytes64(lo)>>16 | 0x222C_3030_3030_3030
}

// reset makes the text of t anew.
func (st *stampText) reset(t int64) {
	st.h = 0
	st.t = t
	if st.step == 0 || t%1000 != 0 || t < 1e9 || t >= 1e17 {
		return
	}
	sec := t / 1000
	var txt [8]byte
	st.h = len(strconv.AppendInt(txt[:0], sec/1e6, 10))
	st.hm = ^uint64(0) >> (64 - 8*st.h)
	st.hi = le64(txt[:], 0) & st.hm
	st.lo = digitLanes(sec % 1e6)
	st.lw = lowText(st.lo)
}

// fastWindow is what fastPoints wants ahead of it: the longest pair it
// reads (15 + 4 + 3 + 1 + 16 + 1 + 16 + 3 bytes) and the 16 bytes its
// last digit read may look at.
const fastWindow = 96

// msScale turns 1 to 3 decimals of a second into milliseconds.
var msScale = [4]int{1, 100, 10, 1}

// pow10u holds the powers of ten up to 10^16.
var pow10u = [17]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16}

// le64 reads the 8 bytes at b[i:], the first in the lowest. Sliced to
// a length and capacity of 8, one bounds check covers the read (b[i:]
// takes two, and a mask for an empty result).
func le64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i : i+8 : i+8]) }

// swarDigits returns the value and count of the ASCII digits that begin
// x (eight bytes, the first in the lowest), all eight at once: a byte is
// a digit when its high nibble is 3 and stays 3 after adding 6.
func swarDigits(x uint64) (uint64, int) {
	n := bits.TrailingZeros64(notDigits(x)) / 8
	if n == 0 {
		return 0, 0
	}
	// Keep the n digits, moved to the top: the bytes below read as
	// leading zeros.
	return eightDigits(x << (8 * uint(8-n))), n
}

// digits16 reads up to 16 leading digits of b (which must hold 17 bytes)
// and returns their value and count; 17 means more than 16. Both words
// are classified at once, and the eight digits of a full first word are
// read without a shift. (fastPoints reads a value's digits the same way
// in its own body, to save the call.)
func digits16(b []byte) (uint64, int) {
	x, y := le64(b, 0), le64(b, 8)
	nx, ny := notDigits(x), notDigits(y)
	if nx != 0 {
		n := bits.TrailingZeros64(nx) / 8
		if n == 0 {
			return 0, 0
		}
		return eightDigits(x << (8 * uint(8-n))), n
	}
	m := bits.TrailingZeros64(ny) / 8
	if m == 8 && b[16]-'0' < 10 {
		return 0, 17
	}
	v := eightDigits(x)
	if m == 0 {
		return v, 8
	}
	return v*pow10u[m] + eightDigits(y<<(8*uint(8-m))), 8 + m
}

// notDigits marks (with bits set in it) each byte of x (eight bytes, the first
// in the lowest) that is not an ASCII digit: one whose high nibble is not
// 3, or is not 3 after adding 6.
func notDigits(x uint64) uint64 {
	const (
		hi   = 0xF0F0F0F0F0F0F0F0
		zero = 0x3030303030303030
		six  = 0x0606060606060606
	)
	return ((x & hi) ^ zero) | (((x + six) & hi) ^ zero)
}

// eightDigits is the value of eight ASCII digits, the first in the
// lowest byte (bytes shifted in below the digits read as zeros).
func eightDigits(x uint64) uint64 {
	x = (x & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8
	x = (x & 0x00FF00FF00FF00FF) * 6553601 >> 16
	return (x & 0x0000FFFF0000FFFF) * 42949672960001 >> 32
}

// parseTimestamp turns Unix seconds, as Prometheus writes them (whole
// seconds and up to three decimals), into exact milliseconds; other
// numbers are rounded to the millisecond.
func parseTimestamp(b []byte) (int64, bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var sec int64
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 15 {
		sec = sec*10 + int64(b[i]-'0')
		i++
	}
	digits := i - start
	if digits > 0 && digits < 15 && !(digits > 1 && b[start] == '0') {
		ms, nf := int64(0), 0
		if i < len(b) && b[i] == '.' {
			i++
			for i < len(b) && b[i] >= '0' && b[i] <= '9' && nf < 3 {
				ms = ms*10 + int64(b[i]-'0')
				i++
				nf++
			}
			if nf == 0 {
				i = -1 // "1." is not a number
			}
			for ; nf < 3; nf++ {
				ms *= 10
			}
		}
		if i == len(b) {
			t := sec*1000 + ms
			if neg {
				t = -t
			}
			return t, true
		}
	}
	if !validNumber(b) {
		return 0, false
	}
	f, err := parseValue(b)
	if err != nil {
		return 0, false
	}
	ms := math.Round(f * 1000)
	if !(ms > -9e18 && ms < 9e18) {
		return 0, false
	}
	return int64(ms), true
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// errNotNumber is parseValue's one error: no allocation on any path.
var errNotNumber = errors.New("not a number")

// parseValue parses a sample value as Prometheus writes it ('f' format,
// 'e' below 1e-6 and from 1e21, NaN, +Inf, -Inf) without allocating. A
// decimal of at most 15 significant digits whose power of ten is at most
// 22 away (nearly every memory value) is one exact integer multiplied or
// divided by an exact power of ten, so the one rounding is correct, as
// strconv's; anything else (17-digit averages, say) goes to strconv,
// reading the bytes in place.
func parseValue(b []byte) (float64, error) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, frac := 0, -1
loop:
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			break loop
		}
	}
	exp := 0
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') && digits > 0 {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		en := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && en < 4; i++ {
			exp = exp*10 + int(b[i]-'0')
			en++
		}
		if en == 0 || en == 4 {
			digits = 99 // malformed or far out: strconv says which
		}
		if eneg {
			exp = -exp
		}
	}
	if i == len(b) && digits > 0 && digits <= 15 && frac != 0 {
		e := exp - max(frac, 0)
		if e >= -22 && e <= 22 {
			f := float64(mant)
			if e < 0 {
				f /= pow10[-e]
			} else if e > 0 {
				f *= pow10[e]
			}
			if neg {
				f = -f
			}
			return f, nil
		}
	}
	switch string(b) { // compared in place, no allocation
	case "NaN":
		return math.NaN(), nil
	case "+Inf", "Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	}
	if len(b) == 0 {
		return 0, errNotNumber
	}
	// strconv copies the text into its error, never keeping b.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil {
		return 0, errNotNumber
	}
	return f, nil
}

func (d *decoder) histograms() bool {
	if d.null() {
		return true
	}
	if d.l.ws() != '[' {
		if d.l.ws() == 0 {
			return d.syntax("an array")
		}
		return d.fail("want an array of [<unix seconds>, {histogram}] pairs")
	}
	d.pushIdx(0)
	defer d.pop()
	return d.array(func(i int) bool {
		d.setIdx(i)
		d.curHist++
		if d.l.ws() != '[' {
			if d.l.ws() == 0 {
				return d.syntax("'['")
			}
			return d.fail("not a [<unix seconds>, {histogram}] pair")
		}
		return d.skip()
	})
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

// finish turns the decode's outcome into the error to return, if any:
// the body reader's own failure first (the body cap, a broken
// connection), since what the decode saw then is only its consequence.
func (d *decoder) finish(ok bool) error {
	if err := d.l.rerr; err != nil {
		var ue *upstream.Error
		switch {
		case errors.As(err, &ue):
			return ue
		case errors.Is(err, context.Canceled):
			return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Canceled, Msg: "the request was canceled while reading the answer", Err: err}
		case errors.Is(err, context.DeadlineExceeded):
			return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Timeout, Msg: "no complete answer before the timeout", Hint: timeoutHint, Err: err}
		}
		return &upstream.Error{Source: upstream.Prometheus, Kind: upstream.Unreachable, Msg: "the connection broke while reading the answer: " + err.Error(), Err: err}
	}
	if d.err != nil {
		return d.err
	}
	if !ok {
		return d.badf(d.pathString(), "malformed JSON at byte %d", d.l.offset())
	}
	return nil
}
