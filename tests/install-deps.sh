#!/usr/bin/env bash
# Installs what the tests run besides cargo: Node.js (the .mjs bundles) and
# Chromium (the web bundles, headless). Idempotent; uses apt when a tool is
# missing.
set -euo pipefail
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
