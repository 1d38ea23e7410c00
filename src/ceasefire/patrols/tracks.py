"""Reading GPS tracks: GPX and GeoJSON LineStrings with times, checked point by point.

:func:`read_tracks` returns one :class:`~ceasefire.patrols.model.Track` per GPX ``<trk>`` (its
``<trkseg>`` joined; a ``<rte>`` is read as a plan without times) or per GeoJSON LineString
feature. Times come from GPX ``<time>``, or GeoJSON ``properties.coordTimes`` (also ``times``;
one list per part of a MultiLineString) or a 4th coordinate (ISO text or Unix seconds). Times
without an offset are UTC (as GPX says).

Nothing is dropped silently. A bad track raises :class:`~ceasefire.errors.TrackError` naming the
file, the point index, the field and the value:

- no points (an empty file, a track without ``<trkpt>``);
- a point without a time, or with a time that does not parse (unless ``require_time=False``,
  for plans);
- a time earlier than the point before it;
- a jump faster than a vehicle drives (``max_speed_kmh``, default 150 km/h);
- coordinates that are not numbers, or not finite (``NaN``, ``inf``);
- coordinates that are not WGS84 longitude/latitude (a GeoJSON ``crs`` naming another CRS,
  values outside +-180/+-90: projected metres);
- a time outside 1990-2100 (a year 9999 or 0001 among them: out of pandas' range too).

A file is held to :mod:`ceasefire.limits` before it is parsed: at most
:data:`~ceasefire.limits.MAX_TRACK_BYTES`; a GeoJSON no deeper than
:data:`~ceasefire.limits.MAX_DEPTH`, its numbers no longer than
:data:`~ceasefire.limits.MAX_NUMBER_DIGITS` digits; a GPX without entity declarations
(``<!ENTITY``: no entity expansion at all), with at most
:data:`~ceasefire.limits.MAX_XML_ELEMENTS` elements nested no deeper than
:data:`~ceasefire.limits.MAX_DEPTH`. Over a limit it raises
:class:`~ceasefire.errors.LimitError`.

With ``repair=True`` two rules apply instead, and each repair is written in ``Track.repairs``:
points out of time order are put in time order (a stable sort), and a point reached faster than
``max_speed_kmh`` from the last kept point is removed (its index and speed are recorded).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

import numpy as np
import pandas as pd

from ..errors import LimitError, TrackError
from ..limits import MAX_DEPTH, MAX_TRACK_BYTES, MAX_XML_ELEMENTS, check_size, load_json
from ..zones import distance_km
from .model import Track

__all__ = ["ReadOptions", "read_track_bytes", "read_tracks", "speeds_kmh"]

_EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")  # before GPS was in common use
_LATEST = pd.Timestamp("2100-01-01", tz="UTC")
_WGS84_NAMES = ("CRS84", "4326", "WGS84", "WGS 84")
_FEED = 1 << 16  # bytes handed to ElementTree at a time (it holds the GIL while it parses)


@dataclass(frozen=True)
class ReadOptions:
    """How to read tracks.

    >>> ReadOptions().max_speed_kmh
    150.0
    """

    #: a fix reached faster than this from the one before is a jump (GPS glitch or wrong file)
    max_speed_kmh: float = 150.0
    #: every point must carry a time (False for plans)
    require_time: bool = True
    #: sort points by time and remove jumps, recording each repair, instead of raising
    repair: bool = False


def read_tracks(path: str | Path, options: ReadOptions | None = None) -> list[Track]:
    """The tracks in a ``.gpx`` or ``.geojson``/``.json`` file, checked (see the module doc).

    >>> from pathlib import Path
    >>> import tempfile
    >>> gpx = '''<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>p1</name><trkseg>
    ... <trkpt lat="35.8589" lon="36.7667"><time>2020-03-15T08:00:00Z</time></trkpt>
    ... <trkpt lat="35.8718" lon="36.7173"><time>2020-03-15T08:10:00Z</time></trkpt>
    ... </trkseg></trk></gpx>'''
    >>> f = Path(tempfile.mkdtemp()) / "p1.gpx"; _ = f.write_text(gpx)
    >>> [(t.name, len(t)) for t in read_tracks(f)]
    [('p1', 2)]
    """
    p = Path(path)
    if not p.exists():
        raise TrackError("no such file", file=str(p))
    check_size(p.stat().st_size, file=str(p), limit=MAX_TRACK_BYTES)  # before reading it
    return read_track_bytes(p.read_bytes(), str(p), options)


def read_track_bytes(data: bytes, name: str, options: ReadOptions | None = None) -> list[Track]:
    """The tracks in the bytes of a file called ``name`` (an upload): its suffix says GPX or
    GeoJSON, and errors and sources name it as :func:`read_tracks` names a path.

    >>> read_track_bytes(b"  ", "upload.gpx")
    Traceback (most recent call last):
    ...
    ceasefire.errors.TrackError: upload.gpx: empty file: no points
    """
    options = options or ReadOptions()
    check_size(len(data), file=name, limit=MAX_TRACK_BYTES)
    if not data.strip():
        raise TrackError("empty file: no points", file=name)
    suffix = Path(name).suffix.lower()
    if suffix == ".gpx":
        raw = _gpx(data, name)
    elif suffix in (".geojson", ".json"):
        raw = _geojson(data, name)
    else:
        raise TrackError("not a track file: use .gpx or .geojson", file=name, value=suffix)
    if not raw:
        raise TrackError("no tracks in the file", file=name)
    return [_checked(r, options) for r in raw]


@dataclass
class _Raw:
    source: str
    name: str | None
    lon: list[float]
    lat: list[float]
    times: list[Any]
    properties: dict[str, str]
    timed: bool = True  # False: a GPX route (plan), no times expected


# --- GPX ------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in el if _local(c.tag) == name), None)


def _no_entities(data: bytes, file: str) -> None:
    """Refuse what ElementTree should never build, in one pass of expat before it: an entity
    declaration (GPX needs none; expat's own guard against entity bombs only starts after 8 MB
    of output, this refuses the first ``<!ENTITY``), more than
    :data:`~ceasefire.limits.MAX_XML_ELEMENTS` elements, elements nested deeper than
    :data:`~ceasefire.limits.MAX_DEPTH` (a tree of millions of elements would take gigabytes).

    >>> _no_entities(b"<gpx>" + b"<a>" * 100 + b"</a>" * 100 + b"</gpx>", "deep.gpx")
    Traceback (most recent call last):
    ...
    ceasefire.errors.LimitError: deep.gpx:1: XML elements nested deeper than 64 (the limit)
    """
    parser = expat.ParserCreate()
    depth = 0
    elements = 0

    def refuse(name: str, *_: Any) -> None:
        raise TrackError(
            "an XML entity declaration (<!ENTITY>): GPX needs none, and none is expanded",
            file=file,
            line=parser.CurrentLineNumber,
            value=name,
        )

    def start(*_: Any) -> None:
        nonlocal depth, elements
        depth += 1
        elements += 1
        if depth > MAX_DEPTH:
            raise LimitError(
                "XML elements nested deeper than",
                limit=MAX_DEPTH,
                file=file,
                line=parser.CurrentLineNumber,
            )
        if elements > MAX_XML_ELEMENTS:
            raise LimitError(
                "more XML elements than",
                limit=MAX_XML_ELEMENTS,
                file=file,
                line=parser.CurrentLineNumber,
            )

    def end(*_: Any) -> None:
        nonlocal depth
        depth -= 1

    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise TrackError(f"not valid XML: {e}", file=file) from None  # as ElementTree says
    except (LookupError, ValueError) as e:
        # <?xml encoding="..."?> names an encoding Python does not know, or one expat cannot
        # read (UTF-32: "multi-byte encodings are not supported")
        raise TrackError(f"not valid XML: {e}", file=file) from None


def _coordinate(v: str | None, file: str, field: str) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TrackError("not a number", file=file, field=field, value=v) from None
    if not math.isfinite(x):
        raise TrackError("not a finite number", file=file, field=field, value=v)
    return x


def _gpx(data: bytes, file: str) -> list[_Raw]:
    _no_entities(data, file)
    try:
        parser = ET.XMLParser()
        for at in range(0, len(data), _FEED):  # in pieces: other threads run in between
            parser.feed(data[at : at + _FEED])
        root = parser.close()
    except (ET.ParseError, ValueError) as e:
        raise TrackError(f"not valid XML: {e}", file=file) from None
    if _local(root.tag) != "gpx":
        raise TrackError("not a GPX file", file=file, field="root", value=_local(root.tag))
    out = []
    for kind, pt_tag in (("trk", "trkpt"), ("rte", "rtept")):
        for k, el in enumerate(e for e in root if _local(e.tag) == kind):
            name_el = _child(el, "name")
            name = name_el.text.strip() if name_el is not None and name_el.text else None
            lon: list[float] = []
            lat: list[float] = []
            times: list[Any] = []
            for pt in el.iter():
                if _local(pt.tag) != pt_tag:
                    continue
                i = len(lon)
                for attr, dest in (("lon", lon), ("lat", lat)):
                    field = f"{kind} {k} point {i} {attr}"
                    dest.append(_coordinate(pt.get(attr), file, field))
                t = _child(pt, "time")
                times.append(t.text.strip() if t is not None and t.text else None)
            props = {"name": name} if name else {}
            desc = _child(el, "desc")
            if desc is not None and desc.text:
                props["notes"] = desc.text.strip()
            out.append(_Raw(f"{file}#{kind} {k}", name, lon, lat, times, props, kind == "trk"))
    return out


# --- GeoJSON --------------------------------------------------------------------------------


def _geojson(data: bytes, file: str) -> list[_Raw]:
    try:
        doc = load_json(data, file=file, max_bytes=MAX_TRACK_BYTES)
    except (ValueError, UnicodeDecodeError) as e:  # json.JSONDecodeError is a ValueError
        raise TrackError(f"not valid JSON: {e}", file=file) from None
    if not isinstance(doc, dict):
        raise TrackError("not a GeoJSON object", file=file)
    _check_crs(doc.get("crs"), file)
    out = [r for k, f in enumerate(_features(doc, file)) if (r := _track(f, k, file)) is not None]
    if not out:
        raise TrackError("no LineString or MultiLineString: no track", file=file)
    return out


def _check_crs(crs: Any, file: str) -> None:
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name", crs) if isinstance(props, dict) else crs
    if not any(w in str(name).upper() for w in _WGS84_NAMES):
        raise TrackError(
            "wrong CRS: GeoJSON tracks are WGS84 longitude/latitude (RFC 7946); reproject "
            "the file (e.g. ogr2ogr -t_srs EPSG:4326)",
            file=file,
            field="crs",
            value=str(name)[:200],
        )


def _features(doc: dict[str, Any], file: str) -> list[Any]:
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
        if not isinstance(features, list):
            raise TrackError("must be a list of features", file=file, field="features")
        return features
    if doc.get("type") == "Feature":
        return [doc]
    return [{"type": "Feature", "geometry": doc, "properties": {}}]


def _object(v: Any, file: str, field: str) -> dict[str, Any]:
    """``v`` if it is a JSON object, ``{}`` if it is missing (null), else a TrackError."""
    if not v:
        return {}
    if not isinstance(v, dict):
        raise TrackError("must be an object", file=file, field=field, value=type(v).__name__)
    return v


def _lists(v: Any, file: str, field: str) -> list[list[Any]]:
    """``v`` if it is a list of lists, else a TrackError."""
    if not isinstance(v, list) or not all(isinstance(x, list) for x in v):
        raise TrackError("must be a list of lists", file=file, field=field)
    return v


def _track(f: Any, k: int, file: str) -> _Raw | None:
    """The track of feature ``k``; None when it is not a line (points, polygons: a GeoJSON may
    carry waypoints too)."""
    feature = _object(f, file, f"feature {k}")
    geom = _object(feature.get("geometry"), file, f"feature {k} geometry")
    props = _object(feature.get("properties"), file, f"feature {k} properties")
    gtype = geom.get("type")
    where = f"feature {k} geometry.coordinates"
    ct = props.get("coordTimes", props.get("times"))
    if gtype == "LineString":
        parts = _lists([geom.get("coordinates") or []], file, where)
        ptimes = [ct]
    elif gtype == "MultiLineString":
        parts = _lists(geom.get("coordinates") or [], file, where)
        ptimes = (
            list(ct)
            if isinstance(ct, list) and ct and isinstance(ct[0], list)
            else [None] * len(parts)
        )
    else:
        return None
    lon: list[float] = []
    lat: list[float] = []
    times: list[Any] = []
    for coords, ts in zip(parts, ptimes, strict=False):
        if ts is not None and (not isinstance(ts, list) or len(ts) != len(coords)):
            problem = f"{len(ts)} times for" if isinstance(ts, list) else "not a list of times for"
            raise TrackError(
                f"{problem} {len(coords)} points",
                file=file,
                field=f"feature {k} properties.coordTimes",
            )
        for j, c in enumerate(coords):
            i = len(lon)
            if not isinstance(c, list | tuple) or len(c) < 2:
                raise TrackError(
                    "not a position", file=file, field=f"feature {k} point {i}", value=c
                )
            try:
                x, y = float(c[0]), float(c[1])
            except (TypeError, ValueError):
                raise TrackError(
                    "not a number", file=file, field=f"feature {k} point {i}", value=c
                ) from None
            if not (math.isfinite(x) and math.isfinite(y)):  # JSON's NaN, Infinity
                raise TrackError(
                    "not a finite number", file=file, field=f"feature {k} point {i}", value=c
                )
            lon.append(x)
            lat.append(y)
            times.append(ts[j] if ts is not None else (c[3] if len(c) >= 4 else None))
    text_props = {
        str(key): _text(v) for key, v in props.items() if key not in ("coordTimes", "times")
    }
    return _Raw(f"{file}#feature {k}", text_props.get("name"), lon, lat, times, text_props)


def _text(v: Any) -> str:
    return ",".join(map(str, v)) if isinstance(v, list) else str(v)


# --- checks and repairs -----------------------------------------------------------------------


def speeds_kmh(time: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Speed (km/h) from each fix to the next (:func:`~ceasefire.zones.distance_km`, WGS84);
    ``inf`` for a move in no time.

    >>> t = np.array(["2020-01-01T00:00", "2020-01-01T01:00"], dtype="datetime64[ns]")
    >>> speeds_kmh(t, np.array([36.0, 36.0]), np.array([35.0, 35.5])).round(1).tolist()
    [55.5]
    """
    km = distance_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    hours = np.diff(time).astype("timedelta64[ns]").astype("int64") / 3.6e12
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(km > 0.0, km / hours, 0.0)
    return np.where((hours <= 0) & (km > 0), np.inf, v)


