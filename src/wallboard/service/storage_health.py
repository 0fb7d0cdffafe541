"""Whether the storage can be written now, and since when not.

A fault is noted when a write fails on the machine (``store.faults``); while it lasts, events
are refused at once with a 503 naming the cause (nothing is taken that could not be stored)
and readiness is false. The writer probes with a small write every second; the first that
works ends the fault. The log gets one line per change of state, not one per request.
"""

from __future__ import annotations

import logging
import time

from ..store.faults import Cause, StorageFault, fault_of

__all__ = ["StorageFault", "StorageHealth", "StorageUnavailable", "fault_of"]

log = logging.getLogger("wallboard.storage")

# What a refused client is told to wait before trying again (the probe runs every second).
RETRY_AFTER_S = 5


class StorageUnavailable(Exception):
    """Nothing was written: the storage has a fault (``fault`` says which)."""

    def __init__(self, fault: StorageFault) -> None:
        super().__init__(fault.message)
        self.fault = fault


class StorageHealth:
    """Kept on the event loop's thread (the writer reports through the loop)."""

    def __init__(self) -> None:
        self.fault: StorageFault | None = None
        self.since = 0.0  # monotonic: when the fault began
        self.faults: dict[Cause, int] = {}  # faults begun, by cause (for the metric)

    def failed(self, fault: StorageFault) -> None:
        if self.fault is not None and fault.cause == self.fault.cause:
            return  # the same fault told again (its details may differ): no new line
        if self.fault is None:
            self.since = time.monotonic()
        self.fault = fault
        self.faults[fault.cause] = self.faults.get(fault.cause, 0) + 1
        log.error("storage fault (%s): %s; events are refused until a write works again",
                  fault.cause, fault.message)

    def recovered(self) -> None:
        if self.fault is None:
            return
        log.warning("storage recovered from %s after %.1f s: writing again",
                    self.fault.cause, time.monotonic() - self.since)
        self.fault = None

    def check(self) -> None:
        """Raises ``StorageUnavailable`` while there is a fault."""
        if self.fault is not None:
            raise StorageUnavailable(self.fault)
