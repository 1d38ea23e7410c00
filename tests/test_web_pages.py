"""The dashboard's pages without a browser: each renders over the demo store, text from the URL
is escaped, filters round-trip through the URL, and every page carries its security headers."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from ceasefire.web import create_app
from ceasefire.web.pages import DEFAULT_VERDICTS, TEMPLATES

STATIC = TEMPLATES.parent / "static"
#: Markup that would run if echoed raw (no "/" in it, so it also fits in one path segment).
HOSTILE = "\"'><svg onload=alert(1)><script>window.__pwned=1"


@pytest.fixture(scope="module")
def client(demo_store: str) -> Iterator[TestClient]:
    app = create_app(demo_store)  # SQLite, then PostgreSQL
    with TestClient(app) as c:
        yield c
    app.state.store.close()


PAGES = [
    "/?verdict=violation",
    "/violations",
    "/violations?agreement=sochi-2018&verdict=violation&sort=probability&order=asc",
    "/agreements",
    "/agreements/moscow-2020",
    "/agreements/sochi-2018/held",
    "/rejects",
    "/patrols",
    "/login",
    "/events/ucdp_ged:214797",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_its_scripts_and_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "<script>" not in r.text  # no inline script anywhere: every script is a file
    for src in re.findall(r'<script src="([^"]+)"', r.text):
        asset = client.get(src)
        assert asset.status_code == 200, src
    assert "/static/vendor/leaflet/leaflet.js" in r.text


def test_bare_dashboard_redirects_to_a_url_that_states_its_filters(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303
    query = parse_qsl(urlsplit(r.headers["location"]).query)
    assert query == [("verdict", v) for v in DEFAULT_VERDICTS]
    # issue 10: violations and possible violations only, never exempt/compliant/outside
    assert DEFAULT_VERDICTS == ("violation", "possible_violation")


def test_filters_round_trip_through_the_url(client: TestClient) -> None:
    url = (
        "/violations?agreement=sochi-2018&provision=dmz&verdict=violation&verdict=possible_violation"
        "&party=russia&actor=Hayat&event_type=Battles&source=ucdp_ged&date_from=2019-01-01"
        "&date_to=2019-06-30&sort=probability&order=asc&actor="
    )
    page = client.get(url).text
    form = page.split('<form id="filters"', 1)[1].split("</form>", 1)[0]
    assert 'value="dmz"' in form and 'value="russia"' in form and 'value="Hayat"' in form
    assert 'value="2019-01-01"' in form and 'value="2019-06-30"' in form
    checked = re.findall(r'name="verdict" value="(\w+)" checked', form)
    assert checked == ["violation", "possible_violation"]
    assert re.search(r"<option selected>Battles</option>", form)
    # the export links carry exactly the filters in the URL (the empty actor= is dropped)
    link = html.unescape(re.search(r'id="export-csv" href="([^"]+)"', page).group(1))
    assert link.startswith("/api/incidents.csv?")  # incidents: the default unit (issue 10)
    pairs = parse_qsl(urlsplit(link).query)
    assert ("verdict", "violation") in pairs and ("verdict", "possible_violation") in pairs
    assert ("actor", "Hayat") in pairs and ("actor", "") not in pairs
    assert dict(pairs)["date_to"] == "2019-06-30"
    # and the API answers the same query (the names are the API's)
    for path in ("/api/verdicts?", "/api/incidents?", "/api/incidents.csv?"):
        api = client.get(path + urlsplit(link).query)
        assert api.status_code == 200, api.text


@pytest.mark.parametrize(
    "path",
    [
        "/violations?actor={h}&party={h}&event_type={h}&agreement={h}",
        "/agreements/{h}",
        "/agreements/{h}/held",
        "/events/{h}",
        "/login?next={h}",
        "/patrols?agreement={h}",
    ],
)
def test_hostile_text_in_urls_is_escaped(client: TestClient, path: str) -> None:
    from urllib.parse import quote

    r = client.get(path.format(h=quote(HOSTILE, safe="")))
    # no agreement or event has that id: a 404 page that names it, escaped
    assert r.status_code == (200 if path.startswith(("/violations", "/login")) else 404)
    assert HOSTILE not in r.text
    assert "<script>window.__pwned" not in r.text
    assert "<svg onload" not in r.text
    if "/login" not in path:
        assert "&lt;svg onload=alert(1)&gt;&lt;script&gt;window.__pwned=1" in r.text


def test_login_next_is_kept_only_when_it_is_a_local_path(client: TestClient) -> None:
    kept = client.get("/login?next=/violations").text
    assert 'name="next" value="/violations"' in kept
    dropped = client.get("/login?next=//evil.example/x").text
    assert 'name="next" value="/"' in dropped
    assert "Wrong user name" in client.get("/login?error=1").text


def test_report_form_needs_a_signed_in_user(client: TestClient) -> None:
    r = client.get("/report", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/report")


def test_tiles_stay_off_unless_configured(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.get("/?verdict=violation")
    assert 'data-tile-url=""' in page.text
    assert "img-src 'self' data:;" in page.headers["content-security-policy"] + ";"
    monkeypatch.setenv("CEASEFIRE_TILE_URL", "https://tiles.example.org/{z}/{x}/{y}.png")
    page = client.get("/?verdict=violation")
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page.text
    assert (
        "img-src 'self' data: https://tiles.example.org" in page.headers["content-security-policy"]
    )


def test_page_scripts_never_write_html_from_data() -> None:
    """Text from articles and reports reaches the DOM through textContent only."""
    for js in sorted((STATIC / "js").glob("*.js")):
        code = js.read_text(encoding="utf-8")
        assert not re.search(
            r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", code
        ), js
        # Leaflet treats string popup/tooltip/divIcon content as HTML: ours are elements
        assert not re.search(r"bind(Popup|Tooltip)\(\s*['\"`]", code), js
        assert not re.search(r"html:\s*['\"`]", code), js
        # links from data go through safeUrl (no javascript: URLs)
        assert not re.search(r"href: (x|src)\.url", code), js


def test_vendored_assets_are_present_with_licences() -> None:
    vendor = STATIC / "vendor"
    sources = (vendor / "SOURCES.md").read_text(encoding="utf-8")
    for name, licence in [
        ("leaflet/leaflet.js", "leaflet/LICENSE"),
        ("chartjs/chart.umd.min.js", "chartjs/LICENSE.md"),
    ]:
        assert (vendor / name).stat().st_size > 50_000
        assert (vendor / licence).exists()
    assert "1.9.4" in sources and "4.6.1" in sources
    for level in (1, 2):
        basemap = Path(STATIC / "basemap" / f"admin{level}.geojson")
        assert basemap.stat().st_size < 300_000


def test_pages_need_a_login_when_anonymous_reads_are_off(demo_store: str) -> None:
    app = create_app(demo_store, anonymous_read=False)
    with TestClient(app) as c:
        r = c.get("/violations?verdict=violation", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=%2Fviolations%3Fverdict%3Dviolation"
        assert c.get("/login").status_code == 200
    app.state.store.close()


def test_a_monitor_gets_the_report_form_on_an_empty_store(tmp_path: Path) -> None:
    from ceasefire.store import workspace

    app = create_app(tmp_path / "empty.db")
    with TestClient(app) as c:
        workspace.add_user(app.state.store.engine, "mona", "monitor", "mona-password", actor=None)
        for path in PAGES:  # an empty store renders every page too (its events: none, 404)
            assert c.get(path).status_code == (404 if "/events/" in path else 200), path
        login = {"username": "mona", "password": "mona-password", "next": "/report"}
        r = c.post("/login", data=login, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/report"
        page = c.get("/report")
        assert page.status_code == 200
        assert 'id="report"' in page.text and 'name="distance_band"' in page.text
        assert "mona (monitor)" in page.text
        assert 'href="/report"' in page.text  # the navigation offers the form to monitors


# --------------------------------------------------------------------------------- patrols

PATROL_DATA = Path(__file__).parent / "data" / "patrols"


def test_patrols_page_on_the_demo_says_there_are_no_records_and_how_to_import(
    client: TestClient,
) -> None:
    page = client.get("/patrols")
    assert page.status_code == 200
    assert 'href="/patrols" aria-current="page"' in page.text  # in the header navigation
    assert "No patrol records in this store" in page.text
    assert "ceasefire patrols import --parties russia,turkey FILE.gpx" in page.text
    assert "POST /api/patrols" in page.text
    assert 'id="coverage-strips"' not in page.text and 'id="patrol-list"' not in page.text
    assert 'href="/patrols"' in client.get("/violations").text


def test_patrols_page_draws_weekly_strips_the_list_and_findings(tmp_path: Path) -> None:
    from ceasefire import monitoring

    hostile = tmp_path / "hostile.geojson"
    feature = json.loads((PATROL_DATA / "2020-03-26-joint-full.geojson").read_text())
    feature["properties"] |= {"notes": HOSTILE, "parties": "russia," + HOSTILE}
    hostile.write_text(json.dumps(feature))
    app = create_app(tmp_path / "p.db")
    store = app.state.store
    monitoring.seed_bundled(store)
    monitoring.import_patrols(
        store,
        [PATROL_DATA / "2020-03-15-joint-cut-short.gpx"],
        monitoring.PatrolImportOptions(parties="russia,turkey"),
    )
    monitoring.import_patrols(store, [PATROL_DATA / "2020-03-23-turkey-alone.geojson", hostile])
    monitoring.evaluate_store(store, ["moscow-2020"])
    with TestClient(app) as c:
        page = c.get("/patrols")
    assert page.status_code == 200
    text = page.text
    assert "No patrol records" not in text
    # the strips: a row per week from 15 March, km 0..60 as a bar, the gap named by its places
    weeks = re.findall(
        r'<g class="week( partial)?" data-period="([0-9-]+)" data-share="([0-9.]+)"', text
    )
    # the records end on 26 March: the second week is partial, and says so
    assert weeks == [("", "2020-03-15", "0.087"), (" partial", "2020-03-22", "0.999")]
    assert "(partial week: the evidence ends 2020-03-26)" in text
    assert "km 5.2-60.0 Nayrab - Ain al-Havr" in text
    assert re.search(r'<rect class="covered" x="170(\.0)?" y="2" width="55\.[0-9]"', text)
    assert ">Jisr al-Shughur</text>" in text  # a place tick above the strips
    # the patrols: the cut-short one with its inferred status and turning point
    assert "turned back at km 5.2 (Nayrab), 54.8 km short of Ain al-Havr" in text
    assert "<td>km 5.2 (Nayrab)</td>" in text
    # the obligation's findings: the summary is met here (a joint patrol each week)
    assert 'id="findings"' in text and "m4-joint-patrols" in text
    # hostile notes and parties from a file are text, not markup
    assert HOSTILE not in text and "<svg onload" not in text and "<script>window" not in text
    assert "&lt;svg onload=alert(1)&gt;&lt;script&gt;window.__pwned=1" in text
    assert "<script>" not in text
    store.close()


def test_patrols_page_lists_unmet_weeks_and_offers_monitors_the_upload(tmp_path: Path) -> None:
    from ceasefire import monitoring
    from ceasefire.store import workspace

    app = create_app(tmp_path / "u.db")
    store = app.state.store
    monitoring.seed_bundled(store)
    monitoring.import_patrols(store, [PATROL_DATA / "2020-03-23-turkey-alone.geojson"])
    monitoring.evaluate_store(store, ["moscow-2020"])
    workspace.add_user(store.engine, "mona", "monitor", "mona-password", actor=None)
    with TestClient(app) as c:
        anonymous = c.get("/patrols").text
        assert 'id="unmet-weeks"' in anonymous
        # the evidence ends with the Turkish patrol of 23 March: one whole week, unmet
        assert "week 2020-03-15 to 2020-03-21: 0 joint patrol(s), expected 1" in anonymous
        assert "<td>turkey</td><td>no</td>" in anonymous  # one party alone is not joint
        assert 'id="patrol-upload"' not in anonymous
        login = {"username": "mona", "password": "mona-password", "next": "/patrols"}
        c.post("/login", data=login, follow_redirects=False)
        assert 'id="patrol-upload"' in c.get("/patrols").text
    store.close()


def test_the_report_form_fills_in_the_devices_own_offset(tmp_path: Path) -> None:
    """No fixed +02:00 (Syria is +03:00 since 2022): the form's script fills the offset from
    the browser's own zone for the time entered; the field stays editable and the form says
    the offset matters. Event types and distance bands come from the one list each."""
    from ceasefire.events import ACLED_EVENT_TYPES
    from ceasefire.field_reports import BANDS
    from ceasefire.store import workspace

    app = create_app(tmp_path / "form.db")
    with TestClient(app) as c:
        workspace.add_user(app.state.store.engine, "mona", "monitor", "mona-password", actor=None)
        login = {"username": "mona", "password": "mona-password", "next": "/report"}
        c.post("/login", data=login, follow_redirects=False)
        page = c.get("/report").text
    app.state.store.close()
    offset = re.search(r"<input[^>]*id=\"r-offset\"[^>]*>", page)
    assert offset is not None and "value=" not in offset.group(0)
    assert "readonly" not in offset.group(0) and "disabled" not in offset.group(0)
    assert "offset matters" in page
    assert "<script>" not in page  # scripts only by src (CSP script-src 'self')
    script = (STATIC / "js" / "report.js").read_text(encoding="utf-8")
    assert "getTimezoneOffset()" in script and "toISOString().slice" not in script
    options = re.findall(r"<option(?: selected)?>([^<]+)</option>", page)
    assert options == [html.escape(t) for t in (*ACLED_EVENT_TYPES, *BANDS)]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_loads_anything_from_another_host(client: TestClient, path: str) -> None:
    html = client.get(path).text
    loaded = re.findall(r'<(?:script|img|iframe)[^>]*\ssrc="([^"]*)"', html)
    loaded += re.findall(r'<link[^>]*\shref="([^"]*)"', html)
    assert loaded, "the checker sees nothing"
    assert [u for u in loaded if not u.startswith(("/", "data:"))] == []


def test_there_is_no_cdn_backed_api_docs_page(client: TestClient) -> None:
    # FastAPI's /docs pulls Swagger UI from a CDN: the workspace serves the JSON only
    assert client.get("/api/docs").status_code == 404
    assert client.get("/docs").status_code == 404
    assert client.get("/api/openapi.json").json()["info"]["title"] == "ceasefire"
