#!/usr/bin/env bash
# Wasm-tier benchmark suite. For every program it runs
#   - the Ruchy program compiled by `ruchy-wasm build -O2` in wasmtime
#     (run time only: compiled once, then instantiate + `_start` per run),
#   - the same Ruchy program on the bytecode VM (`ruchy-wasm run`, wall time),
#   - a native Rust twin (rust/NAME.rs, `rustc -O`, wall time),
#   - an AssemblyScript twin (as/NAME.ts, `asc -O3`, in wasmtime, run time only),
# checks that every version prints what the Ruchy program prints, and writes a
# Markdown table to benches/wasm/report.md. Run from anywhere; see
# benches/README.md ("Wasm tier").
#
# Programs: benches/programs/*.ruchy (shared with the VM suite) and
# benches/wasm/programs/*.ruchy (wasm-tier only).
#
# Environment:
#   BENCH_RUNS=N          timed runs per program and tier (default 3; median reported)
#   BENCH_SKIP_BUILD=1    do not run cargo (reuse the release binaries)
#   BENCH_PROGRAMS="a b"  only these programs
#   BENCH_TIMEOUT=S       time limit per run in seconds (default 60)
#   BENCH_OPT=LEVEL       ruchy-wasm optimisation level (default 2)
#   BENCH_SKIP_VM=1       leave the VM column empty (it is the slowest tier)
#   RUCHY_BIN, BENCH_BIN  ruchy-wasm / ruchy-wasm-bench binaries
#                         (default: $CARGO_TARGET_DIR or target, /release/...)
#   RUSTC, NPM            commands (default rustc / npm)
#   RUCHY_RUNTIME_WASM    passed through to cargo: a prebuilt runtime module
#
# Exit status: 0 when every version that ran printed the reference output
# (a Ruchy program the wasm tier cannot compile yet is reported as "not yet"
# and does not fail the run), 1 on an output mismatch or a failed run, 2 on a
# setup error.
set -euo pipefail

WASM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$WASM_DIR/../.." && pwd)"
OUT="$WASM_DIR/out"
RUNS="${BENCH_RUNS:-3}"
TIMEOUT_S="${BENCH_TIMEOUT:-60}"
OPT="${BENCH_OPT:-2}"
RUSTC="${RUSTC:-rustc}"
NPM="${NPM:-npm}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
RUCHY_BIN="${RUCHY_BIN:-$TARGET_DIR/release/ruchy-wasm}"
BENCH_BIN="${BENCH_BIN:-$TARGET_DIR/release/ruchy-wasm-bench}"
ASC="$WASM_DIR/node_modules/.bin/asc"
# The AssemblyScript modules import nothing but WASI: aborts go to a handler
# in as/lib/io.ts that prints to stderr and calls proc_exit.
ASC_FLAGS=(-O3 --use abort=as/lib/io/abortHandler)

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: error: $*"; exit 2; }

case "$RUNS" in ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer (got '$RUNS')";; esac

# ---------------------------------------------------------------- setup ----
if [ "${BENCH_SKIP_BUILD:-0}" != "1" ]; then
  log "building: cargo build --release -p ruchy-wasm -p ruchy-wasm-host"
  (cd "$ROOT" && cargo build --release -p ruchy-wasm -p ruchy-wasm-host) >&2 || die "cargo build failed (if runtime-lib is mid-edit, set RUCHY_RUNTIME_WASM=path/to/runtime.wasm)"
fi
[ -x "$RUCHY_BIN" ] || die "ruchy-wasm not found at $RUCHY_BIN"
[ -x "$BENCH_BIN" ] || die "ruchy-wasm-bench not found at $BENCH_BIN"
command -v "$RUSTC" >/dev/null 2>&1 || die "$RUSTC not found"

HAVE_AS=1
if [ ! -x "$ASC" ]; then
  if command -v "$NPM" >/dev/null 2>&1; then
    log "installing AssemblyScript: npm ci (benches/wasm/package-lock.json)"
    (cd "$WASM_DIR" && "$NPM" ci --no-audit --no-fund) >&2 || log "warning: npm ci failed"
  fi
  if [ ! -x "$ASC" ]; then
    log "warning: AssemblyScript is not available; the AS columns will be n/a"
    HAVE_AS=0
  fi
fi

TIMEOUT_CMD=()
if command -v timeout >/dev/null 2>&1; then TIMEOUT_CMD=(timeout "$TIMEOUT_S"); fi

