"""``wallboard serve --role api`` as a real process over a real 3-node NATS cluster, two engine
workers, an ingest role and PostgreSQL: its figures are the owning worker's (equal to one
engine fed the same events), its stream pushes an event's effect within a second, a browser
session signs in through it, what it does not do is a 501, and a restart of PostgreSQL under
it is recovered from without anybody stepping in."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import noon_zone
from receivers import Receiver
from server import Server, engine_worker
from wallboard.engine import Account, build, encode
from wallboard.events import decode_event
from wallboard.local_nats import LocalNats
from wallboard.local_postgres import LocalPostgres
from wallboard.service import Admin
from wallboard.sim import SimConfig, simulate
from wallboard.store import AccountConfig, open_store

PARTITIONS = 8
_databases = itertools.count()


def counted(snapshot: dict[str, Any]) -> tuple[int, ...]:
    total = snapshot["total"]
    return (total["arrived"], total["served"], total["unserved"]["total"],
            total["wait_samples"], total["answered_within_sl"])


def sse_events(reply: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a server-sent events stream, as they come."""
    name = ""
    for line in reply.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, json.loads(line[6:])


@pytest.fixture()
def cluster(nats_cluster: LocalNats, postgres: LocalPostgres, tmp_path: Path
            ) -> Iterator[dict[str, Any]]:
    dsn = postgres.create_database(f"api_role_{next(_databases)}")
    zone = noon_zone()
    with Admin(dsn, "postgres") as admin:
        admin.create_account(AccountConfig("acme", zone))
        secrets = {role: admin.create_token("acme", role)[1]
                   for role in ("ingest", "view", "admin")}
    urls = ",".join(nats_cluster.urls)
    workers = [engine_worker(n, nats_cluster.urls, dsn, PARTITIONS, tmp_path / f"{n}.log")
               for n in ("a", "b")]
    roles = []
    try:
        for role in ("ingest", "api"):
            roles.append(Server(tmp_path / role, "--role", role, "--nats", urls, "--postgres",
                                dsn, "--partitions", str(PARTITIONS), "--replicas", "3"
                                ).start())
        yield {"ingest": roles[0], "api": roles[1], "secrets": secrets, "zone": zone,
               "workers": workers, "dsn": dsn}
    finally:
        for server in roles:
            server.stop()
        for worker in workers:
            worker.kill()
            worker.wait(10)


def _client(server: Server, secret: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                        headers={"Authorization": f"Bearer {secret}"})


