"""Zones: the bundled Idlib zones, corridors, and reading/writing users' geometry files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box

from ceasefire.errors import GeometryError, UnknownIdError
from ceasefire.zones import (
    AREA_ID,
    CORRIDOR_ID,
    DMZ_ID,
    METRIC_CRS,
    ROUTE_ID,
    Approximation,
    Zone,
    admin_units,
    area_km2,
    clip_route,
    corridor,
    import_zone,
    length_km,
    line_of_contact,
    load_zones,
    place_point,
    places,
    read_geometry_file,
    read_zones,
    to_metric,
    to_wgs84,
    write_zones,
    zone_from_feature,
    zone_to_feature,
)

HERE = Path(__file__).parent / "data" / "zones"
REFERENCE = pd.read_csv(HERE / "reference_places.csv")


@pytest.fixture(scope="module")
def zones() -> dict[str, Zone]:
    return load_zones()


def _point(name: str) -> Point:
    row = REFERENCE.set_index("name").loc[name]
    return Point(row.lon, row.lat)


def _place(name: str) -> Point:
    row = places().set_index("name").loc[name]
    return Point(row.lon, row.lat)


def _turkish_border_m(area: Zone) -> shapely.Geometry:
    """The stretch of Syria's border with Turkey along the area (all its border is Turkish)."""
    border = to_metric(admin_units(0).geometry.iloc[0].boundary)
    return shapely.intersection(to_metric(area.geometry.boundary), border.buffer(100))


# --- the M4 route and corridor ---------------------------------------------------------------


def test_route_runs_from_trumba_to_ain_al_havr_through_the_named_places(zones):
    route = zones[ROUTE_ID]
    line = route.geometry
    assert route.kind == "route" and line.geom_type == "LineString"
    assert Point(line.coords[0]).equals_exact(_place("Trumba"), 1e-9)
    assert Point(line.coords[-1]).equals_exact(_place("Ain al-Havr"), 1e-9)
    assert line.coords[0][0] > line.coords[-1][0]  # east to west
    line_m = to_metric(line)
    named = places()
    for name in named.loc[named.role == "route", "name"]:
        assert line_m.distance(to_metric(_place(name))) < 500, name
    # Trumba lies on Saraqib's west side: the route starts 3.6 km from the town's centre
    assert 3000 < line_m.distance(to_metric(_place("Saraqib"))) < 4000
    # A chord line through village centres is shorter than the winding road (about 70-90 km).
    assert 55 < length_km(route) < 90


def test_route_approximation_says_what_it_is(zones):
    a = zones[ROUTE_ID].approximation
    assert a is not None
    assert "not the real road" in a.note and "ceasefire zones import" in a.note
    assert "Trumba" in a.note and "Ain al-Havr" in a.note
    assert 1 <= a.error_km <= 5


def test_trumba_is_the_ucdp_tromba_village_west_of_saraqib():
    geod = Geod(ellps="WGS84")
    trumba = _place("Trumba")
    _, _, off = geod.inv(36.76672, 35.858945, trumba.x, trumba.y)  # UCDP GED "Tromba village"
    assert off < 500
    saraqib = _place("Saraqib")
    azimuth, _, metres = geod.inv(saraqib.x, saraqib.y, trumba.x, trumba.y)
    assert 1000 < metres < 4000 and -135 < azimuth < -45  # "about 2 km west of Saraqib"
    row = places().set_index("name").loc["Trumba"]
    assert row.gazetteer_name == "Tromba village" and row.source.startswith("UCDP GED")


def test_derived_places_follow_their_recipe():

    a1 = admin_units(1).set_index("adm1_pcode").geometry
    boundary = to_metric(a1["SY07"].boundary.intersection(a1["SY06"].boundary))
    ain = to_metric(_place("Ain al-Havr"))
    assert boundary.distance(ain) < 1
    jisr, badama = to_metric(_place("Jisr al-Shughur")), to_metric(_place("Badama"))
    direction = np.subtract(badama.coords[0], jisr.coords[0])
    offset = np.subtract(ain.coords[0], badama.coords[0])
    cross = abs(direction[0] * offset[1] - direction[1] * offset[0]) / np.hypot(*direction)
    assert cross < 1 and np.dot(direction, offset) > 0  # on the Jisr-Badama line, past Badama


def test_places_carry_their_sources():
    p = places()
    assert list(p.columns[:6]) == ["order", "name", "gazetteer_name", "role", "lat", "lon"]
    assert p.source.str.len().min() > 10
    derived = p[p.source.str.startswith("derived")].name.tolist()
    assert derived == ["Ain al-Havr"]
    assert p.set_index("name").loc["Saraqib", "geonames_id"] == "164816"


