#!/usr/bin/env bash
# Seeds the libFuzzer corpus with the conformance programs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/corpus/compile"
cp "$here"/../tests/conformance/*.ruchy "$here/corpus/compile/"
echo "seeded $(ls "$here/corpus/compile" | wc -l) files into fuzz/corpus/compile"
