"""Which stretches of a route patrols covered: per track, per day and per week.

A stretch is *covered* by a track where consecutive fixes both lie within ``tolerance_km`` of the
route (default 0.5 km) and less than ``max_gap_km`` apart along it (default 2 km: a GPS gap
shorter than that is bridged, since the vehicle stayed on the road; a longer one is not, and
shows as unwatched). The stretch is then the span of the two fixes' km marks.

Everything runs on whole arrays: all tracks' points are concatenated (:class:`TrackSet`, with
each track's first index in ``starts``), located at once (:meth:`RouteLine.locate_xy`), paired
with their successor by one shifted comparison, and the intervals are merged per track or per
period with one sort and a running maximum.

>>> from ceasefire.zones import load_zones
>>> from ceasefire.patrols.linear import RouteLine
>>> from ceasefire.patrols.simulate import simulate, SimOptions
>>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
>>> tracks, truth = simulate(m4, 20, SimOptions(points=1000), seed=1)
>>> got = track_coverage(m4, tracks)
>>> bool(abs(got["covered_km"] - truth["covered_km"]).max() < 0.3)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .linear import RouteLine
from .model import Track

__all__ = [
    "CoverageOptions",
    "Gap",
    "TrackSet",
    "merge_intervals",
    "period_coverage",
    "stretches",
    "track_coverage",
]


@dataclass(frozen=True)
class CoverageOptions:
    """How coverage is judged.

    >>> CoverageOptions().tolerance_km
    0.5
    """

    #: a fix farther than this from the route is off it (a detour, or the wrong road)
    tolerance_km: float = 0.5
    #: consecutive on-route fixes farther apart than this along the route leave the stretch
    #: between them unwatched (a long GPS gap); nearer ones are joined
    max_gap_km: float = 2.0


@dataclass(frozen=True, eq=False)
class TrackSet:
    """Many tracks as flat arrays: metric ``x``, ``y`` (the route's CRS) and ``time``; track
    ``k`` is ``[starts[k], starts[k + 1])``."""

    x: np.ndarray
    y: np.ndarray
    time: np.ndarray
    starts: np.ndarray  # len = n_tracks + 1

    def __len__(self) -> int:
        return len(self.starts) - 1

    @property
    def track_of_point(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), np.diff(self.starts))

    @classmethod
    def from_tracks(cls, route: RouteLine, tracks: Sequence[Track]) -> TrackSet:
        """Concatenate WGS84 tracks and project them in one pyproj call."""
        lengths = np.array([len(t) for t in tracks], dtype="int64")
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype("int64")
        if len(tracks) == 0:
            empty = np.empty(0)
            return cls(empty, empty, np.empty(0, "datetime64[ns]"), starts)
        lon = np.concatenate([t.lon for t in tracks])
        lat = np.concatenate([t.lat for t in tracks])
        x, y = route.to_xy(lon, lat)
        time = np.concatenate([t.time.astype("datetime64[ns]") for t in tracks])
        return cls(x, y, time, starts)


@dataclass(frozen=True)
class Gap:
    """An unwatched stretch: from km, to km, and the named places nearest its ends."""

    from_km: float
    to_km: float
    from_place: str
    to_place: str

    @property
    def length_km(self) -> float:
        return self.to_km - self.from_km

    def __str__(self) -> str:
        return (
            f"km {self.from_km:.1f}-{self.to_km:.1f} ({self.from_place} - {self.to_place}, "
            f"{self.length_km:.1f} km)"
        )


def stretches(
    route: RouteLine,
    tracks: TrackSet,
    options: CoverageOptions | None = None,
    located: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Covered stretches of every track: (track index, from km, to km), plus every point's
    (km, offset km) (``located``, when already computed, is reused).

    A *run* is a maximal sequence of consecutive fixes each paired with the next (both on the
    route, less than ``max_gap_km`` apart); the run covers every km between its smallest and
    largest mark (the pairs' intervals chain, each sharing a fix with the next), so one
    interval per run is the union of its pairs' intervals, and only runs need merging."""
    o = options or CoverageOptions()
    km, off = located if located is not None else route.locate_xy(tracks.x, tracks.y)
    n = len(km)
    on = off <= o.tolerance_km
    ok = np.zeros(max(n - 1, 0), dtype=bool)
    if n > 1:
        ok = on[:-1] & on[1:] & (np.abs(np.diff(km)) <= o.max_gap_km)
        ends = tracks.starts[1:-1] - 1
        ok[ends[(ends >= 0) & (ends < n - 1)]] = False  # never pair across two tracks
    edge = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    first = np.flatnonzero(edge == 1)  # first fix of each run
    last = np.flatnonzero(edge == -1)  # last fix of each run
    if len(first) == 0:
        empty = np.empty(0)
        return np.empty(0, dtype="int64"), empty, empty, km, off
    mark = np.zeros(n + 1, dtype=np.int64)
    mark[first] += 1
    mark[last + 1] -= 1
    in_run = np.cumsum(mark[:n]) > 0
    lo = np.minimum.reduceat(np.where(in_run, km, np.inf), first)
    hi = np.maximum.reduceat(np.where(in_run, km, -np.inf), first)
    return tracks.track_of_point[first], lo, hi, km, off


def merge_intervals(
    group: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of intervals within each group: (group, from, to) of the merged intervals.

    >>> g, a, b = merge_intervals(np.array([0, 0, 0, 1]), np.array([0., 1., 5., 0.]),
    ...                           np.array([2., 3., 6., 1.]))
    >>> g.tolist(), a.tolist(), b.tolist()
    ([0, 0, 1], [0.0, 5.0, 0.0], [3.0, 6.0, 1.0])
    """
    if len(lo) == 0:
        return group[:0], lo[:0], hi[:0]
    order = np.lexsort((lo, group))
    g, a, b = group[order], lo[order], hi[order]
    # Shift each group far apart so one running maximum serves all groups at once.
    span = float(max(np.max(np.abs(a)), np.max(np.abs(b)))) * 4 + 1.0
    shift = g.astype("float64") * span
    reach = np.maximum.accumulate(b + shift) - shift
    new = np.ones(len(a), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (a[1:] > reach[:-1])
    idx = np.flatnonzero(new)
    ends = np.maximum.reduceat(b + shift, idx) - shift[idx]
    return g[idx], a[idx], ends


def track_coverage(
    route: RouteLine,
    tracks: Sequence[Track] | TrackSet,
    options: CoverageOptions | None = None,
    located: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per track: ``covered_km``, ``first_km`` (first on-route fix), ``furthest_km`` (the on-route
    fix farthest along the route from it), ``turning_place`` (the named place nearest it),
    ``n_points``, ``n_off_route`` and ``max_offset_km``."""
    ts = tracks if isinstance(tracks, TrackSet) else TrackSet.from_tracks(route, tracks)
    o = options or CoverageOptions()
    tr, lo, hi, km, off = stretches(route, ts, o, located)
    g, a, b = merge_intervals(tr, lo, hi)
    n = len(ts)
    covered = np.bincount(g, weights=b - a, minlength=n)
    on = off <= o.tolerance_km
    tp = ts.track_of_point
    first = np.full(n, np.nan)
    idx_on = np.flatnonzero(on)
    k_on, i_first = _first_per_group(tp[idx_on])
    first[k_on] = km[idx_on[i_first]]
    dist = np.where(on, np.abs(km - first[tp]), -1.0)
    furthest = np.full(n, np.nan)
    counts = np.diff(ts.starts)
    has = counts > 0
    max_off = np.full(n, np.nan)
    if len(dist):
        nz = ts.starts[:-1][has]
        best = np.full(n, -1.0)
        best[has] = np.maximum.reduceat(dist, nz)
        hit = np.flatnonzero(on & (dist == best[tp]))
        k_hit, i_hit = _first_per_group(tp[hit])
        furthest[k_hit] = km[hit[i_hit]]
        max_off[has] = np.maximum.reduceat(off, nz)
    frame = pd.DataFrame(
        {
            "covered_km": covered,
            "first_km": first,
            "furthest_km": furthest,
            "n_points": counts,
            "n_off_route": counts - np.bincount(tp[idx_on], minlength=n),
            "max_offset_km": max_off,
        }
    )
    frame["turning_place"] = route.places_near(furthest)
    return frame


def _first_per_group(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a non-decreasing array of group ids: each group present and the position of its
    first element (an O(n) scan, no sort)."""
    if len(group) == 0:
        return group[:0], group[:0]
    start = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    return group[start], start


def period_coverage(
    route: RouteLine,
    tracks: TrackSet,
    period_of_track: np.ndarray,
    periods: Sequence[str],
    options: CoverageOptions | None = None,
    located: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Coverage of the route per period: the share covered by at least one track, the longest
    unwatched stretch, and the gaps. ``period_of_track[k]`` is track k's index in ``periods``
    (-1: counted in none); every period gets a row, a period without tracks one gap of the
    whole route."""
    tr, lo, hi, _, _ = stretches(route, tracks, options, located)
    pg = period_of_track[tr] if len(tr) else tr
    keep = pg >= 0
    g, a, b = merge_intervals(pg[keep], lo[keep], hi[keep])
    total = route.length_km
    counts = np.bincount(period_of_track[period_of_track >= 0], minlength=len(periods))
    rows = []
    bounds = np.searchsorted(g, np.arange(len(periods) + 1))
    for p, label in enumerate(periods):  # a loop over periods (weeks), not over points
        s, e = bounds[p], bounds[p + 1]
        gaps = _gaps(route, a[s:e], b[s:e], total)
        covered = float(np.sum(b[s:e] - a[s:e]))
        rows.append(
            {
                "period": label,
                "n_patrols": int(counts[p]),
                "covered_km": round(covered, 3),
                "covered_share": round(covered / total, 4) if total else 0.0,
                "longest_gap_km": round(max((x.length_km for x in gaps), default=0.0), 3),
                "gaps": gaps,
                "covered": list(
                    zip(a[s:e].round(3).tolist(), b[s:e].round(3).tolist(), strict=True)
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "period",
            "n_patrols",
            "covered_km",
            "covered_share",
            "longest_gap_km",
            "gaps",
            "covered",
        ],
    )


def _gaps(
    route: RouteLine, a: np.ndarray, b: np.ndarray, total: float, min_km: float = 0.05
) -> list[Gap]:
    """The complement of sorted merged intervals in [0, total]; slivers under 50 m ignored."""
    starts = np.concatenate([[0.0], b])
    ends = np.concatenate([a, [total]])
    out = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s >= min_km:
            out.append(Gap(round(s, 3), round(e, 3), route.place_near(s), route.place_near(e)))
    return out
