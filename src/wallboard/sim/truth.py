"""The simulator's own record of what it did, figured by METRICS.md's definitions.

The model tells the recorder each thing it does (a start, a transfer, an assignment, a
close...) as it does it; the recorder counts it the way the metrics contract defines, without
looking at the events or at the engine, so comparing the two is a real check of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .entities import WAITING, Conversation, Operator
from .truth_row import TruthRow
from .world import ChannelSpec

__all__ = ["CANCEL_WINDOW_MS", "GroundTruth", "Recorder", "TruthRow"]

CANCEL_WINDOW_MS = 20_000


RowKey = tuple[str, str | None]  # ("channel", id), ("group", id or None), ("total", None)


@dataclass(frozen=True)
class GroundTruth:
    """What the simulator did, as of ``as_of_ms`` (the end of the run).

    Counters (arrived, served, unassigned, canceled, missed, wait_samples, wait_sum_ms,
    answered_within_sl) are for the local ``date`` of ``as_of_ms - 1``, the run's last
    instant; gauges (in_queue, in_work, operators_available, slots_available) are the state
    after the last event. Every event is strictly before ``as_of_ms``, so these are the figures
    of ``wallboard.engine.build(account, as_of_ms - 1)``.

    ``row("channel", id)`` (reported kinds only), ``row("group", id)`` (``None``: conversations
    with no group) and ``row("total")`` give a dict of those figures plus ``unserved`` (the
    three kinds summed) and ``avg_wait_s`` (None without samples).
    """

    account: str
    timezone: str
    date: date
    as_of_ms: int
    rows: dict[RowKey, dict[str, Any]]

    def row(self, kind: str, row_id: str | None = None) -> dict[str, Any]:
        if kind not in ("channel", "group", "total"):
            raise ValueError(f"unknown row kind {kind!r}: channel, group or total")
        key: RowKey = (kind, None if kind == "total" else row_id)
        found = self.rows.get(key)
        if found is None:
            if kind == "channel":
                raise KeyError(f"no reported channel {row_id!r}")
            return TruthRow().figures()  # an unseen group (the null one) has all zeros
        return found

    def ids(self, kind: str) -> list[str | None]:
        """The ids of the rows of that kind, in insertion order."""
        return [key[1] for key in self.rows if key[0] == kind]


class Recorder:
    """Counts the model's actions into rows; ``lo <= t < hi`` is the reported local day."""

    def __init__(self, lo: int, hi: int, sl_threshold_ms: int, groups: Iterable[str]) -> None:
        self.lo, self.hi, self.sl_ms = lo, hi, sl_threshold_ms
        self.total = TruthRow()
        self.channels: dict[str, TruthRow] = {}
        self.groups: dict[str | None, TruthRow] = {g: TruthRow() for g in groups}
        self.groups[None] = TruthRow()

    def channel_row(self, spec: ChannelSpec) -> TruthRow | None:
        if spec.excluded:
            return None  # in no figure; only the operators' load, which the model keeps
        return self.channels.setdefault(spec.id, TruthRow())

    def started(self, conv: Conversation, t: int) -> None:
        ch = conv.truth_row
        if ch is None:
            return
        g, total = self.groups[conv.group], self.total
        if self.lo <= t < self.hi:
            ch.arrived += 1
            total.arrived += 1
            g.arrived += 1  # an entry into its queue, the null group's included
        ch.in_queue += 1
        g.in_queue += 1
        total.in_queue += 1

    def queued(self, conv: Conversation, group: str, t: int) -> None:
        """Moved to ``group``, while waiting (a transfer) or from work (back to the queue)."""
        ch = conv.truth_row
        if ch is None:
            return
        old, new = self.groups[conv.group], self.groups[group]
        if conv.state == WAITING:
            old.in_queue -= 1
        else:
            old.in_work -= 1
            ch.in_work -= 1
            self.total.in_work -= 1
            ch.in_queue += 1
            self.total.in_queue += 1
            if self.lo <= t < self.hi:
                _handled((ch, old, self.total), t - conv.work_start)
        new.in_queue += 1
        if self.lo <= t < self.hi:
            new.arrived += 1

    def assigned(self, conv: Conversation, t: int) -> None:
        ch = conv.truth_row
        if ch is None or conv.state != WAITING:
            return
        g, total = self.groups[conv.group], self.total
        conv.work_start = t
        for row in (ch, g, total):
            row.in_queue -= 1
            row.in_work += 1
        if self.lo <= t < self.hi:
            length = t - conv.stint_start
            within = 1 if length <= self.sl_ms else 0
            for row in (ch, g, total):
                row.wait_samples += 1
                row.wait_sum_ms += length
                row.answered += 1
                row.within_sl += within

    def closed(self, conv: Conversation, t: int, by_visitor: bool) -> None:
        ch = conv.truth_row
        if ch is None:
            return
        rows = (ch, self.groups[conv.group], self.total)
        today = self.lo <= t < self.hi
        if conv.state == WAITING:
            length = t - conv.stint_start
            for row in rows:
                row.in_queue -= 1
                if today:  # a stint that ended without an answer: a sample, never within SL
                    row.wait_samples += 1
                    row.wait_sum_ms += length
        else:
            for row in rows:
                row.in_work -= 1
            if today:
                _handled(rows, t - conv.work_start)
        if not today:
            return
        if not conv.visitor_msg or (by_visitor and t - conv.start < CANCEL_WINDOW_MS):
            for row in rows:
                row.canceled += 1
        elif not conv.assigned:
            for row in rows:
                row.unassigned += 1
        elif not conv.operator_msg:
            for row in rows:
                row.missed += 1
        else:
            for row in rows:
                row.served += 1

    def finish(self, account: str, timezone: str, day: date, as_of_ms: int,
               operators: Iterable[Operator], channels: Iterable[ChannelSpec]) -> GroundTruth:
        """Add the operators' availability as of now and freeze the rows."""
        specs = [(spec, row) for spec in channels if (row := self.channel_row(spec)) is not None]
        for op in operators:
            mine = {g.id for g in op.groups}
            rows = [self.total, *(self.groups[g] for g in sorted(mine))]
            rows.extend(row for spec, row in specs if not spec.groups or mine & set(spec.groups))
            for row in rows:
                row.operators[op.status] += 1
            if op.status != "available":
                continue
            slots = max(0, op.max_chats - op.in_work)
            for row in rows:
                row.operators_available += 1
                row.slots_available += slots
                row.held += op.in_work
                row.capacity += op.max_chats
        out: dict[RowKey, dict[str, Any]] = {("total", None): self.total.figures()}
        for spec, row in specs:
            out[("channel", spec.id)] = row.figures()
        for group_id, row in self.groups.items():
            out[("group", group_id)] = row.figures()
        return GroundTruth(account, timezone, day, as_of_ms, out)


def _handled(rows: Iterable[TruthRow], length_ms: int) -> None:
    """A stint in work of ``length_ms`` ended today."""
    for row in rows:
        row.handle_samples += 1
        row.handle_sum_ms += length_ms
