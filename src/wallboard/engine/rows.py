"""A report row (one channel, one group, or the account total) and its maintained figures.

Counters are kept twice: per local day (what snapshots read) and per slot, the 15-minute bucket
of a day (what intraday series read); both are moved by the same effects, so the buckets of a
day always add up to the day. Gauges have no history of their own: ``sample_gauges`` records
their peak and sum per slot each time the caller samples them.
"""

from __future__ import annotations

import heapq

from ..figures import COUNTER, COUNTERS, GAUGE_SAMPLES, SAMPLE
from .calendar import SLOT_BITS

__all__ = [
    "COUNTERS",
    "GAUGES",
    "SAMPLES",
    "WAIT_SUM_MS",
    "WITHIN_SL",
    "Row",
]

# The places of the counters this module moves itself (figures.py lays them all out).
SAMPLES = COUNTER["wait_samples"]
WAIT_SUM_MS = COUNTER["wait_sum_ms"]
WITHIN_SL = COUNTER["answered_within_sl"]
GAUGES = GAUGE_SAMPLES


class Row:
    """Gauges now, counters per local day, and the operators that count for this row."""

    __slots__ = ("_heap", "buckets", "days", "gauges", "in_work", "operators", "slots", "topics",
                 "waits")

    def __init__(self) -> None:
        self.waits: dict[str, int] = {}  # conversation id -> start of its running stint
        self._heap: list[tuple[int, str]] = []  # (stint start, conversation id), lazily pruned
        self.in_work = 0
        self.days: dict[int, list[int]] = {}  # local day ordinal -> counters
        self.buckets: dict[int, list[int]] = {}  # slot -> counters
        self.gauges: dict[int, list[int]] = {}  # slot -> gauge samples
        self.topics: dict[int, dict[str, int]] = {}
        self.operators = 0
        self.slots = 0

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

    def count_wait(self, slot: int, n: int, length_ms: int, within: int) -> None:
        """Add ``n`` wait samples of ``length_ms`` (``within`` of them within the SL)."""
        day = slot >> SLOT_BITS
        wait_ms = n * length_ms
        counters = self.days.get(day)
        if counters is None:
            counters = self.days[day] = [0] * COUNTERS
        counters[SAMPLES] += n
        counters[WAIT_SUM_MS] += wait_ms
        counters[WITHIN_SL] += within
        counters = self.buckets.get(slot)
        if counters is None:
            counters = self.buckets[slot] = [0] * COUNTERS
        counters[SAMPLES] += n
        counters[WAIT_SUM_MS] += wait_ms
        counters[WITHIN_SL] += within

    def gauges_now(self, now: int) -> dict[str, int | None]:
        """Each gauge's value at ``now`` (the longest wait in ms, None when nobody waits)."""
        oldest = self.oldest_wait()
        # An event may be up to 5 minutes ahead of the receiver's clock; a wait is never
        # negative.
        return {"in_queue": len(self.waits), "in_work": self.in_work,
                "longest_wait_s": None if oldest is None else max(0, now - oldest),
                "operators_available": self.operators, "slots_available": self.slots}

    def sample_gauges(self, slot: int, now: int) -> None:
        """Record the gauges as they are at ``now`` in the slot's samples."""
        samples = self.gauges.get(slot)
        if samples is None:
            samples = self.gauges[slot] = [0] * GAUGES
        samples[0] += 1
        for name, value in self.gauges_now(now).items():
            value = value or 0
            i = 1 + 2 * SAMPLE[name]
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

    def add_topic(self, day: int, topic: str, n: int) -> None:
        counts = self.topics.get(day)
        if counts is None:
            counts = self.topics[day] = {}
        value = counts.get(topic, 0) + n
        if value:
            counts[topic] = value
        else:
            del counts[topic]

    def widen(self) -> None:
        """Give every kept list the current layout's length (figures added since they were
        written count from 0)."""
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
                             (self.buckets, ordinal << SLOT_BITS),
                             (self.gauges, ordinal << SLOT_BITS)):
            for key in [k for k in table if k < first]:
                del table[key]
