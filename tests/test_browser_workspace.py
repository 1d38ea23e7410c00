"""The workspace faults a new monitor found in a trial (issue 10), each checked in Debian's
headless Chromium against ``ceasefire serve`` over the demo store (and, for the partial weeks, a
small store of the sample patrol tracks): clicks reach events and the report form's map through
zones and their labels; the zone key; a bad date keeps its error; unknown ids are 404 pages;
file names without the server's directories; unknown API parameters refused; pick-lists; the
event page; the review form's preselection; times to the minute; the timeline's marks; partial
weeks; the Sochi DMZ's route in words.

The browser and the server helper are those of ``tests/test_browser.py`` (JS errors and CSP
violations fail a test; an HTTP error a test provokes on purpose is allowed by that test only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
import shapely
from playwright.sync_api import Browser, Page, expect
from test_browser import (
    DASHBOARD,
    MONITOR,
    ROOT,
    _ready,
    _shot,
    allowed,
    browser,
    page,
    serve,
    server,
)

from ceasefire import monitoring
from ceasefire.store import open_store
from ceasefire.store.workspace import DEMO_USERS

__all__ = ["allowed", "browser", "page", "server"]  # fixtures, used by name

pytestmark = pytest.mark.slow

PATROLS = Path(__file__).parent / "data" / "patrols"
ANALYST = next((n, p) for n, role, p in DEMO_USERS if role == "analyst")
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")


def _sign_in(page: Page, user: tuple[str, str], next_url: str) -> None:
    page.goto("/login?" + urlencode({"next": next_url}))  # the whole URL, its & included
    page.fill("input[name=username]", user[0])
    page.fill("input[name=password]", user[1])
    page.click("#login button[type=submit]")


def _zone(server: str, zone_id: str) -> shapely.Geometry:
    fc = httpx.get(f"{server}/api/zones", timeout=30).json()
    f = next(f for f in fc["features"] if f["properties"]["id"] == zone_id)
    return shapely.geometry.shape(f["geometry"])


def _set_view(page: Page, holder: str, lat: float, lon: float, zoom: int) -> None:
    """Move a page's map, not animated (Leaflet drops a setView during a zoom animation)."""
    js = "([lat, lon, z]) => { window.%s.map.setView([lat, lon], z, { animate: false }); }"
    page.evaluate(js % holder, [lat, lon, zoom])


def _click_at(page: Page, holder: str, lat: float, lon: float) -> None:
    point = page.evaluate(
        f"([lat, lon]) => window.{holder}.map.latLngToContainerPoint([lat, lon])", [lat, lon]
    )
    box = page.locator("#map").bounding_box()
    assert box
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


# ------------------------------------------------------------------ zones never take a click


def test_clicks_go_through_zones_and_their_labels_to_the_events(page: Page, server: str) -> None:
    page.goto(DASHBOARD)
    _ready(page)
    # zone shapes are drawn but take no clicks; nor do their labels
    paths = page.locator("path[data-zone]")
    assert paths.count() == 4
    assert page.locator("path[data-zone].leaflet-interactive").count() == 0
    labels = page.locator(".map-label.zone span")
    assert labels.count() == 4
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box
        hit = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y);"
            " return e ? (e.closest('.map-label') ? 'label' : e.tagName) : null; }",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit != "label"  # the click goes to what lies under the label
    # an event inside the M4 corridor, well away from others, opens its own popup
    corridor = _zone(server, "m4-security-corridor")
    fc = httpx.get(
        f"{server}/api/events.geojson",
        params=[*parse_qsl(urlsplit(DASHBOARD).query), ("zoom", "14"),
                ("bbox", ",".join(f"{x:.4f}" for x in corridor.bounds))],
        timeout=30,
    ).json()  # fmt: skip
    points = [(f, shapely.geometry.shape(f["geometry"])) for f in fc["features"]]
    inside = [(f, p) for f, p in points if corridor.contains(p)]
    assert inside

    def room(p: shapely.Geometry) -> float:
        return min((p.distance(q) for _, q in points if q is not p), default=1.0)

    target, point = max(inside, key=lambda fp: room(fp[1]))
    page.evaluate("document.getElementById('map').dataset.loaded = '0'")
    _set_view(page, "CFDashboard", point.y, point.x, 14)
    page.wait_for_selector("#map[data-loaded='1']")
    _click_at(page, "CFDashboard", point.y, point.x)
    uid = target["properties"]["event_uid"]
    popup = page.wait_for_selector(f".event-popup[data-uid='{uid}']", timeout=30_000)
    assert "Approximation" not in popup.inner_text()
    assert page.locator(".leaflet-popup").count() == 1
    _shot(page, "workspace-click-through")


