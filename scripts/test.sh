#!/usr/bin/env bash
# Runs Navarch's whole test suite on a fresh Debian machine with Swift 6: installs what the
# tests need, builds everything once (the executables the end-to-end tests start included),
# then runs every test from that build.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the build and the tests need.
missing=()
for package in libsqlite3-dev; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
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
