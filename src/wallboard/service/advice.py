"""Staffing advice: how many operators each group (and the account) needs now, what its
current staff gives, and the moves of operators that would fix a short group.

Each row is a queue of the Erlang A model (``wallboard.staffing``), its inputs read off the
engine's rows, so that they are exact for the set of accepted events like every figure:

- arrivals: the row's arrivals in the current quarter hour so far and the two before it, over
  that time (30 to 45 minutes);
- handle time: the mean length of the stints in work that ended in the current quarter hour
  and the four before it; with fewer than ``MIN_SAMPLES`` of them, today's; with fewer still,
  the whole account's today;
- patience: today's stints that ended unanswered over the time all of today's stints waited
  (the exponential patience that best explains them); with fewer than ``MIN_SAMPLES`` who
  gave up, the whole account's (a handful of abandonments in a group that rarely waits would
  say its visitors leave within seconds); nobody gave up anywhere: no abandonment;
- servers: the chat limits of the available operators; an operator of several groups works
  where visitors wait longest, so each of their slots counts in whichever of their groups is
  worst off (docs/staffing.md says why, and when that is wrong).

A move sends one available operator of a group that may help the short one (the account's
``may_help`` list) to the short group. An operator already in the short group needs no move:
the routing sends them there whenever its visitors wait longest, and the model counts them
there. Moves are chosen one at a time, the one that helps most first, and never one that
would take a donor below the target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Literal

import msgspec

from ..engine import Account
from ..engine.calendar import BUCKET_MS
from ..engine.rows import Row
from ..figures import COUNTER, Report
from ..staffing import Prediction, Queue, needed, predict

__all__ = ["MIN_ARRIVALS", "MIN_GAIN", "MIN_SAMPLES", "Move", "Outlook", "RowStaffing", "Staffing",
           "StaffingSettings", "Suggestion", "advise"]

MIN_ARRIVALS = 10  # in the arrivals' window, or the rate is too rough to staff by
MIN_SAMPLES = 10  # stints in work behind a handle time
MIN_GAIN = 0.01  # a suggestion must move the service level or abandonment by a point
_ARRIVAL_BUCKETS = 3  # the current quarter hour and the two before it
_HANDLE_BUCKETS = 5
_MOST_OPERATORS = 5_000  # no row is staffed beyond this

_ARRIVED = COUNTER["arrived"]
_SAMPLES = COUNTER["wait_samples"]
_WAIT_SUM = COUNTER["wait_sum_ms"]
_ANSWERED = COUNTER["answered"]
_HANDLED = COUNTER["handle_samples"]
_HANDLE_SUM = COUNTER["handle_sum_ms"]


class StaffingSettings(msgspec.Struct, forbid_unknown_fields=True):
    """An account's staffing settings (admin)."""

    # The share of arrivals to answer within the account's service-level threshold.
    target: Annotated[float, msgspec.Meta(gt=0, lt=1)] = 0.8
    # Group -> the groups its operators may be sent to help.
    may_help: dict[str, list[str]] = msgspec.field(default_factory=dict)


class Outlook(msgspec.Struct):
    """What a staff gives in the long run (the model's prediction)."""

    service_level: float  # share of arrivals answered within the threshold
    asa_s: float | None  # mean wait of those answered
    p_abandon: float  # share of arrivals that give up waiting
    p_wait: float  # share of arrivals that wait at all


NotEnough = Literal["few_arrivals", "no_handle_time"]
Source = Literal["recent", "today", "account"]  # where a handle time was measured


class RowStaffing(msgspec.Struct):
    report: Report
    id: str | None
    name: str | None
    # "not_enough_data": too little to staff by (``reason``); the figures below that need the
    # model are then null.
    status: Literal["ok", "not_enough_data"]
    reason: NotEnough | None
    arrivals_per_hour: float
    window_s: float  # the time the arrivals were counted over
    handle_s: float | None
    handle_from: Source | None
    patience_s: float | None  # null: nobody gave up today (no abandonment in the model)
    patience_from: Literal["today", "account"] | None
    chat_limit: int  # slots an operator brings (the mean limit of those available)
    operators: float  # available, an operator of k groups counting 1/k in each
    slots: float  # their chat limits, shared the same way
    needed: int | None  # operators for the target; null: not enough data or beyond reach
    now: Outlook | None  # with the staff available now
    with_needed: Outlook | None
    in_queue: int
    drain_s: float | None  # time to empty the queue at full speed; null: it is not emptying


class Move(msgspec.Struct):
    operator: str
    name: str | None
    groups: list[str]  # the groups the operator leaves
    to: str


