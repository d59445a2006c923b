#!/usr/bin/env bash
# The issue/retrieve loads of bench/run.sh against the embedded SQLite engine, in
# the same `make bench` run (the GET load at once after the issue burst), against
# the pgbench baselines run.sh just wrote to bench-out/pgbench.json, with run.sh's
# targets: issue >= 0.30 x pgbench insert, retrieve >= 0.30 x pgbench select-only,
# p99 < 25 ms each. Misses print MISS; the exit status does not depend on them.
set -euo pipefail
# shellcheck source=bench/loads.sh
source "$(dirname "${BASH_SOURCE[0]}")/loads.sh"
DIR=$OUT/sqlite
rm -rf "$DIR"
mkdir -p "$DIR"
URL="sqlite://$DIR/passmint.db"

say ""
say "== SQLite: the same loads on the embedded engine ($URL)"

SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

PORT=$("$GEN" free-port)
BASE=http://127.0.0.1:$PORT
env DATABASE_URL="$URL" PASSMINT_ADDR="127.0.0.1:$PORT" RUST_LOG="${BENCH_RUST_LOG:-info}" \
  "$BIN" serve 2>>"$DIR/server.log" &
SERVER_PID=$!
"$GEN" wait-ready --base "$BASE" --timeout-secs 60

KEY=$(DATABASE_URL="$URL" "$BIN" accounts create --name "Bench Co" 2>>"$DIR/server.log" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["test_key"])')
# run.sh's template: three fields, each filled by the issue load's field_values.
TEMPLATE=$(curl -sS --max-time 10 -f "$BASE/v1/templates" \
  -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  -d @"$ROOT/bench/template.json" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# The one-connection runs (the latency without queueing, the p99s' baselines)
# before the issue burst and after the retrieve load, never between the two.
"$GEN" issue --base "$BASE" --key "$KEY" --template "$TEMPLATE" --connections 1 \
  --warmup 1 --seconds "$SOLO_SECS" --label "sqlite issue, 1 connection" \
  >"$DIR/issue-solo.load.json" 2> >(tee -a "$RESULTS" >&2)
"$GEN" issue --base "$BASE" --key "$KEY" --template "$TEMPLATE" --connections "$CONNS" \
  --warmup "$WARMUP" --seconds "$SECS" --label "sqlite issue" --ids-out "$DIR/ids.txt" \
  >"$DIR/issue.load.json" 2> >(tee -a "$RESULTS" >&2)
"$GEN" retrieve --base "$BASE" --key "$KEY" --ids-in "$DIR/ids.txt" --connections "$CONNS" \
  --warmup "$WARMUP" --seconds "$SECS" --label "sqlite retrieve" \
  >"$DIR/retrieve.load.json" 2> >(tee -a "$RESULTS" >&2)
"$GEN" retrieve --base "$BASE" --key "$KEY" --ids-in "$DIR/ids.txt" --connections 1 \
  --warmup 1 --seconds "$SOLO_SECS" --label "sqlite retrieve, 1 connection" \
  >"$DIR/retrieve-solo.load.json" 2> >(tee -a "$RESULTS" >&2)
sleep 0.5
HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
say "sqlite server VmHWM $((HWM / 1024)) MiB"

python3 "$ROOT/bench/report.py" sqlite "$OUT" "$DIR" | tee -a "$RESULTS"
