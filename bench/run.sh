#!/usr/bin/env bash
# `make bench`: passmint against same-run PostgreSQL baselines. See bench/README.md.
#
# 1. release build, fresh database, `passmint serve` on a free loopback port,
#    an account (CLI) and a template (API);
# 2. POST /v1/passes load, then at once 3. GET /v1/passes/:id load (no ANALYZE or
#    VACUUM anywhere: the tables are as the loads left them); 4. server peak RSS;
# 5. pgbench baselines (insert script, select-only);
# 6. a 1,000,000-pass dataset and the list pages' database time (EXPLAIN ANALYZE)
#    and HTTP time, on the never-analyzed table; 7. ratios and targets, PASS/MISS.
#
# Figures go to stdout and to bench-out/results.txt; raw JSON and logs to bench-out/.
# Misses are reported, not failed: the script exits non-zero only when it cannot
# measure. Knobs (environment): BENCH_SECONDS (15), BENCH_WARMUP (3),
# BENCH_CONNECTIONS (32), BENCH_PG_CLIENTS (8), BENCH_PG_JOBS (2), BENCH_PG_SCALE (10),
# BENCH_DATASET_ROWS (1000000; 0 skips step 6), BENCH_RUST_LOG (info),
# BENCH_DB_POOL_SIZE / BENCH_WORKERS (server defaults), BENCH_QUIET_WAIT (60: how long
# to wait for other work on the machine to stop before loading it), BENCH_SOLO_SECONDS (3),
# BENCH_SETTLE (11), BENCH_OUT (bench-out).
set -euo pipefail

