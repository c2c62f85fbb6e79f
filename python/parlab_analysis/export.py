"""`export FORMAT REPORT... -o OUT`: results in the formats other tools read
(docs/exports.md). csv: a directory of tidy tables; json: one file with the same tables;
hatchet: a directory of Caliper json-split profiles, one per run; extrap: a directory of
Extra-P JSON Lines files, one per scaling series; roofline: one ERT-style JSON file."""
import json
import math
import os
import re

from . import files
from .errors import AnalysisError
from .report import load

# The tidy tables of parlab_analysis.Reports, in the order they are written.
TABLES = ("reports", "runs", "repetitions", "phases", "results", "environment")
RUN_COLUMNS = ["report", "run", "experiment", "kernel", "label", "model", "ranks", "threads",
               "nodes", "workers", "size", "params", "status", "source_status", "repetitions",
               "min_s", "median_s", "max_s", "rate", "rate_unit", "speedup", "efficiency",
               "karp_flatt", "work_amount", "work_unit", "rate_scale", "oversubscribed",
               "identity"]


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def tables(reports):
    """{name: DataFrame} of what csv and json write."""
    return {"reports": reports.status, "runs": reports.runs[RUN_COLUMNS],
            "repetitions": reports.repetitions, "phases": reports.phases,
            "results": reports.results, "environment": reports.environment}


def write_all(out, contents, inputs):
    """Writes {file name: text} into the directory `out`, every target checked first so
    that a bad one stops the export before any file is written."""
    files.output_directory(out)
    paths = [os.path.join(out, name) for name in contents]
    for path in paths:
        files.check_output(path, inputs)
    for path, text in zip(paths, contents.values()):
        files.write_text(path, text() if callable(text) else text, inputs)
    return paths


def write_csv(reports, out, inputs):
    # Python's shortest round-trip repr: every number reads back bit for bit.
    return write_all(out, {f"{name}.csv": (lambda f=frame: f.to_csv(index=False))
                           for name, frame in tables(reports).items()}, inputs)


def _records(frame):
    """Rows as dicts with NaN as null (JSON has no NaN)."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else
                        v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def write_json(reports, out, inputs):
    document = {"format": "parlab-tables", "version": 1}
    document.update({name: _records(frame) for name, frame in tables(reports).items()})
    files.write_text(out, json.dumps(document, allow_nan=False) + "\n", inputs)
    return [out]


def unique_names(names):
    """The same names, with -2, -3, ... appended where two would collide."""
    seen, out = {}, []
    for name in names:
        base, ext = os.path.splitext(name)
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{base}-{count + 1}{ext}")
    return out


def _hatchet(reports, out, inputs):
    from . import hatchet
    return hatchet.write(reports, out, inputs)


def _extrap(reports, out, inputs):
    from . import extrap
    return extrap.write(reports, out, inputs)


def _roofline(reports, out, inputs):
    from . import roofline
    return roofline.write(reports, out, inputs)


FORMATS = {"csv": write_csv, "json": write_json, "hatchet": _hatchet, "extrap": _extrap,
           "roofline": _roofline}
DIRECTORY_FORMATS = ("csv", "hatchet", "extrap")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "export", help="write results for other tools: csv, json, hatchet, extrap, roofline",
        description="csv, hatchet, extrap: OUT is a directory (created if missing); json, "
                    "roofline: OUT is a file. See docs/exports.md.")
    parser.add_argument("format", choices=sorted(FORMATS))
    parser.add_argument("reports", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.set_defaults(run=run)


def run(args):
    reports = load(args.reports)
    if args.format not in DIRECTORY_FORMATS:
        files.check_output(args.output, inputs=args.reports)
    elif os.path.lexists(args.output) and not os.path.isdir(args.output):
        raise AnalysisError(f"{args.output}: is not a directory (export {args.format} writes "
                            "a directory of files)")
    for path in FORMATS[args.format](reports, args.output, args.reports):
        print(path)
    return 0
