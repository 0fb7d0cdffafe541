"""A steady-load simulator: the Erlang A world exactly, to check the staffing model against.

Each group's visitors arrive as a Poisson stream at a constant rate and wait in the group's
first-come queue. An operator with a free chat slot (fewer in work than ``max_chats``) takes
the longest-waiting visitor among its groups; a conversation then lasts an exponential time of
mean ``handle_s`` from assignment to close, however many chats the operator holds, so a chat
slot is one server of M/M/n+M. A waiting visitor gives up after an exponential patience of mean
``patience_s`` (never when None). Nobody takes breaks and nothing else happens: whatever the
figures show comes from the load alone.

``simulate`` returns the wire-format events (METRICS.md section 2, as ``wallboard.sim`` emits
them) and what the simulator itself measured per group after the warm-up, by arrival: of the
visitors who arrived after it and were answered or gave up before the end, how many were
answered, answered within the threshold, or gave up, and their mean wait; and the mean
handle time the run drew.
"""

from __future__ import annotations

import random
from collections import deque
from heapq import heappop, heappush
from itertools import count
from typing import Any

import msgspec

from .clock import HOUR_MS
from .config import DEFAULT_START_MS

__all__ = ["SteadyConfig", "SteadyGroup", "SteadyOperator", "SteadyRun", "SteadyTruth",
           "simulate"]

SECOND = 1000


class SteadyGroup(msgspec.Struct, frozen=True):
    """A queue: its visitors come in through ``channel`` at a constant rate."""

    id: str
    channel: str
    arrivals_per_hour: float
    handle_s: float  # mean time from assignment to close
    patience_s: float | None = None  # mean time a visitor waits before giving up; None: forever

    def __post_init__(self) -> None:
        if not (0 <= self.arrivals_per_hour < float("inf")):
            raise ValueError(f"group {self.id}: arrivals_per_hour must be a number >= 0")
        if not (0 < self.handle_s < float("inf")):
            raise ValueError(f"group {self.id}: handle_s must be a number > 0")
        if self.patience_s is not None and not (0 <= self.patience_s < float("inf")):
            raise ValueError(f"group {self.id}: patience_s must be a number >= 0, or None")


class SteadyOperator(msgspec.Struct, frozen=True):
    """An operator, available all the time, serving ``groups`` with ``max_chats`` slots."""

    id: str
    groups: tuple[str, ...]
    max_chats: int = 1

    def __post_init__(self) -> None:
        if self.max_chats < 0:
            raise ValueError(f"operator {self.id}: max_chats must be >= 0")


class SteadyConfig(msgspec.Struct, frozen=True):
    """One run. Same config, same events."""

    seed: int
    groups: tuple[SteadyGroup, ...]
    operators: tuple[SteadyOperator, ...]
    hours: float
    account: str = "steady"
    timezone: str = "Europe/Moscow"
    start_ms: int = DEFAULT_START_MS  # a local midnight in the default zone
    sl_threshold_s: float = 60.0
    warmup_hours: float = 1.0

    def __post_init__(self) -> None:
        if not (0 <= self.hours < float("inf")):
            raise ValueError("hours must be a number >= 0")
        if not (0 <= self.warmup_hours < float("inf")):
            raise ValueError("warmup_hours must be a number >= 0")
        if not self.sl_threshold_s >= 0:
            raise ValueError("sl_threshold_s must be >= 0")
        ids = [g.id for g in self.groups]
        if len(set(ids)) != len(ids):
            raise ValueError("group ids must be unique")
        if len({o.id for o in self.operators}) != len(self.operators):
            raise ValueError("operator ids must be unique")
        for op in self.operators:
            unknown = set(op.groups) - set(ids)
            if unknown:
                raise ValueError(f"operator {op.id}: unknown groups {sorted(unknown)}")

    @property
    def end_ms(self) -> int:
        """When the run stops: events are strictly before it."""
        return self.start_ms + round(self.hours * HOUR_MS)

    @property
    def warm_ms(self) -> int:
        """Visitors who arrive from here on are measured."""
        return self.start_ms + round(self.warmup_hours * HOUR_MS)


class SteadyTruth(msgspec.Struct, frozen=True):
    """One group after the warm-up: visitors who arrived after it and were answered or gave
    up before the end (those still waiting at the end are left out)."""

    group: str
    arrivals: int
    answered: int
    answered_within: int  # waited no longer than the threshold (inclusive, as METRICS.md)
    abandoned: int
    mean_wait_s: float | None  # of those answered
    service_level: float | None  # answered within / arrivals
    abandonment: float | None  # abandoned / arrivals
    handle_s: float | None  # mean time from assignment to close drawn for those answered


