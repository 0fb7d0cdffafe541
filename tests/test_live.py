"""What needs a real ``wallboard serve`` process: live streams, the command line acting on the
data directory while the service runs, and the write queue filling up under load."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server import Server, cli, create_account, token
from wallboard.events import parse_timestamp


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("live") / "data"
    create_account(data, "acme")
    tokens = {("acme", r): token(data, "acme", r) for r in ("ingest", "view", "admin")}
    server = Server(data).start()
    try:
        yield {"server": server, "tokens": tokens, "data": data}
    finally:
        server.stop()


def now_iso(offset_s: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + offset_s)) + "Z"


_n = iter(range(10**9))


def event(account: str = "acme", **fields: Any) -> dict[str, Any]:
    base = {"id": f"l{next(_n)}", "type": "conversation.started", "account": account,
            "at": now_iso(-30), "conversation": f"c{next(_n)}", "channel": "web"}
    return {**base, **fields}


def post(world: dict[str, Any], body: Any, secret: str | None = None) -> httpx.Response:
    secret = secret or world["tokens"]["acme", "ingest"]
    with world["server"].client(secret) as client:
        return client.post("/api/v1/events", json=body)


def snapshot(world: dict[str, Any], account: str = "acme") -> dict[str, Any]:
    with world["server"].client(world["tokens"][account, "view"]) as client:
        reply = client.get(f"/api/v1/accounts/{account}/snapshot")
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_the_command_line_acts_while_the_service_runs(world: dict[str, Any]) -> None:
    create_account(world["data"], "late-comer", "Asia/Kolkata")  # another process
    ingest = token(world["data"], "late-comer", "ingest")
    view = token(world["data"], "late-comer", "view")
    assert post(world, [event(account="late-comer")], ingest).json()["accepted"] == 1
    with world["server"].client(view) as client:
        snap = client.get("/api/v1/accounts/late-comer/snapshot").json()
    assert snap["timezone"] == "Asia/Kolkata" and snap["total"]["arrived"] == 1
    cli(world["data"], "token", "revoke", ingest.split("_")[1])
    assert post(world, [event(account="late-comer")], ingest).status_code == 401


def snapshots(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The snapshots of a server-sent event stream, as they come."""
    kind = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind == "snapshot":
            yield json.loads(line[6:])


def test_stream_pushes_changes_and_heartbeats(world: dict[str, Any]) -> None:
    server = world["server"]
    with server.client(world["tokens"]["acme", "view"]) as client, \
            client.stream("GET", "/api/v1/accounts/acme/stream") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = snapshots(response)
        first = next(stream)
        assert first["account"] == "acme"
        assert first["total"]["arrived"] == snapshot(world)["total"]["arrived"]
        posted = time.monotonic()
        post(world, [event()])
        pushed = next(stream)
        assert time.monotonic() - posted < 2
        assert pushed["total"]["arrived"] == first["total"]["arrived"] + 1
        # No traffic now: a snapshot still comes within 20 seconds.
        quiet = time.monotonic()
        beat = next(stream)
        assert time.monotonic() - quiet <= 21
        assert beat["total"]["arrived"] == pushed["total"]["arrived"]
        assert parse_timestamp(beat["as_of"]) > parse_timestamp(pushed["as_of"])


