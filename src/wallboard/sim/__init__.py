"""A seeded contact-center simulator: realistic event streams with their own ground truth.

``stream(config)`` yields wire-format events (METRICS.md section 2) lazily, in time order;
``simulate(config)`` runs to the end and also returns what the simulator itself counted
(``GroundTruth``), so that the engine's figures can be checked against it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .config import SimConfig, Surge, TopicSpike
from .model import Model
from .truth import GroundTruth

__all__ = ["GroundTruth", "SimConfig", "Simulation", "Surge", "TopicSpike", "batches", "simulate",
           "stream"]


@dataclass(frozen=True)
class Simulation:
    """A finished run: its events in time order, its ground truth and its end (exclusive)."""

    events: list[dict[str, Any]]
    truth: GroundTruth
    end_ms: int


def stream(config: SimConfig) -> Iterator[dict[str, Any]]:
    """Wire-format events in non-decreasing ``at`` order (integer epoch ms), ids unique,
    ``account`` = ``config.account``; generated lazily, so an endless run
    (``hours=math.inf``) runs in constant memory."""
    return Model(config).run()


def batches(config: SimConfig) -> Iterator[list[dict[str, Any]]]:
    """``stream`` a list at a time (a few hundred events each): cheaper for bulk output."""
    return Model(config).batches()


def simulate(config: SimConfig) -> Simulation:
    """Run ``config`` to its end; needs a finite ``hours``."""
    model = Model(config)
    if model.end_ms is None:
        raise ValueError("simulate needs a finite number of hours; use stream for endless runs")
    events = list(model.run())
    return Simulation(events, model.truth(), model.end_ms)
