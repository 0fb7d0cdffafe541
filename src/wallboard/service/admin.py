"""What the command line and the demo do to a data directory, with or without a running
service: accounts, tokens, sign-in links, and the history it has saved."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from ..engine.calendar import Calendar
from ..figures import Report, Series
from ..history import day_snapshots, read_series
from ..store import AccountConfig, Role, TokenInfo, UnknownAccount, open_store

__all__ = ["Admin"]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class Admin:
    """One connection to a data directory's store; ``close`` it when done."""

    def __init__(self, data_dir: Path | str, backend: str = "sqlite") -> None:
        self._store = open_store(data_dir, backend)

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Admin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create_account(self, config: AccountConfig) -> None:
        """Raises ``AccountExists``."""
        self._store.create_account(config, _now_ms())

    def accounts(self) -> list[AccountConfig]:
        return self._store.accounts()

    def account(self, account_id: str) -> AccountConfig | None:
        return self._store.account(account_id)

    def create_token(self, account_id: str, role: Role) -> tuple[TokenInfo, str]:
        """A new token and its secret, shown this once. Raises ``UnknownAccount``."""
        return self._store.create_token(account_id, role, _now_ms())

    def revoke_token(self, token_id: str) -> bool:
        return self._store.revoke_token(token_id, _now_ms())

    def tokens(self, account_id: str) -> list[TokenInfo]:
        return self._store.tokens(account_id)

    def create_signin_code(self, account_id: str, role: Role, ttl_ms: int
                           ) -> tuple[str, TokenInfo]:
        """A one-time sign-in code (one use within ``ttl_ms``) and the token made for it."""
        return self._store.create_signin_code(account_id, role, _now_ms(), ttl_ms)

    def saved_days(self, account_id: str, first: date, last: date) -> list[bytes]:
        """The snapshots of counters saved for each local day (today's as of the service's
        last checkpoint)."""
        return day_snapshots(account_id, first, last, self._store, None, _now_ms())

    def saved_series(self, account_id: str, first: date, last: date, report: Report,
                     row: str | None) -> list[Series]:
        """One row's saved series for each day that has one."""
        config = self._store.account(account_id)
        if config is None:
            raise UnknownAccount(account_id)
        calendar = Calendar(config.timezone)
        return [s for day in range(first.toordinal(), last.toordinal() + 1)
                if (s := read_series(account_id, calendar, config.sl_threshold_s, day, report,
                                     row, self._store, None, _now_ms())) is not None]
