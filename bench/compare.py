#!/usr/bin/python3
"""Prints parlab-vs-reference ratios from the files bench/run-bench.sh wrote."""
import os
import sys

import h5py

from parlab_analysis.report import load_many


def parlab_rate(runs, label_part, threads):
    """Best median rate over the rounds."""
    # `params` lists every parameter (labels leave out the defaults).
    match = runs[(runs.kernel + "," + runs.params).str.contains(label_part, regex=False)
                 & (runs.threads == threads)]
    return float(match.rate.max())


def main(out, rounds):
    refs = {}
    with open(os.path.join(out, "references.txt")) as handle:
        for line in handle:
            fields = line.split()
            key = (fields[0], int(fields[2]))
            best = refs.get(key, (0.0, ""))[0]
            if float(fields[3]) > best:
                refs[key] = (float(fields[3]), fields[5])

    def rounds_of(name):
        return load_many([os.path.join(out, f"{name}-{r}.h5") for r in range(1, rounds + 1)])

    dgemm = rounds_of("dgemm")
    free = rounds_of("dgemm-free")
    triad = rounds_of("triad")
    rows = []
    for threads in (1, 2):
        ref, core = refs[("dgemm_ref", threads)]
        for name, runs, label, target in (
                ("dgemm blocked", dgemm, "impl=blocked", 0.5),
                ("dgemm blas (machine env)", dgemm, "impl=blas", 0.9),
                ("dgemm blas (OpenBLAS free)", free, "impl=blas", 0.9)):
            mine = parlab_rate(runs, label, threads)
            rows.append((name, threads, f"{mine:.1f} GFLOP/s", f"{ref:.1f} GFLOP/s ({core})",
                         mine / ref, target))
        ref, _ = refs[("triad_ref", threads)]
        mine = parlab_rate(triad, "triad", threads)
        rows.append(("triad", threads, f"{mine:.1f} GB/s", f"{ref:.1f} GB/s", mine / ref, 0.9))
    print(f"best median of {rounds} interleaved rounds per side")
    print(f"{'benchmark':<28} {'thr':>3} {'parlab (median)':>17} {'reference (median)':>28}"
          f" {'ratio':>6} {'target':>7}  verdict")
    for name, threads, mine, ref, ratio, target in rows:
        verdict = "meets" if ratio >= target else "BELOW"
        print(f"{name:<28} {threads:>3} {mine:>17} {ref:>28} {ratio:>6.2f} {'>=' + str(target):>7}"
              f"  {verdict}")
    print()
    for prefix, what in (("empty", "1 rank"), ("empty2", "2 ranks")):
        overhead = {}
        for reps in (10, 100000):
            with h5py.File(os.path.join(out, f"{prefix}-{reps}.h5"), "r") as handle:
                run = handle["runs/run-0001"]
                overhead[reps] = (float(run.attrs["loop_s"]), float(run["summary"][()]["median_s"]))
        per_rep = (overhead[100000][0] - overhead[10][0]) / (100000 - 10)
        print(f"harness overhead, empty kernel, {what}: {per_rep * 1e6:.2f} us per repetition "
              f"(whole loop: barrier, timers, reduction), {overhead[100000][1] * 1e6:.3f} us "
              f"inside the timed region (median); target < 20 us: "
              f"{'meets' if per_rep < 20e-6 else 'ABOVE'}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)
