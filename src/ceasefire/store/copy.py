"""A store's database as a whole: its schema status, its upgrade, and a copy of everything in it
to another database (an SQLite file to the team's PostgreSQL server, or back) that proves
nothing was lost.

:func:`copy_store` copies every table of :data:`ceasefire.store.schema.metadata` (events and
their versions, verdicts, reviews, users, tokens, sessions, audit, reports, patrols, articles,
claims...) in foreign-key order, streaming :data:`COPY_BATCH_ROWS` rows at a time (memory stays
bounded whatever the store's size), one transaction per table, primary keys as they are. Then it
**verifies**: per table the row count and a content hash (:func:`table_digest`: rows in primary
key order, each value as text the same way on every database) on both sides.

Both databases must be at the schema version this code knows (:data:`LATEST`: ``ceasefire db
upgrade`` first), and the target must hold no rows. A copy that stops half-way (a crash, a
lost connection, a value the target refuses) leaves the tables it finished in the target, which
is then not empty and is refused: drop and recreate the target database, upgrade it, and copy
again. Writes to the source while it is copied are not copied: the source is read in one
snapshot (one read transaction), so stop the writers first.

>>> from pathlib import Path
>>> from tempfile import mkdtemp
>>> from ceasefire.store import open_store
>>> folder = Path(mkdtemp())
>>> with open_store(folder / "a.db") as a:
...     a.put_agreement("demo", "id: demo", source="doctest")
>>> store_status(folder / "b.db").version
0
>>> [m.version for m in upgrade_store(folder / "b.db").applied][-1] == LATEST
True
>>> report = copy_store(folder / "a.db", folder / "b.db")
>>> report.ok, [(c.table, c.rows_target) for c in report.tables if c.rows_target]
(True, [('agreements', 1)])
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from ceasefire.errors import StoreError
from ceasefire.store.engine import create_store_engine, store_url, write_transaction
from ceasefire.store.migrations import LATEST, MIGRATIONS, Migration, current_version, migrate
from ceasefire.store.schema import metadata, schema_migrations, store_state, time_text

__all__ = [
    "COPIED_TABLES",
    "COPY_BATCH_ROWS",
    "CopyProgress",
    "CopyReport",
    "StoreStatus",
    "TableCheck",
    "Upgrade",
    "compare_stores",
    "copy_store",
    "shown_url",
    "store_status",
    "table_digest",
    "upgrade_store",
    "value_text",
]

#: Rows read and inserted at a time: what a copy holds in memory, whatever the store's size.
COPY_BATCH_ROWS: Final = 5000

#: The tables a copy moves, parents before children (``schema_migrations`` is not copied: the
#: target records its own upgrade, and both must be at the same version; nor is
#: ``store_state``, counters of this database's own writes that its upgrade started).
COPIED_TABLES: Final[tuple[Table, ...]] = tuple(
    t for t in metadata.sorted_tables if t is not schema_migrations and t is not store_state
)

#: ``progress(table, rows copied so far, rows in the table)``, called as a table starts and
#: after each batch.
CopyProgress = Callable[[str, int, int], None]


# ------------------------------------------------------------------------------------ status


def shown_url(path_or_url: str | Path) -> str:
    """A store's location as it may be printed: the URL with its password hidden.

    >>> shown_url("postgresql+psycopg://monitor:s3cret@db/ceasefire")
    'postgresql+psycopg://monitor:***@db/ceasefire'
    >>> shown_url("events.db")
    'sqlite:///events.db'
    """
    return store_url(path_or_url).render_as_string(hide_password=True)


def _missing_file(url: URL) -> bool:
    """An SQLite file that is not there (connecting would create it)."""
    return (
        url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(str(url.database)).exists()
    )


@contextmanager
def _database(path_or_url: str | Path) -> Iterator[Engine]:
    """An engine for ``path_or_url``, disposed at the end."""
    engine = create_store_engine(path_or_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _named(what: str) -> Iterator[None]:
    """A database error (no server, no such database, a refused login) as :class:`StoreError`
    that starts with ``what``: the store, or the step."""
    try:
        yield
    except SQLAlchemyError as exc:
        why = getattr(exc, "orig", None) or exc
        raise StoreError(f"{what}: {str(why).strip()}") from exc


@dataclass(frozen=True)
class StoreStatus:
    """Where a database stands: its schema version, the steps pending, the rows per table."""

    url: str
    #: False for an SQLite file that is not there (nothing was created).
    exists: bool
    version: int
    latest: int
    pending: tuple[Migration, ...]
    #: Rows in each of the store's tables that the database has, in foreign-key order.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def newer(self) -> bool:
        """The database is at a version this code does not know (it refuses to open it)."""
        return self.version > self.latest


def store_status(path_or_url: str | Path) -> StoreStatus:
    """The schema version of a database and its tables' row counts, changing nothing: no
    migration runs, no table is made, and an SQLite file that is not there is not created."""
    url = store_url(path_or_url)
    if _missing_file(url):
        return StoreStatus(shown_url(path_or_url), False, 0, LATEST, MIGRATIONS)
    with _named(shown_url(path_or_url)), _database(path_or_url) as engine, engine.connect() as conn:
        version = current_version(conn)
        names = set(inspect(conn).get_table_names())
        counts = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
            if t.name in names
        }
    pending = tuple(m for m in MIGRATIONS if m.version > version)
    return StoreStatus(shown_url(path_or_url), True, version, LATEST, pending, counts)


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade_store` did: the version before and after, the steps applied."""

    url: str
    before: int
    after: int
    applied: tuple[Migration, ...]


