"""The analysis package's intervals match the C++ harness's method (order statistics,
paired rounds, bootstrap fallback) and hold their coverage on synthetic noisy timings."""
import math
import os

import numpy as np
import pytest

from parlab_analysis import intervals, load

REPORT = os.environ.get("PARLAB_TINY_REPORT", "")


def test_order_ranks_are_the_binomial_table_the_harness_uses():
    assert intervals.median_order_ranks(5) is None
    assert intervals.median_order_ranks(6) == (0, 5)
    assert intervals.median_order_ranks(10) == (1, 8)
    assert intervals.median_order_ranks(20) == (5, 14)


def test_median_interval_covers_on_lognormal_timings():
    random = np.random.default_rng(7)
    trials = 2000
    covered = sum(1 for _ in range(trials)
                  if (lambda i: i.low <= 1.0 <= i.high)(
                      intervals.median_interval(random.lognormal(0.0, 0.5, 15))))
    assert 0.94 * trials <= covered <= 0.995 * trials


def test_paired_rounds_cancel_drift_that_unpaired_medians_cannot():
    random = np.random.default_rng(11)
    aa_ok = detected = unpaired_detected = 0
    trials = 1000
    for trial in range(trials):
        mood = random.uniform(0.7, 1.4, 20)
        base = mood * (1 + random.normal(0, 0.03, 20))
        same = mood * (1 + random.normal(0, 0.03, 20))
        slower = 1.1 * mood * (1 + random.normal(0, 0.03, 20))
        rounds = list(range(20))
        aa = intervals.speedup_interval(base, same, rounds, rounds)
        shift = intervals.speedup_interval(base, slower, rounds, rounds)
        aa_ok += aa.low <= 1 <= aa.high
        detected += shift.high < 1  # the slowdown is told from no difference
        if trial < 40:  # the bootstrap is slower
            unpaired_detected += intervals.speedup_interval(base, slower).high < 1
    # The exact coverage at n = 20 is 95.9 %; 1000 trials put 93 % 4 sd below it.
    assert aa_ok >= 0.93 * trials
    assert detected >= 0.95 * trials
    assert unpaired_detected < 20  # drift drowns a 10 % shift without pairs


def test_rounds_missing_or_unknown_fall_back_to_unpaired():
    base, fast = [2.0] * 7, [1.0] * 7
    assert intervals.speedup_interval(base, fast, [-1] * 7, [-1] * 7).estimate == 2.0
    assert intervals.speedup_interval(base, fast, [0, 1, 2], list(range(7))).covered


def test_relative_half_width_and_settling():
    interval = intervals.Interval(2.0, 1.9, 2.1, True)
    assert math.isclose(interval.relative_half_width(), 0.05)
    assert math.isinf(intervals.Interval(2.0, 1.9, 2.1, False).relative_half_width())
    assert intervals.rounds_to_settle(intervals.Interval(1.6, 1.2, 1.9, True), 1.5, 10) == 160


@pytest.mark.skipif(not os.path.exists(REPORT), reason="PARLAB_TINY_REPORT not set")
def test_a_real_report_carries_rounds_and_intervals_around_its_figures():
    reports = load(REPORT)
    reps = reports.repetitions
    assert {"round", "started_utc_s", "steal", "cpu_mhz"} <= set(reps.columns)
    assert (reps["round"] >= 0).all() and (reps["steal"].between(0, 1)).all()
    for run in reports.runs.itertuples():
        rounds = reports.rounds(run)
        assert list(rounds) == sorted(rounds)  # measuring order
        if run.status == "ok":
            assert run.median_low_s <= run.median_s <= run.median_high_s
        if run.status == "ok" and not math.isnan(run.speedup_low):
            assert run.speedup_low <= run.speedup * 1.000001 or not run.intervals_covered
