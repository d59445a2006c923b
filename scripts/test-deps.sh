#!/usr/bin/env bash
# Brings up what `make test` needs when it is missing:
#   postgres  a PostgreSQL cluster answering on 127.0.0.1:5432 (contract suites, end-to-end)
#   chromium  a headless Chromium, Debian's package `chromium` (the landing-page test)
#   node      Node.js 18+ with npm (the Node.js SDK's tests)
#   openssl   the openssl command (the Node.js SDK's tests sign passes with it)
#   clients   sqlite3, psql and pg_dump (the at-rest tests write old-format rows
#             with them and read a dump)
# With no argument it checks all five; with one of the names above, only that one
# (`make db` and `make bench` use `test-deps.sh postgres`).
# Missing packages are installed with apt-get when running as root; otherwise the
# script prints one line saying what to run and exits non-zero.
set -euo pipefail

is_root() { [ "$(id -u)" -eq 0 ]; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Installs the Debian packages given when root, else prints what to run and fails.
need_packages() {
  local what="$1"
  shift
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "installing $what (apt-get install $*)..." >&2
    apt_install "$@"
  else
    echo "$what is missing: run 'sudo apt-get install -y $*' and retry." >&2
    exit 1
  fi
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

ensure_postgres() {
  pg_up && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! [ -d /etc/postgresql ] \
    || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    need_packages PostgreSQL postgresql
  fi
  if is_root || [ "$(id -un)" = postgres ]; then
    echo "starting PostgreSQL..." >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  for _ in $(seq 1 30); do
    pg_up && return 0
    sleep 1
  done
  echo "PostgreSQL is not reachable on 127.0.0.1:5432: run 'sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start'." >&2
  exit 1
}

ensure_chromium() {
  # The test takes the first of these on PATH (Debian's package installs /usr/bin/chromium).
  local name
  for name in chromium chromium-browser google-chrome; do
    command -v "$name" >/dev/null 2>&1 && return 0
  done
  need_packages Chromium chromium
}

ensure_node() {
  local major=0
  if command -v node >/dev/null 2>&1; then
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  fi
  if [ "$major" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
    need_packages "Node.js 18+ with npm" nodejs npm
  fi
}

ensure_openssl() {
  command -v openssl >/dev/null 2>&1 || need_packages OpenSSL openssl
}

ensure_clients() {
  command -v sqlite3 >/dev/null 2>&1 || need_packages "the sqlite3 command" sqlite3
  if ! command -v psql >/dev/null 2>&1 || ! command -v pg_dump >/dev/null 2>&1; then
    need_packages "PostgreSQL's psql and pg_dump" postgresql-client
  fi
}

case "${1:-all}" in
  all)
    ensure_postgres
    ensure_chromium
    ensure_node
    ensure_openssl
    ensure_clients
    ;;
  postgres) ensure_postgres ;;
  chromium) ensure_chromium ;;
  node) ensure_node ;;
  openssl) ensure_openssl ;;
  clients) ensure_clients ;;
  *)
    echo "usage: $0 [postgres|chromium|node|openssl|clients]" >&2
    exit 2
    ;;
esac
