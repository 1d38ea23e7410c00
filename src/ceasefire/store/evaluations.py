"""Evaluations as stored: each agreement's latest verdicts and obligations.

:func:`put_evaluation` records an evaluation and replaces the agreement's verdicts and
obligations in one transaction; :func:`verdicts` lists them joined with the stored events'
:data:`DISPLAY_COLUMNS`, :func:`obligations` lists the obligations, and
:func:`count_unevaluated` counts the stored events that lack a current verdict.

Each verdict records the ``events.version`` it judged (``event_version``); it is *current*
while that is still the event's version. Other writers run while an evaluation computes: an
ingest updates events and deletes their verdicts (see :mod:`ceasefire.store.ingest`), a field
report stores its event with its own verdicts (``workspace.replace_event_verdicts``). So an
evaluation tells :func:`put_evaluation` which event versions it read (``judged``), and only the
verdicts of events still at those versions are replaced; the events added or changed meanwhile
keep their current verdicts, and those without them are judged inside the same write
transaction (``judge``). No verdict is lost, none goes stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias

import pandas as pd
from sqlalchemy import Connection, Engine, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from ceasefire.errors import StoreError
from ceasefire.field_reports import SOURCE_DATASET, publishable_verdicts
from ceasefire.findings import EVENT_COLUMNS_SHOWN
from ceasefire.store import queries, schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.reviews import sync_reviews
from ceasefire.store.rows import EVENT_DTYPES, as_day, chunks, db_values, iso_text, typed

__all__ = [
    "DISPLAY_COLUMNS",
    "OBLIGATION_COLUMNS",
    "VERDICT_COLUMNS",
    "Judge",
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
DISPLAY_COLUMNS: Final[tuple[str, ...]] = EVENT_COLUMNS_SHOWN

#: Columns of an obligations frame, and their dtypes (``due`` is ISO-8601 text).
OBLIGATION_COLUMNS: Final[dict[str, str]] = {
    "agreement_id": "string",
    "provision_id": "string",
    "due": "string",
    "status": "string",
    "reason": "string",
}
_OBLIGATION_REQUIRED: Final = ("provision_id", "status")


#: What :func:`put_evaluation` calls, inside its write transaction, on the stored events that
#: changed since the evaluation read them and lack current verdicts: an events frame (with
#: ``version``, field reports at their precise estimate) -> their verdicts frame. It must not
#: use the store (the transaction holds the write lock); judging is in memory.
Judge: TypeAlias = Callable[[pd.DataFrame], pd.DataFrame]


def put_evaluation(
    engine: Engine,
    agreement_id: str,
    verdicts: pd.DataFrame,
    obligations: pd.DataFrame,
    *,
    n_events: int,
    settings: dict[str, Any],
    judged: Mapping[str, int] | None = None,
    judge: Judge | None = None,
) -> int:
    """Record an evaluation of ``agreement_id`` and replace its verdicts and obligations in one
    transaction (see ``SQLStore.put_evaluation``); the new evaluation's id.

    Without ``judged`` every verdict of the agreement is replaced by ``verdicts``, each marked
    as judging its event's stored version. With ``judged`` (event uid -> the ``version`` the
    evaluation read), only the verdicts of events still at that version are replaced; verdicts
    of events no longer stored go; an event added or changed since keeps its current verdicts
    of this agreement if it has one for each of the evaluation's provisions, and otherwise is
    read inside the transaction and judged by ``judge`` (left for the next evaluation, and
    counted by :func:`count_unevaluated`, when there is no ``judge``).

    The rows of stored field reports' events, given or judged, are stored as
    :func:`ceasefire.field_reports.publishable_verdicts` makes them (their share of the disc
    0, 0.5 or 1): every surface that reads verdicts is safe for observers by construction.
    """
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
            stored = _stored_versions(conn)
            reports = _report_events(conn)
            published = publishable_verdicts(verdicts, reports)
            if published is not verdicts:  # field reports' rows, as they may be published
                v_rows = verdict_rows(published, agreement_id)
            if judged is None:
                new = [{**r, "event_version": stored.get(r["event_uid"])} for r in v_rows]
                kept: list[dict[str, Any]] = []
            else:
                new, kept = _merged_rows(conn, agreement_id, v_rows, judged, stored, judge)
            result = conn.execute(
                insert(schema.evaluations).values(
                    agreement_id=agreement_id,
                    created_at=schema.now_utc(),
                    n_events=int(n_events),
                    n_verdicts=len(new),
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
            rows = [*kept, *({**r, "evaluation_id": evaluation_id} for r in new)]
            if rows:
                conn.execute(insert(schema.verdicts), rows)
            if o_rows:
                conn.execute(
                    insert(schema.obligations),
                    [{**r, "evaluation_id": evaluation_id} for r in o_rows],
                )
            sync_reviews(conn, agreement_id=agreement_id)
    except IntegrityError as exc:
        raise StoreError(
            f"cannot store the evaluation of {agreement_id!r}: {exc.orig} "
            "(one verdict per agreement, provision and event)"
        ) from exc
    return evaluation_id


def _stored_versions(conn: Connection) -> dict[str, int]:
    """Every stored event's uid -> its current version (read in the caller's transaction)."""
    e = schema.events
    return {str(u): int(v) for u, v in conn.execute(select(e.c.event_uid, e.c.version))}


def _report_events(conn: Connection) -> pd.DataFrame:
    """The stored field reports' events (``event_uid``, ``source_dataset``), whose verdicts are
    stored as :func:`ceasefire.field_reports.publishable_verdicts` makes them."""
    e = schema.events
    stmt = select(e.c.event_uid).where(e.c.source_dataset == SOURCE_DATASET)
    uids = [str(u) for (u,) in conn.execute(stmt)]
    return pd.DataFrame({"event_uid": uids, "source_dataset": [SOURCE_DATASET] * len(uids)})


def _merged_rows(
    conn: Connection,
    agreement_id: str,
    v_rows: list[dict[str, Any]],
    judged: Mapping[str, int],
    stored: dict[str, int],
    judge: Judge | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The agreement's verdicts after an evaluation that read ``judged``: (new rows, stored rows
    kept as they are). See :func:`put_evaluation`."""
    fresh = {u for u, v in judged.items() if stored.get(u) == int(v)}
    new = [
        {**r, "event_version": stored[r["event_uid"]]} for r in v_rows if r["event_uid"] in fresh
    ]
    provisions = {r["provision_id"] for r in v_rows}
    changed = [u for u in stored if u not in fresh]  # added or changed since it was read
    current = _current_rows(conn, agreement_id, changed, stored, provisions)
    enough = max(len(provisions), 1)
    kept: list[dict[str, Any]] = []
    pending: list[str] = []
    for uid in changed:
        rows = current.get(uid, [])
        if len(rows) >= enough:
            kept.extend(rows)
        else:
            pending.append(uid)
    if pending and judge is not None:
        new.extend(_judged_rows(conn, agreement_id, pending, stored, judge))
    return new, kept


