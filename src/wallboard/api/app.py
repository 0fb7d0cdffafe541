"""The Litestar application: its routes, their limits and errors, and the service's life."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..service import (
    JSON_BODY_BYTES,
    TELEGRAM_API,
    FutureDay,
    Limits,
    NotReady,
    Service,
    StorageUnavailable,
)
from ..service.desk import NotServedHere
from .alerts import alert_routes
from .auth import service_of, session_routes
from .campaigns import campaign_routes
from .chatwoot import chatwoot_routes, chatwoot_webhook
from .dashboard import ApiReference, dashboard_routes
from .errors import (
    ApiError,
    ErrorBody,
    handle_api_error,
    handle_future_day,
    handle_http_exception,
    handle_not_ready,
    handle_not_served,
    handle_storage_unavailable,
    handle_unexpected,
    storage_error,
)
from .headers import security_headers
from .ingest import post_events
from .metrics import Metrics
from .reads import read_routes
from .serving import ConnectionStats
from .staffing import staffing_routes
from .tokens import token_routes
from .trends import trend_routes

__all__ = ["app_over", "create_app", "create_ingest_app"]


class Health(msgspec.Struct):
    status: str


@get("/healthz", summary="Liveness", security=[])
async def healthz() -> Health:
    return Health("ok")


@get("/readyz", summary="Readiness: 503 until recovery is done, and while the storage "
     "cannot be written", security=[],
     responses={503: ResponseSpec(ErrorBody, description="Still recovering, or a storage "
                                  "fault (named in the message)")})
async def readyz(request: Request[Any, Any, Any]) -> Health:
    service = service_of(request)
    if service.storage_fault is not None:
        raise storage_error(service.storage_fault)
    if not service.ready:
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


def _lifespan(service: Any) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Start the service with the application, stop it after."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    return lifespan


def create_ingest_app(service: Any, connections: ConnectionStats | None = None) -> Litestar:
    """The ingest role's application: the same ingest route and platforms' webhooks, health
    and readiness, over a stand-in for ``Service`` (``cluster.ingest_role.StreamIngest``)
    with ``start``/``stop``."""

    return Litestar(
        route_handlers=[post_events, chatwoot_webhook, healthz, readyz],
        lifespan=[_lifespan(service)],
        state=State({"service": service, "metrics": Metrics(service, connections),
                     "metrics_token": None}),
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_exception,
                            StorageUnavailable: handle_storage_unavailable,
                            Exception: handle_unexpected},
        before_send=[security_headers], request_max_body_size=JSON_BODY_BYTES,
        openapi_config=None)


def create_app(data_dir: Path | str, limits: Limits | None = None, *,
               metrics_token: str | None = None, connections: ConnectionStats | None = None,
               backend: str = "sqlite", telegram_api: str = TELEGRAM_API) -> Litestar:
    """The application over the data directory. ``metrics_token`` opens the per-account
    metrics; ``connections`` are the connection guard's figures, for /metrics; ``backend``
    names the store (see ``wallboard.store.BACKENDS``); ``telegram_api`` is where alerts'
    Telegram messages go."""
    return app_over(Service(data_dir, limits, backend=backend, telegram_api=telegram_api),
                    metrics_token=metrics_token, connections=connections)


def app_over(service: Any, *, metrics_token: str | None = None,
             connections: ConnectionStats | None = None) -> Litestar:
    """The whole application over ``service``: ``Service``, or the cluster's api role's
    stand-in (``cluster.api_role.ClusterService``)."""

    return Litestar(
        route_handlers=[post_events, *read_routes, *staffing_routes, *trend_routes,
                        *campaign_routes, *alert_routes, *chatwoot_routes, *token_routes,
                        healthz, readyz, metrics, *session_routes, *dashboard_routes()],
        lifespan=[_lifespan(service)],
        state=State({"service": service, "metrics": Metrics(service, connections),
                     "metrics_token": metrics_token}),
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_exception,
                            FutureDay: handle_future_day, NotReady: handle_not_ready,
                            NotServedHere: handle_not_served, Exception: handle_unexpected,
                            StorageUnavailable: handle_storage_unavailable},
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
