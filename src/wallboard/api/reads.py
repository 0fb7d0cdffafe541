"""The routes that read an account's figures: snapshot, history, series, stream, and one
conversation explained. Each asks the service one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import Parameter
from litestar.response import Stream

from ..figures import Report, Series, Snapshot
from ..service import (
    EXTRA_FEEDS,
    MAX_PAGE,
    ConversationQuery,
    Explained,
    Explanation,
    FigureBehind,
    HistoryQuery,
    NotHeld,
    SeriesQuery,
    SnapshotQuery,
    csv_rows,
    explain_csv,
    row_of,
    series_csv,
)
from .auth import account_of, service_of, still_valid
from .errors import ApiError, ErrorBody
from .params import AUTH_ERRORS, DATE_PATTERN, parse_date

__all__ = ["read_routes"]


def _json(body: bytes) -> Response[bytes]:
    return Response(body, media_type="application/json")


@get("/api/v1/accounts/{account_id:str}/snapshot", summary="The figures now",
     description="The snapshot of METRICS.md section 6 (view or admin role). With `date`, a "
     "past local day's counters; gauges are then null.",
     responses={200: ResponseSpec(Snapshot, description="The snapshot"),
                400: ResponseSpec(ErrorBody, description="Bad date"), **AUTH_ERRORS})
async def get_snapshot(
    request: Request[Any, Any, Any], account_id: str,
    day: Annotated[str | None, Parameter(query="date", description="YYYY-MM-DD")] = None,
) -> Response[bytes]:
    account = account_of(request, account_id, ("view",))
    if day is not None:
        day = parse_date(day, "date").isoformat()
    return _json(await service_of(request).ask(account, SnapshotQuery(day)))


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
    account = account_of(request, account_id, ("view",))
    start, end = parse_date(first, "from"), parse_date(last, "to")
    if end < start or (end - start).days >= 400:
        raise ApiError(400, "bad_range", "expected from <= to, at most 400 days apart", "to")
    days = await service_of(request).ask(account, HistoryQuery(start.isoformat(),
                                                               end.isoformat()))
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


def _row(channel: str | None, group: str | None) -> tuple[Report, str | None]:
    """The row a route's ``channel`` or ``group`` names (the total with neither)."""
    try:
        return row_of(channel, group)
    except ValueError:
        raise ApiError(400, "bad_row", "give channel or group, not both", "group") from None


def _no_row(report: Report, row_id: str | None) -> ApiError:
    return ApiError(404, "no_such_row", f"no {report} {row_id!r} in this account", report)


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
    account = account_of(request, account_id, ("view",))
    if day is not None:
        day = parse_date(day, "date").isoformat()
    report, row_id = _row(channel, group)
    series = await service_of(request).ask(account, SeriesQuery(report, row_id, day))
    if series is None:
        raise _no_row(report, row_id)
    if _wants_csv(request, fmt):
        return _csv(series_csv([series]), f"{account_id}-{series.date}-{report}.csv")
    return _json(msgspec.json.encode(series))


@get("/api/v1/accounts/{account_id:str}/explain", summary="The conversations behind a figure",
     description="Every conversation behind a figure of a row, each with the rule that put it "
     "there (`rule`, an English `text`, and the moments and people involved), as many as the "
     "figure counts: waiting lists oldest first, the rest in the order things happened. The "
     "total by default; `channel=ID` or `group=ID` for one row, `group=` (empty) for the "
     "no-group row. `date` defaults to today; any day since the service began keeping every "
     "conversation (today and yesterday from memory, older days from the store, as long as "
     "the daily history; a day before is a 400 naming `date` and the first day kept). Paged "
     "by `offset` "
     f"and `limit` (at most {MAX_PAGE}); `total` says how many there are. `Accept: text/csv` "
     "or `format=csv` gives the page as CSV. Each item links to its conversation's events.",
     responses={200: ResponseSpec(FigureBehind, description="The conversations"),
                400: ResponseSpec(ErrorBody, description="Bad figure, row, date or page"),
                **AUTH_ERRORS},
     operation_class=_CsvOperation)
async def get_explain(
    request: Request[Any, Any, Any], account_id: str,
    figure: Annotated[Explained, Parameter(query="figure")],
    day: Annotated[str | None, Parameter(query="date", description="YYYY-MM-DD",
                                         pattern=DATE_PATTERN)] = None,
    channel: Annotated[str | None, Parameter(query="channel", max_length=128)] = None,
    group: Annotated[str | None, Parameter(query="group", max_length=128)] = None,
    offset: Annotated[int, Parameter(query="offset", ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Parameter(query="limit", ge=1, le=MAX_PAGE)] = 100,
    fmt: Annotated[Literal["json", "csv"] | None, Parameter(query="format")] = None,
) -> Response[bytes]:
    account = account_of(request, account_id, ("view",))
    if day is not None:
        day = parse_date(day, "date").isoformat()
    report, row_id = _row(channel, group)
    try:
        found = await service_of(request).behind(account, figure, report, row_id, day, offset,
                                                 limit)
    except NotHeld as exc:
        raise ApiError(400, "not_held", str(exc), "date") from None
    if found is None:
        raise _no_row(report, row_id)
    if _wants_csv(request, fmt):
        return _csv(explain_csv(found), f"{account_id}-{found.date}-{figure}.csv")
    return _json(msgspec.json.encode(found))


@get("/api/v1/accounts/{account_id:str}/stream", summary="Live snapshots (SSE)",
     description="Server-sent events: `event: snapshot` with the snapshot as data, at once, "
     "then on every change (at most 5 a second) and at least every 20 seconds. "
     "`include=operators` adds `event: operators` (the operator list, at most once a "
     "second), `include=staffing` adds `event: staffing` (at most every 5 seconds), "
     "`include=trends` adds `event: trends` (`{\"trends\": ..., \"hot_topics\": ...}` as "
     "their GETs give them, at most every 10 seconds), `include=at_risk` adds `event: at_risk` "
     "(as `GET .../at-risk` gives it, at most once a second); several may be given, "
     "comma-separated. Every stream also gets `event: tick` every 2 seconds.",
     media_type="text/event-stream",
     responses={400: ResponseSpec(ErrorBody, description="Unknown feed"), **AUTH_ERRORS})
async def get_stream(
    request: Request[Any, Any, Any], account_id: str,
    include: Annotated[str | None, Parameter(query="include", max_length=64,
                                             description="operators, staffing, trends, at_risk"
                                             )] = None,
) -> Stream:
    account = account_of(request, account_id, ("view",))
    extras = [] if not include else include.split(",")
    for feed in extras:
        if feed not in EXTRA_FEEDS:
            raise ApiError(400, "bad_feed", f"expected {' or '.join(EXTRA_FEEDS)}, got "
                           f"{feed!r}", "include")
    return Stream(service_of(request).stream(account, still_valid(request),
                                             [f for f in EXTRA_FEEDS if f in extras]),
                  media_type="text/event-stream",
                  headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@get("/api/v1/accounts/{account_id:str}/conversations/{conversation_id:str}/events",
     summary="Explain one conversation",
     description="The stored events of one conversation and the state and outcome the engine "
     "derived from them.", responses=AUTH_ERRORS)
async def get_conversation(request: Request[Any, Any, Any], account_id: str,
                           conversation_id: str) -> Explanation:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).ask(account, ConversationQuery(conversation_id))


read_routes = [get_snapshot, get_history, get_series, get_explain, get_stream,
               get_conversation]
