"""The HTTP API's routes, in this process on the in-memory backend (Litestar's test client
against the application); the write queue's 429 against a real server process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import noon_zone
from in_process import InProcess
from wallboard.events import parse_timestamp

SCRAPE = "scrape-secret-for-the-tests"


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, Any]]:
    app = InProcess(metrics_token=SCRAPE)
    app.create_account("acme")
    app.create_account("beta", "UTC")
    app.create_account("solo", "UTC")  # only test_snapshot_is_the_bytes_replay_prints posts here
    tokens = {(a, r): app.token(a, r) for a in ("acme", "beta", "solo")
              for r in ("ingest", "view", "admin")}
    app.start()
    try:
        yield {"server": app, "tokens": tokens}
    finally:
        app.stop()


def now_iso(offset_s: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + offset_s)) + "Z"


_n = iter(range(10**9))


def event(account: str = "acme", **fields: Any) -> dict[str, Any]:
    return make_event(account, **fields)


def make_event(account: str, **fields: Any) -> dict[str, Any]:
    base = {"id": f"t{next(_n)}", "type": "conversation.started", "account": account,
            "at": now_iso(-30), "conversation": f"c{next(_n)}", "channel": "web"}
    return {**base, **fields}


def post(world: dict[str, Any], body: Any, secret: str | None = None,
         content_type: str = "application/json") -> httpx.Response:
    secret = secret or world["tokens"]["acme", "ingest"]
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with world["server"].client(secret) as client:
        return client.post("/api/v1/events", content=raw,
                           headers={"Content-Type": content_type})


def snapshot(world: dict[str, Any], account: str = "acme", **params: str) -> dict[str, Any]:
    with world["server"].client(world["tokens"][account, "view"]) as client:
        reply = client.get(f"/api/v1/accounts/{account}/snapshot", params=params)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_posted_events_are_in_the_snapshot(world: dict[str, Any]) -> None:
    before = snapshot(world)["total"]["arrived"]
    reply = post(world, [event(), event()])
    assert reply.status_code == 200
    assert reply.json() == {"accepted": 2, "duplicate": 0, "conflict": 0, "rejected": 0,
                            "problems": []}
    assert snapshot(world)["total"]["arrived"] == before + 2


def test_ndjson_is_accepted(world: dict[str, Any]) -> None:
    lines = b"\n".join(json.dumps(event()).encode() for _ in range(3)) + b"\n\n"
    reply = post(world, lines, content_type="application/x-ndjson")
    assert reply.json()["accepted"] == 3


def test_snapshot_is_the_bytes_replay_prints(world: dict[str, Any], tmp_path: Path) -> None:
    events = [event(account="solo", group="g1", topic="Оплата"),
              event(account="solo", type="operator.status", operator="op", status="available")]
    post(world, events, world["tokens"]["solo", "ingest"])
    with world["server"].client(world["tokens"]["solo", "view"]) as client:
        raw = client.get("/api/v1/accounts/solo/snapshot").content
    file = tmp_path / "solo.ndjson"
    file.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    as_of = json.loads(raw)["as_of"]
    replayed = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "replay", str(file), "--account", "solo",
         "--timezone", "UTC", "--now", as_of], capture_output=True, check=True).stdout
    assert json.loads(raw)["total"]["arrived"] == 1
    assert replayed == raw + b"\n"


def test_bad_events_never_fail_the_good_ones(world: dict[str, Any]) -> None:
    good = event()
    batch = [good, event(at="2026-11-26T10:00:00"), event(by="x", type="conversation.closed"),
             event(type="nope"), event(at=now_iso(3600)), event(account="beta"), {"id": 5},
             [1, 2], good, {**good, "channel": "tg"}]
    reply = post(world, batch).json()
    assert (reply["accepted"], reply["duplicate"], reply["conflict"], reply["rejected"]) == \
        (1, 1, 1, 7)
    problems = {p["index"]: (p["result"], p["field"], p["message"]) for p in reply["problems"]}
    assert problems == {
        1: ("rejected", "at", "timestamp has no UTC offset"),
        2: ("rejected", "by", "expected one of visitor, operator, system"),
        3: ("rejected", "type", problems[3][2]),
        4: ("rejected", "at", problems[4][2]),
        5: ("rejected", "account", "the token belongs to account 'acme'"),
        6: ("rejected", "type", "required field is missing"),
        7: ("rejected", "event", "expected a JSON object, got an array"),
        8: ("duplicate", "id", "already received"),
        9: ("conflict", "id", problems[9][2]),
    }
    assert problems[3][2].startswith("expected one of conversation.started, ")
    assert problems[4][2].startswith("more than 5 minutes ahead of the receiver's clock: by ")


def test_an_account_created_while_the_server_runs_is_served(world: dict[str, Any]) -> None:
    app = world["server"]
    app.create_account("late-comer", "Asia/Kolkata")
    ingest, view = app.token("late-comer", "ingest"), app.token("late-comer", "view")
    assert post(world, [event(account="late-comer")], ingest).json()["accepted"] == 1
    with world["server"].client(view) as client:
        snap = client.get("/api/v1/accounts/late-comer/snapshot").json()
    assert snap["timezone"] == "Asia/Kolkata" and snap["total"]["arrived"] == 1


def figures(snap: dict[str, Any]) -> list[Any]:
    """What an accepted event can change: every row's counters and gauges, not the clock."""
    rows = [snap["total"], *snap["channels"], *snap["groups"]]
    return [{k: v for k, v in row.items() if k != "longest_wait_s"} for row in rows]


