package upstream_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

const module = "github.com/memshape/memory-datasource/"

// TestQueryPathNamesNoUpstream reads the non-test Go files of pkg/plugin,
// pkg/frames and pkg/models: they import no upstream package (only
// pkg/upstream, and the cache that decorates any upstream) and name
// none of the upstreams' Sources. A third upstream is its own package
// and one registration line (pkg/upstream/all).
func TestQueryPathNamesNoUpstream(t *testing.T) {
	namesNoUpstream(t, []string{"../plugin", "../frames", "../models"},
		module+"pkg/upstream", module+"pkg/upstream/cache")
}

// TestCommandNamesNoUpstream holds the memshape command and pkg/input,
// which reads the upstreams' saved answers, to the same: they reach the
// upstreams through the registry (their flags, settings, clients and
// file formats: upstream.CommandLiner, upstream.AnswerReader), and
// import them only by the registration of pkg/upstream/all. A third
// upstream works in the command with no change to it
// (TestThirdUpstreamFromTheCommandLine in cmd/memshape).
func TestCommandNamesNoUpstream(t *testing.T) {
	namesNoUpstream(t, []string{"../../cmd/memshape", "../input"},
		module+"pkg/upstream", module+"pkg/upstream/all")
}

// namesNoUpstream fails on a non-test Go file in dirs that imports an
// upstream package other than allowed (pkg/upstream/all only for its
// registrations: a blank import), or that names upstream.Prometheus or
// upstream.Datadog.
func namesNoUpstream(t *testing.T, dirs []string, allowed ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, dir)
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
			require.NoError(t, err)
			upstreamName := "upstream"
			for _, imp := range f.Imports {
				p, err := strconv.Unquote(imp.Path.Value)
				require.NoError(t, err)
				if strings.HasPrefix(p, module+"internal/thirdupstream") || strings.HasPrefix(p, module+"pkg/upstream") {
					assert.True(t, ok[p], "%s imports the upstream package %s: ask the upstream.Upstream or a capability instead", path, p)
				}
				if p == module+"pkg/upstream/all" {
					assert.True(t, imp.Name != nil && imp.Name.Name == "_", "%s imports pkg/upstream/all for its registrations only: import it as _", path)
				}
				if p == module+"pkg/upstream" && imp.Name != nil {
					upstreamName = imp.Name.Name
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == upstreamName {
						switch sel.Sel.Name {
						case "Prometheus", "Datadog":
							t.Errorf("%s names upstream.%s: ask the data source's upstream instead", path, sel.Sel.Name)
						}
					}
				}
				return true
			})
		}
	}
}

// CONTRIBUTING's "Adding an upstream" lists the files a new upstream
// needs, and they match the code: each named path exists; the list names
// the registry, the registration file, the schema, the frontend's table
// and types, every optional interface of pkg/upstream and every upstream
// package registered; and none of the code that reaches upstreams through
// the registry (the plugin, frames, models, the command, pkg/input).
func TestContributingAddingAnUpstream(t *testing.T) {
	b, err := os.ReadFile("../../CONTRIBUTING.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(b), "\n## Adding an upstream\n")
	require.True(t, ok, `CONTRIBUTING.md has no "## Adding an upstream" section`)
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	start := strings.Index(section, "\n1. ")
	require.Positive(t, start, "the section has no numbered list of files")
	list := section[start:]
	if end := strings.Index(list, "\n\n"); end >= 0 {
		list = list[:end]
	}
	quoted := regexp.MustCompile("`([^`]+)`")
	named := map[string]bool{}
	for _, m := range quoted.FindAllStringSubmatch(section, -1) {
		named[m[1]] = true
		if p := strings.TrimSuffix(m[1], "/"); strings.Contains(p, "/") && !strings.ContainsAny(p, "<> ") && !strings.HasPrefix(p, "api/") {
			_, err := os.Stat(filepath.Join("../..", p))
			assert.NoError(t, err, "CONTRIBUTING.md names %s", p)
		}
	}
	for _, f := range []string{"pkg/upstream/registry.go", "pkg/upstream/all/all.go", "pkg/upstream/capabilities.go",
		"pkg/upstream/commandline.go", "pkg/upstream/answer.go", "pkg/models/schema/v0alpha1/settings.json",
		"src/upstreams.ts", "src/types.ts", "internal/thirdupstream"} {
		assert.True(t, named[f], "CONTRIBUTING.md's \"Adding an upstream\" does not name %s", f)
	}
	for _, m := range quoted.FindAllStringSubmatch(list, -1) {
		for _, reached := range []string{"cmd/", "pkg/input", "pkg/plugin", "pkg/frames", "pkg/models/"} {
			if strings.HasPrefix(m[1], reached) && !strings.HasPrefix(m[1], "pkg/models/schema/") {
				t.Errorf("CONTRIBUTING.md lists %s among the files a new upstream needs: it reaches upstreams through the registry", m[1])
			}
		}
	}
	// Every optional interface, and every upstream registered.
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	core := map[string]bool{"Upstream": true, "Settings": true, "Client": true, "Reserver": true}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				for _, sp := range g.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok && ts.Name.IsExported() && !core[ts.Name.Name] {
						if _, isIface := ts.Type.(*ast.InterfaceType); isIface {
							assert.True(t, named[ts.Name.Name], "CONTRIBUTING.md does not name the optional interface %s (%s)", ts.Name.Name, path)
						}
					}
				}
			}
		}
	}
	all, err := parser.ParseFile(token.NewFileSet(), "all/all.go", nil, parser.ImportsOnly)
	require.NoError(t, err)
	for _, imp := range all.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		assert.True(t, named[strings.TrimPrefix(p, module)], "CONTRIBUTING.md does not name the upstream package %s", p)
	}
}

type named struct{ upstream.Upstream }

func (n named) Source() upstream.Source { return "zz-test" }

func TestRegistry(t *testing.T) {
	_, ok := upstream.Lookup("zz-test")
	require.False(t, ok)
	upstream.Register(named{})
	u, ok := upstream.Lookup("zz-test")
	require.True(t, ok)
	assert.Equal(t, upstream.Source("zz-test"), u.Source())
	assert.Panics(t, func() { upstream.Register(named{}) }, "registered once")
	assert.Contains(t, upstream.Choices(), `"zz-test"`)
	assert.Equal(t, "Prometheus", upstream.Prometheus.Title(), "unregistered: the name with a capital")
}

func TestRulesStep(t *testing.T) {
	start := mustTime(t)
	r := upstream.Rules{MaxPointsPerSeries: 100}
	step, raised := r.Step(start, start.Add(1000*1e9), 1e9)
	assert.Equal(t, int64(10e9), int64(step))
	assert.True(t, raised)
	step, raised = upstream.Rules{}.Step(start, start.Add(1000*1e9), 1e9)
	assert.Equal(t, int64(1e9), int64(step), "no cap")
	assert.False(t, raised)
}

func mustTime(t *testing.T) (tm time.Time) {
	t.Helper()
	return time.Unix(1_700_000_000, 0)
}
