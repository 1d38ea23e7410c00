"""GDELT 2.0 event file (tab-separated, no header, 61 columns) -> events.

Every field is read as a string, so CAMEO codes keep their zero padding (``"0231"``, ``"190"``);
they go to the extra columns ``cameo_code``, ``cameo_base`` and ``cameo_root``. CAMEO is mapped
to ACLED's event types by :data:`CAMEO_TO_ACLED` (longest matching prefix wins; roots that are
not violent or protest events become "Strategic developments"/"Other", marked in
``event_type_rule``). The place is ActionGeo; its FIPS 10-4 country code is mapped to ISO 3166-1
by :mod:`ceasefire.sources.countries`. ``Day`` is a UTC calendar day.
"""

from __future__ import annotations

from typing import ClassVar, Final

import numpy as np
import pandas as pd

from ceasefire.events import DISORDER_TYPES, day_window
from ceasefire.sources.countries import from_fips
from ceasefire.sources.fields import RowChecks
from ceasefire.sources.reader import EventReader
from ceasefire.vocab import SourceDataset

__all__ = [
    "ACTION_GEO_PRECISION",
    "ACTION_GEO_RADIUS_KM",
    "CAMEO_TO_ACLED",
    "GDELT_COLUMNS",
    "GdeltSource",
    "cameo_to_acled",
]


def _actor(n: str) -> list[str]:
    return [
        f"Actor{n}{c}"
        for c in (
            "Code",
            "Name",
            "CountryCode",
            "KnownGroupCode",
            "EthnicCode",
            "Religion1Code",
            "Religion2Code",
            "Type1Code",
            "Type2Code",
            "Type3Code",
        )
    ]


def _geo(prefix: str) -> list[str]:
    names = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")
    return [f"{prefix}_{c}" for c in names]


#: The 61 columns of a GDELT 2.0 event record, in the codebook's order.
GDELT_COLUMNS: Final[tuple[str, ...]] = (
    "GlobalEventID",
    "Day",
    "MonthYear",
    "Year",
    "FractionDate",
    *_actor("1"),
    *_actor("2"),
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    *_geo("Actor1Geo"),
    *_geo("Actor2Geo"),
    *_geo("ActionGeo"),
    "DATEADDED",
    "SOURCEURL",
)

_VAC: Final = "Violence against civilians"
_ER: Final = "Explosions/Remote violence"
_SD: Final = "Strategic developments"

#: CAMEO code prefix -> (ACLED event_type, sub_event_type). The longest prefix of a record's
#: EventCode that is a key decides. Roots not listed -> Strategic developments / Other.
CAMEO_TO_ACLED: Final[dict[str, tuple[str, str]]] = {
    # 14 Protest
    "14": ("Protests", "Peaceful protest"),
    "145": ("Riots", "Violent demonstration"),  # protest violently, riot
    # 17 Coerce (only the forceful parts are events ACLED would code)
    "171": (_SD, "Looting/property destruction"),  # seize or damage property
    "173": (_SD, "Arrests"),  # arrest, detain
    "175": (_VAC, "Attack"),  # use tactics of violent repression
    # 18 Assault
    "18": (_VAC, "Attack"),
    "181": (_VAC, "Abduction/forced disappearance"),  # abduct, hijack, take hostage
    "1821": (_VAC, "Sexual violence"),
    "183": (_ER, "Remote explosive/landmine/IED"),  # non-military bombing
    "1831": (_ER, "Suicide bomb"),
    "1832": (_ER, "Remote explosive/landmine/IED"),  # vehicular bombing
    "1833": (_ER, "Remote explosive/landmine/IED"),  # roadside bombing
    "1834": (_ER, "Remote explosive/landmine/IED"),  # location bombing
    # 19 Fight
    "19": ("Battles", "Armed clash"),
    "191": (_SD, "Other"),  # impose blockade, restrict movement
    "194": (_ER, "Shelling/artillery/missile attack"),  # fight with artillery and tanks
    "195": (_ER, "Air/drone strike"),  # employ aerial weapons (1951 precision, 1952 drones)
    # 20 Use unconventional mass violence
    "20": (_VAC, "Attack"),
    "204": (_ER, "Chemical weapon"),  # weapons of mass destruction (2041 CBR, 2042 nuclear)
}

