"""Who is asking: a bearer token (programs) or a session cookie (the dashboard in a browser).

A browser signs in by posting a view or admin token, or the code of a one-time sign-in link,
to ``/api/v1/session``; it gets an HttpOnly, SameSite=Strict cookie holding a random session
secret (only its hash is stored). The token itself is never kept by the browser, and a link's
code travels in the address's fragment, which never reaches the server or its logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers import BaseRouteHandler
from litestar.openapi import ResponseSpec

from ..service import SESSION_MAX_MS, Role, Service, SessionInfo, TokenInfo
from .errors import ApiError, ErrorBody
from .params import BODY_ERRORS, reject_deep_json

__all__ = ["COOKIE", "account_of", "admin_only", "authenticate", "service_of", "session_of",
           "session_routes", "still_valid"]

COOKIE = "wallboard_session"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def service_of(request: Request[Any, Any, Any]) -> Service:
    service: Service = request.app.state.service
    return service


def session_of(request: Request[Any, Any, Any]) -> SessionInfo | None:
    """The live session of the request's cookie, or None."""
    return service_of(request).session(request.cookies.get(COOKIE, ""))


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    """The bearer secret of the Authorization header; None without one, 401 if malformed."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", "a bearer token is required", "Authorization",
                       {"WWW-Authenticate": "Bearer"})
    return secret.strip()


def _same_origin(request: Request[Any, Any, Any]) -> bool:
    """No Origin (not a browser), or the page's host is the one asked: compared by host, as
    behind a proxy that ends TLS the scheme seen here is http while the page's is https."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _https(request: Request[Any, Any, Any]) -> bool:
    # A proxy's X-Forwarded-Proto may be unchecked here, but it can only make the cookie
    # stricter (Secure), never looser.
    return (request.url.scheme == "https"
            or request.headers.get("x-forwarded-proto", "").lower() == "https")


def authenticate(request: Request[Any, Any, Any], roles: tuple[Role, ...]) -> TokenInfo:
    """The bearer token, or the session, behind the request, allowed one of ``roles``."""
    service = service_of(request)
    if not service.ready:
        raise ApiError(503, "not_ready", "recovering the event log; retry shortly", None,
                       {"Retry-After": "1"})
    bearer = _bearer(request)
    token: TokenInfo | None
    if bearer is not None:
        token = service.authenticate(bearer)
        if token is None:
            raise ApiError(401, "unauthorized", "the token is unknown or revoked",
                           "Authorization", {"WWW-Authenticate": "Bearer"})
    else:
        session = session_of(request)
        if session is None:
            raise ApiError(401, "unauthorized", "a bearer token or a signed-in session is "
                           "required", "Authorization", {"WWW-Authenticate": "Bearer"})
        if request.method in _UNSAFE and not _same_origin(request):
            raise ApiError(403, "forbidden", "a session cannot be used from another origin",
                           "Origin")
        token = TokenInfo(session.token_id, session.account, session.role, session.created_at)
    if token.role not in roles and token.role != "admin":
        raise ApiError(403, "forbidden", f"a {token.role} token cannot do this")
    return token


def still_valid(request: Request[Any, Any, Any]) -> Callable[[], bool]:
    """A check that the request's token or session is still live (for long streams)."""
    service = service_of(request)
    bearer = _bearer(request)
    if bearer is not None:
        return lambda: service.authenticate(bearer) is not None
    cookie = request.cookies.get(COOKIE, "")
    return lambda: service.session(cookie) is not None


def account_of(request: Request[Any, Any, Any], account_id: str, roles: tuple[Role, ...]
               ) -> str:
    """The account a route names, once the token or session behind the request may act on it
    with one of ``roles``."""
    token = authenticate(request, roles)
    if token.account != account_id:
        raise ApiError(403, "forbidden", "the token belongs to another account", "account_id")
    if service_of(request).account(account_id) is None:  # deleted under its token
        raise ApiError(404, "not_found", "no such account", "account_id")
    return account_id


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
                     ) -> None:
    """A guard for the admin routes that take a body: it runs before the body is read.

    A coroutine, so that it runs on the event loop: Litestar runs a plain function guard in a
    worker thread, where it would use the loop's store connection at the same time as the loop
    (seen as a DELETE hanging 30 s while a webhook's delivery was being saved)."""
    account_of(cast(Request[Any, Any, Any], connection), connection.path_params["account_id"],
               ("admin",))


