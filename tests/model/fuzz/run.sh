#!/usr/bin/env bash
# The loader fuzz test under AddressSanitizer + UBSan: configures the project with
# -DNILM_SANITIZE=ON in its own build directory (once), builds only test_model, and runs the
# loader's mutation fuzzing and hostile-file tests with more iterations than the normal build.
#   tests/model/fuzz/run.sh <build-dir>      (NILM_FUZZ_ITERATIONS overrides the count)
set -euo pipefail
src="$(cd "$(dirname "$0")/../../.." && pwd)"
build=${1:?usage: run.sh <build-dir>}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNILM_SANITIZE=ON \
    -DNILM_WITH_TORCH=OFF -DNILM_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target test_model -- -j"${NILM_JOBS:-2}"
export NILM_FUZZ_ITERATIONS=${NILM_FUZZ_ITERATIONS:-1500} NILM_PROGRESS=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$build/tests/test_model" --gtest_filter='TfliteFuzz.*:TfliteLoader.*:Validate.*:TfliteRoundTrip.*'
