# Memory Shape — build and test. GNU make.
#
#   make deps               npm ci + go mod download
#   make build              frontend (npm run build) + backend for this machine
#   make build-backend      dist/gpx_memshape_<os>_<arch> for this machine
#   make build-backend-all  every platform Grafana runs plugins on
#   make test               go + frontend tests + build, all steps even after a
#                           failure, closing with "summary: N passed, M failed"

SHELL   := bash
GO      ?= go
NPM     ?= npm
DIST    ?= dist
EXE     := gpx_memshape
VERSION ?= $(shell node -p "require('./package.json').version" 2>/dev/null || echo dev)
LDFLAGS := -w -s -X main.version=$(VERSION)
GOOS    ?= $(shell $(GO) env GOOS)
GOARCH  ?= $(shell $(GO) env GOARCH)
# os/arch pairs for build-backend-all
PLATFORMS := linux/amd64 linux/arm64 linux/arm darwin/amd64 darwin/arm64 windows/amd64

# node_modules is a real directory target, not phony.
.PHONY: all deps build build-frontend build-backend build-backend-all test test-go test-frontend clean

all: build

deps:
	$(NPM) ci
	$(GO) mod download

# The SDK and Grafana look for gpx_memshape_<os>_<arch>[.exe] next to plugin.json.
define gobuild
	CGO_ENABLED=0 GOOS=$(1) GOARCH=$(2) $(GO) build -trimpath -ldflags "$(LDFLAGS)" \
		-o $(DIST)/$(EXE)_$(1)_$(2)$(if $(filter windows,$(1)),.exe,) ./pkg
endef

build-backend:
	$(call gobuild,$(GOOS),$(GOARCH))

build-backend-all:
	$(foreach p,$(PLATFORMS),$(call gobuild,$(word 1,$(subst /, ,$(p))),$(word 2,$(subst /, ,$(p))))$(newline))

build-frontend:
	$(NPM) run build

# Frontend first: the webpack build cleans dist/ (it keeps gpx_* binaries, but
# order it anyway).
build: build-frontend
	$(MAKE) build-backend

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
	rm -rf $(DIST)

define newline


endef
