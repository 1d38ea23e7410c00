"""The situation report (issue 12): its figures are the API's for the same filters, each link
answers the figure it carries, the HTML is the same bytes on every run, and text from
articles, field reports and events stays text. On SQLite, then PostgreSQL.

Two stores: the demo's (the real Idlib case, UCDP events, every verdict) for the figures, and
a constructed one (tests/web_api_store.py's 40 made-up events, the sample patrol tracks of
tests/data/patrols, two field reports through the API and a made-up news article with a
hostile headline, place and claim) for the sections the demo has no data for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright
from web_api_store import SEEN_REPORT, bearer, build, field_report

from ceasefire import findings, monitoring
from ceasefire.events import normalise_events
from ceasefire.situation import Period, ReportOptions, html, markdown
from ceasefire.situation.links import filter_pairs
from ceasefire.situation.render import CHROMIUM, md_text
from ceasefire.situation_report import situation_report
from ceasefire.store import open_store
from ceasefire.weapons import WEAPON_CLASSES
from ceasefire.web.app import create_app

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>alert(1)</script> | *x*'
PATROLS = Path(__file__).parent / "data" / "patrols"
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts" / "reports"

#: (agreement, period, a day of it) on the demo store: a busy week, a month, a quiet day.
DEMO_REPORTS = [
    ("sochi-2018", "week", dt.date(2019, 7, 10)),
    ("sochi-2018", "month", dt.date(2019, 5, 1)),
    ("sochi-2018", "day", dt.date(2019, 7, 10)),
    ("moscow-2020", "month", dt.date(2019, 11, 15)),
]


def _report(db: str, agreement: str, unit: str, day: dt.date, **kw: Any) -> dict[str, Any]:
    with open_store(db) as store:
        return situation_report(store, agreement, Period.of(unit, day), ReportOptions(**kw))


@pytest.fixture(scope="module")
def demo_client(demo_store: str) -> Iterator[TestClient]:
    app = create_app(demo_store)
    with TestClient(app) as c:
        yield c
    app.state.store.close()


def _json(x: Any) -> Any:
    """``x`` as the API sends it (tuples become lists)."""
    return json.loads(json.dumps(x))


def _get(client: TestClient, url: str) -> Any:
    """GET a report's link (its path and query) from the API; a dashboard link (``/?...``)
    is asked of ``/api/findings``, which the dashboard's figures read."""
    parts = urlsplit(url)
    path = "/api/findings" if parts.path == "/" else parts.path
    r = client.get(path, params=parse_qsl(parts.query))
    assert r.status_code == 200, (url, r.text)
    return r.json()


# ------------------------------------------------------------------------- the demo store


@pytest.mark.parametrize(("agreement", "unit", "day"), DEMO_REPORTS)
def test_the_figures_are_the_apis(
    demo_store: str, demo_client: TestClient, agreement: str, unit: str, day: dt.date
) -> None:
    r = _report(demo_store, agreement, unit, day)
    period = Period.of(unit, day)
    now = findings.Filters(
        agreement=agreement,
        verdict=findings.BREACHES,
        date_from=period.first.isoformat(),
        date_to=period.last.isoformat(),
    )
    before = period.previous()
    then = now.but(date_from=before.first.isoformat(), date_to=before.last.isoformat())
    api = demo_client.get("/api/findings", params=filter_pairs(now)).json()
    assert _json(r["findings"]) == api
    before_api = demo_client.get("/api/findings", params=filter_pairs(then)).json()
    assert _json(r["previous_findings"]) == before_api
    weapons = demo_client.get("/api/aggregates", params=[("by", "weapon"), *filter_pairs(now)])
    rows = weapons.json()["rows"]
    assert [w["key"] for w in r["by_weapon"]] == list(WEAPON_CLASSES)
    for w in r["by_weapon"]:
        for v in findings.BREACHES:
            assert w[v] == sum(
                x["count"] for x in rows if x["key"] == w["key"] and x["verdict"] == v
            )
    # every incident has one weapon class, other_unknown included: the classes add up
    assert sum(w["total"] for w in r["by_weapon"]) == r["findings"]["incidents"]["total"]
    first, last = r["timeline"]["first"], r["timeline"]["last"]
    days = demo_client.get(
        "/api/aggregates",
        params=[("by", "day"), *filter_pairs(now.but(date_from=first, date_to=last))],
    ).json()["rows"]
    assert {(k, v): n for k, c in r["timeline"]["days"].items() for v, n in c.items()} == {
        (x["key"], x["verdict"]): x["count"] for x in days
    }
    incidents = demo_client.get(
        "/api/incidents", params=[("limit", "10"), *filter_pairs(now)]
    ).json()["items"]
    assert [i["event_uid"] for i in r["incidents"]] == [i["event_uid"] for i in incidents]