def _parse_times(raw: Sequence[Any], src: str) -> np.ndarray:
    values = pd.Series(list(raw), dtype="object")
    numeric = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if numeric.any():
        secs = values[numeric].astype("float64")
        odd = (secs < _EARLIEST.timestamp()) | (secs > _LATEST.timestamp())
        if odd.any():
            i = int(odd.to_numpy().nonzero()[0][0])
            i = int(secs.index[i])
            raise TrackError(
                f"time outside {_EARLIEST.year}-{_LATEST.year} (Unix milliseconds for seconds?)",
                file=src,
                field=f"point {i} time",
                value=raw[i],
            )
        out[numeric] = pd.to_datetime(secs, unit="s", utc=True)
    texts = ~numeric & values.notna()
    if texts.any():
        # parsed at the resolution pandas picks (years 0001 and 9999 fit there, not in ns),
        # checked, and only then put into nanoseconds
        parsed = pd.to_datetime(
            values[texts].astype(str), utc=True, format="ISO8601", errors="coerce"
        )
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if len(bad):
            i = int(parsed.index[bad[0]])
            raise TrackError("time does not parse", file=src, field=f"point {i} time", value=raw[i])
        late = np.flatnonzero(((parsed < _EARLIEST) | (parsed > _LATEST)).to_numpy())
        if len(late):
            i = int(parsed.index[late[0]])
            raise TrackError(
                f"time outside {_EARLIEST.year}-{_LATEST.year}",
                file=src,
                field=f"point {i} time",
                value=raw[i],
            )
        out[texts] = parsed
    return out.dt.tz_localize(None).to_numpy("datetime64[ns]")