@pytest.mark.parametrize(("bad", "field", "message"), [
    (lambda: event(type="conversation.assigned", operator=5), "operator",
     "expected a string, got an integer"),
    (lambda: event(type="conversation.teleported"), "type", "expected one of "),
    (lambda: event(at="2026-11-26T10:00:00"), "at", "timestamp has no UTC offset"),
    (lambda: event(at=now_iso(3600)), "at", "more than 5 minutes ahead of the receiver's clock"),
    (lambda: event(account="beta"), "account", "the token belongs to account 'acme'"),
], ids=["wrong-type", "unknown-type", "naive-timestamp", "future-timestamp", "other-account"])
def test_each_bad_event_is_rejected_alone(world: dict[str, Any], bad: Any, field: str,
                                          message: str) -> None:
    before = snapshot(world)
    reply = post(world, [bad()]).json()
    assert (reply["accepted"], reply["rejected"]) == (0, 1)
    problem = reply["problems"][0]
    assert (problem["index"], problem["result"], problem["field"]) == (0, "rejected", field)
    assert problem["message"].startswith(message)
    assert figures(snapshot(world)) == figures(before)  # nothing accepted before changed


def test_a_conflicting_id_keeps_the_first_version(world: dict[str, Any]) -> None:
    first = event(group="g-first")
    assert post(world, [first]).json()["accepted"] == 1
    before = snapshot(world)
    reply = post(world, [{**first, "group": "g-second"}]).json()
    assert reply["conflict"] == 1 and reply["problems"][0]["field"] == "id"
    after = snapshot(world)
    assert figures(after) == figures(before)
    assert "g-second" not in {g["id"] for g in after["groups"]}


@pytest.mark.parametrize(("body", "content_type", "status", "field"), [
    (b"[{not json", "application/json", 400, "body"),
    (b'{"id": "x"}', "application/json", 400, "body"),
    (b"[]", "text/plain", 415, "Content-Type"),
])
def test_malformed_requests(world: dict[str, Any], body: bytes, content_type: str,
                            status: int, field: str) -> None:
    before = snapshot(world)
    reply = post(world, body, content_type=content_type)
    assert reply.status_code == status
    error = reply.json()["error"]
    assert error["field"] == field and error["code"] and error["message"]
    assert figures(snapshot(world)) == figures(before)


def test_limits_answer_413(world: dict[str, Any]) -> None:
    before = snapshot(world)["total"]["arrived"]
    too_many = post(world, [event() for _ in range(10_001)])
    assert too_many.status_code == 413 and too_many.json()["error"]["field"] == "body"
    huge = post(world, b"[" + b" " * (11 * 1024 * 1024) + b"]")
    assert huge.status_code == 413 and "error" in huge.json()
    assert snapshot(world)["total"]["arrived"] == before


