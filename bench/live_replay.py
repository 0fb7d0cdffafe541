"""A day as a live service takes it: each event received at its own time, a snapshot built
and encoded every ``--every`` events. For instruction counts (docs/performance.md):

    valgrind --tool=cachegrind --cache-sim=no python bench/live_replay.py day.ndjson

(``python bench/engine.py --write day.ndjson --events 300000`` writes the day).
"""

from __future__ import annotations

import argparse

from wallboard.engine import Account, build, encode
from wallboard.events import EventError, decode_ndjson_chunks, parse_timestamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("day")
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--now", default="2026-11-26T23:59:59+03:00")
    args = parser.parse_args()
    now = parse_timestamp(args.now)
    account = Account("bench", "Europe/Moscow", 60)
    latest = applied = 0
    with open(args.day, "rb") as lines:
        for results in decode_ndjson_chunks(lines, now):
            for _, item in results:
                if isinstance(item, EventError):
                    continue
                event = item[1]
                latest = max(latest, event[0])
                account.apply(event, latest)
                applied += 1
                if applied % args.every == 0:
                    encode(build(account, latest))
    print(f"{applied} events, {applied // args.every} snapshots")


if __name__ == "__main__":
    main()
