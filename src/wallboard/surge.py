"""Is a row's traffic now out of the ordinary? A count test of its arrivals over the last 30
minutes against what is normal then (``normal.py``), and, when it is, since when.

The test is a tail probability: how likely so many (or so few) arrivals would be on an
ordinary day. A row is flagged when that is below ``ALPHA``; since the test is repeated all
day long, ``ALPHA`` is small (docs/normal.md measures what it gives on simulated weeks: how
soon a surge is seen, and how often an ordinary day raises a flag). The start of a surge is
the quarter-hour boundary from which a change of rate explains the arrivals best; the extra
conversations and the ratio are counted from there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import msgspec

from .normal import quantile, tail_above, tail_below

__all__ = ["ALPHA", "BAND", "WINDOW_MS", "Quarter", "Status", "Trend", "UsualRange", "spread",
           "trend", "usual_range"]

ALPHA = 1e-4
WINDOW_MS = 30 * 60_000
# Within this many standard deviations no tail is anywhere near ALPHA (the lightest, a Poisson's
# lower tail, needs three): the exact sums are spared.
_CALM = 2.5
MIN_DISPERSION = 0.002
MIN_EXPECTED = 1.0  # below one conversation expected in 30 minutes, no drop can be seen
BAND = 0.9  # the usual range of a count: where that share of ordinary days fall

Status = Literal["normal", "surge", "drop", "not_enough_history"]


class Quarter(msgspec.Struct, frozen=True):
    """A quarter hour of today (the last one up to now): its arrivals and the normal count for
    the part of it that has passed (None: no normal there)."""

    start_ms: int
    arrived: int
    expected: float | None


class Trend(msgspec.Struct):
    status: Status
    arrived: int  # over the last 30 minutes
    expected: float | None  # normal for them
    ratio: float | None  # arrived / expected
    p: float | None  # how likely so many (surge) or so few (drop) on an ordinary day
    since_ms: int | None  # a surge's or drop's start: the quarter hour it is counted from
    extra: float | None  # arrivals since then above normal (negative for a drop)
    since_ratio: float | None


class UsualRange(msgspec.Struct, frozen=True):
    """Where ``BAND`` of ordinary days' counts fall: from ``low`` to ``high``, both in."""

    low: int
    high: int


def spread(expected: float, dispersion: float, weeks: int) -> float:
    """The dispersion of a count against a normal of ``weeks`` weeks."""
    # The normal is a mean of a few weeks, itself off by chance: its variance, mean / weeks,
    # is added to the count's, so that a noisy normal does not raise flags. And no traffic is
    # steadier than MIN_DISPERSION says, whatever four weeks happened to show: at a few
    # hundred conversations the rate's drift within a quarter hour alone is that much.
    noise = 1 / (weeks * expected) if expected > 0 else 0.0
    return max(dispersion, MIN_DISPERSION) + noise


def usual_range(expected: float, dispersion: float, weeks: int) -> UsualRange:
    """The range of a count that ``BAND`` of ordinary days give, by the same model the test
    uses (so a count outside it is unusual, though not yet a flag, which needs far more)."""
    dispersion = spread(expected, dispersion, weeks)
    return UsualRange(quantile((1 - BAND) / 2, expected, dispersion),
                      quantile((1 + BAND) / 2, expected, dispersion))


def trend(arrived: int, expected: float | None, dispersion: float, weeks: int,
          quarters: Sequence[Quarter]) -> Trend:
    """The row's trend from its arrivals over the last 30 minutes and their normal (from
    ``weeks`` weeks, whose extra variation is ``dispersion``), and its quarters of today,
    oldest first (for the start of a surge)."""
    if expected is None:
        return Trend("not_enough_history", arrived, None, None, None, None, None, None)
    ratio = arrived / expected if expected > 0 else None
    wider = spread(expected, dispersion, weeks)
    if abs(arrived - expected) < _CALM * math.sqrt(expected + wider * expected * expected):
        return Trend("normal", arrived, expected, ratio, None, None, None, None)
    above = tail_above(arrived, expected, wider)
    below = tail_below(arrived, expected, wider) if expected >= MIN_EXPECTED else 1.0
    if above >= ALPHA and below >= ALPHA:
        return Trend("normal", arrived, expected, ratio, min(above, below), None, None, None)
    surge = above < ALPHA
    # The start: the quarter hour from which a change of rate explains the arrivals best (the
    # likelihood ratio of a Poisson rate of seen / normal against the normal one, greatest).
    best: tuple[float, int, float, int] | None = None  # (ratio, start, expected, arrived)
    seen, normal = 0, 0.0
    for quarter in reversed(quarters):
        if quarter.expected is None:
            break
        seen += quarter.arrived
        normal += quarter.expected
        if normal <= 0 or (seen > normal) != surge:
            continue
        score = (seen * math.log(seen / normal) if seen else 0.0) - (seen - normal)
        if best is None or score > best[0]:
            best = (score, quarter.start_ms, normal, seen)
    status: Status = "surge" if surge else "drop"
    if best is None:
        return Trend(status, arrived, expected, ratio, min(above, below), None, None, None)
    _, start, normal, seen = best
    return Trend(status, arrived, expected, ratio, min(above, below), start, seen - normal,
                 seen / normal if normal > 0 else None)
