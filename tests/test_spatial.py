"""Tests of ceasefire.compliance.spatial: disc shares against shapely's exact areas."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from ceasefire.compliance.spatial import (
    ZoneIndex,
    build_zone_index,
    disc_shares,
    distance_to_km,
)
from ceasefire.errors import GeometryError
from ceasefire.zones import km_per_deg

TO_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
TO_WGS = pyproj.Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)
KM = 1000.0


def to_wgs(g: shapely.Geometry) -> shapely.Geometry:
    g = shapely.segmentize(g, 500.0)
    return shapely.transform(g, lambda xy: np.column_stack(TO_WGS.transform(xy[:, 0], xy[:, 1])))


def to_utm(g: shapely.Geometry) -> shapely.Geometry:
    g = shapely.segmentize(g, 0.005)  # lon/lat-straight edges, followed closely in UTM
    return shapely.transform(g, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


def realistic_zones() -> list[shapely.Geometry]:
    """A 12 km corridor along a bent line, a concave C, a multipolygon, a polygon with a hole."""
    x0, y0 = TO_UTM.transform(36.6, 35.8)
    line = LineString(
        [(x0 - 40 * KM, y0 - 5 * KM), (x0, y0 + 10 * KM), (x0 + 25 * KM, y0 - 20 * KM),
         (x0 + 45 * KM, y0 - 18 * KM)]
    )  # fmt: skip
    corridor = line.buffer(6 * KM, cap_style="flat", join_style="round")
    c = Polygon([(0, 0), (150, 0), (150, 30), (50, 35), (45, 65), (150, 70), (140, 100), (0, 100)])
    concave = shapely.affinity.translate(
        shapely.affinity.scale(c, KM, KM, origin=(0, 0)), x0 - 160 * KM, y0 - 140 * KM
    )
    concave = shapely.affinity.rotate(concave, 17, origin="centroid")
    multi = shapely.MultiPolygon(
        [
            Point(x0 + 60 * KM, y0 + 40 * KM).buffer(15 * KM),
            Polygon([(x0 + 90 * KM, y0 + 20 * KM), (x0 + 120 * KM, y0 + 25 * KM),
                     (x0 + 110 * KM, y0 + 60 * KM)]),
        ]
    )  # fmt: skip
    holed = Polygon(
        Point(x0 - 60 * KM, y0 + 60 * KM).buffer(30 * KM).exterior.coords,
        [Point(x0 - 55 * KM, y0 + 62 * KM).buffer(10 * KM).exterior.coords[::-1]],
    )
    return [to_wgs(g) for g in (corridor, concave, multi, holed)]


@pytest.fixture(scope="module")
def zones() -> list[shapely.Geometry]:
    return realistic_zones()


@pytest.fixture(scope="module")
def index(zones: list[shapely.Geometry]) -> ZoneIndex:
    return build_zone_index(zones)


def straddling(
    zones: list[shapely.Geometry], n: int, radii: list[float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Discs centred within 0.9 radius of a random boundary point of a random zone."""
    rng = np.random.default_rng(seed)
    lon, lat, rad = np.empty(n), np.empty(n), np.empty(n)
    bounds = [to_utm(z).boundary for z in zones]
    for i in range(n):
        b = bounds[rng.integers(len(bounds))]
        r = radii[rng.integers(len(radii))]
        p = b.interpolate(rng.uniform(0, b.length))
        ang, d = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.9 * r * KM)
        lon[i], lat[i] = TO_WGS.transform(p.x + d * np.cos(ang), p.y + d * np.sin(ang))
        rad[i] = r
    return lon, lat, rad


def exact_shares(
    zones: list[shapely.Geometry], lon: np.ndarray, lat: np.ndarray, rad: np.ndarray
) -> np.ndarray:
    """Area share of each disc (buffered in UTM 37N, 64 segments a quarter) in each zone."""
    zu = [to_utm(z) for z in zones]
    x, y = TO_UTM.transform(lon, lat)
    discs = shapely.buffer(shapely.points(x, y), rad * KM, quad_segs=64)
    out = np.zeros((len(lon), len(zu)))
    for j, z in enumerate(zu):
        shapely.prepare(z)
        near = shapely.intersects(z, discs)
        out[near, j] = shapely.area(shapely.intersection(discs[near], z)) / shapely.area(
            discs[near]
        )
    return out