def test_corridor_area_is_twelve_km_times_route_length(zones):
    route, band = zones[ROUTE_ID], zones[CORRIDOR_ID]
    assert band.kind == "corridor" and band.derived_from == ROUTE_ID
    ratio = area_km2(band) / (12 * length_km(route))
    assert abs(ratio - 1) < 0.02


def test_corridor_ends_are_flat(zones):
    route_m = to_metric(zones[ROUTE_ID].geometry)
    band_m = to_metric(zones[CORRIDOR_ID].geometry)
    xy = shapely.get_coordinates(band_m)
    coords = np.asarray(route_m.coords)
    for end, before in ((coords[0], coords[1]), (coords[-1], coords[-2])):
        direction = (end - before) / np.hypot(*(end - before))
        near = xy[np.hypot(*(xy - end).T) < 10_000]
        beyond = (near - end) @ direction
        assert beyond.max() < 50  # metres past the end point, along the route
        assert beyond.max() > -50  # and the end cap reaches the end point


def test_corridor_of_a_straight_road_is_exact_and_keeps_the_approximation():
    road = Zone(
        "r", "road", "route", LineString([(36.2, 35.8), (36.5, 35.85)]), Approximation("x", 2), "t"
    )
    band = corridor(road, 6, zone_id="c", name="c")
    assert area_km2(band) == pytest.approx(12 * length_km(road), rel=1e-3)
    assert band.approximation is not None and band.approximation.error_km == 2
    assert (
        band.approximation.note.startswith("x ") and "6 km either side" in band.approximation.note
    )
    with pytest.raises(GeometryError, match="width_km_each_side"):
        corridor(road, 0, zone_id="c", name="c")
    area = Zone("a", "a", "area", box(36, 35, 36.1, 35.1), None, "t")
    with pytest.raises(GeometryError, match="from a route"):
        corridor(area, 6, zone_id="c", name="c")


# --- the de-escalation area and the DMZ --------------------------------------------------------


@pytest.mark.parametrize("name", REFERENCE.name.tolist())
def test_de_area_holds_the_right_towns(zones, name):
    inside = REFERENCE.set_index("name").loc[name, "in_de_area"] == "yes"
    assert zones[AREA_ID].geometry.contains(_point(name)) == inside


def test_de_area_is_the_named_sub_districts(zones):
    area = zones[AREA_ID]
    a3 = admin_units(3)
    pcodes = set(area.source.split(": ", 2)[-1].split(", "))
    assert len(pcodes) == 32
    assert {"SY070001", "SY070202"}.isdisjoint(pcodes)
    assert not {p for p in pcodes if p.startswith("SY0203")}  # Afrin district
    union = shapely.union_all(a3[a3.adm3_pcode.isin(pcodes)].geometry.values)
    assert union.equals(area.geometry)
    assert area.approximation is not None and 10 <= area.approximation.error_km <= 15
    afrin = admin_units(2).set_index("adm2_pcode").geometry["SY0203"]
    assert to_metric(area.geometry).intersection(to_metric(afrin)).area < 1e3


def test_dmz_lies_inside_the_area(zones):
    dmz, area = to_metric(zones[DMZ_ID].geometry), to_metric(zones[AREA_ID].geometry)
    assert dmz.difference(area).area < 1e3  # m²: rounding only
    assert 0.3 < dmz.area / area.area < 0.9


def _inward_rays(area_m, contact_m, step=2000.0, length=20_000.0):
    """Rays ``length`` m long from points every ``step`` m along the line of contact, at right
    angles to it, pointing into the area; only those that stay inside the area."""
    rays = []
    for part in shapely.get_parts(contact_m):
        for s in np.arange(100.0, part.length - 100.0, step):
            p = np.asarray(part.interpolate(s).coords[0])
            t = np.subtract(part.interpolate(s + 50).coords[0], part.interpolate(s - 50).coords[0])
            normal = np.array([-t[1], t[0]]) / np.hypot(*t)
            if not area_m.contains(Point(p + 100 * normal)):
                normal = -normal
            ray = LineString([p, p + length * normal])
            if ray.within(area_m.buffer(1)):
                rays.append(ray)
    return rays


def test_dmz_is_15_to_20_km_deep(zones):
    area_m, dmz_m = to_metric(zones[AREA_ID].geometry), to_metric(zones[DMZ_ID].geometry)
    contact_m = to_metric(line_of_contact(zones[AREA_ID]))
    # every point of the DMZ is within 17.5 km of the line of contact ...
    far = shapely.distance(shapely.points(shapely.get_coordinates(dmz_m)), contact_m).max()
    assert 15_000 < far <= 17_500 + 5
    # ... and every point of the area within 15 km of it is in the DMZ
    assert area_m.intersection(contact_m.buffer(15_000)).difference(dmz_m).area < 1e4
    # walking 20 km inward from points on the line of contact:
    rays = _inward_rays(area_m, contact_m)
    assert len(rays) > 100
    inside = dmz_m.buffer(1)
    exits = []
    for ray in rays:
        assert inside.contains(ray.interpolate(15_000))  # still in the DMZ 15 km in
        end = Point(ray.coords[-1])
        if dmz_m.contains(end):  # only because another stretch of the line is near
            assert contact_m.distance(end) <= 17_500 + 5
        else:
            first = next(
                g
                for g in shapely.get_parts(ray.intersection(inside))
                if g.distance(Point(ray.coords[0])) < 1
            )
            exits.append(first.length)
    # where the area is deep enough, the DMZ ends 17.5 km in (15-20 km)
    assert len(exits) > 0.2 * len(rays)
    assert all(15_000 <= e <= 20_000 for e in exits)
    assert 17_400 < np.median(exits) < 18_500


