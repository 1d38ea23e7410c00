"""One agreement's humanitarian picture: its access and return provisions, each with its zone,
the weekly frame and the obligation rows. What ``ceasefire humanitarian weeks``, the API
(``GET /api/humanitarian``) and the ``/humanitarian`` page show, from the same frames.

The weeks run from the agreement's signing day (the provisions carry no start of their own)
to the last record's day, unless ``start``/``end`` say otherwise.

>>> import datetime as dt
>>> from ceasefire.agreements import load_bundled
>>> d = pd.DataFrame({"date": ["2020-03-09"], "place": ["Bab al-Hawa"], "pcode": [""],
...     "lat": [None], "lon": [None], "status": ["delivered"], "trucks": [40]})
>>> o = overview(load_bundled("moscow-2020"), {}, d, pd.DataFrame(),
...     now=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
>>> [(s.provision_id, s.rows[0]["status"]) for s in o.sections]
[('humanitarian-access', 'pending'), ('return-of-displaced', 'no_evidence')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..agreements import Agreement
from ..vocab import ProvisionType
from ..zones import Zone
from .model import AID_COLUMNS, MOVEMENT_COLUMNS
from .obligation import (
    ACCESS_RULE,
    ACCESS_WEEK_COLUMNS,
    MOVEMENT_WEEK_COLUMNS,
    RETURN_RULE,
    access_rows,
    effective_days,
    return_rows,
    weekly_access,
    weekly_movements,
)
from .places import where_in_zone

__all__ = ["HUMANITARIAN_TYPES", "Overview", "Section", "as_json", "overview", "section_items"]

#: The provision types judged from humanitarian evidence.
HUMANITARIAN_TYPES = (ProvisionType.HUMANITARIAN_ACCESS, ProvisionType.RETURN_OF_DISPLACED)


@dataclass
class Section:
    """One provision: its id, type, zone (None: everywhere), the rule in words, the weekly
    frame (:func:`~.obligation.weekly_access` or :func:`~.obligation.weekly_movements` of the
    records in its zone), the obligation rows, and how many records were outside the zone."""

    provision_id: str
    type: str
    zone: str | None
    rule: str
    weeks: pd.DataFrame
    rows: list[dict[str, str]]
    records: int = 0
    outside: int = 0


@dataclass
class Overview:
    """An agreement's humanitarian sections, over ``start`` .. ``end``."""

    agreement_id: str
    start: dt.date
    end: dt.date | None
    sections: list[Section] = field(default_factory=list)


def _empty(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    return frame if len(frame.columns) else pd.DataFrame(columns=list(cols))


def overview(
    agreement: Agreement,
    zones: Mapping[str, Zone],
    deliveries: pd.DataFrame,
    movements: pd.DataFrame,
    *,
    now: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
    findings: pd.DataFrame | None = None,
) -> Overview:
    """The humanitarian sections of ``agreement`` (see the module's doc). A provision whose
    zone is not in ``zones`` is judged over every record (said in its rows).

    ``start`` and ``end`` choose the weeks shown, never the judgement: a provision is judged
    from the agreement's signing over all its records. ``findings``: the stored obligations
    (``ceasefire.store.Store.obligations``): each section's rows are then the last
    evaluation's rows of its provision (none before an evaluation), as every other surface
    shows them; without, they are judged here, now."""
    first = start or agreement.signed.date
    out = Overview(agreement.id, first, end)
    for p in agreement.provisions:
        if p.type not in HUMANITARIAN_TYPES:
            continue
        is_access = p.type == ProvisionType.HUMANITARIAN_ACCESS
        frame = _empty(
            deliveries if is_access else movements, AID_COLUMNS if is_access else MOVEMENT_COLUMNS
        )
        zone_id: str | None = getattr(p, "zone", None)
        geometry = zones[zone_id].geometry if zone_id and zone_id in zones else None
        outside = 0
        kept = frame
        if geometry is not None and len(frame):
            where = where_in_zone(frame, geometry)
            outside = int((where == "outside").sum())
            kept = frame[where != "outside"]
        days = effective_days(kept) if len(kept) else np.array([], dtype="datetime64[D]")
        days = days[~np.isnat(days)]
        last = end or (pd.Timestamp(days.max()).date() if len(days) else None)
        last = min(last, now.date()) if last is not None else None
        weekly = weekly_access if is_access else weekly_movements
        if last is not None and last >= first:
            weeks = weekly(kept, first, last)
        else:
            cols = ACCESS_WEEK_COLUMNS if is_access else MOVEMENT_WEEK_COLUMNS
            weeks = pd.DataFrame(columns=list(cols))
        if findings is not None:
            mine = findings[
                (findings["agreement_id"] == agreement.id) & (findings["provision_id"] == p.id)
            ]
            rows = [
                {"due": str(r["due"]), "status": str(r["status"]), "reason": str(r["reason"])}
                for r in mine.to_dict("records")
            ]
        else:
            judge = access_rows if is_access else return_rows
            signed = agreement.signed.date
            rows = judge(p, frame, zone_geometry=geometry, start=signed, now=now)
        out.sections.append(
            Section(
                provision_id=p.id,
                type=str(p.type),
                zone=zone_id,
                rule=ACCESS_RULE if is_access else RETURN_RULE,
                weeks=weeks,
                rows=rows,
                records=len(kept),
                outside=outside,
            )
        )
    return out


def section_items(section: Section) -> list[dict[str, Any]]:
    """A section's weeks as JSON-ready rows (numpy scalars as Python values)."""
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in section.weeks.to_dict("records")
    ]


def as_json(o: Overview) -> dict[str, Any]:
    """An overview as JSON: what ``GET /api/humanitarian`` answers and ``ceasefire
    humanitarian weeks --format json`` prints."""
    return {
        "agreement": o.agreement_id,
        "start": o.start.isoformat(),
        "end": o.end.isoformat() if o.end else None,
        "sections": [
            {
                "provision_id": s.provision_id,
                "type": s.type,
                "zone": s.zone,
                "rule": s.rule,
                "records": s.records,
                "outside": s.outside,
                "weeks": section_items(s),
                "findings": s.rows,
            }
            for s in o.sections
        ],
    }
