"""A report row (one channel, one group, or the account total) and its maintained figures.

Counters are kept twice: per local day (what snapshots read) and per slot, the 15-minute bucket
of a day (what intraday series read); both are moved by the same effects, so the buckets of a
day always add up to the day. Gauges have no history of their own: ``sample_gauges`` records
their peak and sum per slot each time the caller samples them.
"""

from __future__ import annotations

import heapq
from typing import Any

from ..figures import COUNTER, COUNTERS, GAUGE_SAMPLES, SAMPLE, STATUSES
from .calendar import SLOT_BITS
from .windows import RowWindows

__all__ = [
    "AVAILABLE",
    "COUNTERS",
    "GAUGES",
    "HOUR_BITS",
    "SAMPLES",
    "WAIT_SUM_MS",
    "WITHIN_SL",
    "Row",
]

# The places of the counters this module moves itself (figures.py lays them all out).
SAMPLES = COUNTER["wait_samples"]
WAIT_SUM_MS = COUNTER["wait_sum_ms"]
ANSWERED = COUNTER["answered"]
WITHIN_SL = COUNTER["answered_within_sl"]
HANDLE_SAMPLES = COUNTER["handle_samples"]
HANDLE_SUM_MS = COUNTER["handle_sum_ms"]
GAUGES = GAUGE_SAMPLES
AVAILABLE = STATUSES.index("available")
HOUR_BITS = 5  # hours of a local day (up to 25) in a topic-hours key


