#!/usr/bin/env bash
# The main job on the embedded default: simulated households, end to end.
# Installs what is missing, builds, then runs each pipeline stage into out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
nilm=build/nilm
out=${NILM_DEMO_DIR:-out/demo}
mkdir -p "$out"

echo "== 1. simulate 5 households, 30 days each"
"$nilm" simulate --houses 5 --days 30 --seed 1 --out "$out/raw"
echo "== 2. prepare them into a store"
"$nilm" prepare --format refit --input "$out/raw" --out "$out/store"
echo "== 3. train a kettle CNN (capped epochs: minutes on 2 cores; docs/training.md)"
"$nilm" train --store "$out/store" --appliance kettle --out "$out/kettle_cnn" --epochs 20 \
  --patience 20 --batch 128 --lr 3e-4 --max-windows-per-epoch 16384 --max-validation-windows 8192
echo "== 4. evaluate it on the held-out house, next to the always-off and mean baselines"
"$nilm" evaluate --store "$out/store" --appliance kettle --model "$out/kettle_cnn" --houses test \
  --json "$out/kettle_eval.json" --csv "$out/kettle_eval.csv" --plot "$out/kettle_eval.png"
echo "== 5. the reference's table: the CNN in every quantization mode (docs/quantization.md), scored on"
echo "      House5's first 3 days (a quick set), calibrated on the training houses"
"$nilm" simulate --houses 5 --days 3 --seed 1 --no-images --out "$out/raw3"
"$nilm" prepare --format refit --input "$out/raw3" --out "$out/quick" --houses 5
"$nilm" evaluate --store "$out/quick" --appliance kettle --houses House5 --model "$out/kettle_cnn" --modes all \
  --calibration-store "$out/store" --latency-runs 20 --modes-dir "$out/modes" \
  --markdown "$out/kettle_modes.md" --json "$out/kettle_modes.json"
