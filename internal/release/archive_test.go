package release

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// header builds the first bytes of an executable for p.
func header(p Platform) []byte {
	b := make([]byte, 256)
	switch p.OS {
	case "linux":
		copy(b, "\x7fELF\x02\x01\x01")
		binary.LittleEndian.PutUint16(b[18:], map[string]uint16{"amd64": 62, "arm64": 183, "arm": 40}[p.Arch])
	case "darwin":
		binary.LittleEndian.PutUint32(b, 0xfeedfacf)
		binary.LittleEndian.PutUint32(b[4:], map[string]uint32{"amd64": 0x01000007, "arm64": 0x0100000c}[p.Arch])
	case "windows":
		copy(b, "MZ")
		binary.LittleEndian.PutUint32(b[60:], 128)
		copy(b[128:], "PE\x00\x00")
		binary.LittleEndian.PutUint16(b[132:], 0x8664)
	}
	return b
}

const goodPluginJSON = `{
  "$schema": "https://example.invalid/plugin.schema.json",
  "type": "datasource", "name": "Memory Shape", "id": "memshape-memory-datasource",
  "metrics": true, "alerting": true, "backend": true, "executable": "gpx_memshape",
  "info": {"description": "d", "author": {"name": "a"}, "keywords": ["memory"],
    "logos": {"small": "img/logo.svg", "large": "img/logo.svg"},
    "links": [{"name": "Source code", "url": "https://github.com/memshape/memory-datasource"}],
    "screenshots": [{"name": "A panel", "path": "img/screenshots/panel.png"}],
    "version": "0.1.0", "updated": "2026-11-29"},
  "includes": [{"type": "dashboard", "name": "Fleet", "path": "dashboards/fleet.json"}],
  "dependencies": {"grafanaDependency": ">=11.0.0", "plugins": []}
}`

// goodDashboard is an included dashboard as the build writes it: one data
// source input, bound to the data source variable.
const goodDashboard = `{
  "__inputs": [{"name": "DS_MEMSHAPE", "label": "Memory Shape", "type": "datasource", "pluginId": "memshape-memory-datasource", "pluginName": "Memory Shape"}],
  "uid": "memshape-fleet", "title": "Fleet",
  "templating": {"list": [{"type": "datasource", "name": "datasource", "query": "memshape-memory-datasource", "current": {"text": "${DS_MEMSHAPE}", "value": "${DS_MEMSHAPE}"}}]},
  "panels": [{"type": "table", "datasource": {"type": "memshape-memory-datasource", "uid": "${datasource}"}}]
}`

type entry struct {
	data []byte
	mode os.FileMode
}