def test_line_of_contact_leaves_out_the_turkish_border_and_afrin(zones):
    area = zones[AREA_ID]
    contact_m = to_metric(line_of_contact(area))
    turkish = _turkish_border_m(area)
    assert turkish.length > 80_000
    assert contact_m.intersection(turkish.buffer(50)).length < 1_000
    afrin = to_metric(admin_units(2).set_index("adm2_pcode").geometry["SY0203"])
    assert contact_m.intersection(afrin.buffer(50)).length < 1_000
    assert 300_000 < contact_m.length < to_metric(area.geometry.boundary).length


def test_dmz_does_not_run_along_the_turkish_border(zones):
    """The DMZ meets Turkey only where the line of contact itself ends on the border (in the
    west, at the Idleb/Lattakia/Turkey tripoint); it is not drawn along the border."""
    area = zones[AREA_ID]
    dmz_m = to_metric(zones[DMZ_ID].geometry)
    turkish = _turkish_border_m(area)
    contact_m = to_metric(line_of_contact(area))
    ends = [Point(g.coords[i]) for g in shapely.get_parts(contact_m) for i in (0, -1)]
    on_border = [e for e in ends if e.distance(turkish) < 200]
    touched = shapely.intersection(turkish, dmz_m.buffer(100))
    assert touched.length < 25_000  # of the ~110 km of Turkish border along the area
    for piece in shapely.get_parts(touched):
        assert on_border and min(piece.hausdorff_distance(e) for e in on_border) < 17_500 + 1_000
    north_of_the_tripoint = turkish.difference(on_border[0].buffer(25_000))
    assert north_of_the_tripoint.length > 60_000
    assert dmz_m.distance(north_of_the_tripoint) > 0


def test_bundled_zones_say_where_they_come_from(zones):
    assert set(zones) == {ROUTE_ID, CORRIDOR_ID, AREA_ID, DMZ_ID}
    for z in zones.values():
        assert z.approximation is not None and z.approximation.error_km > 0
        assert z.source
        assert z.geometry.is_valid
    assert zones[AREA_ID].source.startswith("bundled: OCHA COD-AB")
    assert zones[DMZ_ID].approximation.error_km == pytest.approx(17.5)


def test_load_zones_is_cached_and_needs_no_shared_data():
    first, second = load_zones(), load_zones()
    assert first == second and first is not second
    # the cache hands out the same zone objects: nothing is rebuilt
    assert all(first[k] is second[k] for k in first)
    data = Path(__import__("ceasefire").__file__).parent / "data"
    for name in ("admin/syr_admin0.geojson", "admin/syr_admin3.geojson", "places/m4_places.csv"):
        assert (data / name).is_file()
    for folder in ("admin", "places"):
        text = (data / folder / "SOURCES.md").read_text(encoding="utf-8")
        assert "CC BY" in text


def test_admin_units():
    a3 = admin_units(3)
    assert len(a3) == 272 and a3.crs.to_epsg() == 4326
    for col in ("adm3_name", "adm3_name1", "adm3_pcode", "adm1_pcode"):
        assert col in a3.columns
    assert a3.set_index("adm3_pcode").loc["SY070003", "adm3_name1"] == "سراقب"
    assert shapely.coverage_is_valid(a3.geometry.values)
    a3.loc[:, "adm3_name"] = "changed"  # callers get a copy
    assert "changed" not in set(admin_units(3).adm3_name)
    with pytest.raises(UnknownIdError, match="admin level 4"):
        admin_units(4)


# --- importing users' files ---------------------------------------------------------------


ROAD = LineString([(36.7838, 35.8645), (36.6110, 35.8123), (36.3206, 35.8143), (36.1510, 35.8105)])


def _write(frame: gpd.GeoDataFrame, path: Path, **kw) -> Path:
    frame.to_file(path, **kw)
    return path