def test_tokens_and_roles(world: dict[str, Any]) -> None:
    server, tokens = world["server"], world["tokens"]
    routes = ["/api/v1/accounts/{a}/snapshot", "/api/v1/accounts/{a}/conversations/x/events"]
    with server.client() as anonymous:
        assert anonymous.get(routes[0].format(a="acme")).status_code == 401
        assert anonymous.post("/api/v1/events", content=b"[]").status_code == 401
    with server.client("wb_nope_nope") as bad:
        assert bad.get(routes[0].format(a="acme")).status_code == 401
    # Account A's tokens can neither read nor write account B, whatever the role.
    for role in ("ingest", "view", "admin"):
        with server.client(tokens["acme", role]) as client:
            for route in routes:
                assert client.get(route.format(a="beta")).status_code == 403
            stream = client.get("/api/v1/accounts/beta/stream")
            assert stream.status_code == 403
    assert post(world, [event(account="beta")], tokens["acme", "admin"]).json()["rejected"] == 1
    # A view token cannot ingest; an ingest token cannot read.
    assert post(world, [event()], tokens["acme", "view"]).status_code == 403
    with server.client(tokens["acme", "ingest"]) as client:
        assert client.get(routes[0].format(a="acme")).status_code == 403


def test_a_revoked_token_stops_at_once(world: dict[str, Any]) -> None:
    secret = world["server"].token("acme", "ingest")
    assert post(world, [event()], secret).status_code == 200
    assert world["server"].admin.revoke_token(secret.split("_")[1])  # another connection
    assert post(world, [event()], secret).status_code == 401


def test_past_day_and_bad_date(world: dict[str, Any]) -> None:
    past = snapshot(world, date="2026-01-01")
    assert past["date"] == "2026-01-01" and past["total"]["in_queue"] is None
    with world["server"].client(world["tokens"]["acme", "view"]) as client:
        reply = client.get("/api/v1/accounts/acme/snapshot", params={"date": "yesterday"})
        assert reply.status_code == 400 and reply.json()["error"]["field"] == "date"
        # A day the account's clock has not reached has no figures, not zeros.
        today = client.get("/api/v1/accounts/acme/snapshot").json()["date"]
        tomorrow = (date.fromisoformat(today) + timedelta(days=1)).isoformat()
        for route in ("snapshot", "series", "series/rows"):
            reply = client.get(f"/api/v1/accounts/acme/{route}", params={"date": tomorrow})
            assert reply.status_code == 400, route
            assert reply.json()["error"] == {"code": "bad_date", "field": "date",
                                             "message": f"after the account's today ({today})"}
            assert client.get(f"/api/v1/accounts/acme/{route}",
                              params={"date": today}).status_code == 200


def test_conversation_explanation(world: dict[str, Any]) -> None:
    started = event(conversation="explain-me")
    post(world, [started, event(type="conversation.closed", conversation="explain-me",
                                by="visitor", at=now_iso(-25))])
    with world["server"].client(world["tokens"]["acme", "view"]) as client:
        reply = client.get("/api/v1/accounts/acme/conversations/explain-me/events").json()
    assert reply["state"] == "closed" and reply["outcome"] == "canceled"
    assert [e["event"]["type"] for e in reply["events"]] == ["conversation.started",
                                                            "conversation.closed"]
    assert reply["events"][0]["event"]["at"] == parse_timestamp(started["at"])


