"""The one distance model: km on the WGS84 ellipsoid.

Every distance the code base computes (the compliance engine, patrols, field reports, the news
geoparser and its evaluation) is measured on the WGS84 ellipsoid, the datum of the coordinates
themselves (GeoJSON, GPS, UTM 37N and pyproj all use it), through :func:`distance_km`:

- **short distances** (under :data:`LOCAL_LIMIT_KM`: event discs, zone edges within reach of a
  disc, GPS track steps, a point to the nearest point of a route) in the *local equirectangular
  frame* of the ellipsoid's radii of curvature at the latitude (:func:`km_per_deg`): whole-array
  numpy, no trigonometry per pair beyond one ``sin``/``cos`` per latitude, and an error that is
  known and small. Centred at one end its relative error is about ``d * tan(lat) / (2 * 6371
  km)`` (0.01 % at 2 km, 0.14 % at 25 km, 35 N), which the spatial index pads
  (:mod:`ceasefire.compliance.spatial`); at the mean latitude of two points
  (:func:`distance_km`) it is second order: measured at most 6e-7 on the equator, 2e-6 at 35 N,
  2.2e-5 at 70 N below 50 km (tests/test_zones_distance.py);
- **long distances** (:data:`LOCAL_LIMIT_KM` and more) on the geodesic itself
  (:func:`geodesic_km`): Vincenty's inverse formula, whole-array numpy, within
  :data:`GEODESIC_MAX_ERROR_M` (1 mm; measured 0.08 mm at most, nearly antipodal, and under
  0.01 mm elsewhere) of Karney's algorithm (pyproj's ``Geod.inv``), which takes over only for
  the nearly antipodal pairs Vincenty's iteration does not settle on;
- **areas and points along a bearing**: geodesic too (``Geod``: zone areas in the spatial
  index, field reports' estimated positions); **buffers and lengths of zones** are built in
  UTM 37N (:data:`~ceasefire.zones.METRIC_CRS`), the same ellipsoid projected, scale within
  0.1 % over Syria west of 42 E.

Why one model, and why not a sphere (haversine, R = 6371.0088 km)? A sphere's degree is 0.2-0.3 %
off the ellipsoid's at Syria's latitudes (north-south, 35 N: 111.20 km against 110.94 km; up to
0.6 % elsewhere), while the share of a small disc on a zone's edge is held to 5e-4 of shapely's
exact area in UTM 37N: a sphere would spend that margin on the model alone, and two models would
give one pair of points two distances that disagree by more than the tests allow. The news
geoparser used the sphere until it too moved here; its gold-set scores did not move (its
thresholds are hundreds of km; see docs/geoparsing.md). The ellipsoid costs little: the local
frame's factors depend on the latitude only, four finite floats take a scalar path with
``math`` (no numpy overhead per operation: about 1.3 us below 50 km, 8 us beyond), and arrays
pay a few Vincenty steps per pair. The antimeridian is handled (longitude differences are taken
the short way round); the poles are not a use case for the local frame (its km per degree of
longitude is floored at 1e-9), and the geodesic handles them.
"""

from __future__ import annotations

import math
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pyproj

__all__ = [
    "GEODESIC_MAX_ERROR_M",
    "LOCAL_LIMIT_KM",
    "WGS84_A_KM",
    "WGS84_E2",
    "WGS84_F",
    "distance_km",
    "geodesic_km",
    "km_per_deg",
]

#: WGS84 semi-major axis (km), flattening and first eccentricity squared.
WGS84_A_KM: Final = 6378.137
WGS84_F: Final = 1.0 / 298.257223563
WGS84_E2: Final = 0.00669437999014
#: :func:`distance_km` uses the local frame below this distance, the geodesic at and above it.
LOCAL_LIMIT_KM: Final = 50.0
#: The bound (m) the tests hold :func:`geodesic_km` to against Karney's geodesic (pyproj's
#: ``Geod.inv``) on random pairs of every range (tests/test_zones_distance.py); measured: 8e-5 m
#: at most (nearly antipodal pairs), under 1e-5 m elsewhere.
GEODESIC_MAX_ERROR_M: Final = 1e-3

_RAD: Final = math.pi / 180.0
_GEOD: Final = pyproj.Geod(ellps="WGS84")
_B_KM: Final = WGS84_A_KM * (1.0 - WGS84_F)
_EP2: Final = (WGS84_A_KM**2 - _B_KM**2) / _B_KM**2  # second eccentricity squared
#: Vincenty's iteration: at most this many steps, converged when lambda moves by at most _TOL
#: (radians; 1e-12 rad is 6 micrometres on the ground).
_MAX_STEPS: Final = 20
_TOL: Final = 1e-12
#: From this many pairs on, :func:`geodesic_km` runs Vincenty's whole-array formula; below, Karney's
#: (pyproj, in C) is the faster (measured crossover about 1,000 pairs; see geodesic_km).
_VINCENTY_FROM: Final = 1024


def _pick(cond: bool, x: float, y: float) -> float:
    """``np.where`` for one value."""
    return x if cond else y