// goodFiles is a release that passes every check, for a source tree with
// the single Go file main.go = "package main".
func goodFiles() map[string]entry {
	src := []byte("package main\n")
	sum := sha256.Sum256(src)
	files := map[string]entry{
		"plugin.json":               {[]byte(goodPluginJSON), 0o644},
		"module.js":                 {[]byte("define([],function(){})"), 0o644},
		"module.js.map":             {[]byte(`{"version":3}`), 0o644},
		"img/logo.svg":              {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 0o644},
		"img/screenshots/panel.png": {[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644},
		"dashboards/fleet.json":     {[]byte(goodDashboard), 0o644},
		"README.md":                 {[]byte("# Memory Shape\n"), 0o644},
		"LICENSE":                   {[]byte("Apache License 2.0\n"), 0o644},
		"CHANGELOG.md":              {[]byte("# Changelog\n\n## 0.1.0 (2026-11-29)\n\n- first\n"), 0o644},
		"go_plugin_build_manifest":  {[]byte(hex.EncodeToString(sum[:]) + ":main.go\n"), 0o755},
	}
	for _, p := range Platforms {
		files[p.Executable("gpx_memshape")] = entry{header(p), 0o755}
	}
	return files
}

func writeZip(t *testing.T, root string, files map[string]entry) *Archive {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, e := range files {
		full := name
		if root != "" {
			full = root + "/" + name
		}
		h := &zip.FileHeader{Name: full, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	a, zr, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	return a
}

func source(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// node_modules is not source, as for the SDK's build.
	if err := os.MkdirAll(filepath.Join(dir, "node_modules", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node_modules", "x", "x.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAGoodReleasePasses(t *testing.T) {
	if problems := Check(writeZip(t, "memshape-memory-datasource", goodFiles()), source(t)); len(problems) > 0 {
		t.Errorf("a good release has problems:\n%s", strings.Join(problems, "\n"))
	}
}

// Each defect the validator rejects is found, and named.
func TestEachDefectIsFound(t *testing.T) {
	src := source(t)
	for _, c := range []struct {
		name   string
		root   string
		change func(map[string]entry)
		want   string
	}{
		{"folder not named after the id", "memshape", nil, `want the plugin id "memshape-memory-datasource"`},
		{"files at the top", "", nil, "want exactly one top-level folder"},
		{"legacy dist folder", "memshape-memory-datasource", func(f map[string]entry) { f["dist/plugin.json"] = f["plugin.json"] }, "legacy layout"},
		{"no source map", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "module.js.map") }, "module.js.map: missing"},
		{"binary not executable", "memshape-memory-datasource", func(f map[string]entry) {
			f["gpx_memshape_linux_amd64"] = entry{header(Platform{"linux", "amd64"}), 0o644}
		}, "mode 0644"},
		{"darwin binary built for linux", "memshape-memory-datasource", func(f map[string]entry) {
			f["gpx_memshape_darwin_arm64"] = entry{header(Platform{"linux", "arm64"}), 0o755}
		}, "gpx_memshape_darwin_arm64: not an executable for darwin/arm64"},
		{"a platform missing", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "gpx_memshape_windows_amd64.exe") }, "gpx_memshape_windows_amd64.exe: missing"},
		{"no manifest", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "go_plugin_build_manifest") }, "go_plugin_build_manifest: missing"},
		{"stale manifest", "memshape-memory-datasource", func(f map[string]entry) {
			f["go_plugin_build_manifest"] = entry{[]byte(strings.Repeat("0", 64) + ":main.go\n"), 0o755}
		}, "main.go has changed"},
		{"manifest of other source", "memshape-memory-datasource", func(f map[string]entry) {
			f["go_plugin_build_manifest"] = entry{append(f["go_plugin_build_manifest"].data, []byte(strings.Repeat("1", 64)+":gone.go\n")...), 0o755}
		}, "lists gone.go"},
		{"no changelog entry", "memshape-memory-datasource", func(f map[string]entry) {
			f["CHANGELOG.md"] = entry{[]byte("# Changelog\n\n## 0.0.9\n"), 0o644}
		}, "no entry for version 0.1.0"},
		{"no licence", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "LICENSE") }, "LICENSE: missing"},
		{"no logo", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "img/logo.svg") }, "img/logo.svg: the logo"},
		{"a script in the logo", "memshape-memory-datasource", func(f map[string]entry) {
			f["img/logo.svg"] = entry{[]byte(`<svg><SCRIPT>alert(1)</SCRIPT></svg>`), 0o644}
		}, "must not contain a script"},
		{"standalone debug file", "memshape-memory-datasource", func(f map[string]entry) { f["standalone.txt"] = entry{[]byte("1"), 0o644} }, "standalone.txt: a debug artefact"},
		{"unbuilt plugin.json", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(strings.Replace(goodPluginJSON, `"0.1.0"`, `"%VERSION%"`, 1), `"2026-11-29"`, `"%TODAY%"`, 1)), 0o644}
		}, `info.version "%VERSION%"`},
		{"unknown property", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `"metrics": true`, `"metric": true`, 1)), 0o644}
		}, `property "metric"`},
		{"no screenshot", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `[{"name": "A panel", "path": "img/screenshots/panel.png"}]`, `[]`, 1)), 0o644}
		}, "info.screenshots is empty"},
		{"a screenshot missing", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "img/screenshots/panel.png") }, "img/screenshots/panel.png: the screenshot named in plugin.json is missing"},
		{"a screenshot that is no image", "memshape-memory-datasource", func(f map[string]entry) {
			f["img/screenshots/panel.png"] = entry{[]byte("not found"), 0o644}
		}, "not a PNG, JPEG, GIF or SVG image"},
		{"a screenshot path from the root", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `"path": "img/screenshots/panel.png"`, `"path": "/img/screenshots/panel.png"`, 1)), 0o644}
		}, "should not start with '.' or '/'"},
		{"a relative link", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `"url": "https://github.com/memshape/memory-datasource"`, `"url": "docs/README.md"`, 1)), 0o644}
		}, `info.links: "docs/README.md" (Source code) is not an absolute http(s) URL`},
		{"no description", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `"description": "d"`, `"description": " "`, 1)), 0o644}
		}, "info.description is empty"},
		{"an included dashboard missing", "memshape-memory-datasource", func(f map[string]entry) { delete(f, "dashboards/fleet.json") }, `dashboards/fleet.json: the dashboard "Fleet" of plugin.json includes is missing`},
		{"an include of an unknown type", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `{"type": "dashboard", "name": "Fleet"`, `{"type": "board", "name": "Fleet"`, 1)), 0o644}
		}, `type "board" is not one of dashboard, page, panel, datasource`},
		{"an undeclared input", "memshape-memory-datasource", func(f map[string]entry) {
			f["dashboards/fleet.json"] = entry{[]byte(strings.Replace(goodDashboard, `"uid": "${datasource}"`, `"uid": "${DS_PROMETHEUS}"`, 1)), 0o644}
		}, "${DS_PROMETHEUS} is used but not declared in __inputs"},
		{"an input the tab cannot fill", "memshape-memory-datasource", func(f map[string]entry) {
			f["dashboards/fleet.json"] = entry{[]byte(strings.Replace(goodDashboard, `"pluginId": "memshape-memory-datasource"`, `"pluginId": "prometheus"`, 1)), 0o644}
		}, "asks for a prometheus data source"},
		{"a dashboard that is no JSON", "memshape-memory-datasource", func(f map[string]entry) {
			f["dashboards/fleet.json"] = entry{[]byte("{"), 0o644}
		}, "dashboards/fleet.json: not a dashboard's JSON"},
		{"bad id", "memshape-memory-datasource", func(f map[string]entry) {
			f["plugin.json"] = entry{[]byte(strings.Replace(goodPluginJSON, `"id": "memshape-memory-datasource"`, `"id": "Memshape"`, 1)), 0o644}
		}, `id "Memshape"`},
	} {
		files := goodFiles()
		if c.change != nil {
			c.change(files)
		}
		problems := Check(writeZip(t, c.root, files), src)
		if !strings.Contains(strings.Join(problems, "\n"), c.want) {
			t.Errorf("%s: problems %q lack %q", c.name, problems, c.want)
		}
	}
}

