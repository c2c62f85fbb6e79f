"""The roofline plot: every verified run with roofline_flops / roofline_bytes placed by its
arithmetic intensity (flop/byte) and GFLOP/s under the report's measured roofs
(/environment/ceilings: FP64 peak, and one slanted roof per memory level's bandwidth);
dashed, the one-thread roofs when the report has them. One model, one colour."""
import math

from .palette import model_colour
from .roofline import points


def _roofs(ceilings, report, scope):
    rows = ceilings[(ceilings.report == report) & (ceilings.scope == scope)]
    compute = {r.name: r.value for r in rows[rows.family == "compute"].itertuples()}
    bandwidth = [(r.name, r.value) for r in rows[rows.family == "bandwidth"].itertuples()]
    peak = compute.get("FP64_peak", max(compute.values(), default=math.nan))
    return peak, bandwidth


def _draw_roofs(ax, peak, bandwidth, span, style, label_suffix):
    low, high = span
    xs = [low * (high / low) ** (i / 200) for i in range(201)]
    for level, gbs in bandwidth:
        ax.plot(xs, [min(peak, x * gbs) for x in xs], linestyle=style, linewidth=1, color="#444444")
        knee = peak / gbs
        if low < knee < high and style == "-":
            ax.annotate(f"{level} {gbs:.3g} GB/s", (low * 1.3, low * 1.3 * gbs), fontsize=7,
                        rotation=0, va="bottom")
    ax.axhline(peak, linestyle=style, linewidth=1, color="#444444")
    ax.annotate(f"FP64 peak {peak:.3g} GFLOP/s{label_suffix}", (high / 1.3, peak), fontsize=7,
                ha="right", va="bottom")


def draw(reports, path):
    """The plot of the first report's ceilings with every report's runs (export roofline
    refuses reports of different machines; a plot shows what it has). None when there are
    no roofs or no run to place."""
    from .plot import pyplot, save

    placed, _ = points(reports)
    ceilings = reports.ceilings
    if not placed or not len(ceilings) or "scope" not in ceilings.columns:
        return None
    report = placed[0]["report"]
    peak, bandwidth = _roofs(ceilings, report, "")
    if not math.isfinite(peak) or not bandwidth:
        return None
    intensities = [p["arithmetic_intensity"] for p in placed]
    span = (min(intensities + [1 / 16]) / 4, max(intensities + [64]) * 4)
    fig, ax = pyplot().subplots(figsize=(7, 4.5))
    ax.set_xscale("log")
    ax.set_yscale("log")
    _draw_roofs(ax, peak, bandwidth, span, "-", "")
    thread_peak, thread_bandwidth = _roofs(ceilings, report, "thread")
    if math.isfinite(thread_peak) and thread_bandwidth:
        _draw_roofs(ax, thread_peak, [b for b in thread_bandwidth if b[0] == "DRAM"], span, "--",
                    " (1 thread)")
    series = 0
    for model in dict.fromkeys(p["model"] for p in placed):
        mine = [p for p in placed if p["model"] == model]
        ax.scatter([p["arithmetic_intensity"] for p in mine], [p["gflops"] for p in mine],
                   color=model_colour(model), label=model, zorder=3, s=18)
        for p in mine:
            ax.annotate(f"{p['label']} {p['ranks']}x{p['threads']}",
                        (p["arithmetic_intensity"], p["gflops"]), fontsize=5,
                        xytext=(3, -6), textcoords="offset points")
        series += 1
    ax.set_xlabel("arithmetic intensity [flop/byte]")
    ax.set_ylabel("FP64 rate [GFLOP/s]")
    ax.set_title("Roofline: every run under this machine's measured ceilings", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return save(fig, path, series=series)


def plots(reports, out_dir):
    """The plot module hook (plot.PLOT_MODULES): the roofline, when the reports carry
    ceilings and runs with flops or bytes."""
    import os

    info = draw(reports, os.path.join(out_dir, "roofline.png"))
    if info is None:
        return []
    info.update(kind="roofline", group=None)
    return [info]
