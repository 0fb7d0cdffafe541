"""When the dashboard colours a figure amber or red: the account's thresholds, and a row's own
where a channel or group works at another pace (email is answered in hours, chat in seconds).

A row may also count its service level by its own threshold (answered within 4 hours for
email where chat answers within 60 s): the engine then counts that row's wait samples by it
(``Account.set_sl_thresholds``), for the conversations it still holds. A row's thresholds
override the account's edge by edge: an edge it leaves out (null) follows the account's. The
shares are of the conversations closed today: unserved (every unserved outcome) and abandoned
(unassigned: the visitor left before anyone took it, as METRICS.md section 8's
``abandoned_share``); they are off until set.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ..engine import Account

__all__ = [
    "MAX_ROW_THRESHOLDS",
    "THRESHOLDS_SETTING",
    "Limit",
    "RowThresholds",
    "ThresholdProblem",
    "Thresholds",
    "check_thresholds",
    "load_thresholds",
]

THRESHOLDS_SETTING = "thresholds"
MAX_ROW_THRESHOLDS = 1000  # rows with their own thresholds, per account
MAX_SL_THRESHOLD_S = 7 * 86400  # a row's service-level threshold: a week at most


class Limit(msgspec.Struct, forbid_unknown_fields=True):
    """Amber beyond this value, red beyond that one: above them, or below them where lower
    is worse (the service level)."""

    amber: Annotated[float, msgspec.Meta(ge=0)] | None = None
    red: Annotated[float, msgspec.Meta(ge=0)] | None = None


# The figures a threshold watches, and whether a lower value is the worse one.
LOWER_IS_WORSE = {"avg_wait_s": False, "longest_wait_s": False, "in_queue": False,
                  "sl_percent": True, "unserved_percent": False, "abandoned_percent": False}
_PERCENT = ("sl_percent", "unserved_percent", "abandoned_percent")


class RowThresholds(msgspec.Struct, forbid_unknown_fields=True):
    """A channel's or group's own thresholds; null: the account's."""

    report: Literal["channel", "group"]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    avg_wait_s: Limit | None = None
    longest_wait_s: Limit | None = None
    in_queue: Limit | None = None
    sl_percent: Limit | None = None
    unserved_percent: Limit | None = None
    abandoned_percent: Limit | None = None
    # Answered within this many seconds counts toward the row's service level (the engine
    # counts the row by it: Account.set_sl_thresholds); null: the account's
    sl_threshold_s: Annotated[float, msgspec.Meta(gt=0, le=MAX_SL_THRESHOLD_S)] | None = None


class Thresholds(msgspec.Struct, forbid_unknown_fields=True):
    avg_wait_s: Limit = msgspec.field(default_factory=lambda: Limit(60, 180))
    longest_wait_s: Limit = msgspec.field(default_factory=lambda: Limit(120, 300))
    in_queue: Limit = msgspec.field(default_factory=lambda: Limit(5, 10))
    sl_percent: Limit = msgspec.field(default_factory=lambda: Limit(80, 60))  # lower is worse
    unserved_percent: Limit = msgspec.field(default_factory=Limit)
    abandoned_percent: Limit = msgspec.field(default_factory=Limit)
    rows: Annotated[list[RowThresholds], msgspec.Meta(max_length=MAX_ROW_THRESHOLDS)] = \
        msgspec.field(default_factory=list)


class ThresholdProblem(msgspec.Struct, frozen=True):
    field: str  # as in the request: "rows[2].avg_wait_s"
    code: str  # stable, for a page to say it in its own language
    message: str


def _limit_problem(field: str, limit: Limit, lower_is_worse: bool, percent: bool
                   ) -> ThresholdProblem | None:
    if percent and any(v is not None and v > 100 for v in (limit.amber, limit.red)):
        return ThresholdProblem(field, "percent_over_100", "a percentage is at most 100")
    if limit.amber is None or limit.red is None:
        return None
    if lower_is_worse and limit.amber < limit.red:
        return ThresholdProblem(field, "amber_below_red",
                                "where lower is worse, amber must not be below red")
    if not lower_is_worse and limit.amber > limit.red:
        return ThresholdProblem(field, "amber_above_red", "amber must not be above red")
    return None


def merged(own: Limit, account: Limit) -> Limit:
    """A row's limit as it applies: each edge it leaves empty is the account's."""
    return Limit(account.amber if own.amber is None else own.amber,
                 account.red if own.red is None else own.red)


def check_thresholds(data: Thresholds) -> ThresholdProblem | None:
    """The first problem with ``data``, naming its field; None when it holds together."""
    sets: list[tuple[str, Thresholds | RowThresholds]] = [("", data)]
    sets += [(f"rows[{i}].", row) for i, row in enumerate(data.rows)]
    for prefix, limits in sets:
        for name, lower in LOWER_IS_WORSE.items():
            limit = getattr(limits, name)
            if limit is None:
                continue
            if prefix:  # a row's: checked as it applies, its empty edges the account's
                limit = merged(limit, getattr(data, name))
            if problem := _limit_problem(prefix + name, limit, lower, name in _PERCENT):
                return problem
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(data.rows):
        if (row.report, row.id) in seen:
            return ThresholdProblem(f"rows[{i}]", "duplicate_row",
                                    "this row has its thresholds earlier in the list")
        seen.add((row.report, row.id))
    return None


def load_thresholds(saved: bytes | None) -> Thresholds:
    return Thresholds() if saved is None else msgspec.json.decode(saved, type=Thresholds)


def apply_sl_thresholds(engine: Account, data: Thresholds) -> int:
    """Make the engine count each row's service level by the row's own threshold, and the
    rest by the account's. Returns how many rows changed (their conversations are counted
    again: a change of configuration, not of traffic; docs/performance.md measures it)."""
    return engine.set_sl_thresholds({(row.report, row.id): row.sl_threshold_s
                                     for row in data.rows if row.sl_threshold_s is not None})
