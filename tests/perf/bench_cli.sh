#!/usr/bin/env bash
# `nilm bench` short mode, the check CI runs: the built-in sample CNN for a few runs at 1 and 2
# threads; the JSON parses (node's JSON.parse, an independent reader) with the expected tables and
# consistent values, the CSV has one row per configuration, the terminal table is rectangular,
# and bad options fail with one line.
set -u
nilm="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

"$nilm" bench --sample cnn --threads 1,2 --warmup 1 --runs 5 --profile-runs 2 --format json \
  --csv "$tmp/r.csv" >"$tmp/r.json" 2>"$tmp/err" || fail "bench --format json: $(cat "$tmp/err")"
if command -v node >/dev/null; then
  node - "$tmp/r.json" <<'JS' || fail "JSON output"
const fs = require('fs');
const j = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const check = (ok, what) => { if (!ok) { console.error('bad JSON: ' + what); process.exit(1); } };
check(Array.isArray(j.summary) && j.summary.length === 2, 'two summary rows');
for (const [i, s] of j.summary.entries()) {
  check(s.model === 'sample:cnn' && s.threads === i + 1 && s.runs === 5, 'row ' + i + ' identity');
  check(s.min_ms > 0 && s.min_ms <= s.median_ms && s.median_ms <= s.p90_ms && s.p90_ms <= s.p99_ms, 'order of statistics');
  check(s.weights_bytes > 40e6 && s.arena_bytes > 0 && s.file_bytes === null, 'memory figures');
  const types = j.op_types.filter((r) => r.threads === s.threads);
  const total = types.reduce((a, r) => a + r.avg_ms, 0);
  check(types.length >= 3 && Math.abs(types[types.length - 1].cumulative_percent - 100) < 0.02, 'op types reach 100%');
  const nodes = j.nodes.filter((r) => r.threads === s.threads);
  check(Math.abs(nodes.reduce((a, r) => a + r.avg_ms, 0) - total) < 1e-4 * (types.length + nodes.length), 'nodes sum to the op types');
}
JS
elif [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); assert len(j["summary"]) == 2 and j["op_types"] and j["nodes"]' \
    "$tmp/r.json" || fail "JSON output (python)"
else
  fail "neither node nor python3 to parse the JSON"
fi
[ "$(wc -l <"$tmp/r.csv")" = 3 ] || fail "CSV: $(wc -l <"$tmp/r.csv") lines, want header + 2"
head -1 "$tmp/r.csv" | grep -q '^model,tier,threads,batch,runs,avg_ms,median_ms,p90_ms,p99_ms,min_ms' || fail "CSV header: $(head -1 "$tmp/r.csv")"
[ -s "$tmp/r.op_types.csv" ] && [ -s "$tmp/r.nodes.csv" ] || fail "op profile CSV files missing"

out=$("$nilm" bench --sample cnn --runs 3 --warmup 0 --profile-runs 1 2>/dev/null) || fail "bench table"
widths=$(echo "$out" | awk '/^\| model /{t=1} t&&/^\|/{print length($0)} t&&!/^\|/{exit}' | sort -u | wc -l)
[ "$widths" = 1 ] || fail "summary table is not rectangular: $out"

# Two models side by side: one summary row each and one op-type column each.
out=$("$nilm" bench --sample cnn --sample transformer --runs 2 --warmup 0 --profile-runs 1 2>/dev/null) || fail "bench two samples"
echo "$out" | grep -q '^| op .*| sample:cnn t1 ms .*| sample:transformer t1 ms |' || fail "no side-by-side op table: $out"
echo "$out" | grep -q '^| BATCH_MATMUL .*| *- |' || fail "an op the CNN lacks is not shown as '-': $out"
[ "$(echo "$out" | grep -c '^| sample:')" -ge 2 ] || fail "summary lacks a row per model: $out"

check_error() {  # NAME WANT_CODE ARGS...
  local name=$1 want=$2; shift 2
  out=$("$nilm" bench "$@" 2>&1); got=$?
  [ "$got" = "$want" ] || fail "$name: exit $got, want $want: $out"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$name: more than one line: $out"
}
check_error "no model" 1
check_error "missing model" 2 "$tmp/none.tflite"
check_error "threads 0" 2 --sample cnn --threads 0
check_error "unknown format" 2 --sample cnn --format xml
check_error "unknown sample" 2 --sample lstm
echo "not a model" >"$tmp/junk.tflite"
check_error "corrupt model" 1 "$tmp/junk.tflite" --runs 1

[ "$fails" = 0 ] && echo "cli bench: all checks passed"
exit "$fails"
