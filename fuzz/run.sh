#!/usr/bin/env bash
# Runs the `compile` fuzz target for N seconds (default 60) and prints the
# number of executions. Usage: fuzz/run.sh [SECONDS] [extra libFuzzer args...]
# e.g. fuzz/run.sh 600 -jobs=1
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). There is only a
# stable toolchain, so RUSTC_BOOTSTRAP=1 lets cargo-fuzz use its nightly flags.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-60}"
shift || true
cd "$here"
[ -n "$(ls -A corpus/compile 2>/dev/null)" ] || ./seed.sh
# With -jobs=N libFuzzer writes its output to fuzz-<i>.log in this directory.
rm -f fuzz-*.log
log="$(mktemp /tmp/ruchy-fuzz.XXXXXX.log)"
start=$(date +%s)
RUSTC_BOOTSTRAP=1 cargo fuzz run compile corpus/compile -- \
    -dict=ruchy.dict -max_total_time="$secs" -print_final_stats=1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
end=$(date +%s)
logs=("$log")
for f in fuzz-*.log; do [ -e "$f" ] && logs+=("$f"); done
# Sum the final stats of every worker (fuzz-<i>.log); without -jobs/-workers
# they are only in the main output. (With -jobs cargo-fuzz may echo a worker's
# log into the main output as well, so don't count both.)
stat_logs=()
for f in fuzz-*.log; do [ -e "$f" ] && stat_logs+=("$f"); done
[ ${#stat_logs[@]} -gt 0 ] || stat_logs=("$log")
execs=$(cat "${stat_logs[@]}" | grep -E '^stat::number_of_executed_units:' | awk '{s+=$2} END {print s+0}')
if [ "$execs" = "0" ]; then
    # Crashing runs print no final stats; take the last status line instead.
    execs=$(cat "${logs[@]}" | grep -oE '^#[0-9]+' | tail -1 | tr -d '#')
fi
echo "== fuzz run: ${execs:-unknown} execs in $((end - start))s wall (max_total_time=${secs}s), exit ${rc}; logs: ${logs[*]}"
grep -hE 'panicked at|^SUMMARY|Test unit written' "${logs[@]}" | sort -u | sed 's/^/== /'
exit "$rc"
