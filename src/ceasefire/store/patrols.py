"""Patrols as stored: files imported, patrols, their GPS fixes and their incidents.

:func:`put_patrols` writes the patrols read from one file in one transaction, keyed by the
sha256 of the file's bytes: importing the same file again does nothing (and says so), and a
patrol already stored from another file (same content, same id) is not stored twice.
:func:`patrols` reads them back as :class:`ceasefire.patrols.Patrol` objects, with or without
their tracks; :func:`patrol_rows` as a frame; :func:`put_incidents` replaces the incidents.

>>> import datetime as dt
>>> from ceasefire.patrols import Patrol
>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> plan = Patrol.plan(route="m4-trumba-ain-al-havr", date=dt.date(2020, 3, 15),
...     start_point=(36.7667, 35.8589), end_point=(36.151, 35.8105), parties="russia,turkey")
>>> put_patrols(store.engine, [plan], file="plan.geojson", file_sha256="ab" * 32)
(1, 0)
>>> put_patrols(store.engine, [plan], file="plan.geojson", file_sha256="ab" * 32)
(0, 1)
>>> [p.planned for p in patrols(store.engine)]
[True]
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, ScalarSelect, delete, insert, select

from ceasefire.patrols.model import PATROL_COLUMNS, Patrol, Track
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.rows import as_day

__all__ = [
    "PATROL_ROW_COLUMNS",
    "incidents",
    "patrol_rows",
    "patrols",
    "put_incidents",
    "put_patrols",
]

#: Columns of :func:`patrol_rows`.
PATROL_ROW_COLUMNS: Final = (*PATROL_COLUMNS, "repairs")


def put_patrols(
    engine: Engine,
    items: Sequence[Patrol],
    *,
    file: str,
    file_sha256: str,
    replace: bool = False,
) -> tuple[int, int]:
    """Store the patrols of one file, in one transaction: (inserted, skipped). A file stored
    before is skipped whole, unless ``replace``: then its patrols (with their points and
    incidents) are deleted and stored again, e.g. with corrected parties or status."""
    t = schema.patrols
    with write_transaction(engine) as conn:
        seen = conn.execute(
            select(schema.patrol_files.c.file_sha256).where(
                schema.patrol_files.c.file_sha256 == file_sha256
            )
        ).first()
        if seen is not None and not replace:
            return 0, len(items)
        if seen is not None:
            _delete_file(conn, file_sha256)
        ids = [p.patrol_id for p in items]
        if replace:  # the same track stored from another file: this file's record wins
            _delete_patrols(conn, ids)
        have = set(conn.execute(select(t.c.patrol_id).where(t.c.patrol_id.in_(ids))).scalars())
        now = schema.now_utc()
        conn.execute(
            insert(schema.patrol_files),
            [
                {
                    "file_sha256": file_sha256,
                    "file": file,
                    "n_patrols": len(items),
                    "imported_at": now,
                }
            ],
        )
        new = [p for p in dict((p.patrol_id, p) for p in items).values() if p.patrol_id not in have]
        if new:
            conn.execute(insert(t), [_patrol_row(p, file_sha256, now) for p in new])
            points = [r for p in new for r in _point_rows(p)]
            if points:
                conn.execute(insert(schema.patrol_points), points)
    return len(new), len(items) - len(new)


def _delete_patrols(conn: Connection, ids: Sequence[str] | ScalarSelect[Any]) -> None:
    """Delete these patrols (ids, or a subquery of them) with their points and incidents."""
    t = schema.patrols
    conn.execute(
        delete(schema.patrol_incidents).where(schema.patrol_incidents.c.patrol_id.in_(ids))
    )
    conn.execute(delete(schema.patrol_points).where(schema.patrol_points.c.patrol_id.in_(ids)))
    conn.execute(delete(t).where(t.c.patrol_id.in_(ids)))


def _delete_file(conn: Connection, file_sha256: str) -> None:
    """Delete a file's record and the patrols stored from it, with their points and incidents."""
    t = schema.patrols
    _delete_patrols(
        conn, select(t.c.patrol_id).where(t.c.file_sha256 == file_sha256).scalar_subquery()
    )
    conn.execute(
        delete(schema.patrol_files).where(schema.patrol_files.c.file_sha256 == file_sha256)
    )


def _patrol_row(p: Patrol, sha: str, now: str) -> dict[str, Any]:
    tr = p.track
    timed = tr is not None and len(tr) > 0 and not np.isnat(tr.time[0])
    times = schema.iso_utc(pd.Series([tr.time[0], tr.time[-1]])) if timed and tr else [None, None]
    s, e = p.start_point or (None, None), p.end_point or (None, None)
    return {
        "patrol_id": p.patrol_id,
        "file_sha256": sha,
        "source": p.source,
        "route": p.route,
        "date": p.date.isoformat(),
        "parties": ",".join(p.parties),
        "status": p.status,
        "planned": p.planned,
        "start_lon": s[0],
        "start_lat": s[1],
        "end_lon": e[0],
        "end_lat": e[1],
        "start_time": times[0],
        "end_time": times[1],
        "n_points": 0 if tr is None else len(tr),
        "repairs": json.dumps(list(tr.repairs)) if tr is not None and tr.repairs else None,
        "notes": p.notes or None,
        "imported_at": now,
    }


