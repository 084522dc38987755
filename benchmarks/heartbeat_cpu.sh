#!/usr/bin/env bash
# Control-plane CPU per heartbeat (benchmarks/heartbeat_cpu.py) against a release build, with
# grpcio in a private virtual environment. Arguments go to the Python script.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/python-clients.sh
[ -x .build/release/navarch ] || swift build -c release --product navarch
exec "$venv/bin/python" benchmarks/heartbeat_cpu.py "$@"
