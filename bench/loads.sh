# Shared by run.sh and sqlite.sh (sourced, not run): the repository root as the
# working directory, the knobs of the issue/retrieve loads, the binaries, and
# `say` (a line to stdout and to the results file).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/bench-out}
SECS=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-32}
SOLO_SECS=${BENCH_SOLO_SECONDS:-3}
BIN=$ROOT/target/release/passmint
GEN=$ROOT/target/release/passmint-bench
RESULTS=$OUT/results.txt

say() { echo "$*" | tee -a "$RESULTS"; }
