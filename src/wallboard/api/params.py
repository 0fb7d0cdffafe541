"""Request pieces several routes share: dates in query strings and the auth error responses."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Request
from litestar.openapi import ResponseSpec

from ..batch import MAX_DEPTH, too_deep
from ..service import JSON_BODY_BYTES
from .errors import ApiError, ErrorBody

__all__ = ["AUTH_ERRORS", "DATE_PATTERN", "parse_date", "reject_deep_json"]

DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_DATE = re.compile(r"\d{4}-\d\d-\d\d")

AUTH_ERRORS = {
    401: ResponseSpec(ErrorBody, description="No, unknown or revoked token or session"),
    403: ResponseSpec(ErrorBody, description="A token of another account or role"),
    404: ResponseSpec(ErrorBody, description="No such account"),
}
# A route that reads a JSON body (any but ingest, which has its own limit).
BODY_ERRORS = {
    413: ResponseSpec(ErrorBody, description=f"A body over {JSON_BODY_BYTES // 1024} KiB"),
}


def parse_date(value: str, field: str) -> date:
    """A YYYY-MM-DD date from 1970 to 9998 (event times start in 1970; a day of 9999 has no
    next day to end on), or a 400 naming ``field``."""
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "bad_date", "expected a date as YYYY-MM-DD", field) from None
    if not 1970 <= parsed.year <= 9998:
        raise ApiError(400, "bad_date", "expected a date from 1970 to 9998", field)
    return parsed


async def reject_deep_json(request: Request[Any, Any, Any]) -> None:
    """Before a JSON body is decoded: deeper than the decoder can follow is a 400, not a crash.
    (The body is already within the route's size limit; Litestar keeps it for the decoder.)"""
    if too_deep(await request.body()):
        raise ApiError(400, "too_deep", f"JSON nested deeper than {MAX_DEPTH} levels", "body")
