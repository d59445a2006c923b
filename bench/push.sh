#!/usr/bin/env bash
# `make bench`, push part: the release `passmint serve` on PostgreSQL,
# one PATCH of a pass with BENCH_PUSH_DEVICES (10000) registered devices, pushed to
# a local fake APNs (HTTP/2 over TLS, client certificates) in the bench process.
# Prints pushes per second, the time from the PATCH to the last push (target: under
# 5 s) and, as the same-run baseline, the same pushes sent straight from the
# passmint-apns client. Traffic goes to 127.0.0.1 only; every wait is bounded.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/bench-out}
mkdir -p "$OUT"
PGURL=postgres://postgres@127.0.0.1:5432
DB=passmint_bench_push
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)

echo "== push benchmarks ($(nproc) cores, PostgreSQL $("${PSQL[@]}" -Atc 'SHOW server_version'))"
cargo build --release -q -p passmint-server --bin passmint
cargo build --release -q -p passmint-e2e --example push_bench
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
trap '"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

PASSMINT_BIN=$ROOT/target/release/passmint DATABASE_URL=$PGURL/$DB BENCH_OUT=$OUT \
  timeout 600 "$ROOT/target/release/examples/push_bench"
