#!/usr/bin/env bash
# Installs Debian's PostgreSQL for the shared group store's tests when it is missing (they skip
# without it). The tests run their own throwaway cluster (initdb, pg_ctl) as the postgres user;
# the package's own cluster is not needed and is not started here.
set -euo pipefail
BIN="${UNITRACK_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ -x "$BIN/initdb" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null; then echo "install-postgres: no apt-get; PostgreSQL store tests will skip" >&2; exit 0; fi
SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
