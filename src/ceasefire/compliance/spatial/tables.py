"""Shares of discs of 1 km and more, interpolated from tables on a radius ladder.

For radii on a ladder ``2**(k/8)`` km (1 km and up), the share of a disc centred at the nodes of
a lattice (spacing radius / 6) over each zone's reach, filled lazily the first time a disc
nearby needs a node, and interpolated bilinearly in space and linearly in the radius between the
two ladder radii around it. A node's share comes from the zone's raster (:mod:`.rasters`).
Discs off the ladder (under 1 km), or whose table would exceed :data:`_TABLE_BUDGET` nodes, are
computed directly (:func:`.rasters.direct_shares`). Which path a pair takes depends only on the
index and its radius, never on the rest of the call, so a share does not depend on batching
(tables change speed, not results).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .frame import km_per_deg
from .model import ShareTable, ZoneIndex
from .rasters import direct_shares

__all__ = ["table_shares"]

#: Disc pairs per batch of table look-ups.
_PAIR_BATCH: Final = 1 << 16
#: Share tables: radii 2**(k / _LADDER) km for k in [0, _LADDER_TOP); between two steps a
#: share is interpolated linearly in the radius.
_LADDER: Final = 8
_LADDER_TOP: Final = 80
#: Table nodes per disc radius (node spacing = radius / this).
_NODES_PER_RADIUS: Final = 6
#: Most nodes one table may have over all zones (uint32 each: 16 MB); beyond it a table would
#: cost more to fill than it saves, and those radii go direct.
_TABLE_BUDGET: Final = 1 << 22
#: Table values: share * _Q rounded (16 bits each radius), _UNSET for one not computed yet.
_Q: Final = 65534.0
_UNSET: Final = 0xFFFF


def table_shares(
    ix: ZoneIndex, zo: np.ndarray, lon: np.ndarray, lat: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Share of each pair's disc (centre lon, lat; radius r > 0 km) inside its zone.

    Radii on the table ladder (1 km and up) interpolate cached share tables; the rest are
    computed directly (:func:`.rasters.direct_shares`). Which path a pair takes depends only on its
    radius and the index, never on the other events of the call, so a share does not depend on
    batching.
    """
    out = np.empty(len(zo), dtype=np.float64)
    # batches keep the temporaries in cache (a 4x speed-up over one pass at 2M pairs)
    for s in range(0, len(zo), _PAIR_BATCH):
        b = slice(s, s + _PAIR_BATCH)
        out[b] = _disc_area_batch(ix, zo[b], lon[b], lat[b], r[b])
    return out


def _disc_area_batch(
    ix: ZoneIndex, zo: np.ndarray, lon: np.ndarray, lat: np.ndarray, r: np.ndarray
) -> np.ndarray:
    out = np.empty(len(zo), dtype=np.float64)
    step = np.floor(np.log2(r) * _LADDER)
    tab = (step >= 0) & (step < _LADDER_TOP)
    done = np.zeros(len(zo), dtype=bool)
    steps = step[tab]
    # one radius (the usual case) needs no sort
    uniq = steps[:1] if len(steps) and steps.min() == steps.max() else np.unique(steps)
    for st in uniq.astype(np.int64).tolist():
        t = _table(ix, st)
        if t is None:
            continue
        sel = np.flatnonzero(step == st) if len(uniq) > 1 or not tab.all() else None
        zs, xs, ys, rs = (zo, lon, lat, r) if sel is None else (zo[sel], lon[sel], lat[sel], r[sel])
        val = _lookup(ix, t, zs, xs, ys, (rs - t.rho0) / (t.rho1 - t.rho0))
        if sel is None:
            return val
        out[sel] = val
        done[sel] = True
    rest = np.flatnonzero(~done)
    if len(rest):
        out[rest] = direct_shares(ix, zo[rest], lon[rest], lat[rest], r[rest])
    return out


