#!/usr/bin/env bash
# Makes (once) a Python virtual environment with the OpenTelemetry Python SDK and its OTLP/HTTP
# protobuf and OTLP/gRPC exporters, for the interop tests (test/interop/python-sdk.test.ts,
# test/interop/python-grpc.test.ts).
#
# The venv lives outside the repo: ${UNITRACK_PYTHON_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/unitrack/python-otel-venv}.
# Idempotent: when the pinned versions are already installed it only checks them.
# The last line on stdout is the venv's python. Exit codes: 0 ready, 2 no usable python3, 1 install failed.
set -euo pipefail

OTEL_SDK_VERSION=1.45.2
OTEL_EXPORTER_VERSION=1.45.2

venv="${UNITRACK_PYTHON_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/unitrack/python-otel-venv}"
python="$venv/bin/python"
stamp="$venv/.unitrack-otel-$OTEL_SDK_VERSION-$OTEL_EXPORTER_VERSION-grpc"

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' >/dev/null 2>&1; then
  echo "python-otel-venv: python3 (3.9 or newer) is not installed; the Python SDK interop test needs it" >&2
  exit 2
fi

installed() {
  [ -x "$python" ] && [ -f "$stamp" ] &&
    "$python" - "$OTEL_SDK_VERSION" "$OTEL_EXPORTER_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
ok = version("opentelemetry-sdk") == sys.argv[1] and all(
    version(f"opentelemetry-exporter-otlp-proto-{kind}") == sys.argv[2] for kind in ("http", "grpc")
)
sys.exit(0 if ok else 1)
PY
}

if installed; then
  echo "python-otel-venv: opentelemetry-sdk $OTEL_SDK_VERSION already in $venv" >&2
else
  if [ ! -x "$python" ]; then
    mkdir -p "$(dirname "$venv")"
    if ! python3 -m venv "$venv" >&2; then
      rm -rf "$venv"
      echo "python-otel-venv: python3 cannot make a virtual environment (on Debian: apt-get install python3-venv)" >&2
      exit 2
    fi
  fi
  rm -f "$venv"/.unitrack-otel-*
  "$python" -m pip install --quiet --disable-pip-version-check \
    "opentelemetry-sdk==$OTEL_SDK_VERSION" \
    "opentelemetry-exporter-otlp-proto-http==$OTEL_EXPORTER_VERSION" \
    "opentelemetry-exporter-otlp-proto-grpc==$OTEL_EXPORTER_VERSION" >&2
  touch "$stamp"
  echo "python-otel-venv: installed opentelemetry-sdk $OTEL_SDK_VERSION and opentelemetry-exporter-otlp-proto-http/-grpc $OTEL_EXPORTER_VERSION in $venv" >&2
fi

echo "$python"
