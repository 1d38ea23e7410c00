"""Schema migrations: an ordered list of steps, each applied once, in its own transaction.

The version a database is at is the highest ``version`` in its ``schema_migrations`` table
(0 for a new, empty database). :func:`migrate` applies every step above it, in order, each in
one transaction together with the row that records it, so a step is either fully applied and
recorded or not at all (DDL is transactional in both SQLite and PostgreSQL; on SQLite the store
issues ``BEGIN`` itself so that it is, see :mod:`ceasefire.store.engine`).

A database at a version *newer* than the code knows is refused with :class:`StoreError`: the
code cannot know what the newer schema means.

To change the schema: write a function that takes a :class:`sqlalchemy.Connection` and issues
the DDL (and any data fixes), append ``Migration(n + 1, "what it does", fn)`` to
:data:`MIGRATIONS`, and update :data:`ceasefire.store.schema.metadata` to match. Never edit a
step that has shipped.

>>> [m.version for m in MIGRATIONS]
[1, 2, 3, 4, 5, 6, 7]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, Engine, MetaData, func, insert, select

from ceasefire.errors import StoreError
from ceasefire.store.engine import write_transaction
from ceasefire.store.schema import (
    add_v2_tables,
    add_v3_tables,
    add_v4_tables,
    build_v1_metadata,
    now_utc,
    schema_migrations,
)

__all__ = ["LATEST", "MIGRATIONS", "Migration", "current_version", "migrate"]


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply(conn)`` takes a database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_create_all(conn: Connection) -> None:
    """Version 1: create every table of :func:`build_v1_metadata`."""
    build_v1_metadata().create_all(conn, checkfirst=True)


def _create_new_tables(conn: Connection, before: MetaData, after: MetaData) -> None:
    """Create the tables of ``after`` that ``before`` lacks (a step that only adds tables)."""
    for name, table in after.tables.items():
        if name not in before.tables:
            table.create(conn, checkfirst=True)


def _v2_articles(conn: Connection) -> None:
    """Version 2: the news tables of :func:`add_v2_tables` (articles, article_events, claims)."""
    _create_new_tables(conn, build_v1_metadata(), add_v2_tables(build_v1_metadata()))


def _v3_workspace(conn: Connection) -> None:
    """Version 3: the tables of :func:`add_v3_tables` (users, tokens, audit, field reports...)."""
    before = add_v2_tables(build_v1_metadata())
    _create_new_tables(conn, before, add_v3_tables(add_v2_tables(build_v1_metadata())))


def _v4_patrols(conn: Connection) -> None:
    """Version 4: the tables of :func:`add_v4_tables` (patrols, track points, incidents)."""
    before = add_v3_tables(add_v2_tables(build_v1_metadata()))
    _create_new_tables(
        conn, before, add_v4_tables(add_v3_tables(add_v2_tables(build_v1_metadata())))
    )


def _v5_verdict_versions(conn: Connection) -> None:
    """Version 5: each verdict records the event version it judged (no lost verdicts)."""
    # TODO(issue 9, item 1): filled in by the verdict-versions change


def _v6_user_names(conn: Connection) -> None:
    """Version 6: user names unique regardless of case."""
    # TODO(issue 9, item 6): filled in by the user-names change


def _v7_public_report_positions(conn: Connection) -> None:
    """Version 7: field reports' events carry their published (coarsened) position only."""
    # TODO(issue 9, item 3): filled in by the observers' safety change


#: Every migration step, in order. Versions are 1, 2, 3, ... with no gaps.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "create events, ingests, rejects, agreements, zones, verdicts...", _v1_create_all),
    Migration(2, "news: articles, article_events, claims", _v2_articles),
    Migration(3, "workspace: users, api_tokens, audit_log, field_reports, reviews", _v3_workspace),
    Migration(4, "patrols: patrols, patrol_points, patrol_incidents", _v4_patrols),
    Migration(5, "verdicts record the event version they judged", _v5_verdict_versions),
    Migration(6, "user names unique regardless of case", _v6_user_names),
    Migration(7, "field reports' events at their published position", _v7_public_report_positions),
)

#: The schema version this code knows.
LATEST: Final = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The schema version of the database ``conn`` is on (0 for an empty database)."""
    if not conn.dialect.has_table(conn, schema_migrations.name):
        return 0
    found = conn.execute(select(func.max(schema_migrations.c.version))).scalar_one()
    return int(found) if found is not None else 0


def _check_steps(steps: Sequence[Migration]) -> None:
    versions = [m.version for m in steps]
    if versions != list(range(1, len(versions) + 1)):
        raise StoreError(f"migration versions must be 1, 2, 3, ... in order; got {versions}")


def migrate(engine: Engine, steps: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Bring the database up to the last of ``steps``; return the versions applied now.

    Each step runs in its own transaction, with the ``schema_migrations`` row that records it;
    the version is re-read inside that transaction, so two processes opening a new database at
    once do not both apply a step. Raises :class:`StoreError` when the database is at a newer
    version than ``steps`` know.

    >>> from sqlalchemy import create_engine
    >>> engine = create_engine("sqlite://")
    >>> migrate(engine), migrate(engine)
    ([1, 2, 3, 4, 5, 6, 7], [])
    >>> engine.dispose()
    """
    _check_steps(steps)
    latest = steps[-1].version if steps else 0
    with write_transaction(engine) as conn:
        schema_migrations.create(conn, checkfirst=True)
        version = current_version(conn)
    if version > latest:
        raise StoreError(
            f"the database is at schema version {version}, newer than this code knows "
            f"(version {latest}); upgrade ceasefire to open it"
        )
    applied: list[int] = []
    for step in steps:
        if step.version <= version:
            continue
        with write_transaction(engine) as conn:
            now = current_version(conn)  # another process may have applied it meanwhile
            if now >= step.version:
                continue
            if now != step.version - 1:
                raise StoreError(
                    f"cannot apply schema version {step.version} to a database at version {now}"
                )
            step.apply(conn)
            conn.execute(
                insert(schema_migrations).values(
                    version=step.version, description=step.description, applied_at=now_utc()
                )
            )
        applied.append(step.version)
    return applied
