#!/usr/bin/env bash
# Instructions one inference executes on aarch64, per kernel tier, counted under qemu-aarch64
# with a TCG plugin (bench/device/insn_count_plugin.c): the cost figure an emulated run can give
# without ARM hardware (not a latency: memory stalls and issue width are not modelled). Each
# configuration runs 1 and 1 + R times; the difference / R removes compilation and start-up.
# Uses the cross build of scripts/cross_test.sh (build-aarch64/ or $NILM_CROSS_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${NILM_CROSS_BUILD_DIR:-build-aarch64}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-clang.cmake -DNILM_RUNTIME_ONLY=ON >/dev/null
fi
cmake -S . -B "$build" -DNILM_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target runtime_insns -- -j"${NILM_JOBS:-$(nproc)}" >/dev/null
plugin="$build/insn_count_plugin.so"
cc -shared -fPIC -O2 -o "$plugin" bench/device/insn_count_plugin.c

count() {  # prints the instruction count of one run of runtime_insns with the given arguments
  QEMU_CPU=max qemu-aarch64 -plugin "$plugin" "$build/bench/runtime_insns" "$@" 2>&1 >/dev/null |
    awk '/^insns /{print $2}'
}
per_run() {  # per_run R args... (the last argument of runtime_insns is the run count)
  local r=$1; shift
  local one many
  one=$(count "$@" 1)
  many=$(count "$@" $((1 + r)))
  echo $(((many - one) / r))
}

echo "| configuration | instructions per run | vs first row |"
echo "|---|---|---|"
table() {  # table R "label" args... ; first call of a group sets the base
  local r=$1 label=$2; shift 2
  local n
  n=$(per_run "$r" "$@")
  [ -z "${base:-}" ] && base=$n
  awk -v l="$label" -v n="$n" -v b="$base" 'BEGIN { printf "| %s | %.3g | %.2fx |\n", l, n, b / n }'
}
base=; table 2 "CNN, reference" graph cnn reference
table 4 "CNN, portable" graph cnn portable
table 4 "CNN, NEON" graph cnn native
base=; table 2 "transformer, portable" graph transformer portable
table 2 "transformer, NEON" graph transformer native
# int8 GEMMs on CNN shapes: the 9728 -> 1024 dense layer at batch 1, the last conv (75 positions
# x 128 channels x 3 taps -> 256 outputs)
base=; table 3 "int8 FC 1x1024x9728, portable" qgemm 1 1024 9728 portable
table 3 "int8 FC 1x1024x9728, SDOT rows" qgemm 1 1024 9728 rows
base=; table 5 "int8 conv 38x256x384, portable" qgemm 38 256 384 portable
table 5 "int8 conv 38x256x384, SDOT packed" qgemm 38 256 384 packed
# the same dense layer with int16 activations (w8_a16)
base=; table 3 "int16x8 FC 1x1024x9728, portable" qgemm16 1 1024 9728 portable
table 3 "int16x8 FC 1x1024x9728, NEON" qgemm16 1 1024 9728 neon
