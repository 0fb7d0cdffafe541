"""The headers every response carries: what a browser may load, frame, sniff and keep.

One hook on every response (errors and unknown routes included), so that no route can forget:
pages may load only from this service and may not be framed; nothing is content-sniffed; and
nothing under ``/api/`` or ``/metrics`` (tokens, sessions, tenants' figures) is stored by a
browser or a proxy.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

__all__ = ["CONTENT_SECURITY_POLICY", "security_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_PRIVATE = ("/api/", "/metrics")


async def security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if str(scope.get("path", "")).startswith(_PRIVATE):
        headers["Cache-Control"] = "no-store"
