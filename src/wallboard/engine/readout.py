"""Each published figure read off a row, as figures.py declares it: counted figures from a
day's (or a bucket's) counters, gauges from their values now (or a bucket's samples).

The readers are made once, here, from the registry; the snapshot and the series call them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ..figures import (
    COUNTER,
    GAUGES,
    PUBLISHED,
    PUBLISHED_V1,
    PUBLISHED_V1_1,
    SAMPLE,
    WINDOW_SHARES,
    WINDOWED,
    Figure,
    Gauge,
    Operators,
    Period,
    TopicPeriod,
    TopicWindow,
    TopicWindows,
    Unserved,
    Window,
    Windows,
    mean_of,
)

__all__ = ["bucket_gauges", "channel_figures", "channel_windows", "counted", "period_figures",
           "row_figures", "seconds", "topic_windows"]

Counters = Sequence[int]


def seconds(ms: float) -> float:
    return ms / 1000


def _ratio(f: Figure, total: str, count: str) -> str:
    """``figures.mean_of`` as Python source, in its order of operations."""
    value = f"{total} / {count}" if f.factor == 1 else f"{f.factor!r} * {total} / {count}"
    return value if f.scale == 1 else f"{value} / {f.scale!r}"


def _counted(f: Figure) -> Callable[[Counters], Any]:
    if f.kind == "counter":
        i = COUNTER[f.name]
        return lambda c: c[i]
    if f.kind == "total":
        places = [COUNTER[p] for p in f.parts]

        def total(c: Counters) -> Any:
            parts = [c[i] for i in places]
            return Unserved(sum(parts), *parts)
        return total
    assert f.of is not None and f.kind == "mean"
    s, n = COUNTER[f.of[0]], COUNTER[f.of[1]]
    return lambda c: mean_of(f, c[s], c[n])


# Counted figures (everything but gauges) in snapshot order: (name, reader).
counted = [(f.name, _counted(f)) for f in PUBLISHED if f.kind != "gauge"]


def _expression(f: Figure) -> str:
    """Python that reads ``f`` off ``c`` (a day's counters) and ``g`` (the gauges now, or None
    for a past day)."""
    if f.kind == "counter":
        return f"c[{COUNTER[f.name]}]"
    if f.kind == "total":
        parts = [f"c[{COUNTER[p]}]" for p in f.parts]
        return f"Unserved({' + '.join(parts)}, {', '.join(parts)})"
    if f.kind == "mean":
        assert f.of is not None
        s, n = COUNTER[f.of[0]], COUNTER[f.of[1]]
        return f"({_ratio(f, f'c[{s}]', f'c[{n}]')} if c[{n}] else None)"
    if f.of is not None:  # a ratio of two gauges: null when the second is 0
        top, bottom = f"g[{f.of[0]!r}]", f"g[{f.of[1]!r}]"
        return f"(None if g is None or not {bottom} else {top} / {bottom})"
    value = f"g[{f.name!r}]"
    if f.parts:
        value = f"Operators(*{value})"
    elif f.unit == "seconds":
        value = f"(None if {value} is None else {value} / 1000)"
    return f"(None if g is None else {value})"


# Two functions written from the registry, as ``collections.namedtuple`` writes its classes: a
# snapshot reads a hundred rows in well under a millisecond, which a loop over per-figure
# readers would double. Group and total rows have their topics (``t``) between the keys of v1
# and those of v1.1.
def _function(name: str, parameters: str, values: list[str]) -> str:
    return f"def {name}({parameters}):\n    return [" + ",\n            ".join(values) + "]\n"


def _period_values(name: str) -> list[str]:
    """A window's figures as Python, each counter read as ``<name><place>`` (the later edge's
    sum less the earlier's): the day's expressions, then the shares."""
    def diff(expression: str) -> str:
        return re.sub(r"c\[(\d+)\]", rf"{name}\1", expression)

    def total(names: tuple[str, ...]) -> str:
        return " + ".join(f"{name}{COUNTER[n]}" for n in names)

    return [*(diff(_expression(f)) for f in WINDOWED),
            *(f"({total(s.of)} / ({total(s.over)}) if {total(s.over)} else None)"
              for s in WINDOW_SHARES)]


def _differences(name: str, later: str, earlier: str) -> str:
    """The counters ``_period_values(name)`` reads, each computed once."""
    used = sorted({int(i) for v in _period_values(name) for i in re.findall(rf"{name}(\d+)", v)})
    return "".join(f"    {name}{i} = {later}[{i}] - {earlier}[{i}]\n" for i in used)


def _windows_function(name: str, topics: bool) -> str:
    """The windows of a row from ``c``, its sums at the five edges (windows.py), and ``t``,
    its windows' topics ranked by ``ranked``: built once per change of the sums."""
    spans = {"a": ("c0", "c1"), "b": ("c1", "c2"), "h": ("c0", "c3"), "p": ("c3", "c4")}
    body = "".join(_differences(n, *edges) for n, edges in spans.items())

    def period(n: str, topic: int) -> str:
        return ", ".join(_period_values(n) + ([f"ranked(t[{topic}])"] if topics else []))

    window, before = ("TopicWindow", "TopicPeriod") if topics else ("Window", "Period")
    made = ", ".join(f"{window}({period(now, w)}, {before}({period(then, w + 1)}))"
                     for w, now, then in ((0, "a", "b"), (2, "h", "p")))
    return (f"def {name}(c, t, ranked):\n    c0, c1, c2, c3, c4 = c\n{body}"
            f"    return {'TopicWindows' if topics else 'Windows'}({made})\n")


