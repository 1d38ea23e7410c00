"""Incidents read as marked rows (``verdicts.incident``, schema 11, issue 11's scale work): the flag
sits on exactly the row :func:`ceasefire.findings.incident_rows` picks, after every kind of write,
and the pages, map cells and timelines read from it give the answers of the all-rows path, on
both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_api_store import bearer, copy, events_frame, field_report

from ceasefire import findings, monitoring
from ceasefire.compliance import VERDICTS
from ceasefire.findings import Filters, Page
from ceasefire.store import open_store, schema
from ceasefire.store import read as q
from ceasefire.store.incidents import OUTSIDE_KEY
from ceasefire.web import create_app

A = "sochi-2018"


def _flags_hold(engine: Any) -> int:
    """The marked rows are, per agreement, findings.incident_rows of its finding rows."""
    v = schema.verdicts
    with engine.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(
                select(
                    v.c.event_uid,
                    v.c.agreement_id,
                    v.c.provision_id,
                    v.c.verdict,
                    v.c.probability,
                    v.c.incident,
                ).where(v.c.verdict != "outside")
            ).all(),
            columns=["event_uid", "agreement_id", "provision_id", "verdict", "probability", "i"],
        )
        outside_marked = conn.execute(
            select(v.c.event_uid).where(v.c.verdict == "outside", v.c.incident.is_(True))
        ).all()
    assert not outside_marked
    want = {
        (a, p, u)
        for a, part in rows.groupby("agreement_id")
        for a, p, u in zip(
            *[findings.incident_rows(part.drop(columns="i"))[c] for c in
              ("agreement_id", "provision_id", "event_uid")], strict=True
        )
    }  # fmt: skip
    marked = rows[rows["i"].astype(bool)]
    got = set(zip(marked["agreement_id"], marked["provision_id"], marked["event_uid"], strict=True))
    assert got == want
    _worst_holds(engine)
    return len(got)


def _worst_holds(engine: Any) -> None:
    """events.worst is, from every verdict row: the least rank*2+1-p of its finding rows, else
    outside's when it has rows, else NULL."""
    v, e = schema.verdicts, schema.events
    with engine.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(select(v.c.event_uid, v.c.verdict, v.c.probability)).all(),
            columns=["event_uid", "verdict", "probability"],
        )
        stored = dict(conn.execute(select(e.c.event_uid, e.c.worst)).all())
    rank = rows["verdict"].map({name: i for i, name in enumerate(VERDICTS)})
    key = rank * 2 + 1 - rows["probability"].fillna(0.0)
    finding = rows["verdict"] != "outside"
    best = key[finding].groupby(rows["event_uid"][finding]).min().to_dict()
    judged = set(rows["event_uid"])
    for uid, worst in stored.items():
        want = best.get(uid, OUTSIDE_KEY if uid in judged else None)
        assert (worst is None) == (want is None), uid
        if want is not None:
            assert worst == pytest.approx(want, abs=1e-12), uid


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(q, "_marked", lambda f: False)


