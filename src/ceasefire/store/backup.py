"""Backups of a whole store while it is in use, and their restore into a new, empty store, with
proof that the restored store holds what the backup holds.

:func:`backup_store` writes one file and, beside it, its manifest (``FILE`` +
:data:`MANIFEST_SUFFIX`: JSON with the file's size and SHA-256, the schema version, and each
table's row count and content hash, :func:`ceasefire.store.copy.table_digest`):

- **SQLite**: SQLite's online backup API (:meth:`sqlite3.Connection.backup`) in one step: one
  read transaction of the live store, so the copy is a consistent snapshot (the last commit
  before it started), while the server's readers and writers go on (WAL: a reader never blocks
  a writer). The source is opened read-only. The backup is an ordinary SQLite file (rollback
  journal, so it can be read where it lies, read-only); ``PRAGMA integrity_check`` must say
  ``ok``. It is itself a store: ``ceasefire db copy --from BACKUP --to URL`` moves it to
  PostgreSQL.
- **PostgreSQL**: ``pg_dump --format=custom``, found on ``PATH`` or in Debian's
  ``/usr/lib/postgresql/<version>/bin`` (:mod:`ceasefire.store.pg_client`). The manifest's
  hashes are read in the very snapshot the dump is taken in (``pg_export_snapshot()`` and
  ``pg_dump --snapshot``), so they describe the dump exactly, however busy the server.
  ``pg_restore --list`` must read the dump back.

Both are written under a temporary name and renamed when complete (the manifest last): a file
at ``FILE`` is a whole backup, and a backup never overwrites a file. Both are readable by their
owner only (mode 0600): a store holds password hashes and observers' positions.

:func:`restore_store` restores a backup into an **empty** target of the same kind (a path where
no store is, or a database holding none of the store's tables: anything else is refused), then
verifies: every table's row count and content hash in the restored store are compared with the
manifest (:attr:`Restore.checks`). The backup file is first checked against the manifest's size
and SHA-256 (a damaged or swapped file is refused, nothing is written). PostgreSQL restores run
``pg_restore --single-transaction --no-owner --no-acl --no-comments``: all or nothing, and the
restored objects belong to the role in the URL. Without its manifest, an SQLite backup is
verified against the backup file itself; a PostgreSQL dump cannot be (:attr:`Restore.verified`
is False and says why).

>>> from pathlib import Path
>>> from tempfile import mkdtemp
>>> from ceasefire.store import open_store
>>> folder = Path(mkdtemp())
>>> with open_store(folder / "live.db") as live:
...     live.put_agreement("demo", "id: demo", source="doctest")
>>> done = backup_store(folder / "live.db", folder / "backup.db")
>>> done.kind, done.manifest.tables["agreements"][0], done.manifest_file.name
('sqlite', 1, 'backup.db.manifest.json')
>>> back = restore_store(folder / "backup.db", folder / "restored.db")
>>> back.verified, back.ok
(True, True)
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from ceasefire.errors import InputError, StoreError
from ceasefire.limits import check_size, load_json
from ceasefire.store.copy import COPIED_TABLES, TableCheck, shown_url, table_digest
from ceasefire.store.engine import create_store_engine, store_url
from ceasefire.store.migrations import LATEST, current_version
from ceasefire.store.pg_client import conninfo, installed_extensions, pg_tool, restore_list, run_pg
from ceasefire.store.schema import metadata

__all__ = [
    "MANIFEST_SUFFIX",
    "Backup",
    "Manifest",
    "Restore",
    "backup_store",
    "manifest_path",
    "restore_store",
]

#: Appended to a backup file's name to name its manifest.
MANIFEST_SUFFIX: Final = ".manifest.json"
#: What the first bytes of a backup file say it is.
_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_PG_MAGIC: Final = b"PGDMP"
_MANIFEST_FORMAT: Final = "ceasefire-backup"
_MANIFEST_VERSION: Final = 1

#: A table's rows and the SHA-256 of its content (:func:`ceasefire.store.copy.table_digest`).
Digests = dict[str, tuple[int, str]]


# ---------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, written beside it when it is made."""

    #: ``sqlite`` or ``postgresql``.
    kind: str
    #: The store it was made from (its URL with the password hidden).
    source: str
    #: When it was made (UTC, ISO 8601).
    made_at: str
    schema_version: int
    bytes: int
    sha256: str
    #: Each table's rows and content hash; None when the store was not at the schema version
    #: this ceasefire knows (its tables could not be read as this code reads them).
    tables: Digests | None

    def to_json(self) -> str:
        body = {
            "format": _MANIFEST_FORMAT,
            "format_version": _MANIFEST_VERSION,
            "kind": self.kind,
            "source": self.source,
            "made_at": self.made_at,
            "schema_version": self.schema_version,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "tables": None
            if self.tables is None
            else {t: {"rows": n, "sha256": h} for t, (n, h) in self.tables.items()},
        }
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest at ``path``; :class:`InputError` naming the field when it is not one."""
        check_size(path.stat().st_size, file=str(path))
        try:
            body = load_json(path.read_bytes(), file=str(path))
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=str(path), line=exc.lineno) from exc
        if not isinstance(body, dict) or body.get("format") != _MANIFEST_FORMAT:
            raise InputError("not a ceasefire backup manifest", file=str(path), field="format")
        if body.get("format_version") != _MANIFEST_VERSION:
            raise InputError(
                f"a manifest format this ceasefire does not know (it knows {_MANIFEST_VERSION})",
                file=str(path),
                field="format_version",
                value=body.get("format_version"),
            )
        try:
            tables = body["tables"]
            return cls(
                kind=str(body["kind"]),
                source=str(body["source"]),
                made_at=str(body["made_at"]),
                schema_version=int(body["schema_version"]),
                bytes=int(body["bytes"]),
                sha256=str(body["sha256"]),
                tables=None
                if tables is None
                else {str(t): (int(v["rows"]), str(v["sha256"])) for t, v in tables.items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"a field is missing or not of its type ({type(exc).__name__}: {exc})",
                file=str(path),
            ) from exc


def manifest_path(backup: str | Path) -> Path:
    """The manifest of the backup file ``backup``.

    >>> manifest_path("/var/backups/ceasefire/2024-05-01.dump").name
    '2024-05-01.dump.manifest.json'
    """
    path = Path(backup)
    return path.with_name(path.name + MANIFEST_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digests(conn: Connection) -> Digests:
    """Every copied table's rows and content hash, as ``conn`` sees them."""
    return {t.name: table_digest(conn, t) for t in COPIED_TABLES}


