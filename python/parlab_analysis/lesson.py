"""`lesson`: the concurrency-vs-parallelism verdict table, computed from raw samples."""
import math

import numpy as np

from . import files
from . import verdict as v
from .palette import model_colour
from .report import params_of

# (claim, expected, kernel label prefix, model, shape or None, threshold kind, threshold)
SPEEDUP_CLAIMS = [
    ("Two counting workers: threads help computing", "threads 1x2 >= 1.5x serial",
     "counter[variant=reduction]", "threads", (1, 2), "at_least", 1.5),
    ("Two counting workers: processes help computing", "processes 2x1 >= 1.5x serial",
     "counter[variant=reduction]", "processes", (2, 1), "at_least", 1.5),
    ("Two counting workers: an interpreter lock serialises CPU work", "gil 1x2 <= 1.2x serial",
     "counter[variant=reduction]", "gil", (1, 2), "at_most", 1.2),
    ("CPU-bound dgemm speeds up with threads", "threads 1x2 >= 1.3x", "dgemm", "threads", (1, 2),
     "at_least", 1.3),
    ("CPU-bound dgemm speeds up with processes", "processes 2x1 >= 1.3x", "dgemm", "processes",
     (2, 1), "at_least", 1.3),
    ("CPU-bound dgemm gains nothing under a gil", "gil 1x2 <= 1.2x", "dgemm", "gil", (1, 2),
     "at_most", 1.2),
    ("CPU-bound montecarlo speeds up with threads", "threads 1x2 >= 1.3x", "montecarlo", "threads",
     (1, 2), "at_least", 1.3),
    ("CPU-bound montecarlo speeds up with processes", "processes 2x1 >= 1.3x", "montecarlo",
     "processes", (2, 1), "at_least", 1.3),
    ("CPU-bound montecarlo gains nothing under a gil", "gil 1x2 <= 1.2x", "montecarlo", "gil",
     (1, 2), "at_most", 1.2),
]

# Hybrid vs flat MPI on the stencil (config/hybrid-comm.toml): the claim, what is expected,
# and which runs are compared: the best hybrid threading style against flat MPI with the
# same grid, parameters (threading aside), workers and nodes, judged at the smallest grid.
HYBRID_CLAIM = ("Hybrid beats flat MPI when halo exchange dominates (the smallest stencil "
                "grid per worker)",
                "best hybrid style >= 1.0x flat MPI, same workers and nodes")

WAIT_MODELS = ["threads", "gil", "async"]
SAFE_VARIANTS = ["mutex", "atomic", "critical", "reduction"]


def _chosen(label):
    """The parameters a label names: those not at their default ("k=v" in its brackets)."""
    head = str(label).partition(" size=")[0]
    return params_of(head.partition("[")[2][:-1]) if head.endswith("]") else {}


def selects(runs, prefix):
    """Rows of `prefix`'s kernel whose parameters include those it names: "dgemm", or
    "counter[variant=reduction" (any other parameters). A closed prefix,
    "counter[variant=reduction]", also wants every other parameter at its default (the
    run's label names no other)."""
    kernel, _, rest = prefix.partition("[")
    closed = rest.endswith("]")
    wanted = params_of(rest[:-1] if closed else rest)
    keep = []
    for name, params, label in zip(runs.kernel, runs.params, runs.label):
        have = params_of(params)
        match = name == kernel and all(have.get(k) == value for k, value in wanted.items())
        keep.append(match and (not closed or set(_chosen(label)) <= set(wanted)))
    return runs[np.asarray(keep, dtype=bool)]  # a mask even when empty (not a column list)


def find(runs, prefix, model, shape=None):
    match = selects(runs, prefix)
    match = match[match.model == model]
    if shape is not None:
        match = match[(match.ranks == shape[0]) & (match.threads == shape[1])]
    return match.iloc[0] if len(match) else None


def _fmt(spread):
    low, median, high = spread
    if math.isnan(median):
        return "not measured"
    return f"{median:.2f}x [{low:.2f}-{high:.2f}]"


def wait_ideal(run):
    """The best speedup a shape can give over one worker doing every wait in turn: the
    tasks over the number of waits the busiest worker does one after another. A rank gets
    ceil(tasks / ranks) tasks; threads serve them `threads` at a time, an event loop keeps
    all of them pending at once (one wait)."""
    tasks, ranks = int(run["size"]), int(run["ranks"])
    per_rank = math.ceil(tasks / ranks)
    at_once = per_rank if run["model"] == "async" else int(run["threads"])
    return tasks / math.ceil(per_rank / at_once) if tasks > 0 else math.nan