def test_geojson_geopackage_and_shapefile_import_alike(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["M4"]}, geometry=[ROAD], crs="EPSG:4326")
    files = [
        _write(frame, tmp_path / "road.geojson", driver="GeoJSON"),
        _write(frame, tmp_path / "road.gpkg", driver="GPKG"),
        _write(frame, tmp_path / "road.shp", driver="ESRI Shapefile"),
        _write(frame.to_crs(METRIC_CRS), tmp_path / "road_utm.gpkg", driver="GPKG"),
    ]
    geoms = [read_geometry_file(f) for f in files]
    for g in geoms[:3]:
        assert g.equals_exact(ROAD, 1e-12)
    assert geoms[3].equals_exact(ROAD, 1e-8)  # reprojected back from UTM
    zone = import_zone(files[1], ROUTE_ID, name="M4 (surveyed)")
    assert (zone.kind, zone.approximation, zone.name) == ("route", None, "M4 (surveyed)")
    assert zone.source == f"imported: {files[1]}"


def test_multiple_features_are_unioned(tmp_path):
    halves = [LineString(ROAD.coords[:3]), LineString(ROAD.coords[2:])]
    path = tmp_path / "pieces.geojson"
    gpd.GeoDataFrame(geometry=halves, crs="EPSG:4326").to_file(path, driver="GeoJSON")
    assert read_geometry_file(path).equals(ROAD)
    squares = [box(36.0, 35.0, 36.1, 35.1), box(36.1, 35.0, 36.2, 35.1)]
    path = tmp_path / "squares.gpkg"
    gpd.GeoDataFrame(geometry=squares, crs="EPSG:4326").to_file(path, driver="GPKG")
    merged = read_geometry_file(path)
    assert merged.geom_type == "Polygon" and merged.equals(box(36.0, 35.0, 36.2, 35.1))
    assert import_zone(path, "squares").kind == "area"


def test_overriding_the_route_re_derives_the_corridor(tmp_path, zones):
    shifted = shapely.affinity.translate(zones[ROUTE_ID].geometry, yoff=0.01)  # ~1.1 km north
    path = tmp_path / "m4.geojson"
    path.write_text(
        json.dumps(
            {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(shifted)}
        )
    )
    road = import_zone(path, ROUTE_ID)
    new = load_zones(overrides={ROUTE_ID: road})
    assert new[ROUTE_ID] is road
    band = new[CORRIDOR_ID]
    assert band.derived_from == ROUTE_ID and band.approximation is None
    assert band.geometry.equals(corridor(road, 6, zone_id=CORRIDOR_ID, name="x").geometry)
    assert not band.geometry.equals(zones[CORRIDOR_ID].geometry)
    assert new[AREA_ID] is zones[AREA_ID] and new[DMZ_ID] is zones[DMZ_ID]
    assert load_zones()[CORRIDOR_ID] == zones[CORRIDOR_ID]  # the bundled cache is untouched


def test_overriding_the_area_re_derives_the_dmz(zones):
    smaller = Zone(
        AREA_ID,
        "DE area (north)",
        "area",
        zones[AREA_ID].geometry.intersection(box(35, 35.6, 38, 37)),
        None,
        "test",
    )
    new = load_zones(overrides={AREA_ID: smaller})
    assert new[DMZ_ID].geometry.within(smaller.geometry.buffer(1e-6))
    assert not new[DMZ_ID].geometry.equals(zones[DMZ_ID].geometry)
    assert new[DMZ_ID].approximation.error_km == pytest.approx(2.5)


def test_override_far_away_or_of_the_wrong_kind_is_refused(zones):
    swapped = shapely.transform(zones[ROUTE_ID].geometry, lambda xy: xy[:, ::-1])
    bad = Zone(ROUTE_ID, "M4", "route", swapped, None, "imported: m4.geojson")
    with pytest.raises(GeometryError, match=r"m4\.geojson.*swapped"):
        load_zones(overrides={ROUTE_ID: bad})
    area = Zone(ROUTE_ID, "M4", "area", zones[CORRIDOR_ID].geometry, None, "imported: x.gpkg")
    with pytest.raises(GeometryError, match="replaces a route"):
        load_zones(overrides={ROUTE_ID: area})
    with pytest.raises(GeometryError, match="with that id"):
        load_zones(overrides={"other": zones[ROUTE_ID]})


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    files: dict[str, tuple[Path, str]] = {}

    def put(name: str, text: str, match: str) -> None:
        (tmp / name).write_text(text, encoding="utf-8")
        files[name] = (tmp / name, match)

    put("empty.geojson", '{"type": "FeatureCollection", "features": []}', "empty FeatureCollection")
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[36, 35], [36.1, 35.1], [36.1, 35], [36, 35.1], [36, 35]]],
    }
    put(
        "bowtie.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": bowtie}],
            }
        ),
        r"features\[0\]\.geometry: invalid Polygon",
    )
    put(
        "swapped.geojson",
        json.dumps({"type": "LineString", "coordinates": [[35.8, 120.1], [35.9, 120.2]]}),
        "swapped",
    )
    put("notes.txt", "not a geometry at all\n", "not a geometry file")
    put("table.csv", "a,b\n1,2\n", "no geometry")
    put("broken.geojson", '{"type": "Feature", "geometry": ', "not a GeoJSON file")
    put("nulls.geojson", '{"type": "Feature", "properties": {}, "geometry": null}', "no geometry")
    mixed = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "LineString", "coordinates": [[36, 35], [36.1, 35]]},
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": bowtie
                | {"coordinates": [[[36, 35], [36.1, 35], [36.1, 35.1], [36, 35]]]},
            },
        ],
    }
    put("mixed.geojson", json.dumps(mixed), r"features\[1\]\.geometry is a Polygon")
    files["missing.geojson"] = (tmp / "missing.geojson", "no such file")
    return files