# shellcheck source=bench/loads.sh
source "$(dirname "${BASH_SOURCE[0]}")/loads.sh"
PG_CLIENTS=${BENCH_PG_CLIENTS:-8}
PG_JOBS=${BENCH_PG_JOBS:-2}
PG_SCALE=${BENCH_PG_SCALE:-10}
ROWS=${BENCH_DATASET_ROWS:-1000000}
PGURL=postgres://postgres@127.0.0.1:5432
DB=passmint_bench
PGB_DB=passmint_pgbench
DATABASE_URL_BENCH=$PGURL/$DB
# A PostgreSQL deployment needs the key that encrypts stored credentials (docs/api.md §11).
PASSMINT_SECRET_KEY=${PASSMINT_SECRET_KEY:-$(openssl rand -base64 32)}
export PASSMINT_SECRET_KEY
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)
REPORT=(python3 "$ROOT/bench/report.py")

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.txt "$OUT"/*.log "$OUT"/ids.*
: >"$RESULTS"
T0=$(date +%s)

step() { say ""; say "== [$(($(date +%s) - T0)) s] $*"; }
# Runs a command, copying its stderr (the human lines) to the results file.
human() {
  local err rc=0
  err=$(mktemp)
  "$@" 2>"$err" || rc=$?
  tee -a "$RESULTS" <"$err" >&2
  rm -f "$err"
  return "$rc"
}
# Seconds since a `date +%s.%N` reading, to 0.1 s.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

say "passmint bench: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(uname -sr)"
say "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
AUTOVACUUM=$("${PSQL[@]}" -Atc 'SHOW autovacuum')
say "PostgreSQL: $("${PSQL[@]}" -Atc 'SHOW server_version') (shared_buffers $("${PSQL[@]}" -Atc 'SHOW shared_buffers'), synchronous_commit $("${PSQL[@]}" -Atc 'SHOW synchronous_commit'), fsync $("${PSQL[@]}" -Atc 'SHOW fsync'), autovacuum $AUTOVACUUM)"

# ---------------------------------------------------------------------------------
step "1. build, database, server, account, template"
# Two builds, so that the server is built with the features `make run` builds it with.
cargo build --release -q -p passmint-server
cargo build --release -q -p passmint-bench
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
PORT=$("$GEN" free-port)
BASE=http://127.0.0.1:$PORT
start_server() {
  env DATABASE_URL="$DATABASE_URL_BENCH" PASSMINT_ADDR="127.0.0.1:$PORT" RUST_LOG="${BENCH_RUST_LOG:-info}" \
    ${BENCH_DB_POOL_SIZE:+PASSMINT_DB_POOL_SIZE=$BENCH_DB_POOL_SIZE} \
    ${BENCH_WORKERS:+PASSMINT_WORKERS=$BENCH_WORKERS} \
    "$BIN" serve 2>>"$OUT/server.log" &
  SERVER_PID=$!
  "$GEN" wait-ready --base "$BASE" --timeout-secs 60
}
# The loads and the memory figure need the one server process started here.
require_server() {
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "the server (pid $SERVER_PID) is gone; the end of bench-out/server.log:"
    grep -v 'request finished' "$OUT/server.log" | tail -n 5 | tee -a "$RESULTS"
    exit 1
  fi
}
start_server
say "server: pid $SERVER_PID on $BASE (pool ${BENCH_DB_POOL_SIZE:-16} connections, workers ${BENCH_WORKERS:-one per core}, RUST_LOG=${BENCH_RUST_LOG:-info}; log in bench-out/server.log)"

ACCOUNT_JSON=$(DATABASE_URL=$DATABASE_URL_BENCH "$BIN" accounts create --name "Bench Co" 2>>"$OUT/server.log")
echo "$ACCOUNT_JSON" >"$OUT/account.json" # a throwaway account of the bench database
KEY=$(echo "$ACCOUNT_JSON" | "${REPORT[@]}" field - test_key)
ACCOUNT=$(echo "$ACCOUNT_JSON" | "${REPORT[@]}" field - account_id)
# Three fields (event, seat, gate), each filled by the issue load's field_values.
TEMPLATE_JSON=$(curl -sS --max-time 10 -f "$BASE/v1/templates" \
  -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  -H "Idempotency-Key: bench-template-$T0" -d @"$ROOT/bench/template.json")
TEMPLATE=$(echo "$TEMPLATE_JSON" | "${REPORT[@]}" field - id)
say "account $ACCOUNT, template $TEMPLATE"

# Snapshots around a load: CPU ticks, database counters, /metrics.
cpu_snapshot() { "${REPORT[@]}" cpu "$SERVER_PID" >"$OUT/$1.cpu$2.json"; }
snapshot_db() { # phase index
  "${PSQL[@]}" -d "$DB" -Atc "SELECT row_to_json(s) FROM (SELECT d.xact_commit, d.xact_rollback,
      d.tup_inserted, d.tup_updated, d.blks_read, d.blks_hit, w.wal_sync
      FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()) s" >"$OUT/$1.pg$2.json"
}
snapshot_metrics() { # phase index
  curl -sS --max-time 10 "$BASE/metrics" >"$OUT/$1.metrics$2.txt" || true
}
# PostgreSQL 15 backends flush their statistics when idle, at most every second,
# and an idle backend with pending statistics within 10 s: settle before counting
# (only around the one-connection runs, never between the two loads).
settle() { sleep "${BENCH_SETTLE:-11}"; }

# A load at full concurrency: CPU ticks and /metrics around it, read at once (they
# need no settling), so that the next load can follow without a pause.
load_phase() { # name, then passmint-bench arguments
  local name=$1
  shift
  snapshot_metrics "$name" 0
  cpu_snapshot "$name" 0
  human "$GEN" "$@" --base "$BASE" --key "$KEY" --connections "$CONNS" \
    --warmup "$WARMUP" --seconds "$SECS" --label "$name" >"$OUT/$name.load.json"
  cpu_snapshot "$name" 1
  snapshot_metrics "$name" 1
}
# The same request over one connection, settled database counters around it: the
# latency without queueing, and the database transactions and rows per request.
solo_phase() { # name, then passmint-bench arguments
  local name=$1-solo
  shift
  settle
  snapshot_db "$name" 0
  human "$GEN" "$@" --base "$BASE" --key "$KEY" --connections 1 \
    --warmup 1 --seconds "$SOLO_SECS" --label "$name, 1 connection" >"$OUT/$name.load.json"
  settle
  snapshot_db "$name" 1
}

# ---------------------------------------------------------------------------------
step "2. POST /v1/passes: $CONNS connections, ${WARMUP} s warm-up + ${SECS} s"
require_server
quiet() { "${REPORT[@]}" quiet "${BENCH_QUIET_WAIT:-60}" | tee -a "$RESULTS"; }
quiet
# For information, and for the database counters: the same request over one connection.
solo_phase issue issue --template "$TEMPLATE"
load_phase issue issue --template "$TEMPLATE" --ids-out "$OUT/ids.txt"
ISSUED=$(wc -l <"$OUT/ids.txt")

# ---------------------------------------------------------------------------------
# At once, as a deployment sees it: no ANALYZE, VACUUM or pause after the burst (the
# cluster's autovacuum is "$AUTOVACUUM"; it may or may not run meanwhile).
step "3. GET /v1/passes/:id over the $ISSUED passes just issued, at once: $CONNS connections, ${WARMUP} s warm-up + ${SECS} s"
require_server
load_phase retrieve retrieve --ids-in "$OUT/ids.txt"
solo_phase retrieve retrieve --ids-in "$OUT/ids.txt"
"${REPORT[@]}" phase issue "$OUT" issue-solo | tee -a "$RESULTS"
"${REPORT[@]}" phase retrieve "$OUT" retrieve-solo | tee -a "$RESULTS"
say "issued ids: $ISSUED (bench-out/ids.txt)"

# ---------------------------------------------------------------------------------
step "4. server memory"
require_server
HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
echo "{\"vmhwm_kib\": $HWM, \"vmrss_kib\": $RSS}" >"$OUT/rss.json"
say "server VmHWM $((HWM / 1024)) MiB, VmRSS $((RSS / 1024)) MiB"

# ---------------------------------------------------------------------------------
step "5. pgbench baselines: -M prepared -c $PG_CLIENTS -j $PG_JOBS, ${WARMUP} s warm-up + ${SECS} s each"
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $PGB_DB WITH (FORCE)" -c "CREATE DATABASE $PGB_DB"
"${PSQL[@]}" -d "$PGB_DB" <<'SQL'
CREATE TABLE bench_items (
    id         TEXT        PRIMARY KEY,
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY,
    account_id TEXT        NOT NULL,
    mode       TEXT        NOT NULL,
    email      TEXT,
    doc        JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX bench_items_list_idx ON bench_items (account_id, mode, seq DESC);
CREATE INDEX bench_items_email_idx ON bench_items (account_id, mode, email, seq DESC);
SQL
# Init steps without the vacuum (`v`), runs with -n: no VACUUM here either.
pgbench -h 127.0.0.1 -p 5432 -U postgres -i -I dtgp -q -s "$PG_SCALE" "$PGB_DB" >"$OUT/pgbench-init.log" 2>&1
quiet
PGB=(pgbench -h 127.0.0.1 -p 5432 -U postgres -M prepared -c "$PG_CLIENTS" -j "$PG_JOBS")
tps() { sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$1"; }
# Runs pgbench into a log; on failure shows the log's end and stops the bench.
pgb() { # log, then pgbench arguments
  local log=$1
  shift
  if ! "${PGB[@]}" "$@" "$PGB_DB" >"$log" 2>&1 || [ -z "$(tps "$log")" ]; then
    echo "pgbench failed, see $log:" >&2
    tail -n 8 "$log" >&2
    exit 1
  fi
}
pgb "$OUT/pgbench-insert-warmup.log" -n -f "$ROOT/bench/pgbench-insert.sql" -T "$WARMUP"
pgb "$OUT/pgbench-insert.log" -n -f "$ROOT/bench/pgbench-insert.sql" -T "$SECS"
INSERT_TPS=$(tps "$OUT/pgbench-insert.log")
say "pgbench insert (~1 KB JSON row, text PK + 2 secondary indexes): $INSERT_TPS TPS"
pgb "$OUT/pgbench-select-warmup.log" -n -S -T "$WARMUP"
pgb "$OUT/pgbench-select.log" -n -S -T "$SECS"
SELECT_TPS=$(tps "$OUT/pgbench-select.log")
say "pgbench select-only (-S, scale $PG_SCALE): $SELECT_TPS TPS"
cat >"$OUT/pgbench.json" <<EOF
{"insert_tps": ${INSERT_TPS:-0}, "select_tps": ${SELECT_TPS:-0}, "clients": $PG_CLIENTS, "jobs": $PG_JOBS,
 "seconds": $SECS, "scale": $PG_SCALE}
EOF

# ---------------------------------------------------------------------------------
if [ "$ROWS" -gt 0 ]; then
  step "6. list pages over a dataset of $ROWS generated passes"
  t=$(date +%s.%N)
  "${PSQL[@]}" -d "$DB" -v acct="$ACCOUNT" -v tmpl="$TEMPLATE" -v rows="$ROWS" -f "$ROOT/bench/dataset.sql"
  gen_s=$(since "$t")
  TABLE_ROWS=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM passes")
  TABLE_SIZE=$("${PSQL[@]}" -d "$DB" -Atc "SELECT pg_size_pretty(pg_total_relation_size('passes'))")
  say "generated $ROWS passes in ${gen_s} s, no ANALYZE or VACUUM (autovacuum $AUTOVACUUM): the plans below are the planner's on a never-analyzed table; passes: $TABLE_ROWS rows, $TABLE_SIZE with indexes"
  # Page 5,001 of 50 when the dataset has it, else the middle page.
  DEPTH=$((5000 * 50))
  if [ "$ROWS" -lt $((2 * DEPTH)) ]; then DEPTH=$((ROWS / 2 / 50 * 50)); fi
  if [ "$DEPTH" -lt 50 ]; then DEPTH=50; fi
  CURSOR=$("${PSQL[@]}" -d "$DB" -Atc "SELECT id FROM passes WHERE account_id = '$ACCOUNT' AND mode = 'test'
      ORDER BY seq DESC OFFSET $((DEPTH - 1)) LIMIT 1")
  if [ -z "$CURSOR" ]; then
    echo "fewer than $DEPTH passes: no cursor for the deep page (BENCH_DATASET_ROWS=$ROWS)" >&2
    exit 1
  fi
  say "cursor: the pass at position $DEPTH newest first: $CURSOR"

  # The statements of the store's list_passes (crates/passmint-store-sql/src/list.rs):
  # limit + 1 rows, newest first; a cursor page seeks below the cursor's seq.
  COLS=$(python3 - "$ROOT/crates/passmint-store-sql/src/rows.rs" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
m = re.search(r'PASS_COLUMNS:\s*&str\s*=\s*"((?:[^"\\]|\\.)*)"', src, re.S)
if not m:
    sys.exit("cannot find PASS_COLUMNS in rows.rs")
print(re.sub(r"\\\n\s*", "", m.group(1)))
PY
)
  FIRST_SQL="SELECT $COLS FROM passes WHERE account_id = \$1 AND mode = \$2 ORDER BY seq DESC LIMIT \$3"
  DEEP_SQL="SELECT $COLS FROM passes WHERE account_id = \$1 AND mode = \$2 AND seq < (SELECT seq FROM passes WHERE id = \$3 AND account_id = \$1 AND mode = \$2) ORDER BY seq DESC LIMIT \$4"
  {
    echo "PREPARE list_first(text, text, bigint) AS $FIRST_SQL;"
    echo "PREPARE list_deep(text, text, text, bigint) AS $DEEP_SQL;"
    for plan in custom generic; do
      echo "SET plan_cache_mode = force_${plan}_plan;"
      for i in 1 2 3 4 5; do
        echo "\\echo @@ first $plan $i"
        echo "EXPLAIN (ANALYZE, BUFFERS) EXECUTE list_first('$ACCOUNT', 'test', 51);"
        echo "\\echo @@ deep $plan $i"
        echo "EXPLAIN (ANALYZE, BUFFERS) EXECUTE list_deep('$ACCOUNT', 'test', '$CURSOR', 51);"
      done
    done
  } >"$OUT/explain.sql"
  "${PSQL[@]}" -d "$DB" -f "$OUT/explain.sql" >"$OUT/explain.txt"
  {
    echo "page 1:    $FIRST_SQL"
    echo "deep page: $DEEP_SQL"
  } >>"$RESULTS"
  EXPLAIN_JSON=$("${REPORT[@]}" explain "$OUT/explain.txt")
  say "EXPLAIN (ANALYZE, BUFFERS), 5 runs per plan (plans in bench-out/explain.txt): $EXPLAIN_JSON"

  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    # Something outside this script stopped it (see server.log); the list probes
    # need a server, not this process: start another on the same port.
    say "WARNING: the server (pid $SERVER_PID) is gone ($(grep -v 'request finished' "$OUT/server.log" | tail -n 1 | cut -c1-160)); starting another for the list probes"
    start_server
  fi
  human "$GEN" probe --base "$BASE" --key "$KEY" --path "/v1/passes?limit=50" \
    --repeat 20 --label "http list page 1" >"$OUT/http-first.json"
  human "$GEN" probe --base "$BASE" --key "$KEY" --path "/v1/passes?limit=50&starting_after=$CURSOR" \
    --repeat 20 --label "http list deep page" >"$OUT/http-deep.json"
  cat >"$OUT/dataset.json" <<EOF
{"rows": $ROWS, "generate_s": $gen_s, "depth": $DEPTH, "table_rows": $TABLE_ROWS,
 "table_size": "$TABLE_SIZE", "cursor": "$CURSOR", "explain": $EXPLAIN_JSON,
 "http": {"first": $(cat "$OUT/http-first.json"), "deep": $(cat "$OUT/http-deep.json")}}
EOF
fi

# ---------------------------------------------------------------------------------
step "7. ratios and targets (total run $(($(date +%s) - T0)) s)"
"${REPORT[@]}" summary "$OUT" | tee -a "$RESULTS"
say "(raw figures in bench-out/summary.json; this text in bench-out/results.txt)"
