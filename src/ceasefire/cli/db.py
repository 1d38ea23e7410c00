"""``ceasefire db``: the store's database: its schema version, upgrades, and moving a whole store
to another database (an SQLite file to the team's PostgreSQL server)."""

from __future__ import annotations

import sys

import click
import pandas as pd
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ..store.copy import copy_store, store_status, upgrade_store
from . import EXIT_ERROR, _table, cli, console, db_option, err, handle_errors, say, tell


@cli.group("db")
def db_group() -> None:
    """The store's database: schema version, upgrades, copying a whole store.

    \b
    `--db`, `--from` and `--to` take an SQLite file or a database URL, e.g.
    postgresql+psycopg://user:password@host/ceasefire (see docs/store.md).
    """


@db_group.command("status")
@db_option
@handle_errors
def db_status(db: str) -> None:
    """Schema version, pending migrations, rows per table.

    Prints the database's schema version, the latest this ceasefire knows, the migrations
    pending and the rows of each table. Changes nothing: no migration runs, a new database stays
    empty, an SQLite file that is not there is not created."""
    s = store_status(db)
    say(f"store: {s.url}" + ("" if s.exists else " (no file there yet)"))
    say(f"schema version: {s.version} (latest: {s.latest})")
    if s.newer:
        say("newer than this ceasefire knows: upgrade ceasefire to open it")
    elif s.pending:
        say(f"pending migrations: {len(s.pending)} (`ceasefire db upgrade` applies them)")
        for m in s.pending:
            say(f"  {m.version}  {m.description}")
    else:
        say("pending migrations: none")
    if s.counts:
        frame = pd.DataFrame({"table": list(s.counts), "rows": list(s.counts.values())})
        console.print(_table(frame))


@db_group.command("upgrade")
@db_option
@handle_errors
def db_upgrade(db: str) -> None:
    """Apply the pending schema migrations.

    Each migration runs in its own transaction and is named as it is applied; a new SQLite file
    is created. A database newer than this ceasefire is refused (exit status 2)."""
    done = upgrade_store(db)
    for m in done.applied:
        say(f"applied {m.version}: {m.description}")
    if done.applied:
        say(f"{done.url}: schema version {done.before} -> {done.after}")
    else:
        say(f"{done.url}: at schema version {done.after}, nothing to apply")


@db_group.command("copy")
@click.option(
    "--from", "source", required=True, metavar="PATH|URL", help="The store to copy (unchanged)."
)
@click.option(
    "--to",
    "target",
    required=True,
    metavar="PATH|URL",
    help="An empty store at the latest schema version (`ceasefire db upgrade` it first).",
)
@handle_errors
def db_copy(source: str, target: str) -> None:
    """Copy a whole store into an empty one, and prove nothing was lost.

    For example an SQLite file to the team's PostgreSQL server; then each table's row count and
    content hash are compared on both sides and printed.

    Every table is copied (events and their versions, verdicts, reviews, users, tokens,
    sessions, audit, reports, patrols, articles, claims), with its ids, one transaction per
    table. Stop the writers first: what is written to the source meanwhile is not copied. A
    copy that stops half-way leaves a target that is not empty, which is refused: drop and
    recreate it, upgrade it, and copy again. Exit status 2 when a table differs (named).
    """
    with Progress(
        TextColumn("[bold]copy[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done)

        report = copy_store(source, target, progress=progress)
    frame = pd.DataFrame(
        {
            "table": [c.table for c in report.tables],
            "rows source": [c.rows_source for c in report.tables],
            "rows target": [c.rows_target for c in report.tables],
            "hash equal": ["yes" if c.hash_equal else "no" for c in report.tables],
        }
    )
    console.print(_table(frame, title=f"{report.source} -> {report.target}"))
    if not report.ok:
        tell(
            "error:",
            f"the copy differs from the source in {', '.join(report.differing)} "
            "(row count or content hash)",
            "bold red",
        )
        sys.exit(EXIT_ERROR)
    say(
        f"copied {report.rows:,} rows in {len(report.tables)} tables at schema version "
        f"{report.schema_version}: every table's row count and content hash are equal"
    )
