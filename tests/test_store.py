"""The store: upserts, versions, rejects, queries, agreements, zones, evaluations (real SQLite)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from store_helpers import Reject

from ceasefire.errors import GeometryError, StoreError
from ceasefire.events import EVENT_COLUMNS, content_hash, day_window, normalise_events
from ceasefire.store import (
    DISPLAY_COLUMNS,
    OBLIGATION_COLUMNS,
    VERDICT_COLUMNS,
    IngestReport,
    SQLStore,
    Store,
    open_store,
)


def make_events(
    n: int, *, dataset: str = "test", start: int = 0, fatalities: int = 1, file: str = "t.csv"
) -> pd.DataFrame:
    """``n`` events with every column filled, uids ``{dataset}:{start..start+n-1}``."""
    ids = [str(i) for i in range(start, start + n)]
    days = pd.Series([f"2016-0{1 + i % 9}-{1 + i % 28:02d}" for i in range(start, start + n)])
    t0, t1 = day_window(days)
    frame = pd.DataFrame(
        {
            "event_id_cnty": [f"SYR{i}" for i in ids],
            "event_date": days,
            "year": 2016,
            "time_precision": 1,
            "event_type": "Battles",
            "sub_event_type": "Armed clash",
            "actor1": "Government of Syria",
            "actor2": ["IS" if i % 2 == 0 else None for i in range(n)],
            "inter1": 1,
            "country": "Syria",
            "location": [f"Place {i}" for i in ids],
            "latitude": 35.0 + np.arange(n) / 1000.0,
            "longitude": 36.0 + np.arange(n) / 1000.0,
            "geo_precision": 1,
            "fatalities": fatalities,
            "fatalities_low": 0,
            "fatalities_high": fatalities + 2,
            "event_uid": [f"{dataset}:{i}" for i in ids],
            "source_dataset": dataset,
            "source_row_id": ids,
            "source_file": file,
            "source_line": np.arange(n) + 2,
            "ingest_time": pd.Timestamp("2024-05-01 12:00:00.123456", tz="UTC"),
            "iso2": "SY",
            "location_uncertainty_km": 2.0,
            "time_start": t0,
            "time_end": t1,
            "initiator_known": np.arange(n) % 3 == 0,
        }
    )
    frame = normalise_events(frame)
    frame["content_hash"] = [
        content_hash([u, f, d])
        for u, f, d in zip(frame.event_uid, frame.fatalities, days, strict=True)
    ]
    return normalise_events(frame)


@pytest.fixture
def store(new_store: Callable[..., str]) -> Iterator[SQLStore]:
    """A new store, SQLite or PostgreSQL (each test runs on both)."""
    s = open_store(new_store("store"))
    yield s
    s.close()


def _raw(store: SQLStore, sql: str) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


# ---------------------------------------------------------------- opening


def test_open_store_is_a_store_with_sqlite_settings(tmp_path: Path) -> None:
    """SQLite only: its pragmas (PostgreSQL has none of these settings)."""
    store = open_store(tmp_path / "store.db")
    assert isinstance(store, Store)
    assert _raw(store, "PRAGMA journal_mode") == [("wal",)]
    assert _raw(store, "PRAGMA foreign_keys") == [(1,)]
    assert _raw(store, "PRAGMA synchronous") == [(1,)]  # NORMAL
    assert _raw(store, "PRAGMA busy_timeout")[0][0] >= 1000
    store.close()


def test_open_store_accepts_a_url_and_a_str_path(tmp_path: Path) -> None:
    db = tmp_path / "u.db"
    with open_store(f"sqlite:///{db}") as s:
        s.add_events(make_events(2))
    with open_store(str(db)) as s:
        assert s.count_events() == 2
        assert "u.db" in s.url


def test_open_store_in_a_missing_folder_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        open_store(tmp_path / "nope" / "x.db")


def test_a_writer_waits_for_another_then_gives_up(new_store: Callable[..., str]) -> None:
    from ceasefire.store.engine import write_transaction

    db = new_store("locked")
    with open_store(db) as a, open_store(db, busy_timeout_s=0.2) as b:
        with write_transaction(a.engine) as conn:
            conn.exec_driver_sql("INSERT INTO agreements VALUES ('x', 'y', 'z', 'now')")
            assert b.agreements() == {}  # readers see the last commit, never wait
            with pytest.raises(StoreError, match="locked"):
                b.put_agreement("other", "id: other", "other.yaml")
        assert b.agreements() == {"x": "y"}
        b.put_agreement("other", "id: other", "other.yaml")
        assert set(a.agreements()) == {"other", "x"}


def test_memory_store_keeps_data_across_calls() -> None:
    with open_store(":memory:") as s:
        s.add_events(make_events(3))
        assert s.count_events() == 3


# ---------------------------------------------------------------- events


def test_events_round_trip_with_dtypes(store: SQLStore) -> None:
    frame = make_events(20)
    report = store.add_events(frame)
    assert report == IngestReport(None, "t.csv", 20, 20, 0, 0, 0)
    back = store.events()
    assert list(back.columns) == [*EVENT_COLUMNS, "version"]
    for col, dtype in EVENT_COLUMNS.items():
        assert str(back[col].dtype) == dtype, col
    assert (back["version"] == 1).all()
    expected = frame.sort_values(["event_date", "event_uid"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back[list(EVENT_COLUMNS)], expected)


def test_readding_the_same_events_changes_nothing(store: SQLStore) -> None:
    store.add_events(make_events(10))
    before = store.events()
    report = store.add_events(make_events(10))
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 10)
    pd.testing.assert_frame_equal(store.events(), before)
    assert store.event_versions("test:3").empty


def test_a_changed_row_is_updated_and_its_old_version_kept(store: SQLStore) -> None:
    store.add_events(make_events(5))
    changed = make_events(5)
    changed.loc[changed.event_uid == "test:3", "fatalities"] = 9
    changed.loc[changed.event_uid == "test:3", "content_hash"] = "new-hash"
    report = store.add_events(changed)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 4)
    now = store.events(uids=["test:3"])
    assert now["fatalities"].tolist() == [9] and now["version"].tolist() == [2]
    old = store.event_versions("test:3")
    assert len(old) == 1
    assert old.loc[0, "version"] == 1 and old.loc[0, "fatalities"] == 1
    assert old.loc[0, "content_hash"] != "new-hash"
    assert old["time_start"].tolist() == [make_events(5)["time_start"].iloc[3]]
    assert str(old["superseded_at"].dtype).startswith("datetime64")
    # a third version
    changed.loc[changed.event_uid == "test:3", "content_hash"] = "newer-hash"
    store.add_events(changed)
    assert store.event_versions("test:3")["version"].tolist() == [1, 2]
    assert store.events(uids=["test:3"]).loc[0, "version"] == 3


def test_missing_uid_and_hash_are_made_and_rows_without_them_rejected(store: SQLStore) -> None:
    frame = pd.DataFrame(
        {
            "source_dataset": ["news", "news", None],
            "source_row_id": ["a", "b", None],
            "event_date": ["2020-03-06", "2020-03-07", "2020-03-08"],
            "notes": ["shelling", "clash", "no id"],
            "source_file": "reports.csv",
            "source_line": [2, 3, 4],
        }
    )
    report = store.add_events(frame)
    assert (report.inserted, report.rejected, report.rows_read) == (2, 1, 3)
    got = store.events()
    assert got["event_uid"].tolist() == ["news:a", "news:b"]
    assert got["content_hash"].notna().all()
    assert got["ingest_time"].notna().all()
    rej = store.rejects()
    assert rej[["file", "line", "field"]].values.tolist() == [["reports.csv", 4, "event_uid"]]
    again = store.add_events(frame)
    assert (again.inserted, again.unchanged, again.rejected) == (0, 2, 1)
    assert len(store.rejects()) == 1


def test_duplicate_uid_in_a_frame_keeps_the_first(store: SQLStore) -> None:
    frame = make_events(3)
    dup = frame.iloc[[1]].copy()
    dup["fatalities"] = 50
    dup["source_line"] = 99
    report = store.add_events(pd.concat([frame, dup], ignore_index=True))
    assert (report.inserted, report.rejected, report.rows_read) == (3, 1, 4)
    assert store.events(uids=["test:1"]).loc[0, "fatalities"] == 1
    rej = store.rejects()
    assert rej.loc[0, "line"] == 99 and "line 3" in str(rej.loc[0, "reason"])


def test_rejects_are_stored_once(store: SQLStore, tmp_path: Path) -> None:
    src = tmp_path / "src.csv"
    src.write_text("a,b\n1,2\n")
    rejects = [
        Reject(str(src), 5, "latitude", "north", "not a number"),
        Reject(str(src), 5, "longitude", None, "missing"),
        Reject(str(src), 9, "event_date", "2016-13-01", "not a date"),
    ]
    report = store.add_events(make_events(2), rejects=rejects)
    assert report.rejected == 2  # rows 5 and 9
    assert report.rows_read == 4
    again = store.add_events(make_events(2), rejects=rejects)
    assert again.rejected == 2
    rej = store.rejects(file=str(src))
    assert len(rej) == 3
    assert rej.iloc[0].to_dict() | {"ingest_id": None} == {
        "ingest_id": None,
        "file": str(src),
        "file_sha256": rej.iloc[0]["file_sha256"],
        "line": 5,
        "field": "latitude",
        "value": "north",
        "reason": "not a number",
    }
    assert len(rej.iloc[0]["file_sha256"]) == 64
    assert pd.isna(rej.iloc[1]["value"])
    assert len(store.rejects(limit=1)) == 1
    assert store.rejects(file="other.csv").empty


def test_event_filters(store: SQLStore) -> None:
    store.add_events(make_events(30, dataset="a"))
    store.add_events(make_events(10, dataset="b"))
    assert store.count_events() == 40
    assert len(store.events(source_dataset="b")) == 10
    feb = store.events(since="2016-02-01", until="2016-02-28")
    assert len(feb) > 0 and feb["event_date"].str.startswith("2016-02").all()
    assert (store.events(since="2016-03-05")["event_date"] >= "2016-03-05").all()
    assert (store.events(until="2016-02-05T23:00:00Z")["event_date"] <= "2016-02-05").all()
    assert len(store.events(limit=7)) == 7
    dated = store.events()["event_date"].tolist()
    assert dated == sorted(dated)
    with pytest.raises(StoreError, match="since"):
        store.events(since="last week")


def test_events_by_many_uids(store: SQLStore) -> None:
    store.add_events(make_events(1200))
    wanted = [f"test:{i}" for i in range(0, 1200, 2)] + ["test:99999"]
    got = store.events(uids=wanted)
    assert sorted(got["event_uid"]) == sorted(wanted[:-1])
    assert got["event_date"].tolist() == sorted(got["event_date"])
    assert len(store.events(uids=wanted, limit=5)) == 5
    assert store.events(uids=[]).empty


def test_empty_results_are_typed_frames(store: SQLStore) -> None:
    empty = store.events()
    assert empty.empty and str(empty["time_start"].dtype) == "datetime64[ns, UTC]"
    assert store.event_versions("nope").empty
    assert store.rejects().empty and store.ingests().empty
    v = store.verdicts()
    assert list(v.columns) == [*VERDICT_COLUMNS, *DISPLAY_COLUMNS]
    assert list(store.obligations().columns) == list(OBLIGATION_COLUMNS)


def test_bulk_add_then_readd_changes_nothing(store: SQLStore) -> None:
    frame = make_events(10000)
    first = store.add_events(frame)
    again = store.add_events(frame)
    assert first.inserted == 10000
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 10000)
    assert store.count_events() == 10000


# ---------------------------------------------------------------- agreements and zones


def test_agreements_put_and_replace(store: SQLStore) -> None:
    store.put_agreement("idlib-2020", "id: idlib-2020\n", "agreements/idlib.yaml")
    store.put_agreement("astana-2017", "id: astana-2017\n", "agreements/astana.yaml")
    store.put_agreement("idlib-2020", "id: idlib-2020\nv: 2\n", "agreements/idlib.yaml")
    assert store.agreements() == {
        "astana-2017": "id: astana-2017\n",
        "idlib-2020": "id: idlib-2020\nv: 2\n",
    }


def _zone(zone_id: str, name: str = "Zone") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 35.0]]],
        },
        "properties": {
            "id": zone_id,
            "name": name,
            "kind": "security_corridor",
            "approximation_note": "6 km either side of the M4, buffered",
            "approximation_error_km": 1.5,
            "source": "Moscow protocol, 5 March 2020",
            "derived_from": "M4 highway",
        },
    }


def test_zones_put_replace_and_read(store: SQLStore) -> None:
    store.put_zone(_zone("m4", "M4 corridor"))
    store.put_zone(_zone("a", "A"))
    store.put_zone(_zone("m4", "M4 corridor v2"))
    zones = store.zones()
    assert [z["properties"]["id"] for z in zones] == ["a", "m4"]
    assert zones[1] == _zone("m4", "M4 corridor v2")
    row = _raw(store, "SELECT name, kind, approximation_error_km FROM zones WHERE id = 'm4'")
    assert row == [("M4 corridor v2", "security_corridor", 1.5)]


@pytest.mark.parametrize(
    "feature",
    [
        {"type": "FeatureCollection", "features": []},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {}},
        {"type": "Feature", "properties": {"id": "x"}},
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [0, 0]},
            "properties": {"id": "x", "approximation_error_km": "far"},
        },
    ],
)
def test_bad_zones_are_refused(store: SQLStore, feature: dict[str, Any]) -> None:
    with pytest.raises(GeometryError):
        store.put_zone(feature)
    assert store.zones() == []


# ---------------------------------------------------------------- evaluations


def _verdicts(uids: list[str], verdict: str = "violation") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_uid": uids,
            "provision_id": "p1",
            "provision_type": "no_attack",
            "verdict": verdict,
            "probability": np.linspace(0.5, 1.0, len(uids)),
            "p_space": 1.0,
            "p_time": np.nan,
            "party": ["government", "opposition"] * (len(uids) // 2)
            + ["government"] * (len(uids) % 2),
            "reason": "inside zone during ceasefire",
        }
    )


def _obligations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "provision_id": ["p2", "p3"],
            "due": [pd.Timestamp("2020-03-15", tz="UTC"), "2020-03-20"],
            "status": ["unmet", "pending"],
            "reason": ["no joint patrol reported", None],
        }
    )


def test_put_evaluation_stores_and_replaces(store: SQLStore) -> None:
    store.add_events(make_events(6))
    uids = [f"test:{i}" for i in range(6)] + ["elsewhere:1"]
    first = store.put_evaluation(
        "idlib-2020", _verdicts(uids), _obligations(), n_events=7, settings={"min_p": 0.5}
    )
    store.put_evaluation(
        "other", _verdicts(uids[:2], "compliant"), _obligations(), n_events=2, settings={}
    )
    v = store.verdicts(agreement_id="idlib-2020")
    assert len(v) == 7
    assert list(v.columns) == [*VERDICT_COLUMNS, *DISPLAY_COLUMNS]
    assert str(v["probability"].dtype) == "float64" and str(v["fatalities"].dtype) == "Int64"
    stored = v.set_index("event_uid")
    assert stored.loc["test:2", "location"] == "Place 2"
    assert stored["event_date"].isna()["elsewhere:1"]  # not in the store: still listed
    assert stored["p_time"].isna()["test:2"]
    assert len(store.verdicts(party="opposition", agreement_id="idlib-2020")) == 3
    assert len(store.verdicts(verdict="compliant")) == 2
    assert len(store.verdicts(provision_id="nope")) == 0
    assert (store.verdicts(since="2016-04-01")["event_date"] >= "2016-04-01").all()
    assert len(store.verdicts(limit=3)) == 3
    ob = store.obligations("idlib-2020")
    assert ob.to_dict("list") == {
        "agreement_id": ["idlib-2020", "idlib-2020"],
        "provision_id": ["p2", "p3"],
        "due": ["2020-03-15T00:00:00.000000Z", "2020-03-20"],
        "status": ["unmet", "pending"],
        "reason": ["no joint patrol reported", None],
    }
    second = store.put_evaluation(
        "idlib-2020",
        _verdicts(uids[:1], "compliant"),
        _obligations().iloc[:1],
        n_events=1,
        settings={"min_p": 0.9},
    )
    assert second > first
    v = store.verdicts(agreement_id="idlib-2020")
    assert v["event_uid"].tolist() == ["test:0"] and v["verdict"].tolist() == ["compliant"]
    assert len(store.obligations("idlib-2020")) == 1
    assert len(store.verdicts(agreement_id="other")) == 2  # other agreements untouched
    evals = _raw(store, "SELECT id, agreement_id, n_events, n_verdicts, settings FROM evaluations")
    assert evals[-1] == (second, "idlib-2020", 1, 1, '{"min_p": 0.9}')


def test_a_failed_evaluation_keeps_the_old_verdicts(store: SQLStore) -> None:
    store.put_evaluation("a", _verdicts(["x:1", "x:2"]), _obligations(), n_events=2, settings={})
    dup = _verdicts(["x:3", "x:3"])
    with pytest.raises(StoreError, match="one verdict per"):
        store.put_evaluation("a", dup, _obligations(), n_events=2, settings={})
    assert store.verdicts()["event_uid"].tolist() == ["x:1", "x:2"]
    assert len(store.obligations()) == 2
    assert _raw(store, "SELECT COUNT(*) FROM evaluations") == [(1,)]


def test_bad_evaluation_frames_are_refused(store: SQLStore) -> None:
    with pytest.raises(StoreError, match="lacks column"):
        store.put_evaluation(
            "a", pd.DataFrame({"event_uid": ["x"]}), _obligations(), n_events=0, settings={}
        )
    other = _verdicts(["x:1"]).assign(agreement_id="b")
    with pytest.raises(StoreError, match="other agreements"):
        store.put_evaluation("a", other, _obligations(), n_events=0, settings={})
    with pytest.raises(StoreError, match="without verdict"):
        store.put_evaluation(
            "a", _verdicts(["x:1"]).assign(verdict=None), _obligations(), n_events=0, settings={}
        )
    circular: dict[str, Any] = {}
    circular["self"] = circular
    with pytest.raises(StoreError, match="JSON"):
        store.put_evaluation("a", _verdicts(["x:1"]), _obligations(), n_events=0, settings=circular)
    empty = store.put_evaluation(
        "a",
        _verdicts([]),
        pd.DataFrame(columns=["provision_id", "status"]),
        n_events=0,
        settings={},
    )
    assert empty >= 1 and store.verdicts().empty


def test_store_file_is_plain_sqlite(tmp_path: Path) -> None:
    """SQLite only: the file itself, read without ceasefire."""
    store = open_store(tmp_path / "store.db")
    store.add_events(make_events(3))
    store.close()
    con = sqlite3.connect(tmp_path / "store.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT COUNT(*) FROM events").fetchone() == (3,)
        assert con.execute("SELECT time_start FROM events LIMIT 1").fetchone()[0].endswith("Z")
    finally:
        con.close()


def test_a_change_and_its_record_commit_together(store: SQLStore) -> None:
    """An agreement or zone and its audit row are one transaction (issue 11): when recording
    fails, nothing is stored; when it succeeds, both are."""

    def failing(conn: Any) -> None:
        raise RuntimeError("the audit could not be written")

    with pytest.raises(RuntimeError):
        store.put_agreement("x", "id: x", "x.yaml", also=failing)
    assert store.agreements() == {}
    recorded: list[Any] = []
    store.put_agreement("x", "id: x", "x.yaml", also=recorded.append)
    assert store.agreements() == {"x": "id: x"} and len(recorded) == 1
