"""Staffing advice (service/advice.py): its inputs read off the engine exactly, the model's
figures for each group, "not enough data" rather than a guess, and the moves."""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec
import pytest

from wallboard.engine import Account
from wallboard.events import Event, decode_event, parse_timestamp
from wallboard.service.advice import MIN_ARRIVALS, RowStaffing, StaffingSettings, advise
from wallboard.service.roster import roster
from wallboard.staffing import Queue, predict

TZ = "Europe/Moscow"
# 7.5 minutes into a quarter hour: the arrivals' window is 37.5 minutes (and 1 ms) long.
NOW = parse_timestamp("2026-11-26T12:07:30+03:00")
WINDOW_MS = 37 * 60_000 + 30_000 + 1
MINUTE = 60_000
_ids = iter(range(10**9))


def ev(event_type: str, at: int, **fields: Any) -> Event:
    raw = {"id": f"a{next(_ids)}", "type": event_type, "account": "acme", "at": at, **fields}
    return decode_event(json.dumps(raw), NOW)[1]


def operator(op: str, groups: list[str], max_chats: int = 2, status: str = "available"
             ) -> list[Event]:
    start = NOW - 8 * 3600_000
    return [ev("operator.updated", start, operator=op, groups=groups, max_chats=max_chats,
               name=op.title()),
            ev("operator.status", start, operator=op, status=status)]


def served(cid: str, group: str, start: int, wait_ms: int, handle_ms: int, op: str
           ) -> list[Event]:
    return [ev("conversation.started", start, conversation=cid, channel="web", group=group),
            ev("message.visitor", start, conversation=cid),
            ev("conversation.assigned", start + wait_ms, conversation=cid, operator=op),
            ev("message.operator", start + wait_ms, conversation=cid),
            ev("conversation.closed", start + wait_ms + handle_ms, conversation=cid,
               by="operator")]


def gave_up(cid: str, group: str, start: int, wait_ms: int) -> list[Event]:
    return [ev("conversation.started", start, conversation=cid, channel="web", group=group),
            ev("message.visitor", start, conversation=cid),
            ev("conversation.visitor_left", start + wait_ms, conversation=cid)]


def account_of(events: list[Event]) -> Account:
    account = Account("acme", TZ, 60)
    for e in events:
        assert account.apply(e, NOW) == "accepted"
    return account


def row(staffing: Any, group: str | None) -> RowStaffing:
    found: RowStaffing = next(r for r in staffing.rows if r.id == group)
    return found


def busy_group(group: str, arrivals: int, op: str, wait_ms: int = 5_000,
               handle_ms: int = 300_000) -> list[Event]:
    """``arrivals`` served conversations spread over the arrivals' window, each in work
    ``handle_ms`` (all closed before NOW), plus 4 that gave up earlier today."""
    out: list[Event] = []
    first = NOW - WINDOW_MS + 1
    step = (WINDOW_MS - wait_ms - handle_ms - 2) // arrivals
    for i in range(arrivals):
        out += served(f"{group}{i}", group, first + i * step, wait_ms, handle_ms, op)
    for i, wait_s in enumerate((10, 20, 30, 40)):
        out += gave_up(f"{group}-left{i}", group, NOW - 5 * 3600_000 + i * MINUTE,
                       wait_s * 1000)
    return out


def test_inputs_are_read_off_the_rows_exactly() -> None:
    events = operator("anna", ["sales"]) + busy_group("sales", 30, "anna")
    staffing = advise(account_of(events), StaffingSettings(), NOW)
    sales = row(staffing, "sales")
    assert sales.status == "ok" and sales.reason is None
    assert sales.window_s == WINDOW_MS / 1000
    assert sales.arrivals_per_hour == pytest.approx(30 / WINDOW_MS * 3600_000)
    # Every stint in work ended within the last five quarter hours.
    assert (sales.handle_s, sales.handle_from) == (300.0, "recent")
    # Patience: all the time waited today (30 served x 5 s, and 10+20+30+40 s) over the 4
    # that gave up.
    assert sales.patience_s == pytest.approx((30 * 5 + 100) / 4)
    assert (sales.operators, sales.slots, sales.chat_limit) == (1.0, 2, 2)
    queue = Queue(30 / WINDOW_MS * 1000, 300.0, 1, (30 * 5 + 100) / 4, 60)
    expected = predict(queue, 2)
    assert sales.now is not None and sales.now.service_level == pytest.approx(
        expected.service_level)
    assert sales.now.p_abandon == pytest.approx(expected.p_abandon)
    assert sales.needed is not None and sales.with_needed is not None
    assert sales.with_needed.service_level >= 0.8


