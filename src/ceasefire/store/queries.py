"""Reading what ingest stored: events, their superseded versions, rejects and ingest runs.

Each function opens its own connection on the engine (on SQLite a plain ``BEGIN``, which in WAL
sees the last commit and never waits for a writer) and returns a typed frame.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, select

from ceasefire.store import schema
from ceasefire.store.rows import EVENT_COLS, as_day, chunks, events_frame, table_frame

__all__ = ["count_events", "event_versions", "events", "ingests", "rejects"]


def events(
    engine: Engine,
    *,
    source_dataset: str | None = None,
    since: str | None = None,
    until: str | None = None,
    uids: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Stored events as an events frame (plus a ``version`` column), by day then uid.

    ``since`` and ``until`` are inclusive bounds on ``event_date``; a timestamp is cut to its day.
    """
    t = schema.events
    where: list[ColumnElement[bool]] = []
    if source_dataset is not None:
        where.append(t.c.source_dataset == source_dataset)
    if since is not None:
        where.append(t.c.event_date >= as_day(since, "since"))
    if until is not None:
        where.append(t.c.event_date <= as_day(until, "until"))
    keys = [*EVENT_COLS, "version"]
    base = select(*(t.c[k] for k in keys)).order_by(t.c.event_date, t.c.event_uid)
    rows: list[Any] = []
    with engine.connect() as conn:
        if uids is None:
            stmt = base.where(*where) if where else base
            if limit is not None:
                stmt = stmt.limit(limit)
            rows = list(conn.execute(stmt).all())
        else:
            for chunk in chunks(list(dict.fromkeys(uids))):
                stmt = base.where(t.c.event_uid.in_(chunk), *where)
                rows.extend(conn.execute(stmt).all())
            rows.sort(key=lambda r: (r.event_date is None, r.event_date or "", r.event_uid))
            if limit is not None:
                rows = rows[:limit]
    return events_frame(rows, keys)


def event_versions(engine: Engine, event_uid: str) -> pd.DataFrame:
    """The superseded versions of one event, oldest first: an events frame plus ``version``
    and ``superseded_at``."""
    t = schema.event_versions
    with engine.connect() as conn:
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
    keys = [*EVENT_COLS, "version", "superseded_at"]
    frame = events_frame([[r.get(k) for k in keys] for r in records], keys)
    frame["superseded_at"] = pd.to_datetime(frame["superseded_at"], utc=True, format="ISO8601")
    return frame


def count_events(engine: Engine) -> int:
    """How many events are stored."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.events)).scalar_one())


def rejects(engine: Engine, *, file: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Stored rejects (``ingest_id, file, file_sha256, line, field, value, reason``), by file
    and line."""
    t = schema.rejects
    cols = [t.c[k] for k in ("ingest_id", "file", "file_sha256", "line", "field", "value")]
    stmt = select(*cols, t.c.reason).order_by(t.c.file, t.c.line, t.c.field)
    if file is not None:
        stmt = stmt.where(t.c.file == file)
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return table_frame(conn, stmt, t)


def ingests(engine: Engine) -> pd.DataFrame:
    """Every ingest run, oldest first."""
    t = schema.ingests
    with engine.connect() as conn:
        return table_frame(conn, select(t).order_by(t.c.id), t)