class _Ops(NamedTuple):
    """The elementary functions the local frame is written with: numpy's for arrays, ``math``'s
    for a scalar call (no numpy overhead per operation)."""

    sin: Any
    sqrt: Any
    hypot: Any
    maximum: Any
    where: Any
    every: Any


_NP: Final = _Ops(np.sin, np.sqrt, np.hypot, np.maximum, np.where, np.all)
_MATH: Final = _Ops(math.sin, math.sqrt, math.hypot, max, _pick, bool)


def _radii(lat: Any, ops: _Ops) -> tuple[Any, Any]:
    """km per degree of longitude and of latitude at ``lat`` (degrees, -90 to 90).

    ``N cos(lat) = a sqrt(cos^2 / w^2)`` and ``M = a (1 - e^2) / w^3``, ``w^2 = 1 - e^2 sin^2``,
    from one sine: of the latitude up to 45 degrees (the cosine's square is then ``1 - sin^2``,
    at least 1/2), else of the colatitude (``90 - |lat|``, exact in degrees; the sine's square
    is then ``1 - cos^2``), so neither square loses precision to cancellation near a pole.
    numpy's float64 sine and cosine are not vectorised (about 9 ns an element here, a square
    root 1 ns), and the engine takes these radii for every wide disc.
    """
    a = abs(lat)
    low = a <= 45.0
    if ops.every(low):  # the usual case: no picking
        s2 = ops.sin(a * _RAD)
        s2 *= s2
        c2 = 1.0 - s2
    else:
        t = ops.sin(ops.where(low, a, 90.0 - a) * _RAD)
        t2 = t * t
        s2, c2 = ops.where(low, t2, 1.0 - t2), ops.where(low, 1.0 - t2, t2)
    w2 = 1.0 - WGS84_E2 * s2
    kx = ops.sqrt(c2 / w2) * (WGS84_A_KM * _RAD)
    ky = (WGS84_A_KM * (1.0 - WGS84_E2) * _RAD) / (w2 * ops.sqrt(w2))
    return ops.maximum(kx, 1e-9 * _RAD), ky


def _local_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any, ops: _Ops) -> Any:
    """The local equirectangular frame at the mean latitude (the short way round)."""
    kx, ky = _radii(0.5 * (lat1 + lat2), ops)
    dlon = (lon2 - lon1 + 180.0) % 360.0 - 180.0
    return ops.hypot(dlon * kx, (lat2 - lat1) * ky)


