"""The lesson's CPython column: every claim the lesson makes about Python judged twice, with
the same verdict rules, on parlab's models (C++ kernels, the `gil` emulation) and on the
`python` kernel (real CPython embedded in parlab, one interpreter per rank); and the
fidelity of the `gil` emulation against CPython's threads, task by task."""
import math

from . import intervals
from . import lesson
from . import verdict as v
from .report import params_of

PYTHON = "python"


def _ok(runs):
    return runs[runs.status == "ok"] if "status" in runs else runs


def find_python(runs, task, model, shape=None, **params):
    """The first ok python-kernel run of `task` under `model` (and shape), whose parameters
    include `params` (compared as the report writes them)."""
    want = dict(task=task, **{k: str(value).lower() if isinstance(value, bool) else str(value)
                              for k, value in params.items()})
    match = _ok(runs[(runs.kernel == PYTHON) & (runs.model == model)])
    if shape is not None:
        match = match[(match.ranks == shape[0]) & (match.threads == shape[1])]
    for row in match.itertuples():
        have = params_of(row.params)
        if all(have.get(k) == value for k, value in want.items()):
            return match.loc[row.Index]
    return None


def python_serial(runs, run):
    """The serial run with `run`'s label: its baseline."""
    match = _ok(runs[(runs.label == run.label) & (runs.model == "serial")])
    return match.iloc[0] if len(match) else None


def time_ratio_spread(reports, serial, run):
    """(low, median, high) of run / serial time: the inverse of the speedup spread."""
    low, median, high = v.speedup_spread(reports.cell_times(serial), reports.cell_times(run),
                                         reports.rounds(serial), reports.rounds(run))
    return tuple(1 / x if x > 0 else math.nan for x in (high, median, low))


def fmt_speedup(spread):
    low, median, high = spread
    if math.isnan(median):
        return "not measured"
    return f"{median:.2f}x [{low:.2f}-{high:.2f}]"


def within(spread, tolerance):
    """A ratio of ratios within 1 +- tolerance over its whole spread."""
    return v.combine([v.at_least(spread, 1 - tolerance), v.at_most(spread, 1 + tolerance)])


def ratio_of(first, second):
    """(low, median, high) of first / second, two (low, median, high) spreads: the widest."""
    if any(math.isnan(x) or x <= 0 for x in first + second):
        return (math.nan, math.nan, math.nan)
    return (first[0] / second[2], first[1] / second[1], first[2] / second[0])


def free_threaded(reports):
    """What the python kernel's probe recorded about a free-threaded CPython, or None."""
    env = reports.environment
    if not len(env):
        return None
    match = env[env.key == "python_kernel_free_threaded"]
    return str(match.value.iloc[0]) if len(match) else None


# (claim as the lesson's main table words it, expected, parlab's run: (label prefix, model,
# shape), CPython's run: (task, model, shape, parameters), judge, threshold)
SPEEDUP_CLAIMS = [
    ("Two counting workers: processes help computing", ">= 1.5x serial",
     ("counter[variant=reduction]", "processes", (2, 1)), ("count", "processes", (2, 1), {}),
     v.at_least, 1.5),
    ("Two counting workers: an interpreter lock serialises CPU work",
     "gil / CPython threads 1x2 <= 1.2x serial",
     ("counter[variant=reduction]", "gil", (1, 2)), ("count", "threads", (1, 2), {}),
     v.at_most, 1.2),
    ("Some libraries bypass the lock: C code that releases it speeds up with threads",
     "gil / CPython threads 1x2 >= 1.5x serial",
     ("counter[variant=reduction,without_lock=true]", "gil", (1, 2)),
     ("native", "threads", (1, 2), {}), v.at_least, 1.5),
]

WAIT_CLAIMS = [
    ("Threads help waiting even under a gil (it is released while waiting)", "gil", "threads"),
    ("One thread with all waits pending (async) serves waits like threads", "async", "async"),
]


def _cpp_speedup(reports, prefix, model, shape, judge, threshold):
    runs = reports.runs
    serial, run = lesson.find(runs, prefix, "serial"), lesson.find(runs, prefix, model, shape)
    if serial is None or run is None:
        return "not measured", v.NOT_MEASURED
    spread = v.speedup_spread(reports.cell_times(serial), reports.cell_times(run),
                                         reports.rounds(serial), reports.rounds(run))
    return fmt_speedup(spread), judge(spread, threshold)


