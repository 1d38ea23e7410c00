"""The ACLED reader on constructed files in the codebook layout (tests/data/sources/README.md)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from sources_helpers import DATA, event_row

from ceasefire.errors import EventReadError
from ceasefire.events import EVENT_COLUMNS
from ceasefire.sources import AcledSource, Batch, count_records, detect_source, read_events
from ceasefire.sources.acled import ACLED_COLUMNS

GOOD = DATA / "acled_idlib_2020-03.csv"
BAD = DATA / "acled_bad_rows.csv"


@pytest.fixture(scope="module")
def good() -> Batch:
    return read_events(GOOD, "acled")


def _row(events: pd.DataFrame, event_id: str) -> pd.Series:
    return event_row(events, event_id, "event_id_cnty")


def _write(path: Path, rows: list[dict[str, str]], *, newline: str = "\n") -> Path:
    frame = pd.DataFrame([{c: r.get(c, "") for c in ACLED_COLUMNS} for r in rows])
    path.write_text(frame.to_csv(index=False, lineterminator=newline), encoding="utf-8")
    return path


def _event(**kw: str) -> dict[str, str]:
    row = {
        "event_id_cnty": "SYR99001", "event_date": "2018-07-01", "year": "2018",
        "time_precision": "1", "event_type": "Battles", "sub_event_type": "Armed clash",
        "actor1": "Hayat Tahrir al Sham", "inter1": "2",
        "actor2": "Military Forces of Syria (2000-)", "inter2": "1", "interaction": "12",
        "iso": "760", "country": "Syria", "admin1": "Idleb",
        "location": "Ariha", "latitude": "35.8126", "longitude": "36.6104", "geo_precision": "1",
        "source": "SOHR", "notes": "constructed", "fatalities": "0",
    }  # fmt: skip
    row.update(kw)
    return row


def test_good_file_loads_every_row(good: Batch) -> None:
    e = good.events
    assert len(e) == 6 and good.rejects == []
    assert (good.first_line, good.last_line) == (2, 8)
    assert list(e.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert e["event_uid"].tolist() == [f"acled:SYR9000{i}" for i in range(1, 7)]
    assert (e["source_row_id"] == e["event_id_cnty"]).all()
    assert set(e["source_dataset"]) == {"acled"} and e["initiator_known"].all()
    assert set(e["iso"]) == {760} and set(e["iso2"]) == {"SY"}
    # the HTS row has a two-line note, so the row after it starts on line 5
    assert e["source_line"].tolist() == [2, 3, 5, 6, 7, 8]
    assert "\n" in _row(e, "SYR90002")["notes"]


def test_shelling_of_ariha_crosswalk(good: Batch) -> None:
    r = _row(good.events, "SYR90001")
    assert (r["actor1"], r["inter1"], r["inter2"], r["interaction"]) == (
        "Military Forces of Syria (2000-)", 1, 7, 17,
    )  # fmt: skip
    assert r["sub_event_type"] == "Shelling/artillery/missile attack"
    assert r["civilian_targeting"] == "Civilian targeting"
    assert (r["admin1"], r["admin2"], r["location"]) == ("Idleb", "Ariha", "Ariha")
    assert (r["latitude"], r["longitude"]) == (35.8126, 36.6104)
    assert r["geo_precision"] == 1 and r["location_uncertainty_km"] == 2.0
    assert (r["fatalities"], r["year"], r["source_scale"]) == (2, 2020, "National")
    assert r["time_start"] == pd.Timestamp("2020-02-29T22:00Z")
    assert r["time_end"] == pd.Timestamp("2020-03-01T22:00Z")
    assert r["acled_timestamp"] == 1584316800


def test_time_precision_widens_the_window(good: Batch) -> None:
    week = _row(good.events, "SYR90004")  # "05 March 2020", time_precision 2
    assert week["event_date"] == "2020-03-05" and week["time_precision"] == 2
    assert week["time_start"] == pd.Timestamp("2020-03-01T22:00Z")  # 2 March local
    assert week["time_end"] == pd.Timestamp("2020-03-08T22:00Z")  # 9 March local, exclusive
    assert week["geo_precision"] == 2 and week["location_uncertainty_km"] == 25.0
    month = _row(good.events, "SYR90006")  # time_precision 3: 15 days either side
    assert month["time_start"] == pd.Timestamp("2020-02-18T22:00Z")
    assert month["time_end"] == pd.Timestamp("2020-03-20T22:00Z")
    assert month["location_uncertainty_km"] == 75.0


def test_summer_and_winter_days_in_damascus(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "dst.csv",
        [_event(), _event(event_id_cnty="SYR99002", event_date="2018-01-15")],
    )
    e = read_events(path, "acled").events
    assert e["time_start"].tolist() == [
        pd.Timestamp("2018-06-30T21:00Z"),  # UTC+3 in summer
        pd.Timestamp("2018-01-14T22:00Z"),  # UTC+2 in winter
    ]


def test_actor_type_names_of_2024_exports() -> None:
    e = read_events(DATA / "acled_2024_format.csv", "acled").events
    assert e[["inter1", "inter2", "interaction"]].astype(object).values.tolist() == [
        [1, 2, 12],
        [6, pd.NA, 60],
    ]


def test_bad_rows_become_rejects_with_their_lines() -> None:
    batch = read_events(BAD, "acled")
    got = [(r.line, r.field, r.reason, r.value) for r in batch.rejects]
    assert got == [
        (3, "latitude", "missing coordinates", ""),
        (4, "latitude", "latitude out of range [-90, 90]", "95.2"),
        (5, "longitude", "longitude out of range [-180, 180]", "236.6"),
        (6, "event_date", "unparseable date", "2020-13-45"),
        (7, "(row)", "expected 31 columns, found 29", got[4][3]),
        (8, "(row)", "not valid UTF-8", "Sar\\xe2qib"),
        (9, "fatalities", "not a number", "unknown"),
        (12, "fatalities", "negative", "-3"),
        (13, "event_id_cnty", "duplicate event_id_cnty (first on line 2)", "SYR91002"),
        (14, "time_precision", "time_precision must be 1, 2 or 3", "7"),
        (16, "fatalities", "not a whole number", "2.5"),
        (17, "event_id_cnty", "missing event_id_cnty", ""),
    ]
    assert str(got[4][3]).startswith("SYR91007,2020-03-03,")
    assert batch.events["event_uid"].tolist() == [
        "acled:SYR91002",
        "acled:SYR91010",
        "acled:SYR91015",
    ]
    assert batch.events["source_line"].tolist() == [2, 10, 15]
    assert _row(batch.events, "SYR91015")["event_date"] == "2020-03-15"  # "15 March 2020"
    assert str(batch.rejects[0]) == f"{BAD}:3: latitude: missing coordinates ('')"


def test_batches_see_duplicates_across_batches_and_keep_lines() -> None:
    whole = read_events(BAD, "acled")
    parts = list(AcledSource().batches(BAD, batch_size=4))
    assert [r for p in parts for r in p.rejects] == whole.rejects  # line 13 repeats line 2
    assert [(p.first_line, p.last_line) for p in parts] == [(2, 5), (6, 9), (10, 14), (15, 17)]
    joined = pd.concat([p.events for p in parts], ignore_index=True)
    cols = [c for c in whole.events.columns if c != "ingest_time"]
    pd.testing.assert_frame_equal(joined[cols], whole.events[cols])


def test_gzip_crlf_and_bom(tmp_path: Path) -> None:
    crlf = _write(
        tmp_path / "crlf.csv", [_event(), _event(event_id_cnty="SYR99002")], newline="\r\n"
    )
    bom = tmp_path / "bom.csv.gz"
    with gzip.open(bom, "wb") as fh:
        fh.write(b"\xef\xbb\xbf" + crlf.read_bytes())
    for path in (crlf, bom):
        batch = read_events(path, "acled")
        assert batch.rejects == [] and batch.events["source_line"].tolist() == [2, 3]
        assert batch.events.loc[1, "notes"] == "constructed"  # no stray "\r"
    assert detect_source(bom) == "acled"


def test_gzip_gives_the_same_events_as_plain(tmp_path: Path) -> None:
    gz = tmp_path / "good.csv.gz"
    gz.write_bytes(gzip.compress(GOOD.read_bytes()))
    plain, packed = read_events(GOOD, "acled"), read_events(gz, "acled")
    cols = [c for c in plain.events.columns if c not in ("ingest_time", "source_file")]
    pd.testing.assert_frame_equal(plain.events[cols], packed.events[cols])


def test_an_unterminated_quote_costs_one_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.csv", [_event(event_id_cnty=f"SYR9900{i}") for i in range(1, 5)])
    lines = path.read_text().split("\n")
    lines[2] = lines[2].replace(",constructed,", ',"constructed,')  # opens, never closes
    path.write_text("\n".join(lines))
    batch = read_events(path, "acled")
    assert [(r.line, r.field) for r in batch.rejects] == [(3, "(row)")]
    assert "unbalanced quote" in batch.rejects[0].reason
    assert batch.events["source_line"].tolist() == [2, 4, 5]


def test_blank_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path / "b.csv", [_event(), _event(event_id_cnty="SYR99002")])
    text = path.read_text().replace("\nSYR99002", "\n\n\nSYR99002")
    path.write_text(text + "\n")
    batch = read_events(path, "acled")
    assert batch.rejects == [] and batch.events["source_line"].tolist() == [2, 5]


def test_content_hash_is_stable_and_row_specific(good: Batch) -> None:
    again = read_events(GOOD, "acled").events
    assert again["content_hash"].tolist() == good.events["content_hash"].tolist()
    assert good.events["content_hash"].is_unique
    assert again["ingest_time"].iloc[0] >= good.events["ingest_time"].iloc[0]


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(
        EventReadError, match=r"header lacks column\(s\) latitude, longitude"
    ) as info:
        read_events(DATA / "acled_missing_columns.csv", "acled")
    assert info.value.file == str(DATA / "acled_missing_columns.csv")
    with pytest.raises(EventReadError, match="empty file: not an ACLED CSV file"):
        read_events(DATA / "empty.csv", "acled")
    with pytest.raises(EventReadError, match="file not found"):
        read_events(tmp_path / "missing.csv", "acled")
    with pytest.raises(EventReadError, match="is a directory"):
        read_events(tmp_path, "acled")
    twice = tmp_path / "twice.csv"
    twice.write_text(",".join([*ACLED_COLUMNS, "notes"]) + "\n")
    with pytest.raises(EventReadError, match="more than once: notes"):
        read_events(twice, "acled")
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(GOOD.read_bytes() * 50)[:300])
    with pytest.raises(EventReadError, match=r"broken\.csv\.gz"):
        read_events(broken, "acled")


def test_count_records_is_a_cheap_upper_bound() -> None:
    assert count_records(GOOD) == 7  # 8 lines less the header; the two-line note counts twice
    assert count_records(GOOD, source="acled") == 7
    assert count_records(BAD) == 16
    assert count_records(DATA / "empty.csv") == 0


def test_a_rejected_row_does_not_make_a_later_one_a_duplicate(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "d.csv",
        [_event(latitude=""), _event(), _event(event_id_cnty="SYR99002"), _event()],
    )
    batch = read_events(path, "acled")
    assert [(r.line, r.reason) for r in batch.rejects] == [
        (2, "missing coordinates"),
        (5, "duplicate event_id_cnty (first on line 3)"),
    ]
    assert batch.events["source_line"].tolist() == [3, 4]
