"""Hostile inputs for the fuzz suite: hypothesis strategies that start from real files and mutate
them, and the reader calls the capped worker runs.

Every strategy starts from something real, so that the mutants get past the first line of a
reader and into its depths: the bundled UCDP file and agreements, the ACLED/GDELT/track/news
test files of ``tests/data``, the bundled zones. Mutations are the ones real files suffer:
truncation, stray bytes, swapped or missing fields, huge/negative/NaN numbers, impossible dates,
deep nesting, odd unicode, wrong encodings, compression. (The inputs built to exhaust memory or
time, alias and decompression bombs and the like, are in ``fuzz_bombs.py``.)

The ``read_*`` functions are what the worker runs (``"fuzz_inputs:read_source"``): each calls a
reader and checks that what it returned is valid, returning a small summary with a list of
``problems`` (empty when the result is valid). An exception goes back to the test, which
decides whether it is a clear error (:class:`ceasefire.errors.CeasefireError`, one line, naming
the file).

>>> from hypothesis import find
>>> find(csv_file("acled"), lambda f: f.name.endswith(".gz")).name
'acled.csv.gz'
"""

from __future__ import annotations

import contextlib
import copy
import csv
import functools
import gzip
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from hypothesis import strategies as st

__all__ = [
    "HOSTILE_NUMBERS",
    "HOSTILE_TEXT",
    "UNKNOWN_ENCODING_GPX",
    "FuzzFile",
    "agreement_file",
    "agreement_texts",
    "csv_file",
    "geojson_track_file",
    "gpx_track_file",
    "json_values",
    "mutated_bytes",
    "mutated_tree",
    "news_file",
    "read_agreement",
    "read_article",
    "read_source",
    "read_track",
    "read_zone_geometry",
    "read_zones",
    "sniff_source",
    "ucdp_head",
    "zone_file",
]

TESTS: Final = Path(__file__).resolve().parent
DATA: Final = TESTS / "data"
SRC_DATA: Final = TESTS.parent / "src" / "ceasefire" / "data"

#: Text values that break readers: empty, not-numbers, overflows, impossible dates and times,
#: markup and SQL, control characters, right-to-left marks, other scripts' digits.
HOSTILE_TEXT: Final[tuple[str, ...]] = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "-1",
    "-0",
    "0",
    "9" * 400,
    "-" + "9" * 30,
    "1,5",
    " 35.5 ",
    "0x1f",
    "1_000",
    "١٢٣",
    "2020-02-30",
    "2020-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "1969-12-31T23:59:59Z",
    "2020-03-06T00:01+25:00",
    "2020-03-06T25:61:61Z",
    "2020-03-06T00:01:00.123456789123+03:00",
    "-2020-01-01",
    "null",
    "None",
    "true",
    "O'Brien; DROP TABLE events; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%s%n",
    "../../etc/passwd",
    "\u202e\u200fevil",
    "😀" * 20,
    "Ḩalab ‘Idlib’",
    "\x00",
    "\x1b[31m",
    "\r",
    '"',
    "a\nb",
    "x" * 5000,
)
#: Numbers that break readers: NaN, infinities, over- and underflows, 64-bit edges.
HOSTILE_NUMBERS: Final[tuple[Any, ...]] = (
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    5e-324,
    10**400,
    -(10**400),
    2**63,
    -(2**63) - 1,
    2**53 + 1,
    -1,
    0,
    91,
    -181,
    361.16,
    1.5,
)


@dataclass(frozen=True)
class FuzzFile:
    """A file to write and read: its name (the suffix picks the format) and its bytes."""

    name: str
    data: bytes

    def __repr__(self) -> str:  # hypothesis prints failing examples: keep them readable
        head = self.data[:600]
        more = f" ... ({len(self.data):,} bytes)" if len(self.data) > 600 else ""
        return f"FuzzFile({self.name!r}, {head!r}{more})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # hypothesis's printer asks this
        p.text(repr(self))


# ------------------------------------------------------------------------------ base material


@functools.cache
def ucdp_head() -> str:
    """The bundled UCDP GED file's header and first six rows (real rows, CC BY 4.0)."""
    path = next((SRC_DATA / "ucdp").glob("*.csv.gz"))
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return "".join(f.readline() for _ in range(7))


@functools.cache
def _base_text(kind: str) -> str:
    if kind == "ucdp":
        return ucdp_head()
    name = {
        "acled": "acled_idlib_2020-03.csv",
        "gdelt": "gdelt_idlib_20200305.export.CSV",
    }[kind]
    return (DATA / "sources" / name).read_text(encoding="utf-8")


