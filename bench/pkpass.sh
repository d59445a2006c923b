#!/usr/bin/env bash
# `make bench`, .pkpass part: in one run,
#   0. the same-run baseline: `openssl speed -seconds 3 rsa2048`, CPU time per
#      RSA-2048 signature;
#   1. passes built and signed per second on one core by passmint-pkpass, against
#      `openssl speed rsa2048` sign/s on this machine, and the ratio (target >= 0.85);
#   2. on PostgreSQL, then on SQLite, the release `passmint serve`:
#      a. fresh downloads: a batch of BENCH_PKPASS_FRESH passes issued (the issue
#         load's body), then each pass's `download_url` downloaded exactly once over
#         BENCH_PKPASS_FRESH_CONNECTIONS connections (first downloads, never cached):
#         downloads/s and the server's CPU per download (utime + stime of its
#         process over the downloads / downloads; target <= 1.3 ms), beside 0.;
#      b. cached downloads per second of one of those passes over N keep-alive
#         connections (target >= 5,000/s), beside GET /healthz over the same
#         connections; every 200 records a `downloaded` event (counted);
#      c. the server's peak RSS.
# Misses print MISS; the exit status does not depend on them.
# Knobs: BENCH_PKPASS_SECONDS (5), BENCH_PKPASS_CONNECTIONS (16),
# BENCH_PKPASS_FRESH (2000), BENCH_PKPASS_FRESH_CONNECTIONS (8), BENCH_OUT.
# Traffic goes to 127.0.0.1 only; every loop is bounded in time or count.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SECS=${BENCH_PKPASS_SECONDS:-5}
CONNS=${BENCH_PKPASS_CONNECTIONS:-16}
FRESH=${BENCH_PKPASS_FRESH:-2000}
FRESH_CONNS=${BENCH_PKPASS_FRESH_CONNECTIONS:-8}
OUT=${BENCH_OUT:-$ROOT/bench-out}
mkdir -p "$OUT"
RESULTS=$OUT/pkpass.txt
: >"$RESULTS"
say() { echo "$*" | tee -a "$RESULTS"; }
PGURL=postgres://postgres@127.0.0.1:5432
PG_DB=passmint_bench_pkpass
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)
# A PostgreSQL deployment needs the key that encrypts stored credentials (docs/api.md §11).
PASSMINT_SECRET_KEY=${PASSMINT_SECRET_KEY:-$(openssl rand -base64 32)}
export PASSMINT_SECRET_KEY

say "== .pkpass benchmarks ($(nproc) cores, ${SECS} s windows)"
cargo build --release -q -p passmint-pkpass --example bench_sign
cargo build --release -q -p passmint-server --bin passmint --example download_load
cargo build --release -q -p passmint-bench
BIN=$ROOT/target/release/passmint
LOAD=$ROOT/target/release/examples/download_load
GEN=$ROOT/target/release/passmint-bench

say ""
say "-- 0. baseline: openssl speed -seconds 3 rsa2048"
# Machine-readable line "+F2:<n>:2048:<sign/s>:<verify/s>", per second of CPU time.
OPENSSL_SIGN=$(openssl speed -seconds 3 -mr rsa2048 2>/dev/null | awk -F: '$1 == "+F2" && $3 == 2048 {print $4}')
echo "{\"sign_per_second\": ${OPENSSL_SIGN:-0}}" >"$OUT/pkpass-openssl.json"
say "openssl rsa2048: ${OPENSSL_SIGN:-?} sign/s = $(awk -v s="${OPENSSL_SIGN:-0}" 'BEGIN { printf "%.3f", (s > 0 ? 1000 / s : 0) }') ms of CPU per signature"

say ""
say "-- 1. build + sign on one core vs openssl speed rsa2048"
SIGN_LOG=$OUT/pkpass-sign.log
/usr/bin/time -f "signing run peak RSS: %M KiB" \
  taskset -c 0 "$ROOT/target/release/examples/bench_sign" "$SECS" >"$SIGN_LOG" 2>&1
tee -a "$RESULTS" <"$SIGN_LOG"
grep -Eo 'ratio[^0-9]*[0-9]+\.[0-9]+' "$SIGN_LOG" | head -1 | grep -Eo '[0-9]+\.[0-9]+' >"$OUT/pkpass-sign-ratio.txt" || echo 0 >"$OUT/pkpass-sign-ratio.txt"

