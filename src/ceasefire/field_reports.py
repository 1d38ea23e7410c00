"""Field reports: where an observer's bearing and distance band put what they saw or heard.

A monitor reports from a known position (the OSCE mission's way: "from position X, heard an
explosion 3-10 km to the east"). :func:`estimate_location` turns that into a point and a radius
that covers the whole sector the source may lie in: the band's distances times the bearing
give or take :data:`BEARING_ERROR_DEG`. Distances are geodesic on WGS84 (pyproj's ``Geod``).

**What is published.** Without a bearing and a band the estimate *is* the observer's position,
and with them it is still the observer's position moved a known distance, so the estimate is
never shown as it is to those who may not see observers. :func:`published_location` gives the
point and radius everyone else sees (the report's event on every map, list and export): the
estimate snapped to the centre of its cell of a fixed :data:`PUBLISHED_CELL_DEG` grid, with the
radius grown by the cell's half-diagonal and rounded up to a whole km, so that the published disc
holds the whole precise disc and neither the point nor the radius depends on where in the cell
the estimate lies. Every report is published this way, with or without bearing and band (one
rule; a band still narrows where the observer stood). The precise estimate stays with the report,
for the report's verdicts and for those who may see observers.

**What a verdict publishes.** A report is judged on the precise disc (the verdict class needs
it), but a share of that disc inside a zone, a radius or a distance to a line would place the
observer within the published cell (two zone edges crossing it pin a point). So every stored
verdict of a report's event goes through :func:`publishable_verdicts`: its ``p_space`` becomes
0 (outside), 0.5 (partly inside) or 1 (inside), its ``probability`` that times ``p_time``, and
its reason (built so by ``compliance.reasons``) says "inside" or "with its location disc partly
inside", with no share, radius or distance. That says no more than the verdict class does.

>>> est = estimate_location(36.0, 35.0, bearing_deg=90, band="3-10km")
>>> round(est.longitude, 3), round(est.latitude, 3), round(est.radius_km, 1)
(36.071, 35.0, 3.8)
>>> estimate_location(36.0, 35.0, band="1-3km").radius_km
3.0
>>> published_location(estimate_location(36.6123, 35.8311))
Estimate(longitude=36.625, latitude=35.825, radius_km=5.0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from pyproj import Geod

from .errors import InputError
from .vocab import SourceDataset

__all__ = [
    "BANDS",
    "BEARING_ERROR_DEG",
    "DEFAULT_RADIUS_KM",
    "PUBLISHED_CELL_DEG",
    "SOURCE_DATASET",
    "WHOLE_SHARE",
    "Estimate",
    "estimate_location",
    "parse_band",
    "publishable_verdicts",
    "published_location",
    "published_share",
]

#: The distance bands a report form offers, in km (any ``A-Bkm`` with 0 <= A < B <= 100 works).
BANDS: Final = ("0-1km", "1-3km", "3-10km", "10-25km")

#: How far off an observer's compass bearing may be, either way, in degrees.
BEARING_ERROR_DEG: Final = 10.0

#: The radius around the observer when there is neither bearing nor band.
DEFAULT_RADIUS_KM: Final = 1.0

#: The grid a field report's event is published on, in degrees (see :func:`published_location`).
#: 0.05 deg is 5.6 km north-south and 4.5 km east-west at Idlib's 35.8 deg N: a cell of about
#: 25 km2 holds a village and its fields (villages there are 2-4 km apart), so it does not name
#: the place an observer stood, and it is no coarser than a "near this town" location of ACLED or
#: UCDP (their precision 2), so the public map loses little. The radius grows by the cell's
#: half-diagonal, 3.6 km there: a 1 km report is published as a 5 km disc.
PUBLISHED_CELL_DEG: Final = 0.05

#: The ``source_dataset`` of a field report's event.
SOURCE_DATASET: Final = SourceDataset.FIELD_REPORT.value

#: A share of a report's disc inside a zone at or above this is published as inside (1.0); the
#: reasons of other events also stop giving the share there.
WHOLE_SHARE: Final = 0.995

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


def published_location(est: Estimate, cell_deg: float = PUBLISHED_CELL_DEG) -> Estimate:
    """The estimate as it is published: the centre of its ``cell_deg`` grid cell (cells are
    counted from -180 deg and -90 deg, so the grid is the same everywhere and for everyone), and
    the radius plus the cell's half-diagonal (the farthest any point of the cell lies from its
    centre, geodesic), rounded up to a whole km. The published disc therefore holds the whole
    precise disc, and neither the point nor the radius says where in its cell the estimate lies.

    >>> a = published_location(Estimate(36.6001, 35.8001, 1.0))
    >>> b = published_location(Estimate(36.6499, 35.8499, 1.0))
    >>> a == b, a
    (True, Estimate(longitude=36.625, latitude=35.825, radius_km=5.0))
    >>> published_location(Estimate(180.0, 90.0, 10.0)).longitude  # the last cell, not beyond
    179.975
    """
    _check_position(est.longitude, est.latitude)
    lon = _cell_centre(est.longitude, -180.0, 360.0, cell_deg)
    lat = _cell_centre(est.latitude, -90.0, 180.0, cell_deg)
    half = cell_deg / 2
    corners = [
        (lon + dx, max(-90.0, min(90.0, lat + dy))) for dx in (-half, half) for dy in (-half, half)
    ]
    reach_km = max(_GEOD.inv(lon, lat, clon, clat)[2] for clon, clat in corners) / 1000
    # rounded to a millimetre first, so that 4.0000000001 km is 4 km, not 5
    return Estimate(lon, lat, float(math.ceil(round(est.radius_km + reach_km, 6))))


def _cell_centre(value: float, origin: float, span: float, cell_deg: float) -> float:
    """The centre of the grid cell holding ``value`` (the last cell holds the grid's far edge),
    rounded to a micro-degree so that the same cell always prints alike."""
    last = math.ceil(span / cell_deg) - 1
    index = min(math.floor((value - origin) / cell_deg), last)
    return round(origin + (index + 0.5) * cell_deg, 6)


def published_share(p_space: Any, verdict: Any) -> np.ndarray:
    """The share of a report's disc inside a zone as published: 0.0 where none of it is, 1.0
    where it is (at least :data:`WHOLE_SHARE` of it, or enough for a ``violation``, which the
    verdict says anyway), 0.5 ("partly inside") for any other share; NaN stays NaN.

    >>> published_share([0.0, 0.22, 0.93, 0.93, 0.998], ["outside", "possible_violation",
    ...     "possible_violation", "violation", "compliant"]).tolist()
    [0.0, 0.5, 0.5, 1.0, 1.0]
    """
    p = np.asarray(p_space, dtype=float)
    v = np.asarray(verdict, dtype=object)
    whole = (p >= WHOLE_SHARE) | (v == "violation")
    out = np.where(p <= 0, 0.0, np.where(whole, 1.0, 0.5))
    return np.where(np.isnan(p), np.nan, out)


def publishable_verdicts(verdicts: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """``verdicts`` with those of field reports' events (``events``: ``event_uid`` and
    ``source_dataset``) as they may be published: ``p_space`` by :func:`published_share`,
    ``probability`` that times ``p_time`` (0 where ``outside``). Other rows, and the verdict
    classes, are left as they are; applying it twice changes nothing. Every writer of verdicts
    calls it, so no surface can show the share the precise disc had.

    >>> v = pd.DataFrame({"event_uid": ["field_report:1", "ucdp:9"],
    ...     "verdict": ["possible_violation"] * 2, "probability": [0.2287, 0.2287],
    ...     "p_space": [0.4574, 0.4574], "p_time": [0.5, 0.5]})
    >>> ev = pd.DataFrame({"event_uid": ["field_report:1", "ucdp:9"],
    ...     "source_dataset": ["field_report", "ucdp_ged"]})
    >>> publishable_verdicts(v, ev)[["probability", "p_space"]].values.tolist()
    [[0.25, 0.5], [0.2287, 0.4574]]
    """
    needed = {"event_uid", "verdict"}
    if not needed <= set(verdicts.columns) or not len(verdicts):
        return verdicts
    dataset = events["source_dataset"].astype(object)
    reports = set(events.loc[(dataset == SOURCE_DATASET).to_numpy(dtype=bool), "event_uid"])
    hit = verdicts["event_uid"].astype(object).isin(reports).to_numpy(dtype=bool)
    if not hit.any():
        return verdicts
    out = verdicts.copy()
    verdict = out.loc[hit, "verdict"].astype(object).to_numpy()
    outside = verdict == "outside"
    if "p_space" in out.columns:
        share = published_share(pd.to_numeric(out.loc[hit, "p_space"]).to_numpy(), verdict)
        out["p_space"] = out["p_space"].astype("float64")
        out.loc[hit, "p_space"] = share
        p_time = (
            pd.to_numeric(out.loc[hit, "p_time"]).to_numpy(dtype=float)
            if "p_time" in out.columns
            else np.ones(int(hit.sum()))
        )
        probability = np.where(outside, 0.0, (share * p_time).round(4))
    elif "probability" in out.columns:  # no share given: the probability is bucketed itself
        given = pd.to_numeric(out.loc[hit, "probability"]).to_numpy(dtype=float)
        probability = np.where(outside, 0.0, published_share(given, verdict))
    else:
        return out
    if "probability" in out.columns:
        out["probability"] = out["probability"].astype("float64")
        out.loc[hit, "probability"] = probability
    return out
