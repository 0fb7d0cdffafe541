"""The figures, each declared once in ``FIGURES``, and the published types derived from them.

A figure is one of:

- a **gauge**: a value now (null in a past day's snapshot); those with a ``sample`` place are
  sampled into the 15-minute buckets of the intraday series as the peak and the mean of their
  samples. A gauge may be a ratio of two others (``of``) or a set of counts (``parts``);
- a **counter**: counted per local day and per bucket, at its place in a row's counters;
- a **total** of counters (``unserved``, published with its parts);
- a **mean** of two counters (``avg_wait_s``: the wait sum over the samples).

From this list come the row layout the engine counts into (``COUNTER``, ``SAMPLE``), the
snapshot's rows and the series' buckets (below), the CSV exports' columns (``history``), the
OpenAPI schema (Litestar reads these types) and the dashboard's types and labels
(``frontend/src/generated/figures.ts``, written by ``python -m wallboard.figures``; a test fails
when it is stale). How to add a figure: docs/architecture.md.

Imported by every layer; it imports nothing of ours.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Literal

import msgspec

__all__ = ["BY_NAME", "COUNTER", "COUNTERS", "FIGURES", "GAUGES", "GAUGE_SAMPLES", "PUBLISHED",
           "PUBLISHED_V1", "PUBLISHED_V1_1", "SAMPLE", "STATUSES", "WINDOWED", "WINDOW_NAMES",
           "WINDOW_SHARES", "Bucket", "ChannelRow", "Figure", "Gauge", "GroupRow", "Operators",
           "Period", "Report", "RowRef", "Series", "Share", "Snapshot", "TopicPeriod",
           "TopicWindow", "TopicWindows", "TotalRow", "Unserved", "Window", "Windows", "mean_of",
           "typescript"]

Report = Literal["total", "channel", "group"]  # the kinds of report row


class RowRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A row of a report, as alert rules and campaigns name the rows they watch."""

    report: Report
    id: str | None = None  # the channel or group; null for the total or the no-group row


STATUSES = ("available", "busy", "away", "offline")  # an operator's, in the snapshot's order


class Figure(msgspec.Struct, frozen=True):
    name: str  # its key in the snapshot and the series
    kind: Literal["gauge", "counter", "total", "mean"]
    en: str  # its label (METRICS.md section 7 where the contract names it)
    ru: str
    csv: str | None = None  # its column in the CSV exports; None: not exported
    unit: Literal["count", "seconds", "percent", "share"] = "count"
    counter: int | None = None  # a counter's place in a row's counters: stored, never reused
    sample: int | None = None  # a gauge's place in a bucket's samples: stored, never reused
    parts: tuple[str, ...] = ()  # a total's counters
    of: tuple[str, str] | None = None  # a mean's (sum, count) counters
    factor: float = 1  # a mean: factor * sum / count / scale (100 for a percentage)
    scale: float = 1  # a mean: its sum's units in one of the figure's (1000 ms in a second)
    part_of: str | None = None  # a counter published inside a total
    published: bool = True  # False: kept (for a mean, or a CSV column), not a snapshot key
    in_series: bool = True  # False: not a column of the series CSV
    decimals: int = 3  # rounding in the CSV exports
    of_operators: bool = False  # a gauge of operators: null in the no-group row's series
    # The contract's version that added it: a row's keys of v1.1 follow those of v1 (and the
    # topics of group and total rows), METRICS.md section 9.
    since: Literal["1", "1.1"] = "1"