def _checked(r: _Raw, options: ReadOptions) -> Track:
    src = r.source
    n = len(r.lon)
    if n == 0:
        raise TrackError("no points", file=src)
    lon = np.asarray(r.lon, dtype="float64")
    lat = np.asarray(r.lat, dtype="float64")
    odd = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat))
    if len(odd):  # the readers refuse these first; a Track built otherwise is checked here
        i = int(odd[0])
        raise TrackError(
            "not a finite number",
            file=src,
            field=f"point {i} coordinates",
            value=(str(r.lon[i]), str(r.lat[i])),
        )
    outside = np.flatnonzero((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if len(outside):
        i = int(outside[0])
        raise TrackError(
            "wrong CRS: not WGS84 longitude/latitude (projected metres?); reproject to EPSG:4326",
            file=src,
            field=f"point {i} coordinates",
            value=(r.lon[i], r.lat[i]),
        )
    time = _parse_times(r.times, src)
    missing = np.flatnonzero(np.isnat(time))
    if not r.timed or not options.require_time:
        return Track(time, lon, lat, src, r.name, r.properties)
    if len(missing):
        i = int(missing[0])
        what = "no point has a time" if len(missing) == n else f"{len(missing)} points have no time"
        raise TrackError(
            f"no timestamp ({what}; a track needs one on every point)",
            file=src,
            field=f"point {i} time",
        )
    repairs: list[str] = []
    back = np.flatnonzero(np.diff(time) < np.timedelta64(0, "ns")) + 1
    if len(back):
        i = int(back[0])
        if not options.repair:
            raise TrackError(
                f"time earlier than point {i - 1} ({pd.Timestamp(time[i - 1])}); "
                f"{len(back)} points out of order (repair: sort by time)",
                file=src,
                field=f"point {i} time",
                value=str(pd.Timestamp(time[i])),
            )
        order = np.argsort(time, kind="stable")
        time, lon, lat = time[order], lon[order], lat[order]
        repairs.append(f"sorted by time: {len(back)} points were out of order (first: point {i})")
    v = speeds_kmh(time, lon, lat)
    fast = np.flatnonzero(v > options.max_speed_kmh)
    if len(fast):
        if not options.repair:
            i = int(fast[0]) + 1
            raise TrackError(
                f"jump of {v[i - 1]:.0f} km/h from point {i - 1}, faster than a vehicle "
                f"(limit {options.max_speed_kmh:.0f} km/h; repair: remove the point)",
                file=src,
                field=f"point {i} position",
                value=(float(lon[i]), float(lat[i])),
            )
        keep, dropped = _drop_jumps(time, lon, lat, options.max_speed_kmh)
        time, lon, lat = time[keep], lon[keep], lat[keep]
        repairs.append(
            f"removed {len(dropped)} points reached faster than {options.max_speed_kmh:.0f} km/h: "
            + ", ".join(f"point {i} ({s:.0f} km/h)" for i, s in dropped)
        )
    return Track(time, lon, lat, src, r.name, r.properties, tuple(repairs))


def _drop_jumps(
    time: np.ndarray, lon: np.ndarray, lat: np.ndarray, limit: float
) -> tuple[np.ndarray, list[tuple[int, float]]]:
    """Keep each point reachable from the last kept one. A plain pass (repair mode only): whether
    a point stays depends on the last one kept, which no whole-array step can know."""
    keep = np.ones(len(lon), dtype=bool)
    dropped: list[tuple[int, float]] = []
    last = 0
    for i in range(1, len(lon)):
        v = speeds_kmh(time[[last, i]], lon[[last, i]], lat[[last, i]])[0]
        if v > limit:
            keep[i] = False
            dropped.append((i, float(v)))
        else:
            last = i
    return keep, dropped
