"""Idempotent batched ingest: events and rejects upserted batch by batch, runs bookkept.

Only portable SQLAlchemy Core is used (no dialect-specific upserts), so the same code runs on
SQLite and PostgreSQL. Writes are bulk: per batch, one ``IN`` query fetches the stored hashes,
then one ``executemany`` inserts the new rows and one updates the changed ones (the old row goes
to ``event_versions``, and the changed events' stored verdicts are deleted: they were judged on
the old row). Rejects are stored once per ``(file_sha256, line, field)``, and each
batch adds its counts to its ``ingests`` row in the same transaction. See docs/store.md.

:func:`ingest_file` and :func:`add_events` are what :class:`ceasefire.store.SQLStore` calls;
the steps below them work inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from ceasefire.errors import EventReadError, StoreError
from ceasefire.events import content_hash
from ceasefire.store import schema
from ceasefire.store.base import BatchSource, IngestReport, RejectLike
from ceasefire.store.engine import write_transaction
from ceasefire.store.incidents import events_written
from ceasefire.store.rows import EVENT_COLS, chunks, conformed, db_values, text

__all__ = [
    "add_events",
    "event_records",
    "fail_dead_ingests",
    "file_sha256",
    "ingest_file",
    "upsert_events",
    "upsert_records",
]

#: Columns that say where and when a row was read, not what it says: not part of its hash.
_PROVENANCE: Final = frozenset({"source_file", "source_line", "ingest_time", "content_hash"})
_HASH_COLS: Final[list[str]] = [c for c in EVENT_COLS if c not in _PROVENANCE]


@dataclass(frozen=True)
class _Reject:
    file: str
    line: int
    field: str
    value: str | None
    reason: str


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, hex.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> file_sha256(f.name)[:16]
    'ba7816bf8f01cfea'
    >>> os.unlink(f.name)
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _name_sha256(file: str) -> str:
    """Stand-in file hash for rejects of a file that cannot be read: the hash of its name."""
    return hashlib.sha256(("name:" + file).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------- runs


def ingest_file(
    engine: Engine,
    source: str | BatchSource,
    path: str | Path,
    *,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    provenance: str | None = None,
) -> IngestReport:
    """Read ``path`` batch by batch and upsert it; each batch is one transaction.

    ``provenance`` is what the run, its events' ``source_file`` and its rejects' ``file``
    record instead of ``path``: where the rows really came from when ``path`` is a temporary
    copy (a fetched page: its URL, cut of credentials). The rows' identity does not depend on
    it (their content hash leaves provenance out; rejects are keyed by the file's hash), so a
    rerun of the same page stores nothing new.

    Marks dead runs failed first (:func:`fail_dead_ingests`), records the run in ``ingests`` as
    ``running`` and ends it ``done``, or ``failed`` with the error for *any* exception, even
    ``KeyboardInterrupt`` or ``MemoryError``, which is raised again (a database error as
    :class:`StoreError`). What is stored then is whole batches; a rerun skips them and stores
    the rest.
    """
    fail_dead_ingests(engine)
    reader = _reader(source)
    p = Path(path)
    if not p.is_file():
        raise EventReadError("no such file", file=str(p))
    if batch_size < 1:
        raise StoreError(f"batch_size must be at least 1, not {batch_size}")
    sha = file_sha256(p)
    seen: dict[str, int] = {}
    shown = str(p) if provenance is None else provenance
    ingest_id = _start_ingest(engine, reader.name, shown, sha)
    try:
        total = IngestReport(ingest_id, shown, 0, 0, 0, 0, 0)
        batches = reader.batches(p, batch_size=batch_size)
        try:
            for batch in batches:
                events, rejects = batch.events, batch.rejects
                if provenance is not None:
                    events, rejects = _provenance(events, rejects, provenance)
                with write_transaction(engine) as conn:
                    report = _write_batch(
                        conn,
                        events,
                        rejects,
                        ingest_id=ingest_id,
                        seen=seen,
                        sha_of=lambda _file: sha,
                        default_file=shown,
                    )
                total = total + report
                if progress is not None:
                    progress(total.rows_read)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # a generator closes its file now, not when it is collected
        _finish_ingest(engine, ingest_id, "done")
    except BaseException as exc:
        _finish_ingest(engine, ingest_id, "failed", error=_error_text(exc))
        if isinstance(exc, SQLAlchemyError):
            cause = getattr(exc, "orig", None) or exc
            raise StoreError(f"{shown}: the store failed during the ingest: {cause}") from exc
        raise
    return total


def _provenance(
    events: pd.DataFrame, rejects: Sequence[RejectLike], provenance: str
) -> tuple[pd.DataFrame, list[_Reject]]:
    """A batch's events and rejects with ``provenance`` as their file."""
    if "source_file" in events.columns:
        events = events.assign(
            source_file=pd.Series(provenance, index=events.index, dtype="string")
        )
    bad = [
        _Reject(provenance, int(r.line), str(r.field), text(r.value), str(r.reason))
        for r in rejects
    ]
    return events, bad


#: The most characters of an error kept in ``ingests.error``.
_MAX_ERROR_CHARS: Final = 2000


def _error_text(exc: BaseException) -> str:
    """What ``ingests.error`` says of ``exc``: its type and message, on one line, never empty.

    >>> _error_text(KeyboardInterrupt())
    'KeyboardInterrupt'
    >>> _error_text(OSError("disk\\nwent away"))
    'OSError: disk went away'
    """
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 3] + "..."


