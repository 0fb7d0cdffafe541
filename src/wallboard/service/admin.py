"""What the command line and the demo do to a data directory, with or without a running
service: accounts, tokens, sign-in links, and the history it has saved."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from ..engine import Account, build, encode
from ..engine.calendar import Calendar, ordinal_iso
from ..events import EventError, decode_ndjson_chunks
from ..figures import Report, Series
from ..history import changed_row_days, day_snapshots, read_series
from ..store import AccountConfig, Role, SavedDay, TokenInfo, UnknownAccount, open_store

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

    def fill_history(self, account_id: str, days: Iterable[list[dict[str, Any]]]) -> int:
        """Keep past days as the service would have kept them (each day's snapshot of counters
        and its intraday series, topics by hour included) from their events, one local day a
        list in time order: for a new account's earlier weeks (the demo's, or an import). The
        events are not logged: they are history, not live state. Returns how many events
        were taken. Raises ``UnknownAccount``."""
        config = self._store.account(account_id)
        if config is None:
            raise UnknownAccount(account_id)
        engine = Account(config.id, config.timezone, config.sl_threshold_s,
                         config.default_max_chats)
        written: dict[tuple[int, str], int] = {}
        taken = 0
        for events in days:
            if not events:
                continue
            day = engine.calendar.day_of(events[0]["at"])
            end = engine.calendar.day_start(day + 1) - 1
            lines = [msgspec.json.encode(e) for e in events]
            for chunk in decode_ndjson_chunks(lines, end):
                for _, item in chunk:
                    if not isinstance(item, EventError) and item[0] == account_id:
                        taken += engine.apply(item[1], end) == "accepted"
            snapshot = encode(build(engine, end, day, gauges=False))
            with self._store.transaction():
                self._store.save_days(account_id, [SavedDay(ordinal_iso(day), snapshot)],
                                      _now_ms())
                self._store.save_series(account_id, changed_row_days(engine, end, written),
                                        _now_ms())
        return taken

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
