#!/usr/bin/python3
"""Prints the python kernel's ratios against their targets, and the gil emulation's
fidelity, from the files bench/python.sh wrote. Every ratio is judged from the 95 %
interval of the median of its per-round ratios (each paired within the round both runs
were measured in), per invocation, and meets only when every invocation's interval does;
the fidelity quotients from 90 % bootstrap intervals (an equivalence test, as the lesson
judges them), likewise. Beside
each, the median [min-max] over invocations of the ratio of the runs' best repetitions. The same tasks as plain
CPython programs (python_reference.py, run in the same rounds) are the independent
reference: the embedding should show what CPython itself shows."""
import json
import os
import statistics
import sys

import h5py

from parlab_analysis import intervals
from parlab_analysis.lesson_python import EQUIVALENCE_LEVEL
from parlab_analysis.report import load, params_of


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


def interval_verdict(found, at_least=None, at_most=None):
    """From an interval: meets when all of it is on the target's side, MISSES when all of
    it is on the other, else inconclusive."""
    return verdict([found.low, found.high], at_least, at_most)


def fmt_interval(found):
    return f"{found.estimate:.3f} [{found.low:.3f}-{found.high:.3f}]"


def union(found):
    """The invocations' intervals as one: the median estimate, the lowest low, the highest
    high (invocations differ by more than rounds within one: they are not pooled)."""
    return intervals.Interval(statistics.median(f.estimate for f in found), min(f.low for f in found),
                              max(f.high for f in found), all(f.covered for f in found))


def py(task, model, shape, **params):
    return ("python", model, shape, dict(task=task, **params))


def cpp(kernel, model, shape, **params):
    return (kernel, model, shape, params)


SERIAL = (1, 1)
# (claim, run, baseline, invert: print baseline/run (a speedup), target, bounds, the same
# two programs in bench/python_reference.py)
TARGETS = [
    ("count: threads 1x2 / serial time", py("count", "threads", (1, 2)), py("count", "serial", SERIAL),
     False, ">= 0.95", dict(at_least=0.95), ("count_threads", "count_serial")),
    ("count: processes 2x1 / serial time", py("count", "processes", (2, 1)),
     py("count", "serial", SERIAL), False, "<= 0.6", dict(at_most=0.6),
     ("count_processes", "count_serial")),
    ("sleep 16 x 5 ms: serial / threads 1x16", py("sleep", "threads", (1, 16)),
     py("sleep", "serial", SERIAL), True, ">= 8", dict(at_least=8), ("sleep_threads", "sleep_serial")),
    ("sleep 16 x 5 ms: serial / async", py("sleep", "async", SERIAL), py("sleep", "serial", SERIAL),
     True, ">= 8", dict(at_least=8), ("sleep_async", "sleep_serial")),
    ("native sha256: serial / threads 1x2", py("native", "threads", (1, 2)),
     py("native", "serial", SERIAL), True, ">= 1.6", dict(at_least=1.6),
     ("native_threads", "native_serial")),
    ("locked_counter: threads 1x2 / serial time", py("locked_counter", "threads", (1, 2)),
     py("locked_counter", "serial", SERIAL), False, "-", {}, ("locked_threads", "locked_serial")),
]
# Fidelity: the gil emulation's gil/serial time ratio on the C++ counterpart over CPython's
# threads/serial ratio on the task; within 15 % means 0.85-1.15.
PAIRS = [
    ("count <-> counter reduction", py("count", "threads", (1, 2)), py("count", "serial", SERIAL),
     cpp("counter", "gil", (1, 2), variant="reduction", without_lock="false"),
     cpp("counter", "serial", SERIAL, variant="reduction", without_lock="false")),
    ("locked_counter <-> counter mutex", py("locked_counter", "threads", (1, 2)),
     py("locked_counter", "serial", SERIAL), cpp("counter", "gil", (1, 2), variant="mutex"),
     cpp("counter", "serial", SERIAL, variant="mutex")),
    ("sleep <-> wait (16 x 5 ms, 16 threads)", py("sleep", "threads", (1, 16)),
     py("sleep", "serial", SERIAL), cpp("wait", "gil", (1, 16), wait_us=5000),
     cpp("wait", "serial", SERIAL, wait_us=5000)),
    ("native <-> counter, lock released", py("native", "threads", (1, 2)),
     py("native", "serial", SERIAL),
     cpp("counter", "gil", (1, 2), variant="reduction", without_lock="true"),
     cpp("counter", "serial", SERIAL, variant="reduction", without_lock="true")),
]


