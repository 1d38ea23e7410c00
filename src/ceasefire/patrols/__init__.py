"""Joint patrols along a route: plans, tracks, coverage, incidents and the patrol obligation.

- :mod:`.model`: :class:`Patrol` (planned or actual) and :class:`Track` (GPS fixes).
- :mod:`.tracks`: GPX and GeoJSON readers that check every point (:func:`read_tracks`).
- :mod:`.linear`: :class:`RouteLine`, km marks and offsets along the route for many points.
- :mod:`.coverage`: covered stretches per track and per period, gaps, the longest unwatched one.
- :mod:`.incidents`: events near a patrol while it was out (an IED near it is a violation).
- :mod:`.obligation`: joint patrols per week against the provision's expected frequency.
- :mod:`.status`: a status from the track when none was reported (:func:`infer_status`).
- :mod:`.simulate`: simulated patrols with known truth (tests, benchmarks).
- :mod:`.chart`: coverage strips, as text and SVG.

>>> from ceasefire.zones import load_zones
>>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
>>> tracks, truth = simulate(m4, 5, seed=2)
>>> cov = coverage_by_period(m4, [Patrol.actual(t, route=m4.route_id, parties="russia,turkey")
...                               for t in tracks], period="week")
>>> cov[["period", "n_patrols"]].values.tolist()
[['2020-03-09', 1], ['2020-03-16', 4]]
"""

from __future__ import annotations

from .chart import strip, strip_svg
from .coverage import (
    CoverageOptions,
    Gap,
    TrackSet,
    merge_intervals,
    period_coverage,
    stretches,
    track_coverage,
)
from .incidents import INCIDENT_COLUMNS, IncidentOptions, incidents, locate_events
from .linear import RouteLine
from .model import PATROL_STATUSES, Patrol, PatrolStatus, Track, is_joint, patrols_frame
from .obligation import patrol_periods
from .periods import coverage_by_period, patrol_summary
from .simulate import SimOptions, simulate, simulate_set
from .status import StatusOptions, infer_status
from .tracks import ReadOptions, read_track_bytes, read_tracks, speeds_kmh

__all__ = [
    "INCIDENT_COLUMNS",
    "PATROL_STATUSES",
    "CoverageOptions",
    "Gap",
    "IncidentOptions",
    "Patrol",
    "PatrolStatus",
    "ReadOptions",
    "RouteLine",
    "SimOptions",
    "StatusOptions",
    "Track",
    "TrackSet",
    "coverage_by_period",
    "incidents",
    "infer_status",
    "is_joint",
    "locate_events",
    "merge_intervals",
    "patrol_periods",
    "patrol_summary",
    "patrols_frame",
    "period_coverage",
    "read_track_bytes",
    "read_tracks",
    "simulate",
    "simulate_set",
    "speeds_kmh",
    "stretches",
    "strip",
    "strip_svg",
    "track_coverage",
]