def test_a_click_inside_the_corridor_sets_the_report_position(page: Page, server: str) -> None:
    _sign_in(page, MONITOR, "/report")
    page.wait_for_url("**/report")
    page.wait_for_selector("#map[data-zones='4']", timeout=60_000)
    at = _zone(server, "m4-security-corridor").representative_point()
    _set_view(page, "CFReport", at.y, at.x, 12)
    _click_at(page, "CFReport", at.y, at.x)
    expect(page.locator("#r-lat")).not_to_have_value("")
    assert abs(float(page.input_value("#r-lat")) - at.y) < 0.002
    assert abs(float(page.input_value("#r-lon")) - at.x) < 0.002
    assert page.locator(".leaflet-popup").count() == 0  # no zone note in the way
    assert page.locator("[title='your position']").count() == 1
    # the zone notes are in the key under the map instead
    assert page.locator("#zone-legend details.zone-key").count() == 4


# ------------------------------------------------------------------ legend and zone labels


def test_the_legend_keys_each_zone_and_the_labels_keep_apart(page: Page) -> None:
    page.goto(DASHBOARD)
    _ready(page)
    keys = page.locator("#zone-legend details.zone-key")
    assert keys.count() == page.locator("path[data-zone]").count() == 4
    corridor = page.locator("#zone-legend details[data-zone='m4-security-corridor']")
    assert "M4 security corridor" in corridor.locator("summary").inner_text()
    # its swatch is drawn as the zone is: dashed purple
    swatch = corridor.locator(".zone-swatch")
    assert "dashed" in (swatch.get_attribute("style") or "")
    assert not corridor.locator(".zone-note").is_visible()
    corridor.locator("summary").click()
    note = corridor.locator(".zone-note")
    assert note.is_visible() and "Approximation" in note.inner_text()

    def overlaps() -> list[tuple[int, int]]:
        boxes = [b for b in (s.bounding_box() for s in page.locator(".map-label.zone span").all())]
        assert all(boxes)
        out = []
        for i, a in enumerate(boxes):
            for j, b in enumerate(boxes[:i]):
                assert a and b
                across = a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                down = a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
                if across and down:
                    out.append((i, j))
        return out

    assert overlaps() == []
    # zoomed out the labels crowd together: they are moved apart
    for zoom in (8, 7, 6):
        page.evaluate(f"() => {{ window.CFDashboard.map.setZoom({zoom}, {{ animate: false }}); }}")
        assert page.evaluate("window.CFDashboard.map.getZoom()") == zoom
        assert overlaps() == [], zoom
    assert page.locator(".map-label.zone span[data-dy]:not([data-dy='0'])").count() >= 1
    _shot(page, "workspace-zone-labels")


# ------------------------------------------------------------------ a bad date keeps its error


