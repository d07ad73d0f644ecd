#!/usr/bin/env bash
# Installs what the terminal and browser tests drive, from Debian's packages, when missing
# (idempotent): Chromium for the console's browser tests (playwright-core cannot download its
# own browser here; the tests point it at /usr/bin/chromium) and tmux for the live view's test.
# Needs root (CI runs as root) or sudo; prints what it does and nothing when all is there.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "browser: ${missing[*]} missing and not root: install them with apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi
echo "browser: installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
