"""Shares of discs wider than the grid's reach (province-level precision).

A disc wider than the index's ``max_grid_radius_km`` finds its candidate zones by bounding box
(an STRtree above 64 zones, built with the index). A zone wholly inside the disc gets
``area / (pi r^2)`` (its geodesic area; the test pads the distance by the local frame's error,
:mod:`.local_frame`); the others take the share tables (:mod:`.share_tables`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np
import shapely

from .local_frame import _km_per_deg
from .share_tables import _disc_area

if TYPE_CHECKING:
    from .spatial import ZoneIndex

#: Wide events per batch.
_WIDE_BATCH: Final = 1 << 15


def _wide(
    ix: ZoneIndex, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs for discs wider than the grid's radius, sorted by (event, zone)."""
    parts = [
        _wide_batch(ix, ids[s : s + _WIDE_BATCH], lon, lat, rad)
        for s in range(0, len(ids), _WIDE_BATCH)  # batches keep the pair arrays in cache
    ]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _wide_batch(
    ix: ZoneIndex, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounding-box candidates, then a zone's area if wholly inside the disc, else the table."""
    lo, la, r = lon[ids], lat[ids], rad[ids]
    kx, ky = _km_per_deg(la)
    hx, hy = r / kx, r / ky  # half extents in degrees
    bb = ix.bbox
    if ix.tree is None:
        hit = np.empty((len(ids), ix.n_zones), dtype=bool)
        for z in range(ix.n_zones):
            m = (lo + hx >= bb[z, 0]) & (lo - hx <= bb[z, 2])
            m &= (la + hy >= bb[z, 1]) & (la - hy <= bb[z, 3])
            hit[:, z] = m
        k, zo = np.nonzero(hit)  # row-major: already sorted by (event, zone)
    else:
        k, zo = ix.tree.query(shapely.box(lo - hx, la - hy, lo + hx, la + hy))
        order = np.argsort(k * ix.n_zones + zo)  # one int64 key sorts faster than lexsort
        k, zo = k[order], zo[order]
    share = np.zeros(len(k), dtype=np.float32)
    # a zone wholly inside the disc: its area over the disc's (test only discs that could)
    rk = r[k]
    maybe = np.flatnonzero(rk >= ix.zone_radius_km[zo])
    zm, km = zo[maybe], k[maybe]
    dx = (ix.zone_centre[zm, 0] - lo[km]) * kx[km]
    dy = (ix.zone_centre[zm, 1] - la[km]) * ky[km]
    # the local frame's error grows with the distance: pad by r / 2000 (> r tan(lat) / R)
    reach = (np.hypot(dx, dy) + ix.zone_radius_km[zm]) * (1.002 + rk[maybe] / 2000.0)
    whole = np.zeros(len(k), dtype=bool)
    whole[maybe[reach <= rk[maybe]]] = True
    wi = np.flatnonzero(whole)
    share[wi] = np.minimum(ix.area_km2[zo[wi]] / (math.pi * rk[wi] ** 2), 1.0)
    rest = np.flatnonzero(~whole)
    if len(rest):
        kr = k[rest]
        share[rest] = _disc_area(ix, zo[rest], lo[kr], la[kr], rk[rest])
    return ids[k].astype(np.int64), zo.astype(np.int32), share
