#!/usr/bin/env bash
# `nilm inspect` (the quantization debugger) and `nilm evaluate --modes` end to end on a tiny
# trained CNN (window 99) and a one-day simulated store: the table, the CSV (parsed back and
# compared with the table), the PNG, the suspects' --keep-float line; the modes table in the
# terminal, Markdown and JSON agree; bad inputs give one error line with exit 1 or 2.
# Exits 77 (skipped) when nilm was built without LibTorch (no `nilm train` to make a checkpoint).
set -u
nilm="$1"
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
"$nilm" train --help >/dev/null 2>&1 || { echo "skipped: this nilm has no 'train' command (built without LibTorch)"; exit 77; }

"$nilm" simulate --houses 3 --days 1 --seed 7 --no-images --out "$tmp/raw" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
"$nilm" prepare --format refit --input "$tmp/raw" --out "$tmp/store" >/dev/null 2>&1 || { echo "FAIL prepare"; exit 1; }
"$nilm" train --store "$tmp/store" --appliance kettle --model cnn --window 99 --out "$tmp/cnn" --epochs 1 \
  --max-windows-per-epoch 64 --max-validation-windows 8 --batch 8 --threads 1 --balanced --lr 0.003 >"$tmp/train.log" 2>&1 ||
  { echo "FAIL train"; cat "$tmp/train.log"; exit 1; }
"$nilm" convert "$tmp/cnn" -o "$tmp/float.tflite" >/dev/null 2>&1 || fail "convert float"
"$nilm" convert "$tmp/cnn" -o "$tmp/q.tflite" --mode w8_a8 --store "$tmp/store" --calibration-windows 32 \
  >"$tmp/convert.log" 2>&1 || { echo "FAIL convert w8_a8"; cat "$tmp/convert.log"; exit 1; }

# --- inspect --------------------------------------------------------------------------------------
out=$("$nilm" inspect "$tmp/q.tflite" --store "$tmp/store" --windows 16 --csv "$tmp/q.csv" --png "$tmp/q.png" --all 2>&1) ||
  fail "inspect: $out"
echo "$out" | grep -q "rmse/scale" || fail "inspect table header: $out"
echo "$out" | grep -q "CONV_2D" || fail "inspect lists no CONV_2D layer: $out"
[ "$(head -c 8 "$tmp/q.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "q.png is not a PNG"
# The CSV parses: one row per table row, the same rmse/scale (3 decimals) and suspect flags.
"$py" - "$tmp/q.csv" <<'P' >"$tmp/csv.txt" || fail "CSV does not parse"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(len(r) == 14 for r in rows), "14 columns"
for r in rows:
    v = float(r["rmse_over_scale"]); s = int(r["suspect"])
    assert v >= 0 and s == (1 if v > 0.7 else 0), r
    assert float(r["range_min"]) <= 0 <= float(r["range_max"]) or r["op"] != "CONV_2D", r
    print(r["layer"], "%.3f" % v)
P
while read -r layer v; do
  echo "$out" | grep -E "^$layer +" | grep -q " $v" || fail "CSV row $layer $v not in the table"
done <"$tmp/csv.txt"
n_csv=$(wc -l <"$tmp/csv.txt")
n_suspect=$(awk -F, 'NR > 1 && $NF == 1' "$tmp/q.csv" | wc -l)
echo "$out" | grep -q "^$n_csv layers, 16 windows;.* $n_suspect suspect" || fail "footer: $n_csv layers, $n_suspect suspects: $out"
# Pure data movement is exact, so a RESHAPE's rmse is 0.
grep -q ',RESHAPE,.*,0,0$' "$tmp/q.csv" || fail "no exact RESHAPE row in the CSV"
# A low threshold turns rounding noise into suspects and prints the --keep-float line.
out=$("$nilm" inspect "$tmp/q.tflite" --store "$tmp/store" --windows 8 --threshold 0.01 2>&1) || fail "inspect --threshold: $out"
echo "$out" | grep -q "SUSPECT" || fail "threshold 0.01 flags nothing: $out"
echo "$out" | grep -q -- "--keep-float conv_2d" || fail "no --keep-float line: $out"

# convert --keep-float auto: the suspects on the calibration windows are named and kept float32.
out=$("$nilm" convert "$tmp/cnn" -o "$tmp/auto.tflite" --mode w8_a8 --store "$tmp/store" --calibration-windows 32 \
  --keep-float auto 2>&1) || fail "convert --keep-float auto: $out"
echo "$out" | grep -q -- "--keep-float auto: [0-9]* suspect(s)" || fail "convert --keep-float auto names no count: $out"

check_error() {  # NAME WANT_CODE WANT_TEXT ARGS...
  local name=$1 want=$2 text=$3; shift 3
  out=$("$nilm" "$@" 2>&1); got=$?
  [ "$got" = "$want" ] || fail "$name: exit $got, want $want; output: $out"
  [ "$(printf '%s\n' "$out" | grep -v '^quantization debugger' | wc -l)" = 1 ] || fail "$name: want 1 line: $out"
  case "$out" in *"$text"*) ;; *) fail "$name: message lacks '$text': $out" ;; esac
}
check_error "inspect a float model" 1 "no quantized layer" inspect "$tmp/float.tflite" --store "$tmp/store" --windows 4
check_error "inspect without --store" 2 "--store" inspect "$tmp/q.tflite"
check_error "inspect a missing file" 2 "nope.tflite" inspect "$tmp/nope.tflite" --store "$tmp/store"

# --- evaluate --modes -----------------------------------------------------------------------------
out=$("$nilm" evaluate --store "$tmp/store" --appliance kettle --model "$tmp/cnn" --modes convert_only,w8_a8,w8_a8:auto \
  --threads 1 --latency-runs 3 --calibration-windows 32 --modes-dir "$tmp/modes" --markdown "$tmp/m.md" \
  --json "$tmp/m.json" 2>"$tmp/modes.err") || fail "evaluate --modes: $(cat "$tmp/modes.err")"
for m in convert_only w8_a8 w8_a8:auto; do
  echo "$out" | grep -q "^$m " || fail "modes table lacks $m: $out"
  grep -q "^| $m |" "$tmp/m.md" || fail "Markdown lacks $m"
done
[ -s "$tmp/modes/best_w8_a8.tflite" ] || fail "no converted w8_a8 file in --modes-dir"
"$py" - "$tmp/m.json" "$tmp/modes" <<'P' || fail "modes JSON"
import json, os, sys
rows = json.load(open(sys.argv[1]))
assert [r["mode"] for r in rows] == ["convert_only", "w8_a8", "w8_a8:auto"], rows
for r in rows:
    for k in ("f1", "mcc", "accuracy", "mae_w", "sae", "nde", "epd_error_pct", "latency_us_1", "latency_us_n"):
        assert k in r, k
    assert r["disk_bytes"] == os.path.getsize(r["path"]), r
    assert r["latency_us_1"] > 0 and r["runtime_mb"] > 0, r
# int8 weights: the quantized file is well under half the float one.
assert rows[1]["disk_bytes"] < 0.5 * rows[0]["disk_bytes"], rows
P
check_error "evaluate --modes bad mode" 1 "w8_a8" evaluate --store "$tmp/store" --appliance kettle --model "$tmp/cnn" --modes w9
check_error "evaluate --modes two models" 1 "exactly one --model" evaluate --store "$tmp/store" --appliance kettle \
  --model "$tmp/cnn" --model "$tmp/float.tflite" --modes w8

[ "$fails" = 0 ] && echo "all inspect / evaluate --modes checks passed"
exit $((fails > 0))
