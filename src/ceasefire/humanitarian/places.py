"""Where a humanitarian record is, relative to a provision's zone: ``inside``, ``outside`` or
``unknown``.

A record is placed by the first of these that it has:

1. its coordinates (``lat``/``lon``): inside when the point lies in the zone;
2. its pcode (OCHA COD-AB, :func:`ceasefire.zones.admin_units`: ``SY07`` a governorate,
   ``SY0703`` a district, ``SY070300`` a sub-district; a longer community pcode is taken at its
   sub-district): inside when at least half the unit's area lies in the zone;
3. a crossing it names, from :data:`CROSSINGS` (the UN cross-border crossings, approximate
   positions): inside when the crossing lies in the zone or within
   :data:`CROSSING_TOLERANCE_KM` of it (a border crossing lies on the border, which is often
   the zone's edge);
4. an admin unit it names (a movement's sub-district, district or governorate, matched on the
   COD-AB English names, one match only), as for a pcode.

Otherwise its place is ``unknown``: it is counted (a tracking table for the zone's area is
taken at its word) and the obligation's reason says how many were.

>>> import pandas as pd
>>> from ceasefire.zones import load_zones
>>> zone = load_zones()["idlib-de-escalation-area"].geometry
>>> frame = pd.DataFrame({"place": ["Bab al-Hawa", "Bab al-Salam", "Somewhere"],
...     "pcode": ["", "", ""], "lat": [None, None, None], "lon": [None, None, None]})
>>> where_in_zone(frame, zone).tolist()
['inside', 'outside', 'unknown']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import numpy as np
import pandas as pd
import shapely

from ..zones import admin_units, to_metric

__all__ = ["CROSSINGS", "CROSSING_TOLERANCE_KM", "PLACEMENTS", "where_in_zone"]

#: The UN cross-border and cross-line crossings named in OCHA's tracking, as approximate
#: WGS84 (longitude, latitude) to within a few km: enough to say on which side of a zone's
#: boundary they lie, not to draw them.
CROSSINGS: Final[dict[str, tuple[float, float]]] = {
    "bab al-hawa": (36.672, 36.231),
    "bab al-salam": (37.050, 36.636),
    "al-ra'ee": (37.430, 36.660),
    "al-yarubiyah": (42.060, 36.810),
    "al-ramtha": (36.000, 32.560),
    "saraqab": (36.806, 35.864),
    "mizanaz": (36.880, 36.122),
}
#: A crossing this near a zone (km) counts as inside it.
CROSSING_TOLERANCE_KM: Final = 2.0
#: The values :func:`where_in_zone` gives.
PLACEMENTS: Final = ("inside", "outside", "unknown")

_ALIASES: Final = {"idlib": "idleb", "bab al salama": "bab al salam", "yarubiya": "yarubiyah",
                   "al rai": "al raee", "ar ramtha": "al ramtha"}  # fmt: skip


def _name(text: object) -> str:
    """A place name for matching: accents, case, articles' hyphens and apostrophes ignored."""
    s = unicodedata.normalize("NFKD", str(text or ""))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    s = " ".join(re.findall(r"[a-z0-9]+", s.replace("'", "").replace("’", "")))
    s = re.sub(r"\b(crossing|border crossing|border|point)\b", "", s).strip()
    s = " ".join(s.split())
    return _ALIASES.get(s, s)


@lru_cache(maxsize=1)
def _crossings() -> dict[str, tuple[float, float]]:
    return {_name(k): v for k, v in CROSSINGS.items()}


@lru_cache(maxsize=1)
def _units() -> tuple[dict[str, shapely.Geometry], dict[str, str]]:
    """pcode -> geometry for levels 1-3; unique English name -> pcode (finest level first)."""
    geoms: dict[str, shapely.Geometry] = {}
    names: dict[str, str] = {}
    for level in (3, 2, 1):
        units = admin_units(level)
        codes = units[f"adm{level}_pcode"].astype(str)
        geoms.update(zip(codes, units.geometry, strict=True))
        keys = units[f"adm{level}_name"].map(_name)
        counts = keys.value_counts()
        for k, c in zip(keys, codes, strict=True):
            if counts[k] == 1:
                names.setdefault(f"{level}:{k}", c)
    return geoms, names


def _unit_inside(pcode: str, zone: shapely.Geometry, cache: dict[str, str]) -> str:
    if pcode in cache:
        return cache[pcode]
    geoms, _ = _units()
    code = pcode[:8] if len(pcode) > 8 else pcode
    g = geoms.get(code)
    if g is None:
        out = "unknown"
    else:
        share = shapely.area(shapely.intersection(g, zone)) / max(shapely.area(g), 1e-12)
        out = "inside" if share >= 0.5 else "outside"
    cache[pcode] = out
    return out


def _crossing_inside(
    point: tuple[float, float], zone: shapely.Geometry, cache: dict[str, str]
) -> str:
    key = f"crossing:{point}"
    if key not in cache:
        metres = to_metric(zone).distance(to_metric(shapely.Point(*point)))
        cache[key] = "inside" if metres <= CROSSING_TOLERANCE_KM * 1000 else "outside"
    return cache[key]


def where_in_zone(frame: pd.DataFrame, zone: shapely.Geometry) -> pd.Series:
    """For each row of a deliveries or movements frame: ``inside``, ``outside`` or ``unknown``
    (see the module's doc for the order of the tests)."""
    n = len(frame)
    out = np.full(n, "unknown", dtype=object)
    if n == 0:
        return pd.Series(out, index=frame.index, dtype=object)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(float)
    has_xy = ~(np.isnan(lat) | np.isnan(lon))
    if has_xy.any():
        inside = shapely.contains_xy(zone, lon[has_xy], lat[has_xy])
        out[has_xy] = np.where(inside, "inside", "outside")
    cache: dict[str, str] = {}
    _, names = _units()
    crossings = _crossings()
    pcodes = frame["pcode"].fillna("").astype(str).to_numpy()
    places = frame["place"].fillna("").astype(str).to_numpy()
    admin = [
        frame[c].fillna("").astype(str).to_numpy() if c in frame.columns else np.full(n, "")
        for c in ("admin3", "admin2", "admin1")
    ]
    for i in np.flatnonzero(~has_xy).tolist():  # the rows without coordinates: few distinct
        if pcodes[i]:
            out[i] = _unit_inside(pcodes[i], zone, cache)
            if out[i] != "unknown":
                continue
        point = crossings.get(_name(places[i]))
        if point is not None:
            out[i] = _crossing_inside(point, zone, cache)
            continue
        for level, values in zip((3, 2, 1), admin, strict=True):
            code = names.get(f"{level}:{_name(values[i])}") if values[i] else None
            if code is not None:
                out[i] = _unit_inside(code, zone, cache)
                break
    return pd.Series(out, index=frame.index, dtype=object)
