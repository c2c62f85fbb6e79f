"""`plot`: PNG figures from reports: time per model and speedup per kernel."""
import math
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODEL_COLOURS = {"serial": "#555555", "threads": "#1f77b4", "processes": "#2ca02c",
                 "hybrid": "#9467bd", "gil": "#d62728"}


def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def time_per_model(group, label, path):
    """Bars of median time per model and shape, whiskers from min to max."""
    fig, ax = plt.subplots(figsize=(7, 4))
    names = [f"{m}\n{r}x{t}" for m, r, t in zip(group["model"], group["ranks"], group["threads"])]
    medians = group["median_s"].to_numpy()
    below = medians - group["min_s"].to_numpy()
    above = group["max_s"].to_numpy() - medians
    colours = [MODEL_COLOURS.get(m, "#999999") for m in group["model"]]
    ax.bar(range(len(names)), medians, yerr=[below, above], capsize=4, color=colours)
    for index, flagged in enumerate(group["oversubscribed"]):
        if flagged:
            ax.annotate("oversubscribed", (index, medians[index]), ha="center", va="bottom",
                        fontsize=7, rotation=90, xytext=(0, 4), textcoords="offset points")
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylabel("median wall time per repetition [s]")
    ax.set_xlabel("execution model, ranks x threads")
    ax.set_title(f"{label}: time per model (whiskers: min-max)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def speedup_overview(runs, path):
    """Speedup vs workers for every kernel group and model, with the ideal line."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    finite = runs[runs["speedup"].apply(lambda v: math.isfinite(v))]
    for (label, model), group in finite.groupby(["label", "model"], sort=False):
        group = group.sort_values("workers")
        ax.plot(group["workers"], group["speedup"], marker="o", linewidth=1,
                color=MODEL_COLOURS.get(model), alpha=0.7, label=f"{model}: {label}")
    if len(finite):
        most = int(finite["workers"].max())
        ax.plot([1, most], [1, most], "k--", linewidth=1, label="ideal")
    ax.set_xlabel("workers (ranks x threads)")
    ax.set_ylabel("speedup vs serial [1]")
    ax.set_title("Speedup of every run vs its serial baseline", fontsize=10)
    ax.legend(fontsize=5, ncol=2, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def make_plots(runs, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for label, group in runs.groupby("label", sort=False):
        path = os.path.join(out_dir, f"time-{_slug(label)}.png")
        time_per_model(group, label, path)
        written.append(path)
    path = os.path.join(out_dir, "speedup.png")
    speedup_overview(runs, path)
    written.append(path)
    return written


def add_parser(subparsers):
    parser = subparsers.add_parser("plot", help="PNG plots: time per model, speedup")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("--out", required=True, help="directory for the PNG files")
    parser.set_defaults(run=run)


def run(args):
    from .report import load_many
    for path in make_plots(load_many(args.reports), args.out):
        print(path)
    return 0
