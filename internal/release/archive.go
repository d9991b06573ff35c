// Package release checks a plugin archive the way Grafana's plugin
// validator does, for the checks that need no network: the layout (one
// folder named after the plugin id), plugin.json against the rules of
// Grafana's plugin.json schema (required fields, patterns, allowed keys —
// written out here because the schema itself is AGPL-licensed), a backend
// executable for every platform with mode 0755 and the right machine code,
// go_plugin_build_manifest matching the Go sources, module.js with its
// source map (the validator requires it), the logos, README, LICENSE and a
// CHANGELOG with an entry for this version, the catalogue fields
// (description, keywords, screenshots that exist, links that are absolute
// URLs), the dashboards plugin.json includes (their data source inputs),
// and no debug artefacts.
package release

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Platforms are the backend executables a release carries: the SDK's
// build.BuildAll set. The validator wants at least one of the first five.
var Platforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}, {"linux", "arm"},
}

// Platform is an operating system and CPU architecture, as Go names them.
type Platform struct{ OS, Arch string }

// Executable is the file name Grafana looks for: <exe>_<os>_<arch>[.exe].
func (p Platform) Executable(exe string) string {
	name := exe + "_" + p.OS + "_" + p.Arch
	if p.OS == "windows" {
		name += ".exe"
	}
	return name
}

// Archive is a plugin zip read into memory.
type Archive struct {
	Root  string               // the single top-level folder
	Files map[string]*zip.File // by path below Root
}

// Open reads the zip at path.
func Open(zipPath string) (*Archive, *zip.ReadCloser, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, nil, err
	}
	a := &Archive{Files: map[string]*zip.File{}}
	for _, f := range zr.File {
		a.Files[f.Name] = f
	}
	return a, zr, nil
}

func (a *Archive) read(name string) ([]byte, bool) {
	f, ok := a.Files[a.Root+"/"+name]
	if !ok {
		return nil, false
	}
	rc, err := f.Open()
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return b, err == nil
}

