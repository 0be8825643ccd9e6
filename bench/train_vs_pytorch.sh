#!/usr/bin/env bash
# Training throughput (samples/s) of both models in C++ LibTorch (bench_train) at 1 and 2
# threads, and the same CNN training step in Python PyTorch in the same run; prints the ratios.
#   bench/train_vs_pytorch.sh [build-dir] [cnn-steps] [transformer-steps] [transformer-batch]
# The transformer's full 299x299 attention needs ~30 GB at batch 1024 on a CPU, so it runs at a
# smaller batch here (default 64) with fewer steps. Python gets the same glibc malloc setting
# that `nilm train` applies in-process (GLIBC_TUNABLES), so both run on an equal footing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${NILM_BUILD_DIR:-build}}
cnn_steps=${2:-5}
tf_steps=${3:-2}
tf_batch=${4:-64}
bench="$build/bench/bench_train"
[ -x "$bench" ] || { echo "missing $bench: build the bench_train target first" >&2; exit 1; }
export NILM_PROGRESS=0
tunables="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647"

value() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
result() {  # runs a benchmark, shows its output on stderr, returns its RESULT line
  local out
  out=$("$@")
  echo "$out" >&2
  echo "$out" | grep '^RESULT'
}
for t in 1 2; do
  ours=$(result "$bench" --model cnn --threads "$t" --batch 1024 --steps "$cnn_steps")
  plain=$(result "$bench" --model cnn --threads "$t" --batch 1024 --steps "$cnn_steps" --no-malloc-tuning)
  theirs=$(GLIBC_TUNABLES=$tunables OMP_NUM_THREADS=$t result /usr/bin/python3 bench/train_pytorch.py "$t" 1024 "$cnn_steps")
  tf=$(result "$bench" --model transformer --threads "$t" --batch "$tf_batch" --steps "$tf_steps")
  /usr/bin/python3 - "$t" "$(value "$ours" samples_per_s)" "$(value "$plain" samples_per_s)" \
    "$(value "$theirs" samples_per_s)" "$(value "$tf" samples_per_s)" "$tf_batch" <<'PY'
import sys
t = sys.argv[1]
ours, plain, py, tf = map(float, sys.argv[2:6])
print(f"threads {t}: CNN batch 1024: C++ LibTorch {ours:.0f} samples/s (without malloc tuning "
      f"{plain:.0f}, x{ours / plain:.2f}), Python PyTorch {py:.0f} samples/s -> C++/Python "
      f"{ours / py:.2f}; transformer batch {sys.argv[6]}: {tf:.1f} samples/s")
PY
done
