"""Which event discs fall in which zones, and by how much.

An event is a point (longitude, latitude, WGS84) with an uncertainty radius in km: the event lies
uniformly in the disc of that radius (radius 0: exactly at the point). Its *spatial share* in a
zone is the fraction of the disc inside the zone (radius 0: 1 if :func:`shapely.contains_xy`
says the point is in the zone, else 0). :func:`disc_shares` computes every non-zero share of many
events in many zones at once, against a :class:`ZoneIndex` built once per zone set by
:func:`build_zone_index`. Nothing here assumes Syria.

How (whole-array numpy; the Python loops run over zones, chunks of events, or radius steps):

1. *Coarse grid, decided at once.* A lon/lat grid of ``cell_km`` cells covers the zones plus a
   margin. Every cell within reach of a zone stores a lower bound of the signed distance (km,
   + inside) from its centre to the zone's boundary, in CSR arrays cell -> (zone, distance), so
   1,000 zones do not cost 1,000 passes over the events. An event whose cell's distance exceeds
   the cell's half diagonal plus its radius is inside (share 1) or outside (no pair) at once.
2. *Points on boundary cells:* :func:`shapely.contains_xy`, so exactly as shapely says.
3. *Small discs on boundary cells* (radius up to ``max_grid_radius_km``): where the cell has at
   most 8 zone edges within reach, the exact area by Green's theorem over those edges
   (:func:`_arcs`); else (a finely drawn boundary) the share tables of step 5.
4. *Wide discs* (province-level precision) find candidate zones by bounding box (an STRtree
   above 64 zones); a zone wholly inside the disc gets ``area / (pi r^2)``, others step 5.
5. *Share tables.* For radii on a ladder ``2**(k/8)`` km (1 km and up), the share of a disc
   centred at the nodes of a lattice (spacing radius / 6) over each zone's reach, filled lazily
   the first time a disc nearby needs a node, and interpolated bilinearly in space and linearly
   in the radius between the two ladder radii around it. A node's share comes from the zone's
   raster: 100 m pixels (coarser when there are many zones), boundary pixels anti-aliased with
   4 x 4 point tests, kept as a summed-area table, so that the disc, cut into :data:`STRIPS`
   horizontal strips of its mean width, costs 8 look-ups a strip. Which method a pair takes
   depends only on the index, the event and its radius, never on the rest of the call, so a
   share does not depend on batching (tables change speed, not results).
6. Discs off the ladder (under 1 km) or whose table would be too large: the exact edge formula
   for zones of at most 48 edges, else the raster strips, or, under 6 pixels, 256 sunflower
   points tested with :func:`shapely.contains_xy`.

Metric frame: around each event (and each zone edge at build time) degrees become km with the
WGS84 radii of curvature at that latitude (a local equirectangular frame, in which a disc is an
ellipse in lon/lat). Its relative error over a distance ``d`` is about
``d * tan(lat) / (2 * 6371 km)``: 0.01 % at 2 km, 0.14 % at 25 km, 1.6 % at 300 km (35 N);
decisions use distances shrunk by 0.5 % + 10 m and radii stretched by 0.2 %. Measured against
shapely's exact areas in UTM 37N (tests/test_spatial.py, 300 discs of 0.5-75 km straddling a
corridor, a concave area, a multipolygon and a holed polygon): largest error 0.013, mean 0.002;
the exact edge formula agrees to 1e-5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pyproj
import shapely

from ..errors import GeometryError

__all__ = ["STRIPS", "ZoneIndex", "build_zone_index", "disc_shares", "distance_to_km"]

#: Number of horizontal strips a disc is cut into for the raster area (error < 0.01 on a line).
STRIPS: Final = 8
#: Raster pixels per coarse cell side (100 m pixels for 1 km cells), memory permitting.
_SUB: Final = 10
#: Upper bound on the raster pixels of all zones together (int32 each: 64 MB); many or large
#: zones get coarser pixels.
_SAT_BUDGET: Final = 1 << 24
#: Most point tests spent on anti-aliasing the rasters' edges at build time.
_AA_BUDGET: Final = 1 << 22
#: Sunflower points for discs too small for the raster.
_K_TINY: Final = 256
#: A disc narrower than this many pixels (radius) uses the sunflower points.
_MIN_RADIUS_PX: Final = 6.0
#: A small disc uses the exact edge formula where its cell has at most this many edges within
#: reach; more (a finely drawn boundary) and the share tables are faster.
_MAX_NEAR_EDGES: Final = 8
#: A zone with at most this many edges gets exact shares from all its edges where its raster
#: would be used directly (not for table nodes: the raster is cheaper there).
_MAX_ZONE_EDGES: Final = 48
#: Stretch of a stored edge distance's bound when selecting edges (metric frame error).
_DIST_PAD: Final = 1.02
#: Conservative shrink of metric distances: relative, and absolute (km).
_REL_PAD: Final = 5e-3
_ABS_PAD_KM: Final = 0.01
#: Radii are stretched by this factor in decisions (the local frame's error over a disc).
_R_PAD: Final = 1.0 + 2e-3
#: Above this many zones, wide discs find candidates with an STRtree rather than a zone loop.
_MANY_ZONES: Final = 64
#: Events per chunk (bounds the temporaries: about 200 MB at most).
_CHUNK: Final = 1 << 18
#: Discs per strip batch (keeps the (discs, strips) temporaries in cache).
_BATCH: Final = 1 << 12
#: Wide events per batch.
_WIDE_BATCH: Final = 1 << 15
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
#: Dense cell -> row table up to this many grid cells, a sorted key array beyond.
_DENSE_CELLS: Final = 1 << 24
#: Longest zone edge (degrees) at build time, so one edge's local frame stays accurate.
_MAX_EDGE_DEG: Final = 0.1

_A_KM: Final = 6378.137
_E2: Final = 0.00669437999014
_RAD: Final = math.pi / 180.0


def _km_per_deg(lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(km per degree of longitude, km per degree of latitude) at ``lat`` on WGS84.

    >>> kx, ky = _km_per_deg(0.0)
    >>> round(float(kx), 2), round(float(ky), 2)
    (111.32, 110.57)
    """
    phi = np.asarray(lat, dtype=np.float64) * _RAD
    s = np.sin(phi)
    w2 = 1.0 - _E2 * s * s
    n = _A_KM / np.sqrt(w2)
    m = _A_KM * (1.0 - _E2) / (w2 * np.sqrt(w2))
    kx = np.maximum(n * np.cos(phi), 1e-9) * _RAD
    return kx, m * _RAD


