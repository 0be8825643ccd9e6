"""The pandas peer of bench_read_csv: the same REFIT file, the same work.

read_csv of the Unix, Aggregate and Appliance columns, an 8 s bin mean, then a forward fill
limited to the same 180 s (22 grid samples of 8 s). Prints seconds, MB/s and peak RSS.
Run with /usr/bin/python3 (the interpreter that has pandas here).
"""
import os
import resource
import sys
import time

import pandas as pd


def check(grid, dump):
    """Our aggregate grid (bench_read_csv --dump) against pandas' bin means, sample by sample."""
    import numpy as np
    raw = open(dump, "rb").read()
    start, n = np.frombuffer(raw[:16], dtype=np.int64)
    ours = np.frombuffer(raw[16:16 + 4 * n], dtype=np.float32)
    missing = np.frombuffer(raw[16 + 4 * n:16 + 5 * n], dtype=np.uint8)
    mean = grid["Aggregate"]
    assert int(mean.index[0].value // 10**9) == start, "grids start at different times"
    assert len(mean) == n, f"grid lengths differ: pandas {len(mean)}, ours {n}"
    real = mean.notna().to_numpy()
    worst = np.max(np.abs(ours[real] - mean.to_numpy()[real]) / np.maximum(1, np.abs(mean.to_numpy()[real])))
    print(f"check: {real.sum()} grid samples with data: largest relative difference {worst:.2e}; "
          f"{(~real).sum()} empty in pandas = {int((~real & (missing == 1)).sum())} missing + "
          f"{int((~real & (missing == 0)).sum())} forward-filled in ours; "
          f"{int((real & (missing == 1)).sum())} samples with data that we mark missing")
    return worst < 1e-6


def main():
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    dump = sys.argv[3] if len(sys.argv) > 3 else ""
    columns = ["Unix", "Aggregate"] + [f"Appliance{k}" for k in range(1, 10)]
    mb = os.path.getsize(path) / 1e6
    best = best_cpu = float("inf")
    for run in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        df = pd.read_csv(path, usecols=columns, engine="c")
        df.index = pd.to_datetime(df.pop("Unix"), unit="s")
        means = df.resample("8s").mean()
        grid = means.ffill(limit=22)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        best = min(best, seconds)
        best_cpu = min(best_cpu, cpu)
        print(f"pandas run {run + 1}: {seconds:.3f} s wall, {cpu:.3f} s cpu ({len(grid)} grid samples)")
        if dump and run == repeat - 1 and not check(means, dump):
            sys.exit("check failed: our bin means differ from pandas'")
        del df, grid, means
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pandas {pd.__version__}: read_csv + resample('8s').mean() + ffill {best:.3f} s = "
          f"{mb / best:.1f} MB/s (best of {repeat}), peak RSS {rss_mb:.1f} MB = {rss_mb / mb:.2f} x input")
    print(f"pandas: {mb / best_cpu:.1f} MB/s of CPU time (best of {repeat})")
    print(f"RESULT pandas_seconds={best:.4f} pandas_mbps={mb / best:.1f} pandas_cpu_seconds={best_cpu:.4f} "
          f"pandas_peak_rss_mb={rss_mb:.1f}")


if __name__ == "__main__":
    main()
