"""kill -9 in the middle of a stream of batches: no acknowledged event is lost."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from server import Server, create_account, token
from wallboard.store.sqlite import DB_NAME


def seeded_events(seed: int, conversations: int) -> list[dict[str, Any]]:
    """A small contact center's events over the last minutes (ids unique, times valid now)."""
    rnd = random.Random(seed)
    base = int(time.time() * 1000) - 240_000
    events: list[dict[str, Any]] = []

    def add(kind: str, at: int, **fields: Any) -> None:
        events.append({"id": f"s{seed}-{len(events)}", "type": kind, "account": "acme",
                       "at": at, **fields})

    for op in range(5):
        add("operator.updated", base, operator=f"op{op}", groups=[f"g{op % 3}"], max_chats=3)
        add("operator.status", base + 1, operator=f"op{op}", status="available")
    for c in range(conversations):
        cid, at = f"c{c}", base + rnd.randrange(200_000)
        add("conversation.started", at, conversation=cid, channel=f"ch{c % 4}",
            group=f"g{c % 3}", topic=rnd.choice(["billing", "доставка"]))
        add("message.visitor", at + 500, conversation=cid)
        if rnd.random() < 0.7:
            add("conversation.assigned", at + rnd.randrange(1_000, 30_000), conversation=cid,
                operator=f"op{rnd.randrange(5)}")
            add("message.operator", at + 31_000, conversation=cid)
        if rnd.random() < 0.6:
            add("conversation.closed", at + 35_000, conversation=cid,
                by=rnd.choice(["visitor", "operator", "system"]))
    rnd.shuffle(events)  # order must not matter
    return events


def test_kill_9_mid_stream_then_resend_gives_the_replay(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    ingest, view = token(data, "acme", "ingest"), token(data, "acme", "view")
    events = seeded_events(seed=11, conversations=1500)
    batches = [events[i:i + 40] for i in range(0, len(events), 40)]
    server = Server(data).start()
    acknowledged: set[str] = set()
    lock = threading.Lock()

    def send(mine: list[list[dict[str, Any]]]) -> None:
        with httpx.Client(base_url=server.url, timeout=10,
                          headers={"Authorization": f"Bearer {ingest}"}) as client:
            for batch in mine:
                try:
                    reply = client.post("/api/v1/events", json=batch)
                except httpx.TransportError:
                    return  # the server is gone
                if reply.status_code == 200:
                    problems = {p["index"] for p in reply.json()["problems"]}
                    with lock:
                        acknowledged.update(e["id"] for i, e in enumerate(batch)
                                            if i not in problems)

    senders = [threading.Thread(target=send, args=(batches[k::4],)) for k in range(4)]
    for s in senders:
        s.start()
    while len(acknowledged) < len(events) // 3:
        time.sleep(0.005)
    server.kill()
    for s in senders:
        s.join()
    assert 0 < len(acknowledged) < len(events), "the kill should land mid-stream"

    with sqlite3.connect(data / DB_NAME) as db:
        logged = {row[0] for row in db.execute("SELECT id FROM events")}
    assert acknowledged <= logged  # every acknowledged event survived the kill

    server = Server(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30,
                          headers={"Authorization": f"Bearer {ingest}"}) as client:
            for batch in batches:  # at-least-once: the client sends everything again
                reply = client.post("/api/v1/events", json=batch).json()
                assert reply["accepted"] + reply["duplicate"] == len(batch)
        with httpx.Client(base_url=server.url, timeout=30,
                          headers={"Authorization": f"Bearer {view}"}) as client:
            live = client.get("/api/v1/accounts/acme/snapshot").content
    finally:
        # SIGTERM: a clean stop (uvicorn re-raises the signal once shut down) that checkpoints.
        assert server.stop() in (0, -15)
        assert "Traceback" not in server.log.read_text()

    file = tmp_path / "all.ndjson"
    file.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events),
                    encoding="utf-8")
    replayed = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "replay", str(file), "--account", "acme",
         "--timezone", "Europe/Moscow", "--now", json.loads(live)["as_of"]],
        capture_output=True, check=True).stdout
    assert replayed == live + b"\n"

    # The graceful stop checkpointed; a restart from that checkpoint gives the same figures.
    with sqlite3.connect(data / DB_NAME) as db:
        assert db.execute("SELECT seq FROM checkpoints").fetchone()[0] == len(events)
    server = Server(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30,
                          headers={"Authorization": f"Bearer {view}"}) as client:
            again = client.get("/api/v1/accounts/acme/snapshot").json()
    finally:
        server.stop()
    assert again["total"] == {**json.loads(live)["total"],
                              "longest_wait_s": again["total"]["longest_wait_s"]}


def test_recovery_is_visible_then_ready_with_the_same_figures(tmp_path: Path) -> None:
    from wallboard.events import decode_event
    from wallboard.store import open_store

    data = tmp_path / "data"
    create_account(data, "acme")
    view = token(data, "acme", "view")
    now = int(time.time() * 1000)
    store = open_store(data)
    # Enough logged events (and no checkpoint) that recovery takes a noticeable moment.
    for chunk in range(40):
        events = [decode_event(json.dumps({
            "id": f"e{chunk}-{i}", "type": "conversation.started", "account": "acme",
            "at": now - 100_000 + i, "conversation": f"c{chunk}-{i}", "channel": f"ch{i % 7}",
        }), now)[1] for i in range(5000)]
        store.append("acme", events, now)
    store.close()

    server = Server(data).spawn()
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{server.url}/readyz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.01)
                continue
            seen.add(ready.status_code)
            if ready.status_code == 503:
                assert httpx.get(f"{server.url}/healthz").status_code == 200
                with server.client(view) as client:
                    early = client.get("/api/v1/accounts/acme/snapshot")
                # Ready by now, or told to come back.
                assert early.status_code == 200 or (
                    early.status_code == 503 and early.headers["retry-after"] == "1")
            if ready.status_code == 200:
                break
        with server.client(view) as client:
            total = client.get("/api/v1/accounts/acme/snapshot").json()["total"]
    finally:
        server.stop()
    assert seen == {503, 200}
    assert total["arrived"] == total["in_queue"] == 200_000
