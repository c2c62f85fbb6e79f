#!/usr/bin/python3
"""Checks a report finished by `parlab run --resume` after a crash against a report of the
same experiment run without interruption, and against what the crashed job left.
  - both complete, with the same runs; every run with the same attributes and datasets
    (names, shapes, types): the same structure
  - every run of the crashed job's journal is in the final report, marked resumed, with
    exactly the samples the crashed job measured; every other run was measured anew
  - the crashed job's temporary report, when readable, holds no run the journal lacks
usage: check_resumed.py REFERENCE.h5 RESUMED.h5 CRASHED.journal [CRASHED.h5.tmp]"""
import json
import sys

import h5py
import numpy as np

reference, resumed, journal = sys.argv[1:4]
crashed_tmp = sys.argv[4] if len(sys.argv) > 4 else None
problems = []


def layout(group):
    """{path: (kind, shape, dtype, sorted attribute names)} below a group."""
    items = {".": ("group", None, None, sorted(group.attrs))}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            items[name] = ("dataset", obj.shape, str(obj.dtype), sorted(obj.attrs))
        else:
            items[name] = ("group", None, None, sorted(obj.attrs))
    group.visititems(visit)
    return items


def journal_samples(record):
    reps, ranks = record["repetitions"], record["ranks"]
    return np.array(record["samples"], dtype=float).reshape(reps, ranks, -1)


entries = {}
with open(journal) as f:
    lines = f.read().split("\n")
for line in lines[1:]:
    try:
        entry = json.loads(line)
        entries[entry["id"]] = entry["record"]
    except (json.JSONDecodeError, KeyError, TypeError):
        pass  # the entry a crash cut short
print(f"journal of the crashed job: {len(entries)} finished runs: {', '.join(sorted(entries))}")

with h5py.File(reference, "r") as ref, h5py.File(resumed, "r") as res:
    for name, f in (("reference", ref), ("resumed", res)):
        if f.attrs["status"] != "complete":
            problems.append(f"{name} report status is {f.attrs['status']!r}")
    if sorted(ref.attrs) != sorted(res.attrs):
        problems.append(f"root attributes differ: {sorted(set(ref.attrs) ^ set(res.attrs))}")
    if sorted(ref["runs"]) != sorted(res["runs"]):
        problems.append(f"runs differ: {sorted(ref['runs'])} vs {sorted(res['runs'])}")
    for run in sorted(set(ref["runs"]) & set(res["runs"])):
        a, b = layout(ref["runs"][run]), layout(res["runs"][run])
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            problems.append(f"{run}: structure differs at {diff}")
        was_resumed = int(res["runs"][run].attrs["resumed"])
        if was_resumed != (run in entries):
            problems.append(f"{run}: resumed = {was_resumed}, but in journal = {run in entries}")
        if run in entries:
            mine = res["runs"][run]["samples"][()]
            if not np.array_equal(mine, journal_samples(entries[run])):
                problems.append(f"{run}: samples differ from what the crashed job measured")
    if int(res.attrs["runs_resumed"]) != len(entries):
        problems.append(f"runs_resumed = {res.attrs['runs_resumed']}, journal has {len(entries)}")
    kept = 0
    if crashed_tmp:
        try:
            with h5py.File(crashed_tmp, "r") as tmp:
                for run in tmp["runs"]:
                    if "samples" not in tmp["runs"][run]:
                        continue
                    kept += 1
                    if run not in entries:
                        problems.append(f"{run} is in the crashed report but not in its journal")
                    elif not np.array_equal(tmp["runs"][run]["samples"][()],
                                            res["runs"][run]["samples"][()]):
                        problems.append(f"{run}: samples differ from the crashed report's")
            print(f"the crashed job's temporary report holds {kept} runs, all in the journal")
        except OSError as e:
            print(f"the crashed job's temporary report is not readable ({e}): the journal is "
                  "what recovers its runs")
    print(f"resumed report: {len(res['runs'])} runs, {int(res.attrs['runs_resumed'])} resumed, "
          f"same structure as the uninterrupted report: {not problems}")

for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