def wait_threshold(ideal):
    """Waits "help" when the run gets at least half of the ideal gain over 1x."""
    return 1 + (ideal - 1) / 2


def _judged(reports, serial, run, judge, threshold):
    """(measured text, verdict) of a speedup claim, from the 95 % interval of the speedup;
    an inconclusive one says how many rounds would likely settle it."""
    spread = v.speedup_spread(reports.cell_times(serial), reports.cell_times(run),
                              reports.rounds(serial), reports.rounds(run))
    verdict = judge(spread, threshold)
    text = _fmt(spread)
    if verdict == v.INCONCLUSIVE:
        done = min(len(reports.cell_times(serial)), len(reports.cell_times(run)))
        hint = v.settle_hint(spread, threshold, done)
        text += f"; {hint}" if hint else ""
    return text, verdict


def _speedup_rows(reports):
    runs, out = reports.runs, []
    for claim, expected, prefix, model, shape, kind, threshold in SPEEDUP_CLAIMS:
        serial = find(runs, prefix, "serial")
        run = find(runs, prefix, model, shape)
        if serial is None or run is None:
            out.append((claim, expected, "not measured", v.NOT_MEASURED))
            continue
        judge = v.at_least if kind == "at_least" else v.at_most
        out.append((claim, expected, *_judged(reports, serial, run, judge, threshold)))
    return out


def _without_threading(params):
    return ",".join(p for p in params.split(",") if not p.startswith("threading="))


def _grid(run):
    """(rows, columns) of a stencil run: `cols` = 0 is a square grid."""
    cols = int(params_of(run.params).get("cols", 0))
    return int(run.size), cols if cols > 0 else int(run.size)


def _hybrid_rows(reports):
    """The best hybrid style against flat MPI, per grid, judged at the fewest points."""
    runs = reports.runs
    stencil = runs[(runs.kernel == "stencil") & (runs.status == "ok")]
    pairs = []
    for size in sorted(set(stencil["size"])):
        for hybrid in stencil[(stencil["size"] == size) & (stencil.model == "hybrid")].itertuples():
            flat = stencil[(stencil["size"] == size) & (stencil.model == "processes") &
                           (stencil.ranks == hybrid.ranks * hybrid.threads) &
                           (stencil.nodes == hybrid.nodes) &
                           (stencil.params.map(_without_threading) == _without_threading(hybrid.params))]
            if len(flat):
                spread = v.speedup_spread(reports.cell_times(flat.iloc[0]), reports.cell_times(hybrid))
                pairs.append((size, hybrid, flat.iloc[0], spread))
    if not pairs:
        return [HYBRID_CLAIM + ("not measured (config/hybrid-comm.toml)", v.NOT_MEASURED)]
    best = {}
    for _, hybrid, flat, spread in pairs:  # per grid and nodes: the fastest hybrid style
        key = (_grid(hybrid), hybrid.nodes)
        if key not in best or spread[1] > best[key][3][1]:
            best[key] = (_grid(hybrid), hybrid, flat, spread)
    measured = "; ".join(
        f"grid {g[0]}x{g[1]}, {h.nodes} node(s): "
        f"{params_of(h.params).get('threading', '?')} "
        f"{h.ranks}x{h.threads} vs flat {f.ranks}x1 {_fmt(spread)}"
        for g, h, f, spread in sorted(best.values(), key=lambda b: (b[0][0] * b[0][1], b[1].nodes)))
    fewest = min(g[0] * g[1] for g, *_ in best.values())
    verdicts = [v.at_least(spread, 1.0) for g, _, _, spread in best.values() if g[0] * g[1] == fewest]
    return [HYBRID_CLAIM + (measured, v.combine(verdicts))]


WAIT_CLAIMS = {"threads": "Threads help waiting",
               "gil": "Threads help waiting even under a gil (it is released while waiting)",
               "async": "One thread with all waits pending (async) serves waits like threads"}


def _wait_rows(reports):
    """N tasks served by 1 thread, by threads, by threads under a gil, by an event loop."""
    runs, out = reports.runs, []
    for model in WAIT_MODELS:
        candidates = runs[(runs.kernel == "wait") & (runs.model == model) & (runs.ranks == 1)]
        run = candidates.sort_values("threads").iloc[-1] if len(candidates) else None
        serial = None if run is None else find(runs[runs.label == run.label], "wait", "serial")
        if serial is None:
            out.append((WAIT_CLAIMS[model], "N tasks: >= half the ideal gain", "not measured",
                        v.NOT_MEASURED))
            continue
        ideal = wait_ideal(run)
        shape = f"{int(run['size'])} tasks, {model} {run.ranks}x{run.threads}"
        if not ideal > 1:
            out.append((WAIT_CLAIMS[model], f"{shape}: one worker overlaps no waits",
                        "not measurable with this shape", v.INCONCLUSIVE))
            continue
        threshold = wait_threshold(ideal)
        out.append((WAIT_CLAIMS[model], f"{shape} (ideal {ideal:g}x): >= {threshold:g}x",
                    *_judged(reports, serial, run, v.at_least, threshold)))
    return out


