"""At risk now: waiting past the row's service-level threshold, silent in work, operators
with no free slot; each counted where it belongs, by the engine's live state."""

from __future__ import annotations

import itertools
import json
from typing import Any

from wallboard.engine import Account
from wallboard.events import decode_event
from wallboard.service.at_risk import at_risk

NOW = 1_795_520_000_000
_ids = itertools.count()


def ev(type_: str, at_s: float, **fields: Any) -> dict[str, Any]:
    return {"id": f"e{next(_ids)}", "type": type_, "account": "acme",
            "at": NOW + int(at_s * 1000), **fields}


def feed(account: Account, events: list[dict[str, Any]]) -> None:
    for e in events:
        account.apply(decode_event(json.dumps(e), NOW)[1], NOW)


def test_what_is_about_to_go_wrong_is_counted_where_it_belongs() -> None:
    account = Account("acme", "Europe/Moscow", 60)
    feed(account, [
        ev("operator.updated", -999, operator="anna", groups=["sales"], max_chats=1),
        ev("operator.status", -999, operator="anna", status="available"),
        ev("operator.updated", -999, operator="boris", groups=["sales"], max_chats=2),
        ev("operator.status", -999, operator="boris", status="available"),
        # Waiting 90 s (past 60) and 30 s (not yet), both in sales over the site chat.
        ev("conversation.started", -90, conversation="late", channel="web", group="sales"),
        ev("conversation.started", -30, conversation="fresh", channel="web", group="sales"),
        # Anna took one 120 s ago and has not written: silent. Boris wrote after taking his.
        ev("conversation.started", -200, conversation="silent", channel="web", group="sales"),
        ev("conversation.assigned", -120, conversation="silent", operator="anna"),
        ev("conversation.started", -200, conversation="talked", channel="mail", group="sales"),
        ev("conversation.assigned", -150, conversation="talked", operator="boris"),
        ev("message.operator", -140, conversation="talked", operator="boris"),
        # Boris took another 100 s ago but wrote only before it was his (a transfer): silent.
        ev("conversation.started", -300, conversation="moved", channel="mail", group="sales"),
        ev("conversation.assigned", -280, conversation="moved", operator="anna"),
        ev("message.operator", -270, conversation="moved", operator="anna"),
        ev("conversation.assigned", -100, conversation="moved", operator="boris"),
        # A callback: a kind no row counts, silent or not.
        ev("channel.updated", -999, channel="phone", kind="callback"),
        ev("conversation.started", -300, conversation="call", channel="phone", group="sales"),
        ev("conversation.assigned", -200, conversation="call", operator="carl"),
    ])
    got = {(r.report, r.id): r for r in at_risk(account, NOW, silent_after_s=60).rows}
    total, sales = got[("total", None)], got[("group", "sales")]
    web, mail = got[("channel", "web")], got[("channel", "mail")]
    assert (total.waiting_past_sl, sales.waiting_past_sl, web.waiting_past_sl) == (1, 1, 1)
    assert mail.waiting_past_sl == 0 and total.sl_threshold_s == 60
    assert (total.silent_in_work, web.silent_in_work, mail.silent_in_work) == (2, 1, 1)
    assert total.longest_silence_s == 120 and mail.longest_silence_s == 100
    # Anna holds one of one: full. Boris holds two of two: full as well.
    assert (total.full_operators, sales.full_operators) == (2, 2)
    # A longer patience: nobody silent yet.
    calmer = {(r.report, r.id): r for r in at_risk(account, NOW, silent_after_s=150).rows}
    assert calmer[("total", None)].silent_in_work == 0
    # A row with its own service-level threshold counts by it.
    account.set_sl_thresholds({("group", "sales"): 120})
    own = {(r.report, r.id): r for r in at_risk(account, NOW).rows}
    assert own[("group", "sales")].waiting_past_sl == 0
    assert own[("group", "sales")].sl_threshold_s == 120
    assert own[("total", None)].waiting_past_sl == 1
