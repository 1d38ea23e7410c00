"""Did it hold (issue 10): one definition (ceasefire.held) with the window as a parameter, no
evidence shown as such, partial periods marked, the rate ratio with its exact interval, by zone
and party; and the CLI, the API, the briefing and the page giving the same figures.

The constructed cases use the test zones of conftest (a 1-degree box for the de-escalation area,
an east-west M4 and a DMZ band along the box's southern edge); the default event point, Ariha, is
inside the area and the M4 corridor and outside the DMZ."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ceasefire import held as H
from ceasefire import monitoring
from ceasefire.agreements import bundled_text, load_bundled, parse_agreement
from ceasefire.cli import cli
from ceasefire.errors import InputError, LimitError
from ceasefire.store import open_store
from ceasefire.web import create_app

SOCHI = load_bundled("sochi-2018")  # takes effect 2018-09-17 00:00 local
MOSCOW = load_bundled("moscow-2020")  # 2020-03-06 00:01, read in Moscow time too: 2020-03-05 23:01
AREA = "idlib-de-escalation-area"
TURKEY = "Military Forces of Turkey (2016-)"


def _row(h: H.Held, zone: str = AREA, party: str = "all") -> dict:
    return next(r for r in h.to_dict()["totals"] if r["zone"] == zone and r["party"] == party)


def _periods(h: H.Held, zone: str = AREA, party: str = "all") -> pd.DataFrame:
    p = h.periods
    return p[(p["zone"] == zone) & (p["party"] == party)].reset_index(drop=True)


# --------------------------------------------------------------------------- the window


def test_the_window_has_one_default_and_its_limits_name_the_field() -> None:
    assert H.Window.of() == H.DEFAULT_WINDOW == H.Window("week", 26, 26)
    assert H.Window.of("month") == H.Window("month", H.DEFAULT_MONTHS, H.DEFAULT_MONTHS)
    assert H.Window.of("week", 8) == H.Window("week", 8, 26)
    with pytest.raises(LimitError) as over:
        H.Window("week", 105, 26)
    assert over.value.field == "before" and over.value.limit == 104
    assert "104 (the limit)" in str(over.value)
    with pytest.raises(LimitError) as months:
        H.Window("month", 12, 25)
    assert months.value.field == "after" and months.value.limit == 24
    with pytest.raises(InputError, match="at least 1") as zero:
        H.Window("week", 26, 0)
    assert zero.value.field == "after"
    with pytest.raises(InputError) as unit:
        H.Window("day", 1, 1)  # type: ignore[arg-type]
    assert unit.value.field == "unit"


# --------------------------------------------------------------------------- periods


def test_weeks_are_aligned_on_the_start_and_events_go_by_their_midpoint(make_events, box_zones):
    ev = make_events(
        dict(event_date="2018-09-16", fatalities=1),  # the day before: period -1
        dict(event_date="2018-09-17", fatalities=2),  # the first day: period 0
        dict(event_date="2018-09-14", days_after=3, fatalities=4),  # 14..17, middle 16th 00:00
        dict(event_date="2018-09-15", days_after=4, fatalities=8),  # 15..19, middle 17th 12:00
        dict(event_date="2018-09-02", fatalities=16),  # before the window (period -3)
        dict(event_date="2018-10-01", fatalities=32),  # after it (period 2)
        dict(event_date="2018-09-20", longitude=38.5, fatalities=64),  # outside every zone
    )
    h = H.held(
        SOCHI,
        None,
        box_zones,
        ev,
        window=H.Window("week", 2, 2),
        evidence=(dt.date(2018, 9, 5), dt.date(2018, 9, 26)),
    )
    p = _periods(h)
    assert p["period"].tolist() == [-2, -1, 0, 1]
    assert p["side"].tolist() == ["before", "before", "after", "after"]
    assert p["start"].tolist() == ["2018-09-03", "2018-09-10", "2018-09-17", "2018-09-24"]
    assert p["end"].tolist() == ["2018-09-09", "2018-09-16", "2018-09-23", "2018-09-30"]
    assert p["days"].tolist() == [7, 7, 7, 7]
    # the evidence runs 09-05 .. 09-26: the first and the last week are partly covered
    assert p["covered_days"].tolist() == [5, 7, 7, 3]
    assert p["coverage"].tolist() == ["partial", "full", "full", "partial"]
    assert p["events"].tolist() == [0, 2, 2, 0]
    assert p["fatalities"].tolist() == [0, 5, 10, 0]
    assert (h.first_day, h.last_day) == (dt.date(2018, 9, 3), dt.date(2018, 9, 30))
    t = _row(h)
    assert (t["before_events"], t["after_events"]) == (2, 2)
    assert (t["before_covered_days"], t["after_covered_days"]) == (12, 10)
    assert (t["before_days"], t["after_days"]) == (14, 14)
    assert t["before_events_per_week"] == round(7 * 2 / 12, 3)
    assert t["events_ratio"] == pytest.approx((2 / 10) / (2 / 12), abs=1e-4)
    assert t["fatalities_ratio"] == pytest.approx((10 / 10) / (5 / 12), abs=1e-4)


def test_months_split_the_effective_month_at_the_start(make_events, box_zones):
    """Was ``test_reports.test_before_after_splits_the_effective_month_by_event_time`` (the
    definition this replaces): the same events, now read with the one definition."""
    ev = make_events(
        dict(event_date="2020-03-04", fatalities=2),
        dict(event_date="2020-03-07", fatalities=5),
        dict(event_date="2020-05-01", fatalities=1),
        dict(event_date="2019-03-01", fatalities=7),  # 12 whole months before: inside
        dict(event_date="2019-02-28", fatalities=9),  # 13 months before: outside
    )
    h = H.held(MOSCOW, None, box_zones, ev, window=H.Window("month", 12, 12))
    p = _periods(h)
    march = p[p["start"].str.startswith("2020-03")].set_index("side")
    assert march["split"].all() and (march["period"] == 0).all()
    # the start read in Moscow time is 2020-03-05 23:01 local: the 5th's noon is before it
    assert march.loc["before", ["start", "end"]].tolist() == ["2020-03-01", "2020-03-05"]
    assert march.loc["after", ["start", "end"]].tolist() == ["2020-03-06", "2020-03-31"]
    assert (march.loc["before", "days"], march.loc["after", "days"]) == (5, 26)
    assert march.loc["before", "events"] == 1 and march.loc["after", "events"] == 1
    # 12 whole months each side and the split month: 2019-03 .. 2021-03
    assert len(p) == 12 + 2 + 12 and not p.loc[~p["start"].str.startswith("2020-03"), "split"].any()
    assert p["start"].iloc[0] == "2019-03-01" and p["end"].iloc[-1] == "2021-03-31"
    t = _row(h)
    assert (t["before_events"], t["after_events"]) == (2, 2)
    assert (t["before_fatalities"], t["after_fatalities"]) == (9, 6)
    # the evidence runs 2019-02-28 .. 2020-05-01: all of the before side, 57 days after
    # (was: "3 of 12 months" after, the month of the start counted whole)
    assert t["before_covered_days"] == t["before_days"] == 366 + 5
    assert t["after_covered_days"] == 26 + 30 + 1
    after = p[p["side"] == "after"]
    assert after["coverage"].tolist()[:3] == ["full", "full", "partial"]
    assert set(after["coverage"].tolist()[3:]) == {"none"}


def test_a_start_at_midnight_on_the_first_splits_no_month(box_zones):
    text = bundled_text("sochi-2018").replace(
        "effective_from: {at: 2018-09-17}", "effective_from: {at: 2018-10-01}"
    )
    october = parse_agreement(text)
    h = H.held(october, None, box_zones, pd.DataFrame(), window=H.Window("month", 2, 2))
    p = _periods(h)
    assert p["start"].tolist() == ["2018-08-01", "2018-09-01", "2018-10-01", "2018-11-01"]
    assert p["period"].tolist() == [-2, -1, 0, 1] and not p["split"].any()


# --------------------------------------------------------------------------- no evidence


def test_periods_without_evidence_are_none_never_zero(make_events, box_zones):
    """moscow-2020 over evidence that ends before it took effect (the bundled UCDP file ends
    2019-11-30): nothing after the start is known, so nothing after reads as zero."""
    ev = make_events(dict(event_date="2019-11-20", fatalities=3))
    h = H.held(MOSCOW, None, box_zones, ev, evidence=("2019-01-01", "2019-11-30"))
    p = h.periods
    after = p[p["side"] == "after"]
    assert set(after["coverage"]) == {"none"} and (after["covered_days"] == 0).all()
    assert after["events"].isna().all() and after["fatalities"].isna().all()
    d = h.to_dict()
    rows = [r for r in d["periods"] if r["side"] == "after"]
    assert rows and all(r["events"] is None and r["fatalities"] is None for r in rows)
    t = _row(h)
    assert t["after_events"] is None and t["after_events_per_week"] is None
    assert t["events_ratio"] is None and t["events_ratio_low"] is None
    assert t["note"] == t["summary"] == "no evidence after the start"
    # before: 2019-09-06 .. 2019-11-30 of the 26 weeks are known
    assert (t["before_events"], t["before_covered_days"], t["before_days"]) == (1, 86, 182)
    json.dumps(d, allow_nan=False)  # plain JSON, no NaN


def test_no_evidence_at_all(box_zones):
    h = H.held(SOCHI, None, box_zones, pd.DataFrame())
    assert h.evidence is None and set(h.periods["coverage"]) == {"none"}
    assert _row(h)["note"] == "no evidence before or after the start"


# --------------------------------------------------------------------------- the rate ratio


def _binomial_tail_at_least(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Bin(n, p), term by term (in logs: C(1467, 700) overflows a float)."""
    log_comb = lambda i: math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)  # noqa: E731
    return sum(
        math.exp(log_comb(i) + i * math.log(p) + (n - i) * math.log1p(-p)) for i in range(k, n + 1)
    )


