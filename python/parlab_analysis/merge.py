"""`merge REPORTS... -o OUT`: one report from many (e.g. one per SLURM array task)."""
import h5py

from .report import SUPPORTED_SCHEMA, AnalysisError, open_report


def merge(paths, output):
    sources = [open_report(path) for path in paths]  # each checked: HDF5, schema, runs
    try:
        versions = {path: int(h.attrs["schema_version"]) for path, h in zip(paths, sources)}
        if len(set(versions.values())) != 1:
            raise AnalysisError("incompatible schema versions: " +
                                ", ".join(f"{p} has {v}" for p, v in versions.items()))
        with h5py.File(output, "w") as out:
            for key, value in sources[0].attrs.items():
                out.attrs[key] = value
            out.attrs["schema_version"] = SUPPORTED_SCHEMA
            out.attrs["merged_from"] = list(paths)
            out.attrs["status"] = "merged"
            if "environment" in sources[0]:
                sources[0].copy("environment", out, name="environment")
            runs = out.create_group("runs")
            runs.attrs["description"] = "runs of every merged report, in the order given"
            index = 0
            for number, (path, handle) in enumerate(zip(paths, sources)):
                if number > 0 and "environment" in handle:
                    handle.copy("environment", out, name=f"merged_environments/{number}")
                for name in handle["runs"]:
                    index += 1
                    target = f"run-{index:04d}"
                    handle.copy(f"runs/{name}", runs, name=target)
                    runs[target].attrs["merged_from"] = f"{path}:/runs/{name}"
        return index
    finally:
        for handle in sources:
            handle.close()


def add_parser(subparsers):
    parser = subparsers.add_parser("merge", help="one report from many")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.set_defaults(run=run)


def run(args):
    count = merge(args.reports, args.output)
    print(f"{args.output}: {count} runs from {len(args.reports)} reports")
    return 0
