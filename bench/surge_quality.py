"""How well surges and drops are seen, on simulated weeks.

Each run draws, for every group of the simulator (and the total of them), the arrivals of four
earlier days (the same weekday of four weeks) and of the day under test, minute by minute, as
the simulator's own arrival process makes them (Poisson, at its rates: the channels' streams
times the intraday profile, excluded channels left out). The normal comes from the four days
(``wallboard.normal``); the day under test is then watched minute by minute, as the service
does, with ``wallboard.surge.trend`` over the last 30 minutes.

- Ordinary days: every flag raised is a false one (counted once per episode: a flag that goes
  on and stays on is one).
- Surge days: one group gets ``--factor`` times its arrivals from a start drawn between 09:00
  and 17:00, for two hours; the surge is seen when that group is flagged as a surge within 30
  minutes of the start.

    python bench/surge_quality.py                  # 200 runs a row (the docs' table)
    python bench/surge_quality.py --runs 5         # a quick look (make test)
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable

from wallboard.normal import QUARTERS, Baseline, baseline, tail_above
from wallboard.sim.world import CHANNELS, profile_at
from wallboard.surge import Quarter, trend

MINUTES = 24 * 60
QUARTER_MIN = 15
WINDOW_MIN = 30


def group_rates(scale: float) -> dict[str, list[float]]:
    """Arrivals a minute, minute by minute, for each group and the total of them."""
    peaks: dict[str, float] = {}
    for channel in CHANNELS:
        if channel.excluded:
            continue
        for group, peak in channel.streams:
            if group is not None:
                peaks[group] = peaks.get(group, 0.0) + peak * scale
    rates = {g: [peak / 60 * profile_at(m / 60) for m in range(MINUTES)]
             for g, peak in sorted(peaks.items())}
    rates["(total)"] = [sum(r[m] for r in list(rates.values())) for m in range(MINUTES)]
    return rates


def poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:  # a normal approximation is exact enough per minute at this size
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def draw_day(rng: random.Random, rates: list[float], factor: Callable[[int], float]
             ) -> list[int]:
    return [poisson(rng, rate * factor(m)) for m, rate in enumerate(rates)]


def quarters_of(minutes: list[int]) -> list[int | None]:
    return [sum(minutes[q * QUARTER_MIN:(q + 1) * QUARTER_MIN]) for q in range(QUARTERS)]


def watch(day: list[int], normal: Baseline) -> list[tuple[int, str]]:
    """The flags raised over the day: (minute it went on, "surge" or "drop")."""
    flags: list[tuple[int, str]] = []
    on: str | None = None
    for minute in range(WINDOW_MIN, MINUTES + 1):
        arrived = sum(day[minute - WINDOW_MIN:minute])
        parts: dict[int, float] = {}
        for m in range(minute - WINDOW_MIN, minute):
            parts[m // QUARTER_MIN] = parts.get(m // QUARTER_MIN, 0.0) + 1 / QUARTER_MIN
        found = normal.expected(sorted(parts.items()))
        assert found is not None
        expected, weeks = found
        quarters = []
        for q in range(max(0, minute // QUARTER_MIN - 8), (minute - 1) // QUARTER_MIN + 1):
            passed = min(1.0, (minute - q * QUARTER_MIN) / QUARTER_MIN)
            part = normal.expected([(q, passed)])
            quarters.append(Quarter(q * QUARTER_MIN,
                                    sum(day[q * QUARTER_MIN:min(minute, (q + 1) * QUARTER_MIN)]),
                                    None if part is None else part[0]))
        status = trend(arrived, expected, normal.dispersion, weeks, quarters).status
        flagged = status if status in ("surge", "drop") else None
        if flagged is not None and flagged != on:
            flags.append((minute, flagged))
        on = flagged
    return flags


# An upper bound for any test: one that knew the true rate, allowed the false-flag budget of
# 0.05 a day spread over the 48 half hours of a day (as if they were the only moments it
# looked), flags a half hour of ``factor`` times the rate this often.
ORACLE_ALPHA = 0.05 / 48


def oracle_power(normal: float, factor: float) -> float:
    """P(a Poisson count of the surge's half hour reaches what the normal gives with
    probability ORACLE_ALPHA)."""
    threshold = 0
    while tail_above(threshold, normal) > ORACLE_ALPHA:
        threshold += 1
    return tail_above(threshold, normal * factor)


def run(scale: float, factor: float, runs: int
        ) -> tuple[float, dict[str, list[int]], dict[str, list[float]]]:
    """False flags per row and day; and for each size of the surging group (its normal over
    the 30 minutes after the start), the minutes it took to see each surge (-1: not within
    30 minutes) and the oracle's chance to see it then."""
    rates = group_rates(scale)
    groups = [g for g in rates if g != "(total)"]
    false_flags = row_days = 0
    by_size: dict[str, list[int]] = {}
    oracle: dict[str, list[float]] = {}
    for seed in range(runs):
        rng = random.Random(seed)
        normals = {row: baseline([quarters_of(draw_day(rng, r, lambda m: 1.0))
                                  for _ in range(4)]) for row, r in rates.items()}
        for row, r in rates.items():  # an ordinary day
            false_flags += len(watch(draw_day(rng, r, lambda m: 1.0), normals[row]))
            row_days += 1
        group = groups[seed % len(groups)]
        start = rng.randrange(9 * 60, 17 * 60)
        boosted = draw_day(rng, rates[group],
                           lambda m, s=start: factor if s <= m < s + 120 else 1.0)
        hits = [m - start for m, kind in watch(boosted, normals[group])
                if kind == "surge" and start < m <= start + WINDOW_MIN]
        size = sum(rates[group][start:start + WINDOW_MIN])
        label = next(name for name, top in SIZES if size < top)
        by_size.setdefault(label, []).append(hits[0] if hits else -1)
        oracle.setdefault(label, []).append(oracle_power(size, factor))
    return false_flags / row_days, by_size, oracle


# The surging group's normal arrivals over 30 minutes.
SIZES = (("under 25", 25), ("25-50", 50), ("50-100", 100), ("100-150", 150), ("150-300", 300),
         ("300 and more", math.inf))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--factor", type=float, default=1.5)
    args = parser.parse_args()
    print(f"{args.runs} runs a scale; a surge is x{args.factor:g} on one group for two hours.\n")
    print("| scale | groups' busiest hour | false flags per row and day |")
    print("|---|---|---|")
    sizes: dict[str, list[int]] = {}
    bound: dict[str, list[float]] = {}
    for scale in (1, 2, 4, 8):
        rates = group_rates(scale)
        busiest = sorted(round(max(r) * 60) for g, r in rates.items() if g != "(total)")
        false, by_size, oracle = run(scale, args.factor, args.runs)
        for label, delays in by_size.items():
            sizes.setdefault(label, []).extend(delays)
            bound.setdefault(label, []).extend(oracle[label])
        print(f"| {scale} | {busiest[0]}-{busiest[-1]} | {false:.3f} |", flush=True)
    print("\n| the group's normal over the surge's first 30 minutes | surges | seen within 30 min "
          "| median minutes to see one | a test knowing the true rate, at most |")
    print("|---|---|---|---|---|")
    for label, _ in SIZES:
        delays = sizes.get(label, [])
        seen = sorted(d for d in delays if d >= 0)
        if delays:
            median = f"{seen[len(seen) // 2]}" if seen else "-"
            best = sum(bound[label]) / len(bound[label])
            print(f"| {label} | {len(delays)} | {100 * len(seen) / len(delays):.0f} % "
                  f"| {median} | {100 * best:.0f} % |")


if __name__ == "__main__":
    main()