def feeds(response: httpx.Response, ticks: bool = False
          ) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every event of a server-sent event stream: (its name, its data); the ticks only when
    asked."""
    kind = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and (ticks or kind != "tick"):
            yield kind, json.loads(line[6:])


def test_the_stream_ticks_every_two_seconds_with_the_servers_time(world: dict[str, Any]
                                                                   ) -> None:
    with world["server"].client(world["tokens"]["acme", "view"]) as client, \
            client.stream("GET", "/api/v1/accounts/acme/stream") as response:
        got = feeds(response, ticks=True)
        assert [next(got)[0] for _ in range(2)] == ["snapshot", "tick"]  # at once
        started = time.monotonic()
        ticks = []
        while len(ticks) < 3:
            kind, data = next(got)
            if kind == "tick":
                ticks.append((time.monotonic() - started, data))
        # Every 2 s, with no traffic, whatever the snapshots' heartbeat (20 s).
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(ticks)]
        assert all(1.5 <= gap <= 2.6 for gap in gaps), gaps
        assert all(d["every_ms"] == 2000 for _, d in ticks)
        assert abs(ticks[-1][1]["at"] - time.time() * 1000) < 1000


def test_the_stream_carries_operators_and_staffing_when_asked(world: dict[str, Any]) -> None:
    server = world["server"]
    op = f"op{next(_n)}"
    with server.client(world["tokens"]["acme", "view"]) as client:
        bad = client.get("/api/v1/accounts/acme/stream", params={"include": "operators,gossip"})
        assert bad.status_code == 400 and bad.json()["error"]["field"] == "include"
        with client.stream("GET", "/api/v1/accounts/acme/stream",
                           params={"include": "staffing,operators"}) as response:
            stream = feeds(response)
            # At once: the snapshot, then each feed asked for, in that order.
            assert [next(stream)[0] for _ in range(3)] == ["snapshot", "operators", "staffing"]
            posted = time.monotonic()
            post(world, [{"id": f"l{next(_n)}", "type": "operator.status", "account": "acme",
                          "at": now_iso(-1), "operator": op, "status": "away"}])
            data = next(d for k, d in stream
                        if k == "operators" and any(o["id"] == op for o in d["operators"]))
            assert time.monotonic() - posted < 3  # at most one list a second
            mine = next(o for o in data["operators"] if o["id"] == op)
            assert mine["status"] == "away" and 0 <= mine["in_status_s"] < 10
            data = next(d for k, d in stream if k == "staffing")
            assert time.monotonic() - posted < 8  # at most one every 5 seconds
            assert data["account"] == "acme" and data["rows"][0]["report"] == "total"
    with server.client(world["tokens"]["acme", "view"]) as client, \
            client.stream("GET", "/api/v1/accounts/acme/stream") as response:
        plain = feeds(response)
        assert next(plain)[0] == "snapshot"
        post(world, [event()])
        assert next(plain)[0] == "snapshot"  # nothing else unless asked


def test_the_stream_carries_trends_and_hot_topics_when_asked(world: dict[str, Any]) -> None:
    with world["server"].client(world["tokens"]["acme", "view"]) as client, \
            client.stream("GET", "/api/v1/accounts/acme/stream",
                          params={"include": "trends"}) as response:
        stream = feeds(response)
        assert next(stream)[0] == "snapshot"
        kind, data = next(stream)
        assert kind == "trends" and set(data) == {"trends", "hot_topics"}
        assert data["trends"]["account"] == "acme" and data["trends"]["window_minutes"] == 30
        assert data["hot_topics"]["rows"][0]["report"] == "total"


def test_the_stream_carries_what_is_at_risk_when_asked(world: dict[str, Any]) -> None:
    with world["server"].client(world["tokens"]["acme", "view"]) as client, \
            client.stream("GET", "/api/v1/accounts/acme/stream",
                          params={"include": "at_risk"}) as response:
        stream = feeds(response)
        assert next(stream)[0] == "snapshot"
        kind, data = next(stream)
        assert kind == "at_risk" and data["account"] == "acme" and data["silent_after_s"] == 60
        assert data["rows"][0]["report"] == "total"
        # Once a second with no traffic: a wait crosses its threshold with time alone.
        times = []
        while len(times) < 3:
            kind, later = next(stream)
            if kind == "at_risk":
                times.append(time.monotonic())
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(0.5 <= gap <= 2.0 for gap in gaps), gaps
        assert later["as_of"] > data["as_of"]


def test_a_reconnecting_client_gets_the_current_snapshot_first(world: dict[str, Any]) -> None:
    server = world["server"]
    with server.client(world["tokens"]["acme", "view"]) as client:
        with client.stream("GET", "/api/v1/accounts/acme/stream") as response:
            before = next(snapshots(response))
        post(world, [event(), event()])
        with client.stream("GET", "/api/v1/accounts/acme/stream") as response:
            again = next(snapshots(response))
    assert again["total"]["arrived"] == before["total"]["arrived"] + 2


def test_a_full_write_queue_answers_429_and_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    secret = token(data, "acme", "ingest")
    server = Server(data, "--write-queue", "1").start()
    statuses: list[int] = []
    retry_after: list[str | None] = []
    accepted = 0

    def send(k: int) -> None:
        nonlocal accepted
        batch = [event(id=f"q{k}-{i}", conversation=f"q{k}-{i}") for i in range(4000)]
        with server.client(secret) as client:
            reply = client.post("/api/v1/events", json=batch)
        statuses.append(reply.status_code)
        retry_after.append(reply.headers.get("retry-after"))
        if reply.status_code == 200:
            accepted += reply.json()["accepted"]

    try:
        threads = [threading.Thread(target=send, args=(k,)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with server.client(token(data, "acme", "view")) as client:
            arrived = client.get("/api/v1/accounts/acme/snapshot").json()["total"]["arrived"]
    finally:
        server.stop()
    assert 429 in statuses and 200 in statuses, statuses
    assert all(r == "1" for s, r in zip(statuses, retry_after, strict=True) if s == 429)
    assert arrived == accepted == 4000 * statuses.count(200)


