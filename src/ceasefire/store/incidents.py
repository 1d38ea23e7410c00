"""Which verdict row is its event's incident: ``verdicts.incident``, and each event's most severe
verdict, ``events.worst`` (schema version 11).

An incident is an event at its worst finding verdict under an agreement
(:func:`ceasefire.findings.incident_rows`: the most severe verdict, then the likelier, then
provision order; ``outside`` rows never count). Every page, map and timeline of incidents for
one agreement reads that row only, instead of every verdict row of every event and a pandas pass
per request: a few percent of the table, through a partial index. The map of every event (no
verdict filter) colours each by ``events.worst``, read in the same scan as its position.

:func:`mark_incidents` keeps both right. It runs inside the transaction of every write that
changes what a verdict row counts as (:func:`ceasefire.store.reviews.sync_reviews` calls it: an
evaluation, a field report's verdicts, a review), so readers never see a flag that disagrees
with the rows. An ingest that changes an event deletes its verdict rows, flags with them, and
sets its ``worst`` to NULL. The choice is made by the findings layer's own function on the
stored rows, so there is one definition of an incident; the tests compare the flags with
:func:`ceasefire.findings.incident_rows` of all rows, and ``worst`` with every row's
:func:`worst_key`, after every kind of write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
from sqlalchemy import (
    Connection,
    Float,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from ceasefire.compliance import VERDICTS
from ceasefire.findings import incident_rows
from ceasefire.store import schema
from ceasefire.store.rows import chunks

__all__ = ["OUTSIDE_KEY", "events_written", "mark_incidents", "worst_key"]

#: ``events.worst`` of an event judged ``outside`` by every provision.
OUTSIDE_KEY: Final = 2.0 * VERDICTS.index("outside") + 1


def worst_key(v: Any = None) -> ColumnElement[float]:
    """A verdict row's severity as one number, ``rank * 2 + 1 - p`` (rank in
    :data:`~ceasefire.compliance.VERDICTS`, p its probability): the smallest is the most severe
    verdict, then the likelier, so one ``MIN()`` finds both (``rank = floor(key / 2)``,
    ``p = 1 - (key - 2 * rank)``). ``v`` is the verdicts table or an alias of it."""
    v = schema.verdicts if v is None else v
    rank = case({name: i for i, name in enumerate(VERDICTS)}, value=v.c.verdict, else_=9)
    return cast(rank, Float) * 2 + 1 - func.coalesce(v.c.probability, 0.0)


_KEY = ("event_uid", "agreement_id", "provision_id", "verdict", "probability")


def mark_incidents(
    conn: Connection,
    *,
    agreement_id: str | None = None,
    event_uids: Sequence[str] | None = None,
) -> int:
    """Set ``verdicts.incident`` on the verdict rows of ``agreement_id`` / ``event_uids`` (or
    all): true on each (agreement, event)'s incident row, false elsewhere. In the caller's
    transaction; returns the number of incident rows marked."""
    v = schema.verdicts
    scope: list[Any] = []
    if agreement_id is not None:
        scope.append(v.c.agreement_id == agreement_id)
    uid_sets: list[list[str] | None] = (
        [list(p) for p in chunks(list(event_uids))] if event_uids is not None else [None]
    )
    marked = 0
    for uids in uid_sets:
        where = [*scope, *([v.c.event_uid.in_(uids)] if uids is not None else [])]
        result = conn.execute(
            select(*[v.c[c] for c in _KEY]).where(*where, v.c.verdict != "outside")
        )
        rows = pd.DataFrame(result.all(), columns=list(_KEY))
        conn.execute(update(v).where(*where, v.c.incident.is_(True)).values(incident=False))
        for agreement, part in rows.groupby("agreement_id", sort=True):
            chosen = incident_rows(part)
            keys = list(zip(chosen["provision_id"], chosen["event_uid"], strict=True))
            for chunk in chunks(keys):
                conn.execute(
                    update(v)
                    .where(
                        v.c.agreement_id == agreement,
                        tuple_(v.c.provision_id, v.c.event_uid).in_(list(chunk)),
                    )
                    .values(incident=True)
                )
            marked += len(keys)
        _set_worst(conn, uids)
    return marked


def _set_worst(conn: Connection, uids: list[str] | None) -> None:
    """``events.worst`` of these events (or all): the least :func:`worst_key` of their marked
    rows (an event's worst finding under any agreement is one of its agreements' incident
    rows), else :data:`OUTSIDE_KEY` when it has any verdict row, else NULL. Only rows whose
    value changes are written (an evaluation of a million events rewrites a handful)."""
    e, v = schema.events, schema.verdicts
    anyv = v.alias("any_verdict")
    judged = exists().where(anyv.c.event_uid == e.c.event_uid)
    if uids is not None:
        marked = (
            select(func.min(worst_key()))
            .where(v.c.event_uid == e.c.event_uid, v.c.incident == true())
            .scalar_subquery()
        )
        value = func.coalesce(marked, case((judged, literal(OUTSIDE_KEY)), else_=None))
        conn.execute(
            update(e)
            .where(e.c.event_uid.in_(uids), e.c.worst.is_distinct_from(value))
            .values(worst=value)
        )
        return
    # every event, set-based: the events with marked rows, from one grouped pass over those
    # rows; then outside for the judged rest, NULL for the never judged
    best = (
        select(v.c.event_uid.label("uid"), func.min(worst_key()).label("k"))
        .where(v.c.incident == true())
        .group_by(v.c.event_uid)
        .subquery()
    )
    conn.execute(
        update(e)
        .where(e.c.event_uid == best.c.uid, e.c.worst.is_distinct_from(best.c.k))
        .values(worst=best.c.k)
    )
    has_marked = exists().where(v.c.event_uid == e.c.event_uid, v.c.incident == true())
    conn.execute(
        update(e)
        .where(e.c.worst.is_distinct_from(OUTSIDE_KEY), ~has_marked, judged)
        .values(worst=OUTSIDE_KEY)
    )
    conn.execute(update(e).where(e.c.worst.is_not(None), ~judged).values(worst=None))


def events_written(conn: Connection, uids: Sequence[str]) -> None:
    """After these events were inserted or changed, in the caller's transaction: their
    ``events.worst`` from their stored verdict rows (a changed event's verdicts are gone, so
    NULL; a new one may have verdicts stored before it: an evaluated file, then its ingest),
    and the ``store_state`` counter of event writes, which the answer cache reads instead of
    counting the events."""
    for chunk in chunks(list(uids)):
        _set_worst(conn, list(chunk))
    st = schema.store_state
    conn.execute(update(st).where(st.c.key == "events").values(value=st.c.value + len(uids)))
