"""The 95 % intervals parlab's answers rest on, computed from raw per-repetition times the
same way as the C++ harness (harness/intervals.h; docs/method.md):

- a median's interval is a pair of order statistics chosen from the binomial
  distribution: its coverage is at least 95 % for any continuous distribution, so skewed,
  heavy-tailed timings of a noisy machine do not fool it;
- a speedup measured in interleaved rounds is the median of the per-round ratios
  baseline / run (both were measured in the same round, so drift cancels), with the same
  order-statistic interval; at least 6 common rounds are needed;
- otherwise the ratio of medians with a percentile-bootstrap interval (2000 resamples,
  fixed seed); the same bootstrap compares two speedups measured in different
  comparisons (the ratio of their per-round medians).
"""
import math
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float
    covered: bool  # False when the sample is too small for the level (n < 6 at 95 %)

    def relative_half_width(self):
        if not self.covered or not self.estimate > 0:
            return math.inf
        return (self.high - self.low) / 2 / self.estimate

    @staticmethod
    def none():
        return Interval(math.nan, math.nan, math.nan, False)


def _binomial_half_cdf(n, k):
    return sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n


def median_order_ranks(n, level=CONFIDENCE):
    """0-based (low, high) order statistics whose span covers the median with at least
    `level`, or None when n is too small."""
    best = None
    for j in range((n + 1) // 2):
        if 1 - 2 * _binomial_half_cdf(n, j) >= level:
            best = j
        else:
            break
    return None if best is None else (best, n - 1 - best)


def median_interval(values, level=CONFIDENCE):
    values = np.sort(np.asarray(values, dtype=float))
    if values.size == 0:
        return Interval.none()
    estimate = float(np.quantile(values, 0.5))
    ranks = median_order_ranks(values.size, level)
    if ranks is None:
        return Interval(estimate, float(values[0]), float(values[-1]), False)
    return Interval(estimate, float(values[ranks[0]]), float(values[ranks[1]]), True)


def unpaired_ratio_interval(numerator, denominator, level=CONFIDENCE, seed=1):
    a = np.asarray(numerator, dtype=float)
    b = np.asarray(denominator, dtype=float)
    if a.size == 0 or b.size == 0:
        return Interval.none()
    random = np.random.default_rng(seed)
    ratios = np.median(random.choice(a, (2000, a.size)), axis=1) / \
        np.median(random.choice(b, (2000, b.size)), axis=1)
    return Interval(float(np.median(a) / np.median(b)),
                    float(np.quantile(ratios, (1 - level) / 2)),
                    float(np.quantile(ratios, 1 - (1 - level) / 2)),
                    a.size >= 5 and b.size >= 5)  # fewer: too coarse


def paired_ratios(baseline, times, baseline_rounds=None, rounds=None):
    """baseline / time per round both runs were measured in, or None when they carry no
    rounds or share fewer than 6."""
    baseline = np.asarray(baseline, dtype=float)
    times = np.asarray(times, dtype=float)
    if baseline_rounds is None or rounds is None or len(baseline_rounds) != baseline.size or \
            len(rounds) != times.size or min(list(baseline_rounds) + list(rounds), default=-1) < 0:
        return None
    by_round = {}
    for r, t in zip(baseline_rounds, baseline):
        by_round.setdefault(int(r), float(t))
    ratios = [by_round[int(r)] / t for r, t in zip(rounds, times) if int(r) in by_round and t > 0]
    return ratios if len(ratios) >= 6 else None


def speedup_interval(baseline, times, baseline_rounds=None, rounds=None, level=CONFIDENCE):
    """Speedup of `times` over `baseline` (baseline / times): paired by round when both
    carry rounds and share at least 6 of them, else unpaired."""
    ratios = paired_ratios(baseline, times, baseline_rounds, rounds)
    if ratios is not None:
        return median_interval(ratios, level)
    return unpaired_ratio_interval(baseline, times, level)


def rounds_to_settle(interval, threshold, rounds_done):
    """How many rounds in all would likely put the interval on one side of `threshold`:
    the interval's reach towards the threshold shrinks as 1/sqrt(n) until it no longer
    crosses it. None when it already is on one side or cannot be told."""
    if not interval.covered or rounds_done <= 0:
        return None
    if interval.low > threshold or interval.high < threshold:
        return None
    reach = interval.high - interval.estimate if threshold >= interval.estimate \
        else interval.estimate - interval.low
    distance = abs(interval.estimate - threshold)
    if distance <= 0 or reach <= 0:
        return None
    return max(rounds_done + 1, int(math.ceil(rounds_done * (reach / distance) ** 2)))
