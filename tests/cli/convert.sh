#!/usr/bin/env bash
# `nilm convert` end to end: a checkpoint the trainer wrote (a small CNN, window 99, 8 steps on
# simulated houses: enough for positive predictions) converts to a .tflite file that `nilm run`
# loads and runs, at batch 1 and batch 4 with the same predictions; bad inputs give one error
# line naming what is wrong, exit 2 for usage errors and 1 for a file that cannot be read or
# written, and leave no output file. About 17 nilm starts (~0.35 s each: LibTorch's libraries).
# Exits 77 (skipped) when nilm was built without LibTorch (`nilm train` cannot make a checkpoint).
set -u
nilm="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

"$nilm" simulate --houses 3 --days 1 --seed 7 --no-images --out "$tmp/raw" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
"$nilm" prepare --format refit --input "$tmp/raw" --out "$tmp/store" >/dev/null 2>&1 || { echo "FAIL prepare"; exit 1; }
"$nilm" train --store "$tmp/store" --appliance kettle --model cnn --window 99 --out "$tmp/cnn" --epochs 1 \
  --max-windows-per-epoch 64 --max-validation-windows 8 --batch 8 --threads 1 --balanced --lr 0.003 >"$tmp/train.log" 2>&1 ||
  { grep -q "without LibTorch" "$tmp/train.log" && { echo "skipped: nilm was built without LibTorch (no checkpoint to convert)"; exit 77; }
    echo "FAIL train"; cat "$tmp/train.log"; exit 1; }
ckpt="$tmp/cnn/best.nilmckpt"

# --- a good conversion ---------------------------------------------------------------------------
out=$("$nilm" convert "$tmp/cnn" -o "$tmp/m.tflite" 2>&1) || fail "convert of a training directory: $out"
echo "$out" | grep -q "kettle cnn model, window 99, batch 1" || fail "convert summary: $out"
# A FlatBuffer with TFLite's file identifier "TFL3" at bytes 4..7.
[ "$(dd if="$tmp/m.tflite" bs=1 skip=4 count=4 2>/dev/null)" = TFL3 ] || fail "m.tflite lacks the TFL3 identifier"
out=$("$nilm" convert "$ckpt" --mode convert_only --batch 4 -o "$tmp/m4.tflite" 2>&1) || fail "convert --batch 4: $out"
echo "$out" | grep -q "batch 4" || fail "convert --batch 4 summary: $out"

# Four windows of 99 plausible watts (text: one window per line).
awk 'BEGIN { for (w = 0; w < 4; ++w) { line = ""; for (i = 0; i < 99; ++i)
       line = line (i ? "," : "") (200 + 50 * w + ((i + 7 * w) % 40 < 12 ? 2500 : 0)); print line } }' >"$tmp/w.txt"
one=$("$nilm" run "$tmp/m.tflite" --input "$tmp/w.txt" 2>"$tmp/run.err") || fail "nilm run: $(cat "$tmp/run.err")"
four=$("$nilm" run "$tmp/m4.tflite" --input "$tmp/w.txt" 2>"$tmp/run4.err") || fail "nilm run batch 4: $(cat "$tmp/run4.err")"
[ "$(echo "$one" | wc -l)" = 4 ] || fail "nilm run printed $(echo "$one" | wc -l) predictions for 4 windows: $one"
echo "$one" | awk '{ if ($1 != $1 + 0 || $1 < 0) bad = 1 } END { exit bad }' || fail "predictions are not non-negative numbers: $one"
echo "$one" | awk '$1 > 0 { any = 1 } END { exit !any }' || fail "every prediction is 0 (clipped): the comparison below would be vacuous"
# The batch-4 model computes the same function: equal within float rounding.
paste <(echo "$one") <(echo "$four") | awk '{ d = $1 - $2; if (d < 0) d = -d; s = ($1 < 0 ? -$1 : $1) + 1;
  if (d > 1e-4 * s) { print "window " NR ": " $1 " vs " $2; bad = 1 } } END { exit bad }' ||
  fail "batch-1 and batch-4 models disagree"

# --- bad inputs: one line, the right exit code, no output file --------------------------------------
check_error() {  # NAME WANT_CODE WANT_TEXT ARGS...
  local name=$1 want=$2 text=$3; shift 3
  rm -f "$tmp/bad.tflite"
  out=$("$nilm" convert "$@" 2>&1); got=$?
  [ "$got" = "$want" ] || fail "$name: exit $got, want $want; output: $out"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$name: $(printf '%s\n' "$out" | wc -l) lines, want 1: $out"
  case "$out" in *"$text"*) ;; *) fail "$name: message lacks '$text': $out" ;; esac
  [ ! -e "$tmp/bad.tflite" ] || fail "$name: left an output file"
}
check_error "missing checkpoint" 2 "$tmp/nope.nilmckpt" "$tmp/nope.nilmckpt" -o "$tmp/bad.tflite"
head -c 1000 "$ckpt" >"$tmp/short.nilmckpt"
check_error "checkpoint cut in the header" 1 "$tmp/short.nilmckpt" "$tmp/short.nilmckpt" -o "$tmp/bad.tflite"
head -c 100000 "$ckpt" >"$tmp/cut.nilmckpt"
check_error "checkpoint cut in the weights" 1 "$tmp/cut.nilmckpt" "$tmp/cut.nilmckpt" -o "$tmp/bad.tflite"
cp "$ckpt" "$tmp/json.nilmckpt"
printf 'XXXXXXXX' | dd of="$tmp/json.nilmckpt" bs=1 seek=24 conv=notrunc 2>/dev/null
check_error "checkpoint with a broken JSON header" 1 "$tmp/json.nilmckpt" "$tmp/json.nilmckpt" -o "$tmp/bad.tflite"
check_error "a .tflite given as checkpoint" 1 "$tmp/m.tflite" "$tmp/m.tflite" -o "$tmp/bad.tflite"
mkdir "$tmp/empty"
check_error "directory without best.nilmckpt" 1 "best.nilmckpt" "$tmp/empty" -o "$tmp/bad.tflite"
check_error "unknown mode" 2 "frobnicate" "$ckpt" --mode frobnicate -o "$tmp/bad.tflite"
check_error "batch 0" 2 "--batch" "$ckpt" --batch 0 -o "$tmp/bad.tflite"
check_error "batch not a number" 2 "--batch" "$ckpt" --batch abc -o "$tmp/bad.tflite"
check_error "no output" 2 "--output" "$ckpt"
check_error "unwritable output" 1 "$tmp/no/such/dir/m.tflite" "$ckpt" -o "$tmp/no/such/dir/m.tflite"

[ "$fails" = 0 ] && echo "cli convert: all checks passed"
exit "$fails"
