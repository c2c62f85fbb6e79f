"""`plot`: PNG figures from reports: time per model and speedup per kernel."""
import math
import os
import re

from . import files
from .palette import PHASES, model_colour, phase_colour
from .report import median_repetition


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported only when a plot is drawn (it takes
    longer to import than most subcommands take to run)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def time_per_model(group, label, path):
    """Bars of median time per model and shape, whiskers from min to max."""
    fig, ax = pyplot().subplots(figsize=(7, 4))
    names = [f"{m}\n{r}x{t}" for m, r, t in zip(group["model"], group["ranks"], group["threads"])]
    medians = group["median_s"].to_numpy()
    below = medians - group["min_s"].to_numpy()
    above = group["max_s"].to_numpy() - medians
    colours = [model_colour(m) for m in group["model"]]
    ax.bar(range(len(names)), medians, yerr=[below, above], capsize=4, color=colours)
    for index, flagged in enumerate(group["oversubscribed"]):
        if flagged:
            ax.annotate("oversubscribed", (index, medians[index] + above[index]), ha="center", va="bottom",
                        fontsize=7, rotation=90, xytext=(0, 4), textcoords="offset points")
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel("median wall time per repetition [s]")
    ax.set_xlabel("execution model, ranks x threads")
    ax.set_title(f"{label}: time per model (whiskers: min-max)", fontsize=10)
    return _save(fig, path, series=1)


def _save(fig, path, series):
    """Saves (through a temporary file, renamed) and returns what a test can check: the
    file, its axes and data series."""
    try:
        fig.tight_layout()
        with files.atomic_output(path) as handle:
            fig.savefig(handle, format="png", dpi=100)
        return {"path": path, "axes": len(fig.axes), "series": series}
    finally:
        pyplot().close(fig)


def strong_scaling(group, label, path):
    """Speedup vs workers for each model of one kernel group, with the ideal line."""
    fig, ax = pyplot().subplots(figsize=(6, 4))
    series = 0
    for model, runs in group.groupby("model", sort=False):
        runs = runs[runs["speedup"].apply(math.isfinite)].sort_values("workers")
        if model == "serial" or not len(runs):
            continue
        # Every line starts at the serial baseline (1 worker, speedup 1).
        ax.plot([1] + list(runs["workers"]), [1.0] + list(runs["speedup"]), marker="o",
                color=model_colour(model), label=model)
        series += 1
    most = max(2, int(group["workers"].max()))
    ax.plot([1, most], [1, most], "k--", linewidth=1, label="ideal")
    ax.set_xlabel("workers (ranks x threads)")
    ax.set_ylabel("speedup vs serial [1]")
    ax.set_title(f"{label}: strong scaling", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path, series=series + 1)


def weak_scaling(runs, out_dir):
    """Efficiency T(1 worker) / T(p workers) for groups whose size grows with the workers
    (same kernel and parameters, size / workers constant)."""
    written = []
    for (kernel, params), group in runs.groupby(["kernel", "params"], sort=False):
        group = group.assign(per_worker=group["size"] / group["workers"])
        for per_worker, same in group.groupby("per_worker"):
            if same["workers"].nunique() < 2 or same["size"].nunique() < 2:
                continue
            same = same.sort_values("workers")
            base = same[same["workers"] == same["workers"].min()]["median_s"].min()
            fig, ax = pyplot().subplots(figsize=(6, 4))
            ax.plot(same["workers"], base / same["median_s"], marker="o", label="measured")
            ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label="ideal")
            ax.set_xlabel("workers (ranks x threads)")
            ax.set_ylabel("weak-scaling efficiency T(1)/T(p) [1]")
            ax.set_ylim(0, 1.2)
            ax.set_title(f"{kernel} [{params}]: weak scaling, {per_worker:g} per worker", fontsize=9)
            ax.legend(fontsize=8)
            written.append(_save(fig, os.path.join(out_dir, f"weak-{_slug(kernel + params)}-"
                                                             f"{int(per_worker)}.png"), series=2))
    return written


