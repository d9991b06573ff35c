package models

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/experimental/apis/datasource/v0alpha1"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/schemabuilder"
	"github.com/invopop/jsonschema"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// TestQuerySchema writes the query model's schema the way Grafana's plugin
// SDK does for data sources (schemabuilder: query.types.json and
// query.examples.json under pkg/models/schema/v0alpha1), and fails when
// the written files were out of date (run it again to see it pass). The
// frontend's types are checked against these files (src/querySchema.test.ts),
// so the model is defined once, here.
func TestQuerySchema(t *testing.T) {
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
	// groupBy is a mode or a list of label names (workload.ParseBy).
	b.Reflector().Mapper = func(rt reflect.Type) *jsonschema.Schema {
		if rt != reflect.TypeFor[json.RawMessage]() {
			return nil
		}
		return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
			{Type: "string", Enum: []any{"auto", "series", "workload"}},
			{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
		}}
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
	b.UpdateProviderFiles(t, "v0alpha1", "schema")
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
