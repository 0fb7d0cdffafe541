"""One row of the simulator's ground truth: what it knows it did to a channel, a group or the
total, counted as it happens (``truth.Recorder`` keeps them)."""

from __future__ import annotations

from typing import Any

__all__ = ["TruthRow"]


class TruthRow:
    """One channel, group or the total: day counters and gauges."""

    __slots__ = ("arrived", "canceled", "in_queue", "in_work", "missed", "operators_available",
                 "served", "slots_available", "unassigned", "wait_samples", "wait_sum_ms",
                 "within_sl")

    def __init__(self) -> None:
        self.arrived = self.served = self.unassigned = self.canceled = self.missed = 0
        self.wait_samples = self.wait_sum_ms = self.within_sl = 0
        self.in_queue = self.in_work = self.operators_available = self.slots_available = 0

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
        }
