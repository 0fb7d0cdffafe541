"""What every backend decides the same way: secrets and their hashes, when a session's expiry
moves, and when a resent event is a duplicate or a conflict."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ..events import Event
from .log_format import event_of
from .records import Result

__all__ = ["hash_secret", "matches", "new_code", "new_session_secret", "new_token",
           "session_expiry", "token_id_of", "verdict"]

_TOKEN_PREFIX = "wb"


def hash_secret(secret: str) -> bytes:
    """Only this is stored: a database that leaks gives no secret away."""
    return hashlib.sha256(secret.encode()).digest()


def matches(stored_hash: bytes, secret: str) -> bool:
    return hmac.compare_digest(stored_hash, hash_secret(secret))


def new_token() -> tuple[str, str]:
    """A token's id and its secret, ``wb_<id>_<random>``: the id finds the row at once."""
    token_id = secrets.token_hex(6)
    return token_id, f"{_TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"


def token_id_of(secret: str) -> str | None:
    parts = secret.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == _TOKEN_PREFIX else None


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return secrets.token_urlsafe(24)


def session_expiry(created_at: int, expires_at: int, now: int, idle_ms: int, max_ms: int
                   ) -> int | None:
    """A live session's new expiry to store, or None to keep the stored one: it moves to
    ``now + idle_ms`` (never past ``created_at + max_ms``), but is written at most once a
    minute (sooner when sessions expire within minutes), not on every request."""
    expires = min(now + idle_ms, created_at + max_ms)
    return expires if expires - expires_at >= min(60_000, idle_ms // 4) else None


def verdict(stored_body: bytes, body: bytes, ev: Event) -> Result:
    """A resent id: a duplicate when it means the same event, else a conflict. Bodies are
    compared as events when they differ, since an older format may spell the same one."""
    return "duplicate" if stored_body == body or event_of(stored_body) == ev else "conflict"
