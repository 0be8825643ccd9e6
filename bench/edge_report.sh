#!/usr/bin/env bash
# Issue 6's acceptance in one run: for the CNN and the transformer, every quantization mode,
# batch 1, 1 and 2 threads: nilm's latency (`nilm bench --json`, median), ONNX Runtime's on the
# same model (.onnx of the same quantized graph: float32, QDQ int8, dynamic int8, ...) and
# LiteRT.js's on the same .tflite, with the ratios; the memory-bandwidth floor measured in the
# same run (`nilm bench --floor`: streaming reads of a buffer the size of the CNN's int8 weights,
# in L3, and of its float32 weights, mostly from DRAM, in blocks alternating with the timed
# runs; bench_bandwidth's stand-alone figures beside them) and our latency as a multiple of it;
# the w8_a16 / w8_a8 and
# w8 / w8_a8 ratios (from adjacent runs, RATIO_REPEATS rounds); batch-256 and auto-batch throughput per mode with the speed-up over batch-1 calls; each
# acceptance point marked met / not met, and the slowest nodes of every model (op profile).
# One Markdown report on stdout.
#
#   bench/edge_report.sh [build-dir]               # default $NILM_BUILD_DIR or build
#   RUNS=200 WARMUP=5 SECONDS_CAP=5 bench/edge_report.sh build-readers
#   bench/edge_report.sh build-readers --quick     # = QUICK=1: a few runs of convert_only and w8_a8
#                                                  # (ctest bench_edge_report_quick: checks it runs)
#   MODES="convert_only w8_a8" ...                 # only some modes (names of `nilm convert --mode`)
#   OUT=dir ...                                    # keep the models and every JSON file there
#
# Models: CNN $CNN_CKPT (default /work/models/kettle_cnn_v0.nilmckpt), transformer
# $TRANSFORMER_CKPT; a missing one is trained here for one step of 8 windows (latency does not
# depend on the weights) by $NILM_TRAIN_BINARY (default: the build's nilm; training needs
# LibTorch) on $NILM_STORE (default /work/models/store), or on 3 houses simulated here when that
# store does not exist. Calibration: $CALIBRATION_WINDOWS (default 256) balanced windows of the
# store's train houses.
# Needs: the `nilm` and `bench_bandwidth` targets built in build-dir, node 20, LiteRT.js in
# tests/peers/node_modules (tests/peers/install.sh) and onnxruntime-node in
# tests/onnx/node_modules (tests/onnx/install.sh).
#
# Each configuration (model x threads): WARMUP runs, then RUNS timed runs or fewer once
# SECONDS_CAP seconds are spent (at least 5); nilm, ONNX Runtime and LiteRT.js alternate
# configuration by configuration so that a load change on this shared machine hits all three
# alike, and the bandwidth floor is measured with the CNN models it belongs to.
# Throughput: `nilm bench --batch $THROUGHPUT_BATCH` (default 256) and `--batch auto` (the
# batch nilm evaluate runs: the fastest per window of 1, 4, 16, 64), THROUGHPUT_RUNS runs
# (default 3) or THROUGHPUT_SECONDS (default 10), after one warm-up run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${NILM_BUILD_DIR:-build}}
nilm="$build/nilm"
bandwidth="$build/bench/bench_bandwidth"
for exe in "$nilm" "$bandwidth"; do
  [ -x "$exe" ] || { echo "edge_report: missing $exe: build the nilm and bench_bandwidth targets" >&2; exit 1; }
done
train_nilm=${NILM_TRAIN_BINARY:-$nilm}
node=${NILM_NODE:-node}
[ -d tests/peers/node_modules/@litertjs/core ] || { echo "edge_report: LiteRT.js missing: run tests/peers/install.sh" >&2; exit 1; }
[ -d tests/onnx/node_modules/onnxruntime-node ] || { echo "edge_report: onnxruntime-node missing: run tests/onnx/install.sh" >&2; exit 1; }

runs=${RUNS:-200}; warmup=${WARMUP:-5}; cap=${SECONDS_CAP:-5}; profile_runs=${PROFILE_RUNS:-20}
tbatch=${THROUGHPUT_BATCH:-256}; truns=${THROUGHPUT_RUNS:-3}; tcap=${THROUGHPUT_SECONDS:-10}; twarmup=${THROUGHPUT_WARMUP:-1}
calib=${CALIBRATION_WINDOWS:-256}; bw_seconds=${BANDWIDTH_SECONDS:-2}
ratio_repeats=${RATIO_REPEATS:-3}; ratio_seconds=${RATIO_SECONDS:-1}
[ "${2:-}" = --quick ] && QUICK=1
if [ -n "${QUICK:-}" ]; then
  runs=5; warmup=1; cap=1; profile_runs=2; tbatch=${THROUGHPUT_BATCH:-4}; truns=1; tcap=1; calib=16; bw_seconds=0.1
  ratio_repeats=1; ratio_seconds=0.2
  twarmup=0
