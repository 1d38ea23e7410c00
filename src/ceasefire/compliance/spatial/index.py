"""Build the zone index: the coarse grid's decided cells, the edges near each cell, the rasters.

:func:`build_zone_index` makes a :class:`~.model.ZoneIndex` for one zone set;
:func:`zone_index` keeps the last few built (by the zones' WKB), so that judging one field report
does not rebuild it. What the index holds and how :func:`~.shares.disc_shares` uses it: see the
package's docstring (:mod:`ceasefire.compliance.spatial`).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

import numpy as np
import pyproj
import shapely

from ...errors import GeometryError
from .frame import ABS_PAD_KM, R_PAD, REL_PAD, km_per_deg
from .model import ZoneIndex
from .rasters import build_rasters, pixels_per_cell

__all__ = ["build_zone_index", "zone_index"]

#: A small disc uses the exact edge formula where its cell has at most this many edges within
#: reach; more (a finely drawn boundary) and the share tables are faster.
_MAX_NEAR_EDGES: Final = 8
#: Dense cell -> row table up to this many grid cells, a sorted key array beyond.
_DENSE_CELLS: Final = 1 << 24
#: Longest zone edge (degrees) at build time, so one edge's local frame stays accurate.
_MAX_EDGE_DEG: Final = 0.1


#: How many zone sets :func:`zone_index` keeps built (one per agreement set in use, a few).
_KEPT_INDEXES: Final = 8
_kept: OrderedDict[tuple[str, float, float], ZoneIndex] = OrderedDict()
_kept_lock = threading.Lock()


def zone_index(
    zones: Sequence[shapely.Geometry], *, cell_km: float = 1.0, max_grid_radius_km: float = 5.0
) -> ZoneIndex:
    """:func:`build_zone_index`, kept for the same zones (by their WKB) and settings.

    Building the index costs about 0.3 s for the bundled zones, judging one field report a few
    milliseconds: a report is judged inside its write transaction, so the index must not be
    rebuilt for each one (a writer holding the lock that long starves the others).

    >>> a = zone_index([shapely.box(36.0, 35.0, 36.5, 35.5)])
    >>> a is zone_index([shapely.box(36.0, 35.0, 36.5, 35.5)])
    True
    """
    digest = hashlib.sha256()
    for g in zones:
        digest.update(shapely.to_wkb(g))
        digest.update(b"|")
    key = (digest.hexdigest(), float(cell_km), float(max_grid_radius_km))
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    built = build_zone_index(zones, cell_km=cell_km, max_grid_radius_km=max_grid_radius_km)
    with _kept_lock:
        _kept[key] = built
        while len(_kept) > _KEPT_INDEXES:
            _kept.popitem(last=False)
    return built


def build_zone_index(
    zones: Sequence[shapely.Geometry],
    *,
    cell_km: float = 1.0,
    max_grid_radius_km: float = 5.0,
) -> ZoneIndex:
    """Index polygonal zones (WGS84 lon/lat) for :func:`disc_shares`.

    ``cell_km``: side of the coarse grid cells. ``max_grid_radius_km``: discs up to this radius
    go through the grid; wider ones find their zones by bounding box. Raises
    :class:`~ceasefire.errors.GeometryError` for a zone that is not a (multi)polygon.

    >>> idx = build_zone_index([shapely.box(36.0, 35.0, 36.5, 35.5)])
    >>> idx.n_zones, idx.cell_km
    (1, 1.0)
    """
    if cell_km <= 0 or max_grid_radius_km < 0:
        raise ValueError("cell_km must be > 0 and max_grid_radius_km >= 0")
    geoms = tuple(zones)
    for i, g in enumerate(geoms):
        if shapely.get_type_id(g) not in (3, 6):  # Polygon, MultiPolygon
            raise GeometryError(
                "a zone for disc shares must be a Polygon or MultiPolygon (buffer routes first)",
                field=f"zones[{i}]",
                value=getattr(g, "geom_type", type(g).__name__),
            )
    n = len(geoms)
    arr = np.array(geoms, dtype=object) if n else np.empty(0, dtype=object)
    shapely.prepare(arr)
    bbox = shapely.bounds(arr).reshape(n, 4) if n else np.zeros((0, 4))
    empty = shapely.is_empty(arr) if n else np.zeros(0, dtype=bool)
    bbox[empty] = np.nan
    area = _areas_km2(arr)
    ok = ~empty
    if ok.any():
        ux0, uy0 = np.min(bbox[ok, 0]), np.min(bbox[ok, 1])
        ux1, uy1 = np.max(bbox[ok, 2]), np.max(bbox[ok, 3])
    else:
        ux0 = uy0 = 0.0
        ux1 = uy1 = 1e-6
    # cell size in degrees at the middle latitude
    kxm, kym = km_per_deg(0.5 * (uy0 + uy1))
    dlon, dlat = cell_km / float(kxm), cell_km / float(kym)
    r_max = max_grid_radius_km * R_PAD
    # half diagonal: widest cell (nearest the equator), a hair more
    guess = (r_max + 2 * cell_km) * 1.1 / 110.0
    lat_lo, lat_hi = uy0 - guess, uy1 + guess
    eq_lat = 0.0 if lat_lo <= 0.0 <= lat_hi else min(abs(lat_lo), abs(lat_hi))
    pole_lat = min(max(abs(lat_lo), abs(lat_hi)), 89.0)
    kx_eq, _ = km_per_deg(eq_lat)
    kx_pole, ky_pole = km_per_deg(pole_lat)
    _, ky_eq = km_per_deg(eq_lat)
    hd = 0.5 * math.hypot(dlon * float(kx_eq), dlat * float(ky_pole)) * (1 + 1e-3)
    # reach: every cell within t_km of a zone has its exact distance
    t_km = (hd + r_max + 0.05) * (1 + 4 * REL_PAD) + 2 * ABS_PAD_KM
    tcx = t_km / float(kx_pole) / dlon  # in cells, widest (nearest the pole)
    tcy = t_km / float(min(ky_eq, ky_pole)) / dlat
    lon0 = ux0 - (tcx + 2) * dlon
    lat0 = uy0 - (tcy + 2) * dlat
    nx = math.ceil((ux1 - lon0) / dlon + tcx + 2)
    ny = math.ceil((uy1 - lat0) / dlat + tcy + 2)

    win = np.zeros((n, 4), dtype=np.int64)
    sd_parts: list[np.ndarray] = []
    states: list[np.ndarray] = []
    # zone edges (all zones) and, per (cell, zone), the edges that a small disc may cross
    near_km = (hd + r_max) * (1 + 2 * REL_PAD) + 2 * ABS_PAD_KM
    edge_parts: list[np.ndarray] = []
    n_edges = 0
    zone_edges = np.zeros(n + 1, dtype=np.int64)
    near_start: list[np.ndarray] = []
    near_count: list[np.ndarray] = []
    near_ids: list[np.ndarray] = []
    near_dist: list[np.ndarray] = []
    n_near = 0
    for z in range(n):
        if empty[z]:
            sd_parts.append(np.empty(0))
            states.append(np.empty((0, 0), dtype=np.int8))
            near_start.append(np.empty(0, np.int64))
            near_count.append(np.empty(0, np.int32))
            zone_edges[z + 1] = n_edges
            continue
        x0 = max(math.floor((bbox[z, 0] - lon0) / dlon - tcx) - 1, 0)
        x1 = min(math.ceil((bbox[z, 2] - lon0) / dlon + tcx) + 1, nx)
        y0 = max(math.floor((bbox[z, 1] - lat0) / dlat - tcy) - 1, 0)
        y1 = min(math.ceil((bbox[z, 3] - lat0) / dlat + tcy) + 1, ny)
        win[z] = (x0, y0, x1 - x0, y1 - y0)
        cx, cy = np.arange(x0, x1), np.arange(y0, y1)
        g = geoms[z]
        # counter-clockwise shells, clockwise holes: the edge formula's winding is 1 inside
        edges = _edges(shapely.segmentize(shapely.orient_polygons(g), _MAX_EDGE_DEG))
        dist, c_near, e_near, d_near = _window_distance(
            edges, cx, cy, tcx, tcy, lon0, lat0, dlon, dlat, t_km, near_km
        )
        cnt = np.bincount(c_near, minlength=len(cx) * len(cy))
        few = cnt <= _MAX_NEAR_EDGES
        keep = few[c_near]
        order = np.argsort(c_near[keep], kind="stable")
        kept = np.where(few, cnt, 0)
        near_start.append(n_near + np.cumsum(kept) - kept)
        near_count.append(np.where(few, cnt, -1).astype(np.int32))
        near_ids.append((e_near[keep][order] + n_edges).astype(np.int32))
        near_dist.append(d_near[keep][order].astype(np.float32))
        n_near += int(kept.sum())
        edge_parts.append(edges)
        n_edges += len(edges)
        zone_edges[z + 1] = n_edges
        clon, clat = np.meshgrid(lon0 + (cx + 0.5) * dlon, lat0 + (cy + 0.5) * dlat)
        inside = shapely.contains_xy(g, clon.ravel(), clat.ravel())
        # conservative: shrink toward zero by the metric frame's possible error
        sd = np.maximum(dist * (1 - REL_PAD) - ABS_PAD_KM, 0.0)
        sd = np.where(inside, sd, -sd)
        sd_parts.append(sd)
        state = np.where(sd > hd, 1, np.where(sd < -hd, 0, 2)).astype(np.int8)
        states.append(state.reshape(len(cy), len(cx)))

    sizes = np.array([len(c) for c in near_count], dtype=np.int64)
    win_off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    keys, indptr, entry_zone, entry_sd, entry_near = _csr(
        sd_parts, win, win_off, nx, ny, -(hd + r_max)
    )
    # the rasters need only the zone's bounding box (no pixel outside it is inside the zone)
    rwin = np.zeros_like(win)
    for z in range(n):
        if empty[z]:
            continue
        x0 = max(math.floor((bbox[z, 0] - lon0) / dlon) - 1, int(win[z, 0]))
        y0 = max(math.floor((bbox[z, 1] - lat0) / dlat) - 1, int(win[z, 1]))
        x1 = min(math.ceil((bbox[z, 2] - lon0) / dlon) + 1, int(win[z, 0] + win[z, 2]))
        y1 = min(math.ceil((bbox[z, 3] - lat0) / dlat) + 1, int(win[z, 1] + win[z, 3]))
        rwin[z] = (x0, y0, x1 - x0, y1 - y0)
        sy, sx = y0 - int(win[z, 1]), x0 - int(win[z, 0])
        states[z] = states[z][sy : sy + y1 - y0, sx : sx + x1 - x0]
    sub = pixels_per_cell(rwin)
    sat, sat_off, cover = build_rasters(geoms, states, rwin, sub, lon0, lat0, dlon, dlat)
    centre = np.column_stack([bbox[:, 0] + bbox[:, 2], bbox[:, 1] + bbox[:, 3]]) * 0.5
    near_eq = np.where(
        bbox[:, 1] * bbox[:, 3] <= 0, 0.0, np.minimum(abs(bbox[:, 1]), abs(bbox[:, 3]))
    )
    kx_z, _ = km_per_deg(np.nan_to_num(near_eq))
    far_pole = np.nan_to_num(np.maximum(abs(bbox[:, 1]), abs(bbox[:, 3])))
    _, ky_z = km_per_deg(far_pole)
    zrad = np.hypot((bbox[:, 2] - bbox[:, 0]) * kx_z, (bbox[:, 3] - bbox[:, 1]) * ky_z) * 0.5
    zrad = np.where(empty, np.inf, zrad)
    return ZoneIndex(
        geoms=geoms,
        cell_km=float(cell_km),
        max_grid_radius_km=float(max_grid_radius_km),
        lon0=float(lon0),
        lat0=float(lat0),
        dlon=dlon,
        dlat=dlat,
        nx=nx,
        ny=ny,
        hd_km=hd,
        keys=keys,
        indptr=indptr,
        entry_zone=entry_zone,
        entry_sd=entry_sd,
        entry_near=entry_near,
        edges=np.concatenate(edge_parts) if edge_parts else np.zeros((0, 4)),
        zone_edges=zone_edges,
        near_start=np.concatenate(near_start) if near_start else np.zeros(0, np.int64),
        near_count=np.concatenate(near_count) if near_count else np.zeros(0, np.int32),
        near_ids=np.concatenate(near_ids) if near_ids else np.zeros(0, np.int32),
        near_dist=np.concatenate(near_dist) if near_dist else np.zeros(0, np.float32),
        bbox=bbox,
        area_km2=area,
        zone_centre=centre,
        zone_radius_km=zrad,
        rwin=rwin,
        sub=sub,
        sat=sat,
        sat_off=sat_off,
        cover=cover,
    )


def _edges(geom: shapely.Geometry) -> np.ndarray:
    """All ring edges of a (multi)polygon as an (n, 4) array lon0, lat0, lon1, lat1."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    return np.column_stack([coords[:-1][same], coords[1:][same]])


