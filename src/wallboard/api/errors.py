"""One error shape for every failure: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

from ..service import RETRY_AFTER_S, FutureDay, NotReady, StorageFault, StorageUnavailable
from ..service.desk import NotServedHere

__all__ = ["ApiError", "ErrorBody", "ErrorDetail", "handle_api_error", "handle_future_day",
           "handle_http_exception", "handle_not_ready", "handle_not_served",
           "handle_storage_unavailable", "handle_unexpected", "storage_error"]

log = logging.getLogger("wallboard.api")


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    field: str | None = None


class ErrorBody(msgspec.Struct):
    error: ErrorDetail


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = ErrorDetail(code, message, field)
        self.headers = headers or {}


def _response(status: int, detail: ErrorDetail, headers: dict[str, str] | None = None
              ) -> Response[ErrorBody]:
    return Response(ErrorBody(detail), status_code=status, headers=headers)


def handle_api_error(_: Request[Any, Any, Any], exc: ApiError) -> Response[ErrorBody]:
    return _response(exc.status, exc.detail, exc.headers)


def handle_future_day(_: Request[Any, Any, Any], exc: FutureDay) -> Response[ErrorBody]:
    """Every route with a ``date`` refuses a day the account's clock has not reached."""
    return _response(400, ErrorDetail("bad_date", str(exc), "date"))


def handle_not_ready(_: Request[Any, Any, Any], exc: NotReady) -> Response[ErrorBody]:
    """The engine that holds the account cannot answer now (recovering, or in the cluster
    being taken over by another worker): worth retrying in a second."""
    return _response(503, ErrorDetail("not_ready", "the account's engine is not ready; retry "
                                      "shortly"), {"Retry-After": "1"})


def storage_error(fault: StorageFault) -> ApiError:
    """Nothing of the request was written: the storage has a fault, named for the client."""
    return ApiError(503, "storage_unavailable", f"{fault.message}; nothing of this request "
                    "was stored, retry later", None, {"Retry-After": str(RETRY_AFTER_S)})


def handle_storage_unavailable(request: Request[Any, Any, Any], exc: StorageUnavailable
                               ) -> Response[ErrorBody]:
    return handle_api_error(request, storage_error(exc.fault))


def handle_not_served(_: Request[Any, Any, Any], exc: NotServedHere) -> Response[ErrorBody]:
    return _response(501, ErrorDetail("not_implemented", str(exc)))


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
          429: "busy", 500: "internal_error", 503: "not_ready"}


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """A storage fault (a full disk under a sign-in...) is a 503 naming it, logged once by
    the storage's health; anything else is a bug: logged with its trace and counted,
    answered in our shape."""
    fault = request.app.state.service.storage_failed(exc)
    if fault is not None:
        return handle_api_error(request, storage_error(fault))
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    request.app.state.metrics.errors.inc()
    return _response(500, ErrorDetail("internal_error", "internal error (it is logged)"))


# Litestar's word for a client that went away in the middle of its body: not our failure.
_GONE = "client disconnected prematurely"


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException
                          ) -> Response[ErrorBody]:
    """Litestar's own errors (unknown route, bad query parameter...) in our shape."""
    status = exc.status_code
    if status >= 500 and exc.detail == _GONE:
        return _response(400, ErrorDetail("disconnected", "the client went away before the "
                                          "body ended"))
    if status >= 500:
        return handle_unexpected(request, exc)
    field, message = None, exc.detail
    extra = exc.extra
    if isinstance(extra, list) and extra and isinstance(extra[0], dict):
        field = extra[0].get("key")
        problem = extra[0].get("message")
        if isinstance(problem, str) and problem:
            # The decoder's own words name the problem ("Expected `float` <= 1, got 1.5");
            # an unknown field is named in them rather than in the key.
            message = problem.split(" - at `", 1)[0]
            unknown = _UNKNOWN.search(message)
            if unknown:
                field = unknown[1] if field in (None, "data") else f"{field}.{unknown[1]}"
    return _response(status, ErrorDetail(_CODES.get(status, "error"), message, field),
                     dict(exc.headers or {}))


_UNKNOWN = re.compile(r"unknown field `([^`]*)`")
