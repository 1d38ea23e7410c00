"""The store over any SQLAlchemy database: :class:`SQLStore` and :func:`open_store`.

Only portable SQLAlchemy Core is used (no dialect-specific upserts), so the same code runs on
SQLite and PostgreSQL. Writes are bulk: per batch, one ``IN`` query fetches the stored hashes,
then one ``executemany`` inserts the new rows and one updates the changed ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Double,
    Engine,
    Integer,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from ceasefire.errors import EventReadError, GeometryError, StoreError
from ceasefire.events import content_hash, normalise_events
from ceasefire.store import schema
from ceasefire.store.base import BatchSource, IngestReport, RejectLike
from ceasefire.store.engine import create_store_engine, write_transaction
from ceasefire.store.migrations import migrate

__all__ = [
    "DISPLAY_COLUMNS",
    "OBLIGATION_COLUMNS",
    "VERDICT_COLUMNS",
    "SQLStore",
    "file_sha256",
    "open_store",
]

#: Stored event columns and their pandas dtypes.
_EVENT_DTYPES: Final[dict[str, str]] = dict(schema.V1_EVENT_COLUMNS)
_EVENT_COLS: Final[list[str]] = list(_EVENT_DTYPES)
#: Columns that say where and when a row was read, not what it says: not part of its hash.
_PROVENANCE: Final = frozenset({"source_file", "source_line", "ingest_time", "content_hash"})
_HASH_COLS: Final[list[str]] = [c for c in _EVENT_COLS if c not in _PROVENANCE]
_TIME_COLS: Final[list[str]] = [c for c, t in _EVENT_DTYPES.items() if t.startswith("datetime64")]

#: Columns of a verdicts frame, and their dtypes.
VERDICT_COLUMNS: Final[dict[str, str]] = {
    "event_uid": "string",
    "agreement_id": "string",
    "provision_id": "string",
    "provision_type": "string",
    "verdict": "string",
    "probability": "float64",
    "p_space": "float64",
    "p_time": "float64",
    "party": "string",
    "reason": "string",
}
_VERDICT_REQUIRED: Final = ("event_uid", "provision_id", "verdict")

#: Event columns joined to verdicts for display.
DISPLAY_COLUMNS: Final[tuple[str, ...]] = (
    "event_date",
    "location",
    "latitude",
    "longitude",
    "actor1",
    "actor2",
    "fatalities",
    "event_type",
    "sub_event_type",
    "source_dataset",
)

#: Columns of an obligations frame, and their dtypes (``due`` is ISO-8601 text).
OBLIGATION_COLUMNS: Final[dict[str, str]] = {
    "agreement_id": "string",
    "provision_id": "string",
    "due": "string",
    "status": "string",
    "reason": "string",
}
_OBLIGATION_REQUIRED: Final = ("provision_id", "status")

#: Most values bound in one ``IN (...)`` (SQLite allowed only 999 variables before 3.32).
_IN_CHUNK: Final = 500


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


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _db_values(series: pd.Series) -> list[Any]:
    """A column as plain Python values for the driver: ``None`` for missing, times as text."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return schema.iso_utc(series)
    if series.dtype == np.float64:
        arr = series.to_numpy()
        values: list[Any] = arr.tolist()
        for i in np.flatnonzero(np.isnan(arr)):
            values[i] = None
        return values
    objects = series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    out: list[Any] = objects.tolist()
    return out


def _conformed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as an events frame with a plain index (normalised only if it is not one)."""
    ok = all(c in frame.columns and str(frame[c].dtype) == d for c, d in _EVENT_DTYPES.items())
    out = frame if ok else normalise_events(frame)
    return out.reset_index(drop=True)


def _as_day(value: str, name: str) -> str:
    """``YYYY-MM-DD`` from a day or an ISO timestamp string (only its date part is used)."""
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise StoreError(f"{name} must be an ISO date YYYY-MM-DD, not {value!r}") from None


def _dtype_for(column: Any) -> str:
    if isinstance(column.type, Integer):
        return "Int64"
    if isinstance(column.type, Double):
        return "float64"
    if isinstance(column.type, Boolean):
        return "boolean"
    return "string"


def _typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    for col, dtype in dtypes.items():
        frame[col] = frame[col].astype(dtype)  # type: ignore[call-overload]
    return frame


def _table_frame(conn: Connection, stmt: Select[Any], table: Table) -> pd.DataFrame:
    """Run ``stmt`` (selecting columns of ``table``) into a frame typed from the columns."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    frame = pd.DataFrame.from_records(result.all(), columns=keys)
    return _typed(frame, {k: _dtype_for(table.c[k]) for k in keys})


