#!/usr/bin/env bash
# Runs every test and build step of Memory Shape, keeps going after a
# failure, prints each step's name when it starts and its result and time
# when it ends (and a line every minute while a step is silent), and closes
# with one line:
#   summary: N passed, M failed, K skipped
# A step is skipped when it cannot run here and says why: an npm script not
# written yet, e2e specs without a Grafana (GRAFANA_URL), grafana-host
# checks without the grafana-host tool. Exits non-zero when any step failed.
# Called by `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
NPM=${NPM:-npm}
MAKE=${MAKE:-make}

passed=0
failed=0
skipped=0
results=()
SKIP=77 # a step's exit code for "could not run here, and said why"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

total_steps=0
count_steps() { total_steps=$(grep -cE '^step [a-z]' "$0"); }
count_steps
n=0

# step NAME CMD...: runs CMD, output shown as it comes (and kept in $log for
# the step's own parsing), with a heartbeat while it is quiet.
step() {
  local name=$1
  shift
  n=$((n + 1))
  echo
  local cmd="$*"
  [ "${#cmd}" -le 160 ] || cmd="${cmd:0:157}..."
  echo "==> [${n}/${total_steps}] ${name}: ${cmd}"
  local t0=$SECONDS
  (
    while sleep 60; do echo "    … ${name} still running ($((SECONDS - t0))s)"; done
  ) &
  local beat=$!
  local rc=0
  "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  kill "$beat" 2>/dev/null
  wait "$beat" 2>/dev/null
  local took=$((SECONDS - t0))
  local line
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    line="PASS  ${name} (${took}s)"
  elif [ "$rc" -eq "$SKIP" ]; then
    skipped=$((skipped + 1))
    line="SKIP  ${name} (${took}s): $(grep -m1 '^skipped: ' "$log" | sed 's/^skipped: //')"
  else
    failed=$((failed + 1))
    line="FAIL  ${name} (${took}s, exit ${rc})"
  fi
  results+=("$line")
  echo "<== ${line}"
}

# npm_script NAME: runs `npm run NAME`, or skips when package.json has no
# such script yet.
npm_script() {
  if ! node -e "process.exit(require('./package.json').scripts?.['$1'] ? 0 : 1)"; then
    echo "skipped: package.json has no \"$1\" script yet"
    return $SKIP
  fi
  "$NPM" run "$1"
}

# e2e: Playwright; when every spec skipped (no GRAFANA_URL), the step is
# skipped, not passed.
e2e() {
  local out
  out=$(mktemp)
  "$NPM" run e2e 2>&1 | tee "$out" || { rm -f "$out"; return 1; }
  local n
  n=$(grep -oE '[0-9]+ skipped' "$out" | tail -n 1)
  if ! grep -qE '[0-9]+ passed' "$out" && [ -n "$n" ]; then
    rm -f "$out"
    echo "skipped: every e2e spec skipped (${n}; set GRAFANA_URL to a running Grafana)"
    return $SKIP
  fi
  rm -f "$out"
}

# golangci-lint (.golangci.yml): any finding fails the step.
golangci() { "$MAKE" --no-print-directory lint-go; }

# The backend built for Grafana's Linux container through the SDK's build
# must answer -version with the release version (its build info is set).
backend_version() {
  local arch want got
  arch=$("$GO" env GOARCH)
  want=$(node -p "require('./package.json').version")
  got=$("dist/gpx_memshape_linux_${arch}" -version 2>/dev/null)
  echo "dist/gpx_memshape_linux_${arch} -version: ${got}"
  "dist/gpx_memshape_linux_${arch}" -buildinfo 2>/dev/null
  echo
  [ "$got" = "$want" ] || { echo "want ${want}: build with make build-backend"; return 1; }
}

# Installing twice leaves one plugin folder, not <id>/dist nested in it.
install_twice() {
  local dir
  dir=$(mktemp -d)
  "$MAKE" --no-print-directory install GRAFANA_PLUGINS_DIR="$dir" >/dev/null &&
    "$MAKE" --no-print-directory install GRAFANA_PLUGINS_DIR="$dir" >/dev/null || { rm -rf "$dir"; return 1; }
  local ok=0
  [ -f "$dir/memshape-memory-datasource/plugin.json" ] || { echo "no plugin.json at the top of the plugin folder"; ok=1; }
  [ ! -e "$dir/memshape-memory-datasource/dist" ] || { echo "a second install nested dist/ inside the plugin folder"; ok=1; }
  [ "$(ls "$dir")" = "memshape-memory-datasource" ] || { echo "extra entries in the plugins folder: $(ls "$dir")"; ok=1; }
  rm -rf "$dir"
  [ "$ok" -eq 0 ] && echo "installed twice into a plugins folder: one memshape-memory-datasource/ with plugin.json at its top"
}

# grafana-host runs the built binary out of process, as Grafana does; it is
# a separate tool (GRAFANA_HOST, or its source next to this repository), so
# the step is skipped, saying why, where it cannot be found.
check_host() {
  local out rc=0
  out=$(mktemp)
  bash scripts/check-host.sh 2>&1 | tee "$out" || rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ] && grep -q '^check-host: SKIPPED: ' "$out"; then
    echo "skipped: $(grep -m1 '^check-host: SKIPPED: ' "$out" | sed 's/^check-host: SKIPPED: //')"
    rm -f "$out"
    return $SKIP
  fi
  rm -f "$out"
  return "$rc"
}

# Our Go packages: ./... would also walk node_modules, where an npm package
# ships Go sources of its own.
mapfile -t gopkgs < <("$GO" list ./... | grep -v /node_modules/)
step go-vet "$GO" vet "${gopkgs[@]}"
step go-test "$GO" test -race "${gopkgs[@]}"
step golangci-lint golangci
step typecheck "$NPM" run typecheck
step lint "$NPM" run lint
step jest "$NPM" run test:ci
step levitate npm_script levitate
step e2e e2e
step build-frontend "$NPM" run build
step react18 npm_script check:react18
step levitate-bundle npm_script levitate:bundle
step build-backend "$MAKE" --no-print-directory build-backend
step backend-version backend_version
step install-twice install_twice
step check-host check_host
# The release archive's six cross-compiles are `make package` (CI runs it
# once after this suite): a developer's `make test` builds for Grafana's
# Linux only.

echo
echo "==> results"
printf '  %s\n' "${results[@]}"
echo "summary: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ]
