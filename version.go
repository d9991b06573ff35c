// Package memshape holds what the whole repository shares with the
// frontend: the release version, read from package.json — one place for
// the plugin (plugin.json's %VERSION%, the backend's build info) and the
// CLI (memshape version).
package memshape

import (
	_ "embed"
	"encoding/json"
)

//go:embed package.json
var packageJSON []byte

// Version is the release version package.json names ("dev" if it names
// none, which the tests refuse).
func Version() string {
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(packageJSON, &p) != nil || p.Version == "" {
		return "dev"
	}
	return p.Version
}
