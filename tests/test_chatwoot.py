"""The Chatwoot connector through a real ``wallboard serve`` on 127.0.0.1: webhooks shaped
as Chatwoot sends them (chatwoot_payloads), signed as Chatwoot signs them, end in the snapshot
a supervisor expects; unsigned, badly signed and stale ones are refused with a 401 naming
the header and a line in the log; a delivery sent again is counted once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatwoot_standin import ChatwootStandIn, listed
from chatwoot_standin import agent as standin_agent
from conftest import noon_zone
from server import Server, create_account, token
from wallboard.compare import differences, figures
from wallboard.sim import SimConfig, simulate
from wallboard.sim_chatwoot import (
    agent,
    body_of,
    bot,
    chatwoot_day,
    conversation,
    message,
    signed_headers,
)

SECRET = "w3bh00k-s3cret-from-chatwoot"
ANA = agent(3, "Ana")
SALES = {"id": 2, "name": "sales"}
HOOK = "/api/v1/connectors/chatwoot/acme"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("chatwoot") / "data"
    create_account(data, "acme", noon_zone())
    tokens = {role: token(data, "acme", role) for role in ("admin", "view")}
    server = Server(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
            reply = client.put("/api/v1/accounts/acme/connectors/chatwoot",
                               json={"secret": SECRET},
                               headers={"Authorization": f"Bearer {tokens['admin']}"})
            assert reply.status_code == 200 and reply.json()["secret"] is None, reply.text
            yield {"server": server, "client": client, "tokens": tokens}
    finally:
        server.stop()


def send(client: httpx.Client, payload: dict[str, Any], **signing: Any) -> httpx.Response:
    body = body_of(payload)
    return client.post(HOOK, content=body, headers=signed_headers(SECRET, body, **signing))


def snapshot(world: dict[str, Any]) -> dict[str, Any]:
    reply = world["client"].get("/api/v1/accounts/acme/snapshot", headers={
        "Authorization": f"Bearer {world['tokens']['view']}"})
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def test_a_chatwoot_morning_ends_in_the_snapshot_a_supervisor_expects(
        served: dict[str, Any]) -> None:
    client, now = served["client"], float(int(time.time()) - 900)
    day = [
        # Served: created in the site widget for Sales, the visitor writes, Ana takes it
        # 30 s later and answers, and resolves it.
        conversation(1, "open", at=now, team=SALES, labels=["billing"],
                     event="conversation_created"),
        message(10, "incoming", conversation(1, "open", at=now + 2, team=SALES), at=now + 2),
        conversation(1, "open", at=now + 30, team=SALES, assignee=ANA,
                     event="conversation_updated", changed={"assignee_id": (None, 3)}),
        message(11, "outgoing", conversation(1, "open", at=now + 40, team=SALES,
                                             assignee=ANA), at=now + 40, sender=ANA),
        conversation(1, "resolved", at=now + 300, team=SALES, assignee=ANA,
                     event="conversation_status_changed",
                     changed={"status": ("open", "resolved")}),
        # Unassigned: an email nobody took, resolved by the system.
        conversation(2, "open", at=now + 10, inbox_id=2, channel="Channel::Email",
                     event="conversation_created"),
        message(20, "incoming", conversation(2, "open", at=now + 10, inbox_id=2,
                                             channel="Channel::Email"), at=now + 10),
        conversation(2, "resolved", at=now + 600, inbox_id=2, channel="Channel::Email",
                     event="conversation_status_changed",
                     changed={"status": ("open", "resolved")}),
        # A bot's from start to end: never in the queue, counted nowhere.
        conversation(3, "pending", at=now + 20, assignee=bot(9),
                     event="conversation_created"),
        conversation(3, "resolved", at=now + 200, assignee=bot(9),
                     event="conversation_status_changed",
                     changed={"status": ("pending", "resolved")}),
        # Still waiting in the site chat; an agent snoozes it: it waits on.
        conversation(4, "open", at=now + 800, event="conversation_created"),
        message(40, "incoming", conversation(4, "open", at=now + 801), at=now + 801),
        conversation(4, "snoozed", at=now + 810, event="conversation_status_changed",
                     changed={"status": ("open", "snoozed")}),
        # A bot hands a conversation over: it enters the queue then.
        conversation(5, "pending", at=now + 820, assignee=bot(9),
                     event="conversation_created"),
        conversation(5, "open", at=now + 850, event="conversation_status_changed",
                     changed={"status": ("pending", "open"), "assignee_agent_bot_id": (9, None)}),
        # The email's visitor writes again: Chatwoot reopens it, a new conversation here.
        message(21, "incoming", conversation(2, "open", at=now + 860, inbox_id=2,
                                             channel="Channel::Email"), at=now + 860),
        conversation(2, "open", at=now + 860, inbox_id=2, channel="Channel::Email",
                     event="conversation_status_changed",
                     changed={"status": ("resolved", "open")}),
    ]
    for payload in day:
        reply = send(client, payload)
        assert reply.status_code == 200 and reply.json()["rejected"] == 0, reply.text
    snap = snapshot(served)
    total = snap["total"]
    assert (total["arrived"], total["served"], total["unserved"]["unassigned"],
            total["in_queue"], total["wait_samples"]) == (5, 1, 1, 3, 2)
    assert total["topics"] == {"billing": 1}
    waiting = served["client"].get("/api/v1/accounts/acme/explain", params={
        "figure": "in_queue"}, headers={"Authorization": f"Bearer {served['tokens']['view']}"})
    # Chatwoot's own conversation numbers, the reopened email's second life after them.
    assert sorted(i["conversation"] for i in waiting.json()["items"]) == ["2/2", "4", "5"]
    kinds = {c["id"]: c["kind"] for c in snap["channels"]}
    assert kinds == {"inbox-1": "web_chat", "inbox-2": "email"}
    sales = next(g for g in snap["groups"] if g["id"] == "team-2")
    # Created at a whole second (Chatwoot's created_at), assigned at 30.123456 s after
    # (its updated_at has a fraction): the wait, to the millisecond.
    assert sales["name"] == "sales" and sales["served"] == 1 and sales["avg_wait_s"] == 30.123


def test_signatures_missing_wrong_or_stale_are_refused_naming_the_header(
        served: dict[str, Any]) -> None:
    client, server = served["client"], served["server"]
    before = snapshot(served)["total"]["arrived"]
    payload = conversation(50, "open", at=time.time(), event="conversation_created")
    body = body_of(payload)
    good = signed_headers(SECRET, body)
    cases = {
        "X-Chatwoot-Signature": {k: v for k, v in good.items()
                                 if k != "X-Chatwoot-Signature"},
        "X-Chatwoot-Timestamp": {k: v for k, v in good.items()
                                 if k != "X-Chatwoot-Timestamp"},
    }
    wrong = signed_headers("another-secret-entirely", body)
    stale = signed_headers(SECRET, body, stamp=int(time.time()) - 3600)
    for field, headers in [*cases.items(), ("X-Chatwoot-Signature", wrong),
                           ("X-Chatwoot-Timestamp", stale)]:
        reply = client.post(HOOK, content=body, headers=headers)
        assert reply.status_code == 401, reply.text
        assert reply.json()["error"]["field"] == field
    tampered = client.post(HOOK, content=body.replace(b'"open"', b'"resolved"'), headers=good)
    assert tampered.status_code == 401
    nobody = client.post("/api/v1/connectors/chatwoot/beta", content=body, headers=good)
    assert nobody.status_code == 401 and nobody.json()["error"]["field"] == "account"
    assert snapshot(served)["total"]["arrived"] == before  # nothing of the above counted
    log = Path(server.log).read_text()
    assert log.count("chatwoot webhook for acme refused") >= 5  # one line each
    assert "chatwoot webhook for beta refused: no Chatwoot connector" in log


def test_a_delivery_sent_again_is_counted_once(served: dict[str, Any]) -> None:
    client = served["client"]
    before = snapshot(served)["total"]["arrived"]
    created = conversation(60, "open", at=time.time() - 60, event="conversation_created")
    first = send(client, created, delivery="d-60")
    assert first.json()["accepted"] == 1
    again = send(client, created, delivery="d-60")  # a proxy's resend: the same delivery
    assert again.status_code == 200 and again.json()["ignored"] is True
    anew = send(client, created)  # the same webhook under another delivery id
    assert anew.json()["accepted"] == 0
    visitor = message(61, "incoming", conversation(60, "open", at=time.time() - 50),
                      at=time.time() - 50)
    assert send(client, visitor).json()["accepted"] == 1
    assert send(client, visitor).json()["duplicate"] == 1  # the event id is Chatwoot's
    assert snapshot(served)["total"]["arrived"] == before + 1


def test_the_sync_says_who_is_there_and_repairs_missed_webhooks(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", noon_zone())
    view = token(data, "acme", "view")
    admin = token(data, "acme", "admin")
    server = Server(data).start()
    ana, bob = standin_agent(3, "Ana", "online"), standin_agent(4, "Bob", "busy")
    try:
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client, \
                ChatwootStandIn("cw-admin-token") as chatwoot:
            world = {"client": client, "tokens": {"view": view}}
            assert client.put("/api/v1/accounts/acme/connectors/chatwoot",
                              json={"secret": SECRET}, headers={
                                  "Authorization": f"Bearer {admin}"}).status_code == 200
            chatwoot.agents = [ana, bob]
            chatwoot.teams = [{"id": 2, "name": "sales", "description": "",
                               "allow_auto_assign": True, "account_id": 1, "is_member": False,
                               "members": [3, 4]}]
            chatwoot.inboxes = [{"id": 1, "channel_id": 1, "name": "Site",
                                 "channel_type": "Channel::WebWidget",
                                 "enable_auto_assignment": True,
                                 "auto_assignment_config": {"max_assignment_limit": 2},
                                 "members": [3, 4]}]
            # A conversation comes in (its webhooks arrive) ...
            start = int(time.time()) - 300
            send(client, conversation(7, "open", at=start, team=SALES,
                                      event="conversation_created"))
            send(client, message(70, "incoming", conversation(7, "open", at=start + 1,
                                                              team=SALES), at=start + 1))
            assert snapshot(world)["total"]["in_queue"] == 1
            # ... Ana takes it, but that webhook is lost on the way.
            chatwoot.conversations = [listed(7, "open", at=start + 60, team=SALES,
                                             assignee=standin_agent(3, "Ana", "online"))]

            def sync() -> str:
                done = subprocess.run(
                    [sys.executable, "-m", "wallboard.cli", "chatwoot", "sync", "--url",
                     chatwoot.url, "--api-token", "cw-admin-token", "--account", "1", "--to",
                     "acme", "--wallboard", server.url, "--secret", SECRET, "--once"],
                    capture_output=True, text=True, timeout=60)
                assert done.returncode == 0, done.stderr
                return done.stdout

            assert "1 conversations reconciled" in sync()
            total = snapshot(world)["total"]
            # Ana is available (Bob busy), with the inbox's limit of 2 and one in work.
            assert (total["in_queue"], total["in_work"], total["operators_available"],
                    total["slots_available"]) == (0, 1, 1, 1)
            snap = snapshot(world)
            assert {c["id"]: c.get("name") for c in snap["channels"]} == {"inbox-1": "Site"}
            assert [g["name"] for g in snap["groups"] if g["id"] == "team-2"] == ["sales"]
            assert all("api_access_token" not in call for call in chatwoot.calls)
            # Ana goes offline, and the resolution's webhook is lost too.
            chatwoot.agents = [standin_agent(3, "Ana", "offline"), bob]
            chatwoot.conversations = [listed(7, "resolved", at=int(time.time()) - 5,
                                             team=SALES,
                                             assignee=standin_agent(3, "Ana", "offline"))]
            sync()
            total = snapshot(world)["total"]
            assert (total["in_work"], total["operators_available"]) == (0, 0)
            # No operator message came: the contract calls it missed.
            assert (total["arrived"], total["unserved"]["missed"]) == (1, 1)
            sync()  # nothing new: nothing changes
            assert snapshot(world)["total"] == total
            # A conversation resolved two hours ago while both its webhook and the sync were
            # away: not in Chatwoot's lists of open or lately resolved ones, but live here.
            send(client, conversation(8, "open", at=start + 100, event="conversation_created"))
            assert snapshot(world)["total"]["in_queue"] == 1
            chatwoot.conversations.append(listed(8, "resolved", at=start - 7200))
            sync()
            assert snapshot(world)["total"]["in_queue"] == 0
            assert any(call.endswith("/conversations/8") for call in chatwoot.calls)
    finally:
        server.stop()


def test_a_simulated_chatwoot_day_counts_as_the_same_day_sent_as_events(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    zone = noon_zone()
    for account in ("native", "cw"):
        create_account(data, account, zone)
    tokens = {a: {r: token(data, a, r) for r in ("ingest", "view", "admin")}
              for a in ("native", "cw")}
    now = int(time.time() * 1000)
    simulated = simulate(SimConfig(seed=21, account="native", timezone=zone,
                                   start_ms=now - 2 * 3600_000, hours=2,
                                   busy_from_start=True, staffing=0.6)).events
    native = chatwoot_day(simulated, "native")
    webhooks = chatwoot_day(simulated, "cw").webhooks
    server = Server(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
            def auth(account: str, role: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {tokens[account][role]}"}

            assert client.put("/api/v1/accounts/cw/connectors/chatwoot",
                              json={"secret": SECRET},
                              headers=auth("cw", "admin")).status_code == 200
            for start in range(0, len(native.native), 1000):
                sent = client.post("/api/v1/events", json=native.native[start:start + 1000],
                                   headers=auth("native", "ingest")).json()
                assert sent["rejected"] == 0, sent["problems"][:3]
            for payload in webhooks:
                body = body_of(payload)
                reply = client.post("/api/v1/connectors/chatwoot/cw", content=body,
                                    headers=signed_headers(SECRET, body))
                assert reply.status_code == 200 and reply.json()["rejected"] == 0, reply.text
            snaps = {a: client.get(f"/api/v1/accounts/{a}/snapshot",
                                   headers=auth(a, "view")).json() for a in ("native", "cw")}
    finally:
        server.stop()
    assert snaps["cw"]["total"]["arrived"] > 100  # a day worth comparing
    assert snaps["cw"]["total"]["operators_available"] > 0
    assert differences(figures(snaps["cw"]), figures(snaps["native"])) == []
    waits = [s["total"]["longest_wait_s"] for s in (snaps["cw"], snaps["native"])]
    assert waits[0] is not None and abs(waits[0] - waits[1]) < 1


def test_serve_runs_the_sync_beside_itself(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", noon_zone())
    view, admin = token(data, "acme", "view"), token(data, "acme", "admin")
    with ChatwootStandIn("cw-admin-token") as chatwoot:
        chatwoot.agents = [standin_agent(3, "Ana", "online")]
        server = Server(data, "--chatwoot-sync", "acme", "--chatwoot-url", chatwoot.url,
                        "--chatwoot-account", "1", "--chatwoot-every", "1",
                        env={"WALLBOARD_CHATWOOT_API_TOKEN": "cw-admin-token",
                             "WALLBOARD_CHATWOOT_SECRET": SECRET}).start()
        try:
            with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
                world = {"client": client, "tokens": {"view": view}}
                assert client.put("/api/v1/accounts/acme/connectors/chatwoot",
                                  json={"secret": SECRET}, headers={
                                      "Authorization": f"Bearer {admin}"}).status_code == 200
                deadline = time.monotonic() + 15
                while snapshot(world)["total"]["operators_available"] != 1:
                    assert time.monotonic() < deadline, "the sync never said Ana is there"
                    time.sleep(0.2)
                chatwoot.agents = [standin_agent(3, "Ana", "offline")]
                while snapshot(world)["total"]["operators_available"] != 0:
                    assert time.monotonic() < deadline, "the sync never said Ana left"
                    time.sleep(0.2)
        finally:
            server.stop()


@pytest.mark.parametrize("args", [
    ["serve", "--chatwoot-sync", "acme", "--chatwoot-url", "http://127.0.0.1:9"],
    ["chatwoot", "sync", "--url", "http://127.0.0.1:9", "--account", "1", "--to", "acme"],
])
def test_the_sync_without_its_secrets_says_what_is_missing(args: list[str],
                                                           tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_CHATWOOT")}
    done = subprocess.run([sys.executable, "-m", "wallboard.cli", *args, "--data-dir",
                           str(tmp_path)] if args[0] == "serve" else
                          [sys.executable, "-m", "wallboard.cli", *args],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "WALLBOARD_CHATWOOT" in done.stderr, done.stderr


def test_hostile_webhooks_get_clear_answers_never_a_500(served: dict[str, Any]) -> None:
    client, server = served["client"], served["server"]
    body = body_of(conversation(70, "open", at=time.time(), event="conversation_created"))
    good = signed_headers(SECRET, body)
    # A "digit" that is not an ASCII one: refused as a timestamp, not a crash.
    odd = {**good, "X-Chatwoot-Timestamp": "\u00b2"}
    reply = client.post(HOOK, content=body,
                        headers={k: v.encode("latin-1") for k, v in odd.items()})
    assert reply.status_code == 401 and reply.json()["error"]["field"] == \
        "X-Chatwoot-Timestamp"
    # Signed nonsense: deeply nested, an array, a payload of the wrong types.
    for nonsense in (b"[" * 100_000 + b"]" * 100_000, b"[1, 2]",
                     b'{"event": "conversation_created", "id": "x", "inbox_id": [],'
                     b' "status": 7}'):
        reply = client.post(HOOK, content=nonsense, headers=signed_headers(SECRET, nonsense))
        assert reply.status_code == 400 and reply.json()["error"]["field"] == "body", \
            reply.text
    # More than a webhook's limit (1 MiB) is refused before it is all read.
    huge = b'{"event": "conversation_created", "pad": "' + b"x" * (2 << 20) + b'"}'
    reply = client.post(HOOK, content=huge, headers=signed_headers(SECRET, huge))
    assert reply.status_code == 413
    # An account id no account could have is logged as given, quoted, never raw.
    reply = client.post("/api/v1/connectors/chatwoot/x%0Aforged%20line", content=body,
                        headers=good)
    assert reply.status_code in (401, 404)
    assert "\nforged line" not in Path(server.log).read_text()
    assert client.get("/healthz").status_code == 200