def assert_mixed_radii_close(got: np.ndarray, want: np.ndarray) -> None:
    """The fast shares of discs of mixed radii against exact ones (dense event x zone): at
    most 0.03 off, 0.006 on average where there is an overlap; pairs with a real overlap all
    come out, and one without gets at most a trace (interpolation)."""
    err = np.abs(got - want)
    assert err.max() <= 0.03, (err.max(), np.unravel_index(err.argmax(), err.shape))
    assert err[want > 0].mean() <= 0.006
    assert np.all((got > 0) | (want < 0.01))
    assert np.all((want > 0) | (got < 0.005))


def dense(ev: np.ndarray, zo: np.ndarray, sh: np.ndarray, n: int, nz: int) -> np.ndarray:
    out = np.zeros((n, nz))
    out[ev, zo] = sh
    return out


# --- accuracy ------------------------------------------------------------------------------


def test_disc_shares_match_exact_areas(zones: list[shapely.Geometry], index: ZoneIndex) -> None:
    lon, lat, rad = straddling(zones, 300, [0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 75.0], seed=1)
    want = exact_shares(zones, lon, lat, rad)
    got = dense(*disc_shares(index, lon, lat, rad), len(lon), len(zones))
    assert_mixed_radii_close(got, want)


def test_typical_two_km_discs_are_within_one_percent(
    zones: list[shapely.Geometry], index: ZoneIndex
) -> None:
    lon, lat, rad = straddling(zones, 150, [2.0], seed=2)
    want = exact_shares(zones, lon, lat, rad)
    got = dense(*disc_shares(index, lon, lat, rad), len(lon), len(zones))
    assert np.abs(got - want).max() <= 0.012


def test_zero_radius_points_match_contains_xy_exactly(
    zones: list[shapely.Geometry], index: ZoneIndex
) -> None:
    rng = np.random.default_rng(3)
    lon, lat, _ = straddling(zones, 2000, [1.5], seed=3)  # within 1.35 km of a boundary
    x0, y0, x1, y1 = shapely.total_bounds(np.array(zones))
    lon = np.concatenate([lon, rng.uniform(x0 - 0.5, x1 + 0.5, 20_000)])
    lat = np.concatenate([lat, rng.uniform(y0 - 0.5, y1 + 0.5, 20_000)])
    # vertices themselves (on the boundary: contains_xy says outside)
    vx, vy = shapely.get_coordinates(zones[1])[:50].T
    lon, lat = np.concatenate([lon, vx]), np.concatenate([lat, vy])
    ev, zo, sh = disc_shares(index, lon, lat, np.zeros(len(lon)))
    assert np.all(sh == 1.0)
    want = np.column_stack([shapely.contains_xy(z, lon, lat) for z in zones])
    got = np.zeros_like(want)
    got[ev, zo] = True
    assert np.array_equal(got, want)


def test_far_events_get_no_pair(index: ZoneIndex) -> None:
    lon = np.array([20.0, 36.6, 50.0, 36.6])
    lat = np.array([35.0, 20.0, 35.0, 50.0])
    for r in (0.0, 2.0, 25.0, 300.0):
        ev, _, _ = disc_shares(index, lon, lat, np.full(4, r))
        assert len(ev) == 0


def test_disc_inside_a_zone_has_share_one(zones: list[shapely.Geometry], index: ZoneIndex) -> None:
    c = shapely.point_on_surface(zones[1])  # the concave area, 100+ km across
    _, zo, sh = disc_shares(index, np.array([c.x]), np.array([c.y]), np.array([1.0]))
    assert zo.tolist() == [1] and sh.tolist() == [1.0]


def test_zone_wholly_inside_a_wide_disc_gets_its_area_ratio() -> None:
    small = to_wgs(Point(*TO_UTM.transform(38.0, 34.0)).buffer(5 * KM))
    index = build_zone_index([small])
    c = small.centroid
    _, _, sh = disc_shares(index, np.array([c.x]), np.array([c.y]), np.array([300.0]))
    want = exact_shares([small], np.array([c.x]), np.array([c.y]), np.array([300.0]))[0, 0]
    assert len(sh) == 1 and abs(sh[0] - want) < 1e-3 * want + 1e-6