def _answers(engine: Any, f: Filters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sort, order in ((None, "asc"), ("fatalities", "desc"), ("event_uid", "desc"),
                        ("source_dataset", "asc")):  # fmt: skip
        for offset in (0, 3):
            page = Page(limit=5, offset=offset, sort=sort, order=order)
            out[f"page {sort} {order} {offset}"] = q.events_page(engine, f, page)
    for by in ("day", "week", "month", "party", "verdict"):
        out[f"by {by}"] = q.incident_aggregate(engine, f, by)
    out["cells"] = q.events_geojson(engine, f, zoom=9)
    out["every event's cells"] = q.events_geojson(engine, f.but(agreement=None), zoom=9)
    return out


FILTERS = [
    Filters(agreement=A),
    Filters(agreement=A, verdict=("violation",)),
    Filters(agreement=A, verdict=("compliant", "exempt", "possible_violation")),
    Filters(agreement=A, party="unattributed"),
    Filters(agreement=A, party="russia", verdict=("violation", "possible_violation")),
    Filters(agreement=A, review_status=("unreviewed",)),
    Filters(agreement=A, review_status=("overruled", "confirmed")),
    Filters(agreement=A, date_from="2020-03-06", date_to="2020-03-20"),
    Filters(agreement=A, bbox=(36.3, 35.6, 36.9, 36.0), source="ucdp_ged"),
    Filters(agreement="moscow-2020"),
]


def _same_both_ways(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(q, "CLUSTER_THRESHOLD", 2)  # cells from a handful of incidents
    for f in FILTERS:
        fast = _answers(engine, f)
        with monkeypatch.context() as m:
            _slow(m)
            slow = _answers(engine, f)
        assert fast == slow, f


def test_the_demo_answers_the_same_both_ways(
    demo_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(demo_store) as store:
        assert _flags_hold(store.engine) > 100
        _same_both_ways(store.engine, monkeypatch)
        # the flagged path is the one taken, and it counts what the incidents page counts
        f = Filters(agreement=A)
        assert q._marked(f)
        assert q.events_page(store.engine, f, Page())["total"] == len(
            q.finding_incidents(store.engine, f)
        )


@pytest.fixture
def app(base_db: Path, tmp_path: Path) -> Iterator[Any]:
    app = create_app(copy(base_db, tmp_path / "i.db"))
    yield app
    app.state.store.close()


def test_every_write_keeps_the_flags(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviews (an overruling that changes the worst verdict, a confirmation), a field report,
    an ingest that changes an event (its rows go), a new evaluation: after each, the flags are
    findings.incident_rows of the rows, and the answers are the same both ways."""
    c = TestClient(app, raise_server_exceptions=False)
    engine = app.state.store.engine
    _flags_hold(engine)
    worst = q.incidents_page(engine, Filters(agreement=A, verdict=("violation",)), Page())
    top = worst["items"][0]
    body = {
        "agreement": A,
        "provision": top["provision_id"],
        "event_uid": top["event_uid"],
        "status": "overruled",
        "note": "not in the zone",
        "corrected_verdict": "compliant",
    }
    r = c.post("/api/verdicts/review", json=body, headers=bearer(app, "analyst"))
    assert r.status_code in (200, 201), r.text
    _flags_hold(engine)
    _same_both_ways(engine, monkeypatch)

    r = c.post("/api/reports", json=field_report(), headers=bearer(app, "monitor"))
    assert r.status_code == 201, r.text
    _flags_hold(engine)

    store = app.state.store
    changed = events_frame().head(3).copy()
    changed["fatalities"] = changed["fatalities"].fillna(0) + 7
    store.add_events(changed)
    _flags_hold(engine)
    _same_both_ways(engine, monkeypatch)

    monitoring.evaluate_store(store)
    assert _flags_hold(engine) > 0
    _same_both_ways(engine, monkeypatch)

    # an evaluation of events that are not stored (a file judged without a store), then one
    # of them stored: its incident counts both ways, and its colour is set when it arrives
    ghost = events_frame().head(2).assign(event_uid=["ghost:1", "ghost:2"])
    verdicts = pd.DataFrame(
        {
            "event_uid": ["ghost:1", "ghost:2", "test:0"],
            "provision_id": ["p", "p", "p"],
            "verdict": ["violation", "possible_violation", "violation"],
            "probability": [1.0, 0.4, 0.9],
            "party": ["russia", None, "turkey"],
        }
    )
    none = pd.DataFrame(columns=["provision_id", "status"])
    store.put_evaluation("ghost-test", verdicts, none, n_events=3, settings={})
    _flags_hold(engine)
    for f in (Filters(agreement="ghost-test"), Filters(agreement="ghost-test", party="russia")):
        fast = _answers(engine, f)
        with monkeypatch.context() as m:
            _slow(m)
            assert fast == _answers(engine, f)
    store.add_events(ghost.head(1))
    _flags_hold(engine)
