"""Judging a claim from measured spreads: holds, does not hold, or inconclusive when the
spread straddles the threshold. Pure functions, unit-tested on synthetic numbers."""
import math
import statistics

HOLDS = "holds"
FAILS = "does not hold"
INCONCLUSIVE = "inconclusive"


def speedup_spread(serial_times, times):
    """(low, median, high) speedup of `times` over `serial_times` (per-repetition cell
    times): the baseline's median over this run's slowest, median and fastest repetition."""
    if len(serial_times) == 0 or len(times) == 0:
        return (math.nan, math.nan, math.nan)
    base = statistics.median(serial_times)
    return (base / max(times), base / statistics.median(times), base / min(times))


def at_least(spread, threshold):
    low, _, high = spread
    if any(math.isnan(v) for v in spread):
        return INCONCLUSIVE
    if low >= threshold:
        return HOLDS
    if high < threshold:
        return FAILS
    return INCONCLUSIVE


def at_most(spread, threshold):
    low, _, high = spread
    if any(math.isnan(v) for v in spread):
        return INCONCLUSIVE
    if high <= threshold:
        return HOLDS
    if low > threshold:
        return FAILS
    return INCONCLUSIVE


def exact(values, expected):
    """Every value equals `expected` (no spread: counts are exact)."""
    if len(values) == 0:
        return INCONCLUSIVE
    return HOLDS if all(v == expected for v in values) else FAILS


def combine(verdicts):
    """All parts must hold; any failure fails; otherwise inconclusive."""
    if verdicts and all(v == HOLDS for v in verdicts):
        return HOLDS
    if any(v == FAILS for v in verdicts):
        return FAILS
    return INCONCLUSIVE
