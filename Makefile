# Passmint: the README's commands.

.PHONY: run test lint fmt deny bench db fuzz

## Run the server (release build). Without DATABASE_URL it keeps its data in
## ./passmint.db (embedded SQLite); set DATABASE_URL=postgres://... for PostgreSQL.
run:
	cargo run --release -p passmint-server --bin passmint -- serve

## Run every test (unit, contract suites, end-to-end, then the Node.js SDK against
## the server built here). scripts/test-deps.sh first brings up what they need:
## PostgreSQL on 127.0.0.1:5432, Chromium, Node 18+ with npm, OpenSSL, and the
## sqlite3/psql/pg_dump commands.
test:
	@bash scripts/test-deps.sh
	cargo test --workspace --all-targets
	cargo build -p passmint-server --bin passmint
	PASSMINT_BIN=$(CURDIR)/target/debug/passmint $(MAKE) -C sdks/node test

## Formatting and lints, as CI runs them.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## Licences, bans and sources of every dependency.
deny:
	cargo deny check bans licenses sources

## Benchmarks against same-run baselines (see bench/README.md).
bench: db
	bash bench/run.sh
	bash bench/sqlite.sh
	bash bench/pkpass.sh
	bash bench/webhooks.sh
	bash bench/push.sh
	bash bench/public.sh
	bash bench/retention.sh

## Schema-driven fuzzing (schemathesis against /v1/openapi.json, stateful phase
## on) on SQLite and PostgreSQL; fails on any 5xx or undocumented status. See
## scripts/fuzz.sh (runs as root: the server gets a network namespace of its own).
fuzz:
	bash scripts/fuzz.sh

## Make sure PostgreSQL is up.
db:
	@bash scripts/test-deps.sh postgres
