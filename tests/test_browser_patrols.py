"""Patrols in a real browser: the sample tracks (``tests/data/patrols``, synthetic) imported into
a test store, the dashboard map's patrol layer and the ``/patrols`` page with its coverage strips.

The browser, the page fixture (JS errors and CSP violations fail a test) and the server helper
are those of ``tests/test_browser.py``; screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page
from test_browser import MONITOR, _shot, allowed, browser, page, serve

from ceasefire import monitoring
from ceasefire.store import open_store

__all__ = ["allowed", "browser", "page"]  # fixtures, used by name

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "patrols"


@pytest.fixture(scope="module")
def server(
    new_store: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``ceasefire serve`` over a store holding the bundled agreements and zones, the sample
    tracks and plan, and the moscow-2020 evaluation (so the obligation has its weeks): SQLite,
    then PostgreSQL."""
    folder = tmp_path_factory.mktemp("browser-patrols")
    db = new_store("patrols")
    store = open_store(db)
    try:
        monitoring.seed_bundled(store)
        # the GPX says nothing of its parties, and none are given: not a joint patrol, so the
        # first week falls short
        monitoring.import_patrols(store, [DATA / "2020-03-15-joint-cut-short.gpx"])
        monitoring.import_patrols(
            store,
            [DATA / "2020-03-23-turkey-alone.geojson", DATA / "2020-03-26-joint-full.geojson"],
        )
        monitoring.import_patrols(
            store, [DATA / "2020-04-02-plan.geojson"], monitoring.PatrolImportOptions(planned=True)
        )
        monitoring.evaluate_store(store, ["moscow-2020"])
    finally:
        store.close()
    with serve(db, folder) as base:
        yield base


def test_the_map_shows_patrol_tracks_and_the_page_the_coverage_strips(
    page: Page, server: str
) -> None:
    api = httpx.get(server + "/api/patrols.geojson").json()
    assert len(api["features"]) == 4
    page.goto("/?verdict=violation")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.wait_for_selector("#map[data-patrols='4']", timeout=60_000)
    # every track is an SVG path on the map, coloured by status; the plan dashed
    assert page.locator("path.patrol-track").count() == 4
    cut = page.locator("path.status-cut_short")
    assert cut.count() == 1 and cut.get_attribute("stroke") == "#ef6c00"
    plan = page.locator("path.status-planned")
    assert plan.get_attribute("stroke-dasharray") == "8 6"
    assert page.locator("#count-patrols").text_content() == "4"
    # the turning point of the cut-short patrol, with its km and place
    turn = page.locator(".map-label.turn span")
    assert turn.count() == 1 and turn.text_content() == "turned back km 5.2 · Nayrab"
    # the joint-patrol weeks that fell short, above the timeline
    alert = page.locator("#patrol-alert")
    alert.wait_for(state="visible")
    assert "week 2020-03-15 to 2020-03-21: 0 joint patrol(s), expected 1; 1 patrol(s)" in (
        alert.text_content() or ""
    )
    page.evaluate(  # Trumba to Ariha, not animated, so the picture shows the final view
        "window.CFDashboard.map.setView([35.865, 36.62], 11, { animate: false })"
    )
    _shot(page, "patrols-dashboard")
    # the legend's toggle hides and shows the layer
    page.uncheck("#show-patrols")
    assert page.locator("path.patrol-track").count() == 0
    page.check("#show-patrols")
    assert page.locator("path.patrol-track").count() == 4
    # a click on the turning point opens the patrol's popup with the inferred status's reason
    page.locator("path.patrol-turn").click()
    popup = page.locator(".patrol-popup").first
    popup.wait_for()
    assert "54.8 km short of Ain al-Havr" in (popup.text_content() or "")

    page.click("header nav a[href='/patrols']")
    page.wait_for_url("**/patrols")
    page.wait_for_selector("body[data-ready='1']")
    weeks = page.locator("#coverage-strips g.week")
    assert weeks.count() == 2
    first = page.locator("#coverage-strips g.week[data-period='2020-03-15']")
    assert first.get_attribute("data-share") == "0.087"
    assert first.locator("rect.covered").count() == 1
    assert first.locator("text.gap-label").text_content() == "km 5.2-60.0 Nayrab - Ain al-Havr"
    box = first.locator("rect.covered").bounding_box()
    bar = first.locator("rect.bar").bounding_box()
    assert box and bar and 0.07 < box["width"] / bar["width"] < 0.1  # 5.2 of 60 km, drawn
    assert page.locator("#patrol-list tbody tr").count() == 4
    assert page.locator("#findings tr.o-unmet").count() >= 2
    _shot(page, "patrols-page")


@pytest.fixture
def upload_page(browser: Browser, server: str) -> Iterator[Page]:
    """Like ``page``, but the one answer the test provokes on purpose (a 422 for a bad track,
    which Chromium logs as a failed resource) is allowed; anything else still fails."""
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    problems: list[str] = []
    expected = "status of 422 (Unprocessable Entity)"
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and expected not in m.text
            else None
        ),
    )
    yield pg
    context.close()
    assert not problems, problems


def test_a_monitor_uploads_a_bad_track_and_reads_why(upload_page: Page) -> None:
    page = upload_page
    page.goto("/login?next=/patrols")
    page.fill("input[name=username]", MONITOR[0])
    page.fill("input[name=password]", MONITOR[1])
    page.click("#login button[type=submit]")
    page.wait_for_url("**/patrols")
    page.set_input_files("#patrol-upload input[name=file]", str(DATA / "bad" / "jump.gpx"))
    page.click("#patrol-upload button[type=submit]")
    error = page.locator("#upload-result .error")
    error.wait_for()
    assert "jump.gpx#trk 0: point 4 position: jump of 8232 km/h" in (error.text_content() or "")
    assert "point 4" in (page.locator("#upload-result .muted").text_content() or "")
    # and a good one: stored, its status inferred (it has no status and no plan for its day)
    page.set_input_files("#patrol-upload input[name=file]", str(DATA / "bad" / "out-of-order.gpx"))
    page.check("#patrol-upload input[name=repair]")
    page.click("#patrol-upload button[type=submit]")
    ok = page.locator("#upload-result .ok")
    ok.wait_for()
    assert "1 patrol(s) stored" in (ok.text_content() or "")
    assert "repaired" in (page.locator("#upload-result").text_content() or "")