def _py_speedup(reports, task, model, shape, params, judge, threshold):
    run = find_python(reports.runs, task, model, shape, **params)
    serial = None if run is None else python_serial(reports.runs, run)
    if serial is None:
        return "not measured", v.NOT_MEASURED
    spread = v.speedup_spread(reports.cell_times(serial), reports.cell_times(run),
                                         reports.rounds(serial), reports.rounds(run))
    return fmt_speedup(spread), judge(spread, threshold)


def _wait(reports, run, serial):
    """The wait claim's rule (lesson.wait_ideal / wait_threshold) on one run."""
    if run is None or serial is None:
        return "not measured", v.NOT_MEASURED
    ideal = lesson.wait_ideal(run)
    if not ideal > 1:
        return "one worker overlaps no waits", v.INCONCLUSIVE
    spread = v.speedup_spread(reports.cell_times(serial), reports.cell_times(run),
                                         reports.rounds(serial), reports.rounds(run))
    return (f"{fmt_speedup(spread)} (ideal {ideal:g}x, {int(run['size'])} tasks, "
            f"{run.model} {run.ranks}x{run.threads})",
            v.at_least(spread, lesson.wait_threshold(ideal)))


def _widest(runs):
    return runs.sort_values("threads").iloc[-1] if len(runs) else None


def _wait_rows(reports):
    runs, out = reports.runs, []
    for claim, cpp_model, py_model in WAIT_CLAIMS:
        cpp = _widest(_ok(runs[(runs.kernel == "wait") & (runs.model == cpp_model)
                               & (runs.ranks == 1)]))
        cpp_serial = None if cpp is None else lesson.find(runs[runs.label == cpp.label], "wait",
                                                          "serial")
        py = _widest(_ok(runs[(runs.kernel == PYTHON) & (runs.model == py_model) & (runs.ranks == 1)
                              & runs.params.str.contains("task=sleep")]))
        py_serial = None if py is None else python_serial(runs, py)
        out.append((claim, ">= half the ideal gain over serial",
                    *_wait(reports, cpp, cpp_serial), *_wait(reports, py, py_serial)))
    return out


def _finals(reports, runs, name):
    return [reports.result(r, name) for r in runs.itertuples()]


def _counter_rows(reports):
    runs = _ok(reports.runs)
    cpp = lesson.selects(runs[runs.kernel == "counter"], "counter[variant=mutex]")
    py = runs[(runs.kernel == PYTHON) & runs.params.str.contains("task=locked_counter")]
    out = []
    cpp_finals, py_finals = _finals(reports, cpp, "final_value"), _finals(reports, py, "final_value")
    out.append(("A lock makes a shared counter safe: it ends at exactly 0 under every model",
                "final value 0 in every run",
                f"mutex: {sum(f == 0 for f in cpp_finals)} of {len(cpp_finals)} runs at 0",
                v.exact(cpp_finals, 0),
                f"with lock: {sum(f == 0 for f in py_finals)} of {len(py_finals)} runs at 0",
                v.exact(py_finals, 0)))
    racy = lesson.selects(runs[runs.kernel == "counter"], "counter[variant=racy]")
    unlocked = runs[(runs.kernel == PYTHON) & runs.params.str.contains("task=unlocked_counter")]
    out.append(_lost_row(reports, racy[racy.threads > 1], unlocked[unlocked.threads > 1]))
    out.append(_separate_row(reports, racy[racy.model == "processes"],
                             unlocked[unlocked.model == "processes"]))
    return out


def _lost(reports, runs, interval):
    parts = []
    for r in runs.itertuples():
        lost = int(reports.result(r, "lost_updates"))
        where = f"{r.model} {r.ranks}x{r.threads}"
        if interval:
            where += f" switch {reports.result(r, 'switch_interval') * 1e3:g} ms"
        parts.append((where, lost))
    text = "lost updates: " + (", ".join(f"{w}: {n}" for w, n in parts) or "none measured")
    counts = [n for _, n in parts]
    verdict = v.HOLDS if any(n > 0 for n in counts) else (v.FAILS if counts else v.INCONCLUSIVE)
    return text, verdict


def _lost_row(reports, racy, unlocked):
    return ("Without synchronisation, threads sharing a counter lose updates",
            "racy / x += 1 with threads: lost updates > 0",
            *_lost(reports, racy, False), *_lost(reports, unlocked, True))


def _separate_row(reports, racy, unlocked):
    cpp = [int(reports.result(r, "lost_updates")) for r in racy.itertuples()]
    py = [int(reports.result(r, "lost_updates")) for r in unlocked.itertuples()]
    return ("Processes share no memory, so their racy counters lose nothing",
            "with processes: 0 lost", f"lost: {cpp}", v.exact(cpp, 0) if cpp else v.INCONCLUSIVE,
            f"lost: {py}", v.exact(py, 0) if py else v.INCONCLUSIVE)


