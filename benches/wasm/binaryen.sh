#!/usr/bin/env bash
# What Binaryen's wasm-opt adds after our own pipeline, in one script run:
# for every benchmark program, the module built by `ruchy-wasm build -O2`
# with and without `--binaryen` — size, build time, and run time in the
# embedded wasmtime (`ruchy-wasm-bench`, median of BENCH_RUNS) — and a check
# that both print the same. Writes benches/wasm/binaryen.md.
#
# Needs a ruchy-wasm built with the `binaryen` feature. By default the script
# builds one (`cargo build -p ruchy-wasm --features binaryen`, debug: the
# compiler's own speed does not change the modules) and copies it aside;
# RUCHY_BINARYEN_BIN=path uses another. The bench binary is the release
# `ruchy-wasm-bench` (built if missing).
#
# Environment: BENCH_RUNS (default 3), BENCH_PROGRAMS="a b", BENCH_SKIP_BUILD=1.
set -euo pipefail

WASM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$WASM_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$WASM_DIR/out/binaryen"
RUNS="${BENCH_RUNS:-3}"
BENCH_BIN="${BENCH_BIN:-$TARGET_DIR/release/ruchy-wasm-bench}"
mkdir -p "$OUT"

log() { printf '%s\n' "$*" >&2; }
die() { log "binaryen.sh: error: $*"; exit 2; }

if [ -z "${RUCHY_BINARYEN_BIN:-}" ]; then
  RUCHY_BINARYEN_BIN="$OUT/ruchy-wasm"
  if [ "${BENCH_SKIP_BUILD:-0}" != "1" ] || [ ! -x "$RUCHY_BINARYEN_BIN" ]; then
    log "building: cargo build -p ruchy-wasm --features binaryen (Binaryen's C++ takes minutes the first time)"
    (cd "$ROOT" && cargo build -p ruchy-wasm --features binaryen) >&2 || die "cargo build failed"
    cp "$TARGET_DIR/debug/ruchy-wasm" "$RUCHY_BINARYEN_BIN"
  fi
fi
if [ ! -x "$BENCH_BIN" ]; then
  (cd "$ROOT" && cargo build --release -p ruchy-wasm-host) >&2 || die "cargo build of ruchy-wasm-bench failed"
fi

if [ -n "${BENCH_PROGRAMS:-}" ]; then
  read -r -a PROGRAMS <<<"$BENCH_PROGRAMS"
else
  mapfile -t PROGRAMS < <(cd "$ROOT" && ls benches/programs/*.ruchy benches/wasm/programs/*.ruchy | xargs -n1 basename | sed 's/\.ruchy$//' | sort)
fi

now_ms() { date +%s%3N; }
ROWS=(); FAILURES=()
for prog in "${PROGRAMS[@]}"; do
  src="$ROOT/benches/programs/$prog.ruchy"; [ -f "$src" ] || src="$WASM_DIR/programs/$prog.ruchy"
  [ -f "$src" ] || die "no program named $prog"
  log "== $prog"
  cells=()
  for variant in ours binaryen; do
    flags=(); [ "$variant" = ours ] || flags=(--binaryen)
    dir="$OUT/$variant"; mkdir -p "$dir"
    t0="$(now_ms)"
    "$RUCHY_BINARYEN_BIN" build -O2 "${flags[@]}" --target wasi -o "$dir" "$src" >/dev/null 2>"$dir/$prog.build.log" || { FAILURES+=("$prog ($variant): build failed"); cells+=(n/a n/a n/a); continue; }
    t1="$(now_ms)"
    if "$BENCH_BIN" "$dir/$prog.wasm" --runs "$RUNS" --stdout "$dir/$prog.out" >"$dir/$prog.bench" 2>"$dir/$prog.bench.err"; then
      run="$(awk '$1 == "run_ms" { printf "%.1f", $2 }' "$dir/$prog.bench")"
    else
      run="fail"; FAILURES+=("$prog ($variant): $(head -c 200 "$dir/$prog.bench.err" | tr '\n' ' ')")
    fi
    cells+=("$(awk -v b="$(stat -c %s "$dir/$prog.wasm")" 'BEGIN { printf "%.1f", b / 1024 }')" "$((t1 - t0))" "$run")
  done
  if [ -f "$OUT/ours/$prog.out" ] && [ -f "$OUT/binaryen/$prog.out" ] && ! cmp -s "$OUT/ours/$prog.out" "$OUT/binaryen/$prog.out"; then
    FAILURES+=("$prog: output differs with --binaryen")
  fi
  ratio="$(awk -v a="${cells[5]}" -v b="${cells[2]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')"
  ROWS+=("| $prog | ${cells[0]} | ${cells[3]} | ${cells[1]} | ${cells[4]} | ${cells[2]} | ${cells[5]} | $ratio |")
done

{
  echo "# Binaryen after our pipeline"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown); median of $RUNS run(s)"
  echo "- \`ruchy-wasm build -O2\` without and with \`--binaryen\` (Binaryen's wasm-opt -O2 on the finished module). Build time is the whole \`ruchy-wasm build\` process (a debug build of the compiler, so both columns are slow alike); run time is instantiate + \`_start\` in the embedded wasmtime."
  echo
  echo "| program | KB | KB with Binaryen | build ms | build ms with Binaryen | run ms | run ms with Binaryen | run time with/without |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  if [ "${#FAILURES[@]}" -gt 0 ]; then
    echo "**FAILURES:**"; echo
    for f in "${FAILURES[@]}"; do echo "- $f"; done
  else
    echo "Every module printed the same with and without Binaryen."
  fi
} >"$WASM_DIR/binaryen.md"
cat "$WASM_DIR/binaryen.md"
[ "${#FAILURES[@]}" -eq 0 ]
