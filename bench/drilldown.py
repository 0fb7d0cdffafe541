"""What a row's own SL threshold and a question about a number cost on bench/engine.py's day.

Setting a row's own service-level threshold counts its conversations again; the conversations
behind a figure are searched from a copy taken on the engine's thread.

    python bench/drilldown.py                   # the 300,000-event day of docs/performance.md
    python bench/drilldown.py --events 20000    # a quick look (make test)
"""

from __future__ import annotations

import argparse
import time

from engine import generate, replay  # bench/engine.py
from wallboard.engine.behind import behind, hold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=300_000)
    args = parser.parse_args()
    day = generate(args.seed, args.events)
    account, _ = replay(day.lines)
    channel, group = sorted(account.channels)[0], sorted(account.groups)[0]
    print(f"{len(day.lines):,} events, {len(account.closed):,} closed conversations held, "
          f"{len(account.channels)} channels, {len(account.groups)} groups")
    for wanted in ({("group", group): 600.0},
                   {("group", group): 600.0, ("channel", channel): 3600.0},
                   {}):
        started = time.perf_counter()
        changed = account.set_sl_thresholds(wanted)  # type: ignore[arg-type]
        print(f"  own SL thresholds {sorted(wanted) or 'none'}: {changed} rows counted again "
              f"in {1000 * (time.perf_counter() - started):.0f} ms")
    today = max(account.total.days)
    for report, row_id, figure in (("total", None, "served"), ("channel", channel, "served"),
                                   ("group", group, "wait_samples"),
                                   ("total", None, "in_queue")):
        started = time.perf_counter()
        held = hold(account, report, row_id)  # type: ignore[arg-type]
        copied = time.perf_counter()
        found = behind(held, figure, report, row_id, today)  # type: ignore[arg-type]
        done = time.perf_counter()
        print(f"  behind {report} {row_id or ''} {figure}: {len(found):,} conversations; copy "
              f"{1000 * (copied - started):.1f} ms, search {1000 * (done - copied):.0f} ms")


if __name__ == "__main__":
    main()
