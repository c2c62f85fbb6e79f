"""The one place that decides what interval a speedup or a time is shown with. Every
table, plot and page asks here: the 95 % intervals of intervals.py, the same as the C++
harness computes (order statistics for a median; per-round ratios for a speedup measured
in interleaved rounds, a bootstrap of the ratio of medians otherwise)."""
import math

from . import intervals, verdict

# Shown beside every interval (legends, the page, the summary).
METHOD = "95 % interval"


def speedup(serial_times, times, serial_rounds=None, rounds=None):
    """(low, estimate, high) speedup of per-repetition cell `times` over `serial_times`,
    paired by round when both carry rounds."""
    return verdict.speedup_spread(list(serial_times), list(times), serial_rounds, rounds)


def seconds(times):
    """(low, median, high) of per-repetition cell times."""
    found = intervals.median_interval(times)
    if math.isnan(found.estimate):
        return (math.nan, math.nan, math.nan)
    return (found.low, found.estimate, found.high)


def overlap(a, b):
    """True when two (low, median, high) intervals share any value."""
    return not (a[0] > b[2] or b[0] > a[2])
