"""Humanitarian evidence as stored (schema version 13): aid deliveries and population movements.

:func:`put_aid_deliveries` and :func:`put_population_movements` store a batch of records in one
write transaction, with its audit row (``humanitarian.import``, the file and the counts) when
anything new was stored. A record whose ``record_id`` is stored already is skipped: the id is a
hash of the record's content and its occurrence in its file
(:func:`ceasefire.humanitarian.record_ids`), so importing a file again stores nothing twice.
:func:`aid_deliveries` and :func:`population_movements` read them back as frames
(:data:`~ceasefire.humanitarian.AID_COLUMNS`, :data:`~ceasefire.humanitarian.MOVEMENT_COLUMNS`).

>>> import datetime as dt
>>> from ceasefire.humanitarian import AidDelivery, record_ids
>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> rows = record_ids([AidDelivery(dt.date(2020, 3, 9), "Bab al-Hawa", trucks=40)])
>>> put_aid_deliveries(store.engine, rows, file="a.csv"), put_aid_deliveries(
...     store.engine, rows, file="a.csv")
((1, 0), (0, 1))
>>> aid_deliveries(store.engine)[["date", "place", "trucks", "status"]].values.tolist()
[['2020-03-09', 'Bab al-Hawa', 40, 'delivered']]
>>> store.close()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
from sqlalchemy import Connection, Engine, Table, insert, select

from ceasefire.humanitarian.model import (
    AID_COLUMNS,
    MOVEMENT_COLUMNS,
    AidDelivery,
    EvidenceKind,
    PopulationMovement,
)
from ceasefire.humanitarian.read import read_batches
from ceasefire.sources.batch import Reject
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.rows import as_day
from ceasefire.store.workspace import User, record

if TYPE_CHECKING:
    from ceasefire.store.base import Store

__all__ = [
    "AUDIT_ACTION",
    "HumanitarianImport",
    "aid_deliveries",
    "import_file",
    "population_movements",
    "put_aid_deliveries",
    "put_population_movements",
]

#: The audit log's action for an import.
AUDIT_ACTION: Final = "humanitarian.import"
#: Ids looked up per query (well under every database's bound-parameter limit).
_CHUNK: Final = 500


def _stored(conn: Connection, table: Table, ids: Sequence[str]) -> set[str]:
    have: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        part = list(ids[i : i + _CHUNK])
        have.update(
            conn.execute(select(table.c.record_id).where(table.c.record_id.in_(part))).scalars()
        )
    return have


def _row(r: AidDelivery | PopulationMovement, cols: Sequence[str], now: str) -> dict[str, Any]:
    row: dict[str, Any] = {c: getattr(r, c) for c in cols}
    row["date"] = r.date.isoformat()
    for c in ("status", "kind", "date_precision"):
        if c in row:
            row[c] = str(row[c])
    row["imported_at"] = now
    return row


def _put(
    engine: Engine,
    table: Table,
    records: Sequence[AidDelivery | PopulationMovement],
    cols: Sequence[str],
    *,
    file: str,
    kind: str,
    actor: User | None,
) -> tuple[int, int]:
    missing = [r for r in records if not r.record_id]
    if missing:
        raise ValueError("records need their ids: see ceasefire.humanitarian.record_ids")
    unique = list(dict((r.record_id, r) for r in records).values())
    with write_transaction(engine) as conn:
        have = _stored(conn, table, [r.record_id for r in unique])
        new = [r for r in unique if r.record_id not in have]
        if new:
            now = schema.now_utc()
            conn.execute(insert(table), [_row(r, cols, now) for r in new])
            record(
                conn,
                actor,
                AUDIT_ACTION,
                f"file:{file}",
                {"kind": kind, "inserted": len(new), "skipped": len(records) - len(new)},
            )
    return len(new), len(records) - len(new)


def put_aid_deliveries(
    engine: Engine, records: Sequence[AidDelivery], *, file: str, actor: User | None = None
) -> tuple[int, int]:
    """Store aid deliveries read from ``file`` in one transaction, audited: (inserted,
    skipped as stored already)."""
    return _put(
        engine, schema.aid_deliveries, records, AID_COLUMNS, file=file, kind="aid", actor=actor
    )


def put_population_movements(
    engine: Engine, records: Sequence[PopulationMovement], *, file: str, actor: User | None = None
) -> tuple[int, int]:
    """Store movement figures read from ``file`` in one transaction, audited: (inserted,
    skipped as stored already)."""
    return _put(
        engine,
        schema.population_movements,
        records,
        MOVEMENT_COLUMNS,
        file=file,
        kind="movements",
        actor=actor,
    )


def _read(
    engine: Engine, table: Table, cols: Sequence[str], since: str | None, until: str | None
) -> pd.DataFrame:
    stmt = select(*(table.c[c] for c in cols))
    if since is not None:
        stmt = stmt.where(table.c.date >= as_day(since, "since"))
    if until is not None:
        stmt = stmt.where(table.c.date <= as_day(until, "until"))
    stmt = stmt.order_by(table.c.date, table.c.source_file, table.c.source_line, table.c.record_id)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=list(cols))
    for c in ("trucks", "people", "source_line"):
        if c in frame.columns:
            frame[c] = frame[c].astype("Int64")
    for c in ("lat", "lon"):
        frame[c] = frame[c].astype("float64")
    return frame


def aid_deliveries(
    engine: Engine, *, since: str | None = None, until: str | None = None
) -> pd.DataFrame:
    """Stored aid deliveries (:data:`~ceasefire.humanitarian.AID_COLUMNS`), by date; ``since``
    and ``until`` are inclusive days."""
    return _read(engine, schema.aid_deliveries, AID_COLUMNS, since, until)


def population_movements(
    engine: Engine, *, since: str | None = None, until: str | None = None
) -> pd.DataFrame:
    """Stored movement figures (:data:`~ceasefire.humanitarian.MOVEMENT_COLUMNS`), by date;
    ``since`` and ``until`` are inclusive days."""
    return _read(engine, schema.population_movements, MOVEMENT_COLUMNS, since, until)


@dataclass
class HumanitarianImport:
    """What importing one file did: ``rows`` read = rows that gave records + ``rejected``;
    ``records`` made from them = ``inserted`` + ``skipped`` (stored already: a re-import).
    ``rejects`` holds every rejected row (file, line, field, value, why)."""

    file: str
    kind: EvidenceKind
    rows: int = 0
    records: int = 0
    inserted: int = 0
    skipped: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Rows rejected."""
        return len(self.rejects)


def import_file(
    store: Store,
    path: str | Path,
    kind: EvidenceKind | str | None = None,
    *,
    actor: User | None = None,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> HumanitarianImport:
    """Read an aid-delivery or movement CSV (``kind``: ``aid``, ``movements`` or None/``auto``
    from its header) batch by batch and store each batch in one audited transaction; rejected
    rows are counted and kept in the result, never stored. ``progress(rows)`` after each
    batch. A file that is neither raises :class:`~ceasefire.errors.EventReadError` before
    anything is stored."""
    done: HumanitarianImport | None = None
    for batch in read_batches(path, kind, batch_size=batch_size):
        if done is None:
            done = HumanitarianImport(batch.file, batch.kind)
        put = (
            store.put_aid_deliveries
            if batch.kind is EvidenceKind.AID
            else store.put_population_movements
        )
        if batch.records:
            ins, skip = put(batch.records, file=batch.file, actor=actor)
            done.inserted += ins
            done.skipped += skip
        done.rows += batch.rows
        done.records += len(batch.records)
        done.rejects.extend(batch.rejects)
        if progress is not None:
            progress(batch.rows)
    assert done is not None  # read_batches yields at least one batch
    return done
