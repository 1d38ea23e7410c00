"""One answer for humanitarian access and returns: the obligations an evaluation stores, the
API and page (``/api/humanitarian``), and the situation report's section say the same weeks
and the same findings, on both stores. The CSV files are the bundled CONSTRUCTED demo files
(``src/ceasefire/data/humanitarian/SOURCES.md``), not real figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

import ceasefire
from ceasefire import monitoring
from ceasefire.situation import Period
from ceasefire.situation_report import situation_report
from ceasefire.store import open_store
from ceasefire.store.humanitarian import import_file
from ceasefire.web import create_app

DATA = Path(ceasefire.__file__).parent / "data" / "humanitarian"
FILES = (DATA / "moscow-2020-aid-constructed.csv", DATA / "moscow-2020-movements-constructed.csv")


def test_evaluation_api_and_report_agree(new_store: Callable[..., str]) -> None:
    db = new_store("humanitarian-surfaces")
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        for f in FILES:
            import_file(store, f)
        monitoring.evaluate_store(store, ["moscow-2020"])
        stored = store.obligations("moscow-2020")
        period = Period.of("week", dt.date(2020, 3, 12))
        report = situation_report(store, "moscow-2020", period)
    app = create_app(db)
    try:
        api = TestClient(app).get("/api/humanitarian", params={"agreement": "moscow-2020"}).json()
    finally:
        app.state.store.close()

    sections = {s["provision_id"]: s for s in api["sections"]}
    assert sorted(sections) == ["humanitarian-access", "return-of-displaced"]
    for pid, s in sections.items():
        # the evaluation stored what the API judges (no longer `not_checkable`)
        mine = stored[stored["provision_id"] == pid]
        assert [(r["due"], r["status"], r["reason"]) for r in mine.to_dict("records")] == [
            (r["due"], r["status"], r["reason"]) for r in s["findings"]
        ]
        assert s["findings"][0]["status"] == "unmet"  # the constructed files have short weeks

    shown = {s["provision_id"]: s for s in report["humanitarian"]["sections"]}
    for pid, s in shown.items():
        in_period = [
            w
            for w in sections[pid]["weeks"]
            if w["week_end"] >= period.first.isoformat()
            and w["week_start"] <= period.last.isoformat()
        ]
        assert s["weeks"] == in_period and len(in_period) == 1
        assert (s["status"], s["reason"]) == (
            sections[pid]["findings"][0]["status"],
            sections[pid]["findings"][0]["reason"],
        )
    access = shown["humanitarian-access"]["weeks"][0]
    assert (access["delivered"], access["blocked"], access["unmet"]) == (2, 1, True)


def test_without_records_every_surface_says_no_evidence(new_store: Callable[..., str]) -> None:
    db = new_store("humanitarian-none")
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        monitoring.evaluate_store(store, ["moscow-2020"])
        stored = store.obligations("moscow-2020").set_index("provision_id")
        report = situation_report(store, "moscow-2020", Period.of("week", dt.date(2020, 3, 12)))
    app = create_app(db)
    try:
        api = TestClient(app).get("/api/humanitarian").json()
    finally:
        app.state.store.close()
    shown = {s["provision_id"]: s for s in report["humanitarian"]["sections"]}
    listed = {o["provision"]: o for o in report["obligations"]}
    for s in api["sections"]:
        pid = s["provision_id"]
        assert stored.loc[pid, "status"] == "no_evidence"
        assert "ceasefire humanitarian import" in stored.loc[pid, "reason"]
        assert [f["status"] for f in s["findings"]] == ["no_evidence"]
        assert shown[pid]["status"] == listed[pid]["status"] == "no_evidence"


def test_the_weeks_shown_never_change_the_finding(new_store: Callable[..., str]) -> None:
    db = new_store("humanitarian-window")
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        for f in FILES:
            import_file(store, f)
        monitoring.evaluate_store(store, ["moscow-2020"])
    app = create_app(db)
    try:
        client = TestClient(app)
        whole = client.get("/api/humanitarian").json()
        part = client.get("/api/humanitarian", params={"date_from": "2020-03-16"}).json()
    finally:
        app.state.store.close()
    for a, b in zip(whole["sections"], part["sections"], strict=True):
        assert a["findings"] == b["findings"] and a["findings"]
        assert b["weeks"][0]["week_start"] == "2020-03-16" != a["weeks"][0]["week_start"]
