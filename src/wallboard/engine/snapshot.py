"""The snapshot (METRICS.md section 6): its types and its assembly from an account's rows."""

from __future__ import annotations

import msgspec

from ..figures import ChannelRow, GroupRow, Snapshot, TotalRow, Unserved
from .account import Account
from .calendar import ordinal_iso
from .rows import (
    ARRIVED,
    CANCELED,
    COUNTERS,
    MISSED,
    SAMPLES,
    SERVED,
    UNASSIGNED,
    WAIT_SUM_MS,
    WITHIN_SL,
    Row,
)

__all__ = ["Snapshot", "build", "encode"]


_ZERO = (0,) * COUNTERS
_encoder = msgspec.json.Encoder()

# The figures in snapshot order, from in_queue to slots_available.
Figures = tuple[int | None, int | None, float | None, int, int, Unserved, float | None, int, int,
                int | None, int | None]


def _figures(row: Row, day: int, now: int | None) -> Figures:
    """A row's figures for ``day``; gauges as of ``now``, or all None for a past day."""
    c = row.days.get(day, _ZERO)
    samples = c[SAMPLES]
    unserved = Unserved(c[UNASSIGNED] + c[CANCELED] + c[MISSED], c[UNASSIGNED], c[CANCELED],
                        c[MISSED])
    avg = c[WAIT_SUM_MS] / samples / 1000 if samples else None
    if now is None:
        return (None, None, None, c[ARRIVED], c[SERVED], unserved, avg, samples, c[WITHIN_SL],
                None, None)
    oldest = row.oldest_wait()
    # An event may be up to 5 minutes ahead of the receiver's clock; a wait is never negative.
    longest = None if oldest is None else max(0, now - oldest) / 1000
    return (len(row.waits), row.in_work, longest, c[ARRIVED], c[SERVED], unserved, avg, samples,
            c[WITHIN_SL], row.operators, row.slots)


def _topics(row: Row, day: int) -> dict[str, int]:
    counts = row.topics.get(day)
    if not counts:
        return {}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


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
    channels = [ChannelRow(c.id, c.kind, c.name, *_figures(c.row, day, live))
                for _, c in sorted(account.channels.items()) if not c.excluded]
    groups = [GroupRow(g.id, g.name, *_figures(g.row, day, live), _topics(g.row, day))
              for _, g in sorted(account.groups.items())]
    nobody = account.no_group.row
    if not _is_empty(nobody, day):
        groups.append(GroupRow(None, None, *_figures(nobody, day, live), _topics(nobody, day)))
    total = account.total
    return Snapshot(
        account=account.id,
        timezone=cal.name,
        date=ordinal_iso(day),
        as_of=cal.iso(now),
        sl_threshold_s=account.sl_threshold_s,
        total=TotalRow(*_figures(total, day, live), _topics(total, day)),
        channels=channels,
        groups=groups,
    )


def encode(snapshot: Snapshot) -> bytes:
    """The snapshot as UTF-8 JSON (non-ASCII characters as they are)."""
    return _encoder.encode(snapshot)