class Effect(msgspec.Struct):
    group: str
    before: Outlook
    after: Outlook


class Suggestion(msgspec.Struct):
    to: str  # the short group
    moves: list[Move]
    effects: list[Effect]  # the short group first, then each donor
    reaches_target: bool


class Staffing(msgspec.Struct):
    account: str
    as_of: str
    target: float
    sl_threshold_s: float
    rows: list[RowStaffing]
    suggestions: list[Suggestion]


# -- inputs ------------------------------------------------------------------------------

def _sums(row: Row, slots: Iterable[int], places: tuple[int, ...]) -> list[int]:
    out = [0] * len(places)
    for slot in slots:
        counters = row.buckets.get(slot)
        if counters is not None:
            for i, place in enumerate(places):
                out[i] += counters[place]
    return out


@dataclass
class _Inputs:
    arrivals: int
    window_ms: int
    handle_s: float | None
    handle_from: Source | None
    patience_s: float | None
    patience_from: Literal["today", "account"] | None


def _recent(account: Account, now: int, buckets: int) -> tuple[list[int], int]:
    """The slots of the current quarter hour and the ``buckets - 1`` before it, and the time
    they cover up to ``now``."""
    start = now - now % BUCKET_MS
    slot_of = account.calendar.slot_of
    return ([slot_of(start - k * BUCKET_MS) for k in range(buckets)],
            now - start + 1 + (buckets - 1) * BUCKET_MS)


def _handle(row: Row, slots: list[int], day: int) -> tuple[float | None, Source | None]:
    samples, total = _sums(row, slots, (_HANDLED, _HANDLE_SUM))
    if samples >= MIN_SAMPLES:
        return total / samples / 1000, "recent"
    counters = row.days.get(day)
    if counters is not None and counters[_HANDLED] >= MIN_SAMPLES:
        return counters[_HANDLE_SUM] / counters[_HANDLED] / 1000, "today"
    return None, None


def _gave_up(row: Row, day: int) -> tuple[int, float]:
    """How many of today's stints ended unanswered, and the time all of today's stints
    waited, in seconds."""
    counters = row.days.get(day)
    if counters is None:
        return 0, 0.0
    return counters[_SAMPLES] - counters[_ANSWERED], counters[_WAIT_SUM] / 1000


def _patience(account: Account, row: Row, day: int
              ) -> tuple[float | None, Literal["today", "account"] | None]:
    """The mean patience today's waits show (exposure over departures, the exponential's
    maximum likelihood), from the row when it has enough departures, else the account's."""
    gave_up, waited = _gave_up(row, day)
    if gave_up >= MIN_SAMPLES or row is account.total:
        return (waited / gave_up, "today") if gave_up else (None, None)
    everyone, all_waited = _gave_up(account.total, day)
    if everyone >= MIN_SAMPLES:
        return all_waited / everyone, "account"
    return (waited / gave_up, "today") if gave_up else (None, None)


def _inputs(account: Account, row: Row, now: int) -> _Inputs:
    day = account.calendar.day_of(now)
    slots, window = _recent(account, now, _ARRIVAL_BUCKETS)
    arrivals = _sums(row, slots, (_ARRIVED,))[0]
    handle_s, source = _handle(row, _recent(account, now, _HANDLE_BUCKETS)[0], day)
    if handle_s is None and row is not account.total:
        handle_s = _handle(account.total, [], day)[0]
        source = "account" if handle_s is not None else None
    patience, patience_from = _patience(account, row, day)
    return _Inputs(arrivals, window, handle_s, source, patience, patience_from)


# -- servers -----------------------------------------------------------------------------

@dataclass
class _Share:
    """One available operator, and the part of them each of their groups gets (summing to
    one)."""

    operator: str
    name: str | None
    groups: tuple[str, ...]
    chat_limit: int
    part: dict[str, float] = field(default_factory=dict)

    def to(self, group: str) -> float:
        """The slots this operator brings to ``group``."""
        return self.chat_limit * self.part.get(group, 0.0)


def _available(account: Account) -> list[_Share]:
    return [_Share(op.id, op.name, op.groups, op.max_chats) for op in account.operators.values()
            if op.status == "available"]


