#!/usr/bin/env bash
# Runs the built plugin binary out of process, as Grafana does, with the
# grafana-host tool (hashicorp/go-plugin + gRPC, the SDK's handshake),
# against a real Prometheus backfilled with the fixture's week of history
# (internal/fixture), and checks every answer the way Grafana reads it:
# the data-plane contract for every output, alert rules (`check --alert`:
# one instance per series, no duplicate label sets, NoData) and annotations
# (`check --annotations`).
#
# grafana-host is found at $GRAFANA_HOST (a binary), else built from
# $GRAFANA_HOST_SRC or from ../shared/tools/grafana-host beside the
# repository's root. Without it, or without prometheus and promtool, the
# check is skipped with the reason (exit 0); under CI=true a missing
# Prometheus fails.
set -uo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null) || root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

skip() { echo "check-host: SKIPPED: $*"; exit 0; }

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  [ "${CI:-}" = true ] && { echo "check-host: prometheus and promtool are needed (apt-get install prometheus)"; exit 1; }
  skip "prometheus and promtool are not installed (apt-get install prometheus)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
host=${GRAFANA_HOST:-}
if [ -z "$host" ]; then
  for src in "${GRAFANA_HOST_SRC:-}" "$root/../shared/tools/grafana-host"; do
    if [ -n "$src" ] && [ -f "$src/main.go" ]; then
      echo "check-host: building grafana-host from $src"
      (cd "$src" && go build -o "$tmp/grafana-host" .) || { echo "check-host: could not build grafana-host"; exit 1; }
      host=$tmp/grafana-host
      break
    fi
  done
fi
[ -n "$host" ] || skip "the grafana-host tool was not found (set GRAFANA_HOST or GRAFANA_HOST_SRC)"

bin=$tmp/gpx_memshape
CGO_ENABLED=0 go build -o "$bin" ./pkg || exit 1
go run ./internal/fixture/cmd/fixture-history >"$tmp/history.json" || exit 1

cat >"$tmp/checks.sh" <<'EOS'
set -u
problems=0
q() { # name, check flags, query args...
  local name=$1 flags=$2
  shift 2
  echo "--- $name"
  if ! "$HOST" query --plugin "$BIN" "$@" 2>"$TMP/query.log" | "$HOST" check --overlay-label memshape_overlay $flags >"$TMP/check.txt"; then
    problems=$((problems + 1))
    cat "$TMP/check.txt" "$TMP/query.log"
  else
    grep -E '^(alert|annotations|ok|check)' "$TMP/check.txt" | sed 's/^/    /'
  fi
}
M='"expr":"memshape_fixture_bytes","limitExpr":"memshape_fixture_limit_bytes"'
for out in all series verdicts alert annotations; do
  q "panel, 1 hour, output $out" "" --query "{$M,\"output\":\"$out\"}" --from now-1h --to now
  q "panel, 7 days, output $out" "" --query "{$M,\"output\":\"$out\"}" --from now-7d --to now
  q "alert rule, 10 minutes, saved with output $out" --alert --query "{$M,\"output\":\"$out\"}" --from now-10m --to now --header FromAlert=true
done
q "alert rule, hours to limit" --alert --query "{$M,\"alertValue\":\"hours_to_limit\"}" --from now-10m --to now --header FromAlert=true
q "alert rule, Grafana's variables" --alert --query '{"expr":"max_over_time(memshape_fixture_bytes[$__interval]) + 0*rate(memshape_fixture_bytes[$__rate_interval])"}' --from now-10m --to now --header FromAlert=true
q "alert rule, no series" --alert --query '{"expr":"memshape_no_such_metric"}' --from now-10m --to now --header FromAlert=true
q "annotations, 7 days" --annotations --query "{$M,\"output\":\"annotations\"}" --from now-7d --to now
q "annotations of growing series, 7 days" --annotations --query "{$M,\"output\":\"annotations\",\"annotate\":\"growing\"}" --from now-7d --to now
echo "--- health"
"$HOST" health --plugin "$BIN" 2>/dev/null || problems=$((problems + 1))
echo
echo "check-host: $problems failed checks"
[ "$problems" -eq 0 ]
EOS
HOST=$host BIN=$bin TMP=$tmp "$host" with-prom --history "$tmp/history.json" --end now -- bash "$tmp/checks.sh" || exit 1

# The demo cluster: a week of churned pods (a series per pod and container
# lifetime). Every output judged by workload, as the default does; an alert
# rule gets one instance per workload with a unique label set.
go run ./internal/fixture/cmd/fixture-history -cluster >"$tmp/cluster.json" || exit 1
cat >"$tmp/cluster-checks.sh" <<'EOS'
set -u
problems=0
q() { # name, check flags, query args...
  local name=$1 flags=$2
  shift 2
  echo "--- $name"
  if ! "$HOST" query --plugin "$BIN" "$@" 2>"$TMP/query.log" | "$HOST" check --overlay-label memshape_overlay $flags >"$TMP/check.txt"; then
    problems=$((problems + 1))
    cat "$TMP/check.txt" "$TMP/query.log"
  else
    grep -E '^(alert|annotations|ok|check)' "$TMP/check.txt" | sed 's/^/    /'
  fi
}
C='"expr":"container_memory_working_set_bytes{container!=\"\", container!=\"POD\"}","limitExpr":"kube_pod_container_resource_limits{resource=\"memory\"}"'
for out in all series verdicts; do
  q "cluster, 1 day, output $out" "" --query "{$C,\"output\":\"$out\"}" --from now-1d --to now
done
q "cluster, alert rule, 10 minutes" --alert --query "{$C}" --from now-10m --to now --header FromAlert=true
n=$("$HOST" query --plugin "$BIN" --query "{$C}" --from now-10m --to now --header FromAlert=true 2>/dev/null | "$HOST" check --alert 2>/dev/null | grep -cE '^alert +A: +\{' || true)
echo "    $n alert instances (one per workload)"
[ "$n" -ge 10 ] || { echo "    want one per workload (13), got $n"; problems=$((problems + 1)); }
q "cluster, annotations, 7 days" --annotations --query "{$C,\"output\":\"annotations\"}" --from now-7d --to now
echo
echo "check-host (cluster): $problems failed checks"
[ "$problems" -eq 0 ]
EOS
HOST=$host BIN=$bin TMP=$tmp "$host" with-prom --history "$tmp/cluster.json" --end now -- bash "$tmp/cluster-checks.sh"
