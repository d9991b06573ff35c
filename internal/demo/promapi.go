package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/memshape/memory-datasource/internal/promtest"
	"github.com/memshape/memory-datasource/pkg/series"
)

// Lookback is how far back Prometheus looks for a sample when it evaluates
// a selector at a step (its default --query.lookback-delta).
const Lookback = 5 * time.Minute

// maxPoints is Prometheus' cap on points per series in a range query.
const maxPoints = 11000

// API is an in-process stand-in for a Prometheus server holding ss: it
// answers the HTTP API calls Memory Shape makes — query_range, labels,
// label values, series and buildinfo — for plain series selectors
// (`metric{label="value", other=~"re"}`), selecting samples the way
// Prometheus does (the latest sample within Lookback of each step). It
// exists so that the demo runs the plugin's real query path where no
// Prometheus is installed; anything beyond a selector is answered with
// Prometheus' own error shape and a hint to install Prometheus.
type API struct {
	ss []series.Series
}

// NewAPI serves ss. Each series' samples must be sorted by time.
func NewAPI(ss []series.Series) *API { return &API{ss: ss} }

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "bad_data", err.Error())
		return
	}
	switch p := r.URL.Path; {
	case p == "/api/v1/query_range":
		a.queryRange(w, r)
	case p == "/api/v1/status/buildinfo":
		writeData(w, map[string]string{"version": "in-process demo stand-in", "revision": "", "branch": "", "goVersion": ""})
	case p == "/api/v1/labels":
		a.labels(w, r, "")
	case strings.HasPrefix(p, "/api/v1/label/") && strings.HasSuffix(p, "/values"):
		a.labels(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/api/v1/label/"), "/values"))
	case p == "/api/v1/series":
		a.series(w, r)
	default:
		apiError(w, http.StatusNotFound, "not_found", fmt.Sprintf("the in-process demo Prometheus does not serve %s; for the full API, %s", p, promtest.InstallHint))
	}
}

func writeData(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": typ, "error": msg})
}

// parseTime reads a Prometheus API time: Unix seconds (fractions allowed)
// or RFC 3339.
func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(math.Round(f * 1000))), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// parseStep reads a step: seconds (fractions allowed) or a Go/Prometheus
// duration such as 5m.
func parseStep(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	return time.ParseDuration(s)
}