@pytest.mark.parametrize(("agreement", "unit", "day"), DEMO_REPORTS[:2])
def test_each_figure_links_to_the_view_that_gives_it(
    demo_store: str, demo_client: TestClient, agreement: str, unit: str, day: dt.date
) -> None:
    r = _report(demo_store, agreement, unit, day)
    assert r["findings"]["incidents"]["total"] > 0  # a period with findings
    for h in r["headline"]:
        for when in ("current", "previous"):
            got = _get(demo_client, h[f"{when}_url"])
            part = "fatalities" if h["key"].startswith("deaths") else "incidents"
            assert got[part]["total"] == h[when], (h["key"], when)
    for p in r["by_party"]:
        assert _get(demo_client, p["violations_url"])["incidents"]["total"] == p["violations"]
        possible = _get(demo_client, p["possible_violations_url"])["incidents"]["total"]
        assert possible == p["possible_violations"]
    for z in r["by_zone"]:
        shown = {x["zone"]: x for x in _get(demo_client, z["url"])["by_zone"]}[z["zone"]]
        assert (shown["violation"], shown["possible_violation"]) == (
            z["violation"],
            z["possible_violation"],
        )
    agg = _get(demo_client, r["by_weapon"][0]["url"])
    assert agg["by"] == "weapon"
    assert _get(demo_client, r["map"]["api_url"])["incidents"]["total"] == r["map"]["total"]
    for i in r["incidents"]:
        assert i["url"].startswith("/events/")
    assert demo_client.get(r["incidents"][0]["url"]).status_code == 200  # the event's page


def test_links_carry_the_base_url(demo_store: str) -> None:
    r = _report(
        demo_store, "sochi-2018", "week", dt.date(2019, 7, 10), base_url="https://m.example/"
    )
    page = html(r)
    hrefs = [h for h in page.split('href="')[1:]]
    assert hrefs and all(h.startswith("https://m.example/") for h in hrefs)
    assert "https://m.example/?agreement=sochi-2018&amp;verdict=violation" in page


def test_the_html_is_the_same_bytes_on_every_run(demo_store: str) -> None:
    a = html(_report(demo_store, "sochi-2018", "week", dt.date(2019, 7, 10)))
    b = html(_report(demo_store, "sochi-2018", "week", dt.date(2019, 7, 10)))
    assert a.encode() == b.encode()
    assert "<svg" in a and "<circle" in a  # the map has the week's incidents
    assert "<script" not in a and "http://" not in a.replace("http://www.w3.org/2000/svg", "")


def test_an_unknown_agreement_is_said(demo_store: str) -> None:
    from ceasefire.errors import UnknownIdError

    with pytest.raises(UnknownIdError):
        _report(demo_store, "no-such-agreement", "week", dt.date(2019, 7, 10))


# --------------------------------------------------------------------- a constructed store