def test_the_same_events_in_any_order_give_the_same_advice() -> None:
    events = (operator("anna", ["sales"]) + operator("boris", ["sales", "support"])
              + busy_group("sales", 40, "anna") + busy_group("support", 12, "boris"))
    reference = msgspec.json.encode(advise(account_of(events), StaffingSettings(), NOW))
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert msgspec.json.encode(advise(account_of(shuffled), StaffingSettings(), NOW)) == \
        reference


def test_too_little_to_go_on_says_so() -> None:
    few = MIN_ARRIVALS - 1
    events = operator("anna", ["sales"]) + busy_group("sales", few, "anna")
    # Enough stints in work earlier today for a handle time: only the arrivals are too few.
    events += [e for i in range(12) for e in
               served(f"early{i}", "sales", NOW - 3 * 3600_000 + i * MINUTE, 0, 60_000, "anna")]
    sales = row(advise(account_of(events), StaffingSettings(), NOW), "sales")
    assert sales.handle_from == "today"
    assert (sales.status, sales.reason) == ("not_enough_data", "few_arrivals")
    assert sales.now is None and sales.needed is None and sales.drain_s is None
    # No stint in work has ended anywhere today: no handle time to staff by.
    start = NOW - 20 * MINUTE
    fresh = operator("anna", ["sales"]) + [
        e for i in range(12) for e in
        [ev("conversation.started", start + i * MINUTE, conversation=f"n{i}", channel="web",
            group="sales")]]
    sales = row(advise(account_of(fresh), StaffingSettings(), NOW), "sales")
    assert (sales.status, sales.reason, sales.handle_s) == ("not_enough_data",
                                                            "no_handle_time", None)
    assert sales.in_queue == 12


def test_a_group_with_too_few_stints_borrows_the_accounts_handle_time() -> None:
    events = (operator("anna", ["sales"]) + operator("vera", ["vip"]) + busy_group("sales", 30,
                                                                                      "anna"))
    events += [e for i in range(12) for e in
               [ev("conversation.started", NOW - 30 * MINUTE + i * MINUTE,
                   conversation=f"v{i}", channel="web", group="vip")]]
    vip = row(advise(account_of(events), StaffingSettings(), NOW), "vip")
    assert (vip.status, vip.handle_from, vip.handle_s) == ("ok", "account", 300.0)
    assert vip.in_queue == 12 and vip.drain_s is not None and vip.drain_s > 0


def test_an_operator_of_two_groups_works_where_visitors_wait() -> None:
    # Support has nobody arriving: anna's four slots all count in sales.
    events = (operator("anna", ["sales", "support"], max_chats=4) + operator("boris", ["sales"])
              + busy_group("sales", 30, "boris"))
    staffing = advise(account_of(events), StaffingSettings(), NOW)
    sales, support, total = row(staffing, "sales"), row(staffing, "support"), row(staffing,
                                                                                   None)
    assert (sales.operators, sales.slots) == (2.0, 6)
    assert (support.operators, support.slots) == (0.0, 0)
    assert (total.operators, total.slots) == (2.0, 6)


def test_an_operator_of_two_equally_busy_groups_is_split_between_them() -> None:
    events = (operator("anna", ["sales", "support"], max_chats=4) + operator("boris", ["sales"])
              + operator("vera", ["support"]) + busy_group("sales", 30, "boris")
              + busy_group("support", 30, "vera"))
    staffing = advise(account_of(events), StaffingSettings(), NOW)
    sales, support = row(staffing, "sales"), row(staffing, "support")
    assert (sales.operators, sales.slots) == (1.5, 4)
    assert (support.operators, support.slots) == (1.5, 4)
    assert sales.now == support.now


def test_an_operator_of_groups_without_a_model_is_split_equally() -> None:
    # Nothing has closed anywhere: no handle time, so no model to say where anna is needed.
    events = operator("anna", ["sales", "support"], max_chats=4)
    events += [ev("conversation.started", NOW - MINUTE, conversation="c", channel="web",
                  group="sales")]
    staffing = advise(account_of(events), StaffingSettings(), NOW)
    assert [(r.operators, r.slots) for r in staffing.rows if r.id] == [(0.5, 2), (0.5, 2)]


