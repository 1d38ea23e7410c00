"""Zones, their approximations, and the metric operations on them (corridors, lengths, areas).

Geometry is stored in WGS84 (longitude, latitude) and measured or buffered in a metric CRS,
UTM zone 37N (EPSG:32637) for Syria.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer

from ..errors import GeometryError

__all__ = [
    "KINDS",
    "KIND_DIMENSIONS",
    "METRIC_CRS",
    "WGS84",
    "Approximation",
    "Zone",
    "area_km2",
    "check_valid",
    "clip_route",
    "corridor",
    "length_km",
    "reproject",
    "to_metric",
    "to_wgs84",
    "transformer",
]

METRIC_CRS = "EPSG:32637"
"""UTM zone 37N: metres, good to 0.1% over Syria west of 42°E."""

WGS84 = "EPSG:4326"

KINDS = ("area", "route", "corridor")
"""``area``: a polygon; ``route``: a line; ``corridor``: a polygon derived from a route."""

KIND_DIMENSIONS = MappingProxyType({"area": 2, "route": 1, "corridor": 2})
"""The geometry dimension each kind needs (:func:`geometry_dimension`): 2 polygons, 1 lines."""


@dataclass(frozen=True)
class Approximation:
    """How an approximate geometry was made, and how far off its edges (or line) may be.

    >>> Approximation("a line through village centres, not the road", 3.0).error_km
    3.0
    """

    note: str
    error_km: float

    def __post_init__(self) -> None:
        if not isinstance(self.note, str) or not self.note.strip():
            raise GeometryError("must say how it was made", field="approximation.note")
        if (
            isinstance(self.error_km, bool)
            or not isinstance(self.error_km, int | float)
            or not math.isfinite(self.error_km)
            or self.error_km < 0
        ):
            raise GeometryError(
                "must be a number of km >= 0", field="approximation.error_km", value=self.error_km
            )
        object.__setattr__(self, "error_km", float(self.error_km))


@dataclass(frozen=True)
class Zone:
    """A named area, route or corridor, in WGS84, with where it came from.

    Polygons are stored counter-clockwise (RFC 7946), whatever the input's winding.

    >>> from shapely.geometry import LineString
    >>> z = Zone("r", "A road", "route", LineString([(36.0, 35.8), (36.1, 35.8)]), None, "test")
    >>> z.kind, z.geometry.geom_type
    ('route', 'LineString')
    """

    id: str
    name: str
    kind: str
    geometry: shapely.Geometry
    approximation: Approximation | None
    source: str
    derived_from: str | None = None

    def __post_init__(self) -> None:
        where = f"zone {self.id!r}"
        if not isinstance(self.id, str) or not self.id.strip():
            raise GeometryError("a zone needs a non-empty id", field="id", value=self.id)
        if self.kind not in KINDS:
            raise GeometryError(
                f"{where}: must be one of {', '.join(KINDS)}", field="kind", value=self.kind
            )
        if not isinstance(self.geometry, shapely.Geometry) or self.geometry.is_empty:
            raise GeometryError(f"{where}: geometry is empty or missing", field="geometry")
        dim = geometry_dimension(self.geometry)
        if dim != KIND_DIMENSIONS[self.kind]:
            want = "a line" if self.kind == "route" else "a polygon"
            raise GeometryError(
                f"{where}: kind {self.kind!r} needs {want}",
                field="geometry",
                value=self.geometry.geom_type,
            )
        lon, lat = shapely.get_coordinates(self.geometry).T
        if not (np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)):
            raise GeometryError(
                f"{where}: coordinates are not WGS84 longitude/latitude",
                field="geometry",
                value=self.geometry.bounds,
            )
        check_valid(self.geometry, what=where)
        if dim == 2:
            object.__setattr__(self, "geometry", shapely.orient_polygons(self.geometry))


def check_valid(
    geometry: shapely.Geometry,
    *,
    what: str = "",
    file: str | None = None,
    field: str = "geometry",
) -> None:
    """Refuse a geometry that is not valid (OGC simple features): a self-intersecting
    ("bow-tie") polygon, a ring that crosses itself, a hole outside its shell. Its area and
    every inside/outside answer would be wrong, and a silent repair could change the zone, so
    the error names the reason and where (:func:`shapely.is_valid_reason`) and leaves the fix
    to the user: ``shapely.make_valid(geometry)`` or a GIS (QGIS: *Fix geometries*), then a
    look at the result, then the import again.

    >>> bow_tie = shapely.Polygon([(36.4, 35.7), (36.6, 35.9), (36.6, 35.7), (36.4, 35.9)])
    >>> try:
    ...     check_valid(bow_tie, what="zone 'x'")
    ... except GeometryError as e:
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    geometry: zone 'x': invalid Polygon: Self-intersection[36.5 35.8]; not repaired silently:
    fix it with shapely.make_valid(geometry) or in a GIS (QGIS: Fix geometries), check the
    result, and import it again
    >>> check_valid(shapely.box(36.4, 35.7, 36.6, 35.9))
    """
    if shapely.is_valid(geometry):
        return
    prefix = f"{what}: " if what else ""
    raise GeometryError(
        f"{prefix}invalid {geometry.geom_type}: {shapely.is_valid_reason(geometry)}; not repaired "
        "silently: fix it with shapely.make_valid(geometry) or in a GIS (QGIS: Fix geometries), "
        "check the result, and import it again",
        file=file,
        field=field,
    )


def geometry_dimension(geometry: shapely.Geometry) -> int:
    """0 for points, 1 for lines, 2 for polygons; -1 for empty or mixed collections.

    >>> from shapely.geometry import Point
    >>> geometry_dimension(Point(0, 0).buffer(1)), geometry_dimension(Point(0, 0))
    (2, 0)
    """
    if geometry.is_empty:
        return -1
    if geometry.geom_type == "GeometryCollection":
        dims = {geometry_dimension(g) for g in geometry.geoms}
        return dims.pop() if len(dims) == 1 else -1
    return int(shapely.get_dimensions(geometry))


@lru_cache(maxsize=16)
def transformer(src: str, dst: str) -> Transformer:
    """The pyproj ``Transformer`` from CRS ``src`` to ``dst`` (any form pyproj reads: "EPSG:4326",
    WKT), x/y order always (longitude first), made once per pair and cached.

    >>> x, y = transformer(WGS84, METRIC_CRS).transform(39.0, 0.0)
    >>> round(x), round(y)
    (500000, 0)
    """
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geometry: shapely.Geometry, src: str, dst: str) -> shapely.Geometry:
    """``geometry`` with every coordinate moved from CRS ``src`` to ``dst`` (:func:`transformer`);
    :func:`to_metric` and :func:`to_wgs84` are the usual pairs.

    >>> from shapely.geometry import Point
    >>> p = reproject(Point(500000, 0), METRIC_CRS, WGS84)
    >>> round(p.x, 6), round(p.y, 6)
    (39.0, 0.0)
    """
    t = transformer(src, dst)

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, fn)


def to_metric(geometry: shapely.Geometry, crs: str = METRIC_CRS) -> shapely.Geometry:
    """WGS84 longitude/latitude to metres in ``crs``.

    >>> from shapely.geometry import Point
    >>> p = to_metric(Point(39.0, 0.0))
    >>> round(p.x), round(p.y)
    (500000, 0)
    """
    return reproject(geometry, WGS84, crs)


def to_wgs84(geometry: shapely.Geometry, crs: str = METRIC_CRS) -> shapely.Geometry:
    """Metres in ``crs`` back to WGS84 longitude/latitude.

    >>> from shapely.geometry import Point
    >>> round(to_wgs84(Point(500000, 0)).x, 9)
    39.0
    """
    return reproject(geometry, crs, WGS84)


def length_km(zone: Zone, *, crs: str = METRIC_CRS) -> float:
    """Length in km measured in ``crs``: a route's length, an area's perimeter.

    >>> from shapely.geometry import LineString
    >>> road = Zone("r", "r", "route", LineString([(36.5, 35.8), (36.6, 35.8)]), None, "test")
    >>> round(length_km(road), 1)
    9.0
    """
    return float(to_metric(zone.geometry, crs).length) / 1000.0


def area_km2(zone: Zone, *, crs: str = METRIC_CRS) -> float:
    """Area in km² measured in ``crs`` (0 for a route).

    >>> from shapely.geometry import box
    >>> sq = Zone("a", "a", "area", box(36.5, 35.8, 36.6, 35.9), None, "test")
    >>> round(area_km2(sq))
    100
    """
    return float(to_metric(zone.geometry, crs).area) / 1e6


def corridor(
    route: Zone, width_km_each_side: float, *, zone_id: str, name: str, crs: str = METRIC_CRS
) -> Zone:
    """The band ``width_km_each_side`` km either side of a route, built in ``crs``.

    Flat ends (the corridor stops at the route's end points), round joins. The corridor carries
    the route's approximation, with a note added; a route without one gives a corridor without one.

    >>> from shapely.geometry import LineString
    >>> road = Zone("r", "r", "route", LineString([(36.5, 35.8), (36.6, 35.8)]), None, "test")
    >>> c = corridor(road, 6, zone_id="c", name="6 km each side")
    >>> c.kind, c.derived_from, round(area_km2(c) / length_km(road), 2)
    ('corridor', 'r', 12.0)
    """
    if route.kind != "route":
        raise GeometryError(
            f"a corridor is built from a route, not from {route.kind} {route.id!r}",
            field="kind",
            value=route.kind,
        )
    w = width_km_each_side
    if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w <= 0:
        raise GeometryError("must be a number of km > 0", field="width_km_each_side", value=w)
    band = shapely.buffer(
        to_metric(route.geometry, crs),
        w * 1000.0,
        quad_segs=16,
        cap_style="flat",
        join_style="round",
    )
    how = f"{w:g} km either side of route {route.id!r}, buffered in {crs} with flat ends"
    approximation = None
    if route.approximation is not None:
        approximation = Approximation(
            f"{route.approximation.note} Corridor: {how}; its edges carry the route's error.",
            route.approximation.error_km,
        )
    return Zone(
        id=zone_id,
        name=name,
        kind="corridor",
        geometry=to_wgs84(band, crs),
        approximation=approximation,
        source=f"derived: {how} ({route.source})",
        derived_from=route.id,
    )


CLIP_NOOP_M = 1.0
"""A cut this close (metres along the line) to a route's end leaves that end as it is."""


def _route_point(point: object, which: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in point)  # type: ignore[attr-defined]
    except (TypeError, ValueError) as e:
        raise GeometryError("must be a (longitude, latitude) pair", field=which, value=point) from e
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise GeometryError("must be a WGS84 (longitude, latitude) pair", field=which, value=point)
    return lon, lat


def _point_label(point: tuple[float, float], name: str | None) -> str:
    if name is None:
        from .bundled import place_name  # here, not at the top: bundled imports this module

        name = place_name(point)
    where = f"({point[0]:.5f}, {point[1]:.5f})"
    return f"{name} {where}" if name else f"the point {where}"


def clip_route(
    route: Zone,
    from_point: tuple[float, float],
    to_point: tuple[float, float],
    *,
    max_offset_km: float = 5.0,
    strict: bool = True,
    from_name: str | None = None,
    to_name: str | None = None,
    crs: str = METRIC_CRS,
) -> Zone:
    """The part of a route between the points on it nearest ``from_point`` and ``to_point``.

    Points are WGS84 (longitude, latitude). The line is cut in ``crs`` (``line_locate_point``,
    ``substring``) and keeps its own direction, whichever way it runs and whichever order the two
    points come in, so the corridor of the result is the same either way. Id, name, kind and
    ``derived_from`` are kept; the cut is added to the source and, for a route with one, to the
    approximation's note. A cut within 1 m of an end leaves that end as it is; a route cut at
    neither end is returned unchanged (the same object).

    Each point must lie within ``max_offset_km`` of the line, or the route does not reach it:
    a :class:`GeometryError` names the place (``from_name``/``to_name``, else the bundled place at
    exactly that point, else its coordinates) and the distance. With ``strict=False`` such an end
    is left uncut instead, and the source says so. A route of several separate lines, or two
    points that meet the line at the same place, raise :class:`GeometryError`.

    >>> from shapely.geometry import LineString
    >>> road = Zone("r", "r", "route", LineString([(36.4, 35.8), (36.7, 35.8)]), None, "test")
    >>> cut = clip_route(road, (36.6, 35.81), (36.5, 35.79))
    >>> [round(x, 3) for x in cut.geometry.xy[0]], round(length_km(cut), 1)
    ([36.5, 36.6], 9.0)
    """
    if not isinstance(route, Zone) or route.kind != "route":
        got = route.kind if isinstance(route, Zone) else type(route).__name__
        raise GeometryError(f"a route is cut, not a {got}", field="kind", value=got)
    m = max_offset_km
    if isinstance(m, bool) or not isinstance(m, int | float) or not math.isfinite(m) or m <= 0:
        raise GeometryError("must be a number of km > 0", field="max_offset_km", value=m)
    ends = [_route_point(from_point, "from_point"), _route_point(to_point, "to_point")]
    labels = [_point_label(ends[0], from_name), _point_label(ends[1], to_name)]
    line = shapely.line_merge(to_metric(route.geometry, crs))
    if line.geom_type != "LineString":
        n = len(shapely.get_parts(line))
        raise GeometryError(
            f"route {route.id!r} ({route.source}) is {n} separate lines, not one: it cannot be "
            "cut at two points; join its pieces into one line",
            field="geometry",
            value=line.geom_type,
        )
    total = float(line.length)
    at: list[float] = []
    far: list[str] = []
    for (lon, lat), label in zip(ends, labels, strict=True):
        p = to_metric(shapely.Point(lon, lat), crs)
        at.append(float(shapely.line_locate_point(line, p)))
        km = float(line.distance(p)) / 1000.0
        if km <= m:
            continue
        problem = (
            f"{label} lies {km:.1f} km from route {route.id!r} ({route.source}), more than "
            f"{m:g} km: the route does not reach it"
        )
        if strict:
            raise GeometryError(
                problem + " (import a route that runs past it, or check where the place is)",
                field="geometry",
            )
        far.append(f"not cut at {label}, {km:.1f} km from the line (over {m:g} km)")
        at[-1] = math.nan  # left uncut: the line's own end on that side is kept
    if len(far) == 2:
        start, end = 0.0, total
    elif far:
        i = 1 if math.isnan(at[0]) else 0  # the point within reach
        away = float(shapely.line_locate_point(line, to_metric(shapely.Point(*ends[1 - i]), crs)))
        start, end = (0.0, at[i]) if away < at[i] else (at[i], total)
    else:
        start, end = min(at), max(at)
        if end - start < CLIP_NOOP_M:
            raise GeometryError(
                f"{labels[0]} and {labels[1]} meet route {route.id!r} at the same place: "
                "nothing is left between them",
                field="geometry",
            )
    start = 0.0 if start < CLIP_NOOP_M else start
    end = total if total - end < CLIP_NOOP_M else end
    if start == 0.0 and end == total and not far:
        return route
    geometry = route.geometry
    how = ""
    if start > 0.0 or end < total:
        geometry = to_wgs84(shapely.ops.substring(line, start, end), crs)
        how = (
            f"cut at the points nearest {labels[0]} and {labels[1]} "
            f"({start / 1000:.1f} km and {end / 1000:.1f} km along its {total / 1000:.1f} km, "
            f"in {crs}), {(end - start) / 1000:.1f} km kept"
        )
    how = "; ".join([x for x in [how, *far] if x])
    approximation = route.approximation
    if approximation is not None:
        approximation = Approximation(f"{approximation.note} Route {how}.", approximation.error_km)
    return Zone(
        id=route.id,
        name=route.name,
        kind="route",
        geometry=geometry,
        approximation=approximation,
        source=f"{route.source}; {how}",
        derived_from=route.derived_from,
    )