// Check runs every check on the archive and returns the problems found,
// each naming the file and what to do. sourceDir is the repository the
// archive was built from, for the Go build manifest; "" skips that check.
func Check(a *Archive, sourceDir string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// Layout: one top-level folder, named after the plugin id.
	roots := map[string]bool{}
	for name := range a.Files {
		top, _, _ := strings.Cut(name, "/")
		roots[top] = true
	}
	if len(roots) != 1 {
		add("archive: want exactly one top-level folder (the plugin id), found %d: %s", len(roots), strings.Join(sorted(roots), ", "))
		return problems
	}
	for r := range roots {
		a.Root = r
	}
	if _, ok := a.Files[a.Root+"/dist/plugin.json"]; ok {
		add("archive: %s/dist/ is the legacy layout: put the contents of dist/ in %s/ itself", a.Root, a.Root)
	}

	raw, ok := a.read("plugin.json")
	if !ok {
		add("plugin.json: not found in %s/", a.Root)
		return problems
	}
	meta, metaProblems := CheckPluginJSON(raw)
	problems = append(problems, metaProblems...)
	if meta.ID != "" && meta.ID != a.Root {
		add("archive: the top-level folder is %q, want the plugin id %q", a.Root, meta.ID)
	}

	// Backend executables.
	if meta.Backend && meta.Executable != "" {
		for _, p := range Platforms {
			name := p.Executable(meta.Executable)
			f, ok := a.Files[a.Root+"/"+name]
			if !ok {
				add("%s: missing: build every platform (make build-backend-all)", name)
				continue
			}
			if p.OS != "windows" && f.Mode().Perm() != 0o755 {
				add("%s: mode %04o, the validator wants exactly 0755", name, f.Mode().Perm())
			}
			head := make([]byte, 4096)
			rc, err := f.Open()
			if err != nil {
				add("%s: %v", name, err)
				continue
			}
			n, _ := io.ReadFull(rc, head)
			rc.Close()
			if got, err := ExecutablePlatform(head[:n]); err != nil || got != p {
				add("%s: not an executable for %s/%s (%v; read as %s/%s)", name, p.OS, p.Arch, err, got.OS, got.Arch)
			}
		}
		manifest, ok := a.read("go_plugin_build_manifest")
		switch {
		case !ok:
			add("go_plugin_build_manifest: missing: build the backend with the SDK's build (make build-backend-all)")
		case sourceDir != "":
			problems = append(problems, CheckManifest(manifest, sourceDir)...)
		}
	}

	// Frontend, with the source map the validator compares to the source.
	for _, name := range []string{"module.js", "module.js.map"} {
		if _, ok := a.Files[a.Root+"/"+name]; !ok {
			add("%s: missing (the validator requires module.js and its source map)", name)
		}
	}
	for _, logo := range []string{meta.Info.Logos.Small, meta.Info.Logos.Large} {
		if logo == "" {
			continue
		}
		b, ok := a.read(path.Clean(logo))
		switch {
		case !ok:
			add("%s: the logo named in plugin.json is missing", logo)
		case strings.HasSuffix(logo, ".svg") && bytes.Contains(bytes.ToLower(b), []byte("<script")):
			add("%s: an SVG logo must not contain a script", logo)
		}
	}
	for _, shot := range meta.Info.Screenshots {
		if relativePath(shot.Path) != "" {
			continue // said by CheckPluginJSON
		}
		b, ok := a.read(path.Clean(shot.Path))
		switch {
		case !ok:
			add("%s: the screenshot named in plugin.json is missing", shot.Path)
		case !isImage(b):
			add("%s: the screenshot is not a PNG, JPEG, GIF or SVG image", shot.Path)
		}
	}
	for _, inc := range meta.Includes {
		if inc.Type != "dashboard" || relativePath(inc.Path) != "" {
			continue
		}
		b, ok := a.read(path.Clean(inc.Path))
		if !ok {
			add("%s: the dashboard %q of plugin.json includes is missing: the data source's Dashboards tab cannot import it", inc.Path, inc.Name)
			continue
		}
		problems = append(problems, CheckDashboard(inc.Path, b, meta.ID)...)
	}
	for _, doc := range []string{"README.md", "LICENSE", "CHANGELOG.md"} {
		b, ok := a.read(doc)
		if !ok || len(bytes.TrimSpace(b)) == 0 {
			add("%s: missing or empty", doc)
		}
	}
	if cl, ok := a.read("CHANGELOG.md"); ok && meta.Info.Version != "" && !ChangelogHasEntry(cl, meta.Info.Version) {
		add("CHANGELOG.md: no entry for version %s: add a heading '## %s' describing the release", meta.Info.Version, meta.Info.Version)
	}

	// Debug artefacts the validator rejects, and Delve's binaries.
	for name := range a.Files {
		base := path.Base(name)
		if base == "standalone.txt" || base == "pid.txt" || strings.HasPrefix(base, "__debug_bin") {
			add("%s: a debug artefact: a release must not carry it", strings.TrimPrefix(name, a.Root+"/"))
		}
	}
	sort.Strings(problems)
	return problems
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Meta is the part of plugin.json the checks read.
type Meta struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Backend    bool   `json:"backend"`
	Alerting   bool   `json:"alerting"`
	Executable string `json:"executable"`
	Info       struct {
		Description string   `json:"description"`
		Version     string   `json:"version"`
		Updated     string   `json:"updated"`
		Keywords    []string `json:"keywords"`
		Logos       struct {
			Small string `json:"small"`
			Large string `json:"large"`
		} `json:"logos"`
		Links []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"links"`
		Screenshots []struct {
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"screenshots"`
	} `json:"info"`
	Includes     []Include `json:"includes"`
	Dependencies struct {
		GrafanaDependency string `json:"grafanaDependency"`
	} `json:"dependencies"`
}

// Include is one entry of plugin.json's includes.
type Include struct {
	Type string `json:"type"`
	Name string `json:"name"`
	Path string `json:"path"`
}