func (a *API) queryRange(w http.ResponseWriter, r *http.Request) {
	sel, err := ParseSelector(r.Form.Get("query"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_data", err.Error())
		return
	}
	start, err1 := parseTime(r.Form.Get("start"))
	end, err2 := parseTime(r.Form.Get("end"))
	step, err3 := parseStep(r.Form.Get("step"))
	switch {
	case err1 != nil || err2 != nil:
		apiError(w, http.StatusBadRequest, "bad_data", "invalid start or end time")
		return
	case err3 != nil || step <= 0:
		apiError(w, http.StatusBadRequest, "bad_data", "invalid step: want a positive duration")
		return
	case end.Before(start):
		apiError(w, http.StatusBadRequest, "bad_data", "end timestamp must not be before start time")
		return
	case int64(end.Sub(start)/step) >= maxPoints:
		apiError(w, http.StatusBadRequest, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	type sample [2]any
	type result struct {
		Metric map[string]string `json:"metric"`
		Values []sample          `json:"values"`
	}
	results := []result{}
	for _, s := range a.match(sel) {
		var vals []sample
		for t := start; !t.After(end); t = t.Add(step) {
			v, ok := At(s, t)
			if !ok {
				continue
			}
			vals = append(vals, sample{json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), series.FormatValue(v)})
		}
		if len(vals) > 0 {
			results = append(results, result{Metric: s.Labels, Values: vals})
		}
	}
	writeData(w, map[string]any{"resultType": "matrix", "result": results})
}

// At is the value of s a Prometheus selector sees at t: the latest sample
// at or before t and after t − Lookback.
func At(s series.Series, t time.Time) (float64, bool) {
	ms := t.UnixMilli()
	i := sort.Search(len(s.T), func(i int) bool { return s.T[i] > ms }) - 1
	if i < 0 || s.T[i] <= ms-Lookback.Milliseconds() {
		return 0, false
	}
	return s.V[i], true
}

// match returns the series every matcher of sel accepts, sorted by their
// labels as Prometheus sorts them.
func (a *API) match(sel Selector) []series.Series {
	var out []series.Series
	for _, s := range a.ss {
		if sel.Matches(s.Labels) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// matchAll is the series matched by any of the match[] selectors, or
// every series when none is given.
func (a *API) matchAll(w http.ResponseWriter, r *http.Request) ([]series.Series, bool) {
	ms := r.Form["match[]"]
	if len(ms) == 0 {
		return a.ss, true
	}
	seen := map[string]bool{}
	var out []series.Series
	for _, m := range ms {
		sel, err := ParseSelector(m)
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad_data", err.Error())
			return nil, false
		}
		for _, s := range a.match(sel) {
			if !seen[s.Name()] {
				seen[s.Name()] = true
				out = append(out, s)
			}
		}
	}
	return out, true
}

// labels answers /api/v1/labels (name == "") and
// /api/v1/label/<name>/values.
func (a *API) labels(w http.ResponseWriter, r *http.Request, name string) {
	ss, ok := a.matchAll(w, r)
	if !ok {
		return
	}
	set := map[string]bool{}
	for _, s := range ss {
		for k, v := range s.Labels {
			switch {
			case name == "":
				set[k] = true
			case k == name:
				set[v] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	writeData(w, out)
}

func (a *API) series(w http.ResponseWriter, r *http.Request) {
	if len(r.Form["match[]"]) == 0 {
		apiError(w, http.StatusBadRequest, "bad_data", "no match[] parameter provided")
		return
	}
	ss, ok := a.matchAll(w, r)
	if !ok {
		return
	}
	out := make([]map[string]string, len(ss))
	for i, s := range ss {
		out[i] = s.Labels
	}
	writeData(w, out)
}

// Matcher is one label matcher of a selector.
type Matcher struct {
	Name, Op, Value string
	re              *regexp.Regexp
}

// Selector is a PromQL series selector: a list of matchers, the metric
// name being a matcher on __name__.
type Selector []Matcher

// Matches reports whether labels satisfy every matcher (a missing label
// is the empty string, as in Prometheus).
func (s Selector) Matches(labels map[string]string) bool {
	for _, m := range s {
		v := labels[m.Name]
		var ok bool
		switch m.Op {
		case "=":
			ok = v == m.Value
		case "!=":
			ok = v != m.Value
		case "=~":
			ok = m.re.MatchString(v)
		case "!~":
			ok = !m.re.MatchString(v)
		}
		if !ok {
			return false
		}
	}
	return true
}

// ParseSelector reads a series selector: `name`, `name{matchers}` or
// `{matchers}`, with matchers `label op "value"` (op one of = != =~ !~)
// separated by commas.
func ParseSelector(q string) (Selector, error) {
	hint := func(why string) error {
		return fmt.Errorf("the in-process demo Prometheus answers plain series selectors only, such as %s{namespace=\"shop\"} (%s); for full PromQL, %s", MemoryMetric, why, promtest.InstallHint)
	}
	p := strings.TrimSpace(q)
	if p == "" {
		return nil, hint("the query is empty")
	}
	var sel Selector
	i := 0
	for i < len(p) && (p[i] == '_' || p[i] == ':' || unicode.IsLetter(rune(p[i])) || (i > 0 && unicode.IsDigit(rune(p[i])))) {
		i++
	}
	if i > 0 {
		sel = append(sel, Matcher{Name: "__name__", Op: "=", Value: p[:i]})
	}
	rest := strings.TrimSpace(p[i:])
	if rest == "" {
		if len(sel) == 0 {
			return nil, hint("no metric name")
		}
		return sel, nil
	}
	if rest[0] != '{' || rest[len(rest)-1] != '}' {
		return nil, hint(fmt.Sprintf("cannot read %q", rest))
	}
	body := rest[1 : len(rest)-1]
	for {
		body = strings.TrimSpace(body)
		if body == "" {
			break
		}
		j := 0
		for j < len(body) && (body[j] == '_' || unicode.IsLetter(rune(body[j])) || (j > 0 && unicode.IsDigit(rune(body[j])))) {
			j++
		}
		if j == 0 {
			return nil, hint(fmt.Sprintf("expected a label name at %q", body))
		}
		m := Matcher{Name: body[:j]}
		body = strings.TrimSpace(body[j:])
		for _, op := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(body, op) {
				m.Op = op
				break
			}
		}
		if m.Op == "" {
			return nil, hint(fmt.Sprintf("expected =, !=, =~ or !~ after %s", m.Name))
		}
		body = strings.TrimSpace(body[len(m.Op):])
		val, n, err := quoted(body)
		if err != nil {
			return nil, hint(err.Error())
		}
		m.Value = val
		body = strings.TrimSpace(body[n:])
		if m.Op == "=~" || m.Op == "!~" {
			re, err := regexp.Compile("^(?:" + val + ")$")
			if err != nil {
				return nil, fmt.Errorf("invalid regular expression %q in the matcher on %s: %v", val, m.Name, err)
			}
			m.re = re
		}
		sel = append(sel, m)
		if body == "" {
			break
		}
		if body[0] != ',' {
			return nil, hint(fmt.Sprintf("expected a comma at %q", body))
		}
		body = body[1:]
	}
	if len(sel) == 0 {
		return nil, hint("no matchers")
	}
	return sel, nil
}

// quoted reads a quoted string at the start of s ("…", '…' or `…`) and
// returns its value and the number of bytes it took.
func quoted(s string) (string, int, error) {
	if s == "" {
		return "", 0, fmt.Errorf("expected a quoted value")
	}
	q := s[0]
	if q != '"' && q != '\'' && q != '`' {
		return "", 0, fmt.Errorf("expected a quoted value at %q", s)
	}
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			lit := s[:i+1]
			if q == '\'' {
				lit = `"` + strings.ReplaceAll(strings.ReplaceAll(lit[1:i], `\'`, `'`), `"`, `\"`) + `"`
			}
			v, err := strconv.Unquote(lit)
			if err != nil {
				return "", 0, fmt.Errorf("cannot read the quoted value %s", s[:i+1])
			}
			return v, i + 1, nil
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted value %q", s)
}
