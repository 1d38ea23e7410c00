"""A patrol's status from its track, when nobody reported one.

A patrol whose furthest point falls short of where it was going (its plan's end point, else the
end of the route in its direction of travel) by more than the tolerance was ``cut_short``; one
that got there ``completed``. The answer says why, in the words monitors use.

>>> import numpy as np
>>> from ceasefire.zones import load_zones
>>> from ceasefire.patrols import RouteLine, Track
>>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
>>> times = np.arange("2020-03-15T08:00", "2020-03-15T08:12", 2, dtype="datetime64[m]")
>>> track = Track(times.astype("datetime64[ns]"),  # Trumba west to Nayrab, km 0 to 5.2
...     np.array([36.7667, 36.7562, 36.7456, 36.7351, 36.7245, 36.7126]),
...     np.array([35.8589, 35.8617, 35.8644, 35.8672, 35.8699, 35.8692]))
>>> infer_status(m4, track)
('cut_short', 'turned back at km 5.2 (Nayrab), 54.8 km short of Ain al-Havr')
>>> infer_status(m4, track, planned_end=(36.7126, 35.8692))
('completed', 'reached km 5.2 (Nayrab)')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .coverage import CoverageOptions, track_coverage
from .linear import RouteLine
from .model import Track

__all__ = ["StatusOptions", "infer_status"]


@dataclass(frozen=True)
class StatusOptions:
    """How a status is inferred.

    >>> StatusOptions().tolerance_km
    0.5
    """

    #: a patrol whose furthest point is farther than this from its end was cut short
    tolerance_km: float = 0.5
    #: how the track's coverage (and so its furthest point) is judged
    coverage: CoverageOptions = field(default_factory=CoverageOptions)


def infer_status(
    route: RouteLine,
    track: Track,
    planned_end: tuple[float, float] | None = None,
    options: StatusOptions | None = None,
) -> tuple[str, str]:
    """(status, reason) of a patrol from its ``track``: ``cut_short`` when its furthest point
    falls short of ``planned_end`` (WGS84 lon, lat; without one, the end of the route in the
    direction it set out) by more than ``options.tolerance_km``, else ``completed``. A track
    that never came onto the route is ``cut_short`` too ("never on the route")."""
    o = options or StatusOptions()
    row = track_coverage(route, [track], o.coverage).iloc[0]
    first, far = float(row["first_km"]), float(row["furthest_km"])
    if far != far:  # NaN: no fix within the tolerance of the route
        return "cut_short", f"never on the route (no fix within {o.coverage.tolerance_km} km)"
    if planned_end is not None:
        km, _ = route.locate([planned_end[0]], [planned_end[1]])
        target = float(km[0])
    else:
        target = 0.0 if far < first else route.length_km
    heading = -1.0 if far < first or (far == first and target < first) else 1.0
    short = (target - far) * heading  # past the end (negative) is not short
    if short <= o.tolerance_km:
        return "completed", f"reached {route.describe(far)}"
    where = "its planned end, " if planned_end is not None else ""
    return (
        "cut_short",
        f"turned back at {route.describe(far)}, {short:.1f} km short of {where}"
        f"{route.describe(target, short=True)}",
    )
