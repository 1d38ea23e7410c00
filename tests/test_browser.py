"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright, against
``ceasefire serve`` (uvicorn) on a free loopback port over the demo store.

These tests fail, never skip, when Chromium cannot be launched: ``make test`` installs Debian's
``chromium`` first. Screenshots land in ``test-artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ceasefire.situation import render
from ceasefire.situation.render import CHROMIUM
from ceasefire.store import open_store
from ceasefire.store.workspace import DEMO_USERS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [*render.CHROMIUM_ARGS, "--disable-quic"]
#: The demo monitor ``ceasefire serve --demo-users`` creates (docs/web.md).
MONITOR = next((name, password) for name, role, password in DEMO_USERS if role == "monitor")
DASHBOARD = "/?verdict=violation&verdict=possible_violation&verdict=exempt&verdict=compliant"
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> shelling'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _add_hostile_reject(db: str, folder: Path) -> None:
    """Ingest an ACLED row whose date is markup, so the rejects page has something to escape."""
    sample = ROOT / "tests" / "data" / "sources" / "acled_2024_format.csv"
    header, row = sample.read_text(encoding="utf-8").splitlines()[:2]
    bad = folder / "hostile_acled.csv"
    fields = row.split(",")
    fields[0], fields[1] = "SYR_HOSTILE", '"' + HOSTILE.replace('"', '""') + '"'
    bad.write_text(header + "\n" + ",".join(fields) + "\n", encoding="utf-8")
    store = open_store(db)
    try:
        assert store.ingest("acled", bad).rejected == 1
    finally:
        store.close()


