"""Field reports: where an observer's bearing and distance band put what they saw or heard.

A monitor reports from a known position (the OSCE mission's way: "from position X, heard an
explosion 3-10 km to the east"). :func:`estimate_location` turns that into a point and a radius
that covers the whole sector the source may lie in: the band's distances times the bearing
give or take :data:`BEARING_ERROR_DEG`. Distances are geodesic on WGS84 (pyproj's ``Geod``).

>>> est = estimate_location(36.0, 35.0, bearing_deg=90, band="3-10km")
>>> round(est.longitude, 3), round(est.latitude, 3), round(est.radius_km, 1)
(36.071, 35.0, 3.8)
>>> estimate_location(36.0, 35.0, band="1-3km").radius_km
3.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from pyproj import Geod

from .errors import InputError

__all__ = [
    "BANDS",
    "BEARING_ERROR_DEG",
    "DEFAULT_RADIUS_KM",
    "Estimate",
    "estimate_location",
    "parse_band",
]

#: The distance bands a report form offers, in km (any ``A-Bkm`` with 0 <= A < B <= 100 works).
BANDS: Final = ("0-1km", "1-3km", "3-10km", "10-25km")

#: How far off an observer's compass bearing may be, either way, in degrees.
BEARING_ERROR_DEG: Final = 10.0

#: The radius around the observer when there is neither bearing nor band.
DEFAULT_RADIUS_KM: Final = 1.0

_GEOD: Final = Geod(ellps="WGS84")
_BAND = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*km\s*$")


@dataclass(frozen=True)
class Estimate:
    """An estimated location (WGS84) and the radius in km of the disc that covers the sector."""

    longitude: float
    latitude: float
    radius_km: float


def parse_band(band: str) -> tuple[float, float]:
    """``"3-10km"`` -> ``(3.0, 10.0)``; anything else raises :class:`InputError`.

    >>> parse_band("10-25km")
    (10.0, 25.0)
    >>> parse_band("far")
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: distance_band: expected 'A-Bkm' with 0 <= A < B <= 100 ('far')
    """
    m = _BAND.match(band)
    near, far = (float(m.group(1)), float(m.group(2))) if m else (-1.0, -1.0)
    if not m or not 0 <= near < far <= 100:
        raise InputError(
            "expected 'A-Bkm' with 0 <= A < B <= 100", field="distance_band", value=band
        )
    return near, far


def estimate_location(
    longitude: float,
    latitude: float,
    *,
    bearing_deg: float | None = None,
    band: str | None = None,
) -> Estimate:
    """Where the source of an observation lies, seen from (``longitude``, ``latitude``).

    With a bearing and a band: the point on the geodesic along the bearing at the band's middle
    distance, and the smallest radius around it that covers the band's sector (its four corners
    at bearing +- :data:`BEARING_ERROR_DEG`, and the band's far edge straight ahead).
    With a band but no bearing: the observer's position, radius the band's far edge.
    With neither: the observer's position, radius :data:`DEFAULT_RADIUS_KM`.
    A bearing without a band is ignored (the distance is unknown): the observer's position with
    the widest band's far edge as radius.
    """
    _check_position(longitude, latitude)
    if bearing_deg is not None and not (0 <= bearing_deg <= 360 and math.isfinite(bearing_deg)):
        raise InputError("must be between 0 and 360", field="bearing_deg", value=bearing_deg)
    if band is None:
        far = parse_band(BANDS[-1])[1] if bearing_deg is not None else DEFAULT_RADIUS_KM
        return Estimate(longitude, latitude, far)
    near, far = parse_band(band)
    if bearing_deg is None:
        return Estimate(longitude, latitude, far)
    middle = (near + far) / 2
    lon, lat, _ = _GEOD.fwd(longitude, latitude, bearing_deg, middle * 1000)
    corners = [
        _GEOD.fwd(longitude, latitude, bearing_deg + side * BEARING_ERROR_DEG, d * 1000)[:2]
        for side in (-1, 1)
        for d in (near, far)
    ]
    corners.append(_GEOD.fwd(longitude, latitude, bearing_deg, far * 1000)[:2])
    reach = max(_GEOD.inv(lon, lat, clon, clat)[2] for clon, clat in corners)
    return Estimate(float(lon), float(lat), round(reach / 1000, 3))


def _check_position(longitude: float, latitude: float) -> None:
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise InputError("must be between -180 and 180", field="longitude", value=longitude)
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise InputError("must be between -90 and 90", field="latitude", value=latitude)