class Row:
    """Gauges now, counters per local day, and the operators that count for this row."""

    __slots__ = ("_heap", "buckets", "capacity", "days", "excess", "gauges", "in_work", "sl_ms",
                 "slots", "statuses", "topic_hours", "topics", "waits", "windows")

    def __init__(self) -> None:
        self.waits: dict[str, int] = {}  # conversation id -> start of its running stint
        self._heap: list[tuple[int, str]] = []  # (stint start, conversation id), lazily pruned
        self.in_work = 0
        self.days: dict[int, list[int]] = {}  # local day ordinal -> counters
        self.buckets: dict[int, list[int]] = {}  # slot -> counters
        self.gauges: dict[int, list[int]] = {}  # slot -> gauge samples
        self.topics: dict[int, dict[str, int]] = {}
        # (day << HOUR_BITS | the hour of the day's slots) -> topic -> conversations, for the
        # normal share of a topic at a time of day (service/topics.py)
        self.topic_hours: dict[int, dict[str, int]] = {}
        # The row's operators (account.py keeps them): how many in each status (STATUSES'
        # order), and over the available ones their free slots, the conversations they hold
        # beyond their chat limits, and the sum of the limits.
        self.statuses = [0] * len(STATUSES)
        self.slots = 0
        self.excess = 0
        self.capacity = 0
        self.windows: RowWindows | None = None  # the rolling windows' sums, once it has any
        # The row's own service-level threshold (ms), where it answers at another pace than
        # the account; None: the account's (Account.set_sl_thresholds)
        self.sl_ms: int | None = None

    def window_sums(self) -> RowWindows:
        sums = self.windows
        if sums is None:
            sums = self.windows = RowWindows()
        return sums

    def count(self, slot: int, index: int, n: int) -> None:
        """Add ``n`` to one counter of the slot and of its day."""
        day = slot >> SLOT_BITS
        counters = self.days.get(day)
        if counters is None:
            counters = self.days[day] = [0] * COUNTERS
        counters[index] += n
        counters = self.buckets.get(slot)
        if counters is None:
            counters = self.buckets[slot] = [0] * COUNTERS
        counters[index] += n

    def count_close(self, slot: int, index: int, n: int, handled_ms: int | None) -> None:
        """Add ``n`` closes: to the outcome's counter at ``index`` and, for a close in work,
        to the stints in work (of ``handled_ms``); one call, as a close is one of the most
        frequent effects."""
        day = slot >> SLOT_BITS
        counters = self.days.get(day)
        if counters is None:
            counters = self.days[day] = [0] * COUNTERS
        counters[index] += n
        if handled_ms is not None:
            handled_ms *= n
            counters[HANDLE_SAMPLES] += n
            counters[HANDLE_SUM_MS] += handled_ms
        counters = self.buckets.get(slot)
        if counters is None:
            counters = self.buckets[slot] = [0] * COUNTERS
        counters[index] += n
        if handled_ms is not None:
            counters[HANDLE_SAMPLES] += n
            counters[HANDLE_SUM_MS] += handled_ms

    def count_wait(self, slot: int, n: int, length_ms: int, answered: int, within: int
                   ) -> None:
        """Add ``n`` wait samples of ``length_ms`` (``answered`` of them ended by an
        assignment, ``within`` of those within the SL)."""
        day = slot >> SLOT_BITS
        wait_ms = n * length_ms
        counters = self.days.get(day)
        if counters is None:
            counters = self.days[day] = [0] * COUNTERS
        counters[SAMPLES] += n
        counters[WAIT_SUM_MS] += wait_ms
        counters[ANSWERED] += answered
        counters[WITHIN_SL] += within
        counters = self.buckets.get(slot)
        if counters is None:
            counters = self.buckets[slot] = [0] * COUNTERS
        counters[SAMPLES] += n
        counters[WAIT_SUM_MS] += wait_ms
        counters[ANSWERED] += answered
        counters[WITHIN_SL] += within

    def count_handle(self, slot: int, n: int, length_ms: int) -> None:
        """Add ``n`` samples of a stint in work of ``length_ms``."""
        day = slot >> SLOT_BITS
        handle_ms = n * length_ms
        counters = self.days.get(day)
        if counters is None:
            counters = self.days[day] = [0] * COUNTERS
        counters[HANDLE_SAMPLES] += n
        counters[HANDLE_SUM_MS] += handle_ms
        counters = self.buckets.get(slot)
        if counters is None:
            counters = self.buckets[slot] = [0] * COUNTERS
        counters[HANDLE_SAMPLES] += n
        counters[HANDLE_SUM_MS] += handle_ms

    def gauges_now(self, now: int) -> dict[str, Any]:
        """Each gauge's value at ``now`` (the longest wait in ms, None when nobody waits)."""
        oldest = self.oldest_wait()
        # An event may be up to 5 minutes ahead of the receiver's clock; a wait is never
        # negative.
        return {"in_queue": len(self.waits), "in_work": self.in_work,
                "longest_wait_s": None if oldest is None else max(0, now - oldest),
                "operators_available": self.statuses[AVAILABLE], "slots_available": self.slots,
                "operators": self.statuses, "held": self.held, "capacity": self.capacity}

    @property
    def held(self) -> int:
        """The conversations in work of the row's available operators: within the limits,
        what their free slots leave of the capacity; beyond them, the excess."""
        return self.capacity - self.slots + self.excess

    def sample_gauges(self, slot: int, now: int) -> None:
        """Record the sampled gauges as they are at ``now`` in the slot's samples."""
        samples = self.gauges.get(slot)
        if samples is None:
            samples = self.gauges[slot] = [0] * GAUGES
        samples[0] += 1
        values = self.gauges_now(now)
        for name, place in SAMPLE.items():
            value = values[name] or 0
            i = 1 + 2 * place
            samples[i] += value
            if value > samples[i + 1]:
                samples[i + 1] = value

    def start_wait(self, conversation: str, start: int) -> None:
        self.waits[conversation] = start
        heap = self._heap
        heapq.heappush(heap, (start, conversation))
        if len(heap) > 2 * len(self.waits) + 64:
            # Most entries are stale: rebuild rather than let the heap grow with the day.
            self._heap = [(s, c) for c, s in self.waits.items()]
            heapq.heapify(self._heap)

    def end_wait(self, conversation: str) -> None:
        del self.waits[conversation]

    def oldest_wait(self) -> int | None:
        """Start of the oldest running stint, or None when nobody waits."""
        heap, waits = self._heap, self.waits
        while heap:
            start, conversation = heap[0]
            if waits.get(conversation) == start:
                return start
            heapq.heappop(heap)
        return None

    def add_topic(self, day: int, hour: int, topic: str, n: int) -> None:
        """Count ``n`` conversations of ``topic`` that started on ``day``, in its ``hour``
        (the slot's quarter // 4: a local hour but on a DST day)."""
        for table, key in ((self.topics, day), (self.topic_hours, (day << HOUR_BITS) | hour)):
            counts = table.get(key)
            if counts is None:
                counts = table[key] = {}
            value = counts.get(topic, 0) + n
            if value:
                counts[topic] = value
            else:
                del counts[topic]

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        # A checkpoint may hold fields of an earlier layout (a count of available operators
        # that ``statuses`` now keeps): only the current ones are taken.
        for name, value in state[1].items():
            if name in _FIELDS:
                setattr(self, name, value)

    def widen(self) -> None:
        """Give every kept list the current layout's length (figures added since they were
        written count from 0), and a row saved before its operators' statuses were kept its
        fields for them (account.py counts the operators again)."""
        if not hasattr(self, "statuses"):
            self.statuses = [0] * len(STATUSES)
            self.excess = self.capacity = 0
        if not hasattr(self, "topic_hours"):  # kept from format 5 on: earlier days' are gone
            self.topic_hours = {}
        if not hasattr(self, "sl_ms"):
            self.sl_ms = None
        if not hasattr(self, "windows"):  # account.py logs the windows' effects again
            self.windows = None
        elif self.windows is not None:
            self.windows.widen()
        for table, size in ((self.days, COUNTERS), (self.buckets, COUNTERS),
                            (self.gauges, GAUGES)):
            for values in table.values():
                if len(values) < size:
                    values.extend([0] * (size - len(values)))

    def keep_gauges(self, slot: int, samples: list[int]) -> None:
        """Take a slot's gauge samples from elsewhere (the store) when they are more."""
        mine = self.gauges.get(slot)
        if mine is None or mine[0] < samples[0]:
            self.gauges[slot] = list(samples)

    def forget_days_before(self, ordinal: int) -> None:
        for table, first in ((self.days, ordinal), (self.topics, ordinal),
                             (self.topic_hours, ordinal << HOUR_BITS),
                             (self.buckets, ordinal << SLOT_BITS),
                             (self.gauges, ordinal << SLOT_BITS)):
            for key in [k for k in table if k < first]:
                del table[key]


_FIELDS = frozenset(Row.__slots__)
