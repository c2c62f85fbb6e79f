"""Small parlab reports built with h5py, for testing the analysis on known numbers."""
import h5py
import numpy as np

COLUMNS = ["total", "compute", "comm", "io", "wait", "lock_wait", "post", "test", "idle"]


def write_report(path, runs, root=None):
    """runs: dicts with kernel, model, ranks, threads, size, params (text), cell_times (one
    per repetition), optional results {name: value}, status, phases {column: fraction of
    the total} and attrs {name: value}. root: extra root attributes (status, created_utc,
    git_sha, ...)."""
    with h5py.File(path, "w") as handle:
        handle.attrs["schema_version"] = 1
        handle.attrs["experiment"] = "synthetic"
        for key, value in (root or {}).items():
            handle.attrs[key] = value
        for index, run in enumerate(runs, start=1):
            group = handle.create_group(f"runs/run-{index:04d}")
            params = run.get("params", "")
            label = run["kernel"] + (f"[{params}]" if params else "") + f" size={run['size']}"
            for key, value in dict(kernel=run["kernel"], label=label, model=run["model"],
                                   ranks=run["ranks"], threads=run["threads"], size=run["size"],
                                   params=params, status=run.get("status", "ok"),
                                   rate_unit="items/s", work_amount=1.0, rate_scale=1.0,
                                   oversubscribed=0).items():
                group.attrs[key] = value
            for key, value in run.get("attrs", {}).items():
                group.attrs[key] = value
            times = np.asarray(run["cell_times"], dtype=float)
            samples = np.zeros((len(times), run["ranks"], len(COLUMNS)))
            samples[:, :, 0] = times[:, None]
            for column, fraction in run.get("phases", {}).items():
                samples[:, :, COLUMNS.index(column)] = times[:, None] * fraction
            dataset = group.create_dataset("samples", data=samples)
            dataset.attrs["columns"] = COLUMNS
            summary = np.zeros((), dtype=[("median_s", "f8")])
            summary["median_s"] = np.median(times) if len(times) else np.nan
            group.create_dataset("summary", data=summary)
            results = group.create_group("results")
            for name, value in run.get("results", {}).items():
                results.create_dataset(name, data=float(value))


def one_run(path, times=(1.0, 2.0, 3.0), kernel="triad", root=None, **run):
    """A report with one serial run (or what `run` overrides)."""
    write_report(path, [dict(dict(kernel=kernel, params="", size=100, model="serial", ranks=1,
                                  threads=1, cell_times=list(times)), **run)], root=root)
    return str(path)
