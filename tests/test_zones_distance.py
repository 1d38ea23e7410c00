"""The one distance model (ceasefire.zones.distance) against Karney's geodesic (pyproj's
``Geod.inv``, the reference): Vincenty's whole-array inverse (:func:`geodesic_km`) on random
pairs of every range, across the antimeridian, on the equator, along meridians, at the poles and
nearly antipodal (where it hands over to Karney's), and :func:`distance_km`'s scalar and array
paths, which must agree."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest

from ceasefire.zones import LOCAL_LIMIT_KM, distance_km, geodesic_km
from ceasefire.zones.distance import GEODESIC_MAX_ERROR_M

GEOD = pyproj.Geod(ellps="WGS84")
N = 50_000


def karney_km(lat1, lon1, lat2, lon2) -> np.ndarray:  # type: ignore[no-untyped-def]
    b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lat1, lon1, lat2, lon2)))
    la1, lo1, la2, lo2 = (np.ascontiguousarray(v) for v in b)
    return np.asarray(GEOD.inv(lo1, la1, lo2, la2)[2]) / 1000.0


def _sphere_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n))), rng.uniform(-180.0, 180.0, n)


def _cases() -> dict[str, tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(20261207)
    out: dict[str, tuple[np.ndarray, ...]] = {}
    la1, lo1 = _sphere_points(rng, N)
    la2, lo2 = _sphere_points(rng, N)
    out["global"] = (la1, lo1, la2, lo2)
    la1, lo1 = _sphere_points(rng, N)
    km = 10.0 ** rng.uniform(-3.0, 3.5, N)  # 1 m to 3,000 km
    lo2, la2, _ = GEOD.fwd(lo1, la1, rng.uniform(0.0, 360.0, N), km * 1000.0)
    out["short and middle"] = (la1, lo1, np.asarray(la2), np.asarray(lo2))
    out["antimeridian"] = (
        rng.uniform(-70.0, 70.0, N),
        rng.uniform(170.0, 180.0, N),
        rng.uniform(-70.0, 70.0, N),
        rng.uniform(-180.0, -170.0, N),
    )
    on = rng.random(N) < 0.5
    out["equator"] = (
        np.zeros(N),
        rng.uniform(-180.0, 180.0, N),
        np.where(on, 0.0, rng.uniform(-1e-3, 1e-3, N)),
        rng.uniform(-180.0, 180.0, N),
    )
    la1, lo1 = _sphere_points(rng, N)
    la2, _ = _sphere_points(rng, N)
    out["meridians"] = (la1, lo1, la2, np.where(rng.random(N) < 0.5, lo1, lo1 + 180.0))
    la2, lo2 = _sphere_points(rng, N)
    out["poles"] = (rng.choice([-90.0, 90.0, 89.99999], N), rng.uniform(-180, 180, N), la2, lo2)
    la1, lo1 = _sphere_points(rng, N)
    out["nearly antipodal"] = (
        la1,
        lo1,
        np.clip(-la1 + rng.normal(0.0, 0.5, N), -90.0, 90.0),
        lo1 + 180.0 + rng.normal(0.0, 1.0, N),
    )
    out["Syria"] = (
        rng.uniform(32.0, 37.5, N),
        rng.uniform(35.5, 42.5, N),
        rng.uniform(32.0, 37.5, N),
        rng.uniform(35.5, 42.5, N),
    )
    return out


CASES = _cases()


@pytest.mark.parametrize("case", list(CASES))
def test_geodesic_km_matches_karney(case: str) -> None:
    la1, lo1, la2, lo2 = CASES[case]
    ref = karney_km(la1, lo1, la2, lo2)
    got = geodesic_km(la1, lo1, la2, lo2)
    err_m = np.abs(got - ref) * 1000.0
    assert err_m.max() <= GEODESIC_MAX_ERROR_M, (case, err_m.max())
    far = ref >= 1.0  # the error is absolute (micrometres): relative 1e-8 at 1 km and more
    assert (err_m[far] / (ref[far] * 1000.0)).max() <= 1e-8, case


def test_geodesic_km_special_pairs() -> None:
    pairs = np.array(
        [
            [0.0, 0.0, 0.0, 0.0],  # the same point
            [35.0, 36.0, 35.0, 36.0],
            [0.0, 0.0, 0.0, 180.0],  # antipodes on the equator: over a pole
            [0.0, 0.0, 0.0, 179.7],
            [90.0, 0.0, -90.0, 0.0],  # pole to pole
            [90.0, 10.0, 90.0, -170.0],  # the same pole, other longitudes
            [0.0, 10.0, 0.0, 20.0],  # along the equator
            [10.0, 20.0, -10.0, -160.0],  # exact antipodes off the equator
        ]
    )
    got = geodesic_km(*pairs.T)  # a few pairs: Karney's
    np.testing.assert_allclose(got, karney_km(*pairs.T), rtol=0, atol=1e-12)
    many = geodesic_km(*np.tile(pairs, (200, 1)).T)  # 1,600 pairs: Vincenty's
    np.testing.assert_allclose(many, np.tile(got, 200), rtol=0, atol=GEODESIC_MAX_ERROR_M / 1e3)
    assert got[0] == 0.0 and got[1] == 0.0
    assert math.isclose(got[4], 20003.931458623, abs_tol=1e-6)


def test_geodesic_km_broadcasts_and_keeps_nan() -> None:
    lat = np.array([[35.0, 36.0], [np.nan, 34.0]])
    got = geodesic_km(lat, 36.5, 33.5, 36.3)
    assert got.shape == (2, 2) and np.isnan(got[1, 0])
    ref = karney_km(np.nan_to_num(lat), 36.5, 33.5, 36.3)
    np.testing.assert_allclose(got[~np.isnan(lat)], ref[~np.isnan(lat)], rtol=0, atol=1e-6)
    assert geodesic_km(35.0, 36.0, 33.5, 36.3).shape == ()
    assert geodesic_km([], [], [], []).shape == (0,)
    big = np.tile(lat, (600, 1))  # 2,400 pairs: Vincenty's, same shapes and NaN
    got_big = geodesic_km(big, 36.5, 33.5, 36.3)
    assert got_big.shape == (1200, 2) and np.isnan(got_big[1::2, 0]).all()
    np.testing.assert_allclose(got_big[:2], got, rtol=0, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("lat", [0.0, 35.0, 70.0])
def test_distance_km_local_frame_and_geodesic(lat: float) -> None:
    rng = np.random.default_rng(int(lat))
    km = 10.0 ** rng.uniform(-2.0, 3.0, N)  # 10 m to 1,000 km, both sides of the switch
    lon1 = rng.uniform(-180.0, 180.0, N)
    lat1 = np.full(N, lat)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, rng.uniform(0.0, 360.0, N), km * 1000.0)
    got = distance_km(lat1, lon1, lat2, lon2)
    ref = karney_km(lat1, lon1, lat2, lon2)
    near = ref < LOCAL_LIMIT_KM * 0.99
    bound = {0.0: 1e-6, 35.0: 2e-6, 70.0: 2.5e-5}[lat]  # the module docstring's bounds
    assert (np.abs(got[near] - ref[near]) / ref[near]).max() <= bound
    far = ref > LOCAL_LIMIT_KM * 1.01
    assert (np.abs(got[far] - ref[far]) * 1000.0).max() <= GEODESIC_MAX_ERROR_M


def test_distance_km_scalar_path_agrees_with_arrays() -> None:
    la1, lo1, la2, lo2 = CASES["short and middle"]
    la1b, lo1b, la2b, lo2b = CASES["global"]
    la1, lo1 = np.r_[la1[:300], la1b[:300]], np.r_[lo1[:300], lo1b[:300]]
    la2, lo2 = np.r_[la2[:300], la2b[:300]], np.r_[lo2[:300], lo2b[:300]]
    arrays = distance_km(la1, lo1, la2, lo2)
    scalars = [
        distance_km(float(a), float(b), c, d)  # floats and numpy floats alike
        for a, b, c, d in zip(la1, lo1, la2, lo2, strict=True)
    ]
    assert all(s.shape == () for s in scalars)
    np.testing.assert_allclose(np.array(scalars), arrays, rtol=0, atol=1e-9)
    one = float(distance_km(35, 36, 36, 37))  # ints take the scalar path too
    assert math.isclose(one, float(distance_km([35.0], [36.0], 36.0, 37.0)[0]), rel_tol=1e-14)
    assert math.isnan(float(distance_km(math.nan, 36.0, 35.0, 36.0)))
