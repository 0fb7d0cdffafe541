"""The PostgreSQL backend: the same store on a PostgreSQL database (psycopg 3), for Wallboard
beyond one machine (docs/scale-out.md). ``place`` is the database's connection string.

The schema is kept as numbered migrations beside this module (``migrations/NNNN_*.sql``); the
first store opened on a database applies those it lacks, under an advisory lock so that
several processes starting at once apply each once. Each store is one connection taken from a
pool per connection string (returned on ``close``), in autocommit mode: ``transaction()`` is
the one explicit transaction, as with SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from importlib import resources
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from .sql import Cursor, EventRow, SqlStore

__all__ = ["PostgresStore", "close_pools", "migrate"]

_POOLS: dict[str, ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()
_MIGRATIONS_LOCK = 0x57A11B0A  # the advisory lock held while migrating (any constant)
POOL_SIZE = 16  # connections a process keeps to one database at most


def _migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every migration kept in the project, in order."""
    found = []
    for item in resources.files(__package__).joinpath("migrations").iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text()))
    return sorted(found)


def migrate(connection: psycopg.Connection[Any]) -> list[int]:
    """Apply the migrations the database lacks; the versions applied now."""
    applied: list[int] = []
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATIONS_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL"
                           " DEFAULT now())")
        done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
        for version, sql in _migrations():
            if version in done:
                continue
            for statement in _statements(sql):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_migrations (version) VALUES (%s)",
                               (version,))
            applied.append(version)
    return applied


def _statements(sql: str) -> list[str]:
    """A migration's statements (they hold no semicolons of their own)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def _pool(dsn: str) -> ConnectionPool:
    with _POOLS_LOCK:
        pool = _POOLS.get(dsn)
        if pool is None:
            pool = ConnectionPool(dsn, min_size=1, max_size=POOL_SIZE, open=True,
                                  kwargs={"autocommit": True}, name="wallboard",
                                  check=ConnectionPool.check_connection)
            with pool.connection() as connection:
                migrate(connection)
            _POOLS[dsn] = pool
        return pool


def close_pools(dsn: str | None = None) -> None:
    """Close the pool of ``dsn``, or every pool (a process ending, a database going away)."""
    with _POOLS_LOCK:
        for key in [k for k in _POOLS if dsn is None or k == dsn]:
            _POOLS.pop(key).close()


class PostgresStore(SqlStore):
    """One pooled connection to the database at ``place`` (a ``protocols.Store``)."""

    _marks = "%s"
    _duplicate = psycopg.errors.UniqueViolation

    def __init__(self, place: str) -> None:
        self._pool = _pool(str(place))
        self._db = self._pool.getconn()
        self._in_transaction = False

    def close(self) -> None:
        if self._db is not None:
            self._pool.putconn(self._db)
            self._db = None

    def _fresh(self) -> None:
        """The connection broke (the server restarted, the network dropped): another from
        the pool, which checks it before handing it out."""
        self._pool.putconn(self._db)
        self._db = self._pool.getconn()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if self._in_transaction:
            return super()._run(sql, params)  # a broken transaction fails whole
        try:
            return super()._run(sql, params)
        except psycopg.OperationalError:
            if not self._db.broken:
                raise
            self._fresh()
            return super()._run(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: everything inside commits together or not at all. A connection
        found broken as it begins is replaced once; one that breaks later fails the whole."""
        with ExitStack() as stack:
            try:
                stack.enter_context(self._db.transaction())  # BEGIN
            except psycopg.OperationalError:
                if not self._db.broken:
                    raise
                self._fresh()
                stack.enter_context(self._db.transaction())
            self._in_transaction = True
            try:
                yield
            finally:
                self._in_transaction = False

    def _insert_events(self, rows: list[EventRow]) -> int:
        cursor = self._db.cursor()
        cursor.executemany(
            "INSERT INTO events (account, id, conversation, body, received_at)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING seq", rows, returning=True)
        last = 0
        while True:  # a result per row, in the rows' order
            last = max(last, int(cursor.fetchone()[0]))
            if not cursor.nextset():
                return last

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        yield from self._db.cursor().stream(self._sql(sql), params)
