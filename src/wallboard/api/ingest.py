"""``POST /api/v1/events``: who sends, then how much, then what, each checked before the next.

The token is checked from the headers and the content type from its header before a byte of
the body is read, so an anonymous client cannot park a body in memory. The body is read up to
its limit (an announced larger one is refused at once). Then the count of events is checked
before any per-event work (``batch``), and the decoding runs off the event loop when the body
is large, so that one request never holds up the others.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from litestar import Request, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from ..batch import BodyError, decode_array, decode_ndjson_body
from ..events import (
    ACCOUNT_PATTERN,
    AT,
    EVENT_ID,
    EVENT_TYPES,
    AheadOfClock,
    Decoded,
    Event,
    EventError,
)
from ..service import Busy, NotReady, OldestAcceptedQuery, UnknownAccount
from .auth import authenticate, service_of
from .errors import ApiError, ErrorBody
from .metrics import Metrics

__all__ = ["EventProblem", "IngestReply", "post_events"]

# Bodies up to this size are decoded on the event loop (about 2 ms at most); larger ones in a
# thread, where the interpreter switches back to the loop every few milliseconds.
INLINE_BODY_BYTES = 64 * 1024
_decoding = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wallboard-decode")


class EventProblem(msgspec.Struct):
    index: int
    result: Literal["rejected", "duplicate", "conflict"]
    id: str | None = None
    field: str | None = None
    message: str | None = None


class IngestReply(msgspec.Struct):
    accepted: int
    duplicate: int
    conflict: int
    rejected: int
    problems: list[EventProblem]


class _Sorted(msgspec.Struct):
    """A decoded body split into the events to store and the ones already rejected."""

    events: list[Event]
    positions: list[int]  # each stored event's index in the request
    problems: list[EventProblem]
    total: int
    ahead_ms: list[int]  # how far ahead of our clock, for each event refused for it


_EVENT_SCHEMA = Schema(
    type=OpenAPIType.OBJECT, required=["id", "type", "account", "at"],
    description="An event of METRICS.md section 2; the other fields depend on its type.",
    properties={
        "id": Schema(type=OpenAPIType.STRING, min_length=1, max_length=128),
        "type": Schema(type=OpenAPIType.STRING, enum=list(EVENT_TYPES)),
        "account": Schema(type=OpenAPIType.STRING, min_length=1, max_length=64,
                          pattern=ACCOUNT_PATTERN),
        "at": Schema(one_of=[Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
                             Schema(type=OpenAPIType.INTEGER, minimum=0)]),
    },
)


@dataclass
class _IngestOperation(Operation):
    """The ingest body is read raw (so one bad event cannot spoil the batch): describe it."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, content={
            "application/json": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.ARRAY, items=_EVENT_SCHEMA)),
            "application/x-ndjson": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="One event per line")),
        })


_MEDIA = {"application/json": decode_array, "application/x-ndjson": decode_ndjson_body,
          "application/ndjson": decode_ndjson_body}


