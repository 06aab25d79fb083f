#!/usr/bin/env bash
# Install Debian's headless-capable Chromium for the browser tests (tests/test_explorer.py).
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root for apt-get;
# without root it only says what to install, and the browser test then fails with that message.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"  # e.g. a GitHub Actions runner
  else
    echo "setup_chromium: /usr/bin/chromium is missing and this is not root; install it with: apt-get install -y chromium" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core fonts-noto-color-emoji
test -x /usr/bin/chromium
echo "setup_chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