def test_the_interval_is_clopper_pearson_by_hand():
    # a published value: 5 of 10 gives 0.1871 .. 0.8129
    assert [round(x, 4) for x in H.clopper_pearson(5, 10)] == [0.1871, 0.8129]
    # closed forms at the edges: (1 - p)^n = 0.025 and p^n = 0.025
    assert H.clopper_pearson(0, 12)[1] == pytest.approx(1 - 0.025 ** (1 / 12), rel=1e-9)
    assert H.clopper_pearson(12, 12)[0] == pytest.approx(0.025 ** (1 / 12), rel=1e-9)
    # the defining tails, summed term by term: P(X >= k | low) = P(X <= k | high) = 2.5 %
    for k, n in [(2, 4), (20, 30), (614, 1467), (1, 300)]:
        low, high = H.clopper_pearson(k, n)
        assert _binomial_tail_at_least(k, n, low) == pytest.approx(0.025, rel=1e-6)
        assert 1 - _binomial_tail_at_least(k + 1, n, high) == pytest.approx(0.025, rel=1e-6)


def test_the_rate_ratio_and_its_interval_by_hand():
    """20 events in 100 days after, 10 in 182 before: the ratio is (20/100)/(10/182) = 3.64; given
    the 30 events, those after are Bin(30, p) with p = r*100/(r*100 + 182), so each bound of p
    turns into r = p/(1-p) * 182/100."""
    ratio, low, high = H.rate_ratio(20, 100, 10, 182)
    assert ratio == pytest.approx(3.64)
    p_low, p_high = H.clopper_pearson(20, 30)
    assert low == pytest.approx(p_low / (1 - p_low) * 1.82)
    assert high == pytest.approx(p_high / (1 - p_high) * 1.82)
    assert (round(low, 2), round(high, 2)) == (1.63, 8.71)  # 0.8935 * 1.82, 4.785 * 1.82
    assert H.rate_ratio(0, 100, 0, 100) == (None, None, None)
    none_before = H.rate_ratio(4, 100, 0, 100)
    assert none_before[0] is None and none_before[2] is None and none_before[1] > 0
    assert H.rate_ratio(0, 100, 5, 100)[:2] == (0.0, 0.0)