#: ActionGeo_Type (1 country, 2 US state, 3 US city, 4 world city, 5 world ADM1) -> ACLED
#: geo_precision and radius in km.
ACTION_GEO_PRECISION: Final[dict[int, int]] = {1: 3, 2: 3, 3: 1, 4: 1, 5: 3}
ACTION_GEO_RADIUS_KM: Final[dict[int, float]] = {1: 300.0, 2: 75.0, 3: 5.0, 4: 5.0, 5: 75.0}
_UNKNOWN_RADIUS_KM: Final = 300.0


def cameo_to_acled(codes: pd.Series) -> pd.DataFrame:
    """``event_type``, ``sub_event_type``, ``disorder_type`` and ``event_type_rule`` for CAMEO
    event codes (strings, zero-padded), by the longest matching prefix in :data:`CAMEO_TO_ACLED`.

    >>> out = cameo_to_acled(pd.Series(["0231", "190", "1952", "1831", "145", "1822"]))
    >>> out[["sub_event_type", "event_type_rule"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Other', 'cameo:other-root:02'], ['Armed clash', 'cameo:19'],
     ['Air/drone strike', 'cameo:195'], ['Suicide bomb', 'cameo:1831'],
     ['Violent demonstration', 'cameo:145'], ['Attack', 'cameo:18']]
    """
    code = codes.astype("string").str.strip()
    event_type = pd.Series(pd.NA, index=code.index, dtype="string")
    sub = event_type.copy()
    rule = event_type.copy()
    for k in (4, 3, 2):
        prefix = code.str.slice(0, k)
        table = {p: v for p, v in CAMEO_TO_ACLED.items() if len(p) == k}
        hit = prefix.isin(list(table)).fillna(False) & rule.isna() & (code.str.len() >= k)
        if hit.any():
            event_type[hit] = prefix[hit].map({p: v[0] for p, v in table.items()})
            sub[hit] = prefix[hit].map({p: v[1] for p, v in table.items()})
            rule[hit] = "cameo:" + prefix[hit]
    other = rule.isna() & code.notna()
    event_type[other] = _SD
    sub[other] = "Other"
    rule[other] = "cameo:other-root:" + code[other].str.slice(0, 2)
    return pd.DataFrame(
        {
            "event_type": event_type,
            "sub_event_type": sub,
            "disorder_type": event_type.map(DISORDER_TYPES).astype("string"),
            "event_type_rule": rule,
        },
        index=code.index,
    )


def _domain(urls: pd.Series) -> pd.Series:
    host = urls.str.extract(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)", expand=False)
    return host.str.lower().str.replace(r"^www\.", "", regex=True).astype("string")


def _admin1(full_name: pd.Series, geo_type: pd.Series) -> pd.Series:
    """The ADM1 name in ActionGeo_FullName: "City, ADM1, Country" or "ADM1, Country"."""
    parts = full_name.str.split(", ")
    n = full_name.str.count(", ") + 1
    city = geo_type.isin([3, 4]).fillna(False) & (n >= 3).fillna(False)
    adm1 = geo_type.isin([2, 5]).fillna(False) & (n >= 2).fillna(False)
    out = pd.Series(pd.NA, index=full_name.index, dtype="string")
    out[city] = parts[city].str[-2]
    out[adm1] = parts[adm1].str[0]
    return out


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _whole(s: pd.Series) -> pd.Series:
    num = _number(s)
    arr = np.nan_to_num(num.to_numpy())
    ok = np.isfinite(num.to_numpy()) & (arr % 1 == 0) & (np.abs(arr) < 2.0**63)  # Int64's range
    return num.where(ok).astype("Int64")


