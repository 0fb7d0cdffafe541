"""Chatwoot's webhook signature: ``X-Chatwoot-Signature: sha256=<hex>``, the HMAC-SHA256 of
``"<X-Chatwoot-Timestamp>.<raw body>"`` keyed with the webhook's secret (``lib/webhooks/
trigger.rb``). The timestamp is unix seconds; one further than ``MAX_SKEW_S`` from our clock
is refused, so that a captured delivery cannot be played again later."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["MAX_SKEW_S", "sign", "signature_matches", "stamp_problem"]

MAX_SKEW_S = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def stamp_problem(timestamp: str, now_ms: int) -> str | None:
    """Why the timestamp is refused, or None (checked before the body is read)."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return "expected unix seconds"
    skew = abs(int(timestamp) - now_ms / 1000)
    if skew > MAX_SKEW_S:
        return f"{skew:.0f} s from this server's clock (at most {MAX_SKEW_S} s)"
    return None


def signature_matches(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())