rm -rf "$OUT" "$WASM_DIR/gc"
mkdir -p "$WASM_DIR/gc"
mkdir -p "$OUT/outputs" "$OUT/ruchy" "$OUT/rust" "$OUT/as" "$OUT/logs"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

now_ns() { date +%s%N; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
  if (NR == 0) { print "n/a"; exit }
  if (NR % 2) printf "%.1f", a[(NR + 1) / 2]; else printf "%.1f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
first_line() { grep -v '^[[:space:]]*$' "$1" 2>/dev/null | grep -iv 'warning' | head -n 1 | cut -c1-160 | sed 's/|/\\|/g'; }

# wall_ms OUTFILE CMD... : runs CMD RUNS times; sets W_MS (median ms) or W_ERR.
wall_ms() {
  local outfile="$1"; shift
  local times="" r t0 t1 rc
  W_MS="n/a"; W_ERR=""
  for ((r = 1; r <= RUNS; r++)); do
    local o="$outfile"; [ "$r" -eq 1 ] || o="$TMP/run.out"
    rc=0
    t0="$(now_ns)"
    "${TIMEOUT_CMD[@]}" "$@" >"$o" 2>"$TMP/stderr" || rc=$?
    t1="$(now_ns)"
    if [ "$rc" -ne 0 ]; then
      W_ERR="exit $rc: $(head -c 300 "$TMP/stderr" | tr '\n' ' ')"
      [ "$rc" -ne 124 ] || W_ERR="timed out after ${TIMEOUT_S}s"
      return
    fi
    if [ "$r" -gt 1 ] && ! cmp -s "$o" "$outfile"; then W_ERR="output differs between runs"; return; fi
    times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')"
  done
  W_MS="$(echo "$times" | median)"
}

# wasm_ms WASM OUTFILE : times the module in ruchy-wasm-bench (compiled once
# per invocation, each run = instantiate + `_start`). One run first (its stdout
# is the tier's output, BENCH_TIMEOUT applies), then the other RUNS-1 runs in a
# second invocation (BENCH_TIMEOUT per run). Sets B_MS (median run ms),
# B_COMPILE (ms) or B_ERR; B_INST=1 when the module could not be compiled or
# instantiated (as opposed to a run that failed).
bench_once() {  # bench_once RUNS STDOUT WASM [SVG] -> rc in B_RC, key/value lines in $TMP/bench
  B_RC=0
  local cmd=("$BENCH_BIN" "$3" --runs "$1" --stdout "$2")
  [ -z "${4:-}" ] || cmd+=(--gc-timeline "$4")
  [ "${#TIMEOUT_CMD[@]}" -eq 0 ] || cmd=(timeout "$(( TIMEOUT_S * $1 ))" "${cmd[@]}")
  "${cmd[@]}" >"$TMP/bench" 2>"$TMP/stderr" || B_RC=$?
  if [ "$B_RC" -ne 0 ]; then
    B_ERR="exit $B_RC: $(head -c 300 "$TMP/stderr" | tr '\n' ' ')"
    [ "$B_RC" -ne 124 ] || B_ERR="timed out after $(( TIMEOUT_S * $1 ))s"
    if grep -q 'invalid module\|cannot instantiate\|no _start' "$TMP/stderr"; then B_INST=1; fi
  fi
}
wasm_ms() {  # wasm_ms WASM OUTFILE [SVG]: also sets B_GC (a GC table row's cells) from the first run
  local wasm="$1" outfile="$2" times
  B_MS="n/a"; B_COMPILE="n/a"; B_ERR=""; B_INST=0; B_GC=""
  bench_once 1 "$outfile" "$wasm" "${3:-}"
  [ "$B_RC" -eq 0 ] || return 0
  B_COMPILE="$(awk '$1 == "compile_ms" { printf "%.1f", $2 }' "$TMP/bench")"
  B_GC="$(awk '$1 == "gc_collections" { c = $2 } $1 == "gc_max_pause_ms" { m = $2 } $1 == "gc_total_pause_ms" { t = $2 }
    $1 == "peak_memory_bytes" { p = sprintf("%.1f", $2 / 1048576) }
    END { if (c != "") printf "%s | %s | %s | %s", c, m, t, p }' "$TMP/bench")"
  times="$(awk '$1 == "runs_ms" { $1 = ""; print }' "$TMP/bench")"
  if [ "$RUNS" -gt 1 ]; then
    bench_once "$((RUNS - 1))" "$TMP/rest.out" "$wasm"
    [ "$B_RC" -eq 0 ] || return 0
    if ! cmp -s "$outfile" "$TMP/rest.out"; then B_ERR="output differs between runs"; return 0; fi
    times="$times $(awk '$1 == "runs_ms" { $1 = ""; print }' "$TMP/bench")"
  fi
  B_MS="$(echo "$times" | median)"
}

failcell() { case "$1" in *"timed out"*) echo "timeout ✗";; *) echo "fail ✗";; esac; }
kb() { awk -v b="$1" 'BEGIN { if (b + 0 > 0) printf "%.1f", b / 1024; else print "n/a" }'; }
ratio() {  # ratio NUM DEN -> NUM/DEN, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a + 0 <= 0 || b + 0 <= 0) print "n/a"; else printf "%.2f", a / b }'
}
geomean() {  # geomean v1 v2 ... (n/a and marked values skipped)
  printf '%s\n' "$@" | awk '$1 ~ /^[0-9.]+$/ && $1 + 0 > 0 { s += log($1); n++ }
    END { if (n) printf "%.2f", exp(s / n); else print "n/a" }'
}

