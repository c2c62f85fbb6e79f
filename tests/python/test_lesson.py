"""The lesson's verdict logic: pure functions, synthetic reports, and the real tiny lesson
report (PARLAB_LESSON_REPORT) written by the end-to-end test."""
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from parlab_analysis import lesson  # noqa: E402
from parlab_analysis import lesson_python  # noqa: E402
from parlab_analysis import verdict as v  # noqa: E402
from parlab_analysis import load  # noqa: E402
from synthetic import write_report  # noqa: E402

ANALYZE = os.path.join(HERE, "..", "..", "python", "parlab-analyze")
REPORT = os.environ.get("PARLAB_LESSON_REPORT", "")


def test_spreads_decide_holds_fails_inconclusive():
    assert v.at_least((1.6, 1.8, 2.0), 1.5) == v.HOLDS
    assert v.at_least((1.0, 1.2, 1.4), 1.5) == v.FAILS
    assert v.at_least((1.2, 1.6, 1.9), 1.5) == v.INCONCLUSIVE  # spread straddles
    assert v.at_most((0.5, 0.9, 1.1), 1.2) == v.HOLDS
    assert v.at_most((1.3, 1.5, 1.7), 1.2) == v.FAILS
    assert v.at_most((1.0, 1.1, 1.4), 1.2) == v.INCONCLUSIVE
    assert v.exact([0, 0, 0], 0) == v.HOLDS
    assert v.exact([0, 3], 0) == v.FAILS
    assert v.exact([], 0) == v.INCONCLUSIVE
    assert v.combine([v.HOLDS, v.HOLDS]) == v.HOLDS
    assert v.combine([v.HOLDS, v.INCONCLUSIVE]) == v.INCONCLUSIVE
    assert v.combine([v.INCONCLUSIVE, v.FAILS]) == v.FAILS
    # nothing measured is not inconclusive (that would blame the machine's noise)
    assert v.combine([v.NOT_MEASURED, v.NOT_MEASURED]) == v.NOT_MEASURED
    assert v.combine([v.HOLDS, v.NOT_MEASURED]) == v.INCONCLUSIVE


def test_speedup_spread_is_the_interval_of_paired_round_ratios():
    serial = [10, 12, 14, 11, 13, 12, 10, 14]
    run = [5, 6, 7, 5.5, 6.5, 6, 5, 7]  # exactly half the serial time in every round
    low, estimate, high = v.speedup_spread(serial, run, list(range(8)), list(range(8)))
    assert (low, estimate, high) == (2.0, 2.0, 2.0)
    # Without rounds: the ratio of medians with a bootstrap interval around it.
    low, estimate, high = v.speedup_spread(serial, run)
    assert estimate == 2.0 and low < 2.0 < high


def test_an_inconclusive_verdict_says_how_many_rounds_would_settle_it():
    assert v.settle_hint((1.2, 1.6, 1.9), 1.5, 10) == \
        "about 160 rounds (now 10) would likely settle it"
    assert v.settle_hint((1.6, 1.8, 2.0), 1.5, 10) == ""  # settled already


def counting(tmp_path, threads_times, gil_times):
    path = tmp_path / "counting.h5"
    common = dict(kernel="counter", params="variant=reduction", size=1000)
    write_report(path, [
        dict(common, model="serial", ranks=1, threads=1, cell_times=[10, 10, 10],
             results={"final_value": 0, "lost_updates": 0}),
        dict(common, model="threads", ranks=1, threads=2, cell_times=threads_times,
             results={"final_value": 0, "lost_updates": 0}),
        dict(common, model="gil", ranks=1, threads=2, cell_times=gil_times,
             results={"final_value": 0, "lost_updates": 0}),
    ])
    table = lesson.rows(load(str(path)))
    return {claim: (measured, verdict) for claim, _, measured, verdict in table}


def test_synthetic_claims_hold_fail_and_are_inconclusive(tmp_path):
    rows = counting(tmp_path, threads_times=[5, 5.2, 5.5], gil_times=[10, 10.5, 11])
    assert rows["Two counting workers: threads help computing"][1] == v.HOLDS
    assert rows["Two counting workers: an interpreter lock serialises CPU work"][1] == v.HOLDS
    # A gil that sped things up 2x would contradict the claim: reported as not holding.
    rows = counting(tmp_path, threads_times=[5, 5, 5], gil_times=[4.5, 5, 5.5])
    assert rows["Two counting workers: an interpreter lock serialises CPU work"][1] == v.FAILS
    # Threads whose spread straddles 1.5x: inconclusive, not forced either way.
    rows = counting(tmp_path, threads_times=[5, 6.5, 8], gil_times=[10, 10, 10])
    assert rows["Two counting workers: threads help computing"][1] == v.INCONCLUSIVE
    # Claims with no runs in the report are inconclusive and say so.
    assert rows["CPU-bound dgemm speeds up with threads"] == ("not measured", v.NOT_MEASURED)


