"""The conversations behind a number, each with the rule that put it there.

``engine.behind`` finds them (as many as the figure counts, by construction); this module says
why for each, with the moments and people involved, in plain fields a page puts in its own
language and in an English sentence: "canceled: the visitor left 14.2 s after the start",
"missed: assigned to anna at 10:02:05, no operator message", "wait 95 s in sales, answered at
10:01:35", "waiting now: 252 s in support". Waiting lists come oldest first; the others in the
order things happened.

The search walks the conversations the engine holds (those of the days it still holds): a
copy is taken on the engine's thread, the walk runs on another (docs/api.md gives its cost).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Literal
from urllib.parse import quote

import msgspec

from ..engine import Account
from ..engine.account import FINAL_AFTER_MS
from ..engine.behind import Behind, Explained, Held, behind, hold
from ..engine.calendar import ordinal_iso
from ..engine.conversation import (
    ARRIVED,
    CANCELED,
    COUNT,
    ENTRY,
    MISSED,
    OUTCOME_NAMES,
    QUEUE,
    SAMPLE,
    SERVED,
    UNASSIGNED,
    WORK,
    Conversation,
)
from ..events import ASSIGNED, RANK
from ..figures import COUNTER, Report
from ..history.cells import text_cell

__all__ = ["EXPLAIN_CSV_HEADER", "MAX_PAGE", "BehindItem", "FigureBehind", "NotHeld",
           "explain_csv", "explained", "search"]

MAX_PAGE = 500  # items in one page

Rule = Literal["started", "entered", "served", "unassigned", "canceled", "missed", "wait",
               "waiting", "in_work"]
_OUTCOME_RULE: dict[int, Rule] = {SERVED: "served", UNASSIGNED: "unassigned",
                                  CANCELED: "canceled", MISSED: "missed"}
_OUTCOME_BY_COUNTER = {COUNTER[name]: i for i, name in enumerate(OUTCOME_NAMES)}


class BehindItem(msgspec.Struct):
    conversation: str
    rule: Rule
    text: str  # the rule in an English sentence
    at: str  # the moment it counted (a gauge: since when)
    channel: str
    group: str | None
    start: str  # the conversation's start
    close: str | None  # its close, when closed
    operator: str | None  # who took it (the last to, for an outcome; of the stint, for work)
    seconds: float | None  # the wait, the time to a cancel, or how long waiting or in work
    answered: bool | None  # a wait: whether an operator took it (else it left the queue)
    visitor_wrote: bool  # whether the visitor wrote (no message: a canceled conversation)
    events: str  # the conversation's events: GET this path


class FigureBehind(msgspec.Struct):
    account: str
    figure: Explained
    report: Report
    id: str | None
    date: str
    total: int  # as many as the figure counts
    offset: int
    items: list[BehindItem]


# The first local day whose conversations are all kept: in memory, or in the store once they
# leave it (the hub keeps every one from then on: hub.py)
KEPT_SINCE_SETTING = "conversations_kept_since"


class NotHeld(Exception):
    """A day whose conversations are not all kept (before the store kept those leaving
    memory, or past the history's retention): its list would be shorter than its count."""

    def __init__(self, first: str) -> None:
        super().__init__(f"the conversations behind a figure are kept from {first} on")
        self.first = first


def in_memory_from(account: Account, now: int) -> int:
    """The oldest day whose conversations are all in memory (they leave it 48 hours after
    their close)."""
    return account.calendar.day_of(now - FINAL_AFTER_MS) + 1


def search(account: Account, report: Report, row_id: str | None, day: int, now: int,
           kept_from: int) -> tuple[Held, bool]:
    """The copy to search (on the engine's thread), and whether the day's conversations that
    left memory must be read from the store too. Raises ``NotHeld`` for a day before
    ``kept_from``."""
    held = hold(account, report, row_id)
    if day >= in_memory_from(account, now):
        return held, False
    if day < kept_from:
        raise NotHeld(ordinal_iso(kept_from))
    # Those left since the last checkpoint are not in the store yet: taken from the engine.
    waiting = list(account.retired or ())
    return msgspec.structs.replace(held, closed=held.closed + waiting), True


class _Said(msgspec.Struct):
    """What differs between the rules: the rest of an item is the conversation's."""

    rule: Rule
    text: str
    at: str
    group: str | None
    operator: str | None = None
    seconds: float | None = None
    answered: bool | None = None


def _taken_by(conv: Conversation) -> str | None:
    """The operator who took it last, before its close (the fold forgets at the close)."""
    for ev in reversed(conv.events):
        if ev[RANK] == ASSIGNED and ev[0] <= (conv.close_at if conv.outcome >= 0 else ev[0]):
            return str(ev[4])
    return None


def _said(to_iso: Callable[[int], str], found: Behind, now: int) -> _Said:
    conv, effect = found.conversation, found.effect
    tag = effect[0]
    if tag == ARRIVED:
        at = to_iso(effect[3])
        return _Said("started", f"started at {at[11:19]}", at, conv.group)
    if tag == ENTRY:
        at = to_iso(effect[4])
        return _Said("entered", f"entered the queue of {effect[2]} at {at[11:19]}", at,
                     effect[2])
    if tag == SAMPLE:
        at, length = to_iso(effect[6]), effect[4] / 1000
        how = f"answered at {at[11:19]}" if effect[5] else f"left the queue at {at[11:19]}"
        return _Said("wait", f"wait {length:g} s in {effect[2] or 'no group'}, {how}", at,
                     effect[2], seconds=length, answered=bool(effect[5]))
    if tag == COUNT:
        at = to_iso(effect[6])
        outcome = _OUTCOME_BY_COUNTER[effect[4]]
        after = (conv.close_at - conv.start_at) / 1000
        operator = _taken_by(conv)
        if outcome == CANCELED and not conv.visitor_msg:
            text = "canceled: the visitor never wrote"
        elif outcome == CANCELED:
            text = f"canceled: the visitor left {after:g} s after the start"
        elif outcome == MISSED:
            taken = to_iso(conv.assigned_at)[11:19]
            text = f"missed: assigned to {operator} at {taken}, no operator message"
        elif outcome == UNASSIGNED:
            text = f"unassigned: nobody took it; closed {after:g} s after the start"
        else:
            text = f"served by {operator}; closed at {at[11:19]}"
        return _Said(_OUTCOME_RULE[outcome], text, at, effect[2], operator, after)
    if tag == QUEUE:
        waited = max(0, now - effect[3]) / 1000
        return _Said("waiting", f"waiting now: {waited:.0f} s in {effect[2] or 'no group'}",
                     to_iso(effect[3]), effect[2], seconds=waited)
    assert tag == WORK
    held = max(0, now - conv.work_start) / 1000
    return _Said("in_work", f"in work with {effect[3]} for {held:.0f} s",
                 to_iso(conv.work_start), effect[2], effect[3], held)


def _item(account_id: str, to_iso: Callable[[int], str], found: Behind, now: int
          ) -> BehindItem:
    conv = found.conversation
    said = _said(to_iso, found, now)
    return BehindItem(
        conv.id, said.rule, said.text, said.at, conv.channel, said.group,
        to_iso(conv.start_at), to_iso(conv.close_at) if conv.outcome >= 0 else None,
        said.operator, said.seconds, said.answered, conv.visitor_msg,
        f"/api/v1/accounts/{quote(account_id, safe='')}/conversations/"
        f"{quote(conv.id, safe='')}/events")


def _moment(found: Behind) -> int:
    effect = found.effect
    tag = effect[0]
    if tag == QUEUE:
        return int(effect[3])
    if tag == WORK:
        return found.conversation.work_start
    return int(effect[-1])


def explained(account_id: str, held: Held, to_iso: Callable[[int], str], figure: Explained,
              report: Report, row_id: str | None, day: int, date: str, now: int, offset: int,
              limit: int) -> FigureBehind:
    """A page of the conversations behind the figure (runs off the engine's thread)."""
    found = behind(held, figure, report, row_id, day)
    found.sort(key=lambda b: (_moment(b), b.conversation.id))  # oldest first
    page = [_item(account_id, to_iso, b, now) for b in found[offset:offset + limit]]
    return FigureBehind(account_id, figure, report, row_id, date, len(found), offset, page)


EXPLAIN_CSV_HEADER = ("conversation", "rule", "text", "at", "channel", "group", "start",
                      "close", "operator", "seconds", "answered")


def explain_csv(explanation: FigureBehind) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPLAIN_CSV_HEADER)
    for item in explanation.items:
        writer.writerow([text_cell(item.conversation), item.rule, text_cell(item.text), item.at,
                         text_cell(item.channel), text_cell(item.group), item.start,
                         item.close or "", text_cell(item.operator),
                         "" if item.seconds is None else item.seconds,
                         "" if item.answered is None else str(item.answered).lower()])
    return out.getvalue()
