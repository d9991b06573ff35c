// Package thirdupstream is an upstream Memory Shape does not ship,
// written as a new upstream would be, to show (and test) that one package
// and one registration line are all a third upstream takes:
//
//	upstream.Register(thirdupstream.Upstream{})
//
// It answers range queries from the fixture's week of memory series
// (internal/fixture), held in memory. Its query language is a list of
// label matchers, key=value joined by commas ("namespace=prod,
// service=leak-1"; empty: every series); its settings are a metric name
// in jsonData.metric and a required token in secureJsonData.token; its
// rules cap a panel at MaxPointsPerSeries points per series. It has
// none of the optional capabilities of the plugin's routes (label, tag,
// filter APIs); it has a memshape flag (--memory METRIC, the token from
// MEMSHAPE_MEMORY_TOKEN: upstream.CommandLine) and a file format of its
// answers (upstream.AnswerReader: {"memory":[{"labels":{…},"t":[…],
// "v":[…]}]}), so that the command queries it and reads its files with no
// change of its own.
package thirdupstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/memshape/memory-datasource/internal/fixture"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Source is the upstream's name.
const Source upstream.Source = "memory"

// MaxPointsPerSeries is its cap on a panel's points per series.
const MaxPointsPerSeries = 500

// Upstream is the in-memory upstream.
type Upstream struct{}

var (
	_ upstream.Upstream     = Upstream{}
	_ upstream.CommandLiner = Upstream{}
	_ upstream.AnswerReader = Upstream{}
)

// Source is "memory".
func (Upstream) Source() upstream.Source { return Source }

// Title is "In-memory fixture".
func (Upstream) Title() string { return "In-memory fixture" }

// Defaults are none: nothing goes over HTTP.
func (Upstream) Defaults() upstream.Defaults { return upstream.Defaults{} }

// Rules are MaxPointsPerSeries and no cache.
func (Upstream) Rules() upstream.Rules {
	return upstream.Rules{MaxPointsPerSeries: MaxPointsPerSeries}
}

// Settings are its own settings.
type Settings struct {
	// Metric is the series' __name__ it serves (jsonData.metric; default
	// the fixture's).
	Metric string
	// Token must be set (secureJsonData.token); it is never shown.
	Token upstream.Secret
}

// JSONData is its own jsonData.
type JSONData struct {
	// Metric is the series' __name__ it serves (default the fixture's).
	Metric string `json:"metric,omitempty"`
}

// Schema is JSONData and the token.
func (Upstream) Schema() upstream.Schema {
	return upstream.Schema{JSONData: JSONData{}, Secure: []upstream.SecureKey{{Key: "token", Description: "the token (required)"}}}
}

// Settings reads jsonData.metric and secureJsonData.token.
func (Upstream) Settings(in upstream.Instance) (upstream.Settings, error) {
	var jd JSONData
	if err := in.Decode(&jd); err != nil {
		return nil, err
	}
	s := &Settings{Metric: strings.TrimSpace(jd.Metric), Token: upstream.Secret(in.Secure["token"])}
	if s.Metric == "" {
		s.Metric = fixture.Metric
	}
	if s.Token == "" {
		return nil, &upstream.SettingError{Key: "token", Err: errors.New("the in-memory upstream's token is missing"), Fix: "set it in the data source settings"}
	}
	return s, nil
}

// Header is nil: nothing goes over HTTP.
func (s *Settings) Header() http.Header { return nil }

// Echoes is nil.
func (s *Settings) Echoes() []string { return nil }

// Connect builds the client over the fixture's series of the metric.
func (s *Settings) Connect(c upstream.Connection) (upstream.Client, error) {
	cl := &Client{maxSeries: c.MaxSeries}
	for _, ss := range fixture.Series() {
		if ss.Labels["__name__"] == s.Metric {
			cl.all = append(cl.all, ss)
		}
	}
	return cl, nil
}

// Client answers from series held in memory.
type Client struct {
	all       []series.Series
	maxSeries int
}

// Source is "memory".
func (c *Client) Source() upstream.Source { return Source }

// Health says how many series it holds.
func (c *Client) Health(context.Context) (string, error) {
	return fmt.Sprintf("Connected to the in-memory fixture: %d series", len(c.all)), nil
}