def test_a_counter_that_does_not_end_at_zero_fails(tmp_path):
    path = tmp_path / "counter.h5"
    write_report(path, [
        dict(kernel="counter", params="variant=mutex", size=100, model="serial", ranks=1,
             threads=1, cell_times=[1, 1, 1], results={"final_value": 0, "lost_updates": 0}),
        dict(kernel="counter", params="variant=mutex", size=100, model="threads", ranks=1,
             threads=2, cell_times=[1, 1, 1], results={"final_value": 7, "lost_updates": 7}),
    ])
    rows = {c: (m, verdict) for c, _, m, verdict in lesson.rows(load(str(path)))}
    measured, verdict = rows["A mutex counter ends at exactly 0 under every model"]
    assert verdict == v.FAILS and measured.startswith("1 of 2 runs at 0")


needs_report = pytest.mark.skipif(not os.path.exists(REPORT), reason="PARLAB_LESSON_REPORT not set")


@needs_report
def test_tiny_lesson_has_every_row_and_exact_counters():
    result = subprocess.run(["/usr/bin/python3", ANALYZE, "lesson", REPORT, "--markdown"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    table = {line.split(" | ")[0].lstrip("| "): line for line in result.stdout.splitlines()[2:]}
    expected_claims = [c[0] for c in lesson.SPEEDUP_CLAIMS] + [
        "Threads help waiting", "A mutex counter ends at exactly 0 under every model",
        "An atomic counter ends at exactly 0 under every model",
        "A critical counter ends at exactly 0 under every model",
        "A reduction counter ends at exactly 0 under every model",
        "Without synchronisation, threads sharing a counter lose updates",
        "Processes share no memory, so their racy counters lose nothing"]
    for claim in expected_claims:
        assert claim in table, f"missing row: {claim}"
    for variant in ("mutex", "atomic", "critical", "reduction"):
        row = next(line for claim, line in table.items() if f" {variant} counter" in claim)
        assert row.rstrip(" |").endswith("holds"), row  # exactly 0 in every run
    assert "Threads help waiting even under a gil (it is released while waiting)" in table


@needs_report
def test_tiny_lesson_judges_the_python_claims_on_cpython_and_the_gil_emulation():
    result = subprocess.run(["/usr/bin/python3", ANALYZE, "lesson", REPORT, "--markdown"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    cpython = lines.index("| " + " | ".join(lesson_python.CPYTHON_HEADER) + " |")
    fidelity = lines.index("| " + " | ".join(lesson_python.FIDELITY_HEADER) + " |")
    rows = {line.split(" | ")[0].lstrip("| "): line.strip("| ").split(" | ")
            for line in lines[cpython + 2:fidelity] if line.startswith("| ")}
    for claim, *_ in lesson_python.SPEEDUP_CLAIMS:
        assert claim in rows, f"missing CPython row: {claim}"
    locked = rows["A lock makes a shared counter safe: it ends at exactly 0 under every model"]
    assert locked[3] == v.HOLDS and locked[5] == v.HOLDS, locked  # both counters exact
    assert "runs at 0" in locked[4] and not locked[4].startswith("with lock: 0 of 0")
    unlocked = rows["Without synchronisation, threads sharing a counter lose updates"]
    assert "threads 1x2 switch 5 ms" in unlocked[4], unlocked
    fidelity_rows = [line.strip("| ").split(" | ") for line in lines[fidelity + 2:]
                     if line.startswith("| ")]
    assert [r[0].split(" ")[0] for r in fidelity_rows] == [
        "count", "locked_counter", "unlocked_counter", "sleep", "native", "file_read"]
    for row in fidelity_rows:
        assert "x [" in row[1] and "x [" in row[2] and "x [" in row[3], row  # all measured
    assert "Free-threaded CPython: not available" in result.stdout


@needs_report
def test_calibrate_is_gone_and_says_where_cpython_is_measured_now():
    result = subprocess.run(["/usr/bin/python3", ANALYZE, "lesson", REPORT, "--calibrate"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--calibrate is no longer needed" in result.stderr
    assert "CPython (python kernel)" in result.stdout


def python_pair(tmp_path, gil_times, python_times):
    path = tmp_path / "fidelity.h5"
    counter = dict(kernel="counter", params="variant=reduction", size=1000,
                   results={"final_value": 0, "lost_updates": 0})
    python = dict(kernel="python", params="task=count", size=1000, results={})
    write_report(path, [
        dict(counter, model="serial", ranks=1, threads=1, cell_times=[10, 10, 10]),
        dict(counter, model="gil", ranks=1, threads=2, cell_times=gil_times),
        dict(python, model="serial", ranks=1, threads=1, cell_times=[4, 4, 4]),
        dict(python, model="threads", ranks=1, threads=2, cell_times=python_times),
    ])
    reports = load(str(path))
    fidelity = {row[0].split(" ")[0]: row for row in lesson_python.fidelity_rows(reports)}
    claims = {row[0]: row for row in lesson_python.cpython_rows(reports)}
    return fidelity, claims


def test_the_gil_emulation_is_judged_against_cpython_threads(tmp_path):
    # gil 1.05x serial time, CPython threads 1.0x: within 15 %, over the whole spread.
    fidelity, claims = python_pair(tmp_path, [10.4, 10.5, 10.6], [3.96, 4.0, 4.04])
    assert fidelity["count"][4] == v.HOLDS, fidelity["count"]
    assert fidelity["native"][4] == v.NOT_MEASURED
    serialises = claims["Two counting workers: an interpreter lock serialises CPU work"]
    assert serialises[3] == v.HOLDS and serialises[5] == v.HOLDS, serialises
    # CPython threads at half the serial time (free-threaded-like) and the emulation at 1x:
    # the emulation is judged wrong, and so is the claim on CPython.
    fidelity, claims = python_pair(tmp_path, [10, 10, 10], [1.9, 2.0, 2.1])
    assert fidelity["count"][4] == v.FAILS, fidelity["count"]
    serialises = claims["Two counting workers: an interpreter lock serialises CPU work"]
    assert serialises[3] == v.HOLDS and serialises[5] == v.FAILS, serialises
    # A spread straddling the tolerance is inconclusive.
    fidelity, _ = python_pair(tmp_path, [9, 11, 13], [4, 4, 4])
    assert fidelity["count"][4] == v.INCONCLUSIVE


def test_closed_prefixes_want_every_other_parameter_at_its_default(tmp_path):
    path = tmp_path / "prefix.h5"
    common = dict(kernel="counter", size=10, model="serial", ranks=1, threads=1,
                  cell_times=[1, 1, 1])
    write_report(path, [dict(common, params="variant=reduction,without_lock=true"),
                        dict(common, params="variant=reduction")])
    runs = load(str(path)).runs
    assert list(lesson.selects(runs, "counter[variant=reduction]").params) == ["variant=reduction"]
    assert len(lesson.selects(runs, "counter[variant=reduction")) == 2
    assert len(lesson.selects(runs, "counter[variant=reduction,without_lock=true]")) == 1


def hybrid_vs_flat(tmp_path, hybrid_times, bigger_hybrid_times=(10, 10, 10)):
    path = tmp_path / "hybrid.h5"
    common = "cols=0,decomposition=rows,exchange=nonblocking,iterations=50"
    stencil = dict(kernel="stencil", results={"mismatches": 0})
    write_report(path, [
        dict(stencil, size=256, model="processes", ranks=4, threads=1, cell_times=[4, 4, 4],
             params=f"{common},threading=funneled"),
        dict(stencil, size=256, model="hybrid", ranks=2, threads=2, cell_times=[6, 6, 6],
             params=f"{common},threading=funneled"),
        dict(stencil, size=256, model="hybrid", ranks=2, threads=2, cell_times=list(hybrid_times),
             params=f"{common},threading=overlap"),
        dict(stencil, size=1024, model="processes", ranks=4, threads=1, cell_times=[9, 9, 9],
             params=f"{common},threading=funneled"),
        dict(stencil, size=1024, model="hybrid", ranks=2, threads=2,
             cell_times=list(bigger_hybrid_times), params=f"{common},threading=multiple"),
    ])
    rows = {c: (m, verdict) for c, _, m, verdict in lesson.rows(load(str(path)))}
    return rows[lesson.HYBRID_CLAIM[0]]


def test_hybrid_beats_flat_mpi_is_judged_by_the_best_style_at_the_smallest_grid(tmp_path):
    measured, verdict = hybrid_vs_flat(tmp_path, hybrid_times=[3, 3.2, 3.5])
    assert verdict == v.HOLDS
    assert "grid 256x256, 1 node(s): overlap 2x2 vs flat 4x1" in measured  # the best style wins
    assert "grid 1024x1024, 1 node(s): multiple 2x2" in measured
    measured, verdict = hybrid_vs_flat(tmp_path, hybrid_times=[5, 5, 5])
    assert verdict == v.FAILS  # every hybrid style slower than flat MPI at the smallest grid
    measured, verdict = hybrid_vs_flat(tmp_path, hybrid_times=[3.5, 4, 4.5])
    assert verdict == v.INCONCLUSIVE  # the spread straddles 1.0x


def test_hybrid_claim_without_stencil_runs_is_not_measured(tmp_path):
    path = tmp_path / "none.h5"
    write_report(path, [dict(kernel="triad", params="", size=100, model="serial", ranks=1,
                             threads=1, cell_times=[1, 1, 1])])
    rows = {c: (m, verdict) for c, _, m, verdict in lesson.rows(load(str(path)))}
    assert rows[lesson.HYBRID_CLAIM[0]][1] == v.NOT_MEASURED


class RoundReports:
    """What fidelity_spread reads of a report: per-repetition times and their rounds."""

    def cell_times(self, run):
        return run["times"]

    def rounds(self, run):
        return run["rounds"]


def measured_in_rounds(rng, drift, ratio, spread=0.04):
    """A serial run and a threads run of the same 20 rounds: run / serial = `ratio` times
    per-round noise of `spread`, both moved alike by `drift`."""
    rounds = list(range(len(drift)))
    serial = [d * (1 + spread * rng.standard_normal()) for d in drift]
    run = [d * ratio * (1 + spread * rng.standard_normal()) for d in drift]
    return dict(times=serial, rounds=rounds), dict(times=run, rounds=rounds)


def test_fidelity_is_an_equivalence_test_on_both_comparisons_rounds():
    import numpy as np
    rng = np.random.default_rng(7)
    reports = RoundReports()
    drift = list(1 + 0.4 * np.sin(np.arange(20)))  # a noisy machine: drift cancels per round
    gil_serial, gil = measured_in_rounds(rng, drift, 1.05)
    py_serial, py = measured_in_rounds(rng, drift, 1.0)
    low, estimate, high = lesson_python.fidelity_spread(reports, gil_serial, gil, py_serial, py)
    assert low < 1.05 < high and 0.85 < low and high < 1.15
    assert lesson_python.within((low, estimate, high), 0.15) == v.HOLDS
    # The 90 % bootstrap over both sides' rounds is narrower than the widest combination of
    # the two 95 % intervals, which over-covers.
    widest = lesson_python.ratio_of(lesson_python.time_ratio_spread(reports, gil_serial, gil),
                                    lesson_python.time_ratio_spread(reports, py_serial, py))
    assert widest[0] < low and high < widest[2]
    # CPython threads 1.4x serial, the emulation 1.05x: judged wrong.
    py_serial, py = measured_in_rounds(rng, drift, 1.4)
    spread = lesson_python.fidelity_spread(reports, gil_serial, gil, py_serial, py)
    assert lesson_python.within(spread, 0.15) == v.FAILS, spread


def test_primitives_are_stored_with_units_and_what_each_one_timed(tmp_path):
    import h5py

    path = tmp_path / "primitives.h5"
    h5py.File(path, "w").close()
    lesson.store_primitives(str(path), {
        "threads": {"create_join_s": 1.5e-5},
        "python_kernel": {"multiprocessing_spawn_s": 0.03,
                          "multiprocessing_fork_s": "not measured: fails here: OSError"},
        "about": {"python_kernel_multiprocessing_spawn_s": "start() + join() of a spawned worker"}})
    with h5py.File(path) as handle:
        spawn = handle["primitives/python_kernel/multiprocessing_spawn_s"]
        assert spawn[()] == 0.03 and spawn.attrs["units"] == "s"
        assert spawn.attrs["description"] == "start() + join() of a spawned worker"
        assert handle["primitives/threads/create_join_s"].attrs["description"] == \
            "threads: create join s"  # no "about": the figure's name
        assert handle["primitives"].attrs["python_kernel_multiprocessing_fork_s"].startswith(
            "not measured")
        assert "about" not in handle["primitives"]