def _window_distance(
    edges: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    tcx: float,
    tcy: float,
    lon0: float,
    lat0: float,
    dlon: float,
    dlat: float,
    t_km: float,
    near_km: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distance (km, capped at ``t_km``) from each window cell centre to the nearest edge.

    ``cx``/``cy``: the window's cell columns/rows (global grid indices). Only (edge, cell) pairs
    within ``t`` of the edge's bounding box are evaluated: O(perimeter), not O(window area).
    Also returns every (window cell, edge, distance) with a distance <= ``near_km``.
    """
    nwx, nwy = len(cx), len(cy)
    best = np.full(nwx * nwy, np.inf)
    x0, y0, x1, y1 = edges.T
    # edge ends in window cell units, where cell i's centre is at i
    ax0 = (x0 - lon0) / dlon - 0.5 - cx[0]
    ax1 = (x1 - lon0) / dlon - 0.5 - cx[0]
    ay0 = (y0 - lat0) / dlat - 0.5 - cy[0]
    ay1 = (y1 - lat0) / dlat - 0.5 - cy[0]
    lo_x = np.clip(np.ceil(np.minimum(ax0, ax1) - tcx), 0, nwx).astype(np.int64)
    hi_x = np.clip(np.floor(np.maximum(ax0, ax1) + tcx) + 1, 0, nwx).astype(np.int64)
    lo_y = np.clip(np.ceil(np.minimum(ay0, ay1) - tcy), 0, nwy).astype(np.int64)
    hi_y = np.clip(np.floor(np.maximum(ay0, ay1) + tcy) + 1, 0, nwy).astype(np.int64)
    nex = np.maximum(hi_x - lo_x, 0)
    cnt = nex * np.maximum(hi_y - lo_y, 0)
    kx, ky = km_per_deg(0.5 * (y0 + y1))
    near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    # batches of edges of about 256k (edge, cell) pairs keep the temporaries in cache
    cum = np.cumsum(cnt)
    cuts = np.searchsorted(cum, np.arange(1, int(cum[-1]) // (1 << 18) + 1) * (1 << 18))
    for sel in np.split(np.arange(len(edges)), np.unique(cuts)):
        c = cnt[sel]
        tot = int(c.sum())
        if tot == 0:
            continue
        rep = np.repeat(sel, c)
        k = np.arange(tot) - np.repeat(np.cumsum(c) - c, c)
        i = lo_x[rep] + k % nex[rep]
        j = lo_y[rep] + k // nex[rep]
        px = (lon0 + (cx[0] + i + 0.5) * dlon - x0[rep]) * kx[rep]
        py = (lat0 + (cy[0] + j + 0.5) * dlat - y0[rep]) * ky[rep]
        ex = (x1 - x0)[rep] * kx[rep]
        ey = (y1 - y0)[rep] * ky[rep]
        t = np.clip((px * ex + py * ey) / np.maximum(ex * ex + ey * ey, 1e-300), 0.0, 1.0)
        d = np.hypot(px - t * ex, py - t * ey)
        flat = j * nwx + i
        np.minimum.at(best, flat, d)
        close = np.flatnonzero(d <= near_km)
        near.append((flat[close], rep[close], d[close]))
    cells = np.concatenate([n[0] for n in near]) if near else np.empty(0, np.int64)
    eids = np.concatenate([n[1] for n in near]) if near else np.empty(0, np.int64)
    dists = np.concatenate([n[2] for n in near]) if near else np.empty(0)
    return np.minimum(best, t_km), cells, eids, dists


def _areas_km2(arr: np.ndarray) -> np.ndarray:
    """Geodesic areas (km^2) of the zones."""
    geod = pyproj.Geod(ellps="WGS84")
    out = np.zeros(len(arr))
    for i, g in enumerate(arr):
        if not shapely.is_empty(g):
            # counter-clockwise shells, clockwise holes: pyproj's signed areas then add up
            out[i] = abs(geod.geometry_area_perimeter(shapely.orient_polygons(g))[0]) / 1e6
    return out


def _csr(
    sd_parts: list[np.ndarray],
    win: np.ndarray,
    win_off: np.ndarray,
    nx: int,
    ny: int,
    floor_sd: float,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cell -> (zone, signed distance, place in the near-edge lists) for the cells within reach
    of each zone."""
    cells, zones, sds, nears = [], [], [], []
    for z, sd in enumerate(sd_parts):
        if sd.size == 0:
            continue
        x0, y0, wnx, _ = (int(v) for v in win[z])
        keep = np.flatnonzero(sd >= floor_sd)
        cells.append((y0 + keep // wnx) * nx + x0 + keep % wnx)
        zones.append(np.full(len(keep), z, dtype=np.int32))
        sds.append(sd[keep].astype(np.float32))
        nears.append(win_off[z] + keep)
    cell = np.concatenate(cells) if cells else np.empty(0, dtype=np.int64)
    zone = np.concatenate(zones) if zones else np.empty(0, dtype=np.int32)
    sdv = np.concatenate(sds) if sds else np.empty(0, dtype=np.float32)
    near = np.concatenate(nears) if nears else np.empty(0, dtype=np.int64)
    order = np.lexsort((zone, cell))  # by cell, then zone: pairs come out sorted
    cell, zone, sdv, near = cell[order], zone[order], sdv[order], near[order].astype(np.int64)
    ncells = nx * ny
    if ncells <= _DENSE_CELLS:
        counts = np.bincount(cell, minlength=ncells + 1)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return None, indptr, zone, sdv, near
    keys, counts = np.unique(cell, return_counts=True)
    indptr = np.concatenate([[0], np.cumsum(counts), [len(cell)]]).astype(np.int64)
    return keys.astype(np.int64), indptr, zone, sdv, near
