#!/usr/bin/env bash
# `make fuzz`: a schema-driven fuzzer (schemathesis) against the API's own
# /v1/openapi.json, on both engines in turn (SQLite, then PostgreSQL). Every phase
# runs, the stateful one included (it chains create -> retrieve -> update -> delete
# through the document's links). The run fails on any 5xx and on any status the
# document does not list for the operation.
#
# The server and the fuzzer run in a network namespace of their own that has only a
# loopback interface: the fuzzer creates webhooks with whatever URLs it invents, and
# no delivery may leave this machine. PostgreSQL is reached through its Unix socket,
# which the namespace does not hide.
#
# Environment:
#   FUZZ_EXAMPLES  examples per operation and phase (default 60)
#   FUZZ_ENGINES   engines to run (default "sqlite postgres")
#   FUZZ_VENV      where schemathesis is installed (default target/fuzz-venv)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# A PostgreSQL deployment needs the key that encrypts stored credentials (docs/api.md §11).
PASSMINT_SECRET_KEY=${PASSMINT_SECRET_KEY:-$(openssl rand -base64 32)}
export PASSMINT_SECRET_KEY

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${FUZZ_EXAMPLES:-60}
ENGINES=${FUZZ_ENGINES:-sqlite postgres}
VENV=${FUZZ_VENV:-$ROOT/target/fuzz-venv}
PG_SOCKET_DIR=${PG_SOCKET_DIR:-/var/run/postgresql}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres)

if [ "$(id -u)" -ne 0 ]; then
  echo "make fuzz needs root: it runs the server in a network namespace of its own (unshare -n)." >&2
  exit 1
fi
command -v ip >/dev/null || { apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null; }
bash scripts/test-deps.sh postgres

if [ ! -x "$VENV/bin/st" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build -q -p passmint-server --bin passmint
BIN=$ROOT/target/debug/passmint
WORK=$(mktemp -d)
DB=passmint_fuzz
cleanup() {
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# fuzz_engine NAME DATABASE_URL: a fresh database, one account, the server on a
# free loopback port inside the namespace, then schemathesis against it.
fuzz_engine() {
  local name=$1 url=$2
  echo "== fuzzing the API on $name ($EXAMPLES examples per operation and phase)"
  DATABASE_URL=$url "$BIN" migrate >/dev/null
  local key
  key=$(DATABASE_URL=$url "$BIN" accounts create --name Fuzz |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["test_key"])')
  # Inside the namespace: loopback up, the server on a free port, wait for it
  # (bounded), fuzz, stop the server. The fuzzer's exit status is the script's.
  # From the scratch directory: schemathesis keeps its cache in the working one.
  (cd "$WORK" && DATABASE_URL=$url KEY=$key BIN=$BIN ST=$VENV/bin/st EXAMPLES=$EXAMPLES LOG=$WORK/$name.log \
    unshare -n bash -c '
      set -euo pipefail
      ip link set lo up
      port=$(python3 -c "import socket;s=socket.socket();s.bind((\"127.0.0.1\",0));print(s.getsockname()[1])")
      PASSMINT_ADDR=127.0.0.1:$port "$BIN" serve >"$LOG" 2>&1 &
      server=$!
      trap "kill $server 2>/dev/null || true" EXIT
      for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.2
      done
      "$ST" run "http://127.0.0.1:$port/v1/openapi.json" \
        --header "Authorization: Bearer $KEY" \
        --checks not_a_server_error,status_code_conformance \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$EXAMPLES" \
        --suppress-health-check all \
        --workers 2 \
        --no-color
    ') || {
    echo "fuzzing on $name found failures; the server's log: $WORK/$name.log" >&2
    cp "$WORK/$name.log" "$ROOT/target/fuzz-$name.log" 2>/dev/null || true
    return 1
  }
}

status=0
for engine in $ENGINES; do
  case $engine in
  sqlite) fuzz_engine sqlite "sqlite://$WORK/fuzz.db" || status=1 ;;
  postgres)
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    fuzz_engine postgres "postgres:///$DB?host=$PG_SOCKET_DIR&user=postgres" || status=1
    ;;
  *) echo "unknown engine $engine" >&2 && exit 2 ;;
  esac
done
exit $status
