"""The fast path (``disc_shares``) against the plain reference path (``reference_shares``,
``reference_contains``: shapely, one pair at a time, in each disc's azimuthal equidistant
projection), on random and edge cases. The tolerances are those of tests/test_spatial.py (its
exact areas are in UTM 37N; the reference's are geodesic around each disc).

Antimeridian: not tested. No zone of this project (Syria, 35-43 E) comes near it, and the
reference does not handle a zone that crosses it (see ``ceasefire.compliance.spatial.reference``).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Point
from test_spatial import (
    KM,
    TO_UTM,
    TO_WGS,
    assert_mixed_radii_close,
    dense,
    exact_shares,
    realistic_zones,
    straddling,
    to_wgs,
)

from ceasefire.compliance.spatial import (
    ZoneIndex,
    build_zone_index,
    disc_shares,
    reference_contains,
    reference_shares,
)
from ceasefire.zones import load_zones


@pytest.fixture(scope="module")
def zones() -> list[shapely.Geometry]:
    return realistic_zones()


@pytest.fixture(scope="module")
def index(zones: list[shapely.Geometry]) -> ZoneIndex:
    return build_zone_index(zones)


def fast(index: ZoneIndex, lon: np.ndarray, lat: np.ndarray, rad: np.ndarray) -> np.ndarray:
    return dense(*disc_shares(index, lon, lat, rad), len(lon), index.n_zones)


def test_the_reference_agrees_with_utm_areas(zones: list[shapely.Geometry]) -> None:
    """Two slow ways (UTM 37N, geodesic around each disc) agree far inside the tolerances."""
    lon, lat, rad = straddling(zones, 40, [0.5, 2.0, 25.0], seed=21)
    ref = reference_shares(zones, lon, lat, rad)
    assert np.abs(ref - exact_shares(zones, lon, lat, rad)).max() <= 1e-3


def test_membership_of_points_matches_the_reference(
    zones: list[shapely.Geometry], index: ZoneIndex
) -> None:
    rng = np.random.default_rng(22)
    near_lon, near_lat, _ = straddling(zones, 300, [1.0], seed=22)  # within 0.9 km of an edge
    x0, y0, x1, y1 = shapely.total_bounds(np.array(zones))
    # on the boundary: vertices, and points halfway along edges (as near as floats get)
    coords = np.concatenate([shapely.get_coordinates(z)[::7] for z in zones])
    mid = 0.5 * (coords[:-1] + coords[1:])
    lon = np.concatenate([near_lon, rng.uniform(x0 - 0.3, x1 + 0.3, 700), coords[:, 0], mid[:, 0]])
    lat = np.concatenate([near_lat, rng.uniform(y0 - 0.3, y1 + 0.3, 700), coords[:, 1], mid[:, 1]])
    got = fast(index, lon, lat, np.zeros(len(lon))) > 0
    assert np.array_equal(got, reference_contains(zones, lon, lat))


def test_random_discs_match_the_reference(zones: list[shapely.Geometry], index: ZoneIndex) -> None:
    lon, lat, rad = straddling(zones, 150, [0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 75.0], seed=23)
    want = reference_shares(zones, lon, lat, rad)
    assert_mixed_radii_close(fast(index, lon, lat, rad), want)


def test_two_km_discs_within_the_typical_tolerance(
    zones: list[shapely.Geometry], index: ZoneIndex
) -> None:
    lon, lat, rad = straddling(zones, 80, [2.0], seed=24)
    assert (
        np.abs(fast(index, lon, lat, rad) - reference_shares(zones, lon, lat, rad)).max() <= 0.012
    )


def _tiles() -> list[shapely.Geometry]:
    """A 3 x 3 grid of touching 20 km squares (UTM 37N): discs at corners cross four zones."""
    x0, y0 = TO_UTM.transform(37.5, 35.0)
    return [
        to_wgs(shapely.box(x0 + i * 20 * KM, y0 + j * 20 * KM, x0 + (i + 1) * 20 * KM,
                           y0 + (j + 1) * 20 * KM))
        for j in range(3) for i in range(3)
    ]  # fmt: skip


def test_discs_crossing_several_zones() -> None:
    tiles = _tiles()
    index = build_zone_index(tiles)
    # around the four inner corners and along the inner edges, radii 1-15 km
    rng = np.random.default_rng(25)
    x0, y0 = TO_UTM.transform(37.5, 35.0)
    cx, cy = np.array([20, 40, 20, 40]) * KM + x0, np.array([20, 20, 40, 40]) * KM + y0
    corners = np.column_stack(TO_WGS.transform(cx, cy))  # where four tiles meet
    pick = corners[rng.integers(len(corners), size=60)]
    lon = pick[:, 0] + rng.normal(0, 0.02, 60)
    lat = pick[:, 1] + rng.normal(0, 0.02, 60)
    rad = rng.choice([1.0, 2.0, 5.0, 15.0], 60)
    want = reference_shares(tiles, lon, lat, rad)
    got = fast(index, lon, lat, rad)
    assert (want > 0).sum(axis=1).max() >= 4  # some discs do cross four zones
    assert np.abs(got - want).max() <= 0.03
    # inside the union the shares of a partition add up to 1, in both paths
    inner = np.flatnonzero(want.sum(axis=1) > 0.999)
    assert len(inner) > 30
    assert np.abs(got[inner].sum(axis=1) - 1.0).max() <= 0.03


def test_plain_polygons_are_exact_against_the_reference() -> None:
    """Cells with few edges use Green's theorem: the edge formula's tolerance (5e-4) holds."""
    rng = np.random.default_rng(9)  # the polygons of tests/test_spatial.py's edge formula test
    zs = []
    for _ in range(6):
        lon, lat = rng.uniform(36, 41), rng.uniform(33, 37)
        corners = rng.uniform(0, 2 * np.pi, 4)
        ring = [(lon + 0.25 * np.cos(a), lat + 0.2 * np.sin(a)) for a in np.sort(corners)]
        zs.append(shapely.convex_hull(shapely.MultiPoint(ring)))
    index = build_zone_index(zs)
    lon, lat, rad = straddling(zs, 80, [0.2, 1.0, 2.0, 5.0], seed=26)
    err = np.abs(fast(index, lon, lat, rad) - reference_shares(zs, lon, lat, rad))
    assert err.max() <= 5e-4


def test_discs_larger_than_the_zones() -> None:
    rng = np.random.default_rng(27)
    zs = []
    for _ in range(12):
        x, y = TO_UTM.transform(rng.uniform(36.5, 38.5), rng.uniform(34.0, 35.5))
        zs.append(to_wgs(Point(x, y).buffer(rng.uniform(2, 8) * KM, quad_segs=6)))
    index = build_zone_index(zs)
    c = shapely.centroid(shapely.union_all(zs))
    lon = np.full(4, c.x) + np.array([0.0, 0.2, -0.3, 0.5])
    lat = np.full(4, c.y) + np.array([0.0, -0.1, 0.2, 0.3])
    rad = np.array([150.0, 120.0, 300.0, 60.0])
    want = reference_shares(zs, lon, lat, rad)
    got = fast(index, lon, lat, rad)
    assert (want[0] > 0).all()  # the 150 km disc holds every zone
    # zones wholly inside a disc: their area over the disc's, within tests/test_spatial.py's 1e-3
    assert np.all(np.abs(got[0] - want[0]) <= 1e-3 * want[0] + 1e-6)
    assert np.abs(got - want).max() <= 0.03


def test_bundled_zones_with_the_realistic_radius_mix() -> None:
    zones = [z.geometry for z in load_zones().values() if z.kind != "route"]
    index = build_zone_index(zones)
    rng = np.random.default_rng(28)
    lon, lat, _ = straddling(zones, 60, [5.0], seed=28)
    rad = rng.choice(np.array([2.0, 25.0, 0.0]), len(lon), p=[0.7, 0.2, 0.1])
    err = np.abs(fast(index, lon, lat, rad) - reference_shares(zones, lon, lat, rad))
    assert err.max() <= 0.03
