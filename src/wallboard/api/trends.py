"""The routes about now: surges and drops of arrivals in every row against normal, the topics
rising above their usual share, and what is about to go wrong."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from ..service import (
    DEFAULT_SILENT_AFTER_S,
    MAX_SILENT_AFTER_S,
    AtRisk,
    AtRiskQuery,
    HotTopics,
    HotTopicsQuery,
    Trends,
    TrendsQuery,
)
from .auth import account_of, service_of
from .errors import ErrorBody
from .params import AUTH_ERRORS

__all__ = ["trend_routes"]


@get("/api/v1/accounts/{account_id:str}/trends", summary="Now against normal",
     description="For every row: its arrivals over the last 30 minutes against the same time "
     "of day on the same weekday of the four weeks before (the weeks kept), and `status` "
     "`surge` or `drop` when so many or so few would be very unlikely on an ordinary day "
     "(`p`), with the quarter hour it started from (`since`), the conversations above or "
     "below normal since then (`extra`) and the ratio; `not_enough_history` without two "
     "weeks to go on (docs/normal.md).",
     responses={200: ResponseSpec(Trends, description="Trends"), **AUTH_ERRORS})
async def get_trends(request: Request[Any, Any, Any], account_id: str) -> Trends:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).ask(account, TrendsQuery())


@get("/api/v1/accounts/{account_id:str}/topics/hot", summary="Hot topics now",
     description="For the total, every channel and every group: each topic's conversations "
     "over the last "
     "hour, its share of the row's conversations with a topic, its usual share at this time "
     "of day (the same local hours of the same weekday of the four weeks before), and "
     "`status`: `rising` (at least 1.5 times usual and very unlikely by chance), `new` (the "
     "weeks never had it) or `usual`; null without two weeks that had topics in the row at "
     "those hours (docs/normal.md).",
     responses={200: ResponseSpec(HotTopics, description="Hot topics"), **AUTH_ERRORS})
async def get_hot_topics(request: Request[Any, Any, Any], account_id: str) -> HotTopics:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).ask(account, HotTopicsQuery())


@get("/api/v1/accounts/{account_id:str}/at-risk", summary="At risk now",
     description="For every row: the conversations waiting longer than its service-level "
     "threshold now, those in work whose operator has not written since taking them for "
     f"longer than `silent_after_s` (default {DEFAULT_SILENT_AFTER_S}: a missed conversation "
     "in the making), and the available operators with every chat slot taken.",
     responses={200: ResponseSpec(AtRisk, description="At risk"),
                400: ResponseSpec(ErrorBody, description="A bad silent_after_s"),
                **AUTH_ERRORS})
async def get_at_risk(
    request: Request[Any, Any, Any], account_id: str,
    silent_after_s: Annotated[float, Parameter(
        query="silent_after_s", gt=0, le=MAX_SILENT_AFTER_S,
        description="seconds in work without an operator message")] = DEFAULT_SILENT_AFTER_S,
) -> AtRisk:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).ask(account, AtRiskQuery(silent_after_s))


trend_routes = [get_trends, get_hot_topics, get_at_risk]
