"""The GDELT 2.0 reader, its CAMEO and FIPS 10-4 crosswalks, on constructed files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from sources_helpers import DATA, event_row

from ceasefire.errors import EventReadError
from ceasefire.sources import Batch, GdeltSource, count_records, detect_source, read_events
from ceasefire.sources.countries import country_table, from_fips, from_name, iso2_from_numeric
from ceasefire.sources.gdelt import GDELT_COLUMNS, cameo_to_acled

GOOD = DATA / "gdelt_idlib_20200305.export.CSV"
BAD = DATA / "gdelt_bad_rows.export.CSV"


@pytest.fixture(scope="module")
def good() -> Batch:
    return read_events(GOOD, "gdelt")


def test_layout_is_the_61_codebook_columns() -> None:
    assert len(GDELT_COLUMNS) == 61 and len(set(GDELT_COLUMNS)) == 61
    assert GDELT_COLUMNS[:5] == ("GlobalEventID", "Day", "MonthYear", "Year", "FractionDate")
    assert GDELT_COLUMNS[26:29] == ("EventCode", "EventBaseCode", "EventRootCode")
    assert GDELT_COLUMNS[51:59] == (
        "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code",
        "ActionGeo_ADM2Code", "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    )  # fmt: skip
    assert GDELT_COLUMNS[-2:] == ("DATEADDED", "SOURCEURL")


def test_good_file_loads_every_row(good: Batch) -> None:
    e = good.events
    assert len(e) == 8 and good.rejects == []
    assert (good.first_line, good.last_line) == (1, 8)  # no header line
    assert e["source_line"].tolist() == list(range(1, 9))
    assert e["event_uid"].iloc[0] == "gdelt:905001001"
    assert e["event_id_cnty"].iloc[0] == "GDELT-905001001"
    assert set(e["source_dataset"]) == {"gdelt"} and e["initiator_known"].all()
    assert e["fatalities"].isna().all() and set(e["time_precision"]) == {1}


def test_cameo_codes_keep_their_zero_padding(good: Batch) -> None:
    r = event_row(good.events, "905001002")
    assert (r["cameo_code"], r["cameo_base"], r["cameo_root"]) == ("0231", "023", "02")
    assert (r["event_type"], r["sub_event_type"]) == ("Strategic developments", "Other")
    assert r["event_type_rule"] == "cameo:other-root:02"
    assert r["disorder_type"] == "Strategic developments"
    assert good.events["cameo_code"].tolist() == [
        "194", "0231", "195", "141", "190", "1831", "1452", "0874",
    ]  # fmt: skip


def test_cameo_crosswalk_in_the_file(good: Batch) -> None:
    got = good.events[["cameo_code", "event_type", "sub_event_type", "disorder_type"]]
    assert got.values.tolist() == [
        [
            "194",
            "Explosions/Remote violence",
            "Shelling/artillery/missile attack",
            "Political violence",
        ],
        ["0231", "Strategic developments", "Other", "Strategic developments"],
        ["195", "Explosions/Remote violence", "Air/drone strike", "Political violence"],
        ["141", "Protests", "Peaceful protest", "Demonstrations"],
        ["190", "Battles", "Armed clash", "Political violence"],
        ["1831", "Explosions/Remote violence", "Suicide bomb", "Political violence"],
        ["1452", "Riots", "Violent demonstration", "Demonstrations"],
        ["0874", "Strategic developments", "Other", "Strategic developments"],
    ]


@pytest.mark.parametrize(
    ("code", "event_type", "sub_event_type", "rule"),
    [
        ("140", "Protests", "Peaceful protest", "cameo:14"),
        ("1451", "Riots", "Violent demonstration", "cameo:145"),
        ("173", "Strategic developments", "Arrests", "cameo:173"),
        ("1712", "Strategic developments", "Looting/property destruction", "cameo:171"),
        ("180", "Violence against civilians", "Attack", "cameo:18"),
        ("181", "Violence against civilians", "Abduction/forced disappearance", "cameo:181"),
        ("1821", "Violence against civilians", "Sexual violence", "cameo:1821"),
        ("1823", "Violence against civilians", "Attack", "cameo:18"),
        ("183", "Explosions/Remote violence", "Remote explosive/landmine/IED", "cameo:183"),
        ("1831", "Explosions/Remote violence", "Suicide bomb", "cameo:1831"),
        ("1832", "Explosions/Remote violence", "Remote explosive/landmine/IED", "cameo:1832"),
        ("1833", "Explosions/Remote violence", "Remote explosive/landmine/IED", "cameo:1833"),
        ("190", "Battles", "Armed clash", "cameo:19"),
        ("191", "Strategic developments", "Other", "cameo:191"),
        ("193", "Battles", "Armed clash", "cameo:19"),
        ("194", "Explosions/Remote violence", "Shelling/artillery/missile attack", "cameo:194"),
        ("195", "Explosions/Remote violence", "Air/drone strike", "cameo:195"),
        ("1951", "Explosions/Remote violence", "Air/drone strike", "cameo:195"),
        ("1952", "Explosions/Remote violence", "Air/drone strike", "cameo:195"),
        ("196", "Battles", "Armed clash", "cameo:19"),
        ("200", "Violence against civilians", "Attack", "cameo:20"),
        ("202", "Violence against civilians", "Attack", "cameo:20"),
        ("2041", "Explosions/Remote violence", "Chemical weapon", "cameo:204"),
        ("0231", "Strategic developments", "Other", "cameo:other-root:02"),
        ("150", "Strategic developments", "Other", "cameo:other-root:15"),
    ],
)
def test_cameo_table(code: str, event_type: str, sub_event_type: str, rule: str) -> None:
    out = cameo_to_acled(pd.Series([code])).iloc[0]
    assert (out["event_type"], out["sub_event_type"], out["event_type_rule"]) == (
        event_type, sub_event_type, rule,
    )  # fmt: skip


def test_cameo_missing_code_maps_to_nothing() -> None:
    out = cameo_to_acled(pd.Series([None], dtype="string"))
    assert out.isna().all(axis=None)


def test_fips_country_codes_become_iso(good: Batch) -> None:
    got = good.events[["gdelt_country_fips", "iso2", "iso", "country"]].astype(object)
    assert got.drop_duplicates().values.tolist() == [
        ["SY", "SY", 760, "Syria"],
        ["TU", "TR", 792, "Turkey"],
        ["IZ", "IQ", 368, "Iraq"],
        ["LE", "LB", 422, "Lebanon"],
    ]


def test_fips_table_covers_the_tricky_codes() -> None:
    table = country_table()
    assert table["fips"].is_unique and len(table) == 273
    pairs = {
        "SY": "SY", "TU": "TR", "IZ": "IQ", "LE": "LB", "IS": "IL", "JO": "JO", "RS": "RU",
        "UK": "GB", "GM": "DE", "SP": "ES", "CH": "CN", "EI": "IE", "AS": "AU", "AU": "AT",
        "IR": "IR", "GZ": "PS", "WE": "PS", "WA": "NA", "BM": "MM", "SF": "ZA", "SZ": "CH",
        "OD": "SS", "KV": "XK", "UP": "UA", "MU": "OM",
    }  # fmt: skip
    got = from_fips(pd.Series(list(pairs)))
    assert dict(zip(pairs, got["iso2"], strict=True)) == pairs
    assert from_fips(pd.Series(["WA"]))["iso"].tolist() == [516]  # Namibia, not a missing value
    assert from_fips(pd.Series(["AX", "PF", "XX", "sy"]))["iso2"].tolist() == [
        pd.NA,
        pd.NA,
        pd.NA,
        "SY",
    ]
    known = table.dropna(subset=["iso2"])
    assert known.loc[known["iso2"] != "XK", "iso_numeric"].notna().all()


def test_country_names_and_numbers() -> None:
    assert from_name(pd.Series(["Syria", "Turkey", "Russia (Soviet Union)", "Iran"]))[
        "iso2"
    ].tolist() == ["SY", "TR", "RU", "IR"]
    assert iso2_from_numeric(pd.Series([760, 368, 422, 36, 40], dtype="Int64")).tolist() == [
        "SY", "IQ", "LB", "AU", "AT",
    ]  # fmt: skip


def test_location_precision_and_admin1(good: Batch) -> None:
    e = good.events
    city = event_row(e, "905001001")  # type 4: world city
    assert (city["location"], city["admin1"]) == ("Ariha, Idlib, Syria", "Idlib")
    assert (city["latitude"], city["longitude"]) == (35.8126, 36.6104)
    assert city["geo_precision"] == 1 and city["location_uncertainty_km"] == 5.0
    adm1 = event_row(e, "905001004")  # type 5: world ADM1
    assert (adm1["admin1"], adm1["geo_precision"], adm1["location_uncertainty_km"]) == (
        "Idlib",
        3,
        75.0,
    )
    country = event_row(e, "905001007")  # type 1: country
    assert pd.isna(country["admin1"]) and country["location_uncertainty_km"] == 300.0
    assert country["geo_precision"] == 3
    assert event_row(e, "905001008")["admin1"] == "Beyrouth"


def test_days_are_utc_days(good: Batch) -> None:
    r = event_row(good.events, "905001001")
    assert (r["event_date"], r["year"]) == ("2020-03-05", 2020)
    assert r["time_start"] == pd.Timestamp("2020-03-05T00:00Z")
    assert r["time_end"] == pd.Timestamp("2020-03-06T00:00Z")
    assert r["gdelt_date_added"] == pd.Timestamp("2020-03-05T13:15Z")


def test_source_is_the_url_domain_and_notes_hold_the_url(good: Batch) -> None:
    e = good.events
    assert e["source"].tolist()[:3] == ["example.org", "news.example.com", "example.net"]
    r = event_row(e, "905001002")
    assert r["notes"] == "CAMEO 0231; https://news.example.com/un-appeals-for-aid-idlib?id=7"
    assert r["source_url"] == "https://news.example.com/un-appeals-for-aid-idlib?id=7"
    assert (r["actor1"], r["actor2"]) == ("UNITED NATIONS", "SYRIA")
    assert (r["gdelt_num_mentions"], r["gdelt_num_articles"], r["gdelt_goldstein"]) == (4, 4, 3.4)
    assert r["gdelt_is_root_event"]


def test_bad_rows_become_rejects_with_their_lines() -> None:
    batch = read_events(BAD, "gdelt")
    got = [(r.line, r.field, r.reason) for r in batch.rejects]
    assert got == [
        (2, "(row)", "expected 61 columns, found 60"),
        (3, "ActionGeo_Lat", "missing coordinates"),
        (4, "Day", "unparseable date"),
        (5, "ActionGeo_Lat", "latitude out of range [-90, 90]"),
        (7, "(row)", "not valid UTF-8"),
        (8, "GlobalEventID", "duplicate GlobalEventID (first on line 1)"),
    ]
    values = {r.line: r.value for r in batch.rejects}
    assert values[4] == "2020031" and values[5] == "91.5"
    assert values[7] == "Al\\xe9po, Halab, Syria"
    assert batch.events["source_line"].tolist() == [1, 6, 9]
    assert (batch.first_line, batch.last_line) == (1, 9)


def test_a_header_line_is_skipped() -> None:
    batch = read_events(DATA / "gdelt_with_header.tsv", "gdelt")
    assert batch.rejects == [] and batch.events["source_line"].tolist() == [2, 3]
    assert count_records(DATA / "gdelt_with_header.tsv", source="gdelt") == 2
    assert detect_source(DATA / "gdelt_with_header.tsv") == "gdelt"


def test_not_a_gdelt_2_file() -> None:
    with pytest.raises(EventReadError, match=r"expected 61 columns .* the first line has 57"):
        read_events(DATA / "gdelt_v1_57_columns.CSV", "gdelt")
    with pytest.raises(EventReadError, match=r"the first line has 1$"):
        read_events(DATA / "acled_idlib_2020-03.csv", "gdelt")


def test_gzip_and_batches(tmp_path: Path, good: Batch) -> None:
    gz = tmp_path / "events.export.CSV.gz"
    gz.write_bytes(gzip.compress(GOOD.read_bytes()))
    parts = list(GdeltSource().batches(gz, batch_size=3))
    assert [(p.first_line, p.last_line, len(p)) for p in parts] == [(1, 3, 3), (4, 6, 3), (7, 8, 2)]
    joined = pd.concat([p.events for p in parts], ignore_index=True)
    cols = [c for c in good.events.columns if c not in ("ingest_time", "source_file")]
    pd.testing.assert_frame_equal(joined[cols], good.events[cols])
    assert count_records(gz) == 8 and detect_source(gz) == "gdelt"
