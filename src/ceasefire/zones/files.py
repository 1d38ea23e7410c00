"""Zone geometry in and out of files: GeoJSON, GeoPackage and Shapefile.

Reading checks what a user's file can get wrong (empty, invalid, no CRS, swapped latitude and
longitude, mixed lines and polygons) and says which file, feature and value.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape

from ..errors import GeometryError, LimitError
from ..limits import MAX_ZONE_VERTICES, check_size, load_json
from .model import (
    KIND_DIMENSIONS,
    KINDS,
    WGS84,
    Approximation,
    Zone,
    check_valid,
    geometry_dimension,
    reproject,
    to_metric,
)

__all__ = [
    "GEOMETRY_TYPES",
    "import_zone",
    "read_geometry_file",
    "read_zones",
    "write_zones",
    "zone_from_feature",
    "zone_to_feature",
]

_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}
#: The GeoJSON geometry types (RFC 7946, 3.1) a zone's ``geometry`` may be. A tuple, not a set: a
#: file's "type" may be a list or an object, which ``in`` a set cannot hash.
GEOMETRY_TYPES: Final = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
_PROPERTIES = (
    "id",
    "name",
    "kind",
    "approximation_note",
    "approximation_error_km",
    "source",
    "derived_from",
)
# Shapefile field names are at most 10 characters.
_SHP_NAMES = dict(
    zip(
        _PROPERTIES,
        ("id", "name", "kind", "appr_note", "appr_err", "source", "derived"),
        strict=True,
    )
)
_SHP_MAX_BYTES = 254
_CRS84 = CRS.from_user_input("OGC:CRS84")
SNAP_GAP_M = 50.0
"""Line ends of separate pieces closer than this (in EPSG:32637) are joined: digitising noise."""


def _problem(exc: BaseException) -> str:
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    return text.splitlines()[0].split("; It might help")[0].rstrip(".")


def _shape(obj: Any, file: str, field: str) -> shapely.Geometry:
    if obj is None:
        raise GeometryError("no geometry (null)", file=file, field=field)
    if not isinstance(obj, Mapping) or obj.get("type") not in GEOMETRY_TYPES:
        kind = obj.get("type") if isinstance(obj, Mapping) else type(obj).__name__
        raise GeometryError("not a GeoJSON geometry", file=file, field=field, value=kind)
    try:
        return shape(obj)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ) as e:
        raise GeometryError(
            f"not a valid GeoJSON geometry: {_problem(e)}", file=file, field=field
        ) from e


def _is_json(p: Path) -> bool:
    """Whether ``p`` is read as GeoJSON: by its name (.geojson, .json), else by its content (it
    opens an object or array), so that no JSON escapes :func:`_load_json`'s limits by its name
    (GDAL reads GeoJSON whatever the name, with no limit on depth or number length)."""
    if p.suffix.lower() in (".geojson", ".json"):
        return True
    try:
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False  # left to the reader, which says why
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def _check_file_size(p: Path, file: str) -> None:
    """:func:`~ceasefire.limits.check_size` before GDAL reads a file: a Shapefile counted with
    its sidecar files (.dbf, .shx: the same name, another suffix)."""
    try:
        if p.suffix.lower() == ".shp":
            size = sum(f.stat().st_size for f in p.parent.iterdir() if f.stem == p.stem)
        else:
            size = p.stat().st_size
    except OSError as e:
        raise GeometryError(f"cannot read ({_problem(e)})", file=file) from e
    check_size(size, file=file)


def _check_vertices(geometries: Iterable[Any], file: str | None, field: str | None) -> None:
    """Refuse geometries of more than :data:`~ceasefire.limits.MAX_ZONE_VERTICES` vertices in
    all (one zone)."""
    n = sum(int(shapely.get_num_coordinates(g)) for g in geometries if g is not None)
    if n > MAX_ZONE_VERTICES:
        raise LimitError(
            "a zone of more vertices than", limit=MAX_ZONE_VERTICES, file=file, field=field, value=n
        )


def _load_json(p: Path, file: str) -> Any:
    """The JSON document, held to :mod:`ceasefire.limits` (size before reading; depth and
    number length before parsing: a :class:`~ceasefire.errors.LimitError`)."""
    try:
        check_size(p.stat().st_size, file=file)
        return load_json(p.read_bytes().decode("utf-8-sig"), file=file)
    except UnicodeDecodeError as e:
        raise GeometryError("not a GeoJSON file (not UTF-8 text)", file=file) from e
    except OSError as e:
        raise GeometryError(f"cannot read ({_problem(e)})", file=file) from e
    except json.JSONDecodeError as e:
        raise GeometryError(f"not a GeoJSON file: {e.msg}", file=file, line=e.lineno) from e


def _features(doc: Any, file: str) -> list[tuple[str, Any]]:
    """(field, feature-or-geometry) pairs of a GeoJSON document."""
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise GeometryError("must be a list of features", file=file, field="features")
        if not features:
            raise GeometryError("empty FeatureCollection: no features", file=file, field="features")
        return [(f"features[{i}]", f) for i, f in enumerate(features)]
    if kind == "Feature" or kind in GEOMETRY_TYPES:
        return [("", doc)]
    raise GeometryError(
        "not GeoJSON: expected a FeatureCollection, a Feature or a geometry",
        file=file,
        field="type",
        value=kind,
    )


def _feature_geometry(field: str, obj: Any, file: str) -> tuple[str, shapely.Geometry]:
    if isinstance(obj, Mapping) and obj.get("type") == "Feature":
        where = f"{field}.geometry" if field else "geometry"
        return where, _shape(obj.get("geometry"), file, where)
    if isinstance(obj, Mapping) and obj.get("type") in GEOMETRY_TYPES:
        return field or "geometry", _shape(obj, file, field or "geometry")
    raise GeometryError("not a GeoJSON Feature", file=file, field=field or "type")


def _geojson_crs(doc: Mapping[str, Any], file: str) -> CRS:
    """RFC 7946 GeoJSON is WGS84 longitude/latitude; old files may name another CRS."""
    member = doc.get("crs")
    if member is None:
        return _CRS84
    try:
        return CRS.from_user_input(member["properties"]["name"])
    except (KeyError, TypeError, CRSError) as e:
        raise GeometryError("unknown CRS", file=file, field="crs", value=member) from e


def _read_geojson(p: Path, file: str) -> tuple[list[tuple[str, shapely.Geometry]], CRS | None]:
    doc = _load_json(p, file)
    parts = [_feature_geometry(field, obj, file) for field, obj in _features(doc, file)]
    return parts, _geojson_crs(doc, file)


def _read_ogr(
    p: Path, file: str, layer: str | None
) -> tuple[list[tuple[str, shapely.Geometry]], CRS | None]:
    import pyogrio
    from pyogrio import errors as ogr

    try:
        layers = [(str(n), g) for n, g in pyogrio.list_layers(p)]
    except (ogr.DataSourceError, OSError) as e:
        raise GeometryError(f"not a geometry file GDAL can read ({_problem(e)})", file=file) from e
    with_geometry = [n for n, g in layers if g is not None]
    if layer is None:
        if not with_geometry:
            raise GeometryError(
                "no geometry in this file (no layer has a geometry column)", file=file
            )
        if len(with_geometry) > 1:
            raise GeometryError(
                f"{len(with_geometry)} layers with geometry; say which: {', '.join(with_geometry)}",
                file=file,
                field="layer",
            )
        layer = with_geometry[0]
    elif layer not in with_geometry:
        known = ", ".join(with_geometry) or "none"
        raise GeometryError(
            f"no layer with geometry of that name (layers with geometry: {known})",
            file=file,
            field="layer",
            value=layer,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty layer warns; it is reported below
            frame = pyogrio.read_dataframe(p, layer=layer)
    except (ogr.DataSourceError, ogr.DataLayerError, ogr.FeatureError, ogr.GeometryError) as e:
        raise GeometryError(
            f"cannot read ({_problem(e)})", file=file, field=f"layer {layer}"
        ) from e
    if len(frame) == 0:
        raise GeometryError("no features", file=file, field=f"layer {layer}")
    crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    where = f"layer {layer} feature" if len(layers) > 1 else "feature"
    return [(f"{where} {i}", g) for i, g in enumerate(frame.geometry.values)], crs


def _check_part(field: str, geom: Any, file: str, crs: CRS | None) -> None:
    if geom is None or not isinstance(geom, shapely.Geometry) or geom.is_empty:
        raise GeometryError("empty geometry", file=file, field=field)
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        raise GeometryError("coordinates that are not finite numbers", file=file, field=field)
    if crs is None or crs.is_geographic:
        x, y = xy[:, 0], xy[:, 1]
        if not (np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90)):
            bad = next(tuple(c) for c in xy.tolist() if abs(c[0]) > 180 or abs(c[1]) > 90)
            if np.all(np.abs(y) <= 180) and np.all(np.abs(x) <= 90):
                problem = "longitude/latitude out of range: latitude and longitude look swapped"
            elif crs is None:
                problem = "no CRS in the file, and the coordinates are not longitude/latitude"
            else:
                problem = "longitude/latitude out of range [-180, 180] / [-90, 90]"
            raise GeometryError(problem, file=file, field=field, value=bad)
    check_valid(geom, file=file, field=field)


def _merge(parts: list[tuple[str, shapely.Geometry]], file: str) -> shapely.Geometry:
    dims = {field: geometry_dimension(g) for field, g in parts}
    for field, d in dims.items():
        if d < 0:
            raise GeometryError(
                "a collection mixing points, lines and polygons", file=file, field=field
            )
    if len(set(dims.values())) > 1:
        first: dict[int, str] = {}
        for (field, g), d in zip(parts, dims.values(), strict=True):
            first.setdefault(d, f"{field} is a {g.geom_type}")
        raise GeometryError("features of different kinds: " + "; ".join(first.values()), file=file)
    lines = next(iter(dims.values())) == 1
    if len(parts) == 1 and not (lines and parts[0][1].geom_type != "LineString"):
        return parts[0][1]
    merged = shapely.union_all([g for _, g in parts])
    if lines:
        merged = shapely.line_merge(merged)
    return merged


def _largest_gap_m(pieces: list[shapely.Geometry]) -> float:
    """The longest link needed to connect all pieces (a minimum spanning tree's longest edge)."""
    n = len(pieces)
    far = np.array([[a.distance(b) for b in pieces] for a in pieces])
    inside, reach, largest = {0}, far[0].copy(), 0.0
    while len(inside) < n:
        j = min((k for k in range(n) if k not in inside), key=lambda k: reach[k])
        largest = max(largest, float(reach[j]))
        inside.add(j)
        reach = np.minimum(reach, far[j])
    return largest


def _one_line(geometry: shapely.Geometry, file: str) -> shapely.Geometry:
    """A route's lines as one LineString: ends closer than 50 m are joined, else refused."""
    if geometry.geom_type == "LineString":
        return geometry
    pieces = list(shapely.get_parts(geometry))
    metric = [to_metric(g) for g in pieces]
    links = []
    for i in range(len(pieces)):
        for j in range(i + 1, len(pieces)):
            ends = [
                (metric[i].coords[a], metric[j].coords[b], pieces[i].coords[a], pieces[j].coords[b])
                for a in (0, -1)
                for b in (0, -1)
            ]
            p, q, wp, wq = min(ends, key=lambda e: math.dist(e[0], e[1]))
            if 0 < math.dist(p, q) < SNAP_GAP_M:
                links.append(shapely.LineString([wp, wq]))
    if links:
        joined = shapely.line_merge(shapely.union_all(pieces + links))
        if joined.geom_type == "LineString":
            return joined
        pieces = list(shapely.get_parts(joined))
        metric = [to_metric(g) for g in pieces]
    gap_km = _largest_gap_m(metric) / 1000.0
    if gap_km * 1000.0 < SNAP_GAP_M:
        problem = (
            f"the lines make {len(pieces)} pieces that meet but do not form one line (a fork, "
            "a spur, a crossing or a dual carriageway): a route must be one line; join the pieces "
            "into one line (QGIS: Merge lines / Dissolve, and delete the spur or second "
            "carriageway), or import one line"
        )
    else:
        problem = (
            f"the lines make {len(pieces)} separate pieces with gaps between them (the largest "
            f"{gap_km:.1f} km, in EPSG:32637): a route with a gap makes a corridor with a hole; "
            "join the pieces into one line (close the gaps, e.g. QGIS: snap the ends, then Merge "
            f"lines), or import one line (ends under {SNAP_GAP_M:g} m apart are joined for you)"
        )
    raise GeometryError(problem, file=file, field="geometry", value=geometry.geom_type)


def read_geometry_file(
    path: str | Path,
    *,
    layer: str | None = None,
    expect_within: shapely.Geometry | None = None,
) -> shapely.Geometry:
    """The geometry of a GeoJSON, GeoPackage or Shapefile, in WGS84, features unioned.

    GeoJSON (a FeatureCollection, a Feature or a bare geometry) is read as RFC 7946 longitude/
    latitude unless it names an old-style ``crs``; other formats are reprojected from their CRS,
    and one without a CRS is taken as longitude/latitude only if its coordinates fit. Lines are
    merged where they join and must make one line: ends of separate pieces under 50 m apart
    (digitising noise) are joined with a straight segment; larger gaps, forks and crossings
    raise a :class:`GeometryError` with the number of pieces and the largest gap in km
    (measured in EPSG:32637). ``expect_within`` (WGS84), when given, must be touched by the
    geometry: this catches latitude/longitude swapped inside the valid ranges, as in Syria.

    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "road.geojson"
    >>> line = {"type": "LineString", "coordinates": [[36.3, 35.8], [36.2, 35.8]]}
    >>> _ = f.write_text(json.dumps(line))
    >>> read_geometry_file(f).wkt
    'LINESTRING (36.3 35.8, 36.2 35.8)'
    """
    file = str(path)
    p = Path(path)
    if not p.exists():
        raise GeometryError("no such file", file=file)
    if p.is_dir():
        raise GeometryError("a folder, not a geometry file (.geojson, .gpkg, .shp)", file=file)
    if _is_json(p):
        if layer is not None:
            raise GeometryError(
                "a GeoJSON file has one layer", file=file, field="layer", value=layer
            )
        parts, crs = _read_geojson(p, file)
    else:
        _check_file_size(p, file)
        parts, crs = _read_ogr(p, file, layer)
    _check_vertices((g for _, g in parts if isinstance(g, shapely.Geometry)), file, "geometry")
    for field, geom in parts:
        _check_part(field, geom, file, crs)
    geometry = _merge(parts, file)
    if crs is not None and not crs.equals(_CRS84, ignore_axis_order=True):
        geometry = reproject(geometry, crs.to_wkt(), WGS84)
        if not np.isfinite(shapely.get_coordinates(geometry)).all():
            raise GeometryError(
                "cannot be reprojected to WGS84", file=file, field="crs", value=crs.name
            )
    if geometry_dimension(geometry) == 1:
        geometry = _one_line(geometry, file)
    if expect_within is not None and not geometry.intersects(expect_within):
        swapped = shapely.transform(geometry, lambda xy: xy[:, ::-1])
        if swapped.intersects(expect_within):
            problem = (
                "outside the expected region, and inside it once swapped: "
                "latitude and longitude look swapped"
            )
        else:
            problem = "outside the expected region (wrong place or wrong CRS?)"
        raise GeometryError(problem, file=file, field="geometry", value=geometry.bounds)
    return geometry


def import_zone(
    path: str | Path,
    zone_id: str,
    *,
    name: str | None = None,
    kind: str | None = None,
    layer: str | None = None,
    approximation: Approximation | None = None,
    expect_within: shapely.Geometry | None = None,
) -> Zone:
    """A zone from a user's geometry file: lines make a route, polygons an area.

    The geometry is taken as real (``approximation`` None) unless one is given. ``name``
    defaults to the id. See :func:`read_geometry_file` for ``layer`` and ``expect_within``.

    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "road.geojson"
    >>> line = {"type": "LineString", "coordinates": [[36.3, 35.8], [36.2, 35.8]]}
    >>> _ = f.write_text(json.dumps(line))
    >>> z = import_zone(f, "my-road")
    >>> z.kind, z.approximation, z.source.startswith("imported: ")
    ('route', None, True)
    """
    file = str(path)
    geometry = read_geometry_file(path, layer=layer, expect_within=expect_within)
    dim = geometry_dimension(geometry)
    inferred = {1: "route", 2: "area"}.get(dim)
    if inferred is None:
        raise GeometryError(
            "points cannot make a zone: an area needs polygons, a route lines",
            file=file,
            field="geometry",
            value=geometry.geom_type,
        )
    if kind is None:
        kind = inferred
    elif kind not in KINDS:
        raise GeometryError(
            f"must be one of {', '.join(KINDS)}", file=file, field="kind", value=kind
        )
    elif KIND_DIMENSIONS[kind] != dim:
        raise GeometryError(
            f"the file holds a {geometry.geom_type}, but kind {kind!r} needs "
            + ("lines" if kind == "route" else "polygons"),
            file=file,
            field="kind",
            value=kind,
        )
    source = f"imported: {file}" + (f" (layer {layer})" if layer else "")
    try:
        return Zone(zone_id, name or zone_id, kind, geometry, approximation, source)
    except GeometryError as e:
        raise GeometryError(e.problem, file=file, field=e.field, value=e.value) from e


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple | list):
        return [_plain(x) for x in obj]
    return obj