def _current_rows(
    conn: Connection,
    agreement_id: str,
    uids: Sequence[str],
    stored: dict[str, int],
    provisions: set[str],
) -> dict[str, list[dict[str, Any]]]:
    """The stored verdicts of the agreement on these events that judged their current version
    (and, when ``provisions`` is not empty, one of those provisions), by event uid."""
    v = schema.verdicts
    found: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks(list(uids)):
        stmt = select(v).where(v.c.agreement_id == agreement_id, v.c.event_uid.in_(chunk))
        for row in conn.execute(stmt).mappings():
            uid = str(row["event_uid"])
            if row["event_version"] != stored[uid]:
                continue
            if provisions and row["provision_id"] not in provisions:
                continue
            # the incident flag is marked again after the write (store.incidents)
            found.setdefault(uid, []).append({k: x for k, x in row.items() if k != "incident"})
    return found


def _judged_rows(
    conn: Connection, agreement_id: str, uids: list[str], stored: dict[str, int], judge: Judge
) -> list[dict[str, Any]]:
    """Judge these stored events (read in the caller's transaction, as an evaluation reads
    them); the agreement's rows of the result, marked with the versions judged."""
    events = queries.events(conn, uids=uids, precise=True)
    out = publishable_verdicts(judge(events), events)
    if "agreement_id" in out.columns:
        out = out[out["agreement_id"] == agreement_id]
    wanted = set(uids)
    return [
        {**r, "event_version": stored[r["event_uid"]]}
        for r in verdict_rows(out, agreement_id)
        if r["event_uid"] in wanted
    ]


def verdict_rows(verdicts: pd.DataFrame, agreement_id: str) -> list[dict[str, Any]]:
    """One agreement's verdicts frame as rows to store (without ``evaluation_id``), checked:
    required columns present and filled, numbers numeric, no other agreement's rows."""
    rows = _frame_rows(verdicts, VERDICT_COLUMNS, _VERDICT_REQUIRED, agreement_id, "verdicts")
    for r in rows:  # the machine's verdict; a review may overrule it (store.reviews)
        r["machine_verdict"], r["machine_party"] = r["verdict"], r["party"]
        r.update(review_status="unreviewed", review_id=None, review_stale=False)
    return rows


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
    """How many stored events lack a current verdict, once any evaluation was stored (0 before).

    An event lacks one when it has no verdict at all, or fewer verdicts that judged its current
    version than there are (agreement, provision) pairs among the stored verdicts: events
    ingested since the last evaluation, events whose update deleted their verdicts, and events
    that lost some of them. (An evaluation run with ``Rules(keep_outside=False)`` stores no row
    for an event outside a provision's zone, which then counts as lacking one.)
    """
    e, v = schema.events, schema.verdicts
    pairs = select(v.c.agreement_id, v.c.provision_id).distinct().subquery()
    n_pairs = select(func.count()).select_from(pairs).scalar_subquery()
    current = (
        select(func.count())
        .select_from(v)
        .where(v.c.event_uid == e.c.event_uid, v.c.event_version == e.c.version)
        .correlate(e)
        .scalar_subquery()
    )
    stmt = (
        select(func.count())
        .select_from(e)
        .where(
            exists().where(schema.evaluations.c.id.is_not(None)),
            e.c.withdrawn_at.is_(None),
            or_(current == 0, current < n_pairs),
        )
    )
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())
