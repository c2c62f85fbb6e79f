"""The answer of an experiment, computed from the raw samples: per kernel group (same
kernel, parameters and size) the best shape of each model, its speedup over serial with
an interval, the winner, where the time went, a one-line explanation, and the warnings a
reader must see first. Pure data: the summary, the plots and the page render it."""
import dataclasses
import math
import os

import numpy as np

from . import interval
from .units import seconds_text
from .palette import MODEL_COLOURS, PHASES
from .report import median_repetition

# The segments of a "why" bar: the phases, with compute less the lock wait measured inside
# it, and whatever the phases leave of the total (the harness, unattributed time).
OTHER = "other"
SEGMENTS = PHASES + [OTHER]
NOISY_SPREAD = 1.5  # max / min cell time over repetitions above which a run is noisy
SUPERLINEAR = 1.5   # speedup / workers above which a speedup deserves a second look


@dataclasses.dataclass
class Cell:
    """One model in one group: its best run (highest median speedup), or why none."""
    model: str
    run: object = None              # the runs row (a namedtuple), None if no usable run
    speedup: tuple = (math.nan, math.nan, math.nan)  # (low, median, high)
    shares: dict = dataclasses.field(default_factory=dict)  # segment -> share of the time
    oversubscribed: bool = False    # the best run shares cores
    any_oversubscribed: bool = False
    failed: int = 0                 # runs of this model in the group that are not ok

    @property
    def shape(self):
        return f"{self.run.ranks}x{self.run.threads}" if self.run is not None else ""

    @property
    def marks(self):
        """‡: this run is oversubscribed; (‡): another shape of the model was."""
        if self.oversubscribed:
            return " ‡"
        return " (‡)" if self.any_oversubscribed else ""

    @property
    def measured(self):
        return math.isfinite(self.speedup[1])

    def largest(self):
        """(segment, share) taking the most time; (None, nan) if unknown."""
        if not self.shares:
            return None, math.nan
        name = max(self.shares, key=self.shares.get)
        return name, self.shares[name]


@dataclasses.dataclass
class Group:
    key: tuple                      # (report, label)
    label: str
    kernel: str
    cells: dict                     # model -> Cell, in palette order
    serial: object = None           # the serial runs row
    winner: str = ""                # model with the highest median speedup ("" if none)
    fastest: str = ""               # without a serial run: the model of the fastest run
    runner_up: str = ""
    clear: bool = False             # the winner's interval is above the runner-up's
    explanation: str = ""

    @property
    def anchor(self):
        return "group-" + "".join(c if c.isalnum() else "-" for c in self.label.lower()).strip("-")


def phase_shares(reports, run):
    """Segment -> share of the run's time, from its median repetition: each phase averaged
    over the ranks, over the ranks' mean total. Compute excludes the lock wait measured
    inside it; `other` is what the phases leave unattributed."""
    samples, columns = reports.samples(run), reports.columns(run)
    if not len(samples):
        return {}
    mean = samples[median_repetition(samples)].mean(axis=0)
    total = float(mean[0])
    if total <= 0:
        return {}
    values = {p: float(mean[columns.index(p)]) if p in columns else 0.0 for p in PHASES}
    values["compute"] = max(0.0, values["compute"] - values["lock_wait"])
    values[OTHER] = max(0.0, total - sum(values.values()))
    return {name: value / total for name, value in values.items()}


def model_order(models):
    known = [m for m in MODEL_COLOURS if m in models]
    return known + [m for m in dict.fromkeys(models) if m not in known]


def _cell(reports, model, runs, serial):
    cell = Cell(model, failed=int((runs.status != "ok").sum()),
                any_oversubscribed=bool((runs.oversubscribed > 0).any()))
    usable = runs[(runs.status == "ok") & runs.median_s.apply(math.isfinite)]
    if not len(usable):
        return cell
    # The best shape: the fastest (with a serial run, the highest speedup: the same run).
    best = next(usable.loc[[usable.median_s.idxmin()]].itertuples())
    cell.run = best
    cell.shares = phase_shares(reports, best)
    cell.oversubscribed = bool(best.oversubscribed)
    if serial is not None:
        cell.speedup = interval.speedup(reports.cell_times(serial), reports.cell_times(best),
                                        reports.rounds(serial), reports.rounds(best))
    return cell


def groups(reports):
    """[Group] in experiment order (runs with the same label in the same report)."""
    runs = reports.runs
    out = []
    for (report, label), group_runs in runs.groupby(["report", "label"], sort=False):
        serials = group_runs[(group_runs.model == "serial") & (group_runs.status == "ok")]
        serial = next(serials.itertuples()) if len(serials) else None
        cells = {m: _cell(reports, m, group_runs[group_runs.model == m], serial)
                 for m in model_order(list(group_runs.model))}
        many = runs.report.nunique() > 1
        group = Group((report, label), f"{label} ({os.path.basename(report)})" if many else label,
                      group_runs.kernel.iloc[0], cells, serial)
        _judge(group)
        out.append(group)
    return out


