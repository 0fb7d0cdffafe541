"""Alerts end to end, against a real ``wallboard serve`` process and real HTTP receivers on
127.0.0.1: rules checked and kept, alerts fired, acknowledged and resolved, webhooks signed
and retried, Telegram messages sent to a stand-in of its API, and nothing owed lost across a
SIGKILL."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from receivers import Receiver
from server import Server, create_account, token

SECRET = "a-webhook-secret-of-the-tests"
_n = itertools.count()


def now_iso(offset_s: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + offset_s)) + "Z"


class World:
    def __init__(self, data: Path, server: Server) -> None:
        self.server = server
        self.ingest = token(data, "acme", "ingest")
        self.view = token(data, "acme", "view")
        self.admin = token(data, "acme", "admin")

    def client(self, secret: str) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=10, trust_env=False,
                            headers={"Authorization": f"Bearer {secret}"})

    def post(self, *events: dict[str, Any]) -> None:
        with self.client(self.ingest) as c:
            reply = c.post("/api/v1/events", json=list(events))
        assert reply.status_code == 200 and reply.json()["accepted"] == len(events), reply.text

    def rule(self, **fields: Any) -> dict[str, Any]:
        with self.client(self.admin) as c:
            reply = c.post("/api/v1/accounts/acme/alert-rules", json=fields)
        assert reply.status_code == 201, reply.text
        created: dict[str, Any] = reply.json()
        return created

    def wait(self, conversation: str, channel: str) -> None:
        """A conversation starts waiting in ``channel``."""
        self.post({"id": f"e{next(_n)}", "type": "conversation.started", "account": "acme",
                   "at": now_iso(-1), "conversation": conversation, "channel": channel})

    def take(self, conversation: str) -> None:
        self.post({"id": f"e{next(_n)}", "type": "conversation.assigned", "account": "acme",
                   "at": now_iso(), "conversation": conversation, "operator": "anna"})


def queue_rule(channel: str, **more: Any) -> dict[str, Any]:
    return {"name": f"Queue in {channel}", "figure": "in_queue", "comparison": "above",
            "threshold": 0, "hold_s": 1, "rows": [{"report": "channel", "id": channel}],
            **more}


def signed(call: Any, secret: str = SECRET) -> bool:
    stamp = call.headers["x-wallboard-timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + call.body, hashlib.sha256)
    return hmac.compare_digest(call.headers["x-wallboard-signature"],
                               "sha256=" + expected.hexdigest())


@pytest.fixture(scope="module")
def telegram() -> Iterator[Receiver]:
    with Receiver() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, telegram: Receiver) -> Iterator[World]:
    data = tmp_path_factory.mktemp("alerts") / "data"
    create_account(data, "acme", "UTC")
    server = Server(data, "--telegram-api", telegram.url).start()
    try:
        yield World(data, server)
    finally:
        server.stop()


@pytest.mark.parametrize(("change", "field"), [
    ({"figure": "happiness"}, "figure"),
    ({"comparison": "sideways"}, "comparison"),
    ({"clear": 5}, "clear"),  # a rule on a figure above its threshold resolves below it
    ({"quiet": [{"start": "25:00", "end": "06:00"}]}, "quiet[0].start"),
    ({"rows": [{"report": "channel"}]}, "rows[0].id"),
    ({"figure": "stale_feed_min", "rows": [{"report": "group", "id": "sales"}]},
     "rows[0].report"),
    ({"webhook": {"url": "ftp://example.org/hook"}}, "webhook.url"),
    ({"webhook": {"url": "http://127.0.0.1/x", "secret": "short"}}, "webhook.secret"),
    ({"hold_s": -1}, "hold_s"),
])
def test_a_bad_rule_is_refused_naming_its_field(world: World, change: dict[str, Any],
                                                field: str) -> None:
    with world.client(world.admin) as c:
        reply = c.post("/api/v1/accounts/acme/alert-rules", json=queue_rule("web") | change)
    assert reply.status_code == 400, reply.text
    assert field in reply.json()["error"]["field"]


def test_rules_are_the_admins_and_their_secrets_never_shown(world: World) -> None:
    with world.client(world.view) as c:
        assert c.get("/api/v1/accounts/acme/alert-rules").status_code == 403
        assert c.post("/api/v1/accounts/acme/alert-rules",
                      json=queue_rule("web")).status_code == 403
    rule = world.rule(**queue_rule("web", webhook={"url": "http://127.0.0.1:9/x",
                                                     "secret": SECRET},
                                   telegram={"chat_id": "42", "bot_token": "123:abc"}))
    assert rule["webhook"]["secret"] is None and rule["telegram"]["bot_token"] is None
    with world.client(world.admin) as c:
        listed = c.get("/api/v1/accounts/acme/alert-rules").json()
        assert SECRET not in str(listed) and "123:abc" not in str(listed)
        url = f"/api/v1/accounts/acme/alert-rules/{rule['id']}"
        assert c.put(url, json=queue_rule("web", threshold=3)).json()["threshold"] == 3
        assert c.delete(url).status_code == 204
        assert c.delete(url).status_code == 404
    figures = httpx.get(world.server.url + "/api/v1/alert-figures").json()
    names = {f["name"] for f in figures}
    assert {"in_queue", "sl_percent", "15m.service_level", "waiting_past_sl", "no_operator",
            "stale_feed_min"} <= names


def test_an_alert_fires_is_delivered_signed_acknowledged_and_resolves(world: World) -> None:
    channel, conversation = f"fire{next(_n)}", f"c{next(_n)}"
    with Receiver() as hook:
        rule = world.rule(**queue_rule(channel, webhook={"url": hook.url + "/hook",
                                                         "secret": SECRET}))
        # A null secret in a change keeps the saved one (the signature below proves it).
        with world.client(world.admin) as c:
            c.put(f"/api/v1/accounts/acme/alert-rules/{rule['id']}",
                  json=queue_rule(channel, webhook={"url": hook.url + "/hook"}))
        world.wait(conversation, channel)
        fired = hook.wait_for(1)[0]
        body = fired.json()
        assert body["event"] == "firing" and body["alert"]["row"] == channel
        assert body["alert"]["value"] == 1 and body["delivery"] == \
            fired.headers["x-wallboard-delivery"]
        assert signed(fired) and not signed(fired, "another-secret-of-16+")
        assert abs(int(fired.headers["x-wallboard-timestamp"]) - time.time()) < 10
        alert_id = body["alert"]["id"]
        with world.client(world.view) as c:
            open_now = c.get("/api/v1/accounts/acme/alerts/open").json()["open"]
            assert [a["id"] for a in open_now if a["rule"] == rule["id"]] == [alert_id]
            acked = c.post(f"/api/v1/accounts/acme/alerts/{alert_id}/ack")
            assert acked.status_code == 200 and acked.json()["acked_by"]
            assert c.post("/api/v1/accounts/acme/alerts/nope/ack").status_code == 404
        world.take(conversation)
        resolved = hook.wait_for(2)[1].json()
        assert resolved["event"] == "resolved" and resolved["alert"]["id"] == alert_id
        assert resolved["alert"]["resolved_value"] == 0 and resolved["alert"]["acked_at"]
        assert resolved["delivery"] != body["delivery"]
        with world.client(world.view) as c:
            history = c.get("/api/v1/accounts/acme/alerts", params={"limit": 500}).json()
            mine = [a for a in history["alerts"] if a["id"] == alert_id]
            assert len(mine) == 1 and mine[0]["resolved_why"] == "back"
            assert all(a["id"] != alert_id
                       for a in c.get("/api/v1/accounts/acme/alerts/open").json()["open"])
            assert c.get("/api/v1/accounts/acme/alert-deliveries").status_code == 403
        with world.client(world.admin) as c:
            log = c.get("/api/v1/accounts/acme/alert-deliveries").json()
            done = [d for d in log if d["alert"] == alert_id]
            assert {(d["event"], d["state"], d["attempts"]) for d in done} == {
                ("firing", "delivered", 1), ("resolved", "delivered", 1)}


def test_retries_after_a_500_and_a_timeout_and_a_slow_receiver_delays_no_other(
        world: World) -> None:
    failing = Receiver(lambda n: (500, 0.0) if n <= 2 else (200, 0.0))
    slow = Receiver(lambda n: (200, 7.0) if n == 1 else (200, 0.0))  # past the 5 s timeout
    quick = Receiver()
    with failing, slow, quick:
        channel, conversation = f"retry{next(_n)}", f"c{next(_n)}"
        for receiver in (slow, failing, quick):
            world.rule(**queue_rule(channel, webhook={"url": receiver.url, "secret": SECRET}))
        world.wait(conversation, channel)
        first = quick.wait_for(1)[0]
        assert not slow.calls[1:], "the slow receiver is still on its first call"
        # The quick one was not held up by the one hanging (its call came within 2 s of it).
        slow_first = slow.wait_for(1)[0]
        assert abs(first.at - slow_first.at) < 2
        calls = failing.wait_for(3)  # 500, then 500 1 s later, then 200 2 s after that
        assert [c.headers["x-wallboard-delivery"] for c in calls] == \
            [calls[0].headers["x-wallboard-delivery"]] * 3
        assert 0.8 < calls[1].at - calls[0].at < 2.5 and 1.8 < calls[2].at - calls[1].at < 4
        again = slow.wait_for(2, timeout=20)  # timed out after 5 s, tried again 1 s later
        assert again[1].headers["x-wallboard-delivery"] == again[0].headers[
            "x-wallboard-delivery"]
        assert 5 < again[1].at - again[0].at < 9
        with world.client(world.admin) as c:
            log = c.get("/api/v1/accounts/acme/alert-deliveries").json()
        by_url = {d["to"]: d for d in log if d["event"] == "firing"}
        assert by_url[failing.url]["attempts"] == 3 and by_url[failing.url]["state"] == \
            "delivered"
        assert by_url[slow.url]["attempts"] == 2
        world.take(conversation)


def test_telegram_gets_its_message_and_a_silent_channel_is_a_stale_feed(
        world: World, telegram: Receiver) -> None:
    channel = f"quiet{next(_n)}"
    before = len(telegram.calls)
    world.wait(f"c{next(_n)}", channel)
    rule = world.rule(name="Silent channel", figure="stale_feed_min", comparison="above",
                      threshold=0.05, rows=[{"report": "channel", "id": channel}],
                      telegram={"chat_id": "-100200", "bot_token": "777:secret-token"},
                      language="ru")
    started = time.monotonic()
    call = telegram.wait_for(before + 1)[before]
    assert time.monotonic() - started < 8  # 3 s of silence, then a tick
    assert call.path == "/bot777:secret-token/sendMessage"
    sent = call.json()
    assert sent["chat_id"] == "-100200"
    assert "ТРЕВОГА: Silent channel" in sent["text"] and f"канал {channel}" in sent["text"]
    # An event from the channel resolves it.
    world.wait(f"c{next(_n)}", channel)
    resolved = telegram.wait_for(before + 2)[before + 1].json()
    assert resolved["text"].startswith("Снято")
    with world.client(world.admin) as c:
        c.delete(f"/api/v1/accounts/acme/alert-rules/{rule['id']}")


def test_nothing_owed_is_lost_across_a_sigkill_and_no_alert_fires_twice(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", "UTC")
    down = True
    with Receiver(lambda n: (503, 0.0) if down else (200, 0.0)) as hook:
        server = Server(data).start()
        world = World(data, server)
        channel = "kill"
        world.rule(**queue_rule(channel, webhook={"url": hook.url, "secret": SECRET}))
        world.wait("k1", channel)
        first = hook.wait_for(1)[0]  # fired, saved, tried once: 503
        server.kill()
        down = False
        server = Server(data).start()
        try:
            world.server = server
            again = hook.wait_for(2, timeout=20)[1]
            assert again.headers["x-wallboard-delivery"] == first.headers[
                "x-wallboard-delivery"]
            assert again.json() == first.json() and signed(again)
            time.sleep(2.5)  # ticks after the restart: the alert is still open, not fired anew
            assert len(hook.calls) == 2
            with world.client(world.view) as c:
                history = c.get("/api/v1/accounts/acme/alerts").json()["alerts"]
            assert len(history) == 1 and history[0]["resolved_at"] is None
            world.take("k1")  # ... and it still resolves
            assert hook.wait_for(3)[2].json()["event"] == "resolved"
        finally:
            server.stop()