// The platform reader agrees with the Go toolchain on a real binary: the
// test binary itself.
func TestExecutablePlatformReadsARealBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := f.Read(head)
	got, err := ExecutablePlatform(head[:n])
	if err != nil || got != (Platform{runtime.GOOS, runtime.GOARCH}) {
		t.Errorf("the test binary reads as %v (%v), want %s/%s", got, err, runtime.GOOS, runtime.GOARCH)
	}
	if _, err := ExecutablePlatform([]byte("#!/bin/sh\necho hi\n")); err == nil {
		t.Error("a shell script read as an executable")
	}
}

func TestChangelogHasEntry(t *testing.T) {
	cl := []byte("# Changelog\n\n## v1.2.0 (2026-12-01)\n\n## [1.1.0]\n\n## 1.0.0\n")
	for v, want := range map[string]bool{"1.2.0": true, "1.1.0": true, "1.0.0": true, "1.0": false, "0.1.0": false} {
		if got := ChangelogHasEntry(cl, v); got != want {
			t.Errorf("%s: %v, want %v", v, got, want)
		}
	}
}

// The repository's own CHANGELOG has an entry for the version package.json
// gives the release.
func TestTheChangelogHasThisVersion(t *testing.T) {
	pkg, err := os.ReadFile("../../package.json")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(pkg), `"version": "`)
	version, _, _ := strings.Cut(rest, `"`)
	cl, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if !ChangelogHasEntry(cl, version) {
		t.Errorf("CHANGELOG.md has no '## %s' entry for package.json's version", version)
	}
}
