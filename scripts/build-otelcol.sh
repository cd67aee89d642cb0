#!/usr/bin/env bash
# Builds (once per machine) the otelcol distribution described in scripts/otelcol-builder.yaml with
# the OpenTelemetry Collector Builder, from Go modules pinned to one collector release.
#
# Contract (the interop tests and the benchmarks rely on it):
#   bash scripts/build-otelcol.sh   -> last line of stdout is the absolute path of the binary
#   exit 0 when built or already cached; exit 2 (message on stderr) when Go is not installed;
#   any other non-zero exit is a build failure (builder output on stderr).
# The binary is cached outside the repository, in
#   ${UNITRACK_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unitrack}/otelcol-v<version>/otelcol-unitrack
set -euo pipefail

OTELCOL_VERSION="0.157.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MANIFEST="$HERE/otelcol-builder.yaml"
CACHE_ROOT="${UNITRACK_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unitrack}"
OUT_DIR="$CACHE_ROOT/otelcol-v$OTELCOL_VERSION"
BIN="$OUT_DIR/otelcol-unitrack"
STAMP="$OUT_DIR/manifest.sha256"

manifest_sum() { sha256sum "$MANIFEST" | cut -d' ' -f1; }

if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(manifest_sum)" ]; then
  echo "$BIN"
  exit 0
fi

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
if [ -z "$GO" ]; then
  echo "build-otelcol: Go is not installed (no 'go' on PATH); cannot build otelcol v$OTELCOL_VERSION. Install Go 1.24+ to run the otelcol interop tests." >&2
  exit 2
fi

mkdir -p "$OUT_DIR"
# One build at a time per machine (parallel test files may all call this script).
exec 9>"$OUT_DIR/.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(manifest_sum)" ]; then
  echo "$BIN"
  exit 0
fi

WORK="$OUT_DIR/build"
rm -rf "$WORK"
mkdir -p "$WORK"
sed "s#^  output_path:.*#  output_path: $WORK/src#" "$MANIFEST" >"$WORK/manifest.yaml"

echo "build-otelcol: building otelcol v$OTELCOL_VERSION with $("$GO" version) (this takes several minutes once)" >&2
start=$(date +%s)
(
  cd "$WORK"
  GOFLAGS="${GOFLAGS:-} -mod=mod" "$GO" run "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION" \
    --config "$WORK/manifest.yaml"
) >"$WORK/build.log" 2>&1 || {
  echo "build-otelcol: the builder failed; last lines of $WORK/build.log:" >&2
  tail -n 40 "$WORK/build.log" >&2
  exit 1
}
mv "$WORK/src/otelcol-unitrack" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
manifest_sum >"$STAMP"
echo "build-otelcol: built in $(($(date +%s) - start)) s" >&2
echo "$BIN"