def test_overlapping_zones_and_sorted_output(zones: list[shapely.Geometry]) -> None:
    a = zones[1]
    b = shapely.intersection(a, shapely.box(*a.centroid.buffer(0.3).bounds))
    index = build_zone_index([a, b, a])
    rng = np.random.default_rng(4)
    x0, y0, x1, y1 = a.bounds
    lon, lat = rng.uniform(x0, x1, 5000), rng.uniform(y0, y1, 5000)
    rad = rng.choice([0.0, 2.0, 25.0], 5000)
    ev, zo, sh = disc_shares(index, lon, lat, rad)
    assert ev.dtype == np.int64 and zo.dtype == np.int32 and sh.dtype == np.float32
    key = ev * 3 + zo
    assert np.all(np.diff(key) > 0)  # sorted by (event, zone), no duplicates
    assert np.all((sh > 0) & (sh <= 1))
    d = dense(ev, zo, sh, 5000, 3)
    assert np.array_equal(d[:, 0], d[:, 2])  # one zone twice: the same shares
    assert np.all(d[:, 1] <= d[:, 0] + 0.02)  # b is inside a


def test_share_does_not_depend_on_the_batch(zones: list[shapely.Geometry]) -> None:
    rng = np.random.default_rng(5)
    lon, lat, rad = straddling(zones, 400, [0.0, 0.3, 2.0, 3.3, 25.0, 75.0], seed=5)
    first = build_zone_index(zones)
    ev, zo, sh = disc_shares(first, lon, lat, rad)
    pick = np.sort(rng.choice(400, 37, replace=False))
    fresh = build_zone_index(zones)  # empty share tables
    ev2, zo2, sh2 = disc_shares(fresh, lon[pick], lat[pick], rad[pick])
    full = dense(ev, zo, sh, 400, len(zones))[pick]
    assert np.array_equal(full, dense(ev2, zo2, sh2, 37, len(zones)))


@pytest.mark.parametrize(("cell_km", "max_r"), [(2.0, 0.0), (0.7, 12.0)])
def test_other_grid_parameters(zones: list[shapely.Geometry], cell_km: float, max_r: float) -> None:
    index = build_zone_index(zones, cell_km=cell_km, max_grid_radius_km=max_r)
    lon, lat, rad = straddling(zones, 120, [0.0, 2.0, 25.0], seed=11)
    want = exact_shares(zones, lon, lat, rad)
    want[rad == 0] = np.column_stack([shapely.contains_xy(z, lon, lat) for z in zones])[rad == 0]
    got = dense(*disc_shares(index, lon, lat, rad), len(lon), len(zones))
    assert np.abs(got - want).max() <= 0.03


def test_nan_and_negative_inputs(index: ZoneIndex) -> None:
    ev, _, _ = disc_shares(
        index, np.array([np.nan, 36.6, 36.6]), np.array([35.8, np.nan, 35.8]),
        np.array([2.0, 2.0, np.nan]),
    )  # fmt: skip
    assert len(ev) == 0
    with pytest.raises(ValueError, match="radius"):
        disc_shares(index, np.array([36.6]), np.array([35.8]), np.array([-1.0]))
    with pytest.raises(ValueError, match="1-d"):
        disc_shares(index, np.array([36.6]), np.array([35.8, 1.0]), np.array([1.0]))
    out = disc_shares(index, np.empty(0), np.empty(0), np.empty(0))
    assert [len(a) for a in out] == [0, 0, 0]


def test_no_zones_and_bad_zones() -> None:
    index = build_zone_index([])
    assert [len(a) for a in disc_shares(index, np.ones(3), np.ones(3), np.ones(3))] == [0, 0, 0]
    with pytest.raises(GeometryError, match="Polygon"):
        build_zone_index([LineString([(36.0, 35.0), (36.5, 35.0)])])
    with pytest.raises(ValueError):
        build_zone_index([shapely.box(36, 35, 37, 36)], cell_km=0)


