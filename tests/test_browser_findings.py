"""Findings a mission can publish (issue 10), in Debian's headless Chromium against
``ceasefire serve`` over a copy of the demo store: the dashboard shows the same figures as
``/api/findings`` (and so as ``ceasefire findings``, see ``test_findings_surfaces.py``) with one
unit everywhere (incidents: each event once); the violations table lists incidents by severity,
with each provision's verdicts on demand; an analyst's overruling, made through the review queue
and the event page's form, changes the dashboard's figures and shows the machine's verdict
beside the analyst's.

The browser and the server are those of ``tests/test_browser.py``: JS errors and CSP
violations fail a test.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser import _ready, _shot, allowed, browser, page, server
from test_browser_workspace import ANALYST, _sign_in

__all__ = ["allowed", "browser", "page", "server"]  # fixtures, used by name

pytestmark = pytest.mark.slow

HAMAMIYAT = "ucdp_ged:301688"  # 2019-07-10, 113 killed: the briefing's top violation


def _findings(server: str, query: list[tuple[str, str]]) -> dict:
    r = httpx.get(f"{server}/api/findings?{urlencode(query)}", timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _n(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


def _panel(page: Page) -> dict[str, object]:
    data = page.locator("#findings-incidents").evaluate("e => ({...e.dataset})")
    parties = {
        r.get_attribute("data-party"): [c for c in r.locator("td").all_inner_texts()[1:]]
        for r in page.locator("#findings-parties tbody tr").all()
    }
    return {"data": data, "parties": parties}


@pytest.mark.parametrize(
    "query",
    [
        [("verdict", "violation"), ("verdict", "possible_violation")],
        [("agreement", "sochi-2018"), ("verdict", "violation"), ("date_from", "2019-05-01")],
    ],
    ids=["default", "sochi-violations-since-may-2019"],
)
def test_the_dashboard_shows_the_api_figures_in_one_unit(
    page: Page, server: str, query: list[tuple[str, str]]
) -> None:
    page.goto("/?" + urlencode(query))
    _ready(page)
    page.wait_for_selector("#findings-incidents[data-total]")
    want = _findings(server, query)
    shown = _panel(page)
    assert int(shown["data"]["total"]) == want["incidents"]["total"]  # type: ignore[index]
    for p in want["by_party"]:
        cells = shown["parties"][p["party"]]  # type: ignore[index]
        assert _n(cells[0]) == p["violations"] and _n(cells[2]) == p["possible_violations"]
        if p["violations_share"] is not None:
            assert cells[1] == f"{round(p['violations_share'] * 100)}%"
    # one unit: the timeline and the table count incidents, as the findings do
    data = page.evaluate("({...document.body.dataset})")
    assert int(data["countTimeline"]) == int(data["countTable"]) == want["incidents"]["total"]
    counts = page.locator("section.counts").inner_text()
    assert (
        "Timeline:" in counts
        and "incidents" in counts
        and "verdicts" not in counts.split("Verdicts shown")[0]
    )
    # the table: one row per event, most deaths first
    uids = page.locator("#table tbody tr[data-uid]").evaluate_all(
        "rs => rs.map(r => r.dataset.uid)"
    )
    assert len(uids) == len(set(uids)) == 15
    deaths = [_n(t) for t in page.locator("#table tbody tr td:nth-child(5)").all_inner_texts()]
    assert deaths == sorted(deaths, reverse=True)
    reviewed = page.locator("#findings-reviews").inner_text()
    assert reviewed.startswith(f"Reviewed by an analyst: {want['reviewed']:,} of ")
    _shot(page, "findings-dashboard-" + str(len(query)))


def test_the_violations_table_lists_incidents_and_each_provision_on_demand(page: Page) -> None:
    page.goto("/violations?verdict=violation")
    page.wait_for_selector("#table tbody tr[data-uid]")
    expect(page.locator("#count-unit")).to_contain_text("incidents")
    uids = page.locator("#table tbody tr[data-uid]").evaluate_all(
        "rs => rs.map(r => r.dataset.uid)"
    )
    assert uids[0] == HAMAMIYAT and len(uids) == len(set(uids))
    first = page.locator("#table tbody tr").first.locator("td.provisions").inner_text()
    assert first == "sochi-2018/ceasefire-regime, sochi-2018/dmz"  # both provisions it breaches
    assert page.get_attribute("#export-csv", "href").startswith("/api/incidents.csv?")
    page.click("#unit-switch a[data-unit='verdicts']")
    page.wait_for_url("**unit=verdicts**")
    page.wait_for_selector("#table[data-unit='verdicts'] tbody tr[data-uid]")
    expect(page.locator("#count-unit")).to_contain_text("verdict rows")
    heads = page.locator("#table thead th").all_inner_texts()
    assert heads[:3] == ["Date", "Agreement", "Provision"]
    assert page.get_attribute("#export-csv", "href").startswith("/api/verdicts.csv?")
    _shot(page, "findings-violations-per-provision")


def test_an_overruling_from_the_queue_changes_the_dashboard(page: Page, server: str) -> None:
    query = [("agreement", "sochi-2018"), ("verdict", "violation")]
    before = _findings(server, query)
    _sign_in(page, ANALYST, "/reviews?agreement=sochi-2018")
    page.wait_for_selector("#queue tbody tr[data-uid]", timeout=60_000)
    top = page.locator("#queue tbody tr[data-uid]").first
    assert top.get_attribute("data-uid") == HAMAMIYAT
    assert top.get_attribute("data-in-briefing") in ("1", "true")
    top.locator("td a").first.click()
    page.wait_for_url("**/events/**")
    page.wait_for_selector("#review[data-ready='1']")
    assert page.input_value("#review-status") == ""
    expect(page.locator("#review-corrections")).to_be_hidden()
    # the event is a violation under two provisions: the analyst overrules each
    targets = page.locator("#review-target option").evaluate_all(
        "os => os.filter(o => o.textContent.endsWith('(violation)')).map(o => o.value)"
    )
    assert len(targets) == 2, targets
    for value in targets:
        page.select_option("#review-target", value)
        page.select_option("#review-status", "overruled")
        expect(page.locator("#review-corrections")).to_be_visible()
        page.select_option("#review-corrected-verdict", "possible_violation")
        page.fill("#review textarea[name=note]", "a two-day attack by the factions; air strikes")
        page.click("#review button[type=submit]")
        page.wait_for_selector("#review-result.ok")
        expect(page.locator("#review-result")).to_contain_text("possible")
    rows = page.locator("#verdicts tbody tr[data-review-status='overruled']")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-machine-verdict", "violation")
    expect(rows.first.locator("span.machine")).to_contain_text("machine: violation")
    after = _findings(server, query)
    assert after["incidents"]["violation"] == before["incidents"]["violation"] - 1
    page.goto("/?" + urlencode(query))
    _ready(page)
    page.wait_for_selector("#findings-incidents[data-total]")
    assert (
        int(page.get_attribute("#findings-incidents", "data-total")) == after["incidents"]["total"]
    )
    uids = page.locator("#table tbody tr[data-uid]").evaluate_all(
        "rs => rs.map(r => r.dataset.uid)"
    )
    assert HAMAMIYAT not in uids  # no longer a violation
    page.goto("/?agreement=sochi-2018&verdict=violation&verdict=possible_violation")
    _ready(page)
    page.wait_for_selector("#findings-reviews[data-reviewed]")
    assert int(page.get_attribute("#findings-reviews", "data-reviewed")) >= 1
    _shot(page, "findings-after-overrule")