// The rules of Grafana's plugin.json schema (draft-07, $id
// https://grafana.com/plugin-metadata) that a data source release meets.
var (
	idPattern         = regexp.MustCompile(`^[0-9a-z]+\-([0-9a-z]+\-)?(app|panel|datasource|secretsmanager|transformer)$`)
	versionPattern    = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)`)
	updatedPattern    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dependencyPattern = regexp.MustCompile(`^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x\*]+)(\.[0-9x\*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$`)
	types             = []string{"app", "datasource", "panel", "renderer", "secretsmanager", "transformer"}
	topKeys           = []string{"$schema", "alerting", "annotations", "autoEnabled", "backend", "builtIn", "category", "dependencies",
		"enterpriseFeatures", "executable", "hideFromList", "id", "includes", "info", "logs", "metrics", "name", "pascalName",
		"preload", "queryOptions", "routes", "skipDataQuery", "state", "streaming", "tracing", "type", "iam", "roles", "extensions",
		"languages", "buildMode", "aliasIDs", "suggestions"}
	infoKeys = []string{"author", "build", "description", "keywords", "links", "logos", "screenshots", "updated", "version"}
	depKeys  = []string{"grafanaVersion", "grafanaDependency", "plugins", "extensions"}
	// includes[]: its type enum and properties.
	includeTypes = []string{"dashboard", "page", "panel", "datasource"}
	includeKeys  = []string{"uid", "type", "name", "component", "role", "action", "addToNav", "defaultNav", "icon", "path", "slug"}
)

// CheckPluginJSON checks a built plugin.json (placeholders replaced) and
// returns what it read and the problems found.
func CheckPluginJSON(raw []byte) (Meta, []string) {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "plugin.json: "+fmt.Sprintf(format, args...))
	}
	var m Meta
	if err := json.Unmarshal(raw, &m); err != nil {
		add("not valid JSON: %v", err)
		return m, problems
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(raw, &all)
	for _, k := range []string{"type", "name", "id", "info", "dependencies"} {
		if _, ok := all[k]; !ok {
			add("the required field %q is missing", k)
		}
	}
	unknown := func(where string, obj json.RawMessage, allowed []string) {
		var keys map[string]json.RawMessage
		if json.Unmarshal(obj, &keys) != nil {
			add("%s is not an object", where)
			return
		}
		for k := range keys {
			if !contains(allowed, k) {
				add("%s has the property %q, which the schema does not allow", where, k)
			}
		}
	}
	unknown("the top level", raw, topKeys)
	if info, ok := all["info"]; ok {
		unknown("info", info, infoKeys)
	}
	if deps, ok := all["dependencies"]; ok {
		unknown("dependencies", deps, depKeys)
	}
	if !idPattern.MatchString(m.ID) {
		add("id %q does not follow <org>-<name>-<type>", m.ID)
	}
	if !contains(types, m.Type) {
		add("type %q is not one of %s", m.Type, strings.Join(types, ", "))
	}
	if m.Type == "datasource" && !strings.HasSuffix(m.ID, "-datasource") {
		add("a data source's id must end in -datasource, got %q", m.ID)
	}
	if !versionPattern.MatchString(m.Info.Version) {
		add("info.version %q is not a release version (x.y.z): build with npm run build, which replaces %%VERSION%%", m.Info.Version)
	}
	if !updatedPattern.MatchString(m.Info.Updated) {
		add("info.updated %q is not a date (YYYY-MM-DD): build with npm run build, which replaces %%TODAY%%", m.Info.Updated)
	}
	// The validator's discoverability, screenshots, metadatapaths and
	// safelinks/brokenlinks analyzers (those that need no network).
	if strings.TrimSpace(m.Info.Description) == "" {
		add("info.description is empty: the catalogue indexes it")
	}
	if len(m.Info.Keywords) == 0 {
		add("info.keywords needs at least one keyword")
	}
	if len(m.Info.Screenshots) == 0 {
		add("info.screenshots is empty: the catalogue shows at least one screenshot")
	}
	for _, s := range m.Info.Screenshots {
		if strings.TrimSpace(s.Name) == "" {
			add("info.screenshots: the screenshot %q has no name", s.Path)
		}
		if problem := relativePath(s.Path); problem != "" {
			add("info.screenshots: %s", problem)
		}
	}
	for _, l := range m.Info.Links {
		u, err := url.Parse(l.URL)
		switch {
		case strings.TrimSpace(l.Name) == "":
			add("info.links: the link %q has no name", l.URL)
		case err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			add("info.links: %q (%s) is not an absolute http(s) URL", l.URL, l.Name)
		}
	}
	var raws struct {
		Includes []json.RawMessage `json:"includes"`
	}
	_ = json.Unmarshal(raw, &raws)
	for i, inc := range m.Includes {
		if i < len(raws.Includes) {
			unknown(fmt.Sprintf("includes[%d]", i), raws.Includes[i], includeKeys)
		}
		if !contains(includeTypes, inc.Type) {
			add("includes[%d] (%s): type %q is not one of %s", i, inc.Name, inc.Type, strings.Join(includeTypes, ", "))
		}
		if inc.Type == "dashboard" {
			if problem := relativePath(inc.Path); problem != "" {
				add("includes[%d] (%s): %s", i, inc.Name, problem)
			}
		}
	}
	if m.Info.Logos.Small == "" || m.Info.Logos.Large == "" {
		add("info.logos needs both small and large")
	}
	if !dependencyPattern.MatchString(m.Dependencies.GrafanaDependency) {
		add("dependencies.grafanaDependency %q is not a version range such as >=11.0.0", m.Dependencies.GrafanaDependency)
	}
	if m.Alerting && !m.Backend {
		add("alerting needs backend: true")
	}
	if m.Backend != (m.Executable != "") {
		add("backend and executable go together (backend %v, executable %q)", m.Backend, m.Executable)
	}
	return m, problems
}

// relativePath says what is wrong with a path plugin.json gives for a
// file of the plugin: it must be relative to plugin.json without a leading
// "." or "/"; "" when it is fine.
func relativePath(p string) string {
	u, err := url.Parse(p)
	switch {
	case strings.TrimSpace(p) == "":
		return "an empty path"
	case err != nil:
		return fmt.Sprintf("%q is not a valid path", p)
	case u.IsAbs():
		return fmt.Sprintf("%q should be relative to plugin.json", p)
	case strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/"):
		return fmt.Sprintf("the relative path %q should not start with '.' or '/'", p)
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isImage: the bytes start as a PNG, JPEG, GIF or SVG file does.
func isImage(b []byte) bool {
	head := bytes.TrimSpace(b[:min(len(b), 512)])
	return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(b, []byte("GIF8")) || bytes.HasPrefix(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<?xml"))
}

// inputRef is a reference to an import input in a dashboard: ${DS_NAME}.
var inputRef = regexp.MustCompile(`\$\{(DS_[A-Za-z0-9_]+)\}`)

// CheckDashboard checks a dashboard the plugin includes as Grafana's
// importer reads it from a data source's Dashboards tab: JSON with a uid
// and a title; its __inputs data sources of this plugin (the tab gives
// only that one); every ${DS_…} it uses declared there, since the importer
// replaces only declared inputs.
func CheckDashboard(name string, b []byte, pluginID string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, name+": "+fmt.Sprintf(format, args...)) }
	var d struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Inputs []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			PluginID string `json:"pluginId"`
		} `json:"__inputs"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		add("not a dashboard's JSON: %v", err)
		return problems
	}
	if d.UID == "" || d.Title == "" {
		add("a dashboard needs a uid and a title (uid %q, title %q)", d.UID, d.Title)
	}
	declared := map[string]bool{}
	for _, in := range d.Inputs {
		declared[in.Name] = true
		if in.Type == "datasource" && in.PluginID != pluginID {
			add("the input %s asks for a %s data source: the Dashboards tab of a %s data source cannot fill it", in.Name, in.PluginID, pluginID)
		}
	}
	seen := map[string]bool{}
	for _, m := range inputRef.FindAllSubmatch(b, -1) {
		ref := string(m[1])
		if !declared[ref] && !seen[ref] {
			add("${%s} is used but not declared in __inputs: the importer would leave it as it is", ref)
		}
		seen[ref] = true
	}
	return problems
}

