"""`summary`: the per-kernel table, recomputed from raw samples."""
import math

COLUMNS = ["kernel", "model", "nodes x ranks/node x threads", "median (min-max)", "rate", "speedup",
           "efficiency", "karp-flatt", "% of peak", "% of memory bw", "verified"]


def _seconds(value):
    if not math.isfinite(value):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def _number(value, digits=2):
    return f"{value:.{digits}f}" if math.isfinite(value) else "-"


def _percent(value):
    return f"{value:.1f} %" if math.isfinite(value) else "-"


def _memory_percent(roof):
    """% of the bandwidth of the memory level the run's working set fits in: "61.2 % L2"."""
    value = roof.get("pct_mem", math.nan)
    return f"{_percent(value)} {roof['mem_level']}" if math.isfinite(value) else "-"


IO_COLUMN = "overlap / ceiling"


def _io_figures(results):
    """{(report, run): (overlap_vs_smaller, overlap_ceiling)} of nonblocking io runs."""
    if results is None or not len(results):
        return {}
    wanted = results[results.name.isin(["overlap_vs_smaller", "overlap_ceiling"])]
    figures = {}
    for (report, run), group in wanted.groupby(["report", "run"]):
        values = dict(zip(group.name, group.value))
        figures[(report, run)] = (values.get("overlap_vs_smaller", math.nan),
                                  values.get("overlap_ceiling", math.nan))
    return figures


def _io_cell(figures, run):
    """The share of the shorter of compute and I/O a nonblocking run hid, beside the most
    the core budget allows (a negative overlap is shown as measured, flagged)."""
    overlap, ceiling = figures.get((run.report, run.run), (math.nan, math.nan))
    if not math.isfinite(overlap):
        return "-"
    flag = " slower than blocking" if overlap < 0 else ""
    return f"{overlap:.2f} / {ceiling:.2f}{flag}"


def columns(results=None):
    return COLUMNS + ([IO_COLUMN] if _io_figures(results) else [])


def rows(runs, ceilings=None, results=None):
    """Grouped by node count (stable: experiment order within a node count). With the
    reports' ceilings, each run's % of the FP64 peak and of the bandwidth of the memory
    level its working set fits in (DRAM when the kernel does not say), of its scope
    (parlab_analysis.ceilings); "-" where the kernel counts no flops or bytes. With the
    results table, nonblocking io runs get their overlap next to its ceiling."""
    from . import ceilings as against

    figures = _io_figures(results)
    out = []
    for run in runs.sort_values("nodes", kind="stable").itertuples():
        roof = against.of_run(run, ceilings) if ceilings is not None else {}
        spread = f"{_seconds(run.median_s)} ({_seconds(run.min_s)}-{_seconds(run.max_s)})"
        rate = f"{run.rate:.4g} {run.rate_unit}" if math.isfinite(run.rate) else "-"
        per_node = -(-run.ranks // run.nodes)
        where = "" if run.shape_placement == "none" else " " + run.shape_placement
        shape = f"{run.nodes}x{per_node}x{run.threads}{where}"
        out.append([run.label, run.model, shape, spread, rate,
                    _number(run.speedup), _number(run.efficiency), _number(run.karp_flatt, 3),
                    _percent(roof.get("pct_peak", math.nan)),
                    _memory_percent(roof),
                    "yes" if run.status == "ok" else run.status]
                   + ([_io_cell(figures, run)] if figures else []))
    return out


def best_placements(runs):
    """Per kernel group (label) measured under several placements: each placement's
    fastest verified run, best first, as one line."""
    lines = []
    ok = runs[runs.status == "ok"]
    for label, group in ok.groupby("label", sort=False):
        if group.shape_placement.nunique() < 2:
            continue
        best = [g.loc[g.median_s.idxmin()] for _, g in group.groupby("shape_placement")]
        best.sort(key=lambda run: run.median_s)
        parts = [f"{run.shape_placement} {_seconds(run.median_s)} ({run.model} "
                 f"{run.ranks}x{run.threads})" for run in best]
        lines.append(f"best placement for {label}: {best[0].shape_placement}; "
                     + ", ".join(parts))
    return lines


def render(runs, style="terminal", ceilings=None, results=None):
    table = rows(runs, ceilings, results)
    header = columns(results)  # the io column only when there are io figures
    notes = best_placements(runs)
    if style == "csv":
        import csv
        import io
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(table)
        return buffer.getvalue()
    if style == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in table]
        lines += [""] + notes if notes else []
        return "\n".join(lines) + "\n"
    widths = [max(len(str(r[i])) for r in [header] + table) for i in range(len(header))]
    left = {0, 1, len(COLUMNS) - 1}

    def line(cells):
        return "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    text = [line(header), "-" * len(line(header))]
    text += [line(row) for row in table]
    text += [""] + notes if notes else []
    return "\n".join(text) + "\n"


def add_parser(subparsers):
    parser = subparsers.add_parser("summary", help="table per kernel, recomputed from raw samples")
    parser.add_argument("reports", nargs="+")
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--markdown", action="store_const", dest="style", const="markdown")
    style.add_argument("--csv", action="store_const", dest="style", const="csv")
    parser.set_defaults(style="terminal", run=run)


def run(args):
    from .report import load
    reports = load(args.reports)
    print(render(reports.runs, args.style, reports.ceilings, reports.results), end="")
    if args.style == "terminal":  # the same answer as the page's, after the table
        from . import answer
        print("\n" + answer.render_terminal(reports), end="")
    return 0
