"""Patrols over HTTP through the ASGI app: the list, the tracks as GeoJSON, coverage per week and
day, the obligation's findings, and uploads (roles, CSRF, bad tracks, re-uploads, the audit)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_api_store import PASSWORDS, build, copy
from web_api_store import bearer as token_for

from ceasefire import monitoring
from ceasefire.web import create_app

DATA = Path(__file__).parent / "data" / "patrols"
FIRST = DATA / "2020-03-15-joint-cut-short.gpx"
ALONE = DATA / "2020-03-23-turkey-alone.geojson"
FULL = DATA / "2020-03-26-joint-full.geojson"
PLAN = DATA / "2020-04-02-plan.geojson"
CSRF = {"X-Requested-With": "ceasefire"}


@pytest.fixture(scope="module")
def base_db(new_store: Callable[..., str]) -> Any:
    return build(new_store("base"))  # SQLite, then PostgreSQL


@pytest.fixture
def app(base_db: Path, tmp_path: Path) -> Iterator[Any]:
    app = create_app(copy(base_db, tmp_path / "w.db"))
    yield app
    app.state.store.close()


@pytest.fixture
def anon(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def stored(app: Any) -> Any:
    """The sample tracks and plan imported (as the CLI imports them), then evaluated."""
    store = app.state.store
    monitoring.import_patrols(
        store, [FIRST], monitoring.PatrolImportOptions(parties="russia,turkey")
    )
    monitoring.import_patrols(store, [ALONE, FULL])
    monitoring.import_patrols(store, [PLAN], monitoring.PatrolImportOptions(planned=True))
    monitoring.evaluate_store(store, ["moscow-2020"])
    app.state.cache.clear()
    return app


def upload(client: TestClient, path: Path, headers: dict[str, str], **form: str) -> Any:
    return client.post(
        "/api/patrols",
        headers=headers,
        files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
        data=form,
    )


# ------------------------------------------------------------------------------------ reads


def test_patrols_list_gives_status_coverage_and_turning_point(stored: Any, anon: TestClient):
    page = anon.get("/api/patrols", params={"agreement": "moscow-2020"}).json()
    assert page["total"] == 4 and page["route"] == "m4-trumba-ain-al-havr"
    by_date = {p["date"]: p for p in page["items"]}
    first = by_date["2020-03-15"]
    assert first["parties"] == ["russia", "turkey"] and first["joint"] is True
    assert first["status"] == "cut_short"  # inferred from the track, and why
    assert "54.8 km short of Ain al-Havr" in first["notes"]
    assert first["turning_point"] == "km 5.2 (Nayrab)" and first["turning_place"] == "Nayrab"
    assert first["covered_km"] == pytest.approx(5.21, abs=0.01)
    lon, lat = first["turning_lonlat"]
    assert 36.70 < lon < 36.73 and 35.86 < lat < 35.88
    alone = by_date["2020-03-23"]
    assert alone["joint"] is False and alone["parties"] == ["turkey"]
    assert by_date["2020-03-26"]["status"] == "completed"
    assert by_date["2020-04-02"]["planned"] is True
    assert by_date["2020-04-02"]["covered_km"] is None
    # paging and dates
    two = anon.get("/api/patrols", params={"limit": 2, "offset": 1}).json()
    assert [p["date"] for p in two["items"]] == ["2020-03-23", "2020-03-26"]
    march = anon.get("/api/patrols", params={"date_from": "2020-03-20", "date_to": "2020-03-31"})
    assert [p["date"] for p in march.json()["items"]] == ["2020-03-23", "2020-03-26"]
    bad = anon.get("/api/patrols", params={"date_from": "soon"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "date_from"


def test_patrols_geojson_draws_tracks_and_marks_plans(stored: Any, anon: TestClient):
    r = anon.get("/api/patrols.geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 4
    assert {f["geometry"]["type"] for f in fc["features"]} == {"LineString"}
    by_date = {f["properties"]["date"]: f for f in fc["features"]}
    cut = by_date["2020-03-15"]
    assert len(cut["geometry"]["coordinates"]) == 80
    p = cut["properties"]
    assert (p["status"], p["planned"], p["parties"]) == ("cut_short", False, ["russia", "turkey"])
    assert p["turning_point"] == "km 5.2 (Nayrab)" and p["furthest_km"] == pytest.approx(5.21)
    plan = by_date["2020-04-02"]
    assert plan["properties"]["planned"] is True and len(plan["geometry"]["coordinates"]) == 2
    only = anon.get("/api/patrols.geojson", params={"date_from": "2020-04-01"}).json()
    assert [f["properties"]["date"] for f in only["features"]] == ["2020-04-02"]


def test_coverage_per_week_from_the_agreement_start(stored: Any, anon: TestClient):
    r = anon.get("/api/patrols/coverage", params={"agreement": "moscow-2020"})
    body = r.json()
    assert body["route"]["id"] == "m4-trumba-ain-al-havr"
    assert body["route"]["length_km"] == pytest.approx(60.04, abs=0.01)
    assert [pl["name"] for pl in body["route"]["places"]][:3] == ["Trumba", "Saraqib", "Nayrab"]
    rows = body["rows"]
    assert [w["period"] for w in rows] == ["2020-03-15", "2020-03-22"]
    first, second = rows
    assert first["n_patrols"] == 1 and first["covered_share"] == pytest.approx(0.087, abs=0.005)
    assert first["longest_gap_km"] == pytest.approx(54.84, abs=0.01)
    (gap,) = first["gaps"]
    assert (gap["from_place"], gap["to_place"]) == ("Nayrab", "Ain al-Havr")
    assert second["n_patrols"] == 2 and second["covered_share"] == pytest.approx(1.0, abs=0.005)
    days = anon.get(
        "/api/patrols/coverage",
        params={"period": "day", "date_from": "2020-03-23", "date_to": "2020-03-26"},
    ).json()["rows"]
    assert [d["period"] for d in days] == ["2020-03-23", "2020-03-24", "2020-03-25", "2020-03-26"]
    assert [d["n_patrols"] for d in days] == [1, 0, 0, 1]
    assert anon.get("/api/patrols/coverage", params={"period": "month"}).status_code == 422
    assert anon.get("/api/patrols/coverage", params={"agreement": "nope"}).status_code == 404


def test_findings_are_the_evaluated_joint_patrol_rows(stored: Any, anon: TestClient):
    body = anon.get("/api/patrols/findings", params={"agreement": "moscow-2020"}).json()
    assert {r["provision_id"] for r in body["rows"]} == {"m4-joint-patrols"}
    unmet = [r for r in body["rows"] if r["status"] == "unmet"]
    assert body["unmet"] == len(unmet) >= 2
    # the test events run to 2020-06-20: 14 weeks, two with a joint patrol (15 and 26 March)
    assert unmet[0]["reason"].startswith(
        "2 of 14 weeks met from 2020-03-15 to 2020-06-20; 12 had fewer joint"
    )
    assert unmet[1]["reason"] == "week 2020-03-29 to 2020-04-04: 0 joint patrol(s), expected 1"
    assert len(unmet) == 13


def test_empty_store_answers_empty(anon: TestClient):
    assert anon.get("/api/patrols").json()["total"] == 0
    assert anon.get("/api/patrols.geojson").json()["features"] == []
    assert (
        anon.get("/api/patrols/coverage", params={"agreement": "moscow-2020"}).json()["rows"] == []
    )


# ----------------------------------------------------------------------------------- upload


def test_upload_needs_a_monitor_or_admin(app: Any, anon: TestClient):
    r = upload(anon, FIRST, {})
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    for role in ("viewer", "analyst"):
        r = upload(anon, FIRST, token_for(app, role))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", role
    assert anon.get("/api/patrols").json()["total"] == 0
    assert upload(anon, FIRST, token_for(app, "admin"), parties="russia,turkey").status_code == 201


def test_monitor_upload_stores_infers_audits_and_is_idempotent(app: Any, anon: TestClient):
    monitor = token_for(app, "monitor")
    r = upload(anon, FIRST, monitor, parties="russia,turkey")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["file"], body["patrols"], body["inserted"], body["skipped"]) == (
        FIRST.name,
        1,
        1,
        0,
    )
    assert body["inferred"] == [
        f"{FIRST.name}#trk 0: cut_short: turned back at km 5.2 (Nayrab), 54.8 km short of "
        "Ain al-Havr"
    ]
    assert body["incidents"] == 0
    (item,) = anon.get("/api/patrols").json()["items"]
    assert item["status"] == "cut_short" and item["joint"] is True
    # the same bytes again: nothing stored, nothing audited, 200
    again = upload(anon, FIRST, monitor, parties="russia,turkey")
    assert again.status_code == 200 and (again.json()["inserted"], again.json()["skipped"]) == (
        0,
        1,
    )
    assert anon.get("/api/patrols").json()["total"] == 1
    audit = anon.get("/api/audit", headers=token_for(app, "admin")).json()["items"]
    rows = [a for a in audit if a["action"] == "patrols.import"]
    assert len(rows) == 1 and rows[0]["user"] == "monitor"
    changes = rows[0]["changes"]
    changes = json.loads(changes) if isinstance(changes, str) else changes
    assert changes["file"] == FIRST.name and changes["inserted"] == 1
    # replace with an explicit status: it wins over the inference
    fixed = upload(anon, FIRST, monitor, parties="russia,turkey", status="attacked", replace="true")
    assert fixed.status_code == 201 and fixed.json()["inferred"] == []
    (item,) = anon.get("/api/patrols").json()["items"]
    assert item["status"] == "attacked"


def test_a_plan_upload(app: Any, anon: TestClient):
    r = upload(anon, PLAN, token_for(app, "monitor"), planned="true")
    assert r.status_code == 201, r.text
    (item,) = anon.get("/api/patrols").json()["items"]
    assert item["planned"] is True and item["status"] == "planned"


@pytest.mark.parametrize(
    ("name", "field", "point", "problem"),
    [
        ("jump.gpx", "point 4 position", 4, "jump of 8232 km/h"),
        ("no-time.gpx", "point 3 time", 3, "no timestamp"),
        ("empty.gpx", "file", None, "empty file"),
        ("projected-no-crs.geojson", "point 0 coordinates", 0, "wrong CRS"),
    ],
)
def test_a_bad_track_is_a_clear_422(
    app: Any, anon: TestClient, name: str, field: str, point: int | None, problem: str
):
    r = upload(anon, DATA / "bad" / name, token_for(app, "monitor"))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["status"] == 422 and err["code"] == "invalid_body"
    assert err["field"] == field and err["point"] == point
    assert err["file"].startswith(name) and problem in err["message"]
    assert err["message"].startswith(name)  # the upload's name, never a temporary path
    assert anon.get("/api/patrols").json()["total"] == 0  # nothing of it stored


def test_upload_names_are_plain_and_suffixes_checked(app: Any, anon: TestClient):
    monitor = token_for(app, "monitor")
    r = anon.post(
        "/api/patrols",
        headers=monitor,
        files={"file": ("../../etc/<b>x</b>.txt", b"hello", "text/plain")},
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert (
        "not a track file" in err["message"] and "/" not in err["file"] and "<" not in err["file"]
    )
    r = anon.post("/api/patrols", headers=monitor, data={"parties": "russia"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"
    r = upload(anon, FIRST, monitor, status="lost")
    assert r.status_code == 422 and r.json()["error"]["field"] == "status"
    r = upload(anon, PLAN, monitor, planned="true", date="2020-02-30")
    assert r.status_code == 422 and r.json()["error"]["field"] == "date"
    assert anon.get("/api/patrols").json()["total"] == 0


def test_cookie_uploads_need_the_csrf_header(app: Any):
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post(
        "/login",
        data={"username": "monitor", "password": PASSWORDS["monitor"], "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert upload(c, FIRST, {}).json()["error"]["code"] == "csrf"
    assert upload(c, FIRST, CSRF).status_code == 201


def test_the_openapi_document_lists_the_patrol_endpoints(anon: TestClient):
    paths = anon.get("/api/openapi.json").json()["paths"]
    assert {"/api/patrols", "/api/patrols.geojson", "/api/patrols/coverage"} <= set(paths)
    assert "post" in paths["/api/patrols"] and "get" in paths["/api/patrols"]
