"""Field reports: where bearing and distance put the source (checked against pyproj's own
geodesic), and a report's way through the API into evidence with verdicts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from web_api_store import build, copy

from ceasefire.compliance import VERDICTS
from ceasefire.errors import InputError
from ceasefire.field_reports import BEARING_ERROR_DEG, estimate_location
from ceasefire.store import workspace
from ceasefire.web import create_app
from ceasefire.web.reports import published_position

GEOD = Geod(ellps="WGS84")
ARIHA = (36.61, 35.83)  # inside the Idlib area and the M4 corridor
DAMASCUS = (36.29, 33.51)  # outside every zone
SCRIPT = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def test_bearing_90_and_3_to_10_km_is_east_at_the_band_middle() -> None:
    lon0, lat0 = ARIHA
    est = estimate_location(lon0, lat0, bearing_deg=90, band="3-10km")
    azimuth, _, dist = GEOD.inv(lon0, lat0, est.longitude, est.latitude)
    assert azimuth == pytest.approx(90, abs=0.01)
    assert dist == pytest.approx(6500, abs=1)
    # the radius covers the whole sector: both band edges at bearing +- the compass error
    for bearing in (90 - BEARING_ERROR_DEG, 90, 90 + BEARING_ERROR_DEG):
        for km in (3, 10):
            lon, lat, _ = GEOD.fwd(lon0, lat0, bearing, km * 1000)
            assert GEOD.inv(est.longitude, est.latitude, lon, lat)[2] <= est.radius_km * 1000 + 1
    assert est.radius_km >= 3.5  # at least half the band's depth


def test_without_bearing_the_observer_is_the_place() -> None:
    est = estimate_location(*ARIHA, band="3-10km")
    assert (est.longitude, est.latitude, est.radius_km) == (*ARIHA, 10.0)
    assert estimate_location(*ARIHA).radius_km == 1.0


@pytest.mark.parametrize(
    "kw", [{"band": "near"}, {"band": "10-3km"}, {"bearing_deg": 400, "band": "0-1km"}]
)
def test_bad_bands_and_bearings_are_input_errors(kw: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        estimate_location(*ARIHA, **kw)


@pytest.fixture(scope="module")
def base_db(new_store: Callable[..., str]) -> Any:
    return build(new_store("base"))  # SQLite, then PostgreSQL


@pytest.fixture
def app(base_db: Path, tmp_path: Path) -> Iterator[Any]:
    app = create_app(copy(base_db, tmp_path / "r.db"))
    yield app
    app.state.store.close()


def _headers(app: Any, name: str) -> dict[str, str]:
    user = workspace.user_by_name(app.state.store.engine, name)
    assert user is not None
    return {"Authorization": "Bearer " + workspace.create_token(app.state.store.engine, user)}


def _report(**kw: Any) -> dict[str, Any]:
    return {
        "observed_at": "2020-03-07T10:30:00+02:00",
        "latitude": ARIHA[1],
        "longitude": ARIHA[0],
        "observation": "heard",
        "event_type": "Explosions/Remote violence",
        "bearing_deg": 90,
        "distance_band": "0-1km",
        "fatalities": 2,
        "text": SCRIPT,
        "photo_sha256": "ab" * 32,
        **kw,
    }


def test_a_report_becomes_evidence_evaluated_against_every_agreement(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/api/reports", json=_report(), headers=_headers(app, "monitor"))
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["observed_at"] == "2020-03-07T08:30:00.000000Z"
    assert rep["event_uid"] == f"field_report:{rep['id']}" and rep["user"] == "monitor"
    assert rep["text"] == SCRIPT  # kept as data, byte for byte
    assert {v["agreement_id"] for v in rep["verdicts"]} == {"moscow-2020", "sochi-2018"}
    ceasefire = next(v for v in rep["verdicts"] if v["provision_id"] == "ceasefire")
    assert ceasefire["verdict"] == "violation"

    d = c.get(f"/api/events/{rep['event_uid']}").json()
    assert d["event"]["source_dataset"] == "field_report"
    # the event is published on the 0.05 deg grid, its radius grown to hold the precise disc
    published = published_position(rep)
    assert d["event"]["location_uncertainty_km"] == published["radius_km"] > rep["radius_km"]
    assert (d["event"]["longitude"], d["event"]["latitude"]) == (
        published["est_longitude"],
        published["est_latitude"],
    )
    assert d["evidence"][0]["kind"] == "field_report" and d["evidence"][0]["text"] == SCRIPT
    assert d["evidence"][0]["report_id"] == rep["id"]
    assert {(v["agreement_id"], v["provision_id"]) for v in d["verdicts"]} == {
        (v["agreement_id"], v["provision_id"]) for v in rep["verdicts"]
    }
    on_map = c.get("/api/events.geojson?source=field_report").json()["features"]
    assert [f["properties"]["verdict"] for f in on_map] == ["violation"]
    listed = c.get("/api/reports").json()
    assert listed["total"] == 1 and listed["items"][0]["text"] == SCRIPT
    assert "latitude" not in listed["items"][0]  # an anonymous reader: no observer position
    assert c.get("/api/reports?user=monitor2").status_code == 403
    mine = c.get("/api/reports?user=monitor2", headers=_headers(app, "analyst")).json()
    assert mine["total"] == 0


def test_other_verdicts_survive_a_report(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    every = "&".join(f"verdict={v}" for v in VERDICTS)  # outside rows too
    before = c.get(f"/api/verdicts?limit=1&{every}").json()["total"]
    rep = c.post("/api/reports", json=_report(), headers=_headers(app, "monitor")).json()
    after = c.get(f"/api/verdicts?limit=1&{every}").json()["total"]
    assert after == before + len(rep["verdicts"])


def test_editing_a_report_moves_and_re_evaluates_it(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    rep = c.post("/api/reports", json=_report(), headers=h).json()
    moved = {"longitude": DAMASCUS[0], "latitude": DAMASCUS[1], "bearing_deg": None}
    r = c.patch(f"/api/reports/{rep['id']}", json=moved, headers=h)
    assert r.status_code == 200, r.text
    new = r.json()
    assert (new["est_longitude"], new["est_latitude"]) == DAMASCUS
    assert new["radius_km"] == 1.0  # the 0-1km band's far edge
    assert {v["verdict"] for v in new["verdicts"]} <= {"outside"}
    d = c.get(f"/api/events/{rep['event_uid']}").json()
    assert {v["verdict"] for v in d["verdicts"]} <= {"outside"}
    assert d["event"]["version"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"observed_at": "2020-03-07T10:30:00"}, "observed_at"),
        ({"observation": "smelt"}, "observation"),
        ({"distance_band": "very far"}, "distance_band"),
        ({"bearing_deg": -5}, "bearing_deg"),
        ({"latitude": 95}, "latitude"),
        ({"photo_sha256": "not-a-hash"}, "photo_sha256"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_reports_are_422_naming_the_field(app: Any, change: dict, field: str) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/api/reports", json=_report(**change), headers=_headers(app, "monitor"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


def test_a_required_field_may_not_be_patched_to_null(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    rep = c.post("/api/reports", json=_report(), headers=h).json()
    r = c.patch(f"/api/reports/{rep['id']}", json={"event_type": None}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "event_type"


def test_cached_map_and_timeline_answers_follow_new_reports(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    url = "/api/events.geojson?bbox=36.5,35.7,36.7,35.9"
    before = c.get(url).json()["total"]
    days = c.get("/api/aggregates?by=day&date_from=2020-03-07&date_to=2020-03-07").json()
    assert c.get(url).json()["total"] == before  # the same answer, from the cache
    c.post("/api/reports", json=_report(), headers=_headers(app, "monitor"))
    assert c.get(url).json()["total"] == before + 1
    after = c.get("/api/aggregates?by=day&date_from=2020-03-07&date_to=2020-03-07").json()
    assert sum(r["count"] for r in after["rows"]) > sum(r["count"] for r in days["rows"])


@pytest.mark.parametrize("body", ["{not json", "", "[]"])
def test_a_body_that_is_not_a_report_is_invalid_body(app: Any, body: str) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    headers = {**_headers(app, "monitor"), "Content-Type": "application/json"}
    r = c.post("/api/reports", content=body, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_body" and r.json()["error"]["field"] == "body"


def test_huge_ids_are_422_not_500(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.patch("/api/reports/99999999999999999999", json={}, headers=_headers(app, "monitor"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "report_id"


# ------------------------------------------------- a failure stores nothing (review finding 1)


def _counts(app: Any) -> tuple[int, int, int, int]:
    """Reports, events, verdicts and audit rows stored."""
    store = app.state.store
    verdicts = TestClient(app).get("/api/verdicts?limit=1").json()["total"]
    audit = workspace.audit_rows(store.engine, limit=1)["total"]
    return workspace.reports(store.engine)["total"], store.count_events(), verdicts, audit


@pytest.mark.parametrize(
    "observed_at", ["0001-01-01T00:00:00Z", "1989-12-31T23:59:00Z", "2999-01-01T00:00:00Z"]
)
def test_an_impossible_time_is_422_and_stores_nothing(app: Any, observed_at: str) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    before = _counts(app)
    r = c.post("/api/reports", json=_report(observed_at=observed_at), headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "observed_at"
    assert _counts(app) == before


def test_a_report_whose_evaluation_fails_stores_nothing(app: Any, monkeypatch: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    before = _counts(app)

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr("ceasefire.web.reports.evaluate", broken)
    r = c.post("/api/reports", json=_report(), headers=h)
    assert r.status_code == 500 and r.json()["error"]["code"] == "server_error"
    assert _counts(app) == before


def test_a_report_whose_verdicts_cannot_be_written_stores_nothing(
    app: Any, monkeypatch: Any
) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    before = _counts(app)

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(workspace, "replace_event_verdicts", broken)
    r = c.post("/api/reports", json=_report(), headers=h)
    assert r.status_code == 500
    assert _counts(app) == before  # no report, no event, no audit row


def test_a_failed_edit_leaves_the_report_and_its_event_as_they_were(
    app: Any, monkeypatch: Any
) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    rep = c.post("/api/reports", json=_report(), headers=h).json()
    event_before = c.get(f"/api/events/{rep['event_uid']}").json()
    before = _counts(app)
    moved = {"longitude": DAMASCUS[0], "latitude": DAMASCUS[1]}

    bad_time = c.patch(
        f"/api/reports/{rep['id']}", json={"observed_at": "0001-01-01T00:00Z"}, headers=h
    )
    assert bad_time.status_code == 422 and bad_time.json()["error"]["field"] == "observed_at"

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(workspace, "replace_event_verdicts", broken)
    assert c.patch(f"/api/reports/{rep['id']}", json=moved, headers=h).status_code == 500
    stored = workspace.report(app.state.store.engine, rep["id"])
    assert (stored["longitude"], stored["latitude"]) == (ARIHA[0], ARIHA[1])
    assert stored["updated_at"] == rep["updated_at"]
    assert c.get(f"/api/events/{rep['event_uid']}").json() == event_before  # version 1, Ariha
    assert _counts(app) == before  # and no report.update audit row


def test_verdict_reasons_name_the_report_by_its_id(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    rep = c.post("/api/reports", json=_report(), headers=_headers(app, "monitor")).json()
    reasons = [v["reason"] for v in rep["verdicts"] if v["verdict"] != "outside"]
    assert reasons and all(f"field report {rep['id']} (heard)" in x for x in reasons)
    assert not any("pending" in v["reason"] for v in rep["verdicts"])
    stored = c.get(f"/api/events/{rep['event_uid']}").json()["verdicts"]
    assert sorted(v["reason"] for v in stored) == sorted(v["reason"] for v in rep["verdicts"])


# ------------------------------------------------- event types are ACLED's (review finding 2)


def test_event_types_are_acled_spelling_in_any_case(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    body = _report(event_type="explosions/remote violence", sub_event_type="AIR/DRONE STRIKE")
    r = c.post("/api/reports", json=body, headers=h)
    assert r.status_code == 201, r.text
    rep = r.json()
    assert (rep["event_type"], rep["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )
    ceasefire = next(v for v in rep["verdicts"] if v["provision_id"] == "ceasefire")
    assert ceasefire["verdict"] == "violation"  # not silently "compliant"


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"event_type": "Explosions/Remote-violence"}, "event_type", "Explosions/Remote-violence"),
        ({"event_type": "Shelling"}, "event_type", "Shelling"),
        ({"sub_event_type": "Carpet bombing"}, "sub_event_type", "Carpet bombing"),
        ({"sub_event_type": "Armed clash"}, "sub_event_type", "Armed clash"),  # a Battles one
    ],
)
def test_unknown_event_types_are_422_naming_field_and_value(
    app: Any, change: dict, field: str, value: str
) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/api/reports", json=_report(**change), headers=_headers(app, "monitor"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field and value in r.json()["error"]["message"]


def test_a_patched_sub_event_type_must_fit_the_stored_type(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = _headers(app, "monitor")
    rep = c.post("/api/reports", json=_report(), headers=h).json()
    r = c.patch(f"/api/reports/{rep['id']}", json={"sub_event_type": "Armed clash"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "sub_event_type"
    ok = c.patch(f"/api/reports/{rep['id']}", json={"sub_event_type": "grenade"}, headers=h)
    assert ok.status_code == 200 and ok.json()["sub_event_type"] == "Grenade"


# ------------------------------------------- event_date is the local day (review finding 5)


def test_a_reports_event_date_is_the_damascus_day(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    body = _report(observed_at="2020-03-06T00:30:00+02:00")  # 2020-03-05 22:30 UTC
    rep = c.post("/api/reports", json=body, headers=_headers(app, "monitor")).json()
    event = c.get(f"/api/events/{rep['event_uid']}").json()["event"]
    assert event["event_date"] == "2020-03-06"
    assert event["year"] == 2020
    listed = c.get("/api/events?source=field_report&date_from=2020-03-06&date_to=2020-03-06")
    assert listed.json()["total"] == 1


# --------------------------------------- who may see observers (review finding 8)

OBSERVER = {"user", "user_id", "latitude", "longitude", "bearing_deg", "distance_band"}


def test_observers_are_shown_only_to_analysts_admins_and_themselves(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    c.post("/api/reports", json=_report(), headers=_headers(app, "monitor"))
    anon = c.get("/api/reports").json()["items"]
    assert len(anon) == 1 and not OBSERVER & set(anon[0])
    assert anon[0]["est_latitude"] is not None and anon[0]["text"] == SCRIPT  # the event's facts
    event = c.get(f"/api/events/{anon[0]['event_uid']}").json()
    assert "monitor" not in json.dumps(event)  # nor on the report's event
    for name in ("viewer", "monitor2"):
        items = c.get("/api/reports", headers=_headers(app, name)).json()["items"]
        assert len(items) == 1 and not OBSERVER & set(items[0]), name
    for name in ("monitor", "analyst", "admin"):
        items = c.get("/api/reports", headers=_headers(app, name)).json()["items"]
        assert items[0]["user"] == "monitor" and items[0]["latitude"] == ARIHA[1], name
        assert items[0]["bearing_deg"] == 90, name


def test_only_analysts_admins_and_the_user_may_ask_for_a_users_reports(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    c.post("/api/reports", json=_report(), headers=_headers(app, "monitor"))
    for name in (None, "viewer", "monitor2"):
        h = _headers(app, name) if name else {}
        for who in ("monitor", "nobody"):  # the same answer whether the name exists or not
            r = c.get(f"/api/reports?user={who}", headers=h)
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (name, who)
    assert c.get("/api/reports?user=monitor", headers=_headers(app, "monitor")).json()["total"] == 1
    for name in ("analyst", "admin"):
        h = _headers(app, name)
        assert c.get("/api/reports?user=monitor", headers=h).json()["total"] == 1
        assert c.get("/api/reports?user=nobody", headers=h).json()["total"] == 0
