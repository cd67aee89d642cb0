#!/usr/bin/env bash
# Builds (once per machine) telemetrygen, the OpenTelemetry Collector's load generator, with
# `go install` at one pinned release: the interop tests send OTLP/gRPC and OTLP/HTTP logs with it.
#
# Contract (as scripts/build-otelcol.sh):
#   bash scripts/build-telemetrygen.sh   -> last line of stdout is the absolute path of the binary
#   exit 0 when built or already cached; exit 2 (message on stderr) when Go is not installed;
#   any other non-zero exit is a build failure (go output on stderr).
# The binary is cached outside the repository, in
#   ${UNITRACK_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unitrack}/telemetrygen-v<version>/telemetrygen
set -euo pipefail

TELEMETRYGEN_VERSION="0.161.0"
CACHE_ROOT="${UNITRACK_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unitrack}"
OUT_DIR="$CACHE_ROOT/telemetrygen-v$TELEMETRYGEN_VERSION"
BIN="$OUT_DIR/telemetrygen"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
if [ -z "$GO" ]; then
  echo "build-telemetrygen: Go is not installed (no 'go' on PATH); cannot build telemetrygen v$TELEMETRYGEN_VERSION." >&2
  exit 2
fi

mkdir -p "$OUT_DIR"
# One build at a time per machine (parallel test files may all call this script).
exec 9>"$OUT_DIR/.lock"
flock 9
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

echo "build-telemetrygen: building telemetrygen v$TELEMETRYGEN_VERSION with $("$GO" version) (this takes a few minutes once)" >&2
start=$(date +%s)
# GOBIN puts the binary straight into the cache folder; a partial build leaves no binary there.
GOBIN="$OUT_DIR/build" "$GO" install \
  "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v$TELEMETRYGEN_VERSION" \
  >"$OUT_DIR/build.log" 2>&1 || {
  echo "build-telemetrygen: go install failed; last lines of $OUT_DIR/build.log:" >&2
  tail -n 40 "$OUT_DIR/build.log" >&2
  exit 1
}
mv "$OUT_DIR/build/telemetrygen" "$BIN"
echo "build-telemetrygen: built in $(($(date +%s) - start)) s" >&2
echo "$BIN"
