"""The data of a zone index: :class:`ZoneIndex` and the share tables it keeps (:class:`ShareTable`).

Plain frozen dataclasses with no behaviour beyond a size: :mod:`.index` builds them, the
modules of the share paths read them; and :func:`expand`, how they all read the index's
compressed lists (CSR). Kept apart so that none of those modules imports another to know the
index's shape (no import cycles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = ["CandidateGrid", "ShareTable", "ZoneIndex", "expand"]


@dataclass(frozen=True, eq=False)
class ShareTable:
    """Shares of discs of radius ``rho0`` and ``rho1`` at the nodes of a lattice over each zone's
    reach (six nodes per ``rho0``), for radii in ``[rho0, rho1)`` (:mod:`.tables`).

    Filled lazily: a node is computed (with :func:`.rasters.direct_shares`) the first time a
    disc near it asks. ``values`` packs the share in 16 bits for ``rho0`` (low) and ``rho1``
    (high); all ones in a half: not computed yet.
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


@dataclass(frozen=True, eq=False)
class CandidateGrid:
    """For wide discs of radii in one octave ``[2**b, 2**(b + 1))`` km (:mod:`.wide`): a lon/lat
    grid whose cells list, sorted, every zone whose bounding box grown by the octave's widest
    half extent (``hx``, ``hy`` degrees) meets the cell: a superset of the zones a disc centred
    in the cell can reach."""

    lon0: float
    lat0: float
    dlon: float
    dlat: float
    nx: int
    ny: int
    indptr: np.ndarray
    zones: np.ndarray


@dataclass(frozen=True, eq=False)
class ZoneIndex:
    """Everything :func:`~ceasefire.compliance.spatial.disc_shares` needs about one zone set;
    build with :func:`~ceasefire.compliance.spatial.build_zone_index`.

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
    # per entry, its (cell, zone)'s place in the near-edge lists below (near_start, near_count)
    entry_near: np.ndarray
    # all zone edges (lon0, lat0, lon1, lat1); zone z's are zone_edges[z] : zone_edges[z + 1]
    edges: np.ndarray
    zone_edges: np.ndarray
    # per (cell, zone) of the zones' windows (an entry's entry_near): the edges a small disc in
    # the cell may cross, near_ids[start : start + count]; count -1 when there are more than 8
    # (:mod:`.index`)
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
    #: share tables by ladder step, filled lazily (see :func:`.tables.share_table`)
    tables: dict[int, ShareTable | None] = field(default_factory=dict)
    #: candidate grids of wide discs by radius octave, made lazily (see :mod:`.wide`)
    wide_grids: dict[int, CandidateGrid] = field(default_factory=dict)

    @property
    def n_zones(self) -> int:
        """Number of zones indexed.

        >>> from ceasefire.compliance.spatial import build_zone_index
        >>> build_zone_index([shapely.box(36, 35, 36.1, 35.1)]).n_zones
        1
        """
        return len(self.geoms)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (geometries not counted)."""
        arrays = [
            self.indptr, self.entry_zone, self.entry_sd, self.entry_near, self.sat, self.sat_off,
            self.edges, self.near_start, self.near_count, self.near_ids, self.near_dist,
        ]  # fmt: skip
        tabs = sum(t.values.nbytes for t in self.tables.values() if t is not None)
        tabs += sum(g.indptr.nbytes + g.zones.nbytes for g in self.wide_grids.values())
        keys = 0 if self.keys is None else self.keys.nbytes
        return sum(a.nbytes for a in arrays) + tabs + keys


def expand(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compressed lists read out: list ``i`` holds ``count[i]`` entries from ``start[i]``;
    returns, for every entry of every list in order, its list and its place (int64).

    One ``repeat`` of the list numbers, then gathers (cheaper than repeating two arrays).

    >>> row, at = expand(np.array([10, 0, 5]), np.array([2, 0, 3]))
    >>> row.tolist(), at.tolist()
    ([0, 0, 2, 2, 2], [10, 11, 5, 6, 7])
    """
    offs = np.cumsum(count) - count
    row = np.repeat(np.arange(len(count)), count)
    at = (start - offs).take(row)
    at += np.arange(len(row), dtype=np.int64)
    return row, at