def _allocate(shares: list[_Share], queues: dict[str, Queue | None]) -> None:
    """Splits each operator of several groups between them the way a queue that gives a free
    slot to the longest waiting visitor does: a slot at a time, each to whichever of the
    operator's groups is then worst off. Routing that favours one group is not seen here
    (docs/staffing.md). Groups without a model share what is left equally."""
    slots: dict[str, float] = {}
    shared = []
    for share in shares:
        if len(share.groups) == 1:
            share.part = {share.groups[0]: 1.0}
            slots[share.groups[0]] = slots.get(share.groups[0], 0.0) + share.chat_limit
        else:
            shared.append(share)
    levels: dict[tuple[str, float], float] = {}

    def level(group: str) -> float:
        key = (group, slots.get(group, 0.0))
        if key not in levels:
            queue = queues[group]
            assert queue is not None
            levels[key] = _with_slots(queue, key[1]).service_level
        return levels[key]

    for share in sorted(shared, key=lambda s: s.operator):
        modelled = sorted(g for g in share.groups if queues.get(g) is not None)
        if not modelled or share.chat_limit < 1:
            share.part = {g: 1 / len(share.groups) for g in share.groups}
        else:
            share.part = dict.fromkeys(share.groups, 0.0)
            for _ in range(share.chat_limit):
                worst = min(modelled, key=level)
                share.part[worst] += 1 / share.chat_limit
                slots[worst] = slots.get(worst, 0.0) + 1
            continue
        for g in share.groups:
            slots[g] = slots.get(g, 0.0) + share.to(g)


def _chat_limit(account: Account, shares: list[_Share], group: str | None) -> int:
    mine = [s.chat_limit for s in shares if group is None or group in s.groups]
    if not mine:
        mine = [op.max_chats for op in account.operators.values()
                if group is None or group in op.groups] or [account.default_max_chats]
    return max(1, round(sum(mine) / len(mine)))


# -- the model ---------------------------------------------------------------------------

def _outlook(p: Prediction) -> Outlook:
    return Outlook(p.service_level, p.asa_s, p.p_abandon, p.p_wait)


def _queue(inputs: _Inputs, threshold_s: float, chat_limit: int = 1) -> Queue:
    return Queue(inputs.arrivals / inputs.window_ms * 1000, inputs.handle_s or 1.0,
                 chat_limit, inputs.patience_s, threshold_s)


def _with_slots(queue: Queue, slots: float) -> Outlook:
    """What ``slots`` servers give; a fraction of one (an operator shared between groups)
    weighs the two whole numbers around it, so that half an operator counts as half."""
    single = msgspec.structs.replace(queue, chat_limit=1)
    low = math.floor(slots + 1e-9)
    below = _outlook(predict(single, max(0, low)))
    part = slots - low
    if part < 1e-9:
        return below
    above = _outlook(predict(single, low + 1))

    def mix(a: float, b: float) -> float:
        return a + part * (b - a)

    asa = None if below.asa_s is None or above.asa_s is None else mix(below.asa_s, above.asa_s)
    return Outlook(mix(below.service_level, above.service_level), asa if asa is not None
                   else above.asa_s, mix(below.p_abandon, above.p_abandon),
                   mix(below.p_wait, above.p_wait))


def _reason(inputs: _Inputs) -> NotEnough | None:
    if inputs.handle_s is None:
        return "no_handle_time"
    if inputs.arrivals < MIN_ARRIVALS:
        return "few_arrivals"
    return None


def _row(report: Report, row_id: str | None, name: str | None, row: Row, inputs: _Inputs,
         operators: float, slots: float, chat_limit: int, settings: StaffingSettings,
         threshold_s: float) -> RowStaffing:
    reason = _reason(inputs)
    in_queue = len(row.waits)
    rate = inputs.arrivals / inputs.window_ms * 1000
    out = RowStaffing(report, row_id, name, "ok" if reason is None else "not_enough_data",
                      reason, rate * 3600, inputs.window_ms / 1000, inputs.handle_s,
                      inputs.handle_from, inputs.patience_s, inputs.patience_from, chat_limit,
                      round(operators, 2), round(slots, 2), None, None, None, in_queue, None)
    if reason is not None:
        return out
    queue = _queue(inputs, threshold_s, chat_limit)
    out.now = _with_slots(queue, slots)
    best = needed(queue, settings.target, _MOST_OPERATORS)
    if best is not None:
        out.needed, out.with_needed = best.operators, _outlook(best)
    speed = slots / (inputs.handle_s or 1.0)  # conversations finished a second
    out.drain_s = 0.0 if in_queue == 0 else (in_queue / (speed - rate) if speed > rate
                                             else None)
    return out


# -- moves -------------------------------------------------------------------------------

@dataclass
class _Group:
    id: str
    queue: Queue | None  # None: no model (not enough data, and not idle either)
    slots: float

    def outlook(self) -> Outlook | None:
        return None if self.queue is None else _with_slots(self.queue, self.slots)