def cpython_rows(reports):
    """(claim, expected, parlab measured, holds?, CPython measured, holds?) for every claim
    the lesson makes about Python."""
    out = []
    for claim, expected, (prefix, model, shape), (task, py_model, py_shape, params), judge, \
            threshold in SPEEDUP_CLAIMS:
        out.append((claim, expected, *_cpp_speedup(reports, prefix, model, shape, judge, threshold),
                    *_py_speedup(reports, task, py_model, py_shape, params, judge, threshold)))
    return out + _wait_rows(reports) + _counter_rows(reports)


# (task, parlab's counterpart under gil: (label prefix, shape), CPython's: (task, shape));
# shape None: the first such run (the waiting tasks run at one wide shape)
FIDELITY = [
    ("count", ("counter[variant=reduction]", (1, 2)), ("count", (1, 2))),
    ("locked_counter", ("counter[variant=mutex]", (1, 2)), ("locked_counter", (1, 2))),
    ("unlocked_counter", ("counter[variant=racy]", (1, 2)), ("unlocked_counter", (1, 2))),
    ("sleep", ("wait", None), ("sleep", None)),
    ("native", ("counter[variant=reduction,without_lock=true]", (1, 2)), ("native", (1, 2))),
    # The emulation has no file kernel: a read from the page cache is a copy in the kernel
    # with the GIL released, what the emulation's CPU work outside its lock stands for.
    ("file_read", ("counter[variant=reduction,without_lock=true]", (1, 2)), ("file_read", (1, 2))),
]
TOLERANCE = 0.15


# "Within 15 %" is an equivalence claim: judged as two one-sided tests at 5 % each, i.e.
# the 90 % interval of the ratio inside the margin (TOST), as equivalence is usually tested.
EQUIVALENCE_LEVEL = 0.90


def _time_ratios(reports, serial, run):
    """run / serial time per round (both measured in it), or None."""
    ratios = intervals.paired_ratios(reports.cell_times(serial), reports.cell_times(run),
                                     reports.rounds(serial), reports.rounds(run))
    return None if ratios is None else [1 / r for r in ratios if r > 0]


def fidelity_spread(reports, gil_serial, gil, py_serial, py):
    """(low, median, high) of (gil / serial time) / (CPython threads / serial time): the ratio
    of the two per-round medians, with a 90 % bootstrap interval over both comparisons'
    rounds; without rounds, the widest combination of the two intervals."""
    emulated, real = _time_ratios(reports, gil_serial, gil), _time_ratios(reports, py_serial, py)
    if emulated is None or real is None:
        return ratio_of(time_ratio_spread(reports, gil_serial, gil),
                        time_ratio_spread(reports, py_serial, py))
    found = intervals.unpaired_ratio_interval(emulated, real, level=EQUIVALENCE_LEVEL)
    return (found.low, found.estimate, found.high)


def fidelity_rows(reports):
    """(task, gil/serial time, CPython threads/serial time, gil / CPython, within 15 %?)."""
    runs, out = reports.runs, []
    for task, (prefix, shape), (py_task, py_shape) in FIDELITY:
        gil, gil_serial = lesson.find(runs, prefix, "gil", shape), lesson.find(runs, prefix, "serial")
        py = find_python(runs, py_task, "threads", py_shape)
        py_serial = None if py is None else python_serial(runs, py)
        if gil is None or gil_serial is None or py is None or py_serial is None:
            out.append((task, "not measured" if gil is None or gil_serial is None else "",
                        "not measured" if py is None or py_serial is None else "", "",
                        v.NOT_MEASURED))
            continue
        both = fidelity_spread(reports, gil_serial, gil, py_serial, py)
        out.append((f"{task} ({prefix} {gil.ranks}x{gil.threads} vs python {py.ranks}x{py.threads})",
                    fmt_speedup(time_ratio_spread(reports, gil_serial, gil)),
                    fmt_speedup(time_ratio_spread(reports, py_serial, py)), fmt_speedup(both),
                    within(both, TOLERANCE)))
    return out


CPYTHON_HEADER = ("claim", "expected", "parlab models (C++)", "holds?", "CPython (python kernel)",
                  "holds?")
FIDELITY_HEADER = ("task (gil counterpart vs CPython threads)", "gil / serial time",
                   "CPython threads / serial time", "gil / CPython [90 %]", "within 15 %?")


def free_threaded_line(reports):
    text = free_threaded(reports)
    if text is None:
        return "Free-threaded CPython: no python kernel run in this report"
    return f"Free-threaded CPython: {text}"