def _article(store: Any) -> None:
    """A made-up article published 2020-03-07 reporting one event at a hostile place, with a
    hostile headline and claim."""
    event = {
        "event_uid": "news:hostile-1",
        "source_dataset": "news",
        "source_row_id": "hostile-1",
        "event_date": "2020-03-07",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": "Military Forces of Syria (2000-)",
        "latitude": 35.83,
        "longitude": 36.61,
        "location": HOSTILE,
        "location_uncertainty_km": 2.0,
        "fatalities": 1,
        "time_start": pd.Timestamp("2020-03-06T22:00Z"),
        "time_end": pd.Timestamp("2020-03-07T22:00Z"),
    }
    article = {
        "article_id": "hostile-article",
        "file": "hostile.html",
        "url": "https://news.example/hostile",
        "headline": HOSTILE,
        "published": "2020-03-07",
        "publisher": "Example News",
        "text": "t",
        "extraction": {"events": 1},
    }
    links = [{"article_id": "hostile-article", "event_uid": "news:hostile-1", "sentence": "s"}]
    claims = [
        {
            "start": 0,
            "end": 10,
            "kind": "accusation",
            "claimant": "Turkey",
            "subject": "Syrian army",
            "predicate": "shelled",
            "text": HOSTILE,
        }
    ]
    assert store.add_article(article, normalise_events(pd.DataFrame([event])), links, claims)


#: A claim with a bare link, which GFM would make live in the Markdown.
LINK_CLAIM = "Turkey says the army shelled Saraqib again, see https://evil.example/x"


def _later_article(store: Any) -> None:
    """A made-up article published Monday 2020-03-09 about the event of Saturday 2020-03-07
    (``_article``'s), with a claim carrying a bare link."""
    article = {
        "article_id": "later-article",
        "file": "later.html",
        "url": "https://news.example/later",
        "headline": "Shelling reported",
        "published": "2020-03-09",
        "publisher": "Example News",
        "text": "t",
        "extraction": {"events": 0},
    }
    links = [{"article_id": "later-article", "event_uid": "news:hostile-1", "sentence": "s"}]
    claims = [
        {
            "start": 0,
            "end": 10,
            "kind": "accusation",
            "claimant": "Turkey",
            "subject": "Syrian army",
            "predicate": "shelled",
            "text": LINK_CLAIM,
        }
    ]
    assert store.add_article(article, pd.DataFrame(), links, claims)


@pytest.fixture(scope="module")
def constructed(new_store: Callable[..., str]) -> str:
    """tests/web_api_store.py's store with the sample patrols, a made-up article and two field
    reports (one seen, one heard) filed through the API, evaluated."""
    db = build(new_store("situation"))
    with open_store(db) as store:
        monitoring.import_patrols(store, [PATROLS / "2020-03-15-joint-cut-short.gpx"])
        monitoring.import_patrols(
            store,
            [
                PATROLS / "2020-03-23-turkey-alone.geojson",
                PATROLS / "2020-03-26-joint-full.geojson",
            ],
        )
        _article(store)
        _later_article(store)
        monitoring.evaluate_store(store)
    app = create_app(db)
    with TestClient(app) as c:
        for body in (field_report(text=HOSTILE), SEEN_REPORT):
            r = c.post("/api/reports", json=body, headers=bearer(app, "monitor"))
            assert r.status_code == 201, r.text
    app.state.store.close()
    return str(db)


