"""The local metric frame: degrees to km around a point, and the margins its error calls for.

Around each event (and each zone edge at build time) degrees become km with the WGS84 radii of
curvature at that latitude (a local equirectangular frame, in which a disc is an ellipse in
lon/lat). Its relative error over a distance ``d`` is about ``d * tan(lat) / (2 * 6371 km)``:
0.01 % at 2 km, 0.14 % at 25 km, 1.6 % at 300 km (35 N); decisions use distances shrunk by
0.5 % + 10 m (:data:`_REL_PAD`, :data:`_ABS_PAD_KM`) and radii stretched by 0.2 %
(:data:`_R_PAD`). Checked against geodesic distances in tests/test_spatial.py.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

#: Conservative shrink of metric distances: relative, and absolute (km).
_REL_PAD: Final = 5e-3
_ABS_PAD_KM: Final = 0.01
#: Radii are stretched by this factor in decisions (the local frame's error over a disc).
_R_PAD: Final = 1.0 + 2e-3
#: Stretch of a stored edge distance's bound when selecting edges (metric frame error).
_DIST_PAD: Final = 1.02

_A_KM: Final = 6378.137
_E2: Final = 0.00669437999014
_RAD: Final = math.pi / 180.0


def _km_per_deg(lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(km per degree of longitude, km per degree of latitude) at ``lat`` on WGS84.

    >>> kx, ky = _km_per_deg(0.0)
    >>> round(float(kx), 2), round(float(ky), 2)
    (111.32, 110.57)
    """
    phi = np.asarray(lat, dtype=np.float64) * _RAD
    s = np.sin(phi)
    w2 = 1.0 - _E2 * s * s
    n = _A_KM / np.sqrt(w2)
    m = _A_KM * (1.0 - _E2) / (w2 * np.sqrt(w2))
    kx = np.maximum(n * np.cos(phi), 1e-9) * _RAD
    return kx, m * _RAD
