"""The zones ceasefire ships for the Idlib case, built at load time from bundled data.

Data (see the SOURCES.md beside each): ``data/admin/syr_admin{0..3}.geojson`` (OCHA COD-AB
boundaries) and ``data/places/m4_places.csv`` (the points the M4 route is drawn through).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import GeometryError, UnknownIdError
from .model import (
    METRIC_CRS,
    Approximation,
    Zone,
    clip_route,
    corridor,
    to_metric,
    to_wgs84,
)

__all__ = [
    "AREA_ID",
    "CORRIDOR_ID",
    "DMZ_DEPTH_KM",
    "DMZ_ID",
    "M4_CORRIDOR_KM_EACH_SIDE",
    "ROUTE_ID",
    "admin_units",
    "demilitarised_zone",
    "line_of_contact",
    "load_zones",
    "place_name",
    "place_point",
    "places",
]

DATA = Path(__file__).resolve().parent.parent / "data"
ROUTE_ID = "m4-trumba-ain-al-havr"
CORRIDOR_ID = "m4-security-corridor"
AREA_ID = "idlib-de-escalation-area"
DMZ_ID = "sochi-dmz"

M4_CORRIDOR_KM_EACH_SIDE = 6.0
"""Moscow Additional Protocol, 5 March 2020: 6 km to the north and 6 km to the south of the M4."""
DMZ_DEPTH_KM = 17.5
"""Sochi memorandum, 17 September 2018: 15-20 km deep; we take the midpoint."""
DMZ_DEPTH_ERROR_KM = 2.5
ROUTE_ERROR_KM = 3.0
AREA_ERROR_KM = 15.0
CONTACT_TOLERANCE_M = 100.0
"""How close the area's edge must run to a border (or Afrin district) to count as along it."""
OVERRIDE_MAX_OFFSET_KM = 50.0
"""An override further than this from the bundled zone it replaces is refused."""

AFRIN_DISTRICT = "SY0203"
IDLEB = "SY07"
AREA_LEFT_OUT = {
    "SY070001": "Abul Thohur (Idleb): taken by government forces in January-February 2018",
    "SY070202": "Sanjar (Idleb): taken by government forces in January 2018",
}
AREA_ADDED = {
    "SY050501": "Kafr Zeita (Hama): the northern Hama countryside (Kafr Zita, al-Lataminah, Murak)",
    "SY050204": "Madiq Castle (Hama): Qalaat al-Madiq and Kafr Nabudah, the northern al-Ghab edge",
    "SY050202": "Ziyara (Hama): the al-Ghab plain west of the Orontes",
    "SY020001": "Atareb (Aleppo): the western Aleppo countryside",
    "SY020004": "Daret Azza (Aleppo): the western Aleppo countryside",
    "SY020005": "Zarbah (Aleppo): the south-western Aleppo countryside",
    "SY020003": "Haritan (Aleppo): the north-western edge of Aleppo city (Haritan, Anadan)",
    "SY060303": "Kansaba (Lattakia): Jabal al-Akrad and Kabana",
}


@lru_cache(maxsize=4)
def _admin(level: int) -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / "admin" / f"syr_admin{level}.geojson")


def admin_units(level: int) -> gpd.GeoDataFrame:
    """OCHA COD-AB Syria units: 0 country, 1 governorates, 2 districts, 3 sub-districts (WGS84).

    Columns ``adm{N}_name`` (English), ``adm{N}_name1`` (Arabic) and ``adm{N}_pcode`` for the level
    and its parents, plus ``valid_on``, ``version``, ``area_sqkm`` and ``geometry``.

    >>> a1 = admin_units(1)
    >>> len(a1), a1.set_index("adm1_pcode").loc["SY07", "adm1_name"]
    (14, 'Idleb')
    """
    if isinstance(level, bool) or level not in (0, 1, 2, 3):
        raise UnknownIdError(f"admin level {level!r}: known levels are 0, 1, 2, 3")
    return _admin(level).copy()


@lru_cache(maxsize=1)
def _places() -> pd.DataFrame:
    return pd.read_csv(
        DATA / "places" / "m4_places.csv",
        dtype={"geonames_id": "string", "adm3_pcode": "string", "gazetteer_name": "string"},
        keep_default_na=False,
        na_values={"geonames_id": [""], "adm3_pcode": [""], "gazetteer_name": [""]},
    )


