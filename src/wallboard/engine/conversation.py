"""One conversation's fold (METRICS.md sections 3-4) and the effects it has on the rows.

A conversation keeps its events in order of (at, type rank, id) and the state reached by
folding them. Folding an event yields *effects*: signed, hashable facts such as "one wait sample
of 25 s in group support on day D". The account applies effects to its rows. Because the sum of
the effects of a full fold is the conversation's whole contribution, a late event is handled by
diffing the contribution before and after inserting it, and an in-order event by one step.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from typing import Any, TypeAlias

import msgspec

from ..events import (
    ASSIGNED,
    CLOSED,
    EVENT_ID,
    OPERATOR_MSG,
    QUEUED,
    RANK,
    STARTED,
    TOPIC,
    VISITOR_LEFT,
    VISITOR_MSG,
    Event,
)
from ..figures import COUNTER
from .calendar import SLOT_BITS

__all__ = [
    "ARRIVED",
    "CANCELED",
    "CANCEL_WINDOW_MS",
    "COUNT",
    "DONE",
    "ENTRY",
    "HANDLE",
    "IN_WORK",
    "MISSED",
    "NEW",
    "OUTCOME_NAMES",
    "QUEUE",
    "SAMPLE",
    "SERVED",
    "TOPIC_COUNT",
    "UNASSIGNED",
    "WAITING",
    "WORK",
    "Conversation",
    "Effect",
]

# Conversation states. NEW: no started event known yet, so it counts nowhere.
NEW, WAITING, IN_WORK, DONE = 0, 1, 2, 3

# Effect tags. Every effect is a tuple (tag, channel, ...); a slot is a local day's quarter
# hour (see calendar.py), a day a local day's ordinal:
# The effects that the rolling windows count end with the instant they count at.
ARRIVED = 0  # (ARRIVED, channel, slot, at): started then
ENTRY = 1  # (ENTRY, channel, group, slot, at): entered that group's queue
SAMPLE = 2  # (SAMPLE, channel, group, slot, length_ms, answered, at): a stint in a queue ended
# (COUNT, channel, group, slot, counter, handled_ms, at): closed then, with the outcome's counter
# (figures.py) and, when it closed in work, the length of that stint in work (else None)
COUNT = 3
# (TOPIC_COUNT, channel, group, day, topic, at): counted under the topics of the day it started
TOPIC_COUNT = 4
QUEUE = 5  # (QUEUE, channel, group, stint_start): waiting now (gauge)
WORK = 6  # (WORK, channel, group, operator): in work now (gauge)
HANDLE = 7  # (HANDLE, channel, group, slot, length_ms): back to a queue from work then

SERVED, UNASSIGNED, CANCELED, MISSED = 0, 1, 2, 3
_MESSAGES = (VISITOR_MSG, OPERATOR_MSG)
OUTCOME_NAMES = ("served", "unassigned", "canceled", "missed")
_OUTCOME_COUNTER = tuple(COUNTER[name] for name in OUTCOME_NAMES)  # the counter of each
CANCEL_WINDOW_MS = 20_000

Effect: TypeAlias = tuple[Any, ...]
# Receives one effect and its sign (+1 or -1).
Sink: TypeAlias = Callable[[Effect, int], None]


class Conversation:
    """Events of one conversation and the state their fold reached."""

    __slots__ = (
        "assigned",
        "assigned_at",
        "channel",
        "close_at",
        "events",
        "group",
        "id",
        "operator",
        "operator_msg",
        "operator_msg_at",
        "outcome",
        "start_at",
        "start_day",
        "state",
        "stint_start",
        "topic",
        "visitor_msg",
        "work_start",
    )

    def __init__(self, conversation_id: str) -> None:
        self.id = conversation_id
        self.events: list[Event] = []
        self._reset()

    def _reset(self) -> None:
        self.state = NEW
        self.channel: str = ""
        self.start_at = 0
        self.start_day = 0
        self.group: str | None = None
        self.operator: str | None = None
        self.stint_start = 0
        self.work_start = 0  # when its stint in work began
        self.assigned_at = 0  # when its operator took it (a reassignment too)
        self.visitor_msg = False
        self.operator_msg = False
        self.operator_msg_at: int | None = None  # the latest operator message
        self.assigned = False
        self.topic: str | None = None
        self.close_at = 0
        self.outcome = -1

    # -- folding ------------------------------------------------------------------------------

    def add(self, ev: Event, slot_of: Callable[[int], int], out: list[tuple[Effect, int]],
            before: dict[Effect, int] | None = None) -> None:
        """Add a new event; append the signed effects that change the contribution to ``out``.

        ``before`` is the current contribution when the caller already has it.
        """
        events = self.events
        if not events or ev > events[-1]:
            events.append(ev)  # in order: continue the fold
            self._step(ev, slot_of, out)
            return
        rank = ev[RANK]
        if (self.state == NEW and rank != STARTED) or (
                rank in _MESSAGES and self._message_changes_nothing(ev)):
            insort(events, ev)  # no figure can change: no need to refold
            return
        if before is None:
            before = self.contribution(slot_of)
        insort(events, ev)
        after = self.contribution(slot_of)
        for effect, n in before.items():
            m = after.pop(effect, 0)
            if m != n:
                out.append((effect, m - n))
        out.extend(after.items())
        # Removals first, so that a gauge that moves is never counted twice in a row.
        out.sort(key=_sign_key)

    def _message_changes_nothing(self, ev: Event) -> bool:
        """A message only marks that its side wrote between the start and the close."""
        at, rank, _id, _subject, _a, _b, _c = ev
        if at < self.start_at or (self.state == DONE and at > self.close_at):
            return True  # ignored by the fold: before the started event or after the close
        if self.start_at < at and (self.state != DONE or at < self.close_at):
            # Counted, but the flag it would set is already set.
            return self.visitor_msg if rank == VISITOR_MSG else self.operator_msg
        return False  # on the same millisecond as the start or the close: let the fold decide

    def find(self, event_id: str) -> Event | None:
        for ev in self.events:
            if ev[EVENT_ID] == event_id:
                return ev
        return None

    # -- compact form for closed conversations ------------------------------------------------

    def pack(self) -> bytes:
        """The events as compact bytes, with the close time first (see ``unpack``)."""
        # Encoded as they are, with no per-event reshaping: msgpack does it all in C, and the
        # few bytes saved by dropping the conversation id would cost more time than they save.
        return _pack((self.close_at, self.events))

    @classmethod
    def unpack(cls, conversation_id: str, packed: bytes, slot_of: Callable[[int], int]
               ) -> tuple[Conversation, dict[Effect, int]]:
        """Rebuild a packed conversation; also return its contribution (the refold's by-product)."""
        conv = cls(conversation_id)
        conv.events = _unpack(packed)[1]
        return conv, conv.contribution(slot_of)

    def contribution(self, slot_of: Callable[[int], int]) -> dict[Effect, int]:
        """Refold all events from scratch; return the net effects (the whole contribution)."""
        self._reset()
        steps: list[tuple[Effect, int]] = []
        for ev in self.events:
            self._step(ev, slot_of, steps)
        net: dict[Effect, int] = {}
        for effect, sign in steps:
            n = net.get(effect, 0) + sign
            if n:
                net[effect] = n
            else:
                del net[effect]
        return net

    def _step(self, ev: Event, slot_of: Callable[[int], int], out: list[tuple[Effect, int]]
              ) -> None:
        state = self.state
        if state == DONE:
            return
        # The type's own fields are a, b, c: what each holds depends on the rank (events.py).
        at, rank, _id, _subject, a, b, c = ev
        if state == NEW:
            if rank != STARTED:
                return  # events that sort before the started event are ignored
            self.state = WAITING
            channel = self.channel = a
            group = self.group = b
            topic = self.topic = c
            slot = slot_of(at)
            self.start_day = slot >> SLOT_BITS
            self.start_at = self.stint_start = at
            out.append(((ARRIVED, channel, slot, at), 1))
            out.append(((ENTRY, channel, group, slot, at), 1))
            out.append(((QUEUE, channel, group, at), 1))
            if topic is not None:
                out.append(((TOPIC_COUNT, channel, group, self.start_day, topic, at), 1))
            return
        channel = self.channel
        if rank == VISITOR_MSG:
            self.visitor_msg = True
        elif rank == OPERATOR_MSG:
            self.operator_msg = True
            self.operator_msg_at = at
        elif rank == QUEUED:
            group = a
            if state == WAITING:
                if group == self.group:
                    return  # already in that queue: not a new entry
                out.append(((QUEUE, channel, self.group, self.stint_start), -1))
                self._move_topic(group, out)
                out.append(((QUEUE, channel, group, self.stint_start), 1))
            else:  # back from work: a new stint
                out.append(((WORK, channel, self.group, self.operator), -1))
                out.append(((HANDLE, channel, self.group, slot_of(at), at - self.work_start), 1))
                self._move_topic(group, out)
                self.state = WAITING
                self.operator = None
                self.stint_start = at
                out.append(((QUEUE, channel, group, at), 1))
            self.group = group
            out.append(((ENTRY, channel, group, slot_of(at), at), 1))
        elif rank == ASSIGNED:  # a: the operator, b: the group if given
            group = b if b is not None else self.group
            if state == WAITING:
                out.append(((QUEUE, channel, self.group, self.stint_start), -1))
                out.append(((SAMPLE, channel, group, slot_of(at), at - self.stint_start, True, at),
                            1))
                self.state = IN_WORK
                self.assigned = True
                self.work_start = at
            else:
                out.append(((WORK, channel, self.group, self.operator), -1))
            if group != self.group:
                self._move_topic(group, out)
                self.group = group
            self.operator = a
            self.assigned_at = at
            out.append(((WORK, channel, group, self.operator), 1))
        elif rank == TOPIC:
            if self.topic is not None:
                out.append(((TOPIC_COUNT, channel, self.group, self.start_day, self.topic,
                             self.start_at), -1))
            self.topic = a
            out.append(((TOPIC_COUNT, channel, self.group, self.start_day, self.topic,
                         self.start_at), 1))
        elif rank == VISITOR_LEFT:
            if state == WAITING:
                self._close(at, True, out, slot_of)
        elif rank == CLOSED:
            self._close(at, a == "visitor", out, slot_of)  # a: who closed it
        # A second started event changes nothing.

    def _move_topic(self, group: str | None, out: list[tuple[Effect, int]]) -> None:
        if self.topic is not None:
            topic, day, start = self.topic, self.start_day, self.start_at
            out.append(((TOPIC_COUNT, self.channel, self.group, day, topic, start), -1))
            out.append(((TOPIC_COUNT, self.channel, group, day, topic, start), 1))

    def _close(self, at: int, by_visitor: bool, out: list[tuple[Effect, int]],
               slot_of: Callable[[int], int]) -> None:
        channel, group = self.channel, self.group
        slot = slot_of(at)
        handled = None
        if self.state == WAITING:
            out.append(((QUEUE, channel, group, self.stint_start), -1))
            out.append(((SAMPLE, channel, group, slot, at - self.stint_start, False, at), 1))
        else:
            out.append(((WORK, channel, group, self.operator), -1))
            handled = at - self.work_start
            self.operator = None
        self.state = DONE
        self.close_at = at
        if not self.visitor_msg or (by_visitor and at - self.start_at < CANCEL_WINDOW_MS):
            outcome = CANCELED
        elif not self.assigned:
            outcome = UNASSIGNED
        elif not self.operator_msg:
            outcome = MISSED
        else:
            outcome = SERVED
        self.outcome = outcome
        out.append(((COUNT, channel, group, slot, _OUTCOME_COUNTER[outcome], handled, at), 1))


def _sign_key(item: tuple[Effect, int]) -> int:
    return item[1]


def packed_close_at(packed: bytes) -> int:
    """When a packed conversation closed, without rebuilding it."""
    return _unpack(packed)[0]


def packed_moments(packed: bytes) -> list[int]:
    """The moments of a packed conversation's events and its close: every effect of it
    happens at one of them."""
    close_at, events = _unpack(packed)
    return [close_at, *(e[0] for e in events)]


def packed_ids(packed: bytes) -> list[str]:
    return [r[2] for r in _unpack(packed)[1]]


_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder(tuple[int, list[tuple[int, int, str, str, Any, Any, Any]]]).decode
