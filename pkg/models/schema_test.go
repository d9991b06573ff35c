package models

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/apis/datasource/v0alpha1"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/pluginschema"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/schemabuilder"
	"github.com/invopop/jsonschema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/upstream"
	_ "github.com/memshape/memory-datasource/pkg/upstream/all" // the upstreams whose settings are in the schema
)

// TestSchema writes the query model's and the settings' schemas the way
// Grafana's plugin SDK does for data sources (schemabuilder:
// query.types.json, query.examples.json and settings.json under
// pkg/models/schema/v0alpha1), and fails when the written files were out
// of date (run it again to see it pass). The frontend's types are checked
// against these files (src/querySchema.test.ts, src/settingsSchema.test.ts),
// so each model is defined once, here: the query by QueryModel, the
// settings by JSONData, GrafanaJSONData and each registered upstream's
// own (upstream.Upstream.Schema).
func TestSchema(t *testing.T) {
	b, err := schemabuilder.NewSchemaBuilder(schemabuilder.BuilderOptions{
		PluginID: []string{"memshape-memory-datasource"},
		ScanCode: []schemabuilder.CodePaths{{
			BasePackage: "github.com/memshape/memory-datasource/pkg/models",
			CodePath:    "./",
		}, {
			// AdhocFilter is the upstream package's (models.AdhocFilter is an alias).
			BasePackage: "github.com/memshape/memory-datasource/pkg/upstream",
			CodePath:    "../upstream",
		}},
	})
	require.NoError(t, err)
	b.Reflector().Mapper = func(rt reflect.Type) *jsonschema.Schema {
		switch rt {
		case reflect.TypeFor[json.RawMessage]():
			// groupBy is a mode or a list of label names (workload.ParseBy).
			return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
				{Type: "string", Enum: []any{"auto", "series", "workload"}},
				{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
			}}
		case reflect.TypeFor[Number]():
			return &jsonschema.Schema{Type: "number"}
		}
		return nil
	}
	example := func(name string, q QueryModel) v0alpha1.QueryExample {
		return v0alpha1.QueryExample{Name: name, SaveModel: v0alpha1.AsUnstructured(q)}
	}
	limit := float64(2 << 30)
	require.NoError(t, b.AddQueries([]schemabuilder.QueryTypeInfo{{
		Name:   "default",
		GoType: reflect.TypeFor[QueryModel](),
		Examples: []v0alpha1.QueryExample{
			example("the memory of every container, judged by workload", QueryModel{
				Expr:      `container_memory_working_set_bytes{container!="", container!="POD"}`,
				LimitExpr: `kube_pod_container_resource_limits{resource="memory"}`,
			}),
			example("an alert rule: hours to a 2 GiB limit", QueryModel{
				Expr: `process_resident_memory_bytes{job="api"}`, LimitBytes: &limit,
				Output: string(OutputAlert), AlertValue: string(HoursToLimit),
			}),
		},
	}}))
	require.NoError(t, b.ConfigureSettings(settingsSchema(t, b.Reflector()), nil))
	b.UpdateProviderFiles(t, "v0alpha1", "schema")
}

// settingsSchema is the data source's settings: the URL, and jsonData's
// keys — those every upstream shares (JSONData), Grafana's HTTP settings
// the editor writes (GrafanaJSONData), and each registered upstream's own
// (marked x-upstream) — and the secureJsonData keys.
func settingsSchema(t *testing.T, r *jsonschema.Reflector) *pluginschema.Settings {
	props := map[string]map[string]any{}
	add := func(v any, extra map[string]any) {
		rt := reflect.TypeOf(v)
		if dir, ok := strings.CutPrefix(rt.PkgPath(), module); ok {
			require.NoError(t, r.AddGoComments(rt.PkgPath(), "../../"+dir))
		}
		raw, err := json.Marshal(r.ReflectFromType(rt))
		require.NoError(t, err)
		var s struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		require.NoError(t, json.Unmarshal(raw, &s))
		require.NotEmpty(t, s.Properties, "%s has no jsonData fields", rt)
		for k, p := range s.Properties {
			require.NotContains(t, props, k, "jsonData.%s is defined twice (%s)", k, rt)
			for ek, ev := range extra {
				p[ek] = ev
			}
			props[k] = p
		}
	}
	add(JSONData{}, nil)
	add(GrafanaJSONData{}, map[string]any{"x-grafana": true})
	secure := []pluginschema.SecureValueInfo{}
	for _, k := range GrafanaSecureKeys {
		secure = append(secure, pluginschema.SecureValueInfo{Key: k.Key, Description: k.Description})
	}
	var names []any
	for _, src := range upstream.Sources() {
		u, _ := upstream.Lookup(src)
		names = append(names, string(src))
		s := u.Schema()
		add(s.JSONData, map[string]any{"x-upstream": string(src)})
		for _, k := range s.Secure {
			secure = append(secure, pluginschema.SecureValueInfo{Key: k.Key, Description: u.Title() + ": " + k.Description})
		}
	}
	props["upstream"]["enum"] = names
	for k, v := range settingsDefaults {
		props[k]["default"] = v
	}

	raw, err := json.Marshal(map[string]any{
		"spec": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"url": map[string]any{"type": "string", "description": "The upstream's URL, for the upstreams that have one (Prometheus' server, e.g. http://prometheus:9090)."},
				"jsonData": map[string]any{
					"type": "object", "properties": props,
					// Grafana's HTTP settings write more (httpHeaderName1, …).
					"additionalProperties": true,
				},
			},
		},
		"secureValues": secure,
	})
	require.NoError(t, err)
	var out pluginschema.Settings
	require.NoError(t, json.Unmarshal(raw, &out))
	return &out
}