class SteadyRun(msgspec.Struct, frozen=True):
    events: list[dict[str, Any]]  # in time order, ids unique
    truth: dict[str, SteadyTruth]  # by group id
    end_ms: int


def simulate(config: SteadyConfig) -> SteadyRun:
    """Run ``config`` from ``start_ms`` for ``hours``."""
    return _Run(config).run()


# Conversation states.
_WAITING, _WORK, _DONE = range(3)
# Heap actions.
_ARRIVE, _GIVE_UP, _CLOSE = range(3)


class _Group:
    __slots__ = (
        "arrived",
        "config",
        "handle_ms",
        "mean_gap_ms",
        "members",
        "patience_ms",
        "queue",
        "tally",
    )

    def __init__(self, config: SteadyGroup) -> None:
        self.config = config
        rate = config.arrivals_per_hour / HOUR_MS
        self.mean_gap_ms = 1 / rate if rate > 0 else None
        self.handle_ms = config.handle_s * SECOND
        self.patience_ms = None if config.patience_s is None else config.patience_s * SECOND
        self.queue: deque[_Conv] = deque()
        self.members: list[_Operator] = []
        self.arrived = 0.0  # exact time of the last arrival, in ms
        self.tally = _Tally()


class _Operator:
    __slots__ = ("groups", "id", "in_work", "max_chats")

    def __init__(self, config: SteadyOperator, groups: list[_Group]) -> None:
        self.id = config.id
        self.max_chats = config.max_chats
        self.groups = groups
        self.in_work = 0


class _Conv:
    __slots__ = ("arrived", "arrived_ms", "assigned_ms", "group", "id", "measured", "operator",
                 "state")

    def __init__(self, conv_id: str, group: _Group, arrived: float, measured: bool) -> None:
        self.id = conv_id
        self.group = group
        self.arrived = arrived  # exact, for first come first served across groups
        self.arrived_ms = int(arrived)
        self.measured = measured  # arrived after the warm-up
        self.state = _WAITING
        self.assigned_ms = 0
        self.operator: _Operator | None = None


class _Tally:
    __slots__ = ("abandoned", "answered", "handle_ms", "wait_ms", "within")

    def __init__(self) -> None:
        self.answered = 0
        self.within = 0
        self.abandoned = 0
        self.wait_ms = 0
        self.handle_ms = 0.0


