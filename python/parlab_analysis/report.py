"""The one loader: `load(path_or_paths)` reads parlab reports into tidy pandas tables
(docs/python-api.md) and recomputes every figure from the raw per-rank samples, checking
each report's stored summary against them. Every subcommand reads through it."""
import dataclasses
import hashlib
import math
import os

import numpy as np
import pandas as pd

from . import files, intervals, reading
from .errors import AnalysisError
from .reading import SUPPORTED_SCHEMA, text

__all__ = ["AnalysisError", "Reports", "load", "load_runs", "load_many", "open_report",
           "cell_times", "karp_flatt", "params_of", "SUPPORTED_SCHEMA"]

ROOT_FIELDS = ("status", "experiment", "created_utc", "finished_utc", "git_sha",
               "parlab_version", "runs_planned", "merged_from")


def open_report(path):
    """An open h5py.File of a checked report: a regular file of bounded size, HDF5, a
    supported schema, at least one run."""
    import h5py

    files.check_input(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise AnalysisError(f"{path}: not an HDF5 file ({error})") from None
    try:
        version = handle.attrs.get("schema_version")
        if version is None:
            raise AnalysisError(f"{path}: not a parlab report (no schema_version attribute)")
        try:
            number = int(np.asarray(version).ravel()[0])
        except (TypeError, ValueError, IndexError):
            raise AnalysisError(f"{path}: schema_version {text(version)!r} is not a "
                                "number") from None
        if number != SUPPORTED_SCHEMA:
            raise AnalysisError(f"{path}: schema version {number} is not supported (this tool "
                                f"reads {SUPPORTED_SCHEMA})")
        if "runs" not in handle or not isinstance(handle["runs"], h5py.Group) \
                or len(handle["runs"]) == 0:
            raise AnalysisError(f"{path}: the report holds no runs")
    except BaseException:
        handle.close()
        raise
    return handle


def params_of(text):
    """A run's `params` text as the report stores it ("name=value,name=value") as a dict."""
    return dict(item.split("=", 1) for item in str(text).split(",") if "=" in item)


def cell_times(samples):
    """Per repetition, the slowest rank's total: samples[rep][rank][0]."""
    if samples.shape[0] == 0:
        return np.array([])
    return samples[:, :, 0].max(axis=1)


def median_repetition(samples):
    """The repetition whose cell time is the median (the lower one for an even count)."""
    totals = cell_times(samples)
    return int(sorted(range(len(totals)), key=lambda i: totals[i])[(len(totals) - 1) // 2])


def karp_flatt(speedup, workers):
    if workers <= 1 or not speedup > 0:
        return math.nan
    return (1.0 / speedup - 1.0 / workers) / (1.0 - 1.0 / workers)


def _read(path):
    """Everything one report holds, validated: (root, runs, environment, ceilings,
    calibration)."""
    import h5py

    with open_report(path) as handle:
        try:
            root = {key: text(handle.attrs[key]) if key in handle.attrs else ""
                    for key in ROOT_FIELDS}
            runs = [reading.read_run(path, run_id, group)
                    for run_id, group in handle["runs"].items()]
            environment, ceilings = {}, []
            if "environment" in handle and isinstance(handle["environment"], h5py.Group):
                environment = {k: text(v) for k, v in handle["environment"].attrs.items()}
                if "ceilings" in handle["environment"]:
                    ceilings = reading.read_ceilings(path, handle["environment"])
            calibration = reading.read_calibration(path, handle)
        except AnalysisError:
            raise
        except (OSError, KeyError, RuntimeError, ValueError, TypeError, AttributeError) as error:
            raise AnalysisError(f"{path}: damaged report ({error})") from None
    return root, runs, environment, ceilings, calibration


def _identity(root, runs):
    digest = hashlib.sha256(f"{root['created_utc']}\x1f{root['git_sha']}".encode())
    for row, _, _ in runs:
        digest.update(row["identity"].encode())
    return digest.hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Reports:
    """Tidy tables of one or more reports; `report` (the path as given) and `run` (e.g.
    run-0001) are the keys joining them. See docs/python-api.md."""
    runs: pd.DataFrame
    repetitions: pd.DataFrame
    phases: pd.DataFrame
    results: pd.DataFrame
    environment: pd.DataFrame
    status: pd.DataFrame
    ceilings: pd.DataFrame
    calibrations: pd.DataFrame
    raw: dict = dataclasses.field(repr=False, default_factory=dict)

    def __post_init__(self):
        times = {key: np.asarray(group.sort_values("repetition").cell_time_s, dtype=float)
                 for key, group in self.repetitions.groupby(["report", "run"], sort=False)} \
            if len(self.repetitions) else {}
        object.__setattr__(self, "_times", times)
        rounds = {key: np.asarray(group.sort_values("repetition")["round"], dtype=int)
                  for key, group in self.repetitions.groupby(["report", "run"], sort=False)} \
            if len(self.repetitions) and "round" in self.repetitions else {}
        object.__setattr__(self, "_rounds", rounds)

    def samples(self, run):
        """The raw [repetition][rank][column] array of a runs row (or (report, run))."""
        key = (run.report, run.run) if hasattr(run, "report") else tuple(run)
        return self.raw[key][0]

    def columns(self, run):
        key = (run.report, run.run) if hasattr(run, "report") else tuple(run)
        return self.raw[key][1]

    def cell_times(self, run):
        """Per repetition, the slowest rank's total (from the repetitions table)."""
        key = (run.report, run.run) if hasattr(run, "report") else tuple(run)
        return self._times.get(key, np.array([]))

    def rounds(self, run):
        """Per repetition, the round it was measured in (-1: the report has no rounds)."""
        key = (run.report, run.run) if hasattr(run, "report") else tuple(run)
        return self._rounds.get(key, np.array([], dtype=int))

    def result(self, run, name, default=math.nan):
        match = self.results[(self.results.report == run.report) & (self.results.run == run.run)
                             & (self.results.name == name)]
        return float(match.value.iloc[0]) if len(match) else default

    def calibration(self, report):
        """The CPython calibration stored by `lesson --calibrate` as {name: value}, or None."""
        rows = self.calibrations[self.calibrations.report == report]
        return dict(zip(rows.name, rows.value)) if len(rows) else None

    def select(self, mask):
        """The same tables restricted to the runs where `mask` (over `runs`) holds."""
        runs = self.runs[mask].reset_index(drop=True)
        keys = set(zip(runs.report, runs.run))

        def keep(frame):
            if not len(frame):
                return frame
            return frame[[k in keys for k in zip(frame.report, frame.run)]].reset_index(drop=True)

        reports = set(runs.report)
        return Reports(runs, keep(self.repetitions), keep(self.phases), keep(self.results),
                       self.environment[self.environment.report.isin(reports)],
                       self.status[self.status.report.isin(reports)],
                       self.ceilings[self.ceilings.report.isin(reports)],
                       self.calibrations[self.calibrations.report.isin(reports)],
                       {k: v for k, v in self.raw.items() if k in keys})


def _derived(runs):
    """Figures computed from the cell times, per report (its own serial baselines)."""
    runs["workers"] = runs["ranks"] * runs["threads"]
    runs["rate"] = runs["work_amount"] / runs["median_s"] / runs["rate_scale"]
    # A run abandoned by its watchdog never learnt its kernel's work: no rate.
    runs.loc[runs["rate_unit"] == "", "rate"] = math.nan
    # A placement's runs are compared with the serial run under the same placement.
    runs["shape_placement"] = [p if p == "none" else p + (" smt" if s else "")
                               for p, s in zip(runs["placement"], runs["smt"])]
    speedups = []
    for report, label, where, median in zip(runs["report"], runs["label"],
                                            runs["shape_placement"], runs["median_s"]):
        serial = runs[(runs.report == report) & (runs.model == "serial") & (runs.status == "ok")
                      & (runs.label == label) & (runs.shape_placement == where)]
        speedups.append(serial["median_s"].iloc[0] / median if len(serial) else math.nan)
    runs["speedup"] = speedups
    runs["efficiency"] = runs["speedup"] / runs["workers"]
    runs["karp_flatt"] = [karp_flatt(s, w) for s, w in zip(runs["speedup"], runs["workers"])]
    return runs


def _tables(path, root, runs, status_row):
    rows, repetitions, phases, results, raw = [], [], [], [], {}
    for row, samples, columns in runs:
        run_id = row.pop("run_id")
        times = cell_times(samples)
        stats = dict(min_s=times.min(), median_s=float(np.median(times)), max_s=times.max()) \
            if len(times) else dict(min_s=math.nan, median_s=math.nan, max_s=math.nan)
        figures = row.pop("results")
        marks = row.pop("marks")
        rows.append({"report": path, "run": run_id, "experiment": root["experiment"], **row,
                     "source_status": row["source_status"] or status_row["status"],
                     "repetitions": len(times), **stats})
        repetitions.append(pd.DataFrame({"report": path, "run": run_id,
                                         "repetition": np.arange(len(times)),
                                         "cell_time_s": times, **marks}))
        r, k, c = np.indices(samples.shape).reshape(3, -1)
        phases.append(pd.DataFrame({"report": path, "run": run_id, "repetition": r, "rank": k,
                                    "phase": np.asarray(columns, dtype=object)[c],
                                    "seconds": samples.reshape(-1)}))
        results += [{"report": path, "run": run_id, "name": n, "value": v}
                    for n, v in figures.items()]
        raw[(path, run_id)] = (samples, columns)
    return rows, repetitions, phases, results, raw


def _paths(path_or_paths):
    if isinstance(path_or_paths, (str, bytes, os.PathLike)):
        return [os.fsdecode(path_or_paths)]
    paths = [os.fsdecode(p) for p in path_or_paths]
    if not paths:
        raise AnalysisError("no report given")
    return paths


def load(path_or_paths):
    """Reads, validates and tabulates reports (one path or several). Refuses the same
    file or the same report (by identity) given twice."""
    paths = _paths(path_or_paths)
    seen, status, environment, ceilings, calibrations = {}, [], [], [], []
    rows, repetitions, phases, results, raw = [], [], [], [], {}
    for path in paths:
        info = files.check_input(path)
        for other, (other_info, _) in seen.items():
            if (info.st_dev, info.st_ino) == (other_info.st_dev, other_info.st_ino):
                raise AnalysisError(f"{path}: is the same file as {other}, given twice")
        root, runs, env, ceil, calibration = _read(path)
        identity = _identity(root, runs)
        for other, (_, other_identity) in seen.items():
            if identity == other_identity:
                raise AnalysisError(f"{path}: is the same report as {other} (identity "
                                    f"{identity}), given twice")
        seen[path] = (info, identity)
        status_row = {"report": path, **root, "runs": len(runs), "identity": identity}
        status.append(status_row)
        environment += [{"report": path, "key": k, "value": v} for k, v in env.items()]
        ceilings += [{"report": path, **c} for c in ceil]
        calibrations += [{"report": path, "name": k, "value": v} for k, v in calibration.items()]
        r, reps, ph, res, rw = _tables(path, root, runs, status_row)
        rows += r
        repetitions += reps
        phases += ph
        results += res
        raw.update(rw)
    reports = Reports(
        runs=_derived(pd.DataFrame(rows)),
        repetitions=pd.concat(repetitions, ignore_index=True),
        phases=pd.concat(phases, ignore_index=True),
        results=pd.DataFrame(results, columns=["report", "run", "name", "value"]),
        environment=pd.DataFrame(environment, columns=["report", "key", "value"]),
        status=pd.DataFrame(status),
        ceilings=pd.DataFrame(ceilings, columns=["report", "kind", "source", "family", "name",
                                                 "value", "units", "scope", "workers",
                                                 "capacity"]),
        calibrations=pd.DataFrame(calibrations, columns=["report", "name", "value"]),
        raw=raw)
    _add_intervals(reports)
    return reports


def _add_intervals(reports):
    """95 % intervals of every run's median and of its speedup over the serial run of its
    label (intervals.py), recomputed from the cell times and rounds."""
    runs = reports.runs
    medians, speedups = [], []
    for run in runs.itertuples():
        medians.append(intervals.median_interval(reports.cell_times(run)))
        serial = runs[(runs.report == run.report) & (runs.model == "serial") & (runs.status == "ok")
                      & (runs.label == run.label)]
        if len(serial) and len(reports.cell_times(run)):
            base = serial.iloc[0]
            speedups.append(intervals.speedup_interval(
                reports.cell_times(base), reports.cell_times(run), reports.rounds(base),
                reports.rounds(run)))
        else:
            speedups.append(intervals.Interval.none())
    runs["median_low_s"] = [i.low for i in medians]
    runs["median_high_s"] = [i.high for i in medians]
    runs["speedup_low"] = [i.low for i in speedups]
    runs["speedup_high"] = [i.high for i in speedups]
    runs["intervals_covered"] = [m.covered and s.covered for m, s in zip(medians, speedups)]


def load_runs(path):
    """The runs table of one report (`load(path).runs`)."""
    return load(path).runs


def load_many(paths):
    """The runs table of several reports (`load(paths).runs`)."""
    return load(paths).runs
