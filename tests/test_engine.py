"""Targeted engine behaviours the golden cases do not pin down."""

from __future__ import annotations

import json
from typing import Any

from wallboard.engine import Account, build, encode
from wallboard.engine.account import FINAL_AFTER_MS
from wallboard.events import decode_event, parse_timestamp

TZ = "Europe/Moscow"
NOW = parse_timestamp("2026-11-26T12:00:00+03:00")
_ids = iter(range(10**9))


def ev(event_type: str, at: str | int, **fields: Any) -> tuple[Any, ...]:
    event_id = fields.pop("id", f"t{next(_ids)}")
    raw = {"id": event_id, "type": event_type, "account": "acme", "at": at, **fields}
    return decode_event(json.dumps(raw), parse_timestamp(at) if isinstance(at, str) else at)[1]


def snapshot(account: Account, now: int = NOW, day: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(encode(build(account, now, day)))
    return result


def served_chat(cid: str, start: str, close: str) -> list[tuple[Any, ...]]:
    return [
        ev("conversation.started", start, conversation=cid, channel="web", group="support"),
        ev("message.visitor", start, conversation=cid),
        ev("conversation.assigned", start, conversation=cid, operator="anna"),
        ev("message.operator", start, conversation=cid),
        ev("conversation.closed", close, conversation=cid, by="operator"),
    ]


def test_duplicate_and_conflict_results() -> None:
    account = Account("acme", TZ)
    first = ev("conversation.started", "2026-11-26T10:00:00+03:00", id="x", conversation="c",
               channel="web")
    other = ev("conversation.started", "2026-11-26T10:00:00+03:00", id="x", conversation="d",
               channel="web")
    assert account.apply(first, NOW) == "accepted"
    assert account.apply(first, NOW) == "duplicate"
    assert account.apply(other, NOW) == "conflict"
    assert snapshot(account)["total"]["arrived"] == 1
    assert account.conversation("d") is None


def test_a_conversation_closed_more_than_48_hours_ago_is_final() -> None:
    account = Account("acme", TZ)
    for e in served_chat("old", "2026-11-23T10:00:00+03:00", "2026-11-23T10:10:00+03:00"):
        account.apply(e, NOW - 4 * 24 * 3600 * 1000)
    before = snapshot(account)
    closed = parse_timestamp("2026-11-23T10:10:00+03:00")
    late = ev("conversation.queued", "2026-11-23T10:05:00+03:00", conversation="old", group="x")
    # Just inside the bound the late event still lands.
    assert account.apply(late, closed + FINAL_AFTER_MS) == "accepted"
    later = ev("conversation.topic", "2026-11-23T10:06:00+03:00", conversation="old", topic="t")
    assert account.apply(later, closed + FINAL_AFTER_MS + 1) == "late"
    assert account.dropped_late == 1
    # Even a fresh started event for it does not bring the conversation back, and by then
    # it has left memory.
    again = ev("conversation.started", "2026-11-23T10:00:00+03:00", conversation="old",
               channel="web")
    assert account.apply(again, NOW) == "late"
    assert account.conversation("old") is None
    assert snapshot(account)["total"] == before["total"]


def test_conversations_without_a_started_event_are_forgotten_after_48_hours() -> None:
    account = Account("acme", TZ)
    orphan = ev("message.visitor", "2026-11-20T10:00:00+03:00", conversation="orphan")
    account.apply(orphan, parse_timestamp("2026-11-20T10:00:00+03:00"))
    account.apply(ev("group.updated", "2026-11-26T10:00:00+03:00", group="g"), NOW)
    assert account.conversation("orphan") is None


def test_late_event_within_the_bound_corrects_yesterday() -> None:
    account = Account("acme", TZ)
    yesterday = account.calendar.day_of(NOW) - 1
    for e in served_chat("c", "2026-11-25T10:00:00+03:00", "2026-11-25T10:10:00+03:00")[:-2]:
        account.apply(e, NOW)
    account.apply(ev("conversation.closed", "2026-11-25T10:10:00+03:00", conversation="c",
                     by="operator"), NOW)
    assert snapshot(account, day=yesterday)["total"]["unserved"]["missed"] == 1
    account.apply(ev("message.operator", "2026-11-25T10:01:00+03:00", conversation="c"), NOW)
    past = snapshot(account, day=yesterday)
    assert past["total"]["served"] == 1 and past["total"]["unserved"]["total"] == 0
    assert past["total"]["in_queue"] is None and past["date"] == "2026-11-25"


def test_channel_kind_change_moves_conversations_in_and_out_of_the_reports() -> None:
    account = Account("acme", TZ)
    for e in served_chat("c", "2026-11-26T10:00:00+03:00", "2026-11-26T10:10:00+03:00"):
        account.apply(e, NOW)
    account.apply(ev("channel.updated", "2026-11-26T09:00:00+03:00", channel="web",
                     kind="mobile_chat"), NOW)
    hidden = snapshot(account)
    assert hidden["channels"] == [] and hidden["total"]["served"] == 0
    assert hidden["groups"][0]["served"] == 0
    account.apply(ev("channel.updated", "2026-11-26T09:30:00+03:00", channel="web",
                     kind="web_chat"), NOW)
    shown = snapshot(account)
    assert shown["total"]["served"] == 1 and shown["channels"][0]["kind"] == "web_chat"
    # An older update does not win over the newer one.
    account.apply(ev("channel.updated", "2026-11-26T09:10:00+03:00", channel="web",
                     kind="callback"), NOW)
    assert snapshot(account)["total"]["served"] == 1


def test_operators_follow_their_groups_and_the_channels_that_serve_them() -> None:
    account = Account("acme", TZ)
    t = "2026-11-26T09:00:00+03:00"
    account.apply(ev("channel.updated", t, channel="web", kind="web_chat", groups=["sales"]), NOW)
    account.apply(ev("channel.updated", t, channel="tg", kind="telegram"), NOW)
    account.apply(ev("operator.updated", t, operator="anna", groups=["support"], max_chats=2),
                  NOW)
    account.apply(ev("operator.status", t, operator="anna", status="available"), NOW)

    def figures() -> dict[str | None, tuple[int, int]]:
        s = snapshot(account)
        rows = {r["id"]: (r["operators_available"], r["slots_available"])
                for r in s["channels"] + s["groups"]}
        rows["total"] = (s["total"]["operators_available"], s["total"]["slots_available"])
        return rows

    assert figures() == {"web": (0, 0), "tg": (1, 2), "sales": (0, 0), "support": (1, 2),
                         "total": (1, 2)}
    account.apply(ev("operator.updated", "2026-11-26T09:05:00+03:00", operator="anna",
                     groups=["sales"]), NOW)
    assert figures() == {"web": (1, 2), "tg": (1, 2), "sales": (1, 2), "support": (0, 0),
                         "total": (1, 2)}
    account.apply(ev("channel.updated", "2026-11-26T09:06:00+03:00", channel="web",
                     kind="web_chat", groups=["support"]), NOW)
    assert figures()["web"] == (0, 0)
    account.apply(ev("conversation.started", "2026-11-26T10:00:00+03:00", conversation="c",
                     channel="tg"), NOW)
    account.apply(ev("conversation.assigned", "2026-11-26T10:00:05+03:00", conversation="c",
                     operator="anna"), NOW)
    assert figures()["total"] == (1, 1)
    account.apply(ev("operator.updated", "2026-11-26T09:07:00+03:00", operator="anna",
                     max_chats=1), NOW)
    assert figures()["total"] == (1, 0)
    account.apply(ev("conversation.started", "2026-11-26T10:01:00+03:00", conversation="d",
                     channel="tg"), NOW)
    account.apply(ev("conversation.assigned", "2026-11-26T10:01:05+03:00", conversation="d",
                     operator="anna"), NOW)
    assert figures()["total"] == (1, 0)  # over the limit: no negative slots
    account.apply(ev("operator.status", "2026-11-26T10:02:00+03:00", operator="anna",
                     status="away"), NOW)
    assert figures()["total"] == (0, 0)


def test_a_wait_is_never_negative_for_an_event_slightly_ahead_of_now() -> None:
    account = Account("acme", TZ)
    ahead = NOW + 120_000
    account.apply(ev("conversation.started", ahead, conversation="c", channel="web"), NOW)
    assert snapshot(account)["total"]["longest_wait_s"] == 0


def test_fields_update_one_by_one_with_the_latest_event() -> None:
    account = Account("acme", TZ)
    account.apply(ev("operator.updated", "2026-11-26T09:00:00+03:00", operator="anna",
                     name="Anna", max_chats=5), NOW)
    account.apply(ev("operator.updated", "2026-11-26T08:00:00+03:00", operator="anna",
                     name="Old name", groups=["support"]), NOW)
    anna = account.operators["anna"]
    assert (anna.name, anna.max_chats, anna.groups) == ("Anna", 5, ("support",))
    # Same instant: the larger id wins, whatever the arrival order.
    for event_id, status in (("b", "busy"), ("a", "available")):
        account.apply(ev("operator.status", "2026-11-26T09:00:00+03:00", id=event_id,
                         operator="anna", status=status), NOW)
    assert anna.status == "busy"


def test_a_checkpoint_restores_the_same_state() -> None:
    account = Account("acme", TZ)
    events = served_chat("c", "2026-11-26T10:00:00+03:00", "2026-11-26T10:10:00+03:00")
    for e in events[:-1]:
        account.apply(e, NOW)
    account.apply(ev("operator.status", "2026-11-26T09:00:00+03:00", operator="anna",
                     status="available", id="status-1"), NOW)
    account.apply(ev("conversation.started", "2026-11-26T11:00:00+03:00", conversation="d",
                     channel="web"), NOW)
    account.apply(events[-1], NOW)
    restored = Account.loads(account.dumps())
    assert snapshot(restored) == snapshot(account)
    # Ids are still known after the round trip, in open and closed conversations alike.
    assert restored.apply(events[0], NOW) == "duplicate"
    assert restored.apply(events[-1], NOW) == "duplicate"
    assert restored.apply(ev("operator.status", "2026-11-26T09:00:00+03:00", operator="anna",
                             status="busy", id="status-1"), NOW) == "conflict"
    late = ev("conversation.topic", "2026-11-26T10:05:00+03:00", conversation="c", topic="x")
    for acc in (account, restored):
        assert acc.apply(late, NOW) == "accepted"
    assert snapshot(restored) == snapshot(account)