FIGURES: tuple[Figure, ...] = (
    Figure("in_queue", "gauge", "In queue", "В очереди", "In queue", sample=0),
    Figure("in_work", "gauge", "In work", "В работе", "In work", sample=1),
    Figure("longest_wait_s", "gauge", "Longest wait now", "Самое долгое ожидание",
           "Longest wait", unit="seconds", sample=4),
    Figure("arrived", "counter", "Arrived", "Поступило", "Arrived", counter=0),
    Figure("served", "counter", "Served", "Обслуженные", "Served", counter=1),
    Figure("unserved", "total", "Unserved", "Необслуженные", "Unserved",
           parts=("unassigned", "canceled", "missed")),
    Figure("unassigned", "counter", "Unassigned", "Неназначенные", "Unassigned", counter=2,
           part_of="unserved"),
    Figure("canceled", "counter", "Canceled", "Отмененные", "Canceled", counter=3,
           part_of="unserved"),
    Figure("missed", "counter", "Missed", "Пропущенные", "Missed", counter=4,
           part_of="unserved"),
    Figure("avg_wait_s", "mean", "Queue wait (average)", "Ожидание в очереди",
           "Queue wait (average, s)", unit="seconds", of=("wait_sum_ms", "wait_samples"),
           scale=1000),
    Figure("wait_samples", "counter", "Wait samples", "Замеры ожидания", "Wait samples",
           counter=5),
    Figure("wait_sum_ms", "counter", "Wait sum", "Сумма ожидания", counter=6, published=False),
    Figure("answered_within_sl", "counter", "Answered within service level",
           "Отвечено в пределах уровня сервиса", "Answered within service level", counter=7),
    Figure("service_level", "mean", "Service level", "Уровень сервиса", "Service level (%)",
           unit="percent", of=("answered_within_sl", "wait_samples"), factor=100,
           published=False, in_series=False, decimals=1),
    Figure("operators_available", "gauge", "Operators available", "Доступно операторов",
           "Operators available", sample=2, of_operators=True),
    Figure("slots_available", "gauge", "Slots available", "Доступно слотов", "Free slots",
           sample=3, of_operators=True),
    Figure("operators", "gauge", "Operators", "Операторы", parts=STATUSES, of_operators=True,
           since="1.1"),
    Figure("held", "gauge", "Conversations held", "Диалогов у операторов", of_operators=True,
           since="1.1"),
    Figure("capacity", "gauge", "Capacity", "Ёмкость", of_operators=True, since="1.1"),
    Figure("occupancy", "gauge", "Occupancy", "Загрузка", unit="share",
           of=("held", "capacity"), of_operators=True, since="1.1"),
    # Kept for staffing (service/advice.py), not published: stints answered (the others gave
    # up waiting), and the time conversations spent in work, one sample per stint in work.
    # A closed day is kept as its snapshot, so these have no column in the day's CSV either.
    Figure("answered", "counter", "Answered", "Отвечено", counter=8, published=False),
    Figure("handle_samples", "counter", "Handle samples", "Замеры обработки", counter=9,
           published=False),
    Figure("handle_sum_ms", "counter", "Handle sum", "Сумма обработки", counter=10,
           published=False),
)
BY_NAME = {f.name: f for f in FIGURES}
COUNTER = {f.name: f.counter for f in FIGURES if f.counter is not None}  # name -> place
COUNTERS = len(COUNTER)  # a row's counters per day and per bucket
SAMPLE = {f.name: f.sample for f in FIGURES if f.sample is not None}
# A bucket's gauge samples: how many, then (sum, peak) of each gauge at its place.
GAUGE_SAMPLES = 1 + 2 * len(SAMPLE)
# The gauges sampled into the series' buckets, in their places' order.
GAUGES = tuple(sorted((f for f in FIGURES if f.sample is not None), key=lambda f: f.sample or 0))
# What a snapshot row publishes, in its order (a total's parts go inside the total); the
# group and total rows have their topics between the two versions' keys.
PUBLISHED = tuple(f for f in FIGURES if f.published and f.part_of is None)
PUBLISHED_V1 = tuple(f for f in PUBLISHED if f.since == "1")
PUBLISHED_V1_1 = tuple(f for f in PUBLISHED if f.since == "1.1")


class Share(msgspec.Struct, frozen=True):
    """A share of a rolling window (METRICS.md section 8): the sum of some counters over the
    sum of others, null when the second is 0."""

    name: str
    en: str
    ru: str
    of: tuple[str, ...]
    over: tuple[str, ...]


