"""The one place that decides what interval a speedup or a time is shown with. Every
table, plot and page asks here, so a better estimator (e.g. a bootstrap of the median,
or the C++ side's intervals once the report stores them) replaces it in one edit.

Now: the spread over repetitions, as `lesson` uses it (verdict.speedup_spread): the
baseline's median time over this run's slowest, median and fastest repetition."""
import math

import numpy as np

from . import verdict

# Shown beside every interval (legends, the page, the summary).
METHOD = "min-max over repetitions"


def speedup(serial_times, times):
    """(low, median, high) speedup of per-repetition cell `times` over `serial_times`."""
    return verdict.speedup_spread(list(serial_times), list(times))


def seconds(times):
    """(low, median, high) of per-repetition cell times."""
    times = np.asarray(times, dtype=float)
    if not len(times):
        return (math.nan, math.nan, math.nan)
    return (float(times.min()), float(np.median(times)), float(times.max()))


def overlap(a, b):
    """True when two (low, median, high) intervals share any value."""
    return not (a[0] > b[2] or b[0] > a[2])
