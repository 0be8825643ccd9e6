#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
build=${NILM_BUILD_DIR:-build}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
# The runtime and model format again, cross-compiled for aarch64 and run under qemu-aarch64.
scripts/cross_test.sh
