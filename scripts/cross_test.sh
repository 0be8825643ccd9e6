#!/usr/bin/env bash
# Cross-compiles the runtime, the model format and their tests for aarch64 (clang + lld against
# Debian's arm64 libraries, cmake/aarch64-linux-clang.cmake) into build-aarch64/ (or
# $NILM_CROSS_BUILD_DIR) and runs them under qemu-aarch64 through ctest. scripts/test.sh calls
# it after the native tests; scripts/deps.sh installs the toolchain. ~1 minute to build from
# scratch and ~1 minute to test on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${NILM_CROSS_BUILD_DIR:-build-aarch64}
jobs=${NILM_JOBS:-$(nproc)}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-clang.cmake \
    -DNILM_RUNTIME_ONLY=ON >/dev/null
fi
cmake --build "$build" --target test_core test_model test_runtime runtime_insns -- -j"$jobs"

# Feature detection (getauxval(AT_HWCAP)) on two emulated cores: a Cortex-A53 has no dot-product
# instructions, qemu's "max" core has them. On the A53 the integer layers must fall back to the
# portable kernels (the SDOT rows are not chosen) and still match the reference.
echo "aarch64 (qemu-aarch64, emulated core: cortex-a53, no dot product):"
QEMU_CPU=cortex-a53 NILM_EXPECT_CPU_FEATURES="neon" \
  qemu-aarch64 "$build/tests/test_runtime" --gtest_filter='CpuFeatures.*:IntGraphs.*:Int8DotProd.*' --gtest_brief=1

# Everything else, emulated ~30-60x slower than native. Left out here (they run natively, and
# the format code they exercise has no architecture-specific path): the CNN file fuzzing (~9
# minutes emulated), the CNN shape/reference figures (~2 minutes) and the full-size transformer
# (~1 minute; the small transformer and the CNN still run whole through the NEON kernels).
slow='TfliteFuzz\.CorruptedCnnFiles|ShapeInference\.CnnMatchesTheNilmReferenceFigures|WholeGraph\.FullSizeTransformer'
echo "aarch64 (qemu-aarch64, emulated core: max):"
QEMU_CPU=max NILM_EXPECT_CPU_FEATURES="neon dotprod" NILM_PROGRESS=0 \
  ctest --test-dir "$build" --output-on-failure -j"$jobs" -E "$slow"