def test_the_totals_say_the_ratio_in_words(make_events, box_zones):
    before = [dict(event_date=f"2018-08-{d:02d}") for d in range(1, 11)]  # 10 in 07-16 .. 09-16
    after = [dict(event_date=f"2018-10-{d:02d}") for d in range(1, 21)]  # 20 after
    ev = make_events(*before, *after)
    h = H.held(SOCHI, None, box_zones, ev, window=H.Window("week", 9, 9),
               evidence=("2018-01-01", "2019-12-31"))  # fmt: skip
    t = _row(h)
    ratio, low, high = H.rate_ratio(20, 63, 10, 63)
    assert (t["events_ratio"], t["events_ratio_low"], t["events_ratio_high"]) == (
        round(ratio, 4),
        round(low, 4),
        round(high, 4),
    )
    assert t["summary"] == f"after/before 2.00 (95% CI {low:.2f}-{high:.2f})" and t["note"] is None
    nobody = _row(h, party="turkey")
    assert nobody["note"] == nobody["summary"] == "no events before or after the start"


# --------------------------------------------------------------------------- parties


def test_parties_by_attribution_and_overrides(make_events, box_zones):
    ev = make_events(
        dict(event_date="2018-10-01"),  # Syrian forces, initiator known: russia
        dict(event_date="2018-10-02"),
        dict(event_date="2018-10-03", actor1=TURKEY),
        dict(event_date="2018-10-04", actor1="Civilians (Syria)", initiator_known=False),
    )
    h = H.held(SOCHI, None, box_zones, ev)
    assert h.parties == ("all", "russia", "turkey", "unattributed")
    after = {p: _row(h, party=p)["after_events"] for p in h.parties}
    assert after == {"all": 4, "russia": 2, "turkey": 1, "unattributed": 1}
    # an analyst overruled two: test:1 was turkey's, test:3 an armed group's (no party)
    o = H.held(SOCHI, None, box_zones, ev, party_overrides={"test:1": "turkey", "test:3": "hts"})
    assert o.parties == ("all", "russia", "turkey", "hts", "unattributed")
    after = {p: _row(o, party=p)["after_events"] for p in o.parties}
    assert after == {"all": 4, "russia": 1, "turkey": 2, "hts": 1, "unattributed": 0}


