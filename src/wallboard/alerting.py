"""Alert rules and their evaluation, pure: the service feeds the figures in at each tick, with
the time, and delivers what comes out.

A rule watches one figure (any of a row's, a share, a window's, an at-risk counter, or a
built-in one such as the minutes since a channel's last event) in the rows it names, or in
every row. It **fires** for a row once the figure has stayed beyond its threshold for its hold
time, and **resolves** once the figure is back on the other side of its clear level, which
lies further back than the threshold (hysteresis), so that a figure wavering around the
threshold does not fire and resolve at every tick. Quiet hours (local time) hold a firing back
until they end, if the condition still holds then; a resolution is never held back. A row
whose figure is unknown (no data) counts as back to normal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

import msgspec

from .figures import Report

__all__ = ["AlertRule", "Evaluator", "QuietHours", "RuleRow", "Transition", "check_rule"]

Comparison = Literal["above", "below"]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RowKey = tuple[Report, str | None]


class RuleRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    report: Report
    id: str | None = None


class QuietHours(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """From ``start`` to ``end``, local "HH:MM"; past midnight when the end comes first."""

    start: str
    end: str

    def holds(self, minute: int) -> bool:
        first, last = _minutes(self.start), _minutes(self.end)
        return first <= minute < last if first <= last else minute >= first or minute < last


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


class AlertRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    figure: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    comparison: Comparison
    threshold: float
    clear: float | None = None  # back to normal here (default: the threshold)
    hold_s: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 0
    rows: list[RuleRow] = msgspec.field(default_factory=list)  # none named: every row
    quiet: list[QuietHours] = msgspec.field(default_factory=list)

    def beyond(self, value: float | None) -> bool:
        if value is None:
            return False
        return value > self.threshold if self.comparison == "above" else value < self.threshold

    def back(self, value: float | None) -> bool:
        if value is None:
            return True
        edge = self.threshold if self.clear is None else self.clear
        return value <= edge if self.comparison == "above" else value >= edge


def check_rule(rule: AlertRule) -> tuple[str, str] | None:
    """The field at fault and the problem, or None."""
    if rule.clear is not None:
        if rule.comparison == "above" and rule.clear > rule.threshold:
            return "clear", "for a rule on a figure above its threshold, at most the threshold"
        if rule.comparison == "below" and rule.clear < rule.threshold:
            return "clear", "for a rule on a figure below its threshold, at least the threshold"
    for i, quiet in enumerate(rule.quiet):
        for name in ("start", "end"):
            if not _CLOCK.match(getattr(quiet, name)):
                return f"quiet[{i}].{name}", "a local time as HH:MM"
    return None


class Transition(msgspec.Struct, frozen=True):
    rule: str
    report: Report
    id: str | None
    kind: Literal["firing", "resolved"]
    at_ms: int
    value: float | None


class _State(msgspec.Struct):
    since: int | None = None  # beyond the threshold since then (not yet fired)
    firing: bool = False


class Evaluator:
    """The state of every rule in every row, stepped by the caller's clock."""

    def __init__(self, rules: list[AlertRule]) -> None:
        self.rules = rules
        self._states: dict[tuple[str, RowKey], _State] = {}

    def firing(self) -> list[tuple[str, RowKey]]:
        return [key for key, state in self._states.items() if state.firing]

    def step(self, now_ms: int, local_minute: int,
             figures: Mapping[RowKey, Mapping[str, float | None]]) -> list[Transition]:
        """What fired and what resolved at ``now_ms`` (``local_minute`` of the account's
        day), given each row's figures now."""
        out: list[Transition] = []
        for rule in self.rules:
            named = [(row.report, row.id) for row in rule.rows] or list(figures)
            watched = set(named) | {row for (rid, row) in self._states if rid == rule.id}
            quiet = any(q.holds(local_minute) for q in rule.quiet)
            for row in watched:
                value = figures.get(row, {}).get(rule.figure)
                state = self._states.get((rule.id, row))
                if state is None:
                    if not rule.beyond(value):
                        continue  # nothing to remember of a row that is fine
                    state = self._states[(rule.id, row)] = _State()
                if state.firing:
                    if rule.back(value):
                        del self._states[(rule.id, row)]
                        out.append(Transition(rule.id, row[0], row[1], "resolved", now_ms,
                                              value))
                    continue
                if not rule.beyond(value):
                    del self._states[(rule.id, row)]
                    continue
                if state.since is None:
                    state.since = now_ms
                if now_ms - state.since >= rule.hold_s * 1000 and not quiet:
                    state.firing = True
                    out.append(Transition(rule.id, row[0], row[1], "firing", now_ms, value))
        return out