def test_edge_formula_is_exact_on_plain_polygons() -> None:
    """Cells with few edges within reach use Green's theorem: exact up to the local frame."""
    rng = np.random.default_rng(9)
    zs = []
    for _ in range(6):
        lon, lat = rng.uniform(36, 41), rng.uniform(33, 37)
        corners = rng.uniform(0, 2 * np.pi, 4)
        ring = [(lon + 0.25 * np.cos(a), lat + 0.2 * np.sin(a)) for a in np.sort(corners)]
        zs.append(shapely.convex_hull(shapely.MultiPoint(ring)))
    index = build_zone_index(zs)
    lon, lat, rad = straddling(zs, 200, [0.2, 1.0, 2.0, 5.0], seed=10)
    want = exact_shares(zs, lon, lat, rad)
    got = dense(*disc_shares(index, lon, lat, rad), len(lon), len(zs))
    assert np.abs(got - want).max() <= 5e-4  # measured 1.5e-4: UTM's scale vs the local frame


def test_many_zones_path_agrees_with_exact_areas() -> None:
    """Above 64 zones wide discs find candidates from the candidate grids (one per octave)."""
    rng = np.random.default_rng(6)
    zs = []
    for _ in range(80):
        x, y = TO_UTM.transform(rng.uniform(36, 39), rng.uniform(33, 36))
        zs.append(to_wgs(Point(x, y).buffer(rng.uniform(3, 20) * KM, quad_segs=4)))
    index = build_zone_index(zs)
    lon, lat, rad = straddling(zs, 120, [2.0, 25.0, 60.0], seed=7)
    want = exact_shares(zs, lon, lat, rad)
    got = dense(*disc_shares(index, lon, lat, rad), len(lon), len(zs))
    assert sorted(index.wide_grids) == [4, 5]  # 25 km and 60 km: two octaves, two grids
    assert np.abs(got - want).max() <= 0.03


def test_sparse_grid_gives_the_same_shares(
    zones: list[shapely.Geometry], index: ZoneIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # white-box: force the sparse cell table (a private constant of the index builder)
    monkeypatch.setattr("ceasefire.compliance.spatial.index._DENSE_CELLS", 10)
    sparse = build_zone_index(zones)
    assert sparse.keys is not None
    lon, lat, rad = straddling(zones, 200, [0.0, 2.0, 4.0], seed=8)
    a = dense(*disc_shares(index, lon, lat, rad), 200, 4)
    b = dense(*disc_shares(sparse, lon, lat, rad), 200, 4)
    assert np.array_equal(a, b)


def test_local_metric_frame_error_is_small() -> None:
    """The equirectangular frame's km per degree against geodesic distances (WGS84)."""
    geod = pyproj.Geod(ellps="WGS84")
    for lat in (32.0, 35.0, 37.5):
        kx, ky = km_per_deg(lat)
        for d_km in (2.0, 25.0, 75.0):
            dlon, dlat = d_km / float(kx), d_km / float(ky)
            _, _, east = geod.inv(38.0, lat, 38.0 + dlon, lat)
            _, _, north = geod.inv(38.0, lat - dlat / 2, 38.0, lat + dlat / 2)
            # stated bound: relative error ~ d * tan(lat) / 6371 km (the parallel's curvature)
            bound = 1e-4 + d_km * math.tan(math.radians(lat)) / 6371.0 / 2
            assert abs(east / 1000 / d_km - 1) <= bound
            assert abs(north / 1000 / d_km - 1) <= 1e-4


def test_distance_to_km() -> None:
    m4 = LineString([(36.0, 35.8), (37.0, 35.8)])
    d = distance_to_km(m4, np.array([36.5, 36.5, 38.0]), np.array([35.8, 35.8 + 3.1 / 110.9, 35.8]))
    assert d[0] == pytest.approx(0.0, abs=1e-6)
    assert d[1] == pytest.approx(3.1, rel=5e-3)  # "3.1 km north of the M4"
    assert d[2] == pytest.approx(90.4, rel=5e-3)
    box = shapely.box(36.0, 35.0, 36.5, 35.5)
    assert distance_to_km(box, np.array([36.2]), np.array([35.2])).tolist() == [0.0]
    assert np.isnan(distance_to_km(Polygon(), np.array([36.0]), np.array([35.0]))).all()


def test_index_reports_its_memory(index: ZoneIndex) -> None:
    assert index.n_zones == 4
    assert 0 < index.nbytes < 200e6