def test_health_metrics_and_openapi(world: dict[str, Any]) -> None:
    with world["server"].client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        post(world, [event()])
        # Anyone may read the process's figures; no tenant is named there.
        text = client.get("/metrics").text
        assert 'wallboard_events_total{result="accepted"}' in text
        for name in ("wallboard_ingest_seconds_bucket", "wallboard_write_queue_depth",
                     "wallboard_sse_clients", "wallboard_accounts"):
            assert name in text
        assert "acme" not in text and "beta" not in text
        # The scrape token the service was started with adds the per-account series.
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE}"}).text
        assert 'wallboard_account_events_total{account="acme",result="accepted"}' in scraped
        assert 'wallboard_checkpoint_age_seconds{account="beta"}' in scraped
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 20})
        assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "Authorization"
        tenant = client.get("/metrics", headers={
            "Authorization": f"Bearer {world['tokens']['acme', 'admin']}"})
        assert tenant.status_code == 401  # a tenant's own token is not the scrape token
        spec = client.get("/schema/openapi.json").json()
        assert {"/api/v1/events", "/api/v1/accounts/{account_id}/snapshot",
                "/api/v1/accounts/{account_id}/stream", "/healthz", "/readyz",
                "/metrics"} <= set(spec["paths"])
        body = spec["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]
        assert set(body) == {"application/json", "application/x-ndjson"}


def test_admin_api_manages_the_accounts_tokens(world: dict[str, Any]) -> None:
    server, tokens = world["server"], world["tokens"]
    with server.client(tokens["acme", "admin"]) as admin:
        created = admin.post("/api/v1/accounts/acme/tokens", json={"role": "ingest"})
        assert created.status_code == 201
        new = created.json()
        assert new["token"]["role"] == "ingest" and new["secret"].startswith("wb_")
        assert post(world, [event()], new["secret"]).status_code == 200
        listed = admin.get("/api/v1/accounts/acme/tokens").json()
        assert new["token"]["id"] in {t["id"] for t in listed}
        assert all("secret" not in t for t in listed)
        assert admin.post("/api/v1/accounts/acme/tokens", json={"role": "root"}).status_code \
            == 400
        revoked = admin.delete(f"/api/v1/accounts/acme/tokens/{new['token']['id']}")
        assert revoked.status_code == 204
        assert post(world, [event()], new["secret"]).status_code == 401
        assert admin.delete(f"/api/v1/accounts/acme/tokens/{new['token']['id']}").status_code \
            == 404
        # Another account's tokens are out of reach.
        assert admin.get("/api/v1/accounts/beta/tokens").status_code == 403
        assert admin.post("/api/v1/accounts/beta/tokens", json={"role": "view"}).status_code \
            == 403
    for role in ("ingest", "view"):
        with server.client(tokens["acme", role]) as client:
            assert client.get("/api/v1/accounts/acme/tokens").status_code == 403


# -- people: operators, staffing and its settings ---------------------------------------------

def test_the_operator_list_and_its_group_filter(world: dict[str, Any]) -> None:
    post(world, [
        {"id": f"t{next(_n)}", "type": "operator.updated", "account": "acme",
         "at": now_iso(-60), "operator": "lena", "name": "Lena", "groups": ["care"],
         "max_chats": 2},
        {"id": f"t{next(_n)}", "type": "operator.status", "account": "acme",
         "at": now_iso(-60), "operator": "lena", "status": "available"},
        event(conversation="held1", group="care"),
        {"id": f"t{next(_n)}", "type": "conversation.assigned", "account": "acme",
         "at": now_iso(-20), "conversation": "held1", "operator": "lena"}])
    with world["server"].client(world["tokens"]["acme", "view"]) as client:
        care = client.get("/api/v1/accounts/acme/operators", params={"group": "care"}).json()
        everyone = client.get("/api/v1/accounts/acme/operators").json()
        unknown = client.get("/api/v1/accounts/acme/operators", params={"group": "nope"})
    [lena] = care["operators"]
    assert care["group"] == "care" and everyone["group"] is None
    assert (lena["name"], lena["status"], lena["groups"], lena["in_work"],
            lena["free_slots"]) == ("Lena", "available", ["care"], 1, 1)
    [held] = lena["conversations"]
    assert (held["conversation"], held["channel"], held["silent_s"]) == ("held1", "web", None)
    assert "lena" in [o["id"] for o in everyone["operators"]]
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "group"


def test_staffing_answers_for_every_group_and_the_total(world: dict[str, Any]) -> None:
    with world["server"].client(world["tokens"]["acme", "view"]) as client:
        reply = client.get("/api/v1/accounts/acme/staffing").json()
        groups = [g["id"] for g in snapshot(world)["groups"] if g["id"] is not None]
    assert reply["target"] == 0.8 and reply["sl_threshold_s"] == 60
    assert [r["id"] for r in reply["rows"]] == [None, *groups]
    # A few test events are no ground to staff on.
    assert all(r["status"] == "not_enough_data" for r in reply["rows"])


def test_staffing_settings_are_the_admins_and_checked(world: dict[str, Any]) -> None:
    url = "/api/v1/accounts/acme/staffing/settings"
    tokens = world["tokens"]
    with world["server"].client(tokens["acme", "view"]) as client:
        assert client.get(url).json() == {"target": 0.8, "may_help": {}}
        assert client.put(url, json={"target": 0.9}).status_code == 403
    with world["server"].client(tokens["acme", "admin"]) as client:
        for body, field in [({"target": 1.5}, "target"),
                            ({"may_help": {"care": ["care"]}}, "may_help.care"),
                            ({"may_help": {"care": ["x"] * 1001}}, "may_help.care"),
                            ({"mood": "good"}, "mood")]:
            reply = client.put(url, json=body)
            assert reply.status_code == 400, body
            assert reply.json()["error"]["field"] == field, reply.json()
        settings = {"target": 0.9, "may_help": {"sales": ["care"]}}
        assert client.put(url, json=settings).json() == settings
        assert client.get(url).json() == settings
        assert client.get("/api/v1/accounts/acme/staffing").json()["target"] == 0.9
        client.put(url, json={})  # back to the defaults for the other tests


def test_campaigns_are_the_admins_checked_and_reported(world: dict[str, Any]) -> None:
    url = "/api/v1/accounts/acme/campaigns"
    tokens = world["tokens"]
    body = {"name": "Black Friday", "start": "2026-11-26T10:00:00+03:00",
            "rows": [{"report": "group", "id": "sales"}]}
    with world["server"].client(tokens["acme", "view"]) as client:
        assert client.get(url).json() == []
        assert client.post(url, json=body).status_code == 403
    with world["server"].client(tokens["acme", "admin"]) as client:
        for bad, field in [({**body, "start": "yesterday"}, "start"),
                           ({**body, "end": "2026-11-26T09:00:00+03:00"}, "end"),
                           ({**body, "name": ""}, "name"),
                           ({**body, "rows": [{"report": "channel"}]}, "rows[0].id"),
                           ({**body, "rows": [{"report": "total", "id": "x"}]}, "rows[0].id"),
                           ({**body, "name": "x" * 201}, "name"),
                           ({**body, "rows": [{"report": "total"}] * 101}, "rows"),
                           ({**body, "rows": [{"report": "queue"}]}, "rows[0].report"),
                           ({**body, "mood": "good"}, "mood")]:
            reply = client.post(url, json=bad)
            assert reply.status_code == 400, bad
            assert reply.json()["error"]["field"] == field, reply.json()
        made = client.post(url, json=body)
        assert made.status_code == 201, made.text
        campaign = made.json()
        assert campaign["name"] == "Black Friday" and len(campaign["id"]) == 12
        ended = client.put(f"{url}/{campaign['id']}",
                           json={**body, "end": "2026-11-26T11:00:00+03:00"}).json()
        assert ended["end"] == "2026-11-26T11:00:00+03:00"
        assert client.get(url).json() == [ended]
        # Listed latest first by the instant, not the text: 08:30Z is after 10:00+03:00.
        later = client.post(url, json={"name": "Later", "start": "2026-11-26T08:30:00Z"}).json()
        assert [c["name"] for c in client.get(url).json()] == ["Later", "Black Friday"]
        assert client.delete(f"{url}/{later['id']}").status_code == 204
        report = client.get(f"{url}/{campaign['id']}/report").json()
        assert [(r["report"], r["id"]) for r in report["rows"]] == [("group", "sales")]
        # No weeks before it here: the arrivals are counted, the normal is not guessed.
        assert report["rows"][0]["expected"] is None and report["rows"][0]["weeks"] == 0
        assert (report["from"], report["to"]) == ("2026-11-26T10:00:00.000+03:00",
                                                  "2026-11-26T11:00:00.000+03:00")
        assert client.get(f"{url}/nope/report").status_code == 404
        assert client.delete(f"{url}/{campaign['id']}").status_code == 204
        assert client.get(url).json() == []
        assert client.delete(f"{url}/{campaign['id']}").status_code == 404


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"avg_wait_s": {"amber": 200, "red": 100}}, "avg_wait_s", "amber_above_red"),
    ({"sl_percent": {"amber": 50, "red": 70}}, "sl_percent", "amber_below_red"),
    ({"unserved_percent": {"amber": 10, "red": 120}}, "unserved_percent", "percent_over_100"),
    ({"in_queue": {"amber": -1}}, "in_queue.amber", "bad_request"),
    ({"rows": [{"report": "channel", "id": "email",
                "avg_wait_s": {"amber": 7200, "red": 3600}}]}, "rows[0].avg_wait_s",
     "amber_above_red"),
    ({"rows": [{"report": "group", "id": "g"}, {"report": "group", "id": "g"}]}, "rows[1]",
     "duplicate_row"),
    # A row's amber alone, above the account's red it would go with.
    ({"rows": [{"report": "group", "id": "g", "avg_wait_s": {"amber": 200}}]},
     "rows[0].avg_wait_s", "amber_above_red"),
    ({"rows": [{"report": "total", "id": "x"}]}, "rows[0].report", "bad_request"),
    ({"rows": [{"report": "group", "id": ""}]}, "rows[0].id", "bad_request"),
    ({"rows": [{"report": "group", "id": f"g{i}"} for i in range(1001)]}, "rows",
     "bad_request"),
    ({"mood": {}}, "mood", "bad_request"),
])
def test_thresholds_are_refused_naming_the_field_and_the_problem(
        world: dict[str, Any], body: dict[str, Any], field: str, code: str) -> None:
    with world["server"].client(world["tokens"]["acme", "admin"]) as client:
        reply = client.put("/api/v1/accounts/acme/thresholds", json=body)
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert (error["field"], error["code"]) == (field, code), error


