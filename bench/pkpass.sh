#!/usr/bin/env bash
# `make bench`, .pkpass part: in one run,
#   1. passes built and signed per second on one core by passmint-pkpass, against
#      `openssl speed rsa2048` sign/s on this machine, and the ratio (target >= 0.85);
#   2. cached downloads per second over HTTP: `passmint serve` (release, embedded
#      SQLite) serving one test pass's `download_url` to N keep-alive connections
#      (target >= 5,000/s; every 200 also records a `downloaded` event);
#   3. peak RSS of the signing run and of the server (VmHWM) during the downloads.
# Knobs: BENCH_PKPASS_SECONDS (5), BENCH_PKPASS_CONNECTIONS (16).
# Traffic goes to 127.0.0.1 only; every loop is bounded in time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SECS=${BENCH_PKPASS_SECONDS:-5}
CONNS=${BENCH_PKPASS_CONNECTIONS:-16}
OUT=${BENCH_OUT:-$ROOT/bench-out}
mkdir -p "$OUT"
RESULTS=$OUT/pkpass.txt
: >"$RESULTS"
say() { echo "$*" | tee -a "$RESULTS"; }

say "== .pkpass benchmarks ($(nproc) cores, ${SECS} s windows)"
cargo build --release -q -p passmint-pkpass --example bench_sign
cargo build --release -q -p passmint-server --bin passmint --example download_load
BIN=$ROOT/target/release/passmint
LOAD=$ROOT/target/release/examples/download_load

say ""
say "-- 1. build + sign on one core vs openssl speed rsa2048"
SIGN_LOG=$OUT/pkpass-sign.log
/usr/bin/time -f "signing run peak RSS: %M KiB" \
  taskset -c 0 "$ROOT/target/release/examples/bench_sign" "$SECS" >"$SIGN_LOG" 2>&1
tee -a "$RESULTS" <"$SIGN_LOG"

say ""
say "-- 2. cached downloads over HTTP"
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
export DATABASE_URL=sqlite://$WORK/bench.db
# One address downloads one pass: no rate limit, every download recorded.
PASSMINT_ADDR=127.0.0.1:$PORT PASSMINT_PUBLIC_URL=$BASE RUST_LOG=warn \
  PASSMINT_PUBLIC_RATE_LIMIT=0 PASSMINT_PUBLIC_DEDUPE_WINDOW=0s \
  "$BIN" serve >"$OUT/pkpass-server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -sf "$BASE/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "$BASE/readyz" >/dev/null || { echo "the server did not start: $(cat "$OUT/pkpass-server.log")"; exit 1; }
KEY=$("$BIN" accounts create --name "Bench" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test_key"])')
TEMPLATE=$(curl -sf "$BASE/v1/templates" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" -d '{
  "name": "Bench", "type": "event", "apple_style": "eventTicket",
  "design": {"organization_name": "Bench", "description": "Bench ticket",
    "colors": {"background": "#1d1d3f", "foreground": "#ffffff"},
    "fields": {"primary": [{"key": "event", "label": "Event", "value": "Summer Jam"}],
               "secondary": [{"key": "seat", "label": "Seat", "value": "GA"}]},
    "barcode": {"format": "qr"}}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
URL=$(curl -sf "$BASE/v1/passes" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  -d "{\"template_id\": \"$TEMPLATE\", \"holder_name\": \"Ada\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["download_url"])')
curl -sf -o /dev/null "$URL"
"$LOAD" "$URL" "$CONNS" "$SECS" >"$OUT/pkpass-downloads.json" 2>"$OUT/pkpass-downloads.log"
tee -a "$RESULTS" <"$OUT/pkpass-downloads.log"
RATE=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["downloads_per_second"]))' "$OUT/pkpass-downloads.json")
RSS=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
say "server peak RSS during the downloads: ${RSS} KiB"

say ""
say "-- summary"
RATIO=$(grep -Eo 'ratio[^0-9]*[0-9]+\.[0-9]+' "$SIGN_LOG" | head -1 | grep -Eo '[0-9]+\.[0-9]+' || echo "?")
say "build+sign vs openssl rsa2048 ratio: $RATIO (target >= 0.85)"
if [ "$RATE" -ge 5000 ]; then V=PASS; else V=MISS; fi
say "cached downloads: $RATE/s (target >= 5000/s): $V"
