"""What every shape of the service answers from the store alone: accounts, tokens, browser
sessions and settings. The single process and the cluster's api role share it."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..store import AccountConfig, Role, SessionInfo, Store, TokenInfo
from .advice import StaffingSettings
from .config import Limits
from .queries import Asking, staffing_settings

__all__ = ["SESSION_MAX_MS", "Desk", "NotServedHere"]

SESSION_MAX_MS = 30 * 24 * 3600 * 1000  # however often it is used, a session ends by then


class NotServedHere(Exception):
    """Asked of a process that does not do it (the cluster's api role has no alerts yet)."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what} is not served here; {where}")


# One thread writes what connectors remember, on a connection it keeps per service (only
# that thread touches them).
_CONNECTOR_WRITES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallboard-connectors")
_WRITERS: weakref.WeakKeyDictionary[Desk, Store] = weakref.WeakKeyDictionary()


def _write_states(desk: Desk, account_id: str, connector: str, states: Mapping[str, bytes],
                  now: int) -> None:
    store = _WRITERS.get(desk)
    if store is None:
        store = _WRITERS[desk] = desk.open_store()
    try:
        store.save_connector_states(account_id, connector, states, now)
    except Exception:  # a connection gone bad (the database restarted): a new one next time
        _WRITERS.pop(desk).close()
        raise


class Desk(Asking):
    _store: Store
    limits: Limits
    clock: Callable[[], int]

    def account(self, account_id: str) -> AccountConfig | None:
        """The account's settings, or None (from the store: its engine is not loaded here)."""
        return self._store.account(account_id)

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The live token of a bearer secret."""
        return self._store.authenticate(secret)

    def create_token(self, account_id: str, role: Role) -> tuple[TokenInfo, str]:
        """A new token of the account and its secret, shown this once."""
        return self._store.create_token(account_id, role, self.clock())

    def tokens(self, account_id: str) -> list[TokenInfo]:
        return self._store.tokens(account_id)

    def revoke_token(self, account_id: str, token_id: str) -> bool:
        """Revoke a live token of this account; False when it has none of that id."""
        if not any(t.id == token_id and t.revoked_at is None
                   for t in self._store.tokens(account_id)):
            return False
        return self._store.revoke_token(token_id, self.clock())

    def _idle_ms(self) -> int:
        return round(self.limits.session_hours * 3600 * 1000)

    def session(self, secret: str) -> SessionInfo | None:
        """The live session of a cookie's secret (its expiry pushed back), or None."""
        if not secret:
            return None
        return self._store.session(secret, self.clock(), self._idle_ms(), SESSION_MAX_MS)

    def sign_in(self, token: TokenInfo) -> tuple[str, SessionInfo]:
        """A new session acting as ``token``: its secret (for the cookie) and its record."""
        secret = self._store.open_session(token.account, token.role, token.id, self.clock(),
                                          self._idle_ms())
        session = self.session(secret)
        assert session is not None
        return secret, session

    def use_signin_code(self, code: str) -> TokenInfo | None:
        """The token of a one-time sign-in code, the first time; None ever after."""
        return self._store.use_signin_code(code, self.clock())

    def sign_out(self, secret: str) -> None:
        self._store.close_session(secret)

    def setting(self, account_id: str, name: str) -> bytes | None:
        return self._store.setting(account_id, name)

    def save_setting(self, account_id: str, name: str, value: bytes) -> None:
        self._store.save_setting(account_id, name, value)

    def connector_states(self, account_id: str, connector: str, keys: Sequence[str]
                         ) -> dict[str, bytes]:
        return self._store.connector_states(account_id, connector, keys)

    async def save_connector_states(self, account_id: str, connector: str,
                                    states: Mapping[str, bytes]) -> None:
        """Off the event loop (a webhook's write, often, and one that may wait for the event
        log's writer), on one thread keeping a connection of its own."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(_CONNECTOR_WRITES, _write_states, self, account_id,
                                   connector, states, self.clock())

    def open_store(self) -> Store:
        """A connection of its own, for a thread."""
        raise NotImplementedError

    def staffing_settings(self, account_id: str) -> StaffingSettings:
        return staffing_settings(self._store, account_id)
