"""Helpers over the evidence that the findings (:mod:`ceasefire.findings`) and "did it hold"
(:mod:`ceasefire.held`) use: the span of the evidence and which events lie in which zone. The
figures themselves are computed once, in those two modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from .compliance.spatial import build_zone_index, disc_shares
from .zones import Zone

__all__ = ["SPORADIC_SOURCES", "evidence_span", "zone_members"]


#: Sources that report when something happens and say nothing of the days they do not report
#: (a monitor's field report, a news article): they do not make a day "covered by evidence". A
#: single report filed today must not turn the months after a dataset ends into "no events".
SPORADIC_SOURCES: Final = ("field_report", "news")


def evidence_span(events: pd.DataFrame) -> tuple[str, str] | None:
    """First and last event date of the systematic evidence (the datasets, not
    :data:`SPORADIC_SOURCES`), as ISO dates: the days "did it hold" counts as covered.

    >>> ev = pd.DataFrame({"event_date": ["2019-01-05", "2019-11-30", "2026-12-01"],
    ...                    "source_dataset": ["ucdp_ged", "ucdp_ged", "field_report"]})
    >>> evidence_span(ev)
    ('2019-01-05', '2019-11-30')
    """
    if "source_dataset" in events.columns:
        events = events[~events["source_dataset"].astype(str).isin(SPORADIC_SOURCES)]
    d = events["event_date"].dropna().astype(str)
    if d.empty:
        return None
    return str(d.min()), str(d.max())


def zone_members(zones: Sequence[Zone], lon: np.ndarray, lat: np.ndarray) -> list[np.ndarray]:
    """For each zone, the indices of the points (WGS84 arrays) whose reported position lies
    inside it; a point without a position (NaN) is in none.

    >>> from shapely.geometry import box
    >>> z = Zone("z", "Z", "area", box(36.0, 35.0, 37.0, 36.0), None, "test")
    >>> lon, lat = np.array([36.5, 38.0, np.nan]), np.array([35.5, 35.5, 35.5])
    >>> [m.tolist() for m in zone_members([z], lon, lat)]
    [[0]]
    """
    idx = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    ei, zi, _ = disc_shares(
        build_zone_index([z.geometry for z in zones]), lon[idx], lat[idx], np.zeros(len(idx))
    )
    return [idx[ei[zi == k]] for k in range(len(zones))]
