#!/usr/bin/env bash
# The remediation figures: how long from an unhealthy verdict (a health report over gRPC) to
# the replacement's provision call, and how many provider calls the ladder makes while 40% of
# a pool is silent. Runs the end-to-end tests that measure them (a built test bundle is
# needed: `swift build --build-tests`) and prints what they measured.
#   bash benchmarks/remediation.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
latencies=()
for _ in $(seq "$runs"); do
  line=$(swift test --skip-build --filter 'RemediationLadderEndToEndTests/repeatedXID79RebootsOnceThenReplaces' 2>&1 | grep -o 'figure: unhealthy verdict to replacement requested: [0-9]* ms' || true)
  [ -n "$line" ] && latencies+=("$(echo "$line" | grep -o '[0-9]* ms' | cut -d' ' -f1)")
done
outage=$(swift test --skip-build --filter 'RemediationLadderEndToEndTests/outageOpensTheBreakerAndNothingIsTerminated' 2>&1 | grep -o 'figure: provider calls during the outage: .*' || echo "figure: outage test did not report")
sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
echo "date: $(date -u +%Y-%m-%d)"
echo "machine: $(nproc) CPUs, debug build"
echo "unhealthy verdict -> replacement requested, ${#latencies[@]} runs (ms): $(echo $sorted | tr '\n' ' ')"
echo "  median: $(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms, max: $(echo "$sorted" | tail -1) ms"
echo "outage (2 of 5 nodes silent): ${outage#figure: }"
