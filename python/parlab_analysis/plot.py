"""`plot`: PNG figures from reports: the winner matrix and the "why" per group
(answer_plots), time per model, strong and weak scaling, phases per rank. One colour per
model (palette). Oversubscribed points are hollow and labelled, intervals come from
`interval`, time axes are scaled to ns/µs/ms/s, worker axes are log 2 when they span more
than 4x."""
import math
import os
import re

from . import files, interval
from .palette import PHASES, model_colour, phase_colour
from .report import median_repetition
from .units import time_scale

FONT = 9
# Modules with `plots(reports, out_dir) -> [info]` drawn after the per-group plots below;
# a new plot module adds its name here (the page places each by its info's `group`).
PLOT_MODULES = ["answer_plots", "roofline_plot"]


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported only when a plot is drawn (it takes
    longer to import than most subcommands take to run)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def save(fig, path, series, laid_out=False):
    """Saves (through a temporary file, renamed) and returns what a test can check: the
    file, its axes and data series. `laid_out`: the caller already arranged the figure."""
    try:
        if not laid_out:
            fig.tight_layout()
        with files.atomic_output(path) as handle:
            handle.write(_png(fig))
        axes = fig.axes[0]
        legend = axes.get_legend()
        return {"path": path, "axes": len(fig.axes), "series": series,
                "xscale": axes.get_xscale(), "yscale": axes.get_yscale(),
                "ylabel": axes.get_ylabel(),
                "legend": [t.get_text() for t in legend.get_texts()] if legend else []}
    finally:
        pyplot().close(fig)


def _png(fig):
    """The figure as PNG bytes at 100 dpi, reduced to a 256-colour palette (a plot has few
    colours; the page embeds every plot, and this makes it about a third of the size)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    try:
        from PIL import Image
    except ImportError:  # matplotlib depends on Pillow; keep the full-colour file anyway
        return buffer.getvalue()
    buffer.seek(0)
    small = io.BytesIO()
    Image.open(buffer).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
        small, format="PNG", optimize=True)
    return small.getvalue()


def _hollow_legend(ax, flagged):
    """Adds "hollow: oversubscribed" to the legend when any point is."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    if flagged:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                              markeredgecolor="black"))
        labels.append("hollow: oversubscribed")
    ax.legend(handles, labels, fontsize=FONT)


def _log2_if_wide(ax, workers, also_y=False):
    """Log 2 worker axes when the workers span more than 4x."""
    low, high = min(workers), max(workers)
    if low > 0 and high / low > 4:
        ax.set_xscale("log", base=2)
        if also_y:
            ax.set_yscale("log", base=2)
        return True
    ax.set_xticks(sorted(set(int(w) for w in workers)))
    return False


def time_per_model(group, label, path):
    """Bars of median time per model and shape, whiskers from the interval; oversubscribed
    runs hollow (hatched) and marked."""
    fig, ax = pyplot().subplots(figsize=(7, 4))
    factor, unit = time_scale(group["median_s"])
    flagged = [bool(f) for f in group["oversubscribed"]]
    names = [f"{m}\n{r}x{t}" + (" ‡" if f else "")
             for m, r, t, f in zip(group["model"], group["ranks"], group["threads"], flagged)]
    medians = group["median_s"].to_numpy() * factor
    # The median's interval (min-max when too few repetitions to cover it).
    below = medians - group["median_low_s"].to_numpy() * factor
    above = group["median_high_s"].to_numpy() * factor - medians
    for index, (model, median, over) in enumerate(zip(group["model"], medians, flagged)):
        colour = model_colour(model)
        ax.bar(index, median, yerr=[[below[index]], [above[index]]], capsize=4,
               color="white" if over else colour, edgecolor=colour, hatch="//" if over else None,
               linewidth=1.5)
    ax.set_xticks(range(len(names)), names, fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT)
    ax.set_ylabel(f"median wall time per repetition [{unit}]", fontsize=FONT)
    ax.set_xlabel("execution model, ranks x threads (‡ hatched: oversubscribed)", fontsize=FONT)
    ax.set_title(f"{label}: time per model (whiskers: {interval.METHOD})", fontsize=FONT + 1)
    return save(fig, path, series=1)