def _sunflower(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points spread evenly over the unit disc (Vogel's sunflower pattern)."""
    i = np.arange(k, dtype=np.float64) + 0.5
    rho = np.sqrt(i / k)
    theta = i * math.pi * (3.0 - math.sqrt(5.0))
    return rho * np.cos(theta), rho * np.sin(theta)


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
    #: share tables by ladder step, filled lazily (see :func:`_table`)
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
    budget_sub = math.isqrt(max(_SAT_BUDGET // max(int((rwin[:, 2] * rwin[:, 3]).sum()), 1), 1))
    sub = max(1, min(_SUB, budget_sub))
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


def _rasters(
    geoms: tuple[shapely.Geometry, ...],
    states: list[np.ndarray],
    win: np.ndarray,
    sub: int,
    lon0: float,
    lat0: float,
    dlon: float,
    dlat: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Summed-area tables of each zone's raster of ``sub`` x ``sub`` pixels per window cell.

    A pixel holds its area inside the zone in units of 1 / cover (cover = s * s): pixels of
    decided cells copy the cell's state; pixels of boundary cells are tested at their centre with
    :func:`shapely.contains_xy`, and those next to a pixel of the other side (the boundary runs
    through or near them) at ``s`` x ``s`` points, so that the raster's edge is not stuck to
    pixel centres. ``s`` is 4, or less if that would exceed :data:`_AA_BUDGET` tests.
    """
    pl, pa = dlon / sub, dlat / sub
    pixs: list[np.ndarray] = []
    marks: list[tuple[np.ndarray, ...]] = []
    for z, st in enumerate(states):
        pix = np.repeat(np.repeat(st == 1, sub, axis=0), sub, axis=1)
        bj, bi = np.nonzero(st == 2)
        if len(bj):
            o = np.arange(sub)
            shape = (len(bj), sub, sub)
            rows = np.broadcast_to((bj[:, None] * sub + o)[:, :, None], shape).ravel()
            cols = np.broadcast_to((bi[:, None] * sub + o)[:, None, :], shape).ravel()
            plon = lon0 + int(win[z, 0]) * dlon + (cols + 0.5) * pl
            plat = lat0 + int(win[z, 1]) * dlat + (rows + 0.5) * pa
            pix[rows, cols] = shapely.contains_xy(geoms[z], plon, plat)
        mark = np.zeros_like(pix)
        d = pix[:, 1:] != pix[:, :-1]
        mark[:, 1:] |= d
        mark[:, :-1] |= d
        d = pix[1:] != pix[:-1]
        mark[1:] |= d
        mark[:-1] |= d
        pixs.append(pix)
        marks.append(np.nonzero(mark))
    n_marked = sum(len(m[0]) for m in marks)
    s = 4 if 16 * n_marked <= _AA_BUDGET else 2 if 4 * n_marked <= _AA_BUDGET else 1
    cover = s * s
    grid = (np.arange(s) + 0.5) / s
    parts: list[np.ndarray] = []
    offs = np.zeros(len(geoms) + 1, dtype=np.int64)
    for z, pix in enumerate(pixs):
        cov = pix.astype(np.int32) * cover
        rows, cols = marks[z]
        if s > 1 and len(rows):
            gx = np.tile(grid, s)
            gy = np.repeat(grid, s)
            plon = lon0 + int(win[z, 0]) * dlon + (cols[:, None] + gx) * pl
            plat = lat0 + int(win[z, 1]) * dlat + (rows[:, None] + gy) * pa
            hit = shapely.contains_xy(geoms[z], plon.ravel(), plat.ravel())
            cov[rows, cols] = hit.reshape(len(rows), cover).sum(axis=1)
        h, w = pix.shape
        sat = np.zeros((h + 1, w + 1), dtype=np.int32)
        if h and w:
            np.cumsum(np.cumsum(cov, axis=0), axis=1, out=sat[1:, 1:])
        parts.append(sat.ravel())
        offs[z + 1] = offs[z] + sat.size
    sat_all = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return sat_all, offs[:-1], cover


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
    at_w = np.searchsorted(ev, wev) + np.arange(len(wev))
    at_s = np.searchsorted(wev, ev) + np.arange(len(ev))
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


def _edge_area(
    ix: ZoneIndex,
    zo: np.ndarray,
    near: np.ndarray,
    sd: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """Exact share of small discs whose cell has few edges within reach (see :func:`_arcs`)."""
    cnt = ix.near_count[near].astype(np.int64)
    offs = np.cumsum(cnt) - cnt
    item = np.repeat(np.arange(len(near)), cnt)
    at = np.arange(len(item)) + np.repeat(ix.near_start[near] - offs, cnt)
    # only edges within reach of this disc (the list holds those of the widest small disc)
    close = np.flatnonzero(ix.near_dist[at] <= (ix.hd_km + r * _R_PAD)[item] * _DIST_PAD)
    item, eid = item[close], ix.near_ids[at[close]]
    area = np.zeros(len(near))
    # batches keep the (edge, disc) temporaries in cache
    for s in range(0, len(item), _PAIR_BATCH):
        b = slice(s, s + _PAIR_BATCH)
        area += _arcs(ix, eid[b], item[b], lon, lat, r)
    # centre inside: decided by the cell's distance when it can be, else tested
    inside = (sd > ix.hd_km).astype(np.float64)
    unsure = np.flatnonzero(np.abs(sd) <= ix.hd_km)
    if len(unsure):
        inside[unsure] = _contains_by_zone(ix, zo[unsure], lon[unsure], lat[unsure])
    return np.clip(inside + area / (math.pi * r * r), 0.0, 1.0)


def _arcs(
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
    kx, ky = _km_per_deg(lat)
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


def _contains_by_zone(ix: ZoneIndex, zo: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``contains_xy(zone[zo[i]], x[i], y[i])``, one shapely call per zone present."""
    out = np.zeros(len(zo), dtype=bool)
    order = np.argsort(zo, kind="stable")
    cuts = np.flatnonzero(np.diff(zo[order])) + 1
    for grp in np.split(order, cuts):
        if len(grp):
            out[grp] = shapely.contains_xy(ix.geoms[int(zo[grp[0]])], x[grp], y[grp])
    return out


def _disc_area(
    ix: ZoneIndex, zo: np.ndarray, lon: np.ndarray, lat: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Share of each pair's disc (centre lon, lat; radius r > 0 km) inside its zone.

    Radii on the table ladder (1 km and up) interpolate cached share tables; the rest are
    computed directly (:func:`_direct`). Which path a pair takes depends only on its radius and
    the index, never on the other events of the call, so a share does not depend on batching.
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
        out[rest] = _direct(ix, zo[rest], lon[rest], lat[rest], r[rest])
    return out


@dataclass(frozen=True, eq=False)
class _Table:
    """Shares of discs of radius ``rho0`` and ``rho1`` at the nodes of a lattice over each zone's
    reach (node spacing ``rho0 / _NODES_PER_RADIUS``), for radii in ``[rho0, rho1)``.

    Filled lazily: a node is computed (with :func:`_direct`) the first time a disc near it asks.
    ``values`` packs ``round(share * _Q)`` for ``rho0`` (low 16 bits) and ``rho1`` (high 16);
    ``_UNSET`` in a half: not computed yet.
    """

    rho0: float
    rho1: float
    dlon: float
    dlat: float
    x0: np.ndarray
    y0: np.ndarray
    nx: np.ndarray
    ny: np.ndarray
    off: np.ndarray
    values: np.ndarray


def _table(ix: ZoneIndex, step: int) -> _Table | None:
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
    kx, ky = _km_per_deg(pole)
    mx = (rho1 + 2 * h_km) / float(kx)
    my = (rho1 + 2 * h_km) / float(min(ky, _km_per_deg(0.0)[1]))
    x0, y0 = bb[:, 0] - mx, bb[:, 1] - my
    nx = np.ceil((bb[:, 2] + mx - x0) / dlon).astype(np.int64) + 2
    ny = np.ceil((bb[:, 3] + my - y0) / dlat).astype(np.int64) + 2
    size = nx * ny
    tab: _Table | None = None
    if int(size.sum()) <= _TABLE_BUDGET:
        off = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        values = np.full(int(size.sum()), 0xFFFFFFFF, dtype=np.uint32)
        tab = _Table(rho0, rho1, dlon, dlat, x0, y0, nx, ny, off, values)
    ix.tables[step] = tab
    return tab


def _lookup(
    ix: ZoneIndex, tab: _Table, zo: np.ndarray, lon: np.ndarray, lat: np.ndarray, w: np.ndarray
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


def _fill(ix: ZoneIndex, tab: _Table, nodes: np.ndarray, half: int) -> None:
    """Compute the table's ``nodes`` (flat ids) directly, at rho0 (half 0) or rho1 (half 1)."""
    zo = np.searchsorted(tab.off, nodes, side="right") - 1
    local = nodes - tab.off[zo]
    lon = tab.x0[zo] + (local % tab.nx[zo]) * tab.dlon
    lat = tab.y0[zo] + (local // tab.nx[zo]) * tab.dlat
    rho = tab.rho1 if half else tab.rho0
    # the raster, not the exact edge sum: about as accurate at a node and cheaper to fill
    s = _direct(ix, zo, lon, lat, np.full(len(nodes), rho), exact=False)
    q = np.rint(np.clip(s, 0.0, 1.0) * _Q).astype(np.uint32)
    keep = np.uint32(0xFFFF0000 if half == 0 else 0x0000FFFF)
    tab.values[nodes] = (tab.values[nodes] & keep) | (q << (16 * half))


def _direct(
    ix: ZoneIndex,
    zo: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    r: np.ndarray,
    exact: bool = True,
) -> np.ndarray:
    """Share of each disc in its zone: exact from all the edges of a simple zone (if
    ``exact``), else the raster strips (sunflower points if tiny)."""
    kx, ky = _km_per_deg(lat)
    rx = r / (kx * ix.dlon)  # disc half-axes in grid cells
    ry = r / (ky * ix.dlat)
    u = (lon - ix.lon0) / ix.dlon
    v = (lat - ix.lat0) / ix.dlat
    out = np.zeros(len(zo), dtype=np.float64)
    n_edges = ix.zone_edges[zo + 1] - ix.zone_edges[zo]
    simple = (n_edges <= _MAX_ZONE_EDGES) & exact
    sel = np.flatnonzero(simple)
    if len(sel):  # few edges in all: the exact formula over every edge of the zone
        cnt = n_edges[sel]
        offs = np.cumsum(cnt) - cnt
        item = np.repeat(np.arange(len(sel)), cnt)
        eid = np.arange(len(item)) + np.repeat(ix.zone_edges[zo[sel]] - offs, cnt)
        xs, ys, rs = lon[sel], lat[sel], r[sel]
        inside = _contains_by_zone(ix, zo[sel], xs, ys)
        area = _arcs(ix, eid, item, xs, ys, rs)
        out[sel] = np.clip(inside + area / (math.pi * rs * rs), 0.0, 1.0)
    tiny = ~simple & (np.minimum(rx, ry) * ix.sub < _MIN_RADIUS_PX)
    big = np.flatnonzero(~simple & ~tiny)
    for s in range(0, len(big), _BATCH):
        b = big[s : s + _BATCH]
        out[b] = _strips(ix, zo[b], u[b], v[b], rx[b], ry[b])
    small = np.flatnonzero(tiny)
    if len(small):
        dx, dy = _sunflower(_K_TINY)
        sx = (lon[small, None] + (rx[small] * ix.dlon)[:, None] * dx).ravel()
        sy = (lat[small, None] + (ry[small] * ix.dlat)[:, None] * dy).ravel()
        hit = _contains_by_zone(ix, np.repeat(zo[small], _K_TINY), sx, sy)
        out[small] = hit.reshape(len(small), _K_TINY).mean(axis=1)
    return out


def _chord_integral(t: np.ndarray) -> np.ndarray:
    """Integral of the unit disc's full chord, 2 sqrt(1 - s^2), from 0 to ``t`` (|t| <= 1)."""
    return t * np.sqrt(1.0 - t * t) + np.arcsin(t)


def _strips(
    ix: ZoneIndex, zo: np.ndarray, u: np.ndarray, v: np.ndarray, rx: np.ndarray, ry: np.ndarray
) -> np.ndarray:
    """Raster share of ellipses (centre u, v; half-axes rx, ry; grid cells) in their zones.

    The ellipse is cut into :data:`STRIPS` bands of whole pixel rows; each band is a rectangle
    as wide as the ellipse's mean width over the band, with fractional ends: the raster is
    integrated exactly over it, by linear interpolation of the summed-area table along x.
    Share = that integral / the bands' area (= the ellipse's).
    """
    sub = ix.sub
    w = ix.rwin[zo]
    wd = w[:, 2] * sub  # window width and height in pixels
    ht = w[:, 3] * sub
    x = (u - w[:, 0]) * sub
    y = (v - w[:, 1]) * sub
    px, py = rx * sub, ry * sub
    m = np.arange(STRIPS + 1) / STRIPS
    # band edges on whole pixel rows (row i spans [i, i + 1))
    e = np.floor((y - py)[:, None] + (2 * py)[:, None] * m + 0.5)
    t = np.clip((e - y[:, None]) / py[:, None], -1.0, 1.0)
    chord = np.diff(_chord_integral(t), axis=1)  # ellipse area of each band, in px * py units
    nrow = np.diff(e, axis=1)
    # mean half-width over the band's rows (rows past the ellipse's top or bottom count as 0)
    half = chord / np.maximum(nrow, 1.0) * (0.5 * (px * py)[:, None])
    total = (nrow * half).sum(axis=1) * 2.0
    rows = np.clip(e, 0, ht[:, None]).astype(np.int64) * (wd + 1)[:, None] + ix.sat_off[zo][:, None]
    b0, b1 = rows[:, :-1], rows[:, 1:]
    wdc = wd[:, None]
    sat = ix.sat

    def cum(xe: np.ndarray) -> np.ndarray:
        # raster integral over the band from the window's left edge to xe (pixels)
        xc = np.clip(xe, 0, wdc)
        c = np.minimum(xc.astype(np.int64), wdc - 1)
        a0 = sat[b1 + c] - sat[b0 + c]
        a1 = sat[b1 + c + 1] - sat[b0 + c + 1]
        return a0 + (xc - c) * (a1 - a0)

    inside = (cum(x[:, None] + half) - cum(x[:, None] - half)).sum(axis=1)
    return inside / (np.maximum(total, 1e-12) * ix.cover)


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
