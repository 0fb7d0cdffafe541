"""``wallboard serve --role ingest`` as a real process in front of a real 3-node NATS
JetStream cluster, with an engine worker process behind it and PostgreSQL: events POSTed are
answered once stored, a batch sent again is all duplicates, and killing the stream's leader
while events are being posted loses nothing acknowledged: the engine counts every one."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import nats
import pytest
from nats.js.api import StreamConfig
from nats.js.errors import APIError, NotFoundError

from server import Server, engine_worker
from wallboard.cluster.owner import ask_owner
from wallboard.cluster.partitions import SUBJECTS
from wallboard.cluster.stream import STREAM
from wallboard.compare import differences, figures
from wallboard.connectors.chatwoot.setup import SETTING, ChatwootSetup
from wallboard.engine import Account, build, encode
from wallboard.events import decode_event
from wallboard.local_nats import LocalNats
from wallboard.local_postgres import LocalPostgres
from wallboard.service import Admin, SnapshotQuery
from wallboard.sim import SimConfig, simulate
from wallboard.sim_chatwoot import body_of, chatwoot_day, signed_headers
from wallboard.store import AccountConfig, open_store

PARTITIONS = 8
HOOK_SECRET = "w3bh00k-s3cret-from-chatwoot"
_databases = itertools.count()


def counted(snapshot: dict[str, Any]) -> tuple[int, ...]:
    total = snapshot["total"]
    return (total["arrived"], total["served"], total["unserved"]["total"],
            total["wait_samples"])


async def _leader(cluster: LocalNats) -> str:
    nc = await nats.connect(servers=cluster.urls)
    try:
        info = await nc.jetstream().stream_info(STREAM)
        return str(info.cluster.leader)  # type: ignore[union-attr]
    finally:
        await nc.close()


async def _ask(cluster: LocalNats, account: str) -> dict[str, Any] | None:
    nc = await nats.connect(servers=cluster.urls)
    try:
        owned = await ask_owner(nc, account, SnapshotQuery(), PARTITIONS)
        return None if owned is None else dict(json.loads(owned.data))
    finally:
        await nc.close()


@contextlib.contextmanager
def _ingest_before_a_worker(cluster: LocalNats, dsn: str, tmp_path: Path,
                            accounts: tuple[str, ...]) -> Iterator[Server]:
    """An ingest role in front of one engine worker, both real processes, once the worker
    holds ``accounts``; both stopped after."""
    worker = engine_worker("w", cluster.urls, dsn, PARTITIONS, tmp_path / "worker.log")
    ingest = Server(tmp_path / "unused", "--role", "ingest", "--nats", ",".join(cluster.urls),
                    "--postgres", dsn, "--partitions", str(PARTITIONS), "--replicas", "3")
    try:
        ingest.start()
        deadline = time.monotonic() + 30
        while any(asyncio.run(_ask(cluster, a)) is None for a in accounts):
            assert time.monotonic() < deadline, "the engine worker never took the accounts"
            time.sleep(0.2)
        yield ingest
    finally:
        if ingest.process is not None:
            ingest.stop()
        worker.kill()
        worker.wait(10)


def test_ingest_answers_once_stored_and_loses_nothing_when_the_stream_leader_dies(
        nats_cluster: LocalNats, postgres: LocalPostgres, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    dsn = postgres.create_database(f"ingest_{next(_databases)}")
    with Admin(dsn, "postgres") as admin:
        admin.create_account(AccountConfig("acme", "UTC"))
        _, secret = admin.create_token("acme", "ingest")
    now = int(time.time() * 1000)
    events = simulate(SimConfig(seed=9, account="acme", timezone="UTC",
                                start_ms=now - 3600_000, hours=1, busy_from_start=True,
                                staffing=0.5)).events
    engine = Account("acme", "UTC")
    for raw in events:
        engine.apply(decode_event(json.dumps(raw), now)[1], now)
    expected = counted(json.loads(encode(build(engine, now))))
    batches = [events[i:i + 200] for i in range(0, len(events), 200)]
    slowest = 0.0
    with _ingest_before_a_worker(nats_cluster, dsn, tmp_path, ("acme",)) as ingest:
        with httpx.Client(base_url=ingest.url, timeout=60, trust_env=False,
                          headers={"Authorization": f"Bearer {secret}"}) as client:
            for number, batch in enumerate(batches):
                if number == len(batches) // 2:  # half way: the stream's leader dies
                    leader = asyncio.run(_leader(nats_cluster))
                    nats_cluster.kill_node(next(i for i, n in enumerate(nats_cluster.nodes)
                                                if n.name == leader))
                started = time.monotonic()
                reply = client.post("/api/v1/events", json=batch)
                slowest = max(slowest, time.monotonic() - started)
                assert reply.status_code == 200, reply.text
                assert reply.json()["accepted"] == len(batch), reply.text
            again = client.post("/api/v1/events", json=batches[0]).json()
            assert again["duplicate"] == len(batches[0]) and again["accepted"] == 0
        deadline = time.monotonic() + 20
        while True:
            found = asyncio.run(_ask(nats_cluster, "acme"))
            if found is not None and counted(found) == expected:
                break
            assert time.monotonic() < deadline, (found and counted(found), expected)
            time.sleep(0.2)
    with capsys.disabled():
        print(f"\n  ingest role: {len(events):,} events in {len(batches)} POSTs, the stream's "
              f"leader killed half way; slowest reply {slowest:.1f} s; all counted")


async def _stream_with_a_short_window(cluster: LocalNats, window_s: float | None) -> None:
    """The stream made anew with a duplicate window of ``window_s`` (None: removed, for the
    next test to make its own), asked again while the cluster elects a leader."""
    nc = await nats.connect(servers=cluster.urls)
    js = nc.jetstream()
    deadline = time.monotonic() + 30
    while True:
        try:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(STREAM)
            if window_s is not None:
                # One replica: this test needs no more, and asks nothing of a node just back.
                await js.add_stream(StreamConfig(name=STREAM, subjects=[SUBJECTS],
                                                 num_replicas=1, duplicate_window=window_s))
            break
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError, APIError):
            assert time.monotonic() < deadline, "JetStream never answered"
            await asyncio.sleep(0.5)
    await nc.close()


def test_duplicates_and_conflicts_are_told_exactly_after_jetstreams_window(
        nats_cluster: LocalNats, postgres: LocalPostgres, tmp_path: Path) -> None:
    # JetStream forgets a message id after its window (1 s here, 2 minutes by default); the
    # engine does not, and the ingest role answers what it says. A node killed by a test
    # before comes back first.
    for index, node in enumerate(nats_cluster.nodes):
        if node.process is None or node.process.poll() is not None:
            nats_cluster.start_node(index)
    asyncio.run(_stream_with_a_short_window(nats_cluster, 1.0))
    dsn = postgres.create_database(f"ingest_{next(_databases)}")
    with Admin(dsn, "postgres") as admin:
        admin.create_account(AccountConfig("acme", "UTC"))
        _, secret = admin.create_token("acme", "ingest")
    now = int(time.time() * 1000)
    events = [{"id": f"e{i}", "type": "conversation.started", "account": "acme",
               "at": now - 60_000, "conversation": f"c{i}", "channel": "web_chat"}
              for i in range(4)]
    try:
        with _ingest_before_a_worker(nats_cluster, dsn, tmp_path, ("acme",)) as ingest:
            with httpx.Client(base_url=ingest.url, timeout=60, trust_env=False,
                              headers={"Authorization": f"Bearer {secret}"}) as client:
                def told(batch: list[dict[str, Any]]) -> tuple[int, int, int]:
                    reply = client.post("/api/v1/events", json=batch)
                    assert reply.status_code == 200, reply.text
                    body = reply.json()
                    return body["accepted"], body["duplicate"], body["conflict"]

                assert told(events[:3]) == (3, 0, 0)
                assert told(events[:3]) == (0, 3, 0)  # within the window: JetStream drops them
                time.sleep(1.5)
                assert told(events[:3]) == (0, 3, 0)  # after it: the engine says so
                other = {**events[0], "channel": "email"}  # the same id, another content
                assert told([other, events[3], events[3]]) == (1, 1, 1)
                time.sleep(1.5)
                assert told([other, {**events[3], "at": now - 30_000}]) == (0, 0, 2)
            found = asyncio.run(_ask(nats_cluster, "acme"))
            assert found is not None and found["total"]["arrived"] == 4
            assert [c["id"] for c in found["channels"]] == ["web_chat"]  # the first versions
    finally:
        asyncio.run(_stream_with_a_short_window(nats_cluster, None))


def test_chatwoot_webhooks_through_the_ingest_role_count_as_the_same_day_sent_as_events(
        nats_cluster: LocalNats, postgres: LocalPostgres, tmp_path: Path) -> None:
    """The connector beside the ingest route: a simulated Chatwoot hour's webhooks, signed,
    to the ingest role, give the engine worker the figures of the same hour sent as events."""
    dsn = postgres.create_database(f"ingest_{next(_databases)}")
    with Admin(dsn, "postgres") as admin:
        for account in ("native", "cw"):
            admin.create_account(AccountConfig(account, "UTC"))
        _, secret = admin.create_token("native", "ingest")
    store = open_store(dsn, "postgres")
    store.save_setting("cw", SETTING, msgspec.json.encode(ChatwootSetup(secret=HOOK_SECRET)))
    store.close()
    now = int(time.time() * 1000)
    simulated = simulate(SimConfig(seed=5, account="native", timezone="UTC",
                                   start_ms=now - 3600_000, hours=1, busy_from_start=True,
                                   staffing=0.5)).events
    native = chatwoot_day(simulated, "native").native
    webhooks = chatwoot_day(simulated, "cw").webhooks
    with _ingest_before_a_worker(nats_cluster, dsn, tmp_path, ("native", "cw")) as ingest:
        with httpx.Client(base_url=ingest.url, timeout=60, trust_env=False) as client:
            for start in range(0, len(native), 1000):
                sent = client.post("/api/v1/events", json=native[start:start + 1000],
                                   headers={"Authorization": f"Bearer {secret}"}).json()
                assert sent["rejected"] == 0, sent["problems"][:3]
            for payload in webhooks:
                body = body_of(payload)
                reply = client.post("/api/v1/connectors/chatwoot/cw", content=body,
                                    headers=signed_headers(HOOK_SECRET, body))
                assert reply.status_code == 200 and reply.json()["rejected"] == 0, reply.text
        deadline = time.monotonic() + 20
        while True:
            cw, sent_as_events = (asyncio.run(_ask(nats_cluster, a)) for a in ("cw", "native"))
            assert cw is not None and sent_as_events is not None
            found = differences(figures(cw), figures(sent_as_events))
            if found == []:
                break
            assert time.monotonic() < deadline, found[:5]
            time.sleep(0.5)
    assert cw["total"]["arrived"] > 50  # an hour worth comparing
