"""Reads one parlab HDF5 report and validates everything it reads: the file itself (a
regular file of bounded size), the schema version, and per run every attribute, the raw
samples' shape, type and values, and the stored summary against the samples. Anything
wrong is one AnalysisError naming the file, the run and the field."""
import hashlib
import math

import numpy as np

from . import files
from .errors import AnalysisError

SUPPORTED_SCHEMA = 1
STATUSES = ("ok", "failed", "error", "timeout", "skipped")
# Column 0 of `samples` is the rank's whole repetition; the others are phases inside it.
TOTAL = "total"


def text(value):
    """An attribute as text (bytes decoded, arrays joined, h5py's Empty as "")."""
    import h5py

    if isinstance(value, h5py.Empty):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.shape == ():
            return text(value[()])
        return ", ".join(text(v) for v in value.ravel())
    return str(value)


class _Where:
    """Names the place of an error: file, run, field."""

    def __init__(self, path, run=None):
        self.path, self.run = path, run

    def error(self, message):
        place = f"{self.path}: {self.run}" if self.run else self.path
        return AnalysisError(f"{place}: {message}")


def _numeric(attrs, key, where, kind):
    """The attribute as a real (not boolean) number; `kind` names what it must be."""
    if key not in attrs:
        raise where.error(f"attribute '{key}' is missing")
    value = attrs[key]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float,
                                                                      np.floating)):
        raise where.error(f"attribute '{key}' must be {kind}, got {text(value)!r}")
    return value