// ExecutablePlatform reads the platform an executable was built for from
// the start of the file (ELF, Mach-O or PE).
func ExecutablePlatform(head []byte) (Platform, error) {
	switch {
	case len(head) >= 20 && bytes.HasPrefix(head, []byte("\x7fELF")):
		if head[5] != 1 {
			return Platform{}, fmt.Errorf("a big-endian ELF file")
		}
		machine := binary.LittleEndian.Uint16(head[18:])
		arch := map[uint16]string{62: "amd64", 183: "arm64", 40: "arm", 3: "386"}[machine]
		if arch == "" {
			return Platform{OS: "linux"}, fmt.Errorf("ELF machine %d", machine)
		}
		return Platform{"linux", arch}, nil
	case len(head) >= 8 && binary.LittleEndian.Uint32(head) == 0xfeedfacf:
		cpu := binary.LittleEndian.Uint32(head[4:])
		arch := map[uint32]string{0x01000007: "amd64", 0x0100000c: "arm64"}[cpu]
		if arch == "" {
			return Platform{OS: "darwin"}, fmt.Errorf("Mach-O CPU type %#x", cpu)
		}
		return Platform{"darwin", arch}, nil
	case len(head) >= 64 && bytes.HasPrefix(head, []byte("MZ")):
		off := int(binary.LittleEndian.Uint32(head[60:]))
		if off+6 > len(head) || !bytes.Equal(head[off:off+4], []byte("PE\x00\x00")) {
			return Platform{OS: "windows"}, fmt.Errorf("no PE header")
		}
		machine := binary.LittleEndian.Uint16(head[off+4:])
		arch := map[uint16]string{0x8664: "amd64", 0xaa64: "arm64", 0x14c: "386"}[machine]
		if arch == "" {
			return Platform{OS: "windows"}, fmt.Errorf("PE machine %#x", machine)
		}
		return Platform{"windows", arch}, nil
	}
	return Platform{}, fmt.Errorf("not an ELF, Mach-O or PE executable")
}

