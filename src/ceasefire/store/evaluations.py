"""Evaluations as stored: each agreement's latest verdicts and obligations.

:func:`put_evaluation` records an evaluation and replaces the agreement's verdicts and
obligations in one transaction; :func:`verdicts` lists them joined with the stored events'
:data:`DISPLAY_COLUMNS`, :func:`obligations` lists the obligations, and
:func:`count_unevaluated` counts the stored events no verdict speaks of (an ingest deletes the
verdicts of the events it updates, see :mod:`ceasefire.store.ingest`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
from sqlalchemy import Engine, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from ceasefire.errors import StoreError
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.rows import EVENT_DTYPES, as_day, db_values, iso_text, typed

__all__ = [
    "DISPLAY_COLUMNS",
    "OBLIGATION_COLUMNS",
    "VERDICT_COLUMNS",
    "count_unevaluated",
    "obligations",
    "put_evaluation",
    "verdict_rows",
    "verdicts",
]

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


def put_evaluation(
    engine: Engine,
    agreement_id: str,
    verdicts: pd.DataFrame,
    obligations: pd.DataFrame,
    *,
    n_events: int,
    settings: dict[str, Any],
) -> int:
    """Record an evaluation of ``agreement_id`` and replace its verdicts and obligations in one
    transaction (see ``SQLStore.put_evaluation``); the new evaluation's id."""
    v_rows = verdict_rows(verdicts, agreement_id)
    o_rows = _frame_rows(
        obligations, OBLIGATION_COLUMNS, _OBLIGATION_REQUIRED, agreement_id, "obligations"
    )
    try:
        settings_text = json.dumps(settings, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"evaluation settings are not JSON: {exc}") from exc
    try:
        with write_transaction(engine) as conn:
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
                delete(schema.obligations).where(schema.obligations.c.agreement_id == agreement_id)
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


def verdict_rows(verdicts: pd.DataFrame, agreement_id: str) -> list[dict[str, Any]]:
    """One agreement's verdicts frame as rows to store (without ``evaluation_id``), checked:
    required columns present and filled, numbers numeric, no other agreement's rows."""
    return _frame_rows(verdicts, VERDICT_COLUMNS, _VERDICT_REQUIRED, agreement_id, "verdicts")


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
            values[col] = iso_text(frame[col])
        elif dtype == "float64":
            values[col] = db_values(pd.to_numeric(frame[col], errors="raise").astype("float64"))
        else:
            values[col] = [None if x is None else str(x) for x in db_values(frame[col])]
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


def verdicts(
    engine: Engine,
    *,
    agreement_id: str | None = None,
    provision_id: str | None = None,
    verdict: str | None = None,
    since: str | None = None,
    party: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Stored verdicts (:data:`VERDICT_COLUMNS`) left-joined with the event's
    :data:`DISPLAY_COLUMNS`, by agreement, provision, event day and uid."""
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
        stmt = stmt.where(e.c.event_date >= as_day(since, "since"))
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        frame = pd.DataFrame.from_records(result.all(), columns=list(result.keys()))
    dtypes = {**VERDICT_COLUMNS, **{k: EVENT_DTYPES[k] for k in DISPLAY_COLUMNS}}
    return typed(frame, dtypes)


def obligations(engine: Engine, agreement_id: str | None = None) -> pd.DataFrame:
    """Stored obligations (:data:`OBLIGATION_COLUMNS`), by agreement, provision and due."""
    t = schema.obligations
    stmt = select(*(t.c[k] for k in OBLIGATION_COLUMNS)).order_by(
        t.c.agreement_id, t.c.provision_id, t.c.due, t.c.id
    )
    if agreement_id is not None:
        stmt = stmt.where(t.c.agreement_id == agreement_id)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        frame = pd.DataFrame.from_records(result.all(), columns=list(result.keys()))
    return typed(frame, OBLIGATION_COLUMNS)


def count_unevaluated(engine: Engine) -> int:
    """How many stored events have no verdict row at all, once any evaluation was stored (0
    before the first): events ingested since, and events whose update deleted their verdicts."""
    e, v = schema.events, schema.verdicts
    stmt = (
        select(func.count())
        .select_from(e)
        .where(
            exists().where(schema.evaluations.c.id.is_not(None)),
            ~exists().where(v.c.event_uid == e.c.event_uid),
        )
    )
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())