BAD = [
    "empty.geojson",
    "bowtie.geojson",
    "swapped.geojson",
    "notes.txt",
    "table.csv",
    "broken.geojson",
    "nulls.geojson",
    "mixed.geojson",
    "missing.geojson",
]


@pytest.mark.parametrize("name", BAD)
def test_bad_files_raise_geometry_error_naming_the_file(tmp_path, name):
    path, match = _bad_files(tmp_path)[name]
    with pytest.raises(GeometryError, match=match) as err:
        read_geometry_file(path)
    assert str(err.value).startswith(str(path))
    with pytest.raises(GeometryError):
        import_zone(path, "x")


def test_swapped_coordinates_inside_the_valid_ranges_are_caught_with_a_region(tmp_path):
    lat_first = shapely.transform(ROAD, lambda xy: xy[:, ::-1])  # (35.86, 36.78): still "valid"
    path = tmp_path / "latlon.geojson"
    path.write_text(json.dumps(shapely.geometry.mapping(lat_first)))
    syria = admin_units(0).geometry.iloc[0]
    assert read_geometry_file(path).equals(lat_first)  # without a region nothing can tell
    with pytest.raises(GeometryError, match=r"latlon\.geojson.*swapped"):
        import_zone(path, "m4", expect_within=syria)
    assert import_zone(tmp_path / "latlon.geojson", "m4").kind == "route"


def test_projected_shapefile_without_crs_is_refused(tmp_path):
    utm = to_metric(ROAD)
    path = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame(geometry=[utm], crs=METRIC_CRS).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(GeometryError, match=r"nocrs\.shp: feature 0: no CRS"):
        read_geometry_file(path)
    lonlat = tmp_path / "lonlat.shp"
    gpd.GeoDataFrame(geometry=[ROAD], crs="EPSG:4326").to_file(lonlat)
    lonlat.with_suffix(".prj").unlink()  # no CRS, but plainly degrees
    assert read_geometry_file(lonlat).equals_exact(ROAD, 1e-12)


def test_geopackage_with_two_layers_needs_a_layer_name(tmp_path):
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame(geometry=[ROAD], crs="EPSG:4326").to_file(path, layer="roads")
    gpd.GeoDataFrame(geometry=[box(36, 35, 36.1, 35.1)], crs="EPSG:4326").to_file(
        path, layer="areas"
    )
    with pytest.raises(GeometryError, match=r"two\.gpkg: layer: 2 layers"):
        read_geometry_file(path)
    assert read_geometry_file(path, layer="roads").equals(ROAD)
    with pytest.raises(GeometryError, match=r"layer: no layer .*'rivers'"):
        read_geometry_file(path, layer="rivers")


def test_points_and_wrong_kinds_are_refused(tmp_path):
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "MultiPoint", "coordinates": [[36, 35], [36.1, 35]]}))
    with pytest.raises(GeometryError, match="points cannot make a zone"):
        import_zone(path, "p")
    road = tmp_path / "road.geojson"
    road.write_text(json.dumps(shapely.geometry.mapping(ROAD)))
    with pytest.raises(
        GeometryError, match=r"road\.geojson: kind: .*LineString, but kind 'area' needs polygons"
    ):
        import_zone(road, "r", kind="area")
    with pytest.raises(GeometryError, match="kind"):
        Zone("r", "r", "zone", ROAD, None, "t")
    with pytest.raises(GeometryError, match=r"kind 'area' needs a polygon"):
        Zone("a", "a", "area", ROAD, None, "t")


# --- features and files out -----------------------------------------------------------------


def test_feature_round_trip(zones):
    for zone in zones.values():
        feature = zone_to_feature(zone)
        assert json.loads(json.dumps(feature)) == feature
        assert set(feature["properties"]) == {
            "id",
            "name",
            "kind",
            "approximation_note",
            "approximation_error_km",
            "source",
            "derived_from",
        }
        assert zone_from_feature(feature) == zone
    first = zone_to_feature(zones[ROUTE_ID])["geometry"]["coordinates"][0]
    assert 36 < first[0] < 37 and 35 < first[1] < 36  # longitude first
    ring = shapely.LinearRing(zone_to_feature(zones[AREA_ID])["geometry"]["coordinates"][0])
    assert ring.is_ccw  # RFC 7946


