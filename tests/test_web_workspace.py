"""The workspace faults a new monitor found in a trial (issue 10), without a browser: unknown
query parameters refused by every API route, 404 pages for unknown ids, file names without the
server's directories for every role, the filter bar's pick-lists (``/api/facets``), the event
page's title and the patrols page's route in words. (The same in Chromium, and the rest of the
list: ``tests/test_browser_workspace.py``.)"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ceasefire.findings import Filters, Page
from ceasefire.store import read as q
from ceasefire.store import workspace
from ceasefire.web import create_app

ROOT = Path(__file__).resolve().parents[1]
ACLED = ROOT / "tests" / "data" / "sources" / "acled_2024_format.csv"
KNOWN_EVENT = "ucdp_ged:214797"


@pytest.fixture(scope="module")
def client(demo_store: str) -> Iterator[TestClient]:
    """Reads only, over the module's demo store (SQLite, then PostgreSQL)."""
    app = create_app(demo_store)
    with TestClient(app) as c:
        yield c
    app.state.store.close()


@pytest.fixture(scope="module")
def own(dashboard_demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A copy of the demo store with an admin (and its token) and one rejected row."""
    db = tmp_path_factory.mktemp("workspace") / "demo.db"
    shutil.copy(dashboard_demo_db, db)
    app = create_app(db)
    store = app.state.store
    bad = db.parent / "deep" / "dir" / "bad_acled.csv"
    bad.parent.mkdir(parents=True)
    header, row = ACLED.read_text(encoding="utf-8").splitlines()[:2]
    fields = row.split(",")
    fields[0], fields[1] = "SYR_BAD", "not a date"
    bad.write_text(header + "\n" + ",".join(fields) + "\n", encoding="utf-8")
    assert store.ingest("acled", bad).rejected == 1
    admin = workspace.add_user(store.engine, "ada", "admin", "a long password", actor=None)
    token = workspace.create_token(store.engine, admin)
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c
    store.close()


# ------------------------------------------------------------------------ unknown parameters


def test_the_issue_example_is_supported_and_a_bad_value_refused(client: TestClient) -> None:
    # review_status is a shared filter now (issue 10: review that counts); a value outside the
    # closed vocabulary answers 422 naming the field and the allowed values
    r = client.get("/api/verdicts", params={"review_status": "disputed", "verdict": "violation"})
    assert r.status_code == 200 and r.json()["total"] == 0
    r = client.get("/api/verdicts", params={"review_status": "argued", "verdict": "violation"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["field"] == "review_status"
    assert "unreviewed, confirmed, disputed, overruled, needs_info ('argued')" in err["message"]
    r = client.get("/api/verdicts", params={"reviewstatus": "disputed"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "reviewstatus"
    assert "(it takes: actor, agreement, bbox, date_from, date_to, event_type" in r.text


def test_every_get_route_refuses_a_parameter_it_does_not_take(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    plain = [p for p, ops in paths.items() if "get" in ops and "{" not in p]
    assert {"/api/verdicts", "/api/events", "/api/aggregates", "/api/patrols"} <= set(plain)
    for path in plain:
        r = client.get(path, params={"no_such_filter": "1"})
        assert r.status_code == 422, path
        assert r.json()["error"]["field"] == "no_such_filter", path
    r = client.get(f"/api/events/{KNOWN_EVENT}", params={"verbose": "1"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "verbose"
    # two unknown ones are both named
    r = client.get("/api/events", params={"a": "1", "b": "2"})
    assert r.json()["error"]["message"].startswith("a, b: not a parameter of /api/events")


def test_the_parameters_the_pages_send_are_taken(client: TestClient) -> None:
    filters = [
        ("agreement", "sochi-2018"),
        ("provision", "dmz"),
        ("verdict", "violation"),
        ("verdict", "possible_violation"),
        ("party", "turkey"),
        ("actor", "Syria"),
        ("event_type", "Battles"),
        ("source", "ucdp_ged"),
        ("date_from", "2019-01-01"),
        ("date_to", "2019-06-30"),
    ]
    sent = {  # what static/js sends (map.js, timeline.js, table.js, dashboard.js, rejects.js)
        "/api/events.geojson": [*filters, ("bbox", "35,34,38,37"), ("zoom", "9")],
        "/api/aggregates": [*filters, ("by", "day")],
        "/api/verdicts": [*filters, ("limit", "15"), ("sort", "fatalities"), ("order", "desc")],
        "/api/verdicts.csv": [*filters, ("sort", "event_date"), ("order", "asc")],
        "/api/events": [*filters, ("bbox", "35,34,38,37"), ("limit", "1")],
        "/api/patrols.geojson": [("date_from", "2019-01-01"), ("date_to", "2019-06-30")],
        "/api/patrols/findings": [],
        "/api/rejects": [("limit", "100"), ("offset", "0")],
        "/api/facets": [],
        "/api/agreements/sochi-2018/held": [],
    }
    for path, params in sent.items():
        assert client.get(path, params=params).status_code == 200, path


# ------------------------------------------------------------------------ 404 pages


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/events/ucdp_ged:0", "no event 'ucdp_ged:0'"),
        ("/agreements/no-such", "no agreement 'no-such'"),
        ("/agreements/no-such/held", "no agreement 'no-such'"),
        ("/patrols?agreement=no-such", "no agreement 'no-such'"),
    ],
)
def test_unknown_ids_answer_a_404_page(client: TestClient, path: str, named: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in r.headers
    assert 'id="not-found"' in r.text and named in html.unescape(r.text)


@pytest.mark.parametrize(
    "path",
    [
        f"/events/{KNOWN_EVENT}",
        "/agreements/sochi-2018",
        "/agreements/moscow-2020/held",
        "/patrols?agreement=sochi-2018",
    ],
)
def test_known_ids_still_answer_200(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and 'id="not-found"' not in r.text


# ------------------------------------------------------------------------ file names only


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_files_are_named_without_the_server_directories(
    client: TestClient, own: TestClient, who: str
) -> None:
    c = client if who == "anonymous" else own
    d = c.get(f"/api/events/{KNOWN_EVENT}").json()
    assert d["event"]["source_file"] == "ged_syria_2016-01_2019-11.csv.gz"
    assert d["evidence"][0]["file"] == "ged_syria_2016-01_2019-11.csv.gz"
    assert str(ROOT) not in c.get(f"/api/events/{KNOWN_EVENT}").text
    if who == "admin":
        rejects = own.get("/api/rejects").json()["items"]
        assert [r["file"] for r in rejects] == ["bad_acled.csv"]
        assert "deep/dir" not in own.get("/api/rejects").text


def test_file_name_drops_directories_and_keeps_urls() -> None:
    assert q.file_name("/srv/x/ucdp.csv") == "ucdp.csv"
    assert q.file_name("C:\\data\\acled.csv") == "acled.csv"
    assert q.file_name("https://news.example/a/b.html") == "https://news.example/a/b.html"
    assert q.file_name("plain.csv") == "plain.csv"


# ------------------------------------------------------------------------ pick-lists


def test_facets_offer_what_the_filters_can_take(client: TestClient) -> None:
    f = client.get("/api/facets").json()
    provisions = {(p["agreement_id"], p["id"]) for p in f["provisions"]}
    assert {("sochi-2018", "dmz"), ("moscow-2020", "m4-security-corridor")} <= provisions
    assert all(p["description"] for p in f["provisions"])
    parties = {p["id"]: p for p in f["parties"]}
    assert {"russia", "turkey", "unattributed"} <= set(parties)
    assert parties["russia"]["name"] == "Russian Federation"
    assert parties["russia"]["agreements"] == ["moscow-2020", "sochi-2018"]
    assert parties["unattributed"]["agreements"] == []
    # the counts are those of the table's filters
    for party in ("russia", "unattributed"):
        total = client.get("/api/verdicts", params={"party": party, "limit": 1}).json()["total"]
        assert parties[party]["verdicts"] == total
    counts = [a["events"] for a in f["actors"]]
    assert counts == sorted(counts, reverse=True) and len(counts) <= q.MAX_ACTORS
    top = f["actors"][0]
    assert (
        client.get("/api/events", params={"actor": top["name"], "limit": 1}).json()["total"]
        >= top["events"]
    )
    assert [s["id"] for s in f["sources"]] == ["ucdp_ged"]


def test_the_filter_bar_renders_pick_lists_keeping_the_url_values(client: TestClient) -> None:
    page = client.get("/violations?provision=dmz&party=turkey&actor=Syria").text
    form = page.split('<form id="filters"', 1)[1].split("</form>", 1)[0]
    assert '<select name="provision" id="f-provision">' in form
    assert '<option value="dmz" selected>dmz</option>' in form
    assert '<select name="party" id="f-party">' in form
    assert '<option value="turkey" selected>turkey</option>' in form
    assert 'list="f-actors" value="Syria"' in form and '<datalist id="f-actors">' in form


# ------------------------------------------------------------------------ event and patrols pages


def test_the_event_page_is_titled_by_day_type_and_place(client: TestClient) -> None:
    text = client.get(f"/events/{KNOWN_EVENT}").text
    title = "2016-01-01 · Armed clash · Teir Maaleh village"
    assert f"<title>{title} · ceasefire</title>" in text
    assert f'<h1 id="title">{title}</h1>' in text
    assert f'<code id="uid">{KNOWN_EVENT}</code>' in text
    # the verdicts come before what happened and its evidence; the status is not preselected
    assert text.index('id="verdicts"') < text.index('id="facts"') < text.index('id="evidence"')


def test_the_sochi_patrols_page_describes_its_own_route(client: TestClient) -> None:
    text = html.unescape(client.get("/patrols?agreement=sochi-2018").text)
    words = text.split('id="route-words">', 1)[1].split("</p>", 1)[0]
    assert "A loop of 753.9 km (the zone's boundary)" in words
    assert "(km 0, east)" not in words and "Nayrab (km 0" not in words
    places = client.get("/api/patrols/coverage", params={"agreement": "sochi-2018"}).json()
    for p in places["route"]["places"]:
        assert f"{p['name']} (km {p['km']:.1f})" in words
    m4 = html.unescape(client.get("/patrols").text)
    assert "60.0 km from Trumba (km 0, the east end) to Ain al-Havr (km 60.0, the west end)" in m4


def test_last_event_day_is_where_the_evidence_ends(client: TestClient) -> None:
    engine = client.app.state.store.engine  # type: ignore[attr-defined]
    page = q.events_page(engine, Filters(), Page(limit=1, sort="event_date", order="desc"))
    assert q.last_event_day(engine) == page["items"][0]["event_date"]