@contextmanager
def serve(db: Path | str, folder: Path | None = None) -> Iterator[str]:
    """``ceasefire serve --demo-users`` over the store at ``db`` (a path, or a PostgreSQL URL
    with a ``folder`` for the log); yields its base URL."""
    folder = folder or Path(db).parent
    port = _free_port()
    exe = Path(sys.executable).with_name("ceasefire")
    cmd = [str(exe), "serve", "--db", str(db), "--port", str(port), "--demo-users"]
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # the demo users' password hashing and startup
        while proc.poll() is None:
            try:
                if httpx.get(base + "/api/me", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("ceasefire serve did not answer within a minute")
            time.sleep(0.1)
        if proc.poll() is not None:
            raise AssertionError(f"ceasefire serve exited: {(folder / 'serve.log').read_text()}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def server(demo_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ceasefire serve --demo-users`` over the module's own copy of the demo store, SQLite
    then PostgreSQL (``demo_store``: every page test runs on both); yields its base URL."""
    folder = tmp_path_factory.mktemp("browser")
    _add_hostile_reject(demo_store, folder)
    with serve(demo_store, folder) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def allowed() -> list[str]:
    """Console messages a test provokes on purpose (a 422 or 404 it asks for)."""
    return []


@pytest.fixture
def page(browser: Browser, server: str, allowed: list[str]) -> Iterator[Page]:
    """A fresh browser context; JS errors, CSP violations and console errors fail the test,
    except those the test put in ``allowed``."""
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield pg
    context.close()
    left = [p for p in problems if not any(a in p for a in allowed)]
    assert not left, left


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _ready(page: Page) -> None:
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.wait_for_selector("#map[data-loaded='1']", timeout=60_000)
    page.wait_for_selector("#status[data-busy='0']:not([data-kind='busy'])")


def _counts(page: Page) -> dict[str, int]:
    data: dict[str, Any] = page.evaluate("({...document.body.dataset})")
    return {k: int(data[f"count{k.capitalize()}"]) for k in ("map", "timeline", "table")}


def _api_total(server: str, path: str, query: list[tuple[str, str]]) -> int:
    r = httpx.get(f"{server}/api/{path}?{urlencode(query)}", timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def _check_counts_against_api(page: Page, server: str) -> dict[str, int]:
    """Map, timeline and table show what the API counts for the filters in the page's URL."""
    counts = _counts(page)
    query = [(k, v) for k, v in parse_qsl(urlsplit(page.url).query) if k not in ("sort", "order")]
    bbox = page.get_attribute("#map", "data-bbox")
    assert bbox
    assert counts["map"] == _api_total(server, "events", [*query, ("bbox", bbox), ("limit", "1")])
    incidents = _api_total(server, "incidents", [*query, ("limit", "1")])  # one unit (issue 10)
    assert counts["table"] == incidents
    assert counts["timeline"] == incidents
    shown = page.locator("#count-table").inner_text().replace(",", "")
    assert int(shown) == counts["table"]
    return counts


def test_dashboard_loads_with_the_demo_data(page: Page, server: str) -> None:
    page.goto(DASHBOARD)
    _ready(page)
    counts = _counts(page)
    assert counts["map"] > 100 and counts["table"] > 1000
    rows = page.locator("#table tbody tr")
    assert rows.count() == 15
    assert page.locator("#timeline").bounding_box()["height"] > 100  # type: ignore[index]
    assert "in force" in page.locator("#marks").inner_text()
    _shot(page, "dashboard")


def test_map_shows_the_corridor_zones_and_events(page: Page) -> None:
    page.goto(DASHBOARD)
    _ready(page)
    corridor = page.locator("path[data-zone='m4-security-corridor']")
    assert corridor.count() == 1 and corridor.is_visible()
    for zone in ("idlib-de-escalation-area", "sochi-dmz", "m4-trumba-ain-al-havr"):
        assert page.locator(f"path[data-zone='{zone}']").count() == 1
    labels = page.locator(".map-label.zone").all_inner_texts()
    assert any("M4 security corridor" in t and "3" in t for t in labels)
    assert int(page.get_attribute("#map", "data-features") or 0) > 50
    assert page.locator(".map-label.gov, .map-label.dist").count() > 3  # offline basemap labels
    _shot(page, "map")


def test_a_filter_changes_map_timeline_and_table_consistently(page: Page, server: str) -> None:
    page.goto(DASHBOARD + "&agreement=sochi-2018")
    _ready(page)
    before = _check_counts_against_api(page, server)
    page.select_option("#f-event_type", "Battles")
    page.click("#apply")
    page.wait_for_url("**event_type=Battles**")
    _ready(page)
    after = _check_counts_against_api(page, server)
    assert 0 < after["table"] < before["table"] and after["map"] < before["map"]
    # brushing the middle of the timeline puts a date range in the URL, and everything follows
    page.locator("#timeline").scroll_into_view_if_needed()
    box = page.locator("#timeline").bounding_box()
    assert box
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.up()
    page.wait_for_url("**date_from=**")
    page.wait_for_selector("body[data-ready='1']")
    _ready(page)
    brushed = _check_counts_against_api(page, server)
    assert brushed["table"] < after["table"]
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query["date_from"] < query["date_to"] and query["event_type"] == "Battles"
    assert page.input_value("#f-date_from") == query["date_from"]
    _shot(page, "dashboard-filtered")


def test_a_monitor_reports_and_sees_it_on_the_map(page: Page, server: str) -> None:
    page.goto("/report")
    page.wait_for_url("**/login?next=/report")
    page.fill("input[name=username]", MONITOR[0])
    page.fill("input[name=password]", MONITOR[1])
    page.click("#login button[type=submit]")
    page.wait_for_url("**/report")
    assert "monitor" in page.locator("#who").inner_text()
    # Ariha on the M4, two days after the Moscow protocol took effect
    page.fill("#r-observed_at", "2020-03-08T09:15")
    page.fill("#r-lat", "35.8128")
    page.fill("#r-lon", "36.6095")
    page.select_option("#r-event_type", "Explosions/Remote violence")
    page.fill("#r-bearing", "90")
    page.select_option("#r-band", "1-3km")
    page.fill("#r-fatalities", "2")
    page.fill("#r-actor1", "Military Forces of Syria (2000-)")
    page.fill("#r-text", HOSTILE)
    _shot(page, "report-form")
    page.click("#r-submit")
    done = page.wait_for_selector("#report-result p.ok", timeout=60_000)
    uid = done.get_attribute("data-event")
    assert uid and uid.startswith("field_report:")
    detail = httpx.get(f"{server}/api/events/{uid}", timeout=30).json()
    shown = page.locator("#report-result .badge").all_inner_texts()
    assert shown == [v["verdict"].replace("_", " ") for v in detail["verdicts"]]
    _shot(page, "report-submitted")

    # on the dashboard, filtered to field reports, the report is on the map with its verdict
    page.goto("/?source=field_report&date_from=2020-03-08&date_to=2020-03-08")
    _ready(page)
    assert _counts(page)["map"] == 1
    est = detail["event"]
    page.evaluate(
        "([lat, lon]) => { document.getElementById('map').dataset.loaded = '0';"
        " window.CFDashboard.map.setView([lat, lon], 12, { animate: false }); }",
        [est["latitude"], est["longitude"]],
    )
    page.wait_for_selector("#map[data-loaded='1']")
    # the view the test clicks in is the one the markers were drawn for: single events, zoom 12
    assert page.evaluate("window.CFDashboard.map.getZoom()") == 12
    assert page.get_attribute("#map", "data-clustered") == "0"
    assert _counts(page)["map"] == 1
    point = page.evaluate(
        "([lat, lon]) => window.CFDashboard.map.latLngToContainerPoint([lat, lon])",
        [est["latitude"], est["longitude"]],
    )
    map_box = page.locator("#map").bounding_box()
    assert map_box
    page.mouse.click(map_box["x"] + point["x"], map_box["y"] + point["y"])
    popup = page.wait_for_selector(f".event-popup[data-uid='{uid}']", timeout=30_000)
    badges = page.locator(".event-popup .badge").all_inner_texts()
    assert badges == [v["verdict"].replace("_", " ") for v in detail["verdicts"]]
    assert "violation" in badges
    assert HOSTILE in popup.inner_text()  # shown as text, not run
    _shot(page, "report-on-map")

    # the event page shows the report's text inert
    page.goto(f"/events/{uid}")
    page.wait_for_selector("#evidence .quote")
    assert HOSTILE in page.locator("#evidence").inner_text()
    assert page.locator("#evidence img, #evidence script").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    _shot(page, "event-page")


def test_hostile_filter_text_stays_inert(page: Page) -> None:
    page.goto("/violations?" + urlencode({"actor": HOSTILE, "verdict": "violation"}))
    page.wait_for_selector("#status[data-busy='0']:not([data-kind='busy'])")
    assert page.locator("#count-table").inner_text() != "…"
    assert page.input_value("#f-actor") == HOSTILE
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("#filters img").count() == 0


@pytest.mark.parametrize(
    ("path", "ready", "name"),
    [
        ("/agreements", "#agreements tbody tr[data-id]", "agreements"),
        ("/agreements/moscow-2020", "#map[data-zones]", "agreement"),
        ("/agreements/sochi-2018/held", "#totals tbody tr", "held"),
        (
            "/violations?verdict=violation&sort=fatalities&order=desc",
            "#table tbody tr",
            "violations",
        ),
        ("/rejects", "#rejects tbody tr", "rejects"),
        ("/patrols", "#no-patrols", "patrols-empty"),
        ("/login", "#login", "login"),
    ],
)
def test_other_pages_render_in_the_browser(page: Page, path: str, ready: str, name: str) -> None:
    page.goto(path)
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_selector("#status[data-busy='0']:not([data-kind='busy'])")
    if name == "agreement":
        assert page.locator("#provisions li").count() >= 3
        assert "security corridor" in page.locator("#yaml").inner_text().lower()
        assert page.locator("path[data-zone='m4-security-corridor']").count() == 1
        link = page.locator("#sources a").first
        assert link.get_attribute("href") == "https://www.peaceagreements.org/view/2273"
    if name == "held":
        assert page.locator("#zone-charts canvas").count() >= 1
    if name == "rejects":
        cells = page.locator("#rejects tbody td").all_inner_texts()
        assert cells[1].endswith("hostile_acled.csv") and cells[4] == HOSTILE  # shown as text
        assert page.locator("#rejects img, #rejects script").count() == 0
        assert page.evaluate("window.__pwned === undefined")
    if name == "patrols-empty":  # the demo has no patrol records: the page says how to add them
        assert "ceasefire patrols import" in page.locator("#no-patrols").inner_text()
        assert page.locator("#coverage-strips").count() == 0
    _shot(page, name)


def test_many_events_arrive_as_server_cells_that_add_up(page: Page, server: str) -> None:
    everything = DASHBOARD + "&verdict=outside"
    page.goto(everything)
    _ready(page)
    assert page.get_attribute("#map", "data-clustered") == "1"
    cells = [int(t.replace(",", "")) for t in page.locator(".map-label.count").all_inner_texts()]
    assert len(cells) == int(page.get_attribute("#map", "data-features") or 0) > 10
    assert sum(cells) == _counts(page)["map"]
    _check_counts_against_api(page, server)
    _shot(page, "dashboard-cells")


def test_an_analyst_disputes_a_verdict(page: Page, server: str) -> None:
    row = httpx.get(f"{server}/api/verdicts?verdict=violation&limit=1", timeout=30).json()
    target = row["items"][0]
    page.goto(f"/login?next=/events/{target['event_uid']}")
    analyst = next((n, p) for n, role, p in DEMO_USERS if role == "analyst")
    page.fill("input[name=username]", analyst[0])
    page.fill("input[name=password]", analyst[1])
    page.click("#login button[type=submit]")
    page.wait_for_selector("#review-target option", state="attached")
    label = f"{target['agreement_id']} / {target['provision_id']} (violation)"
    page.select_option("#review-target", label=label)
    page.select_option("#review select[name=status]", "disputed")
    note = "<b>not</b> their unit"
    page.fill("#review textarea[name=note]", note)
    page.click("#review button[type=submit]")
    page.wait_for_selector("#reviews tbody tr")
    cells = page.locator("#reviews tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:] == [
        analyst[0],
        target["agreement_id"],
        target["provision_id"],
        "disputed",
        note,
    ]
    reviews = httpx.get(f"{server}/api/events/{target['event_uid']}", timeout=30).json()["reviews"]
    assert [(r["status"], r["note"]) for r in reviews] == [("disputed", note)]
    _shot(page, "event-reviewed")


#: Every page a mission might print, each as a reader opens it.
PRINTED = (
    DASHBOARD,
    "/violations",
    "/reviews",
    "/agreements",
    "/agreements/sochi-2018",
    "/agreements/sochi-2018/held",
    "/events/ucdp_ged:301688",
    "/rejects",
    "/patrols",
)


def test_every_page_prints_as_a_record_without_its_controls(page: Page) -> None:
    """Print styles (issue 12): on paper no navigation, buttons or map controls; the content,
    the filters as set and the colours that carry meaning stay; Chromium prints it to A4."""
    page.emulate_media(media="print")
    for path in PRINTED:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("header.top nav").is_hidden(), path
        assert page.locator("main").is_visible(), path
        assert page.locator("button:visible, .leaflet-control-zoom:visible").count() == 0, path
        adjust = page.evaluate("getComputedStyle(document.body).printColorAdjust")
        assert adjust == "exact", path
        assert page.pdf(format="A4").startswith(b"%PDF-"), path
    page.goto(DASHBOARD)
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)  # the status line is hidden
    page.wait_for_selector("#map[data-loaded='1']", state="attached", timeout=60_000)
    assert page.locator("#map").is_visible() and page.locator(".filters").is_visible()
    _shot(page, "dashboard-print")
