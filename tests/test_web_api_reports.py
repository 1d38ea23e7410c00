"""Field reports: where bearing and distance put the source (checked against pyproj's own
geodesic), and a report's way through the API into evidence with verdicts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from web_api_store import build, copy

from ceasefire.errors import InputError
from ceasefire.field_reports import BEARING_ERROR_DEG, estimate_location
from ceasefire.store import workspace
from ceasefire.web import create_app

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
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("web") / "base.db")


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
    assert d["event"]["location_uncertainty_km"] == pytest.approx(rep["radius_km"])
    assert d["evidence"][0]["kind"] == "field_report" and d["evidence"][0]["text"] == SCRIPT
    assert d["evidence"][0]["report_id"] == rep["id"]
    assert {(v["agreement_id"], v["provision_id"]) for v in d["verdicts"]} == {
        (v["agreement_id"], v["provision_id"]) for v in rep["verdicts"]
    }
    on_map = c.get("/api/events.geojson?source=field_report").json()["features"]
    assert [f["properties"]["verdict"] for f in on_map] == ["violation"]
    listed = c.get("/api/reports").json()
    assert listed["total"] == 1 and listed["items"][0]["text"] == SCRIPT
    assert c.get("/api/reports?user=monitor2").json()["total"] == 0


def test_other_verdicts_survive_a_report(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    before = c.get("/api/verdicts?limit=1").json()["total"]
    rep = c.post("/api/reports", json=_report(), headers=_headers(app, "monitor")).json()
    after = c.get("/api/verdicts?limit=1").json()["total"]
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
