#!/usr/bin/env bash
# Benchmark suite: runs every benches/programs/NAME.ruchy on the ruchy-wasm
# bytecode VM and its NAME.py / NAME.lua twins on python3 / lua5.4, checks the
# outputs agree, and prints a Markdown table (also written to
# benches/out/report.md). Exits non-zero if any output differs or a run fails.
#
# Environment:
#   BENCH_RUNS=N          timed runs per program and language (default 3)
#   BENCH_SKIP_BUILD=1    do not run `cargo build --release -p ruchy-wasm`
#   BENCH_PROGRAMS="a b"  only these programs (default: all programs/*.ruchy)
#   BENCH_TIMEOUT=S       per-run time limit in seconds (default 300)
#   BENCH_GC_STATS=0      skip the extra untimed `--gc-stats` run per program
#   RUCHY_BIN=path        ruchy-wasm binary (default: target/release/ruchy-wasm)
#   PYTHON=cmd LUA=cmd    interpreters (default python3 / lua5.4)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
PROG_DIR="$BENCH_DIR/programs"
OUT_DIR="$BENCH_DIR/out"
RUNS="${BENCH_RUNS:-3}"
TIMEOUT_S="${BENCH_TIMEOUT:-300}"
PYTHON="${PYTHON:-python3}"
LUA="${LUA:-lua5.4}"
RUCHY_BIN="${RUCHY_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ruchy-wasm}"

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: error: $*"; exit 2; }

case "$RUNS" in ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer (got '$RUNS')";; esac

# ---------------------------------------------------------------- setup ----
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi
APT_UPDATED=0
apt_install() {  # apt_install PKG: best effort, returns non-zero on failure
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then return 1; fi
  log "installing $1 with apt-get ..."
  if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    APT_UPDATED=1
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null 2>&1 || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >/dev/null 2>&1 && return 0
  fi
  return 1
}

if [ "${BENCH_SKIP_BUILD:-0}" != "1" ]; then
  log "building: cargo build --release -p ruchy-wasm"
  (cd "$ROOT" && cargo build --release -p ruchy-wasm) >&2 || die "cargo build failed"
fi
[ -x "$RUCHY_BIN" ] || die "ruchy-wasm binary not found at $RUCHY_BIN (build it or unset BENCH_SKIP_BUILD)"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"

if ! command -v "$LUA" >/dev/null 2>&1; then
  apt_install lua5.4 || true
fi
HAVE_LUA=1
if ! command -v "$LUA" >/dev/null 2>&1; then
  log "warning: $LUA is not available; the lua column will be n/a"
  HAVE_LUA=0
fi

TIME_BIN=/usr/bin/time
if [ ! -x "$TIME_BIN" ]; then
  apt_install time || true
fi
USE_GNU_TIME=0
if [ -x "$TIME_BIN" ] && "$TIME_BIN" -f "%e %M" -o /dev/null true >/dev/null 2>&1; then
  USE_GNU_TIME=1
else
  log "note: GNU /usr/bin/time unavailable; measuring with a python resource-module wrapper"
fi
TIMEOUT_CMD=()
if command -v timeout >/dev/null 2>&1; then TIMEOUT_CMD=(timeout "$TIMEOUT_S"); fi

mkdir -p "$OUT_DIR/outputs"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Python fallback wrapper: prints "<wall seconds> <max rss KB>" to the file in
# argv[1] and exits with the child's status.
cat > "$TMP/measure.py" <<'PYEOF'
import resource, subprocess, sys, time
out = sys.argv[1]
t0 = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
with open(out, "w") as f:
    f.write(f"{wall:.6f} {rss}\n")
sys.exit(rc if rc >= 0 else 128 - rc)
PYEOF

now_ns() { date +%s%N; }