def _events_frame(records: list[dict[str, Any]] | list[Any], keys: list[str]) -> pd.DataFrame:
    """Stored event rows (values as stored) -> an events frame."""
    frame = pd.DataFrame.from_records(records, columns=keys)
    for col in _TIME_COLS:
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    out = normalise_events(frame)
    if "version" in out.columns:
        out["version"] = out["version"].astype("Int64")
    return out.reset_index(drop=True)


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


class SQLStore:
    """The :class:`ceasefire.store.Store` over an SQLAlchemy engine (SQLite, PostgreSQL, ...).

    Opening it migrates the schema to the latest version. Not safe to share between threads;
    any number of processes may open the same database (on SQLite, one writes at a time).

    >>> import pandas as pd
    >>> store = open_store(":memory:")
    >>> frame = pd.DataFrame({"event_uid": ["x:1"], "event_date": ["2020-03-06"]})
    >>> report = store.add_events(frame)
    >>> report.inserted, store.count_events()
    (1, 1)
    >>> store.add_events(frame).unchanged
    1
    >>> store.close()
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        try:
            migrate(engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open the store at {self.url}: {exc.orig}") from exc

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for queries the interface does not offer)."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"SQLStore({self.url!r})"

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every connection (on SQLite, the WAL is checkpointed by the last one)."""
        self._engine.dispose()

    # ------------------------------------------------------------------ ingest

    def ingest(
        self,
        source: str | BatchSource,
        path: str | Path,
        *,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Read ``path`` batch by batch and upsert it; each batch is one transaction.

        ``source`` is a reader name for :func:`ceasefire.sources.reader_for` (``"ucdp"``,
        ``"acled"``, ``"gdelt"``) or a reader object. ``progress(rows_read_so_far)`` is called
        after each committed batch. Rerunning on the same file stores nothing new. A run whose
        process died is left ``running`` in :meth:`ingests`; the next ingest on the same host
        marks it ``failed`` (see docs/store.md).
        """
        reader = self._reader(source)
        p = Path(path)
        if not p.is_file():
            raise EventReadError("no such file", file=str(p))
        if batch_size < 1:
            raise StoreError(f"batch_size must be at least 1, not {batch_size}")
        sha = file_sha256(p)
        self.fail_dead_ingests()
        ingest_id = self._start_ingest(reader.name, str(p), sha)
        total = IngestReport(ingest_id, str(p), 0, 0, 0, 0, 0)
        seen: dict[str, int] = {}
        try:
            for batch in reader.batches(p, batch_size=batch_size):
                with write_transaction(self._engine) as conn:
                    report = self._write(
                        conn,
                        batch.events,
                        batch.rejects,
                        ingest_id=ingest_id,
                        seen=seen,
                        sha_of=lambda _file: sha,
                        default_file=str(p),
                    )
                total = total + report
                if progress is not None:
                    progress(total.rows_read)
        except BaseException as exc:
            self._finish_ingest(ingest_id, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        self._finish_ingest(ingest_id, "done")
        return total

    @staticmethod
    def _reader(source: str | BatchSource) -> BatchSource:
        if not isinstance(source, str):
            return source
        from ceasefire.sources import reader_for  # type: ignore[attr-defined,unused-ignore]

        reader: BatchSource = reader_for(source)
        return reader

    def _start_ingest(self, source: str, file: str, sha: str) -> int:
        with write_transaction(self._engine) as conn:
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

    def _finish_ingest(self, ingest_id: int, status: str, *, error: str | None = None) -> None:
        try:
            with write_transaction(self._engine) as conn:
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

    def fail_dead_ingests(self) -> int:
        """Mark ``failed`` every ``running`` ingest whose process on this host is gone.

        Runs started on other hosts are left alone (their liveness cannot be checked). Returns
        how many were marked. :meth:`ingest` calls this first.
        """
        host = socket.gethostname()
        t = schema.ingests
        with self._engine.connect() as conn:
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
        with write_transaction(self._engine) as conn:
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

    def add_events(
        self,
        events: pd.DataFrame,
        *,
        rejects: Sequence[RejectLike] = (),
        ingest_id: int | None = None,
    ) -> IngestReport:
        """Upsert an events frame and its rejects in one transaction.

        New ``event_uid``s are inserted; a stored one with another ``content_hash`` is updated
        in place, its ``version`` bumped and the old row kept in ``event_versions``; one with the
        same hash is left alone. A row without ``event_uid`` gets
        ``"{source_dataset}:{source_row_id}"``; without those, or repeating an earlier row's uid,
        it is rejected. A missing ``content_hash`` is computed from the row's values, and a
        missing ``ingest_time`` is now. With ``ingest_id`` the counts are added to that ingest.
        """
        with write_transaction(self._engine) as conn:
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
            return self._write(
                conn,
                events,
                rejects,
                ingest_id=ingest_id,
                seen={},
                sha_of=sha_of,
                default_file=default_file,
            )

    def _write(
        self,
        conn: Connection,
        events: pd.DataFrame,
        rejects: Iterable[RejectLike],
        *,
        ingest_id: int | None,
        seen: dict[str, int],
        sha_of: Callable[[str], str],
        default_file: str,
    ) -> IngestReport:
        """Upsert one batch inside the caller's transaction (see :meth:`add_events`)."""
        frame = _conformed(events)
        bad: list[_Reject] = [
            _Reject(str(r.file), int(r.line), str(r.field), _text(r.value), str(r.reason))
            for r in rejects
        ]
        records = self._records(frame)
        keep: list[dict[str, Any]] = []
        for rec in records:
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
                rec["content_hash"] = content_hash(rec[c] for c in _HASH_COLS)
            keep.append(rec)

        inserted, updated, unchanged = self._upsert(conn, keep)
        rejected = self._store_rejects(conn, bad, ingest_id=ingest_id, sha_of=sha_of)
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

    @staticmethod
    def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Event rows as dicts of stored values."""
        columns = [_db_values(frame[c]) for c in _EVENT_COLS]
        now = schema.now_utc()
        i_time = _EVENT_COLS.index("ingest_time")
        columns[i_time] = [v if v is not None else now for v in columns[i_time]]
        return [dict(zip(_EVENT_COLS, row, strict=True)) for row in zip(*columns, strict=True)]

    def _upsert(self, conn: Connection, records: list[dict[str, Any]]) -> tuple[int, int, int]:
        """Insert new rows, update changed ones (keeping the old version); the three counts."""
        if not records:
            return 0, 0, 0
        t = schema.events
        stored: dict[str, tuple[str | None, int]] = {}
        for chunk in _chunks([r["event_uid"] for r in records]):
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
            for chunk in _chunks([r["event_uid"] for r in changed]):
                for row in conn.execute(select(t).where(t.c.event_uid.in_(chunk))).mappings():
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
        if new:
            conn.execute(insert(t), new)
        return len(new), len(changed), len(records) - len(new) - len(changed)

    def _store_rejects(
        self,
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

    # ------------------------------------------------------------------ reading events

    def events(
        self,
        *,
        source_dataset: str | None = None,
        since: str | None = None,
        until: str | None = None,
        uids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Stored events as an events frame (plus a ``version`` column), by day then uid.

        ``since`` and ``until`` are inclusive bounds on ``event_date`` (the local day the source
        gives); a timestamp is cut to its day.
        """
        t = schema.events
        where: list[ColumnElement[bool]] = []
        if source_dataset is not None:
            where.append(t.c.source_dataset == source_dataset)
        if since is not None:
            where.append(t.c.event_date >= _as_day(since, "since"))
        if until is not None:
            where.append(t.c.event_date <= _as_day(until, "until"))
        keys = [*_EVENT_COLS, "version"]
        base = select(*(t.c[k] for k in keys)).order_by(t.c.event_date, t.c.event_uid)
        rows: list[Any] = []
        with self._engine.connect() as conn:
            if uids is None:
                stmt = base.where(*where) if where else base
                if limit is not None:
                    stmt = stmt.limit(limit)
                rows = list(conn.execute(stmt).all())
            else:
                for chunk in _chunks(list(dict.fromkeys(uids))):
                    stmt = base.where(t.c.event_uid.in_(chunk), *where)
                    rows.extend(conn.execute(stmt).all())
                rows.sort(key=lambda r: (r.event_date is None, r.event_date or "", r.event_uid))
                if limit is not None:
                    rows = rows[:limit]
        return _events_frame(rows, keys)

    def event_versions(self, event_uid: str) -> pd.DataFrame:
        """The superseded versions of one event, oldest first: an events frame plus ``version``
        and ``superseded_at`` (the current version is in :meth:`events`)."""
        t = schema.event_versions
        with self._engine.connect() as conn:
            found = conn.execute(
                select(t.c.version, t.c.row_json, t.c.superseded_at)
                .where(t.c.event_uid == event_uid)
                .order_by(t.c.version)
            ).all()
        records = []
        for version, row_json, superseded_at in found:
            rec = json.loads(row_json)
            rec["version"] = version
            rec["superseded_at"] = superseded_at
            records.append(rec)
        keys = [*_EVENT_COLS, "version", "superseded_at"]
        frame = _events_frame([[r.get(k) for k in keys] for r in records], keys)
        frame["superseded_at"] = pd.to_datetime(frame["superseded_at"], utc=True, format="ISO8601")
        return frame

    def count_events(self) -> int:
        """How many events are stored."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.events)).scalar_one())

    def rejects(self, *, file: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Stored rejects (``ingest_id, file, file_sha256, line, field, value, reason``), by file
        and line."""
        t = schema.rejects
        cols = [t.c[k] for k in ("ingest_id", "file", "file_sha256", "line", "field", "value")]
        stmt = select(*cols, t.c.reason).order_by(t.c.file, t.c.line, t.c.field)
        if file is not None:
            stmt = stmt.where(t.c.file == file)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._engine.connect() as conn:
            return _table_frame(conn, stmt, t)

    def ingests(self) -> pd.DataFrame:
        """Every ingest run, oldest first (one row per :meth:`ingest` call)."""
        t = schema.ingests
        with self._engine.connect() as conn:
            return _table_frame(conn, select(t).order_by(t.c.id), t)

    # ------------------------------------------------------------------ agreements and zones

    def put_agreement(self, agreement_id: str, yaml_text: str, source: str) -> None:
        """Store an agreement's YAML text under ``agreement_id``, replacing any earlier one."""
        t = schema.agreements
        with write_transaction(self._engine) as conn:
            conn.execute(delete(t).where(t.c.id == agreement_id))
            conn.execute(
                insert(t).values(
                    id=agreement_id, yaml=yaml_text, source=source, loaded_at=schema.now_utc()
                )
            )

    def agreements(self) -> dict[str, str]:
        """Agreement id -> YAML text, by id."""
        t = schema.agreements
        with self._engine.connect() as conn:
            return {
                str(i): str(y) for i, y in conn.execute(select(t.c.id, t.c.yaml).order_by(t.c.id))
            }

    def put_zone(self, feature: dict[str, Any]) -> None:
        """Store a zone, a GeoJSON Feature whose ``properties`` hold ``id`` (required), ``name``,
        ``kind``, ``approximation_note``, ``approximation_error_km``, ``source`` and
        ``derived_from``; replaces a stored zone with the same id."""
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise GeometryError("a zone must be a GeoJSON Feature", field="type")
        props = feature.get("properties")
        if not isinstance(props, dict) or not isinstance(props.get("id"), str) or not props["id"]:
            raise GeometryError("a zone Feature needs a text properties.id", field="properties.id")
        if not isinstance(feature.get("geometry"), dict):
            raise GeometryError(
                "a zone Feature needs a geometry", field="geometry", value=props["id"]
            )
        error_km = props.get("approximation_error_km")
        if error_km is not None and not isinstance(error_km, int | float):
            raise GeometryError(
                "approximation_error_km must be a number",
                field="properties.approximation_error_km",
                value=error_km,
            )
        try:
            text = json.dumps(feature, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise GeometryError(
                f"the zone Feature is not JSON: {exc}", field="properties.id", value=props["id"]
            ) from exc

        def opt(key: str) -> str | None:
            v = props.get(key)
            return None if v is None else str(v)

        t = schema.zones
        with write_transaction(self._engine) as conn:
            conn.execute(delete(t).where(t.c.id == props["id"]))
            conn.execute(
                insert(t).values(
                    id=props["id"],
                    name=opt("name"),
                    kind=opt("kind"),
                    geojson=text,
                    approximation_note=opt("approximation_note"),
                    approximation_error_km=None if error_km is None else float(error_km),
                    source=opt("source"),
                    derived_from=opt("derived_from"),
                    updated_at=schema.now_utc(),
                )
            )

    def zones(self) -> list[dict[str, Any]]:
        """The stored zone Features, by id."""
        t = schema.zones
        with self._engine.connect() as conn:
            return [json.loads(g) for (g,) in conn.execute(select(t.c.geojson).order_by(t.c.id))]

    # ------------------------------------------------------------------ evaluations

    def put_evaluation(
        self,
        agreement_id: str,
        verdicts: pd.DataFrame,
        obligations: pd.DataFrame,
        *,
        n_events: int,
        settings: dict[str, Any],
    ) -> int:
        """Record an evaluation of ``agreement_id`` and replace its verdicts and obligations.

        One transaction: readers see either the old verdicts or the new ones. ``verdicts`` needs
        ``event_uid, provision_id, verdict`` (the other :data:`VERDICT_COLUMNS` may be missing);
        ``obligations`` needs ``provision_id, status``. An ``agreement_id`` column, if present,
        must match. Returns the new evaluation's id.
        """
        v_rows = _frame_rows(verdicts, VERDICT_COLUMNS, _VERDICT_REQUIRED, agreement_id, "verdicts")
        o_rows = _frame_rows(
            obligations, OBLIGATION_COLUMNS, _OBLIGATION_REQUIRED, agreement_id, "obligations"
        )
        try:
            settings_text = json.dumps(settings, sort_keys=True, default=str)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"evaluation settings are not JSON: {exc}") from exc
        try:
            with write_transaction(self._engine) as conn:
                result = conn.execute(
                    insert(schema.evaluations).values(
                        agreement_id=agreement_id,
                        created_at=schema.now_utc(),
                        n_events=int(n_events),
                        n_verdicts=len(v_rows),
                        settings=settings_text,
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                evaluation_id = int(key[0])
                conn.execute(
                    delete(schema.verdicts).where(schema.verdicts.c.agreement_id == agreement_id)
                )
                conn.execute(
                    delete(schema.obligations).where(
                        schema.obligations.c.agreement_id == agreement_id
                    )
                )
                if v_rows:
                    conn.execute(
                        insert(schema.verdicts),
                        [{**r, "evaluation_id": evaluation_id} for r in v_rows],
                    )
                if o_rows:
                    conn.execute(
                        insert(schema.obligations),
                        [{**r, "evaluation_id": evaluation_id} for r in o_rows],
                    )
        except IntegrityError as exc:
            raise StoreError(
                f"cannot store the evaluation of {agreement_id!r}: {exc.orig} "
                "(one verdict per agreement, provision and event)"
            ) from exc
        return evaluation_id

    def verdicts(
        self,
        *,
        agreement_id: str | None = None,
        provision_id: str | None = None,
        verdict: str | None = None,
        since: str | None = None,
        party: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Stored verdicts (:data:`VERDICT_COLUMNS`) joined with the event's
        :data:`DISPLAY_COLUMNS` (missing where the event is not stored), by agreement,
        provision, event day and uid. ``since`` is an inclusive bound on ``event_date``."""
        v, e = schema.verdicts, schema.events
        stmt = (
            select(*(v.c[k] for k in VERDICT_COLUMNS), *(e.c[k] for k in DISPLAY_COLUMNS))
            .select_from(v.outerjoin(e, v.c.event_uid == e.c.event_uid))
            .order_by(v.c.agreement_id, v.c.provision_id, e.c.event_date, v.c.event_uid)
        )
        for col, value in (
            (v.c.agreement_id, agreement_id),
            (v.c.provision_id, provision_id),
            (v.c.verdict, verdict),
            (v.c.party, party),
        ):
            if value is not None:
                stmt = stmt.where(col == value)
        if since is not None:
            stmt = stmt.where(e.c.event_date >= _as_day(since, "since"))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._engine.connect() as conn:
            result = conn.execute(stmt)
            frame = pd.DataFrame.from_records(result.all(), columns=list(result.keys()))
        dtypes = {**VERDICT_COLUMNS, **{k: _EVENT_DTYPES[k] for k in DISPLAY_COLUMNS}}
        return _typed(frame, dtypes)

    def obligations(self, agreement_id: str | None = None) -> pd.DataFrame:
        """Stored obligations (:data:`OBLIGATION_COLUMNS`), by agreement, provision and due."""
        t = schema.obligations
        stmt = select(*(t.c[k] for k in OBLIGATION_COLUMNS)).order_by(
            t.c.agreement_id, t.c.provision_id, t.c.due, t.c.id
        )
        if agreement_id is not None:
            stmt = stmt.where(t.c.agreement_id == agreement_id)
        with self._engine.connect() as conn:
            result = conn.execute(stmt)
            frame = pd.DataFrame.from_records(result.all(), columns=list(result.keys()))
        return _typed(frame, OBLIGATION_COLUMNS)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return str(value)


def _single_file(records: list[dict[str, Any]], bad: list[_Reject]) -> str:
    files = {r["source_file"] for r in records if r["source_file"]} | {r.file for r in bad}
    return files.pop() if len(files) == 1 else ""


def _iso_text(series: pd.Series) -> list[Any]:
    """Times or days as ISO text (``due``): datetimes as stored times, dates as days."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return schema.iso_utc(series)
    out: list[Any] = []
    for v in _db_values(series):
        if v is None:
            out.append(None)
        elif isinstance(v, datetime):
            out.append(schema.iso_utc(pd.Series([v]))[0])
        elif isinstance(v, date):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return out


def _frame_rows(
    frame: pd.DataFrame,
    columns: dict[str, str],
    required: Sequence[str],
    agreement_id: str,
    what: str,
) -> list[dict[str, Any]]:
    """Rows of a verdicts/obligations frame as dicts of stored values, checked."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise StoreError(f"{what} frame lacks column(s) {', '.join(missing)}")
    n = len(frame)
    values: dict[str, list[Any]] = {}
    for col, dtype in columns.items():
        if col == "agreement_id":
            continue
        if col not in frame.columns:
            values[col] = [None] * n
        elif col == "due":
            values[col] = _iso_text(frame[col])
        elif dtype == "float64":
            values[col] = _db_values(pd.to_numeric(frame[col], errors="raise").astype("float64"))
        else:
            values[col] = [None if x is None else str(x) for x in _db_values(frame[col])]
    if "agreement_id" in frame.columns:
        others = set(frame["agreement_id"].dropna().astype(str)) - {agreement_id}
        if others:
            raise StoreError(
                f"{what} for {agreement_id!r} hold rows of other agreements: {sorted(others)}"
            )
    for col in required:
        if any(x is None for x in values[col]):
            raise StoreError(f"{what} frame has rows without {col}")
    keys = list(values)
    rows = [dict(zip(keys, row, strict=True)) for row in zip(*values.values(), strict=True)]
    for r in rows:
        r["agreement_id"] = agreement_id
    return rows


def open_store(
    path_or_url: str | Path = "ceasefire.db", *, busy_timeout_s: float = 30.0
) -> SQLStore:
    """Open (creating and migrating as needed) the store at a path or SQLAlchemy URL.

    A plain path is an SQLite file (WAL journal, foreign keys on, ``synchronous=NORMAL``, and a
    writer waits up to ``busy_timeout_s`` for another to finish before :class:`StoreError`);
    ``":memory:"`` is a private in-memory SQLite database.

    >>> store = open_store(":memory:")
    >>> store.count_events(), store.agreements()
    (0, {})
    >>> store.close()
    """
    engine = create_store_engine(path_or_url, busy_timeout_s=busy_timeout_s)
    try:
        return SQLStore(engine)
    except BaseException:
        engine.dispose()
        raise