def test_the_api_role_serves_the_owners_figures_live_and_survives_a_postgres_restart(
        cluster: dict[str, Any], postgres: LocalPostgres,
        capsys: pytest.CaptureFixture[str]) -> None:
    secrets, zone = cluster["secrets"], cluster["zone"]
    now = int(time.time() * 1000)
    events = simulate(SimConfig(seed=4, account="acme", timezone=zone,
                                start_ms=now - 3600_000, hours=1, busy_from_start=True,
                                staffing=0.5)).events
    engine = Account("acme", zone)
    for raw in events:
        engine.apply(decode_event(json.dumps(raw), now)[1], now)
    expected = counted(json.loads(encode(build(engine, now))))
    with _client(cluster["ingest"], secrets["ingest"]) as ingest, \
            _client(cluster["api"], secrets["view"]) as api:
        for i in range(0, len(events), 500):
            reply = ingest.post("/api/v1/events", json=events[i:i + 500])
            assert reply.status_code == 200 and reply.json()["accepted"] == len(
                events[i:i + 500]), reply.text
        # The figures, asked of the owning worker through the api role.
        deadline, got = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            reply = api.get("/api/v1/accounts/acme/snapshot")
            if reply.status_code == 200:
                got = counted(reply.json())
                if got == expected:
                    break
            else:
                assert reply.status_code == 503, reply.text  # the workers still starting
            time.sleep(0.2)
        assert got == expected
        for path in ("/api/v1/accounts/acme/operators", "/api/v1/accounts/acme/staffing",
                     "/api/v1/accounts/acme/trends", "/api/v1/accounts/acme/at-risk",
                     "/api/v1/accounts/acme/series?report=total",
                     "/api/v1/accounts/acme/series/rows"):
            reply = api.get(path)
            assert reply.status_code == 200, (path, reply.text)
        future = api.get("/api/v1/accounts/acme/snapshot", params={"date": "2999-01-01"})
        assert future.status_code == 400 and future.json()["error"]["field"] == "date"

        # The live stream: what it has at once, then an event's effect, pushed.
        with api.stream("GET", "/api/v1/accounts/acme/stream",
                        params={"include": "operators"}) as stream:
            feeds = sse_events(stream)
            seen: dict[str, dict[str, Any]] = {}
            while not {"snapshot", "operators"} <= set(seen):
                name, data = next(feeds)
                seen[name] = data
            assert counted(seen["snapshot"]) == expected
            posted = time.monotonic()
            late = {"id": "one-more", "type": "conversation.started", "account": "acme",
                    "at": int(time.time() * 1000), "conversation": "one-more",
                    "channel": "web_chat"}
            assert ingest.post("/api/v1/events", json=[late]).json()["accepted"] == 1
            for name, data in feeds:
                if name == "snapshot" and data["total"]["arrived"] == expected[0] + 1:
                    break
            pushed_s = time.monotonic() - posted
        assert pushed_s < 5

        # The conversations behind a figure, searched by the owning worker: as many as the
        # figure counts; a day before they were all kept, or one not begun, is a 400 naming
        # `date`, as in the single process.
        for figure, count in (("arrived", expected[0] + 1), ("served", expected[1])):
            reply = api.get("/api/v1/accounts/acme/explain",
                            params={"figure": figure, "limit": 500})
            assert reply.status_code == 200, reply.text
            found = reply.json()
            assert found["total"] == count and len(found["items"]) == min(count, 500)
        last = api.get("/api/v1/accounts/acme/explain", params={
            "figure": "arrived", "offset": expected[0], "limit": 1}).json()["items"]
        assert [i["conversation"] for i in last] == ["one-more"]  # the latest to arrive
        for date in ("2000-01-01", "2999-01-01"):
            refused = api.get("/api/v1/accounts/acme/explain",
                              params={"figure": "served", "date": date})
            assert refused.status_code == 400 and refused.json()["error"]["field"] == "date"

        # Thresholds and alerts through the api role: kept in PostgreSQL, applied, stepped
        # and delivered by the owning worker, as the single process does them.
        with _client(cluster["api"], secrets["admin"]) as admin, Receiver() as hook:
            channel = next(c for c in seen["snapshot"]["channels"]  # some waits were late
                           if c["wait_samples"] > c["answered_within_sl"])
            body = {"rows": [{"report": "channel", "id": channel["id"],
                              "sl_threshold_s": 86_400}]}
            assert admin.put("/api/v1/accounts/acme/thresholds", json=body).status_code == 200
            counted_again = next(c for c in api.get("/api/v1/accounts/acme/snapshot").json()[
                "channels"] if c["id"] == channel["id"])
            assert counted_again["answered_within_sl"] == counted_again["wait_samples"]
            rule = admin.post("/api/v1/accounts/acme/alert-rules", json={
                "name": "busy day", "figure": "arrived", "comparison": "above",
                "threshold": 1, "hold_s": 0, "rows": [{"report": "total"}],
                "webhook": {"url": hook.url, "secret": "s" * 16}})
            assert rule.status_code == 201, rule.text
            firing = hook.wait_for(1)[0].json()
            assert firing["event"] == "firing" and firing["alert"]["figure"] == "arrived"
            opened = api.get("/api/v1/accounts/acme/alerts/open").json()["open"]
            assert [a["id"] for a in opened] == [firing["alert"]["id"]]
            with api.stream("GET", "/api/v1/accounts/acme/stream",
                            params={"include": "alerts"}) as stream:
                feeds = sse_events(stream)
                shown = next(data for name, data in feeds if name == "alerts")
                assert [a["id"] for a in shown["open"]] == [firing["alert"]["id"]]
                acked = api.post(f"/api/v1/accounts/acme/alerts/{opened[0]['id']}/ack")
                assert acked.status_code == 200 and acked.json()["acked_at"] is not None
                # Pushed by the owner: a push already on its way (the firing's) may come
                # first, so the stream is read on until the acknowledgement shows.
                shown = next(data for name, data in feeds if name == "alerts"
                             and data["open"] and data["open"][0]["acked_at"] is not None)
                assert [a["id"] for a in shown["open"]] == [firing["alert"]["id"]]
                assert admin.delete(f"/api/v1/accounts/acme/alert-rules/{rule.json()['id']}"
                                    ).status_code == 204
                shown = next(data for name, data in feeds if name == "alerts"
                             and not data["open"])  # (read on past pushes already on the way)
                assert shown["open"] == []
            resolved = hook.wait_for(2)[1].json()
            assert resolved["event"] == "resolved"
            assert resolved["alert"]["resolved_why"] == "rule_changed"
            assert resolved["alert"]["acked_at"] is not None
            assert api.get("/api/v1/accounts/acme/alerts/open").json()["open"] == []
            history = api.get("/api/v1/accounts/acme/alerts").json()["alerts"]
            assert [a["id"] for a in history] == [firing["alert"]["id"]]
            deadline, states = time.monotonic() + 10, []
            while time.monotonic() < deadline:
                states = [d["state"] for d in admin.get(
                    "/api/v1/accounts/acme/alert-deliveries").json()]
                if states == ["delivered", "delivered"]:
                    break
                time.sleep(0.2)
            assert states == ["delivered", "delivered"]
        assert ingest.get("/api/v1/accounts/acme/snapshot").status_code == 404

        # The owner writes the day's history and series to PostgreSQL with its checkpoints
        # (every second here), as the single process writes them to its store.
        store = open_store(cluster["dsn"], "postgres")
        try:
            day = seen["snapshot"]["date"]
            deadline, kept = time.monotonic() + 10, []
            while time.monotonic() < deadline:
                kept = store.days("acme", day, day)
                if kept and json.loads(kept[0].snapshot)["total"]["arrived"] == expected[0] + 1:
                    break
                time.sleep(0.3)
            assert kept and counted(json.loads(kept[0].snapshot))[1:] == expected[1:]
            assert store.series_of_day("acme", day)
        finally:
            store.close()

        # PostgreSQL goes away for 3 s under the running cluster (the workers' checkpoints,
        # every second, fail meanwhile) and comes back: the workers live on, and sign-in and
        # history recover.
        postgres.stop()
        time.sleep(3)
        postgres.start()
        browser = httpx.Client(base_url=cluster["api"].url, timeout=30, trust_env=False)
        deadline, statuses = time.monotonic() + 20, []
        while time.monotonic() < deadline:
            replies = [browser.post("/api/v1/session", json={"token": secrets["view"]}),
                       api.get("/api/v1/accounts/acme/history",
                               params={"from": day, "to": day})]
            statuses = [r.status_code for r in replies]
            if statuses == [201, 200]:
                break
            time.sleep(0.5)
        assert statuses == [201, 200]
        assert all(worker.poll() is None for worker in cluster["workers"])
        assert counted(replies[1].json()["days"][0])[0] == expected[0] + 1
        page = browser.get("/")  # the session opened through the api role opens the page
        browser.close()
        assert page.status_code == 200 and "<html" in page.text.lower()
    with capsys.disabled():
        print(f"\n  api role: {len(events):,} events; figures equal one engine's; an event "
              f"pushed to a stream {pushed_s * 1000:.0f} ms after its POST")