# ------------------------------------------------------------------------------------ backup


@dataclass(frozen=True)
class Backup:
    """A backup made by :func:`backup_store`: the file, its manifest and where it lies."""

    file: Path
    manifest_file: Path
    manifest: Manifest

    @property
    def kind(self) -> str:
        return self.manifest.kind

    @property
    def rows(self) -> int | None:
        """Rows in the backup's tables (None when the manifest has no table hashes)."""
        tables = self.manifest.tables
        return None if tables is None else sum(n for n, _ in tables.values())


def backup_store(store: str | Path, out: str | Path) -> Backup:
    """Back up the store at ``store`` (an SQLite file or a PostgreSQL URL) into the new file
    ``out``, with its manifest beside it, while the store stays in use (see the module's
    docstring). :class:`StoreError` when the store is not there, ``out`` or its manifest
    already exists, its folder does not, or the backup fails (nothing is left at ``out``)."""
    out = Path(out)
    manifest_file = manifest_path(out)
    for path in (out, manifest_file):
        if path.exists():
            raise StoreError(f"{path} already exists: a backup never overwrites a file")
    if not out.parent.is_dir():
        raise StoreError(f"no folder {out.parent} to write the backup {out.name} in")
    url = store_url(store)
    kind = url.get_backend_name()
    with _partial(out) as tmp, _partial(manifest_file) as tmp_manifest:
        if kind == "sqlite":
            version, tables = _backup_sqlite(_sqlite_file(url, "the store to back up"), tmp)
        elif kind == "postgresql":
            version, tables = _backup_postgresql(url, tmp)
        else:
            raise StoreError(f"cannot back up a {kind} database ({shown_url(store)})")
        manifest = Manifest(
            kind=kind,
            source=shown_url(store),
            made_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            schema_version=version,
            bytes=tmp.stat().st_size,
            sha256=_sha256(tmp),
            tables=tables,
        )
        tmp_manifest.write_text(manifest.to_json(), encoding="utf-8")
        os.replace(tmp, out)
        os.replace(tmp_manifest, manifest_file)
    return Backup(out, manifest_file, manifest)


@contextmanager
def _partial(final: Path) -> Iterator[Path]:
    """A temporary file beside ``final``, readable by its owner only (a store holds password
    hashes and observers' positions), removed if still there at the end (a failure)."""
    tmp = final.with_name(f".{final.name}.partial-{os.getpid()}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(tmp, 0o600)
    try:
        yield tmp
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _sqlite_file(url: URL, role: str) -> Path:
    if url.database in (None, "", ":memory:"):
        raise StoreError(f"{role} is an in-memory database: there is nothing to back up")
    return Path(str(url.database))


def _read_only(path: Path) -> sqlite3.Connection:
    """``path`` opened read-only (never created, never written), waiting for locks as the
    store does."""
    if not path.is_file():
        raise StoreError(f"no SQLite store at {path}")
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30.0)


