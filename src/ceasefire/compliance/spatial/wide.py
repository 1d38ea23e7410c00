"""Shares of discs wider than the grid's reach (province-level precision).

A disc wider than the index's ``max_grid_radius_km`` finds its candidate zones by bounding box:
up to 64 zones by testing each, above that from a candidate grid per radius octave
(:class:`~.model.CandidateGrid`, made on first use: each cell lists the zones a disc of that
octave centred in it may reach), then the same bounding-box test; the pairs come out sorted,
exactly those an STRtree query of the disc's box would give. A zone wholly inside the disc gets
``area / (pi r^2)`` (its geodesic area; the test pads the distance by the local frame's error,
:mod:`.frame`); the others take the share tables (:mod:`.tables`).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from .frame import km_per_deg
from .model import CandidateGrid, ZoneIndex, expand
from .tables import table_shares

__all__ = ["wide_pairs"]

#: Wide events per batch.
_WIDE_BATCH: Final = 1 << 15
#: Up to this many zones, each zone's box is tested; above, the candidate grids.
_FEW_ZONES: Final = 64
#: Candidate grid cells per widest half extent: smaller cells list fewer zones that fail the
#: box test (4: about 1.6x the pairs that pass, against 2.5x for 1), at 16x the cells.
_CELLS_PER_REACH: Final = 4


def wide_pairs(
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
    lo, la, r = lon.take(ids), lat.take(ids), rad.take(ids)
    kx, ky = km_per_deg(la)
    hx, hy = r / kx, r / ky  # half extents in degrees
    if ix.n_zones <= _FEW_ZONES:
        return _few_zones(ix, ids, lo, la, r, hx, hy)
    k, zo = _grid_candidates(ix, lo, la, r, hx, hy)
    rk = r.take(k)
    # a zone wholly inside the disc: its area over the disc's (test only discs that could)
    maybe = np.flatnonzero(rk >= ix.zone_radius_km.take(zo))
    if len(maybe) == 0:
        share = table_shares(ix, zo, lo.take(k), la.take(k), rk).astype(np.float32)
        return ids.take(k), zo.astype(np.int32), share
    share = np.zeros(len(k), dtype=np.float32)
    whole = np.zeros(len(k), dtype=bool)
    km = k.take(maybe)
    inside = _within(ix, zo.take(maybe), lo.take(km), la.take(km), rk.take(maybe))
    whole[maybe.compress(inside)] = True
    wi = np.flatnonzero(whole)
    share[wi] = _area_share(ix, zo.take(wi), rk.take(wi))
    rest = np.flatnonzero(~whole)
    if len(rest):
        kr = k.take(rest)
        share[rest] = table_shares(ix, zo.take(rest), lo.take(kr), la.take(kr), rk.take(rest))
    return ids.take(k), zo.astype(np.int32), share


def _few_zones(
    ix: ZoneIndex,
    ids: np.ndarray,
    lo: np.ndarray,
    la: np.ndarray,
    r: np.ndarray,
    hx: np.ndarray,
    hy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_wide_batch` for a few zones: each zone's box tested against every disc, then
    the zone's pairs at once (its table's constants are scalars); an (event, zone) matrix
    puts the pairs in order. Pairs whose share is 0 are left out."""
    nz = ix.n_zones
    out = np.zeros(len(ids) * nz, dtype=np.float32)  # the (event, zone) matrix, row-major
    x0, x1, y0, y1 = lo + hx, lo - hx, la + hy, la - hy
    for z in range(nz):
        bz = ix.bbox[z]
        m = x0 >= bz[0]
        m &= x1 <= bz[2]
        m &= y0 >= bz[1]
        m &= y1 <= bz[3]
        sel = np.flatnonzero(m)
        if len(sel) == 0:
            continue
        rs, xs, ys = r.take(sel), lo.take(sel), la.take(sel)
        share = np.zeros(len(sel))
        rest = np.arange(len(sel))
        maybe = np.flatnonzero(rs >= ix.zone_radius_km[z])
        if len(maybe):  # a zone wholly inside the disc: its area over the disc's
            wi = maybe.compress(_within(ix, z, xs.take(maybe), ys.take(maybe), rs.take(maybe)))
            share[wi] = _area_share(ix, z, rs.take(wi))
            whole = np.zeros(len(sel), dtype=bool)
            whole[wi] = True
            rest = np.flatnonzero(~whole)
        if len(rest):
            share[rest] = table_shares(ix, z, xs.take(rest), ys.take(rest), rs.take(rest))
        at = sel * nz
        at += z
        out[at] = share
    flat = np.flatnonzero(out != 0)  # row-major: sorted by (event, zone)
    k = flat // nz
    return ids.take(k), (flat - k * nz).astype(np.int32), out.take(flat)


