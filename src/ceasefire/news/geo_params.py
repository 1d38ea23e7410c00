"""The geoparser's tunable choices in one place: thresholds, weights, population cut-offs and
the abstention threshold (:class:`GeoParams`).

``scripts/eval_geoparsing.py --loco`` chooses them on two gold corpora and reports the third
(leave-one-corpus-out); the per-fold choices are kept in
``tests/data/geoparsing-gold/loco_params.json`` and read back with :func:`load_params`. The
defaults are, for each parameter, the median of the three folds' choices (for the country point
convention, the choice of the majority): see ``docs/geoparsing.md``.

>>> DEFAULT_PARAMS.country_bonus
0.1
>>> replace(DEFAULT_PARAMS, country_bonus=0.3).country_bonus
0.3
>>> GeoParams.from_dict({"country_bonus": 0.1, "unknown": 1}).country_bonus
0.1
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["COUNTRY_POINTS", "DEFAULT_PARAMS", "GeoParams", "load_params", "replace"]

COUNTRY_POINTS = ("geonames", "label", "factbook")
"""Conventions for a country's point: GeoNames' (typed in for about 60 countries, else Natural
Earth's label point), Natural Earth's label point, the CIA World Factbook's (countryinfo)."""


@dataclass(frozen=True)
class GeoParams:
    """Every tunable choice of recognition and resolution (see the fields' comments)."""

    # -- world-layer ranking: score = prominence_weight * prominence + near_weight * context
    #    + country_bonus (same country as the document) + admin1_bonus (inside the division
    #    named next to it: "London, Ontario")
    prominence_weight: float = 0.6
    near_weight: float = 0.3
    near_km: float = 200.0
    """Distance to the nearest other place of the document at which the context term halves."""
    country_bonus: float = 0.1
    admin1_bonus: float = 0.6
    """Bonus for a place inside the first-level division or country written right after it
    ("Paris, Texas"); 0 turns the rule off."""
    alias_penalty: float = 0.1
    """Taken off a place matched by an alternate name when another place of the same name has
    it as its main name; 0 turns the rule off."""
    admin1_prominence: float = 0.75
    region_prominence: float = 1.3
    """Prominence of macro-regions, seas, rivers and lakes (countries and continents: 1.3)."""
    country_points: str = "geonames"
    """One of :data:`COUNTRY_POINTS`."""
    # -- document context
    dateline_weight: float = 1.0
    """How many mentions a dateline's country ("KABUL, Afghanistan -") counts for when the
    document's country is chosen; 1 = an ordinary mention."""
    regions_first: bool = True
    """A macro-region, sea, river or lake of the world layer named exactly so is taken before
    the Syria gazetteer's fuzzy matches ("Sahel" the region, not a Syrian village)."""
    # -- Syria gazetteer
    syria_min: float = 0.6
    strict_min: float = 0.7
    # -- recognition (ceasefire.news.recognition)
    min_population: int = 50_000
    min_population_loose: int = 100_000
    min_population_person: int = 500_000
    # -- person names (ceasefire.news.person_names)
    person_names: bool = True
    """Names of people (a known person, after a title, "Bashar al-Assad") are never places."""
    # -- abstention: a city of the world layer with fewer than ``abstain_population`` people,
    #    ambiguous (another place of that name exists) and without support from the document
    #    (not in its country, nothing of the document within ``near_km``) stays unresolved
    abstain_population: int = 0
    """0 turns abstention off."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeoParams:
        """Parameters from a mapping; unknown keys are ignored, missing ones keep defaults."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_PARAMS = GeoParams()


def load_params(path: Path) -> dict[str, GeoParams]:
    """The per-fold parameters a LOCO run chose: ``{held-out corpus: params}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: GeoParams.from_dict(p) for name, p in data["folds"].items()}
