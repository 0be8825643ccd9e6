#!/usr/bin/env bash
# Float32 batch-1 latency of both architectures in nilm's runtime and in LiteRT.js (TFLite
# compiled to WebAssembly, XNNPACK kernels) on the same .tflite files, 1 and 2 threads, in one
# run; prints a Markdown table with the LiteRT.js / nilm ratios (issue 4's benchmark).
#
#   bench/runtime_vs_litert.sh [build-dir]            # default $NILM_BUILD_DIR or build
#   RUNS=200 WARMUP=10 SECONDS_CAP=15 bench/runtime_vs_litert.sh build-eval
#   QUICK=1 bench/runtime_vs_litert.sh build-eval     # a few runs: checks that it works
#
# Models: both are converted here with `nilm convert --mode convert_only`.
#   CNN:         $CNN_CKPT, default /work/models/kettle_cnn_v0.nilmckpt (a trained kettle CNN)
#   transformer: $TRANSFORMER_CKPT
#   Missing ones are trained here for one step of 8 windows by `nilm train` (latency does not
#   depend on the weights) on $NILM_STORE (default /work/models/store), or on 3 houses simulated
#   here if that does not exist; so CI can run it (ctest bench_runtime_vs_litert_quick).
# Needs: the `nilm` and `bench_runtime` targets built in build-dir (nilm with LibTorch unless
# TRANSFORMER_CKPT is given), node 20, and LiteRT.js in tests/peers/node_modules
# (tests/peers/install.sh; the ctest fixture peers_npm_install runs it).
#
# Each configuration: WARMUP runs, then RUNS timed runs (or fewer once SECONDS_CAP seconds are
# spent), median and mean. Ours and LiteRT.js alternate configuration by configuration so that
# a load change on this shared machine hits both alike. LiteRT.js at 2 threads uses its pthreads
# wasm build (Node worker_threads, relaxed SIMD) with cpuOptions.numThreads = 2; cpu/wall in the
# table (process CPU time over wall time) shows how many threads really worked.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${NILM_BUILD_DIR:-build}}
nilm="$build/nilm"
bench="$build/bench/bench_runtime"
for exe in "$nilm" "$bench"; do
  [ -x "$exe" ] || { echo "runtime_vs_litert: missing $exe: build the nilm and bench_runtime targets" >&2; exit 1; }
done
node=${NILM_NODE:-node}
peers=tests/peers
[ -d "$peers/node_modules/@litertjs/core" ] || { echo "runtime_vs_litert: LiteRT.js missing: run tests/peers/install.sh" >&2; exit 1; }
runs=${RUNS:-200}; warmup=${WARMUP:-10}; cap=${SECONDS_CAP:-15}
if [ -n "${QUICK:-}" ]; then runs=5; warmup=1; cap=2; fi
export NILM_PROGRESS=0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A checkpoint of `arch` trained here for one step of 8 windows (latency does not depend on the
# weights): on $NILM_STORE, or on 3 houses simulated here when that store does not exist.
quick_checkpoint() {  # prints the path of the checkpoint it trained
  local arch=$1
  "$nilm" train --store "$store" --appliance kettle --model "$arch" --out "$work/$arch" --epochs 1 \
    --max-windows-per-epoch 8 --max-validation-windows 8 --batch 8 --threads 1 >"$work/train.log" 2>&1 ||
    { cat "$work/train.log" >&2; echo "runtime_vs_litert: could not make a $arch checkpoint (set CNN_CKPT / TRANSFORMER_CKPT)" >&2; exit 1; }
  echo "$work/$arch/best.nilmckpt"
}
store=${NILM_STORE:-/work/models/store}
if [ ! -f "$store/store.json" ] && { [ ! -f "${CNN_CKPT:-/work/models/kettle_cnn_v0.nilmckpt}" ] || [ -z "${TRANSFORMER_CKPT:-}" ]; }; then
  store="$work/store"
  "$nilm" simulate --houses 3 --days 2 --seed 7 --no-images --out "$work/raw" >"$work/sim.log" 2>&1
  "$nilm" prepare --format refit --input "$work/raw" --out "$store" >>"$work/sim.log" 2>&1
fi
cnn_ckpt=${CNN_CKPT:-/work/models/kettle_cnn_v0.nilmckpt}
[ -f "$cnn_ckpt" ] || cnn_ckpt=$(quick_checkpoint cnn)
tf_ckpt=${TRANSFORMER_CKPT:-}
[ -n "$tf_ckpt" ] || tf_ckpt=$(quick_checkpoint transformer)
"$nilm" convert "$cnn_ckpt" --mode convert_only -o "$work/cnn.tflite"
"$nilm" convert "$tf_ckpt" --mode convert_only -o "$work/transformer.tflite"

results="$work/results.jsonl"
for model in cnn transformer; do
  for t in 1 2; do
    "$bench" --latency --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$cap" "$work/$model.tflite" >>"$results"
    "$node" --experimental-wasm-relaxed-simd bench/peers/litert_bench.mjs --threads "$t" --warmup "$warmup" \
      --runs "$runs" --seconds "$cap" "$work/$model.tflite" >>"$results" 2>"$work/litert.log" ||
      { cat "$work/litert.log" >&2; exit 1; }
  done
done

echo
echo "Float32 batch-1 latency, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$node" bench/peers/latency_table.mjs "$results"
