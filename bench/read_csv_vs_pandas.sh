#!/usr/bin/env bash
# Reads the same REFIT-sized CSV with our reader (bench_read_csv) and with pandas
# (read_csv + resample('8s').mean() + ffill), in the same run, and prints the ratio. It also
# checks our aggregate grid against pandas' bin means sample by sample.
#   bench/read_csv_vs_pandas.sh [build-dir] [repeat]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${NILM_BUILD_DIR:-build}}
repeat=${2:-3}
file=/tmp/nilm_bench_refit/CLEAN_House2.csv
bench="$build/bench/bench_read_csv"
[ -x "$bench" ] || { echo "missing $bench: build the bench_read_csv target first" >&2; exit 1; }

dump=/tmp/nilm_bench_refit/ours_aggregate.grid
out=$(NILM_PROGRESS=0 "$bench" --file "$file" --repeat "$repeat" --dump "$dump")
echo "$out"
ours=$(grep '^RESULT' <<<"$out")
out=$(/usr/bin/python3 bench/read_csv_pandas.py "$file" "$repeat" "$dump")
echo "$out"
theirs=$(grep '^RESULT' <<<"$out")

value() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
/usr/bin/python3 - "$(value "$ours" ours_seconds)" "$(value "$theirs" pandas_seconds)" \
  "$(value "$ours" ours_cpu_seconds)" "$(value "$theirs" pandas_cpu_seconds)" \
  "$(value "$ours" ours_peak_rss_mb)" "$(value "$theirs" pandas_peak_rss_mb)" "$(value "$ours" input_mb)" <<'PY'
import sys
ours_s, pandas_s, ours_cpu, pandas_cpu, ours_rss, pandas_rss, mb = map(float, sys.argv[1:])
print(f"input {mb:.0f} MB: wall ours {mb / ours_s:.0f} MB/s vs pandas {mb / pandas_s:.0f} MB/s "
      f"-> ours {pandas_s / ours_s:.1f}x faster; CPU time ours {mb / ours_cpu:.0f} MB/s vs pandas "
      f"{mb / pandas_cpu:.0f} MB/s -> {pandas_cpu / ours_cpu:.1f}x; peak RSS ours {ours_rss:.0f} MB vs "
      f"pandas {pandas_rss:.0f} MB ({pandas_rss / ours_rss:.1f}x)")
PY
