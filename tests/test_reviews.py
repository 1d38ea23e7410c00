"""Analysts' reviews that count (issue 10), through the real ASGI app over a real SQLite store:
an overruled verdict changes every count (summary, listings, exports, the event's page) while
the machine's verdict stays beside it and in the audit trail; the other statuses change no
verdict but can be filtered on; reviews survive a re-evaluation and go stale when the event
changes; the review queue's order; the API's refusals; the v7 -> v8 migration; the pages."""

from __future__ import annotations

import csv
import io
import re
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from web_api_store import _rows, bearer, build, copy, field_report

from ceasefire import findings, monitoring
from ceasefire.compliance import VERDICTS
from ceasefire.events import day_window, normalise_events
from ceasefire.findings import FINDING_VERDICTS, REVIEW_STATUSES, Filters, Page
from ceasefire.store import MIGRATIONS, migrate, open_store
from ceasefire.store import read as q
from ceasefire.store.engine import create_store_engine
from ceasefire.web import create_app
from ceasefire.web.schemas import ReviewIn

# (lon, lat, uncertainty km, deaths): wide discs around the M4 and the Idlib area, so that the
# store holds possible violations and violations short of certain (impact above 0)
WIDE = [
    (36.61, 35.83, 8, 9),
    (36.80, 35.86, 15, 12),
    (36.67, 35.65, 30, 20),
    (36.45, 35.95, 12, 7),
    (36.95, 35.75, 20, 3),
]


def _wide_events() -> pd.DataFrame:
    rows = []
    template = _rows()[1]
    for i, (lon, lat, km, deaths) in enumerate(WIDE):
        rows.append(
            {
                **template,
                "event_uid": f"wide:{i}",
                "source_row_id": f"w{i}",
                "event_date": "2020-03-10",
                "longitude": lon,
                "latitude": lat,
                "location_uncertainty_km": km,
                "fatalities": deaths,
                "event_type": "Battles",
                "actor1": "Military Forces of Syria (2000-)",
                "location": f"wide {i}",
            }
        )
    frame = pd.DataFrame(rows)
    frame["time_start"], frame["time_end"] = day_window(frame["event_date"], frame["event_date"])
    return normalise_events(frame)


@pytest.fixture(scope="module")
def base_db(new_store: Callable[..., str]) -> Any:
    """The API tests' store (40 events, a user per role) plus five events with wide discs."""
    db = build(new_store("base"))  # SQLite, then PostgreSQL
    with open_store(db) as store:
        store.add_events(_wide_events())
        monitoring.evaluate_store(store)
    return db


@pytest.fixture
def app(base_db: Path, tmp_path: Path) -> Iterator[Any]:
    """An app over a private copy of the store (each test writes)."""
    app = create_app(copy(base_db, tmp_path / "r.db"))
    yield app
    app.state.store.close()


