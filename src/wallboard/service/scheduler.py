"""What the service does by the clock: step the alert rules, sample the gauges, checkpoint
what is due."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from ..store.faults import fault_of
from .hub import Hub

__all__ = ["run_schedule"]

log = logging.getLogger("wallboard.schedule")


async def run_schedule(hub: Hub, alerted: Callable[[], None]) -> None:
    """Forever, on the event loop with the engines (which it reads): the alert rules every
    ``alert_every_s`` (``alerted()`` when one fired or resolved: deliveries are owed),
    gauges every ``sample_every_s``, and each account's checkpoint when
    ``Hub.checkpoint_due`` says so."""
    every = hub.limits.sample_every_s
    next_sample = time.monotonic()
    while True:
        await asyncio.sleep(min(hub.limits.alert_every_s, every))
        try:
            if hub.ready and hub.watch_alerts():
                alerted()
            if hub.ready and time.monotonic() >= next_sample:
                hub.sample_gauges()
                next_sample = max(next_sample + every, time.monotonic())
            for live in list(hub.accounts.values()):
                if hub.checkpoint_due(live):
                    hub.checkpoint(live)
        except Exception as exc:
            fault = fault_of(exc, hub.place)
            if fault is not None:  # an alert not written: the storage's health tells it once
                hub.health.failed(fault)
            else:  # a bug: said, and the schedule goes on (the log keeps the events)
                log.exception("the schedule failed; trying again in a second")
        hub.probe()  # while the storage has a fault: can it be written again? (whatever failed)
