"""What a row's own SL threshold and a question about a number cost on bench/engine.py's day.

Setting a row's own service-level threshold counts its conversations again; the conversations
behind a figure are searched from a copy taken on the engine's thread; once they have left
memory, from the store (SQLite, in a temporary directory), where they cost the bytes printed.

    python bench/drilldown.py                   # the 300,000-event day of docs/performance.md
    python bench/drilldown.py --events 20000    # a quick look (make test)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import msgspec

from engine import generate, replay  # bench/engine.py
from wallboard.engine.behind import behind, days_of, hold
from wallboard.engine.calendar import ordinal_iso
from wallboard.store import AccountConfig, RetiredConversation, open_store
from wallboard.store.sqlite import DB_NAME


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
    # Four days on, every conversation has left memory into the store, under its days.
    account.retired = []
    account.expire(account.calendar.day_start(today + 5))
    left = account.retired
    items = [RetiredConversation(ordinal_iso(d), cid, packed) for cid, packed in left
             for d in days_of(account, packed)]
    packed_bytes = sum(len(p) for _, p in left)
    with tempfile.TemporaryDirectory() as place:
        store = open_store(place)
        store.create_account(AccountConfig(account.id, account.calendar.name), 0)
        before = _size(Path(place))
        started = time.perf_counter()
        with store.transaction():
            store.save_retired(account.id, items)
        saved = time.perf_counter()
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
        grown = _size(Path(place)) - before
        print(f"  left memory: {len(left):,} conversations ({len(items):,} rows by day), "
              f"{packed_bytes / len(left):.0f} bytes packed each, the store grew "
              f"{grown / len(left):.0f} bytes each; written in {1000 * (saved - started):.0f} ms")
        for report, row_id, figure in (("total", None, "served"),
                                       ("channel", channel, "served")):
            started = time.perf_counter()
            kept = store.retired(account.id, ordinal_iso(today))
            read = time.perf_counter()
            held = msgspec.structs.replace(hold(account, report, row_id),  # type: ignore[arg-type]
                                           closed=kept)
            found = behind(held, figure, report, row_id, today)  # type: ignore[arg-type]
            done = time.perf_counter()
            print(f"  from the store: {report} {row_id or ''} {figure}: {len(found):,} "
                  f"conversations; read {1000 * (read - started):.0f} ms, search "
                  f"{1000 * (done - read):.0f} ms")
        store.close()


def _size(place: Path) -> int:
    return sum(p.stat().st_size for p in place.glob(DB_NAME + "*"))


if __name__ == "__main__":
    main()