def main(out, rounds):
    loaded = [load(os.path.join(out, f"python-{r}.h5")) for r in range(1, rounds + 1)]
    per_round = [reports.runs for reports in loaded]

    def ratio(a, b, statistic):  # time of a over time of b, per round
        return [getattr(find(runs, *a[:3], **a[3]), statistic) /
                getattr(find(runs, *b[:3], **b[3]), statistic) for runs in per_round]

    def paired(a, b):  # per invocation: time of a over time of b in each of its rounds
        out = []
        for reports in loaded:
            run, base = find(reports.runs, *a[:3], **a[3]), find(reports.runs, *b[:3], **b[3])
            ratios = intervals.paired_ratios(reports.cell_times(base), reports.cell_times(run),
                                             reports.rounds(base), reports.rounds(run)) or []
            out.append([1 / x for x in ratios if x > 0])
        return out

    print(f"python kernel (CPython embedded), {rounds} invocations of interleaved rounds; "
          "verdicts from the 95 % interval of the median of the per-round ratios (each paired "
          "within its round) of every invocation: the median estimate [lowest low - highest "
          "high]; beside it, median [min-max] over the invocations of the ratio of the runs' "
          "best repetitions")
    references = []
    for r in range(1, rounds + 1):
        with open(os.path.join(out, f"reference-{r}.json")) as handle:
            references.append(json.load(handle))
    print(f"{'claim':<42} {'per round [95 %]':>22} {'best':>22} {'target':>7} {'verdict':>12}  "
          f"{'plain CPython ' + references[0]['python'] + ' (best)':>26}")
    for name, run, base, invert, expected, bounds, (ref_run, ref_base) in TARGETS:
        best, per_invocation = ratio(run, base, "min_s"), paired(run, base)
        plain = [ref[ref_run] / ref[ref_base] for ref in references]
        if invert:
            best, plain = ([1 / r for r in v] for v in (best, plain))
            per_invocation = [[1 / r for r in v] for v in per_invocation]
        found = union([intervals.median_interval(v) for v in per_invocation])
        judged = interval_verdict(found, **bounds) if bounds else ""
        print(f"{name:<42} {fmt_interval(found):>22} {fmt(best):>22} {expected:>7} {judged:>12}  "
              f"{fmt(plain):>26}")
    finals = [int(ref["locked_counter_final"]) for ref in references]
    print(f"plain CPython's locked counter ended at {finals} (must be 0)")
    print()
    print("gil emulation vs CPython threads: threads/serial time ratios (per round [95 %]), and "
          "emulated/CPython [90 % bootstrap over both sides' rounds: an equivalence test, as the "
          "lesson judges it], within 0.85-1.15")
    print(f"{'task <-> C++ counterpart':<40} {'CPython':>22} {'gil emulation':>22} "
          f"{'emulated/CPython [90 %]':>24} {'(best reps)':>22}  verdict")
    for name, py_threads, py_serial, gil, gil_serial in PAIRS:
        cpython, emulated = paired(py_threads, py_serial), paired(gil, gil_serial)
        both = union([intervals.unpaired_ratio_interval(e, c, level=EQUIVALENCE_LEVEL)
                      for e, c in zip(emulated, cpython)])
        cpython, emulated = (union([intervals.median_interval(v) for v in side])
                             for side in (cpython, emulated))
        best = [e / c for e, c in zip(ratio(gil, gil_serial, "min_s"),
                                      ratio(py_threads, py_serial, "min_s"))]
        print(f"{name:<40} {fmt_interval(cpython):>22} "
              f"{fmt_interval(emulated):>22} {fmt_interval(both):>24} "
              f"{fmt(best):>22}  {interval_verdict(both, at_least=0.85, at_most=1.15)}")
    print()

    for interval in ("5", "0.001"):
        runs = [find(reports.runs, "python", "threads", (1, 2), task="unlocked_counter",
                     switch_interval_ms=interval) for reports in loaded]
        lost = [reports.result(run, "lost_updates") for reports, run in zip(loaded, runs)]
        # lost_updates adds up every execution: each repetition and its block's warm-up.
        print(f"unlocked_counter, threads 1x2, switch interval {interval} ms: lost updates per "
              f"invocation {[int(n) for n in lost]} (over {[2 * int(r.repetitions) for r in runs]} "
              f"executions of 2 x 500000 updates: each repetition and its round's warm-up)")
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
