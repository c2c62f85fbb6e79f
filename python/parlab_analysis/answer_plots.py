"""The answer as figures: the winner matrix (kernel groups x models, the best shape's
speedup over serial with its interval) and, per group, the "why" chart (where each model's
time went, normalised to the serial time). Text is 9 pt or larger at 100 % (dpi 100)."""
import math
import os

import numpy as np

from . import answer, interval
from .palette import phase_colour
from .units import seconds_text

FONT = 9
OTHER_COLOUR = "#d9d9d9"
OVERSUBSCRIBED = "‡"


def _pyplot():
    from .plot import pyplot
    return pyplot()


def _save(fig, path, series, laid_out=False):
    from .plot import save
    return save(fig, path, series, laid_out)


def _cell_lines(cell, winner):
    if not cell.measured:
        lines = [seconds_text(cell.run.median_s), "no serial", cell.shape] \
            if cell.run is not None else []
        return lines + ([f"{cell.failed} failed"] if cell.failed else []) or ["-"]
    low, median, high = cell.speedup
    shape = cell.shape + cell.marks
    if cell.failed:
        shape += f", {cell.failed} failed"
    return [f"{median:.2f}x" + (" best" if winner else ""), f"[{low:.2f}-{high:.2f}]", shape]


def colour_reach(group_list):
    """The matrix's colour scale, log 2 of the speedup from -reach to +reach: the largest
    factor measured either way, at least 2x, saturating at 16x (so that 1.5x and 2x stay
    distinguishable). The page's HTML matrix uses the same scale."""
    logs = [abs(math.log2(c.speedup[1])) for g in group_list for c in g.cells.values()
            if c.measured and c.speedup[1] > 0]
    return min(4.0, max([1.0] + logs))


def speedup_colour(speedup, reach):
    """(hex colour, dark) of a speedup on the matrix's scale; dark: use white text."""
    import matplotlib

    value = max(-reach, min(reach, math.log2(speedup))) / reach
    rgba = matplotlib.colormaps["RdBu"]((value + 1) / 2)
    return matplotlib.colors.to_hex(rgba), abs(value) > 0.6


def winner_matrix(group_list, path):
    """Rows: kernel groups; columns: models; colour: log2 speedup, centred (white) at 1."""
    plt = _pyplot()
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    models = answer.model_order([m for g in group_list for m in g.cells])
    values = np.full((len(group_list), len(models)), np.nan)
    for i, group in enumerate(group_list):
        for j, model in enumerate(models):
            cell = group.cells.get(model)
            if cell is not None and cell.measured and cell.speedup[1] > 0:
                values[i, j] = math.log2(cell.speedup[1])
    reach = colour_reach(group_list)
    norm = Normalize(-reach, reach)
    width = 3.2 + 1.15 * len(models) + 1.2
    height = 1.5 + 0.62 * len(group_list)
    fig, ax = plt.subplots(figsize=(width, height))
    cmap = plt.get_cmap("RdBu").copy()
    cmap.set_bad("#eeeeee")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    for i, group in enumerate(group_list):
        for j, model in enumerate(models):
            cell = group.cells.get(model)
            if cell is None:
                continue
            winner = model == group.winner
            strong = np.isfinite(values[i, j]) and abs(values[i, j]) > 0.6 * reach
            ax.text(j, i, "\n".join(_cell_lines(cell, winner)), ha="center", va="center",
                    fontsize=FONT, color="white" if strong else "black",
                    fontweight="bold" if winner else "normal", linespacing=1.1)
            if winner:
                ax.add_patch(Rectangle((j - 0.47, i - 0.45), 0.94, 0.9, fill=False,
                                       edgecolor="black", linewidth=2.5))
    ax.set_xticks(range(len(models)), models, fontsize=FONT + 1)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(group_list)), [g.label for g in group_list], fontsize=FONT + 1)
    ax.tick_params(length=0)
    for edge in ax.spines.values():
        edge.set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
    ticks = list(range(-int(reach), int(reach) + 1))
    bar.set_ticks(ticks, labels=[f"{2 ** t}x" if t >= 0 else f"1/{2 ** -t}x" for t in ticks],
                  fontsize=FONT)
    bar.set_label("speedup over serial (log scale)", fontsize=FONT)
    fig.suptitle("Winner per kernel group: best shape of each model, speedup over serial",
                 fontsize=FONT + 2)
    fig.text(0.01, 0.01, f"boxed: the row's winner   {OVERSUBSCRIBED}: that run is "
                         f"oversubscribed, ({OVERSUBSCRIBED}): another shape was   interval: "
                         f"{interval.METHOD}   grey: not measured",
             fontsize=FONT, ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.4 / height, 1, 1))
    return _save(fig, path, series=int(np.isfinite(values).sum()), laid_out=True)


def why_chart(group, path):
    """Stacked bars, one per model (its best shape): time relative to the serial run,
    split into the phases. Bars taller than the axis are cut and labelled."""
    cells = [c for c in group.cells.values() if c.measured and c.shares]
    if len(cells) < 2:
        return None
    plt = _pyplot()
    heights = np.array([1.0 / c.speedup[1] for c in cells])
    top = max(1.25, min(float(heights.max()), 4.0)) * 1.15  # the axis; taller bars are cut
    shares = answer.shares_matrix(cells)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 + 0.9 * len(cells)), 4.2))
    bottom = np.zeros(len(cells))
    series = 0
    for segment, row in zip(answer.SEGMENTS, shares):
        if not row.any():
            continue
        colour = OTHER_COLOUR if segment == answer.OTHER else phase_colour(segment)
        ax.bar(range(len(cells)), row * heights, bottom=bottom, color=colour, label=segment,
               width=0.7)
        bottom += row * heights
        series += 1
    for index, (cell, height) in enumerate(zip(cells, heights)):
        low, _, high = cell.speedup
        if height <= top:
            ax.errorbar(index, height, yerr=[[height - 1 / high], [1 / low - height]],
                        color="black", capsize=3, linewidth=1)
        if height > top:  # cut at the top: say by how much, inside the bar
            ax.text(index, top * 0.98, f"cut:\n{height:.0f}x\nthe time",
                    ha="center", va="top", fontsize=FONT, color="white", fontweight="bold")
    ax.axhline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_ylim(0, top)
    ax.set_xticks(range(len(cells)), [f"{c.model} {c.shape}" + (f" {OVERSUBSCRIBED}"
                                                                 if c.oversubscribed else "")
                                      + f"\n{c.speedup[1]:.2f}x" for c in cells],
                  fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT)
    ax.set_ylabel("time / serial time (dashed: serial)", fontsize=FONT)
    ax.set_title(f"{group.label}: where the time went (below: speedup)", fontsize=FONT + 1)
    ax.legend(fontsize=FONT, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _save(fig, path, series=series)


def plots(reports, out_dir):
    """The matrix, then one why chart per group; each info names its group's label."""
    from .plot import slug

    group_list = answer.groups(reports)
    out = []
    if group_list:
        info = winner_matrix(group_list, os.path.join(out_dir, "winner-matrix.png"))
        out.append(dict(info, kind="matrix", group=None))
    for group in group_list:
        info = why_chart(group, os.path.join(out_dir, f"why-{slug(group.label)}.png"))
        if info is not None:
            out.append(dict(info, kind="why", group=group.key))
    return out
