#!/usr/bin/env bash
# `make bench`, public pages part: the release `passmint serve` on PostgreSQL with
# its default limits; the API client of one account retrieves a pass alone (the
# same-run quiet baseline), then while BENCH_PUBLIC_HAMMER_CONNECTIONS (32)
# connections from one address GET another account's landing page as fast as they
# can. Prints both p99s and their ratio (target <= 2), the hammer's 200s and 429s
# and the url_viewed events it left. Knobs: BENCH_PUBLIC_SECONDS (10),
# BENCH_PUBLIC_API_CONNECTIONS (4). Traffic goes to 127.0.0.1 only; every loop is
# bounded in time.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_example "public pages" public_bench passmint_bench_public 300
