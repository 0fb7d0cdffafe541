"""A report row (one channel, one group, or the account total) and its maintained figures."""

from __future__ import annotations

import heapq

__all__ = [
    "ARRIVED",
    "CANCELED",
    "COUNTERS",
    "MISSED",
    "SAMPLES",
    "SERVED",
    "UNASSIGNED",
    "WAIT_SUM_MS",
    "WITHIN_SL",
    "Row",
]

# Indexes of a day's counters.
ARRIVED, SERVED, UNASSIGNED, CANCELED, MISSED, SAMPLES, WAIT_SUM_MS, WITHIN_SL = range(8)
COUNTERS = 8


class Row:
    """Gauges now, counters per local day, and the operators that count for this row."""

    __slots__ = ("_heap", "days", "in_work", "operators", "slots", "topics", "waits")

    def __init__(self) -> None:
        self.waits: dict[str, int] = {}  # conversation id -> start of its running stint
        self._heap: list[tuple[int, str]] = []  # (stint start, conversation id), lazily pruned
        self.in_work = 0
        self.days: dict[int, list[int]] = {}
        self.topics: dict[int, dict[str, int]] = {}
        self.operators = 0
        self.slots = 0

    def day(self, ordinal: int) -> list[int]:
        counters = self.days.get(ordinal)
        if counters is None:
            counters = self.days[ordinal] = [0] * COUNTERS
        return counters

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

    def forget_days_before(self, ordinal: int) -> None:
        for table in (self.days, self.topics):
            for day in [d for d in table if d < ordinal]:
                del table[day]