_DELIMITER: Final = {"ucdp": ",", "acled": ",", "gdelt": "\t"}
_SUFFIX: Final = {"ucdp": ".csv", "acled": ".csv", "gdelt": ".export.CSV"}


@functools.cache
def _base_rows(kind: str) -> tuple[tuple[str, ...], ...]:
    text = _base_text(kind)
    if kind == "gdelt":
        return tuple(tuple(line.split("\t")) for line in text.splitlines())
    return tuple(tuple(r) for r in csv.reader(io.StringIO(text, newline="")))


@functools.cache
def agreement_texts() -> tuple[str, ...]:
    """The YAML of the bundled agreements."""
    return tuple(p.read_text("utf-8") for p in sorted((SRC_DATA / "agreements").glob("*.yaml")))


@functools.cache
def _zone_collection() -> dict[str, Any]:
    from ceasefire.zones import load_zones
    from ceasefire.zones.files import zone_to_feature

    features = []
    for zone in load_zones().values():
        feature = zone_to_feature(zone)
        if zone.kind == "area":  # the areas have ~1,000 vertices: a mutant of each is enough
            feature = zone_to_feature(
                type(zone)(
                    zone.id,
                    zone.name,
                    zone.kind,
                    zone.geometry.simplify(0.02),
                    zone.approximation,
                    zone.source,
                    zone.derived_from,
                )
            )
        features.append(json.loads(json.dumps(feature)))
    return {"type": "FeatureCollection", "features": features}


@functools.cache
def _track_docs(suffix: str) -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in sorted((DATA / "patrols").glob(f"*{suffix}")))


@functools.cache
def _news_docs() -> tuple[tuple[str, bytes], ...]:
    keep = (".txt", ".html")
    return tuple(
        (p.name, p.read_bytes())
        for p in sorted((DATA / "news").iterdir())
        if p.suffix in keep and p.stat().st_size > 0
    )


# ------------------------------------------------------------------------------------ mutation

