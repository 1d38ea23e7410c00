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

import sys
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
#: Where the low 16-bit half of a packed value lies in memory (0 on little-endian machines).
_BIG_ENDIAN: Final = int(sys.byteorder == "big")


def table_shares(
    ix: ZoneIndex, zo: np.ndarray | int, lon: np.ndarray, lat: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Share of each pair's disc (centre lon, lat; radius r > 0 km) inside its zone (``zo``: one
    zone per pair, or one zone for all).

    Radii on the table ladder (1 km and up) interpolate cached share tables; the rest are
    computed directly (:func:`.rasters.direct_shares`). Which path a pair takes depends only on its
    radius and the index, never on the other events of the call, so a share does not depend on
    batching.
    """
    out = np.empty(len(lon), dtype=np.float64)
    # batches keep the temporaries in cache (a 4x speed-up over one pass at 2M pairs)
    for s in range(0, len(lon), _PAIR_BATCH):
        b = slice(s, s + _PAIR_BATCH)
        zb = zo if isinstance(zo, (int, np.integer)) else zo[b]
        out[b] = _disc_area_batch(ix, zb, lon[b], lat[b], r[b])
    return out


def _disc_area_batch(
    ix: ZoneIndex, zo: np.ndarray | int, lon: np.ndarray, lat: np.ndarray, r: np.ndarray
) -> np.ndarray:
    if len(r) and r.min() == r.max():  # one radius (the usual case: a precision class)
        st = float(_steps(r[:1])[0])
        t = _table(ix, int(st)) if 0 <= st < _LADDER_TOP else None
        if t is not None:
            w = (float(r[0]) - t.rho0) * (1.0 / (t.rho1 - t.rho0))
            return _lookup(ix, t, zo, lon, lat, w)
    step = _steps(r)
    lo, hi = (float(step.min()), float(step.max())) if len(step) else (0.0, 0.0)
    if lo == hi and 0 <= lo < _LADDER_TOP:  # one radius step on the ladder
        t = _table(ix, int(lo))
        if t is not None:
            return _lookup(ix, t, zo, lon, lat, (r - t.rho0) * (1.0 / (t.rho1 - t.rho0)))
    out = np.empty(len(lon), dtype=np.float64)
    zo = np.broadcast_to(np.asarray(zo, dtype=np.int64), (len(lon),))
    tab = (step >= 0) & (step < _LADDER_TOP)
    done = np.zeros(len(lon), dtype=bool)
    for st in np.unique(np.compress(tab, step)).astype(np.int64).tolist():
        t = _table(ix, st)
        if t is None:
            continue
        sel = np.flatnonzero(step == st)
        zs, xs, ys, rs = zo.take(sel), lon.take(sel), lat.take(sel), r.take(sel)
        out[sel] = _lookup(ix, t, zs, xs, ys, (rs - t.rho0) * (1.0 / (t.rho1 - t.rho0)))
        done[sel] = True
    rest = np.flatnonzero(~done)
    if len(rest):
        out[rest] = direct_shares(ix, zo.take(rest), lon.take(rest), lat.take(rest), r.take(rest))
    return out


def _steps(r: np.ndarray) -> np.ndarray:
    """The ladder step of each radius: ``floor(8 log2(r))`` (float)."""
    return np.floor(np.log2(r) * _LADDER)


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
    ix: ZoneIndex,
    tab: ShareTable,
    zo: np.ndarray | int,
    lon: np.ndarray,
    lat: np.ndarray,
    w: np.ndarray | float,
) -> np.ndarray:
    """Table share at the discs' centres: linear in the radius (weight ``w`` on ``rho1``: one
    per disc, or one for all), bilinear in space. Fills the nodes it needs that are not computed
    yet. ``zo``: the zone of each disc, or one zone for all (its lattice's constants are then
    scalars)."""
    zo = np.asarray(zo, dtype=np.int64)  # numpy gathers take int64 indices without a conversion
    nxz = tab.nx.take(zo)
    # beyond the lattice a disc cannot reach the zone: clamping lands on nodes that hold 0
    a = (lon - tab.x0.take(zo)) * (1.0 / tab.dlon)
    np.clip(a, 0.0, nxz - 1.000001, out=a)
    b = (lat - tab.y0.take(zo)) * (1.0 / tab.dlat)
    np.clip(b, 0.0, tab.ny.take(zo) - 1.000001, out=b)
    fa, fb = np.floor(a), np.floor(b)
    i = fa.astype(np.int64)
    j = fb.astype(np.int64)
    # float32 for the interpolation: shares need 1e-4, not 1e-16, and it halves the traffic
    fa = np.subtract(a, fa, out=fa).astype(np.float32)
    fb = np.subtract(b, fb, out=fb).astype(np.float32)
    idx = np.empty((4, len(lon)), dtype=np.int64)
    base = idx[0]
    np.multiply(j, nxz, out=base)
    base += i
    base += tab.off.take(zo)
    np.add(base, 1, out=idx[1])
    np.add(base, nxz, out=idx[2])
    np.add(idx[2], 1, out=idx[3])
    val = tab.values.take(idx)
    up = bool(np.any(w))  # off the ladder: the second radius too
    every = up and bool(np.all(w > 0))
    # the two 16-bit halves as strided views (no shifts or masks); an unset half is 0xFFFF,
    # more than any share (at most _Q): a max finds one, over both halves at once when both
    # are needed for every pair
    if len(lon) and (val.view(np.uint16).max() if every else _half(val, 0).max()) == _UNSET:
        filled = _fill_unset(ix, tab, idx, val, 0)
        if every:
            filled |= _fill_unset(ix, tab, idx, val, 1)
        if filled:
            val = tab.values.take(idx)
    q = _half(val, 0).astype(np.float32)
    if up:
        if not every:
            on = np.asarray(w) > 0
            if _half(val, 1)[:, on].max() == _UNSET and _fill_unset(ix, tab, idx, val, 1, on):
                val = tab.values.take(idx)
        hi = _half(val, 1).astype(np.float32)
        hi -= q
        hi *= np.asarray(w, dtype=np.float32)
        q += hi
    top = q[1] - q[0]
    top *= fa
    top += q[0]
    bottom = q[3] - q[2]
    bottom *= fa
    bottom += q[2]
    bottom -= top
    bottom *= fb
    bottom += top
    return bottom.astype(np.float64) * (1.0 / _Q)


def _half(val: np.ndarray, half: int) -> np.ndarray:
    """One 16-bit half of packed uint32 values (0: ``rho0``, 1: ``rho1``), a strided view."""
    return val.view(np.uint16)[..., half ^ _BIG_ENDIAN :: 2]


def _fill_unset(
    ix: ZoneIndex,
    tab: ShareTable,
    idx: np.ndarray,
    val: np.ndarray,
    half: int,
    on: np.ndarray | None = None,
) -> bool:
    """Fill the nodes of ``idx`` whose ``half`` is unset in ``val`` (only in the columns ``on``
    when given); whether there were any."""
    miss = _half(val, half) == _UNSET
    if on is not None:
        miss &= on
    nodes = np.unique(idx[miss])
    if len(nodes):
        _fill(ix, tab, nodes, half)
    return len(nodes) > 0


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
