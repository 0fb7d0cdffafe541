"""The Litestar application: routes, authentication, limits and the service's life cycle."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from litestar import Litestar, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
    SecurityScheme,
)
from litestar.params import Parameter
from litestar.response import Stream
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..engine import Snapshot
from ..engine.conversation import DONE, IN_WORK, NEW, OUTCOME_NAMES, WAITING
from ..engine.series import Series
from ..events import to_wire
from ..history import csv_rows, day_snapshots, read_series, row_of, series_csv
from ..service import JSON_BODY_BYTES, Hub, Limits
from ..store import TokenInfo
from ..store.sqlite import Role
from .auth import account_of, admin_only, hub_of, session_routes, still_valid
from .dashboard import ApiReference, dashboard_routes
from .errors import (
    ApiError,
    ErrorBody,
    handle_api_error,
    handle_http_exception,
    handle_unexpected,
)
from .headers import security_headers
from .ingest import post_events
from .metrics import Metrics
from .params import AUTH_ERRORS, DATE_PATTERN, parse_date, reject_deep_json
from .serving import ConnectionStats

__all__ = ["create_app"]

# -- response types (the OpenAPI document is generated from these) --------------------------

class LoggedEvent(msgspec.Struct):
    received_at: int
    event: dict[str, Any]


ConversationState = Literal["not_started", "waiting", "in_work", "closed", "final", "unknown"]
_STATES: dict[int, ConversationState] = {NEW: "not_started", WAITING: "waiting",
                                         IN_WORK: "in_work", DONE: "closed"}


class Explanation(msgspec.Struct):
    account: str
    conversation: str
    state: ConversationState
    outcome: str | None
    channel: str | None
    group: str | None
    operator: str | None
    events: list[LoggedEvent]


class Health(msgspec.Struct):
    status: str


# -- helpers -------------------------------------------------------------------------------

def _json(body: bytes, status: int = 200) -> Response[bytes]:
    return Response(body, status_code=status, media_type="application/json")


# -- reads ---------------------------------------------------------------------------------



@get("/api/v1/accounts/{account_id:str}/snapshot", summary="The figures now",
     description="The snapshot of METRICS.md section 6 (view or admin role). With `date`, a "
     "past local day's counters; gauges are then null.",
     responses={200: ResponseSpec(Snapshot, description="The snapshot"),
                400: ResponseSpec(ErrorBody, description="Bad date"), **AUTH_ERRORS})
async def get_snapshot(
    request: Request[Any, Any, Any], account_id: str,
    day: Annotated[str | None, Parameter(query="date", description="YYYY-MM-DD")] = None,
) -> Response[bytes]:
    live = account_of(request, account_id, ("view",))
    if day is None:
        return _json(hub_of(request).snapshot(live))
    when = parse_date(day, "date")
    hub = hub_of(request)
    if when.toordinal() < live.engine.first_day_held(hub.clock()):  # out of memory: history
        saved = hub.store.days(account_id, day, day)
        if saved:
            return _json(saved[0][1])
    return _json(hub.snapshot(live, when.toordinal()))


@dataclass
class _CsvOperation(Operation):
    """The same data as CSV too: document that content type beside the JSON one."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content["text/csv"] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="CSV with a header row"))


class History(msgspec.Struct):
    account: str
    days: list[Snapshot]  # one past-day snapshot per local day with data (gauges null)


@get("/api/v1/accounts/{account_id:str}/history", summary="Daily history",
     description="One snapshot of counters (gauges null) per local day from `from` to `to` "
     "(at most 400 days). `Accept: text/csv` or `format=csv` gives a table instead: a line "
     "per day and row (total, channels, groups).",
     responses={200: ResponseSpec(History, description="The days"),
                400: ResponseSpec(ErrorBody, description="Bad dates"), **AUTH_ERRORS},
     operation_class=_CsvOperation)
async def get_history(
    request: Request[Any, Any, Any], account_id: str,
    first: Annotated[str, Parameter(query="from", description="YYYY-MM-DD",
                                    pattern=DATE_PATTERN)],
    last: Annotated[str, Parameter(query="to", description="YYYY-MM-DD",
                                   pattern=DATE_PATTERN)],
    fmt: Annotated[Literal["json", "csv"] | None, Parameter(query="format")] = None,
) -> Response[bytes]:
    live = account_of(request, account_id, ("view",))
    start, end = parse_date(first, "from"), parse_date(last, "to")
    if end < start or (end - start).days >= 400:
        raise ApiError(400, "bad_range", "expected from <= to, at most 400 days apart", "to")
    hub = hub_of(request)
    days = day_snapshots(account_id, start, end, hub.store, live.engine, hub.clock())
    if _wants_csv(request, fmt):
        return _csv(csv_rows(days), f"{account_id}-{first}-{last}.csv")
    body = b'{"account":' + msgspec.json.encode(account_id) + b',"days":[' + b",".join(days) \
        + b"]}"
    return _json(body)


