#!/usr/bin/env bash
# REST and MCP listing latency at 1,000 nodes and the grpcio concurrency figures
# (benchmarks/api_latency.py) against a release build. Arguments go to the Python script.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/python-clients.sh
[ -x .build/release/navarch ] || swift build -c release --product navarch
exec "$venv/bin/python" benchmarks/api_latency.py "$@"
