# Memory Shape — build, package and test. GNU make.
#
#   make deps               npm ci + go mod download
#   make build              frontend (npm run build) + backend for Docker (linux)
#   make build-backend      dist/gpx_memshape_linux_<arch> for Grafana's Linux container,
#                           whatever this machine is (arch: this machine's, or ARCH=…)
#   make build-backend-host dist/gpx_memshape_<os>_<arch> for this machine
#   make build-backend-all  every platform, through the plugin SDK's build (Mage, one
#                           platform at a time), with dist/go_plugin_build_manifest
#   make package            frontend + all platforms zipped as the plugin validator
#                           expects, then checked: artifacts/memshape-memory-datasource-<v>.zip
#   make install            copy dist/ into GRAFANA_PLUGINS_DIR (safe to repeat)
#   make lint-go            golangci-lint (pinned) with .golangci.yml
#   make check-host         run the built binary under grafana-host (GRAFANA_HOST, or
#                           built from its source); skipped with a reason without it
#   make test               every check, each step's name, time and result as it goes,
#                           closing with "summary: N passed, M failed, K skipped"

SHELL   := bash
GO      ?= go
NPM     ?= npm
DIST    ?= dist
BUILD   ?= artifacts
PLUGIN_ID := memshape-memory-datasource
EXE     := gpx_memshape
VERSION ?= $(shell node -p "require('./package.json').version" 2>/dev/null || echo dev)
# Grafana's container runs Linux on this machine's CPU (Docker Desktop on an
# Apple silicon Mac runs arm64 Linux): build for that, never for darwin.
ARCH    ?= $(shell $(GO) env GOARCH)
# Mage, pinned by go.mod (the plugin SDK's build package requires it).
MAGE    := $(GO) run github.com/magefile/mage -v
GRAFANA_PLUGINS_DIR ?= /var/lib/grafana/plugins
# golangci-lint, pinned; built once with this Go into a versioned folder
# outside the repository.
GOLANGCI_VERSION := v2.15.0
GOLANGCI := $(shell $(GO) env GOPATH)/pkg/memshape-tools/golangci-lint-$(GOLANGCI_VERSION)/golangci-lint

.PHONY: all deps build build-frontend build-backend build-backend-host build-backend-all \
	package package-dist check-package install lint-go golangci-lint check-host test test-go test-frontend clean

all: build

deps:
	$(NPM) ci
	$(GO) mod download

# The SDK's build: static, stripped, stamped with build info (-version,
# -buildinfo), plus dist/go_plugin_build_manifest.
build-backend:
	$(MAGE) build:custom linux $(ARCH)

build-backend-host:
	$(MAGE) build:backend

# One platform after another, not build.BuildAll: BuildAll links all six at
# once, and six Go linkers at once on a 2-core machine swap for an hour.
# The same builds (the SDK's buildBackend), the same manifest.
PLATFORMS := build:linux build:linuxARM64 build:linuxARM build:darwin build:darwinARM64 build:windows
build-backend-all:
	$(MAGE) $(PLATFORMS)

build-frontend:
	$(NPM) run build

# Frontend first: the webpack build cleans dist/ (it keeps gpx_* binaries, but
# order it anyway).
build: build-frontend
	$(MAKE) --no-print-directory build-backend

# The release archive: <plugin id>/ at the top holding what dist/ holds, for
# every platform. The validator cannot be downloaded here, so check-package
# checks what it checks that can be checked offline (internal/release).
ZIP := $(BUILD)/$(PLUGIN_ID)-$(VERSION).zip
package: build-frontend
	$(MAKE) --no-print-directory package-dist

# package-dist: the same from the frontend already in dist/.
package-dist:
	$(MAKE) --no-print-directory build-backend-all
	rm -rf $(BUILD)/$(PLUGIN_ID) $(ZIP)
	mkdir -p $(BUILD)
	cp -R $(DIST) $(BUILD)/$(PLUGIN_ID)
	chmod 0755 $(BUILD)/$(PLUGIN_ID)/$(EXE)_*
	cd $(BUILD) && zip -qr -X $(notdir $(ZIP)) $(PLUGIN_ID)
	rm -rf $(BUILD)/$(PLUGIN_ID)
	cd $(BUILD) && sha1sum $(notdir $(ZIP)) > $(notdir $(ZIP)).sha1
	$(MAKE) --no-print-directory check-package
	@echo "package: $(ZIP)"

check-package:
	$(GO) run ./internal/release/checkarchive --source . $(ZIP)

# Copy, never nest: the contents of dist/ go into <plugins>/<plugin id>/, so a
# second run replaces the files instead of making <plugin id>/dist/.
install:
	mkdir -p $(GRAFANA_PLUGINS_DIR)/$(PLUGIN_ID)
	cp -R $(DIST)/. $(GRAFANA_PLUGINS_DIR)/$(PLUGIN_ID)/
	@echo "installed into $(GRAFANA_PLUGINS_DIR)/$(PLUGIN_ID); restart Grafana"

$(GOLANGCI):
	GOBIN=$(dir $(GOLANGCI)) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

golangci-lint: $(GOLANGCI)
	@echo $(GOLANGCI)

lint-go: $(GOLANGCI)
	$(GOLANGCI) run . ./cmd/... ./internal/... ./pkg/...

# grafana-host (a separate tool, not in this repository) starts the built
# binary as Grafana does and checks its answers (scripts/check-host.sh): it
# is GRAFANA_HOST, or built from GRAFANA_HOST_SRC or ../shared/tools/
# grafana-host; without it the script says so and skips.
check-host:
	bash scripts/check-host.sh

# ./... would also walk node_modules (an npm package ships Go sources).
GOPKGS = $(shell $(GO) list ./... | grep -v /node_modules/)

test-go:
	$(GO) vet $(GOPKGS)
	$(GO) test -race $(GOPKGS)

test-frontend:
	$(NPM) run typecheck
	$(NPM) run lint
	$(NPM) run test:ci
	$(NPM) run e2e

# A fresh clone has no node_modules: install them from the lock file first.
node_modules: package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch node_modules

test: node_modules
	bash scripts/test-all.sh

clean:
	rm -rf $(DIST) $(BUILD)