def places() -> pd.DataFrame:
    """The bundled place list: the M4 route's points (east to west) and reference points.

    Columns: order, name, gazetteer_name, role (``route`` or ``reference``), lat, lon, source,
    geonames_id, adm3_pcode, note.

    >>> p = places()
    >>> p.loc[p.role == "route", "name"].iloc[[0, -1]].tolist()
    ['Trumba', 'Ain al-Havr']
    """
    return _places().copy()


def _keys(name: str) -> tuple[str, str]:
    """A place name for matching, without and with its articles ("al"/"el"): case, accents,
    hyphens, spaces and apostrophes ignored. "Ain al-Havr" gives ("ainhavr", "ainalhavr")."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = [w for w in re.split(r"[\s\-\u2010-\u2015_'\u2019`]+", text) if w]
    return "".join(w for w in words if w not in ("al", "el")), "".join(words)


@lru_cache(maxsize=1)
def _place_index() -> dict[str, tuple[float, float]]:
    pts = _places()
    index: dict[str, tuple[float, float]] = {}
    for name, lon, lat in zip(pts.name, pts.lon, pts.lat, strict=True):
        for key in _keys(str(name)):
            index.setdefault(key, (float(lon), float(lat)))
    return index


def place_point(name: str) -> tuple[float, float] | None:
    """A named place of the bundled list (:func:`places`) as WGS84 (longitude, latitude), or None.

    Matching ignores case, accents, the article "al-"/"el-", hyphens, spaces and apostrophes:
    "Ain al-Havr", "ain havr", "Ainalhavr" and "AIN EL HAVR" are the same place.

    >>> place_point("Trumba"), place_point("ain el-havr"), place_point("Aleppo")
    ((36.76672, 35.858945), (36.151048, 35.810471), None)
    """
    if not isinstance(name, str):
        return None
    index = _place_index()
    for key in _keys(name):
        if key and key in index:
            return index[key]
    return None


def place_name(point: tuple[float, float]) -> str | None:
    """The name of the bundled place at exactly ``point`` (longitude, latitude), or None.

    >>> place_name((36.76672, 35.858945)), place_name((36.0, 35.0))
    ('Trumba', None)
    """
    pts = _places()
    for name, lon, lat in zip(pts.name, pts.lon, pts.lat, strict=True):
        if (float(lon), float(lat)) == (float(point[0]), float(point[1])):
            return str(name)
    return None


def _m4_route() -> Zone:
    pts = _places()
    route = pts[pts.role == "route"].sort_values("order")
    line = shapely.LineString(list(zip(route.lon, route.lat, strict=True)))
    names = " - ".join(route.name)
    note = (
        f"A line of straight segments through village and town centres ({names}), not the real "
        "road. The points come from the UCDP GED place list (checked against GeoNames); Trumba "
        "is UCDP's 'Tromba village', 3.6 km west of Saraqib's centre (the protocol says 'about "
        "2 km west of Saraqib'). Ain al-Havr is in no gazetteer at hand: it is placed "
        "where the line from Jisr al-Shughur through Badama, continued west, meets the "
        "Idlib/Latakia governorate boundary (OCHA). Village centres lie up to about 1.5 km from "
        "the road and the road winds between them, so the line may be off by about "
        f"{ROUTE_ERROR_KM:g} km and is shorter than the road. A user with a real road geometry "
        "can replace it: `ceasefire zones import`."
    )
    return Zone(
        id=ROUTE_ID,
        name="M4 from Trumba to Ain al-Havr",
        kind="route",
        geometry=line,
        approximation=Approximation(note, ROUTE_ERROR_KM),
        source="bundled: data/places/m4_places.csv (UCDP GED 19.1 toponyms, CC BY 4.0; GeoNames, "
        "CC BY 4.0; one point derived)",
    )


M4_FROM = "Trumba"
M4_TO = "Ain al-Havr"
"""The protocol's end points of the M4 patrols and corridor (places of the bundled list)."""


