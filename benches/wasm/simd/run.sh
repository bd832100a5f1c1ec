#!/usr/bin/env bash
# SIMD lowering's effect: the same program built with and without --no-simd,
# run time only (ruchy-wasm-bench: compiled once, median of N runs), in one go.
set -euo pipefail
cd "$(dirname "$0")/../../.."
RUNS="${BENCH_RUNS:-5}"
cargo build --release -q -p ruchy-wasm -p ruchy-wasm-host
out="$(mktemp -d)"
for mode in simd no-simd; do
  flags=()
  [ "$mode" = no-simd ] && flags=(--no-simd)
  target/release/ruchy-wasm build -O2 "${flags[@]}" benches/wasm/simd/simd_map.ruchy -o "$out/$mode" --target wasi 2>/dev/null
  ms=$(target/release/ruchy-wasm-bench "$out/$mode/simd_map.wasm" --runs "$RUNS" | awk '/^run_ms/ {print $2}')
  echo "$mode: $ms ms"
done
rm -rf "$out"
