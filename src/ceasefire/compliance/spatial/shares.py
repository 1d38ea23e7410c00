"""Disc shares: every (event, zone, share) with a share > 0, decided on the grid where it can be.

:func:`disc_shares` is the fast path the engine calls (steps 1-6 of the package docstring,
:mod:`ceasefire.compliance.spatial`); the areas the grid cannot decide come from
:mod:`.edges`, :mod:`.tables` and :mod:`.wide`.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .edges import contains_by_zone, edge_shares
from .frame import R_PAD
from .model import ZoneIndex
from .tables import table_shares
from .wide import wide_pairs

__all__ = ["disc_shares"]

#: Events per chunk (bounds the temporaries: about 200 MB at most).
_CHUNK: Final = 1 << 18


def disc_shares(
    index: ZoneIndex, lon: np.ndarray, lat: np.ndarray, radius_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (event, zone, share) with a share > 0, sorted by event then zone.

    ``lon``/``lat``: degrees WGS84; ``radius_km``: uncertainty radius, 0 for an exact point
    (negative raises ``ValueError``; an event with a NaN coordinate or radius gets no pair).
    Returns ``event_idx`` (int64), ``zone_idx`` (int32), ``share`` (float32).

    >>> import shapely
    >>> from ceasefire.compliance.spatial import build_zone_index
    >>> idx = build_zone_index([shapely.box(36.0, 35.0, 36.5, 35.5)])
    >>> ev, zo, sh = disc_shares(idx, np.array([36.25, 36.0, 40.0]),
    ...                          np.array([35.25, 35.25, 35.0]), np.array([0.0, 2.0, 0.0]))
    >>> ev.tolist(), zo.tolist(), np.round(sh, 2).tolist()
    ([0, 1], [0, 0], [1.0, 0.5])
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    rad = np.asarray(radius_km, dtype=np.float64)
    if not (lon.shape == lat.shape == rad.shape) or lon.ndim != 1:
        raise ValueError("lon, lat and radius_km must be 1-d arrays of one length")
    if np.any(rad < 0):
        raise ValueError("radius_km must be >= 0")
    outs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if index.n_zones:
        for s in range(0, len(lon), _CHUNK):
            e = min(s + _CHUNK, len(lon))
            ev, zo, sh = _chunk(index, lon[s:e], lat[s:e], rad[s:e])
            outs.append((ev + s, zo, sh))
    if not outs:
        return np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.float32)
    return (
        np.concatenate([o[0] for o in outs]),
        np.concatenate([o[1] for o in outs]),
        np.concatenate([o[2] for o in outs]),
    )


def _chunk(
    ix: ZoneIndex, lon: np.ndarray, lat: np.ndarray, rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u = (lon - ix.lon0) * (1.0 / ix.dlon)
    v = (lat - ix.lat0) * (1.0 / ix.dlat)
    # NaN compares False everywhere, so NaN events fall out of both paths without a mask
    small = (rad <= ix.max_grid_radius_km) & (u >= 0) & (u < ix.nx) & (v >= 0) & (v < ix.ny)
    # int32 ids (a chunk is < 2**31): half the memory traffic of int64 in the gathers below
    ids = np.flatnonzero(small).astype(np.int32)
    # truncation is floor here: u, v >= 0
    cell = v[ids].astype(np.int64) * ix.nx + u[ids].astype(np.int64)
    if ix.keys is None:
        start = ix.indptr[cell]
        cnt = ix.indptr[cell + 1] - start
    else:  # sparse grid: row of the cell's key, or the empty last row
        nk = len(ix.keys)
        row = np.minimum(np.searchsorted(ix.keys, cell), max(nk - 1, 0))
        row = np.where(ix.keys[row] == cell, row, nk) if nk else np.zeros_like(cell)
        start = ix.indptr[row]
        cnt = ix.indptr[row + 1] - start
    # CSR expansion: one (event, candidate zone) pair per entry of the event's cell
    offs = np.cumsum(cnt) - cnt
    ev = np.repeat(ids, cnt)
    entry = np.arange(len(ev), dtype=np.int64) + np.repeat(start - offs, cnt)
    zo = ix.entry_zone[entry]
    sd = ix.entry_sd[entry]
    thr = ix.hd_km + rad[ev] * R_PAD
    share = (sd > thr).astype(np.float32)  # decided inside: 1; outside or boundary: 0 for now
    bnd = np.flatnonzero(np.abs(sd) <= thr)
    if len(bnd):
        share[bnd] = _boundary(ix, ev[bnd], zo[bnd], sd[bnd], lon, lat, rad)
    nz = share > 0
    ev, zo, share = ev[nz], zo[nz], share[nz]
    wide = np.flatnonzero(rad > ix.max_grid_radius_km)
    if len(wide) == 0:
        return ev.astype(np.int64), zo, share
    wev, wzo, wsh = wide_pairs(ix, wide, lon, lat, rad)
    nz = wsh > 0
    wev, wzo, wsh = wev[nz], wzo[nz], wsh[nz]
    # merge the two lists, each sorted by event (their events differ): a pair's place is its
    # place in its own list plus the number of the other list's pairs with an earlier event
    # (counted with bincount + cumsum: linear, cheaper than searchsorted)
    n = len(lon)
    at_w = np.cumsum(np.bincount(ev, minlength=n))[wev] + np.arange(len(wev))
    at_s = np.cumsum(np.bincount(wev, minlength=n))[ev] + np.arange(len(ev))
    n_all = len(ev) + len(wev)
    out_ev = np.empty(n_all, np.int64)
    out_zo = np.empty(n_all, np.int32)
    out_sh = np.empty(n_all, np.float32)
    out_ev[at_s], out_zo[at_s], out_sh[at_s] = ev, zo, share
    out_ev[at_w], out_zo[at_w], out_sh[at_w] = wev, wzo, wsh
    return out_ev, out_zo, out_sh


def _boundary(
    ix: ZoneIndex,
    ev: np.ndarray,
    zo: np.ndarray,
    sd: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    rad: np.ndarray,
) -> np.ndarray:
    """Shares of (event, zone) pairs the grid could not decide (``sd``: their cell's)."""
    out = np.zeros(len(ev), dtype=np.float32)
    r = rad[ev]
    pts = np.flatnonzero(r == 0)
    if len(pts):
        out[pts] = contains_by_zone(ix, zo[pts], lon[ev[pts]], lat[ev[pts]])
    disc = np.flatnonzero(r > 0)
    if len(disc) == 0:
        return out
    e, z = ev[disc], zo[disc]
    w = ix.win[z]
    cx = ((lon[e] - ix.lon0) * (1.0 / ix.dlon)).astype(np.int64)  # >= 0: inside the grid
    cy = ((lat[e] - ix.lat0) * (1.0 / ix.dlat)).astype(np.int64)
    near = ix.win_off[z] + (cy - w[:, 1]) * w[:, 2] + cx - w[:, 0]
    few = ix.near_count[near] >= 0
    exact = np.flatnonzero(few)
    if len(exact):
        d, ee = disc[exact], e[exact]
        out[d] = edge_shares(ix, z[exact], near[exact], sd[d], lon[ee], lat[ee], r[d])
    rest = np.flatnonzero(~few)
    if len(rest):
        d, ee = disc[rest], e[rest]
        out[d] = table_shares(ix, z[rest], lon[ee], lat[ee], r[d])
    return out
