#!/usr/bin/env bash
# Control-plane CPU per heartbeat (benchmarks/heartbeat_cpu.py) against a release build, with
# grpcio in a private virtual environment. Arguments go to the Python script.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/bench-python
if ! "$venv/bin/python" -c "import grpc, grpc_tools" >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "grpcio==1.85.3" "grpcio-tools==1.85.1"
fi
[ -x .build/release/navarch ] || swift build -c release --product navarch
exec "$venv/bin/python" benchmarks/heartbeat_cpu.py "$@"
