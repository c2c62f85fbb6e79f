"""`compare BASE NEW`: per cell, the change in each metric with a verdict from a
Mann-Whitney U test on the raw samples; exit 1 when any cell got worse beyond tolerance."""
import math
import statistics

from .report import cell_times, load_runs

# Every compared metric and its direction.
METRICS = {"time": "lower", "rate": "higher"}
KEY = ["label", "model", "ranks", "threads"]


def judge(base, new, tolerance, alpha=0.05):
    """base/new: per-repetition cell times. Returns (time change, p-value, verdict) where
    the verdict is better / worse / same (within noise or tolerance)."""
    from scipy.stats import mannwhitneyu

    change = statistics.median(new) / statistics.median(base) - 1.0
    p = mannwhitneyu(base, new, alternative="two-sided").pvalue if len(base) > 1 and len(new) > 1 \
        else math.nan
    significant = p < alpha
    if change > tolerance and significant:
        return change, p, "worse"
    if change < -tolerance and significant:
        return change, p, "better"
    return change, p, "same"


def compare(base_path, new_path, tolerance):
    base = load_runs(base_path).set_index(KEY)
    new = load_runs(new_path).set_index(KEY)
    rows = []
    for key in base.index.intersection(new.index):
        b, n = base.loc[key], new.loc[key]
        change, p, verdict = judge(list(cell_times(b.samples)), list(cell_times(n.samples)),
                                   tolerance)
        rate_change = b.median_s / n.median_s - 1.0  # rate = work / time
        rows.append((*key, b.median_s, n.median_s, change, rate_change, p, verdict))
    only = [("only in base", k) for k in base.index.difference(new.index)] + \
           [("only in new", k) for k in new.index.difference(base.index)]
    return rows, only


def render(rows, only):
    header = ["label", "model", "shape", "base median", "new median", "time (lower better)",
              "rate (higher better)", "p (Mann-Whitney U)", "verdict"]
    table = [[label, model, f"{r}x{t}", f"{b * 1e3:.3f} ms", f"{n * 1e3:.3f} ms",
              f"{c:+.1%}", f"{rc:+.1%}", "-" if math.isnan(p) else f"{p:.3g}", v]
             for label, model, r, t, b, n, c, rc, p, v in rows]
    widths = [max(len(str(x[i])) for x in [header] + table) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("-" * len(lines[0]))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines += [f"{where}: {' '.join(str(k) for k in key)}" for where, key in only]
    return "\n".join(lines) + "\n"


def parse_tolerance(text):
    value = float(text.rstrip("%"))
    return value / 100 if text.endswith("%") else value


def add_parser(subparsers):
    parser = subparsers.add_parser("compare", help="regression gate: NEW vs BASE, per cell")
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--tolerance", default="5%", type=parse_tolerance,
                        help="relative change ignored even when significant (default 5%%)")
    parser.set_defaults(run=run)


def run(args):
    rows, only = compare(args.base, args.new, args.tolerance)
    print(render(rows, only), end="")
    worse = [r for r in rows if r[-1] == "worse"]
    if worse:
        print(f"{len(worse)} cell(s) slower beyond {args.tolerance:.0%}")
        return 1
    return 0