def _judge(group):
    ranked = sorted((c for c in group.cells.values() if c.measured),
                    key=lambda c: c.speedup[1], reverse=True)
    if ranked:
        group.winner = ranked[0].model
    timed = [c for c in group.cells.values() if c.run is not None]
    if not ranked and timed:
        group.fastest = min(timed, key=lambda c: c.run.median_s).model
    if len(ranked) > 1:
        group.runner_up = ranked[1].model
        group.clear = not interval.overlap(ranked[0].speedup, ranked[1].speedup)
    group.explanation = explain(group)


def speedup_text(spread):
    low, median, high = spread
    if not math.isfinite(median):
        return "-"
    return f"{median:.2f}x [{low:.2f}-{high:.2f}]"


def _phase_text(cell):
    name, share = cell.largest()
    if name is None:
        return ""
    return f"{share:.0%} of its time {name}"


def _karp_flatt_text(run):
    value = run.karp_flatt
    if not math.isfinite(value):
        return ""
    if value > 1:
        return f"Karp-Flatt {value:.2f} (> 1: overhead outweighs the gain)"
    if value < 0:
        return f"Karp-Flatt {value:.2f} (< 0: superlinear, e.g. more cache per worker)"
    return f"Karp-Flatt {value:.2f} (serial fraction)"


def _describe(cell, verb):
    run = cell.run
    parts = [f"{cell.model} {verb} at {speedup_text(cell.speedup)} on {cell.shape}"
             + (" (oversubscribed)" if cell.oversubscribed else "")]
    details = []
    if run.workers > 1:
        details.append(f"efficiency {run.efficiency:.0%}")
    for text in (_phase_text(cell), _karp_flatt_text(run) if run.workers > 1 else ""):
        if text:
            details.append(text)
    return parts[0] + (": " + ", ".join(details) if details else "")


def explain(group):
    """One line from the numbers: the winner and why (its efficiency, largest phase,
    Karp-Flatt), and the slowest parallel model and why."""
    if group.serial is None:
        return no_winner_text(group)
    measured = [c for c in group.cells.values() if c.measured]
    if not group.winner:
        return no_winner_text(group)
    winner = group.cells[group.winner]
    if group.winner == "serial":
        others = [c for c in measured if c.model != "serial"]
        if not others:
            return "only the serial run was measured"
        best = max(others, key=lambda c: c.speedup[1])
        line = "nothing beats serial; the best parallel model, " + _describe(best, "runs")
    else:
        line = _describe(winner, "wins")
        if group.runner_up:
            line += ("; clearly ahead of " if group.clear else "; within the spread of ") + \
                group.runner_up
    parallel = [c for c in measured if c.model not in ("serial", group.winner)]
    if parallel:
        worst = min(parallel, key=lambda c: c.speedup[1])
        if worst.speedup[1] < 1 and (group.winner != "serial" or worst is not best):
            line += "; slowest: " + _describe(worst, "runs")
    return line


@dataclasses.dataclass
class Warning:
    kind: str   # partial, failed, oversubscribed, noise, baseline
    text: str


def warnings(reports, group_list=None):
    """What a reader must know before trusting the answer, most serious first."""
    out = []
    for row in reports.status.itertuples():
        planned = _planned(row.runs_planned)
        if not str(row.status).startswith(("complete", "merged")) or (
                planned and row.runs < planned):
            missing = f"; {planned - row.runs} of {planned} planned runs are missing" \
                if planned and row.runs < planned else ""
            out.append(Warning("partial", f"{os.path.basename(row.report)}: report status "
                                          f"'{row.status}'{missing}: the answer covers only "
                                          "the runs it holds"))
    runs = reports.runs
    for run in runs[runs.status != "ok"].itertuples():
        out.append(Warning("failed", f"{run.run} {run.label} {run.model} {run.ranks}x"
                                     f"{run.threads}: {run.status}"
                                     + (f" ({run.message})" if run.message else "")))
    over = runs[runs.oversubscribed > 0]
    if len(over):
        shapes = ", ".join(sorted({f"{r.ranks}x{r.threads}" for r in over.itertuples()}))
        out.append(Warning("oversubscribed", f"{_runs(len(over))} oversubscribed (shapes "
                                             f"{shapes}: more workers than cores): they "
                                             "measure sharing cores, not scaling; marked "
                                             "hollow in the plots and ‡ in the matrix"))
    fast = runs[runs.speedup > SUPERLINEAR * runs.workers]
    if len(fast):
        shown = ", ".join(f"{r.label} {r.model} {r.ranks}x{r.threads} {r.speedup:.1f}x"
                          for r in fast.head(3).itertuples())
        out.append(Warning("superlinear", f"{_runs(len(fast))} faster than "
                                          f"{SUPERLINEAR}x the worker count ({shown}"
                                          f"{', ...' if len(fast) > 3 else ''}): overlapped "
                                          "waits or more cache per worker can do that, and "
                                          "so can a disturbed serial run"))
    spread = runs.max_s / runs.min_s
    noisy = runs[spread > NOISY_SPREAD]
    if len(noisy):
        worst = noisy.assign(spread=spread[noisy.index]).sort_values("spread").iloc[-1]
        out.append(Warning("noise", f"{len(noisy)} of {len(runs)} runs vary by more than "
                                    f"{NOISY_SPREAD}x between repetitions (worst "
                                    f"{worst.spread:.1f}x: {worst.label} {worst.model} "
                                    f"{worst.ranks}x{worst.threads}); their intervals are wide "
                                    "(a busy machine or a very short run)"))
    lacking = [g.label for g in (group_list if group_list is not None else groups(reports))
               if g.serial is None]
    if lacking:
        shown = "; ".join(lacking[:3]) + (f"; and {len(lacking) - 3} more" if len(lacking) > 3
                                          else "")
        out.append(Warning("baseline", f"{len(lacking)} kernel group(s) have no successful "
                                       f"serial run, so no speedup: {shown}"))
    return out


