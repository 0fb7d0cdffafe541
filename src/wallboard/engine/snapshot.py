"""The snapshot (METRICS.md section 6) assembled from an account's rows (its types and the
figures' order come from figures.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..figures import COUNTERS, ChannelRow, GroupRow, Snapshot, TotalRow
from .account import Account
from .calendar import ordinal_iso
from .readout import channel_figures, row_figures
from .rows import Row

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
    """A group or total row's figures for ``day``; gauges as of ``now``, or all None for a past
    day."""
    return row_figures(row.days.get(day, _ZERO), _gauges(row, now), _topics(row, day))


def _is_empty(row: Row, day: int) -> bool:
    return not (row.waits or row.in_work or any(row.days.get(day, _ZERO))
                or row.topics.get(day))


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
    channels = [ChannelRow(c.id, c.kind, c.name,
                           *channel_figures(c.row.days.get(day, _ZERO), _gauges(c.row, live)))
                for _, c in sorted(account.channels.items()) if not c.excluded]
    groups = [GroupRow(g.id, g.name, *_row(g.row, day, live))
              for _, g in sorted(account.groups.items())]
    nobody = account.no_group.row
    if not _is_empty(nobody, day):
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