class GdeltSource(EventReader):
    """Reader for GDELT 2.0 event files (``name = "gdelt"``), ``*.export.CSV`` or ``.zip``-free.

    >>> len(GdeltSource.header), GdeltSource.header[26], GdeltSource.header[-1]
    (61, 'EventCode', 'SOURCEURL')
    """

    name: str = SourceDataset.GDELT.value
    kind: ClassVar[str] = "a GDELT 2.0 event file"
    delimiter: ClassVar[str] = "\t"
    quoting: ClassVar[bool] = False
    header: ClassVar[tuple[str, ...]] = GDELT_COLUMNS
    id_column: ClassVar[str] = "GlobalEventID"
    initiator_known: ClassVar[bool] = True

    def crosswalk(self, raw: pd.DataFrame, checks: RowChecks) -> pd.DataFrame:
        """Map GDELT columns to event columns (see the module docstring and docs/sources.md)."""
        event_id = checks.text("GlobalEventID", strip=True)
        day = checks.date("Day", ["%Y%m%d"], pattern=r"\d{8}")
        lat, lon = checks.coordinates("ActionGeo_Lat", "ActionGeo_Long")
        time_start, time_end = day_window(checks.good_days(day), timezone="UTC")
        code = checks.text("EventCode", strip=True)
        root = checks.text("EventRootCode", strip=True).str.zfill(2)
        types = cameo_to_acled(code)
        geo_type = _whole(checks.text("ActionGeo_Type", strip=True))
        countries = from_fips(checks.text("ActionGeo_CountryCode", strip=True))
        url = checks.text("SOURCEURL")
        full_name = checks.text("ActionGeo_FullName")
        notes = "CAMEO " + code.fillna("?")
        notes = notes.where(url.isna(), notes + "; " + url)
        added = pd.to_datetime(
            checks.text("DATEADDED", strip=True), format="%Y%m%d%H%M%S", errors="coerce"
        ).dt.tz_localize("UTC")

        return pd.DataFrame(
            {
                "event_id_cnty": "GDELT-" + event_id,
                "event_date": day.dt.strftime("%Y-%m-%d"),
                "year": day.dt.year.astype("Int64"),
                "time_precision": pd.Series(1, index=raw.index, dtype="Int64"),
                "disorder_type": types["disorder_type"],
                "event_type": types["event_type"],
                "sub_event_type": types["sub_event_type"],
                "actor1": checks.text("Actor1Name"),
                "actor2": checks.text("Actor2Name"),
                "iso": countries["iso"],
                "iso2": countries["iso2"],
                "country": countries["country"],
                "admin1": _admin1(full_name, geo_type),
                "location": full_name,
                "latitude": lat,
                "longitude": lon,
                "geo_precision": geo_type.map(ACTION_GEO_PRECISION).fillna(3).astype("Int64"),
                "location_uncertainty_km": geo_type.map(ACTION_GEO_RADIUS_KM)
                .astype("float64")
                .fillna(_UNKNOWN_RADIUS_KM),
                "source": _domain(url),
                "notes": notes,
                "time_start": time_start,
                "time_end": time_end,
                "source_row_id": event_id,
                "event_type_rule": types["event_type_rule"],
                "cameo_code": code,
                "cameo_base": checks.text("EventBaseCode", strip=True),
                "cameo_root": root,
                "gdelt_quad_class": _whole(checks.text("QuadClass")),
                "gdelt_goldstein": _number(checks.text("GoldsteinScale")),
                "gdelt_num_mentions": _whole(checks.text("NumMentions")),
                "gdelt_num_sources": _whole(checks.text("NumSources")),
                "gdelt_num_articles": _whole(checks.text("NumArticles")),
                "gdelt_avg_tone": _number(checks.text("AvgTone")),
                "gdelt_is_root_event": _whole(checks.text("IsRootEvent")).eq(1),
                "gdelt_country_fips": checks.text("ActionGeo_CountryCode", strip=True),
                "gdelt_adm1_code": checks.text("ActionGeo_ADM1Code"),
                "gdelt_feature_id": checks.text("ActionGeo_FeatureID"),
                "gdelt_date_added": added,
                "source_url": url,
            },
            index=raw.index,
        )
