"""The HTTP API (Litestar): ingest, snapshots, streams, explanations, health and metrics."""

from .app import app_over, create_app, create_ingest_app

__all__ = ["app_over", "create_app", "create_ingest_app"]