def zone_to_feature(zone: Zone) -> dict[str, Any]:
    """A GeoJSON Feature (RFC 7946: longitude first, counter-clockwise polygons).

    >>> from shapely.geometry import LineString
    >>> z = Zone("r", "A road", "route", LineString([(36.3, 35.8), (36.2, 35.8)]), None, "test")
    >>> f = zone_to_feature(z)
    >>> f["geometry"], f["properties"]["kind"]
    ({'type': 'LineString', 'coordinates': [[36.3, 35.8], [36.2, 35.8]]}, 'route')
    """
    a = zone.approximation
    return {
        "type": "Feature",
        "id": zone.id,
        "geometry": _plain(mapping(zone.geometry)),
        "properties": {
            "id": zone.id,
            "name": zone.name,
            "kind": zone.kind,
            "approximation_note": a.note if a else None,
            "approximation_error_km": a.error_km if a else None,
            "source": zone.source,
            "derived_from": zone.derived_from,
        },
    }


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _zone(props: Mapping[str, Any], geometry: shapely.Geometry, file: str | None, at: str) -> Zone:
    def field(name: str) -> str:
        return f"{at}properties.{name}"

    def text(name: str, required: bool) -> str | None:
        v = props.get(name)
        if _missing(v):
            if required:
                raise GeometryError("missing", file=file, field=field(name))
            return None
        if not isinstance(v, str):
            raise GeometryError("must be text", file=file, field=field(name), value=v)
        return v

    _check_vertices([geometry], file, f"{at}geometry")
    zone_id = text("id", True)
    kind = text("kind", False) or {1: "route", 2: "area"}.get(geometry_dimension(geometry), "")
    note, error = props.get("approximation_note"), props.get("approximation_error_km")
    approximation = None
    try:
        if not (_missing(note) and _missing(error)):
            if _missing(note) or _missing(error):
                name = "approximation_note" if _missing(note) else "approximation_error_km"
                raise GeometryError("missing (both approximation fields or neither)", field=name)
            if isinstance(error, bool) or not isinstance(error, int | float | np.number):
                raise GeometryError("must be a number", field="approximation_error_km", value=error)
            approximation = Approximation(str(note), float(error))
        return Zone(
            id=zone_id or "",
            name=text("name", False) or zone_id or "",
            kind=kind,
            geometry=geometry,
            approximation=approximation,
            source=text("source", False) or (f"imported: {file}" if file else "unknown"),
            derived_from=text("derived_from", False),
        )
    except GeometryError as e:
        raw = e.field or ""
        name = raw.replace("approximation.", "approximation_")
        where = field(name) if name in _PROPERTIES else at + raw
        raise GeometryError(e.problem, file=file, field=where, value=e.value) from e


