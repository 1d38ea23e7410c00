"""The plain reference path: the same answers as the fast path, the slow obvious way.

:func:`reference_shares` gives the share of each event's uncertainty disc inside each zone by
building the disc and intersecting it with the zone in shapely, one pair at a time, in a metric
projection; :func:`reference_contains` is zone membership of a point (shapely's ``contains``, as
the fast path's radius-0 events: a point on a boundary is outside). No grid, no tables, no
rasters, no edge sums: the tests hold :func:`~.shares.disc_shares` to these answers
(tests/test_spatial_reference.py).

The projection is an azimuthal equidistant one centred on each disc's centre (pyproj, WGS84):
distances from the centre are exact geodesic distances there, so the disc is the true disc of
the one distance model (:mod:`ceasefire.zones.distance`), and the zone's edges are segmentized
(:data:`SEGMENT_DEG`) before projecting so that a lon/lat-straight edge is followed. The disc is a
polygon of ``4 * quad_segs`` sides; its area is taken as its own, so the polygon's shortfall
against pi r^2 (1e-4 at 64 segments a quarter) cancels in the share. Antimeridian: not handled
(no zone of this project crosses it; a zone that does must be split at 180 E first). Meant for
tests and audits: about a millisecond per (event, zone) pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pyproj
import shapely

from ...zones.distance import km_per_deg

__all__ = ["SEGMENT_DEG", "reference_contains", "reference_shares"]

#: Longest zone edge (degrees) before projecting (about 1 km).
SEGMENT_DEG: Final = 0.01


def reference_contains(
    zones: Sequence[shapely.Geometry], lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Membership matrix ``(n_points, n_zones)``: does zone ``j`` contain point ``i``?

    One :meth:`shapely.Geometry.contains` per pair (a point on the boundary is not contained).

    >>> sq = shapely.box(36.0, 35.0, 36.5, 35.5)
    >>> reference_contains([sq], np.array([36.2, 36.0, 37.0]), np.array([35.2, 35.2, 35.2]))[:, 0]
    array([ True, False, False])
    """
    out = np.zeros((len(lon), len(zones)), dtype=bool)
    for i, (x, y) in enumerate(zip(np.asarray(lon), np.asarray(lat), strict=True)):
        p = shapely.Point(float(x), float(y))
        for j, z in enumerate(zones):
            out[i, j] = bool(z.contains(p))
    return out


def reference_shares(
    zones: Sequence[shapely.Geometry],
    lon: np.ndarray,
    lat: np.ndarray,
    radius_km: np.ndarray,
    *,
    quad_segs: int = 64,
) -> np.ndarray:
    """Share matrix ``(n_events, n_zones)``: the part of each event's disc inside each zone.

    Radius 0 is a point: :func:`reference_contains`. Otherwise the disc of ``radius_km``
    around the event, built in the azimuthal equidistant projection centred on it, intersected
    with the projected zone, area over the disc's area.

    >>> sq = shapely.box(36.0, 35.0, 36.5, 35.5)
    >>> s = reference_shares([sq], np.array([36.25, 36.0, 40.0]), np.array([35.25, 35.25, 35.0]),
    ...                      np.array([0.0, 2.0, 3.0]))
    >>> np.round(s[:, 0], 3).tolist()
    [1.0, 0.5, 0.0]
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    rad = np.asarray(radius_km, dtype=np.float64)
    out = np.zeros((len(lon), len(zones)))
    dense = [shapely.segmentize(z, SEGMENT_DEG) for z in zones]
    for i in range(len(lon)):
        if rad[i] == 0.0:
            out[i] = reference_contains(zones, lon[i : i + 1], lat[i : i + 1])[0]
            continue
        aeqd = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={float(lat[i])!r} +lon_0={float(lon[i])!r} +ellps=WGS84 +units=m"
        )
        to_m = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
        disc = shapely.Point(0.0, 0.0).buffer(rad[i] * 1000.0, quad_segs=quad_segs)
        # only the part of a zone near the disc is projected: a lon/lat box around the disc
        # with a 10 % margin (clipping a zone to a box that holds the disc keeps disc & zone)
        kx, ky = km_per_deg(lat[i])
        hx, hy = 1.1 * rad[i] / float(kx) + 1e-3, 1.1 * rad[i] / float(ky) + 1e-3
        box = shapely.box(lon[i] - hx, lat[i] - hy, lon[i] + hx, lat[i] + hy)
        for j, z in enumerate(dense):
            part = shapely.intersection(z, box)
            if part.is_empty:
                continue
            zm = shapely.transform(
                part, lambda xy, t=to_m: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
            )
            out[i, j] = zm.intersection(disc).area / disc.area
    return out