def test_a_row_has_its_own_thresholds_figure_by_figure(world: dict[str, Any]) -> None:
    url = "/api/v1/accounts/acme/thresholds"
    body = {"unserved_percent": {"amber": 10, "red": 20},
            "rows": [{"report": "channel", "id": "email", "avg_wait_s": {"amber": 3600,
                                                                          "red": 7200}}]}
    with world["server"].client(world["tokens"]["acme", "admin"]) as client:
        assert client.put(url, json=body).status_code == 200
        saved = client.get(url).json()
        assert saved["rows"][0]["avg_wait_s"] == {"amber": 3600, "red": 7200}
        assert saved["rows"][0]["in_queue"] is None  # the account's
        assert saved["avg_wait_s"] == {"amber": 60, "red": 180}  # the account's own, as before
        assert saved["unserved_percent"] == {"amber": 10, "red": 20}
        assert saved["abandoned_percent"] == {"amber": None, "red": None}  # off until set
        client.put(url, json={}).raise_for_status()


def test_a_rows_own_service_level_threshold_counts_its_waits_by_it(world: dict[str, Any]
                                                                    ) -> None:
    # A mail answered after 200 s: late for the account's 60 s, in time for the channel's 300.
    cid = f"mail{next(_n)}"
    post(world, [event(conversation=cid, channel="slowmail", at=now_iso(-400)),
                 event(type="conversation.assigned", conversation=cid, operator="op-mail",
                       at=now_iso(-200))])

    def rows() -> tuple[dict[str, Any], dict[str, Any]]:
        snap = snapshot(world)
        return next(c for c in snap["channels"] if c["id"] == "slowmail"), snap["total"]

    mail, total = rows()
    assert (mail["wait_samples"], mail["answered_within_sl"]) == (1, 0)
    url = "/api/v1/accounts/acme/thresholds"
    with world["server"].client(world["tokens"]["acme", "admin"]) as client:
        body = {"rows": [{"report": "channel", "id": "slowmail", "sl_threshold_s": 300}]}
        assert client.put(url, json=body).status_code == 200
        counted, total_now = rows()
        assert counted["answered_within_sl"] == 1  # counted again, by the channel's own
        assert counted["windows"]["60m"]["answered_within_sl"] == 1
        assert total_now["answered_within_sl"] == total["answered_within_sl"]  # the account's
        bad = client.put(url, json={"rows": [{"report": "channel", "id": "slowmail",
                                              "sl_threshold_s": 0}]})
        assert bad.status_code == 400
        assert bad.json()["error"]["field"] == "rows[0].sl_threshold_s"
        assert client.put(url, json={}).status_code == 200
    assert rows()[0]["answered_within_sl"] == 0


