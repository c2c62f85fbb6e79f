"""Loads parlab reports and recomputes every figure from the raw per-rank samples."""
import math
import os

import numpy as np
import pandas as pd

SUPPORTED_SCHEMA = 1


class AnalysisError(Exception):
    """A problem with the input, reported as one line and exit status 2."""


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return value


def open_report(path):
    import h5py

    if not os.path.exists(path):
        raise AnalysisError(f"{path}: no such file")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise AnalysisError(f"{path}: not an HDF5 file ({error})") from None
    version = handle.attrs.get("schema_version")
    if version is None:
        handle.close()
        raise AnalysisError(f"{path}: not a parlab report (no schema_version attribute)")
    if int(version) != SUPPORTED_SCHEMA:
        handle.close()
        raise AnalysisError(
            f"{path}: schema version {int(version)} is not supported (this tool reads {SUPPORTED_SCHEMA})")
    if "runs" not in handle or len(handle["runs"]) == 0:
        handle.close()
        raise AnalysisError(f"{path}: the report holds no runs")
    return handle


def cell_times(samples):
    """Per repetition, the slowest rank's total: samples[rep][rank][0]."""
    if samples.shape[0] == 0:
        return np.array([])
    return samples[:, :, 0].max(axis=1)


def karp_flatt(speedup, workers):
    if workers <= 1 or not speedup > 0:
        return math.nan
    return (1.0 / speedup - 1.0 / workers) / (1.0 - 1.0 / workers)


def load_runs(path):
    """One row per run; statistics recomputed from the samples and checked against the
    report's own summary (a mismatch is an error: one of the two is wrong)."""
    rows = []
    with open_report(path) as handle:
        experiment = _text(handle.attrs.get("experiment", ""))
        for run_id, group in handle["runs"].items():
            attrs = {key: _text(value) for key, value in group.attrs.items()}
            samples = group["samples"][()]
            times = cell_times(samples)
            row = {
                "report": path, "experiment": experiment, "id": run_id,
                "kernel": attrs["kernel"], "label": attrs["label"], "model": attrs["model"],
                "ranks": int(attrs["ranks"]), "threads": int(attrs["threads"]),
                "nodes": int(attrs.get("nodes", 1)),
                "size": int(attrs["size"]), "params": attrs.get("params", ""),
                "status": attrs["status"], "repetitions": len(times),
                "rate_unit": attrs["rate_unit"], "work_amount": float(attrs["work_amount"]),
                "rate_scale": float(attrs["rate_scale"]),
                "oversubscribed": int(attrs.get("oversubscribed", 0)),
                "samples": samples, "columns": list(group["samples"].attrs["columns"]),
            }
            if len(times):
                row.update(min_s=times.min(), median_s=float(np.median(times)), max_s=times.max())
            else:
                row.update(min_s=math.nan, median_s=math.nan, max_s=math.nan)
            stored = group["summary"][()]
            stored_median = float(stored["median_s"])
            if len(times) and not math.isclose(stored_median, row["median_s"], rel_tol=1e-9):
                raise AnalysisError(
                    f"{path}: {run_id}: the stored median {stored_median} does not match the "
                    f"median recomputed from its samples {row['median_s']}")
            results = {}
            if "results" in group:
                for name, dataset in group["results"].items():
                    results[name] = float(dataset[()])
            row["results"] = results
            rows.append(row)
    runs = pd.DataFrame(rows)
    runs["workers"] = runs["ranks"] * runs["threads"]
    runs["rate"] = runs["work_amount"] / runs["median_s"] / runs["rate_scale"]
    # A run abandoned by its watchdog never learnt its kernel's work: no rate.
    runs.loc[runs["rate_unit"] == "", "rate"] = math.nan
    serial = runs[(runs["model"] == "serial") & (runs["status"] == "ok")]
    baseline = dict(zip(serial["label"], serial["median_s"]))
    runs["speedup"] = [baseline.get(label, math.nan) / median
                       for label, median in zip(runs["label"], runs["median_s"])]
    runs["efficiency"] = runs["speedup"] / runs["workers"]
    runs["karp_flatt"] = [karp_flatt(s, w) for s, w in zip(runs["speedup"], runs["workers"])]
    return runs


def load_many(paths):
    frames = [load_runs(path) for path in paths]
    return pd.concat(frames, ignore_index=True)
