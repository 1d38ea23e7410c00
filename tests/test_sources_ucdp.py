"""The UCDP GED reader on the real bundled Syria file and on altered real rows."""

from __future__ import annotations

import csv
import gzip
import itertools
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sources_helpers import DATA, event_row

from ceasefire.errors import EventReadError, UnknownIdError
from ceasefire.events import EVENT_COLUMNS
from ceasefire.sources import (
    Batch,
    Reject,
    Source,
    UcdpGedSource,
    count_records,
    detect_source,
    read_events,
    reader_for,
)
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA, classify_event_type

BAD = DATA / "ucdp_bad_rows.csv"
N_EVENTS = 16566
N_LINES = 16608


@pytest.fixture(scope="module")
def ged() -> Batch:
    return read_events(BUNDLED_GED_SYRIA, "ucdp")


@pytest.fixture(scope="module")
def ged_lines() -> list[str]:
    with gzip.open(BUNDLED_GED_SYRIA, "rt", encoding="utf-8", newline="") as fh:
        return fh.read().split("\n")


def test_real_file_loads_every_event_and_rejects_none(ged: Batch) -> None:
    assert len(ged.events) == N_EVENTS
    assert ged.rejects == []
    assert (ged.first_line, ged.last_line) == (2, N_LINES)
    e = ged.events
    assert list(e.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert e["event_uid"].is_unique
    for col in [
        "event_id_cnty", "event_date", "event_type", "actor1", "latitude",
        "longitude", "location_uncertainty_km", "time_start", "time_end", "content_hash",
        "iso", "iso2", "initiator_known", "source_line", "ingest_time", "fatalities",
    ]:  # fmt: skip
        assert e[col].notna().all(), col
    assert set(e["iso"]) == {760} and set(e["iso2"]) == {"SY"} and set(e["country"]) == {"Syria"}
    # the initiator is known only where the headline says who acted (sources/ucdp_text.py),
    # and then the words it rests on are kept
    known = e["initiator_known"].astype(bool)
    assert known.sum() == 2554
    assert e.loc[known, "initiator_words"].notna().all()
    assert e.loc[~known, "initiator_words"].isna().all()
    assert e.loc[known, "event_type_rule"].str.endswith(":agent").mean() > 0.9
    assert set(e["source_dataset"]) == {"ucdp_ged"}
    assert e["ingest_time"].nunique() == 1
    assert (e["time_end"] > e["time_start"]).all()
    assert e["event_uid"].str.fullmatch(r"ucdp_ged:\d+").all()


def test_known_row_214804_ein_laroz(ged: Batch) -> None:
    r = event_row(ged.events, "214804")
    assert r["event_uid"] == "ucdp_ged:214804"
    assert r["event_id_cnty"] == "UCDP-GED-214804"
    assert r["source_line"] == 3
    assert r["location"] == "Ein Laroz town"
    assert (r["admin1"], r["admin2"]) == ("Idlib", "Ariha")
    assert (r["latitude"], r["longitude"]) == (35.688342, 36.449962)
    assert r["geo_precision"] == 2 and r["location_uncertainty_km"] == 25.0  # where_prec 2
    assert (r["actor1"], r["actor2"]) == ("Government of Syria", "Syrian insurgents")
    assert r["inter1"] == 1 and pd.isna(r["inter2"]) and pd.isna(r["interaction"])
    assert (r["fatalities"], r["fatalities_low"], r["fatalities_high"]) == (2, 2, 2)
    assert r["event_date"] == "2016-01-01" and r["year"] == 2016 and r["time_precision"] == 1
    assert r["time_start"] == pd.Timestamp("2015-12-31T22:00Z")  # winter: UTC+2
    assert r["time_end"] == pd.Timestamp("2016-01-01T22:00Z")
    assert (r["source"], r["notes"]) == ("SOHR", "Bombardment targets Idlib and Hama")
    assert r["disorder_type"] == "Political violence"
    # "bombardment": a remote strike, but air or ground is not said
    assert (r["event_type"], r["event_type_rule"]) == ("Explosions/Remote violence", "text:bombing")
    assert pd.isna(r["sub_event_type"]) and not r["initiator_known"]
    assert r["region"] == "Middle East" and pd.isna(r["civilian_targeting"])


def test_ids_are_integer_strings(ged: Batch) -> None:
    first = ged.events.iloc[0]
    assert (first["source_row_id"], first["event_id_cnty"]) == ("214797", "UCDP-GED-214797")
    assert not ged.events["source_row_id"].str.contains(".", regex=False).any()


def test_every_source_line_is_where_its_record_starts(ged: Batch, ged_lines: list[str]) -> None:
    # 41 records hold newlines in quoted fields; each event's line must start with its own id
    lines = ged.events["source_line"].tolist()
    ids = ged.events["source_row_id"].tolist()
    wrong = [
        (n, i)
        for n, i in zip(lines, ids, strict=True)
        if not ged_lines[n - 1].startswith(i + ".0,")
    ]
    assert wrong == []
    assert event_row(ged.events, "244982")["source_line"] == 7518  # after a record of 6 lines
    assert len(ged_lines) - 1 == N_LINES  # the file ends with a newline


def test_batches_yield_the_same_events_as_read(ged: Batch) -> None:
    parts = list(UcdpGedSource().batches(BUNDLED_GED_SYRIA, batch_size=5000))
    assert [len(p) for p in parts] == [5000, 5000, 5000, 1566]
    assert parts[0].first_line == 2 and parts[-1].last_line == N_LINES
    for before, after in itertools.pairwise(parts):
        assert after.first_line == before.last_line + 1
    joined = pd.concat([p.events for p in parts], ignore_index=True)
    cols = [c for c in ged.events.columns if c != "ingest_time"]
    pd.testing.assert_frame_equal(joined[cols], ged.events[cols])
    assert joined["ingest_time"].nunique() == 1  # one value per read


def test_time_windows_follow_damascus_daylight_saving(ged: Batch) -> None:
    e = ged.events
    summer = e[(e["event_date"] == "2018-07-01") & (e["ucdp_date_end"] == "2018-07-01")]
    winter = e[(e["event_date"] == "2018-01-15") & (e["ucdp_date_end"] == "2018-01-15")]
    assert len(summer) and len(winter)
    assert set(summer["time_start"]) == {pd.Timestamp("2018-06-30T21:00Z")}  # UTC+3
    assert set(summer["time_end"]) == {pd.Timestamp("2018-07-01T21:00Z")}
    assert set(winter["time_start"]) == {pd.Timestamp("2018-01-14T22:00Z")}  # UTC+2
    # 2018-03-30: clocks jump from 00:00 to 01:00, a 23-hour day
    spring = e[(e["event_date"] == "2018-03-30") & (e["ucdp_date_end"] == "2018-03-30")]
    assert set(spring["time_end"] - spring["time_start"]) == {pd.Timedelta(hours=23)}
    # 2018-10-25: the hour before midnight is lived twice, a 25-hour day
    autumn = e[(e["event_date"] == "2018-10-25") & (e["ucdp_date_end"] == "2018-10-25")]
    assert set(autumn["time_end"] - autumn["time_start"]) == {pd.Timedelta(hours=25)}


def test_multi_day_events_end_after_their_last_day(ged: Batch) -> None:
    e = ged.events
    month = e[(e["event_date"] == "2018-07-01") & (e["ucdp_date_end"] == "2018-07-31")]
    assert len(month) and set(month["time_end"]) == {pd.Timestamp("2018-07-31T21:00Z")}
    assert set(month["time_precision"]) == {3}


def test_precision_codes_crosswalk(ged: Batch) -> None:
    e = ged.events
    # where_prec counts in the file: 1: 9010, 2: 5786, 3: 334, 4: 620, 5: 562, 6: 254
    assert e["location_uncertainty_km"].value_counts().to_dict() == {
        2.0: 9010, 25.0: 5786, 80.0: 620, 60.0: 562, 40.0: 334, 300.0: 254,
    }  # fmt: skip
    assert e["geo_precision"].value_counts().to_dict() == {1: 9010, 2: 5786, 3: 1770}
    # date_prec counts: 1: 15480, 2: 828, 3: 21, 4: 186, 5: 51
    assert e["time_precision"].value_counts().to_dict() == {1: 15480, 2: 849, 3: 237}


def test_actor_types_and_civilian_targeting(ged: Batch) -> None:
    e = ged.events
    assert set(e.loc[e["actor1"] == "Government of Syria", "inter1"]) == {1}
    assert set(e.loc[e["actor1"] == "Government of Turkey", "inter1"]) == {8}
    assert set(e.loc[e["actor2"] == "Civilians", "inter2"]) == {7}
    one_sided = e["ucdp_type_of_violence"] == 3
    assert (e.loc[one_sided, "civilian_targeting"] == "Civilian targeting").all()
    assert e.loc[~one_sided, "civilian_targeting"].isna().all()
    assert set(e.loc[(e["actor1"] == "Government of Syria") & one_sided, "interaction"]) == {17}


def test_event_type_distribution_on_the_real_file(ged: Batch) -> None:
    rules = ged.events["event_type_rule"].str.replace(r":(agent|mutual)$", "", regex=True)
    assert rules.value_counts().to_dict() == {
        "text:air": 3060,
        "text:shelling": 2693,
        "text:clash": 2599,
        "type_of_violence:1": 2548,
        "type_of_violence:2": 1394,
        "text:attack": 911,
        "text:explosive": 841,
        "text:territory": 704,
        "text:targeting": 524,
        "text:bombing": 514,
        "text:mixed": 342,
        "type_of_violence:3": 308,
        "deaths:both_sides": 100,
        "text:suicide": 28,
    }
    assert ged.events["event_type"].value_counts().to_dict() == {
        "Battles": 8256,
        "Explosions/Remote violence": 8002,
        "Violence against civilians": 308,
    }
    # the sub-type is left empty where the text does not say which act killed
    assert ged.events["sub_event_type"].isna().sum() == 2154


@pytest.mark.parametrize(
    ("row_id", "headline_part", "rule", "sub_event_type"),
    [
        ("230048", "massacre committed by warplane", "text:air", "Air/drone strike"),
        # the 2 dead are regime members (deaths_a): not killed by the regime's barrel bombs
        (
            "216046",
            "barrel bombs on the Western Ghouta and clashes",
            "text:clash:mutual",
            "Armed clash",
        ),
        ("218975", "Drone kills the envoy", "text:air", "Air/drone strike"),
        ("223866", "2 suicide explosions", "text:suicide", "Suicide bomb"),
        ("215387", "Mortar shells land", "text:shelling", "Shelling/artillery/missile attack"),
        (
            "315505",
            "blow themselves up with car bombs and explosive belts",
            "text:suicide",
            "Suicide bomb",
        ),
        ("214808", "Clashes on many fronts of Aleppo", "text:clash:mutual", "Armed clash"),
    ],
)
def test_headline_keywords_fire_on_real_headlines(
    ged: Batch, row_id: str, headline_part: str, rule: str, sub_event_type: str
) -> None:
    r = event_row(ged.events, row_id)
    assert headline_part in r["notes"]
    assert (r["event_type_rule"], r["sub_event_type"]) == (rule, sub_event_type)


def test_keyword_rules_are_whole_words_and_ordered() -> None:
    out = classify_event_type(
        pd.Series(
            [
                "Repairs to the chairman's office",  # "air" inside words: no
                "Suicide car bomb and warplanes",  # suicide beats explosive and air
                "explosive barrels dropped",  # barrels (air) beats explosive
                "Landmine explosion kills 2",
                "Bombardment and shelling",
                None,
            ]
        ),
        pd.Series([2, 1, 1, 3, 1, 3]),
    )
    assert out["event_type_rule"].tolist() == [
        "type_of_violence:2", "keyword:suicide", "keyword:air", "keyword:explosive",
        "keyword:shelling", "type_of_violence:3",
    ]  # fmt: skip


def test_bad_rows_become_rejects_with_their_lines() -> None:
    batch = read_events(BAD, "ucdp")
    got = [(r.line, r.field, r.reason) for r in batch.rejects]
    assert got == [
        (3, "latitude", "missing coordinates"),
        (4, "longitude", "longitude out of range [-180, 180]"),
        (5, "date_start", "unparseable date"),
        (6, "best", "not a number"),
        (7, "(row)", "expected 41 columns, found 40"),
        (8, "(row)", "not valid UTF-8"),
        (
            16,
            "(row)",
            "expected 41 columns, found 56 (unbalanced quote? the record ran over 2 lines)",
        ),
        (18, "date_end", "date_end before date_start"),
        (19, "latitude", "not a number"),
    ]
    assert all(r.file == str(BAD) for r in batch.rejects)
    by_line = {r.line: r for r in batch.rejects}
    assert by_line[4].value == "361.161173" and by_line[6].value == "several"
    assert by_line[8].value == "Tall Abyad (Tell Abyad, Tel Abiad) caf\\xe9"  # the latin-1 byte
    assert by_line[7].value is not None and by_line[7].value.startswith("214817.0,")
    # the good rows load, including the 7-line record and the rows after the stray quote
    assert batch.events[["source_row_id", "source_line"]].values.tolist() == [
        ["214797", 2], ["244976", 9], ["214831", 17], ["217046", 20],
    ]  # fmt: skip
    assert (batch.first_line, batch.last_line) == (2, 20)


def test_line_numbers_of_bad_file_match_the_file() -> None:
    lines = BAD.read_bytes().split(b"\n")
    batch = read_events(BAD, "ucdp")
    for n, i in batch.events[["source_line", "source_row_id"]].itertuples(index=False):
        assert lines[n - 1].startswith(f"{i}.0,".encode())
    assert lines[16 - 1].startswith(b"214828.0,")  # the stray quote's line


def test_small_batches_keep_the_rejects_and_lines() -> None:
    whole = read_events(BAD, "ucdp")
    parts = list(UcdpGedSource().batches(BAD, batch_size=3))
    assert [r for p in parts for r in p.rejects] == whole.rejects
    assert pd.concat([p.events for p in parts])["source_line"].tolist() == [2, 9, 17, 20]
    assert [(p.first_line, p.last_line) for p in parts] == [
        (2, 4), (5, 7), (8, 16), (17, 19), (20, 20),
    ]  # fmt: skip


def test_gzip_and_plain_give_the_same_events(tmp_path: Path) -> None:
    gz = tmp_path / "bad.csv.gz"
    with BAD.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain, packed = read_events(BAD, "ucdp"), read_events(gz, "ucdp")
    cols = [c for c in plain.events.columns if c not in ("ingest_time", "source_file")]
    pd.testing.assert_frame_equal(plain.events[cols], packed.events[cols])
    assert [(r.line, r.reason) for r in plain.rejects] == [
        (r.line, r.reason) for r in packed.rejects
    ]
    assert set(packed.events["source_file"]) == {str(gz)}


def test_content_hash_changes_with_the_row_only(tmp_path: Path) -> None:
    text = BAD.read_bytes()
    changed = tmp_path / "changed.csv"
    changed.write_bytes(text.replace(b",SOHR,2015-01-01,", b",SOHR,2015-01-02,", 1))
    a, b = read_events(BAD, "ucdp").events, read_events(changed, "ucdp").events
    ha, hb = a["content_hash"].tolist(), b["content_hash"].tolist()
    assert ha[0] != hb[0] and ha[1:] == hb[1:]
    assert read_events(BAD, "ucdp").events["content_hash"].tolist() == a["content_hash"].tolist()


def test_unreadable_files_raise_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(EventReadError, match=r"nope\.csv: file not found"):
        read_events(tmp_path / "nope.csv", "ucdp")
    with pytest.raises(EventReadError, match="empty file"):
        read_events(DATA / "empty.csv", "ucdp")
    with pytest.raises(EventReadError, match=r"header lacks column.*type_of_violence") as info:
        read_events(DATA / "acled_idlib_2020-03.csv", "ucdp")
    assert info.value.file == str(DATA / "acled_idlib_2020-03.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text(BAD.read_text(encoding="latin-1").split("\n")[0] + "\n")
    parts = list(UcdpGedSource().batches(header_only))
    assert len(parts) == 1 and len(parts[0]) == 0 and parts[0].rejects == []
    assert list(parts[0].events.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)


def test_registry_and_helpers() -> None:
    for name in ("ucdp", "UCDP", "ucdp_ged"):
        reader = reader_for(name)
        assert isinstance(reader, UcdpGedSource) and isinstance(reader, Source)
    with pytest.raises(UnknownIdError, match="unknown evidence source 'cameo'"):
        reader_for("cameo")
    assert count_records(BUNDLED_GED_SYRIA) == N_LINES - 1
    assert count_records(BUNDLED_GED_SYRIA, source="ucdp") == N_LINES - 1
    assert detect_source(BUNDLED_GED_SYRIA) == "ucdp"
    assert Reject("f", 1, "x", "v" * 300, "r").value == "v" * 200


def test_the_package_does_not_read_shared_data_at_run_time() -> None:
    import ceasefire.sources as pkg

    for path in Path(pkg.__file__).parent.rglob("*.py"):
        assert "/work/shared" not in path.read_text(encoding="utf-8"), path


def _first_ged_records(n: int) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``n`` records of the bundled file, as the csv module reads them."""
    with gzip.open(BUNDLED_GED_SYRIA, "rt", encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        return next(rows), list(itertools.islice(rows, n))


def _write_ged(path: Path, header: list[str], records: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *records])
    return path


def test_dates_with_a_time_part_give_the_same_events(tmp_path: Path, ged: Batch) -> None:
    header, records = _first_ged_records(5)
    i_start, i_end = header.index("date_start"), header.index("date_end")
    # the last row starts at 13:45 and "ends" at midnight of a day no later: not rejected
    starts = [" 00:00:00.000", " 00:00:00", "", " 00:00:00.000000", " 13:45:00.250"]
    ends = [" 00:00:00.000", " 00:00:00", " 00:00:00.000", "", " 00:00:00.000"]
    timed = [list(r) for r in records]
    for rec, start, end in zip(timed, starts, ends, strict=True):
        assert len(rec[i_start]) == len(rec[i_end]) == 10  # YYYY-MM-DD in the bundled file
        rec[i_start] += start
        rec[i_end] += end
    assert timed[0][i_start] == "2016-01-01 00:00:00.000"  # as UCDP's CSV downloads write it
    plain = read_events(_write_ged(tmp_path / "plain.csv", header, records), "ucdp")
    with_time = read_events(_write_ged(tmp_path / "timed.csv", header, timed), "ucdp")
    assert plain.rejects == [] and with_time.rejects == []
    # every event column but the provenance and the hash of the raw (rewritten) values
    cols = [
        c for c in plain.events.columns if c not in ("ingest_time", "source_file", "content_hash")
    ]
    pd.testing.assert_frame_equal(with_time.events[cols], plain.events[cols])
    assert with_time.events["event_date"].tolist()[:2] == ["2016-01-01", "2016-01-01"]
    # and the original rows give what the bundled file gives for them
    first = ged.events.iloc[:5].reset_index(drop=True)
    same = [c for c in cols if c != "source_line"] + ["content_hash"]
    pd.testing.assert_frame_equal(plain.events[same], first[same])


def test_dates_in_other_forms_stay_unparseable(tmp_path: Path) -> None:
    header, records = _first_ged_records(4)
    i_start = header.index("date_start")
    for rec, value in zip(
        records,
        ["2016-01-01T00:00:00", "2016-01-01 00:00", "2016-01-01 00:00:00.", "2016-01-01 25:00:00"],
        strict=True,
    ):
        rec[i_start] = value
    batch = read_events(_write_ged(tmp_path / "bad_dates.csv", header, records), "ucdp")
    assert batch.events.empty
    assert [(r.field, r.reason) for r in batch.rejects] == [("date_start", "unparseable date")] * 4