def _wants_csv(request: Request[Any, Any, Any], fmt: str | None) -> bool:
    return fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))


def _csv(text: str, filename: str) -> Response[bytes]:
    return Response(text.encode(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@get("/api/v1/accounts/{account_id:str}/series", summary="Intraday series",
     description="One row's local day in 15-minute buckets (92, 96 or 100 of them): arrivals, "
     "outcomes, waits and the sampled gauges (peak and mean; null where not sampled). The "
     "total by default; `channel=ID` or `group=ID` for one row, `group=` (empty) for the "
     "no-group row. `date` defaults to today. `Accept: text/csv` or `format=csv` gives a "
     "line per bucket.",
     responses={200: ResponseSpec(Series, description="The buckets"),
                400: ResponseSpec(ErrorBody, description="Bad date or row"),
                **AUTH_ERRORS},
     operation_class=_CsvOperation)
async def get_series(
    request: Request[Any, Any, Any], account_id: str,
    day: Annotated[str | None, Parameter(query="date", description="YYYY-MM-DD",
                                         pattern=DATE_PATTERN)] = None,
    channel: Annotated[str | None, Parameter(query="channel", max_length=128)] = None,
    group: Annotated[str | None, Parameter(query="group", max_length=128)] = None,
    fmt: Annotated[Literal["json", "csv"] | None, Parameter(query="format")] = None,
) -> Response[bytes]:
    live = account_of(request, account_id, ("view",))
    hub, config = hub_of(request), live.config
    now = hub.clock()
    calendar = live.engine.calendar
    ordinal = calendar.day_of(now) if day is None else parse_date(day, "date").toordinal()
    try:
        report, row_id = row_of(channel, group)
    except ValueError:
        raise ApiError(400, "bad_row", "give channel or group, not both", "group") from None
    series = read_series(account_id, live.engine.calendar, config.sl_threshold_s, ordinal,
                         report, row_id, hub.store, live.engine, now)
    if series is None:
        raise ApiError(404, "no_such_row", f"no {report} {row_id!r} in this account",
                       report)
    if _wants_csv(request, fmt):
        return _csv(series_csv([series]), f"{account_id}-{series.date}-{report}.csv")
    return _json(msgspec.json.encode(series))


@get("/api/v1/accounts/{account_id:str}/stream", summary="Live snapshots (SSE)",
     description="Server-sent events: `event: snapshot` with the snapshot as data, at once, "
     "then on every change (at most 5 a second) and at least every 20 seconds.",
     media_type="text/event-stream", responses=AUTH_ERRORS)
async def get_stream(request: Request[Any, Any, Any], account_id: str) -> Stream:
    live = account_of(request, account_id, ("view",))
    return Stream(live.publisher.stream(still_valid(request)), media_type="text/event-stream",
                  headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@get("/api/v1/accounts/{account_id:str}/conversations/{conversation_id:str}/events",
     summary="Explain one conversation",
     description="The stored events of one conversation and the state and outcome the engine "
     "derived from them.", responses=AUTH_ERRORS)
async def get_conversation(request: Request[Any, Any, Any], account_id: str,
                           conversation_id: str) -> Explanation:
    live = account_of(request, account_id, ("view",))
    hub = hub_of(request)
    logged = hub.store.conversation_events(account_id, conversation_id)
    conv = live.engine.conversation(conversation_id)
    state: ConversationState
    if conv is not None:
        state = _STATES[conv.state]
        outcome = OUTCOME_NAMES[conv.outcome] if conv.state == DONE else None
        channel = conv.channel or None
        group, operator = conv.group, conv.operator
    else:
        state = "final" if logged else "unknown"
        outcome = channel = group = operator = None
    return Explanation(account_id, conversation_id, state, outcome, channel, group, operator,
                       [LoggedEvent(at, to_wire(account_id, ev)) for at, ev in logged])


# -- tokens (admin) ------------------------------------------------------------------------

class NewToken(msgspec.Struct):
    role: Role


class CreatedToken(msgspec.Struct):
    token: TokenInfo
    secret: str  # shown once: only its hash is stored


@post("/api/v1/accounts/{account_id:str}/tokens", summary="Create a token (admin)",
      status_code=201, responses={400: ResponseSpec(ErrorBody, description="Bad role"),
                                  **AUTH_ERRORS},
      guards=[admin_only], before_request=reject_deep_json)
async def create_token(request: Request[Any, Any, Any], account_id: str, data: NewToken
                       ) -> CreatedToken:
    account_of(request, account_id, ("admin",))
    hub = hub_of(request)
    info, secret = hub.store.create_token(account_id, data.role, hub.clock())
    return CreatedToken(info, secret)


@get("/api/v1/accounts/{account_id:str}/tokens", summary="List the tokens (admin)",
     responses=AUTH_ERRORS)
async def list_tokens(request: Request[Any, Any, Any], account_id: str) -> list[TokenInfo]:
    account_of(request, account_id, ("admin",))
    return hub_of(request).store.tokens(account_id)


@delete("/api/v1/accounts/{account_id:str}/tokens/{token_id:str}",
        summary="Revoke a token at once (admin)", status_code=204, responses=AUTH_ERRORS)
async def revoke_token(request: Request[Any, Any, Any], account_id: str, token_id: str) -> None:
    account_of(request, account_id, ("admin",))
    hub = hub_of(request)
    if not any(t.id == token_id and t.revoked_at is None for t in hub.store.tokens(account_id)):
        raise ApiError(404, "not_found", "no live token with this id in the account", "token_id")
    hub.store.revoke_token(token_id, hub.clock())


@get("/healthz", summary="Liveness", security=[])
async def healthz() -> Health:
    return Health("ok")


@get("/readyz", summary="Readiness: 503 until recovery is done", security=[],
     responses={503: ResponseSpec(ErrorBody, description="Still recovering")})
async def readyz(request: Request[Any, Any, Any]) -> Health:
    if not hub_of(request).ready:
        raise ApiError(503, "not_ready", "recovering the event log")
    return Health("ready")


@get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST, security=[],
     description="The process's own figures to anyone; with `Authorization: Bearer` and the "
     "scrape token the service was started with (`--metrics-token`), the per-account series "
     "too.", responses={401: ResponseSpec(ErrorBody, description="A wrong scrape token")})
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    m: Metrics = request.app.state.metrics
    scrape: str | None = request.app.state.metrics_token
    header = request.headers.get("authorization")
    m.refresh()
    body = generate_latest(m.registry)
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scrape is None or scheme.lower() != "bearer" or \
                not hmac.compare_digest(secret.strip().encode(), scrape.encode()):
            raise ApiError(401, "unauthorized", "not the scrape token this service was started "
                           "with", "Authorization", {"WWW-Authenticate": "Bearer"})
        body += generate_latest(m.accounts)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


# -- the application -----------------------------------------------------------------------

def create_app(data_dir: Path | str, limits: Limits | None = None, *,
               metrics_token: str | None = None,
               connections: ConnectionStats | None = None) -> Litestar:
    """The application over the data directory. ``metrics_token`` opens the per-account
    metrics; ``connections`` are the connection guard's figures, for /metrics."""
    hub = Hub(data_dir, limits)
    metrics_of_app = Metrics(hub, connections)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await hub.start()
        task = _checkpoints(hub)
        try:
            yield
        finally:
            task.cancel()
            await hub.stop()

    return Litestar(
        route_handlers=[post_events, get_snapshot, get_stream, get_conversation, create_token,
                        list_tokens, revoke_token, get_history, get_series, healthz, readyz,
                        metrics, *session_routes, *dashboard_routes()],
        lifespan=[lifespan],
        state=State({"hub": hub, "metrics": metrics_of_app, "metrics_token": metrics_token}),
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_exception,
                            Exception: handle_unexpected},
        before_send=[security_headers],
        request_max_body_size=JSON_BODY_BYTES,  # the ingest route reads its own, larger body
        openapi_config=OpenAPIConfig(
            title="Wallboard", version="1",
            description="Real-time monitoring for text-channel contact centers.",
            components=Components(security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
            render_plugins=[ApiReference(), JsonRenderPlugin()],
        ),
    )


def _checkpoints(hub: Hub) -> asyncio.Task[None]:
    """Sample the gauges and checkpoint what is due, on the event loop with the engines."""
    async def tick() -> None:
        every = hub.limits.sample_every_s
        next_sample = time.monotonic()
        while True:
            await asyncio.sleep(min(1.0, every))
            if hub.ready and time.monotonic() >= next_sample:
                hub.sample_gauges()
                next_sample = max(next_sample + every, time.monotonic())
            for live in list(hub.accounts.values()):
                if hub.checkpoint_due(live):
                    hub.checkpoint(live)

    return asyncio.get_running_loop().create_task(tick())
