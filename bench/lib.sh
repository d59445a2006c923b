# Shared by the bench scripts of the examples (sourced, not run): the release
# `passmint serve` and one bench example on a fresh PostgreSQL database, dropped
# on exit. Traffic goes to 127.0.0.1 only; every wait is bounded.

# bench_example NAME EXAMPLE DB TIMEOUT: prints the "== NAME benchmarks" header,
# builds the server and the example (release), creates the database DB (dropped
# on exit) and runs the example under `timeout TIMEOUT` with PASSMINT_BIN,
# DATABASE_URL and BENCH_OUT (default bench-out/ at the root) in its environment.
bench_example() {
  local name=$1 example=$2 db=$3 limit=$4
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  ROOT=$PWD
  OUT=${BENCH_OUT:-$ROOT/bench-out}
  mkdir -p "$OUT"
  PGURL=postgres://postgres@127.0.0.1:5432
  # A PostgreSQL deployment needs the key that encrypts stored credentials (docs/api.md §11).
  PASSMINT_SECRET_KEY=${PASSMINT_SECRET_KEY:-$(openssl rand -base64 32)}
  export PASSMINT_SECRET_KEY
  DB=$db
  PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)

  echo "== $name benchmarks ($(nproc) cores, PostgreSQL $("${PSQL[@]}" -Atc 'SHOW server_version'))"
  cargo build --release -q -p passmint-server --bin passmint
  cargo build --release -q -p passmint-e2e --example "$example"
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  trap '"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

  PASSMINT_BIN=$ROOT/target/release/passmint DATABASE_URL=$PGURL/$DB BENCH_OUT=$OUT \
    timeout "$limit" "$ROOT/target/release/examples/$example"
}

# bench_sqlite_example EXAMPLE TIMEOUT, after bench_example: the same example again
# on a fresh SQLite file under $OUT (removed afterwards), with the same environment.
bench_sqlite_example() {
  local dir=$OUT/$1-sqlite
  rm -rf "$dir" && mkdir -p "$dir"
  PASSMINT_BIN=$ROOT/target/release/passmint DATABASE_URL=sqlite://$dir/passmint.db BENCH_OUT=$OUT \
    timeout "$2" "$ROOT/target/release/examples/$1"
  rm -rf "$dir"
}
