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


def main():
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    columns = ["Unix", "Aggregate"] + [f"Appliance{k}" for k in range(1, 10)]
    mb = os.path.getsize(path) / 1e6
    best = float("inf")
    for run in range(repeat):
        t0 = time.perf_counter()
        df = pd.read_csv(path, usecols=columns, engine="c")
        df.index = pd.to_datetime(df.pop("Unix"), unit="s")
        grid = df.resample("8s").mean().ffill(limit=22)
        seconds = time.perf_counter() - t0
        best = min(best, seconds)
        print(f"pandas run {run + 1}: {seconds:.3f} s ({len(grid)} grid samples)")
        del df, grid
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pandas {pd.__version__}: read_csv + resample('8s').mean() + ffill {best:.3f} s = "
          f"{mb / best:.1f} MB/s (best of {repeat}), peak RSS {rss_mb:.1f} MB = {rss_mb / mb:.2f} x input")
    print(f"RESULT pandas_seconds={best:.4f} pandas_mbps={mb / best:.1f} pandas_peak_rss_mb={rss_mb:.1f}")


if __name__ == "__main__":
    main()
