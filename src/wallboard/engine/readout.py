"""Each published figure read off a row, as figures.py declares it: counted figures from a
day's (or a bucket's) counters, gauges from their values now (or a bucket's samples).

The readers are made once, here, from the registry; the snapshot and the series call them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..figures import COUNTER, GAUGES, PUBLISHED, SAMPLE, Figure, Gauge, Unserved, mean_of

__all__ = ["bucket_gauges", "counted", "published", "seconds"]

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
    value = f"g[{f.name!r}]"
    if f.unit == "seconds":
        value = f"(None if {value} is None else {value} / 1000)"
    return f"(None if g is None else {value})"


# One function written from the registry, as ``collections.namedtuple`` writes its classes: a
# snapshot reads a hundred rows in well under a millisecond, which a loop over per-figure
# readers would double.
_SOURCE = ("def published(c, g):\n    return [" +
           ",\n            ".join(_expression(f) for f in PUBLISHED) + "]\n")
_namespace: dict[str, Any] = {"Unserved": Unserved}
exec(compile(_SOURCE, "<wallboard.engine.readout>", "exec"), _namespace)
published: Callable[[Counters, dict[str, int | None] | None], list[Any]] = \
    _namespace["published"]
published.__doc__ = """A snapshot row's figures in order, from a day's counters and the gauges
now (None for a past day: its gauges are null). Its source is ``_SOURCE``."""


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
