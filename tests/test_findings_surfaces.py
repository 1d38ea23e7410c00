"""One answer on every surface (issue 10): the figures a monitor sees through the CLI, the API
(which the dashboard's pages render), the exports and the briefing are computed once, by
:mod:`ceasefire.findings`, and are equal for every filter set, before and after an analyst
overrules a verdict.

The store is the demo's (the real Idlib case: 16,566 UCDP events, every verdict), copied so that
the review written here does not touch the session's shared copy.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_api_store import bearer

from ceasefire.cli import cli
from ceasefire.store import workspace
from ceasefire.web.app import create_app

#: Filter sets as URL query pairs (the CLI gets the same as options).
FILTER_SETS: list[list[tuple[str, str]]] = [
    [],
    [("agreement", "sochi-2018")],
    [("agreement", "sochi-2018"), ("verdict", "violation"), ("verdict", "possible_violation")],
    [("verdict", "violation"), ("date_from", "2019-05-01"), ("date_to", "2019-08-31")],
    [("verdict", "possible_violation"), ("party", "turkey")],
    [("agreement", "sochi-2018"), ("provision", "dmz"), ("event_type", "Battles")],
    [("actor", "Government of Syria"), ("source", "ucdp_ged"), ("verdict", "violation")],
    [("verdict", "compliant"), ("verdict", "exempt")],
    [("review_status", "unreviewed"), ("verdict", "violation")],
]


def _options(pairs: list[tuple[str, str]]) -> list[str]:
    names = {"date_from": "--since", "date_to": "--until"}
    out: list[str] = []
    for k, v in pairs:
        out += [names.get(k, "--" + k.replace("_", "-")), v]
    return out


@pytest.fixture(scope="module")
def db(demo_store: str) -> str:
    """A copy of the demo store: SQLite, then PostgreSQL (the CLI gets the path or the URL)."""
    return demo_store


@pytest.fixture(scope="module")
def client(db: str) -> Any:
    app = create_app(db)
    with TestClient(app) as c:
        workspace.add_user(
            app.state.store.engine, "analyst", "analyst", "analyst-pass-1", actor=None
        )
        yield c
    app.state.store.close()


def _cli(db: str, *args: str) -> str:
    r = CliRunner().invoke(cli, [*args, "--db", db], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def _cli_json(db: str, *args: str) -> Any:
    return json.loads(_cli(db, *args, "--format", "json"))


def _check_equal(db: str, client: TestClient, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    api = client.get("/api/findings", params=pairs)
    assert api.status_code == 200, api.text
    report = api.json()
    assert _cli_json(db, "findings", *_options(pairs)) == report
    # the incidents table (API, page data) and the CLI list the same events in the same order
    page = client.get("/api/incidents", params=[*pairs, ("limit", "1000")]).json()
    assert page["total"] == report["incidents"]["total"]
    listed = _cli_json(db, "incidents", *_options(pairs), "--limit", "0")
    assert len(listed) == page["total"]
    assert [r["event_uid"] for r in listed[:1000]] == [r["event_uid"] for r in page["items"]]
    assert [r["verdict"] for r in listed[:1000]] == [r["verdict"] for r in page["items"]]
    # the timeline's and charts' aggregates add up to the same incidents, per verdict
    for by in ("day", "party", "verdict"):
        rows = client.get("/api/aggregates", params=[*pairs, ("by", by)]).json()["rows"]
        for v in report["verdicts"]:
            assert sum(r["count"] for r in rows if r["verdict"] == v) == report["incidents"][v]
    parties = client.get("/api/aggregates", params=[*pairs, ("by", "party")]).json()["rows"]
    for p in report["by_party"]:
        for v in ("violation", "possible_violation"):
            n = sum(r["count"] for r in parties if r["key"] == p["party"] and r["verdict"] == v)
            assert n == p[f"{v}s"]
    zones = client.get("/api/aggregates", params=[*pairs, ("by", "zone")]).json()["rows"]
    for z in report["by_zone"]:
        assert sum(r["count"] for r in zones if r["key"] == z["zone"]) == z["total"]
    # the map counts the same events
    fc = client.get("/api/events.geojson", params=pairs).json() if pairs else None
    if fc is not None:
        located = sum(1 for r in listed if r["latitude"] is not None)
        assert fc["total"] == located
    # the incidents export carries the same rows, the review status and the machine's verdict
    text = client.get("/api/incidents.csv", params=pairs).text
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == report["incidents"]["total"]
    assert {"review_status", "machine_verdict", "verdict", "breaches"} <= set(exported[0] or {})
    return report


@pytest.mark.parametrize("pairs", FILTER_SETS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p))
def test_cli_api_and_pages_give_the_same_figures(
    db: str, client: TestClient, pairs: list[tuple[str, str]]
) -> None:
    report = _check_equal(db, client, pairs)
    i = report["incidents"]
    assert i["total"] == sum(i[v] for v in report["verdicts"])
    # violations and possible violations never summed: each party share is of its own verdict
    for key in ("violations", "possible_violations"):
        shares = [p[f"{key}_share"] for p in report["by_party"] if p[f"{key}_share"] is not None]
        assert not shares or sum(shares) == pytest.approx(1.0, abs=1e-3)
    if not any(k == "verdict" for k, _ in pairs):
        assert "outside" not in report["verdicts"]  # outside only when asked


def test_an_overruled_verdict_changes_every_surface_alike(db: str, client: TestClient) -> None:
    pairs = [("agreement", "sochi-2018"), ("verdict", "violation")]
    before = _check_equal(db, client, pairs)
    top = client.get("/api/incidents", params=[*pairs, ("limit", "1")]).json()["items"][0]
    assert top["event_uid"] == "ucdp_ged:301688"  # Hamamiyat, 2019-07-10, 113 killed
    day = [("date_from", "2019-07-10"), ("date_to", "2019-07-10")]
    found = client.get("/api/verdicts", params=[*pairs, ("actor", "Syrian insurgents"), *day])
    rows = found.json()["items"]
    mine = [r for r in rows if r["event_uid"] == top["event_uid"]]
    assert mine
    headers = bearer(client.app, "analyst")
    for r in mine:  # the analyst reads the text: a ground attack by the factions, not the regime's
        resp = client.post(
            "/api/verdicts/review",
            json={
                "agreement": r["agreement_id"],
                "provision": r["provision_id"],
                "event_uid": r["event_uid"],
                "status": "overruled",
                "corrected_verdict": "possible_violation",
                "note": "two-day attack by rebel and jihadist factions; air strikes only around it",
            },
            headers=headers,
        )
        assert resp.status_code == 201, resp.text
    after = _check_equal(db, client, pairs)
    assert after["incidents"]["violation"] == before["incidents"]["violation"] - 1
    assert after["reviews"]["overruled"] == 0  # it is no longer a violation under these filters
    wider = _check_equal(db, client, [("agreement", "sochi-2018")])
    assert wider["reviews"]["overruled"] == 1 and wider["reviewed"] == 1
    inc = client.get(
        "/api/incidents", params=[("agreement", "sochi-2018"), ("limit", "1000")]
    ).json()["items"]
    hamamiyat = next(r for r in inc if r["event_uid"] == top["event_uid"])
    assert hamamiyat["verdict"] == "possible_violation"
    assert hamamiyat["machine_verdict"] == "violation"  # the machine's verdict stays beside it
    assert hamamiyat["review_status"] == "overruled"
    # the briefing counts it too, and says how many of its figures were reviewed
    out = _cli(db, "evaluate")
    assert "Reviewed by an analyst:" in out and "1 overruled" in out
    assert "Hamamiyat" not in out.split("Top violations")[1].split("Reviewed by")[0]