async def read_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The whole body, or 413 as soon as it is announced or found to be over ``limit``."""
    announced = request.headers.get("content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit:
        raise ApiError(413, "too_large", f"the body is over {limit} bytes", "body")
    body = bytearray()
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "disconnected", "the client went away before the body ended")
        body += message.get("body", b"")  # type: ignore[arg-type]
        if len(body) > limit:
            raise ApiError(413, "too_large", f"the body is over {limit} bytes", "body")
        if not message.get("more_body", False):
            return bytes(body)


def _sort(decoded: list[Decoded | EventError], account: str, oldest: int) -> _Sorted:
    problems: list[EventProblem] = []
    events: list[Event] = []
    positions: list[int] = []
    ahead: list[int] = []
    for index, item in enumerate(decoded):
        if isinstance(item, EventError):
            problems.append(EventProblem(index, "rejected", None, item.field, item.problem))
            if isinstance(item, AheadOfClock):
                ahead.append(item.ahead_ms)
            continue
        owner, event = item
        if owner != account:
            problems.append(EventProblem(index, "rejected", event[EVENT_ID], "account",
                                         f"the token belongs to account {account!r}"))
        elif event[AT] < oldest:
            problems.append(EventProblem(index, "rejected", event[EVENT_ID], "at",
                                         "older than the oldest day still counted (8 days "
                                         "back); such an event can change no figure"))
        else:
            events.append(event)
            positions.append(index)
    return _Sorted(events, positions, problems, len(decoded), ahead)


def _decode_and_sort(media: str, data: bytes, now: int, max_events: int, account: str,
                     oldest: int) -> _Sorted:
    return _sort(_MEDIA[media](data, now, max_events), account, oldest)


@post("/api/v1/events", status_code=200, summary="Send events",
      description="A JSON array (`application/json`) or NDJSON (`application/x-ndjson`) of "
      "events of the token's account (ingest or admin role). The reply comes once the "
      "accepted events are committed to the event log. A bad event never fails the others: "
      "each one that is not accepted is listed with its index and the reason. The token and "
      "the content type are checked before the body is read.",
      responses={400: ResponseSpec(ErrorBody, description="Malformed body"),
                 401: ResponseSpec(ErrorBody, description="No, unknown or revoked token"),
                 403: ResponseSpec(ErrorBody, description="Wrong role"),
                 413: ResponseSpec(ErrorBody, description="Body or batch too large"),
                 415: ResponseSpec(ErrorBody, description="Not JSON or NDJSON"),
                 429: ResponseSpec(ErrorBody, description="Write queue full; see Retry-After")},
      operation_class=_IngestOperation)
async def post_events(request: Request[Any, Any, Any]) -> IngestReply:
    started = time.perf_counter()
    service = service_of(request)
    token = authenticate(request, ("ingest",))
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _MEDIA:
        raise ApiError(415, "unsupported_media_type",
                       "send application/json (an array) or application/x-ndjson",
                       "Content-Type")
    try:
        oldest = await service.ask(token.account, OldestAcceptedQuery())
    except UnknownAccount:  # the token's account was deleted under it
        raise ApiError(404, "not_found", "no such account", "account") from None
    limits = service.limits
    data = await read_body(request, limits.max_body_bytes)
    work = (media, data, service.clock(), limits.max_events, token.account, oldest)
    try:
        if len(data) <= INLINE_BODY_BYTES:
            sorted_ = _decode_and_sort(*work)
        else:
            loop = asyncio.get_running_loop()
            sorted_ = await loop.run_in_executor(_decoding, _decode_and_sort, *work)
    except BodyError as err:
        raise ApiError(err.status, err.code, err.problem, err.field) from None
    del data, work
    results = []
    if sorted_.events:
        try:
            results = await service.ingest(token.account, sorted_.events)
        except Busy:
            raise ApiError(429, "busy", "the write queue is full; retry shortly", None,
                           {"Retry-After": "1"}) from None
        except NotReady:
            raise ApiError(503, "not_ready", "shutting down or recovering; retry shortly", None,
                           {"Retry-After": "1"}) from None
    counts = {"accepted": 0, "duplicate": 0, "conflict": 0}
    problems = sorted_.problems
    for index, ev, result in zip(sorted_.positions, sorted_.events, results, strict=True):
        counts[result] += 1
        if result != "accepted":
            message = ("already received" if result == "duplicate" else
                       "this id was already used by an event with other content; the first "
                       "version stands")
            problems.append(EventProblem(index, result, ev[EVENT_ID], "id", message))
    if counts["duplicate"] or counts["conflict"]:  # the rejections came first, in order
        problems.sort(key=lambda p: p.index)
    rejected = sorted_.total - len(sorted_.events)
    metrics: Metrics = request.app.state.metrics
    for name, n in (*counts.items(), ("rejected", rejected)):
        if n:
            metrics.count_events(token.account, name, n)
    if sorted_.ahead_ms:
        metrics.count_ahead(token.account, sorted_.ahead_ms)
    metrics.ingest_seconds.observe(time.perf_counter() - started)
    return IngestReply(counts["accepted"], counts["duplicate"], counts["conflict"], rejected,
                       problems)