def _suggest(short: _Group, groups: dict[str, _Group], shares: list[_Share],
             may_help: dict[str, list[str]], target: float) -> Suggestion | None:
    assert short.queue is not None
    before = {g.id: g.outlook() for g in groups.values()}
    moves: list[Move] = []
    used: set[str] = set()
    while True:
        now = short.outlook()
        assert now is not None
        if now.service_level >= target:
            break
        best: tuple[float, _Share] | None = None
        for share in shares:
            if (share.operator in used or short.id in share.groups
                    or not any(short.id in may_help.get(g, ()) for g in share.groups)
                    or not _donors_hold(share, short.id, groups, target)):
                continue
            level = _with_slots(short.queue, short.slots + share.chat_limit).service_level
            if best is None or level > best[0]:
                best = (level, share)
        if best is None:
            break
        share = best[1]
        used.add(share.operator)
        short.slots += share.chat_limit
        for g in share.groups:
            groups[g].slots -= share.to(g)
        moves.append(Move(share.operator, share.name, list(share.groups), short.id))
    after = short.outlook()
    was = before[short.id]
    if not moves or after is None or was is None or not _better(was, after):
        return None  # the moves there are would change nothing a supervisor would notice
    touched = [short.id, *sorted({g for m in moves for g in m.groups})]
    effects = []
    for g in touched:
        was, will = before[g], groups[g].outlook()
        if was is not None and will is not None:
            effects.append(Effect(g, was, will))
    return Suggestion(short.id, moves, effects,
                      after is not None and after.service_level >= target)


def _better(was: Outlook, will: Outlook) -> bool:
    """Whether a change is worth asking for: a point more answered in time, a point fewer
    giving up, or a tenth off the wait."""
    return (will.service_level - was.service_level >= MIN_GAIN
            or was.p_abandon - will.p_abandon >= MIN_GAIN
            or (was.asa_s is not None and will.asa_s is not None
                and will.asa_s <= 0.9 * was.asa_s))


def _donors_hold(share: _Share, short: str, groups: dict[str, _Group], target: float) -> bool:
    """Whether each group the operator leaves still reaches the target without them."""
    for g in share.groups:
        if g == short:
            continue
        donor = groups.get(g)
        if donor is None or donor.queue is None:
            return False
        if _with_slots(donor.queue, donor.slots - share.to(g)).service_level < target:
            return False
    return True


# -- all of it ---------------------------------------------------------------------------

def advise(account: Account, settings: StaffingSettings, now: int) -> Staffing:
    """Staffing of the account's groups and of the whole account at ``now``, and the moves
    that would bring short groups to the target."""
    threshold = account.sl_threshold_s
    shares = _available(account)
    rows: list[RowStaffing] = []
    total_inputs = _inputs(account, account.total, now)
    rows.append(_row("total", None, None, account.total, total_inputs,
                     float(len(shares)), float(sum(s.chat_limit for s in shares)),
                     _chat_limit(account, shares, None), settings, threshold))
    inputs = {g: _inputs(account, group.row, now) for g, group in account.groups.items()}
    # A quiet group with an empty queue can lend: its (small) rate is still a fair model.
    queues = {g: _queue(i, threshold) if _reason(i) is None or (
        _reason(i) == "few_arrivals" and not account.groups[g].row.waits) else None
        for g, i in inputs.items()}
    _allocate(shares, queues)
    groups: dict[str, _Group] = {}
    for group_id, group in sorted(account.groups.items()):
        slots = sum(s.to(group_id) for s in shares)
        operators = sum(s.part.get(group_id, 0.0) for s in shares)
        rows.append(_row("group", group_id, group.name, group.row, inputs[group_id],
                         operators, slots, _chat_limit(account, shares, group_id), settings,
                         threshold))
        groups[group_id] = _Group(group_id, queues[group_id], slots)
    suggestions = []
    short = [r for r in rows if r.report == "group" and r.status == "ok" and r.now is not None
             and r.now.service_level < settings.target]
    for r in sorted(short, key=lambda r: r.now.service_level if r.now else 1.0):
        assert r.id is not None
        suggestion = _suggest(groups[r.id], groups, shares, settings.may_help, settings.target)
        if suggestion is not None:
            suggestions.append(suggestion)
            shares = [s for s in shares
                      if s.operator not in {m.operator for m in suggestion.moves}]
    return Staffing(account.id, account.calendar.iso(now), settings.target, threshold, rows,
                    suggestions)