WORK=$(mktemp -d)
SERVER=
stop_server() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# CPU ticks (utime + stime) of a process so far.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# One engine's `downloaded` events, through its command line client.
events() { # engine url
  local sql="SELECT count(*) FROM pass_events WHERE kind = 'downloaded'"
  if [ "$1" = sqlite ]; then
    sqlite3 -cmd ".timeout 30000" "${2#sqlite://}" "$sql"
  else
    "${PSQL[@]}" -d "$2" -Atc "$sql"
  fi
}

engine_run() { # engine database-url
  local engine=$1 url=$2 n=$3
  say ""
  say "-- 2.$n downloads over HTTP, $engine"
  local port base key template
  port=$("$GEN" free-port)
  base=http://127.0.0.1:$port
  # One address downloads each pass: no rate limit, every download recorded.
  DATABASE_URL=$url PASSMINT_ADDR=127.0.0.1:$port PASSMINT_PUBLIC_URL=$base RUST_LOG=warn \
    PASSMINT_PUBLIC_RATE_LIMIT=0 PASSMINT_PUBLIC_DEDUPE_WINDOW=0s \
    "$BIN" serve >"$OUT/pkpass-$engine-server.log" 2>&1 &
  SERVER=$!
  "$GEN" wait-ready --base "$base" --timeout-secs 60
  key=$(DATABASE_URL=$url "$BIN" accounts create --name "Bench" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test_key"])')
  template=$(curl -sf "$base/v1/templates" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d @"$ROOT/bench/template.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

  # a. A fresh batch, then each pass's download_url once.
  "$GEN" issue --base "$base" --key "$key" --template "$template" --connections "$FRESH_CONNS" \
    --warmup 0 --seconds 600 --max-requests "$FRESH" --label "$engine fresh batch" \
    --urls-out "$OUT/pkpass-$engine-urls.txt" >"$OUT/pkpass-$engine-issue.json" 2>>"$RESULTS"
  local t0 t1
  t0=$(ticks "$SERVER")
  "$LOAD" --each "$OUT/pkpass-$engine-urls.txt" "$FRESH_CONNS" \
    >"$OUT/pkpass-$engine-fresh.json" 2>"$OUT/pkpass-$engine-fresh.log"
  t1=$(ticks "$SERVER")
  tee -a "$RESULTS" <"$OUT/pkpass-$engine-fresh.log"
  local fresh_events
  fresh_events=$(events "$engine" "$url")

  # b. Cached: one pass of the batch (downloaded once in a.), again and again;
  # beside the server's cheapest answer over the same connections.
  local one before after
  one=$(head -n 1 "$OUT/pkpass-$engine-urls.txt")
  before=$(events "$engine" "$url")
  "$LOAD" "$one" "$CONNS" "$SECS" >"$OUT/pkpass-$engine-cached.json" 2>"$OUT/pkpass-$engine-cached.log"
  after=$(events "$engine" "$url")
  tee -a "$RESULTS" <"$OUT/pkpass-$engine-cached.log"
  "$LOAD" "$base/healthz" "$CONNS" "$SECS" >"$OUT/pkpass-$engine-healthz.json" 2>/dev/null

  # c. Memory.
  local rss
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
  stop_server
  cat >"$OUT/pkpass-$engine.json" <<EOF
{"engine": "$engine", "hz": $(getconf CLK_TCK), "server_ticks": $((t1 - t0)),
 "fresh": $(cat "$OUT/pkpass-$engine-fresh.json"), "fresh_events": $fresh_events,
 "cached": $(cat "$OUT/pkpass-$engine-cached.json"), "cached_events": $((after - before)),
 "healthz": $(cat "$OUT/pkpass-$engine-healthz.json"), "vmhwm_kib": $rss}
EOF
}

"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
engine_run postgres "$PGURL/$PG_DB" 1
engine_run sqlite "sqlite://$WORK/bench.db" 2

say ""
say "-- summary"
python3 "$ROOT/bench/report.py" pkpass "$OUT" | tee -a "$RESULTS"