def _table(ix: ZoneIndex, step: int) -> ShareTable | None:
    """The share table for radii in [2**(step/8), 2**((step+1)/8)) km, made on first use.

    ``None`` when it would exceed :data:`_TABLE_BUDGET` nodes (those radii go direct).
    """
    if step in ix.tables:
        return ix.tables[step]
    rho0, rho1 = 2.0 ** (step / _LADDER), 2.0 ** ((step + 1) / _LADDER)
    h_km = rho0 / _NODES_PER_RADIUS
    dlon = ix.dlon * h_km / ix.cell_km
    dlat = ix.dlat * h_km / ix.cell_km
    bb = np.nan_to_num(ix.bbox)
    # reach: the disc's radius plus two nodes, in degrees at the zones' most poleward latitude
    pole = float(np.clip(np.max(np.abs(bb[:, [1, 3]])) + rho1 / 100.0, 0.0, 89.0))
    kx, ky = km_per_deg(pole)
    mx = (rho1 + 2 * h_km) / float(kx)
    my = (rho1 + 2 * h_km) / float(min(ky, km_per_deg(0.0)[1]))
    x0, y0 = bb[:, 0] - mx, bb[:, 1] - my
    nx = np.ceil((bb[:, 2] + mx - x0) / dlon).astype(np.int64) + 2
    ny = np.ceil((bb[:, 3] + my - y0) / dlat).astype(np.int64) + 2
    size = nx * ny
    tab: ShareTable | None = None
    if int(size.sum()) <= _TABLE_BUDGET:
        off = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        values = np.full(int(size.sum()), 0xFFFFFFFF, dtype=np.uint32)
        tab = ShareTable(rho0, rho1, dlon, dlat, x0, y0, nx, ny, off, values)
    ix.tables[step] = tab
    return tab


def _lookup(
    ix: ZoneIndex, tab: ShareTable, zo: np.ndarray, lon: np.ndarray, lat: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Table share at the discs' centres: linear in the radius (weight ``w`` on ``rho1``),
    bilinear in space. Fills the nodes it needs that are not computed yet."""
    nxz = tab.nx[zo]
    # beyond the lattice a disc cannot reach the zone: clamping lands on nodes that hold 0
    a = np.clip((lon - tab.x0[zo]) * (1.0 / tab.dlon), 0.0, nxz - 1.000001)
    b = np.clip((lat - tab.y0[zo]) * (1.0 / tab.dlat), 0.0, tab.ny[zo] - 1.000001)
    i = a.astype(np.int64)  # truncation is floor: a, b >= 0
    j = b.astype(np.int64)
    fa = a - i
    fb = b - j
    base = tab.off[zo] + j * nxz + i
    idx = np.stack([base, base + 1, base + nxz, base + nxz + 1])
    val = tab.values[idx]
    lo16 = val & 0xFFFF
    miss = lo16 == _UNSET
    if miss.any():
        _fill(ix, tab, np.unique(idx[miss]), 0)
        val = tab.values[idx]
        lo16 = val & 0xFFFF
    # float32 for the interpolation: shares need 1e-4, not 1e-16, and it halves the traffic
    q = lo16.astype(np.float32)
    if w.any():  # off the ladder: the second radius too
        up = w > 0
        miss = (val[:, up] >> 16) == _UNSET
        if miss.any():
            _fill(ix, tab, np.unique(idx[:, up][miss]), 1)
            val = tab.values[idx]
        q += w.astype(np.float32) * ((val >> 16).astype(np.float32) - q)
    fa32, fb32 = fa.astype(np.float32), fb.astype(np.float32)
    top = q[0] + fa32 * (q[1] - q[0])
    bottom = q[2] + fa32 * (q[3] - q[2])
    return (top + fb32 * (bottom - top)).astype(np.float64) * (1.0 / _Q)


def _fill(ix: ZoneIndex, tab: ShareTable, nodes: np.ndarray, half: int) -> None:
    """Compute the table's ``nodes`` (flat ids) directly, at rho0 (half 0) or rho1 (half 1)."""
    zo = np.searchsorted(tab.off, nodes, side="right") - 1
    local = nodes - tab.off[zo]
    lon = tab.x0[zo] + (local % tab.nx[zo]) * tab.dlon
    lat = tab.y0[zo] + (local // tab.nx[zo]) * tab.dlat
    rho = tab.rho1 if half else tab.rho0
    # the raster, not the exact edge sum: about as accurate at a node and cheaper to fill
    s = direct_shares(ix, zo, lon, lat, np.full(len(nodes), rho), exact=False)
    q = np.rint(np.clip(s, 0.0, 1.0) * _Q).astype(np.uint32)
    keep = np.uint32(0xFFFF0000 if half == 0 else 0x0000FFFF)
    tab.values[nodes] = (tab.values[nodes] & keep) | (q << (16 * half))
