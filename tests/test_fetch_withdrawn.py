"""Events ACLED withdrew, against the loopback server playing ACLED (constructed rows: see
tests/data/fetch/README.md): the event page and the API's event answer say 410 Gone with when,
why and the history, and no verdicts; an event ACLED serves again with a newer ``timestamp``
is current evidence again (a new version, the withdrawal kept in its history and the audit
log), unless its deletion is newer than the row; the pages' provenance is their URL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fetch_server import FakeProvider, load
from sqlalchemy import select
from test_fetch_acled import LOGIN, NOW, QUERY, FakeAcled, _options

from ceasefire import monitoring
from ceasefire.fetch.acled import fetch_acled
from ceasefire.store import SQLStore, open_store, schema
from ceasefire.store.fetches import AUDIT_REINSTATE, withdrawn_events

GONE = "acled:SYR990003"
#: When the constructed deletion row says ACLED deleted it (1700100500).
DELETED_AT = dt.datetime.fromtimestamp(1700100500, dt.UTC)


@pytest.fixture
def acled(provider: FakeProvider) -> FakeAcled:
    return FakeAcled(provider)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "w.db")


def _fetch(db: str, provider: FakeProvider) -> Any:
    with open_store(db) as store:
        assert isinstance(store, SQLStore)
        return fetch_acled(store, QUERY, login=LOGIN, options=_options(provider), now=lambda: NOW)


def _withdrawn_with_history(db: str, provider: FakeProvider, acled: FakeAcled) -> None:
    """SYR990003 fetched, revised by ACLED (version 2), then deleted: withdrawn."""
    _fetch(db, provider)
    acled.rows["SYR990003"] = {
        **acled.rows["SYR990003"],
        "fatalities": "7",
        "timestamp": "1700050000",
    }
    _fetch(db, provider)
    acled.living()
    _fetch(db, provider)


def test_the_event_page_and_answer_say_410_gone_with_the_history(
    provider: FakeProvider, acled: FakeAcled, db: str
) -> None:
    from ceasefire.web import create_app

    _withdrawn_with_history(db, provider, acled)
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        monitoring.evaluate_store(store, ["moscow-2020"])
        assert withdrawn_events(store.engine) == [GONE]
    app = create_app(db)
    try:
        with TestClient(app) as c:
            page = c.get(f"/events/{GONE}")
            answer = c.get(f"/api/events/{GONE}")
            missing = c.get("/api/events/acled:SYR000000")
            missing_page = c.get("/events/acled:SYR000000")
            listed = c.get("/api/events", params={"limit": 100}).json()
            current = c.get("/api/events/acled:SYR990001")
    finally:
        app.state.store.close()
    assert answer.status_code == 410
    body = answer.json()
    assert body["error"]["code"] == "withdrawn"
    assert "withdrawn by its provider (deleted by ACLED)" in body["error"]["message"]
    assert body["withdrawn"]["reason"] == "deleted by ACLED"
    assert dt.datetime.fromisoformat(body["withdrawn"]["at"]) == DELETED_AT  # ACLED's time
    assert body["verdicts"] == []
    assert (body["event"]["event_uid"], body["event"]["fatalities"]) == (GONE, 7)
    assert body["event"]["version"] == 2
    assert [(v["version"], v["fatalities"]) for v in body["versions"]] == [(1, 2)]
    assert page.status_code == 410
    assert "Withdrawn by its provider" in page.text and "deleted by ACLED" in page.text
    assert 'id="versions"' in page.text and "event.js" not in page.text
    assert "Verdicts" not in page.text  # it has none
    # nothing else changed: an unknown id is still 404, the lists leave the event out
    assert missing.status_code == 404 and missing_page.status_code == 404
    assert GONE not in {e["event_uid"] for e in listed["items"]}
    assert current.status_code == 200


def _served_again(acled: FakeAcled, timestamp: str) -> None:
    """ACLED serves the deleted event again, revised, written at ``timestamp``."""
    original = next(
        r for r in load("acled/syria-2020-03.json")["events"] if r["event_id_cnty"] == "SYR990003"
    )
    acled.rows["SYR990003"] = {**original, "fatalities": "5", "timestamp": timestamp}


def test_an_event_served_again_newer_is_evidence_again(
    provider: FakeProvider, acled: FakeAcled, db: str
) -> None:
    _fetch(db, provider)
    acled.living()
    assert _fetch(db, provider).withdrawn == 1
    _served_again(acled, "1700200000")  # after the deletion (1700100500)
    report = _fetch(db, provider)
    with open_store(db) as store:
        assert withdrawn_events(store.engine) == []
        row = store.events(uids=[GONE]).iloc[0]
        assert (row["fatalities"], row["version"]) == (5, 3)  # reinstated (2), revised (3)
        versions = store.event_versions(GONE)
        assert versions["version"].tolist() == [1, 2]
        with store.engine.connect() as conn:
            v = schema.event_versions
            kept = conn.execute(
                select(v.c.row_json).where(v.c.event_uid == GONE, v.c.version == 1)
            ).scalar_one()
            audit = schema.audit_log
            actions = conn.execute(select(audit.c.action)).scalars().all()
        assert json.loads(kept)["withdrawn_reason"] == "deleted by ACLED"  # the history
        assert AUDIT_REINSTATE in actions
        assert store.count_events() == 5
    assert report.withdrawn == 0  # the same deletion, asked again, is not applied again
    assert report.reinstated == 1 and report.counts()["reinstated"] == 1
    # a later run sees the old deletion again (the overlap) and the row again: still current
    _fetch(db, provider)
    with open_store(db) as store:
        assert withdrawn_events(store.engine) == [] and store.count_events() == 5


def test_a_row_older_than_its_deletion_stays_withdrawn(
    provider: FakeProvider, acled: FakeAcled, db: str
) -> None:
    _fetch(db, provider)
    acled.living()
    _fetch(db, provider)
    _served_again(acled, "1700100400")  # written before the deletion (1700100500)
    _fetch(db, provider)
    with open_store(db) as store:
        assert withdrawn_events(store.engine) == [GONE]
        assert GONE not in set(store.events()["event_uid"])


def test_provenance_is_the_pages_url_and_a_rerun_stores_nothing_new(
    provider: FakeProvider, acled: FakeAcled, db: str
) -> None:
    _fetch(db, provider)
    with open_store(db) as store:
        files = store.ingests()["file"].tolist()
        sources = set(store.events()["source_file"])
    assert len(files) == 3
    for f in files:
        assert f.startswith(f"{provider.url}/api/acled/read?_format=json&country=Syria")
        assert "ceasefire-fetch-" not in f and "Bearer" not in f
    assert {f.rsplit("page=", 1)[1].split("&")[0] for f in files} == {"1", "2", "3"}
    assert sources <= set(files)
    # the same pages again (a forced first run of the same query): the same data
    with open_store(db) as store:
        assert isinstance(store, SQLStore)
        with store.engine.begin() as conn:
            conn.execute(schema.fetch_state.delete())
        report = fetch_acled(store, QUERY, login=LOGIN, options=_options(provider), now=lambda: NOW)
        assert (report.inserted, report.updated, report.unchanged) == (0, 0, 5)
        assert store.count_events() == 5
        assert set(store.events()["source_file"]) == sources
