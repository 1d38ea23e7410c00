"""Distance from points to a zone or route, for the reasons attached to verdicts.

The nearest point of the geometry is found in the UTM zone of its centroid (pyproj; a long
lon/lat edge is segmentized first, since it is not straight in UTM); the km are the code base's
one distance model between the point and that nearest point (:func:`ceasefire.zones.distance_km`,
WGS84), so that no distance here carries UTM's scale error (up to 0.1 % in the zone).
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from ...zones.distance import distance_km

__all__ = ["distance_to_km"]


def distance_to_km(geom: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance in km from points (lon/lat) to ``geom`` (0 inside a polygon).

    The nearest point of ``geom`` is found in the UTM zone of its centroid; the distance to it
    is :func:`ceasefire.zones.distance_km`. Meant for modest sizes (the reasons attached to a
    few thousand verdicts), not for millions of points.

    >>> line = shapely.LineString([(36.0, 35.0), (37.0, 35.0)])
    >>> np.round(distance_to_km(line, np.array([36.5]), np.array([35.1])), 1).tolist()
    [11.1]
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if shapely.is_empty(geom):
        return np.full(lon.shape, np.nan)
    c = shapely.centroid(geom)
    cx, cy = float(shapely.get_x(c)), float(shapely.get_y(c))
    zone = int(min(max((cx + 180.0) // 6 + 1, 1), 60))
    epsg = (32600 if cy >= 0 else 32700) + zone
    fwd = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    back = pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    # short segments first: a long lon/lat edge is not straight in UTM
    g = shapely.transform(
        shapely.segmentize(geom, 0.01),
        lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])),
    )
    x, y = fwd.transform(lon, lat)
    out = np.full(lon.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    pts = shapely.points(x[ok], y[ok])
    near = shapely.distance(g, pts) > 0.0  # inside a polygon or on the line: exactly 0
    out[ok[~near]] = 0.0
    # the nearest point of the geometry (UTM only chooses it; the km come from the one model)
    ends = shapely.get_coordinates(shapely.shortest_line(g, pts[near]))
    nlon, nlat = back.transform(ends[0::2, 0], ends[0::2, 1])
    far = ok[near]
    out[far] = distance_km(lat[far], lon[far], nlat, nlon)
    return out