fi
modes=${MODES:-convert_only w8 w8_a8 w8_a16 f16}
# The short mode checks that everything runs and the report is complete: the float and the QDQ
# int8 path suffice (every mode converts and runs in LiteRT.js in quant_litert_peer).
[ -n "${QUICK:-}" ] && modes=${MODES:-convert_only w8_a8}
export NILM_PROGRESS=0

if [ -n "${OUT:-}" ]; then
  work=$OUT; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/ours" "$work/throughput"
: >"$work/peers.jsonl"; : >"$work/bandwidth.jsonl"; : >"$work/notes.txt"

store=${NILM_STORE:-/work/models/store}
cnn_ckpt=${CNN_CKPT:-/work/models/kettle_cnn_v0.nilmckpt}
tf_ckpt=${TRANSFORMER_CKPT:-}
if [ ! -f "$store/store.json" ]; then
  store="$work/store"
  "$nilm" simulate --houses 3 --days 2 --seed 7 --no-images --out "$work/raw" >"$work/sim.log" 2>&1
  "$nilm" prepare --format refit --input "$work/raw" --out "$store" >>"$work/sim.log" 2>&1
fi
quick_checkpoint() {  # prints the path of the checkpoint of `arch` it trained for one step
  local arch=$1
  "$train_nilm" train --store "$store" --appliance kettle --model "$arch" --out "$work/$arch" --epochs 1 \
    --max-windows-per-epoch 8 --max-validation-windows 8 --batch 8 --threads 1 >"$work/train.log" 2>&1 ||
    { cat "$work/train.log" >&2; echo "edge_report: could not make a $arch checkpoint (set CNN_CKPT / TRANSFORMER_CKPT, or NILM_TRAIN_BINARY to a nilm with LibTorch)" >&2; exit 1; }
  echo "$work/$arch/best.nilmckpt"
}
[ -f "$cnn_ckpt" ] || cnn_ckpt=$(quick_checkpoint cnn)
[ -n "$tf_ckpt" ] || tf_ckpt=$(quick_checkpoint transformer)

# Every model in both formats from the same quantized graph: <arch>_<mode>.tflite and .onnx.
models=()
for arch in cnn transformer; do
  for mode in $modes; do
    ckpt=$cnn_ckpt; [ "$arch" = transformer ] && ckpt=$tf_ckpt
    name="${arch}_${mode}"
    args=(--mode "$mode")
    [ "$mode" != convert_only ] && args+=(--store "$store" --calibration-windows "$calib")
    if ! "$nilm" convert "$ckpt" "${args[@]}" -o "$work/$name.tflite" >"$work/$name.log" 2>&1; then
      echo "$name: not converted to .tflite: $(grep -m1 -i 'error' "$work/$name.log" || tail -n1 "$work/$name.log")" >>"$work/notes.txt"
      continue
    fi
    models+=("$name")
    "$nilm" convert "$ckpt" "${args[@]}" --format onnx -o "$work/$name.onnx" >>"$work/$name.log" 2>&1 ||
      echo "$name: not converted to .onnx: $(grep -m1 -i 'error' "$work/$name.log" || tail -n1 "$work/$name.log")" >>"$work/notes.txt"
  done
done