def _period_function() -> str:
    return ("def period_figures(x, y):\n" + _differences("d", "x", "y")
            + "    return [" + ",\n            ".join(_period_values("d")) + "]\n")


_SOURCE = (
    _function("channel_figures", "c, g", [_expression(f) for f in PUBLISHED])
    + _function("row_figures", "c, g, t", [*(_expression(f) for f in PUBLISHED_V1), "t",
                                           *(_expression(f) for f in PUBLISHED_V1_1)])
    + _period_function() + _windows_function("channel_windows", False)
    + _windows_function("topic_windows", True))
_namespace: dict[str, Any] = {"Unserved": Unserved, "Operators": Operators, "Period": Period,
                              "Window": Window, "Windows": Windows, "TopicPeriod": TopicPeriod,
                              "TopicWindow": TopicWindow, "TopicWindows": TopicWindows}
exec(compile(_SOURCE, "<wallboard.engine.readout>", "exec"), _namespace)
Gauges = dict[str, Any]
channel_figures: Callable[[Counters, Gauges | None], list[Any]] = _namespace["channel_figures"]
channel_figures.__doc__ = """A channel row's figures in order, from a day's counters and the
gauges now (None for a past day: its gauges are null). Its source is ``_SOURCE``."""
row_figures: Callable[[Counters, Gauges | None, dict[str, int]], list[Any]] = \
    _namespace["row_figures"]
row_figures.__doc__ = """A group or total row's figures in order, its topics among them."""
period_figures: Callable[[Counters, Counters], list[Any]] = _namespace["period_figures"]
period_figures.__doc__ = """A rolling window's figures in order (figures.WINDOWED, then the
shares), from the sums at its later and its earlier edge."""
Ranked = Callable[[dict[str, int]], dict[str, int]]
channel_windows: Callable[[Sequence[Counters], Any, Ranked], Any] = _namespace["channel_windows"]
channel_windows.__doc__ = """A channel row's windows from its sums at the edges."""
topic_windows: Callable[[Sequence[Counters], Sequence[dict[str, int]], Ranked], Any] = \
    _namespace["topic_windows"]
topic_windows.__doc__ = """A group or total row's windows, with their topics ranked."""


def bucket_gauges(g: Counters, operators: bool) -> list[Gauge | None]:
    """A bucket's gauges in order (``figures.GAUGES``), from its samples: peak and mean, or
    None when not sampled; the counts of operators are None in a row that has none."""
    n = g[0]
    out: list[Gauge | None] = []
    for f in GAUGES:
        if not n or (f.of_operators and not operators):
            out.append(None)
            continue
        i = 1 + 2 * SAMPLE[f.name]
        peak, mean = g[i + 1], g[i] / n
        out.append(Gauge(seconds(peak), seconds(mean)) if f.unit == "seconds"
                   else Gauge(peak, mean))
    return out