def _within(
    ix: ZoneIndex, z: np.ndarray | int, lo: np.ndarray, la: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Whether zone ``z`` (one per disc, or one for all) lies wholly inside each disc: its
    bounding circle, pushed out by the local frame's error, which grows with the distance (a
    pad of r / 2000 > r tan(lat) / R)."""
    kx, ky = km_per_deg(la)
    dx = (ix.zone_centre[z, 0] - lo) * kx
    dy = (ix.zone_centre[z, 1] - la) * ky
    reach = (np.hypot(dx, dy) + ix.zone_radius_km[z]) * (1.002 + r / 2000.0)
    return reach <= r


def _area_share(ix: ZoneIndex, z: np.ndarray | int, r: np.ndarray) -> np.ndarray:
    """The share of a disc of radius ``r`` that zone ``z``, wholly inside it, covers."""
    return np.minimum(ix.area_km2[z] / (math.pi * r**2), 1.0)


def _grid_candidates(
    ix: ZoneIndex, lo: np.ndarray, la: np.ndarray, r: np.ndarray, hx: np.ndarray, hy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(event, zone) pairs whose boxes meet, sorted: the octave's grid cell lists, then the box
    test (whole-array: a CSR expansion instead of an STRtree query of a box per event)."""
    octave = np.floor(np.log2(r)).astype(np.int64)
    # the discs' boxes, and the zones' box sides as contiguous arrays (for take)
    ex0, ex1, ey0, ey1 = lo - hx, lo + hx, la - hy, la + hy
    bx0, by0, bx1, by1 = (np.ascontiguousarray(ix.bbox[:, c]) for c in range(4))
    ks, zs = [], []
    lo_oct, hi_oct = (int(octave.min()), int(octave.max())) if len(octave) else (0, -1)
    octaves = [lo_oct] if lo_oct == hi_oct else np.unique(octave).tolist()
    for b in octaves:
        sel = np.arange(len(r)) if lo_oct == hi_oct else np.flatnonzero(octave == b)
        g = _grid(ix, int(b))
        ci = np.floor((lo.take(sel) - g.lon0) / g.dlon)
        cj = np.floor((la.take(sel) - g.lat0) / g.dlat)
        ok = np.flatnonzero((ci >= 0) & (ci < g.nx) & (cj >= 0) & (cj < g.ny))  # else no zone
        sel, cell = sel.take(ok), cj.take(ok).astype(np.int64) * g.nx + ci.take(ok).astype(np.int64)
        start = g.indptr.take(cell)
        row, at = expand(start, g.indptr.take(cell + 1) - start)
        k = sel.take(row)
        zo = g.zones.take(at).astype(np.int64)
        keep = ex1.take(k) >= bx0.take(zo)
        keep &= ex0.take(k) <= bx1.take(zo)
        keep &= ey1.take(k) >= by0.take(zo)
        keep &= ey0.take(k) <= by1.take(zo)
        keep = np.flatnonzero(keep)
        ks.append(k.take(keep))
        zs.append(zo.take(keep))
    if len(ks) == 1:  # one octave (the usual case): already sorted by (event, zone)
        return ks[0], zs[0]
    k, zo = np.concatenate(ks), np.concatenate(zs)
    order = np.argsort(k * ix.n_zones + zo, kind="stable")
    return k.take(order), zo.take(order)


def _grid(ix: ZoneIndex, b: int) -> CandidateGrid:
    """The candidate grid of radii in ``[2**b, 2**(b + 1))`` km, made on first use.

    Cells are a quarter of the widest half extent on a side: ``hx`` at the zones' most
    poleward latitude grown by the octave's reach (no disc centred where it could reach a zone
    is wider in degrees), ``hy`` at the equator (a degree of latitude is shortest there); 1 %
    more.
    """
    found = ix.wide_grids.get(b)
    if found is not None:
        return found
    r_hi = 2.0 ** (b + 1)
    valid = np.flatnonzero(~np.isnan(ix.bbox[:, 0]))
    bb = ix.bbox[valid]
    ux0, uy0 = (float(bb[:, 0].min()), float(bb[:, 1].min())) if len(bb) else (0.0, 0.0)
    ux1, uy1 = (float(bb[:, 2].max()), float(bb[:, 3].max())) if len(bb) else (0.0, 0.0)
    pole = min(max(abs(uy0), abs(uy1)) + r_hi / 100.0, 89.0)  # r / 100 deg > r / ky
    hx = 1.01 * r_hi / float(km_per_deg(pole)[0])
    hy = 1.01 * r_hi / float(km_per_deg(0.0)[1])
    cw, ch = hx / _CELLS_PER_REACH, hy / _CELLS_PER_REACH
    lon0, lat0 = ux0 - hx, uy0 - hy
    nx = max(int(np.ceil((ux1 + hx - lon0) / cw)), 1)
    ny = max(int(np.ceil((uy1 + hy - lat0) / ch)), 1)
    i0 = np.clip(np.floor((bb[:, 0] - hx - lon0) / cw), 0, nx - 1).astype(np.int64)
    i1 = np.clip(np.floor((bb[:, 2] + hx - lon0) / cw), 0, nx - 1).astype(np.int64)
    j0 = np.clip(np.floor((bb[:, 1] - hy - lat0) / ch), 0, ny - 1).astype(np.int64)
    j1 = np.clip(np.floor((bb[:, 3] + hy - lat0) / ch), 0, ny - 1).astype(np.int64)
    cells, zones = [], []
    for z, a0, a1, c0, c1 in zip(valid.tolist(), i0, i1, j0, j1, strict=True):
        jj, ii = np.mgrid[c0 : c1 + 1, a0 : a1 + 1]
        cells.append((jj * nx + ii).ravel())
        zones.append(np.full(jj.size, z, dtype=np.int32))
    cell = np.concatenate(cells) if cells else np.empty(0, np.int64)
    zone = np.concatenate(zones) if zones else np.empty(0, np.int32)
    order = np.lexsort((zone, cell))  # by cell, then zone: pairs come out sorted
    counts = np.bincount(cell, minlength=nx * ny)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    grid = CandidateGrid(lon0, lat0, cw, ch, nx, ny, indptr, zone[order])
    ix.wide_grids[b] = grid
    return grid
