"""`compare BASE NEW`: per cell, the change in each metric with a verdict from a
Mann-Whitney U test on the raw samples; exit 1 when any cell got worse beyond tolerance."""
import math
import statistics

from .errors import AnalysisError

# Every compared metric and its direction.
METRICS = {"time": "lower", "rate": "higher"}
KEY = ["label", "model", "ranks", "threads"]


def judge(base, new, tolerance, alpha=0.05):
    """base/new: per-repetition cell times. Returns (time change, p-value, verdict) where
    the verdict is better / worse / same (within noise or tolerance)."""
    from scipy.stats import mannwhitneyu

    if len(base) == 0 or len(new) == 0:
        return math.nan, math.nan, "no data"
    change = statistics.median(new) / statistics.median(base) - 1.0
    p = mannwhitneyu(base, new, alternative="two-sided").pvalue if len(base) > 1 and len(new) > 1 \
        else math.nan
    significant = p < alpha
    if change > tolerance and significant:
        return change, p, "worse"
    if change < -tolerance and significant:
        return change, p, "better"
    return change, p, "same"


def cells(reports, side):
    """{cell key: runs row}; a cell measured twice cannot be compared (which one?)."""
    out = {}
    for run in reports.runs.itertuples():
        key = tuple(getattr(run, k) for k in KEY)
        if key in out:
            first = out[key]
            raise AnalysisError(
                f"{side}: the cell {' '.join(str(k) for k in key)} is measured twice "
                f"({first.report}:{first.run} and {run.report}:{run.run}): compare needs one "
                "run per cell")
        out[key] = run
    return out


def compare(base, new, tolerance):
    """base, new: parlab_analysis.Reports (from reports or from the results database).
    Rows per cell in both, and the cells only one of them has."""
    base_cells, new_cells = cells(base, "base"), cells(new, "new")
    rows = []
    for key, b in base_cells.items():
        if key not in new_cells:
            continue
        n = new_cells[key]
        change, p, verdict = judge(list(base.cell_times(b)), list(new.cell_times(n)), tolerance)
        rate_change = b.median_s / n.median_s - 1.0  # rate = work / time
        rows.append((*key, b.median_s, n.median_s, change, rate_change, p, verdict))
    only = [("only in base", k) for k in base_cells if k not in new_cells] + \
           [("only in new", k) for k in new_cells if k not in base_cells]
    return rows, only


def render(rows, only):
    header = ["label", "model", "shape", "base median", "new median", "time (lower better)",
              "rate (higher better)", "p (Mann-Whitney U)", "verdict"]
    def ms(value):
        return "-" if math.isnan(value) else f"{value * 1e3:.3f} ms"

    def pct(value):
        return "-" if math.isnan(value) else f"{value:+.1%}"

    table = [[label, model, f"{r}x{t}", ms(b), ms(n), pct(c), pct(rc),
              "-" if math.isnan(p) else f"{p:.3g}", v]
             for label, model, r, t, b, n, c, rc, p, v in rows]
    widths = [max(len(str(x[i])) for x in [header] + table) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("-" * len(lines[0]))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines += [f"{where}: {' '.join(str(k) for k in key)}" for where, key in only]
    return "\n".join(lines) + "\n"


def parse_tolerance(text):
    """"5%" or 0.05; from 0 to 10 (1000 %)."""
    import argparse

    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"tolerance must be a number or a percentage, "
                                         f"got {text!r}") from None
    value = value / 100 if text.endswith("%") else value
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"tolerance must be between 0 and 1000%, got {text!r}")
    return value


def gate(base, new, tolerance):
    """Prints the comparison; 1 when a cell got slower beyond tolerance, else 0."""
    rows, only = compare(base, new, tolerance)
    print(render(rows, only), end="")
    worse = [r for r in rows if r[-1] == "worse"]
    if worse:
        print(f"{len(worse)} cell(s) slower beyond {tolerance:.0%}")
        return 1
    return 0


def add_parser(subparsers):
    parser = subparsers.add_parser("compare", help="regression gate: NEW vs BASE, per cell")
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--tolerance", default="5%", type=parse_tolerance,
                        help="relative change ignored even when significant (default 5%%)")
    parser.set_defaults(run=run)


def run(args):
    from .report import load
    return gate(load(args.base), load(args.new), args.tolerance)