def test_zones_of_an_evaluation_are_the_same_zones(make_events, box_zones):
    """The briefing passes an evaluation's zones (derived corridors under their own id);
    the API every known zone: the same zones, in the same order, the same counts."""
    from ceasefire.compliance import evaluate

    ev = make_events(dict(event_date="2020-03-10"), dict(event_date="2020-02-10"))
    result = evaluate(MOSCOW, ev, zones=box_zones)
    a = H.held(MOSCOW, None, box_zones, ev)
    b = H.held(MOSCOW, None, result.zones, ev)
    assert [z for z, _ in a.zones] == [z for z, _ in b.zones]
    assert "moscow-2020/m4-security-corridor" in dict(a.zones)
    assert a.to_dict() == b.to_dict()


# --------------------------------------------------------------------------- the surfaces


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real store: the bundled agreements and zones, 246 bundled UCDP events in and
    around the Idlib area from 2017-12 on (every 8th), evaluated by the real engine."""
    folder = tmp_path_factory.mktemp("held")
    raw = pd.read_csv(monitoring.BUNDLED_UCDP, dtype=str, keep_default_na=False)
    lat, lon = raw["latitude"].astype(float), raw["longitude"].astype(float)
    near = raw[lat.between(35.2, 36.4) & lon.between(36.0, 37.3) & (raw["date_start"] >= "2017-12")]
    near.iloc[::8].to_csv(folder / "ucdp.csv", index=False)
    db = folder / "held.db"
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        assert store.ingest("ucdp", folder / "ucdp.csv").inserted == 246
        monitoring.evaluate_store(store)
    return db


@pytest.fixture(scope="module")
def client(store_db: Path) -> Iterator[TestClient]:
    app = create_app(store_db)
    with TestClient(app) as c:
        yield c
    app.state.store.close()


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


WINDOWS = [  # (CLI options, API query)
    ([], ""),
    (["--unit", "month", "--before", "12", "--after", "12"], "?unit=month&before=12&after=12"),
    (["--unit", "week", "--before", "8", "--after", "8"], "?unit=week&before=8&after=8"),
]


@pytest.mark.parametrize("agreement", ["sochi-2018", "moscow-2020"])
@pytest.mark.parametrize(("options", "query"), WINDOWS)
def test_the_cli_and_the_api_give_the_same_json(
    client: TestClient, store_db: Path, agreement: str, options: list[str], query: str
) -> None:
    printed = json.loads(
        _cli("before-after", "--agreement", agreement, *options, "--format", "json",
             "--db", str(store_db))
    )  # fmt: skip
    answer = client.get(f"/api/agreements/{agreement}/held{query}")
    assert answer.status_code == 200, answer.text
    api = answer.json()
    assert set(api) == {*printed, "by_party"}
    assert {k: v for k, v in api.items() if k != "by_party"} == printed
    assert printed["agreement"] == agreement and printed["periods"] and printed["totals"]


def test_what_the_surfaces_show_for_the_bundled_evidence(
    client: TestClient, store_db: Path
) -> None:
    """The issue's two cases: sochi-2018 has evidence both sides (one ratio, one interval, on
    every surface); moscow-2020 took effect after the bundled evidence ends: "no evidence after
    the start", never "0 events" (CLI table, briefing, API)."""
    api = client.get("/api/agreements/sochi-2018/held").json()
    assert api["window"] == {
        "unit": "week",
        "before": 26,
        "after": 26,
        "label": "26 weeks before vs after",
        "first_day": "2018-03-19",
        "last_day": "2019-03-17",
        "timezone": "Asia/Damascus",
    }
    assert api["evidence"] == {"first": "2017-12-04", "last": "2019-11-30"}
    sochi = next(r for r in api["totals"] if r["zone"] == AREA and r["party"] == "all")
    assert sochi["before_covered_days"] == sochi["after_covered_days"] == 182
    assert sochi["summary"].startswith("after/before ") and "(95% CI " in sochi["summary"]
    moscow = client.get("/api/agreements/moscow-2020/held").json()
    assert all(r["summary"] == "no evidence after the start" for r in moscow["totals"])
    assert all(r["after_events"] is None for r in moscow["totals"])
    table = _cli("before-after", "--agreement", "moscow-2020", "--db", str(store_db))
    assert "no evidence" in table and "0 of 182 after" in table
    # the briefing (`ceasefire evaluate`) says the same, with the same default window
    briefing = _cli("evaluate", "--db", str(store_db))
    assert "Did it hold? Events and deaths inside each zone, 26 weeks before vs after" in briefing
    assert sochi["summary"] in briefing
    assert "0 of 182 after\n  no evidence after the start: this cannot say whether" in briefing
    # csv: the totals, or the periods
    csv = _cli("before-after", "--agreement", "sochi-2018", "--format", "csv", "--rows",
               "periods", "--db", str(store_db))  # fmt: skip
    assert csv.splitlines()[0] == ",".join(H.PERIOD_COLUMNS)


