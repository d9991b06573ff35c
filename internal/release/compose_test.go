package release

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	compose "github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/memshape/memory-datasource/internal/promtest"
)

// loadCompose reads docker-compose.yaml as `docker compose` does (the
// Compose Specification's own loader: schema, extends, interpolation,
// paths resolved), with env as the only environment.
func loadCompose(t *testing.T, env ...string) *compose.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yaml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(env), cli.WithName("memshape"))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err, "docker compose would refuse docker-compose.yaml")
	return p
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// The compose file is one `docker compose up` can run: it loads under the
// Compose Specification, starts in the documented order, mounts what the
// repository has, runs a Grafana inside the range plugin.json claims, and
// wires the exporter, Prometheus and the provisioned data source to each
// other by the names and ports they really use. (No Docker engine runs
// here: this is what can be checked without one.)
func TestComposeFile(t *testing.T) {
	root := repoRoot(t)
	p := loadCompose(t)
	names := p.ServiceNames()
	slices.Sort(names)
	require.Equal(t, []string{"demo-exporter", "grafana", "history", "prometheus"}, names)
	svc := func(name string) compose.ServiceConfig {
		s, err := p.GetService(name)
		require.NoError(t, err)
		return s
	}

	// Start order: exporter → history (one shot) → prometheus → grafana.
	assert.Contains(t, svc("grafana").DependsOn, "prometheus")
	dep, ok := svc("prometheus").DependsOn["history"]
	require.True(t, ok, "prometheus waits for the history backfill")
	assert.Equal(t, compose.ServiceConditionCompletedSuccessfully, dep.Condition)
	assert.Contains(t, svc("history").DependsOn, "demo-exporter")

	// Grafana: built from .config/Dockerfile at a version plugin.json claims.
	g := svc("grafana")
	require.NotNil(t, g.Build)
	_, err := os.Stat(filepath.Join(g.Build.Context, g.Build.Dockerfile))
	require.NoError(t, err, "the Grafana image's Dockerfile")
	var plugin struct {
		Dependencies struct {
			GrafanaDependency string `json:"grafanaDependency"`
		} `json:"dependencies"`
	}
	raw, err := os.ReadFile(filepath.Join(root, "src", "plugin.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &plugin))
	oldest, ok := strings.CutPrefix(plugin.Dependencies.GrafanaDependency, ">=")
	require.True(t, ok, "grafanaDependency %q is a lower bound", plugin.Dependencies.GrafanaDependency)
	version := g.Build.Args["grafana_version"]
	require.NotNil(t, version)
	assert.GreaterOrEqual(t, slices.Compare(semver(t, *version), semver(t, oldest)), 0, "the default Grafana %s is older than grafanaDependency %s", *version, oldest)
	oldestProject := loadCompose(t, "GRAFANA_VERSION="+oldest)
	og, err := oldestProject.GetService("grafana")
	require.NoError(t, err)
	assert.Equal(t, oldest, *og.Build.Args["grafana_version"], "GRAFANA_VERSION picks the Grafana the README says")

	// Mounts: the plugin from dist/ (what npm run build and make build-backend
	// write), provisioning/ as Grafana's provisioning.
	binds := map[string]string{}
	for _, v := range g.Volumes {
		if v.Type == compose.VolumeTypeBind {
			binds[v.Target] = v.Source
		}
	}
	assert.Equal(t, filepath.Join(root, "dist"), binds["/var/lib/grafana/plugins/memshape-memory-datasource"])
	assert.Equal(t, filepath.Join(root, "provisioning"), binds["/etc/grafana/provisioning"])
	for target, source := range binds {
		if source == filepath.Join(root, "dist") {
			continue // built, not committed
		}
		_, err := os.Stat(source)
		assert.NoError(t, err, "mounted at %s", target)
	}

	// The exporter listens where Prometheus scrapes it.
	exp := svc("demo-exporter")
	listen := flagValue(exp.Command, "--listen")
	require.NotEmpty(t, listen, "the exporter's --listen")
	_, port, _ := strings.Cut(listen, ":")
	assert.True(t, publishes(exp, port), "the exporter publishes its port %s", port)
	var prom struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	pr := svc("prometheus")
	var promYML string
	for _, v := range pr.Volumes {
		if v.Target == "/etc/prometheus/prometheus.yml" {
			promYML = v.Source
		}
	}
	require.NotEmpty(t, promYML, "Prometheus gets its configuration from the repository")
	raw, err = os.ReadFile(promYML)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &prom))
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	assert.Contains(t, targets, "demo-exporter:"+port)
	assert.Contains(t, exp.Command, "demo-exporter:"+port, "the exporter's instance label is the target Prometheus scrapes, so history and live samples are one series")

	// The history and Prometheus share the data volume the backfill writes.
	assert.Equal(t, volumeAt(svc("history"), "/prometheus"), volumeAt(pr, "/prometheus"))
	assert.NotEmpty(t, volumeAt(pr, "/prometheus"))

	// The provisioned data source reaches Prometheus by its service name and port.
	var ds struct {
		Datasources []struct {
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	raw, err = os.ReadFile(filepath.Join(root, "provisioning", "datasources", "datasources.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &ds))
	require.Len(t, ds.Datasources, 1)
	assert.Equal(t, "memshape-memory-datasource", ds.Datasources[0].Type)
	u, err := url.Parse(ds.Datasources[0].URL)
	require.NoError(t, err)
	assert.Equal(t, "prometheus", u.Hostname())
	assert.True(t, publishes(pr, u.Port()), "Prometheus listens on %s", u.Port())

	// Prometheus itself accepts the configuration.
	if _, promtool, err := promtest.Binaries(); err == nil {
		out, err := exec.Command(promtool, "check", "config", "--syntax-only", promYML).CombinedOutput()
		assert.NoError(t, err, "promtool check config: %s", out)
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("promtool is needed under CI: %v", err)
	} else {
		t.Logf("promtool check config skipped: %v (apt-get install prometheus)", err)
	}
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

func publishes(s compose.ServiceConfig, port string) bool {
	for _, p := range s.Ports {
		if strings.TrimSuffix(p.Published, "/tcp") == port || p.Target == parsePort(port) {
			return true
		}
	}
	return false
}

func parsePort(s string) uint32 {
	var n uint32
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}

func volumeAt(s compose.ServiceConfig, target string) string {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == compose.VolumeTypeVolume {
			return v.Source
		}
	}
	return ""
}

// semver reads "12.4.0" as comparable numbers.
func semver(t *testing.T, v string) []int {
	t.Helper()
	out := make([]int, 3)
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	for i, p := range parts {
		n := parsePort(strings.SplitN(p, "-", 2)[0])
		if n == 0 && p != "0" && !strings.HasPrefix(p, "0") {
			t.Fatalf("%q is not a version", v)
		}
		out[i] = int(n)
	}
	return out
}
