#!/usr/bin/python3
"""Issue-15 table from bench/io-progress.sh: parlab's overlap (default progress, and every
method run) against the independent reference, per shape and round, and their ratio."""
import glob
import os
import re
import statistics
import sys

import h5py


def parlab_runs(path):
    """(mode, progress, results, notes, phase medians) of every run of one report."""
    with h5py.File(path, "r") as handle:
        for run in handle["runs"].values():
            results = {k: float(v[()]) for k, v in run["results"].items()}
            notes = {k[5:]: str(run.attrs[k]) for k in run.attrs if k.startswith("note_")}
            yield run.attrs["param_mode"], run.attrs["param_progress"], results, notes


def reference(path):
    """Per round, {method: (compute, io, overlap)} from bench_ref_io_overlap's lines."""
    rounds, current = [], {}
    with open(path) as handle:
        for line in handle:
            fields = dict(f.split("=") for f in line.split()[2:])
            method = line.split()[1]
            if method in current:
                rounds.append(current)
                current = {}
            current[method] = (float(fields["compute_s"]), float(fields["io_s"]), float(fields["overlap"]))
    return rounds + [current]


def blocking_ab(out, ranks):
    """Blocking time, minimum over repetitions, this build vs BASELINE, per round."""
    pairs = []
    for new in sorted(glob.glob(os.path.join(out, f"blocking-{ranks}-*.h5"))):
        old = new.replace("blocking-", "baseline-")
        times = []
        for path in (new, old):
            with h5py.File(path, "r") as handle:
                run = next(iter(handle["runs"].values()))
                times.append(float(run["samples"][()][:, :, 0].max(axis=1).min()))
        pairs.append(times)
    return pairs


def main(out, rounds):
    for ranks in (1, 2):
        refs = reference(os.path.join(out, f"reference-{ranks}.txt"))
        ratios = []
        print(f"shape {ranks} rank(s) x 1 thread (32 MiB in all, fsync'd):")
        for round_index in range(1, rounds + 1):
            ref = refs[round_index - 1]
            best_ref = max(v[2] for v in ref.values())
            row = []
            auto = None
            for mode, progress, results, notes in parlab_runs(os.path.join(out, f"parlab-{ranks}-{round_index}.h5")):
                if mode == "blocking":
                    row.append(f"blocking io {results['io_time'] * 1e3:.1f} ms")
                    continue
                overlap, ceiling = results.get("overlap_vs_smaller"), results.get("overlap_ceiling")
                row.append(f"{progress}->{notes.get('progress_used')} {overlap:.2f} (ceiling {ceiling:.2f})")
                if progress == "auto":
                    auto = overlap
            ratio = auto / best_ref if best_ref > 0 else float("nan")
            ratios.append(ratio)
            print(f"  round {round_index}: parlab " + ", ".join(row))
            print(f"           reference " + ", ".join(f"{m} {v[2]:.2f} (compute {v[0] * 1e3:.0f} ms, io "
                                                      f"{v[1] * 1e3:.0f} ms)" for m, v in ref.items()))
            print(f"           ratio parlab auto / best reference: {ratio:.2f}")
        print(f"  median ratio over {rounds} rounds: {statistics.median(ratios):.2f} "
              f"(target >= 0.9: {'meets' if statistics.median(ratios) >= 0.9 else 'BELOW'})")
        for new, old in blocking_ab(out, ranks):
            print(f"  blocking A/B: this build {new * 1e3:.1f} ms, baseline {old * 1e3:.1f} ms, ratio {new / old:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
