#!/usr/bin/python3
"""Prints the python kernel's ratios against their targets, and the gil emulation's
fidelity, from the files bench/python.sh wrote. Every ratio is computed per round (ratio
of the two runs' medians) and shown as median [min-max] over the rounds; a verdict holds
only when the whole spread is on the right side of the target."""
import math
import os
import statistics
import sys

import h5py

from parlab_analysis.report import load_runs


def params_of(text):
    return dict(item.split("=", 1) for item in text.split(",") if "=" in item)


def find(runs, kernel, model, shape, **params):
    for row in runs.itertuples():
        if (row.kernel == kernel and row.model == model and (row.ranks, row.threads) == shape
                and row.status == "ok"
                and all(params_of(row.params).get(k) == str(v) for k, v in params.items())):
            return row
    raise SystemExit(f"compare_python.py: no ok run {kernel} {model} {shape} {params}")


def spread(values):
    return min(values), statistics.median(values), max(values)


def fmt(values):
    low, mid, high = spread(values)
    return f"{mid:.3f} [{low:.3f}-{high:.3f}]"


def verdict(values, at_least=None, at_most=None):
    low, _, high = spread(values)
    good_low = at_least is None or low >= at_least
    good_high = at_most is None or high <= at_most
    if good_low and good_high:
        return "meets"
    bad = (at_least is not None and high < at_least) or (at_most is not None and low > at_most)
    return "MISSES" if bad else "inconclusive"


def main(out, rounds):
    per_round = [load_runs(os.path.join(out, f"python-{r}.h5")) for r in range(1, rounds + 1)]

    def ratio(a, b):  # time of a over time of b, per round
        return [find(runs, *a[:3], **a[3]).median_s / find(runs, *b[:3], **b[3]).median_s
                for runs in per_round]

    py = lambda task, model, shape, **p: ("python", model, shape, dict(task=task, **p))
    cpp = lambda kernel, model, shape, **p: (kernel, model, shape, p)
    serial = (1, 1)
    rows = []

    def target(name, values, expected, **bounds):
        rows.append((name, fmt(values), expected, verdict(values, **bounds)))

    target("count: threads 1x2 / serial time", ratio(py("count", "threads", (1, 2)),
           py("count", "serial", serial)), ">= 0.95", at_least=0.95)
    target("count: processes 2x1 / serial time", ratio(py("count", "processes", (2, 1)),
           py("count", "serial", serial)), "<= 0.6", at_most=0.6)
    sleep_serial = py("sleep", "serial", serial)
    target("sleep 16 x 5 ms: serial / threads 1x16 time",
           [1 / r for r in ratio(py("sleep", "threads", (1, 16)), sleep_serial)], ">= 8",
           at_least=8)
    target("sleep 16 x 5 ms: serial / async time",
           [1 / r for r in ratio(py("sleep", "async", serial), sleep_serial)], ">= 8", at_least=8)
    target("native sha256: serial / threads 1x2 time",
           [1 / r for r in ratio(py("native", "threads", (1, 2)), py("native", "serial", serial))],
           ">= 1.6", at_least=1.6)

    # Fidelity: the gil emulation's gil/serial time ratio on the C++ counterpart over
    # CPython's threads/serial ratio on the task; within 15 % means 0.85-1.15.
    pairs = [
        ("count <-> counter reduction", py("count", "threads", (1, 2)), py("count", "serial", serial),
         cpp("counter", "gil", (1, 2), variant="reduction"), cpp("counter", "serial", serial, variant="reduction")),
        ("locked_counter <-> counter mutex", py("locked_counter", "threads", (1, 2)),
         py("locked_counter", "serial", serial), cpp("counter", "gil", (1, 2), variant="mutex"),
         cpp("counter", "serial", serial, variant="mutex")),
        ("sleep <-> wait (16 x 5 ms, 16 threads)", py("sleep", "threads", (1, 16)), sleep_serial,
         cpp("wait", "gil", (1, 16), wait_us=5000), cpp("wait", "serial", serial, wait_us=5000)),
        ("native <-> wait, work with the lock released", py("native", "threads", (1, 2)),
         py("native", "serial", serial), cpp("wait", "gil", (1, 2), work_releases_lock="true"),
         cpp("wait", "serial", serial, work_releases_lock="true")),
    ]
    fidelity = []
    for name, py_threads, py_serial, gil, gil_serial in pairs:
        cpython = ratio(py_threads, py_serial)
        emulated = ratio(gil, gil_serial)
        relative = [e / c for e, c in zip(emulated, cpython)]
        fidelity.append((name, fmt(cpython), fmt(emulated), fmt(relative),
                         verdict(relative, at_least=0.85, at_most=1.15)))

    print(f"python kernel (CPython embedded), {rounds} interleaved rounds: median [min-max] "
          "of the per-round ratio of medians")
    print(f"{'claim':<46} {'measured':>22} {'target':>8}  verdict")
    for name, measured, expected, judged in rows:
        print(f"{name:<46} {measured:>22} {expected:>8}  {judged}")
    print()
    print("gil emulation vs CPython threads (time ratio threads/serial; emulated/CPython "
          "within 0.85-1.15)")
    print(f"{'task <-> C++ counterpart':<46} {'CPython':>22} {'gil emulation':>22} "
          f"{'emulated/CPython':>22}  verdict")
    for name, cpython, emulated, relative, judged in fidelity:
        print(f"{name:<46} {cpython:>22} {emulated:>22} {relative:>22}  {judged}")
    print()

    for interval in ("5", "0.001"):
        lost = [find(runs, "python", "threads", (1, 2), task="unlocked_counter",
                     switch_interval_ms=interval).results["lost_updates"] for runs in per_round]
        print(f"unlocked_counter, threads 1x2, switch interval {interval} ms: lost updates per "
              f"round {[int(n) for n in lost]} (of 2 x 1000000 updates)")
    print()

    loops = {}
    for reps in (10, 20000):
        with h5py.File(os.path.join(out, f"overhead-{reps}.h5"), "r") as handle:
            for run_id in ("run-0001", "run-0002"):
                run = handle["runs"][run_id]
                loops[(run_id, reps)] = (float(run.attrs["loop_s"]),
                                         float(run["summary"][()]["median_s"]))
    for run_id, what in (("run-0001", "python kernel, empty user task"),
                         ("run-0002", "empty kernel (the harness alone)")):
        per_rep = (loops[(run_id, 20000)][0] - loops[(run_id, 10)][0]) / (20000 - 10)
        inside = loops[(run_id, 20000)][1]
        extra = ("target < 50 us: " + ("meets" if per_rep < 50e-6 else "MISSES")
                 if run_id == "run-0001" else "")
        print(f"overhead per repetition, {what}: {per_rep * 1e6:.2f} us (whole loop), "
              f"{inside * 1e6:.2f} us inside the timed region (median) {extra}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)