def test_at_risk_is_read_per_row_and_its_patience_checked(world: dict[str, Any]) -> None:
    url = "/api/v1/accounts/acme/at-risk"
    post(world, [event(conversation=f"risk{next(_n)}", channel="risky", at=now_iso(-200))])
    with world["server"].client(world["tokens"]["acme", "view"]) as client:
        got = client.get(url, params={"silent_after_s": 30}).json()
        assert got["silent_after_s"] == 30
        risky = next(r for r in got["rows"] if r["id"] == "risky")
        assert risky["waiting_past_sl"] >= 1 and risky["sl_threshold_s"] == 60
        for bad in ("0", "-5", "100000", "soon"):
            reply = client.get(url, params={"silent_after_s": bad})
            assert reply.status_code == 400, bad
            assert reply.json()["error"]["field"] == "silent_after_s"


def test_every_figure_opens_into_its_conversations(world: dict[str, Any]) -> None:
    tag = f"x{next(_n)}"
    channel = f"explain-{tag}"
    c = {name: f"{tag}-{name}" for name in ("gone", "missed", "served", "waiting")}
    # An account whose clock is near noon: the five minutes of events never straddle its
    # midnight, whenever the test runs.
    account = f"noon{tag}"
    world["server"].create_account(account, noon_zone())
    for role in ("ingest", "view"):
        world["tokens"][account, role] = world["server"].token(account, role)

    def event(**fields: Any) -> dict[str, Any]:
        return make_event(account, **fields)

    post(world, secret=world["tokens"][account, "ingest"], body=[
        # The visitor writes, then leaves 14 s after the start: canceled.
        event(conversation=c["gone"], channel=channel, at=now_iso(-300)),
        event(type="message.visitor", conversation=c["gone"], at=now_iso(-295)),
        event(type="conversation.closed", conversation=c["gone"], by="visitor",
              at=now_iso(-286)),
        # Taken by anna, who never writes, then closed: missed.
        event(conversation=c["missed"], channel=channel, at=now_iso(-250)),
        event(type="message.visitor", conversation=c["missed"], at=now_iso(-245)),
        event(type="conversation.assigned", conversation=c["missed"], operator="anna",
              at=now_iso(-240)),
        event(type="conversation.closed", conversation=c["missed"], by="system",
              at=now_iso(-100)),
        # Taken by boris after 30 s, who writes: served.
        event(conversation=c["served"], channel=channel, at=now_iso(-200)),
        event(type="message.visitor", conversation=c["served"], at=now_iso(-195)),
        event(type="conversation.assigned", conversation=c["served"], operator="boris",
              at=now_iso(-170)),
        event(type="message.operator", conversation=c["served"], operator="boris",
              at=now_iso(-160)),
        event(type="conversation.closed", conversation=c["served"], by="operator",
              at=now_iso(-60)),
        event(conversation=c["waiting"], channel=channel, at=now_iso(-90)),
    ])
    url = f"/api/v1/accounts/{account}/explain"
    row = next(r for r in snapshot(world, account)["channels"] if r["id"] == channel)
    with world["server"].client(world["tokens"][account, "view"]) as client:
        def ask(figure: str, **params: Any) -> dict[str, Any]:
            reply = client.get(url, params={"figure": figure, "channel": channel, **params})
            assert reply.status_code == 200, reply.text
            got: dict[str, Any] = reply.json()
            return got

        counts = {"arrived": row["arrived"], "served": row["served"],
                  "unserved": row["unserved"]["total"], "canceled": row["unserved"]["canceled"],
                  "missed": row["unserved"]["missed"], "wait_samples": row["wait_samples"],
                  "answered_within_sl": row["answered_within_sl"],
                  "in_queue": row["in_queue"], "in_work": row["in_work"],
                  "unassigned": row["unserved"]["unassigned"]}
        for figure, count in counts.items():
            got = ask(figure)
            assert got["total"] == count == len(got["items"]), figure
        (gone,) = ask("canceled")["items"]
        assert gone["conversation"] == c["gone"]
        assert gone["text"] == "canceled: the visitor left 14 s after the start"
        (missed,) = ask("missed")["items"]
        assert missed["operator"] == "anna" and missed["text"].startswith(
            "missed: assigned to anna at ") and missed["text"].endswith(", no operator message")
        (waiting,) = ask("in_queue")["items"]
        assert waiting["rule"] == "waiting" and 85 <= waiting["seconds"] <= 120
        (served,) = ask("served")["items"]
        assert served["text"].startswith("served by boris; closed at ")
        waits = {i["conversation"]: i for i in ask("wait_samples")["items"]}
        assert waits[c["served"]]["seconds"] == 30 and waits[c["served"]]["answered"] is True
        assert waits[c["served"]]["events"] == \
            f"/api/v1/accounts/{account}/conversations/{c['served']}/events"
        # Paged, oldest first; and as CSV.
        first = ask("arrived", limit=2)
        assert [i["conversation"] for i in first["items"]] == [c["gone"], c["missed"]]
        assert [i["conversation"] for i in ask("arrived", offset=2)["items"]] == \
            [c["served"], c["waiting"]]
        sheet = client.get(url, params={"figure": "arrived", "channel": channel,
                                        "format": "csv"})
        assert sheet.headers["content-type"].startswith("text/csv")
        assert len(sheet.text.strip().splitlines()) == 1 + 4
        # Refused, naming the field.
        today = snapshot(world, account)["date"]
        long_ago = (date.fromisoformat(today) - timedelta(days=3)).isoformat()
        for params, status, field in (
                ({"figure": "mood"}, 400, "figure"),
                ({"figure": "served", "date": long_ago}, 400, "date"),
                ({"figure": "served", "date": "2999-01-01"}, 400, "date"),
                ({"figure": "served", "channel": channel, "group": "g"}, 400, "group"),
                ({"figure": "served", "limit": 501}, 400, "limit"),
                ({"figure": "served", "channel": "nowhere"}, 404, "channel")):
            reply = client.get(url, params=params)
            assert reply.status_code == status, (params, reply.text)
            assert reply.json()["error"]["field"] == field, (params, reply.json())


