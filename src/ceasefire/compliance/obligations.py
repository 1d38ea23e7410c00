"""Positive obligations, checked for absence: deadlines, patrols, withdrawals.

An event can breach a ceasefire; an obligation is breached by what did *not* happen. Statuses:

- ``pending``: not yet due at ``as_of``.
- ``met`` / ``late``: fulfilment recorded (in the agreement file's ``fulfilled:``) on time / late.
- ``no_evidence``: due and passed, and nothing in the evidence shows it was met. This is not proof
  that it was not: a monitor adds ``fulfilled:`` with the evidence when it was.
- ``contrary_evidence``: events in the evidence contradict it (shelling inside a zone that was to
  be free of heavy weapons; fighting inside a zone to be demilitarised).
- ``no_contrary_evidence``: due, and no event in the evidence contradicts it.
- ``not_checkable``: no evidence of the kind it is judged from is loaded (humanitarian access
  without aid-delivery records; return of the displaced without population movements).
- ``unmet``: patrol records are loaded and a period (a week from the start, by default) had fewer
  joint patrols than expected, or none; one row per such period, after a summary row for the
  provision (``met`` when no period fell short). A patrol by one party alone is not joint (see
  :mod:`ceasefire.patrols.obligation`). Only whole periods are judged; the summary says the
  period the evidence ends in as partial ("1 of 2 weeks met ... (1 partial: ...)"). Humanitarian
  access and the return of the displaced are judged the same way, week by week.

Each provision type's rows come from its handler (:mod:`ceasefire.compliance.provisions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from ..agreements import Agreement
from ..vocab import ObligationStatus
from ..zones import Zone
from .provisions import Evidence, handler

__all__ = ["OBLIGATION_STATUSES", "check"]

#: Every status an obligation row can have, in the order reports list them.
OBLIGATION_STATUSES: tuple[str, ...] = tuple(s.value for s in ObligationStatus)

#: The columns of :func:`check`'s frame.
_COLUMNS = ("agreement_id", "provision_id", "provision_type", "due", "status", "reason")


def check(
    agreements: Sequence[Agreement],
    events: pd.DataFrame,
    verdicts: pd.DataFrame,
    *,
    as_of: dt.datetime | None = None,
    patrols: pd.DataFrame | None = None,
    aid: pd.DataFrame | None = None,
    movements: pd.DataFrame | None = None,
    zones: Mapping[str, Zone] | None = None,
) -> pd.DataFrame:
    """One row per obligation of the agreements: agreement_id, provision_id, provision_type, due,
    status, reason. ``patrols`` (see :func:`ceasefire.patrols.patrols_frame`) are the patrol
    records: with them, a joint-patrol provision gets a row per period that fell short; ``aid``
    and ``movements`` (see :mod:`ceasefire.humanitarian`) judge humanitarian access and the
    return of the displaced week by week."""
    evidence = Evidence(
        events=events,
        verdicts=verdicts,
        now=as_of or dt.datetime.now(dt.UTC),
        patrols=patrols,
        aid=aid,
        movements=movements,
        zones=zones,
    )
    rows = [
        {
            "agreement_id": a.id,
            "provision_id": p.id,
            "provision_type": p.type.value,
            **{k: str(v) for k, v in row.items()},
        }
        for a in agreements
        for p in a.provisions
        for row in handler(p).obligations(a, p, evidence)
    ]
    return pd.DataFrame(rows, columns=list(_COLUMNS))