def phases_per_rank(reports, run, path):
    """For the median repetition: each rank's time split into phases (stacked bars; parlab
    records durations, not timestamps), total as an outline."""
    samples, columns = reports.samples(run), reports.columns(run)
    if not len(samples):
        return None
    rep = median_repetition(samples)
    fig, ax = pyplot().subplots(figsize=(7, 2.0 + 0.5 * samples.shape[1]))
    series = 0
    for phase in PHASES:
        colour = phase_colour(phase)
        if phase not in columns:
            continue
        values = samples[rep, :, columns.index(phase)]
        if not values.any():
            continue
        left = sum(samples[rep, :, columns.index(p)] for p in PHASES[:PHASES.index(phase)]
                   if p in columns)
        ax.barh(range(samples.shape[1]), values * 1e3, left=left * 1e3, color=colour, label=phase)
        series += 1
    ax.barh(range(samples.shape[1]), samples[rep, :, 0] * 1e3, fill=False, edgecolor="k",
            label="total")
    ax.set_yticks(range(samples.shape[1]), [f"rank {r}" for r in range(samples.shape[1])])
    ax.set_xlabel("time in the median repetition [ms]")
    ax.set_title(f"{run.label} {run.model} {run.ranks}x{run.threads}: phases per rank "
                 "(lock_wait and test happen inside compute)", fontsize=9)
    ax.legend(fontsize=7, ncol=5, loc="lower right")
    return _save(fig, path, series=series + 1)


def speedup_overview(runs, path):
    """Speedup vs workers for every kernel group and model, with the ideal line."""
    fig, ax = pyplot().subplots(figsize=(7, 4.5))
    finite = runs[runs["speedup"].apply(lambda v: math.isfinite(v))]
    for (label, model), group in finite.groupby(["label", "model"], sort=False):
        group = group.sort_values("workers")
        ax.plot(group["workers"], group["speedup"], marker="o", linewidth=1,
                color=model_colour(model), alpha=0.7, label=f"{model}: {label}")
    if len(finite):
        most = int(finite["workers"].max())
        ax.plot([1, most], [1, most], "k--", linewidth=1, label="ideal")
    ax.set_xlabel("workers (ranks x threads)")
    ax.set_ylabel("speedup vs serial [1]")
    ax.set_title("Speedup of every run vs its serial baseline", fontsize=10)
    ax.legend(fontsize=5, ncol=2, loc="upper left")
    series = finite.groupby(["label", "model"]).ngroups + (1 if len(finite) else 0)
    return _save(fig, path, series=series)


def make_plots(reports, out_dir):
    """All plots for the reports' runs (parlab_analysis.load); returns [{path, axes,
    series}]. Runs without repetitions (abandoned by their watchdog) are left out."""
    files.output_directory(out_dir)
    reports = reports.select(reports.runs["repetitions"] > 0)
    runs = reports.runs
    written = []
    for label, group in runs.groupby("label", sort=False):
        written.append(time_per_model(group, label, os.path.join(out_dir, f"time-{_slug(label)}.png")))
        if group["workers"].nunique() > 1 and group["speedup"].apply(math.isfinite).sum() > 1:
            written.append(strong_scaling(group, label,
                                          os.path.join(out_dir, f"strong-{_slug(label)}.png")))
        # Phases of the most parallel run of the group (the one most likely to overlap).
        widest = group.sort_values(["ranks", "threads"]).iloc[-1]
        written.append(phases_per_rank(reports, widest,
                                       os.path.join(out_dir, f"phases-{_slug(label)}.png")))
    written.extend(weak_scaling(runs, out_dir))
    from .plot_io import io_overlap
    written.append(io_overlap(reports, os.path.join(out_dir, "io-overlap.png"), pyplot, _save))
    written.append(speedup_overview(runs, os.path.join(out_dir, "speedup.png")))
    return [w for w in written if w is not None]


def add_parser(subparsers):
    parser = subparsers.add_parser("plot", help="PNG plots: time per model, speedup")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("--out", required=True, help="directory for the PNG files")
    parser.set_defaults(run=run)


def run(args):
    from .report import load
    reports = load(args.reports)
    files.output_directory(args.out)
    for info in make_plots(reports, args.out):
        print(info["path"])
    return 0
