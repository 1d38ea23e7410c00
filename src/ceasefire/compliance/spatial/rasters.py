"""A disc's share of a zone from the zone's raster, and the rasters themselves.

Each zone gets a raster over its bounding box (in coarse grid cells, :mod:`.index`): 100 m
pixels for 1 km cells (:data:`_SUB` per cell side), coarser when there are many or large zones
(:data:`_SAT_BUDGET`). Pixels of cells the grid decided copy the cell's state; boundary pixels
are tested with :func:`shapely.contains_xy`, and those along the boundary anti-aliased with up
to 4 x 4 point tests (:data:`_AA_BUDGET`), so a pixel holds its area inside the zone. The raster
is kept as a summed-area table (:func:`build_rasters`).

A disc (an ellipse in the grid's lon/lat cells) is cut into :data:`STRIPS` horizontal strips of
its mean width, each integrated exactly over the raster with 8 look-ups (:func:`_strips`).
:func:`direct_shares` is the share computed without a table (:mod:`.tables` fills its nodes with
it): the exact edge formula (:mod:`.edges`) for zones of at most 48 edges when asked, else
the raster strips, or, for discs under 6 pixels, 256 sunflower points tested with
:func:`shapely.contains_xy`.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import shapely

from .edges import arc_areas, contains_by_zone
from .frame import km_per_deg
from .model import ZoneIndex, expand

__all__ = ["STRIPS", "build_rasters", "direct_shares", "pixels_per_cell"]

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
#: A zone with at most this many edges gets exact shares from all its edges where its raster
#: would be used directly (not for table nodes: the raster is cheaper there).
_MAX_ZONE_EDGES: Final = 48
#: Discs per strip batch (keeps the (discs, strips) temporaries in cache).
_BATCH: Final = 1 << 12


def direct_shares(
    ix: ZoneIndex,
    zo: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    r: np.ndarray,
    exact: bool = True,
) -> np.ndarray:
    """Share of each disc in its zone: exact from all the edges of a simple zone (if
    ``exact``), else the raster strips (sunflower points if tiny)."""
    kx, ky = km_per_deg(lat)
    rx = r / (kx * ix.dlon)  # disc half-axes in grid cells
    ry = r / (ky * ix.dlat)
    u = (lon - ix.lon0) / ix.dlon
    v = (lat - ix.lat0) / ix.dlat
    out = np.zeros(len(zo), dtype=np.float64)
    n_edges = ix.zone_edges[zo + 1] - ix.zone_edges[zo]
    simple = (n_edges <= _MAX_ZONE_EDGES) & exact
    sel = np.flatnonzero(simple)
    if len(sel):  # few edges in all: the exact formula over every edge of the zone
        item, eid = expand(ix.zone_edges[zo[sel]], n_edges[sel])
        xs, ys, rs = lon[sel], lat[sel], r[sel]
        inside = contains_by_zone(ix, zo[sel], xs, ys)
        area = arc_areas(ix, eid, item, xs, ys, rs)
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
        hit = contains_by_zone(ix, np.repeat(zo[small], _K_TINY), sx, sy)
        out[small] = hit.reshape(len(small), _K_TINY).mean(axis=1)
    return out


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


def _chord_integral(t: np.ndarray) -> np.ndarray:
    """Integral of the unit disc's full chord, 2 sqrt(1 - s^2), from 0 to ``t`` (|t| <= 1)."""
    return t * np.sqrt(1.0 - t * t) + np.arcsin(t)


def _sunflower(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points spread evenly over the unit disc (Vogel's sunflower pattern)."""
    i = np.arange(k, dtype=np.float64) + 0.5
    rho = np.sqrt(i / k)
    theta = i * math.pi * (3.0 - math.sqrt(5.0))
    return rho * np.cos(theta), rho * np.sin(theta)


def build_rasters(
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


def pixels_per_cell(rwin: np.ndarray) -> int:
    """Raster pixels per grid cell side: :data:`_SUB`, fewer where the zones' rasters (``rwin``:
    x0, y0, nx, ny in grid cells) would hold more than :data:`_SAT_BUDGET` pixels in all."""
    budget_sub = math.isqrt(max(_SAT_BUDGET // max(int((rwin[:, 2] * rwin[:, 3]).sum()), 1), 1))
    return max(1, min(_SUB, budget_sub))