def test_a_bad_date_in_the_url_keeps_its_error(page: Page, allowed: list[str]) -> None:
    allowed.append("status of 422")
    page.goto("/?verdict=violation&date_from=2020-13-01")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.wait_for_selector("#map[data-loaded='error']", timeout=60_000)
    page.wait_for_selector("#status[data-busy='0']")
    page.wait_for_timeout(1500)  # the basemap and the rest arrive: the error stays
    status = page.locator("#status-text").inner_text()
    assert status.startswith("Error: date_from: not an ISO date"), status
    assert page.get_attribute("#status", "data-kind") == "error"
    for pane in ("#timeline-error", "#table-error"):
        assert page.locator(pane).is_visible()
        assert "date_from" in page.locator(pane).inner_text()
    assert "date_from" in page.locator("#map-mode").inner_text()
    assert page.locator("#count-table").inner_text() == "–"
    _shot(page, "workspace-bad-date")
    # a good view afterwards clears it
    page.fill("#f-date_from", "2019-01-01")
    page.click("#apply")
    page.wait_for_url("**date_from=2019-01-01**")
    _ready(page)
    assert page.locator("#status-text").inner_text() == "Ready"
    assert page.locator("#table-error").is_hidden()


# ------------------------------------------------------------------ unknown ids: 404 pages


@pytest.mark.parametrize(
    ("path", "known"),
    [
        ("/events/ucdp_ged:0", "/events/ucdp_ged:214797"),
        ("/agreements/no-such-agreement", "/agreements/sochi-2018"),
        ("/agreements/no-such-agreement/held", "/agreements/sochi-2018/held"),
        ("/patrols?agreement=no-such-agreement", "/patrols?agreement=sochi-2018"),
    ],
)
def test_unknown_ids_answer_404_pages(
    page: Page, allowed: list[str], path: str, known: str
) -> None:
    allowed.append("status of 404")
    r = page.goto(path)
    assert r is not None and r.status == 404
    text = page.locator("#not-found").inner_text()
    assert "ucdp_ged:0" in text or "no-such-agreement" in text
    assert page.title().startswith("Not found")
    r = page.goto(known)
    assert r is not None and r.status == 200
    assert page.locator("#not-found").count() == 0


# ------------------------------------------------------------------ file names only


def test_evidence_and_rejects_show_file_names_only(page: Page, server: str) -> None:
    page.goto("/events/ucdp_ged:214797")
    page.wait_for_selector("#evidence .evidence-item")
    evidence = page.locator("#evidence").inner_text()
    assert "ged_syria_2016-01_2019-11.csv.gz:2" in evidence
    assert str(ROOT) not in page.content() and "/src/ceasefire/data" not in evidence
    detail = httpx.get(f"{server}/api/events/ucdp_ged:214797", timeout=30).json()
    assert detail["event"]["source_file"] == "ged_syria_2016-01_2019-11.csv.gz"
    # an admin is shown the name only too (docs/web.md: to every role)
    admin = next((n, p) for n, role, p in DEMO_USERS if role == "admin")
    _sign_in(page, admin, "/rejects")
    page.wait_for_selector("#rejects tbody tr")
    cells = page.locator("#rejects tbody tr").first.locator("td").all_inner_texts()
    assert cells[1] == "hostile_acled.csv"
    assert "/" not in cells[1]


# ------------------------------------------------------------------ unknown API parameters


def test_unknown_filter_parameters_are_refused_and_the_pages_send_none(
    page: Page, allowed: list[str]
) -> None:
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    every = (
        "/?agreement=sochi-2018&provision=dmz&verdict=violation&verdict=possible_violation"
        "&party=turkey&actor=Syria&event_type=Battles&source=ucdp_ged&date_from=2019-01-01"
        "&date_to=2019-06-30&sort=fatalities&order=desc"
    )
    page.goto(every)  # every filter the scripts send: no 422 (the fixture fails on one)
    _ready(page)
    page.wait_for_selector("#filters[data-picklists='1']")
    assert page.locator("#status-text").inner_text() == "Ready"
    assert refused == []
    allowed.append("status of 422")  # the one asked for below
    answer = page.evaluate(
        "async () => { const r = await fetch('/api/verdicts?reviewed=disputed');"
        " return [r.status, await r.json()]; }"
    )
    assert answer[0] == 422
    assert answer[1]["error"]["field"] == "reviewed"
    assert "reviewed: not a parameter of /api/verdicts" in answer[1]["error"]["message"]