# ------------------------------------------------------------- programs ----
declare -A SRC
for f in "$ROOT"/benches/programs/*.ruchy "$WASM_DIR"/programs/*.ruchy; do
  [ -f "$f" ] && SRC[$(basename "$f" .ruchy)]="$f"
done
if [ -n "${BENCH_PROGRAMS:-}" ]; then
  read -r -a PROGRAMS <<<"$BENCH_PROGRAMS"
else
  mapfile -t PROGRAMS < <(printf '%s\n' "${!SRC[@]}" | sort)
fi
[ "${#PROGRAMS[@]}" -gt 0 ] || die "no programs"

FAILURES=(); NOTES=(); ROWS=(); COMPILE_ROWS=(); GC_ROWS=()
R_WASM_RUST=(); R_WASM_AS=(); R_VM_WASM=()

for prog in "${PROGRAMS[@]}"; do
  src="${SRC[$prog]:-}"
  [ -n "$src" ] || die "no program named $prog"
  log "== $prog"
  o="$OUT/outputs/$prog"
  wasm_t="n/a"; vm_t="n/a"; rust_t="n/a"; as_t="n/a"; wasm_kb="n/a"; as_kb="n/a"
  wasm_c="n/a"; as_c="n/a"; build_ms="n/a"

  # -- Ruchy on the VM (also the reference output)
  if [ "${BENCH_SKIP_VM:-0}" != "1" ]; then
    wall_ms "$o.vm.out" "$RUCHY_BIN" run "$src"
    if [ -n "$W_ERR" ]; then FAILURES+=("$prog (VM): $W_ERR"); vm_t="$(failcell "$W_ERR")"; else vm_t="$W_MS"; fi
    log "  VM ms:   $vm_t"
  fi

  # -- native Rust
  if [ -f "$WASM_DIR/rust/$prog.rs" ]; then
    if "$RUSTC" -O -o "$OUT/rust/$prog" "$WASM_DIR/rust/$prog.rs" 2>"$OUT/logs/$prog.rustc.log"; then
      wall_ms "$o.rust.out" "$OUT/rust/$prog"
      if [ -n "$W_ERR" ]; then FAILURES+=("$prog (Rust): $W_ERR"); rust_t="$(failcell "$W_ERR")"; else rust_t="$W_MS"; fi
    else
      FAILURES+=("$prog (Rust): rustc failed: $(first_line "$OUT/logs/$prog.rustc.log")"); rust_t="fail ✗"
    fi
  else
    NOTES+=("$prog: no rust/$prog.rs")
  fi
  log "  Rust ms: $rust_t"

  # -- Ruchy compiled to wasm
  bt0="$(now_ns)"; brc=0
  "${TIMEOUT_CMD[@]}" "$RUCHY_BIN" build "-O$OPT" --target wasi -o "$OUT/ruchy" "$src" 2>"$OUT/logs/$prog.build.log" >/dev/null || brc=$?
  bt1="$(now_ns)"
  if [ "$brc" -ne 0 ] || [ ! -f "$OUT/ruchy/$prog.wasm" ]; then
    wasm_t="not yet"
    NOTES+=("$prog: \`ruchy-wasm build\` fails: $(first_line "$OUT/logs/$prog.build.log")")
  else
    build_ms="$(awk -v a="$bt0" -v b="$bt1" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')"
    wasm_kb="$(kb "$(stat -c %s "$OUT/ruchy/$prog.wasm")")"
    wasm_ms "$OUT/ruchy/$prog.wasm" "$o.wasm.out" "$WASM_DIR/gc/$prog.svg"
    if [ -n "$B_GC" ]; then
      link=""; [ ! -f "$WASM_DIR/gc/$prog.svg" ] || link="[timeline](gc/$prog.svg)"
      GC_ROWS+=("| $prog | $B_GC | $link |")
    fi
    if [ -n "$B_ERR" ]; then
      if [ "$B_INST" -eq 1 ]; then
        wasm_t="not yet"; NOTES+=("$prog: the module does not load: $(echo "$B_ERR" | cut -c1-200 | sed 's/|/\\|/g')")
      else
        wasm_t="$(failcell "$B_ERR")"; FAILURES+=("$prog (wasm): $B_ERR")
      fi
    else
      wasm_t="$B_MS"; wasm_c="$B_COMPILE"
    fi
  fi
  log "  wasm ms: $wasm_t (module $wasm_kb KB)"

  # -- AssemblyScript
  if [ "$HAVE_AS" -eq 1 ] && [ -f "$WASM_DIR/as/$prog.ts" ]; then
    if (cd "$WASM_DIR" && "$ASC" "as/$prog.ts" "${ASC_FLAGS[@]}" -o "$OUT/as/$prog.wasm") 2>"$OUT/logs/$prog.asc.log" >/dev/null; then
      as_kb="$(kb "$(stat -c %s "$OUT/as/$prog.wasm")")"
      wasm_ms "$OUT/as/$prog.wasm" "$o.as.out"
      if [ -n "$B_ERR" ]; then FAILURES+=("$prog (AS): $B_ERR"); as_t="$(failcell "$B_ERR")"; else as_t="$B_MS"; as_c="$B_COMPILE"; fi
    else
      FAILURES+=("$prog (AS): asc failed: $(first_line "$OUT/logs/$prog.asc.log")"); as_t="fail ✗"
    fi
  elif [ "$HAVE_AS" -eq 1 ]; then
    NOTES+=("$prog: no as/$prog.ts")
  fi
  log "  AS ms:   $as_t (module $as_kb KB)"

  # -- output check: the VM's output is the reference (Rust's without the VM)
  ref=""
  if [ -f "$o.vm.out" ] && [[ "$vm_t" != *✗* ]]; then ref=vm
  elif [ -f "$o.rust.out" ] && [[ "$rust_t" != *✗* ]]; then ref=rust
  fi
  if [ -n "$ref" ]; then
    for tier in vm rust wasm as; do
      [ "$tier" != "$ref" ] && [ -f "$o.$tier.out" ] || continue
      case "$tier" in vm) t="$vm_t";; rust) t="$rust_t";; wasm) t="$wasm_t";; as) t="$as_t";; esac
      case "$t" in *✗*|n/a|"not yet") continue;; esac
      if ! cmp -s "$o.$ref.out" "$o.$tier.out"; then
        FAILURES+=("$prog ($tier): OUTPUT MISMATCH vs $ref (diff $o.$ref.out $o.$tier.out)")
        log "  $tier: OUTPUT MISMATCH vs $ref:"; diff "$o.$ref.out" "$o.$tier.out" | head -n 6 >&2 || true
        case "$tier" in vm) vm_t="$vm_t ✗";; rust) rust_t="$rust_t ✗";; wasm) wasm_t="$wasm_t ✗";; as) as_t="$as_t ✗";; esac
      fi
    done
  fi

  wr="$(ratio "$wasm_t" "$rust_t")"; wa="$(ratio "$wasm_t" "$as_t")"; vw="$(ratio "$vm_t" "$wasm_t")"
  R_WASM_RUST+=("$wr"); R_WASM_AS+=("$wa"); R_VM_WASM+=("$vw")
  ROWS+=("| $prog | $wasm_t | $vm_t | $rust_t | $as_t | $wr | $wa | $wasm_kb | $as_kb |")
  COMPILE_ROWS+=("| $prog | $build_ms | $wasm_c | $as_c | $vw |")
done

# ---------------------------------------------------------------- report ----
REPORT="$WASM_DIR/report.md"
{
  echo "# ruchy-wasm wasm-tier benchmarks"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD -- 2>/dev/null || echo ' (dirty tree)')"
  echo "- host: $(nproc 2>/dev/null || echo '?') cores, $(uname -sm); $("$RUSTC" --version 2>/dev/null); AssemblyScript $([ "$HAVE_AS" -eq 1 ] && (cd "$WASM_DIR" && "$ASC" --version 2>/dev/null | awk '{ print $NF }') || echo n/a)"
  echo "- median of $RUNS run(s), milliseconds. **wasm** = \`ruchy-wasm build -O$OPT\` module and **AS** = \`asc ${ASC_FLAGS[*]}\` module, both in the embedded wasmtime (\`ruchy-wasm-bench\`: compiled once, then instantiate + \`_start\` timed, no process start-up or compilation). **VM** = \`ruchy-wasm run\` and **Rust** = \`rustc -O\` binary: wall time of the process."
  echo "- wasm/Rust and wasm/AS: time ratios, above 1 = the Ruchy wasm module is slower. Sizes in KB (1024 bytes)."
  echo
  echo "| program | wasm ms | VM ms | Rust ms | AS ms | wasm/Rust | wasm/AS | wasm KB | AS KB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo "| **geometric mean** | | | | | **$(geomean "${R_WASM_RUST[@]}")** | **$(geomean "${R_WASM_AS[@]}")** | | |"
  echo
  echo "Compile times (ms): \`ruchy-wasm build\` (whole process), wasmtime/Cranelift compile of the Ruchy and AS modules; VM/wasm = how many times faster the wasm module runs than the VM."
  echo
  echo "| program | ruchy-wasm build | wasmtime compile (Ruchy) | wasmtime compile (AS) | VM/wasm |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s\n' "${COMPILE_ROWS[@]}"
  echo "| **geometric mean** | | | | **$(geomean "${R_VM_WASM[@]}")** |"
  echo
  echo "Garbage collection in the wasm modules (first timed run; \`ruchy-wasm-bench\` reads the module's GC log): collections, longest and total pause (ms), and peak linear memory (MB; it never shrinks). Each timeline (SVG) has a bar per collection, as tall as its pause, and the live heap after each."
  echo
  echo "| program | collections | max pause ms | total pause ms | peak memory MB | |"
  echo "|---|---:|---:|---:|---:|---|"
  printf '%s\n' "${GC_ROWS[@]}"
  echo
  echo "Optimisation passes at -O$OPT, summed over the programs that built (from each \`ruchy-wasm build\` summary): the change in LIR instructions each pass made (negative = fewer) and what else it did."
  echo
  echo "| pass | instructions | effects |"
  echo "|---|---:|---|"
  cat "$OUT"/logs/*.build.log 2>/dev/null | awk '
    /^  -O[0-9s]+ instructions: / { before += $3; after += $5 }
    /^  [a-z_]+ +[-+][0-9]+/ {
      pass = $1; if (!(pass in delta)) order[n++] = pass; delta[pass] += $2
      if (match($0, /\((.*)\)/)) {
        k = split(substr($0, RSTART + 1, RLENGTH - 2), parts, ", ")
        for (i = 1; i <= k; i++) { num = parts[i] + 0; what = parts[i]; sub(/^[0-9]+ /, "", what); key = pass SUBSEP what
          if (!(key in eff)) { kinds[pass] = kinds[pass] (kinds[pass] == "" ? "" : SUBSEP) what }; eff[key] += num } } }
    END {
      for (i = 0; i < n; i++) { p = order[i]; text = ""
        m = split(kinds[p], w, SUBSEP)
        for (j = 1; j <= m; j++) text = text (j > 1 ? ", " : "") eff[p SUBSEP w[j]] " " w[j]
        printf "| %s | %+d | %s |\n", p, delta[p], text }
      printf "| **all** | %d → %d | |\n", before, after }'
  if [ "${#NOTES[@]}" -gt 0 ]; then
    echo
    echo "Notes:"
    echo
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
  echo
  if [ "${#FAILURES[@]}" -gt 0 ]; then
    echo "**FAILURES** (✗ marks a failed run or an output that differs from the reference, the VM's):"
    echo
    for f in "${FAILURES[@]}"; do echo "- $f"; done
  else
    echo "Every version that ran printed the same output as the Ruchy program on the VM."
  fi
} >"$REPORT"

cat "$REPORT"
log ""
log "report written to $REPORT (outputs and modules in $OUT)"
if [ "${#FAILURES[@]}" -gt 0 ]; then
  log "run.sh: ${#FAILURES[@]} failure(s)"
  exit 1
fi
exit 0