// QueryRange gives the series matching q.Expr, one sample per step from
// q.Start to q.End: the latest at or before the step's time, within 5
// minutes (as Prometheus looks back).
func (c *Client) QueryRange(ctx context.Context, q upstream.Query) (upstream.Result, error) {
	if err := ctx.Err(); err != nil {
		return upstream.Result{}, err
	}
	match, err := parse(q.Expr)
	if err != nil {
		return upstream.Result{}, &upstream.Error{Source: Source, Kind: upstream.BadQuery, Msg: err.Error(), Hint: "write key=value matchers joined by commas"}
	}
	step := q.Step.Milliseconds()
	if step <= 0 {
		return upstream.Result{}, &upstream.Error{Source: Source, Kind: upstream.BadQuery, Msg: "the step is not positive"}
	}
	var out upstream.Result
	for _, s := range c.all {
		if !match(s.Labels) {
			continue
		}
		if c.maxSeries > 0 && len(out.Series) == c.maxSeries {
			return upstream.Result{}, upstream.TooManySeries(Source, c.maxSeries)
		}
		got := series.Series{Labels: s.Labels}
		i := 0
		for t := q.Start.UnixMilli(); t <= q.End.UnixMilli(); t += step {
			for i+1 < len(s.T) && s.T[i+1] <= t {
				i++
			}
			if len(s.T) > 0 && s.T[i] <= t && t-s.T[i] <= 5*60*1000 {
				got.T = append(got.T, t)
				got.V = append(got.V, s.V[i])
			}
		}
		if len(got.T) > 0 {
			out.Series = append(out.Series, got)
		}
	}
	return out, nil
}

// parse reads key=value matchers joined by commas.
func parse(expr string) (func(map[string]string) bool, error) {
	want := map[string]string{}
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not a key=value matcher", part)
		}
		want[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return func(l map[string]string) bool {
		for k, v := range want {
			if l[k] != v {
				return false
			}
		}
		return true
	}, nil
}

// TokenVar is the environment variable memshape reads its token from.
const TokenVar = "MEMSHAPE_MEMORY_TOKEN"

// CommandLine is memshape's --memory METRIC, the token from TokenVar.
func (Upstream) CommandLine() upstream.CommandLine {
	return upstream.CommandLine{
		Flag: "memory", Arg: "METRIC", Setting: "metric",
		Usage: "the in-memory fixture's series of METRIC; the token is read from " + TokenVar,
		Query: "key=value matchers",
		Env:   []upstream.EnvSecret{{Var: TokenVar, Key: "token", What: "the token"}},
	}
}

// Answer is {"memory":[…]}.
func (Upstream) Answer() upstream.Answer {
	return upstream.Answer{
		Describe: `an in-memory fixture answer ({"memory":[…]})`,
		Markers:  []upstream.Marker{{Keys: []string{"memory"}, Rank: 3, Text: true}},
	}
}

// answer is its answer's body.
type answer struct {
	Memory []struct {
		Labels map[string]string `json:"labels"`
		T      []int64           `json:"t"`
		V      []float64         `json:"v"`
	} `json:"memory"`
}

// ReadAnswer reads {"memory":[{"labels":{…},"t":[ms…],"v":[…]}]}.
func (Upstream) ReadAnswer(body []byte) ([]series.Series, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("memory: %w", upstream.JSONError(body, err))
	}
	out := make([]series.Series, len(a.Memory))
	for i, m := range a.Memory {
		if len(m.T) != len(m.V) {
			return nil, fmt.Errorf("memory: memory[%d] has %d times and %d values", i, len(m.T), len(m.V))
		}
		out[i] = series.Series{Labels: m.Labels, T: m.T, V: m.V}
	}
	return out, nil
}

// WriteAnswer writes ss as its answer's body.
func WriteAnswer(ss []series.Series) ([]byte, error) {
	var a answer
	for _, s := range ss {
		a.Memory = append(a.Memory, struct {
			Labels map[string]string `json:"labels"`
			T      []int64           `json:"t"`
			V      []float64         `json:"v"`
		}{s.Labels, s.T, s.V})
	}
	return json.Marshal(a)
}
