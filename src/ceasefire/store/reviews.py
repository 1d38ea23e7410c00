"""Analysts' reviews of verdicts, and what they change: the verdict that counts.

Each verdict row keeps the machine's verdict and party (``machine_verdict``, ``machine_party``)
beside the ones every count reads (``verdict``, ``party``). The latest review of a verdict
counts while it is of the event version the verdict judged: ``overruled`` replaces the verdict
and/or party by the analyst's (:func:`ceasefire.findings.corrected_party`); every status sets
``review_status``. When the event changes (a new version), the review is *stale*: the verdict
is the machine's again and counts as unreviewed, with ``review_stale`` set and the review still
linked (``review_id``), so the workspace can say "reviewed, but the event changed since". So is
a review of a verdict the machine has since changed on the same event version (after an
agreement, zone or engine change): the analyst reviewed another verdict.

:func:`sync_reviews` recomputes this inside the transaction of every write that stores verdict
rows (an evaluation, a field report) and of every review, so reads never join the reviews to
know what counts: the filters, counts and indexes work on ``verdicts`` alone. It then marks each
event's incident row again (:func:`ceasefire.store.incidents.mark_incidents`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from ceasefire.findings import ReviewStatus, corrected_party
from ceasefire.store import schema
from ceasefire.store.incidents import mark_incidents
from ceasefire.store.rows import chunks

__all__ = ["sync_reviews"]


def sync_reviews(
    conn: Connection,
    *,
    agreement_id: str | None = None,
    event_uids: Sequence[str] | None = None,
) -> int:
    """Make the verdict rows (of ``agreement_id`` / ``event_uids``, or all) say what their latest
    review makes them; returns the number of reviewed rows. Runs in the caller's transaction."""
    v, r = schema.verdicts, schema.reviews
    scope: list[Any] = []
    if agreement_id is not None:
        scope.append(v.c.agreement_id == agreement_id)
    uid_sets: list[list[str] | None] = (
        [list(p) for p in chunks(list(event_uids))] if event_uids is not None else [None]
    )
    n = 0
    for uids in uid_sets:
        where = [*scope, *([v.c.event_uid.in_(uids)] if uids is not None else [])]
        # undo what an earlier review made of these rows
        conn.execute(
            update(v)
            .where(*where, v.c.review_id.is_not(None))
            .values(
                verdict=func.coalesce(v.c.machine_verdict, v.c.verdict),
                party=v.c.machine_party,
                review_status=ReviewStatus.UNREVIEWED.value,
                review_id=None,
                review_stale=False,
            )
        )
        r_where: list[Any] = []
        if agreement_id is not None:
            r_where.append(r.c.agreement_id == agreement_id)
        if uids is not None:
            r_where.append(r.c.event_uid.in_(uids))
        latest = (
            select(func.max(r.c.id).label("rid"))
            .where(*r_where)
            .group_by(r.c.agreement_id, r.c.provision_id, r.c.event_uid)
            .subquery()
        )
        rows = conn.execute(
            select(
                *[c for c in r.c if c.name != "machine_verdict"],
                r.c.machine_verdict.label("seen_verdict"),  # what the analyst reviewed
                v.c.machine_verdict,
                v.c.machine_party,
                v.c.verdict.label("stored_verdict"),
                v.c.party.label("stored_party"),
                v.c.event_version.label("verdict_version"),
            )
            .join(latest, latest.c.rid == r.c.id)
            .join(
                v,
                and_(
                    v.c.agreement_id == r.c.agreement_id,
                    v.c.provision_id == r.c.provision_id,
                    v.c.event_uid == r.c.event_uid,
                ),
            )
        ).mappings()
        for row in rows:
            conn.execute(
                update(v)
                .where(
                    v.c.agreement_id == row["agreement_id"],
                    v.c.provision_id == row["provision_id"],
                    v.c.event_uid == row["event_uid"],
                )
                .values(**_effective(row))
            )
            n += 1
    # what a row counts as may have changed: so may which row is its event's incident
    mark_incidents(conn, agreement_id=agreement_id, event_uids=event_uids)
    return n


def _effective(row: Any) -> dict[str, Any]:
    """The counted columns of one verdict under its latest review ``row``."""
    machine = row["machine_verdict"] or row["stored_verdict"]
    machine_party = row["machine_party"] if row["machine_verdict"] else row["stored_party"]
    # stale: the event changed since the review, or the machine now judges it otherwise (an
    # agreement, a zone or the engine changed): the analyst reviewed something else
    stale = (
        row["event_version"] is not None and row["event_version"] != row["verdict_version"]
    ) or (row["seen_verdict"] is not None and row["seen_verdict"] != machine)
    if stale:
        return {
            "verdict": machine,
            "party": machine_party,
            "review_status": ReviewStatus.UNREVIEWED.value,
            "review_id": row["id"],
            "review_stale": True,
        }
    verdict, party = machine, machine_party
    if row["status"] == ReviewStatus.OVERRULED.value:
        verdict = row["corrected_verdict"] or machine
        if row["corrected_verdict"] or row["corrected_party"]:
            party = corrected_party(verdict, machine, machine_party, row["corrected_party"])
    return {
        "verdict": verdict,
        "party": party,
        "review_status": row["status"],
        "review_id": row["id"],
        "review_stale": False,
    }
