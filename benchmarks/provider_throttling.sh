#!/usr/bin/env bash
# Provider calls per minute against a throttling EC2 endpoint, and the time to provision and
# register a pool of 8 on AWS (moto_server) with local agents. Prints the figures and appends
# them to benchmarks/results/<date>-cloud.txt. Needs a built tree (scripts/test.sh builds it)
# and moto (scripts/test.sh installs it into .build/python).
set -euo pipefail
cd "$(dirname "$0")/.."
result="benchmarks/results/$(date +%F)-cloud.txt"
export NAVARCH_MOTO_PYTHON="${NAVARCH_MOTO_PYTHON:-$PWD/.build/python/bin/python}"
export NAVARCH_BIN_DIR="$(swift build --show-bin-path)"
{
  echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) CPUs, debug build"
  NAVARCH_BENCHMARK=1 swift test --skip-build --filter ThrottlingBenchmark 2>&1 | grep -A5 "throttling benchmark:"
  NAVARCH_CLOUD_NODES=8 swift test --skip-build --filter CloudBootstrapTests 2>&1 | grep "provision-and-register"
} | tee -a "$result"