def _integer(attrs, key, where, minimum=None, default=None):
    if key not in attrs and default is not None:
        return default
    value = _numeric(attrs, key, where, "a whole number")
    if not math.isfinite(value) or value != int(value):
        raise where.error(f"attribute '{key}' must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise where.error(f"attribute '{key}' must be at least {minimum}, got {int(value)}")
    return int(value)


def _number(attrs, key, where, positive=False):
    value = float(_numeric(attrs, key, where, "a number"))
    if math.isnan(value) or math.isinf(value) or value < 0 or (positive and value == 0):
        need = "a positive" if positive else "a non-negative"
        raise where.error(f"attribute '{key}' must be {need} finite number, got {value!r}")
    return value


def _optional_number(attrs, key, where):
    return _number(attrs, key, where, positive=True) if key in attrs else math.nan


def _string(attrs, key, where, default=None, choices=None):
    if key not in attrs:
        if default is not None:
            return default
        raise where.error(f"attribute '{key}' is missing")
    value = attrs[key]
    if not isinstance(value, (str, bytes)) and not (
            isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "OSU"):
        raise where.error(f"attribute '{key}' must be text, got {text(value)!r}")
    value = text(value)
    if choices is not None and value not in choices:
        raise where.error(f"attribute '{key}' is {value!r}, not one of {', '.join(choices)}")
    return value


def _dataset(group, name, where):
    import h5py

    if name not in group:
        raise where.error(f"dataset '{name}' is missing")
    item = group[name]
    if not isinstance(item, h5py.Dataset):
        raise where.error(f"'{name}' is a group, not a dataset")
    if item.size > files.MAX_DATASET_ELEMENTS:
        raise where.error(f"dataset '{name}' has {item.size} elements, more than the "
                          f"{files.MAX_DATASET_ELEMENTS} this tool reads")
    return item


def _columns(dataset, where):
    if "columns" not in dataset.attrs:
        raise where.error("samples have no 'columns' attribute")
    raw = dataset.attrs["columns"]
    names = [text(c) for c in np.atleast_1d(raw)] if isinstance(raw, np.ndarray) else None
    if not names or isinstance(raw, (str, bytes)):
        raise where.error(f"samples' 'columns' must be a list of names, got {text(raw)!r}")
    if names[0] != TOTAL or len(set(names)) != len(names):
        raise where.error(f"samples' columns must start with '{TOTAL}' and be distinct, got "
                          f"{', '.join(names)}")
    return names


def _samples(group, ranks, where):
    dataset = _dataset(group, "samples", where)
    if dataset.dtype.kind not in "fiu":
        raise where.error(f"samples must be numbers, not {dataset.dtype}")
    columns = _columns(dataset, where)
    shape = dataset.shape
    if len(shape) != 3 or shape[1] != ranks or shape[2] != len(columns):
        raise where.error(f"samples have shape {shape}, expected [repetition][rank][column] = "
                          f"[n][{ranks}][{len(columns)}]")
    samples = np.asarray(dataset[()], dtype=float)
    bad = np.argwhere(~np.isfinite(samples))
    if len(bad):
        r, k, c = bad[0]
        raise where.error(f"samples[{r}][{k}] {columns[c]} is {samples[r, k, c]}: not a finite "
                          "number of seconds")
    bad = np.argwhere(samples < 0)
    if len(bad):
        r, k, c = bad[0]
        raise where.error(f"samples[{r}][{k}] {columns[c]} is {samples[r, k, c]!r}: a negative "
                          "duration")
    bad = np.argwhere(samples[:, :, 0] <= 0)
    if len(bad):
        r, k = bad[0]
        raise where.error(f"samples[{r}][{k}] total is {samples[r, k, 0]!r}: a repetition "
                          "cannot take no time")
    return samples, columns


def _check_stored(group, times, where):
    """The stored summary's median and, when present, cell_time must be what the samples
    give: if they differ, one of the two is wrong."""
    summary = _dataset(group, "summary", where)
    if summary.dtype.names is None or "median_s" not in summary.dtype.names:
        raise where.error("summary has no 'median_s' field")
    try:
        stored = float(np.asarray(summary[()]["median_s"]).ravel()[0])
    except (TypeError, ValueError, IndexError):
        raise where.error("summary's 'median_s' is not a number") from None
    if len(times):
        median = float(np.median(times))
        if not math.isclose(stored, median, rel_tol=1e-9):
            raise where.error(f"the stored median {stored} does not match the median "
                              f"recomputed from its samples {median}")
    if "cell_time" in group:
        stored_cells = _dataset(group, "cell_time", where)
        cell = np.asarray(stored_cells[()], dtype=float).ravel() \
            if stored_cells.dtype.kind in "fiu" else None
        if cell is None or len(cell) != len(times) or not np.allclose(cell, times, rtol=1e-12,
                                                                        atol=0):
            raise where.error("the stored cell_time does not match the slowest rank's total "
                              "per repetition in the samples")


def _results(group, where):
    import h5py

    if "results" not in group:
        return {}
    results = group["results"]
    if not isinstance(results, h5py.Group):
        raise where.error("'results' is a dataset, not a group")
    out = {}
    for name, item in results.items():
        if not isinstance(item, h5py.Dataset) or item.shape != () or item.dtype.kind not in "fiub":
            raise where.error(f"results/{name} must be a single number")
        out[name] = float(item[()])
    return out


# Per-repetition measuring-order datasets (absent in reports before interleaving).
MARKS = {"round": "round", "started_utc_s": "started_utc_s", "steal": "steal",
         "cpu_mhz": "cpu_mhz"}


def _marks(group, repetitions, where):
    """The run's measuring order: round, start time, steal and clock of every repetition
    (NaN where the report has none; round -1)."""
    marks = {}
    for name in MARKS:
        if name not in group:
            marks[name] = np.full(repetitions, -1 if name == "round" else math.nan)
            continue
        dataset = _dataset(group, name, where)
        values = np.asarray(dataset[()], dtype=float).reshape(-1) \
            if dataset.dtype.kind in "iuf" else None
        if values is None or values.size != repetitions or not np.all(np.isfinite(values)) \
                or np.any(values < 0):
            raise where.error(f"'{name}' must hold {repetitions} finite numbers >= 0, one per "
                              f"repetition")
        if name == "steal" and np.any(values > 1):
            raise where.error("'steal' must hold shares in [0, 1]")
        marks[name] = values.astype(int) if name == "round" else values
    return marks


def run_identity(fields, samples):
    digest = hashlib.sha256("\x1f".join(str(f) for f in fields).encode())
    digest.update(np.ascontiguousarray(samples, dtype="<f8").tobytes())
    return digest.hexdigest()[:16]


def _note(attrs, key, where):
    """Free text shown to the reader (message, warnings): "" when absent or empty."""
    import h5py

    if key not in attrs or isinstance(attrs[key], h5py.Empty):
        return ""
    value = attrs[key]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "OSU":
        return "; ".join(text(v) for v in value)  # e.g. one warning per element
    return _string(attrs, key, where)


def read_run(path, run_id, group):
    """One run: its attributes, raw samples (validated) and results."""
    import h5py

    where = _Where(path, run_id)
    if not isinstance(group, h5py.Group):
        raise where.error("is a dataset, not a run group")
    attrs = group.attrs
    row = {
        "run_id": run_id, "kernel": _string(attrs, "kernel", where), "label": _string(attrs, "label", where),
        "model": _string(attrs, "model", where),
        "ranks": _integer(attrs, "ranks", where, minimum=1),
        "threads": _integer(attrs, "threads", where, minimum=1),
        "nodes": _integer(attrs, "nodes", where, minimum=1, default=1),
        "size": _integer(attrs, "size", where, minimum=0),
        "params": _string(attrs, "params", where, default=""),
        "status": _string(attrs, "status", where, choices=STATUSES),
        "rate_unit": _string(attrs, "rate_unit", where),
        "work_unit": _string(attrs, "work_unit", where, default=""),
        "work_amount": _number(attrs, "work_amount", where),
        "rate_scale": _number(attrs, "rate_scale", where, positive=True),
        "oversubscribed": _integer(attrs, "oversubscribed", where, minimum=0, default=0),
        "source_status": _string(attrs, "source_status", where, default=""),
        "merged_from": _string(attrs, "merged_from", where, default=""),
        "roofline_flops": _optional_number(attrs, "roofline_flops", where),
        "roofline_bytes": _optional_number(attrs, "roofline_bytes", where),
        "roofline_working_set": _optional_number(attrs, "roofline_working_set_bytes", where),
        # Part of the shape; reports from before placements existed ran unbound.
        "placement": _string(attrs, "placement", where, default="none"),
        "smt": _integer(attrs, "smt", where, minimum=0, default=0),
        "message": _note(attrs, "message", where),
        "warnings": _note(attrs, "warnings", where),
    }
    if row["nodes"] > row["ranks"]:
        raise where.error(f"nodes = {row['nodes']} is more than ranks = {row['ranks']}")
    samples, columns = _samples(group, row["ranks"], where)
    if row["status"] == "ok" and len(samples) == 0:
        raise where.error("status is ok but the run has no repetitions")
    _check_stored(group, samples[:, :, 0].max(axis=1) if len(samples) else np.array([]), where)
    row["results"] = _results(group, where)
    row["marks"] = _marks(group, len(samples), where)
    fields = [row[k] for k in ("kernel", "label", "model", "ranks", "threads", "size", "params")]
    if row["placement"] != "none":  # unbound runs keep the identity they always had
        fields += [row["placement"], row["smt"]]
    row["identity"] = run_identity(fields, samples)
    return row, samples, columns


def _ceiling_value(path, item, name, unit):
    import h5py

    place = _Where(path, name)
    if not isinstance(item, h5py.Dataset) or item.shape != () or item.dtype.kind not in "fiu":
        raise place.error("must be a single number")
    units = _string(item.attrs, "units", place)
    if units != unit:
        raise place.error(f"units are {units!r}, expected {unit!r}")
    value = float(item[()])
    if not math.isfinite(value) or value <= 0:
        raise place.error(f"{value!r} is not a positive finite ceiling")
    return value


# parlab run's per-scope ceilings (probe/scope/<scope>/...): (family, name, dataset, units).
_SCOPE_CEILINGS = [("compute", "FP64_peak", "peak_fp64", "GFLOP/s"),
                   ("compute", "FP64_scalar", "scalar_fp64", "GFLOP/s")] + \
    [("bandwidth", level, f"memory/triad/{level}/bandwidth", "GB/s")
     for level in ("L1", "L2", "L3", "L4", "DRAM")]


def _scope_rows(path, group, kind, source):
    """The ceilings parlab measured per scope (thread, rank, node), where present."""
    import h5py

    scopes = group.get("probe/scope")
    if not isinstance(scopes, h5py.Group):
        return []
    rows = []
    for scope, scope_group in scopes.items():
        where = _Where(path, f"environment/ceilings/probe/scope/{scope}")
        if not isinstance(scope_group, h5py.Group):
            raise where.error("is not a group")
        workers = _integer(scope_group.attrs, "workers", where, minimum=0, default=0)
        for family, name, dataset, unit in _SCOPE_CEILINGS:
            if dataset in scope_group:
                value = _ceiling_value(path, scope_group[dataset],
                                       f"environment/ceilings/probe/scope/{scope}/{dataset}", unit)
                # What a cache level holds for the scope's workers (NaN: DRAM, or not said).
                parent = scope_group[dataset].parent
                capacity = _optional_number(parent.attrs, "capacity_bytes",
                                            _Where(path, parent.name.lstrip("/")))
                rows.append({"kind": kind, "source": source, "family": family, "name": name,
                             "value": value, "units": unit, "scope": scope, "workers": workers,
                             "capacity": capacity})
    return rows


def read_ceilings(path, environment):
    """Roofline ceilings under /environment/ceilings (docs/report.md): rows of (kind,
    source, family, name, value, units, scope, workers); scope "" for the roofs of the
    whole machine, "thread"/"rank"/"node" for parlab's per-scope ceilings. Ceilings parlab
    recorded as disabled give no rows."""
    import h5py

    where = _Where(path, "environment/ceilings")
    group = environment["ceilings"]
    if not isinstance(group, h5py.Group):
        raise where.error("is a dataset, not a group")
    status = _string(group.attrs, "status", where, default="measured",
                     choices=("measured", "cached", "disabled"))
    if status == "disabled":
        return []
    kind = _string(group.attrs, "kind", where, choices=("empirical", "spec"))
    source = _string(group.attrs, "source", where, default="")
    rows = []
    for family, unit in (("bandwidth", "GB/s"), ("compute", "GFLOP/s")):
        if family not in group:
            continue
        if not isinstance(group[family], h5py.Group):
            raise _Where(path, f"environment/ceilings/{family}").error("is not a group")
        for name, item in group[family].items():
            value = _ceiling_value(path, item, f"environment/ceilings/{family}/{name}", unit)
            rows.append({"kind": kind, "source": source, "family": family, "name": name,
                         "value": value, "units": unit, "scope": "", "workers": 0,
                         "capacity": math.nan})
    # parlab (which writes `status`) records what it could not measure instead of a roof.
    if "status" not in group.attrs and (not any(r["family"] == "bandwidth" for r in rows) or
                                        not any(r["family"] == "compute" for r in rows)):
        raise where.error("needs at least one bandwidth and one compute ceiling")
    return rows + _scope_rows(path, group, kind, source)


def read_calibration(path, handle):
    """/calibration, written by `lesson --calibrate`: {name: number} plus the CPython
    version and free-threaded note as text; {} when absent."""
    import h5py

    if "calibration" not in handle:
        return {}
    group = handle["calibration"]
    where = _Where(path, "calibration")
    if not isinstance(group, h5py.Group):
        raise where.error("is a dataset, not a group")
    out = {}
    for name, item in group.items():
        if not isinstance(item, h5py.Dataset) or item.shape != () or item.dtype.kind not in "fiu":
            raise _Where(path, f"calibration/{name}").error("must be a single number")
        out[name] = float(item[()])
    for key in ("python_version", "free_threaded"):
        out[key] = _string(group.attrs, key, where)
    return out