# ------------------------------------------------------------------ pick-lists


def test_provision_party_and_actor_filters_are_pick_lists(page: Page, server: str) -> None:
    page.goto("/violations?verdict=violation&verdict=possible_violation")
    page.wait_for_selector("#filters[data-picklists='1']", timeout=30_000)
    assert page.evaluate("document.getElementById('f-provision').tagName") == "SELECT"
    provisions = page.locator("#f-provision option").evaluate_all("os => os.map(o => o.value)")
    assert {"dmz", "m4-security-corridor", "ceasefire-regime"} <= set(provisions)
    parties = page.locator("#f-party option").evaluate_all("os => os.map(o => o.value)")
    assert {"russia", "turkey", "unattributed"} <= set(parties)
    actors = page.locator("#f-actors option").evaluate_all("os => os.map(o => o.value)")
    assert len(actors) > 10 and "Government of Syria" in actors
    # choosing an agreement narrows the provisions to its own
    page.select_option("#f-agreement", "moscow-2020")
    moscow = page.locator("#f-provision option").evaluate_all("os => os.map(o => o.value)")
    assert "m4-security-corridor" in moscow and "dmz" not in moscow
    page.select_option("#f-agreement", "sochi-2018")
    page.select_option("#f-provision", "dmz")
    page.select_option("#f-agreement", "moscow-2020")  # dmz is not moscow-2020's: back to any
    assert page.input_value("#f-provision") == ""
    page.select_option("#f-agreement", "sochi-2018")
    page.select_option("#f-provision", "dmz")
    page.select_option("#f-party", "turkey")
    page.click("#apply")
    page.wait_for_url("**party=turkey**")
    page.wait_for_selector("#table tbody tr[data-uid]", timeout=30_000)
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert (query["agreement"], query["provision"], query["party"]) == (
        "sochi-2018",
        "dmz",
        "turkey",
    )
    assert page.input_value("#f-provision") == "dmz" and page.input_value("#f-party") == "turkey"
    cells = page.locator("#table tbody tr td:nth-child(4)").all_inner_texts()  # party
    assert cells and set(cells) == {"turkey"}
    _shot(page, "workspace-pick-lists")


# ------------------------------------------------------------------ the event page


def test_the_event_page_reads_as_an_event(page: Page, server: str) -> None:
    uid = "ucdp_ged:214797"
    e = httpx.get(f"{server}/api/events/{uid}", timeout=30).json()["event"]
    page.goto(f"/events/{uid}")
    page.wait_for_selector("#verdicts tbody tr")
    page.wait_for_selector("#facts dd")
    title = f"{e['event_date']} · {e['sub_event_type']} · {e['location']}"
    assert page.locator("h1#title").inner_text() == title
    assert page.title().startswith(title)
    assert page.locator("#uid").inner_text() == uid  # the id still there, below
    # the precision codes in words
    assert (
        page.locator("dd[data-field='geo_precision']")
        .inner_text()
        .startswith("1: the named place itself; placed within ± 2")
    )
    assert page.locator("dd[data-field='time_precision']").inner_text() == "1: the day is known"
    window = page.locator("dd[data-field='time_window']").inner_text()
    assert window == "2016-01-01 00:00 to 2016-01-02 00:00 (Asia/Damascus)"
    # the notes once (as evidence), and the verdicts before them
    main = page.locator("main").inner_text()
    assert main.count(e["notes"]) == 1
    verdicts = page.locator("#verdicts").bounding_box()
    evidence = page.locator("#evidence").bounding_box()
    facts = page.locator("#facts").bounding_box()
    assert verdicts and evidence and facts
    assert verdicts["y"] < facts["y"] < evidence["y"]
    _shot(page, "workspace-event")


