#!/usr/bin/env bash
# GPU smoke test for a machine with an NVIDIA GPU and driver (Swift need not be installed).
# Starts a control plane and one navarch-node with the NVML backend, prints what the agent read
# for every GPU next to nvidia-smi's answer for the same fields, and exits non-zero if they
# disagree or the node is not healthy.
#
#   scripts/gpu-smoke.sh [BIN_DIR]
#
# BIN_DIR holds navarch and navarch-node; build them on a machine with Swift with
#   swift build -c release --static-swift-stdlib --product navarch --product navarch-node
# and copy .build/release/{navarch,navarch-node} over (strip them to make them smaller).
set -euo pipefail
BIN=${1:-$(dirname "$0")/../.build/release}
command -v nvidia-smi >/dev/null || { echo "gpu-smoke: nvidia-smi not found; this needs an NVIDIA GPU machine" >&2; exit 2; }
command -v python3 >/dev/null || { echo "gpu-smoke: python3 is needed to compare the figures" >&2; exit 2; }
WORK=$(mktemp -d)
GRPC=$((20000 + RANDOM % 20000)); HTTP=$((GRPC + 1))
cleanup() { kill "${AGENT:-}" "${SERVE:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

XDG_CONFIG_HOME="$WORK/config" "$BIN/navarch" serve --grpc-port "$GRPC" --http-port "$HTTP" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1 &
SERVE=$!
# TLS with the control plane's own CA, and its first admin token (the agent is enrolled with it
# by hand, then uses the credential its registration gives it).
for _ in $(seq 50); do [ -s "$WORK/data/admin.token" ] && [ -s "$WORK/data/tls/ca.pem" ] && break; sleep 0.2; done
export NAVARCH_CA_FILE="$WORK/data/tls/ca.pem"
NAVARCH_TOKEN=$(cat "$WORK/data/admin.token"); export NAVARCH_TOKEN
for _ in $(seq 50); do "$BIN/navarch" status --server "127.0.0.1:$GRPC" >/dev/null 2>&1 && break; sleep 0.2; done
GPUS=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)
# NAVARCH_NVML_LIBRARY / NAVARCH_CUDA_LIBRARY point the agent at other libraries (used to test this script).
"$BIN/navarch-node" --control-plane "127.0.0.1:$GRPC" --node-id gpu-smoke --backend nvml --expect-gpus "$GPUS" \
  --nvml-library "${NAVARCH_NVML_LIBRARY:-libnvidia-ml.so.1}" --cuda-library "${NAVARCH_CUDA_LIBRARY:-libcuda.so.1}" \
  --kernel-log /dev/kmsg --ca-file "$NAVARCH_CA_FILE" --credential-file "$WORK/credential" >"$WORK/agent.log" 2>&1 &
AGENT=$!
for _ in $(seq 100); do "$BIN/navarch" nodes get gpu-smoke --server "127.0.0.1:$GRPC" >/dev/null 2>&1 && break; sleep 0.2; done
sleep 2
"$BIN/navarch" nodes get gpu-smoke --server "127.0.0.1:$GRPC" -o json >"$WORK/node.json"
nvidia-smi --query-gpu=index,uuid,name,pci.bus_id,serial,memory.total,temperature.gpu,power.limit,ecc.mode.current,retired_pages.pending,remapped_rows.pending,remapped_rows.failure,driver_version \
  --format=csv,noheader,nounits >"$WORK/smi.csv"
echo "--- agent log"; grep -E "boot check|kernel log|GPUs unavailable|registered" "$WORK/agent.log" | head -20 || true
python3 - "$WORK/node.json" "$WORK/smi.csv" <<'PY'
import csv, json, sys
node = json.load(open(sys.argv[1]))
smi = list(csv.reader(open(sys.argv[2]), skipinitialspace=True))
problems = []
print(f"node {node['id']}: state {node['state']}, health {node['health']} {node.get('healthReason', '')}")
print(f"{'field':<28}{'navarch (NVML)':<48}nvidia-smi")
gpus = {g["index"]: g for g in node.get("gpus", [])}
if len(gpus) != len(smi):
    problems.append(f"agent sees {len(gpus)} GPU(s), nvidia-smi {len(smi)}")
def num(text):
    try: return float(text)
    except ValueError: return None
for row in smi:
    index = int(row[0]); gpu = gpus.get(index, {}); metrics = gpu.get("metrics", {})
    pairs = [
        ("uuid", gpu.get("uuid"), row[1]), ("name", gpu.get("model"), row[2]),
        ("pci.bus_id", gpu.get("pciBusID", "").upper(), row[3].upper()), ("serial", gpu.get("serial"), row[4]),
        ("memory.total MiB", gpu.get("memoryTotalMiB"), num(row[5])),
        ("temperature.gpu C", metrics.get("temperature_celsius"), num(row[6])),
        ("power.limit W", metrics.get("power_limit_watts"), num(row[7])),
        ("ecc.mode", metrics.get("ecc_enabled"), {"Enabled": 1.0, "Disabled": 0.0}.get(row[8])),
        ("retired_pages.pending", metrics.get("retired_pages_pending"), {"Yes": 1.0, "No": 0.0}.get(row[9])),
        ("remapped_rows.pending", metrics.get("remapped_rows_pending"), {"Yes": 1.0, "No": 0.0}.get(row[10], num(row[10]))),
        ("remapped_rows.failure", metrics.get("remapped_rows_failure"), {"Yes": 1.0, "No": 0.0}.get(row[11], num(row[11]))),
    ]
    print(f"GPU {index}")
    for name, ours, theirs in pairs:
        same = ours == theirs
        if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
            tolerance = 3 if "temperature" in name else 1
            same = abs(float(ours) - float(theirs)) <= tolerance
        if theirs is None:
            same = True  # nvidia-smi says N/A
        print(f"  {name:<26}{str(ours):<48}{theirs}{'' if same else '   <-- differs'}")
        if not same: problems.append(f"GPU {index} {name}: navarch {ours}, nvidia-smi {theirs}")
labels = node.get("labels", {})
if smi and labels.get("nvidia.driver_version") != smi[0][12]:
    problems.append(f"driver version: navarch {labels.get('nvidia.driver_version')}, nvidia-smi {smi[0][12]}")
if node["health"] != "healthy":
    problems.append(f"node is {node['health']}: {node.get('healthReason', '')}")
print("\n".join(["", "PROBLEMS:"] + problems) if problems else "\nOK: navarch and nvidia-smi agree and the node is healthy")
sys.exit(1 if problems else 0)
PY