def zone_from_feature(feature: Mapping[str, Any]) -> Zone:
    """The zone a :func:`zone_to_feature` Feature describes (kind inferred if absent).

    >>> from shapely.geometry import LineString
    >>> z = Zone("r", "A road", "route", LineString([(36.3, 35.8), (36.2, 35.8)]), None, "test")
    >>> zone_from_feature(zone_to_feature(z)) == z
    True
    """
    return _zone_from_feature(feature, None, "")


def _zone_from_feature(feature: Any, file: str | None, at: str) -> Zone:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        kind = feature.get("type") if isinstance(feature, Mapping) else type(feature).__name__
        raise GeometryError("not a GeoJSON Feature", file=file, field=f"{at}type", value=kind)
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        raise GeometryError("must be an object", file=file, field=f"{at}properties")
    if "id" not in props and isinstance(feature.get("id"), str):
        props = {**props, "id": feature["id"]}
    geometry = _shape(feature.get("geometry"), file or "", f"{at}geometry")
    return _zone(props, geometry, file, at)


def read_zones(path: str | Path, *, layer: str | None = None) -> dict[str, Zone]:
    """Zones written by :func:`write_zones` (GeoJSON, GeoPackage or Shapefile), by id.

    >>> import tempfile, pathlib
    >>> from shapely.geometry import LineString
    >>> z = Zone("r", "A road", "route", LineString([(36.3, 35.8), (36.2, 35.8)]), None, "test")
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "zones.geojson"
    >>> write_zones([z], f)
    >>> read_zones(f) == {"r": z}
    True
    """
    file = str(path)
    p = Path(path)
    if not p.exists():
        raise GeometryError("no such file", file=file)
    zones: list[Zone] = []
    if _is_json(p):
        doc = _load_json(p, file)
        for field, obj in _features(doc, file):
            zones.append(_zone_from_feature(obj, file, f"{field}." if field else ""))
    else:
        import pyogrio
        from pyogrio import errors as ogr

        _check_file_size(p, file)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pyogrio.read_dataframe(p, layer=layer)
        except (ogr.DataSourceError, ogr.DataLayerError, OSError) as e:
            raise GeometryError(f"cannot read zones ({_problem(e)})", file=file) from e
        if frame.crs is not None and not CRS.from_user_input(frame.crs).equals(
            _CRS84, ignore_axis_order=True
        ):
            frame = frame.to_crs(WGS84)
        back = {short: full for full, short in _SHP_NAMES.items()}
        frame = frame.rename(columns=back)
        for i, row in enumerate(frame.itertuples(index=False)):
            props = {k: getattr(row, k, None) for k in _PROPERTIES}
            geometry = row.geometry
            if not isinstance(geometry, shapely.Geometry):
                raise GeometryError("empty geometry", file=file, field=f"feature {i}")
            zones.append(_zone(props, geometry, file, f"feature {i} "))
    out: dict[str, Zone] = {}
    for z in zones:
        if z.id in out:
            raise GeometryError("the same id twice", file=file, field="id", value=z.id)
        out[z.id] = z
    return out