# -- the session routes ---------------------------------------------------------------------

class SignIn(msgspec.Struct, forbid_unknown_fields=True):
    """Either a view or admin token, or the code of a one-time sign-in link."""

    token: str | None = None
    code: str | None = None


class SessionReply(msgspec.Struct):
    account: str
    role: Role
    account_name: str | None
    timezone: str
    sl_threshold_s: float
    expires_at: int  # epoch ms; pushed back each time the session is used


def _reply(service: Service, session: SessionInfo) -> SessionReply:
    config = service.account(session.account)
    if config is None:
        raise ApiError(404, "not_found", "no such account", "account")
    return SessionReply(session.account, session.role, config.name, config.timezone,
                        config.sl_threshold_s, session.expires_at)


@post("/api/v1/session", status_code=201, security=[], summary="Sign in (dashboard)",
      description="Post a view or admin token, or a one-time sign-in link's code, to get a "
      "session cookie (HttpOnly, SameSite=Strict). Ingest tokens cannot sign in. A code works "
      "once, within 10 minutes of its creation.",
      responses={400: ResponseSpec(ErrorBody, description="Neither or both given"),
                 401: ResponseSpec(ErrorBody, description="Unknown, revoked or used"),
                 403: ResponseSpec(ErrorBody,
                                   description="An ingest token, or from another site"),
                 **BODY_ERRORS},
      before_request=reject_deep_json)
async def sign_in(request: Request[Any, Any, Any], data: SignIn) -> Response[SessionReply]:
    service = service_of(request)
    if not _same_origin(request):  # another site signing this browser in to its account
        raise ApiError(403, "forbidden", "sign in from this site's own page", "Origin")
    if (data.token is None) == (data.code is None):
        raise ApiError(400, "bad_request", "give a token or a code", "token")
    token: TokenInfo | None
    if data.token is not None:
        token = service.authenticate(data.token.strip())
        if token is None:
            raise ApiError(401, "unauthorized", "the token is unknown or revoked", "token")
        if token.role == "ingest":
            raise ApiError(403, "forbidden", "an ingest token cannot sign in", "token")
    else:
        token = service.use_signin_code(data.code or "")
        if token is None:
            raise ApiError(401, "unauthorized", "the sign-in link was already used or has "
                           "expired", "code")
    secret, session = service.sign_in(token)
    cookie = Cookie(key=COOKIE, value=secret, path="/", httponly=True, samesite="strict",
                    secure=_https(request), max_age=SESSION_MAX_MS // 1000)
    return Response(_reply(service, session), status_code=201, cookies=[cookie])


@get("/api/v1/session", security=[], summary="The signed-in session",
     responses={401: ResponseSpec(ErrorBody, description="Not signed in")})
async def get_session(request: Request[Any, Any, Any]) -> SessionReply:
    service = service_of(request)
    if not service.ready:
        raise ApiError(503, "not_ready", "recovering the event log; retry shortly", None,
                       {"Retry-After": "1"})
    session = session_of(request)
    if session is None:
        raise ApiError(401, "unauthorized", "not signed in, or the session expired", "cookie")
    return _reply(service, session)


@delete("/api/v1/session", status_code=204, security=[], summary="Sign out",
        response_cookies=[Cookie(key=COOKIE, value="", path="/", max_age=0, httponly=True,
                                 samesite="strict")])
async def sign_out(request: Request[Any, Any, Any]) -> None:
    secret = request.cookies.get(COOKIE)
    if secret:
        service_of(request).sign_out(secret)


session_routes = [sign_in, get_session, sign_out]
