#!/usr/bin/env bash
# The issue/retrieve loads of bench/run.sh against the embedded SQLite engine, in
# the same `make bench` run, compared with the PostgreSQL figures run.sh just wrote
# to bench-out/issue.load.json. Target: SQLite issue throughput >= 0.5 x PostgreSQL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/bench-out}
SECS=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-32}
BIN=$ROOT/target/release/passmint
GEN=$ROOT/target/release/passmint-bench
RESULTS=$OUT/results.txt
DIR=$OUT/sqlite
rm -rf "$DIR"
mkdir -p "$DIR"
URL="sqlite://$DIR/passmint.db"

say() { echo "$*" | tee -a "$RESULTS"; }
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
TEMPLATE=$(curl -sS --max-time 10 -f "$BASE/v1/templates" \
  -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  -d '{"name": "Bench Concert Pass", "type": "event", "apple_style": "eventTicket",
       "design": {"organization_name": "Bench Co", "description": "Benchmark ticket",
         "fields": {"primary": [{"key": "event", "label": "Event", "value": "Summer Jam"}],
                    "secondary": [{"key": "seatNumber", "label": "Seat", "value": "GA"}]},
         "barcode": {"format": "qr"}}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

"$GEN" issue --base "$BASE" --key "$KEY" --template "$TEMPLATE" --connections "$CONNS" \
  --warmup "$WARMUP" --seconds "$SECS" --label "sqlite issue" --ids-out "$DIR/ids.txt" \
  >"$DIR/issue.load.json" 2> >(tee -a "$RESULTS" >&2)
"$GEN" retrieve --base "$BASE" --key "$KEY" --ids-in "$DIR/ids.txt" --connections "$CONNS" \
  --warmup "$WARMUP" --seconds "$SECS" --label "sqlite retrieve" \
  >"$DIR/retrieve.load.json" 2> >(tee -a "$RESULTS" >&2)
sleep 0.5
HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
say "sqlite server VmHWM $((HWM / 1024)) MiB"

python3 - "$OUT/issue.load.json" "$DIR/issue.load.json" "$DIR/retrieve.load.json" <<'PY' | tee -a "$RESULTS"
import json, sys
pg, sq, sr = (json.load(open(p)) for p in sys.argv[1:4])
ratio = sq["rps"] / pg["rps"] if pg["rps"] else 0.0
verdict = "PASS" if ratio >= 0.5 else "MISS"
print(f"sqlite issue {sq['rps']:.0f} req/s (p99 {sq['p99_ms']:.1f} ms) vs postgres issue "
      f"{pg['rps']:.0f} req/s: ratio {ratio:.3f} (target >= 0.5) {verdict}")
print(f"sqlite retrieve {sr['rps']:.0f} req/s (p99 {sr['p99_ms']:.1f} ms); "
      f"non-2xx: issue {sq['non_2xx']}, retrieve {sr['non_2xx']}")
PY
