"""The lesson's verdict logic: pure functions, synthetic reports, and the real tiny lesson
report (PARLAB_LESSON_REPORT) written by the end-to-end test."""
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from parlab_analysis import lesson  # noqa: E402
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


def test_speedup_spread_uses_baseline_median_and_run_extremes():
    low, median, high = v.speedup_spread([10, 12, 14], [5, 6, 8])
    assert (low, median, high) == (12 / 8, 12 / 6, 12 / 5)


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
    assert rows["CPU-bound dgemm speeds up with threads"] == ("not measured", v.INCONCLUSIVE)


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
        "Processes share no memory, so their racy counters lose nothing",
        "parlab's gil behaves like CPython's GIL"]
    for claim in expected_claims:
        assert claim in table, f"missing row: {claim}"
    for variant in ("mutex", "atomic", "critical", "reduction"):
        row = next(line for claim, line in table.items() if f" {variant} counter" in claim)
        assert row.rstrip(" |").endswith("holds"), row  # exactly 0 in every run
    assert "Threads help waiting even under a gil (it is released while waiting)" in table


@needs_report
def test_calibration_without_python_is_skipped_with_a_clear_message():
    result = subprocess.run(["/usr/bin/python3", ANALYZE, "lesson", REPORT, "--calibrate",
                             "--python", "/nonexistent/python3"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "/nonexistent/python3 not found: CPython calibration skipped" in result.stderr
    assert "no calibration in the report" in result.stdout


@needs_report
def test_calibration_records_cpython_times_in_the_report():
    import h5py

    result = subprocess.run(["/usr/bin/python3", ANALYZE, "lesson", REPORT, "--calibrate",
                             "--iterations", "200000"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with h5py.File(REPORT, "r") as handle:
        group = handle["calibration"]
        for name in ("serial_s", "threads_s", "processes_s", "locked_counter_s"):
            assert group[name][()] > 0 and group[name].attrs["units"] == "s"
        assert group["locked_counter_final"][()] == 0
        assert "free_threaded" in group.attrs
    assert "CPython " in result.stdout