def _scaling_points(ax, workers, spreads, flags, colour, label, placed=None):
    """One model's points: line through the medians, error bars from the intervals,
    oversubscribed points hollow and labelled (`placed`: labels per worker count so far,
    so that labels of the same point stack instead of overlapping)."""
    placed = {} if placed is None else placed
    medians = [s[1] for s in spreads]
    ax.plot(workers, medians, color=colour, linewidth=1.5, label=label)
    for w, (low, median, high), over in zip(workers, spreads, flags):
        ax.errorbar(w, median, yerr=[[median - low], [high - median]], color=colour, capsize=3,
                    marker="o", markersize=7, markerfacecolor="white" if over else colour,
                    markeredgecolor=colour, linestyle="")
        if over:
            above = placed.get(w, 0)
            placed[w] = above + 1
            ax.annotate(f"{label}: oversubscribed" if label != "measured" else "oversubscribed",
                        (w, median), xytext=(6, -4 + 11 * above), textcoords="offset points",
                        fontsize=FONT, color=colour)


def strong_scaling(reports, group, label, path):
    """Speedup vs workers for each model of one kernel group, with the ideal line."""
    fig, ax = pyplot().subplots(figsize=(6.0, 4.2))
    serial = group[(group.model == "serial") & (group.status == "ok")]
    base_row = next(serial.itertuples()) if len(serial) else None
    base = reports.cell_times(base_row) if base_row is not None else []
    base_rounds = reports.rounds(base_row) if base_row is not None else None
    series, flagged, workers_seen, placed = 0, False, [1], {}
    for model, runs in group.groupby("model", sort=False):
        runs = runs[runs["speedup"].apply(math.isfinite)].sort_values("workers")
        if model == "serial" or not len(runs):
            continue
        spreads = [(1.0, 1.0, 1.0)] + [interval.speedup(base, reports.cell_times(r), base_rounds,
                                                        reports.rounds(r))
                                       for r in runs.itertuples()]
        flags = [False] + [bool(f) for f in runs["oversubscribed"]]
        workers = [1] + list(runs["workers"])
        _scaling_points(ax, workers, spreads, flags, model_colour(model), model, placed)
        flagged |= any(flags)
        workers_seen += workers
        series += 1
    most = max(2, int(max(workers_seen)))
    ax.plot([1, most], [1, most], "k--", linewidth=1, label="ideal")
    _log2_if_wide(ax, workers_seen, also_y=True)
    ax.set_xlabel("workers (ranks x threads)", fontsize=FONT)
    ax.set_ylabel("speedup vs serial [1]", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.set_title(f"{label}: strong scaling (bars: {interval.METHOD})", fontsize=FONT + 1)
    _hollow_legend(ax, flagged)
    return save(fig, path, series=series + 1)


def weak_scaling(reports, runs, out_dir):
    """Efficiency T(1 worker) / T(p workers) for groups whose size grows with the workers
    (same kernel and parameters, size / workers constant)."""
    written = []
    for (kernel, params), group in runs.groupby(["kernel", "params"], sort=False):
        group = group.assign(per_worker=group["size"] / group["workers"])
        for per_worker, same in group.groupby("per_worker"):
            if same["workers"].nunique() < 2 or same["size"].nunique() < 2:
                continue
            same = same.sort_values("workers")
            first = same[same["workers"] == same["workers"].min()]
            base_row = first.loc[[first["median_s"].idxmin()]].iloc[0]
            base, base_rounds = reports.cell_times(base_row), reports.rounds(base_row)
            fig, ax = pyplot().subplots(figsize=(6.5, 4.2))
            spreads, flags, placed = [], [], {}
            for model, runs_of_model in same.groupby("model", sort=False):
                mine = [interval.speedup(base, reports.cell_times(r), base_rounds,
                                         reports.rounds(r))
                        for r in runs_of_model.itertuples()]
                flags += [bool(f) for f in runs_of_model["oversubscribed"]]
                _scaling_points(ax, list(runs_of_model["workers"]), mine, flags[-len(mine):],
                                model_colour(model), model, placed)
                spreads += mine
            ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label="ideal")
            _log2_if_wide(ax, list(same["workers"]))
            ax.set_xlabel("workers (ranks x threads)", fontsize=FONT)
            ax.set_ylabel("weak-scaling efficiency T(1)/T(p) [1]", fontsize=FONT)
            ax.tick_params(labelsize=FONT)
            ax.set_ylim(0, max(1.2, max(s[2] for s in spreads) * 1.1))
            ax.set_title(f"{kernel} [{params}]: weak scaling, {per_worker:g} per worker",
                         fontsize=FONT + 1)
            _hollow_legend(ax, any(flags))
            info = save(fig, os.path.join(out_dir, f"weak-{slug(kernel + params)}-"
                                                   f"{int(per_worker)}.png"),
                        series=same["model"].nunique() + 1)
            written.append(dict(info, kind="weak", group=None))
    return written