# measure OUTFILE CMD... -> sets M_WALL (seconds), M_RSS (KB), M_RC.
# Wall time comes from a nanosecond clock around the run (GNU time's %e has only
# 10 ms resolution); peak RSS from GNU time's %M (or getrusage in the fallback).
measure() {
  local outfile="$1"; shift
  local t0 t1
  M_RC=0
  if [ "$USE_GNU_TIME" -eq 1 ]; then
    t0="$(now_ns)"
    "${TIMEOUT_CMD[@]}" "$TIME_BIN" -f "%e %M" -o "$TMP/time" "$@" >"$outfile" 2>"$TMP/stderr" || M_RC=$?
    t1="$(now_ns)"
    M_WALL="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
    M_RSS="$(awk 'END { print $NF }' "$TMP/time" 2>/dev/null || true)"
  else
    "${TIMEOUT_CMD[@]}" "$PYTHON" "$TMP/measure.py" "$TMP/time" "$@" >"$outfile" 2>"$TMP/stderr" || M_RC=$?
    M_WALL="$(awk '{ printf "%.4f", $1 }' "$TMP/time" 2>/dev/null || true)"
    M_RSS="$(awk '{ print $2 }' "$TMP/time" 2>/dev/null || true)"
  fi
  case "$M_RSS" in ''|*[!0-9]*) M_RSS=0;; esac
  [ -n "$M_WALL" ] || M_WALL=0
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
  if (NR == 0) { print "nan"; exit }
  if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
maxof() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -n 1; }

# ------------------------------------------------------------- programs ----
if [ -n "${BENCH_PROGRAMS:-}" ]; then
  read -r -a PROGRAMS <<<"$BENCH_PROGRAMS"