def test_feature_errors_name_the_field():
    with pytest.raises(GeometryError, match=r"properties\.id: missing"):
        zone_from_feature(
            {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(ROAD)}
        )
    with pytest.raises(GeometryError, match="approximation_error_km"):
        zone_from_feature(
            {
                "type": "Feature",
                "properties": {"id": "r", "approximation_note": "x"},
                "geometry": shapely.geometry.mapping(ROAD),
            }
        )
    with pytest.raises(GeometryError, match="not a GeoJSON Feature"):
        zone_from_feature({"type": "LineString"})


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_write_zones_reads_back(tmp_path, zones, suffix):
    path = tmp_path / f"zones{suffix}"
    write_zones(zones.values(), path)
    back = read_zones(path)
    assert set(back) == set(zones)
    for zid, zone in zones.items():
        got = back[zid]
        assert (got.name, got.kind, got.source, got.derived_from) == (
            zone.name,
            zone.kind,
            zone.source,
            zone.derived_from,
        )
        assert got.approximation == zone.approximation
        assert got.geometry.equals_exact(zone.geometry, 1e-12)


def test_write_shapefile_one_kind_at_a_time(tmp_path, zones):
    areas = [zones[AREA_ID], zones[DMZ_ID], zones[CORRIDOR_ID]]
    path = tmp_path / "areas.shp"
    write_zones(areas, path)
    back = read_zones(path)
    assert back[AREA_ID].geometry.equals_exact(zones[AREA_ID].geometry, 1e-12)
    assert back[CORRIDOR_ID].derived_from == ROUTE_ID
    assert len(back[AREA_ID].approximation.note.encode()) <= 254
    with pytest.raises(GeometryError, match="one kind of geometry"):
        write_zones(zones.values(), tmp_path / "all.shp")
    with pytest.raises(GeometryError, match="driver"):
        write_zones(areas, tmp_path / "zones.kml")
    with pytest.raises(GeometryError, match="the same id twice"):
        write_zones([zones[AREA_ID], zones[AREA_ID]], tmp_path / "twice.geojson")


def test_metric_round_trip_and_measures():
    sq = Zone(
        "a",
        "a",
        "area",
        Polygon([(36.5, 35.8), (36.5, 35.9), (36.6, 35.9), (36.6, 35.8)]),
        None,
        "t",
    )
    assert sq.geometry.exterior.is_ccw  # stored counter-clockwise whatever came in
    assert to_wgs84(to_metric(sq.geometry)).equals_exact(sq.geometry, 1e-9)
    assert area_km2(sq) == pytest.approx(9.03 * 11.1, rel=0.01)
    with pytest.raises(GeometryError, match="error_km"):
        Approximation("x", -1)


# --- cutting a route at the named end points ---------------------------------------------------

TRUMBA, AIN = place_point("Trumba"), place_point("Ain al-Havr")
ALEPPO, LATAKIA = (37.1612, 36.2021), (35.7796, 35.5167)


def _long_m4() -> LineString:
    """Aleppo - Saraqib - the bundled route's points - Latakia: about 160 km."""
    p = places()
    route = p[p.role == "route"].sort_values("order")
    saraqib = _place("Saraqib")
    return LineString(
        [ALEPPO, (saraqib.x, saraqib.y), *zip(route.lon, route.lat, strict=True), LATAKIA]
    )


def test_place_point_finds_the_route_ends_by_loose_name():
    p = places()
    ends = p[p.role == "route"].sort_values("order").iloc[[0, -1]]
    assert ends.name.tolist() == ["Trumba", "Ain al-Havr"]
    assert (ends.lon.iloc[0], ends.lat.iloc[0]) == TRUMBA
    assert (ends.lon.iloc[1], ends.lat.iloc[1]) == AIN
    for name in ("ain al-havr", "AIN EL HAVR", "Ain-Havr", "ainalhavr", " Ain al Havr "):
        assert place_point(name) == AIN, name
    assert place_point("trumba") == TRUMBA
    assert place_point("Jisr Shughur") == place_point("jisr el-shughur") is not None
    assert place_point("al-Nayrab") == place_point("Nayrab") is not None
    assert place_point("Aleppo") is None and place_point("") is None and place_point("al-") is None


