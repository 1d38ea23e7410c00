"""A patrol simulator with known truth, for tests and benchmarks.

Each simulated patrol drives along the route from one end (70 % from km 0) out and back. Some
turn back early (``p_early``: at a random km, as the first M4 patrol did near Nayrab); the
others reach the far end. On the way they stop (GPS fixes every 10 s while standing), lose the
signal for a while (a time gap with a matching jump in position), and some take a detour
(``p_detour``: a 1-3 km stretch driven 1.2 km off the route, which must count as unwatched).
Every fix gets GPS noise (``noise_m``, normal, each axis). The truth is what was driven on the
route: the km range minus the detour.

Generation is whole-array over (tracks x points); only the few stops, gaps and detours per
track loop, as a handful of whole-array passes.

>>> from ceasefire.zones import load_zones
>>> from ceasefire.patrols.linear import RouteLine
>>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
>>> tracks, truth = simulate(m4, 3, SimOptions(points=200), seed=7)
>>> len(tracks), len(tracks[0]), sorted(truth.columns)[:3]
(3, 200, ['covered_km', 'detour_from_km', 'detour_to_km'])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..zones.model import transformer
from .coverage import TrackSet
from .linear import RouteLine
from .model import Track

__all__ = ["SimOptions", "simulate", "simulate_set"]


@dataclass(frozen=True)
class SimOptions:
    """What the simulated patrols are like.

    >>> SimOptions().points
    1000
    """

    points: int = 1000
    #: share of patrols that turn back before the far end
    p_early: float = 0.3
    #: share of patrols with a detour off the route
    p_detour: float = 0.2
    #: GPS noise, metres (standard deviation on each axis)
    noise_m: float = 15.0
    #: stops and signal gaps per patrol (each up to this many)
    max_stops: int = 3
    max_gaps: int = 3
    #: first patrol's start (UTC) and days between patrols
    start: str = "2020-03-15T06:00"
    interval_days: float = 1.0
    #: driving speed range, km/h
    speed_kmh: tuple[float, float] = (30.0, 60.0)


def simulate_set(
    route: RouteLine, n: int, options: SimOptions | None = None, *, seed: int = 0
) -> tuple[TrackSet, pd.DataFrame]:
    """``n`` simulated tracks as a :class:`TrackSet` in the route's metric CRS, and the truth
    (one row per track)."""
    o = options or SimOptions()
    rng = np.random.default_rng(seed)
    L = route.length_km
    P = o.points
    west = rng.random(n) < 0.3  # starts at the far (west) end
    s0 = np.where(west, L - rng.uniform(0, 0.3, n), rng.uniform(0, 0.3, n))
    far = np.where(west, rng.uniform(0, 0.3, n), L - rng.uniform(0, 0.3, n))
    early = rng.random(n) < o.p_early
    reach = rng.uniform(3.0, L - 3.0, n)
    turn = np.where(early, np.where(west, L - reach, reach), far)
    out = np.abs(turn - s0)
    sign = np.sign(turn - s0)

    cols = np.arange(P)[None, :]
    w = np.ones((n, P))
    for _ in range(o.max_stops):  # a few whole-array passes, one per possible stop
        at = rng.integers(1, P, n)[:, None]
        length = np.where(rng.random(n) < 0.6, rng.integers(20, 60, n), 0)[:, None]
        w[(cols >= at) & (cols < at + length)] = 0.0
    for _ in range(o.max_gaps):
        at = rng.integers(1, P, n)
        has = rng.random(n) < 0.6
        w[np.flatnonzero(has), at[has]] = rng.uniform(3.0, 12.0, int(has.sum()))
    w[:, 0] = 0.0
    total = w.sum(axis=1, keepdims=True)
    progress = np.cumsum(w, axis=1) / total * (2 * out)[:, None]
    along = np.where(
        progress <= out[:, None],
        s0[:, None] + sign[:, None] * progress,
        turn[:, None] - sign[:, None] * (progress - out[:, None]),
    )
    # a patrol slows down to turn: the first fix at or past the turn is at the turning point
    k = np.argmax(progress >= out[:, None], axis=1)
    along[np.arange(n), k] = turn

    v = rng.uniform(*o.speed_kmh, n)
    unit_s = (2 * out / total[:, 0] / v * 3600.0)[:, None]  # seconds per unit of w
    dt_s = np.where(w > 0, w * unit_s, 10.0)
    dt_s[:, 0] = 0.0
    t0 = np.datetime64(o.start, "ns") + (
        (np.arange(n) * o.interval_days * 86400 + rng.uniform(0, 3600, n)) * 1e9
    ).astype("timedelta64[ns]")
    time = t0[:, None] + (np.cumsum(dt_s, axis=1) * 1e9).astype("timedelta64[ns]")

    detour = rng.random(n) < o.p_detour
    lo_c, hi_c = np.minimum(s0, turn), np.maximum(s0, turn)
    d_len = rng.uniform(1.0, 3.0, n)
    d_from = lo_c + 0.5 + rng.random(n) * np.maximum(hi_c - lo_c - d_len - 1.0, 0.0)
    detour &= hi_c - lo_c > d_len + 1.0
    d_to = d_from + d_len
    lateral = np.where(
        detour[:, None] & (along > d_from[:, None]) & (along < d_to[:, None]), 1.2, 0.0
    )

    x, y = route.xy_at(along)
    j = np.clip(np.searchsorted(route.km, along, side="right") - 1, 0, len(route.km) - 2)
    dx, dy = np.diff(route.x)[j], np.diff(route.y)[j]
    norm = np.hypot(dx, dy)
    x = x - dy / norm * lateral * 1000.0 + rng.normal(0, o.noise_m, (n, P))
    y = y + dx / norm * lateral * 1000.0 + rng.normal(0, o.noise_m, (n, P))

    covered = (hi_c - lo_c) - np.where(detour, d_len, 0.0)
    truth = pd.DataFrame(
        {
            "from_km": lo_c,
            "to_km": hi_c,
            "first_km": s0,
            "furthest_km": turn,
            "early": early,
            "detour_from_km": np.where(detour, d_from, np.nan),
            "detour_to_km": np.where(detour, d_to, np.nan),
            "covered_km": covered,
        }
    )
    truth["turning_place"] = route.places_near(turn)
    starts = np.arange(n + 1, dtype="int64") * P
    return TrackSet(x.ravel(), y.ravel(), time.ravel(), starts), truth


def simulate(
    route: RouteLine, n: int, options: SimOptions | None = None, *, seed: int = 0
) -> tuple[list[Track], pd.DataFrame]:
    """``n`` simulated tracks as WGS84 :class:`Track` objects, and the truth."""
    ts, truth = simulate_set(route, n, options, seed=seed)
    lon, lat = transformer(route.crs, "EPSG:4326").transform(ts.x, ts.y)
    tracks = [
        Track(
            ts.time[a:b], np.asarray(lon[a:b]), np.asarray(lat[a:b]), source=f"simulated:{seed}:{k}"
        )
        for k, (a, b) in enumerate(itertools.pairwise(ts.starts))
    ]
    return tracks, truth