def upgrade_store(path_or_url: str | Path) -> Upgrade:
    """Apply the pending migrations (:func:`ceasefire.store.migrate`), each in its own
    transaction; a database newer than this code is refused (:class:`StoreError`). An SQLite
    file that is not there is created."""
    with _named(shown_url(path_or_url)), _database(path_or_url) as engine:
        with engine.connect() as conn:
            before = current_version(conn)
        done = set(migrate(engine))
    applied = tuple(m for m in MIGRATIONS if m.version in done)
    return Upgrade(shown_url(path_or_url), before, max(before, LATEST), applied)


# -------------------------------------------------------------------------------------- copy


@dataclass(frozen=True)
class TableCheck:
    """One table's rows and content hash in the source and in the target."""

    table: str
    rows_source: int
    rows_target: int
    hash_source: str
    hash_target: str

    @property
    def hash_equal(self) -> bool:
        return self.hash_source == self.hash_target

    @property
    def equal(self) -> bool:
        """The same rows on both sides: equal counts and equal content hashes."""
        return self.rows_source == self.rows_target and self.hash_equal


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_store` copied and what its verification found, table by table."""

    source: str
    target: str
    schema_version: int
    tables: tuple[TableCheck, ...]

    @property
    def ok(self) -> bool:
        """Every table's count and content hash are equal on both sides."""
        return all(c.equal for c in self.tables)

    @property
    def differing(self) -> list[str]:
        """The tables whose count or content hash differ."""
        return [c.table for c in self.tables if not c.equal]

    @property
    def rows(self) -> int:
        """Rows in the target's copied tables."""
        return sum(c.rows_target for c in self.tables)


def copy_store(
    source: str | Path, target: str | Path, *, progress: CopyProgress | None = None
) -> CopyReport:
    """Copy every table of the store at ``source`` into the empty store at ``target`` (both at
    schema version :data:`LATEST`), then verify both hold the same rows (see the module's
    docstring for what a failure leaves behind). :class:`StoreError` when a store is not
    there, not at that version, the target holds rows, or the target refuses a value (the
    table is named); a copy that completes but differs says so in :attr:`CopyReport.ok`."""
    if shown_url(source) == shown_url(target):
        raise StoreError(f"the source and the target are the same database: {shown_url(source)}")
    _must_exist(source, "the source: check the path")
    _must_exist(target, "the target: create it with `ceasefire db upgrade --db PATH`")
    with _database(source) as src_engine, _database(target) as dst_engine, ExitStack() as stack:
        with _named(f"the source {shown_url(source)}"):
            src = stack.enter_context(_snapshot(src_engine))
            _check_version(src, "source", source)
        with _named(f"the target {shown_url(target)}"), dst_engine.connect() as dst:
            _check_version(dst, "target", target)
            _check_empty(dst, target)
        for table in COPIED_TABLES:
            _copy_table(src, dst_engine, table, progress)
        with _named("verifying the copy"), dst_engine.connect() as dst:
            checks = _compare(src, dst)
    return CopyReport(shown_url(source), shown_url(target), LATEST, checks)


def compare_stores(source: str | Path, target: str | Path) -> tuple[TableCheck, ...]:
    """Each copied table's row count and content hash in two stores (e.g. after a restore),
    changing nothing."""
    _must_exist(source, "the source")
    _must_exist(target, "the target")
    with ExitStack() as stack:
        sides = []
        for where in (source, target):
            with _named(shown_url(where)):
                engine = stack.enter_context(_database(where))
                sides.append(stack.enter_context(_snapshot(engine)))
        with _named("comparing the stores"):
            return _compare(*sides)


def _must_exist(where: str | Path, hint: str) -> None:
    """Refuse an SQLite file that is not there (reading it would create it)."""
    if _missing_file(store_url(where)):
        raise StoreError(f"no store at {where} ({hint})")


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction: every read sees the same state of the database
    (SQLite's WAL snapshot; ``REPEATABLE READ`` on PostgreSQL)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _check_version(conn: Connection, role: str, where: str | Path) -> None:
    version = current_version(conn)
    if version == LATEST:
        return
    if version > LATEST:
        raise StoreError(
            f"the {role} {shown_url(where)} is at schema version {version}, newer than this "
            f"code knows (version {LATEST}): copy it with the ceasefire that wrote it"
        )
    raise StoreError(
        f"the {role} {shown_url(where)} is at schema version {version}, not {LATEST}: "
        f"upgrade it first (`ceasefire db upgrade --db {shown_url(where)}`)"
    )


def _check_empty(conn: Connection, where: str | Path) -> None:
    full = [
        t.name
        for t in COPIED_TABLES
        if conn.execute(select(literal(1)).select_from(t).limit(1)).first() is not None
    ]
    if full:
        raise StoreError(
            f"the target {shown_url(where)} is not empty: table {full[0]} holds rows"
            + (f" (and {', '.join(full[1:])})" if full[1:] else "")
            + "; copy only into a new database (drop and recreate it, then "
            "`ceasefire db upgrade`)"
        )


def _copy_table(
    src: Connection, target: Engine, table: Table, progress: CopyProgress | None
) -> None:
    """One table, in batches, in one write transaction of the target; on PostgreSQL its id
    sequence then starts after the copied ids."""
    columns = _columns(table)
    total = int(src.execute(select(func.count()).select_from(table)).scalar_one())
    if progress:
        progress(table.name, 0, total)
    done = 0
    try:
        with write_transaction(target) as dst:
            rows = src.execute(
                select(*columns).order_by(*_order(table, src.dialect.name)),
                execution_options={"yield_per": COPY_BATCH_ROWS},
            )
            for batch in rows.mappings().partitions():
                dst.execute(insert(table), [dict(r) for r in batch])
                done += len(batch)
                if progress:
                    progress(table.name, done, total)
            if dst.dialect.name == "postgresql" and table.autoincrement_column is not None:
                _reset_sequence(dst, table, table.autoincrement_column)
    except SQLAlchemyError as exc:
        why = str(getattr(exc, "orig", None) or exc).strip()
        raise StoreError(
            f"copying table {table.name} (after {done:,} of its {total:,} rows) failed: {why}; "
            "nothing of this table was written, the tables before it were: drop and recreate "
            "the target database, upgrade it, and copy again"
        ) from exc


def _reset_sequence(conn: Connection, table: Table, column: Column[Any]) -> None:
    """The next id of ``table`` after its largest (1 when it is empty)."""
    largest = select(func.max(column)).scalar_subquery()
    conn.execute(
        select(
            func.setval(
                func.pg_get_serial_sequence(table.name, column.name),
                func.coalesce(largest, 1),
                largest.is_not(None),
            )
        )
    )


def _columns(table: Table) -> list[Column[Any]]:
    """The columns a copy writes and a digest reads (not ones the database computes)."""
    return [c for c in table.columns if c.computed is None]


def _order(table: Table, dialect: str) -> list[Any]:
    """Primary key order, the same on every database: text in byte order (SQLite's own;
    PostgreSQL's ``C`` collation, whatever the database's locale)."""
    keys = list(table.primary_key.columns) or _columns(table)
    if dialect != "postgresql":
        return keys
    return [c.collate("C") if isinstance(c.type, String | Text) else c for c in keys]


def _compare(a: Connection, b: Connection) -> tuple[TableCheck, ...]:
    checks = []
    for table in COPIED_TABLES:
        rows_a, hash_a = table_digest(a, table)
        rows_b, hash_b = table_digest(b, table)
        checks.append(TableCheck(table.name, rows_a, rows_b, hash_a, hash_b))
    return tuple(checks)


def table_digest(conn: Connection, table: Table) -> tuple[int, str]:
    """A table's row count and the SHA-256 of its rows in primary key order, each row the JSON
    list of its values as text (:func:`value_text`): the same on every database for the same
    rows, read in batches.

    >>> from ceasefire.store import open_store
    >>> from ceasefire.store.schema import agreements
    >>> with open_store(":memory:") as store, store.engine.connect() as conn:
    ...     table_digest(conn, agreements)[0]
    0
    """
    columns = _columns(table)
    booleans = [isinstance(c.type, Boolean) for c in columns]
    digest = hashlib.sha256()
    n = 0
    rows = conn.execute(
        select(*columns).order_by(*_order(table, conn.dialect.name)),
        execution_options={"yield_per": COPY_BATCH_ROWS},
    )
    for batch in rows.partitions():
        for row in batch:
            values = [_value_text(x, b) for x, b in zip(row, booleans, strict=True)]
            digest.update(json.dumps(values, separators=(",", ":")).encode("ascii") + b"\n")
        n += len(batch)
    return n, digest.hexdigest()


def value_text(value: object, *, boolean: bool = False) -> str | None:
    """A stored value as text, the same way for every database: ``None`` stays ``None`` (JSON
    ``null``: no text is confused with it), a boolean (or any value of a ``boolean`` column)
    ``0``/``1``, a float its ``repr`` (every bit counts), a time its stored text.

    >>> [value_text(x) for x in (None, True, 0.1 + 0.2, 7, "7", b"\\x01")]
    [None, '1', '0.30000000000000004', '7', '7', '01']
    """
    return _value_text(value, boolean)


def _value_text(value: object, boolean: bool) -> str | None:
    if value is None:
        return None
    if boolean or isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return time_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)
