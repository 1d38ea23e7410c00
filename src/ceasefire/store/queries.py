"""Reading what ingest stored: events, their superseded versions, rejects and ingest runs.

Each function opens its own connection on the engine (on SQLite a plain ``BEGIN``, which in WAL
sees the last commit and never waits for a writer) and returns a typed frame.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, func, select

from ceasefire.reports import SPORADIC_SOURCES
from ceasefire.store import schema
from ceasefire.store.rows import EVENT_COLS, as_day, chunks, events_frame, table_frame

__all__ = [
    "count_events",
    "event_versions",
    "events",
    "evidence_span",
    "ingests",
    "precise_report_positions",
    "rejects",
]


def events(
    engine: Engine | Connection,
    *,
    source_dataset: str | None = None,
    since: str | None = None,
    until: str | None = None,
    uids: Sequence[str] | None = None,
    limit: int | None = None,
    precise: bool = False,
) -> pd.DataFrame:
    """Stored events as an events frame (plus a ``version`` column), by day then uid.

    ``since`` and ``until`` are inclusive bounds on ``event_date``; a timestamp is cut to its day.
    With ``precise``, field reports' events are at their precise estimate (see
    :func:`precise_report_positions`): for evaluation only, never for display. ``engine`` may
    be a connection, to read inside its transaction (what an evaluation re-judges, see
    :func:`ceasefire.store.evaluations.put_evaluation`).
    """
    t = schema.events
    # an event its provider withdrew (schema 16) is no longer evidence
    where: list[ColumnElement[bool]] = [t.c.withdrawn_at.is_(None)]
    if source_dataset is not None:
        where.append(t.c.source_dataset == source_dataset)
    if since is not None:
        where.append(t.c.event_date >= as_day(since, "since"))
    if until is not None:
        where.append(t.c.event_date <= as_day(until, "until"))
    keys = [*EVENT_COLS, "version"]
    base = select(*(t.c[k] for k in keys)).order_by(t.c.event_date, t.c.event_uid)
    rows: list[Any] = []
    with nullcontext(engine) if isinstance(engine, Connection) else engine.connect() as conn:
        if uids is None:
            stmt = base.where(*where)
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
        frame = events_frame(rows, keys)
        return precise_report_positions(conn, frame) if precise else frame


def precise_report_positions(conn: Connection, events: pd.DataFrame) -> pd.DataFrame:
    """``events`` with each field report's event moved from its published position (what the
    ``events`` table holds) to the report's precise estimate: ``est_longitude``,
    ``est_latitude`` and ``radius_km`` of ``field_reports`` as ``longitude``, ``latitude`` and
    ``location_uncertainty_km``. What an evaluation judges, so that a report's verdicts do not
    depend on the coarsening; the result must not be shown to anyone (it holds observers'
    positions). Rows that are not a stored report's event are left as they are."""
    r = schema.field_reports
    reports = (events["source_dataset"] == "field_report").fillna(False).to_numpy(dtype=bool)
    wanted = events.loc[reports, "event_uid"].dropna().astype(str).tolist()
    found: dict[str, tuple[float, float, float]] = {}
    for chunk in chunks(wanted):
        stmt = select(r.c.event_uid, r.c.est_longitude, r.c.est_latitude, r.c.radius_km).where(
            r.c.event_uid.in_(chunk)
        )
        for uid, lon, lat, radius in conn.execute(stmt):
            found[str(uid)] = (float(lon), float(lat), float(radius))
    if not found:
        return events
    out = events.copy()
    hit = reports & out["event_uid"].isin(list(found)).fillna(False).to_numpy(dtype=bool)
    at = [found[u] for u in out.loc[hit, "event_uid"]]
    for i, col in enumerate(("longitude", "latitude", "location_uncertainty_km")):
        out.loc[hit, col] = [p[i] for p in at]
    return out


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
    """How many events are stored (withdrawn ones not counted)."""
    current = schema.events.c.withdrawn_at.is_(None)
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(schema.events).where(current)
        return int(conn.execute(stmt).scalar_one())


def evidence_span(engine: Engine) -> tuple[str, str] | None:
    """The first and the last ``event_date`` of the systematic evidence stored
    (``YYYY-MM-DD``), or None: the days the evidence covers (as
    :func:`ceasefire.reports.evidence_span` of every stored event: field reports and news
    articles do not cover a day)."""
    t = schema.events
    d = t.c.event_date
    with engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(d), func.max(d)).where(
                t.c.source_dataset.not_in(SPORADIC_SOURCES), t.c.withdrawn_at.is_(None)
            )
        ).one()
    return (str(first)[:10], str(last)[:10]) if first and last else None


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
