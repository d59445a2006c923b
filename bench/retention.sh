#!/usr/bin/env bash
# `make bench`, retention part: on PostgreSQL, then on SQLite, the release
# `passmint serve` over a million events 400 days old (one bulk INSERT … SELECT,
# no ANALYZE or VACUUM); the API client retrieves a pass with retention idle (the
# same-run baseline), then while PASSMINT_EVENT_RETENTION=30d removes the events.
# Prints both p99s, their ratio (MISS above 2) and how long the removal took.
# Knobs: BENCH_RETENTION_ROWS (1000000), BENCH_RETENTION_SECONDS (30),
# BENCH_RETENTION_CONNECTIONS (4), BENCH_RETENTION_LIMIT (900 s). Traffic goes to
# 127.0.0.1 only; every loop is bounded in time.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_example "retention (PostgreSQL)" retention_bench passmint_bench_retention 1800

SQLITE_DIR=$OUT/retention-sqlite
rm -rf "$SQLITE_DIR"
mkdir -p "$SQLITE_DIR"
PASSMINT_BIN=$ROOT/target/release/passmint DATABASE_URL=sqlite://$SQLITE_DIR/passmint.db \
  BENCH_OUT=$OUT timeout 1800 "$ROOT/target/release/examples/retention_bench"
rm -rf "$SQLITE_DIR"
