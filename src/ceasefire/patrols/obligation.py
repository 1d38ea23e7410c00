"""The joint-patrol provision as a positive obligation: were there enough joint patrols?

Periods run from the provision's start day (local, the agreement's timezone): weeks of 7 days
(15-21 March 2020 is the first week of the Moscow protocol's patrols), or days or calendar
months when the expected frequency is per day or per month. A provision without a frequency
(the Moscow protocol sets none) expects at least one patrol a week. A period counts the
patrols on the provision's route that took place (any status but ``cancelled``, plans not
counted) with every party the provision names: a patrol by one party alone is not joint.

>>> import datetime as dt
>>> frame = pd.DataFrame({"route": ["r", "r"], "date": ["2020-03-15", "2020-03-23"],
...     "parties": ["russia,turkey", "turkey"], "status": ["cut_short", "completed"],
...     "planned": [False, False]})
>>> p = patrol_periods(frame, route="r", parties=["russia", "turkey"],
...     start=dt.date(2020, 3, 15), end=dt.date(2020, 3, 28))
>>> p[["period_start", "n_joint", "n_not_joint", "met"]].values.tolist()
[['2020-03-15', 1, 0, True], ['2020-03-22', 0, 1, False]]

With ``partial=True`` the period the evidence ends in comes too, marked ``partial`` (its days so
far): a 12-day span is one whole week and a partial one, never "1 week".

>>> p = patrol_periods(frame, route="r", parties=["russia", "turkey"],
...     start=dt.date(2020, 3, 15), end=dt.date(2020, 3, 26), partial=True)
>>> p[["period_start", "period_end", "partial", "met"]].values.tolist()
[['2020-03-15', '2020-03-21', False, True], ['2020-03-22', '2020-03-26', True, False]]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .model import is_joint

__all__ = ["held_patrols", "patrol_periods"]


def held_patrols(patrols: pd.DataFrame, route: str) -> pd.DataFrame:
    """The patrols on ``route`` that took place: not plans, not ``cancelled``.

    >>> frame = pd.DataFrame({"route": ["m4", "m4", "m4", "m5"],
    ...     "status": ["completed", "cancelled", "completed", "completed"],
    ...     "planned": [False, False, True, False]})
    >>> held_patrols(frame, "m4").index.tolist()
    [0]
    """
    return patrols[
        (patrols["route"] == route)
        & (patrols["status"] != "cancelled")
        & ~patrols["planned"].astype(bool)
    ]


def _period_starts(start: dt.date, end: dt.date, per: str) -> list[dt.date]:
    """Starts of the whole periods from ``start`` that end on or before ``end``."""
    step = _step(per)
    out = []
    s = pd.Timestamp(start)
    while (s + step - pd.Timedelta(days=1)).date() <= end:
        out.append(s.date())
        s = s + step
    return out


def _partial_start(start: dt.date, end: dt.date, per: str) -> dt.date | None:
    """The first day of the period holding ``end`` when that period is not whole by ``end``."""
    starts = _period_starts(start, end, per)
    first = _next(starts[-1], per) if starts else start
    return first if first <= end else None


def patrol_periods(
    patrols: pd.DataFrame,
    *,
    route: str,
    parties: Sequence[str],
    start: dt.date,
    end: dt.date,
    count: int = 1,
    per: str = "week",
    partial: bool = False,
) -> pd.DataFrame:
    """One row per whole period from ``start`` to ``end`` (and with ``partial``, one for the
    period ``end`` falls in when it is not whole, ending at ``end``): period_start,
    period_end, n_joint, n_not_joint (patrols on the route lacking a party), expected, met,
    partial."""
    starts = _period_starts(start, end, per)
    last = _partial_start(start, end, per) if partial else None
    cols = ["period_start", "period_end", "n_joint", "n_not_joint", "expected", "met", "partial"]
    if last is not None:
        starts = [*starts, last]
    if not starts:
        return pd.DataFrame(columns=cols)
    stop = end + dt.timedelta(days=1) if last is not None else _next(starts[-1], per)
    edges = np.array([*starts, stop], dtype="datetime64[D]")
    held = held_patrols(patrols, route)
    joint = held["parties"].fillna("").map(lambda s: is_joint(str(s), parties)).to_numpy(bool)
    days = pd.to_datetime(held["date"]).to_numpy("datetime64[D]")
    k = np.searchsorted(edges, days, side="right") - 1
    inside = (k >= 0) & (k < len(starts))
    n_joint = np.bincount(k[inside & joint], minlength=len(starts))
    n_other = np.bincount(k[inside & ~joint], minlength=len(starts))
    ends = [(e - np.timedelta64(1, "D")).astype(object).isoformat() for e in edges[1:]]
    return pd.DataFrame(
        {
            "period_start": [s.isoformat() for s in starts],
            "period_end": ends,
            "n_joint": n_joint.astype(int),
            "n_not_joint": n_other.astype(int),
            "expected": count,
            "met": n_joint >= count,
            "partial": [last is not None and i == len(starts) - 1 for i in range(len(starts))],
        },
        columns=cols,
    )


def _step(per: str) -> pd.DateOffset:
    return {"day": pd.DateOffset(days=1), "week": pd.DateOffset(days=7)}.get(
        per, pd.DateOffset(months=1)
    )


def _next(day: dt.date, per: str) -> dt.date:
    return (pd.Timestamp(day) + _step(per)).date()