def test_claims_stand_beside_the_findings_of_their_day(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    (claim,) = r["claims"]["rows"]
    assert (claim["published"], claim["claimant"], claim["kind"]) == (
        "2020-03-07",
        "Turkey",
        "accusation",
    )
    day = r["timeline"]["days"].get("2020-03-07", {})
    assert (claim["violation"], claim["possible_violation"]) == (
        day.get("violation", 0),
        day.get("possible_violation", 0),
    )
    (event,) = claim["events"]
    assert event["event_uid"] == "news:hostile-1" and event["verdict"] in findings.BREACHES
    # the claim is no finding: the counts are the findings' own
    client_app = create_app(constructed)
    with TestClient(client_app) as c:
        api = c.get("/api/findings", params=filter_pairs(_now(r))).json()
    client_app.state.store.close()
    assert _json(r["findings"]) == api


def _now(r: dict[str, Any]) -> findings.Filters:
    return findings.Filters(
        agreement=r["agreement"]["id"],
        verdict=findings.BREACHES,
        date_from=r["period"]["first"],
        date_to=r["period"]["last"],
    )


def test_field_reports_seen_and_heard(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    rows = {x["observation"]: x for x in r["field_reports"]["rows"]}
    assert rows["seen"]["total"] == 1 and rows["heard"]["total"] == 1
    assert r["field_reports"]["total"] == 2
    assert "source=field_report" in r["field_reports"]["url"]


def test_field_reports_seen_and_heard_are_the_apis(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    fr = r["field_reports"]
    assert "by=observation" in fr["api_url"] and "source=field_report" in fr["api_url"]
    client_app = create_app(constructed)
    with TestClient(client_app) as c:
        api = _get(c, fr["api_url"])
    client_app.state.store.close()
    assert api["by"] == "observation"
    for row in fr["rows"]:
        for v in findings.BREACHES:
            assert row[v] == sum(
                x["count"]
                for x in api["rows"]
                if x["key"] == row["observation"] and x["verdict"] == v
            )
    assert fr["total"] == sum(x["count"] for x in api["rows"]) == 2
    assert f'href="{fr["api_url"]}"'.replace("&", "&amp;") in html(r)


def test_an_articles_events_outside_the_period_keep_their_finding(constructed: str) -> None:
    """Monday's article about Saturday's shelling: a week from Monday, and a day report."""
    for unit in ("week", "day"):
        r = _report(constructed, "moscow-2020", unit, dt.date(2020, 3, 9))
        (claim,) = [c for c in r["claims"]["rows"] if c["published"] == "2020-03-09"]
        (event,) = claim["events"]
        assert event["event_uid"] == "news:hostile-1"
        assert event["verdict"] in findings.BREACHES, unit
        assert (event["date"], event["outside_period"]) == ("2020-03-07", True)
        assert event["url"].startswith("/events/news%3Ahostile-1?agreement=moscow-2020&provision=")
        assert "outside the period: see event" in html(r)
        assert "outside the period: see event" in markdown(r)
    inside = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    (event,) = inside["claims"]["rows"][0]["events"]
    assert event["outside_period"] is False


def test_vocabulary_words_are_translated_and_escaped(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    page = html(r)
    assert "<td>seen</td>" in page and "<td>air and drone strikes</td>" in page
    assert "<td>Deaths in violations</td>" in page
    for row in (r["headline"][0], r["by_weapon"][0], r["field_reports"]["rows"][0]):
        row.update({k: HOSTILE for k in ("key", "label", "observation") if k in row})
    page, md = html(r), markdown(r)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert page.count("<td>&lt;img src=x") == 3
    assert "<script>" not in md and "<img" not in md


def test_markdown_breaks_bare_links(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 9))
    md = markdown(r)
    assert "evil.example" in md and "https://evil" not in md
    assert "https\\://evil.example/x" in md
    assert md_text("write to a@b.example or www.b.example") == (
        "write to a\\@b.example or www\\.b.example"
    )


def test_methods_say_how_days_and_patrol_weeks_are_counted(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 9))
    for text in (html(r), markdown(r)):
        assert "counted day" in text and "start when that is later" in text
        assert "/api/patrols/coverage lists them" in text


def test_weapon_classes_from_the_sub_event_type(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    shelling = next(w for w in r["by_weapon"] if w["key"] == "shelling_artillery")
    assert shelling["total"] == 1  # the article's event; the field reports say no sub-type
    other = next(w for w in r["by_weapon"] if w["key"] == "other_unknown")
    assert other["total"] == r["findings"]["incidents"]["total"] - 1


def test_patrol_coverage_and_unmet_weeks(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "month", dt.date(2020, 4, 1))
    p = r["patrols"]
    assert p is not None and p["route"] == "m4-trumba-ain-al-havr"
    assert [w["period"] for w in p["periods"]][:2] == ["2020-03-29", "2020-04-05"]
    assert all(w["n_patrols"] == 0 for w in p["periods"])
    assert p["unmet"] and all("0 joint patrol" in u["reason"] for u in p["unmet"])
    assert "<svg" in p["strip_svg"]
    march = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 26))["patrols"]
    assert march is not None and sum(w["n_patrols"] for w in march["periods"]) >= 2
    sochi = _report(constructed, "sochi-2018", "week", dt.date(2020, 3, 26))["patrols"]
    assert sochi is not None and sochi["route"] == "sochi-dmz"  # its own route: no records


def test_obligations_due_and_their_status(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 12))
    due = {o["provision"]: o for o in r["obligations"]}
    assert due["corridor-parameters"]["in_period"] and due["corridor-parameters"]["due"] == (
        "2020-03-12"
    )
    assert due["humanitarian-access"]["status"] == "no_evidence"  # no aid records imported


