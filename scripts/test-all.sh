#!/usr/bin/env bash
# Runs every test and build step of Memory Shape, keeps going after a
# failure, and closes with one line:
#   summary: N passed, M failed
# Exits non-zero when any step failed. Called by `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
NPM=${NPM:-npm}
MAKE=${MAKE:-make}

passed=0
failed=0
results=()

step() {
  local name=$1
  shift
  echo
  echo "==> ${name}: $*"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    results+=("PASS  ${name} ($((SECONDS - t0))s)")
  else
    local rc=$?
    failed=$((failed + 1))
    results+=("FAIL  ${name} ($((SECONDS - t0))s, exit ${rc})")
  fi
}

# Our Go packages: ./... would also walk node_modules, where an npm package
# ships Go sources of its own.
mapfile -t gopkgs < <("$GO" list ./... | grep -v /node_modules/)
step go-vet        "$GO" vet "${gopkgs[@]}"
step go-test       "$GO" test -race "${gopkgs[@]}"
step typecheck     "$NPM" run typecheck
step lint          "$NPM" run lint
step jest          "$NPM" run test:ci
step e2e           "$NPM" run e2e
step build-frontend "$NPM" run build
step build-backend "$MAKE" --no-print-directory build-backend

echo
echo "==> results"
printf '  %s\n' "${results[@]}"
echo "summary: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
