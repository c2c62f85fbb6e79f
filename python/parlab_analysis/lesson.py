"""`lesson`: the concurrency-vs-parallelism verdict table, computed from raw samples."""
import math

from . import verdict as v
from .report import cell_times, load_runs

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

WAIT_MODELS = ["threads", "gil", "async"]
SAFE_VARIANTS = ["mutex", "atomic", "critical", "reduction"]


def _selects(runs, prefix):
    """Rows whose kernel and full parameter list start with `prefix`, e.g.
    "counter[variant=reduction" (labels leave default parameters out; `params` does not)."""
    return runs[(runs.kernel + "[" + runs.params + "]").str.startswith(prefix)]


def _find(runs, prefix, model, shape=None):
    match = _selects(runs, prefix)
    match = match[match.model == model]
    if shape is not None:
        match = match[(match.ranks == shape[0]) & (match.threads == shape[1])]
    return match.iloc[0] if len(match) else None


def _fmt(spread):
    low, median, high = spread
    if math.isnan(median):
        return "not measured"
    return f"{median:.2f}x [{low:.2f}-{high:.2f}]"


def rows(runs, calibration=None):
    out = []
    for claim, expected, prefix, model, shape, kind, threshold in SPEEDUP_CLAIMS:
        serial = _find(runs, prefix, "serial")
        run = _find(runs, prefix, model, shape)
        if serial is None or run is None:
            out.append((claim, expected, "not measured", v.INCONCLUSIVE))
            continue
        spread = v.speedup_spread(cell_times(serial.samples), cell_times(run.samples))
        judge = v.at_least if kind == "at_least" else v.at_most
        out.append((claim, expected, _fmt(spread), judge(spread, threshold)))

    # Waiting: N tasks served by 1 thread, N threads, N threads under a gil, an event loop.
    serial = _find(runs, "wait", "serial")
    for model in WAIT_MODELS:
        candidates = runs[(runs.kernel == "wait") & (runs.model == model) & (runs.ranks == 1)]
        run = candidates.sort_values("threads").iloc[-1] if len(candidates) else None
        claim = {"threads": "Threads help waiting",
                 "gil": "Threads help waiting even under a gil (it is released while waiting)",
                 "async": "One thread with all waits pending (async) serves waits like threads"}[model]
        if serial is None or run is None:
            out.append((claim, "N tasks: >= N/2 x", "not measured", v.INCONCLUSIVE))
            continue
        tasks = int(run["size"])
        spread = v.speedup_spread(cell_times(serial.samples), cell_times(run.samples))
        out.append((claim, f"{tasks} tasks, {model} {run.ranks}x{run.threads}: >= {tasks / 2:g}x",
                    _fmt(spread), v.at_least(spread, tasks / 2)))

    # The shared counter: exact final values, lost updates, cost per update.
    counters = runs[runs.kernel == "counter"]
    for variant in SAFE_VARIANTS:
        selected = _selects(counters, f"counter[variant={variant}]")
        if not len(selected):
            continue
        finals = [r["final_value"] for r in selected.results]
        costs = ", ".join(f"{m} {t * 1e9 / (2 * n):.1f} ns"
                          for m, t, n in zip(selected.model, selected.median_s, selected["size"])
                          if m in ("serial", "threads"))
        article = "An" if variant[0] in "aeiou" else "A"
        out.append((f"{article} {variant} counter ends at exactly 0 under every model",
                    "final value 0 in every run",
                    f"{sum(f == 0 for f in finals)} of {len(finals)} runs at 0; per update: {costs}",
                    v.exact(finals, 0) if finals else v.INCONCLUSIVE))
    racy = _selects(counters, "counter[variant=racy]")
    shared = racy[racy.threads > 1]
    lost = [int(r["lost_updates"]) for r in shared.results]
    separate = [int(r["lost_updates"]) for m, r in zip(racy.model, racy.results) if m == "processes"]
    out.append(("Without synchronisation, threads sharing a counter lose updates",
                "racy with threads: lost updates > 0",
                "lost updates: " + (", ".join(f"{m} {r.ranks}x{r.threads}: {n}" for m, r, n in
                                              zip(shared.model, shared.itertuples(), lost)) or "none"),
                v.HOLDS if any(n > 0 for n in lost) else (v.FAILS if lost else v.INCONCLUSIVE)))
    out.append(("Processes share no memory, so their racy counters lose nothing",
                "racy with processes: 0 lost", f"lost: {separate}",
                v.exact(separate, 0) if separate else v.INCONCLUSIVE))

    # Calibration against CPython.
    gil = _find(runs, "counter[variant=reduction]", "gil", (1, 2))
    serial = _find(runs, "counter[variant=reduction]", "serial")
    if calibration is None:
        out.append(("parlab's gil behaves like CPython's GIL", "similar threads/serial time ratio",
                    "no calibration in the report (run with --calibrate)", v.INCONCLUSIVE))
    elif gil is not None and serial is not None:
        python_ratio = calibration["threads_s"] / calibration["serial_s"]
        parlab_ratio = gil.median_s / serial.median_s
        processes_ratio = calibration["processes_s"] / calibration["serial_s"]
        out.append(("parlab's gil behaves like CPython's GIL",
                    "both threads/serial time ratios >= 0.8 (no parallel speedup)",
                    f"CPython {calibration['python_version']}: threads {python_ratio:.2f}x, "
                    f"processes {processes_ratio:.2f}x serial time; parlab gil {parlab_ratio:.2f}x; "
                    f"free-threaded: {calibration['free_threaded']}",
                    v.HOLDS if min(python_ratio, parlab_ratio) >= 0.8 else v.FAILS))
        out.append(("CPython's lock-protected counter ends at 0", "final value 0",
                    f"{int(calibration['locked_counter_final'])}",
                    v.exact([calibration["locked_counter_final"]], 0)))
    return out


