#!/usr/bin/env bash
# `make bench`, push part: the release `passmint serve` on PostgreSQL,
# one PATCH of a pass with BENCH_PUSH_DEVICES (10000) registered devices, pushed to
# a local fake APNs (HTTP/2 over TLS, client certificates) in the bench process.
# Prints pushes per second, the time from the PATCH to the last push (target: under
# 5 s) and, as the same-run baseline, the same pushes sent straight from the
# passmint-apns client. Traffic goes to 127.0.0.1 only; every wait is bounded.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_example push push_bench passmint_bench_push 600
