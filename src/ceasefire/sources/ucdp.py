"""UCDP Georeferenced Event Dataset (GED) CSV -> events.

GED (codebook 19.1) codes one event per row with a best/low/high death count, a date range and
precision codes for date and place, but no event type beyond ``type_of_violence``. The crosswalk
to ACLED's names is in ``docs/sources.md``; in short:

- ``id`` -> ``source_row_id`` (``"214797"``, not ``"214797.0"``) and ``event_id_cnty``
  ``UCDP-GED-<id>``; ``side_a``/``side_b`` -> ``actor1``/``actor2``, the initiator first with
  ``initiator_known`` True where the headline says who acted, else GED's order and False (side_a
  is the government side whoever fired): see :mod:`ceasefire.sources.ucdp_text`.
- ``date_start`` .. ``date_end`` (local days, Asia/Damascus; ``YYYY-MM-DD``, or with a
  ``HH:MM:SS[.fff]`` time that is dropped) -> the window
  ``[date_start 00:00, date_end + 1 day 00:00)``; ``date_prec`` -> ACLED ``time_precision``.
- ``where_prec`` -> ACLED ``geo_precision`` and ``location_uncertainty_km``.
- the headlines and the death columns (``deaths_a``/``deaths_b``/``deaths_civilians``, optional)
  -> ``event_type`` / ``sub_event_type``, ``type_of_violence`` where the text says nothing (the
  rule is in the extra column ``event_type_rule``; :mod:`ceasefire.sources.ucdp_text`). The older
  keyword rules (:data:`KEYWORD_RULES`, :func:`classify_event_type`) are kept for reference.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import ClassVar, Final

import numpy as np
import pandas as pd

from ceasefire.events import LOCAL_TIMEZONE
from ceasefire.sources.countries import from_name
from ceasefire.sources.fields import RowChecks, on_uniques
from ceasefire.sources.reader import EventReader
from ceasefire.sources.ucdp_text import read_ucdp_text
from ceasefire.vocab import SourceDataset

__all__ = [
    "BUNDLED_GED_SYRIA",
    "DATE_PREC_TO_TIME_PRECISION",
    "GEO_PRECISION_OF_WHERE_PREC",
    "KEYWORD_RULES",
    "RADIUS_KM_OF_WHERE_PREC",
    "UcdpGedSource",
    "classify_event_type",
]

#: The bundled UCDP GED Syria file (2016-01 .. 2019-11, 16,566 events; see its SOURCES.md).
BUNDLED_GED_SYRIA: Final = str(
    resources.files("ceasefire") / "data" / "ucdp" / "ged_syria_2016-01_2019-11.csv.gz"
)

#: UCDP ``date_prec`` (1 exact day, 2 2-6 days, 3 a week, 4 a month, 5 more than a month)
#: -> ACLED ``time_precision`` (1 day, 2 week, 3 month).
DATE_PREC_TO_TIME_PRECISION: Final[dict[int, int]] = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3}

#: UCDP ``where_prec`` -> ACLED ``geo_precision`` (1 exact, 2 near, 3 region).
GEO_PRECISION_OF_WHERE_PREC: Final[dict[int, int]] = {1: 1, 2: 2, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3}

#: UCDP ``where_prec`` -> radius (km) of the disc the event lies in. See docs/sources.md.
RADIUS_KM_OF_WHERE_PREC: Final[dict[int, float]] = {
    1: 2.0,  # exact location: the named town's built-up extent (as ACLED geo_precision 1)
    2: 25.0,  # "within 25 km" of the point, by the codebook's definition
    3: 40.0,  # second-order unit (Syrian district): mean ~3,000 km², elongated ones reach 40 km
    4: 80.0,  # first-order unit (governorate): mean ~13,000 km² -> 65 km equal-area, rounded up
    5: 60.0,  # a linear feature (road, river, front) or "part of country": a band, not a disc
    6: 300.0,  # the country: Syria's 185,000 km² -> 243 km equal-area, rounded up
    7: 300.0,  # international waters or airspace: no better than the country
}
#: Radius for an absent or unknown ``where_prec``: the widest.
_UNKNOWN_RADIUS_KM: Final = 300.0

#: Keyword rules, first match wins: (rule name, words, event_type, sub_event_type). Words are
#: regexes over the lower-cased headline and article, matched as whole words.
KEYWORD_RULES: Final[tuple[tuple[str, tuple[str, ...], str, str], ...]] = (
    ("suicide", (r"suicide\w*",), "Explosions/Remote violence", "Suicide bomb"),
    ("drone", (r"drones?", r"uavs?"), "Explosions/Remote violence", "Air/drone strike"),
    (
        "air",
        (
            r"air",
            r"airstrikes?",
            r"air-strikes?",
            r"warplanes?",
            r"war-planes?",
            r"jets?",
            r"raids?",
            r"barrels?",
            r"helicopters?",
            r"aerial",
            r"aircraft",
        ),
        "Explosions/Remote violence",
        "Air/drone strike",
    ),
    (
        "shelling",
        (
            r"shell(?:s|ed|ing)?",
            r"artillery",
            r"mortars?",
            r"rockets?",
            r"missiles?",
            r"bombard\w*",
        ),
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    ),
    (
        "explosive",
        (
            r"ieds?",
            r"car[- ]bombs?",
            r"explosives?",
            r"landmines?",
            r"mines?",
            r"booby[- ]trapped",
            r"explosions?",
            r"explodes?",
            r"exploded",
            r"detonat\w*",
        ),
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
    ),
)

#: GED's death counts by side; they tell which act of a headline killed (sources/ucdp_text.py).
_DEATH_COLUMNS: Final = ("deaths_a", "deaths_b", "deaths_civilians")

#: ``type_of_violence`` -> (event_type, sub_event_type) when no keyword fires.
_TYPE_FALLBACK: Final[dict[int, tuple[str, str]]] = {
    1: ("Battles", "Armed clash"),
    2: ("Battles", "Armed clash"),
    3: ("Violence against civilians", "Attack"),
}

#: GED dates: ``YYYY-MM-DD``, or with a time as UCDP's own CSV downloads write them
#: (``2016-01-01 00:00:00.000``); the time, always midnight in GED, is dropped (any other time
#: too: the day is kept, the row not rejected).
_LOCAL_DAY: Final = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"]
_LOCAL_DAY_PATTERN: Final = r"\d{4}-\d{1,2}-\d{1,2}(?: \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)?"


def _day(checks: RowChecks, column: str) -> pd.Series:
    """A GED date column as naive days: ``2016-01-01``, ``2016-01-01 00:00:00`` and
    ``2016-01-01 00:00:00.000`` are all 2016-01-01 (a time of day is dropped, not rejected).

    >>> raw = pd.DataFrame({"d": ["2016-01-01", "2016-01-02 00:00:00.000", "2016-01-03 12:30:00"]})
    >>> _day(RowChecks(raw, np.arange(2, 5), "f"), "d").dt.strftime("%Y-%m-%d %H:%M").tolist()
    ['2016-01-01 00:00', '2016-01-02 00:00', '2016-01-03 00:00']
    """
    return checks.date(column, _LOCAL_DAY, pattern=_LOCAL_DAY_PATTERN).dt.normalize()


@cache
def _keyword_pattern() -> re.Pattern[str]:
    """All keyword rules as one lower-case regex with a named group per rule."""
    groups = [f"(?P<r{i}>{'|'.join(words)})" for i, (_, words, _, _) in enumerate(KEYWORD_RULES)]
    initials = "".join(sorted({w[0] for _, words, _, _ in KEYWORD_RULES for w in words}))
    # The look-ahead on the initial letters lets the regex engine skip most positions fast.
    return re.compile(rf"\b(?=[{initials}])(?:{'|'.join(groups)})\b", re.ASCII)


def _first_keyword_rule(text: pd.Series) -> np.ndarray:
    """Per row, the index of the first rule in :data:`KEYWORD_RULES` that fires, else -1.

    Scans the whole column once: the texts are joined with newlines into one string, searched
    with one regex, and each match is placed back in its row by its offset.
    """
    values = text.fillna("").str.lower().str.replace("\n", " ", regex=False).tolist()
    if not values:
        return np.empty(0, dtype=np.int64)
    lengths = np.fromiter((len(v) + 1 for v in values), dtype=np.int64, count=len(values))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    matches = _keyword_pattern().finditer("\n".join(values))
    found = [(m.start(), int(str(m.lastgroup)[1:])) for m in matches]
    best = np.full(len(values), len(KEYWORD_RULES), dtype=np.int64)
    if found:
        pos, rule = np.array(found, dtype=np.int64).T
        np.minimum.at(best, np.searchsorted(starts, pos, side="right") - 1, rule)
    best[best == len(KEYWORD_RULES)] = -1
    return best


def classify_event_type(text: pd.Series, type_of_violence: pd.Series) -> pd.DataFrame:
    """ACLED ``event_type``, ``sub_event_type`` and the rule that fired, for GED rows.

    ``text`` is the article text (with the headlines); ``type_of_violence`` the GED code (1-3). A
    keyword rule fires only for a known ``type_of_violence``; unknown codes give NA.

    >>> out = classify_event_type(
    ...     pd.Series(["Warplanes target Ariha", "Clashes in Aleppo", "IS executes 3", "x"]),
    ...     pd.Series([1, 2, 3, 9]),
    ... )
    >>> out.values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Explosions/Remote violence', 'Air/drone strike', 'keyword:air'],
     ['Battles', 'Armed clash', 'type_of_violence:2'],
     ['Violence against civilians', 'Attack', 'type_of_violence:3'],
     [<NA>, <NA>, <NA>]]
    """
    text = text.astype("string")
    tov = pd.Series(type_of_violence, index=text.index).astype("Int64")
    known = tov.isin(list(_TYPE_FALLBACK)).fillna(False).to_numpy(bool)
    rule = _first_keyword_rule(text)
    conditions = [(rule == i) & known for i in range(len(KEYWORD_RULES))]
    conditions += [tov.eq(t).fillna(False).to_numpy(bool) for t in _TYPE_FALLBACK]
    types = [et for _, _, et, _ in KEYWORD_RULES] + [v[0] for v in _TYPE_FALLBACK.values()]
    subs = [st for _, _, _, st in KEYWORD_RULES] + [v[1] for v in _TYPE_FALLBACK.values()]
    rules = [f"keyword:{name}" for name, _, _, _ in KEYWORD_RULES] + [
        f"type_of_violence:{t}" for t in _TYPE_FALLBACK
    ]
    none = np.array(None, dtype=object)
    out = pd.DataFrame(
        {
            "event_type": np.select(conditions, np.array(types, dtype=object), none),
            "sub_event_type": np.select(conditions, np.array(subs, dtype=object), none),
            "event_type_rule": np.select(conditions, np.array(rules, dtype=object), none),
        },
        index=text.index,
    )
    return out.astype("string")


def _strip_suffix(s: pd.Series, suffix: str) -> pd.Series:
    out = on_uniques(s, lambda u: u.str.removesuffix(f" {suffix}").str.strip())
    return out.mask(out == "")


def _inter_code(side: pd.Series, country: pd.Series) -> pd.Series:
    """ACLED actor type from a GED side name: own government 1, foreign one 8, civilians 7."""
    pair = side.fillna("") + "\x1f" + country.fillna("")

    def code(u: pd.Series) -> pd.Series:
        name, place = u.str.split("\x1f", n=1, regex=False).str[0], u.str.split("\x1f").str[-1]
        gov = name.str.startswith("Government of ").fillna(False)
        own = gov & name.str.slice(len("Government of ")).eq(place).fillna(False)
        civ = name.eq("Civilians").fillna(False)
        out = np.select([own.to_numpy(bool), gov.to_numpy(bool), civ.to_numpy(bool)], [1, 8, 7], 0)
        return pd.Series(out, index=u.index).replace(0, pd.NA).astype("Int64")

    return on_uniques(pair, code).astype("Int64")


class UcdpGedSource(EventReader):
    """Reader for UCDP GED CSV files (``name = "ucdp_ged"``).

    >>> batch = UcdpGedSource().read(BUNDLED_GED_SYRIA)
    >>> len(batch.events), len(batch.rejects)
    (16566, 0)
    """

    name: str = SourceDataset.UCDP_GED.value
    kind: ClassVar[str] = "a UCDP GED CSV file"
    id_column: ClassVar[str] = "id"
    initiator_known: ClassVar[bool] = False
    required: ClassVar[tuple[str, ...]] = (
        "id",
        "type_of_violence",
        "side_a",
        "side_b",
        "source_office",
        "source_headline",
        "source_article",
        "where_prec",
        "where_coordinates",
        "adm_1",
        "adm_2",
        "latitude",
        "longitude",
        "country",
        "date_prec",
        "date_start",
        "date_end",
        "low",
        "best",
        "high",
    )
    #: Local calendar of GED dates (the Syria case).
    timezone: ClassVar[str] = LOCAL_TIMEZONE

    def crosswalk(self, raw: pd.DataFrame, checks: RowChecks) -> pd.DataFrame:
        """Map GED columns to event columns (see the module docstring and docs/sources.md)."""
        ids = checks.integer("id", required=True)
        lat, lon = checks.coordinates("latitude", "longitude")
        start = _day(checks, "date_start")
        end = _day(checks, "date_end")
        checks.reject(end < start, "date_end", "date_end before date_start")
        best = checks.integer("best", minimum=0, label="fatalities")
        low = checks.integer("low", minimum=0, label="fatalities_low")
        high = checks.integer("high", minimum=0, label="fatalities_high")
        tov = checks.integer("type_of_violence")
        date_prec = checks.integer("date_prec")
        where_prec = checks.integer("where_prec")

        time_start, time_end = checks.window(
            checks.good_days(start),
            checks.good_days(end),
            timezone=self.timezone,
            field="date_start",
        )

        country = checks.text("country")
        codes = pd.DataFrame(
            {"iso2": on_uniques(country, lambda u: from_name(u)["iso2"])}, index=raw.index
        )
        codes["iso"] = on_uniques(country, lambda u: from_name(u)["iso"]).astype("Int64")
        side_a, side_b = checks.text("side_a"), checks.text("side_b")
        deaths = pd.DataFrame({c: checks.text(c) for c in _DEATH_COLUMNS}, index=raw.index)
        # who did what, read from the headlines (sources/ucdp_text.py; GED's source_article,
        # "source,date,headline" per source, where a row has no headline): the initiator, if the
        # text names one, becomes actor1 with initiator_known True
        said = checks.text("source_headline").fillna(checks.text("source_article"))
        read = read_ucdp_text(said, tov, deaths, side_a, side_b)
        inter1 = _inter_code(read["actor1"], country)
        inter2 = _inter_code(read["actor2"], country)
        both = inter1.notna() & inter2.notna()
        lo_ = pd.concat([inter1, inter2], axis=1).min(axis=1)
        hi_ = pd.concat([inter1, inter2], axis=1).max(axis=1)
        headline = checks.text("source_headline")
        id_str = ids.astype("string")

        return pd.DataFrame(
            {
                "event_id_cnty": "UCDP-GED-" + id_str,
                "event_date": start.dt.strftime("%Y-%m-%d"),
                "year": start.dt.year.astype("Int64"),
                "time_precision": date_prec.map(DATE_PREC_TO_TIME_PRECISION).astype("Int64"),
                "disorder_type": "Political violence",
                "event_type": read["event_type"],
                "sub_event_type": read["sub_event_type"],
                "actor1": read["actor1"],
                "assoc_actor_1": read["assoc_actor_1"],
                "actor2": read["actor2"],
                "inter1": inter1,
                "inter2": inter2,
                "interaction": (lo_ * 10 + hi_).where(both).astype("Int64"),
                "civilian_targeting": pd.Series(pd.NA, index=raw.index, dtype="string").mask(
                    tov.eq(3).fillna(False), "Civilian targeting"
                ),
                "iso": codes["iso"],
                "iso2": codes["iso2"],
                "region": checks.text("region"),
                "country": country,
                "admin1": _strip_suffix(checks.text("adm_1"), "Governorate"),
                "admin2": _strip_suffix(checks.text("adm_2"), "district"),
                "location": checks.text("where_coordinates"),
                "latitude": lat,
                "longitude": lon,
                "geo_precision": where_prec.map(GEO_PRECISION_OF_WHERE_PREC)
                .fillna(3)
                .astype("Int64"),
                "location_uncertainty_km": where_prec.map(RADIUS_KM_OF_WHERE_PREC)
                .astype("float64")
                .fillna(_UNKNOWN_RADIUS_KM),
                "source": checks.text("source_office"),
                "notes": headline,
                "fatalities": best,
                "fatalities_low": low,
                "fatalities_high": high,
                "time_start": time_start,
                "time_end": time_end,
                "source_row_id": id_str,
                "event_type_rule": read["event_type_rule"],
                "initiator_known": read["initiator_known"],
                "initiator_words": read["initiator_words"],
                "ucdp_type_of_violence": tov,
                "ucdp_date_end": end.dt.strftime("%Y-%m-%d").astype("string"),
            },
            index=raw.index,
        )
