"""Time of day for the model, and the account's local day for the ground truth."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["DAY_MS", "HOUR_MS", "ModelClock", "local_day_bounds"]

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# busy_from_start opens the run here: the ramp just before the midday peak.
BUSY_START_HOUR = 11


def _offset_ms(zone: ZoneInfo, ms: int) -> int:
    offset = datetime.fromtimestamp(ms // 1000, zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds()) * 1000


class ModelClock:
    """Wall-clock hours of the simulated day, with the run's start offset frozen.

    The profile, shifts and surge only need a plausible hour of day, so a daylight-saving
    change during a long run just shifts them by an hour; the ground truth uses the real
    local day (``local_day_bounds``).
    """

    __slots__ = ("shift_ms",)

    def __init__(self, zone: ZoneInfo, start_ms: int, busy_from_start: bool,
                 hour_shift: float = 0.0) -> None:
        self.shift_ms = _offset_ms(zone, start_ms) + round(hour_shift * HOUR_MS)
        if busy_from_start:
            local = (start_ms + self.shift_ms) % DAY_MS
            self.shift_ms += (BUSY_START_HOUR * HOUR_MS - local) % DAY_MS

    def hour(self, ms: float) -> float:
        return ((ms + self.shift_ms) % DAY_MS) / HOUR_MS

    def day_start(self, ms: int) -> int:
        """The instant the simulated day holding ``ms`` began."""
        return ms - (ms + self.shift_ms) % DAY_MS


def _local_date(zone: ZoneInfo, second: int) -> date:
    return datetime.fromtimestamp(second, zone).date()


def _first_second_after(zone: ZoneInfo, lo: int, hi: int, day: date) -> int:
    """The first second in (lo, hi] whose local date is after ``day`` (lo's is not)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _local_date(zone, mid) > day:
            hi = mid
        else:
            lo = mid
    return hi


def local_day_bounds(zone: ZoneInfo, ms: int) -> tuple[int, int, date]:
    """[start, end) in epoch ms of the local calendar day holding ``ms``, and its date.

    Found by bisection on whole seconds (every UTC offset is whole seconds), so days of 23
    or 25 hours and midnights inside a gap come out right.
    """
    second = ms // 1000
    day = _local_date(zone, second)
    start = _first_second_after(zone, second - 2 * 86400, second, day - timedelta(days=1))
    end = _first_second_after(zone, second, second + 2 * 86400, day)
    return start * 1000, end * 1000, day
