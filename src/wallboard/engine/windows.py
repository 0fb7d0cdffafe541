"""Rolling windows (METRICS.md section 8): each row's counted figures over the last 15 and 60
minutes, (now - L, now], and over the windows of the same length before them.

Every effect a window counts (a start, an entry into a queue, the end of a stint in a queue, a
close, a topic) is logged under the minute of its instant for as long as a window can reach
it. The five edges of the windows (now, and now less 15, 30, 60 and 120 minutes) each keep, in
every row, the sum of the logged effects at or before the edge; a window is the difference of
two edges' sums. A snapshot moves each edge over the effects between its old place and its
new one (the minutes in between, and the edge minutes' effects one by one), and an effect that
arrives late is added at once to the sums of the edges it falls at or before. So a window is
exact for the set of accepted events whatever their order, and a snapshot costs what happened
since the previous one, never a scan of the day.

Effects older than the oldest edge by more than ``SLACK_MS`` are forgotten: windows are exact
for snapshots at no more than ``SLACK_MS`` before the latest moment the account was told of
(an event's receipt or a snapshot), which the service's clock never goes back by.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..figures import COUNTERS

__all__ = ["EDGES_MS", "WINDOWS", "RowWindows", "WindowLog"]

MINUTE_MS = 60_000
# How far each edge is behind now: the windows are (edge 0, edge 1] and (edge 1, edge 2] for
# 15 minutes, (edge 0, edge 3] and (edge 3, edge 4] for 60.
EDGES_MS = (0, 15 * MINUTE_MS, 30 * MINUTE_MS, 60 * MINUTE_MS, 120 * MINUTE_MS)
EDGES = len(EDGES_MS)
# Effects are kept this long behind the oldest edge, so that a snapshot up to this much
# earlier than the latest one is still exact (the service's clock never goes further back).
SLACK_MS = 15 * MINUTE_MS
_NEVER = -(1 << 62)

# Applies one logged effect (with its sign) to the sums of edges first..stop-1 of its rows.
Apply = Callable[[Any, int, int, int], None]


# The windows as pairs of edges (later, earlier): the last 15 minutes, the 15 before them, the
# last hour and the hour before it.
WINDOWS = ((0, 1), (1, 2), (0, 3), (3, 4))
# What a change of one edge's sum does to each window: (window, sign).
EDGE_WINDOWS = tuple(tuple((w, 1 if later == k else -1)
                           for w, (later, earlier) in enumerate(WINDOWS) if k in (later, earlier))
                     for k in range(EDGES))


class RowWindows:
    """One row's sums at the edges (counters laid out as a day's), and the topic counts of
    each window itself: a window has a few topics where the sums would hold every topic the
    account ever had."""

    __slots__ = ("counters", "out", "topics")

    def __init__(self) -> None:
        self.counters = [[0] * COUNTERS for _ in range(EDGES)]
        self.topics: list[dict[str, int]] = [{} for _ in WINDOWS]
        self.out: Any = None  # the windows last published, until the sums change

    def count_topic(self, topic: str, n: int, first: int, stop: int) -> None:
        """Edges ``first`` to ``stop - 1`` count ``n`` more conversations of ``topic``."""
        topics = self.topics
        for k in range(first, stop):
            for w, sign in EDGE_WINDOWS[k]:
                counts = topics[w]
                total = counts.get(topic, 0) + sign * n
                if total:
                    counts[topic] = total
                else:
                    del counts[topic]
        self.out = None

    def widen(self) -> None:
        for counters in self.counters:
            counters.extend([0] * (COUNTERS - len(counters)))


class WindowLog:
    """One account's effects by the minute of their instants, and where the edges stood at the
    last snapshot."""

    __slots__ = ("edges", "floor", "minutes")

    def __init__(self) -> None:
        self.minutes: dict[int, list[tuple[Any, int]]] = {}  # minute -> (effect, sign)
        self.edges = [_NEVER] * EDGES
        # Effects at or before this instant are behind every edge for good: their part is the
        # same in every sum, so no window can see them.
        self.floor = _NEVER

    def add(self, at: int, effect: Any, sign: int, apply: Apply) -> None:
        """Log an effect counted at ``at`` (its last field); the edges already past it count
        it now."""
        if at <= self.floor:
            return  # no edge will count it, as none of the last snapshot's did
        minute = at // MINUTE_MS
        items = self.minutes.get(minute)
        if items is None:
            items = self.minutes[minute] = []
        items.append((effect, sign))
        edges = self.edges
        if at <= edges[0]:  # late: older than the last snapshot
            passed = 1
            while passed < EDGES and at <= edges[passed]:
                passed += 1
            apply(effect, sign, 0, passed)

    def move(self, now: int, apply: Apply) -> None:
        """Set the edges for a snapshot at ``now``."""
        minutes, edges = self.minutes, self.edges
        for k, back in enumerate(EDGES_MS):
            edge, was = now - back, edges[k]
            if edge == was:
                continue
            edges[k] = edge
            low, high, sign = (was, edge, 1) if edge > was else (edge, was, -1)
            first, last = max(low, self.floor) // MINUTE_MS, high // MINUTE_MS
            if last - first > len(minutes):  # a long way (the first snapshot): the minutes held
                spanned = sorted(m for m in minutes if first <= m <= last)
            else:
                spanned = [m for m in range(first, last + 1) if m in minutes]
            for minute in spanned:
                whole = low < minute * MINUTE_MS and (minute + 1) * MINUTE_MS - 1 <= high
                for effect, n in minutes[minute]:
                    if whole or low < effect[-1] <= high:
                        apply(effect, sign * n, k, k + 1)
        self.forget(edges[-1] - SLACK_MS, apply)

    def forget(self, before: int, apply: Apply) -> None:
        """Nothing at or before ``before`` will be asked for again: the effects of the minutes
        wholly before it go, taken back from the edges that have passed them, so that no
        edge counts them (every snapshot to come will have its edges past them: a part that
        every edge counts, or none, is in no window)."""
        if before // MINUTE_MS <= self.floor // MINUTE_MS:
            self.floor = max(self.floor, before)
            return
        self.floor = before
        gone, edges = before // MINUTE_MS, self.edges
        for minute in [m for m in self.minutes if m < gone]:
            items = self.minutes.pop(minute)
            if minute * MINUTE_MS > edges[0] or (minute + 1) * MINUTE_MS - 1 <= edges[-1]:
                continue  # no edge has reached the minute, or every edge has passed it
            for effect, n in items:
                at = effect[-1]
                passed = 0
                while passed < EDGES and at <= edges[passed]:
                    passed += 1
                if 0 < passed < EDGES:
                    apply(effect, -n, 0, passed)

    def __len__(self) -> int:
        return sum(len(items) for items in self.minutes.values())
