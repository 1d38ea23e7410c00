"""News articles in the store: all or nothing, skip on rerun, one event per incident."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError

from ceasefire.events import normalise_events
from ceasefire.store import open_store


def _event(uid: str, notes: str) -> dict:
    return {
        "event_uid": uid,
        "source_dataset": "news",
        "source_row_id": uid.split(":", 1)[1],
        "event_date": "2020-03-07",
        "latitude": 35.81,
        "longitude": 36.61,
        "notes": notes,
        "time_start": pd.Timestamp("2020-03-06T22:00Z"),
        "time_end": pd.Timestamp("2020-03-07T22:00Z"),
    }


def _article(article_id: str) -> dict:
    return {
        "article_id": article_id,
        "file": f"{article_id}.txt",
        "headline": "h",
        "text": "t",
        "extraction": {"events": 1},
        "authors": ["A"],
    }


def test_articles_link_one_event_per_incident_and_skip_reruns(tmp_path: Path):
    with open_store(tmp_path / "a.db") as store:
        first = normalise_events(pd.DataFrame([_event("news:incident-1", "first report")]))
        links = [
            {
                "article_id": "a1",
                "event_uid": "news:incident-1",
                "sentence_start": 0,
                "sentence_end": 10,
                "sentence": "first report",
            }
        ]
        claims = [
            {
                "start": 0,
                "end": 5,
                "kind": "intent",
                "claimant": "Turkey",
                "subject": None,
                "predicate": "retain the right to respond",
                "text": "Turkey will ...",
            }
        ]
        assert store.add_article(_article("a1"), first, links, claims)
        # the same incident in a second article: one event, two links
        second = normalise_events(pd.DataFrame([_event("news:incident-1", "second report")]))
        links2 = [{**links[0], "article_id": "a2", "sentence": "second report"}]
        assert store.add_article(_article("a2"), second, links2, [])
        assert store.count_events() == 1
        assert store.events()["notes"].tolist() == ["first report"]
        assert sorted(store.articles()["article_id"]) == ["a1", "a2"]
        assert store.articles().set_index("article_id")["events"].to_dict() == {"a1": 1, "a2": 1}
        assert store.claims()["claimant"].tolist() == ["Turkey"]
        # rerun: already stored, nothing added
        assert not store.add_article(_article("a1"), first, links, claims)
        assert len(store.claims()) == 1


def test_a_failing_article_leaves_nothing_behind(tmp_path: Path):
    with open_store(tmp_path / "b.db") as store:
        events = normalise_events(pd.DataFrame([_event("news:x", "n")]))
        bad_links = [
            {"article_id": "b1", "event_uid": "news:x"},
            {"article_id": "b1", "event_uid": "news:x"},
        ]
        with pytest.raises(IntegrityError):  # duplicate link: the whole article rolls back
            store.add_article(_article("b1"), events, bad_links, [])
        assert store.count_events() == 0
        assert store.articles().empty
        assert not store.has_article("b1")
