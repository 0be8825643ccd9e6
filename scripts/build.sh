#!/usr/bin/env bash
# Configures (once) and builds the project into build/ (or $NILM_BUILD_DIR). Incremental and
# quiet when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${NILM_BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
cmake --build "$build" -- -j"${NILM_JOBS:-$(nproc)}"