def test_clipping_the_bundled_route_at_its_ends_is_a_no_op(zones):
    route = zones[ROUTE_ID]
    assert clip_route(route, TRUMBA, AIN) is route
    assert clip_route(route, AIN, TRUMBA) is route
    # a few metres off the ends (rounded coordinates) still changes less than a few metres
    near = clip_route(route, (round(TRUMBA[0], 4), round(TRUMBA[1], 4)), (36.1511, 35.8105))
    assert to_metric(near.geometry).hausdorff_distance(to_metric(route.geometry)) < 5
    assert abs(length_km(near) - length_km(route)) < 0.005
    # so the bundled corridor is what it was before routes were cut
    band = zones[CORRIDOR_ID]
    assert band.geometry.equals(corridor(route, 6, zone_id="c", name="c").geometry)
    assert area_km2(band) == pytest.approx(714.5, abs=0.1)


def test_an_imported_long_road_is_cut_at_trumba_and_ain_al_havr(tmp_path, zones):
    long = _long_m4()
    path = tmp_path / "long.gpkg"
    gpd.GeoDataFrame({"name": ["M4"]}, geometry=[long], crs="EPSG:4326").to_file(path)
    road = import_zone(path, ROUTE_ID)
    assert 155 < length_km(road) < 165
    bundled = zones[ROUTE_ID]

    cut = clip_route(road, TRUMBA, AIN)
    assert (cut.id, cut.name, cut.kind, cut.approximation) == (ROUTE_ID, ROUTE_ID, "route", None)
    assert cut.source.startswith(road.source) and "cut at the points nearest Trumba" in cut.source
    assert "Ain al-Havr" in cut.source
    assert length_km(cut) == pytest.approx(length_km(bundled), abs=0.01)
    cut_m = to_metric(cut.geometry)
    assert cut_m.hausdorff_distance(to_metric(bundled.geometry)) < 1
    start, end = (to_metric(Point(cut.geometry.coords[i])) for i in (0, -1))
    assert start.distance(to_metric(Point(TRUMBA))) < 1 and end.distance(to_metric(Point(AIN))) < 1

    # either direction of the road, either order of the points: the same line, the road's way
    backwards = Zone(ROUTE_ID, "M4", "route", long.reverse(), None, "test")
    for r in (road, backwards):
        for a, b in ((TRUMBA, AIN), (AIN, TRUMBA)):
            other = clip_route(r, a, b)
            assert to_metric(other.geometry).hausdorff_distance(cut_m) < 1
            first = other.geometry.coords[0]
            assert (first[0] > 36.5) == (r is road)  # keeps the road's own direction

    # the corridor load_zones derives from the imported road: 12 km x 61 km, not x 160 km
    band = load_zones(overrides={ROUTE_ID: road})[CORRIDOR_ID]
    assert area_km2(band) == pytest.approx(area_km2(zones[CORRIDOR_ID]), rel=1e-3)
    assert "cut at the points nearest Trumba" in band.source
    for far in (ALEPPO, LATAKIA, (36.80591, 35.86447 + 0.1)):
        assert not band.geometry.contains(Point(far))
    assert band.geometry.bounds[2] < TRUMBA[0] + 0.07  # no further east than 6 km past Trumba


def test_cutting_keeps_the_approximation_and_says_so():
    road = Zone("r", "R", "route", _long_m4(), Approximation("village centres.", 3), "bundled")
    cut = clip_route(road, TRUMBA, AIN)
    assert cut.approximation is not None and cut.approximation.error_km == 3
    assert cut.approximation.note.startswith("village centres. Route cut at the points nearest")


def test_a_route_that_does_not_reach_an_end_is_refused_or_left_uncut():
    # a straight stand-in 50 km long at 35.8 N: 6.5 km south of Trumba, ending 8.8 km from Ain
    short = Zone("r", "R", "route", LineString([(36.8, 35.8), (36.248, 35.8)]), None, "x.gpkg")
    with pytest.raises(GeometryError, match=r"Trumba \(36\.76672, 35\.85894\) lies 6\.5 km") as e:
        clip_route(short, TRUMBA, AIN)
    assert "more than 5 km" in str(e.value) and "x.gpkg" in str(e.value)
    with pytest.raises(GeometryError, match=r"the point \(36\.00000, 35\.00000\) lies"):
        clip_route(short, (36.0, 35.0), (36.5, 35.8))
    with pytest.raises(GeometryError, match=r"Ain al-Havr .* lies 8\.8 km"):
        clip_route(short, TRUMBA, AIN, max_offset_km=8)
    assert clip_route(short, TRUMBA, AIN, max_offset_km=9).geometry.coords[-1] == (36.248, 35.8)
    # not strict: each end the route does not reach is left as it is, and the source says so
    loose = clip_route(short, TRUMBA, AIN, strict=False)
    assert loose.geometry.equals(short.geometry)
    assert "not cut at Trumba" in loose.source and "not cut at Ain al-Havr" in loose.source
    half = clip_route(short, TRUMBA, (36.5, 35.81), strict=False)
    assert half.geometry.coords[0] == pytest.approx((36.8, 35.8), abs=1e-9)  # far end kept
    assert half.geometry.coords[-1] == pytest.approx((36.5, 35.8), abs=1e-3)  # chord in UTM
    half = clip_route(short, (36.5, 35.81), (36.0, 35.8), strict=False, to_name="Somewhere")
    assert half.geometry.coords[0] == pytest.approx((36.5, 35.8), abs=1e-3)
    assert half.geometry.coords[-1] == pytest.approx((36.248, 35.8), abs=1e-9)
    assert "not cut at Somewhere" in half.source


