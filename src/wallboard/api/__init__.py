"""The HTTP API (Litestar): ingest, snapshots, streams, explanations, health and metrics."""

from .app import create_app, create_ingest_app

__all__ = ["create_app", "create_ingest_app"]
