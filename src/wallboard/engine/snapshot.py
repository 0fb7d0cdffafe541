"""The snapshot (METRICS.md section 6) assembled from an account's rows (its types and the
figures' order come from figures.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..figures import (
    COUNTER,
    COUNTERS,
    WINDOWED,
    ChannelRow,
    GroupRow,
    Snapshot,
    TopicWindows,
    TotalRow,
    Windows,
)
from .account import Account
from .calendar import ordinal_iso
from .readout import channel_figures, channel_windows, row_figures, topic_windows
from .rows import Row
from .windows import RowWindows

__all__ = ["Snapshot", "build", "encode"]


_ZERO = (0,) * COUNTERS
_encoder = msgspec.json.Encoder()


def _gauges(row: Row, now: int | None) -> dict[str, Any] | None:
    return None if now is None else row.gauges_now(now)


def _topics(row: Row, day: int) -> dict[str, int]:
    counts = row.topics.get(day)
    if not counts:
        return {}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _row(row: Row, day: int, now: int | None) -> list[Any]:
    """A group or total row's figures for ``day``; gauges and windows as of ``now``, or all
    None for a past day."""
    return [*row_figures(row.days.get(day, _ZERO), _gauges(row, now), _topics(row, day)),
            None if now is None else _topic_windows(row.windows)]


# -- rolling windows: the sums at the edges now, 0 (now), 1 (15 min ago), 2 (30), 3 (60),
# 4 (120) minutes; a window is the later edge's sums less the earlier's.

def _ranked(counts: dict[str, int]) -> dict[str, int]:
    """Topics by count, then name (a copy: the counts go on changing)."""
    if len(counts) < 2:
        return dict(counts)
    return dict(sorted(counts.items(), key=_by_count))


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _windows(sums: RowWindows | None) -> Windows:
    if sums is None:
        return _NO_WINDOWS
    if sums.out is None:
        sums.out = channel_windows(sums.counters, None, _ranked)
    out: Windows = sums.out
    return out


def _topic_windows(sums: RowWindows | None) -> TopicWindows:
    if sums is None:
        return _NO_TOPIC_WINDOWS
    if sums.out is None:
        sums.out = topic_windows(sums.counters, sums.topics, _ranked)
    out: TopicWindows = sums.out
    return out


_NO_WINDOWS = _windows(RowWindows())
_NO_TOPIC_WINDOWS = _topic_windows(RowWindows())
_WINDOW_COUNTERS = sorted({COUNTER[name] for f in WINDOWED
                           for name in (f.parts or f.of or (f.name,)) if name in COUNTER})


def _windows_empty(sums: RowWindows | None) -> bool:
    """Whether every published figure of the windows and of those before them is 0."""
    if sums is None:
        return True
    now, oldest = sums.counters[0], sums.counters[-1]
    return all(now[i] == oldest[i] for i in _WINDOW_COUNTERS) and not any(sums.topics)


def _is_empty(row: Row, day: int, live: bool) -> bool:
    return not (row.waits or row.in_work or any(row.days.get(day, _ZERO))
                or row.topics.get(day) or (live and not _windows_empty(row.windows)))


def build(account: Account, now: int, day: int | None = None, gauges: bool = True
          ) -> Snapshot:
    """The snapshot at ``now``: today's figures, or a past local ``day``'s (gauges null).

    ``gauges=False`` leaves the gauges null even for today: a day's counters only, as the
    daily history keeps them.
    """
    cal = account.calendar
    today = cal.day_of(now)
    if day is None:
        day = today
    live: int | None = now if gauges and day == today else None
    if live is not None:
        account.move_windows(now)
    channels = [ChannelRow(c.id, c.kind, c.name,
                           *channel_figures(c.row.days.get(day, _ZERO), _gauges(c.row, live)),
                           None if live is None else _windows(c.row.windows))
                for _, c in sorted(account.channels.items()) if not c.excluded]
    groups = [GroupRow(g.id, g.name, *_row(g.row, day, live))
              for _, g in sorted(account.groups.items())]
    nobody = account.no_group.row
    if not _is_empty(nobody, day, live is not None):
        groups.append(GroupRow(None, None, *_row(nobody, day, live)))
    total = account.total
    return Snapshot(
        account=account.id,
        timezone=cal.name,
        date=ordinal_iso(day),
        as_of=cal.iso(now),
        sl_threshold_s=account.sl_threshold_s,
        total=TotalRow(*_row(total, day, live)),
        channels=channels,
        groups=groups,
    )


def encode(snapshot: Snapshot) -> bytes:
    """The snapshot as UTF-8 JSON (non-ASCII characters as they are)."""
    return _encoder.encode(snapshot)
