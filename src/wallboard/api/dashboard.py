"""What the dashboard needs beyond the figures: its pages, thresholds and compact day charts.

The dashboard itself is built by ``make`` from ``frontend/`` into ``wallboard/web/static``;
``/`` and ``/signin`` serve its page, ``/static`` its assets.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, put
from litestar.openapi import ResponseSpec
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import Parameter
from litestar.response import Redirect

from ..service import (
    THRESHOLDS_SETTING,
    DayCharts,
    DayChartsQuery,
    Thresholds,
    check_thresholds,
    load_thresholds,
)
from .auth import account_of, admin_only, service_of, session_of
from .errors import ApiError, ErrorBody
from .params import AUTH_ERRORS, BODY_ERRORS, DATE_PATTERN, parse_date, reject_deep_json

__all__ = ["STATIC", "ApiReference", "Thresholds", "dashboard_routes"]

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

_NOT_BUILT = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Wallboard</title></head><body>
<h1>Wallboard</h1><p>The service runs, but the dashboard is not built: run <code>make</code>
(or <code>make demo</code>) in the source tree. The API is at <a href="/schema">/schema</a>.</p>
</body></html>"""


def _page() -> Response[bytes]:
    index = STATIC / "index.html"
    body = index.read_bytes() if index.is_file() else _NOT_BUILT
    # The page is small and changes with each build: never cached, unlike the hashed assets.
    return Response(body, media_type="text/html", headers={"Cache-Control": "no-store"})


class ApiReference(OpenAPIRenderPlugin):
    """``/schema``: the API reference page of the build, which renders the service's own
    OpenAPI document (the viewers Litestar offers load from a CDN)."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = STATIC / "apidocs.html"
        return page.read_bytes() if page.is_file() else _NOT_BUILT


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Response[bytes] | Redirect:
    if session_of(request) is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/signin?next={quote(here, safe='')}", status_code=303)
    return _page()


@get("/signin", include_in_schema=False)
async def signin_page() -> Response[bytes]:
    return _page()


# -- thresholds ------------------------------------------------------------------------------

@get("/api/v1/accounts/{account_id:str}/thresholds", summary="Dashboard thresholds",
     description="When the dashboard colours a figure amber or red (view or admin role): the "
     "account's, and in `rows` a channel's or group's own, figure by figure (null: the "
     "account's). `unserved_percent` and `abandoned_percent` are shares of the conversations "
     "closed today, off until set.",
     responses={200: ResponseSpec(Thresholds, description="The thresholds"), **AUTH_ERRORS})
async def get_thresholds(request: Request[Any, Any, Any], account_id: str) -> Thresholds:
    account = account_of(request, account_id, ("view",))
    return load_thresholds(service_of(request).setting(account, THRESHOLDS_SETTING))


@put("/api/v1/accounts/{account_id:str}/thresholds", summary="Change the thresholds (admin)",
     responses={400: ResponseSpec(ErrorBody, description="Inconsistent thresholds"),
                **AUTH_ERRORS, **BODY_ERRORS}, guards=[admin_only],
     before_request=reject_deep_json)
async def put_thresholds(request: Request[Any, Any, Any], account_id: str, data: Thresholds
                         ) -> Thresholds:
    account = account_of(request, account_id, ("admin",))
    problem = check_thresholds(data)
    if problem is not None:
        raise ApiError(400, problem.code, problem.message, problem.field)
    await service_of(request).save_thresholds(account, data)
    return data


# -- compact day charts ----------------------------------------------------------------------

@get("/api/v1/accounts/{account_id:str}/series/rows", summary="Every row's day, compact",
     description="For the dashboard's charts: arrivals, the peak in queue and the average "
     "wait of every report row for one local day (default today), one number per 15-minute "
     "bucket.", responses={200: ResponseSpec(DayCharts, description="The rows"),
                           400: ResponseSpec(ErrorBody, description="Bad date"),
                           **AUTH_ERRORS})
async def get_day_charts(
    request: Request[Any, Any, Any], account_id: str,
    day: Annotated[str | None, Parameter(query="date", description="YYYY-MM-DD",
                                         pattern=DATE_PATTERN)] = None,
) -> DayCharts:
    account = account_of(request, account_id, ("view",))
    if day is not None:
        day = parse_date(day, "date").isoformat()
    return await service_of(request).ask(account, DayChartsQuery(day))


# -- the built assets -------------------------------------------------------------------------

_ROOT = STATIC.resolve()


@get("/static/{path:path}", include_in_schema=False)
async def static_file(path: str) -> Response[bytes]:
    """A file of the build. Assets carry a hash of their content in their name: cached for
    good. Anything else, a file outside the build included, is a plain 404 that says nothing
    of where the build lives."""
    parts = path.strip("/").split("/")
    found = None
    if "\x00" not in path and "\\" not in path and all(p not in ("", ".", "..") for p in parts):
        candidate = (_ROOT / "/".join(parts)).resolve()
        if candidate.is_relative_to(_ROOT) and candidate.is_file():
            found = candidate
    if found is None:
        raise ApiError(404, "not_found", "no such file", "path")
    media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    cache = "public, max-age=31536000, immutable" if parts[0] == "assets" else "no-cache"
    return Response(found.read_bytes(), media_type=media, headers={"Cache-Control": cache})


def dashboard_routes() -> list[Any]:
    return [home, signin_page, get_thresholds, put_thresholds, get_day_charts, static_file]