def no_winner_text(group):
    """What a group without a speedup can still say."""
    if group.fastest:
        cell = group.cells[group.fastest]
        return (f"no serial run to compare with; fastest: {cell.model} {cell.shape} at "
                f"{seconds_text(cell.run.median_s)}")
    return "no successful run"


def _runs(count):
    return f"{count} run is" if count == 1 else f"{count} runs are"


def _planned(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return int(number) if math.isfinite(number) else 0


def lesson_rows(reports):
    """The lesson's verdict rows when an input is a lesson experiment (its name starts
    with "lesson", as config/lesson.toml's does), else []."""
    lessons = reports.status[reports.status.experiment.astype(str).str.startswith("lesson")]
    if not len(lessons):
        return []
    from . import lesson

    report = lessons.report.iloc[0]  # the first lesson report given, on its own runs
    return lesson.rows(reports.select(reports.runs.report == report))


def winner_lines(group_list):
    """One line per group: the winner, its speedup and interval, its shape."""
    lines = []
    for group in group_list:
        if not group.winner:
            lines.append(f"{group.label}: {no_winner_text(group)}")
            continue
        cell = group.cells[group.winner]
        mark = " ‡ oversubscribed" if cell.oversubscribed else ""
        margin = "" if not group.runner_up else (
            f", clearly ahead of {group.runner_up}" if group.clear
            else f", within the spread of {group.runner_up}")
        lines.append(f"{group.label}: {group.winner} {speedup_text(cell.speedup)} on "
                     f"{cell.shape}{mark}{margin}")
    return lines


def tally(group_list):
    """e.g. "processes wins 4 of 9 groups, gil 3 (3 oversubscribed), threads 1"."""
    counts = {}
    for group in group_list:
        if group.winner:
            won, over = counts.get(group.winner, (0, 0))
            counts[group.winner] = (won + 1, over + group.cells[group.winner].oversubscribed)
    if not counts:
        return "no group has a winner (no serial run to compare with)"
    ranked = sorted(counts.items(), key=lambda item: -item[1][0])
    parts = [f"{model} {won}" + (f" ({over} oversubscribed)" if over else "")
             for model, (won, over) in ranked]
    (model, (won, over)), rest = ranked[0], parts[1:]
    first = f"{model} wins {won} of {len(group_list)} groups" + \
        (f" ({over} oversubscribed)" if over else "")
    return first + ("" if not rest else ", " + ", ".join(rest))


def render_terminal(reports):
    """The answer in a few lines, for the end of `summary`."""
    group_list = groups(reports)
    text = [f"The answer: fastest model per kernel group, speedup over serial "
            f"[{interval.METHOD}]"]
    text += ["  " + line for line in winner_lines(group_list)]
    text.append(f"  In all: {tally(group_list)}.")
    verdicts = lesson_rows(reports)
    if verdicts:
        held = sum(row[-1] == "holds" for row in verdicts)  # the verdict is last
        text.append(f"Lesson: {held} of {len(verdicts)} claims hold "
                    "(parlab-analyze lesson shows each)")
    found = warnings(reports, group_list)
    if found:
        text.append("Warnings:")
        text += [f"  - {w.text}" for w in found]
    return "\n".join(text) + "\n"


def shares_matrix(cells):
    """[segment][cell] shares as an array, for stacked bars."""
    return np.array([[c.shares.get(s, 0.0) for c in cells] for s in SEGMENTS])
