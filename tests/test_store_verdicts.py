"""Stored verdicts and ingest: an updated event loses its verdicts; unevaluated events counted.

Real SQLite files, the real ACLED reader on the constructed test file, and real events frames.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_store import make_events

from ceasefire.store import SQLStore, open_store
from ceasefire.store import ingest as ingest_module

DATA = Path(__file__).parent / "data" / "sources"
ACLED = DATA / "acled_idlib_2020-03.csv"
ARIHA = "35.8126,36.6104"  # SYR90001's latitude and longitude, once in the file


@pytest.fixture
def store(new_store: Callable[..., str]) -> Iterator[SQLStore]:
    s = open_store(new_store("store"))  # SQLite, then PostgreSQL
    yield s
    s.close()


def _verdicts(uids: list[str], provision_id: str = "p1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_uid": uids,
            "provision_id": provision_id,
            "provision_type": "no_attack",
            "verdict": "violation",
            "probability": 0.9,
            "reason": "inside the zone during the ceasefire",
        }
    )


def _judge_all(store: SQLStore, agreement_id: str = "a", provision_id: str = "p1") -> list[str]:
    """Store an evaluation with one verdict per stored event; its uids."""
    uids = store.events()["event_uid"].tolist()
    store.put_evaluation(
        agreement_id,
        _verdicts(uids, provision_id),
        pd.DataFrame(columns=["provision_id", "status"]),
        n_events=len(uids),
        settings={},
    )
    return uids


def _judged(store: SQLStore) -> list[tuple[str, str, str]]:
    v = store.verdicts()
    return sorted(zip(v.agreement_id, v.provision_id, v.event_uid, strict=True))


def _moved_copy(tmp_path: Path) -> Path:
    """The ACLED file with SYR90001 moved to 33.5, 36.3 (out of Idlib, near Damascus)."""
    text = ACLED.read_text(encoding="utf-8")
    assert text.count(ARIHA) == 1
    moved = tmp_path / "acled_moved.csv"
    moved.write_text(text.replace(ARIHA, "33.5,36.3"), encoding="utf-8")
    return moved


def test_an_ingest_that_updates_an_event_deletes_only_its_verdicts(
    store: SQLStore, tmp_path: Path
) -> None:
    store.ingest("acled", ACLED)
    uids = _judge_all(store, "idlib")
    _judge_all(store, "other", "p9")
    assert len(uids) == 6 and "acled:SYR90001" in uids
    before = _judged(store)
    report = store.ingest("acled", _moved_copy(tmp_path))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 5)
    moved = store.events(uids=["acled:SYR90001"])
    assert moved.loc[0, "latitude"] == 33.5 and moved.loc[0, "version"] == 2
    # every verdict on the moved event is gone, in every agreement; the others are kept as they were
    assert _judged(store) == [k for k in before if k[2] != "acled:SYR90001"]
    assert store.verdicts(verdict="violation")["event_uid"].nunique() == 5
    assert store.count_unevaluated() == 1


def test_an_unchanged_reingest_deletes_no_verdict(store: SQLStore, tmp_path: Path) -> None:
    store.ingest("acled", ACLED)
    _judge_all(store)
    before = store.verdicts()
    copy = tmp_path / "same.csv"
    shutil.copyfile(ACLED, copy)  # another path, same rows
    for path in (ACLED, copy):
        report = store.ingest("acled", path)
        assert (report.inserted, report.updated, report.unchanged) == (0, 0, 6)
    pd.testing.assert_frame_equal(store.verdicts(), before)
    assert store.count_unevaluated() == 0


def test_add_events_update_deletes_that_events_verdicts(store: SQLStore) -> None:
    store.add_events(make_events(5))
    _judge_all(store)
    unchanged = store.add_events(make_events(5))
    assert unchanged.updated == 0 and len(store.verdicts()) == 5
    changed = make_events(5)
    changed.loc[changed.event_uid == "test:3", "fatalities"] = 9
    changed.loc[changed.event_uid == "test:3", "content_hash"] = "new-hash"
    assert store.add_events(changed).updated == 1
    assert store.verdicts()["event_uid"].tolist() == ["test:0", "test:1", "test:2", "test:4"]


def test_a_failed_batch_keeps_the_verdicts(
    store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_events(make_events(3))
    _judge_all(store)
    changed = make_events(3)
    changed.loc[changed.event_uid == "test:1", "content_hash"] = "new-hash"

    def fail(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk gone")

    # the batch fails after its update and verdict deletion: all of it is rolled back
    monkeypatch.setattr(ingest_module, "_store_rejects", fail)
    with pytest.raises(RuntimeError, match="disk gone"):
        store.add_events(changed)
    assert len(store.verdicts()) == 3 and store.events()["version"].tolist() == [1, 1, 1]


def test_count_unevaluated_counts_new_and_updated_events(store: SQLStore) -> None:
    assert store.count_unevaluated() == 0  # nothing stored
    store.add_events(make_events(4))
    assert store.count_unevaluated() == 0  # nothing ever evaluated
    _judge_all(store)
    assert store.count_unevaluated() == 0
    store.add_events(make_events(3, start=4))  # test:4..6, new
    changed = make_events(4)
    changed.loc[changed.event_uid == "test:0", "content_hash"] = "new-hash"
    store.add_events(changed)  # test:0 updated
    assert store.count_unevaluated() == 4
    _judge_all(store)
    assert store.count_unevaluated() == 0
    # an evaluation with no verdicts still counts as an evaluation
    store.put_evaluation(
        "a",
        _verdicts([]),
        pd.DataFrame(columns=["provision_id", "status"]),
        n_events=0,
        settings={},
    )
    assert store.count_unevaluated() == 7
