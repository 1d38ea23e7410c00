"""Benchmark of patrol coverage: whole-array linear referencing against a per-track shapely loop.

Our path: :func:`ceasefire.patrols.track_coverage` over a :class:`~ceasefire.patrols.TrackSet`
(every fix of every track located along the route at once, consecutive fixes paired by one
shifted comparison, stretches merged per track with one sort and a running maximum), then
:func:`ceasefire.patrols.period_coverage` per day.

Baseline, in the same run, the straightforward way with shapely 2: for each track, the fixes as
points, ``contains_xy`` against the route buffered by the tolerance (prepared), km marks with
``line_locate_point``, the stretches between consecutive on-route fixes, and a sorted merge in
Python. Both get the same tracks (simulated, in EPSG:32637, so neither pays for reprojection;
projecting WGS84 fixes with pyproj is timed apart) and must agree (the largest difference in km
covered per track is printed), and both are compared with the simulator's truth.

Run::

    python bench/patrols.py                 # 10,000 tracks x 1,000 points
    python bench/patrols.py --n 500         # a quick run
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import shapely

from ceasefire.patrols import (
    CoverageOptions,
    RouteLine,
    SimOptions,
    period_coverage,
    simulate_set,
    track_coverage,
)
from ceasefire.zones import load_zones
from ceasefire.zones.model import transformer


def baseline(
    route: RouteLine, x: np.ndarray, y: np.ndarray, starts: np.ndarray, o: CoverageOptions
) -> np.ndarray:
    """km covered per track, one track at a time with shapely."""
    line = shapely.LineString(np.column_stack([route.x, route.y]))
    buf = line.buffer(o.tolerance_km * 1000.0)
    shapely.prepare(buf)
    out = np.zeros(len(starts) - 1)
    for k in range(len(starts) - 1):
        a, b = starts[k], starts[k + 1]
        tx, ty = x[a:b], y[a:b]
        on = shapely.contains_xy(buf, tx, ty)
        km = shapely.line_locate_point(line, shapely.points(tx, ty)) / 1000.0
        spans = []
        for i in range(len(km) - 1):
            if on[i] and on[i + 1] and abs(km[i + 1] - km[i]) <= o.max_gap_km:
                spans.append((min(km[i], km[i + 1]), max(km[i], km[i + 1])))
        spans.sort()
        total, cur_a, cur_b = 0.0, None, None
        for s, e in spans:
            if cur_b is None or s > cur_b:
                if cur_b is not None:
                    total += cur_b - cur_a
                cur_a, cur_b = s, e
            else:
                cur_b = max(cur_b, e)
        if cur_b is not None:
            total += cur_b - cur_a
        out[k] = total
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="tracks (default 10,000)")
    ap.add_argument("--points", type=int, default=1_000, help="points per track (default 1,000)")
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs of our path")
    args = ap.parse_args()

    route = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
    o = CoverageOptions()
    t = time.perf_counter()
    ts, truth = simulate_set(route, args.n, SimOptions(points=args.points), seed=42)
    t_sim = time.perf_counter() - t
    n_pts = len(ts.x)

    inv = transformer(route.crs, "EPSG:4326")
    lon, lat = inv.transform(ts.x, ts.y)
    t = time.perf_counter()
    route.to_xy(lon, lat)
    t_proj = time.perf_counter() - t

    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        located = route.locate_xy(ts.x, ts.y)
        ours = track_coverage(route, ts, o, located)
        days = ((ts.time[ts.starts[:-1]] - ts.time[0]) // np.timedelta64(1, "D")).astype("int64")
        labels = [str(d) for d in range(int(days.max()) + 1)]
        period_coverage(route, ts, days, labels, o, located)
        best = min(best, time.perf_counter() - t)

    t = time.perf_counter()
    base = baseline(route, ts.x, ts.y, ts.starts, o)
    t_base = time.perf_counter() - t

    diff = np.abs(ours["covered_km"].to_numpy() - base)
    err = np.abs(ours["covered_km"].to_numpy() - truth["covered_km"].to_numpy())
    far = np.abs(ours["furthest_km"].to_numpy() - truth["furthest_km"].to_numpy())
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, shapely {shapely.__version__}"
    )
    print(
        f"{args.n:,} tracks x {args.points:,} points = {n_pts:,} fixes (simulated in {t_sim:.1f} s)"
    )
    print(f"{'method':<40} {'seconds':>9} {'tracks/s':>10} {'fixes/s':>12}")
    for name, sec in (
        ("ours: track_coverage + per-day coverage", best),
        ("baseline: per-track shapely loop", t_base),
    ):
        print(f"{name:<40} {sec:9.2f} {args.n / sec:10,.0f} {n_pts / sec:12,.0f}")
    print(f"{'(pyproj WGS84 -> EPSG:32637, all fixes)':<40} {t_proj:9.2f}")
    print(f"ratio baseline / ours: {t_base / best:.1f}x")
    print(f"ours vs baseline, km covered per track: max |diff| {diff.max():.4f} km")
    print(
        f"ours vs truth: km covered max |err| {err.max():.3f} km, mean {err.mean():.3f} km; "
        f"furthest point max |err| {far.max():.3f} km; turning place right "
        f"{(ours['turning_place'] == truth['turning_place']).mean():.1%}"
    )


if __name__ == "__main__":
    main()
