"""Judging a claim from a 95 % interval (intervals.py): holds when the whole interval is
on the claim's side of the threshold, does not hold when it is on the other side,
inconclusive when it straddles the threshold; not measured when the report has no runs
for it (that says nothing about the machine's noise). Pure functions, unit-tested on synthetic
numbers."""
import math

from . import intervals

HOLDS = "holds"
FAILS = "does not hold"
INCONCLUSIVE = "inconclusive"
NOT_MEASURED = "not measured"


def speedup_spread(serial_times, times, serial_rounds=None, rounds=None):
    """(low, estimate, high): the speedup of `times` over `serial_times` (per-repetition
    cell times) with its 95 % interval, paired by round when both runs carry rounds."""
    if len(serial_times) == 0 or len(times) == 0:
        return (math.nan, math.nan, math.nan)
    found = intervals.speedup_interval(serial_times, times, serial_rounds, rounds)
    return (found.low, found.estimate, found.high)


def settle_hint(spread, threshold, rounds_done):
    """For an interval straddling `threshold`: about how many rounds in all would likely
    settle it ("" when it is settled or cannot be told)."""
    low, estimate, high = spread
    found = intervals.Interval(estimate, low, high, not math.isnan(estimate))
    needed = intervals.rounds_to_settle(found, threshold, rounds_done)
    if needed is None:
        return ""
    return f"about {needed} rounds (now {rounds_done}) would likely settle it"


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
    """All parts must hold; any failure fails; nothing measured is not measured; otherwise
    inconclusive."""
    if verdicts and all(v == NOT_MEASURED for v in verdicts):
        return NOT_MEASURED
    if verdicts and all(v == HOLDS for v in verdicts):
        return HOLDS
    if any(v == FAILS for v in verdicts):
        return FAILS
    return INCONCLUSIVE