def _counter_rows(reports):
    """The shared counter: exact final values, lost updates, cost per update."""
    counters, out = reports.runs[reports.runs.kernel == "counter"], []
    for variant in SAFE_VARIANTS:
        selected = selects(counters, f"counter[variant={variant}]")
        if not len(selected):
            continue
        finals = [reports.result(r, "final_value") for r in selected.itertuples()]
        costs = ", ".join(f"{m} {t * 1e9 / (2 * n):.1f} ns"
                          for m, t, n in zip(selected.model, selected.median_s, selected["size"])
                          if m in ("serial", "threads"))
        article = "An" if variant[0] in "aeiou" else "A"
        out.append((f"{article} {variant} counter ends at exactly 0 under every model",
                    "final value 0 in every run",
                    f"{sum(f == 0 for f in finals)} of {len(finals)} runs at 0; per update: {costs}",
                    v.exact(finals, 0) if finals else v.INCONCLUSIVE))
    racy = selects(counters, "counter[variant=racy]")
    shared = racy[racy.threads > 1]
    lost = [int(reports.result(r, "lost_updates")) for r in shared.itertuples()]
    separate = [int(reports.result(r, "lost_updates")) for r in racy.itertuples()
                if r.model == "processes"]
    out.append(("Without synchronisation, threads sharing a counter lose updates",
                "racy with threads: lost updates > 0",
                "lost updates: " + (", ".join(f"{r.model} {r.ranks}x{r.threads}: {n}" for r, n in
                                              zip(shared.itertuples(), lost)) or "none"),
                v.HOLDS if any(n > 0 for n in lost) else (v.FAILS if lost else v.INCONCLUSIVE)))
    out.append(("Processes share no memory, so their racy counters lose nothing",
                "racy with processes: 0 lost", f"lost: {separate}",
                v.exact(separate, 0) if separate else v.INCONCLUSIVE))
    return out


def rows(reports):
    """The verdict table of parlab_analysis.Reports: parlab's models on the C++ kernels
    (lesson_python has the same claims judged on CPython itself)."""
    return (_speedup_rows(reports) + _wait_rows(reports) + _counter_rows(reports) +
            _hybrid_rows(reports))


HEADER = ("claim", "expected", "measured (estimate [95 % interval])", "holds?")


def render(table, style="terminal", header=HEADER):
    """A table as text; the last column is never cut, the first two are at most 60 and
    40 characters wide."""
    columns = len(header)
    if style == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * columns]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in table]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(r[i])) for r in [header] + list(table)) for i in range(columns)]
    widths[0] = min(widths[0], 60)
    widths[1] = min(widths[1], 40)
    text = ["  ".join(str(c)[:w].ljust(w) for c, w in zip(header, widths)).rstrip()]
    text.append("-" * len(text[0]))
    for row in table:
        text.append("  ".join(str(c)[:w].ljust(w) if i < columns - 1 else str(c)
                              for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    return "\n".join(text) + "\n"


def plot(table_runs, out_dir):
    """One bar chart: speedup of each model vs serial, per lesson kernel."""
    import os

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import pandas as pd

    files.output_directory(out_dir)
    runs = pd.concat([selects(table_runs, prefix) for prefix in
                      ("counter[variant=reduction]", "dgemm", "montecarlo", "wait")]).sort_index()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    labels, values, colours = [], [], []
    for run in runs.itertuples():
        if run.model == "serial" or not math.isfinite(run.speedup):
            continue
        labels.append(f"{run.kernel}\n{run.model} {run.ranks}x{run.threads}")
        values.append(run.speedup)
        colours.append(model_colour(run.model))
    ax.bar(range(len(values)), values, color=colours)
    ax.axhline(1.0, color="k", linewidth=1, linestyle="--", label="serial")
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)), labels, fontsize=6, rotation=90)
    ax.set_ylabel("speedup vs serial [1] (log scale)")
    ax.set_title("The lesson, measured: who speeds up computing and who speeds up waiting",
                 fontsize=10)
    ax.legend(fontsize=8)
    path = os.path.join(out_dir, "lesson-speedups.png")
    try:
        fig.tight_layout()
        with files.atomic_output(path) as handle:
            fig.savefig(handle, format="png", dpi=100)
    finally:
        plt.close(fig)
    return [path]