def phases_per_rank(reports, run, path):
    """For the median repetition: each rank's time split into phases (stacked bars; parlab
    records durations, not timestamps), total as an outline."""
    samples, columns = reports.samples(run), reports.columns(run)
    if not len(samples):
        return None
    rep = median_repetition(samples)
    factor, unit = time_scale(samples[rep, :, 0])
    fig, ax = pyplot().subplots(figsize=(7, 2.2 + 0.5 * samples.shape[1]))
    series = 0
    for phase in PHASES:
        if phase not in columns:
            continue
        values = samples[rep, :, columns.index(phase)]
        if not values.any():
            continue
        left = sum(samples[rep, :, columns.index(p)] for p in PHASES[:PHASES.index(phase)]
                   if p in columns)
        ax.barh(range(samples.shape[1]), values * factor, left=left * factor,
                color=phase_colour(phase), label=phase)
        series += 1
    ax.barh(range(samples.shape[1]), samples[rep, :, 0] * factor, fill=False, edgecolor="k",
            label="total")
    ax.set_yticks(range(samples.shape[1]), [f"rank {r}" for r in range(samples.shape[1])],
                  fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT)
    ax.set_xlabel(f"time in the median repetition [{unit}]", fontsize=FONT)
    ax.set_title(f"{run.label} {run.model} {run.ranks}x{run.threads}: phases per rank\n"
                 "(lock_wait happens inside compute)", fontsize=FONT)
    ax.legend(fontsize=FONT, ncol=5, loc="lower right")
    return save(fig, path, series=series + 1)


def _group_plots(reports, runs, out_dir):
    written = []
    for key, group in runs.groupby(["report", "label"], sort=False):
        label = key[1]
        name = slug(label) if runs.report.nunique() == 1 else slug(
            os.path.basename(key[0]) + "-" + label)
        infos = [("time", time_per_model(group, label, os.path.join(out_dir, f"time-{name}.png")))]
        if group["workers"].nunique() > 1 and group["speedup"].apply(math.isfinite).sum() > 1:
            infos.append(("strong", strong_scaling(reports, group, label,
                                                   os.path.join(out_dir, f"strong-{name}.png"))))
        # Phases of the most parallel run of the group (the one most likely to overlap).
        widest = group.sort_values(["ranks", "threads"]).iloc[-1]
        infos.append(("phases", phases_per_rank(reports, widest,
                                                os.path.join(out_dir, f"phases-{name}.png"))))
        written += [dict(info, kind=kind, group=key) for kind, info in infos if info is not None]
    return written


def make_plots(reports, out_dir):
    """All plots for the reports' runs (parlab_analysis.load); returns [{path, axes,
    series, kind, group}] (group: the (report, label) a plot belongs to, or None).
    Runs without repetitions (abandoned by their watchdog) are left out."""
    import importlib

    files.output_directory(out_dir)
    reports = reports.select(reports.runs["repetitions"] > 0)
    if not len(reports.runs):
        return []
    written = []
    for name in PLOT_MODULES:
        written += importlib.import_module(f".{name}", __package__).plots(reports, out_dir)
    written += _group_plots(reports, reports.runs, out_dir)
    written += weak_scaling(reports, reports.runs, out_dir)
    from .plot_io import io_overlap
    info = io_overlap(reports, os.path.join(out_dir, "io-overlap.png"), pyplot, save)
    if info is not None:
        info.update(kind="io", group=None)
        written.append(info)
    return [w for w in written if w is not None]


def add_parser(subparsers):
    parser = subparsers.add_parser("plot", help="PNG plots: winner matrix, why, time, scaling, phases")
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
