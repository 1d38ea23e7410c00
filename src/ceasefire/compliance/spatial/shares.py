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
from .model import ZoneIndex, expand
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
    # int64 ids and indices throughout: numpy converts any other index type before a gather,
    # and boolean masks select through np.compress / take (both several times faster here)
    ids = np.flatnonzero(small)
    # truncation is floor here: u, v >= 0
    cell = v.take(ids).astype(np.int64)
    cell *= ix.nx
    cell += u.take(ids).astype(np.int64)
    if ix.keys is None:
        start = ix.indptr.take(cell)
        cnt = ix.indptr.take(cell + 1) - start
    else:  # sparse grid: row of the cell's key, or the empty last row
        nk = len(ix.keys)
        row = np.minimum(np.searchsorted(ix.keys, cell), max(nk - 1, 0))
        row = np.where(ix.keys[row] == cell, row, nk) if nk else np.zeros_like(cell)
        start = ix.indptr[row]
        cnt = ix.indptr[row + 1] - start
    # one (event, candidate zone) pair per entry of the event's cell
    row, entry = expand(start, cnt)
    ev = ids.take(row)
    zo = ix.entry_zone.take(entry)
    sd = ix.entry_sd.take(entry)
    # the threshold in float32 like the stored distances, a hair above the float64 one (float32
    # rounds by at most 2**-24 of it): never decides more than the exact threshold would
    thr = ((ix.hd_km + rad.take(ids) * R_PAD) * (1.0 + 2.0**-20)).astype(np.float32).take(row)
    share = (sd > thr).astype(np.float32)  # decided inside: 1; outside or boundary: 0 for now
    bnd = np.flatnonzero(np.abs(sd) <= thr)
    if len(bnd):
        share[bnd] = _boundary(
            ix, ev.take(bnd), zo.take(bnd), sd.take(bnd), entry.take(bnd), lon, lat, rad
        )
    # nonzero through a boolean: numpy's nonzero of a float array is several times slower
    keep = np.flatnonzero(share != 0)
    ev, zo, share = ev.take(keep), zo.take(keep), share.take(keep)
    wide = np.flatnonzero(rad > ix.max_grid_radius_km)
    if len(wide) == 0:
        return ev, zo, share
    wev, wzo, wsh = wide_pairs(ix, wide, lon, lat, rad)
    keep = np.flatnonzero(wsh != 0)
    wev, wzo, wsh = wev.take(keep), wzo.take(keep), wsh.take(keep)
    # merge the two lists, each sorted by event (their events differ): a grid pair's place is
    # its place in its list plus the number of wide pairs of earlier events; the wide pairs
    # fill the other places, in their order
    n_all = len(ev) + len(wev)
    at_s = np.cumsum(np.bincount(wev, minlength=len(lon))).take(ev)
    at_s += np.arange(len(ev))
    is_w = np.ones(n_all, dtype=bool)
    is_w[at_s] = False
    at_w = np.flatnonzero(is_w)
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
    entry: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    rad: np.ndarray,
) -> np.ndarray:
    """Shares of (event, zone) pairs the grid could not decide (``sd``: their cell's)."""
    out = np.zeros(len(ev), dtype=np.float32)
    r = rad.take(ev)
    pts = np.flatnonzero(r == 0)
    if len(pts):
        e = ev.take(pts)
        out[pts] = contains_by_zone(ix, zo.take(pts), lon.take(e), lat.take(e))
    disc = np.flatnonzero(r > 0)
    if len(disc) == 0:
        return out
    e, z = ev.take(disc), zo.take(disc)
    near = ix.entry_near.take(entry.take(disc))
    few = ix.near_count.take(near) >= 0
    exact = np.flatnonzero(few)
    if len(exact):
        d, ee = disc.take(exact), e.take(exact)
        out[d] = edge_shares(
            ix, z.take(exact), near.take(exact), sd.take(d), lon.take(ee), lat.take(ee), r.take(d)
        )
    rest = np.flatnonzero(~few)
    if len(rest):
        d, ee = disc.take(rest), e.take(rest)
        out[d] = table_shares(ix, z.take(rest), lon.take(ee), lat.take(ee), r.take(d))
    return out
