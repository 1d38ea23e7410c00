"""Which event discs fall in which zones, and by how much.

An event is a point (longitude, latitude, WGS84) with an uncertainty radius in km: the event lies
uniformly in the disc of that radius (radius 0: exactly at the point). Its *spatial share* in a
zone is the fraction of the disc inside the zone (radius 0: 1 if :func:`shapely.contains_xy`
says the point is in the zone, else 0). :func:`disc_shares` computes every non-zero share of many
events in many zones at once, against a :class:`ZoneIndex` built once per zone set by
:func:`build_zone_index`. Nothing here assumes Syria.

This module holds the index and the decisions it makes at once; the areas it cannot decide come
from :mod:`.edge_area` (exact, by the zone's edges), :mod:`.share_tables` (interpolated tables
on a radius ladder), :mod:`.coverage` (zone rasters) and :mod:`.wide_discs` (discs wider than the
grid's reach), all in the local metric frame of :mod:`.local_frame`.

How (whole-array numpy; the Python loops run over zones, chunks of events, or radius steps):

1. *Coarse grid, decided at once.* A lon/lat grid of ``cell_km`` cells covers the zones plus a
   margin. Every cell within reach of a zone stores a lower bound of the signed distance (km,
   + inside) from its centre to the zone's boundary, in CSR arrays cell -> (zone, distance), so
   1,000 zones do not cost 1,000 passes over the events. An event whose cell's distance exceeds
   the cell's half diagonal plus its radius is inside (share 1) or outside (no pair) at once.
2. *Points on boundary cells:* :func:`shapely.contains_xy`, so exactly as shapely says.
3. *Small discs on boundary cells* (radius up to ``max_grid_radius_km``): where the cell has at
   most 8 zone edges within reach, the exact area by Green's theorem over those edges
   (:mod:`.edge_area`); else (a finely drawn boundary) the share tables of step 5.
4. *Wide discs* (province-level precision) find candidate zones by bounding box (an STRtree
   above 64 zones); a zone wholly inside the disc gets ``area / (pi r^2)``, others step 5
   (:mod:`.wide_discs`).
5. *Share tables* (:mod:`.share_tables`): for radii on a ladder ``2**(k/8)`` km (1 km and up),
   shares at lattice nodes, filled lazily from anti-aliased zone rasters kept as summed-area
   tables (:mod:`.coverage`) and interpolated. Which method a pair takes depends only on the
   index, the event and its radius, never on the rest of the call, so a share does not depend
   on batching (tables change speed, not results).
6. Discs off the ladder (under 1 km) or whose table would be too large: the exact edge formula
   for zones of at most 48 edges, else the raster strips, or, under 6 pixels, 256 sunflower
   points tested with :func:`shapely.contains_xy` (:mod:`.coverage`).

Accuracy: distances are taken in a local equirectangular frame (:mod:`.local_frame`; relative
error about ``d * tan(lat) / (2 * 6371 km)``, 0.14 % at 25 km), and decisions use distances
shrunk by 0.5 % + 10 m and radii stretched by 0.2 %. Measured against shapely's exact areas in
UTM 37N (tests/test_spatial.py, 300 discs of 0.5-75 km straddling a corridor, a concave area, a
multipolygon and a holed polygon): largest error 0.013, mean 0.002; the exact edge formula
agrees to 1e-5.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pyproj
import shapely

from ..errors import GeometryError
from .coverage import STRIPS, _pixels_per_cell, _rasters
from .edge_area import _contains_by_zone, _edge_area
from .local_frame import _ABS_PAD_KM, _R_PAD, _REL_PAD, _km_per_deg
from .share_tables import _disc_area, _Table
from .wide_discs import _wide

__all__ = [
    "STRIPS",
    "ZoneIndex",
    "build_zone_index",
    "disc_shares",
    "distance_to_km",
    "zone_index",
]

#: A small disc uses the exact edge formula where its cell has at most this many edges within
#: reach; more (a finely drawn boundary) and the share tables are faster.
_MAX_NEAR_EDGES: Final = 8
#: Above this many zones, wide discs find candidates with an STRtree rather than a zone loop.
_MANY_ZONES: Final = 64
#: Events per chunk (bounds the temporaries: about 200 MB at most).
_CHUNK: Final = 1 << 18
#: Dense cell -> row table up to this many grid cells, a sorted key array beyond.
_DENSE_CELLS: Final = 1 << 24
#: Longest zone edge (degrees) at build time, so one edge's local frame stays accurate.
_MAX_EDGE_DEG: Final = 0.1


@dataclass(frozen=True, eq=False)
class ZoneIndex:
    """Everything :func:`disc_shares` needs about one zone set; build with :func:`build_zone_index`.

    Opaque: fields may change. Reusable across calls; its share tables fill up as calls need
    them, which changes speed only, never a result.
    """

    geoms: tuple[shapely.Geometry, ...]
    cell_km: float
    max_grid_radius_km: float
    lon0: float
    lat0: float
    dlon: float
    dlat: float
    nx: int
    ny: int
    hd_km: float
    # cell -> zones (CSR): row of a cell via dense indptr (keys is None) or sorted keys.
    keys: np.ndarray | None
    indptr: np.ndarray
    entry_zone: np.ndarray
    entry_sd: np.ndarray
    # all zone edges (lon0, lat0, lon1, lat1); zone z's are zone_edges[z] : zone_edges[z + 1]
    edges: np.ndarray
    zone_edges: np.ndarray
    # per zone window cell (zone z's cells from win_off[z], row-major in win[z]): the edges a
    # small disc in the cell may cross, near_ids[start : start + count]; count -1 when there are
    # more than _MAX_NEAR_EDGES
    win: np.ndarray  # (n, 4) int64: x0, y0, nx, ny of the zone's window, in grid cells
    win_off: np.ndarray
    near_start: np.ndarray
    near_count: np.ndarray
    near_ids: np.ndarray
    near_dist: np.ndarray  # km from the cell centre to the edge (a lower bound, float32)
    # per zone
    bbox: np.ndarray
    area_km2: np.ndarray
    zone_centre: np.ndarray  # (n, 2) lon, lat of the bbox centre
    zone_radius_km: np.ndarray  # bbox centre to its farthest corner, km (upper bound)
    rwin: np.ndarray  # (n, 4) int64: x0, y0, nx, ny of the zone's raster, in grid cells
    sub: int
    sat: np.ndarray
    sat_off: np.ndarray
    cover: int  # raster units per pixel (anti-aliasing samples)
    tree: shapely.STRtree | None
    #: share tables by ladder step, filled lazily (see :func:`.share_tables._table`)
    tables: dict[int, _Table | None] = field(default_factory=dict)

    @property
    def n_zones(self) -> int:
        """Number of zones indexed.

        >>> build_zone_index([shapely.box(36, 35, 36.1, 35.1)]).n_zones
        1
        """
        return len(self.geoms)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (geometries not counted)."""
        arrays = [
            self.indptr, self.entry_zone, self.entry_sd, self.sat, self.sat_off, self.edges,
            self.near_start, self.near_count, self.near_ids, self.near_dist,
        ]  # fmt: skip
        tabs = sum(t.values.nbytes for t in self.tables.values() if t is not None)
        keys = 0 if self.keys is None else self.keys.nbytes
        return sum(a.nbytes for a in arrays) + tabs + keys


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
    kxm, kym = _km_per_deg(0.5 * (uy0 + uy1))
    dlon, dlat = cell_km / float(kxm), cell_km / float(kym)
    r_max = max_grid_radius_km * _R_PAD
    # half diagonal: widest cell (nearest the equator), a hair more
    guess = (r_max + 2 * cell_km) * 1.1 / 110.0
    lat_lo, lat_hi = uy0 - guess, uy1 + guess
    eq_lat = 0.0 if lat_lo <= 0.0 <= lat_hi else min(abs(lat_lo), abs(lat_hi))
    pole_lat = min(max(abs(lat_lo), abs(lat_hi)), 89.0)
    kx_eq, _ = _km_per_deg(eq_lat)
    kx_pole, ky_pole = _km_per_deg(pole_lat)
    _, ky_eq = _km_per_deg(eq_lat)
    hd = 0.5 * math.hypot(dlon * float(kx_eq), dlat * float(ky_pole)) * (1 + 1e-3)
    # reach: every cell within t_km of a zone has its exact distance
    t_km = (hd + r_max + 0.05) * (1 + 4 * _REL_PAD) + 2 * _ABS_PAD_KM
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
    near_km = (hd + r_max) * (1 + 2 * _REL_PAD) + 2 * _ABS_PAD_KM
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
        sd = np.maximum(dist * (1 - _REL_PAD) - _ABS_PAD_KM, 0.0)
        sd = np.where(inside, sd, -sd)
        sd_parts.append(sd)
        state = np.where(sd > hd, 1, np.where(sd < -hd, 0, 2)).astype(np.int8)
        states.append(state.reshape(len(cy), len(cx)))

    keys, indptr, entry_zone, entry_sd = _csr(sd_parts, win, nx, ny, -(hd + r_max))
    sizes = np.array([len(c) for c in near_count], dtype=np.int64)
    win_off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
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
    sub = _pixels_per_cell(rwin)
    sat, sat_off, cover = _rasters(geoms, states, rwin, sub, lon0, lat0, dlon, dlat)
    centre = np.column_stack([bbox[:, 0] + bbox[:, 2], bbox[:, 1] + bbox[:, 3]]) * 0.5
    near_eq = np.where(
        bbox[:, 1] * bbox[:, 3] <= 0, 0.0, np.minimum(abs(bbox[:, 1]), abs(bbox[:, 3]))
    )
    kx_z, _ = _km_per_deg(np.nan_to_num(near_eq))
    far_pole = np.nan_to_num(np.maximum(abs(bbox[:, 1]), abs(bbox[:, 3])))
    _, ky_z = _km_per_deg(far_pole)
    zrad = np.hypot((bbox[:, 2] - bbox[:, 0]) * kx_z, (bbox[:, 3] - bbox[:, 1]) * ky_z) * 0.5
    zrad = np.where(empty, np.inf, zrad)
    tree = shapely.STRtree(shapely.box(*np.nan_to_num(bbox).T)) if n > _MANY_ZONES else None
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
        edges=np.concatenate(edge_parts) if edge_parts else np.zeros((0, 4)),
        zone_edges=zone_edges,
        win=win,
        win_off=win_off,
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
        tree=tree,
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
    kx, ky = _km_per_deg(0.5 * (y0 + y1))
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
    sd_parts: list[np.ndarray], win: np.ndarray, nx: int, ny: int, floor_sd: float
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """Cell -> (zone, signed distance) lists for the cells within reach of each zone."""
    cells, zones, sds = [], [], []
    for z, sd in enumerate(sd_parts):
        if sd.size == 0:
            continue
        x0, y0, wnx, _ = (int(v) for v in win[z])
        keep = np.flatnonzero(sd >= floor_sd)
        cells.append((y0 + keep // wnx) * nx + x0 + keep % wnx)
        zones.append(np.full(len(keep), z, dtype=np.int32))
        sds.append(sd[keep].astype(np.float32))
    cell = np.concatenate(cells) if cells else np.empty(0, dtype=np.int64)
    zone = np.concatenate(zones) if zones else np.empty(0, dtype=np.int32)
    sdv = np.concatenate(sds) if sds else np.empty(0, dtype=np.float32)
    order = np.lexsort((zone, cell))  # by cell, then zone: pairs come out sorted
    cell, zone, sdv = cell[order], zone[order], sdv[order]
    ncells = nx * ny
    if ncells <= _DENSE_CELLS:
        counts = np.bincount(cell, minlength=ncells + 1)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return None, indptr, zone, sdv
    keys, counts = np.unique(cell, return_counts=True)
    indptr = np.concatenate([[0], np.cumsum(counts), [len(cell)]]).astype(np.int64)
    return keys.astype(np.int64), indptr, zone, sdv


def disc_shares(
    index: ZoneIndex, lon: np.ndarray, lat: np.ndarray, radius_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (event, zone, share) with a share > 0, sorted by event then zone.

    ``lon``/``lat``: degrees WGS84; ``radius_km``: uncertainty radius, 0 for an exact point
    (negative raises ``ValueError``; an event with a NaN coordinate or radius gets no pair).
    Returns ``event_idx`` (int64), ``zone_idx`` (int32), ``share`` (float32).

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
    thr = ix.hd_km + rad[ev] * _R_PAD
    share = (sd > thr).astype(np.float32)  # decided inside: 1; outside or boundary: 0 for now
    bnd = np.flatnonzero(np.abs(sd) <= thr)
    if len(bnd):
        share[bnd] = _boundary(ix, ev[bnd], zo[bnd], sd[bnd], lon, lat, rad)
    nz = share > 0
    ev, zo, share = ev[nz], zo[nz], share[nz]
    wide = np.flatnonzero(rad > ix.max_grid_radius_km)
    if len(wide) == 0:
        return ev.astype(np.int64), zo, share
    wev, wzo, wsh = _wide(ix, wide, lon, lat, rad)
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
        out[pts] = _contains_by_zone(ix, zo[pts], lon[ev[pts]], lat[ev[pts]])
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
        out[d] = _edge_area(ix, z[exact], near[exact], sd[d], lon[ee], lat[ee], r[d])
    rest = np.flatnonzero(~few)
    if len(rest):
        d, ee = disc[rest], e[rest]
        out[d] = _disc_area(ix, z[rest], lon[ee], lat[ee], r[d])
    return out


def distance_to_km(geom: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance in km from points (lon/lat) to ``geom`` (0 inside a polygon).

    Both are projected to the UTM zone of the geometry's centroid (pyproj); meant for modest
    sizes (the reasons attached to a few thousand verdicts), not for millions of points.

    >>> line = shapely.LineString([(36.0, 35.0), (37.0, 35.0)])
    >>> np.round(distance_to_km(line, np.array([36.5]), np.array([35.1])), 1).tolist()
    [11.1]
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if shapely.is_empty(geom):
        return np.full(lon.shape, np.nan)
    c = shapely.centroid(geom)
    cx, cy = float(shapely.get_x(c)), float(shapely.get_y(c))
    zone = int(min(max((cx + 180.0) // 6 + 1, 1), 60))
    epsg = (32600 if cy >= 0 else 32700) + zone
    tr = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    # short segments first: a long lon/lat edge is not straight in UTM
    g = shapely.transform(
        shapely.segmentize(geom, 0.01), lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
    )
    x, y = tr.transform(lon, lat)
    return np.asarray(shapely.distance(g, shapely.points(x, y)), dtype=np.float64) / 1000.0
