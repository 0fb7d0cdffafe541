"""Daily history through a real server: written at checkpoints, corrected, kept, exported."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from server import Server, create_account, token
from wallboard.engine import Account, build, encode
from wallboard.engine.calendar import load_zone
from wallboard.events import decode_event
from wallboard.sim import SimConfig, simulate
from wallboard.store import SavedDay, SavedSeries, open_store
from wallboard.store.sqlite import DB_NAME

TZ = "Europe/Moscow"
COUNTERS = ("arrived", "served", "unserved", "wait_samples", "avg_wait_s", "answered_within_sl")


def counters(snapshot: dict[str, Any]) -> list[Any]:
    rows = [snapshot["total"], *snapshot["channels"], *snapshot["groups"]]
    return [(row.get("id"), *(row[k] for k in COUNTERS)) for row in rows]


def test_daily_history_is_written_corrected_kept_and_exported(tmp_path: Path) -> None:
    zone = load_zone(TZ)
    today = datetime.now(zone).date()
    first = today - timedelta(days=3)
    start_ms = int(datetime(first.year, first.month, first.day, tzinfo=zone).timestamp() * 1000)
    sim = simulate(SimConfig(seed=5, account="acme", timezone=TZ, start_ms=start_ms,
                             hours=72, scale=0.5))
    data = tmp_path / "data"
    create_account(data, "acme", TZ)
    ingest, view = token(data, "acme", "ingest"), token(data, "acme", "view")
    old = first - timedelta(days=500)
    store = open_store(data)  # a day beyond the 400-day retention, and one within it
    store.save_days("acme", [SavedDay(old.isoformat(), b"{}"),
                             SavedDay((first - timedelta(days=10)).isoformat(), b"{}")], 0)
    store.close()

    server = Server(data).start()
    with server.client(ingest) as client:
        for i in range(0, len(sim.events), 2000):
            assert client.post("/api/v1/events", json=sim.events[i:i + 2000]).status_code == 200
    server.stop()  # SIGTERM: checkpoint and the days that changed

    # Each day's row equals the snapshot taken at that day's end.
    received = int(time.time() * 1000)
    server = Server(data).start()
    try:
        with server.client(view) as client:
            reply = client.get("/api/v1/accounts/acme/history",
                               params={"from": first.isoformat(),
                                       "to": (today - timedelta(days=1)).isoformat()})
        assert reply.status_code == 200
        days = reply.json()["days"]
        assert [d["date"] for d in days] == [(first + timedelta(days=k)).isoformat()
                                             for k in range(3)]
        for day in days:
            d = date.fromisoformat(day["date"])
            end = int(datetime(d.year, d.month, d.day, tzinfo=zone).timestamp() * 1000) \
                + 86_400_000 - 1  # Moscow keeps 24-hour days
            engine = Account("acme", TZ)
            for ev in sim.events:
                if ev["at"] <= end:
                    engine.apply(decode_event(json.dumps(ev), received)[1], received)
            at_end = json.loads(encode(build(engine, end)))
            assert counters(day) == counters(at_end), day["date"]
            assert day["total"]["in_queue"] is None

        # A late event within the 48-hour bound corrects yesterday's row.
        yesterday = days[-1]
        engine = Account("acme", TZ)
        for ev in sim.events:
            engine.apply(decode_event(json.dumps(ev), received)[1], received)
        missed = next(c for c in engine.conversations() if c.outcome == 3
                      and not engine.channels[c.channel].excluded
                      and c.close_at > received - 40 * 3600 * 1000
                      and engine.calendar.day_of(c.close_at) == today.toordinal() - 1)
        late = {"id": "late-1", "type": "message.operator", "account": "acme",
                "at": missed.close_at - 1, "conversation": missed.id}
        with server.client(ingest) as client:
            assert client.post("/api/v1/events", json=[late]).json()["accepted"] == 1
    finally:
        server.stop()
    server = Server(data).start()
    try:
        with server.client(view) as client:
            again = client.get("/api/v1/accounts/acme/history",
                               params={"from": yesterday["date"], "to": yesterday["date"]})
            table = client.get("/api/v1/accounts/acme/history",
                               params={"from": first.isoformat(), "to": today.isoformat(),
                                       "format": "csv"})
            accept = client.get("/api/v1/accounts/acme/history",
                                params={"from": first.isoformat(), "to": today.isoformat()},
                                headers={"Accept": "text/csv"})
            stored_old = client.get("/api/v1/accounts/acme/snapshot",
                                    params={"date": (first - timedelta(days=10)).isoformat()})
            buckets = client.get("/api/v1/accounts/acme/series",
                                 params={"date": yesterday["date"]}).json()["buckets"]
    finally:
        server.stop()
    corrected = again.json()["days"][0]["total"]
    assert corrected["served"] == yesterday["total"]["served"] + 1
    assert corrected["unserved"]["missed"] == yesterday["total"]["unserved"]["missed"] - 1
    # ... and its bucket: yesterday's buckets still add up to yesterday's row.
    assert sum(b["served"] for b in buckets) == corrected["served"]
    assert sum(b["unserved"]["missed"] for b in buckets) == corrected["unserved"]["missed"]
    assert sum(b["arrived"] for b in buckets) == corrected["arrived"]

    # CSV for a spreadsheet, the same from the API and from the command line.
    lines = table.text.splitlines()
    assert lines[0].startswith("Date,Report,Id,Name,Channel kind,Arrived,Served")
    assert table.headers["content-type"].startswith("text/csv") and accept.text == table.text
    assert sum(1 for line in lines if ",Total," in line) == 4  # three days and today
    exported = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "export", "acme", "--from", first.isoformat(),
         "--to", (today - timedelta(days=1)).isoformat(), "--data-dir", str(data)],
        capture_output=True, text=True, check=True).stdout
    assert exported.splitlines() == [line for line in lines if not line.startswith(
        today.isoformat())]

    # Retention dropped only what is older than 400 days.
    store = open_store(data)
    assert store.days("acme", old.isoformat(), old.isoformat()) == []
    assert len(store.days("acme", (first - timedelta(days=10)).isoformat(),
                          (first - timedelta(days=10)).isoformat())) == 1
    store.close()
    assert stored_old.content == b"{}"  # a day no longer in memory comes from the history


def test_intraday_series_through_the_service(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", TZ)
    ingest, view = token(data, "acme", "ingest"), token(data, "acme", "view")
    zone = load_zone(TZ)
    today = datetime.now(zone).date()
    old, recent = today - timedelta(days=500), today - timedelta(days=20)
    stored = msgspec.msgpack.encode(("total", None, None, [[40, 5, 3, 1, 1, 0, 4, 40_000, 3]],
                                     [[40, 2, 6, 4, 2, 2, 10, 5, 20, 10, 9000, 6000]]))
    store = open_store(data)  # a row-day beyond the 400-day retention, and one out of memory
    store.save_series("acme", [SavedSeries(old.isoformat(), "total", stored),
                               SavedSeries(recent.isoformat(), "total", stored)], 0)
    store.close()

    now = int(time.time() * 1000)
    events = [
        {"id": "a1", "type": "conversation.started", "at": now - 60_000, "conversation": "c1",
         "channel": "web", "group": "sales"},
        {"id": "a2", "type": "message.visitor", "at": now - 59_000, "conversation": "c1"},
        {"id": "b1", "type": "conversation.started", "at": now - 30_000, "conversation": "c2",
         "channel": "web"},
        {"id": "b2", "type": "conversation.assigned", "at": now - 20_000, "conversation": "c2",
         "operator": "ann"},
    ]
    server = Server(data, "--sample-every", "0.5").start()
    try:
        with server.client(ingest) as client:
            reply = client.post("/api/v1/events", json=[{"account": "acme", **e} for e in events])
            assert reply.json()["accepted"] == 4
        time.sleep(1.6)  # a few samples of the gauges
        with server.client(view) as client:
            def series(**params: str) -> Any:
                return client.get("/api/v1/accounts/acme/series", params=params)

            total = series().json()
            web, sales, nobody = (series(channel="web").json(), series(group="sales").json(),
                                  series(group="").json())
            assert series(channel="nope").status_code == 404
            assert series(channel="web", group="sales").json()["error"]["field"] == "group"
            assert series(date="2026-13-01").status_code == 400
            table = series(format="csv")
            accept = client.get("/api/v1/accounts/acme/series",
                                headers={"Accept": "text/csv"})
            past = series(date=recent.isoformat()).json()
    finally:
        server.stop()

    assert total["date"] == today.isoformat() and total["bucket_minutes"] == 15
    assert len(total["buckets"]) == 96  # Moscow has no DST
    assert sum(b["arrived"] for b in total["buckets"]) == 2
    assert sum(b["arrived"] for b in web["buckets"]) == 2
    assert sum(b["arrived"] for b in sales["buckets"]) == 1
    assert (nobody["report"], nobody["id"]) == ("group", None)
    sampled = [b for b in total["buckets"] if b["gauge_samples"]]
    assert sampled and sum(b["gauge_samples"] for b in sampled) >= 2
    assert max(b["in_queue"]["peak"] for b in sampled) == 1  # c1 waits
    assert max(b["in_work"]["peak"] for b in sampled) == 1  # c2 is with ann
    assert max(b["longest_wait_s"]["peak"] for b in sampled) >= 60
    assert all(b["operators_available"] is None for b in nobody["buckets"])
    lines = table.text.splitlines()
    assert lines[0].startswith("Date,Report,Id,Name,Bucket start,Arrived,Served")
    assert len(lines) == 97 and accept.text == table.text
    assert table.headers["content-type"].startswith("text/csv")
    assert past["buckets"][40]["arrived"] == 5 and past["buckets"][40]["in_queue"] == \
        {"peak": 4, "mean": 3.0}

    def counted(buckets: list[dict[str, Any]]) -> list[Any]:  # gauges go on being sampled
        return [(b["start"], b["arrived"], b["served"], b["unserved"], b["wait_samples"])
                for b in buckets]

    def series_after_a_restart() -> Any:
        server = Server(data).start()
        try:
            with server.client(view) as client:
                return client.get("/api/v1/accounts/acme/series").json()
        finally:
            server.stop()

    # A restart keeps today's buckets. So does one with no checkpoint to load: the engine is
    # rebuilt from the log, which cannot hold past gauge samples, and takes them back from the
    # store instead of overwriting them. Retention dropped only what is older than 400 days.
    again = series_after_a_restart()
    with sqlite3.connect(data / DB_NAME) as db:
        db.execute("DELETE FROM checkpoints")
    rebuilt = series_after_a_restart()
    for later in (again, rebuilt):
        assert counted(later["buckets"]) == counted(total["buckets"])
        for before, after in zip(total["buckets"], later["buckets"], strict=True):
            assert after["gauge_samples"] >= before["gauge_samples"]
            if before["in_queue"] is not None:
                assert after["in_queue"]["peak"] >= before["in_queue"]["peak"]
    store = open_store(data)
    assert store.series("acme", old.isoformat(), "total") is None
    assert store.series("acme", recent.isoformat(), "total") == stored
    assert store.series("acme", today.isoformat(), "channel:web") is not None
    store.close()

    # The command line reads the same from the store.
    exported = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "export", "acme", "--series", "--format",
         "json", "--from", recent.isoformat(), "--to", today.isoformat(), "--data-dir",
         str(data)], capture_output=True, text=True, check=True).stdout
    days = json.loads(exported)
    assert [d["date"] for d in days] == [recent.isoformat(), today.isoformat()]
    assert counted(days[1]["buckets"]) == counted(again["buckets"])
    csv_out = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "export", "acme", "--channel", "web",
         "--from", today.isoformat(), "--to", today.isoformat(), "--data-dir", str(data)],
        capture_output=True, text=True, check=True).stdout
    assert csv_out.splitlines()[0] == lines[0] and len(csv_out.splitlines()) == 97
