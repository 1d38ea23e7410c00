"""The local metric frame of the spatial index, and the margins its error calls for.

Around each event (and each zone edge at build time) degrees become km with the WGS84 radii of
curvature at that latitude (:func:`ceasefire.zones.km_per_deg`, the code base's one distance
model: :mod:`ceasefire.zones.distance`), a local equirectangular frame in which a disc is an
ellipse in lon/lat. Its relative error over a distance ``d`` is about
``d * tan(lat) / (2 * 6371 km)``: 0.01 % at 2 km, 0.14 % at 25 km, 1.6 % at 300 km (35 N);
decisions use distances shrunk by 0.5 % + 10 m (:data:`REL_PAD`, :data:`ABS_PAD_KM`) and radii
stretched by 0.2 % (:data:`R_PAD`). Checked against geodesic distances in tests/test_spatial.py.
"""

from __future__ import annotations

from typing import Final

from ...zones.distance import km_per_deg

__all__ = ["ABS_PAD_KM", "DIST_PAD", "REL_PAD", "R_PAD", "km_per_deg"]

#: Conservative shrink of metric distances: relative, and absolute (km).
REL_PAD: Final = 5e-3
ABS_PAD_KM: Final = 0.01
#: Radii are stretched by this factor in decisions (the local frame's error over a disc).
R_PAD: Final = 1.0 + 2e-3
#: Stretch of a stored edge distance's bound when selecting edges (metric frame error).
DIST_PAD: Final = 1.02
