#!/usr/bin/env bash
# Runs Navarch's whole test suite on a fresh Debian machine with Swift 6: installs what the
# tests need, builds everything once (the executables the end-to-end tests start included),
# then runs every test from that build.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the build and the tests need.
missing=()
# python3: scripts/gpu-smoke.sh compares its figures with it; python3-venv: moto_server's environment.
for package in libsqlite3-dev python3 python3-venv; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# NVIDIA's own libnvidia-ml, from Debian's non-free archive, to test the agent's no-driver path
# against the real library. Uses a private sources list and cache: the machine's apt sources
# are not touched. Optional: without it that one test says it skipped.
fetch_real_nvml() {
  local dir=.build/nvidia-ml codename
  [ -f "$dir/lib" ] && { cat "$dir/lib"; return 0; }
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
  rm -rf "$dir" && mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "deb http://deb.debian.org/debian $codename non-free" > "$dir/sources.list"
  local options=(-q -o Dir::Etc::SourceList="$PWD/$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$PWD/$dir/lists" -o Dir::Cache="$PWD/$dir/cache" -o APT::Get::List-Cleanup=0)
  timeout 120 apt-get "${options[@]}" update >/dev/null 2>&1 || return 1
  (cd "$dir" && timeout 120 apt-get "${options[@]}" download libnvidia-ml1 >/dev/null 2>&1) || return 1
  dpkg-deb -x "$dir"/libnvidia-ml1_*.deb "$dir/root" || return 1
  find "$PWD/$dir/root" -name libnvidia-ml.so.1 | head -n 1 | tee "$dir/lib"
}
if [ -z "${NAVARCH_REAL_NVML:-}" ]; then
  if real_nvml=$(fetch_real_nvml) && [ -n "$real_nvml" ]; then
    export NAVARCH_REAL_NVML="$real_nvml"
    echo "NVIDIA's libnvidia-ml for the no-driver test: $NAVARCH_REAL_NVML"
  else
    echo "NVIDIA's libnvidia-ml could not be fetched; its test will skip"
  fi
fi

# moto_server, the AWS API emulator the AWS provider is tested against, and boto3 to create its
# IAM user; and the official GCP and Azure SDKs, which tests point at the fake clouds to show
# the fakes answer as the real APIs do. All in a private virtual environment.
venv=.build/python
if [ -z "${NAVARCH_MOTO_PYTHON:-}" ] || [ -z "${NAVARCH_SDK_PYTHON:-}" ]; then
  if ! "$venv/bin/python" -c "import moto.server, boto3, google.cloud.compute_v1, azure.mgmt.compute" >/dev/null 2>&1; then
    echo "installing moto[server], google-cloud-compute and azure-mgmt-compute into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.5" \
      "google-cloud-compute==1.57.0" "google-auth==2.63.0" "azure-mgmt-compute==39.0.0" "azure-core==1.41.0"
  fi
  export NAVARCH_MOTO_PYTHON="${NAVARCH_MOTO_PYTHON:-$PWD/$venv/bin/python}"
  export NAVARCH_SDK_PYTHON="${NAVARCH_SDK_PYTHON:-$PWD/$venv/bin/python}"
fi

# Clients a user would bring to Navarch's own APIs: grpcio (with grpcio-tools to generate a
# Python client from proto/), schemathesis for the REST API's contract, and the official MCP
# SDK, in their own virtual environment.
clients=.build/python-clients
if [ -z "${NAVARCH_CLIENT_PYTHON:-}" ]; then
  if ! "$clients/bin/python" -c "import grpc, grpc_tools, schemathesis, mcp" >/dev/null 2>&1; then
    echo "installing grpcio, grpcio-tools, schemathesis and mcp into $clients"
    rm -rf "$clients"
    python3 -m venv "$clients"
    "$clients/bin/pip" install --quiet --disable-pip-version-check "grpcio==1.85.3" "grpcio-tools==1.85.1" \
      "schemathesis==4.32.5" "mcp==2.3.0"
  fi
  export NAVARCH_CLIENT_PYTHON="$PWD/$clients/bin/python"
fi

start=$(date +%s)
swift build --build-tests
echo "build: $(( $(date +%s) - start )) s"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
set +e
NAVARCH_BIN_DIR="$(swift build --show-bin-path)" swift test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo "tests: $(( $(date +%s) - start )) s"

# One plain summary line from Swift Testing's closing line.
summary=$(grep -E "Test run with [0-9]+ tests? .* (passed|failed)" "$log" | tail -n 1 || true)
total=$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p')
failed=$(echo "$summary" | sed -nE 's/.* with ([0-9]+) issues?.*/\1/p')
if [ -n "$total" ]; then
  if [ "$status" = 0 ]; then
    echo "tests: $total passed, 0 failed"
  else
    echo "tests: ran $total tests; failures recorded: ${failed:-unknown}"
  fi
fi
exit "$status"
