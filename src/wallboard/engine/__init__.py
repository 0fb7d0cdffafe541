"""The pure engine: events in, the figures of METRICS.md out. No I/O, no clock of its own."""

from .account import Account, Result
from .snapshot import Snapshot, build, encode

__all__ = ["Account", "Result", "Snapshot", "build", "encode"]
