#!/usr/bin/env bash
# Runs the `compile` fuzz target for N seconds (default 60) and prints the
# number of executions. Usage: fuzz/run.sh [SECONDS] [extra libFuzzer args...]
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). There is only a
# stable toolchain, so RUSTC_BOOTSTRAP=1 lets cargo-fuzz use its nightly flags.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-60}"
shift || true
cd "$here"
[ -d corpus/compile ] && [ -n "$(ls -A corpus/compile 2>/dev/null)" ] || ./seed.sh
log="$(mktemp /tmp/ruchy-fuzz.XXXXXX.log)"
start=$(date +%s)
RUSTC_BOOTSTRAP=1 cargo fuzz run compile corpus/compile -- \
    -dict=ruchy.dict -max_total_time="$secs" -print_final_stats=1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
end=$(date +%s)
execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$execs" = "0" ]; then
    # Crashing runs print no final stats; take the last status line instead.
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
fi
echo "== fuzz run: ${execs:-unknown} execs in $((end - start))s wall (max_total_time=${secs}s), exit ${rc}; log: $log"
ls artifacts/compile 2>/dev/null | sed 's/^/== artifact: fuzz\/artifacts\/compile\//'
exit "$rc"
