"""The service on PostgreSQL, as real processes: ``wallboard serve --postgres`` against the
tests' own server on 127.0.0.1; the command line sets it up the same way; nothing
acknowledged is lost across a SIGKILL of the service, and a restart of PostgreSQL under it
needs no manual step (the contract suite, tests/test_store.py, covers the store itself)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import httpx

from server import Server, cli
from wallboard.local_postgres import LocalPostgres
from wallboard.sim import SimConfig, simulate

_databases = itertools.count()
COUNTED = ("arrived", "served", "unserved", "wait_samples", "answered_within_sl")


def counters(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: snapshot["total"][key] for key in COUNTED}


def test_the_service_keeps_everything_in_postgres_across_a_sigkill_and_a_restart_of_it(
        tmp_path: Path, postgres: LocalPostgres) -> None:
    dsn = postgres.create_database(f"service_{next(_databases)}")
    data = tmp_path / "unused"  # nothing may be written here: the state is in PostgreSQL
    cli(data, "account", "create", "acme", "--timezone", "UTC", "--postgres", dsn)
    ingest = cli(data, "token", "create", "acme", "--role", "ingest", "--postgres", dsn)
    view = cli(data, "token", "create", "acme", "--role", "view", "--postgres", dsn)
    now = int(time.time() * 1000)
    events = simulate(SimConfig(seed=5, account="acme", timezone="UTC",
                                start_ms=now - 2 * 3600_000, hours=2, busy_from_start=True,
                                staffing=0.5)).events
    server = Server(data, "--postgres", dsn).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                          headers={"Authorization": f"Bearer {ingest}"}) as client:
            for i in range(0, len(events), 2000):
                reply = client.post("/api/v1/events", json=events[i:i + 2000])
                assert reply.status_code == 200 and not reply.json()["problems"], reply.text
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                          headers={"Authorization": f"Bearer {view}"}) as client:
            before = client.get("/api/v1/accounts/acme/snapshot").json()
        assert before["total"]["arrived"] > 100
        server.kill()  # no checkpoint: the log in PostgreSQL is all there is
        assert not data.exists()
        server = Server(data, "--postgres", dsn).start()
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                          headers={"Authorization": f"Bearer {view}"}) as client:
            after = client.get("/api/v1/accounts/acme/snapshot").json()
            assert counters(after) == counters(before)
            # PostgreSQL restarts under the running service: the connections it broke are
            # replaced as they are next used, so the very next requests succeed.
            postgres.restart()
            replies = [client.get("/api/v1/accounts/acme/history",
                                  params={"from": before["date"], "to": before["date"]}),
                       client.post("/api/v1/session", json={"token": view})]
            assert [r.status_code for r in replies] == [200, 201], [r.text for r in replies]
        # ... and ingest too: a new event is accepted and counted.
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                          headers={"Authorization": f"Bearer {ingest}"}) as client:
            late = {"id": "after-restart", "type": "conversation.started", "account": "acme",
                    "at": int(time.time() * 1000), "conversation": "after-restart",
                    "channel": "web"}
            reply = client.post("/api/v1/events", json=[late])
            assert reply.status_code == 200 and reply.json()["accepted"] == 1, reply.text
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                          headers={"Authorization": f"Bearer {view}"}) as client:
            final = client.get("/api/v1/accounts/acme/snapshot").json()
        assert final["total"]["arrived"] == before["total"]["arrived"] + 1
        assert "Error" not in server.log.read_text()  # nothing failed on the way
    finally:
        server.stop()
