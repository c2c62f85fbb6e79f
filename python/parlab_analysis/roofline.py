"""An ERT-style roofline.json (the Empirical Roofline Toolkit's result file, read by its
Roofline Visualizer): {"empirical": {"gbytes": {"data": [[level, GB/s], ...], "metadata":
{...}}, "gflops": {"data": [[name, GFLOP/s], ...], "metadata": {...}}, "metadata": {...}},
"spec": {"gbytes": {"data": [...]}, "gflops": {"data": [...]}}}. The ceilings come from
the report's /environment/ceilings (docs/report.md; `kind` says whether they were measured
on the machine, "empirical", or are the vendor's, "spec"). parlab adds a top-level
"parlab" key with its runs as points: arithmetic intensity (flop/byte) and GFLOP/s, for the
verified runs that carry roofline_flops and roofline_bytes."""
import json

from . import files
from .errors import AnalysisError


def _machine_roofs(reports, report):
    """The report's roofs of the whole machine (not parlab's per-scope ceilings)."""
    c = reports.ceilings
    mine = c[c.report == report]
    return mine[mine.scope == ""] if "scope" in mine.columns else mine


def _ceilings(reports):
    """The one set of ceilings every report carries: (kind, source, bandwidth, compute)."""
    sets = {}
    for report in reports.status.report:
        rows = _machine_roofs(reports, report)
        if not len(rows):
            raise AnalysisError(f"{report}: has no roofline ceilings under /environment/ceilings "
                                "(docs/report.md says what they look like; parlab run measures "
                                "them unless the config says probe = false)")
        key = tuple(sorted((r.kind, r.source, r.family, r.name, r.value) for r in rows.itertuples()))
        sets.setdefault(key, []).append(report)
    if len(sets) > 1:
        raise AnalysisError("the reports' roofline ceilings differ (" +
                            "; ".join(", ".join(r) for r in sets.values()) +
                            "): export one machine's reports at a time")
    rows = _machine_roofs(reports, reports.status.report.iloc[0])
    pairs = {family: [[r.name, r.value] for r in rows[rows.family == family].itertuples()]
             for family in ("bandwidth", "compute")}
    return rows.kind.iloc[0], rows.source.iloc[0], pairs["bandwidth"], pairs["compute"]


def points(reports):
    """(points, skipped): one point per verified run with a known flop and byte count."""
    placed, skipped = [], []
    for run in reports.runs.itertuples():
        where = {"report": run.report, "run": run.run, "label": run.label, "model": run.model,
                 "ranks": int(run.ranks), "threads": int(run.threads)}
        if run.status != "ok" or run.repetitions == 0:
            skipped.append({**where, "reason": f"status {run.status}, "
                                               f"{run.repetitions} repetitions"})
        elif not (run.roofline_flops > 0 and run.roofline_bytes > 0):
            skipped.append({**where, "reason": "no roofline_flops / roofline_bytes"})
        else:
            placed.append({**where, "median_s": run.median_s, "flops": run.roofline_flops,
                           "bytes": run.roofline_bytes,
                           "arithmetic_intensity": run.roofline_flops / run.roofline_bytes,
                           "gflops": run.roofline_flops / run.median_s / 1e9,
                           "gbytes": run.roofline_bytes / run.median_s / 1e9})
    return placed, skipped


def document(reports):
    kind, source, bandwidth, compute = _ceilings(reports)
    placed, skipped = points(reports)
    empty = {"gbytes": {"data": []}, "gflops": {"data": []}}
    measured = {"gbytes": {"data": bandwidth, "metadata": {}},
                "gflops": {"data": compute, "metadata": {}},
                "metadata": {"SOURCE": source, "PARLAB_REPORTS": list(reports.status.report)}}
    return {"empirical": measured if kind == "empirical" else {**empty, "metadata": {}},
            "spec": measured if kind == "spec" else empty,
            "parlab": {"kind": kind, "points": placed, "skipped": skipped}}


def write(reports, out, inputs):
    text = json.dumps(document(reports), allow_nan=False, indent=1) + "\n"
    files.write_text(out, text, inputs)
    return [out]
