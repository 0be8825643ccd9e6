#!/usr/bin/env bash
# Batch-1 latency of both architectures in nilm's runtime (.tflite) and in ONNX Runtime (.onnx of
# the same checkpoint, `nilm convert --format onnx`), 1 and 2 threads, in one run: float32, QDQ
# int8 (w8_a8) and dynamic-range int8 (w8: DynamicQuantizeLinear + MatMulInteger/ConvInteger in
# ONNX). Prints a Markdown table with the ONNX Runtime / nilm ratios (issue 6's ONNX Runtime
# benchmark). A mode that cannot be converted is listed under the table, not fatal.
#
#   bench/runtime_vs_onnxruntime.sh [build-dir]            # default $NILM_BUILD_DIR or build
#   RUNS=200 WARMUP=10 SECONDS_CAP=15 bench/runtime_vs_onnxruntime.sh build-convert
#   QUICK=1 bench/runtime_vs_onnxruntime.sh build-convert  # a few runs: checks that it works
#   MODES="float32" ...              # only some modes (any --mode name; float32 = convert_only).
#                                    # w8_a16 and f16 run in float between Q/DQ or Casts in ONNX
#                                    # Runtime (it has no int16 kernels): no fair peer for speed.
#
# Models (as bench/runtime_vs_litert.sh):
#   CNN:         $CNN_CKPT, default /work/models/kettle_cnn_v0.nilmckpt (a trained kettle CNN)
#   transformer: $TRANSFORMER_CKPT if set; else a transformer trained for one step of 8 windows
#                by `nilm train` (latency does not depend on the weights) on $NILM_STORE
#                (default /work/models/store), or on 3 simulated houses if that does not exist.
#   w8_a8 calibrates on $NILM_STORE's train houses (256 balanced windows).
# Needs: the `nilm` and `bench_runtime` targets built in build-dir, node 20, and onnxruntime-node
# in tests/onnx/node_modules (tests/onnx/install.sh; the ctest fixture onnx_npm_install runs it).
#
# Each configuration: WARMUP runs, then RUNS timed runs (or fewer once SECONDS_CAP seconds are
# spent), median and mean. Ours and ONNX Runtime alternate configuration by configuration so a
# load change on this shared machine hits both alike. ONNX Runtime's threads are its intra-op
# pool (intraOpNumThreads); its pool threads spin between runs, which cpu/wall shows.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${NILM_BUILD_DIR:-build}}
nilm="$build/nilm"
bench="$build/bench/bench_runtime"
for exe in "$nilm" "$bench"; do
  [ -x "$exe" ] || { echo "runtime_vs_onnxruntime: missing $exe: build the nilm and bench_runtime targets" >&2; exit 1; }
done
node=${NILM_NODE:-node}
[ -d tests/onnx/node_modules/onnxruntime-node ] ||
  { echo "runtime_vs_onnxruntime: onnxruntime-node missing: run tests/onnx/install.sh" >&2; exit 1; }
runs=${RUNS:-200}; warmup=${WARMUP:-10}; cap=${SECONDS_CAP:-15}
if [ -n "${QUICK:-}" ]; then runs=5; warmup=1; cap=2; fi
modes=${MODES:-float32 w8_a8 w8}
export NILM_PROGRESS=0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

store=${NILM_STORE:-/work/models/store}
cnn_ckpt=${CNN_CKPT:-/work/models/kettle_cnn_v0.nilmckpt}
[ -f "$cnn_ckpt" ] || { echo "runtime_vs_onnxruntime: CNN checkpoint $cnn_ckpt not found (set CNN_CKPT)" >&2; exit 1; }
if [ ! -f "$store/store.json" ]; then
  store="$work/store"
  "$nilm" simulate --houses 3 --days 2 --seed 7 --no-images --out "$work/raw" >"$work/sim.log" 2>&1
  "$nilm" prepare --format refit --input "$work/raw" --out "$store" >>"$work/sim.log" 2>&1
fi
tf_ckpt=${TRANSFORMER_CKPT:-}
if [ -z "$tf_ckpt" ]; then
  "$nilm" train --store "$store" --appliance kettle --model transformer --out "$work/transformer" --epochs 1 \
    --max-windows-per-epoch 8 --max-validation-windows 8 --batch 8 --threads 1 >"$work/train.log" 2>&1 ||
    { cat "$work/train.log" >&2; echo "runtime_vs_onnxruntime: could not make a transformer checkpoint (set TRANSFORMER_CKPT)" >&2; exit 1; }
  tf_ckpt="$work/transformer/best.nilmckpt"
fi

# Every model in both formats from the same graph: <arch>_<mode>.tflite and .onnx.
models=()
notes=()
for mode in $modes; do
  for arch in cnn transformer; do
    ckpt=$cnn_ckpt; [ "$arch" = transformer ] && ckpt=$tf_ckpt
    name="${arch}_${mode}"
    args=(--mode convert_only)
    [ "$mode" != float32 ] && args=(--mode "$mode" --store "$store")
    if "$nilm" convert "$ckpt" "${args[@]}" -o "$work/$name.tflite" >"$work/$name.log" 2>&1 &&
       "$nilm" convert "$ckpt" "${args[@]}" --format onnx -o "$work/$name.onnx" >>"$work/$name.log" 2>&1; then
      models+=("$name")
    else
      notes+=("$name: not converted: $(grep -m1 -i 'error' "$work/$name.log" || tail -n1 "$work/$name.log")")
    fi
  done
done

results="$work/results.jsonl"
for name in "${models[@]}"; do
  for t in 1 2; do
    if ! "$bench" --latency --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$cap" "$work/$name.tflite" \
         >>"$results" 2>"$work/ours.log"; then
      notes+=("$name, $t threads: nilm's runtime failed: $(tail -n1 "$work/ours.log")")
    fi
    "$node" bench/peers/onnxruntime_bench.mjs --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$cap" \
      "$work/$name.onnx" >>"$results" 2>"$work/ort.log" || { cat "$work/ort.log" >&2; exit 1; }
  done
done

echo
echo "Batch-1 latency, nilm (.tflite) vs ONNX Runtime $(node -p "require('./tests/onnx/node_modules/onnxruntime-node/package.json').version") (.onnx), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
status=0
"$node" bench/peers/onnx_latency_table.mjs "$results" || status=1
for n in "${notes[@]}"; do echo "- $n"; done
exit $status