# Bandwidth floor of a model: a buffer of its weights' bytes (nilm bench's weights_bytes), 1 and 2 threads.
floor_for() {  # name label
  local bytes
  bytes=$("$node" -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(j.summary[0].weights_bytes)' \
          "$work/ours/$1_t1.json")
  "$bandwidth" --threads 1,2 --seconds "$bw_seconds" --label "$2=$bytes" >>"$work/bandwidth.jsonl"
}

for name in "${models[@]}"; do
  for t in 1 2; do
    "$nilm" bench "$work/$name.tflite" --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$cap" \
      --profile-runs "$profile_runs" --format json >"$work/ours/${name}_t$t.json" 2>"$work/ours.log" ||
      { echo "$name, $t threads: nilm bench failed: $(tail -n1 "$work/ours.log")" >>"$work/notes.txt"; rm -f "$work/ours/${name}_t$t.json"; }
    if [ -f "$work/$name.onnx" ]; then
      "$node" bench/peers/onnxruntime_bench.mjs --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$cap" \
        "$work/$name.onnx" >>"$work/peers.jsonl" 2>"$work/ort.log" ||
        echo "$name, $t threads: ONNX Runtime failed: $(grep -m1 -i 'error' "$work/ort.log" || tail -n1 "$work/ort.log")" >>"$work/notes.txt"
    fi
    "$node" --experimental-wasm-relaxed-simd bench/peers/litert_bench.mjs --threads "$t" --warmup "$warmup" \
      --runs "$runs" --seconds "$cap" "$work/$name.tflite" >>"$work/peers.jsonl" 2>"$work/litert.log" ||
      echo "$name, $t threads: LiteRT.js failed: $(grep -m1 -i 'error' "$work/litert.log" || tail -n1 "$work/litert.log")" >>"$work/notes.txt"
  done
  # The acceptance's floor: `nilm bench --floor` times streaming reads of a buffer of the model's
  # weight bytes in blocks alternating with its timed runs (same process, threads and minutes).
  case "$name" in
    cnn_w8_a8|cnn_convert_only)
      for t in 1 2; do
        "$nilm" bench "$work/$name.tflite" --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$cap" \
          --profile-runs 0 --floor --format json >"$work/ours/${name}_t${t}_floor.json" 2>"$work/ours.log" ||
          { echo "$name, $t threads: nilm bench --floor failed: $(tail -n1 "$work/ours.log")" >>"$work/notes.txt";
            rm -f "$work/ours/${name}_t${t}_floor.json"; }
      done ;;
  esac
  case "$name" in
    cnn_w8_a8) [ -f "$work/ours/${name}_t1.json" ] && floor_for "$name" cnn_int8_weights_L3 ;;
    cnn_convert_only) [ -f "$work/ours/${name}_t1.json" ] && floor_for "$name" cnn_f32_weights_DRAM
      # Context: a buffer far larger than any cache, what DRAM alone gives.
      "$bandwidth" --threads 1,2 --seconds "$bw_seconds" --label "context_256MiB=268435456" >>"$work/bandwidth.jsonl" ;;
  esac
done

# The CNN mode ratios (w8_a16 / w8_a8, w8 / w8_a8) from adjacent runs: RATIO_REPEATS rounds
# (default 3) of the three modes one after the other, RATIO_SECONDS (default 1) each, so a
# change of load between the latency table's runs minutes apart does not enter the ratio.
mkdir -p "$work/ratio"
ratio_modes=()
for m in w8_a8 w8 w8_a16; do [[ " ${models[*]} " == *" cnn_$m "* ]] && ratio_modes+=("$m"); done
if [[ " ${ratio_modes[*]} " == *" w8_a8 "* ]] && [ "${#ratio_modes[@]}" -gt 1 ]; then
  for rep in $(seq "$ratio_repeats"); do
    for t in 1 2; do
      for m in "${ratio_modes[@]}"; do
        "$nilm" bench "$work/cnn_$m.tflite" --threads "$t" --warmup "$warmup" --runs "$runs" --seconds "$ratio_seconds" \
          --profile-runs 0 --format json >"$work/ratio/cnn_${m}_t${t}_r$rep.json" 2>"$work/ours.log" ||
          { echo "cnn_$m, $t threads, ratio round $rep: nilm bench failed: $(tail -n1 "$work/ours.log")" >>"$work/notes.txt";
            rm -f "$work/ratio/cnn_${m}_t${t}_r$rep.json"; }
      done
    done
  done
fi

for name in "${models[@]}"; do
  for t in 1 2; do
    # the batch asked for, then the one nilm evaluate runs (--batch auto: fastest per window)
    for b in "$tbatch" auto; do
      # the chosen batch may be 1 (runs of ~0.1 ms): timed for a second, not THROUGHPUT_RUNS runs
      if [ "$b" = auto ]; then out="$work/throughput/${name}_t${t}_auto.json"; bruns=0; bcap=1; bwarm=5
      else out="$work/throughput/${name}_t$t.json"; bruns=$truns; bcap=$tcap; bwarm=$twarmup; fi
      "$nilm" bench "$work/$name.tflite" --batch "$b" --threads "$t" --warmup "$bwarm" --runs "$bruns" --seconds "$bcap" \
        --profile-runs 0 --format json >"$out" 2>"$work/ours.log" ||
        { echo "$name, batch $b, $t threads: nilm bench failed: $(tail -n1 "$work/ours.log")" >>"$work/notes.txt"; rm -f "$out"; }
    done
  done
done

echo
echo "# Edge report (issue 6), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "nilm $(git rev-parse --short HEAD 2>/dev/null || echo '?'); ONNX Runtime $("$node" -p "require('./tests/onnx/node_modules/onnxruntime-node/package.json').version");" \
     "LiteRT.js $("$node" -p "require('./tests/peers/node_modules/@litertjs/core/package.json').version");" \
     "batch 1: $warmup warm-up runs, at most $runs timed runs or $cap s; throughput batch $tbatch."
"$node" bench/peers/edge_report_table.mjs "$work" "$modes"