def test_the_review_form_preselects_the_verdict_come_from_and_no_status(
    page: Page, server: str
) -> None:
    _sign_in(
        page,
        ANALYST,
        "/violations?verdict=possible_violation&unit=verdicts&sort=fatalities&order=desc",
    )
    page.wait_for_selector("#table tbody tr[data-uid]", timeout=30_000)
    row = page.locator("#table tbody tr[data-uid]").nth(1)  # not the first: a real choice
    cells = row.locator("td").all_inner_texts()
    agreement, provision = cells[1], cells[2]
    row.locator("td").first.locator("a").click()
    page.wait_for_url("**/events/**provision=**")
    page.wait_for_selector("#review[data-ready='1']")
    chosen = page.locator("#review-target option:checked").inner_text()
    assert chosen == f"{agreement} / {provision} (possible_violation)"
    assert page.input_value("#review-status") == ""  # no status chosen for the analyst
    assert page.locator("#verdicts tr.from").count() == 1
    before = page.locator("#reviews tbody tr").count()
    page.click("#review button[type=submit]")  # no status: the browser refuses to send it
    page.wait_for_timeout(300)
    assert page.locator("#reviews tbody tr").count() == before
    assert page.evaluate("document.getElementById('review-status').validity.valueMissing")
    page.select_option("#review-status", "confirmed")
    page.fill("#review textarea[name=note]", "read the source text")
    page.click("#review button[type=submit]")
    expect(page.locator("#reviews tbody tr")).to_have_count(before + 1)
    last = page.locator("#reviews tbody tr").last.locator("td").all_inner_texts()
    assert last[2:5] == [agreement, provision, "confirmed"]
    # the time to the minute, in UTC: no seconds, no microseconds
    assert STAMP.match(last[0]), last[0]
    _shot(page, "workspace-review")


# ------------------------------------------------------------------ the timeline's marks


def test_the_timeline_marks_stay_inside_the_canvas_above_the_bars(page: Page) -> None:
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(DASHBOARD + "&agreement=sochi-2018")
    _ready(page)
    marks = page.evaluate(
        "(() => { const c = window.CFDashboard.chart;"
        " return { marks: c.$cfMarks, top: c.chartArea.top, w: c.width, h: c.height }; })()"
    )
    drawn = marks["marks"]
    assert len(drawn) >= 3  # sochi-2018 in force and its deadlines
    for m in drawn:
        assert m["left"] >= 0 and m["right"] <= marks["w"], m
        assert m["top"] >= 0 and m["bottom"] <= marks["top"], m  # in the band, not on the bars
    for i, a in enumerate(drawn):  # and never on each other
        for b in drawn[:i]:
            apart = a["row"] != b["row"] or a["left"] >= b["right"] or b["left"] >= a["right"]
            assert apart, (a, b)
    canvas = page.locator("#timeline").bounding_box()
    box = page.locator("#timeline-box").bounding_box()
    assert canvas and box and canvas["y"] + canvas["height"] <= box["y"] + box["height"] + 1
    _shot(page, "workspace-timeline")


# ------------------------------------------------------------------ patrols: routes and weeks


def test_the_sochi_patrols_page_names_places_of_the_dmz_perimeter(page: Page, server: str) -> None:
    page.goto("/patrols?agreement=sochi-2018")
    words = page.locator("#route-words").inner_text()
    assert words.startswith("Route sochi-dmz: A loop of")
    assert "(km 0, east)" not in words and "(km 0, the east end)" not in words
    route = httpx.get(
        f"{server}/api/patrols/coverage", params={"agreement": "sochi-2018"}, timeout=30
    ).json()["route"]
    for p in route["places"]:  # every name said is a place near this route, at its km
        assert f"{p['name']} (km {p['km']:.1f})" in words
    named = re.findall(r"([A-Z][\w -]+?) \(km [0-9.]+\)", words.split("of it:")[1])
    assert [n.strip() for n in named] == [p["name"] for p in route["places"]]
    page.goto("/patrols")  # the M4 is a line, from Trumba in the east to Ain al-Havr
    words = page.locator("#route-words").inner_text()
    assert "from Trumba (km 0, the east end) to Ain al-Havr (km 60.0, the west end)" in words


