"""Linear referencing along a route: a kilometre mark and an offset for every point.

:class:`RouteLine` holds a route's vertices in the metric CRS (EPSG:32637) with the kilometre
mark of each, and the named places near it with theirs. :meth:`RouteLine.locate_xy` projects any
number of points at once: segment by segment over all points, keeping the nearest. This matches
shapely's ``line_locate_point``/``distance`` to within a millimetre
(tests/test_patrols_linear.py) and, for the few-segment routes drawn through towns, is several
times faster than GEOS; long surveyed routes go to GEOS's own array functions.

>>> from ceasefire.zones import load_zones
>>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
>>> round(m4.length_km, 1)
60.0
>>> km, off = m4.locate([36.717282], [35.87177])          # Nayrab, a vertex of the line
>>> round(float(km[0]), 1), round(float(off[0]), 3)
(4.7, 0.0)
>>> m4.place_near(5.0)
'Nayrab'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from ..errors import GeometryError, TrackError
from ..zones import METRIC_CRS, Zone, places, to_metric
from ..zones.model import transformer
from .model import Track

__all__ = ["RouteLine"]

#: routes with more segments than this are located by GEOS rather than segment by segment
_SEGMENT_LOOP_MAX = 64
#: a km mark is named after a place only when the place lies within this many km of it (a long
#: route, such as a zone's boundary, has stretches far from every place in the gazetteer)
NEAR_PLACE_KM = 10.0


@dataclass(frozen=True, eq=False)
class RouteLine:
    """A route as vertices in ``crs`` with their km marks, and named places with theirs."""

    route_id: str
    x: np.ndarray
    y: np.ndarray
    km: np.ndarray
    #: (name, km mark, offset km) of the named places within 5 km of the line, in km order
    places: tuple[tuple[str, float, float], ...] = ()
    crs: str = METRIC_CRS

    @property
    def length_km(self) -> float:
        return float(self.km[-1])

    @property
    def closed(self) -> bool:
        """Whether the route is a loop (a zone's boundary): it ends where it starts."""
        return len(self.x) > 2 and bool(
            np.hypot(self.x[0] - self.x[-1], self.y[0] - self.y[-1]) < 1.0
        )

    @classmethod
    def from_zone(
        cls, zone: Zone, *, crs: str = METRIC_CRS, max_place_km: float = 5.0
    ) -> RouteLine:
        """From a route zone (one LineString, WGS84), or an area's outer boundary (the Sochi
        memorandum's patrols along the DMZ's boundaries); names the bundled places near it."""
        geom = zone.geometry
        if geom.geom_type == "MultiLineString" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom.geom_type == "Polygon":  # patrols "along the boundaries" of a zone
            geom = shapely.LineString(geom.exterior.coords)
        if geom.geom_type != "LineString":
            raise GeometryError(
                "a patrol route must be one line", field="geometry", value=geom.geom_type
            )
        xy = shapely.get_coordinates(to_metric(geom, crs))
        seg = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1])) / 1000.0
        line = cls(
            zone.id,
            xy[:, 0].copy(),
            xy[:, 1].copy(),
            np.concatenate([[0.0], np.cumsum(seg)]),
            crs=crs,
        )
        pl = places()
        km, off = line.locate(pl["lon"].to_numpy(float), pl["lat"].to_numpy(float))
        near = sorted(
            (round(float(k), 6), float(o), str(n))
            for n, k, o in zip(pl["name"], km, off, strict=True)
            if o <= max_place_km
        )
        named = tuple((n, k, o) for k, o, n in near)
        return cls(line.route_id, line.x, line.y, line.km, named, crs)

    def to_xy(
        self, lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 lon/lat to this line's metric CRS (one pyproj call for all points)."""
        x, y = transformer("EPSG:4326", self.crs).transform(
            np.asarray(lon, float), np.asarray(lat, float)
        )
        return np.asarray(x), np.asarray(y)

    def locate(
        self, lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(km mark, offset km) of WGS84 points: see :meth:`locate_xy`."""
        return self.locate_xy(*self.to_xy(lon, lat))

    def locate_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(km mark along the line, distance from it in km) of metric points, all at once.

        A route of up to ``_SEGMENT_LOOP_MAX`` segments (a road drawn through towns) is done
        one segment at a time over all points (whole-array passes keeping the nearest so far:
        no points x segments temporaries); a longer one (a surveyed road) goes to GEOS
        (``shapely.line_locate_point`` and ``distance``, each over all points at once)."""
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        if len(self.x) - 1 > _SEGMENT_LOOP_MAX:
            line = shapely.LineString(np.column_stack([self.x, self.y]))
            pts = shapely.points(x, y)
            km = shapely.line_locate_point(line, pts) / 1000.0
            return km, shapely.distance(line, pts) / 1000.0
        n = len(x)
        best = np.full(n, np.inf)
        km = np.zeros(n)
        px, py, t, ex, ey = (np.empty(n) for _ in range(5))
        closer = np.empty(n, dtype=bool)
        for j in range(len(self.x) - 1):  # a few segments; each pass is whole-array, in place
            ax, ay = self.x[j], self.y[j]
            dx, dy = self.x[j + 1] - ax, self.y[j + 1] - ay
            l2 = dx * dx + dy * dy or 1.0
            np.subtract(x, ax, out=px)
            np.subtract(y, ay, out=py)
            np.multiply(px, dx / l2, out=t)
            t += py * (dy / l2)
            np.clip(t, 0.0, 1.0, out=t)
            np.multiply(t, -dx, out=ex)
            ex += px
            np.multiply(t, -dy, out=ey)
            ey += py
            ex *= ex
            ey *= ey
            ex += ey  # squared distance to the segment
            np.less(ex, best, out=closer)
            np.copyto(best, ex, where=closer)
            t *= self.km[j + 1] - self.km[j]
            t += self.km[j]
            np.copyto(km, t, where=closer)
        km[~np.isfinite(best)] = np.nan  # a point without coordinates has no mark
        return km, np.sqrt(best) / 1000.0

    def xy_at(self, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metric points at km marks (clipped to the line)."""
        k = np.clip(km, 0.0, self.length_km)
        return np.interp(k, self.km, self.x), np.interp(k, self.km, self.y)

    def lonlat_at(self, km: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 (lon, lat) of the route's points at km marks (clipped to the line).

        >>> from ceasefire.zones import load_zones
        >>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
        >>> lon, lat = m4.lonlat_at([0.0])
        >>> round(float(lon[0]), 4), round(float(lat[0]), 4)
        (36.7667, 35.8589)
        """
        x, y = self.xy_at(np.asarray(km, dtype="float64"))
        lon, lat = transformer(self.crs, "EPSG:4326").transform(x, y)
        return np.asarray(lon), np.asarray(lat)

    def place_near(self, km: float) -> str:
        """The named place nearest the point at a km mark ("" when the line has none within
        :data:`NEAR_PLACE_KM`): nearest in a straight line, so Trumba (on the line) wins over
        Saraqib (3.6 km off it) at km 0. On a loop, km marks near its end are near its start.

        >>> from ceasefire.zones import load_zones
        >>> dmz = RouteLine.from_zone(load_zones()["sochi-dmz"])
        >>> dmz.closed, dmz.place_near(56.3), dmz.place_near(400.0)
        (True, 'Nayrab', '')
        """
        return self.places_near(np.array([km], dtype=float))[0]

    def places_near(self, km: np.ndarray) -> list[str]:
        """:meth:`place_near` for many km marks at once ("" for NaN)."""
        if not self.places:
            return [""] * len(km)
        marks = np.array([k for _, k, _ in self.places])
        offs = np.array([o for _, _, o in self.places])
        names = np.array([n for n, _, _ in self.places] + [""], dtype=object)
        along = np.abs(np.nan_to_num(km, nan=0.0)[:, None] - marks[None, :])
        if self.closed:  # the short way round
            along = np.minimum(along, self.length_km - along)
        d = np.hypot(along, offs[None, :])
        best = np.argmin(d, axis=1)
        far = np.take_along_axis(d, best[:, None], axis=1)[:, 0] > NEAR_PLACE_KM
        pick = np.where(np.isnan(km) | far, len(self.places), best)
        return [str(x) for x in names[pick]]

    def describe(self, km: float, *, short: bool = False) -> str:
        """A km mark in words: ``km 4.7 (Nayrab)`` or ``km 9.1 (4.4 km from Nayrab)``; with
        ``short``, a mark within 1 km of a place is just the place (``Nayrab``).

        >>> from ceasefire.zones import load_zones
        >>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
        >>> m4.describe(4.8), m4.describe(4.8, short=True)
        ('km 4.8 (Nayrab)', 'Nayrab')
        """
        name = self.place_near(km)
        if not name:
            return f"km {km:.1f}"
        d = abs({n: k for n, k, _ in self.places}[name] - km)
        if self.closed:
            d = min(d, self.length_km - d)
        if d < 1.0:
            return name if short else f"km {km:.1f} ({name})"
        return f"km {km:.1f} ({d:.1f} km from {name})"

    def check_near(self, track: Track, max_km: float = 25.0) -> None:
        """Refuse a track none of whose points lies within ``max_km`` of the route: the wrong
        route, or latitude and longitude swapped (Syria's 36 deg E, 35 deg N are easily
        crossed).

        >>> import numpy as np
        >>> from ceasefire.zones import load_zones
        >>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
        >>> t = Track(np.array(["2020-03-15T08:00"], dtype="datetime64[ns]"),
        ...           np.array([35.8589]), np.array([36.7667]), source="swapped.gpx")
        >>> m4.check_near(t)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ceasefire.errors.TrackError: swapped.gpx: point 0 coordinates: the nearest point is 109.4...
        """
        if len(track) == 0:
            return
        _, off = self.locate(track.lon, track.lat)
        i = int(np.argmin(off))
        if off[i] > max_km:
            raise TrackError(
                f"the nearest point is {off[i]:.1f} km from route {self.route_id} (limit "
                f"{max_km:.0f} km): another route, or latitude and longitude swapped?",
                file=track.source or None,
                field=f"point {i} coordinates",
                value=(float(track.lon[i]), float(track.lat[i])),
            )
