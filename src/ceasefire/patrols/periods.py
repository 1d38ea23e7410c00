"""Patrols in their calendar: a summary row per patrol, and route coverage per day or week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import LimitError
from ..limits import MAX_PERIODS
from .coverage import CoverageOptions, TrackSet, period_coverage, track_coverage
from .linear import RouteLine
from .model import Patrol

__all__ = ["coverage_by_period", "patrol_summary"]


def _driven(route: RouteLine, patrols: Sequence[Patrol]) -> list[Patrol]:
    """Patrols that drove this route and have a track (not plans, not cancelled)."""
    return [
        p
        for p in patrols
        if not p.planned
        and p.status != "cancelled"
        and p.track is not None
        and p.route == route.route_id
    ]


def coverage_by_period(
    route: RouteLine,
    patrols: Sequence[Patrol],
    *,
    period: str = "week",
    start: dt.date | None = None,
    end: dt.date | None = None,
    options: CoverageOptions | None = None,
) -> pd.DataFrame:
    """Per day or week from ``start`` to ``end`` (default: the first to the last patrol): the
    patrols held, the share of the route covered, the longest unwatched stretch and the gaps
    (see :func:`~ceasefire.patrols.coverage.period_coverage`). Weeks run from ``start`` when it
    is given (weeks of an agreement), else from Monday; ``period`` labels a period by its
    first day."""
    if period not in ("day", "week"):
        raise ValueError(f"period must be 'day' or 'week', not {period!r}")
    driven = _driven(route, patrols)
    days = np.array([p.date for p in driven], dtype="datetime64[D]")
    lo = np.datetime64(start, "D") if start else (days.min() if len(days) else None)
    hi = np.datetime64(end, "D") if end else (days.max() if len(days) else None)
    if lo is None or hi is None:
        return period_coverage(
            route, TrackSet.from_tracks(route, []), np.empty(0, int), [], options
        )
    step = 1 if period == "day" else 7
    if period == "week" and start is None:
        lo = lo - (lo.astype(object).weekday())  # back to Monday
    n_periods = int((hi - lo).astype(int) // step) + 1
    if n_periods > MAX_PERIODS:  # each period is computed: a 10,000-year range would take minutes
        raise LimitError(
            f"{n_periods:,} {period}s from {lo} to {hi}: more periods than",
            limit=MAX_PERIODS,
            field="date range",
        )
    firsts = lo + np.arange(n_periods) * step
    k = ((days - lo).astype(int) // step) if len(days) else np.empty(0, int)
    k = np.where((days >= lo) & (days <= hi), k, -1) if len(days) else k
    labels = [str(d) for d in firsts]
    ts = TrackSet.from_tracks(route, [p.track for p in driven if p.track is not None])
    out = period_coverage(route, ts, np.asarray(k, dtype="int64"), labels, options)
    out.insert(1, "period_end", [str(d + step - 1) for d in firsts])
    return out


def patrol_summary(
    route: RouteLine, patrols: Sequence[Patrol], options: CoverageOptions | None = None
) -> pd.DataFrame:
    """One row per patrol: date, parties, status, planned, km covered, where it started, its
    furthest point (the turning point: in words, its place, and where it is on the route, WGS84),
    its largest offset from the route, the repairs, the notes (an inferred status's reason)."""
    tracked = [p for p in patrols if p.track is not None and len(p.track)]
    cov = track_coverage(route, [p.track for p in tracked if p.track is not None], options)
    by_id = {p.patrol_id: i for i, p in enumerate(tracked)}
    rows = []
    for p in patrols:
        i = by_id.get(p.patrol_id)
        row: dict[str, object] = {
            "patrol_id": p.patrol_id,
            "date": p.date.isoformat(),
            "parties": ",".join(p.parties),
            "status": p.status,
            "planned": p.planned,
            "n_points": 0 if p.track is None else len(p.track),
        }
        if i is not None:
            c = cov.iloc[i]
            far = float(c["furthest_km"])
            row |= {
                "covered_km": round(float(c["covered_km"]), 2),
                "first_km": round(float(c["first_km"]), 2),
                "furthest_km": round(far, 2),
                "turning_point": route.describe(far) if far == far else "",
                "turning_place": c["turning_place"],
                "max_offset_km": round(float(c["max_offset_km"]), 3),
            }
        elif p.start_point and p.end_point:
            km, _ = route.locate(
                [p.start_point[0], p.end_point[0]], [p.start_point[1], p.end_point[1]]
            )
            row |= {
                "first_km": round(float(km[0]), 2),
                "furthest_km": round(float(km[1]), 2),
                "turning_point": route.describe(float(km[1])),
                "turning_place": route.place_near(float(km[1])),
            }
        row["repairs"] = "; ".join(p.track.repairs) if p.track is not None else ""
        row["notes"] = p.notes
        rows.append(row)
    cols = [
        "patrol_id",
        "date",
        "parties",
        "status",
        "planned",
        "n_points",
        "covered_km",
        "first_km",
        "furthest_km",
        "turning_point",
        "turning_place",
        "turning_lon",
        "turning_lat",
        "max_offset_km",
        "repairs",
        "notes",
    ]
    out = pd.DataFrame(rows, columns=cols)
    marks = out["furthest_km"].to_numpy(float)
    known = np.isfinite(marks)
    lon, lat = route.lonlat_at(np.where(known, marks, 0.0))  # one transform for every patrol
    out["turning_lon"] = np.where(known, lon.round(6), np.nan)
    out["turning_lat"] = np.where(known, lat.round(6), np.nan)
    return out
