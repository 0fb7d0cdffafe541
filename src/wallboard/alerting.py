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

from .figures import BY_NAME, WINDOW_NAMES, WINDOW_SHARES, Report, RowRef

__all__ = ["ALERT_FIGURES", "AlertFigure", "AlertRule", "Evaluator", "QuietHours", "RuleIn",
           "Telegram", "Transition", "Webhook", "check_rule", "row_problem"]

Comparison = Literal["above", "below"]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RowKey = tuple[Report, str | None]


class AlertFigure(msgspec.Struct, frozen=True):
    """A figure a rule may watch: its name in a rule, its labels, its unit."""

    name: str
    en: str
    ru: str
    unit: Literal["count", "seconds", "percent", "share", "minutes"]
    channels_only: bool = False  # a figure only channels have


def _catalogue() -> tuple[AlertFigure, ...]:
    def of(name: str) -> AlertFigure:
        f = BY_NAME[name]
        return AlertFigure(name, f.en, f.ru, f.unit)

    now = [of(n) for n in ("in_queue", "in_work", "longest_wait_s", "operators_available",
                           "slots_available", "occupancy")]
    today = [of(n) for n in ("arrived", "served", "unserved", "unassigned", "canceled",
                             "missed", "avg_wait_s")]
    # Shares of today, as the dashboard's thresholds read them (service/thresholds.py)
    today += [AlertFigure("sl_percent", "Service level (%)", "Уровень сервиса (%)", "percent"),
              AlertFigure("unserved_percent", "Unserved (% of closed)",
                          "Необслуженные (% закрытых)", "percent"),
              AlertFigure("abandoned_percent", "Abandoned (% of closed)",
                          "Ушедшие из очереди (% закрытых)", "percent")]
    windows = []
    for window, (en, ru) in WINDOW_NAMES.items():
        for name in ("arrived", "served", "unserved", "avg_wait_s"):
            f = BY_NAME[name]
            windows.append(AlertFigure(f"{window}.{name}", f"{en}: {f.en}", f"{ru}: {f.ru}",
                                       f.unit))
        windows += [AlertFigure(f"{window}.{share.name}", f"{en}: {share.en}",
                                f"{ru}: {share.ru}", "share") for share in WINDOW_SHARES]
    at_risk = [
        AlertFigure("waiting_past_sl", "Waiting past the service level",
                    "Ждут дольше уровня сервиса", "count"),
        AlertFigure("silent_in_work", "In work, no operator message yet",
                    "В работе без ответа оператора", "count"),
        AlertFigure("full_operators", "Available operators with no free slot",
                    "Доступные операторы без свободных слотов", "count")]
    built_in = [
        AlertFigure("no_operator", "Waiting with no operator available",
                    "Ждут, а доступных операторов нет", "count"),
        AlertFigure("stale_feed_min", "Minutes since the channel's last event",
                    "Минут с последнего события канала", "minutes", channels_only=True)]
    return (*now, *today, *windows, *at_risk, *built_in)


# Every figure a rule may watch, once: the service computes them by these names
ALERT_FIGURES: tuple[AlertFigure, ...] = _catalogue()
_FIGURE = {f.name: f for f in ALERT_FIGURES}


class Webhook(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """POST each firing and resolution here, signed with ``secret`` (docs/alerts.md)."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    # At least 16 characters; null in a change: keep the one saved (it is never shown)
    secret: Annotated[str, msgspec.Meta(min_length=16, max_length=200)] | None = None


class Telegram(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A Telegram bot's message to a chat."""

    chat_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    # null in a change: keep the one saved (it is never shown)
    bot_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class QuietHours(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """From ``start`` to ``end``, local "HH:MM"; past midnight when the end comes first."""

    start: str
    end: str

    def holds(self, minute: int) -> bool:
        first, last = _minutes(self.start), _minutes(self.end)
        return first <= minute < last if first <= last else minute >= first or minute < last


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


class RuleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A rule as an admin sends it."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    figure: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    comparison: Comparison
    threshold: float
    clear: float | None = None  # back to normal here (default: the threshold)
    hold_s: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 0
    rows: Annotated[list[RowRef], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list)  # none named: every row
    quiet: Annotated[list[QuietHours], msgspec.Meta(max_length=10)] = msgspec.field(
        default_factory=list)
    enabled: bool = True
    webhook: Webhook | None = None
    telegram: Telegram | None = None
    language: Literal["en", "ru"] = "en"  # of the Telegram message


class AlertRule(RuleIn, frozen=True, forbid_unknown_fields=True, kw_only=True):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]

    def beyond(self, value: float | None) -> bool:
        if value is None:
            return False
        return value > self.threshold if self.comparison == "above" else value < self.threshold

    def back(self, value: float | None) -> bool:
        if value is None:
            return True
        edge = self.threshold if self.clear is None else self.clear
        return value <= edge if self.comparison == "above" else value >= edge


def row_problem(i: int, report: Report, row_id: str | None) -> tuple[str, str] | None:
    """What is wrong with ``rows[i]`` of a rule or a campaign (the field, the problem), or
    None."""
    if report == "total" and row_id is not None:
        return f"rows[{i}].id", "the total has no id"
    if report == "channel" and not row_id:
        return f"rows[{i}].id", "a channel needs its id"
    if row_id is not None and len(row_id) > 128:
        return f"rows[{i}].id", "ids are at most 128 characters"
    return None


def check_rule(rule: RuleIn) -> tuple[str, str] | None:
    """The field at fault and the problem, or None."""
    figure = _FIGURE.get(rule.figure)
    if figure is None:
        return "figure", "not a figure rules watch (GET /api/v1/alert-figures lists them)"
    for i, row in enumerate(rule.rows):
        if problem := row_problem(i, row.report, row.id):
            return problem
        if figure.channels_only and row.report != "channel":
            return f"rows[{i}].report", f"{figure.name} is a channel's figure"
    if rule.webhook is not None and not rule.webhook.url.startswith(("http://", "https://")):
        return "webhook.url", "an http:// or https:// address"
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

    def restore(self, rule_id: str, row: RowKey) -> None:
        """Take back an alert still firing (from the store, after a restart): it resolves
        when its figure is back, and does not fire twice."""
        self._states[(rule_id, row)] = _State(firing=True)

    def step(self, now_ms: int, local_minute: int,
             figures: Mapping[RowKey, Mapping[str, float | None]]) -> list[Transition]:
        """What fired and what resolved at ``now_ms`` (``local_minute`` of the account's
        day), given each row's figures now."""
        out: list[Transition] = []
        for rule in self.rules:
            if not rule.enabled:
                continue
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
