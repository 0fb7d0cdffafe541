"""Simulator benchmark: events per second generating a contact-center day on one core.

Prints figures next to the target and never fails on timing (machines differ).

    python bench/sim.py            # a day at scale 10 (a big center), best of 3
    python bench/sim.py --small    # a day at scale 1, once: the CI size
    python bench/sim.py --json     # one JSON object instead of text
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec

from wallboard.sim import SimConfig, batches, simulate, stream

TARGET_EPS = 200_000


def timed(make: Callable[[], int]) -> tuple[int, float]:
    gc.collect()
    started = time.perf_counter()
    n = make()
    return n, time.perf_counter() - started


def drain(config: SimConfig) -> int:
    n = 0
    for _ in stream(config):
        n += 1
    return n


def ndjson(config: SimConfig) -> int:
    """What ``wallboard simulate --out`` does, with the file left out: events to NDJSON."""
    encode_lines = msgspec.json.Encoder().encode_lines
    n = 0
    for chunk in batches(config):
        encode_lines(chunk)
        n += len(chunk)
    return n


def run(config: SimConfig, repeat: int, say: Callable[[str], None]) -> dict[str, Any]:
    figures: dict[str, Any] = {"seed": config.seed, "scale": config.scale,
                               "hours": config.hours, "repeat": repeat}
    measures: dict[str, Callable[[], int]] = {
        "simulate": lambda: len(simulate(config).events),
        "stream": lambda: drain(config),
        "ndjson": lambda: ndjson(config),
    }
    for label, make in measures.items():
        rates = []
        n = 0
        for _ in range(repeat):
            n, seconds = timed(make)
            rates.append(n / seconds)
        figures["events"] = n
        figures[f"{label}_eps"] = round(max(rates))
        figures[f"{label}_eps_median"] = round(statistics.median(rates))
        say(f"{label + ':':<10}{n:>10,} events  {max(rates):>10,.0f} events/s best of {repeat}, "
            f"median {statistics.median(rates):,.0f}   (target >= {TARGET_EPS:,})")
    figures["target_eps"] = TARGET_EPS
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--scale", type=float, default=10.0, help="center size (default 10)")
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure (default 3)")
    parser.add_argument("--small", action="store_true", help="scale 1, one run: the CI size")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    scale, repeat = (1.0, 1) if args.small else (args.scale, args.repeat)
    config = SimConfig(seed=args.seed, hours=args.hours, scale=scale)
    say: Callable[[str], None] = (lambda _: None) if args.json else print
    figures = run(config, repeat, say)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