# A rolling window publishes the counted figures of its row, in their order, then these.
WINDOWED = tuple(f for f in PUBLISHED_V1 if f.kind != "gauge")
WINDOW_SHARES = (
    Share("service_level", "Service level", "Уровень сервиса", of=("answered_within_sl",),
          over=("wait_samples",)),
    Share("abandoned_share", "Abandoned", "Доля ушедших", of=("unassigned",),
          over=("served", "unassigned", "canceled", "missed")),
)
WINDOW_NAMES = {"15m": ("Last 15 min", "За 15 минут"), "60m": ("Last hour", "За час")}


def mean_of(f: Figure, total: float, count: float) -> float | None:
    """A mean figure from its counters, in the order of operations that gives the published
    digits (``engine/readout.py`` writes the same expression into the snapshot's reader)."""
    return f.factor * total / count / f.scale if count else None


def _check() -> None:
    """The layout is stored: a place taken twice, or a hole, would misread what was kept."""
    for places in (COUNTER.values(), SAMPLE.values()):
        if sorted(places) != list(range(len(places))):
            raise ValueError(f"figure places must be 0..n-1 once each: {sorted(places)}")


_check()


# -- the published types ----------------------------------------------------------------------

def _type(f: Figure) -> Any:
    if f.kind == "counter":
        return int
    if f.kind == "total":
        return Unserved
    if f.parts:
        return Operators | None
    if f.kind == "mean" or f.unit != "count":
        return float | None
    return int | None  # a count now: null in a past day's snapshot


class Gauge(msgspec.Struct):
    """A gauge over a bucket: the highest and the mean of its samples."""

    peak: float
    mean: float


