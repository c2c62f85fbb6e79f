"""Extra-P's JSON Lines input: one measurement per line, {"params": {name: number},
"callpath": "a->b", "metric": name, "value": number or [numbers]}. Extra-P models one
experiment per file, and needs every callpath and metric measured at every point; so one
file per scaling series: the verified runs of one kernel (with the same parameters) and
one model, with the serial runs as its one-worker points, over the shape values that vary
among them (ranks, threads, size). Each line
holds the per-repetition values of one point: the cell time (slowest rank's total) for
the kernel's callpath, and for each phase below it the slowest rank's time in that phase."""
import json

import numpy as np

from .export import slug, unique_names, write_all
from .palette import PHASES

SHAPE = ("ranks", "threads", "size")
METRIC = "time"


def _name(text):
    """A callpath element: Extra-P splits callpaths at "->"."""
    return text.replace("->", "=>")


def series(reports):
    """[(kernel, params, model, varying shape names, runs)] with at least two points. The
    serial runs of the same kernel and parameters stand for one worker in every model's
    series (at the points the model did not measure itself)."""
    import pandas as pd

    runs = reports.runs[(reports.runs.status == "ok") & (reports.runs.repetitions > 0)]
    out = []
    for (kernel, params, model), group in runs.groupby(["kernel", "params", "model"],
                                                       sort=False):
        if model != "serial":
            serial = runs[(runs.kernel == kernel) & (runs.params == params) &
                          (runs.model == "serial")]
            points = set(zip(group.ranks, group.threads, group["size"]))
            serial = serial[[p not in points for p in zip(serial.ranks, serial.threads,
                                                          serial["size"])]]
            group = pd.concat([serial, group])
        varying = [p for p in SHAPE if group[p].nunique() > 1]
        if varying:
            out.append((kernel, params, model, varying, group))
    return out


def lines(reports, kernel, params, varying, group):
    """The JSON Lines of one series."""
    root = _name(f"{kernel}[{params}]" if params else kernel)
    phases = [p for p in PHASES
              if any(p in reports.columns(r) and reports.samples(r)[:, :, reports.columns(r)
                                                                    .index(p)].any()
                     for r in group.itertuples())]
    out = []
    for run in group.itertuples():
        point = {p: int(getattr(run, p)) for p in varying}
        samples, columns = reports.samples(run), reports.columns(run)
        out.append({"params": point, "callpath": root, "metric": METRIC,
                    "value": [float(v) for v in samples[:, :, 0].max(axis=1)]})
        for phase in phases:
            values = samples[:, :, columns.index(phase)].max(axis=1) if phase in columns \
                else np.zeros(len(samples))
            out.append({"params": point, "callpath": f"{root}->{phase}", "metric": METRIC,
                        "value": [float(v) for v in values]})
    return out


def write(reports, out, inputs):
    """One <kernel>[-<params>]-<model>.jsonl per series."""
    found = series(reports)
    names = unique_names([f"{slug(kernel + ('-' + params if params else ''))}-{model}.jsonl"
                          for kernel, params, model, _, _ in found])

    def text(kernel, params, varying, group):
        return "".join(json.dumps(line, allow_nan=False) + "\n"
                       for line in lines(reports, kernel, params, varying, group))

    return write_all(out, {name: (lambda s=s: text(s[0], s[1], s[3], s[4]))
                           for s, name in zip(found, names)}, inputs)
