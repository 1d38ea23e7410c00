"""``ceasefire db``: the store's database: its schema version, upgrades, and moving a whole store
to another database (an SQLite file to the team's PostgreSQL server)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from rich.progress import (
    TaskID,
)

from ..store.backup import backup_store, restore_store
from ..store.copy import copy_store, store_status, upgrade_store
from . import (
    EXIT_ERROR,
    cli,
    console,
    db_option,
    frame_table,
    handle_errors,
    progress_bar,
    say,
    tell,
)


@cli.group("db")
def db_group() -> None:
    """The store's database: schema version, upgrades, copies, backups and restores.

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
        console.print(frame_table(frame))


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
    with progress_bar("copy") as bar:
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
    console.print(frame_table(frame, title=f"{report.source} -> {report.target}"))
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


@db_group.command("backup")
@db_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (never overwritten); its manifest goes beside it, "
    "FILE.manifest.json.",
)
@handle_errors
def db_backup(db: str, out: Path) -> None:
    """Back up a store while it is in use: a consistent snapshot, and its manifest.

    An SQLite store is copied with SQLite's online backup API (one read transaction: the
    server's readers and writers go on); a PostgreSQL one with `pg_dump --format=custom`
    (on PATH or in /usr/lib/postgresql/VERSION/bin). The manifest beside the file records its
    SHA-256 and each table's row count and content hash, read in the same snapshot;
    `ceasefire db restore` checks both. See docs/deploy.md.
    """
    done = backup_store(db, out)
    m = done.manifest
    size = f"{m.bytes:,} bytes"
    if done.rows is None:
        say(f"backed up {m.source} at schema version {m.schema_version} to {done.file} ({size})")
        tell(
            "warning:",
            f"no table hashes in {done.manifest_file.name}: the store is at schema version "
            f"{m.schema_version}, this ceasefire reads another; the restore cannot be verified",
        )
        return
    say(
        f"backed up {m.source} at schema version {m.schema_version}: {done.rows:,} rows in "
        f"{len(m.tables or {})} tables"
    )
    say(f"  file:     {done.file} ({size}, sha256 {m.sha256[:16]}...)")
    say(f"  manifest: {done.manifest_file} (every table's row count and content hash)")


@db_group.command("restore")
@click.option(
    "--from",
    "backup",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file written by `ceasefire db backup`.",
)
@click.option(
    "--db",
    "target",
    required=True,
    metavar="PATH|URL",
    help="A new store of the backup's kind: a path where no file is, or an empty database.",
)
@handle_errors
def db_restore(backup: Path, target: str) -> None:
    """Restore a backup into a new, empty store, and prove it holds what the backup holds.

    The file is first checked against its manifest (size, SHA-256); a target that holds any
    of the store's tables is refused. PostgreSQL: `pg_restore` in one transaction, the objects
    owned by the URL's role; the database must have the backup's extensions (PostGIS) already.
    Then each table's row count and content hash are compared with the manifest and printed.
    Exit status 2 when a table differs (named).
    """
    done = restore_store(backup, target)
    if done.checks:
        frame = pd.DataFrame(
            {
                "table": [c.table for c in done.checks],
                "rows backup": [c.rows_source for c in done.checks],
                "rows restored": [c.rows_target for c in done.checks],
                "hash equal": ["yes" if c.hash_equal else "no" for c in done.checks],
            }
        )
        console.print(frame_table(frame, title=f"{done.file} -> {done.target}"))
    if not done.verified:
        say(f"restored {done.file} into {done.target} at schema version {done.schema_version}")
        tell("warning:", f"not verified: {done.unverified}")
        return
    if not done.ok:
        tell(
            "error:",
            f"the restored store differs from the backup in {', '.join(done.differing)} "
            "(row count or content hash)",
            "bold red",
        )
        sys.exit(EXIT_ERROR)
    say(
        f"restored {done.rows:,} rows in {len(done.checks)} tables at schema version "
        f"{done.schema_version}: every table's row count and content hash equal the backup's"
    )