def test_hostile_text_stays_text(constructed: str) -> None:
    r = _report(constructed, "moscow-2020", "week", dt.date(2020, 3, 7))
    page = html(r)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # claim, headline, place
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # to look at: a constructed week, every section
    (ARTIFACTS / "constructed-moscow-2020-week-2020-03-02.html").write_text(page, encoding="utf-8")
    with sync_playwright() as p:  # and in a real browser: nothing runs, no element is made
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.set_content(page)
            assert tab.evaluate("window.__pwned") is None
            assert tab.locator("img, script").count() == 0
            assert "<script>alert(1)</script>" in tab.locator("#claims").inner_text()
        finally:
            browser.close()
    md = markdown(r)
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\| \\*x\\*" in md


# ------------------------------------------------------------------------ without a store


def test_a_corrected_event_type_drops_the_sub_event_type() -> None:
    rows = pd.DataFrame(
        {
            "event_uid": ["e1", "e2", "e3"],
            "agreement_id": ["a"] * 3,
            "provision_id": ["p"] * 3,
            "verdict": ["violation", "possible_violation", "violation"],
            "probability": [1.0, 0.5, 1.0],
            "party": ["russia", "", "turkey"],
            "fatalities": [2, 0, 1],
            "event_date": ["2020-03-07"] * 3,
            "event_type": ["Explosions/Remote violence", "Explosions/Remote violence", "Battles"],
            "sub_event_type": ["Shelling/artillery/missile attack", "Air/drone strike", None],
            "reviewed_event_type": ["Battles", None, None],  # an analyst corrected e1
        }
    )
    agg = findings.aggregate(rows, "weapon", verdicts=findings.BREACHES)
    assert {(r["key"], r["verdict"], r["count"]) for r in agg} == {
        ("other_unknown", "violation", 2),
        ("air_drone", "possible_violation", 1),
    }


@pytest.mark.parametrize(
    ("unit", "day", "first", "last", "previous", "timeline_days"),
    [
        ("day", "2020-03-01", "2020-03-01", "2020-03-01", "2020-02-29", 14),
        ("week", "2020-01-01", "2019-12-30", "2020-01-05", "2019-12-23", 28),
        ("month", "2020-02-10", "2020-02-01", "2020-02-29", "2020-01-01", 31 + 31 + 29),
    ],
)
def test_periods(
    unit: str, day: str, first: str, last: str, previous: str, timeline_days: int
) -> None:
    p = Period.of(unit, dt.date.fromisoformat(day))
    assert (p.first.isoformat(), p.last.isoformat()) == (first, last)
    assert p.previous().first.isoformat() == previous
    a, b = p.timeline()
    assert b == p.last and (b - a).days + 1 == timeline_days
