"""Every failure in the documented error shape: a bug too is answered so, and logged."""

from __future__ import annotations

import logging
from pathlib import Path

from litestar import get
from litestar.testing import TestClient

from wallboard.api import create_app


@get("/api/v1/boom")
async def boom() -> None:
    raise RuntimeError("a bug")


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_an_unexpected_error_is_logged_with_its_trace_and_answered_in_shape(
        tmp_path: Path) -> None:
    app = create_app(tmp_path / "data")
    app.register(boom)
    kept = Kept()  # Litestar configures logging at start-up: a handler of our own stays
    logging.getLogger("wallboard.api").addHandler(kept)
    with TestClient(app) as client:
        reply = client.get("/api/v1/boom")
        assert reply.status_code == 500
        assert reply.json() == {"error": {"code": "internal_error",
                                          "message": "internal error (it is logged)",
                                          "field": None}}
        assert reply.headers["cache-control"] == "no-store"
        assert "wallboard_unexpected_errors_total 1.0" in client.get("/metrics").text
    logging.getLogger("wallboard.api").removeHandler(kept)
    [record] = kept.records
    assert record.getMessage() == "unexpected error on GET /api/v1/boom"
    assert record.exc_info is not None and str(record.exc_info[1]) == "a bug"
