#!/usr/bin/env bash
# `nilm evaluate` end to end on simulated houses: exit codes, the three report files, and the
# baselines' MAE/SAE/NDE recomputed independently with numpy from the store's .npy files.
set -u
nilm="$1"
py=/usr/bin/python3  # the python with numpy (see docs)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

"$nilm" simulate --houses 3 --days 2 --seed 7 --no-images --out "$tmp/raw" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
"$nilm" prepare --format refit --input "$tmp/raw" --out "$tmp/store" >/dev/null 2>&1 || { echo "FAIL prepare"; exit 1; }
houses=$("$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print(','.join(h['name'] for h in d['houses']))" "$tmp/store/store.json")

out=$("$nilm" evaluate --store "$tmp/store" --appliance kettle --houses "$houses" --threads 2 --batch 100 \
      --json "$tmp/r.json" --csv "$tmp/r.csv" --plot "$tmp/p.png" --plot-hours 6 2>/dev/null)
[ $? = 0 ] || fail "evaluate exit code"
echo "$out" | grep -q "| kettle    | baseline:mean | all" || fail "table lacks the pooled baseline:mean row: $out"
[ "$(head -c 8 "$tmp/p.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "plot is not a PNG"

"$py" - "$tmp/store" "$tmp/r.json" "$tmp/r.csv" <<'PY' || fails=$((fails + 1))
import csv, json, sys
import numpy as np
store, rows = sys.argv[1], json.load(open(sys.argv[2]))
csv_rows = list(csv.DictReader(open(sys.argv[3])))
assert len(rows) == len(csv_rows), "json and csv row counts differ"
meta = json.load(open(store + "/store.json"))
# training mean of the kettle over non-missing samples of the train houses
train = meta["splits"]["kettle"]["train"]
tw = np.concatenate([np.load(f"{store}/{h}/kettle.watts.npy")[np.load(f"{store}/{h}/missing.npy") == 0] for h in train])
mean_w = tw.astype(np.float64).mean()
p_m = np.float32(next(a["max_power_w"] for a in meta["appliances"] if a["name"] == "kettle"))
W, half = 599, 299
for r, c in zip(rows, csv_rows):
    assert r["model"] == c["model"] and r["house"] == c["house"]
    if r["house"] == "all":
        continue
    x = np.load(f"{store}/{r['house']}/kettle.watts.npy").astype(np.float64)
    miss = np.load(f"{store}/{r['house']}/missing.npy").astype(np.int64)
    n = len(x)
    csum = np.concatenate([[0], np.cumsum(miss)])
    mids = np.arange(half, n - W + half + 1)
    clean = (csum[mids - half + W] - csum[mids - half]) == 0
    scored = mids[clean]
    t = x[scored]
    p = np.zeros_like(t) if r["model"] == "baseline:off" else np.full_like(t, np.float32(mean_w / p_m) * p_m)
    want = {"samples": len(t), "mae_w": np.abs(p - t).mean(),
            "sae": abs(p.sum() - t.sum()) / t.sum() if t.sum() > 0 else float("nan"),
            "nde": ((t - p) ** 2).sum() / (t ** 2).sum() if t.sum() > 0 else float("nan")}
    for k, v in want.items():
        got = r[k]
        if isinstance(got, str):
            assert got == "nan" and np.isnan(v), f"{r['model']} {r['house']} {k}: {got} vs {v}"
        else:
            assert abs(got - v) <= 1e-6 * max(1.0, abs(v)), f"{r['model']} {r['house']} {k}: {got} vs {v}"
PY

# Errors: a bad appliance or model file is exit 1 with one line; a bad option value is exit 2.
err=$("$nilm" evaluate --store "$tmp/store" --appliance toaster 2>&1); code=$?
[ $code = 1 ] && [ "$(echo "$err" | wc -l)" = 1 ] || fail "unknown appliance: exit $code: $err"
"$nilm" evaluate --store "$tmp/store" --appliance kettle --model "$tmp/none.pt" >/dev/null 2>&1
[ $? = 1 ] || fail "missing model file should exit 1"
"$nilm" evaluate --store "$tmp/store" --appliance kettle --batch 0 >/dev/null 2>&1
[ $? = 2 ] || fail "--batch 0 should exit 2"
"$nilm" evaluate --store "$tmp/store" --appliance kettle --houses NoSuchHouse >/dev/null 2>&1
[ $? = 1 ] || fail "unknown house should exit 1"
err=$("$nilm" evaluate --store "$tmp/store" --appliance kettle --plot "$tmp/q.png" --plot-start 1000 2>&1); code=$?
[ $code = 1 ] && echo "$err" | grep -q "q.png: plot span" || fail "plot span past the end: exit $code: $err"

[ "$fails" = 0 ] && echo "cli evaluate: all checks passed"
exit "$fails"