def _backup_sqlite(source: Path, tmp: Path) -> tuple[int, Digests | None]:
    src = _read_only(source)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # one step (pages=-1): one read transaction, a snapshot of the last commit; the
            # live store's writers go on meanwhile (WAL)
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            _check_integrity(dst, tmp)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(f"backing up {source} failed: {exc}") from exc
    finally:
        src.close()
    return _sqlite_contents(tmp)


def _check_integrity(conn: sqlite3.Connection, where: Path) -> None:
    found = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if found != ["ok"]:
        raise StoreError(f"{where}: the integrity check failed: {'; '.join(found[:5])}")


def _sqlite_contents(path: Path) -> tuple[int, Digests | None]:
    """The schema version of the SQLite file at ``path`` and, when this code knows that
    version, its tables' digests; read-only."""
    engine = create_engine("sqlite://", creator=lambda: _read_only(path))
    try:
        with engine.connect() as conn, conn.begin():
            version = current_version(conn)
            return version, _digests(conn) if version == LATEST else None
    finally:
        engine.dispose()


def _backup_postgresql(url: URL, tmp: Path) -> tuple[int, Digests | None]:
    pg_dump = pg_tool("pg_dump")
    engine = create_store_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # the dump and the digests read the one snapshot this transaction holds open
                snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
                run_pg(
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={tmp}",
                    f"--dbname={conninfo(url)}",
                    url=url,
                    what=f"pg_dump of {_shown(url)}",
                )
                version = current_version(conn)
                tables = _digests(conn) if version == LATEST else None
    except SQLAlchemyError as exc:
        why = str(getattr(exc, "orig", None) or exc).strip()
        raise StoreError(f"{_shown(url)}: {why}") from exc
    finally:
        engine.dispose()
    run_pg(pg_tool("pg_restore"), "--list", str(tmp), url=None, what=f"reading back {tmp}")
    return version, tables


# ----------------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class Restore:
    """What :func:`restore_store` restored, and what its verification found."""

    file: Path
    target: str
    kind: str
    schema_version: int
    #: Each table in the backup (``rows_source``, ``hash_source``) and in the restored store.
    checks: tuple[TableCheck, ...]
    #: Why the restored store could not be verified ("" when it was).
    unverified: str = ""

    @property
    def verified(self) -> bool:
        return not self.unverified

    @property
    def ok(self) -> bool:
        """Verified, and every table's count and content hash equal to the backup's."""
        return self.verified and all(c.equal for c in self.checks)

    @property
    def differing(self) -> list[str]:
        return [c.table for c in self.checks if not c.equal]

    @property
    def rows(self) -> int:
        return sum(c.rows_target for c in self.checks)


def restore_store(backup: str | Path, target: str | Path) -> Restore:
    """Restore the backup file ``backup`` into ``target`` (an SQLite path or a PostgreSQL URL of
    the backup's kind, holding no store), then verify it against the backup's manifest (see
    the module's docstring). :class:`StoreError` when the file is not a backup, does not match
    its manifest, the target is of the other kind or not empty, or the restore fails."""
    backup = Path(backup)
    kind = _backup_kind(backup)
    manifest = _checked_manifest(backup, kind)
    url = store_url(target)
    if url.get_backend_name() != kind:
        hint = (
            f"; an SQLite backup is itself a store: `ceasefire db copy --from {backup} "
            f"--to {shown_url(target)}` moves it (upgrade the target first)"
            if kind == "sqlite"
            else "; restore it into a new PostgreSQL database, then `ceasefire db copy` it"
        )
        raise StoreError(
            f"{backup} is a {kind} backup and {shown_url(target)} is not a {kind} store{hint}"
        )
    if kind == "sqlite":
        _restore_sqlite(backup, _sqlite_file(url, "the target"))
    else:
        _restore_postgresql(backup, url)
    return _verify(backup, kind, manifest, target)


def _backup_kind(backup: Path) -> str:
    if not backup.is_file():
        raise StoreError(f"no backup file at {backup}")
    with backup.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(_PG_MAGIC):
        return "postgresql"
    raise InputError(
        "not a ceasefire backup: neither an SQLite file nor a pg_dump custom-format archive",
        file=str(backup),
        value=head[:8],
    )


