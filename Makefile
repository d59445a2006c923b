# Passmint: the README's commands.
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/passmint
export DATABASE_URL

.PHONY: run test lint fmt deny bench db

## Run the server (release build) on $(DATABASE_URL).
run: db
	cargo run --release -p passmint-server --bin passmint -- serve

## Run every test (unit, contract suites, end-to-end). Needs PostgreSQL on 127.0.0.1:5432.
test: db
	cargo test --workspace --all-targets

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

## Make sure PostgreSQL is up.
db:
	@bash scripts/ensure-postgres.sh
