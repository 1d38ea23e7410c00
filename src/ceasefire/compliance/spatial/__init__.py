"""Which event discs fall in which zones, and by how much.

An event is a point (longitude, latitude, WGS84) with an uncertainty radius in km: the event lies
uniformly in the disc of that radius (radius 0: exactly at the point). Its *spatial share* in a
zone is the fraction of the disc inside the zone (radius 0: 1 if :func:`shapely.contains_xy`
says the point is in the zone, else 0). :func:`disc_shares` computes every non-zero share of many
events in many zones at once, against a :class:`ZoneIndex` built once per zone set by
:func:`build_zone_index`. Nothing here assumes Syria.

This package's interface is the names below (``__all__``); the rest of the code base imports
nothing else from it, and no module of it imports another's private names. Its modules, each
importing only those listed before it (no cycles):

- :mod:`.model`: :class:`ZoneIndex` and the share tables it keeps (data only);
- :mod:`.frame`: the local metric frame (the one distance model, :mod:`ceasefire.zones.distance`)
  and the margins its error calls for;
- :mod:`.edges`: exact areas by Green's theorem over a zone's edges, point-in-zone tests;
- :mod:`.rasters`: zone rasters (summed-area tables) and shares computed without a table;
- :mod:`.tables`: share tables on a radius ladder, filled lazily and interpolated;
- :mod:`.wide`: discs wider than the grid's reach;
- :mod:`.index`: :func:`build_zone_index`, :func:`zone_index` (the grid and what it decides);
- :mod:`.shares`: :func:`disc_shares`, the fast path;
- :mod:`.distances`: :func:`distance_to_km` (points to a route, for reasons);
- :mod:`.reference`: :func:`reference_shares`, :func:`reference_contains`: the same answers the
  slow obvious way (shapely, pyproj), that the tests hold the fast path to.

How (whole-array numpy; the Python loops run over zones, chunks of events, or radius steps):

1. *Coarse grid, decided at once.* A lon/lat grid of ``cell_km`` cells covers the zones plus a
   margin. Every cell within reach of a zone stores a lower bound of the signed distance (km,
   + inside) from its centre to the zone's boundary, in CSR arrays cell -> (zone, distance), so
   1,000 zones do not cost 1,000 passes over the events. An event whose cell's distance exceeds
   the cell's half diagonal plus its radius is inside (share 1) or outside (no pair) at once.
2. *Points on boundary cells:* :func:`shapely.contains_xy`, so exactly as shapely says.
3. *Small discs on boundary cells* (radius up to ``max_grid_radius_km``): where the cell has at
   most 8 zone edges within reach, the exact area by Green's theorem over those edges
   (:mod:`.edges`); else (a finely drawn boundary) the share tables of step 5.
4. *Wide discs* (province-level precision) find candidate zones by bounding box (above 64
   zones from a candidate grid per radius octave, each cell listing the zones a disc centred
   in it may reach); a zone wholly inside the disc gets ``area / (pi r^2)``, others step 5
   (:mod:`.wide`).
5. *Share tables* (:mod:`.tables`): for radii on a ladder ``2**(k/8)`` km (1 km and up),
   shares at lattice nodes, filled lazily from anti-aliased zone rasters kept as summed-area
   tables (:mod:`.rasters`) and interpolated. Which method a pair takes depends only on the
   index, the event and its radius, never on the rest of the call, so a share does not depend
   on batching (tables change speed, not results).
6. Discs off the ladder (under 1 km) or whose table would be too large: the exact edge formula
   for zones of at most 48 edges, else the raster strips, or, under 6 pixels, 256 sunflower
   points tested with :func:`shapely.contains_xy` (:mod:`.rasters`).

Accuracy: distances are taken in a local equirectangular frame on WGS84 (:mod:`.frame`; relative
error about ``d * tan(lat) / (2 * 6371 km)``, 0.14 % at 25 km), and decisions use distances
shrunk by 0.5 % + 10 m and radii stretched by 0.2 %. Measured against shapely's exact areas in
UTM 37N (tests/test_spatial.py, 300 discs of 0.5-75 km straddling a corridor, a concave area, a
multipolygon and a holed polygon): largest error 0.013, mean 0.002; the exact edge formula
agrees to 1e-5. tests/test_spatial_reference.py holds it to :mod:`.reference` as well.
"""

from .distances import distance_to_km
from .index import build_zone_index, zone_index
from .model import ZoneIndex
from .rasters import STRIPS
from .reference import reference_contains, reference_shares
from .shares import disc_shares

__all__ = [
    "STRIPS",
    "ZoneIndex",
    "build_zone_index",
    "disc_shares",
    "distance_to_km",
    "reference_contains",
    "reference_shares",
    "zone_index",
]