def test_thin_patience_evidence_takes_the_accounts() -> None:
    # Support saw two visitors give up after waiting 2 s; the account as a whole, twelve.
    events = operator("pete", ["support"]) + operator("sam", ["sales"])
    events += busy_group("sales", 30, "sam")
    events += busy_group("support", 30, "pete")
    events += [e for i in range(8) for e in gave_up(f"x{i}", "sales", NOW - 3 * 3600_000
                                                      + i * MINUTE, 60_000)]
    staffing = advise(account_of(events), StaffingSettings(), NOW)
    sales, support, total = row(staffing, "sales"), row(staffing, "support"), row(staffing,
                                                                                   None)
    assert (sales.patience_from, total.patience_from) == ("today", "today")
    assert support.patience_from == "account" and support.patience_s == total.patience_s


def short_and_spare(may_help: dict[str, list[str]] | None = None) -> tuple[Account,
                                                                              StaffingSettings]:
    """Sales is short (one operator, 60 arrivals in the window); support has four operators
    and little to do; olga is in both groups."""
    events = operator("sam", ["sales"], max_chats=1)
    events += operator("olga", ["sales", "support"], max_chats=1)
    for name in ("pete", "paul", "mary", "jane"):
        events += operator(name, ["support"], max_chats=1)
    events += busy_group("sales", 60, "sam", wait_ms=50_000, handle_ms=150_000)
    events += busy_group("support", 12, "pete", wait_ms=1_000, handle_ms=150_000)
    return account_of(events), StaffingSettings(may_help=may_help or {})


def test_operators_of_groups_that_may_help_are_lent_and_donors_keep_their_target() -> None:
    account, settings = short_and_spare({"support": ["sales"]})
    staffing = advise(account, settings, NOW)
    sales = row(staffing, "sales")
    assert sales.now is not None and sales.now.service_level < 0.8
    [suggestion] = staffing.suggestions
    assert suggestion.to == "sales"
    # olga, in both groups, already answers sales whenever its visitors wait longest
    assert "olga" not in {m.operator for m in suggestion.moves}
    assert all(m.groups == ["support"] for m in suggestion.moves)
    effects = {e.group: e for e in suggestion.effects}
    assert effects["sales"].after.service_level > effects["sales"].before.service_level
    assert effects["support"].after.service_level >= 0.8  # the donor keeps its target
    assert suggestion.reaches_target == (effects["sales"].after.service_level >= 0.8)


def test_without_may_help_nobody_is_moved() -> None:
    account, settings = short_and_spare()
    staffing = advise(account, settings, NOW)
    moves = [m for s in staffing.suggestions for m in s.moves]
    assert moves == []


def test_no_move_breaks_the_donors_target() -> None:
    # Support is as busy as it can be for its target: nobody may leave it.
    events = operator("sam", ["sales"], max_chats=1) + operator("pete", ["support"],
                                                                  max_chats=1)
    events += busy_group("sales", 60, "sam", wait_ms=50_000, handle_ms=150_000)
    events += busy_group("support", 12, "pete", wait_ms=1_000, handle_ms=150_000)
    staffing = advise(account_of(events), StaffingSettings(may_help={"support": ["sales"]}),
                      NOW)
    assert staffing.suggestions == []


def test_the_roster_lists_who_holds_what() -> None:
    events = operator("anna", ["sales"], max_chats=3) + operator("boris", ["support"],
                                                                   status="away")
    start = NOW - 10 * MINUTE
    events += [ev("conversation.started", start, conversation="c1", channel="web",
                  group="sales"),
               ev("conversation.assigned", start + 5_000, conversation="c1", operator="anna"),
               ev("message.operator", start + 65_000, conversation="c1"),
               ev("conversation.started", start, conversation="c2", channel="web",
                  group="sales"),
               ev("conversation.assigned", start + 1_000, conversation="c2", operator="anna")]
    listed = roster(account_of(events), None, NOW)
    assert [(o.id, o.status) for o in listed.operators] == [("anna", "available"),
                                                            ("boris", "away")]
    anna = listed.operators[0]
    assert (anna.in_work, anna.free_slots, anna.max_chats) == (2, 1, 3)
    assert [c.conversation for c in anna.conversations] == ["c2", "c1"]  # oldest first
    c2, c1 = anna.conversations
    assert c1.silent_s == (10 * MINUTE - 65_000) / 1000 and c2.silent_s is None
    assert (c1.held_s, c2.held_s) == (595.0, 599.0)
    assert anna.in_status_s == 8 * 3600 and listed.as_of == "2026-11-26T12:07:30.000+03:00"
    assert listed.operators[1].free_slots == 0
    assert [o.id for o in roster(account_of(events), "support", NOW).operators] == ["boris"]