_index = st.integers(min_value=0, max_value=2**20)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=30),
    st.sampled_from(HOSTILE_NUMBERS).map(repr),
)
hostile_value = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_TEXT),
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.integers(),
    st.floats(),
    st.integers(1, 200).map(lambda n: functools.reduce(lambda a, _: [a], range(n), [])),
    st.integers(1, 200).map(lambda n: functools.reduce(lambda a, _: {"a": a}, range(n), {})),
    st.just([]),
    st.just({}),
)
_SNIPPETS: Final = (
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xe9",
    b"\xc3",
    b"\r",
    b"\n",
    b"\r\n\r\n",
    b'"',
    b"'",
    b",",
    b"\t",
    b"<",
    b"]]>",
    b"&amp;",
    b"&#0;",
    b"{",
    b"[",
    b"}}}}",
    b"*a",
    b"&a ",
    b"!!python/object/apply:os.system ['true']",
    b"<<: *a",
    b"\xe2\x80\xae",
    b"NaN",
    b"1e400",
)


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, max_ops: int = 3) -> bytes:
    """``data`` after a few byte-level mutations: truncated, bytes inserted, deleted,
    a stretch repeated, a byte flipped."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(["truncate", "insert", "delete", "repeat", "flip"]))
        at = draw(_index) % (len(out) + 1)
        if op == "truncate":
            del out[at:]
        elif op == "insert":
            junk = draw(st.one_of(st.sampled_from(_SNIPPETS), st.binary(min_size=1, max_size=12)))
            out[at:at] = junk
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 200))]
        elif op == "repeat":
            piece = bytes(out[at : at + draw(st.integers(1, 300))])
            out[at:at] = piece * draw(st.integers(1, 50))
        elif out:
            out[at % len(out)] ^= 1 << draw(st.integers(0, 7))
    return bytes(out)


def _walk(tree: Any, choices: list[int]) -> tuple[Any, Any] | None:
    """A (container, key) reached from ``tree`` by following ``choices``; None if empty."""
    node, parent, key = tree, None, None
    for c in choices:
        if isinstance(node, dict) and node:
            k = list(node)[c % len(node)]
        elif isinstance(node, list) and node:
            k = c % len(node)
        else:
            break
        parent, key, node = node, k, node[k]
    return None if parent is None else (parent, key)


@st.composite
def mutated_tree(draw: st.DrawFn, tree: Any, max_ops: int = 3) -> Any:
    """A deep copy of a JSON/YAML tree with a few values replaced by hostile ones, keys
    removed, unknown keys added, list items repeated or swapped."""
    out = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, max_ops))):
        spot = _walk(out, draw(st.lists(_index, min_size=1, max_size=8)))
        if spot is None:
            continue
        parent, key = spot
        op = draw(st.sampled_from(["set", "set", "set", "drop", "add", "repeat", "swap"]))
        if op == "set":
            parent[key] = draw(hostile_value)
        elif op == "drop":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(hostile_text)] = draw(hostile_value)
        elif op == "repeat" and isinstance(parent, list):
            parent[key:key] = [copy.deepcopy(parent[key])] * draw(st.integers(1, 20))
        elif op == "swap" and isinstance(parent, list) and len(parent) > 1:
            other = draw(_index) % len(parent)
            parent[key], parent[other] = parent[other], parent[key]
    return out


# -------------------------------------------------------------------------- evidence (CSV/TSV)


@st.composite
def _mutated_rows(draw: st.DrawFn, kind: str) -> list[list[str]]:
    rows = [list(r) for r in _base_rows(kind)]
    for _ in range(draw(st.integers(0, 4))):
        r = draw(_index) % len(rows)
        row = rows[r]
        c = draw(_index) % max(len(row), 1)
        op = draw(
            st.sampled_from(["set", "set", "set", "swap", "drop", "add", "dup_row", "drop_row"])
        )
        if op == "set" and row:
            row[c] = draw(hostile_text)
        elif op == "swap" and row:
            d = draw(_index) % len(row)
            row[c], row[d] = row[d], row[c]
        elif op == "drop" and row:
            del row[c]
        elif op == "add":
            row.insert(c, draw(hostile_text))
        elif op == "dup_row":
            rows[r:r] = [list(row)] * draw(st.integers(1, 30))
        elif op == "drop_row" and len(rows) > 1:
            del rows[r]
    return rows


def _csv_text(kind: str, rows: list[list[str]], newline: str) -> str:
    if kind == "gdelt":  # GDELT is tab-separated without quoting
        return "".join("\t".join(r) + newline for r in rows)
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=_DELIMITER[kind], lineterminator=newline).writerows(rows)
    return buf.getvalue()


@st.composite
def csv_file(draw: st.DrawFn, kind: str) -> FuzzFile:
    """A mutated UCDP GED, ACLED or GDELT 2.0 file (``kind``), plain or gzip, named for it."""
    rows = draw(_mutated_rows(kind))
    text = _csv_text(kind, rows, draw(st.sampled_from(["\n", "\r\n", "\r"])))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    data = draw(mutated_bytes(data))
    name = kind + _SUFFIX[kind]
    wrap = draw(st.sampled_from(["plain", "plain", "plain", "gzip", "gzip-cut", "gz-name"]))
    if wrap in ("gzip", "gzip-cut"):
        data = gzip.compress(data, mtime=0)
        if wrap == "gzip-cut":
            data = data[: draw(_index) % (len(data) + 1)]
        name += ".gz"
    elif wrap == "gz-name":  # plain text named .gz
        name += ".gz"
    return FuzzFile(name, data)


# ------------------------------------------------------------------------- agreements (YAML)


@st.composite
def agreement_file(draw: st.DrawFn) -> FuzzFile:
    """A bundled agreement with hostile values in its tree, dumped as YAML, then text-level
    mutations (YAML tags, anchors and aliases among the inserted snippets)."""
    text = draw(st.sampled_from(agreement_texts()))
    if draw(st.booleans()):
        tree = draw(mutated_tree(yaml.safe_load(text)))
        unicode = draw(st.booleans())
        # a value YAML cannot write: keep the text as it was
        with contextlib.suppress(yaml.YAMLError, RecursionError, ValueError):
            text = yaml.safe_dump(tree, allow_unicode=unicode, sort_keys=False)
    return FuzzFile("agreement.yaml", draw(mutated_bytes(text.encode("utf-8"))))


# ----------------------------------------------------------------------------- zones (GeoJSON)


def _bow_tie(feature: dict[str, Any]) -> dict[str, Any]:
    f = copy.deepcopy(feature)
    f["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[36.0, 35.0], [37.0, 36.0], [37.0, 35.0], [36.0, 36.0], [36.0, 35.0]]],
    }
    return f


@st.composite
def zone_file(draw: st.DrawFn) -> FuzzFile:
    """The bundled zones (areas simplified) as a GeoJSON FeatureCollection, one Feature, or one
    bare geometry, with hostile values, bow-ties, swapped axes, odd CRS members, then text-level
    mutations (``NaN``, ``1e400``, brackets among the snippets)."""
    fc = _zone_collection()
    doc: Any = copy.deepcopy(fc)
    shape = draw(st.sampled_from(["collection", "feature", "geometry"]))
    if shape != "collection":
        doc = doc["features"][draw(_index) % len(doc["features"])]
        if shape == "geometry":
            doc = doc["geometry"]
    extra = draw(st.sampled_from(["none", "none", "bow-tie", "swap-axes", "crs"]))
    if extra == "bow-tie" and shape == "collection":
        doc["features"].append(_bow_tie(doc["features"][0]))
    elif extra == "swap-axes":
        doc = json.loads(
            json.dumps(doc).replace("36.", "@@").replace("35.", "36.").replace("@@", "35.")
        )
    elif extra == "crs" and isinstance(doc, dict):
        name = draw(
            st.sampled_from(
                ["EPSG:32637", "urn:ogc:def:crs:EPSG::3857", "EPSG:999999", "x", "", "EPSG:4326"]
            )
        )
        doc["crs"] = {"type": "name", "properties": {"name": name}}
    if draw(st.booleans()):
        doc = draw(mutated_tree(doc))
    try:
        text = json.dumps(doc)
    except (ValueError, RecursionError):
        text = json.dumps(fc)
    name = draw(st.sampled_from(["zone.geojson", "zone.json"]))
    return FuzzFile(name, draw(mutated_bytes(text.encode("utf-8"))))


# ------------------------------------------------------------------------ tracks (GPX, GeoJSON)


_GPX_TIMES: Final = (
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2262-04-12T00:00:00Z",
    "1677-09-21T00:00:00Z",
    "2020-03-15T07:00:00+25:00",
    "2020-03-15T07:00:00",
    "2020-03-15",
    "1584255600",
    "2020-03-15T07:00:00.9999999999Z",
)


_XML_ENCODINGS: Final = (
    "TF-8",
    "x-unknown",
    "utf-16",
    "UTF-32",
    "latin-1",
    "ebcdic-cp-us",
    "",
    'utf-8" standalone="maybe',
)
#: A GPX track whose XML declaration names an encoding no codec has (found by the long
#: profile: a LookupError from the entity check; kept as an explicit example).
UNKNOWN_ENCODING_GPX: Final = FuzzFile(
    "track.gpx",
    b'<?xml version="1.0" encoding="TF-8"?>\n<gpx xmlns="http://www.topografix.com/GPX/1/1">'
    b'<trk><trkseg><trkpt lat="35.86" lon="36.76"><time>2020-03-15T07:00:00Z</time></trkpt>'
    b"</trkseg></trk></gpx>",
)


@st.composite
def gpx_track_file(draw: st.DrawFn) -> FuzzFile:
    """A test GPX track with hostile point attributes and times, points removed, repeated or
    reordered, a declaration naming another encoding, a DOCTYPE with entities, then byte-level
    mutations."""
    text = draw(st.sampled_from(_track_docs(".gpx"))).decode("utf-8")
    lines = text.splitlines(keepends=True)
    points = [i for i, line in enumerate(lines) if "<trkpt" in line]
    for _ in range(draw(st.integers(0, 4))):
        i = points[draw(_index) % len(points)]
        op = draw(st.sampled_from(["lat", "lon", "time", "drop-time", "drop", "repeat", "swap"]))
        line = lines[i]
        if op in ("lat", "lon"):
            value = draw(st.one_of(hostile_text, st.sampled_from(HOSTILE_NUMBERS).map(str)))
            head, _, rest = line.partition(f'{op}="')
            _, _, tail = rest.partition('"')
            value = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            lines[i] = f'{head}{op}="{value}"{tail}'
        elif op == "time":
            value = draw(st.one_of(st.sampled_from(_GPX_TIMES), hostile_text))
            value = value.replace("&", "&amp;").replace("<", "&lt;")
            head, _, rest = line.partition("<time>")
            _, _, tail = rest.partition("</time>")
            lines[i] = f"{head}<time>{value}</time>{tail}"
        elif op == "drop-time":
            head, _, rest = line.partition("<time>")
            _, _, tail = rest.partition("</time>")
            lines[i] = head + tail
        elif op == "drop":
            lines[i] = ""
        elif op == "repeat":
            lines[i] = line * draw(st.integers(2, 30))
        else:
            j = points[draw(_index) % len(points)]
            lines[i], lines[j] = lines[j], lines[i]
    text = "".join(lines)
    if draw(st.integers(0, 4)) == 0:  # a declaration that lies about the encoding
        text = text.replace(
            'encoding="UTF-8"', f'encoding="{draw(st.sampled_from(_XML_ENCODINGS))}"'
        )
    if draw(st.integers(0, 9)) == 0:
        text = text.replace(
            "?>\n",
            '?>\n<!DOCTYPE gpx [<!ENTITY a "35.8"><!ENTITY b "&a;&a;&a;&a;">]>\n',
            1,
        ).replace('lat="35.858874"', 'lat="&a;"')
    return FuzzFile("track.gpx", draw(mutated_bytes(text.encode("utf-8"))))


@st.composite
def geojson_track_file(draw: st.DrawFn) -> FuzzFile:
    """A test GeoJSON track (or plan) with hostile coordinates and times, then byte-level
    mutations."""
    doc = json.loads(draw(st.sampled_from(_track_docs(".geojson"))))
    features = doc.get("features") or [doc]
    feature = features[draw(_index) % len(features)]
    coords = feature["geometry"]["coordinates"]
    times = feature.get("properties", {}).get("coordTimes")
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["coord", "time", "unix-time", "drop-time", "tree"]))
        if op == "coord" and coords and isinstance(coords[0], list):
            k = draw(_index) % len(coords)
            coords[k] = list(coords[k])
            coords[k][draw(_index) % len(coords[k])] = draw(hostile_value)
        elif op == "time" and times:
            times[draw(_index) % len(times)] = draw(
                st.one_of(st.sampled_from(_GPX_TIMES), hostile_value)
            )
        elif op == "unix-time" and coords and isinstance(coords[0], list):
            k = draw(_index) % len(coords)
            coords[k] = [*coords[k][:3], draw(st.sampled_from(HOSTILE_NUMBERS))]
        elif op == "drop-time" and times:
            del times[draw(_index) % len(times)]
        else:
            doc = draw(mutated_tree(doc, max_ops=1))
    try:
        text = json.dumps(doc)
    except (ValueError, RecursionError):
        text = "{}"
    return FuzzFile("track.geojson", draw(mutated_bytes(text.encode("utf-8"))))


# ------------------------------------------------------------------------------ news articles

_NEWS_INSERTS: Final = (
    b'<meta charset="x-unknown">',
    b'<meta charset="utf-16">',
    b'<meta charset="cp1252">',
    b'<meta http-equiv="Content-Type" content="text/html; charset=utf-7">',
    b"<script>",
    b"<style>",
    b"<!--",
    b"<![CDATA[",
    b"<div>" * 200,
    b"</p>" * 50,
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00\x00",
    b"\x01\x02\x03\x04\x05\x06\x07\x08",
    "\u202e".encode(),
    b"\r\n\r\n\r\n",
    b"ADVERTISEMENT\n",
    b"(c) 2020 Example News Ltd.\n",
    b"By " + b"A" * 300 + b"\n",
    b"x" * 20_000,
)


@st.composite
def news_file(draw: st.DrawFn) -> FuzzFile:
    """A test article (plain text or HTML) with hostile markup, charsets, byte-order marks and
    control bytes inserted, then byte-level mutations."""
    name, data = draw(st.sampled_from(_news_docs()))
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(_index) % (len(out) + 1)
        out[at:at] = draw(st.sampled_from(_NEWS_INSERTS))
    if draw(st.integers(0, 5)) == 0:  # an odd-length UTF-16 body after a BOM
        out = bytearray(b"\xff\xfe" + bytes(out) + b"\x00")
    suffix = Path(name).suffix
    return FuzzFile("article" + suffix, draw(mutated_bytes(bytes(out))))


# ------------------------------------------------------------------------------- API bodies


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Any JSON value, hostile leaves included (NaN, huge numbers, odd text)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.sampled_from(HOSTILE_NUMBERS),
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=40),
    )
    return st.recursive(
        leaves,
        lambda kids: (
            st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=10), kids, max_size=5)
        ),
        max_leaves=max_leaves,
    )


# --------------------------------------------------------------- reader calls (in the worker)


def _finite(values: Any) -> bool:
    import numpy as np

    arr = np.asarray(values, dtype="float64")
    return bool(np.isfinite(arr).all())


def read_source(path: str, source: str) -> dict[str, Any]:
    """``read_events(path, source)``, its result checked: unique uids, coordinates in range,
    time windows that end after they start, no negative deaths, rejects with a line."""
    import pandas as pd

    from ceasefire.sources import read_events

    batch = read_events(path, source)
    ev = batch.events
    problems = []
    if ev["event_uid"].isna().any() or ev["event_uid"].duplicated().any():
        problems.append("event_uid missing or repeated")
    lat, lon = ev["latitude"].astype("float64"), ev["longitude"].astype("float64")
    if not (lat.dropna().between(-90, 90).all() and lon.dropna().between(-180, 180).all()):
        problems.append("coordinates out of range")
    if len(ev) and not (_finite(lat.dropna()) and _finite(lon.dropna())):
        problems.append("coordinates not finite")
    both = ev["time_start"].notna() & ev["time_end"].notna()
    if (ev.loc[both, "time_start"] > ev.loc[both, "time_end"]).any():
        problems.append("a time window ends before it starts")
    deaths = pd.to_numeric(ev["fatalities"], errors="coerce")
    if (deaths < 0).any():
        problems.append("negative fatalities")
    if any(r.line is None or r.line < 1 for r in batch.rejects):
        problems.append("a reject without a line")
    return {"events": len(ev), "rejects": len(batch.rejects), "problems": problems}


def sniff_source(path: str) -> dict[str, Any]:
    """``detect_source`` and ``count_records`` of ``path``."""
    from ceasefire.sources import count_records, detect_source

    n = count_records(path)
    source = detect_source(path)
    return {"source": source, "records": n, "problems": [] if n >= 0 else ["negative count"]}


def read_agreement(path: str) -> dict[str, Any]:
    """``load_agreement(path)``: its id and number of provisions."""
    from ceasefire.agreements import load_agreement

    a = load_agreement(path)
    problems = [] if a.id and a.provisions else ["no id or no provisions"]
    return {"id": a.id, "provisions": len(a.provisions), "problems": problems}


def read_zone_geometry(path: str) -> dict[str, Any]:
    """``read_geometry_file(path)``: a non-empty WGS84 geometry with finite coordinates."""
    import shapely

    from ceasefire.zones import read_geometry_file

    g = read_geometry_file(path)
    xy = shapely.get_coordinates(g)
    problems = []
    if g.is_empty or not _finite(xy):
        problems.append("empty geometry or coordinates not finite")
    elif not ((abs(xy[:, 0]) <= 180).all() and (abs(xy[:, 1]) <= 90).all()):
        problems.append("coordinates out of WGS84 range")
    return {"type": g.geom_type, "points": len(xy), "problems": problems}


def read_zones(path: str) -> dict[str, Any]:
    """``read_zones(path)``: zones with ids and finite coordinates."""
    import shapely

    from ceasefire.zones import read_zones as read

    zones = read(path)
    problems = [
        f"zone {z.id!r}: no id, empty geometry or coordinates not finite"
        for z in zones.values()
        if not z.id or z.geometry.is_empty or not _finite(shapely.get_coordinates(z.geometry))
    ]
    return {"zones": sorted(zones), "problems": problems}


def read_track(path: str, planned: bool = False, repair: bool = False) -> dict[str, Any]:
    """``read_tracks(path)``: tracks with finite WGS84 points in time order."""
    import numpy as np

    from ceasefire.patrols import ReadOptions, read_tracks

    tracks = read_tracks(path, ReadOptions(require_time=not planned, repair=repair))
    problems = []
    for t in tracks:
        if not len(t):
            problems.append("a track without points")
        if not (_finite(t.lon) and _finite(t.lat)):
            problems.append("coordinates not finite")
        elif not ((np.abs(t.lon) <= 180).all() and (np.abs(t.lat) <= 90).all()):
            problems.append("coordinates out of range")
        times = t.time[~np.isnat(t.time)]
        if not planned and len(times) != len(t):
            problems.append("a point without a time")
        if not planned and (np.diff(times.astype("int64")) < 0).any():  # plans: as written
            problems.append("times out of order")
    return {"tracks": [len(t) for t in tracks], "problems": problems}


def read_article(path: str) -> dict[str, Any]:
    """``read_article(path)``: every span an offset into the text."""
    from ceasefire.news.article import read_article as read

    a = read(path)
    problems = [
        f"{name} span does not match the text"
        for name, span in (("headline", a.headline), ("dateline", a.dateline))
        if span is not None and a.text[span.start : span.end] != span.text
    ]
    if not a.text.strip():
        problems.append("empty text")
    return {"chars": len(a.text), "problems": problems}