@pytest.fixture(scope="module")
def patrols_server(
    new_store: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A store with the sample tracks (the GPX of 15 March without its parties) evaluated: the
    records end on 26 March, 12 days from the patrols' start (SQLite, then PostgreSQL)."""
    folder = tmp_path_factory.mktemp("browser-workspace-patrols")
    db = new_store("patrols")
    store = open_store(db)
    try:
        monitoring.seed_bundled(store)
        monitoring.import_patrols(store, [PATROLS / "2020-03-15-joint-cut-short.gpx"])
        monitoring.import_patrols(
            store,
            [
                PATROLS / "2020-03-23-turkey-alone.geojson",
                PATROLS / "2020-03-26-joint-full.geojson",
            ],
        )
        monitoring.evaluate_store(store, ["moscow-2020"])
    finally:
        store.close()
    with serve(db, folder) as base:
        yield base


def test_a_twelve_day_span_is_one_week_and_a_partial_one(
    browser: Browser, patrols_server: str
) -> None:
    context = browser.new_context(base_url=patrols_server, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/patrols")
        weeks = page.locator("#coverage-strips g.week")
        assert weeks.count() == 2
        assert page.locator("#coverage-strips g.week.partial").count() == 1
        strip = page.locator("g.week.partial").text_content() or ""
        assert "partial: evidence ends 2020-03-26" in strip
        row = page.locator("#weeks tbody tr.partial").inner_text()
        assert "partial week: the evidence ends 2020-03-26" in row
        summary = page.locator("#findings tbody tr").first.inner_text()
        assert "1 of 2 weeks met from 2020-03-15 to 2020-03-26 (1 partial" in summary
        assert "0 of 1 weeks" not in summary
        _shot(page, "workspace-partial-weeks")
    finally:
        context.close()
    assert not errors, errors


# ------------------------------------------------------------------ violations never summed


def test_violations_and_possible_violations_are_never_summed(page: Page, server: str) -> None:
    """Issue 10: the held page gives each verdict's count, share and chart on its own; the
    header link "Violations" opens violations and possible violations, their boxes ticked, and
    the headings say so."""
    page.goto("/agreements/sochi-2018/held")
    page.wait_for_selector("#parties tbody tr")
    api = httpx.get(f"{server}/api/agreements/sochi-2018/held", timeout=30).json()["by_party"]
    russia = page.locator("#parties tbody tr[data-party='russia'] td")
    want = next(p for p in api if p["party"] == "russia")
    assert russia.nth(1).inner_text() == f"{want['violations']:,}"
    assert russia.nth(3).inner_text() == f"{want['possible_violations']:,}"
    assert russia.nth(2).inner_text() == f"{100 * want['violations_share']:.1f} %"
    for verdict in ("violation", "possible_violation"):
        canvas = page.locator(f"#party-chart-{verdict}")
        expect(canvas).to_be_visible()
        assert canvas.evaluate("c => !!Chart.getChart(c)")
    expect(page.locator("#party-shares figcaption")).to_have_text(
        ["Share of violations by party", "Share of possible violations by party"]
    )
    page.click("#nav-violations")
    page.wait_for_selector("#table tbody tr")
    query = parse_qsl(urlsplit(page.url).query)
    assert [v for k, v in query if k == "verdict"] == ["violation", "possible_violation"]
    ticked = page.locator("#filters input[name=verdict]:checked").evaluate_all(
        "xs => xs.map(x => x.value)"
    )
    assert ticked == ["violation", "possible_violation"]
    expect(page.locator("#table-heading")).to_have_text("Violations and possible violations")
    shown = set(page.locator("#table tbody tr td:nth-child(2)").all_inner_texts())  # worst verdict
    assert shown and shown <= {"violation", "possible violation"}, shown
    _shot(page, "workspace-violations-default")