def _reduced(lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of the reduced latitude, ``tan U = (1 - f) tan(lat)``, without the tangent
    (finite at the poles)."""
    phi = lat * _RAD
    y, x = (1.0 - WGS84_F) * np.sin(phi), np.cos(phi)
    r = np.hypot(y, x)
    return y / r, x / r


def _step(
    lam: np.ndarray,
    big_l: np.ndarray,
    su1: np.ndarray,
    cu1: np.ndarray,
    su2: np.ndarray,
    cu2: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """One step of Vincenty's inverse (1975, eqs. 14-18 and 10-11): the next longitude on the
    auxiliary sphere and the terms the length needs. The two zero divisions (coincident points,
    a line along the equator) are masked arithmetically."""
    sl, cl = np.sin(lam), np.cos(lam)
    t1, t2 = cu2 * sl, cu1 * su2 - su1 * cu2 * cl
    ss = np.sqrt(t1 * t1 + t2 * t2)
    cs = su1 * su2 + cu1 * cu2 * cl
    sigma = np.arctan2(ss, cs)
    sa = cu1 * cu2 * sl / (ss + (ss == 0))
    c2a = 1.0 - sa * sa
    c2sm = (cs - 2.0 * su1 * su2 / (c2a + (c2a == 0))) * (c2a != 0)
    c = WGS84_F / 16.0 * c2a * (4.0 + WGS84_F * (4.0 - 3.0 * c2a))
    new = big_l + (1.0 - c) * WGS84_F * sa * (
        sigma + c * ss * (c2sm + c * cs * (-1.0 + 2.0 * c2sm * c2sm))
    )
    return new, sigma, ss, cs, c2a, c2sm


def _length_km(
    sigma: np.ndarray, ss: np.ndarray, cs: np.ndarray, c2a: np.ndarray, c2sm: np.ndarray
) -> np.ndarray:
    """Vincenty's eqs. 3, 4, 6 and 19: the geodesic's length from the converged terms."""
    u2 = c2a * _EP2
    a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)))
    b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)))
    c2 = c2sm * c2sm
    ds = (
        b
        * ss
        * (
            c2sm
            + b
            / 4.0
            * (cs * (2.0 * c2 - 1.0) - b / 6.0 * c2sm * (4.0 * ss * ss - 3.0) * (4.0 * c2 - 3.0))
        )
    )
    return _B_KM * a * (sigma - ds)


def _karney_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Karney's geodesic (pyproj's ``Geod.inv``) in km, for flat float arrays."""
    return np.asarray(_GEOD.inv(lon1, lat1, lon2, lat2)[2], dtype=np.float64) / 1000.0


def _vincenty_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Vincenty's inverse for flat float arrays, whole-array: each step runs on the pairs still
    moving; those not settled after :data:`_MAX_STEPS` (nearly antipodal) go to Karney's."""
    d = np.empty(lat1.shape)
    big_l = ((lon2 - lon1 + 180.0) % 360.0 - 180.0) * _RAD
    su1, cu1 = _reduced(lat1)
    su2, cu2 = _reduced(lat2)
    todo = np.arange(d.size)  # the pairs still moving, in the order of the arrays below
    lam = big_l
    for _ in range(_MAX_STEPS):
        new, *terms = _step(lam, big_l, su1, cu1, su2, cu2)
        moving = np.abs(new - lam) > _TOL  # NaN compares False: settles, stays NaN
        if moving.all():
            lam = new
            continue
        if not moving.any():
            d[todo] = _length_km(*terms)
            return d
        settled = ~moving
        d[todo[settled]] = _length_km(*(t[settled] for t in terms))
        todo, lam, big_l = todo[moving], new[moving], big_l[moving]
        su1, cu1, su2, cu2 = su1[moving], cu1[moving], su2[moving], cu2[moving]
    d[todo] = _karney_km(lat1[todo], lon1[todo], lat2[todo], lon2[todo])
    return d


def geodesic_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Geodesic distances in km on the WGS84 ellipsoid, element by element (broadcasting; a
    0-d array for scalars). NaN in, NaN out.

    Two implementations of the one geodesic, picked by size for speed alone:

    - from 1,024 pairs on, Vincenty's inverse formula (1975) in whole-array numpy, iterated
      until the longitude on the auxiliary sphere moves by at most 1e-12 rad (5 steps for most
      pairs; at most 20, each step on the pairs still moving): about 0.5-0.65 us a pair against
      Karney's 0.9 us. The nearly antipodal pairs it does not settle on (about 1 in 10,000
      random pairs of the globe, all beyond 19,800 km) go to Karney's;
    - below, Karney's algorithm (pyproj's ``Geod.inv``, in C), which costs a few us a call where
      numpy's overhead per operation costs Vincenty's steps about 150 us.

    They agree within :data:`GEODESIC_MAX_ERROR_M` over random pairs of every range, across the
    antimeridian, along the equator and meridians, to and from the poles
    (tests/test_zones_distance.py).

    >>> round(float(geodesic_km(51.5, -0.13, 48.86, 2.35)), 3)  # London - Paris
    342.898
    >>> d = geodesic_km(np.full(2000, 51.5), -0.13, 48.86, 2.35)  # Vincenty's
    >>> round(float(d.max()), 3), round(float(d.min()), 3)
    (342.898, 342.898)
    """
    a = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2)))
    la1, lo1, la2, lo2 = (np.array(v, dtype=np.float64).reshape(-1) for v in a)
    f = _karney_km if la1.size < _VINCENTY_FROM else _vincenty_km
    return f(la1, lo1, la2, lo2).reshape(a[0].shape)


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
    kx, ky = _radii(np.asarray(lat, dtype=np.float64), _NP)
    return np.asarray(kx), np.asarray(ky)


def _scalar_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """:func:`distance_km` for one pair of finite floats: the local frame with ``math``, the
    geodesic with Karney's (about 1 us for one pair)."""
    d = _local_km(lat1, lon1, lat2, lon2, _MATH)
    if d >= LOCAL_LIMIT_KM:
        return float(_GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0
    return float(d)


def distance_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Distances in km between WGS84 points, element by element (broadcasting; scalars give a
    0-d array): the local frame at the mean latitude below :data:`LOCAL_LIMIT_KM`, the geodesic
    (:func:`geodesic_km`) beyond. NaN in, NaN out. Four finite Python (or numpy) floats take a
    scalar path: the local frame with ``math`` (the same formula without numpy's overhead per
    operation), the geodesic with Karney's for one pair.

    >>> round(float(distance_km(51.5, -0.13, 48.86, 2.35)), 1)  # London - Paris
    342.9
    >>> distance_km([35.8, 35.9], [36.6, 36.6], 35.8, 36.6).round(3).tolist()
    [0.0, 11.096]
    >>> round(float(distance_km(0.0, 179.99, 0.0, -179.99)), 3)  # the short way round
    2.226
    """
    if (
        isinstance(lat1, (float, int))
        and isinstance(lon1, (float, int))
        and isinstance(lat2, (float, int))
        and isinstance(lon2, (float, int))
        and math.isfinite(lat1 + lon1 + lat2 + lon2)
    ):
        return np.array(_scalar_km(float(lat1), float(lon1), float(lat2), float(lon2)))
    a = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2)))
    la1, lo1, la2, lo2 = (np.array(v, dtype=np.float64) for v in a)  # writable copies
    d = np.asarray(_local_km(la1, lo1, la2, lo2, _NP))
    far = d >= LOCAL_LIMIT_KM  # NaN compares False: stays NaN
    if far.any():
        d[far] = geodesic_km(la1[far], lo1[far], la2[far], lo2[far])
    return d
