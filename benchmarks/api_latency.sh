#!/usr/bin/env bash
# REST and MCP listing latency at 1,000 nodes and the grpcio concurrency figures
# (benchmarks/api_latency.py) against a release build. Arguments go to the Python script.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/python-clients
if ! "$venv/bin/python" -c "import grpc, grpc_tools, mcp" >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "grpcio==1.85.3" "grpcio-tools==1.85.1" "schemathesis==4.32.5" "mcp==2.3.0"
fi
[ -x .build/release/navarch ] || swift build -c release --product navarch
exec "$venv/bin/python" benchmarks/api_latency.py "$@"