def _m4_corridor(route: Zone) -> Zone:
    """6 km each side of the route cut at Trumba and Ain al-Havr (a no-op for the bundled one).

    An end the route does not reach (over 5 km away) is left uncut, and the source says so.
    """
    start, end = place_point(M4_FROM), place_point(M4_TO)
    if start is None or end is None:  # pragma: no cover - the bundled list has both
        raise GeometryError(f"the bundled place list lacks {M4_FROM} or {M4_TO}")
    cut = clip_route(route, start, end, strict=False, from_name=M4_FROM, to_name=M4_TO)
    return corridor(cut, M4_CORRIDOR_KM_EACH_SIDE, zone_id=CORRIDOR_ID, name="M4 security corridor")


def _de_area() -> Zone:
    a3 = _admin(3)
    chosen = a3[
        ((a3.adm1_pcode == IDLEB) & ~a3.adm3_pcode.isin(list(AREA_LEFT_OUT)))
        | a3.adm3_pcode.isin(list(AREA_ADDED))
    ]
    geometry = shapely.union_all(chosen.geometry.values)
    note = (
        "The opposition-held north-west as the Idlib de-escalation area stood at the Sochi "
        f"memorandum (17 September 2018), approximated by {len(chosen)} whole OCHA sub-districts: "
        "all of Idleb governorate except Abul Thohur (SY070001) and Sanjar (SY070202), taken by "
        "government forces in early 2018; in Hama, Kafr Zeita, Madiq Castle and Ziyara (the "
        "northern Hama countryside and al-Ghab); in Aleppo, Atareb, Daret Azza, Zarbah and "
        "Haritan (the western Aleppo countryside); in Lattakia, Kansaba (Jabal al-Akrad, Kabana). "
        "Afrin district, held by Turkey since March 2018, is left out. Sub-district edges are "
        f"not front lines: they may be 10-{AREA_ERROR_KM:g} km off."
    )
    return Zone(
        id=AREA_ID,
        name="Idlib de-escalation area",
        kind="area",
        geometry=geometry,
        approximation=Approximation(note, AREA_ERROR_KM),
        source="bundled: OCHA COD-AB Syria sub-districts (admin3, v02, 2020-12-17): "
        + ", ".join(sorted(chosen.adm3_pcode)),
    )


@lru_cache(maxsize=1)
def _not_contact() -> shapely.Geometry:
    """WGS84 lines that are not a line of contact: Syria's borders and Afrin district's edge."""
    country = _admin(0).geometry.iloc[0]
    afrin = _admin(2).set_index("adm2_pcode").geometry[AFRIN_DISTRICT]
    return shapely.union_all([country.boundary, afrin.boundary])


def line_of_contact(area: Zone, *, crs: str = METRIC_CRS) -> shapely.Geometry:
    """The area's edge facing government-held ground (WGS84): its boundary less the parts along
    Syria's international borders and along Afrin district (Turkish-held), within 100 m.

    >>> round(to_metric(line_of_contact(load_zones()[AREA_ID])).length / 1000)
    551
    """
    edge = to_metric(area.geometry.boundary, crs)
    away = shapely.buffer(to_metric(_not_contact(), crs), CONTACT_TOLERANCE_M)
    rest = shapely.line_merge(shapely.difference(edge, away))
    pieces = [g for g in shapely.get_parts(rest) if g.length >= 5 * CONTACT_TOLERANCE_M]
    if not pieces:
        raise GeometryError(
            f"zone {area.id!r}: no line of contact: its whole edge runs along borders",
            field="geometry",
        )
    return to_wgs84(shapely.line_merge(shapely.MultiLineString(pieces)), crs)