const module = "github.com/memshape/memory-datasource/"

// settingsDefaults are what LoadSettings takes for unset jsonData keys
// every upstream shares (TestSettingsSchemaDefaults checks them).
var settingsDefaults = map[string]any{
	"upstream":       string(upstream.DefaultSource),
	"timeout":        DefaultTimeout.Seconds(),
	"analysisWindow": "7d",
	"timeInterval":   "15s",
	"maxSeries":      upstream.DefaultMaxSeries,
	"maxPoints":      upstream.DefaultMaxPoints,
	"maxQueryBytes":  upstream.DefaultMaxBytes,
	"cacheBytes":     DefaultCacheBytes,
}

// The schema's defaults are LoadSettings', and its enums the values it
// accepts.
func TestSettingsSchemaDefaults(t *testing.T) {
	empty, err := LoadSettings(backend.DataSourceInstanceSettings{URL: "http://prometheus:9090"})
	require.NoError(t, err)
	assert.Equal(t, empty.Upstream, upstream.Source(settingsDefaults["upstream"].(string)))
	assert.Equal(t, empty.Timeout.Seconds(), settingsDefaults["timeout"])
	w, err := ParseWindow(settingsDefaults["analysisWindow"].(string))
	require.NoError(t, err)
	assert.Equal(t, empty.AnalysisWindow, w)
	assert.Equal(t, empty.ScrapeInterval, 15*time.Second, settingsDefaults["timeInterval"])
	assert.Equal(t, empty.MaxQueryBytes, int64(settingsDefaults["maxQueryBytes"].(int)))
	assert.Equal(t, empty.CacheBytes, int64(settingsDefaults["cacheBytes"].(int)))
	// 0 is the client's default, upstream.DefaultMaxSeries and DefaultMaxPoints.
	assert.Zero(t, empty.MaxSeries)
	assert.Zero(t, empty.MaxPoints)

	// Every value of an enum is accepted; one outside it is refused.
	load := func(jd string) error {
		_, err := LoadSettings(backend.DataSourceInstanceSettings{URL: "http://prometheus:9090", JSONData: json.RawMessage(jd),
			DecryptedSecureJSONData: map[string]string{"datadogApiKey": "k", "datadogAppKey": "k"}})
		return err
	}
	enum := func(v any, field string) []string {
		f, ok := reflect.TypeOf(v).FieldByName(field)
		require.True(t, ok, field)
		var out []string
		for _, part := range strings.Split(f.Tag.Get("jsonschema"), ",") {
			if v, ok := strings.CutPrefix(part, "enum="); ok {
				out = append(out, v)
			}
		}
		require.NotEmpty(t, out, field)
		return out
	}
	for _, w := range enum(JSONData{}, "AnalysisWindow") {
		assert.NoError(t, load(`{"analysisWindow":"`+w+`"}`), w)
	}
	assert.Error(t, load(`{"analysisWindow":"2y"}`))
	for _, src := range upstream.Sources() {
		assert.NoError(t, load(`{"upstream":"`+string(src)+`"}`), src)
	}
	assert.Error(t, load(`{"upstream":"influx"}`))
	// An upstream's own enums (tags on its JSONData's fields).
	for _, src := range upstream.Sources() {
		u, _ := upstream.Lookup(src)
		rt := reflect.TypeOf(u.Schema().JSONData)
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !strings.Contains(f.Tag.Get("jsonschema"), "enum=") {
				continue
			}
			key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			for _, v := range enum(u.Schema().JSONData, f.Name) {
				assert.NoError(t, load(`{"upstream":"`+string(src)+`","`+key+`":"`+v+`"}`), "%s %s", key, v)
			}
			assert.Error(t, load(`{"upstream":"`+string(src)+`","`+key+`":"no-such-value"}`), key)
		}
	}
}

// The enum tags of QueryModel are the lists the backend accepts.
func TestQuerySchemaEnumsAreTheAcceptedValues(t *testing.T) {
	enum := func(field string) []string {
		f, ok := reflect.TypeFor[QueryModel]().FieldByName(field)
		require.True(t, ok, field)
		var out []string
		for _, part := range strings.Split(f.Tag.Get("jsonschema"), ",") {
			if v, ok := strings.CutPrefix(part, "enum="); ok {
				out = append(out, v)
			}
		}
		return out
	}
	strs := func(vs any) []string {
		var out []string
		rv := reflect.ValueOf(vs)
		for i := range rv.Len() {
			out = append(out, rv.Index(i).String())
		}
		return out
	}
	require.Equal(t, strs(Outputs), enum("Output"))
	require.Equal(t, strs(AlertValues), enum("AlertValue"))
	require.Equal(t, Windows, enum("AnalysisWindow"))
	require.Equal(t, strs(AnnotateModes), enum("Annotate"))
	for _, s := range enum("Sensitivity") {
		_, err := shape.ParseSensitivity(s)
		require.NoError(t, err, s)
	}
	require.True(t, slices.Contains(enum("Sensitivity"), "normal"))
}