def read_primitives(json_path):
    """{worker: {figure: number or text}} from `parlab primitives -o JSON`, validated."""
    import json

    from .errors import AnalysisError

    try:
        figures = json.loads(files.read_text(json_path, "primitives JSON"))
    except ValueError as error:
        raise AnalysisError(f"{json_path}: cannot read primitives ({error})") from None
    if not isinstance(figures, dict) or not all(isinstance(v, dict) for v in figures.values()):
        raise AnalysisError(f"{json_path}: primitives must be an object of objects "
                            "{worker: {figure: value}}")
    for worker, values in figures.items():
        for name, value in values.items():
            if not worker or not name or "/" in worker + name or "." == name[0]:
                raise AnalysisError(f"{json_path}: bad figure name {worker!r}/{name!r}")
            if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (
                    isinstance(value, float) and not math.isfinite(value)):
                raise AnalysisError(f"{json_path}: {worker}.{name} must be a finite number or "
                                    f"text, got {value!r}")
    return figures


def store_primitives(report, figures):
    """Writes /primitives: one dataset per figure, with units from its name's suffix."""
    import h5py

    units = {"_s": "s", "_bytes": "byte", "_Bps": "byte/s"}
    with h5py.File(report, "a") as handle:
        if "primitives" in handle:
            del handle["primitives"]
        group = handle.create_group("primitives")
        group.attrs["description"] = ("threads vs processes vs async, measured by `parlab "
                                      "primitives`: creation, memory per worker, context switch, "
                                      "communication")
        about = figures.get("about", {})  # what a figure timed, keyed "<worker>_<figure>"
        for worker, values in figures.items():
            if worker == "about":
                continue
            for name, value in values.items():
                if isinstance(value, str):
                    group.attrs[f"{worker}_{name}"] = value
                    continue
                dataset = group.create_dataset(f"{worker}/{name}", data=float(value))
                dataset.attrs["units"] = next((u for s, u in units.items() if name.endswith(s)), "1")
                dataset.attrs["description"] = str(about.get(
                    f"{worker}_{name}", f"{worker}: {name.replace('_', ' ')}"))


def _iterations(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 1 <= value <= 10**10:
        raise argparse.ArgumentTypeError(f"must be from 1 to 10000000000, got {value}")
    return value


def add_parser(subparsers):
    parser = subparsers.add_parser("lesson", help="verdicts of the concurrency-vs-parallelism lesson")
    parser.add_argument("report")
    parser.add_argument("--calibrate", action="store_true",
                        help="gone: the lesson's python-kernel runs measure CPython inside the "
                             "harness (kept so that old scripts still run)")
    parser.add_argument("--markdown", action="store_const", dest="style", const="markdown")
    parser.add_argument("--plots", help="directory for the lesson's PNG plot")
    parser.add_argument("--primitives", metavar="JSON",
                        help="figures from `parlab primitives -o JSON` to store in the report")
    parser.set_defaults(style="terminal", run=run)


def _section(title, style):
    return f"\n## {title}\n\n" if style == "markdown" else f"\n{title}\n"


def run(args):
    import sys

    from . import lesson_python as py
    from .report import load

    reports = load(args.report)  # one clear error for a bad report before anything runs
    figures = read_primitives(args.primitives) if args.primitives else None
    if args.calibrate:
        print("parlab-analyze: --calibrate is no longer needed: the python kernel's runs in "
              "config/lesson.toml measure CPython itself (see the CPython column)", file=sys.stderr)
    if figures is not None:
        store_primitives(args.report, figures)
        reports = load(args.report)  # what was just stored, read back the same way
    print(render(rows(reports), args.style), end="")
    print(_section("The claims about Python, on parlab's models and on CPython itself "
                   "(the python kernel)", args.style), end="")
    print(render(py.cpython_rows(reports), args.style, py.CPYTHON_HEADER), end="")
    print(_section("Fidelity: parlab's gil emulation against CPython's threads (time ratios, "
                   "median [95 % interval]; their quotient [90 %]: an equivalence test)",
                   args.style), end="")
    print(render(py.fidelity_rows(reports), args.style, py.FIDELITY_HEADER), end="")
    print(("\n" if args.style == "markdown" else "") + py.free_threaded_line(reports))
    if args.plots:
        for path in plot(reports.runs, args.plots):
            print(path)
    return 0
