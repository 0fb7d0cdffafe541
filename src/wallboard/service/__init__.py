"""The running service: ingest pipeline, live engines, publisher, checkpoints."""

from .config import JSON_BODY_BYTES, Limits
from .hub import Busy, Hub, IngestResult, NotReady

__all__ = ["JSON_BODY_BYTES", "Busy", "Hub", "IngestResult", "Limits", "NotReady"]
