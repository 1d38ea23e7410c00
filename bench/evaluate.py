"""End to end: `ceasefire.evaluate` on the 16,566 real UCDP events against both Idlib agreements,
against a naive per-event loop (what an analyst's script does) measured in the same run.

    python bench/evaluate.py            # the real data
    python bench/evaluate.py --repeat 5

Ours: the whole engine (grid index, disc and time shares, predicates, attribution, reasons).
Baseline: for every event and provision, buffer the event's disc in UTM 37N with shapely,
intersect it with the zone, divide the areas, compute the time share by hand, compare the event
type; no reasons, no attribution. Both give p_space for the same pairs, and the bench prints how
far they disagree.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import pyproj
import shapely

import ceasefire as cf
from ceasefire.agreements import EVENT_CHECKED_TYPES, chain, provision_start
from ceasefire.compliance import provision_zones
from ceasefire.monitoring import BUNDLED_UCDP


def naive(events: pd.DataFrame, agreements: list[cf.Agreement], zones: dict) -> pd.DataFrame:
    to_utm = pyproj.Transformer.from_crs(4326, 32637, always_xy=True).transform
    rows = []
    for a in agreements:
        for p in a.provisions:
            if p.type not in EVENT_CHECKED_TYPES:
                continue
            zone_id = f"{a.id}/{p.id}" if p.type == "security_corridor" else p.zone
            zone = shapely.transform(
                zones[zone_id].geometry, lambda xy: np.column_stack(to_utm(xy[:, 0], xy[:, 1]))
            )
            start = pd.Timestamp(provision_start(p).utc_window()[0])
            for ev in events.itertuples():
                x, y = to_utm(ev.longitude, ev.latitude)
                r = max(float(ev.location_uncertainty_km), 0.05) * 1000
                disc = shapely.Point(x, y).buffer(r, 64)
                share = disc.intersection(zone).area / disc.area
                span = (ev.time_end - ev.time_start).total_seconds()
                after = (ev.time_end - max(start, ev.time_start)).total_seconds()
                p_time = (
                    min(max(after / span, 0.0), 1.0) if span > 0 else float(ev.time_start >= start)
                )
                rows.append((ev.event_uid, a.id, p.id, share, p_time))
    return pd.DataFrame(
        rows, columns=["event_uid", "agreement_id", "provision_id", "p_space", "p_time"]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    events = cf.read_events(BUNDLED_UCDP, "ucdp").events
    moscow = cf.load_bundled("moscow-2020")
    agreements = chain(moscow)
    zones = provision_zones(agreements, cf.load_zones())

    ours = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = cf.evaluate(moscow, events)
        ours.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    base = naive(events, agreements, zones)
    base_s = time.perf_counter() - t0

    v = result.verdicts
    pairs = len(v)
    merged = v.merge(
        base, on=["event_uid", "agreement_id", "provision_id"], suffixes=("", "_naive")
    )
    dp = (merged["p_space"] - merged["p_space_naive"]).abs()
    best = min(ours)
    print(f"events: {len(events):,}; provisions checked: {pairs // len(events)}; pairs: {pairs:,}")
    print(f"{'':10} {'seconds':>9} {'events/s':>12} {'pairs/s':>12}")
    print(
        f"{'ceasefire':10} {best:9.2f} {len(events) / best:12,.0f} {pairs / best:12,.0f}"
        f"   (first call {ours[0]:.2f} s, includes zone index build)"
    )
    print(f"{'naive':10} {base_s:9.2f} {len(events) / base_s:12,.0f} {pairs / base_s:12,.0f}")
    print(f"ratio: {base_s / best:.1f}x faster than the naive loop")
    print(
        f"p_space vs naive shapely areas: max |diff| {dp.max():.4f}, mean {dp.mean():.5f}, "
        f"pairs differing by > 0.02: {int((dp > 0.02).sum())} of {len(dp):,}"
    )
    outside = np.isclose(merged["p_space_naive"], 0) & (merged["p_space"] > 0)
    worst = merged.loc[outside, "p_space"].max() if outside.any() else 0.0
    print(
        f"pairs we place partly inside that the naive loop puts outside: {int(outside.sum())}"
        f" (largest such share {worst:.4f})"
    )


if __name__ == "__main__":
    main()
