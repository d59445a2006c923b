#!/usr/bin/env bash
# `make bench`, webhooks part: the release `passmint serve` on PostgreSQL, then on
# SQLite, delivering to a local receiver that answers 200 at once:
#   1. a backlog of deliveries drained: sustained deliveries per second (target >= 2,000);
#   2. passes issued as fast as 32 connections go while the worker delivers:
#      deliveries per second and latency from each issue's answer to the arrival,
#      p50 (target < 20 ms), p99 (target < 100 ms), all arrived within 1 s of the
#      last issue's answer, beside 3.'s latency;
#   3. passes paced at 200/s: latency from the event's commit to its arrival at the
#      receiver, p50 (target < 50 ms) and p99;
#   4. the delivering server's peak RSS;
#   5. the paced latency of 3. again beside another account whose endpoint hangs
#      with a backlog (the cap of deliveries in flight per webhook at work).
# Knobs: BENCH_WEBHOOK_BACKLOG (20000), BENCH_WEBHOOK_LOAD (10000),
# BENCH_WEBHOOK_PACED (2000), BENCH_WEBHOOK_RATE (200), BENCH_WEBHOOK_CONNECTIONS (32),
# BENCH_WEBHOOK_HANGING (1000).
# Traffic goes to 127.0.0.1 only; every wait is bounded.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_example "webhook (PostgreSQL)" webhook_bench passmint_bench_webhooks 900
bench_sqlite_example webhook_bench 900