def test_the_api_checks_the_window(client: TestClient) -> None:
    r = client.get("/api/agreements/sochi-2018/held?before=105")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["field"] == "before" and err["limit"] == 104
    r = client.get("/api/agreements/sochi-2018/held?unit=month&after=25")
    assert r.status_code == 422 and r.json()["error"]["limit"] == 24
    r = client.get("/api/agreements/sochi-2018/held?before=0")
    assert r.status_code == 422 and r.json()["error"]["field"] == "before"
    assert client.get("/api/agreements/sochi-2018/held?unit=day").status_code == 422
    assert client.get("/api/agreements/sochi-2018/held?weeks=26").status_code == 422  # gone
    assert client.get("/api/agreements/nowhere/held").status_code == 404
    # the default is the explicit default
    assert (
        client.get("/api/agreements/sochi-2018/held").json()
        == client.get("/api/agreements/sochi-2018/held?unit=week&before=26&after=26").json()
    )


def test_the_cli_checks_the_window(store_db: Path) -> None:
    result = CliRunner().invoke(
        cli, ["before-after", "--agreement", "sochi-2018", "--before", "200", "--db", str(store_db)]
    )
    assert result.exit_code == 1 and "before: more weeks than 104 (the limit)" in result.output


def test_the_page_carries_the_window_in_its_url(client: TestClient) -> None:
    page = client.get("/agreements/sochi-2018/held?unit=month&before=12&after=12").text
    form = page.split('<form id="held-window"', 1)[1].split("</form>", 1)[0]
    assert '<option value="month" selected>' in form
    assert 'name="before" id="held-before" min="1" max="24" value="12"' in form
    assert 'id="held-default"' in form
    for heading in ("Change in events", "Deaths after/before", "Days of evidence before / after"):
        assert f"<th>{heading}</th>" in page
    hostile = client.get('/agreements/sochi-2018/held?before="><script>alert(1)</script>').text
    assert "<script>alert(1)</script>" not in hostile and "&lt;script&gt;" in hostile
    script = client.get("/static/js/held.js").text
    assert "no evidence (unknown, not zero)" in script and "createPattern" in script
