"""Durable formats: what an earlier release wrote, this one still reads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from server import Server, token
from wallboard.events import decode_event, to_wire
from wallboard.store import open_store
from wallboard.store.sqlite import DB_NAME

RELEASE_0_1 = Path(__file__).parent / "fixtures" / "release-0.1"
DAY = "2026-11-26"
RECEIVED = 1_796_198_948_000  # when release 0.1 received them (2026-12-02)


def test_the_event_log_of_release_0_1_is_read_event_for_event(tmp_path: Path) -> None:
    shutil.copy(RELEASE_0_1 / DB_NAME, tmp_path / DB_NAME)
    sent = {}
    for line in (RELEASE_0_1 / "day.ndjson").read_bytes().splitlines():
        _, event = decode_event(line, RECEIVED)
        sent[event[2]] = event
    store = open_store(tmp_path)
    logged = {entry.event[2]: entry.event for entry in store.read("acme")}
    # Sent again, an event is a duplicate of its older-format body, not a conflict.
    again = list(sent.values())[:3]
    assert store.append("acme", again, RECEIVED) == ["duplicate"] * 3
    store.close()
    assert len(logged) == 1392 and logged == sent


def test_a_data_directory_of_release_0_1_is_served(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(RELEASE_0_1 / DB_NAME, data / DB_NAME)
    view = token(data, "acme", "view")
    replayed = json.loads(subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "replay", str(RELEASE_0_1 / "day.ndjson"),
         "--account", "acme", "--timezone", "Europe/Moscow", "--now",
         f"{DAY}T23:59:59+03:00"], capture_output=True, check=True).stdout)
    server = Server(data).start()  # from its checkpoint and the log after it
    try:
        with server.client(view) as client:
            day = client.get("/api/v1/accounts/acme/snapshot", params={"date": DAY}).json()
            for row in ("total",):
                for figure in ("arrived", "served", "unserved", "wait_samples",
                               "answered_within_sl", "avg_wait_s"):
                    assert day[row][figure] == replayed[row][figure], figure
            assert [c["id"] for c in day["channels"]] == [c["id"] for c in replayed["channels"]]
            # Its checkpoint (format 2) counted operators as available or not: loaded, they are
            # counted by status again, as a replay of the log counts them.
            now = client.get("/api/v1/accounts/acme/snapshot").json()
            known = [g for g in replayed["groups"] if g["id"] is not None]
            for a, b in zip([now["total"], *now["groups"]], [replayed["total"], *known],
                            strict=True):
                assert a["operators"] == b["operators"] and sum(a["operators"].values()) > 0
                assert (a["held"], a["capacity"]) == (b["held"], b["capacity"])
            series = client.get("/api/v1/accounts/acme/series", params={"date": DAY}).json()
            assert sum(b["arrived"] for b in series["buckets"]) == replayed["total"]["arrived"]
            cid = "s5.6b07cae0.c1"
            events = client.get(f"/api/v1/accounts/acme/conversations/{cid}/events")
            first = [json.loads(line) for line in
                     (RELEASE_0_1 / "day.ndjson").read_text().splitlines()
                     if json.loads(line).get("conversation") == cid]
            assert events.status_code == 200 and events.json()["state"] == "final"
            got = [e["event"] for e in events.json()["events"]]
            assert len(first) >= 3
            assert sorted(e["id"] for e in got) == sorted(e["id"] for e in first)
            assert all(e == to_wire("acme", decode_event(json.dumps(e), RECEIVED)[1])
                       for e in got)
    finally:
        server.stop()
