"""The store with the real UCDP GED reader and the bundled Syria file (16,566 events)."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from ceasefire.events import EVENT_COLUMNS
from ceasefire.store import IngestReport, SQLStore, open_store

sources = pytest.importorskip("ceasefire.sources")

GED = Path(str(resources.files("ceasefire") / "data/ucdp/ged_syria_2016-01_2019-11.csv.gz"))
N_EVENTS = 16566


@pytest.fixture(scope="module")
def ged_events() -> pd.DataFrame:
    batch = sources.read_events(str(GED), "ucdp")
    assert batch.rejects == []
    frame: pd.DataFrame = batch.events
    return frame


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SQLStore, list[float]]]:
    db = tmp_path_factory.mktemp("ucdp") / "store.db"
    store = open_store(db)
    t0 = time.perf_counter()
    first = store.ingest("ucdp", GED)
    took = [time.perf_counter() - t0]
    assert first == IngestReport(first.ingest_id, str(GED), N_EVENTS, N_EVENTS, 0, 0, 0)
    yield store, took
    store.close()


def test_ucdp_ingest_is_complete(
    loaded: tuple[SQLStore, list[float]], ged_events: pd.DataFrame
) -> None:
    store, _ = loaded
    assert store.count_events() == N_EVENTS == ged_events["event_uid"].nunique()
    assert store.ingests()["status"].tolist() == ["done"]


def test_ucdp_events_come_back_as_read(
    loaded: tuple[SQLStore, list[float]], ged_events: pd.DataFrame
) -> None:
    store, _ = loaded
    cols = [c for c in EVENT_COLUMNS if c != "ingest_time"]
    back = store.events(source_dataset="ucdp_ged")[cols]
    want = ged_events.sort_values(["event_date", "event_uid"]).reset_index(drop=True)[cols]
    pd.testing.assert_frame_equal(back, want)
    one = store.events(uids=["ucdp_ged:214797"])
    assert len(one) == 1 and one.loc[0, "source_line"] == 2


def test_ucdp_reingest_adds_nothing(loaded: tuple[SQLStore, list[float]]) -> None:
    store, _ = loaded
    before = store.rejects()
    again = store.ingest("ucdp", GED, batch_size=5000)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, N_EVENTS)
    assert store.count_events() == N_EVENTS
    pd.testing.assert_frame_equal(store.rejects(), before)
    assert store.event_versions("ucdp_ged:214797").empty


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_ucdp_ingest_killed_mid_way_recovers_on_rerun(
    tmp_path: Path, ged_events: pd.DataFrame
) -> None:
    if str(Path(__file__).parent) not in sys.path:  # e.g. under --import-mode=importlib
        sys.path.insert(0, str(Path(__file__).parent))
    from test_store_ingest import check_after_kill, check_rerun, run_and_kill

    db = tmp_path / "crash.db"
    open_store(db).close()
    committed = run_and_kill(tmp_path, db, GED, "source = 'ucdp'", batch_size=500, after=1)
    partial = check_after_kill(db, at_least=committed, total=N_EVENTS)
    with open_store(db) as store:
        check_rerun(
            store,
            lambda: store.ingest("ucdp", GED, batch_size=2000),
            partial=partial,
            uids=set(ged_events["event_uid"]),
            n_rejects=0,
        )
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()