def _checked_manifest(backup: Path, kind: str) -> Manifest | None:
    """The backup's manifest, if it has one, after checking the file is the one it describes."""
    path = manifest_path(backup)
    if not path.is_file():
        return None
    manifest = Manifest.read(path)
    size = backup.stat().st_size
    problem = ""
    if manifest.kind != kind:
        problem = f"the manifest is of a {manifest.kind} backup, the file a {kind} one"
    elif manifest.bytes != size:
        problem = f"{size:,} bytes where its manifest says {manifest.bytes:,}"
    elif manifest.sha256 != _sha256(backup):
        problem = "its SHA-256 is not the one its manifest records"
    if problem:
        raise StoreError(
            f"{backup} is damaged or is not the backup {path.name} describes: {problem}; "
            "nothing was restored"
        )
    return manifest


def _restore_sqlite(backup: Path, target: Path) -> None:
    if target.exists():
        _refuse_full_sqlite(target)
    src = _read_only(backup)
    try:
        if target.exists():  # an empty database: written in one transaction of its own
            _copy_pages(src, target, target)
        else:  # a new file, whole or not at all
            with _partial(target) as tmp:
                _copy_pages(src, tmp, target)
                os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise StoreError(f"restoring {backup} into {target} failed: {exc}") from exc
    finally:
        src.close()


def _copy_pages(src: sqlite3.Connection, into: Path, target: Path) -> None:
    dst = sqlite3.connect(into, timeout=30.0)
    try:
        src.backup(dst, pages=-1)
        _check_integrity(dst, target)
        dst.execute("PRAGMA journal_mode = WAL")  # the store's own mode
    finally:
        dst.close()


def _refuse_full_sqlite(target: Path) -> None:
    try:
        with _read_only_connection(target) as conn:
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the target {target} is there and is not an SQLite store: {exc}") from exc
    if names:
        raise StoreError(_not_empty(str(target), names))


@contextmanager
def _read_only_connection(path: Path) -> Iterator[sqlite3.Connection]:
    conn = _read_only(path)
    try:
        yield conn
    finally:
        conn.close()


def _not_empty(target: str, names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"the target {target} is not empty (it holds tables: {shown}): a backup is restored "
        "only into a new store (a path where no file is, or a new database)"
    )


def _restore_postgresql(backup: Path, url: URL) -> None:
    pg_restore = pg_tool("pg_restore")
    listing = run_pg(pg_restore, "--list", str(backup), url=None, what=f"reading {backup}")
    engine = create_store_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            ours = {t.name for t in metadata.sorted_tables}
            held = sorted(ours & set(inspect(conn).get_table_names()))
            extensions = installed_extensions(conn)
    except SQLAlchemyError as exc:
        why = str(getattr(exc, "orig", None) or exc).strip()
        raise StoreError(f"the target {_shown(url)}: {why}") from exc
    finally:
        engine.dispose()
    if held:
        raise StoreError(_not_empty(_shown(url), held))
    entries = restore_list(listing, extensions, backup=str(backup), target_name=_shown(url))
    with _partial(backup.with_name(backup.name + ".list")) as use_list:
        use_list.write_text(entries, encoding="utf-8")
        run_pg(
            pg_restore,
            "--single-transaction",  # all or nothing (and stop at the first error)
            "--no-owner",  # the restored objects belong to the URL's role
            "--no-acl",
            "--no-comments",  # an extension's comment needs its owner; the store has none
            f"--use-list={use_list}",
            f"--dbname={conninfo(url)}",
            str(backup),
            url=url,
            what=f"restoring {backup} into {_shown(url)} (nothing was written)",
        )


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _verify(backup: Path, kind: str, manifest: Manifest | None, target: str | Path) -> Restore:
    url = store_url(target)
    engine = create_store_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                version = current_version(conn)
                restored = _digests(conn) if version == LATEST else None
    finally:
        engine.dispose()
    expected: Digests | None = None
    unverified = ""
    if manifest is not None:
        expected = manifest.tables
    elif kind == "sqlite":
        expected = _sqlite_contents(backup)[1]
    else:
        unverified = f"{backup} has no manifest ({manifest_path(backup).name}) to compare with"
    if not unverified and (expected is None or restored is None):
        unverified = (
            f"the store is at schema version {version} and this ceasefire reads version {LATEST}:"
            " verify with the ceasefire that made the backup, or upgrade the restored store"
        )
    checks: tuple[TableCheck, ...] = ()
    if expected is not None and restored is not None:
        checks = tuple(
            TableCheck(t, expected.get(t, (0, ""))[0], n, expected.get(t, (0, ""))[1], h)
            for t, (n, h) in restored.items()
        )
    return Restore(backup, shown_url(target), kind, version, checks, unverified)