def test_trends_and_hot_topics_say_when_there_is_no_history(world: dict[str, Any]) -> None:
    with world["server"].client(world["tokens"]["acme", "view"]) as client:
        trends = client.get("/api/v1/accounts/acme/trends").json()
        assert trends["window_minutes"] == 30 and trends["weeks"] == []
        assert trends["rows"] and {r["status"] for r in trends["rows"]} == {
            "not_enough_history"}
        hot = client.get("/api/v1/accounts/acme/topics/hot").json()
        assert hot["rows"][0]["report"] == "total" and hot["rows"][0]["weeks"] == 0
        assert all(t["status"] is None for r in hot["rows"] for t in r["topics"])
        assert client.get("/api/v1/accounts/other/trends").status_code in (403, 404)


@pytest.mark.parametrize("build", ["full", "ingest"])
def test_every_route_guard_and_hook_runs_on_the_event_loop(tmp_path: Path, build: str) -> None:
    """Litestar runs a plain function (handler, guard, before_request hook) in a worker thread;
    ours read through the loop's one store connection, which two threads must not use at once
    (a sync guard made a DELETE hang 30 s while the loop saved a webhook delivery)."""
    import inspect

    from litestar.routes import HTTPRoute

    from wallboard.api.app import create_app, create_ingest_app
    from wallboard.service.facade import Service

    app = (create_app(tmp_path) if build == "full"
           else create_ingest_app(Service(tmp_path)))
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            hooks = [handler.fn, *handler.resolve_guards()]
            if handler.resolve_before_request() is not None:
                hooks.append(handler.before_request)
            for hook in hooks:
                hook = getattr(hook, "func", hook)  # Litestar's own async wrapper
                if not hook.__module__.startswith("wallboard."):
                    continue  # Litestar's (the OPTIONS handlers)
                assert inspect.iscoroutinefunction(hook), (
                    f"{sorted(route.methods)} {route.path}: {hook.__qualname__} is not async")
                checked += 1
    assert checked > (50 if build == "full" else 2)  # the routes were found
