"""`merge REPORTS... -o OUT`: one report from many (e.g. one per SLURM array task). Every
input is validated first; the same report or the same run given twice is refused; an
input that is partial or incomplete stays marked, per run and overall; the output is
written to a temporary file and renamed, never over an input or through a link."""
import h5py

from . import files
from .errors import AnalysisError
from .report import SUPPORTED_SCHEMA, load, open_report

UNFINISHED = ("partial", "incomplete")


def merged_status(statuses):
    """The root status of a merge: "merged" when every input was complete, otherwise the
    worst input's kind ("incomplete" over "partial") with each unfinished input named."""
    unfinished = [(path, status) for path, status in statuses if status.startswith(UNFINISHED)]
    if not unfinished:
        return "merged"
    worst = "incomplete" if any(s.startswith("incomplete") for _, s in unfinished) else "partial"
    return (f"{worst}: merged from {len(statuses)} reports, not all complete: " +
            "; ".join(f"{path}: {status}" for path, status in unfinished))


def _refuse_duplicate_runs(reports):
    seen = {}
    for run in reports.runs.itertuples():
        if run.identity in seen:
            first = seen[run.identity]
            raise AnalysisError(f"{run.report}: {run.run} is the same run as {first.report}: "
                                f"{first.run} (identical samples): refusing to merge it twice")
        seen[run.identity] = run


def _write(out, paths, sources, statuses):
    for key, value in sources[0].attrs.items():
        out.attrs[key] = value
    out.attrs["schema_version"] = SUPPORTED_SCHEMA
    out.attrs["merged_from"] = list(paths)
    out.attrs["merged_statuses"] = [status for _, status in statuses]
    out.attrs["status"] = merged_status(statuses)
    planned = [h.attrs.get("runs_planned") for h in sources]
    if all(p is not None for p in planned):
        out.attrs["runs_planned"] = int(sum(int(p) for p in planned))
    if "environment" in sources[0]:
        sources[0].copy("environment", out, name="environment")
    runs = out.create_group("runs")
    runs.attrs["description"] = "runs of every merged report, in the order given"
    index = 0
    for number, (path, handle, (_, status)) in enumerate(zip(paths, sources, statuses)):
        if number > 0 and "environment" in handle:
            handle.copy("environment", out, name=f"merged_environments/{number}")
        for name in handle["runs"]:
            index += 1
            target = f"run-{index:04d}"
            handle.copy(f"runs/{name}", runs, name=target)
            runs[target].attrs["merged_from"] = f"{path}:/runs/{name}"
            if "source_status" not in runs[target].attrs and status:
                runs[target].attrs["source_status"] = status
    return index


def merge(paths, output):
    reports = load(paths)  # each validated; the same file or report twice is refused
    _refuse_duplicate_runs(reports)
    statuses = [(path, reports.status[reports.status.report == path].status.iloc[0])
                for path in paths]
    files.check_output(output, inputs=paths)
    sources = [open_report(path) for path in paths]
    try:
        with files.atomic_output(output, inputs=paths) as handle:
            with h5py.File(handle, "w") as out:
                count = _write(out, paths, sources, statuses)
        return count
    finally:
        for source in sources:
            source.close()


def add_parser(subparsers):
    parser = subparsers.add_parser("merge", help="one report from many")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.set_defaults(run=run)


def run(args):
    count = merge(args.reports, args.output)
    print(f"{args.output}: {count} runs from {len(args.reports)} reports")
    return 0
