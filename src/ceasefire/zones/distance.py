"""The one distance model: km on the WGS84 ellipsoid.

Every distance the code base computes is measured on the WGS84 ellipsoid, the datum of the
coordinates themselves (GeoJSON, GPS, UTM 37N and pyproj all use it):

- **short distances** (under :data:`LOCAL_LIMIT_KM`: event discs, zone edges within reach of a
  disc, GPS track steps, a point to the nearest point of a route) in the *local equirectangular
  frame* of the ellipsoid's radii of curvature at the latitude (:func:`km_per_deg`): whole-array
  numpy, no trigonometry per pair beyond one ``sin``/``cos`` per latitude, and an error that is
  known and small. Centred at one end its relative error is about ``d * tan(lat) / (2 * 6371
  km)`` (0.01 % at 2 km, 0.14 % at 25 km, 35 N), which the spatial index pads
  (:mod:`ceasefire.compliance.spatial`); at the mean latitude of two points
  (:func:`distance_km`) it is second order: 2e-6 at 35 N, 2e-5 at 70 N below 50 km;
- **long distances** (:data:`LOCAL_LIMIT_KM` and more) on the geodesic itself (pyproj's
  ``Geod``, Karney's algorithm), which :func:`distance_km` switches to;
- **areas and points along a bearing**: geodesic too (``Geod``: zone areas in the spatial
  index, field reports' estimated positions); **buffers and lengths of zones** are built in
  UTM 37N (:data:`~ceasefire.zones.METRIC_CRS`), the same ellipsoid projected, scale within
  0.1 % over Syria west of 42 E.

Why not a sphere (haversine, R = 6371.0088 km)? Its degree is 0.2-0.3 % off the ellipsoid's at
Syria's latitudes (north-south, 35 N: 111.20 km against 110.94 km), while the share of a small
disc on a zone's edge is held to 5e-4 of shapely's exact area in UTM 37N: a sphere would spend
that margin on the model alone, and two models would disagree by more than the tests allow. The
ellipsoid costs nothing more on the hot path (the frame's factors depend on the latitude only).
:func:`haversine_km` (the sphere) stays only for the news geoparser, which is another person's
work and whose pinned scores were measured with it. The antimeridian is handled (longitude
differences are taken the short way round); the poles are not a use case (the frame's km per
degree of longitude is floored at 1e-9).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import pyproj

__all__ = [
    "EARTH_RADIUS_KM",
    "LOCAL_LIMIT_KM",
    "WGS84_A_KM",
    "WGS84_E2",
    "distance_km",
    "haversine_km",
    "km_per_deg",
]

#: WGS84 semi-major axis (km) and first eccentricity squared.
WGS84_A_KM: Final = 6378.137
WGS84_E2: Final = 0.00669437999014
#: :func:`distance_km` uses the local frame below this distance, the geodesic at and above it.
LOCAL_LIMIT_KM: Final = 50.0

_RAD: Final = math.pi / 180.0
_GEOD: Final = pyproj.Geod(ellps="WGS84")


def km_per_deg(lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(km per degree of longitude, km per degree of latitude) at ``lat`` on WGS84.

    The radii of curvature of the ellipsoid: ``N cos(lat)`` along the parallel, ``M`` along the
    meridian.

    >>> kx, ky = km_per_deg(0.0)
    >>> round(float(kx), 2), round(float(ky), 2)
    (111.32, 110.57)
    >>> [round(float(k), 2) for k in km_per_deg(35.0)]
    [91.29, 110.94]
    """
    phi = np.asarray(lat, dtype=np.float64) * _RAD
    s = np.sin(phi)
    w2 = 1.0 - WGS84_E2 * s * s
    n = WGS84_A_KM / np.sqrt(w2)
    m = WGS84_A_KM * (1.0 - WGS84_E2) / (w2 * np.sqrt(w2))
    kx = np.maximum(n * np.cos(phi), 1e-9) * _RAD
    return kx, m * _RAD


def distance_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Distances in km between WGS84 points, element by element (broadcasting; scalars give a
    0-d array): the local frame at the mean latitude below :data:`LOCAL_LIMIT_KM`, the geodesic
    beyond. NaN in, NaN out.

    >>> round(float(distance_km(51.5, -0.13, 48.86, 2.35)), 1)  # London - Paris
    342.9
    >>> distance_km([35.8, 35.9], [36.6, 36.6], 35.8, 36.6).round(3).tolist()
    [0.0, 11.096]
    >>> round(float(distance_km(0.0, 179.99, 0.0, -179.99)), 3)  # the short way round
    2.226
    """
    a = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2)))
    la1, lo1, la2, lo2 = (np.array(v, dtype=np.float64) for v in a)  # writable copies
    kx, ky = km_per_deg(0.5 * (la1 + la2))
    dlon = (lo2 - lo1 + 180.0) % 360.0 - 180.0
    d = np.asarray(np.hypot(dlon * kx, (la2 - la1) * ky))
    far = d >= LOCAL_LIMIT_KM  # NaN compares False: stays NaN
    if far.any():
        _, _, m = _GEOD.inv(lo1[far], la1[far], lo2[far], la2[far])
        d[far] = np.asarray(m) / 1000.0
    return d


#: The mean Earth radius (IUGG), km: the sphere of :func:`haversine_km` only.
EARTH_RADIUS_KM: Final = 6371.0088


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Great-circle distances in km on a sphere of :data:`EARTH_RADIUS_KM` (broadcasting).

    Not the distance model: kept, unchanged, for the news geoparser (``ceasefire.news``), which
    ranks gazetteer candidates by it (hundreds of km, where the sphere's 0.3 % does not matter)
    and whose gold-set floors were pinned with it. New code calls :func:`distance_km`.

    >>> round(float(haversine_km(51.5, -0.13, 48.86, 2.35)))
    343
    >>> haversine_km([35.8, 35.9], [36.6, 36.6], 35.8, 36.6).round(2).tolist()
    [0.0, 11.12]
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.subtract(lon2, lon1))
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
