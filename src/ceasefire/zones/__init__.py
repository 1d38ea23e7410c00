"""Zones: the areas, routes and corridors that agreements speak of, as geometry.

Zones are built in a metric CRS (UTM 37N, EPSG:32637, for Syria) and stored and returned in WGS84
longitude/latitude. Every approximate geometry carries an :class:`Approximation`: how it was made
and its estimated error in km. Bundled zones (see docs/zones.md):

- ``m4-trumba-ain-al-havr`` (route): the M4 from Trumba to Ain al-Havr, a line through village
  centres;
- ``m4-security-corridor`` (corridor): that route, cut at Trumba and Ain al-Havr
  (:func:`clip_route`, :func:`place_point`), buffered 6 km each side, flat ends;
- ``idlib-de-escalation-area`` (area): a union of OCHA sub-districts;
- ``sochi-dmz`` (area): the part of the area within 17.5 km of its line of contact.

A user's real geometry (GeoJSON, GeoPackage, Shapefile) replaces a bundled zone by id::

    road = import_zone("m4.gpkg", "m4-trumba-ain-al-havr")
    zones = load_zones(overrides={road.id: road})   # the corridor is re-derived from the road,
                                                    # cut at Trumba and Ain al-Havr
"""

from .bundled import (
    AREA_ID,
    CORRIDOR_ID,
    DMZ_DEPTH_KM,
    DMZ_ID,
    M4_CORRIDOR_KM_EACH_SIDE,
    ROUTE_ID,
    admin_units,
    demilitarised_zone,
    line_of_contact,
    load_zones,
    place_name,
    place_point,
    places,
)
from .distance import LOCAL_LIMIT_KM, distance_km, geodesic_km, km_per_deg
from .files import (
    import_zone,
    read_geometry_file,
    read_zones,
    write_zones,
    zone_from_feature,
    zone_to_feature,
)
from .model import (
    KINDS,
    METRIC_CRS,
    WGS84,
    Approximation,
    Zone,
    area_km2,
    check_valid,
    clip_route,
    corridor,
    geometry_dimension,
    length_km,
    to_metric,
    to_wgs84,
)

__all__ = [
    "AREA_ID",
    "CORRIDOR_ID",
    "DMZ_DEPTH_KM",
    "DMZ_ID",
    "KINDS",
    "LOCAL_LIMIT_KM",
    "M4_CORRIDOR_KM_EACH_SIDE",
    "METRIC_CRS",
    "ROUTE_ID",
    "WGS84",
    "Approximation",
    "Zone",
    "admin_units",
    "area_km2",
    "check_valid",
    "clip_route",
    "corridor",
    "demilitarised_zone",
    "distance_km",
    "geodesic_km",
    "geometry_dimension",
    "import_zone",
    "km_per_deg",
    "length_km",
    "line_of_contact",
    "load_zones",
    "place_name",
    "place_point",
    "places",
    "read_geometry_file",
    "read_zones",
    "to_metric",
    "to_wgs84",
    "write_zones",
    "zone_from_feature",
    "zone_to_feature",
]
