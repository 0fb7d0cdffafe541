"""What is normal for a row at a time of day: from the same local time on the same weekday of
the previous weeks, a centre per quarter hour and how much the weeks vary.

Robust to an odd week, not to an odd quarter: a week whose whole day is far from the others'
(a holiday, an outage, a campaign last Tuesday) is left out, and the centre of a quarter is
the mean of the weeks kept, with half a conversation added (so a quarter that had none in
every week still expects a little, and one arrival there is unusual, not impossible). A
median of a few small counts would say 0 for most quiet quarters and flag every night.

Counts of conversations are not normal variables: at 3 a.m. a group gets 0, 1 or 2 of them,
and the weeks differ by more than chance would make them. So the model is the negative
binomial: a count over a stretch of the day has mean ``centre`` and variance
``mean + dispersion * mean**2``, the Poisson's plus the weeks' own extra variation,
estimated once for the whole day from every quarter the weeks have (four numbers a quarter
are too few to estimate it alone). With no extra variation it is the Poisson; ``tail_above``
and ``tail_below`` are exact sums, right for small counts, where a z-score is not.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import msgspec

__all__ = ["QUARTERS", "Baseline", "baseline", "quantile", "tail_above", "tail_below"]

QUARTERS = 96  # quarter hours of a local day, by local time of day
MIN_WEEKS = 2  # fewer weeks of history for a quarter: no normal there
# Of three weeks or more, a week whose day is further than this share from the weeks' median is
# left out.
ODD_DAY = 0.5


class Baseline(msgspec.Struct, frozen=True):
    """One row's normal day: per local quarter hour (``QUARTERS`` of them, 00:00 first), the
    mean count of the weeks kept, or None where fewer than ``MIN_WEEKS`` weeks have it."""

    centre: list[float | None]
    weeks: list[int]  # how many weeks were kept for each quarter
    dispersion: float  # the weeks' variation beyond chance (0: as Poisson as can be)

    def expected(self, quarters: Sequence[tuple[int, float]]) -> tuple[float, int] | None:
        """The normal count over parts of quarters, (quarter, share of it), and the fewest
        weeks behind it; None if any of them has no normal."""
        total, weeks = 0.0, 1 << 30
        for quarter, share in quarters:
            centre = self.centre[quarter]
            if centre is None:
                return None
            total += centre * share
            weeks = min(weeks, self.weeks[quarter])
        return total, weeks


def baseline(weeks: Sequence[Sequence[int | None]]) -> Baseline:
    """The normal from earlier weeks' counts, each a day of ``QUARTERS`` aligned by local time
    of day (None: a quarter that day did not have, such as the hour skipped by DST)."""
    days = [sum(c for c in week if c is not None) for week in weeks]
    kept = list(weeks)
    if len(weeks) >= 3:  # with two, neither can be told the odd one
        usual = statistics.median(days)
        kept = [w for w, day in zip(weeks, days, strict=True)
                if abs(day - usual) <= ODD_DAY * usual]
    centre: list[float | None] = []
    seen: list[int] = []
    excess = squares = 0.0
    for q in range(QUARTERS):
        counts = [c for w in kept if (c := w[q]) is not None]
        seen.append(len(counts))
        if len(counts) < MIN_WEEKS:
            centre.append(None)
            continue
        mean = statistics.fmean(counts)
        centre.append(mean + 0.5 / len(counts))
        if mean > 0:
            excess += statistics.variance(counts) - mean
            squares += mean * mean
    dispersion = max(0.0, excess / squares) if squares else 0.0
    return Baseline(centre, seen, dispersion)


# -- the negative binomial (Poisson when dispersion is 0) ----------------------------------

def _log_pmf(k: int, mean: float, dispersion: float) -> float:
    if mean <= 0:
        return 0.0 if k == 0 else -math.inf
    if dispersion <= 1e-12:
        return k * math.log(mean) - mean - math.lgamma(k + 1)
    r = 1 / dispersion
    return (math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1)
            + r * math.log(r / (r + mean)) + k * math.log(mean / (r + mean)))


def _tail(start: int, step: int, mean: float, dispersion: float) -> float:
    """Sum of the probabilities from ``start`` on in the direction ``step`` (away from the
    mean, where the terms end up falling): stops when they no longer count."""
    total, k = 0.0, start
    while k >= 0:
        term = math.exp(_log_pmf(k, mean, dispersion))
        total += term
        if term < 1e-300 or term <= total * 1e-16:
            break
        k += step
    return min(1.0, total)


def tail_above(count: int, mean: float, dispersion: float = 0.0) -> float:
    """P(X >= count): how surprising so many is."""
    if count <= 0:
        return 1.0
    if count <= mean:  # not in the tail: sum the other side
        return 1.0 - tail_below(count - 1, mean, dispersion)
    return _tail(count, 1, mean, dispersion)


def tail_below(count: int, mean: float, dispersion: float = 0.0) -> float:
    """P(X <= count): how surprising so few is."""
    if count < 0:
        return 0.0
    if count >= mean:
        return 1.0 - tail_above(count + 1, mean, dispersion)
    return _tail(count, -1, mean, dispersion)


def quantile(p: float, mean: float, dispersion: float = 0.0) -> int:
    """The smallest count whose P(X <= count) reaches ``p``."""
    if mean <= 0:
        return 0
    # Ten standard deviations below the mean the lower tail is far below any p asked for:
    # the sum starts there (a quantile of a few hundred otherwise costs as many terms), and
    # each term comes from the one before: P(k + 1) / P(k) = (k + r) / (k + 1) * mean / (r +
    # mean) for the negative binomial, mean / (k + 1) for the Poisson.
    k = max(0, math.floor(mean - 10 * math.sqrt(mean + dispersion * mean * mean)))
    term = math.exp(_log_pmf(k, mean, dispersion))
    poisson = dispersion <= 1e-12
    r = 0.0 if poisson else 1 / dispersion
    odds = mean if poisson else mean / (r + mean)
    cumulative = 0.0
    while True:
        cumulative += term
        if cumulative >= p or k > mean * 20 + 200:
            return k
        term *= odds / (k + 1) if poisson else odds * (k + r) / (k + 1)
        k += 1
