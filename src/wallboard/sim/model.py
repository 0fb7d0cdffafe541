"""The discrete-event model: arrivals, queues, operators and conversations, in time order.

Every action sits in one heap keyed by (time, sequence) and emits its events at its own time,
so the output is in non-decreasing ``at`` order without sorting. Only actions that change the
state go through the heap; timers that may have been overtaken (a visitor's patience, the
next step of a chat that was handed back) carry the conversation's epoch and are dropped when
it moved on.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from .clock import DAY_MS, HOUR_MS, ModelClock, local_day_bounds
from .config import SimConfig
from .entities import CLOSED, IN_WORK, WAITING, Conversation, Group, Operator
from .truth import GroundTruth, Recorder
from .world import (
    CHANNELS,
    GROUPS,
    PACES,
    ChannelSpec,
    OperatorSpec,
    profile_at,
    roster,
    topic_at,
)

__all__ = ["Model"]

SL_THRESHOLD_MS = 60_000
SECOND = 1000
MINUTE = 60_000
_BUFFER = 1024  # events handed out at a time by ``batches``

# Work script steps.
OP_MSG, VISITOR_MSG, TOPIC, TRANSFER, CLOSE_OPERATOR, CLOSE_SYSTEM, CLOSE_VISITOR = range(7)

# Shares of conversations by how the visitor behaves; the rest just talk.
SILENT = 0.03  # opens the widget, never writes: canceled
QUICK = 0.05  # gives up within 20 s: canceled
MUTE_OPERATOR = 0.03  # the operator never replies: missed
TRANSFER_WAITING = 0.04  # routed to another group while waiting
TRANSFER_WORK = 0.05  # the operator hands it to another group
WITH_TOPIC = 0.55  # the channel or bot sets a topic at the start
TOPIC_IN_WORK = 0.25  # the operator sets or changes it

Action = Callable[[int, Any, Any], None]


class _Stream:
    """Arrivals of one channel into one starting group: a Poisson process with the profile."""

    __slots__ = ("channel", "group", "peak_per_ms", "surge", "t", "truth_row")

    def __init__(self, channel: ChannelSpec, group: str | None, per_hour: float,
                 surge: bool) -> None:
        self.channel = channel
        self.group = group
        self.peak_per_ms = per_hour / HOUR_MS
        self.surge = surge
        self.t = 0.0  # the exact time of the last arrival (events get whole milliseconds)
        self.truth_row: Any = None


class Model:
    """One run of the simulation. ``run()`` yields the events; ``truth()`` then tells."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.zone = ZoneInfo(config.timezone)
        self.clock = ModelClock(self.zone, config.start_ms, config.busy_from_start,
                                config.hour_shift)
        end = config.end_ms
        self.end_ms = end
        # The reported day: the local day of the run's last instant.
        last = (end if end is not None else config.start_ms + 1) - 1
        lo, hi, self.day = local_day_bounds(self.zone, last)
        if end is None:
            lo = hi = 0  # an endless run keeps no day counters, so its memory stays flat
        self.recorder = Recorder(lo, hi, SL_THRESHOLD_MS, (g for g, _ in GROUPS))
        self.groups = {g: Group(g) for g, _ in GROUPS}
        self.group_ids = [g for g, _ in GROUPS]
        self.specs: list[OperatorSpec] = roster(self.rng, config.scale * config.staffing,
                                                config.crew)
        self.operators: list[Operator] = []
        for spec in self.specs:
            op = Operator(spec.id, spec.max_chats)
            op.groups = [self.groups[g] for g in spec.groups]
            for g in op.groups:
                g.members.append(op)
            self.operators.append(op)
        surge = config.surge
        self.streams = [
            _Stream(ch, g, rate * config.scale, surge is not None and g == surge.group)
            for ch in CHANNELS for g, rate in ch.streams
        ]
        for stream in self.streams:
            stream.truth_row = self.recorder.channel_row(stream.channel)
        self.heap: list[tuple[int, int, Action, Any, Any]] = []
        self.seq = count()
        self.out: list[dict[str, Any]] = []
        self.account = config.account
        # Ids carry the seed and the start so that runs sent to one account never collide.
        self.tag = f"s{config.seed}.{config.start_ms // 1000:x}."
        self.events = 0
        self.conversations = 0

    # -- plumbing -----------------------------------------------------------------------------

    def at(self, t: int, action: Action, a: Any = None, b: Any = None) -> None:
        heappush(self.heap, (t, next(self.seq), action, a, b))

    def emit(self, t: int, kind: str, fields: dict[str, Any]) -> None:
        self.events += 1
        self.out.append({"id": f"{self.tag}e{self.events}", "type": kind,
                         "account": self.account, "at": t, **fields})

    def run(self) -> Iterator[dict[str, Any]]:
        """The events in time order; stops before ``end_ms``."""
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        """The events in time order, in lists of about ``_BUFFER``; stops before ``end_ms``."""
        start = self.config.start_ms
        self._configure(start)
        for stream in self.streams:
            stream.t = float(start)
            self._next_arrival(stream)
        self.at(self.clock.day_start(start), self._day, True)
        heap = self.heap
        end = math.inf if self.end_ms is None else self.end_ms
        while heap:
            if len(self.out) >= _BUFFER:
                yield self.out
                self.out = []
            t, _, action, a, b = heappop(heap)
            if t >= end:
                break
            action(t, a, b)
        yield self.out
        self.out = []

    def truth(self) -> GroundTruth:
        """The ground truth as of the end; call after ``run`` is exhausted."""
        if self.end_ms is None:
            raise ValueError("an endless run has no ground truth")
        cfg = self.config
        return self.recorder.finish(cfg.account, cfg.timezone, self.day, self.end_ms,
                                    self.operators, CHANNELS)

    # -- configuration and the operators' day -------------------------------------------------

    def _configure(self, t: int) -> None:
        for group_id, name in GROUPS:
            self.emit(t, "group.updated", {"group": group_id, "name": name})
        for ch in CHANNELS:
            self.emit(t, "channel.updated", {"channel": ch.id, "kind": ch.kind,
                                             "name": ch.name, "groups": list(ch.groups)})
        for spec in self.specs:
            self.emit(t, "operator.updated", {"operator": spec.id, "name": spec.name,
                                              "groups": list(spec.groups),
                                              "max_chats": spec.max_chats})

    def _day(self, day: int, first: bool, _: Any) -> None:
        """Plan every operator's shift of the simulated day starting at ``day``."""
        rng = self.rng
        now = max(day, self.config.start_ms)
        for op, spec in zip(self.operators, self.specs, strict=True):
            start = day + spec.shift[0] * HOUR_MS + int((rng.random() * 15 - 5) * MINUTE)
            end = day + spec.shift[1] * HOUR_MS + int((rng.random() * 15 - 5) * MINUTE)
            if first:  # the run opens mid-day: who is on shift now starts available
                on = start <= now < end
                self._set_status(now, op, "available" if on else "offline")
                if end <= now:
                    continue
            if not first or start > now:
                self.at(max(start, now), self._set_status, op, "available")
            start = max(start, now)
            # Breaks, away or (now and then) busy, inside the shift.
            t = start + HOUR_MS + int(rng.random() * HOUR_MS)
            while t < end - 2 * HOUR_MS:
                length = int((10 + rng.random() * 20) * MINUTE)
                self.at(t, self._set_status, op, "busy" if rng.random() < 0.2 else "away")
                self.at(t + length, self._set_status, op, "available")
                t += length + int((1.5 + rng.random() * 2) * HOUR_MS)
            self.at(end, self._shift_end, op)
            if spec.max_chats <= 3 and rng.random() < 0.3:
                # The supervisor raises the limit for the peak, and puts it back.
                for hour, limit in ((11.5, spec.max_chats + 1), (17, spec.max_chats)):
                    if day + hour * HOUR_MS >= now:
                        self.at(day + int(hour * HOUR_MS), self._set_limit, op, limit)
        self.at(day + DAY_MS, self._day, False)

    def _set_status(self, t: int, op: Operator, status: str) -> None:
        op.status = status
        self.emit(t, "operator.status", {"operator": op.id, "status": status})
        if status == "available":
            self._dispatch(op, t)

    def _set_limit(self, t: int, op: Operator, max_chats: int) -> None:
        op.max_chats = max_chats
        self.emit(t, "operator.updated", {"operator": op.id, "max_chats": max_chats})
        self._dispatch(op, t)

    def _shift_end(self, t: int, op: Operator, _: Any) -> None:
        # No new chats; the ones in hand get a few minutes to finish.
        self._set_status(t, op, "busy")
        self.at(t + int((5 + self.rng.random() * 10) * MINUTE), self._logout, op)

    def _logout(self, t: int, op: Operator, _: Any) -> None:
        for conv in list(op.convs):  # the unfinished ones go back to their queue
            assert conv.group is not None
            self._requeue(t, conv, conv.group)
        self._set_status(t, op, "offline")

    # -- arrivals -----------------------------------------------------------------------------

    def _topic(self, draw: float, group: str | None, t: float) -> str:
        """A topic for a conversation of ``group`` at ``t``: the group's mix at that hour."""
        hour = self.clock.hour(t)
        spike = self.config.topic_spike
        return topic_at(draw, group, hour, None if spike is None else spike.lean(group, hour))

    def _rate(self, stream: _Stream, t: float) -> float:
        hour = self.clock.hour(t)
        rate = stream.peak_per_ms * profile_at(hour)
        surge = self.config.surge
        if stream.surge and surge is not None and (hour - surge.start_hour) % 24 < surge.hours:
            rate *= surge.factor
        return rate

    def _next_arrival(self, stream: _Stream) -> None:
        # Thinning: candidates at the highest rate, each kept with probability rate / highest.
        surge = self.config.surge
        top = stream.peak_per_ms * (max(1.0, surge.factor) if stream.surge and surge else 1.0)
        if top <= 0:
            return
        rng = self.rng.random
        t = stream.t
        end = math.inf if self.end_ms is None else self.end_ms
        while t < end:
            t -= math.log(1.0 - rng()) / top
            if rng() * top < self._rate(stream, t):
                stream.t = t
                self.at(int(t), self._arrive, stream)
                return

    def _arrive(self, t: int, stream: _Stream, _: Any) -> None:
        rng = self.rng.random
        spec = stream.channel
        self.conversations += 1
        conv = Conversation(f"{self.tag}c{self.conversations}", spec.id, spec.pace,
                            spec.excluded, stream.group, t, stream.truth_row)
        fields: dict[str, Any] = {"conversation": conv.id, "channel": spec.id}
        if stream.group is not None:
            fields["group"] = stream.group
        if rng() < WITH_TOPIC:
            fields["topic"] = self._topic(rng(), stream.group, t)
        self.emit(t, "conversation.started", fields)
        self.recorder.started(conv, t)
        r = rng()
        if r < SILENT:
            conv.silent = True
        else:
            if r < SILENT + QUICK:
                self.at(t + 2 * SECOND + int(rng() * 17 * SECOND), self._quick, conv)
            elif r < SILENT + QUICK + MUTE_OPERATOR:
                conv.mute = True
            if r >= SILENT + QUICK or rng() < 0.6:
                self.at(t + int(rng() * 8 * SECOND), self._visitor_writes, conv)
        self._wait(t, conv)
        if stream.group is None:
            self.at(t + SECOND + int(rng() * 5 * SECOND), self._route, conv, conv.epoch)
        elif rng() < TRANSFER_WAITING:
            self.at(t + 5 * SECOND + int(rng() * 55 * SECOND), self._transfer_waiting, conv,
                    conv.epoch)
        self._next_arrival(stream)
        if conv.group is not None:
            self._enqueue(t, conv)

    def _wait(self, t: int, conv: Conversation) -> None:
        """A stint starts: the visitor's patience starts running."""
        conv.state = WAITING
        conv.stint_start = t
        conv.epoch += 1
        patience = PACES[conv.pace].patience * SECOND
        self.at(t + int(-math.log(1.0 - self.rng.random()) * patience), self._give_up, conv,
                conv.epoch)

    # -- the visitor's side -------------------------------------------------------------------

    def _visitor_writes(self, t: int, conv: Conversation, _: Any) -> None:
        if conv.state != CLOSED:
            conv.visitor_msg = True
            self.emit(t, "message.visitor", {"conversation": conv.id})

    def _quick(self, t: int, conv: Conversation, _: Any) -> None:
        if conv.state == WAITING and self.rng.random() < 0.5:
            self._leave(t, conv)
        elif conv.state != CLOSED:
            self._close(t, conv, "visitor")

    def _give_up(self, t: int, conv: Conversation, epoch: int) -> None:
        if conv.epoch != epoch or conv.state != WAITING:
            return
        if conv.silent or self.rng.random() < 0.3:
            self._close(t, conv, "system")  # the platform closes an abandoned chat
        else:
            self._leave(t, conv)

    def _leave(self, t: int, conv: Conversation) -> None:
        self.emit(t, "conversation.visitor_left", {"conversation": conv.id})
        self.recorder.closed(conv, t, True)
        conv.state = CLOSED

    # -- queues and assignment ----------------------------------------------------------------

    def _route(self, t: int, conv: Conversation, epoch: int) -> None:
        if conv.epoch == epoch and conv.state == WAITING and conv.group is None:
            group = self.group_ids[int(self.rng.random() * len(self.group_ids))]
            self._move(t, conv, group)

    def _transfer_waiting(self, t: int, conv: Conversation, epoch: int) -> None:
        if conv.epoch == epoch and conv.state == WAITING:
            self._move(t, conv, self._other_group(conv.group))

    def _other_group(self, group: str | None) -> str:
        others = [g for g in self.group_ids if g != group]
        return others[int(self.rng.random() * len(others))]

    def _move(self, t: int, conv: Conversation, group: str) -> None:
        """Into another group's queue while waiting; the stint goes on."""
        self.emit(t, "conversation.queued", {"conversation": conv.id, "group": group})
        self.recorder.queued(conv, group, t)
        conv.group = group
        self._enqueue(t, conv)

    def _requeue(self, t: int, conv: Conversation, group: str) -> None:
        """Back from work into a queue: the operator lets it go, a new stint starts."""
        self.emit(t, "conversation.queued", {"conversation": conv.id, "group": group})
        self.recorder.queued(conv, group, t)
        conv.group = group
        self._release(conv)
        self._wait(t, conv)
        self._enqueue(t, conv)

    def _enqueue(self, t: int, conv: Conversation) -> None:
        assert conv.group is not None
        group = self.groups[conv.group]
        conv.qtoken += 1
        queue = group.queue
        _clean(queue)
        if not queue:
            # Only an empty queue can have a free operator: whenever capacity appears it is
            # handed to the queues at once (``_dispatch``).
            best: Operator | None = None
            for op in group.members:
                if (op.status == "available" and op.in_work < op.max_chats
                        and (best is None or op.in_work < best.in_work)):
                    best = op
                    if not op.in_work:
                        break  # nobody is less loaded than idle: the first idle one it is
            if best is not None:
                self._assign(t, conv, best)
                return
        queue.append((conv, conv.qtoken))

    def _dispatch(self, op: Operator, t: int) -> None:
        """The operator has room: take the longest-waiting heads of its groups' queues."""
        if op.status != "available":
            return
        while op.in_work < op.max_chats:
            best = None
            for group in op.groups:
                queue = group.queue
                _clean(queue)
                if queue and (best is None or queue[0][0].stint_start < best[0][0].stint_start):
                    best = queue
            if best is None:
                return
            self._assign(t, best.popleft()[0], op)

    def _assign(self, t: int, conv: Conversation, op: Operator) -> None:
        fields: dict[str, Any] = {"conversation": conv.id, "operator": op.id}
        if self.events % 2:  # some platforms repeat the group on assignment
            fields["group"] = conv.group
        self.emit(t, "conversation.assigned", fields)
        self.recorder.assigned(conv, t)
        conv.state = IN_WORK
        conv.assigned = True
        conv.operator = op
        conv.epoch += 1
        op.in_work += 1
        op.convs[conv] = None
        conv.script = self._script(conv)
        conv.step = 0
        self.at(t + conv.script[0][0], self._work, conv, conv.epoch)

    def _release(self, conv: Conversation) -> Operator | None:
        op = conv.operator
        if op is not None:
            op.in_work -= 1
            del op.convs[conv]
            conv.operator = None
        return op

    # -- the work -----------------------------------------------------------------------------

    def _script(self, conv: Conversation) -> list[tuple[int, int]]:
        """What happens once assigned: (delay ms from the previous step, step)."""
        rng = self.rng.random
        pace = PACES[conv.pace]

        def pause(lo_hi: tuple[float, float]) -> int:
            return int((lo_hi[0] + rng() * (lo_hi[1] - lo_hi[0])) * SECOND)

        if conv.silent:  # hello? ... closed for inactivity
            return [(pause(pace.reply), OP_MSG), (int((2 + rng() * 3) * MINUTE), CLOSE_SYSTEM)]
        if conv.mute:  # the visitor writes into the void and gives up, or the system closes
            steps = [(pause(pace.gap), VISITOR_MSG) for _ in range(int(rng() * 3))]
            closer = CLOSE_VISITOR if rng() < 0.3 else CLOSE_SYSTEM
            steps.append((int((5 + rng() * 10) * MINUTE), closer))
            return steps
        steps = [(pause(pace.reply), OP_MSG)]
        lo, hi = pace.exchanges
        exchanges = lo + int(rng() * (hi - lo + 1))
        transfer = (-1 if conv.transferred or rng() >= TRANSFER_WORK
                    else int(rng() * max(1, exchanges)))
        for i in range(exchanges):
            steps.append((pause(pace.gap), VISITOR_MSG))
            steps.append((pause(pace.gap), OP_MSG))
            if i == 0 and rng() < TOPIC_IN_WORK:
                steps.append((int(rng() * 20 * SECOND), TOPIC))
            if i == transfer:
                steps.append((pause(pace.gap), TRANSFER))
                return steps
        if transfer >= 0:  # no exchange to hand it over after: right after the greeting
            steps.append((pause(pace.gap), TRANSFER))
            return steps
        r = rng()
        if r < 0.65:
            steps.append((pause(pace.gap), CLOSE_OPERATOR))
        elif r < 0.85:
            steps.append((int((2 + rng() * 8) * MINUTE), CLOSE_SYSTEM))
        else:
            steps.append((pause(pace.gap), CLOSE_VISITOR))
        return steps

    def _work(self, t: int, conv: Conversation, epoch: int) -> None:
        if conv.epoch != epoch or conv.state != IN_WORK:
            return
        script = conv.script
        code = script[conv.step][1]
        conv.step += 1
        if code == OP_MSG:
            conv.operator_msg = True
            op = conv.operator
            assert op is not None
            # Messages are most of the traffic: built here, without emit's merge of two dicts.
            self.events += 1
            self.out.append({"id": f"{self.tag}e{self.events}", "type": "message.operator",
                             "account": self.account, "at": t, "conversation": conv.id,
                             "operator": op.id})
        elif code == VISITOR_MSG:
            conv.visitor_msg = True
            self.events += 1
            self.out.append({"id": f"{self.tag}e{self.events}", "type": "message.visitor",
                             "account": self.account, "at": t, "conversation": conv.id})
        elif code == TOPIC:
            topic = self._topic(self.rng.random(), conv.group, t)
            self.emit(t, "conversation.topic", {"conversation": conv.id, "topic": topic})
        elif code == TRANSFER:
            conv.transferred = True
            op = conv.operator
            self._requeue(t, conv, self._other_group(conv.group))
            if op is not None:
                self._dispatch(op, t)
            return
        else:
            self._close(t, conv, ("operator", "system", "visitor")[code - CLOSE_OPERATOR])
            return
        if conv.step < len(script):
            self.at(t + script[conv.step][0], self._work, conv, epoch)

    def _close(self, t: int, conv: Conversation, by: str) -> None:
        self.emit(t, "conversation.closed", {"conversation": conv.id, "by": by})
        self.recorder.closed(conv, t, by == "visitor")
        conv.state = CLOSED
        op = self._release(conv)
        if op is not None:
            self._dispatch(op, t)


def _clean(queue: Any) -> None:
    """Drop head entries that no longer wait in this queue."""
    while queue and (queue[0][0].state != WAITING or queue[0][0].qtoken != queue[0][1]):
        queue.popleft()
