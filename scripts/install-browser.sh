#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (the tests skip without it).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then echo "install-browser: no apt-get; browser tests will skip" >&2; exit 0; fi
SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
