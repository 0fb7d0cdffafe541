"""The conversations behind a figure: the very effects that make a row's count, found again.

A figure of a row on a day is a sum of effects (conversation.py): an arrival is an ARRIVED
effect of the channel and the total, or an ENTRY of the group; an outcome a COUNT with its
counter; a wait sample a SAMPLE, answered within the service level by the row's threshold;
in queue and in work now the QUEUE and WORK gauges. So the list is each conversation's
contribution filtered by the same rule, an item per effect (a conversation that entered a
group's queue twice is behind two of its arrivals): it agrees with the count by construction.

The conversations held are walked once per question, from a copy taken at once (``hold``) so
that the walk may run off the engine's thread; a packed one is rebuilt only if its bytes name
the row's channel or group and it closed on or after the day began.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import msgspec

from ..figures import COUNTER, Report
from .account import Account
from .calendar import SLOT_BITS
from .conversation import (
    ARRIVED,
    COUNT,
    ENTRY,
    QUEUE,
    SAMPLE,
    WORK,
    Conversation,
    Effect,
    packed_moments,
)
from .conversation import packed_close_at as _close_at

__all__ = ["EXPLAINED", "Behind", "Explained", "Held", "behind", "days_of", "hold"]

Explained = Literal["arrived", "served", "unserved", "unassigned", "canceled", "missed",
                    "wait_samples", "answered_within_sl", "in_queue", "in_work"]
EXPLAINED: tuple[Explained, ...] = (
    "arrived", "served", "unserved", "unassigned", "canceled", "missed", "wait_samples",
    "answered_within_sl", "in_queue", "in_work")
_LOST = frozenset(COUNTER[n] for n in ("unassigned", "canceled", "missed"))


class Behind(msgspec.Struct, frozen=True):
    """One conversation behind one unit of a figure, and the effect that put it there."""

    conversation: Conversation
    effect: Effect


class Held(msgspec.Struct, frozen=True):
    """What ``behind`` reads of an account, taken at once on the engine's thread (cheap: the
    open conversations' event lists copied, the packed ones by reference), so that the search
    itself may run on another thread while the engine goes on."""

    open: list[tuple[str, list[Any]]]  # (id, its events)
    closed: list[tuple[str, bytes]]
    counted: frozenset[str]  # the channels whose conversations count (not of excluded kinds)
    slot_of: Callable[[int], int]
    day_start: Callable[[int], int]
    sl_ms: int  # the threshold the row asked about counts by


def hold(account: Account, report: Report, row_id: str | None) -> Held:
    row = account.report_row(report, row_id)
    return Held([(cid, list(conv.events)) for cid, conv in account.open.items()],
                list(account.closed.items()),
                frozenset(c.id for c in account.channels.values() if not c.excluded),
                account.calendar.slot_of, account.calendar.day_start,
                account.sl_ms_of(row) if row is not None else 0)


def days_of(account: Account, packed: bytes) -> list[int]:
    """The local days a packed conversation may count on (the service keeps it under each
    once it leaves memory): every effect happens at one of its events or its close."""
    return sorted({account.calendar.day_of(moment) for moment in packed_moments(packed)})


def _matcher(figure: Explained, report: Report, row_id: str | None, day: int, sl_ms: int
             ) -> Callable[[Effect], bool]:
    """Whether an effect counts toward the figure of the row on the day."""
    if report == "total":
        def in_row(channel: str, group: str | None) -> bool:
            return True
    elif report == "channel":
        def in_row(channel: str, group: str | None) -> bool:
            return channel == row_id
    else:
        def in_row(channel: str, group: str | None) -> bool:
            return group == row_id

    def on_day(slot: int) -> bool:
        return slot >> SLOT_BITS == day

    if figure == "arrived":
        if report == "group":
            return lambda e: e[0] == ENTRY and e[2] == row_id and on_day(e[3])
        return lambda e: e[0] == ARRIVED and in_row(e[1], None) and on_day(e[2])
    if figure in ("wait_samples", "answered_within_sl"):
        within = figure == "answered_within_sl"
        return lambda e: (e[0] == SAMPLE and in_row(e[1], e[2]) and on_day(e[3])
                          and (not within or (e[5] and e[4] <= sl_ms)))
    if figure == "in_queue":
        return lambda e: e[0] == QUEUE and in_row(e[1], e[2])
    if figure == "in_work":
        return lambda e: e[0] == WORK and in_row(e[1], e[2])
    counters = _LOST if figure == "unserved" else frozenset({COUNTER[figure]})
    return lambda e: e[0] == COUNT and e[4] in counters and in_row(e[1], e[2]) and on_day(e[3])


def behind(held: Held, figure: Explained, report: Report, row_id: str | None, day: int
           ) -> list[Behind]:
    """Every unit of ``figure`` of the row on local ``day`` (or now, for the gauges), as the
    conversation and effect behind it; as many as the snapshot counts."""
    matches = _matcher(figure, report, row_id, day, held.sl_ms)
    slot_of = held.slot_of
    day_start = held.day_start(day)
    name = None if report == "total" or row_id is None else row_id.encode()
    candidates = []
    for cid, events in held.open:
        conv = Conversation(cid)
        conv.events = events
        candidates.append((conv, conv.contribution(slot_of)))
    if figure not in ("in_queue", "in_work"):  # closed conversations are in no gauge
        candidates += [
            Conversation.unpack(cid, packed, slot_of)
            for cid, packed in held.closed
            if _close_at(packed) >= day_start and (name is None or name in packed)]
    found: list[Behind] = []
    for conv, effects in candidates:
        if conv.channel not in held.counted:
            continue  # counted in no row (excluded kinds), or never started
        for effect, n in effects.items():
            if matches(effect):
                found.extend(Behind(conv, effect) for _ in range(n))
    return found