def _point_rows(p: Patrol) -> list[dict[str, Any]]:
    tr = p.track
    if tr is None or len(tr) == 0:
        return []
    times = schema.iso_utc(pd.Series(tr.time))
    return [
        {"patrol_id": p.patrol_id, "seq": i, "time": t, "lon": x, "lat": y}
        for i, (t, x, y) in enumerate(zip(times, tr.lon.tolist(), tr.lat.tolist(), strict=True))
    ]


def _where(stmt: Any, route: str | None, since: str | None, until: str | None) -> Any:
    t = schema.patrols
    if route is not None:
        stmt = stmt.where(t.c.route == route)
    if since is not None:
        stmt = stmt.where(t.c.date >= as_day(since, "since"))
    if until is not None:
        stmt = stmt.where(t.c.date <= as_day(until, "until"))
    return stmt.order_by(t.c.date, t.c.patrol_id)


def patrol_rows(
    engine: Engine, *, route: str | None = None, since: str | None = None, until: str | None = None
) -> pd.DataFrame:
    """Stored patrols as a frame (:data:`PATROL_ROW_COLUMNS`; ``parties`` comma-joined)."""
    t = schema.patrols
    with engine.connect() as conn:
        rows = conn.execute(
            _where(select(*(t.c[c] for c in PATROL_ROW_COLUMNS)), route, since, until)
        )
        frame = pd.DataFrame(rows.mappings().all(), columns=list(PATROL_ROW_COLUMNS))
    frame["planned"] = frame["planned"].astype(bool)
    return frame


def patrols(
    engine: Engine,
    *,
    route: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tracks: bool = True,
) -> list[Patrol]:
    """Stored patrols as :class:`Patrol` objects, by date (with their tracks unless
    ``tracks=False``)."""
    t, pt = schema.patrols, schema.patrol_points
    with engine.connect() as conn:
        rows = conn.execute(_where(select(t), route, since, until)).mappings().all()
        points: dict[str, Track] = {}
        if tracks and rows:
            # the same filters joined, not a list of ids (no bound-parameter limit); each
            # patrol's points together, in order
            joined = select(pt.c.patrol_id, pt.c.time, pt.c.lon, pt.c.lat).join(
                t, t.c.patrol_id == pt.c.patrol_id
            )
            stmt = _where(joined, route, since, until).order_by(pt.c.seq)
            frame = pd.DataFrame(
                conn.execute(stmt).all(), columns=["patrol_id", "time", "lon", "lat"]
            )
            points = _tracks(frame, {r["patrol_id"]: r for r in rows})
    return [_patrol(r, points.get(r["patrol_id"])) for r in rows]


def _tracks(frame: pd.DataFrame, rows: dict[str, Any]) -> dict[str, Track]:
    if frame.empty:
        return {}
    ids = frame["patrol_id"].to_numpy()
    cut = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = np.concatenate([[0], cut, [len(ids)]])
    time = pd.to_datetime(frame["time"], utc=True).dt.tz_localize(None).to_numpy("datetime64[ns]")
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    out = {}
    for a, b in itertools.pairwise(bounds):
        pid = str(ids[a])
        r = rows[pid]
        repairs = tuple(json.loads(r["repairs"])) if r["repairs"] else ()
        out[pid] = Track(time[a:b], lon[a:b], lat[a:b], source=r["source"] or "", repairs=repairs)
    return out


def _patrol(r: Any, track: Track | None) -> Patrol:
    def pt(lon: float | None, lat: float | None) -> tuple[float, float] | None:
        return None if lon is None or lat is None else (lon, lat)

    return Patrol(
        patrol_id=r["patrol_id"],
        route=r["route"],
        date=dt.date.fromisoformat(r["date"]),
        parties=tuple(x for x in r["parties"].split(",") if x),
        status=r["status"],
        planned=bool(r["planned"]),
        start_point=pt(r["start_lon"], r["start_lat"]),
        end_point=pt(r["end_lon"], r["end_lat"]),
        track=track,
        source=r["source"] or "",
        notes=r["notes"] or "",
    )


def put_incidents(engine: Engine, frame: pd.DataFrame) -> int:
    """Replace the stored incidents with ``frame`` (see :func:`ceasefire.patrols.incidents`)."""
    cols = ["patrol_id", "event_uid", "km", "offset_km", "distance_km", "verdict", "reason"]
    rows = [dict(zip(cols, r, strict=True)) for r in frame[cols].itertuples(index=False)]
    with write_transaction(engine) as conn:
        conn.execute(delete(schema.patrol_incidents))
        if rows:
            conn.execute(insert(schema.patrol_incidents), rows)
    return len(rows)


def incidents(engine: Engine) -> pd.DataFrame:
    """Stored incidents, by patrol and event."""
    t = schema.patrol_incidents
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.patrol_id, t.c.event_uid)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in t.columns])
