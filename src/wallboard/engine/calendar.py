"""Local days of an account's IANA time zone, daylight-saving correct.

A local day is identified by its proleptic Gregorian ordinal (``date.toordinal()``). Its span
is [first instant whose local date is that day, first instant of the next day), so a day can
last 23 or 25 hours, or start at 01:00 where midnight falls in a gap.

A *slot* is a 15-minute bucket of a local day: ``ordinal << SLOT_BITS | n`` for the n-th
quarter hour since the day's first instant, so a 23-hour day has 92 slots and a 25-hour one 100.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ..zones import load_zone

__all__ = ["BUCKET_MS", "SLOT_BITS", "Calendar", "load_zone", "ordinal_iso"]

_UTC = UTC
# Every UTC offset and transition since 1972 lies on a quarter hour, so a quarter hour of UTC
# almost always belongs to one local day; the cache only keeps those that do.
_BUCKET_MS = BUCKET_MS = 900_000
_CACHE_LIMIT = 200_000
# Room for 256 quarter hours in a day: even a day that a date-line move made 48 hours long.
SLOT_BITS = 8


class Calendar:
    """Maps epoch milliseconds to local day ordinals of one time zone."""

    __slots__ = ("_by_bucket", "_iso", "_slots", "_starts", "name", "zone")

    def __init__(self, zone: str) -> None:
        self.zone = load_zone(zone)
        self.name = zone
        self._by_bucket: dict[int, int] = {}
        # UTC quarter hour -> (local "YYYY-MM-DDTHH:", its first minute, offset), or None when
        # the quarter hour is not one stretch of local time on quarter-hour minutes.
        self._iso: dict[int, tuple[str, int, str] | None] = {}
        self._slots: dict[int, int] = {}  # UTC quarter hour -> slot
        self._starts: dict[int, int] = {}  # ordinal -> first instant

    def __getstate__(self) -> str:
        return self.name  # a zone read from a file cannot be pickled; the caches refill

    def __setstate__(self, state: str) -> None:
        self.__init__(state)  # type: ignore[misc]

    def _local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms // 1000, _UTC).astimezone(self.zone)

    def minute_of_day(self, ms: int) -> int:
        """The local clock's minute at ``ms`` (0-1439), as a wall clock shows it."""
        local = self._local(ms)
        return local.hour * 60 + local.minute

    def day_of(self, ms: int) -> int:
        """The local day ordinal containing the instant ``ms``."""
        bucket = ms // _BUCKET_MS
        ordinal = self._by_bucket.get(bucket)
        if ordinal is not None:
            return ordinal
        ordinal = self._local(ms).toordinal()
        first = bucket * _BUCKET_MS
        if (self._local(first).toordinal() == ordinal
                and self._local(first + _BUCKET_MS - 1).toordinal() == ordinal):
            if len(self._by_bucket) >= _CACHE_LIMIT:
                self._by_bucket.clear()
            self._by_bucket[bucket] = ordinal
        return ordinal

    def slot_of(self, ms: int) -> int:
        """The slot (local day and quarter hour of it) containing the instant ``ms``."""
        bucket = ms // _BUCKET_MS
        slot = self._slots.get(bucket)
        if slot is not None:
            return slot
        ordinal = self.day_of(ms)
        start = self.day_start(ordinal)
        slot = (ordinal << SLOT_BITS) + (ms - start) // _BUCKET_MS
        # Cached only when the whole quarter hour of UTC is that one slot (not so in zones
        # whose offset was not on a quarter hour, before 1972).
        if (ms - start) % _BUCKET_MS == ms % _BUCKET_MS and bucket in self._by_bucket:
            if len(self._slots) >= _CACHE_LIMIT:
                self._slots.clear()
            self._slots[bucket] = slot
        return slot

    def day_start(self, ordinal: int) -> int:
        """Epoch ms of the first instant of the local day ``ordinal``."""
        start = self._starts.get(ordinal)
        if start is None:
            if len(self._starts) >= 4096:
                self._starts.clear()
            start = self._starts[ordinal] = self._day_start(ordinal)
        return start

    def slot_count(self, ordinal: int) -> int:
        """How many quarter hours the local day has (96; 92 or 100 on DST days; 0 for a date
        the zone skipped, as Samoa skipped 2011-12-30)."""
        if ordinal >= date.max.toordinal():
            return 96  # the calendar's last day: no next day to measure it against
        return -(-(self.day_start(ordinal + 1) - self.day_start(ordinal)) // _BUCKET_MS)

    def _day_start(self, ordinal: int) -> int:
        """The first instant whose local date is ``ordinal`` or later (for a date the zone
        skipped, the start of the next one)."""
        d = date.fromordinal(ordinal)
        # fold=0 maps a midnight inside a gap to the end of the gap and an ambiguous midnight
        # to its first occurrence: in both cases the first instant of that date.
        guess = int(datetime(d.year, d.month, d.day, tzinfo=self.zone).timestamp()) * 1000
        # Make sure of it whatever the zone does: step back while the previous instant is
        # already that date (or later), forward while this one is still before it. Comparing
        # with >= and < rather than == ends even on a date that never happened.
        while self.day_of(guess - 1) >= ordinal:
            guess -= _BUCKET_MS
        while self.day_of(guess) < ordinal:
            guess += _BUCKET_MS
        return guess

    def iso(self, ms: int, timespec: str = "milliseconds") -> str:
        """RFC 3339 local time with the zone's offset at that instant."""
        if timespec == "milliseconds":
            # Lists of operators and conversations format thousands of times a request: the
            # local hour and offset are worked out once per quarter hour.
            bucket = ms // _BUCKET_MS
            parts = (self._iso[bucket] if bucket in self._iso
                     else self._iso_parts(bucket))
            if parts is not None:
                hour, minute, offset = parts
                into = ms - bucket * _BUCKET_MS
                return (f"{hour}{minute + into // 60_000:02d}:{into // 1000 % 60:02d}."
                        f"{ms % 1000:03d}{offset}")
        local = self._local(ms)
        return local.replace(microsecond=(ms % 1000) * 1000).isoformat(timespec=timespec)

    def _iso_parts(self, bucket: int) -> tuple[str, int, str] | None:
        first = self._local(bucket * _BUCKET_MS)
        last = self._local((bucket + 1) * _BUCKET_MS - 1)
        offset = first.utcoffset()
        parts = None
        if (offset == last.utcoffset() and offset is not None and first.second == 0
                and first.minute % 15 == 0 and offset.seconds % 60 == 0):
            head = first.isoformat()
            parts = (head[:14], first.minute, head[19:])
        if len(self._iso) >= _CACHE_LIMIT:
            self._iso.clear()
        self._iso[bucket] = parts
        return parts


def ordinal_iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()
