"""One row of the simulator's ground truth: what it knows it did to a channel, a group or the
total, counted as it happens (``truth.Recorder`` keeps them)."""

from __future__ import annotations

from typing import Any

__all__ = ["TruthRow"]


class TruthRow:
    """One channel, group or the total: day counters and gauges."""

    __slots__ = ("answered", "arrived", "canceled", "capacity", "handle_samples",
                 "handle_sum_ms", "held", "in_queue", "in_work", "missed", "operators",
                 "operators_available", "served", "slots_available", "unassigned",
                 "wait_samples", "wait_sum_ms", "within_sl")

    def __init__(self) -> None:
        self.arrived = self.served = self.unassigned = self.canceled = self.missed = 0
        self.wait_samples = self.wait_sum_ms = self.within_sl = self.answered = 0
        self.handle_samples = self.handle_sum_ms = 0
        self.in_queue = self.in_work = self.operators_available = self.slots_available = 0
        self.operators = {"available": 0, "busy": 0, "away": 0, "offline": 0}
        self.held = self.capacity = 0

    def figures(self) -> dict[str, Any]:
        samples = self.wait_samples
        return {
            "arrived": self.arrived,
            "served": self.served,
            "unserved": self.unassigned + self.canceled + self.missed,
            "unassigned": self.unassigned,
            "canceled": self.canceled,
            "missed": self.missed,
            "wait_samples": samples,
            "wait_sum_ms": self.wait_sum_ms,
            # The same arithmetic as the snapshot, so the two compare exactly.
            "avg_wait_s": self.wait_sum_ms / samples / 1000 if samples else None,
            "answered_within_sl": self.within_sl,
            "in_queue": self.in_queue,
            "in_work": self.in_work,
            "operators_available": self.operators_available,
            "slots_available": self.slots_available,
            "operators": dict(self.operators),
            "held": self.held,
            "capacity": self.capacity,
            "occupancy": self.held / self.capacity if self.capacity else None,
            "answered": self.answered,
            "handle_samples": self.handle_samples,
            "handle_sum_ms": self.handle_sum_ms,
        }
