"""The dashboard's pages without a browser: each renders over the demo store, text from the URL
is escaped, filters round-trip through the URL, and every page carries its security headers."""

from __future__ import annotations

import html
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
def client(dashboard_demo_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(dashboard_demo_db)) as c:
        yield c


PAGES = [
    "/?verdict=violation",
    "/violations",
    "/violations?agreement=sochi-2018&verdict=violation&sort=probability&order=asc",
    "/agreements",
    "/agreements/moscow-2020",
    "/agreements/sochi-2018/held",
    "/rejects",
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
    assert link.startswith("/api/verdicts.csv?")
    pairs = parse_qsl(urlsplit(link).query)
    assert ("verdict", "violation") in pairs and ("verdict", "possible_violation") in pairs
    assert ("actor", "Hayat") in pairs and ("actor", "") not in pairs
    assert dict(pairs)["date_to"] == "2019-06-30"
    # and the API answers the same query (the names are the API's)
    api = client.get("/api/verdicts?" + urlsplit(link).query)
    assert api.status_code == 200, api.text


@pytest.mark.parametrize(
    "path",
    [
        "/violations?actor={h}&party={h}&event_type={h}&agreement={h}",
        "/agreements/{h}",
        "/agreements/{h}/held",
        "/events/{h}",
        "/login?next={h}",
    ],
)
def test_hostile_text_in_urls_is_escaped(client: TestClient, path: str) -> None:
    from urllib.parse import quote

    r = client.get(path.format(h=quote(HOSTILE, safe="")))
    assert r.status_code == 200
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


def test_pages_need_a_login_when_anonymous_reads_are_off(dashboard_demo_db: str) -> None:
    with TestClient(create_app(dashboard_demo_db, anonymous_read=False)) as c:
        r = c.get("/violations?verdict=violation", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=%2Fviolations%3Fverdict%3Dviolation"
        assert c.get("/login").status_code == 200


def test_a_monitor_gets_the_report_form_on_an_empty_store(tmp_path: Path) -> None:
    from ceasefire.store import workspace

    app = create_app(tmp_path / "empty.db")
    with TestClient(app) as c:
        workspace.add_user(app.state.store.engine, "mona", "monitor", "mona-password", actor=None)
        for path in PAGES:  # an empty store renders every page too
            assert c.get(path).status_code == 200, path
        login = {"username": "mona", "password": "mona-password", "next": "/report"}
        r = c.post("/login", data=login, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/report"
        page = c.get("/report")
        assert page.status_code == 200
        assert 'id="report"' in page.text and 'name="distance_band"' in page.text
        assert "mona (monitor)" in page.text
        assert 'href="/report"' in page.text  # the navigation offers the form to monitors