if TYPE_CHECKING:  # the fields come from FIGURES at run time
    class _Derived(msgspec.Struct):
        def __init__(self, *args: Any, **kwargs: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...

    class Unserved(_Derived): ...
    class Operators(_Derived): ...
    class Period(_Derived): ...
    class TopicPeriod(_Derived): ...
    class Window(_Derived): ...
    class TopicWindow(_Derived): ...
    class Windows(_Derived): ...
    class TopicWindows(_Derived): ...
    class TotalRow(_Derived): ...
    class ChannelRow(_Derived): ...
    class GroupRow(_Derived): ...
    class Bucket(_Derived): ...
else:
    # Not tracked by the cyclic garbage collector: they hold no cycles, and a snapshot makes
    # a thousand of them, which would otherwise set off collections of the whole heap.
    def _struct(name: str, fields: list[tuple[str, Any]]) -> type[msgspec.Struct]:
        return msgspec.defstruct(name, fields, module=__name__, gc=False)

    Unserved = _struct("Unserved", [("total", int)] + [
        (part, int) for f in FIGURES if f.kind == "total" for part in f.parts])
    Operators = _struct("Operators", [(status, int) for status in STATUSES])
    _v1 = [(f.name, _type(f)) for f in PUBLISHED_V1]
    _v1_1 = [(f.name, _type(f)) for f in PUBLISHED_V1_1]
    _topics = ("topics", dict[str, int])
    # A window (a channel's, and a group's or the total's with topics) and the one before it.
    _period = [*((f.name, _type(f)) for f in WINDOWED),
               *((share.name, float | None) for share in WINDOW_SHARES)]
    Period = _struct("Period", _period)
    TopicPeriod = _struct("TopicPeriod", [*_period, _topics])
    Window = _struct("Window", [*_period, ("previous", Period)])
    TopicWindow = _struct("TopicWindow", [*_period, _topics, ("previous", TopicPeriod)])
    _lengths = {f"w{name}": name for name in WINDOW_NAMES}  # "15m" is not a Python name
    Windows = msgspec.defstruct("Windows", [(field, Window) for field in _lengths],
                                rename=_lengths, module=__name__, gc=False)
    TopicWindows = msgspec.defstruct("TopicWindows", [(field, TopicWindow) for field in _lengths],
                                     rename=_lengths, module=__name__, gc=False)
    # The windows come last (METRICS.md section 9); null in a past day's snapshot.
    TotalRow = _struct("TotalRow", [*_v1, _topics, *_v1_1, ("windows", TopicWindows | None)])
    # id, kind and name ahead of the figures, as the contract orders a row.
    ChannelRow = _struct("ChannelRow", [("id", str), ("kind", str), ("name", str | None),
                                        *_v1, *_v1_1, ("windows", Windows | None)])
    GroupRow = _struct("GroupRow", [("id", str | None), ("name", str | None), *_v1, _topics,
                                    *_v1_1, ("windows", TopicWindows | None)])
    # A bucket: when it starts (local time with the offset: a 25-hour day has two buckets at
    # 01:00), the counted figures, then how often the gauges were sampled and each gauge
    # (null where not sampled: a moment the service did not see; operators are null in the
    # no-group row, which has none).
    Bucket = _struct("Bucket", [
        ("start", str),
        *[(f.name, _type(f)) for f in PUBLISHED if f.kind != "gauge" and f.in_series],
        ("gauge_samples", int),
        *[(f.name, Gauge | None) for f in GAUGES]])


class Snapshot(msgspec.Struct):
    account: str
    timezone: str
    date: str
    as_of: str
    sl_threshold_s: float
    total: TotalRow
    channels: list[ChannelRow]
    groups: list[GroupRow]


class Series(msgspec.Struct):
    account: str
    timezone: str
    date: str
    report: Report
    id: str | None  # the channel or group; null for the total and the no-group row
    name: str | None
    bucket_minutes: int
    sl_threshold_s: float
    buckets: list[Bucket]


# -- the dashboard's copy -------------------------------------------------------------------

_TS_TYPES = {"counter": "number", "mean": "number | null", "gauge": "number | null"}


def typescript() -> str:
    """``frontend/src/generated/figures.ts``: the figures' types and labels for the dashboard."""
    lines = ["// Generated by `python -m wallboard.figures` from src/wallboard/figures.py: do not",
             "// edit. A test fails when this file is not what that command writes.", ""]
    parts = [p for f in FIGURES if f.kind == "total" for p in f.parts]
    lines.append("export interface Unserved { total: number; "
                 + "; ".join(f"{p}: number" for p in parts) + " }")
    lines.append("")
    lines.append("export interface Operators { "
                 + "; ".join(f"{status}: number" for status in STATUSES) + " }")
    lines.append("")
    lines.append("// A rolling window (METRICS.md section 8); topics in the total's and groups'.")
    lines.append("export interface Period {")
    for f in WINDOWED:
        lines.append(f"  {f.name}: {'Unserved' if f.kind == 'total' else _TS_TYPES[f.kind]};")
    for share in WINDOW_SHARES:
        lines.append(f"  {share.name}: number | null;")
    lines.append("  topics?: Record<string, number>;")
    lines.append("}")
    lines.append("")
    lines.append("export interface Window extends Period { previous: Period }")
    lines.append("")
    lines.append("export interface Windows { "
                 + "; ".join(f'"{name}": Window' for name in WINDOW_NAMES) + " }")
    lines.append("")
    lines.append("export interface Figures {")
    for f in PUBLISHED:
        kind = ("Unserved" if f.kind == "total" else "Operators | null" if f.parts
                else _TS_TYPES[f.kind])
        lines.append(f"  {f.name}: {kind};")
    lines.append("  windows: Windows | null;  // null in a past day's snapshot")
    lines.append("}")
    lines.append("")
    lines.append("export type FigureName =")
    names = [f.name for f in FIGURES]
    lines += [f'  | "{n}"' for n in names[:-1]] + [f'  | "{names[-1]}";']
    lines.append("")
    lines.append("export interface FigureInfo {")
    lines.append('  kind: "gauge" | "counter" | "total" | "mean";')
    lines.append('  unit: "count" | "seconds" | "percent" | "share";')
    lines.append("  en: string;")
    lines.append("  ru: string;")
    lines.append("}")
    lines.append("")
    lines.append("export const FIGURES: Record<FigureName, FigureInfo> = {")
    for f in FIGURES:
        lines.append(f'  {f.name}: {{ kind: "{f.kind}", unit: "{f.unit}", '
                     f'en: {msgspec.json.encode(f.en).decode()}, '
                     f'ru: {msgspec.json.encode(f.ru).decode()} }},')
    lines.append("};")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(typescript())
