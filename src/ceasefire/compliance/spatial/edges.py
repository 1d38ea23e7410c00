"""Exact area of a disc inside a zone, by Green's theorem over the zone's edges near the disc.

In the disc's local frame (km, centre at 0; :mod:`.frame`) the area of disc & polygon is
``pi r^2 [centre inside] + sum over edges of (cross(A, B) - r^2 angle(A, B)) / 2``, A-B the part
of the edge inside the circle (:func:`arc_areas`). An edge that misses the disc adds 0, so any
superset of the crossing edges gives the exact area: a small disc on a boundary cell sums the
edges its cell stores (when there are at most 8, :func:`edge_shares`), a disc in a zone of at
most 48 edges sums them all (:func:`.rasters.direct_shares`). Shells run counter-clockwise, holes
clockwise (oriented at build time). Against shapely's exact areas in UTM the formula agrees to
1e-5 (tests/test_spatial.py); the centre test is :func:`shapely.contains_xy`
(:func:`contains_by_zone`).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import shapely

from .frame import DIST_PAD, R_PAD, km_per_deg
from .model import ZoneIndex

__all__ = ["arc_areas", "contains_by_zone", "edge_shares"]

#: (edge, disc) pairs per batch of the edge sum.
_EDGE_BATCH: Final = 1 << 16


def edge_shares(
    ix: ZoneIndex,
    zo: np.ndarray,
    near: np.ndarray,
    sd: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """Exact share of small discs whose cell has few edges within reach (see :func:`arc_areas`)."""
    cnt = ix.near_count[near].astype(np.int64)
    offs = np.cumsum(cnt) - cnt
    item = np.repeat(np.arange(len(near)), cnt)
    at = np.arange(len(item)) + np.repeat(ix.near_start[near] - offs, cnt)
    # only edges within reach of this disc (the list holds those of the widest small disc)
    close = np.flatnonzero(ix.near_dist[at] <= (ix.hd_km + r * R_PAD)[item] * DIST_PAD)
    item, eid = item[close], ix.near_ids[at[close]]
    area = np.zeros(len(near))
    # batches keep the (edge, disc) temporaries in cache
    for s in range(0, len(item), _EDGE_BATCH):
        b = slice(s, s + _EDGE_BATCH)
        area += arc_areas(ix, eid[b], item[b], lon, lat, r)
    # centre inside: decided by the cell's distance when it can be, else tested
    inside = (sd > ix.hd_km).astype(np.float64)
    unsure = np.flatnonzero(np.abs(sd) <= ix.hd_km)
    if len(unsure):
        inside[unsure] = contains_by_zone(ix, zo[unsure], lon[unsure], lat[unsure])
    return np.clip(inside + area / (math.pi * r * r), 0.0, 1.0)


def arc_areas(
    ix: ZoneIndex,
    eid: np.ndarray,
    item: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """Per disc, the area of (disc & polygon) minus pi r^2 [centre inside], from edges ``eid``
    (``item``: the disc of each edge; km^2).

    Green's theorem in the disc's local frame (km, centre at 0): the area of disc & polygon is
    ``pi r^2 [centre inside] + sum over edges of (cross(A, B) - r^2 angle(A, B)) / 2``, A-B the
    part of the edge inside the circle. An edge that misses the disc adds 0, so any superset of
    the crossing edges does. Shells run counter-clockwise, holes clockwise (done at build time).
    """
    kx, ky = km_per_deg(lat)
    e = ix.edges[eid]
    kxi, kyi, xc, yc, ri = kx[item], ky[item], lon[item], lat[item], r[item]
    px, py = (e[:, 0] - xc) * kxi, (e[:, 1] - yc) * kyi
    dx, dy = (e[:, 2] - xc) * kxi - px, (e[:, 3] - yc) * kyi - py
    a = np.maximum(dx * dx + dy * dy, 1e-300)
    b = px * dx + py * dy
    root = np.sqrt(np.maximum(b * b - a * (px * px + py * py - ri * ri), 0.0))
    # the edge's part inside the circle: t in [t1, t2] (t1 == t2 when it misses: adds 0)
    t1 = np.clip((-b - root) / a, 0.0, 1.0)
    t2 = np.clip((-b + root) / a, 0.0, 1.0)
    ax, ay = px + t1 * dx, py + t1 * dy
    bx, by = px + t2 * dx, py + t2 * dy
    cross = ax * by - ay * bx
    seg = 0.5 * (cross - ri * ri * np.arctan2(cross, ax * bx + ay * by))
    return np.bincount(item, weights=seg, minlength=len(lon))


def contains_by_zone(ix: ZoneIndex, zo: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``contains_xy(zone[zo[i]], x[i], y[i])``, one shapely call per zone present."""
    out = np.zeros(len(zo), dtype=bool)
    order = np.argsort(zo, kind="stable")
    cuts = np.flatnonzero(np.diff(zo[order])) + 1
    for grp in np.split(order, cuts):
        if len(grp):
            out[grp] = shapely.contains_xy(ix.geoms[int(zo[grp[0]])], x[grp], y[grp])
    return out
