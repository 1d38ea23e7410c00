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
from .model import ZoneIndex, expand

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
    item, at = expand(ix.near_start.take(near), ix.near_count.take(near).astype(np.int64))
    # only edges within reach of this disc (the list holds those of the widest small disc)
    reach = ((ix.hd_km + r * R_PAD) * DIST_PAD).astype(np.float32)
    close = np.flatnonzero(ix.near_dist.take(at) <= reach.take(item))
    item, eid = item.take(close), ix.near_ids.take(at.take(close)).astype(np.int64)
    area = arc_areas(ix, eid, item, lon, lat, r)
    # centre inside: decided by the cell's distance when it can be, else tested
    inside = (sd > ix.hd_km).astype(np.float64)
    unsure = np.flatnonzero(np.abs(sd) <= ix.hd_km)
    if len(unsure):
        inside[unsure] = contains_by_zone(ix, zo.take(unsure), lon.take(unsure), lat.take(unsure))
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
    kx, ky = km_per_deg(lat)  # once per disc, not per edge
    area = np.zeros(len(lon))
    # batches keep the (edge, disc) temporaries in cache; each adds into its discs' range only
    for s in range(0, len(item), _EDGE_BATCH):
        it = item[s : s + _EDGE_BATCH]
        lo, hi = int(it.min()), int(it.max()) + 1
        seg = _segments(ix.edges.take(eid[s : s + _EDGE_BATCH], axis=0), it, lon, lat, r, kx, ky)
        area[lo:hi] += np.bincount(it - lo, weights=seg, minlength=hi - lo)
    return area


def _segments(
    e: np.ndarray,
    item: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    r: np.ndarray,
    kx: np.ndarray,
    ky: np.ndarray,
) -> np.ndarray:
    """Each edge's term ``(cross(A, B) - r^2 angle(A, B)) / 2`` (see :func:`arc_areas`)."""
    kxi, kyi, ri = kx.take(item), ky.take(item), r.take(item)
    px = (e[:, 0] - lon.take(item)) * kxi
    py = (e[:, 1] - lat.take(item)) * kyi
    dx = (e[:, 2] - e[:, 0]) * kxi
    dy = (e[:, 3] - e[:, 1]) * kyi
    a = np.maximum(dx * dx + dy * dy, 1e-300)
    b = px * dx + py * dy
    r2 = ri * ri
    c = px * px + py * py - r2
    root = b * b - a * c
    np.maximum(root, 0.0, out=root)
    np.sqrt(root, out=root)
    inv = 1.0 / a
    # the edge's part inside the circle: t in [t1, t2] (t1 == t2 when it misses: adds 0)
    t1 = (-b - root) * inv
    t2 = (root - b) * inv
    np.clip(t1, 0.0, 1.0, out=t1)
    np.clip(t2, 0.0, 1.0, out=t2)
    ax, ay = px + t1 * dx, py + t1 * dy
    bx, by = px + t2 * dx, py + t2 * dy
    cross = ax * by - ay * bx
    dot = ax * bx + ay * by
    return 0.5 * (cross - r2 * np.arctan2(cross, dot))


def contains_by_zone(ix: ZoneIndex, zo: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``contains_xy(zone[zo[i]], x[i], y[i])``: one shapely call over all the points, grouped by
    zone (a stable radix sort on 16 bits), rather than a call per zone present."""
    out = np.empty(len(zo), dtype=bool)
    if len(zo) == 0:
        return out
    geoms = np.empty(len(ix.geoms), dtype=object)
    geoms[:] = ix.geoms
    # one vectorised call; grouped by zone (a radix sort on 16 bits) the tests stay in cache
    key = zo.astype(np.uint16) if len(ix.geoms) <= 1 << 16 else zo
    order = np.argsort(key, kind="stable")
    zs = zo.astype(np.int64).take(order)
    out[order] = shapely.contains_xy(geoms.take(zs), x.take(order), y.take(order))
    return out
