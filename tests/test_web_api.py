"""The HTTP API's reads through the real ASGI app over a small real store: every read endpoint,
filters, paging, exports, error bodies and hostile input."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_api_store import SCRIPT, build

from ceasefire.findings import Filters
from ceasefire.store import read as q
from ceasefire.web import create_app


@pytest.fixture(scope="module")
def client(new_store: Callable[..., str]) -> Iterator[TestClient]:
    db = build(new_store("read"))  # SQLite, then PostgreSQL
    app = create_app(db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.store.close()


def _all(client: TestClient, url: str, limit: int = 7) -> list[dict]:
    items: list[dict] = []
    sep = "&" if "?" in url else "?"
    while True:
        page = client.get(f"{url}{sep}limit={limit}&offset={len(items)}").json()
        items += page["items"]
        if not page["items"]:
            return items


def test_openapi_document_lists_the_contract(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in (
        "/api/agreements",
        "/api/agreements/{agreement_id}",
        "/api/agreements/{agreement_id}/held",
        "/api/zones",
        "/api/events",
        "/api/events.geojson",
        "/api/events/{uid}",
        "/api/verdicts",
        "/api/verdicts.csv",
        "/api/verdicts.geojson",
        "/api/verdicts/review",
        "/api/aggregates",
        "/api/rejects",
        "/api/reports",
        "/api/reports/{report_id}",
        "/api/users",
        "/api/audit",
        "/api/me",
    ):
        assert p in paths, p


def test_agreements_list_and_detail(client: TestClient) -> None:
    listed = {a["id"]: a for a in client.get("/api/agreements").json()}
    assert {"sochi-2018", "moscow-2020"} <= set(listed)
    assert listed["moscow-2020"]["pax_id"] == 2273
    d = client.get("/api/agreements/moscow-2020").json()
    assert d["yaml"].startswith("id: moscow-2020") or "id: moscow-2020" in d["yaml"]
    by_id = {p["id"]: p for p in d["provisions"]}
    assert "6 km either side of the M4" in by_id["m4-security-corridor"]["description"]
    assert "m4-security-corridor" in by_id["m4-security-corridor"]["zones"]
    assert by_id["ceasefire"]["effective_from"]["label"] == "2020-03-06 00:01"
    assert any(x["provision_id"] == "corridor-parameters" for x in d["deadlines"])
    assert d["effective_from"]["utc_earliest"] == "2020-03-05T21:01:00Z"
    assert client.get("/api/agreements/nope").status_code == 404


def test_zones_are_geojson_with_their_notes(client: TestClient) -> None:
    fc = client.get("/api/zones").json()
    assert fc["type"] == "FeatureCollection"
    props = {f["properties"]["id"]: f["properties"] for f in fc["features"]}
    assert {"m4-security-corridor", "idlib-de-escalation-area", "sochi-dmz"} <= set(props)
    for p in props.values():
        assert set(p) >= {"id", "name", "kind", "note", "error_km"}
    assert props["m4-trumba-ain-al-havr"]["note"]


def test_events_page_totals_and_paging(client: TestClient) -> None:
    first = client.get("/api/events?limit=5").json()
    assert first["total"] == 40 and len(first["items"]) == 5
    everything = _all(client, "/api/events")
    assert len(everything) == 40 == len({e["event_uid"] for e in everything})
    dates = [e["event_date"] for e in everything]
    assert dates == sorted(dates)
    desc = client.get("/api/events?sort=fatalities&order=desc&limit=40").json()["items"]
    assert [e["fatalities"] for e in desc] == sorted((e["fatalities"] for e in desc), reverse=True)


@pytest.mark.parametrize(
    "query, keep",
    [
        ("source=other", lambda e: e["source_dataset"] == "other"),
        ("event_type=Battles", lambda e: e["event_type"] == "Battles"),
        ("date_from=2020-01-01&date_to=2020-03-31", lambda e: "2020-01" <= e["event_date"] < "2020-04"),  # noqa: E501
        ("bbox=36.5,35.5,37,36", lambda e: 36.5 <= e["longitude"] <= 37 and e["latitude"] >= 35.5),
        ("actor=tahrir", lambda e: e["actor1"] == "Hayat Tahrir al-Sham"),
    ],
)  # fmt: skip
def test_event_filters_match_a_filter_in_python(client: TestClient, query: str, keep) -> None:
    everything = client.get("/api/events?limit=1000").json()["items"]
    page = client.get(f"/api/events?{query}&limit=1000").json()
    expected = [e["event_uid"] for e in everything if keep(e)]
    assert 0 < len(expected) < 40
    assert [e["event_uid"] for e in page["items"]] == expected
    assert page["total"] == len(expected)


def test_verdict_filters_on_events_agree_with_the_verdicts_table(client: TestClient) -> None:
    f = "agreement=sochi-2018&verdict=violation&verdict=possible_violation"
    events = client.get(f"/api/events?{f}&limit=1000").json()
    verdicts = client.get(f"/api/verdicts?{f}&limit=1000").json()
    assert events["total"] == len({v["event_uid"] for v in verdicts["items"]}) > 0
    assert all(e["verdict"] in ("violation", "possible_violation") for e in events["items"])
    party = client.get("/api/events?party=russia&limit=1000").json()
    assert 0 < party["total"] < 40


def test_events_geojson_points_and_clusters(client: TestClient, monkeypatch) -> None:
    # an agreement filter speaks of its findings: events with a verdict other than outside
    # (issue 10: outside only when asked)
    fc = client.get("/api/events.geojson?agreement=moscow-2020&verdict=outside").json()
    with_findings = client.get("/api/events.geojson?agreement=moscow-2020").json()
    assert with_findings["total"] < fc["total"]
    fc = client.get("/api/events.geojson").json()
    assert fc["clustered"] is False and len(fc["features"]) == fc["total"] == 40
    props = fc["features"][0]["properties"]
    assert set(props) >= {"event_uid", "verdict", "probability", "fatalities", "uncertainty_km"}
    violations = [f for f in fc["features"] if f["properties"]["verdict"] == "violation"]
    assert violations and all(f["geometry"]["type"] == "Point" for f in violations)
    monkeypatch.setattr(q, "CLUSTER_THRESHOLD", 10)
    cells = client.get("/api/events.geojson?zoom=6").json()
    assert cells["clustered"] is True and cells["total"] == 40
    assert all(f["properties"]["cluster"] for f in cells["features"])
    assert sum(f["properties"]["count"] for f in cells["features"]) == 40
    for f in cells["features"]:
        assert sum(f["properties"]["by_verdict"].values()) == f["properties"]["count"]


def test_event_detail_has_evidence_verdicts_and_script_as_data(client: TestClient) -> None:
    r = client.get("/api/events/test:3")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    d = r.json()
    assert d["event"]["notes"] == SCRIPT
    assert d["evidence"][0]["text"] == SCRIPT and d["evidence"][0]["line"] == 5
    assert {v["agreement_id"] for v in d["verdicts"]} == {"sochi-2018", "moscow-2020"}
    assert all(v["reason"] is None or isinstance(v["reason"], str) for v in d["verdicts"])
    assert d["reviews"] == []
    assert r.headers["x-content-type-options"] == "nosniff"
    missing = client.get("/api/events/test:999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_verdicts_page_sort_and_exports_share_filters(client: TestClient) -> None:
    f = "agreement=sochi-2018&verdict=violation"
    page = client.get(f"/api/verdicts?{f}&sort=probability&order=desc&limit=5").json()
    assert page["total"] > 5 and len(page["items"]) == 5
    probs = [v["probability"] for v in page["items"]]
    assert probs == sorted(probs, reverse=True)
    assert all(v["verdict"] == "violation" for v in page["items"])
    r = client.get(f"/api/verdicts.csv?{f}")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == page["total"]
    gj = client.get(f"/api/verdicts.geojson?{f}").json()
    assert len(gj["features"]) == page["total"]
    assert gj["features"][0]["properties"]["agreement_id"] == "sochi-2018"


def test_csv_export_defuses_formulas(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/api/verdicts.csv").text)))
    assert rows and not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)


@pytest.mark.parametrize("by", ["day", "week", "month", "zone", "party", "verdict", "event_type"])
def test_aggregates_add_up_to_the_incidents(client: TestClient, by: str) -> None:
    f = "agreement=sochi-2018&date_from=2019-01-01"
    total = client.get(f"/api/incidents?{f}&limit=1").json()["total"]
    rows = client.get(f"/api/aggregates?by={by}&{f}").json()["rows"]
    if by == "zone":  # an incident counts in each zone one of its verdicts is about
        assert sum(r["count"] for r in rows) >= total > 0
    else:  # each event once, at its worst verdict
        assert sum(r["count"] for r in rows) == total > 0
    assert all(set(r) == {"key", "verdict", "count", "fatalities"} for r in rows)
    if by == "week":
        import datetime as dt

        assert all(dt.date.fromisoformat(r["key"]).weekday() == 0 for r in rows)


def test_held_counts_periods_before_and_after(client: TestClient) -> None:
    d = client.get("/api/agreements/moscow-2020/held?unit=week&before=20&after=20").json()
    assert d["agreement"] == "moscow-2020"
    assert d["window"]["unit"] == "week" and d["window"]["before"] == d["window"]["after"] == 20
    zones = {p["zone"] for p in d["periods"]}
    assert "idlib-de-escalation-area" in zones
    assert {p["side"] for p in d["periods"]} == {"before", "after"}
    assert {t["party"] for t in d["totals"]} >= {"all", "unattributed"}
    # violations and possible violations each have their own shares (issue 10): never summed
    for key in ("violations", "possible_violations"):
        shares = [p[f"{key}_share"] for p in d["by_party"] if p[f"{key}_share"] is not None]
        assert not shares or sum(shares) == pytest.approx(1.0, abs=1e-3)


def test_held_party_shares_cover_the_weeks_shown(client: TestClient) -> None:
    """The shares count violations in the same days as the weekly figures: moscow-2020 took
    effect 2020-03-06 00:01 local, read in Moscow time too (2020-03-05 21:01 UTC, 23:01 local);
    8 weeks either side are the local days whose noon falls in them, 2020-01-10 .. 2020-04-30
    (ceasefire.held; was 2020-01-09 .. 2020-05-01 with the weeks counted in UTC)."""
    url = "/api/agreements/moscow-2020/held?unit=week&before={0}&after={0}"
    answer = client.get(url.format(8)).json()
    assert (answer["window"]["first_day"], answer["window"]["last_day"]) == (
        "2020-01-10",
        "2020-04-30",
    )
    eight = answer["by_party"]
    whole = client.get(url.format(26)).json()["by_party"]
    both = {p["party"]: p["violations"] + p["possible_violations"] for p in eight}
    assert both == {"turkey": 1}  # 2020-04-12 only
    # incidents: russia's one event breaches two provisions, counted once (was 2 verdict rows)
    assert {p["party"]: p["violations"] + p["possible_violations"] for p in whole} == {
        "russia": 1,
        "turkey": 1,
    }
    same = client.get(
        "/api/aggregates?by=party&agreement=moscow-2020&verdict=violation"
        "&verdict=possible_violation&date_from=2020-01-10&date_to=2020-04-30"
    ).json()["rows"]
    for verdict in ("violation", "possible_violation"):
        shown = {p["party"]: p[f"{verdict}s"] for p in eight if p[f"{verdict}s"]}
        assert {r["key"]: r["count"] for r in same if r["verdict"] == verdict} == shown


def test_rejects_page(tmp_path: Path) -> None:
    from web_api_store import events_frame

    from ceasefire.sources.batch import Reject
    from ceasefire.store import open_store

    bad = Reject("acled.csv", 7, "latitude", "95.1", "latitude out of range [-90, 90]")
    with open_store(tmp_path / "rejects.db") as store:
        store.add_events(events_frame().head(1), rejects=[bad])
    app = create_app(tmp_path / "rejects.db")
    with TestClient(app) as c:
        page = c.get("/api/rejects").json()
    app.state.store.close()
    assert page["total"] == 1 and (page["limit"], page["offset"]) == (100, 0)
    row = page["items"][0]
    assert (row["file"], row["line"], row["field"], row["value"], row["reason"]) == (
        "acled.csv",
        7,
        "latitude",
        "95.1",
        "latitude out of range [-90, 90]",
    )


def test_me_anonymous(client: TestClient) -> None:
    assert client.get("/api/me").json() == {"user": None, "anonymous_read": True}


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/events?date_from=yesterday", "date_from"),
        ("/api/events?date_to=2020-02-30", "date_to"),
        ("/api/events?bbox=1,2,3", "bbox"),
        ("/api/events?bbox=10,10,0,0", "bbox"),
        ("/api/events?verdict=bad", "verdict"),
        ("/api/events?sort=notes", "sort"),
        ("/api/events?order=sideways", "order"),
        ("/api/events?limit=0", "limit"),
        ("/api/events?limit=abc", "limit"),
        ("/api/verdicts?offset=-1", "offset"),
        ("/api/events?offset=99999999999999999999999", "offset"),
        ("/api/rejects?limit=99999999999999999999999", "limit"),
        ("/api/aggregates?by=year", "by"),
        ("/api/events.geojson?zoom=99", "zoom"),
    ],
)
def test_bad_parameters_get_one_error_body(client: TestClient, url: str, field: str) -> None:
    r = client.get(url)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["status"] == 422 and err["code"] == "invalid_parameter" and err["field"] == field
    assert err["message"]


def test_unknown_path_and_method_have_the_error_body(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/api/events")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


HOSTILE = [
    "' OR 1=1 --",
    "1; DROP TABLE events; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "'); DELETE FROM verdicts; --",
    "<script>alert(1)</script>",
]
FILTERS = [
    "agreement",
    "provision",
    "verdict",
    "party",
    "actor",
    "event_type",
    "source",
    "date_from",
    "date_to",
    "bbox",
    "sort",
    "order",
    "limit",
    "offset",
]


@pytest.mark.parametrize("param", FILTERS)
@pytest.mark.parametrize("endpoint", ["/api/events", "/api/verdicts", "/api/events.geojson"])
def test_sql_metacharacters_never_reach_sql(client: TestClient, endpoint: str, param: str) -> None:
    for value in HOSTILE:
        r = client.get(endpoint, params={param: value})
        assert r.status_code in (200, 422), (param, value, r.text)
        body = r.json()
        if r.status_code == 422:
            assert body["error"]["field"] == param
        elif param in ("sort", "order", "limit", "offset"):
            # the map's GeoJSON takes no paging or sorting: those names are ignored there
            assert endpoint.endswith(".geojson"), f"{param}={value!r} was accepted"
            assert body["total"] == 40
        else:
            assert body["total"] == 0, (param, value)
    assert client.get("/api/events?limit=1").json()["total"] == 40
    assert client.get("/api/verdicts?limit=1").json()["total"] > 0


def test_actor_filter_matches_quotes_and_semicolons_literally(client: TestClient) -> None:
    page = client.get("/api/events", params={"actor": "O'Brien; DROP"}).json()
    assert page["total"] == 10
    assert all(e["actor1"].startswith("O'Brien") for e in page["items"])


def test_unknown_filter_values_match_nothing(client: TestClient) -> None:
    assert client.get("/api/events?agreement=nope").json()["total"] == 0
    assert client.get("/api/aggregates?agreement=nope").json()["rows"] == []


def test_paths_are_strings_not_sql(client: TestClient, tmp_path: Path) -> None:
    r = client.get("/api/events/' OR 1=1 --")
    assert r.status_code == 404
    r = client.get("/api/agreements/x'; DROP TABLE agreements; --")
    assert r.status_code == 404
    assert len(client.get("/api/agreements").json()) >= 2


def test_the_docs_example_runs(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    db = build(tmp_path / "docs.db")
    exec(compile(code, "docs/api.md", "exec"), {"db": db})


@pytest.mark.parametrize(
    "query", ["", "agreement=moscow-2020", "verdict=violation&verdict=outside", "party=russia"]
)
def test_cells_count_each_verdict_like_the_points(client: TestClient, monkeypatch, query) -> None:
    points = client.get(f"/api/events.geojson?{query}").json()
    expected: dict[str, int] = {}
    for feat in points["features"]:
        key = feat["properties"]["verdict"] or "none"
        expected[key] = expected.get(key, 0) + 1
    monkeypatch.setattr(q, "CLUSTER_THRESHOLD", 0)
    cells = client.get(f"/api/events.geojson?{query}&zoom=3").json()
    assert cells["clustered"]
    got: dict[str, int] = {}
    for feat in cells["features"]:
        for k, n in feat["properties"]["by_verdict"].items():
            got[k] = got.get(k, 0) + n
    assert got == expected and sum(got.values()) == points["total"] > 0


@pytest.mark.parametrize(
    "endpoint",
    ["/api/aggregates", "/api/verdicts.csv", "/api/verdicts.geojson", "/api/rejects"],
)
def test_hostile_filters_on_exports_and_aggregates(client: TestClient, endpoint: str) -> None:
    for param in FILTERS:
        for value in HOSTILE:
            r = client.get(endpoint, params={param: value})
            assert r.status_code in (200, 422), (param, value, r.text)
            if r.status_code == 422:
                assert r.json()["error"]["field"] == param


def test_exports_stream_every_row_in_chunks(client: TestClient) -> None:
    rows = [r for part in q.verdict_rows(client.app.state.store.engine, Filters(), chunk=7)
            for r in part]  # fmt: skip
    total = client.get("/api/verdicts?limit=1").json()["total"]
    assert len(rows) == total > 7
    lines = client.get("/api/verdicts.csv").text.splitlines()
    assert len(lines) == total + 1 and lines[0].startswith("event_uid,agreement_id")
    gj = client.get("/api/verdicts.geojson").json()
    assert len(gj["features"]) == total
    empty = client.get("/api/verdicts.geojson?agreement=nope").json()
    assert empty == {"type": "FeatureCollection", "features": []}
    assert client.get("/api/verdicts.csv?agreement=nope").text.strip().count("\n") == 0


def test_map_cells_are_identical_on_both_stores(
    pg_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same data gives the same grid cells on SQLite and PostgreSQL (issue 11: a cell is
    floor((lon + 180) / size), where PostgreSQL's CAST would round). Not parametrised: it
    needs both stores at once."""
    from sqlalchemy import literal, select

    monkeypatch.setattr(q, "CLUSTER_THRESHOLD", 5)
    answers = []
    for db in (build(tmp_path / "cells.db"), build(pg_cluster.database())):
        app = create_app(db)
        with app.state.store.engine.connect() as conn:  # floor, never round (2.7 -> 2)
            floors = [
                conn.execute(select(q.floor_int(literal(x)))).scalar_one() for x in (2.7, 3.2)
            ]
            assert floors == [2, 3]
        with TestClient(app) as c:
            answers.append(
                [
                    c.get(f"/api/events.geojson?zoom={z}{extra}").json()
                    for z in (4, 8, 12)
                    for extra in ("", "&verdict=violation&verdict=possible_violation")
                ]
            )
        app.state.store.close()
    sqlite, postgresql = answers
    for a, b in zip(sqlite, postgresql, strict=True):
        assert a["clustered"] and b["clustered"]

        def cells(fc: dict[str, Any]) -> list[tuple[float, float, int]]:
            return sorted(
                (
                    round(f["geometry"]["coordinates"][0], 9),
                    round(f["geometry"]["coordinates"][1], 9),
                    f["properties"]["count"],
                )
                for f in fc["features"]
            )

        assert cells(a) == cells(b)
        assert sorted(f["properties"]["count"] for f in a["features"]) == sorted(
            f["properties"]["count"] for f in b["features"]
        )