class _Run:
    def __init__(self, config: SteadyConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.groups = {g.id: _Group(g) for g in config.groups}
        self.operators = []
        for spec in config.operators:
            op = _Operator(spec, [self.groups[g] for g in spec.groups])
            for group in op.groups:
                group.members.append(op)
            self.operators.append(op)
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = count()
        self.out: list[tuple[int, int, dict[str, Any]]] = []  # (at, order made, event)
        # Ids carry the seed and the start, so that runs sent to one account never collide.
        self.tag = f"st{config.seed}.{config.start_ms // 1000:x}."
        self.events = 0
        self.conversations = 0
        self.end_ms = config.end_ms
        self.threshold_ms = config.sl_threshold_s * SECOND

    def emit(self, at: int, kind: str, fields: dict[str, Any]) -> None:
        self.events += 1
        self.out.append((at, self.events, {"id": f"{self.tag}e{self.events}", "type": kind,
                                           "account": self.config.account, "at": at,
                                           **fields}))

    def at(self, t: float, action: int, subject: Any) -> None:
        heappush(self.heap, (t, next(self.seq), action, subject))

    def run(self) -> SteadyRun:
        start = self.config.start_ms
        self._configure(start)
        for group in self.groups.values():
            group.arrived = float(start)
            self._next_arrival(group)
        while self.heap and self.heap[0][0] < self.end_ms:
            t, _, action, subject = heappop(self.heap)
            if action == _ARRIVE:
                self._arrive(t, subject)
            elif action == _GIVE_UP:
                self._give_up(t, subject)
            else:
                self._close(t, subject)
        # Events made 1 ms after their cause can land past the end, or before an event made
        # earlier: order by time, then by the order they were made.
        self.out.sort(key=lambda item: (item[0], item[1]))
        events = [event for at, _, event in self.out if at < self.end_ms]
        return SteadyRun(events, {g: self._truth(group) for g, group in self.groups.items()},
                         self.end_ms)

    def _configure(self, t: int) -> None:
        channels: dict[str, list[str]] = {}
        for group in self.config.groups:
            self.emit(t, "group.updated", {"group": group.id, "name": group.id})
            channels.setdefault(group.channel, []).append(group.id)
        for channel, groups in channels.items():
            self.emit(t, "channel.updated", {"channel": channel, "kind": "web_chat",
                                             "name": channel, "groups": groups})
        for spec in self.config.operators:
            self.emit(t, "operator.updated", {"operator": spec.id, "name": spec.id,
                                              "groups": list(spec.groups),
                                              "max_chats": spec.max_chats})
            self.emit(t, "operator.status", {"operator": spec.id, "status": "available"})

    def _next_arrival(self, group: _Group) -> None:
        if group.mean_gap_ms is not None:
            group.arrived += self.rng.expovariate(1 / group.mean_gap_ms)
            self.at(group.arrived, _ARRIVE, group)

    def _arrive(self, t: float, group: _Group) -> None:
        self._next_arrival(group)
        self.conversations += 1
        ms = int(t)
        conv = _Conv(f"{self.tag}c{self.conversations}", group, t, ms >= self.config.warm_ms)
        self.emit(ms, "conversation.started", {"conversation": conv.id,
                                               "channel": group.config.channel,
                                               "group": group.config.id})
        self.emit(ms + 1, "message.visitor", {"conversation": conv.id})
        # Free slots are handed out at once (``_close``), so with one waiting nobody is free.
        free = None if group.queue else min(
            (op for op in group.members if op.in_work < op.max_chats),
            key=lambda op: op.in_work, default=None)
        if free is not None:
            self._assign(t, conv, free)
            return
        group.queue.append(conv)
        if group.patience_ms is not None:
            patience = self.rng.expovariate(1 / group.patience_ms) if group.patience_ms else 0
            # Not before the visitor's message, 1 ms in: the events must show what happened.
            self.at(max(t + patience, ms + 1.0), _GIVE_UP, conv)

    def _assign(self, t: float, conv: _Conv, op: _Operator) -> None:
        conv.state = _WORK
        conv.operator = op
        conv.assigned_ms = max(int(t), conv.arrived_ms)
        op.in_work += 1
        self.emit(conv.assigned_ms, "conversation.assigned", {"conversation": conv.id,
                                                              "operator": op.id})
        self.emit(conv.assigned_ms + 1, "message.operator", {"conversation": conv.id,
                                                             "operator": op.id})
        # Not before the operator's message, 1 ms in: the events must show what happened
        # (a chance of 1 ms / handle_s to matter).
        close = max(t + self.rng.expovariate(1 / conv.group.handle_ms),
                    conv.assigned_ms + 1.0)
        duration = close - t
        self.at(close, _CLOSE, conv)
        if conv.measured and conv.assigned_ms < self.end_ms:
            tally = conv.group.tally
            wait = conv.assigned_ms - conv.arrived_ms
            tally.answered += 1
            tally.wait_ms += wait
            tally.within += wait <= self.threshold_ms
            tally.handle_ms += duration

    def _give_up(self, t: float, conv: _Conv) -> None:
        if conv.state != _WAITING:
            return
        conv.state = _DONE  # its queue drops it when it reaches the head
        left = int(t)
        self.emit(left, "conversation.visitor_left", {"conversation": conv.id})
        if conv.measured and left < self.end_ms:
            conv.group.tally.abandoned += 1

    def _close(self, t: float, conv: _Conv) -> None:
        conv.state = _DONE
        self.emit(int(t), "conversation.closed",
                  {"conversation": conv.id, "by": "operator"})
        op = conv.operator
        assert op is not None
        op.in_work -= 1
        self._dispatch(t, op)

    def _dispatch(self, t: float, op: _Operator) -> None:
        """The operator has room: the longest-waiting visitors among its groups."""
        while op.in_work < op.max_chats:
            oldest: _Group | None = None
            for group in op.groups:
                queue = group.queue
                while queue and queue[0].state != _WAITING:
                    queue.popleft()
                if queue and (oldest is None or queue[0].arrived < oldest.queue[0].arrived):
                    oldest = group
            if oldest is None:
                return
            self._assign(t, oldest.queue.popleft(), op)

    def _truth(self, group: _Group) -> SteadyTruth:
        tally = group.tally
        arrivals = tally.answered + tally.abandoned
        return SteadyTruth(
            group=group.config.id,
            arrivals=arrivals,
            answered=tally.answered,
            answered_within=tally.within,
            abandoned=tally.abandoned,
            mean_wait_s=tally.wait_ms / tally.answered / SECOND if tally.answered else None,
            service_level=tally.within / arrivals if arrivals else None,
            abandonment=tally.abandoned / arrivals if arrivals else None,
            handle_s=tally.handle_ms / tally.answered / SECOND if tally.answered else None,
        )