def render(table, style="terminal"):
    header = ("claim", "expected", "measured (median [min-max])", "holds?")
    if style == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in table]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(r[i])) for r in [header] + table) for i in range(4)]
    widths[0] = min(widths[0], 60)
    widths[1] = min(widths[1], 40)
    text = ["  ".join(str(c)[:w].ljust(w) for c, w in zip(header, widths)).rstrip()]
    text.append("-" * len(text[0]))
    for row in table:
        text.append("  ".join(str(c)[:w].ljust(w) if i < 3 else str(c)
                              for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    return "\n".join(text) + "\n"


def plot(table_runs, out_dir):
    """One bar chart: speedup of each model vs serial, per lesson kernel."""
    import os

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    runs = table_runs[(table_runs.kernel + "[" + table_runs.params + "]").str.startswith(
        ("counter[variant=reduction]", "dgemm", "montecarlo", "wait"))]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    labels, values, colours = [], [], []
    palette = {"serial": "#555555", "threads": "#1f77b4", "processes": "#2ca02c",
               "hybrid": "#9467bd", "gil": "#d62728", "async": "#ff7f0e"}
    for run in runs.itertuples():
        if run.model == "serial" or not math.isfinite(run.speedup):
            continue
        labels.append(f"{run.kernel}\n{run.model} {run.ranks}x{run.threads}")
        values.append(run.speedup)
        colours.append(palette.get(run.model, "#999999"))
    ax.bar(range(len(values)), values, color=colours)
    ax.axhline(1.0, color="k", linewidth=1, linestyle="--", label="serial")
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)), labels, fontsize=6, rotation=90)
    ax.set_ylabel("speedup vs serial [1] (log scale)")
    ax.set_title("The lesson, measured: who speeds up computing and who speeds up waiting",
                 fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, "lesson-speedups.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]


def store_primitives(report, json_path):
    """Writes /primitives: one dataset per figure, with units from its name's suffix."""
    import json

    import h5py

    from .report import AnalysisError

    try:
        with open(json_path) as handle:
            figures = json.load(handle)
    except (OSError, ValueError) as error:
        raise AnalysisError(f"{json_path}: cannot read primitives ({error})") from None
    units = {"_s": "s", "_bytes": "byte", "_Bps": "byte/s"}
    with h5py.File(report, "a") as handle:
        if "primitives" in handle:
            del handle["primitives"]
        group = handle.create_group("primitives")
        group.attrs["description"] = ("threads vs processes vs async, measured by `parlab "
                                      "primitives`: creation, memory per worker, context switch, "
                                      "communication")
        for worker, values in figures.items():
            for name, value in values.items():
                if isinstance(value, str):
                    group.attrs[f"{worker}_{name}"] = value
                    continue
                dataset = group.create_dataset(f"{worker}/{name}", data=float(value))
                dataset.attrs["units"] = next((u for s, u in units.items() if name.endswith(s)), "1")
                dataset.attrs["description"] = f"{worker}: {name.replace('_', ' ')}"


def add_parser(subparsers):
    parser = subparsers.add_parser("lesson", help="verdicts of the concurrency-vs-parallelism lesson")
    parser.add_argument("report")
    parser.add_argument("--calibrate", action="store_true",
                        help="run the classic CPython programs and store their times in the report")
    parser.add_argument("--python", default="/usr/bin/python3", help="CPython for --calibrate")
    parser.add_argument("--iterations", type=int, default=2_000_000,
                        help="counting iterations of each CPython worker")
    parser.add_argument("--markdown", action="store_const", dest="style", const="markdown")
    parser.add_argument("--plots", help="directory for the lesson's PNG plot")
    parser.add_argument("--primitives", metavar="JSON",
                        help="figures from `parlab primitives -o JSON` to store in the report")
    parser.set_defaults(style="terminal", run=run)


def run(args):
    import sys

    from . import calibrate
    from .report import open_report

    open_report(args.report).close()  # one clear error for a bad report before anything runs
    if args.calibrate:
        try:
            calibrate.calibrate(args.report, args.python, args.iterations)
        except calibrate.CalibrationSkipped as skipped:
            print(f"parlab-analyze: {skipped}", file=sys.stderr)
    if args.primitives:
        store_primitives(args.report, args.primitives)
    runs = load_runs(args.report)
    print(render(rows(runs, calibrate.load(args.report)), args.style), end="")
    if args.plots:
        for path in plot(runs, args.plots):
            print(path)
    return 0