else
  PROGRAMS=()
  for f in "$PROG_DIR"/*.ruchy; do PROGRAMS+=("$(basename "$f" .ruchy)"); done
fi
[ "${#PROGRAMS[@]}" -gt 0 ] || die "no programs in $PROG_DIR"

FAILURES=()
ROWS=()
GC_LINES=()
declare -A T RSS

for prog in "${PROGRAMS[@]}"; do
  for lang in ruchy py lua; do
    src="$PROG_DIR/$prog.$lang"
    T[$prog.$lang]="n/a"; RSS[$prog.$lang]=0
    if [ ! -f "$src" ]; then
      FAILURES+=("$prog: missing $prog.$lang"); continue
    fi
    case "$lang" in
      ruchy) cmd=("$RUCHY_BIN" run "$src");;
      py)    cmd=("$PYTHON" "$src");;
      lua)   [ "$HAVE_LUA" -eq 1 ] || continue; cmd=("$LUA" "$src");;
    esac
    times=""; rsses=""; ok=1
    for ((r = 1; r <= RUNS; r++)); do
      outf="$OUT_DIR/outputs/$prog.$lang.out"
      [ "$r" -eq 1 ] || outf="$TMP/run.out"
      measure "$outf" "${cmd[@]}"
      if [ "$M_RC" -ne 0 ]; then
        msg="$(head -c 400 "$TMP/stderr" | tr '\n' ' ')"
        [ "$M_RC" -ne 124 ] || msg="timed out after ${TIMEOUT_S}s"
        FAILURES+=("$prog.$lang: exit $M_RC: $msg")
        log "  $prog.$lang: FAILED (exit $M_RC) $msg"
        ok=0; break
      fi
      if [ "$r" -gt 1 ] && ! cmp -s "$outf" "$OUT_DIR/outputs/$prog.$lang.out"; then
        FAILURES+=("$prog.$lang: output differs between runs")
        ok=0; break
      fi
      times="$times $M_WALL"; rsses="$rsses $M_RSS"
    done
    if [ "$ok" -eq 1 ]; then
      T[$prog.$lang]="$(echo "$times" | median)"
      RSS[$prog.$lang]="$(echo "$rsses" | maxof)"
      log "  $prog.$lang: median ${T[$prog.$lang]} s over $RUNS run(s), peak RSS ${RSS[$prog.$lang]} KB"
    fi
  done

  # Output check: python's output is the reference.
  ref="$OUT_DIR/outputs/$prog.py.out"
  for lang in ruchy lua; do
    [ "$lang" != lua ] || [ "$HAVE_LUA" -eq 1 ] || continue
    got="$OUT_DIR/outputs/$prog.$lang.out"
    if [ "${T[$prog.$lang]}" != "n/a" ] && [ "${T[$prog.py]}" != "n/a" ] && ! cmp -s "$ref" "$got"; then
      FAILURES+=("$prog.$lang: OUTPUT MISMATCH vs $prog.py (diff $ref $got)")
      log "  $prog.$lang: OUTPUT MISMATCH:"
      diff "$ref" "$got" | head -n 10 >&2 || true
      T[$prog.$lang]="${T[$prog.$lang]} ✗"
    fi
  done

  if [ "${BENCH_GC_STATS:-1}" != "0" ] && [ -f "$PROG_DIR/$prog.ruchy" ]; then
    if "${TIMEOUT_CMD[@]}" "$RUCHY_BIN" run --gc-stats "$PROG_DIR/$prog.ruchy" >/dev/null 2>"$TMP/gc"; then
      gc_line="$( (grep -i 'gc' "$TMP/gc" || true) | tail -n 1 | sed 's/|/\\|/g')"
      GC_LINES+=("| $prog | ${gc_line:-n/a} |")
    fi
  fi
done

# ---------------------------------------------------------------- report ----
ratio() {  # ratio NUM DEN -> NUM/DEN with 2 decimals, or n/a
  awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {
    if (a == "n/a" || b == "n/a" || a + 0 <= 0 || b + 0 <= 0) print "n/a"; else printf "%.2f", a / b }'
}
geomean() {  # geomean v1 v2 ... (n/a skipped)
  printf '%s\n' "$@" | awk '$1 != "n/a" && $1 + 0 > 0 { s += log($1); n++ }
    END { if (n) printf "%.2f", exp(s / n); else print "n/a" }'
}

PY_RATIOS=(); LUA_RATIOS=()
for prog in "${PROGRAMS[@]}"; do
  rt="${T[$prog.ruchy]}"; pt="${T[$prog.py]}"; lt="${T[$prog.lua]}"
  pr="$(ratio "$pt" "$rt")"; lr="$(ratio "$lt" "$rt")"
  # mismatched outputs do not count towards the means
  case "$rt$pt$lt" in *✗*) ;; *) PY_RATIOS+=("$pr"); LUA_RATIOS+=("$lr");; esac
  case "$rt$lt" in *✗*) lr="$lr ✗";; esac
  case "$rt" in *✗*) pr="$pr ✗";; esac
  rss="n/a"
  [ "${RSS[$prog.ruchy]}" -gt 0 ] && rss="$(awk -v k="${RSS[$prog.ruchy]}" 'BEGIN { printf "%.1f", k / 1024 }')"
  ROWS+=("| $prog | $rt | $pt | $lt | $pr | $lr | $rss |")
done

REPORT="$OUT_DIR/report.md"
{
  echo "# ruchy-wasm benchmarks"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD -- 2>/dev/null || echo ' (dirty tree)')"
  echo "- host: $(nproc 2>/dev/null || echo '?') cores, $(uname -sm)"
  echo "- ruchy-wasm: \`$RUCHY_BIN run\` (bytecode VM); python: $("$PYTHON" --version 2>&1); lua: $([ "$HAVE_LUA" -eq 1 ] && "$LUA" -v 2>&1 | head -n 1 | awk "{ print \$1, \$2 }" || echo n/a)"
  echo "- median wall time of $RUNS run(s) in seconds, process start-up included; ratios > 1 mean ruchy is faster; peak RSS is the max over the runs"
  echo
  echo "| program | ruchy (s) | python (s) | lua (s) | py/ruchy ratio | lua/ruchy ratio | ruchy peak RSS (MB) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo "| **geometric mean** | | | | **$(geomean "${PY_RATIOS[@]}")** | **$(geomean "${LUA_RATIOS[@]}")** | |"
  if [ "${#GC_LINES[@]}" -gt 0 ]; then
    echo
    echo "ruchy GC statistics (\`run --gc-stats\`, one extra untimed run):"
    echo
    echo "| program | gc stats |"
    echo "|---|---|"
    printf '%s\n' "${GC_LINES[@]}"
  fi
  if [ "${#FAILURES[@]}" -gt 0 ]; then
    echo
    echo "**FAILURES** (✗ marks an output that differs from python's):"
    echo
    for f in "${FAILURES[@]}"; do echo "- $f"; done
  else
    echo
    echo "All outputs match across ruchy, python and lua."
  fi
} >"$REPORT"

cat "$REPORT"
log ""
log "report written to $REPORT"
if [ "${#FAILURES[@]}" -gt 0 ]; then
  log "run.sh: ${#FAILURES[@]} failure(s)"
  exit 1
fi