// CheckManifest compares a go_plugin_build_manifest ("<sha256>:<path>" per
// line) with the Go files under sourceDir, as the validator does: every Go
// file must be listed with its hash, and every listed file must exist.
// node_modules is skipped, as the SDK's build skips it.
func CheckManifest(manifest []byte, sourceDir string) []string {
	var problems []string
	want := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(manifest))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) != 2 {
			return []string{fmt.Sprintf("go_plugin_build_manifest: cannot read the line %q (want <sha256>:<path>)", line)}
		}
		want[strings.ReplaceAll(strings.TrimSpace(parts[1]), `\`, "/")] = strings.TrimSpace(parts[0])
	}
	if len(want) == 0 {
		return []string{"go_plugin_build_manifest: empty"}
	}
	seen := map[string]bool{}
	err := filepath.WalkDir(sourceDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(sourceDir, p)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		switch h, ok := want[rel]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("go_plugin_build_manifest: %s is not listed: rebuild the backend from this source", rel))
		case h != hex.EncodeToString(sum[:]):
			problems = append(problems, fmt.Sprintf("go_plugin_build_manifest: %s has changed since the build: rebuild the backend", rel))
		}
		return nil
	})
	if err != nil {
		return append(problems, "go_plugin_build_manifest: reading the source: "+err.Error())
	}
	for p := range want {
		if !seen[p] {
			problems = append(problems, fmt.Sprintf("go_plugin_build_manifest: lists %s, which is not in the source", p))
		}
	}
	return problems
}

// ChangelogHasEntry reports whether the changelog has a heading for
// version (e.g. "## 0.1.0" or "## v0.1.0 (2026-11-29)").
func ChangelogHasEntry(changelog []byte, version string) bool {
	re := regexp.MustCompile(`(?m)^#{1,3}\s*\[?v?` + regexp.QuoteMeta(version) + `\]?(\s|$)`)
	return re.Match(changelog)
}
