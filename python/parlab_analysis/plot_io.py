"""The `io` plot: per shape, blocking vs nonblocking runs of the io kernel as stacked bars
of where the slowest rank's time went (compute, post, test, wait, sync, the blocking write
and the idle wait for other ranks), with each nonblocking run's overlap and its ceiling."""
import math

from .palette import phase_colour
from .report import params_of

STACK = ["compute", "io", "post", "test", "wait", "sync", "idle"]


def _param(run, name):
    return params_of(run.params).get(name, "")


def _fastest_repetition(reports, run):
    """The phases of the slowest rank in the repetition with the smallest cell time (host
    noise only adds time), as {column: seconds}."""
    samples = reports.samples(run)
    columns = reports.columns(run)
    cells = samples[:, :, 0].max(axis=1)
    rep = int(cells.argmin())
    rank = int(samples[rep, :, 0].argmax())
    return {c: float(samples[rep, rank, i]) for i, c in enumerate(columns)}


def io_runs(runs):
    return runs[(runs["kernel"] == "io") & (runs["repetitions"] > 0)]


def io_overlap(reports, path, pyplot, save):
    """Stacked bars per io run, grouped by shape; None when there are no io runs with both a
    blocking and a nonblocking run."""
    runs = io_runs(reports.runs)
    modes = {_param(r, "mode") for r in runs.itertuples()}
    if not len(runs) or modes <= {"blocking", "independent", "hdf5"} or not modes & {"blocking", "independent"}:
        return None
    fig, ax = pyplot().subplots(figsize=(max(6, 0.7 * len(runs) + 2), 4.5))
    names, bottoms = [], []
    for index, run in enumerate(runs.sort_values(["ranks", "threads"], kind="stable").itertuples()):
        phases = _fastest_repetition(reports, run)
        bottom = 0.0
        for phase in STACK:
            seconds = phases.get(phase, 0.0)
            if seconds > 0:
                ax.bar(index, seconds * 1e3, bottom=bottom * 1e3, color=phase_colour(phase),
                       label=phase if phase not in ax.get_legend_handles_labels()[1] else None)
                bottom += seconds
        overlap = reports.result(run, "overlap_vs_smaller")
        if math.isfinite(overlap):
            ceiling = reports.result(run, "overlap_ceiling")
            ax.annotate(f"{overlap:.2f}\n/{ceiling:.2f}", (index, bottom * 1e3), ha="center", va="bottom",
                        fontsize=6, xytext=(0, 2), textcoords="offset points")
        mode = _param(run, "mode")
        progress = _param(run, "progress") if mode.startswith("nonblocking") else ""
        names.append(f"{run.ranks}x{run.threads}\n{mode}\n{progress}")
        bottoms.append(bottom)
    ax.set_xticks(range(len(names)), names, fontsize=6)
    ax.set_ylabel("slowest rank, fastest repetition [ms]")
    ax.set_title("io: blocking vs nonblocking per shape (labels: overlap / ceiling)", fontsize=9)
    ax.legend(fontsize=6, loc="upper left")
    return save(fig, path, series=len(names))
