#!/usr/bin/env bash
# The simulator at 1,000, 10,000 and 100,000 nodes over 7 simulated days, chaos at 2 failures
# per minute per 1,000 nodes (examples/scenarios/fleet-10k-week.yaml), each size in its own process on a release build.
# Usage: benchmarks/simulator/run.sh [DAYS] [NODES...]; appends to results/<date>-simulator.jsonl.
# MAX_CONCURRENT=N sets remediation.max_concurrent per pool (Navarch's default, 2, cannot keep up
# with 2 failures a minute per 1,000 nodes in pools of 1,250 nodes: the queue of waiting repairs grows).
set -euo pipefail
cd "$(dirname "$0")/../.."
days=${1:-7}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
swift build -c release --product navarch-sim-bench
out="benchmarks/results/$(date +%Y-%m-%d)-simulator.jsonl"
for nodes in "${sizes[@]}"; do
    .build/release/navarch-sim-bench examples/scenarios/fleet-10k-week.yaml "$nodes" "$days" "${MAX_CONCURRENT:-2}" | tee -a "$out"
done
