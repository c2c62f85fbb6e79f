"""Queries of the results database (db.py): the stored reports, a metric's trend over
time for one kernel/model/shape, and stored reports as parlab_analysis.Reports for the
regression gate (compare.py: one implementation for reports and database)."""
import math
import re

import numpy as np
import pandas as pd

from .errors import AnalysisError
from .report import Reports

METRICS = {"time": "median_s", "min": "min_s", "max": "max_s", "rate": "rate",
           "speedup": "speedup", "efficiency": "efficiency"}


def _frame(connection, query, parameters=()):
    cursor = connection.execute(query, parameters)
    columns = [c[0] for c in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns)


def stored(connection):
    """One row per stored report, oldest first."""
    return _frame(connection,
                  "SELECT r.id, r.created_utc, r.git_sha, r.experiment, r.status, "
                  "COUNT(u.id) AS runs, r.path, r.identity FROM reports r "
                  "LEFT JOIN runs u ON u.report_id = r.id GROUP BY r.id "
                  "ORDER BY r.created_utc, r.id")


def find_report(connection, text):
    """A stored report by id number or by a unique prefix of its identity."""
    if text.isdigit():
        row = connection.execute("SELECT id FROM reports WHERE id = ?", (int(text),)).fetchone()
        if row:
            return row[0]
    if re.fullmatch(r"[0-9a-f]{4,16}", text):
        rows = connection.execute("SELECT id FROM reports WHERE identity LIKE ?",
                                  (text + "%",)).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if len(rows) > 1:
            raise AnalysisError(f"report {text!r}: the identity prefix matches {len(rows)} "
                                "stored reports; give more of it")
    raise AnalysisError(f"report {text!r}: not in the database (db list shows the stored ones)")


def as_reports(connection, report_id):
    """A stored report as Reports with its runs and per-repetition cell times (the
    database keeps no per-rank samples)."""
    name = f"db:{report_id}"
    runs = _frame(connection, "SELECT * FROM runs WHERE report_id = ? ORDER BY id", (report_id,))
    repetitions = _frame(connection,
                         "SELECT u.run, p.repetition, p.cell_time_s FROM repetitions p "
                         "JOIN runs u ON u.id = p.run_id WHERE u.report_id = ? "
                         "ORDER BY u.id, p.repetition", (report_id,))
    runs = runs.assign(report=name).drop(columns=["id", "report_id"]).fillna(value=math.nan)
    runs["workers"] = runs["ranks"] * runs["threads"]
    repetitions.insert(0, "report", name)
    empty = pd.DataFrame(columns=["report", "run"])
    status = _frame(connection, "SELECT * FROM reports WHERE id = ?", (report_id,))
    status = status.assign(report=name)
    return Reports(runs=runs, repetitions=repetitions, phases=empty, results=empty,
                   environment=pd.DataFrame(columns=["report", "key", "value"]), status=status,
                   ceilings=pd.DataFrame(columns=["report"]),
                   calibrations=pd.DataFrame(columns=["report", "name", "value"]))


def parse_shape(text):
    match = re.fullmatch(r"(\d+)x(\d+)", text or "")
    if not match or min(int(match.group(1)), int(match.group(2))) < 1:
        raise AnalysisError(f"shape must be RANKSxTHREADS such as 2x4, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def trend(connection, kernel, model, shape, metric="time", label=None):
    """The metric for one kernel/model/shape in every stored report, oldest first: rows of
    (report id, created_utc, git_sha, label, value)."""
    ranks, threads = parse_shape(shape)
    where = "u.kernel = ? AND u.model = ? AND u.ranks = ? AND u.threads = ?"
    parameters = [kernel, model, ranks, threads]
    if label:
        where += " AND u.label = ?"
        parameters.append(label)
    if metric.startswith("phase:"):
        value = "(SELECT median_s FROM run_phases p WHERE p.run_id = u.id AND p.phase = ?)"
        parameters.insert(0, metric.split(":", 1)[1])
    elif metric in METRICS:
        value = f"u.{METRICS[metric]}"
    else:
        raise AnalysisError(f"unknown metric {metric!r} (one of {', '.join(METRICS)}, or "
                            "phase:NAME such as phase:comm)")
    rows = _frame(connection,
                  f"SELECT r.id AS report, r.created_utc, r.git_sha, u.label, {value} AS value "
                  f"FROM runs u JOIN reports r ON r.id = u.report_id WHERE {where} "
                  "ORDER BY r.created_utc, r.id", parameters)
    if not len(rows):
        raise AnalysisError(f"no stored run of {kernel} {model} {shape}"
                            + (f" with label {label!r}" if label else ""))
    rows["value"] = rows["value"].astype(float)
    return rows


def render_trend(rows, metric):
    lines = [f"{'report':>6}  {'created (UTC)':20}  {'git':12}  {'label':30}  {metric}"]
    for r in rows.itertuples():
        value = "-" if not np.isfinite(r.value) else f"{r.value:.6g}"
        lines.append(f"{r.report:>6}  {r.created_utc:20}  {r.git_sha:12}  {r.label:30}  {value}")
    return "\n".join(lines) + "\n"


def plot_trend(rows, metric, title, path):
    """One line per label over the reports' creation times; returns {path, series, points}."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import files

    times = pd.to_datetime(rows["created_utc"], errors="coerce", utc=True)
    x = times if times.notna().all() else pd.Series(range(len(rows)))
    fig, ax = plt.subplots(figsize=(7, 4))
    try:
        for label, group in rows.groupby("label", sort=False):
            ax.plot(x[group.index], group["value"], marker="o", label=label)
        ax.set_xlabel("report created (UTC)" if x is times else "report (oldest first)")
        ax.set_ylabel(metric)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        fig.autofmt_xdate()
        fig.tight_layout()
        with files.atomic_output(path) as handle:
            fig.savefig(handle, format="png", dpi=100)
        return {"path": path, "series": rows["label"].nunique(), "points": len(rows)}
    finally:
        plt.close(fig)
