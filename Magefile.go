//go:build mage

// Magefile builds the Memory Shape backend the way Grafana's plugin SDK
// builds every backend plugin: `mage -v` (or `make build-backend-all`)
// builds gpx_memshape for every platform into dist/, stamps each binary
// with its build info (so `gpx_memshape -version` and `-buildinfo` work)
// and writes dist/go_plugin_build_manifest, the SHA-256 of every Go source
// file, which Grafana's plugin validator checks against the source.
package main

import (
	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

// Default builds the backend for every platform (build.BuildAll: linux
// amd64/arm64/arm, darwin amd64/arm64, windows amd64).
var Default = build.BuildAll
