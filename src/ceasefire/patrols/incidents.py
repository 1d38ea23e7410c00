"""What happened to patrols: events near a patrol while it was on the road.

An event whose time window overlaps a patrol's (its first to its last fix, widened by
``slack_minutes``) and whose location lies within ``radius_km`` of a fix of that patrol (plus
the event's own location uncertainty) is an *incident* of the patrol. An IED, a shelling, an
attack (a prohibited event type of the ceasefire) near a patrol is a violation against it:
``violation`` when the event's time is known to within ``slack_minutes``, else
``possible_violation`` (an event dated to a day may have happened after the patrol passed).

Candidates are found with whole-array masks over all events per patrol; only the few candidates
are measured against the patrol's fixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..events import VIOLENT_EVENT_TYPES
from .linear import RouteLine
from .model import Patrol

__all__ = ["INCIDENT_COLUMNS", "IncidentOptions", "incidents", "locate_events"]

#: Columns of :func:`incidents`.
INCIDENT_COLUMNS = (
    "patrol_id",
    "event_uid",
    "event_date",
    "event_type",
    "sub_event_type",
    "km",
    "offset_km",
    "distance_km",
    "verdict",
    "reason",
)

_PROHIBITED = VIOLENT_EVENT_TYPES


@dataclass(frozen=True)
class IncidentOptions:
    """How near (space, time) an event must be to a patrol to be its incident.

    >>> IncidentOptions().radius_km
    2.0
    """

    radius_km: float = 2.0
    slack_minutes: float = 30.0
    prohibited_event_types: tuple[str, ...] = _PROHIBITED


def locate_events(route: RouteLine, events: pd.DataFrame) -> pd.DataFrame:
    """Every event's km mark along the route and its offset (km) from it.

    >>> from ceasefire.zones import load_zones
    >>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
    >>> ev = pd.DataFrame({"event_uid": ["a"], "longitude": [36.61], "latitude": [35.83]})
    >>> locate_events(m4, ev).round(1).to_dict("records")
    [{'event_uid': 'a', 'km': 15.3, 'offset_km': 1.7}]
    """
    km, off = route.locate(events["longitude"].to_numpy(float), events["latitude"].to_numpy(float))
    return pd.DataFrame({"event_uid": events["event_uid"].to_numpy(), "km": km, "offset_km": off})


def incidents(
    route: RouteLine,
    patrols: Sequence[Patrol],
    events: pd.DataFrame,
    options: IncidentOptions | None = None,
) -> pd.DataFrame:
    """Events near patrols while they were out (see the module doc), one row per pair."""
    o = options or IncidentOptions()
    cols = list(INCIDENT_COLUMNS)
    if events.empty:
        return pd.DataFrame(columns=cols)
    ev = events.reset_index(drop=True)
    ex, ey = route.to_xy(ev["longitude"].to_numpy(float), ev["latitude"].to_numpy(float))
    ekm, eoff = route.locate_xy(ex, ey)
    t0 = pd.to_datetime(ev["time_start"], utc=True).dt.tz_localize(None).to_numpy("datetime64[ns]")
    t1 = pd.to_datetime(ev["time_end"], utc=True).dt.tz_localize(None).to_numpy("datetime64[ns]")
    if "location_uncertainty_km" in ev.columns:
        raw_unc = pd.to_numeric(ev["location_uncertainty_km"], errors="coerce")
        unc = np.nan_to_num(raw_unc.to_numpy(dtype=float))
    else:
        unc = np.zeros(len(ev))
    slack = np.timedelta64(int(o.slack_minutes * 60e9), "ns")
    exact = (t1 - t0) <= slack
    prohibited = (
        ev["event_type"].isin(o.prohibited_event_types).to_numpy()
        | ev["sub_event_type"].isin(o.prohibited_event_types).to_numpy()
    )
    rows = []
    for p in patrols:  # patrols are few; the events are handled as whole arrays
        t = p.track
        if t is None or len(t) == 0 or np.isnat(t.time[0]):
            continue
        start, end = t.time[0] - slack, t.time[-1] + slack
        cand = np.flatnonzero((t0 <= end) & (t1 >= start) & ~np.isnat(t0))
        if len(cand) == 0:
            continue
        px, py = route.to_xy(t.lon, t.lat)
        d = np.hypot(ex[cand, None] - px[None, :], ey[cand, None] - py[None, :]).min(axis=1) / 1000
        near = d <= o.radius_km + unc[cand]
        for i, dist in zip(cand[near].tolist(), d[near].tolist(), strict=True):
            rows.append(_row(p, ev.loc[i], route, ekm[i], eoff[i], dist, exact[i], prohibited[i]))
    return pd.DataFrame(rows, columns=cols)


def _row(
    p: Patrol,
    e: pd.Series,
    route: RouteLine,
    km: float,
    off: float,
    dist: float,
    exact: bool,
    bad: bool,
) -> dict[str, object]:
    what = str(e.get("sub_event_type") or e.get("event_type") or "event")
    verdict = ("violation" if exact else "possible_violation") if bad else "incident"
    when = "while it was out" if exact else "on a day it was out (time not known to the hour)"
    reason = (
        f"{what.lower()} {dist:.1f} km from the {'/'.join(p.parties) or 'unattributed'} patrol of "
        f"{p.date} at {route.describe(km)}, {when}"
    )
    return {
        "patrol_id": p.patrol_id,
        "event_uid": e["event_uid"],
        "event_date": e.get("event_date"),
        "event_type": e.get("event_type"),
        "sub_event_type": e.get("sub_event_type"),
        "km": round(float(km), 3),
        "offset_km": round(float(off), 3),
        "distance_km": round(float(dist), 3),
        "verdict": verdict,
        "reason": reason,
    }
