"""Country codes: FIPS 10-4 (GDELT), ISO 3166-1 alpha-2 and numeric (ACLED), and names (UCDP).

The table ``ceasefire/data/fips_iso.csv`` (``fips,iso2,iso_numeric,name``) lists every FIPS 10-4
country code with its ISO 3166-1 equivalent. Many differ (``TU`` is Turkey, ISO ``TR``; ``IZ`` is
Iraq; ``AU`` is Austria, ISO ``AT``; ``AS`` is Australia). FIPS entities with no ISO country of
their own map to the ISO entry that holds them (Gaza Strip and West Bank -> ``PS``, Baker Island
-> ``UM``) or to nothing (Akrotiri, Dhekelia, Paracel and Spratly Islands, oceans).
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources
from typing import Final

import pandas as pd

__all__ = ["country_table", "from_fips", "from_name", "iso2_from_numeric"]

#: Country names used by UCDP (or ACLED) that differ from the table's names, lower case.
_NAME_ALIASES: Final[dict[str, str]] = {
    "united states of america": "US",
    "usa": "US",
    "russia (soviet union)": "RU",
    "soviet union": "RU",
    "dr congo (zaire)": "CD",
    "dr congo": "CD",
    "democratic republic of the congo": "CD",
    "congo": "CG",
    "ivory coast": "CI",
    "côte d'ivoire": "CI",
    "myanmar (burma)": "MM",
    "burma": "MM",
    "cambodia (kampuchea)": "KH",
    "zimbabwe (rhodesia)": "ZW",
    "serbia (yugoslavia)": "RS",
    "yemen (north yemen)": "YE",
    "madagascar (malagasy)": "MG",
    "kingdom of eswatini (swaziland)": "SZ",
    "swaziland": "SZ",
    "bosnia-herzegovina": "BA",
    "macedonia, fyr": "MK",
    "macedonia": "MK",
    "palestine": "PS",
    "turkiye": "TR",
    "türkiye": "TR",
    "czechia": "CZ",
    "vietnam (north vietnam)": "VN",
    "gambia, the": "GM",
    "bahamas, the": "BS",
    "cabo verde": "CV",
    "east timor": "TL",
    "north korea": "KP",
    "south korea": "KR",
    "kosovo": "XK",
}


@cache
def country_table() -> pd.DataFrame:
    """The FIPS 10-4 -> ISO 3166-1 table (``fips, iso2, iso_numeric, name``).

    >>> t = country_table().set_index("fips")
    >>> t.loc["TU", "iso2"], int(t.loc["TU", "iso_numeric"]), t.loc["SY", "name"]
    ('TR', 792, 'Syria')
    """
    text = resources.files("ceasefire").joinpath("data/fips_iso.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))  # not pandas: "NA" is Namibia, not missing
    table = pd.DataFrame(rows, columns=["fips", "iso2", "iso_numeric", "name"])
    table["iso2"] = table["iso2"].replace("", pd.NA).astype("string")
    table["iso_numeric"] = pd.to_numeric(table["iso_numeric"].replace("", pd.NA)).astype("Int64")
    table["fips"] = table["fips"].astype("string")
    table["name"] = table["name"].astype("string")
    return table


@cache
def _iso_rows() -> pd.DataFrame:
    """One row per ISO alpha-2 code: its numeric code and a name (the FIPS entity's name)."""
    t = country_table().dropna(subset=["iso2"])
    # Prefer the entry whose name is the country itself (AU: Australia, not Coral Sea Islands).
    t = t.assign(_main=t["fips"] == t["iso2"]).sort_values(["_main"], ascending=False)
    return t.drop_duplicates("iso2").set_index("iso2")[["iso_numeric", "name"]]


def from_fips(codes: pd.Series) -> pd.DataFrame:
    """``iso2``, ``iso`` (numeric) and ``country`` for FIPS 10-4 country codes (unknown -> NA).

    >>> from_fips(pd.Series(["SY", "TU", "IZ", "XX", None]))["iso2"].tolist()
    ['SY', 'TR', 'IQ', <NA>, <NA>]
    """
    t = country_table().set_index("fips")
    key = codes.astype("string").str.strip().str.upper()
    return pd.DataFrame(
        {
            "iso2": key.map(t["iso2"]).astype("string"),
            "iso": key.map(t["iso_numeric"]).astype("Int64"),
            "country": key.map(t["name"]).astype("string"),
        },
        index=codes.index,
    )


def _name_key(names: pd.Series) -> pd.Series:
    return names.astype("string").str.strip().str.lower()


@cache
def _names_to_iso2() -> dict[str, str]:
    t = country_table().dropna(subset=["iso2"])
    table: dict[str, str] = {}
    for name, iso2 in zip(t["name"], t["iso2"], strict=True):
        table.setdefault(str(name).lower(), str(iso2))
    table.update(_NAME_ALIASES)
    return table


def from_name(names: pd.Series) -> pd.DataFrame:
    """``iso2`` and ``iso`` (numeric) for country names as UCDP and ACLED write them.

    A parenthesised former name is ignored when the full name is not known
    (``"Russia (Soviet Union)"`` -> ``RU``).

    >>> from_name(pd.Series(["Syria", "Turkey", "Russia (Soviet Union)", "Atlantis"])).iso.tolist()
    [760, 792, 643, <NA>]
    """
    lookup = _names_to_iso2()
    key = _name_key(names)
    iso2 = key.map(lookup)
    bare = key.str.replace(re.compile(r"\s*\(.*\)\s*$"), "", regex=True)
    iso2 = iso2.fillna(bare.map(lookup)).astype("string")
    return pd.DataFrame(
        {"iso2": iso2, "iso": iso2.map(_iso_rows()["iso_numeric"]).astype("Int64")},
        index=names.index,
    )


def iso2_from_numeric(numbers: pd.Series) -> pd.Series:
    """ISO 3166-1 alpha-2 for ISO numeric codes (as ACLED's ``iso``); unknown -> NA.

    >>> iso2_from_numeric(pd.Series([760, 792, 0], dtype="Int64")).tolist()
    ['SY', 'TR', <NA>]
    """
    rows = _iso_rows()
    by_number = pd.Series(rows.index.to_numpy(), index=rows["iso_numeric"].to_numpy())
    by_number = by_number[by_number.index.notna()]
    return numbers.astype("Int64").map(by_number).astype("string")