def _reader(source: str | BatchSource) -> BatchSource:
    if not isinstance(source, str):
        return source
    from ceasefire.sources import reader_for  # type: ignore[attr-defined,unused-ignore]

    reader: BatchSource = reader_for(source)
    return reader


def _start_ingest(engine: Engine, source: str, file: str, sha: str) -> int:
    with write_transaction(engine) as conn:
        result = conn.execute(
            insert(schema.ingests).values(
                source=source,
                file=file,
                file_sha256=sha,
                started_at=schema.now_utc(),
                status="running",
                rows_read=0,
                inserted=0,
                updated=0,
                unchanged=0,
                rejected=0,
                host=socket.gethostname(),
                pid=os.getpid(),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def _finish_ingest(
    engine: Engine, ingest_id: int, status: str, *, error: str | None = None
) -> None:
    try:
        with write_transaction(engine) as conn:
            conn.execute(
                update(schema.ingests)
                .where(schema.ingests.c.id == ingest_id)
                .values(status=status, finished_at=schema.now_utc(), error=error)
            )
    except SQLAlchemyError:
        if status == "done":
            raise
        # marking a failure failed too (database gone?): the run stays 'running', and the
        # next ingest on this host marks it failed


def fail_dead_ingests(engine: Engine) -> int:
    """Mark ``failed`` every ``running`` ingest whose process on this host is gone.

    Runs started on other hosts are left alone (their liveness cannot be checked). Returns how
    many were marked.
    """
    host = socket.gethostname()
    t = schema.ingests
    with engine.connect() as conn:
        running = conn.execute(
            select(t.c.id, t.c.pid).where(t.c.status == "running", t.c.host == host)
        ).all()
    dead = [
        (int(i), int(pid))
        for i, pid in running
        if pid is not None and pid != os.getpid() and not _pid_alive(int(pid))
    ]
    if not dead:
        return 0
    with write_transaction(engine) as conn:
        for ingest_id, pid in dead:
            conn.execute(
                update(t)
                .where(t.c.id == ingest_id, t.c.status == "running")
                .values(
                    status="failed",
                    finished_at=schema.now_utc(),
                    error=f"process {pid} on {host} ended before finishing (killed?)",
                )
            )
    return len(dead)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (POSIX only; elsewhere assume it does)."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------------- batches


def add_events(
    engine: Engine,
    events: pd.DataFrame,
    *,
    rejects: Sequence[RejectLike] = (),
    ingest_id: int | None = None,
) -> IngestReport:
    """Upsert an events frame and its rejects in one transaction (see ``SQLStore.add_events``).

    With ``ingest_id`` the rejects are stored under that ingest's file hash and the counts are
    added to it; without, each reject's file is hashed if it exists (else its name is).
    """
    with write_transaction(engine) as conn:
        if ingest_id is not None:
            found = conn.execute(
                select(schema.ingests.c.file_sha256, schema.ingests.c.file).where(
                    schema.ingests.c.id == ingest_id
                )
            ).first()
            if found is None:
                raise StoreError(f"no ingest with id {ingest_id}")
            ingest_sha, ingest_file = str(found[0]), str(found[1])

            def sha_of(file: str) -> str:
                return ingest_sha

            default_file = ingest_file
        else:
            cache: dict[str, str] = {}

            def sha_of(file: str) -> str:
                if file not in cache:
                    p = Path(file)
                    cache[file] = file_sha256(p) if file and p.is_file() else _name_sha256(file)
                return cache[file]

            default_file = ""
        return _write_batch(
            conn,
            events,
            rejects,
            ingest_id=ingest_id,
            seen={},
            sha_of=sha_of,
            default_file=default_file,
        )


def upsert_events(
    conn: Connection, events: pd.DataFrame, *, revisions: Mapping[str, str] | None = None
) -> IngestReport:
    """Upsert an events frame inside the caller's write transaction, with the same versioning as
    an ingest (a changed row keeps its old version); rows an ingest would reject are counted in
    ``rejected`` and not stored. For writes that must commit together with other rows.

    ``revisions`` (event uid -> text) adds to a row's ``content_hash`` what the row does not
    show but its verdicts depend on (a field report's ``updated_at``: its precise estimate is
    not in the row), so that a new revision is a new version even when the row reads the same.
    """
    return _write_batch(
        conn,
        events,
        (),
        ingest_id=None,
        seen={},
        sha_of=_name_sha256,
        default_file="",
        revisions=revisions,
    )


def _write_batch(
    conn: Connection,
    events: pd.DataFrame,
    rejects: Iterable[RejectLike],
    *,
    ingest_id: int | None,
    seen: dict[str, int],
    sha_of: Callable[[str], str],
    default_file: str,
    revisions: Mapping[str, str] | None = None,
) -> IngestReport:
    """Upsert one batch inside the caller's transaction (see :func:`add_events`).

    ``seen`` maps the uids met so far in this ingest to their lines (updated here);
    ``sha_of(file)`` is the file hash rejects are stored under; ``revisions`` see
    :func:`upsert_events`.
    """
    frame = conformed(events)
    bad: list[_Reject] = [
        _Reject(str(r.file), int(r.line), str(r.field), text(r.value), str(r.reason))
        for r in rejects
    ]
    keep: list[dict[str, Any]] = []
    for rec in event_records(frame):
        file = rec["source_file"] or default_file
        line = rec["source_line"] if rec["source_line"] is not None else 0
        uid = rec["event_uid"]
        if uid is None:
            if rec["source_dataset"] is None or rec["source_row_id"] is None:
                bad.append(
                    _Reject(
                        file,
                        line,
                        "event_uid",
                        None,
                        "no event_uid, nor a source_dataset and source_row_id to make one",
                    )
                )
                continue
            uid = rec["event_uid"] = f"{rec['source_dataset']}:{rec['source_row_id']}"
        if uid in seen:
            bad.append(
                _Reject(
                    file,
                    line,
                    "event_uid",
                    uid,
                    f"duplicate event_uid: the row at line {seen[uid]} has it already",
                )
            )
            continue
        seen[uid] = line
        if rec["content_hash"] is None:
            hashed = [rec[c] for c in _HASH_COLS]
            if revisions is not None and uid in revisions:
                hashed.append(revisions[uid])
            rec["content_hash"] = content_hash(hashed)
        keep.append(rec)

    inserted, updated, unchanged = upsert_records(conn, keep)
    rejected = _store_rejects(conn, bad, ingest_id=ingest_id, sha_of=sha_of)
    report = IngestReport(
        ingest_id=ingest_id,
        file=default_file or _single_file(keep, bad),
        rows_read=inserted + updated + unchanged + rejected,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        rejected=rejected,
    )
    if ingest_id is not None:
        t = schema.ingests
        conn.execute(
            update(t)
            .where(t.c.id == ingest_id)
            .values(
                rows_read=t.c.rows_read + report.rows_read,
                inserted=t.c.inserted + inserted,
                updated=t.c.updated + updated,
                unchanged=t.c.unchanged + unchanged,
                rejected=t.c.rejected + rejected,
            )
        )
    return report


def event_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Event rows (a frame with the columns :data:`~ceasefire.store.rows.EVENT_COLS`) as dicts of
    stored values, a missing ``ingest_time`` now: the rows :func:`upsert_records` takes."""
    columns = [db_values(frame[c]) for c in EVENT_COLS]
    now = schema.now_utc()
    i_time = EVENT_COLS.index("ingest_time")
    columns[i_time] = [v if v is not None else now for v in columns[i_time]]
    return [dict(zip(EVENT_COLS, row, strict=True)) for row in zip(*columns, strict=True)]


def _single_file(records: list[dict[str, Any]], bad: list[_Reject]) -> str:
    files = {r["source_file"] for r in records if r["source_file"]} | {r.file for r in bad}
    return files.pop() if len(files) == 1 else ""


_NOT_CONTENT = frozenset({"worst", "withdrawn_at", "withdrawn_reason"})


def upsert_records(conn: Connection, records: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Insert new rows, update changed ones (keeping the old version and deleting their
    verdicts), inside the caller's transaction ``conn``; (inserted, updated, unchanged). Rows
    from :func:`event_records`, unchecked: :func:`upsert_events` is the checked way in."""
    if not records:
        return 0, 0, 0
    t = schema.events
    stored: dict[str, tuple[str | None, int]] = {}
    for chunk in chunks([r["event_uid"] for r in records]):
        for uid, h, version in conn.execute(
            select(t.c.event_uid, t.c.content_hash, t.c.version).where(t.c.event_uid.in_(chunk))
        ):
            stored[uid] = (h, int(version))
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for rec in records:
        old = stored.get(rec["event_uid"])
        if old is None:
            new.append({**rec, "version": 1})
        elif old[0] != rec["content_hash"]:
            changed.append(rec)
    if changed:
        now = schema.now_utc()
        history: list[dict[str, Any]] = []
        for chunk in chunks([r["event_uid"] for r in changed]):
            # a colour and a withdrawal mark (schema 11, 16) are not the event's content
            kept = select(*[c for c in t.c if c.name not in _NOT_CONTENT])
            for row in conn.execute(kept.where(t.c.event_uid.in_(chunk))).mappings():
                history.append(
                    {
                        "event_uid": row["event_uid"],
                        "version": row["version"],
                        "content_hash": row["content_hash"],
                        "row_json": json.dumps(dict(row), ensure_ascii=False),
                        "superseded_at": now,
                    }
                )
        conn.execute(insert(schema.event_versions), history)
        stmt = update(t).where(t.c.event_uid == bindparam("_uid"))
        conn.execute(
            stmt,
            [
                {
                    **{k: v for k, v in rec.items() if k != "event_uid"},
                    "version": stored[rec["event_uid"]][1] + 1,
                    "_uid": rec["event_uid"],
                }
                for rec in changed
            ],
        )
        # the verdicts on these events judged rows that no longer exist
        v = schema.verdicts
        for chunk in chunks([r["event_uid"] for r in changed]):
            conn.execute(delete(v).where(v.c.event_uid.in_(chunk)))
    if new:
        conn.execute(insert(t), new)
    if new or changed:
        # a changed event's verdicts went (above); verdicts may be stored on events not stored
        # yet (an evaluated file): their colour, and the counter the answer cache reads
        events_written(conn, [r["event_uid"] for r in new + changed])
    return len(new), len(changed), len(records) - len(new) - len(changed)


def _store_rejects(
    conn: Connection,
    bad: list[_Reject],
    *,
    ingest_id: int | None,
    sha_of: Callable[[str], str],
) -> int:
    """Store the rejects not stored before; return how many distinct rows were rejected."""
    if not bad:
        return 0
    t = schema.rejects
    rows: dict[tuple[str, int, str], dict[str, Any]] = {}
    for r in bad:
        key = (sha_of(r.file), r.line, r.field)
        if key not in rows:
            rows[key] = {
                "ingest_id": ingest_id,
                "file": r.file,
                "file_sha256": key[0],
                "line": r.line,
                "field": r.field,
                "value": r.value,
                "reason": r.reason,
            }
    by_sha: dict[str, list[int]] = {}
    for sha, line, _field in rows:
        by_sha.setdefault(sha, []).append(line)
    for sha, lines in by_sha.items():
        existing = conn.execute(
            select(t.c.file_sha256, t.c.line, t.c.field).where(
                t.c.file_sha256 == sha, t.c.line.between(min(lines), max(lines))
            )
        )
        for found in existing:
            rows.pop((str(found[0]), int(found[1]), str(found[2])), None)
    if rows:
        conn.execute(insert(t), list(rows.values()))
    return len({(r.file, r.line) for r in bad})