def test_clip_route_refuses_what_it_cannot_cut(zones):
    route = zones[ROUTE_ID]
    with pytest.raises(GeometryError, match="same place"):
        clip_route(route, TRUMBA, TRUMBA)
    with pytest.raises(GeometryError, match="not a corridor"):
        clip_route(zones[CORRIDOR_ID], TRUMBA, AIN)
    with pytest.raises(GeometryError, match="max_offset_km"):
        clip_route(route, TRUMBA, AIN, max_offset_km=0)
    with pytest.raises(GeometryError, match="from_point"):
        clip_route(route, (36.0,), AIN)  # type: ignore[arg-type]
    with pytest.raises(GeometryError, match="to_point"):
        clip_route(route, TRUMBA, (35.8, 136.2))
    pieces = shapely.MultiLineString([route.geometry.coords[:3], route.geometry.coords[4:]])
    with pytest.raises(GeometryError, match="2 separate lines"):
        clip_route(Zone("r", "r", "route", pieces, None, "t"), TRUMBA, AIN)


# --- routes in pieces ---------------------------------------------------------------------------


def _metric_line(*xy: tuple[float, float]) -> LineString:
    return to_wgs84(LineString(xy))


def test_a_route_with_a_gap_is_refused_naming_pieces_and_gap(tmp_path):
    east = _metric_line((700_000, 3_970_000), (690_000, 3_970_500), (680_000, 3_970_000))
    west = _metric_line((667_000, 3_970_000), (650_000, 3_969_000))  # 13 km further west
    gap_km = to_metric(east).distance(to_metric(west)) / 1000
    assert 12.9 < gap_km < 13.1
    two = tmp_path / "two.geojson"
    gpd.GeoDataFrame(geometry=[east, west], crs="EPSG:4326").to_file(two, driver="GeoJSON")
    multi = tmp_path / "multi.gpkg"
    one = shapely.MultiLineString([east, west])
    gpd.GeoDataFrame(geometry=[one], crs="EPSG:4326").to_file(multi, driver="GPKG")
    utm = tmp_path / "utm.shp"
    gpd.GeoDataFrame(geometry=[east, west], crs="EPSG:4326").to_crs(METRIC_CRS).to_file(utm)
    for path in (two, multi, utm):
        for read in (read_geometry_file, lambda f: import_zone(f, ROUTE_ID)):
            with pytest.raises(GeometryError) as err:
                read(path)
            text = str(err.value)
            assert text.startswith(str(path)), text
            assert "2 separate pieces" in text and f"largest {gap_km:.1f} km" in text, text
            assert "join the pieces into one line" in text and "import one line" in text


def test_a_forked_route_is_refused(tmp_path):
    road = _metric_line((700_000, 3_970_000), (680_000, 3_970_000))
    spur = _metric_line((690_000, 3_970_000), (690_000, 3_975_000))
    path = tmp_path / "fork.geojson"
    gpd.GeoDataFrame(geometry=[road, spur], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(GeometryError, match=r"fork\.geojson: .*pieces that meet but do not form"):
        import_zone(path, ROUTE_ID)


def test_gaps_under_50_m_are_joined(tmp_path):
    east = _metric_line((700_000, 3_970_000), (680_000, 3_970_000))
    middle = _metric_line((679_980, 3_970_000), (670_000, 3_970_030))  # 20 m on
    west = _metric_line((660_000, 3_970_000), (669_960, 3_970_030))  # drawn the other way
    path = tmp_path / "noisy.gpkg"
    pieces = [west, east, middle]
    gpd.GeoDataFrame(geometry=pieces, crs="EPSG:4326").to_file(path, driver="GPKG")
    line = read_geometry_file(path)
    assert line.geom_type == "LineString"
    assert to_metric(line).length == pytest.approx(
        sum(to_metric(g).length for g in pieces) + 60, abs=0.5
    )
    assert import_zone(path, ROUTE_ID).geometry.equals(line)
    # 60 m is not noise
    far = _metric_line((679_940, 3_970_000), (670_000, 3_970_000))
    gpd.GeoDataFrame(geometry=[east, far], crs="EPSG:4326").to_file(tmp_path / "gap60.gpkg")
    with pytest.raises(GeometryError, match=r"2 separate pieces .*largest 0\.1 km"):
        read_geometry_file(tmp_path / "gap60.gpkg")