def _clip_bytes(text: Any, limit: int) -> Any:
    if not isinstance(text, str) or len(text.encode("utf-8")) <= limit:
        return text
    return text.encode("utf-8")[: limit - 3].decode("utf-8", errors="ignore") + "..."


def write_zones(zones: Iterable[Zone], path: str | Path, *, driver: str | None = None) -> None:
    """Write zones to GeoJSON, GeoPackage (layer named after the file) or Shapefile.

    The format follows the extension unless ``driver`` ("GeoJSON", "GPKG", "ESRI Shapefile")
    is given. Shapefiles shorten field names and cut texts to 254 bytes, and hold one kind of
    geometry: write areas and routes to separate files, or use GeoPackage.

    >>> import tempfile, pathlib
    >>> from shapely.geometry import box
    >>> z = Zone("a", "An area", "area", box(36.5, 35.8, 36.6, 35.9), None, "test")
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "zones.gpkg"
    >>> write_zones([z], f)
    >>> read_zones(f)["a"].geometry.equals(z.geometry)
    True
    """
    file = str(path)
    p = Path(path)
    items = list(zones)
    if not items:
        raise GeometryError("no zones to write", file=file)
    seen: set[str] = set()
    for z in items:
        if z.id in seen:
            raise GeometryError("the same id twice", file=file, field="id", value=z.id)
        seen.add(z.id)
    drv = driver or _DRIVERS.get(p.suffix.lower())
    if drv not in ("GeoJSON", "GPKG", "ESRI Shapefile"):
        raise GeometryError(
            "unknown format: use .geojson, .gpkg or .shp (or driver GeoJSON, GPKG, ESRI Shapefile)",
            file=file,
            field="driver",
            value=driver or p.suffix,
        )
    if not p.parent.exists():
        raise GeometryError("no such folder", file=file, value=str(p.parent))
    features = [zone_to_feature(z) for z in items]
    if drv == "GeoJSON":
        body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
        p.write_text(
            '{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n", encoding="utf-8"
        )
        return
    import geopandas as gpd

    rows = [f["properties"] for f in features]
    frame = gpd.GeoDataFrame(rows, geometry=[z.geometry for z in items], crs=WGS84)
    if drv == "ESRI Shapefile":
        dims = {geometry_dimension(z.geometry) for z in items}
        if len(dims) > 1:
            raise GeometryError(
                "a Shapefile holds one kind of geometry: write routes and areas to separate "
                "files, or use .gpkg",
                file=file,
                field="kind",
                value=sorted({z.kind for z in items}),
            )
        for col in ("name", "approximation_note", "source", "derived_from", "id", "kind"):
            frame[col] = [_clip_bytes(v, _SHP_MAX_BYTES) for v in frame[col]]
        frame = frame.rename(columns=_SHP_NAMES)
        frame.to_file(p, driver=drv, encoding="UTF-8")
        return
    frame.to_file(p, driver=drv, layer=p.stem)
