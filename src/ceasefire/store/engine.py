"""Engines for the store: URL handling, SQLite settings, and write transactions.

SQLite connections are set up for many readers and one writer that may die at any moment:

- ``PRAGMA journal_mode=WAL``: readers never block the writer nor see a half-written batch; a
  process killed mid-transaction leaves only uncommitted WAL frames, which are ignored.
- ``PRAGMA synchronous=NORMAL``: in WAL mode a killed *process* loses nothing it committed; a
  power cut may lose the last commits but never corrupts the database.
- ``PRAGMA foreign_keys=ON`` and a busy timeout (30 s by default) so a second writer waits.
- The driver's own transaction handling is switched off and the store emits ``BEGIN`` itself
  (``BEGIN IMMEDIATE`` for :func:`write_transaction`), so DDL runs inside transactions too and a
  writer takes its lock before reading, never failing half-way on a lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from ceasefire.errors import StoreBusyError, StoreError

__all__ = ["WRITE_LOCK_KEY", "create_store_engine", "store_url", "write_transaction"]

#: The PostgreSQL advisory lock every write transaction takes first (see
#: :func:`write_transaction`): one number for the store, any other application's is unlikely.
WRITE_LOCK_KEY: Final = 0x6365_6173_6566

#: Execution option that makes the SQLite ``BEGIN`` an immediate (write-locking) one.
_WRITE_OPTION: Final = "ceasefire_write"


def store_url(path_or_url: str | Path) -> URL:
    """The SQLAlchemy URL for a store location: a URL as given, a plain path as SQLite.

    >>> store_url("events.db").render_as_string()
    'sqlite:///events.db'
    >>> store_url(":memory:").render_as_string()
    'sqlite://'
    >>> store_url("postgresql+psycopg://u@db/ceasefire").drivername
    'postgresql+psycopg'
    """
    if isinstance(path_or_url, Path):
        return URL.create("sqlite", database=str(path_or_url))
    if path_or_url == ":memory:":
        return URL.create("sqlite")
    if "://" in path_or_url:
        try:
            return make_url(path_or_url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {path_or_url!r} ({exc})") from exc
    return URL.create("sqlite", database=path_or_url)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def create_store_engine(path_or_url: str | Path, *, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for ``path_or_url``; SQLite ones get the settings described in this module."""
    url = store_url(path_or_url)
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite" and _is_memory(url):
        # one shared connection, or every connection would see its own empty database
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif url.get_backend_name() == "postgresql":
        # a writer waits this long for the write lock (and any row lock) before giving up
        ms = int(busy_timeout_s * 1000)
        # no JIT: it compiles for 15-50 ms whenever a plan looks costly, which a page that
        # scans many rows for a second-long answer may repay but a map or a count never does
        options = f"-c lock_timeout={ms} -c jit=off"
        kwargs = {"connect_args": {"options": options}, "pool_pre_ping": True}
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StoreError(f"no database driver for {url.drivername!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_ms=int(busy_timeout_s * 1000))
    return engine


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = bool(conn.get_execution_options().get(_WRITE_OPTION, False))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction: committed when the block ends, rolled back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it waits (busy timeout) for the
    write lock first, so it never fails half-way because another writer got in between. On
    PostgreSQL it takes the store's write lock first (a transaction-level advisory lock, released
    at commit or rollback): writers take turns as on SQLite, so a check-then-write (a version,
    a name, a content hash) never races another writer, while readers never wait. A lock not
    released within the busy timeout raises :class:`StoreBusyError` (nothing was written).
    """
    try:
        with engine.connect() as conn:
            conn.execution_options(**{_WRITE_OPTION: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY}
                    )
                yield conn
    except OperationalError as exc:
        message = str(exc.orig).lower()
        if "locked" in message or "busy" in message or "lock timeout" in message:
            raise StoreBusyError(
                f"the store is locked by another writer and stayed locked: {exc.orig}"
            ) from exc
        raise
