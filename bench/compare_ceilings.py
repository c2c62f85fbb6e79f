#!/usr/bin/python3
"""Prints parlab-probe-vs-likwid-bench ratios from the files bench/ceilings.sh wrote."""
import glob
import json
import os
import re
import sys

TARGETS = {"peak": 0.10, "L1": 0.20, "L2": 0.20, "L3": 0.20, "DRAM": 0.10}


def likwid_value(path, key):
    """`key` (MFlops/s or MByte/s) of one likwid-bench output, in G(FLOP|B)/s; None if it
    failed or measured nothing."""
    with open(path) as handle:
        text = handle.read()
    match = re.search(r"^" + re.escape(key) + r":\s+([0-9.]+)", text, re.MULTILINE)
    value = float(match.group(1)) / 1000 if match else 0
    return value if value > 0 else None


def best(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def scope_of(doc, name):
    return next(s for s in doc["scopes"] if s["scope"] == name)


def parlab_value(doc, scope, what):
    """(value, reason) of one ceiling of one probe document."""
    s = scope_of(doc, scope)
    if what == "peak":
        c = s["peak_fp64"]
    else:
        pattern, level = what
        sweep = next(m for m in s["memory"] if m["pattern"] == pattern)
        entry = next((l for l in sweep["levels"] if l["level"] == level), None)
        if entry is None:
            return None, f"no {level} level"
        c = entry["bandwidth"]
    return (c["value"], "") if c["available"] else (None, c["reason"])


def main(out, rounds, cores):
    docs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "probe-*.json")))]
    times = []
    for p in sorted(glob.glob(os.path.join(out, "probe-*.time"))):
        times.append(int(open(p).read().split()[1]) / 1e9)
    rows = []
    for threads, scopes in ((1, ["thread"]), (cores, ["rank", "node"])):
        items = [("peak", "peak FP64 FMA", "GFLOP/s", f"likwid-*-peak-{threads}-*.txt")]
        for pattern in ("triad", "read"):
            for level in ("L1", "L2", "L3", "DRAM"):
                items.append(((pattern, level), f"{pattern} {level}", "GB/s",
                              f"likwid-*-{pattern}-{level}-{threads}-*.txt"))
        for what, label, unit, pattern in items:
            key = "MFlops/s" if what == "peak" else "MByte/s"
            # Best over the rounds and, for a memory level, over its working sets.
            ref = best(likwid_value(path, key)
                       for path in glob.glob(os.path.join(out, pattern)))
            for scope in scopes:
                values, reasons = zip(*(parlab_value(d, scope, what) for d in docs))
                mine = best(values)
                rows.append((label, threads, scope, mine, ref, unit,
                             TARGETS["peak" if what == "peak" else what[1]],
                             next((r for r in reasons if r), "")))
    print(f"best of {rounds} interleaved rounds per side (likwid: best of its runs in each "
          f"level); parlab probe under mpirun -n {cores}")
    print(f"{'ceiling':<15} {'cores':>5} {'parlab scope':<12} {'parlab':>9} {'likwid':>9}"
          f" {'unit':<8} {'ratio':>6} {'target':>7}  verdict")
    for label, threads, scope, mine, ref, unit, tol, reason in rows:
        if mine is None or ref is None:
            why = reason if mine is None else "likwid-bench failed (see its output)"
            print(f"{label:<15} {threads:>5} {scope:<12} {'n/a':>9} "
                  f"{ref if ref is not None else float('nan'):>9.1f} {unit:<8}   n/a  -- {why}")
            continue
        ratio = mine / ref
        ok = abs(ratio - 1) <= tol
        print(f"{label:<15} {threads:>5} {scope:<12} {mine:>9.1f} {ref:>9.1f} {unit:<8}"
              f" {ratio:>6.2f} {'+-' + str(int(tol * 100)) + '%':>7}  {'meets' if ok else 'MISSES'}")
    if times:
        print(f"\nparlab probe wall time per round (mpirun -n {cores}, all parts): "
              + ", ".join(f"{t:.1f} s" for t in times)
              + f"; target < 30 s: {'meets' if max(times) < 30 else 'MISSES'}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
