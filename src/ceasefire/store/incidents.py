"""Which verdict row is its event's incident: ``verdicts.incident`` (schema version 11).

An incident is an event at its worst finding verdict under an agreement
(:func:`ceasefire.findings.incident_rows`: the most severe verdict, then the likelier, then
provision order; ``outside`` rows never count). Every page, map and timeline of incidents for
one agreement reads that row only, instead of every verdict row of every event and a pandas pass
per request: a few percent of the table, through a partial index.

:func:`mark_incidents` keeps the flag true on exactly those rows. It runs inside the transaction
of every write that changes what a verdict row counts as (:func:`ceasefire.store.reviews.
sync_reviews` calls it: an evaluation, a field report's verdicts, a review), so readers never see
a flag that disagrees with the rows. An ingest that changes an event deletes its verdict rows,
flags with them. The choice is made by the findings layer's own function on the stored rows, so
there is one definition of an incident; the tests compare the flagged rows with
:func:`ceasefire.findings.incidents` of all rows after every kind of write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select, tuple_, update

from ceasefire.findings import incident_rows
from ceasefire.store import schema
from ceasefire.store.rows import chunks

__all__ = ["mark_incidents"]

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
    return marked
