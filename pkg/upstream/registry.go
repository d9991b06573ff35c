package upstream

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Upstream is one kind of upstream — Prometheus, Datadog — as the plugin
// sees it: its name, its own settings (read from the data source's
// jsonData and secureJsonData), the client built from them and its step
// and point rules. What only some upstreams answer (label, metadata,
// variable, ad hoc filter and completion routes) are the small interfaces
// of capabilities.go, which the built Client may implement.
//
// Each upstream package implements Upstream and calls Register once, in
// its init; a program picks its upstreams by importing their packages
// (pkg/upstream/all imports every one Memory Shape ships).
type Upstream interface {
	// Source is its name, as jsonData.upstream holds it.
	Source() Source
	// Title is its name as people write it ("Prometheus").
	Title() string
	// Defaults are the transport settings the data source's shared
	// settings fall back to when they leave them unset.
	Defaults() Defaults
	// Rules are its step and point rules.
	Rules() Rules
	// Schema describes its own settings, for the data source's settings
	// schema (pkg/models/schema/v0alpha1/settings.json).
	Schema() Schema
	// Settings reads and checks its own settings. An error names the
	// setting and the fix, and never holds a secret; an error about one
	// setting is a *SettingError naming it, so that the memshape command
	// can say which of its flags or variables to fix.
	Settings(in Instance) (Settings, error)
}

// Schema describes an upstream's own settings.
type Schema struct {
	// JSONData is a zero value of the struct its Settings reads jsonData
	// into: its fields' json names, types, doc comments and jsonschema
	// tags are the schema of its jsonData keys.
	JSONData any
	// Secure are its secureJsonData keys.
	Secure []SecureKey
}

// SecureKey is a secureJsonData key and what it holds.
type SecureKey struct {
	Key, Description string
}

// Instance is a data source instance's settings as Grafana sends them,
// for an upstream to read its own from.
type Instance struct {
	// URL is the data source's URL field.
	URL string
	// JSONData is the instance's jsonData (valid JSON, possibly empty).
	JSONData json.RawMessage
	// Secure is the instance's decrypted secureJsonData.
	Secure map[string]string
}

// Decode reads the instance's jsonData into v (the fields an upstream
// reads of it); empty jsonData leaves v as it is.
func (in Instance) Decode(v any) error {
	if len(in.JSONData) == 0 {
		return nil
	}
	if err := json.Unmarshal(in.JSONData, v); err != nil {
		return fmt.Errorf("the data source settings (jsonData) are not valid JSON: %v; save the data source settings again", err)
	}
	return nil
}

// Defaults are an upstream's transport defaults.
type Defaults struct {
	// MaxBody caps one answer's bytes (0: no cap on the body).
	MaxBody int64
	// Compression asks for gzip answers.
	Compression bool
}

// Settings are one data source instance's own settings of an upstream,
// read and checked. Its exported fields are what %+v and JSON show of
// it: secrets among them are Secret.
type Settings interface {
	// Header is sent with every request (nil: nothing), e.g. the
	// Authorization of a token from secureJsonData.
	Header() http.Header
	// Echoes are what an upstream that echoes the request shows of the
	// instance's secrets besides the secrets themselves (the Authorization
	// header's value), for redaction.
	Echoes() []string
	// Connect builds the client on c. Its error says which setting to
	// fix (a *SettingError).
	Connect(c Connection) (Client, error)
}

// Connection is what every upstream's client is built on: the HTTP
// client made from Grafana's HTTP settings (auth, TLS, custom headers,
// forwarded identity, Settings.Header) and the shared settings.
type Connection struct {
	// URL is the data source's URL field.
	URL        string
	HTTPClient *http.Client
	// Timeout bounds one upstream request.
	Timeout time.Duration
	// MaxBody caps one answer's bytes (0: none); Compression asks for gzip.
	MaxBody     int64
	Compression bool
	// MaxSeries, MaxPoints and MaxBytes are the caps for queries that set
	// none (0: the client's defaults).
	MaxSeries, MaxPoints int
	MaxBytes             int64
	// Redactor holds the instance's secrets.
	Redactor *Redactor
}

// Rules are an upstream's step and point rules, by which the plugin plans
// what it fetches.
type Rules struct {
	// MaxPointsPerSeries is the most points one series of a panel's range
	// query may have: the panel's step is raised to stay within it.
	MaxPointsPerSeries int
	// Cache says the upstream's answers may be kept and extended by
	// pkg/upstream/cache: an answer at a step depends on the step and its
	// phase, not on the range asked for.
	Cache bool
}

// Step returns the step to use for a range query over [start, end] when
// want is asked for: want rounded to a whole millisecond (1 s when want
// <= 0), raised to the smallest whole second that keeps the query within
// MaxPointsPerSeries (0: no cap). raised reports whether it had to be.
func (r Rules) Step(start, end time.Time, want time.Duration) (step time.Duration, raised bool) {
	rng := end.Sub(start)
	if want <= 0 {
		want = time.Second
	}
	step = want.Round(time.Millisecond)
	if step < time.Millisecond {
		step = time.Millisecond
	}
	if rng <= 0 || r.MaxPointsPerSeries <= 0 {
		return step, false
	}
	if rng/step > time.Duration(r.MaxPointsPerSeries) {
		least := time.Duration(math.Ceil(float64(rng)/float64(r.MaxPointsPerSeries)/float64(time.Second))) * time.Second
		return max(least, step), true
	}
	return step, false
}

// DefaultSource is the upstream of a data source whose settings name
// none: the first Memory Shape had, before there were others.
const DefaultSource Source = Prometheus

var registry = struct {
	sync.RWMutex
	bySource map[Source]Upstream
}{bySource: map[Source]Upstream{}}

// Register makes u known by its Source. Registering a Source twice
// panics: each upstream registers once, in its package's init.
func Register(u Upstream) {
	registry.Lock()
	defer registry.Unlock()
	src := u.Source()
	if src == "" || strings.ToLower(string(src)) != string(src) {
		panic(fmt.Sprintf("upstream.Register: the name %q is not a lower-case name", src))
	}
	if _, dup := registry.bySource[src]; dup {
		panic(fmt.Sprintf("upstream.Register: %q is registered twice", src))
	}
	registry.bySource[src] = u
}

// Lookup is the registered upstream named src.
func Lookup(src Source) (Upstream, bool) {
	registry.RLock()
	defer registry.RUnlock()
	u, ok := registry.bySource[src]
	return u, ok
}

// Sources are the registered upstreams' names: DefaultSource first, the
// others in alphabetical order.
func Sources() []Source {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Source, 0, len(registry.bySource))
	for s := range registry.bySource {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == DefaultSource) != (out[j] == DefaultSource) {
			return out[i] == DefaultSource
		}
		return out[i] < out[j]
	})
	return out
}

// Choices lists the registered upstreams' names for a message:
// "prometheus" or "datadog".
func Choices() string {
	srcs := Sources()
	q := make([]string, len(srcs))
	for i, s := range srcs {
		q[i] = fmt.Sprintf("%q", s)
	}
	switch len(q) {
	case 0:
		return "none (no upstream is registered)"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Secret is a string that never prints: fmt, logs and JSON see
// "[redacted]". Use string(s) only where the value must go on the wire.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `Secret("` + s.String() + `")` }

// MarshalJSON keeps encoding/json from printing the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Unset reports whether a jsonData field is absent, null or "".
func Unset(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "", "null", `""`:
		return true
	}
	return false
}
