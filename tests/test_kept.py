"""The conversations behind a day's figures once they have left memory: the service keeps
them in its store (a real SQLite file) as they leave, across a restart, and answers from
there exactly what the day's figures count. On an injected clock, four days on."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from conftest import figure_of
from wallboard.engine.calendar import Calendar, ordinal_iso
from wallboard.events import decode_event
from wallboard.service import EXPLAINED, AccountConfig, Admin, NotHeld, Service, SnapshotQuery
from wallboard.sim import SimConfig, simulate
from wallboard.store.sqlite import DB_NAME

TZ = "Europe/Moscow"
START = 1_795_460_400_000  # 22:00 in Moscow: the hours run across midnight
DAY_MS = 86_400_000


async def _ready(service: Service) -> None:
    await service.start()
    while not service.ready:
        await asyncio.sleep(0.01)


async def _scenario(data: Path) -> None:
    end = START + 4 * 3600_000
    clock = [end]
    sim = simulate(SimConfig(seed=7, account="acme", timezone=TZ, start_ms=START, hours=4,
                             busy_from_start=True, staffing=0.5))
    service = Service(data, clock=lambda: clock[0])
    await _ready(service)
    events = [decode_event(json.dumps(e), end)[1] for e in sim.events]
    for i in range(0, len(events), 2000):
        await service.ingest("acme", events[i:i + 2000])
    calendar = Calendar(TZ)
    today = calendar.day_of(end)
    # Four days on, one event more: everything before it has left memory.
    clock[0] = end + 4 * DAY_MS
    late = {"id": "later", "type": "conversation.started", "account": "acme",
            "at": clock[0] - 1000, "conversation": "later", "channel": "web_chat"}
    await service.ingest("acme", [decode_event(json.dumps(late), clock[0])[1]])
    await service.stop()  # a checkpoint: what left memory goes to the store with it

    day = ordinal_iso(today)
    with sqlite3.connect(data / DB_NAME) as db:
        kept = db.execute("SELECT count(*) FROM retired WHERE day = ?", (day,)).fetchone()[0]
    assert kept > 300  # the day's conversations are in the store, not in memory

    service = Service(data, clock=lambda: clock[0])
    await _ready(service)
    try:
        snapshot = json.loads(await service.ask("acme", SnapshotQuery(day)))
        rows = [("total", None, snapshot["total"])]
        rows += [("channel", c["id"], c) for c in snapshot["channels"]]
        rows += [("group", g["id"], g) for g in snapshot["groups"]]
        checked = 0
        for report, row_id, row in rows:
            for figure in EXPLAINED:
                if figure in ("in_queue", "in_work"):
                    continue
                found = await service.behind("acme", figure, report, row_id, day, 0, 1)
                assert found is not None and found.total == figure_of(row, figure), (
                    report, row_id, figure)
                checked += found.total
        assert checked > 1000
        # The evening before: its events came only after midnight, when the log began; a day
        # before that may hold history imported without events, so it is refused, naming the
        # first day kept.
        try:
            await service.behind("acme", "served", "total", None, ordinal_iso(today - 1), 0, 1)
        except NotHeld as refused:
            assert day in str(refused)
        else:
            raise AssertionError("the day before the log began was answered")
    finally:
        await service.stop()


def test_a_day_that_left_memory_is_explained_exactly_from_the_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Admin(data) as admin:
        admin.create_account(AccountConfig("acme", TZ))
    asyncio.run(_scenario(data))