def demilitarised_zone(
    area: Zone,
    depth_km: float = DMZ_DEPTH_KM,
    *,
    zone_id: str = DMZ_ID,
    name: str = "Sochi demilitarised zone",
    crs: str = METRIC_CRS,
) -> Zone:
    """The part of ``area`` within ``depth_km`` of its :func:`line_of_contact`, built in ``crs``.

    >>> from ceasefire.zones import area_km2
    >>> dmz = demilitarised_zone(load_zones()[AREA_ID])
    >>> dmz.kind, round(area_km2(dmz), -2)
    ('area', 4200.0)
    """
    if area.kind != "area":
        raise GeometryError(
            f"a demilitarised zone is cut from an area, not from {area.kind} {area.id!r}",
            field="kind",
            value=area.kind,
        )
    contact = to_metric(line_of_contact(area, crs=crs), crs)
    band = to_wgs84(shapely.buffer(contact, depth_km * 1000.0, quad_segs=16), crs)
    geometry = shapely.intersection(area.geometry, band)
    polygons = [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon"]
    if not polygons:
        raise GeometryError(f"zone {area.id!r}: nothing of it lies near its line of contact")
    note = (
        f"The part of {area.id!r} within {depth_km:g} km of its line of contact (its edge less the "
        "parts along Syria's borders and along Afrin district), built in "
        f"{crs}. The memorandum says 15-20 km deep; {DMZ_DEPTH_KM:g} km is the midpoint, so the "
        f"inner edge may be off by {DMZ_DEPTH_ERROR_KM:g} km"
    )
    error = DMZ_DEPTH_ERROR_KM
    if area.approximation is not None:
        note += f", plus the area's own error ({area.approximation.error_km:g} km)"
        error += area.approximation.error_km
    return Zone(
        id=zone_id,
        name=name,
        kind="area",
        geometry=shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0],
        approximation=Approximation(note + ". The agreed line was never published.", error),
        source=f"derived: {depth_km:g} km inside the line of contact of {area.id!r} "
        f"({area.source})",
    )


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Zone]:
    route = _m4_route()
    area = _de_area()
    zones = [route, _m4_corridor(route), area, demilitarised_zone(area)]
    return {z.id: z for z in zones}


_COMPATIBLE = {"route": {"route"}, "corridor": {"corridor", "area"}, "area": {"area", "corridor"}}


def _check_override(bundled: Zone, new: Zone) -> None:
    if new.kind not in _COMPATIBLE[bundled.kind]:
        raise GeometryError(
            f"zone {new.id!r} ({new.source}) replaces a {bundled.kind} and cannot be a {new.kind}",
            field="kind",
            value=new.kind,
        )
    syria = _admin(0).geometry.iloc[0]
    if not new.geometry.intersects(syria):
        swapped = shapely.transform(new.geometry, lambda xy: xy[:, ::-1])
        hint = (
            "latitude and longitude look swapped"
            if swapped.intersects(syria)
            else "wrong CRS, or the wrong place?"
        )
        raise GeometryError(
            f"zone {new.id!r} ({new.source}) lies outside Syria, unlike the zone it replaces: "
            + hint,
            field="geometry",
            value=new.geometry.bounds,
        )
    km = to_metric(bundled.geometry).distance(to_metric(new.geometry)) / 1000.0
    if km > OVERRIDE_MAX_OFFSET_KM:
        raise GeometryError(
            f"zone {new.id!r} ({new.source}) lies {km:.0f} km from the bundled zone it replaces: "
            "wrong CRS, or latitude and longitude swapped?",
            field="geometry",
            value=new.geometry.bounds,
        )


def load_zones(overrides: Mapping[str, Zone] | None = None) -> dict[str, Zone]:
    """The bundled zones by id, with ``overrides`` replacing (or adding) zones by id.

    Replacing the route re-derives the M4 corridor from it, and replacing the de-escalation area
    re-derives the DMZ, unless those are overridden too. An override must be of a compatible kind
    and lie within 50 km of the zone it replaces.

    >>> sorted(load_zones())
    ['idlib-de-escalation-area', 'm4-security-corridor', 'm4-trumba-ain-al-havr', 'sochi-dmz']
    """
    zones = dict(_bundled())
    if not overrides:
        return zones
    for key, zone in overrides.items():
        if not isinstance(zone, Zone) or key != zone.id:
            got = zone.id if isinstance(zone, Zone) else type(zone).__name__
            raise GeometryError(
                f"override {key!r} must be a Zone with that id", field="id", value=got
            )
        if key in zones:
            _check_override(zones[key], zone)
        zones[key] = zone
    if ROUTE_ID in overrides and CORRIDOR_ID not in overrides:
        zones[CORRIDOR_ID] = _m4_corridor(zones[ROUTE_ID])
    if AREA_ID in overrides and DMZ_ID not in overrides:
        zones[DMZ_ID] = demilitarised_zone(zones[AREA_ID])
    return zones
