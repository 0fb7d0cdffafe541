"""The running service: ingest pipeline, live engines, publisher, checkpoints."""

from .config import Limits
from .hub import Busy, Hub, IngestResult, NotReady

__all__ = ["Busy", "Hub", "IngestResult", "Limits", "NotReady"]
