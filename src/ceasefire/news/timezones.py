"""Time zones of dateline places: the zone a news report's local times are read in.

Used by :mod:`ceasefire.news.dates` (re-exported there as :func:`timezone_for_place`).
"""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InputError

__all__ = ["PLACE_ZONES", "timezone_for_place", "zone_info"]

# --------------------------------------------------------------------------- places and zones

_ZONE_PLACES = {
    "Asia/Damascus": "syria|damascus|idlib|idleb|aleppo|halab|hama|homs|latakia|lattakia|tartus|"
    "raqqa|raqqah|deir ez-zor|deir ezzor|deir al-zor|deir el-zour|daraa|deraa|qamishli|qamishlo|"
    "hasakah|hasaka|al-hasakah|afrin|manbij|kobani|ain al-arab|saraqeb|saraqib|ariha|"
    "maarat al-numan|ma'arrat al-nu'man|jisr al-shughur|jisr ash-shughur|khan sheikhoun|"
    "khan shaykhun|tal abyad|tell abyad|ras al-ain|ras al-ayn|quneitra|suwayda|sweida|douma|"
    "ghouta|eastern ghouta|palmyra|tadmur|al-bab|jarablus|azaz|abu kamal|al-bukamal",
    "Europe/Istanbul": "turkey|turkiye|ankara|istanbul|gaziantep|antakya|hatay|reyhanli|kilis|"
    "sanliurfa|urfa|akcakale|ceylanpinar|izmir|adana|incirlik|mersin",
    "Europe/Moscow": "russia|moscow|sochi|st petersburg|saint petersburg|kremlin",
    "Asia/Beirut": "lebanon|beirut",
    "Europe/Zurich": "geneva|switzerland|zurich|bern|lausanne|montreux",
    "America/New_York": "new york|new york city|united nations|washington|washington dc",
    "Europe/London": "london|britain|great britain|united kingdom|uk",
    "Europe/Brussels": "brussels|belgium",
    "Europe/Paris": "paris|france",
    "Europe/Berlin": "berlin|germany|munich",
    "Europe/Vienna": "vienna|austria",
    "Europe/Amsterdam": "the hague|hague|netherlands|amsterdam",
    "Europe/Rome": "rome|italy",
    "Asia/Almaty": "astana|nur-sultan|kazakhstan|almaty",
    "Asia/Tehran": "tehran|iran",
    "Asia/Amman": "amman|jordan",
    "Asia/Baghdad": "baghdad|iraq|erbil|irbil|mosul",
    "Asia/Jerusalem": "jerusalem|israel|tel aviv",
    "Africa/Cairo": "cairo|egypt",
    "Asia/Riyadh": "riyadh|saudi arabia",
    "Asia/Qatar": "doha|qatar",
    "Asia/Dubai": "dubai|abu dhabi|united arab emirates|uae",
    "Asia/Kuwait": "kuwait|kuwait city",
    "Europe/Kyiv": "kyiv|kiev|ukraine",
    "Asia/Shanghai": "beijing|china",
    "UTC": "gmt|utc",
}
PLACE_ZONES = {name: zone for zone, names in _ZONE_PLACES.items() for name in names.split("|")}
"""The dateline table: a place or demonym (lower case, no diacritics) -> its IANA time zone."""
# demonyms, for "Moscow time"-style phrases and datelines written as adjectives
PLACE_ZONES.update(
    {
        "syrian": "Asia/Damascus",
        "turkish": "Europe/Istanbul",
        "russian": "Europe/Moscow",
        "lebanese": "Asia/Beirut",
        "british": "Europe/London",
    }
)


def _fold(name: str) -> str:
    """Lower case, no diacritics, curly quotes straightened, spaces collapsed."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("ʿ", "'").replace("ʾ", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def timezone_for_place(name: str) -> str | None:
    """The IANA time zone of a dateline place (city, country), or None when not in the table.

    Case, diacritics, a trailing "(Reuters)" and ", Country" parts do not matter:

    >>> timezone_for_place("IDLIB, Syria (Reuters)")
    'Asia/Damascus'
    >>> timezone_for_place("Sochi"), timezone_for_place("Geneva"), timezone_for_place("Atlantis")
    ('Europe/Moscow', 'Europe/Zurich', None)
    """
    text = _fold(re.sub(r"\([^)]*\)", " ", name)).strip(" -—–:,.")
    if not text:
        return None
    for candidate in [text, *(p.strip(" .") for p in text.split(","))]:
        if candidate in PLACE_ZONES:
            return PLACE_ZONES[candidate]
        bare = candidate.replace(".", "")
        if bare in PLACE_ZONES:
            return PLACE_ZONES[bare]
    return None


def zone_info(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; an :class:`InputError` naming the field when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("unknown time zone", field="timezone", value=name) from None