@pytest.fixture
def c(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _engine(app: Any) -> Any:
    return app.state.store.engine


def _queue(c: TestClient, query: str = "") -> list[dict[str, Any]]:
    r = c.get(f"/api/reviews/queue?limit=1000{'&' if query else ''}{query}")
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


def _single_breach(c: TestClient, party: str | None = None) -> dict[str, Any]:
    """The queue's first (gravest) incident that breaches one provision only (its worst row is
    then the event's only breach), of ``party`` when given."""
    return next(
        r
        for r in _queue(c)
        if "," not in r["breaches"] and r["verdict"] == "violation" and party in (None, r["party"])
    )


def _review(
    app: Any, c: TestClient, row: dict[str, Any], status: str, *, user: str = "analyst", **kw: Any
) -> Any:
    body = {
        "agreement": row["agreement_id"],
        "provision": row["provision_id"],
        "event_uid": row["event_uid"],
        "status": status,
        "note": f"{status} by a test",
        **kw,
    }
    return c.post("/api/verdicts/review", json=body, headers=bearer(app, user))


def _verdict_row(c: TestClient, row: dict[str, Any]) -> dict[str, Any]:
    d = c.get(f"/api/events/{row['event_uid']}").json()
    return next(
        v
        for v in d["verdicts"]
        if (v["agreement_id"], v["provision_id"]) == (row["agreement_id"], row["provision_id"])
    )


def _csv_rows(c: TestClient, query: str) -> list[dict[str, str]]:
    r = c.get(f"/api/verdicts.csv?{query}")
    assert r.status_code == 200
    return list(csv.DictReader(io.StringIO(r.text)))


def _party_count(summary: dict[str, Any], party: str) -> int:
    return next((p["violations"] for p in summary["by_party"] if p["party"] == party), 0)


# ---------------------------------------------------------------------- overruled: it counts


def test_overruling_the_top_violation_changes_every_count(app: Any, c: TestClient) -> None:
    top = _single_breach(c)
    assert top["in_briefing"]  # a violation at the top of the briefing
    uid, party = top["event_uid"], top["party"]
    engine = _engine(app)
    every = Filters(verdict=FINDING_VERDICTS)  # every finding, not only breaches (the default)
    before = q.findings_summary(engine, every)
    listed = c.get("/api/verdicts?verdict=violation&limit=1").json()["total"]
    events = c.get("/api/events?verdict=violation&limit=1").json()["total"]

    r = _review(app, c, top, "overruled", corrected_verdict="compliant")
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["status"] == "overruled" and answer["user"] == "analyst"
    assert answer["verdict"]["verdict"] == "compliant"
    assert answer["verdict"]["machine_verdict"] == "violation"
    assert answer["verdict"]["machine_party"] == party and answer["verdict"]["party"] == ""
    assert answer["verdict"]["review_status"] == "overruled"

    after = q.findings_summary(engine, every)
    assert after["incidents"]["violation"] == before["incidents"]["violation"] - 1
    assert after["incidents"]["total"] == before["incidents"]["total"]
    breaches = q.findings_summary(engine, Filters())  # the default: violations and possible
    assert (
        breaches["incidents"]["total"]
        == after["incidents"]["total"]
        - after["incidents"]["compliant"]
        - after["incidents"]["exempt"]
    )
    assert _party_count(after, party) == _party_count(before, party) - 1
    # the row unit finds the overruled verdict; the incident's review is its worst row's (here
    # another provision's unreviewed verdict, worse than compliant)
    overruled = q.verdict_frame(engine, every.but(review_status=("overruled",)))
    assert overruled["verdict"].tolist() == ["compliant"]
    assert c.get("/api/verdicts?verdict=violation&limit=1").json()["total"] == listed - 1
    assert c.get("/api/events?verdict=violation&limit=1").json()["total"] == events - 1

    exported = _csv_rows(
        c, f"agreement={top['agreement_id']}&provision={top['provision_id']}&verdict=compliant"
    )
    row = next(x for x in exported if x["event_uid"] == uid)
    assert (row["verdict"], row["machine_verdict"], row["review_status"]) == (
        "compliant",
        "violation",
        "overruled",
    )
    assert row["machine_party"] == party and row["review_stale"] in ("False", "false", "0")

    v = _verdict_row(c, top)
    assert (v["verdict"], v["machine_verdict"], v["review_status"]) == (
        "compliant",
        "violation",
        "overruled",
    )
    assert v["overruled"] is True and v["review_stale"] is False
    review = c.get(f"/api/events/{uid}").json()["reviews"][-1]
    assert review["status"] == "overruled" and review["corrected_verdict"] == "compliant"
    assert review["machine_verdict"] == "violation"
    assert review["stale"] is False and review["counts"] is True

    # the machine's verdict in the audit trail, beside the correction
    audit = c.get("/api/audit", headers=bearer(app, "admin")).json()["items"]
    entry = next(a for a in audit if a["action"] == "review.create")
    assert entry["target"] == f"verdict:{top['agreement_id']}/{top['provision_id']}/{uid}"
    assert entry["user"] == "analyst"
    changes = entry["changes"]
    assert (changes["verdict"], changes["party"]) == ("violation", party)
    assert (changes["status"], changes["corrected_verdict"]) == ("overruled", "compliant")

    # settled: no longer in the queue
    assert uid not in {x["event_uid"] for x in _queue(c)}


def test_overruling_the_party_moves_the_violation_to_the_other_party(
    app: Any, c: TestClient
) -> None:
    top = _single_breach(c, party="turkey")
    engine = _engine(app)
    before = q.findings_summary(engine, Filters())
    r = _review(app, c, top, "overruled", corrected_party="russia")
    assert r.status_code == 201, r.text
    assert r.json()["verdict"]["party"] == "russia"
    assert r.json()["verdict"]["machine_party"] == "turkey"
    after = q.findings_summary(engine, Filters())
    assert after["incidents"] == before["incidents"]  # the verdict stays a violation
    assert _party_count(after, "turkey") == _party_count(before, "turkey") - 1
    assert _party_count(after, "russia") == _party_count(before, "russia") + 1
    russia = c.get("/api/verdicts?party=russia&limit=1000").json()["items"]
    row = next(x for x in russia if x["event_uid"] == top["event_uid"])
    assert (row["party"], row["machine_party"], row["verdict"]) == ("russia", "turkey", "violation")
    assert top["event_uid"] not in {
        x["event_uid"] for x in c.get("/api/verdicts?party=turkey&limit=1000").json()["items"]
    }


def test_overruling_a_compliant_verdict_makes_an_unattributed_violation(
    app: Any, c: TestClient
) -> None:
    every = Filters(verdict=FINDING_VERDICTS)
    incidents = q.incidents_page(_engine(app), every, Page(limit=1000))["items"]
    row = next(x for x in incidents if x["verdict"] == "compliant")  # no breach on the event
    r = _review(app, c, row, "overruled", corrected_verdict="violation")
    assert r.status_code == 201, r.text
    now = r.json()["verdict"]
    assert (now["verdict"], now["party"], now["machine_verdict"]) == (
        "violation",
        "unattributed",
        "compliant",
    )
    summary = q.findings_summary(_engine(app), Filters(verdict=("violation",)))
    assert _party_count(summary, "unattributed") == 1


def test_an_event_type_correction_is_shown_and_keeps_the_verdict(app: Any, c: TestClient) -> None:
    top = _single_breach(c)
    r = _review(app, c, top, "overruled", corrected_event_type="protests")
    assert r.status_code == 201, r.text
    assert r.json()["corrected_event_type"] == "Protests"  # ACLED's spelling
    v = r.json()["verdict"]
    assert (v["verdict"], v["review_status"]) == ("violation", "overruled")
    listed = c.get("/api/verdicts?review_status=overruled&limit=10").json()["items"]
    assert [x["reviewed_event_type"] for x in listed] == ["Protests"]


# ------------------------------------------------------------ other statuses: shown, filtered


@pytest.mark.parametrize("status", ["confirmed", "disputed", "needs_info"])
def test_other_statuses_change_no_verdict_but_are_shown_and_filtered(
    app: Any, c: TestClient, status: str
) -> None:
    top = _single_breach(c)
    engine = _engine(app)
    before = q.findings_summary(engine, Filters())
    r = _review(app, c, top, status)
    assert r.status_code == 201, r.text
    assert r.json()["verdict"]["verdict"] == "violation"
    after = q.findings_summary(engine, Filters())
    assert after["incidents"] == before["incidents"]
    assert after["by_party"] == before["by_party"]
    assert after["reviews"][status] == 1

    v = _verdict_row(c, top)
    assert (v["verdict"], v["machine_verdict"], v["review_status"]) == (
        "violation",
        "violation",
        status,
    )
    assert v["overruled"] is False
    # the filter, in SQL (the read model) and through the API
    page = q.verdicts_page(engine, Filters(review_status=(status,)), Page())
    assert [(x["event_uid"], x["review_status"]) for x in page["items"]] == [
        (top["event_uid"], status)
    ]
    listed = c.get(f"/api/verdicts?review_status={status}&limit=100").json()
    assert listed["total"] == 1 and listed["items"][0]["event_uid"] == top["event_uid"]
    unreviewed = c.get("/api/verdicts?review_status=unreviewed&limit=1").json()["total"]
    everything = c.get("/api/verdicts?limit=1").json()["total"]
    assert unreviewed == everything - 1
    exported = _csv_rows(c, f"review_status={status}")
    assert [(x["event_uid"], x["review_status"]) for x in exported] == [(top["event_uid"], status)]
    # needs_info stays open in the queue; confirmed and disputed leave it
    queued = {x["event_uid"]: x for x in _queue(c)}
    assert (top["event_uid"] in queued) == (status == "needs_info")
    if status == "needs_info":
        assert queued[top["event_uid"]]["review_status"] == "needs_info"
    # the queue filtered by a status lists those
    assert [x["event_uid"] for x in _queue(c, f"review_status={status}")] == [top["event_uid"]]


# ------------------------------------------------------------ re-evaluation and stale reviews


def test_a_reevaluation_keeps_the_overrule(app: Any, c: TestClient) -> None:
    top = _single_breach(c)
    assert _review(app, c, top, "overruled", corrected_verdict="exempt").status_code == 201
    monitoring.evaluate_store(app.state.store)
    v = _verdict_row(c, top)
    assert (v["verdict"], v["machine_verdict"], v["review_status"], v["review_stale"]) == (
        "exempt",
        "violation",
        "overruled",
        False,
    )
    assert top["event_uid"] not in {x["event_uid"] for x in _queue(c)}


def _changed(uid: str, **changes: Any) -> pd.DataFrame:
    """The stored event ``uid`` as a new version (``changes`` applied)."""
    number = int(uid.split(":")[1])
    if uid.startswith("wide:"):
        frame = _wide_events().iloc[[number]].reset_index(drop=True)
    else:
        rows = [r for r in _rows() if r["event_uid"] == uid]
        frame = pd.DataFrame(rows)
        frame["time_start"], frame["time_end"] = day_window(
            frame["event_date"], frame["event_date"]
        )
        frame = normalise_events(frame)
    for k, x in changes.items():
        frame[k] = x
    return frame


def test_a_changed_event_makes_the_review_stale(app: Any, c: TestClient) -> None:
    top = _single_breach(c)
    uid = top["event_uid"]
    assert _review(app, c, top, "overruled", corrected_verdict="compliant").status_code == 201
    store = app.state.store
    version = store.events(uids=[uid])["version"].iloc[0]
    store.add_events(_changed(uid, fatalities=int(top["fatalities"]) + 1, notes="corrected"))
    assert store.events(uids=[uid])["version"].iloc[0] == version + 1
    monitoring.evaluate_store(store)

    v = _verdict_row(c, top)
    assert (v["verdict"], v["machine_verdict"], v["review_status"], v["review_stale"]) == (
        "violation",
        "violation",
        "unreviewed",
        True,
    )
    reviews = c.get(f"/api/events/{uid}").json()["reviews"]
    assert [(r["status"], r["stale"], r["counts"]) for r in reviews] == [("overruled", True, False)]
    rows = c.get("/api/verdicts?verdict=violation&limit=1000").json()["items"]
    row = next(
        x for x in rows if x["event_uid"] == uid and x["provision_id"] == top["provision_id"]
    )
    assert row["review_stale"] is True and row["review_status"] == "unreviewed"
    assert uid in {x["event_uid"] for x in _queue(c)}  # to be read again
    # a new review of the new version counts again
    assert _review(app, c, top, "confirmed").status_code == 201
    v = _verdict_row(c, top)
    assert (v["review_status"], v["review_stale"]) == ("confirmed", False)


def test_a_patched_field_report_makes_its_review_stale(app: Any, c: TestClient) -> None:
    report = field_report(fatalities=2)
    monitor = bearer(app, "monitor")
    rep = c.post("/api/reports", json=report, headers=monitor).json()
    target = next(v for v in rep["verdicts"] if v["provision_id"] == "ceasefire")
    target = {**target, "event_uid": rep["event_uid"]}
    assert target["verdict"] == "violation"
    r = _review(app, c, target, "overruled", corrected_verdict="possible_violation")
    assert r.status_code == 201, r.text
    assert r.json()["verdict"]["verdict"] == "possible_violation"
    patched = c.patch(f"/api/reports/{rep['id']}", json={"fatalities": 3}, headers=monitor)
    assert patched.status_code == 200, patched.text
    v = _verdict_row(c, target)
    assert (v["verdict"], v["review_status"], v["review_stale"]) == (
        "violation",
        "unreviewed",
        True,
    )
    assert c.get(f"/api/events/{target['event_uid']}").json()["reviews"][0]["stale"] is True


# ----------------------------------------------------------------------------- the API refuses


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"status": "overruled"}, "corrected_verdict"),  # no correction
        ({"status": "confirmed", "corrected_verdict": "compliant"}, "corrected_verdict"),
        ({"status": "disputed", "corrected_party": "russia"}, "corrected_party"),
        ({"status": "overruled", "corrected_party": "hts"}, "corrected_party"),  # unknown party
        ({"status": "overruled", "corrected_verdict": "maybe"}, "corrected_verdict"),
        ({"status": "overruled", "corrected_event_type": "Shelling"}, "corrected_event_type"),
        ({"status": "unreviewed"}, "status"),
        ({"status": "overruled", "corrected_verdict": "exempt", "corrected_party": "russia"},
         "corrected_party"),  # a party answers only for a breach
    ],
)  # fmt: skip
def test_a_bad_value_or_combination_is_422_naming_the_field(
    app: Any, c: TestClient, extra: dict[str, Any], field: str
) -> None:
    top = _single_breach(c)
    body = {
        "agreement": top["agreement_id"],
        "provision": top["provision_id"],
        "event_uid": top["event_uid"],
        "note": None,
        **extra,
    }
    r = c.post("/api/verdicts/review", json=body, headers=bearer(app, "analyst"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert field in r.json()["error"]["message"]
    assert _verdict_row(c, top)["review_status"] == "unreviewed"  # nothing written
    assert c.get(f"/api/events/{top['event_uid']}").json()["reviews"] == []


def test_the_corrected_verdicts_are_the_engines() -> None:
    kind = typing.get_args(ReviewIn.model_fields["corrected_verdict"].annotation)[0]
    assert tuple(v.value for v in kind) == VERDICTS


def test_only_analysts_and_admins_review(app: Any, c: TestClient) -> None:
    top = _single_breach(c)
    body = {
        "agreement": top["agreement_id"],
        "provision": top["provision_id"],
        "event_uid": top["event_uid"],
        "status": "overruled",
        "corrected_verdict": "compliant",
    }
    assert c.post("/api/verdicts/review", json=body).status_code == 401
    for role in ("viewer", "monitor"):
        r = c.post("/api/verdicts/review", json=body, headers=bearer(app, role))
        assert r.status_code == 403, role
    assert _verdict_row(c, top)["verdict"] == "violation"
    r = c.post("/api/verdicts/review", json=body, headers=bearer(app, "admin"))
    assert r.status_code == 201 and r.json()["user"] == "admin"
    missing = c.post(
        "/api/verdicts/review", json={**body, "event_uid": "test:999"}, headers=bearer(app, "admin")
    )
    assert missing.status_code == 404


# ----------------------------------------------------------------------------- the queue


def test_the_queue_has_the_briefing_top_first_then_impact(app: Any, c: TestClient) -> None:
    items = _queue(c)
    expected = findings.review_queue(findings.incidents(q.finding_rows(_engine(app), Filters())))
    assert [x["event_uid"] for x in items] == expected["event_uid"].tolist()
    assert {x["verdict"] for x in items} == {"violation", "possible_violation"}
    flags = [x["in_briefing"] for x in items]
    n = sum(flags)
    assert n == 10 and flags == [True] * n + [False] * (len(items) - n)
    top = items[:n]
    assert all(x["verdict"] == "violation" for x in top)
    severity = [(-x["fatalities"], -x["probability"]) for x in top]
    assert severity == sorted(severity)
    rest = items[n:]
    assert any(x["impact"] > 0 for x in rest)  # possible violations with deaths
    impact = [(-x["impact"], -x["fatalities"]) for x in rest]
    assert impact == sorted(impact)
    # the gravest violation left out of the briefing is graver than none within it
    left = [x for x in rest if x["verdict"] == "violation"]
    assert max(x["fatalities"] for x in left) <= min(x["fatalities"] for x in top)
    for x in items:  # an impact = deaths x 2 min(p, 1 - p)
        p = x["probability"]
        assert x["impact"] == pytest.approx(x["fatalities"] * 2 * min(p, 1 - p), abs=1e-3)
    # paging and the shared filters
    page = c.get("/api/reviews/queue?limit=3&offset=2").json()
    assert page["total"] == len(items) and [x["event_uid"] for x in page["items"]] == [
        x["event_uid"] for x in items[2:5]
    ]
    sochi = _queue(c, "agreement=sochi-2018&verdict=possible_violation")
    assert sochi and {x["verdict"] for x in sochi} == {"possible_violation"}
    assert {x["agreement_id"] for x in sochi} == {"sochi-2018"}
    bad = c.get("/api/reviews/queue?review_status=maybe")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "review_status"
    assert c.get("/api/reviews/queue?sort=impact").status_code == 422


def test_a_reviewed_top_violation_leaves_the_queue_and_the_briefing_stays(
    app: Any, c: TestClient
) -> None:
    before = _queue(c)
    first = before[0]
    assert _review(app, c, first, "confirmed").status_code == 201
    after = _queue(c)
    assert [x["event_uid"] for x in after] == [x["event_uid"] for x in before[1:]]
    # the briefing is the gravest violations whatever their review: the 11th does not move up
    assert sum(x["in_briefing"] for x in after) == sum(x["in_briefing"] for x in before) - 1
    confirmed = _queue(c, "review_status=confirmed")
    assert [(x["event_uid"], x["in_briefing"]) for x in confirmed] == [(first["event_uid"], True)]


def test_the_queue_reads_like_the_other_reads(base_db: Path, tmp_path: Path) -> None:
    app = create_app(copy(base_db, tmp_path / "closed.db"), anonymous_read=False)
    try:
        c = TestClient(app)
        assert c.get("/api/reviews/queue").status_code == 401
        assert c.get("/api/reviews/queue", headers=bearer(app, "viewer")).status_code == 200
        assert c.get("/reviews", follow_redirects=False).status_code == 303
    finally:
        app.state.store.close()


# ----------------------------------------------------------------------------- the migration


def test_the_migration_from_version_7_keeps_old_reviews(tmp_path: Path) -> None:
    db = tmp_path / "v7.db"
    engine = create_store_engine(db)
    try:
        assert migrate(engine, MIGRATIONS[:7]) == list(range(1, 8))
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO events (event_uid, version, fatalities) VALUES ('e:1', 2, 3)",
                "INSERT INTO evaluations (id, agreement_id, created_at, n_events, n_verdicts, "
                "settings) VALUES (1, 'sochi-2018', '2020-03-07T00:00:00Z', 1, 2, '{}')",
                "INSERT INTO verdicts (evaluation_id, event_uid, agreement_id, provision_id, "
                "verdict, probability, party, event_version) VALUES "
                "(1, 'e:1', 'sochi-2018', 'dmz', 'violation', 1.0, 'turkey', 2), "
                "(1, 'e:1', 'sochi-2018', 'ceasefire-regime', 'compliant', 1.0, '', 2)",
                "INSERT INTO users (id, name, role, created_at) VALUES "
                "(1, 'ana', 'analyst', '2020-03-07T00:00:00Z')",
                "INSERT INTO reviews (agreement_id, provision_id, event_uid, status, note, "
                "user_id, created_at) VALUES "
                "('sochi-2018', 'dmz', 'e:1', 'confirmed', 'first', 1, '2020-03-08T00:00:00Z'), "
                "('sochi-2018', 'dmz', 'e:1', 'disputed', 'then', 1, '2020-03-09T00:00:00Z')",
            ):
                conn.execute(text(sql))
        assert migrate(engine, MIGRATIONS[:8]) == [8]  # migration 8 itself (9 came later)
        with engine.connect() as conn:
            reviews = conn.execute(
                text(
                    "SELECT status, note, event_version, machine_verdict, corrected_verdict "
                    "FROM reviews ORDER BY id"
                )
            ).all()
            verdicts = {
                r.provision_id: r
                for r in conn.execute(
                    text(
                        "SELECT provision_id, verdict, party, machine_verdict, machine_party, "
                        "review_status, review_stale FROM verdicts"
                    )
                )
            }
    finally:
        engine.dispose()
    assert [tuple(r) for r in reviews] == [
        ("confirmed", "first", 2, "violation", None),
        ("disputed", "then", 2, "violation", None),
    ]
    dmz = verdicts["dmz"]
    assert (dmz.verdict, dmz.party, dmz.machine_verdict, dmz.machine_party) == (
        "violation",
        "turkey",
        "violation",
        "turkey",
    )
    assert (dmz.review_status, bool(dmz.review_stale)) == ("disputed", False)
    assert verdicts["ceasefire-regime"].review_status == "unreviewed"
    with open_store(db) as store:  # the store opens it, and the review reads as current
        frame = q.verdict_frame(store.engine, Filters(review_status=("disputed",)))
        assert frame["event_uid"].tolist() == ["e:1"]
        # the incident's worst verdict (dmz, a violation) is the disputed one
        found = q.findings_summary(store.engine, Filters(review_status=("disputed",)))
        assert found["incidents"]["total"] == 1


# ----------------------------------------------------------------------------- the pages


def test_the_review_queue_page(app: Any, c: TestClient) -> None:
    r = c.get("/reviews?agreement=sochi-2018&review_status=needs_info")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    page = r.text
    assert '<table class="data" id="queue"' in page
    assert '<script src="/static/js/reviews.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    assert 'id="nav-reviews" href="/reviews"' in page
    select = page.split('id="rv-status"', 1)[1].split("</select>", 1)[0]
    assert 'form="filters"' in select
    for status in REVIEW_STATUSES:
        assert f'value="{status}"' in select
    assert '<option value="needs_info" selected>' in select
    assert c.get("/static/js/reviews.js").status_code == 200
    # the URL's filters and status are what the page's script asks the API for
    sent = "agreement=sochi-2018&review_status=needs_info&limit=50&offset=0"
    assert c.get(f"/api/reviews/queue?{sent}").status_code == 200


def test_the_event_page_review_form(app: Any, c: TestClient) -> None:
    top = _single_breach(c)
    where = f"agreement={top['agreement_id']}&provision={top['provision_id']}"
    url = f"/events/{top['event_uid']}?{where}"
    analyst = c.get(url, headers=bearer(app, "analyst")).text
    form = analyst.split('<form id="review"', 1)[1].split("</form>", 1)[0]
    status = form.split('id="review-status"', 1)[1].split("</select>", 1)[0]
    assert "required" in status.split(">", 1)[0]
    assert '<option value="" selected>' in status
    assert status.count(" selected") == 1  # the placeholder only: no status preselected
    for s in ("confirmed", "disputed", "overruled", "needs_info"):
        assert f'value="{s}"' in status
    assert 'id="review-corrections" hidden' in form
    for name in ("verdict", "party", "event-type"):
        assert f'id="review-corrected-{name}"' in form
    for v in VERDICTS:
        assert f'<option value="{v}">' in form
    assert "<th>Review</th>" in analyst
    # viewers and readers see the verdicts and reviews, not the form
    assert '<form id="review"' not in c.get(url, headers=bearer(app, "viewer")).text
    assert '<form id="review"' not in c.get(url).text


# ------------------------------------------------- found by a review of this work (issue 10)


def _row(app: Any, agreement: str, provision: str, uid: str) -> dict[str, Any]:
    rows = q.verdict_frame(_engine(app), Filters(agreement=agreement, verdict=VERDICTS))
    found = rows[(rows["provision_id"] == provision) & (rows["event_uid"] == uid)]
    return {str(k): v for k, v in found.iloc[0].to_dict().items()}


def test_a_review_is_stale_when_the_machine_changes_its_verdict(app: Any, c: TestClient) -> None:
    """A confirmed violation, then the machine judges the same event version otherwise (an
    agreement, zone or engine change): the analyst confirmed another verdict, so the review no
    longer counts, and the machine's new verdict is the one counted (not the old one)."""
    top = _single_breach(c)
    assert _review(app, c, top, "confirmed").status_code == 201
    engine = _engine(app)
    key = (top["agreement_id"], top["provision_id"], top["event_uid"])
    v = app.state.store.verdicts(agreement_id=top["agreement_id"]).copy()
    m = (v["event_uid"] == key[2]) & (v["provision_id"] == key[1])
    v.loc[m, "verdict"], v.loc[m, "party"] = "compliant", ""
    app.state.store.put_evaluation(
        key[0],
        v,
        pd.DataFrame(columns=["agreement_id", "provision_id", "status"]),
        n_events=len(v),
        settings={},
    )
    row = _row(app, *key)
    assert (row["verdict"], row["machine_verdict"]) == ("compliant", "compliant")
    assert row["review_status"] == "unreviewed" and bool(row["review_stale"])
    queued = [r["event_uid"] for r in c.get("/api/reviews/queue?limit=1000").json()["items"]]
    assert engine is not None and key[2] not in queued  # compliant now: nothing to review


def test_an_incident_is_reviewed_only_when_its_worst_verdict_is(app: Any, c: TestClient) -> None:
    """Confirming a compliant row of an event whose worst verdict is an unreviewed violation
    leaves the incident unreviewed: in the queue, and counted so."""
    every = Filters(verdict=FINDING_VERDICTS)
    rows = q.verdict_frame(_engine(app), every)
    inc = findings.incidents(rows)
    mixed = next(
        r
        for r in inc.to_dict(orient="records")
        if r["verdict"] == "violation"
        and set(rows.loc[rows["event_uid"] == r["event_uid"], "verdict"]) > {"violation"}
    )
    other = rows[(rows["event_uid"] == mixed["event_uid"]) & (rows["verdict"] != "violation")]
    assert _review(app, c, other.iloc[0].to_dict(), "confirmed").status_code == 201
    summary = q.findings_summary(_engine(app), Filters())
    unreviewed = q.findings_summary(_engine(app), Filters(review_status=("unreviewed",)))
    assert summary["reviews"]["unreviewed"] == unreviewed["incidents"]["total"]
    queued = [r["event_uid"] for r in c.get("/api/reviews/queue?limit=1000").json()["items"]]
    assert mixed["event_uid"] in queued


def test_a_verdict_filter_picks_incidents_by_their_worst_verdict(app: Any, c: TestClient) -> None:
    """Ticking one verdict never relabels an event that is worse elsewhere: the incidents at
    each verdict, asked alone, are those counted at it when every verdict is asked; the map
    and the events listing count the same."""
    every = c.get("/api/findings", params=[("verdict", v) for v in FINDING_VERDICTS]).json()
    for v in FINDING_VERDICTS:
        alone = c.get(f"/api/findings?verdict={v}").json()["incidents"]
        assert alone["total"] == alone[v] == every["incidents"][v], v
        listed = c.get(f"/api/events?verdict={v}&limit=1").json()["total"]
        mapped = c.get(f"/api/events.geojson?verdict={v}").json()
        assert listed == alone["total"]
        assert mapped["total"] == sum(
            1 for f in mapped["features"] if f["properties"]["verdict"] == v
        )


def test_an_event_type_correction_counts(app: Any, c: TestClient) -> None:
    """The analyst's corrected event type is the incident's, by event type and in the event
    type filter, with the machine's kept beside it."""
    top = _single_breach(c)
    before = c.get("/api/findings?event_type=Protests").json()["incidents"]["total"]
    r = _review(app, c, top, "overruled", corrected_event_type="Protests")
    assert r.status_code == 201, r.text
    inc = next(
        i
        for i in c.get("/api/incidents?limit=1000").json()["items"]
        if i["event_uid"] == top["event_uid"]
    )
    assert inc["event_type"] == "Protests" and inc["machine_event_type"] != "Protests"
    after = c.get("/api/findings?event_type=Protests").json()["incidents"]["total"]
    assert after == before + 1
    by_type = c.get("/api/aggregates?by=event_type").json()["rows"]
    assert any(r["key"] == "Protests" for r in by_type)


def test_a_field_report_does_not_make_days_covered(app: Any, c: TestClient) -> None:
    """'Did it hold' counts a day as covered by the datasets only: a field report filed long
    after they end does not turn 'no evidence' into zero events."""
    before = c.get("/api/agreements/moscow-2020/held?unit=month&before=3&after=3").json()
    report = {
        "observed_at": "2026-12-01T10:00:00+03:00",
        "latitude": 33.51,
        "longitude": 36.29,
        "observation": "heard",
        "event_type": "Explosions/Remote violence",
        "text": "one report, far from the zones",
    }
    r = c.post("/api/reports", json=report, headers=bearer(app, "monitor"))
    assert r.status_code == 201, r.text
    after = c.get("/api/agreements/moscow-2020/held?unit=month&before=3&after=3").json()
    assert after["evidence"] == before["evidence"]
    assert [p["coverage"] for p in after["periods"]] == [p["coverage"] for p in before["periods"]]


def test_the_findings_refuse_unbounded_work(
    app: Any, c: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_FINDING_ROWS verdict rows a question of the findings is refused, naming the
    limit, instead of read into memory (outside over everything is 5 rows an event)."""
    monkeypatch.setattr(q, "MAX_FINDING_ROWS", 100)
    r = c.get("/api/findings?verdict=outside")
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "over_limit" and err["limit"] == 100 and err["field"] == "verdict"
    assert c.get("/api/findings?verdict=violation&agreement=moscow-2020").status_code == 200


def test_the_cli_csv_never_carries_a_formula(app: Any, c: TestClient, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ceasefire.cli import cli

    top = _single_breach(c)
    note = '=HYPERLINK("http://evil.example/","x")'
    body = {**{k: top[k] for k in ("event_uid",)}, "agreement": top["agreement_id"]}
    body |= {"provision": top["provision_id"], "status": "disputed", "note": note}
    assert (
        c.post("/api/verdicts/review", json=body, headers=bearer(app, "analyst")).status_code == 201
    )
    db = app.state.store.engine.url.render_as_string(hide_password=False)
    out = (
        CliRunner()
        .invoke(cli, ["verdicts", "--review-status", "disputed", "--format", "csv", "--db", db])
        .stdout
    )
    assert "'=HYPERLINK" in out and ",=HYPERLINK" not in out and '"=HYPERLINK' not in out
