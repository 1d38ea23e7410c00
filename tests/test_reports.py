"""Reports: counts per provision, by party and month, top violations, before/after."""

from __future__ import annotations

from ceasefire import reports
from ceasefire.agreements import load_bundled
from ceasefire.compliance import evaluate

MOSCOW = load_bundled("moscow-2020")


def test_before_after_splits_the_effective_month_by_event_time(make_events, box_zones):
    ev = make_events(
        dict(event_date="2020-03-04", fatalities=2),
        dict(event_date="2020-03-07", fatalities=5),
        dict(event_date="2020-05-01", fatalities=1),
        dict(event_date="2019-03-01", fatalities=7),  # 12 months before: inside the window
        dict(event_date="2019-02-28", fatalities=9),  # 13 months before: outside it
    )
    r = evaluate(MOSCOW, ev, zones=box_zones)
    table = reports.before_after(r.agreements, r.zones, ev)
    area = table[
        (table["agreement_id"] == "moscow-2020") & (table["zone_id"] == "idlib-de-escalation-area")
    ]
    march = area[area["month"] == "2020-03"].set_index("side")
    assert march.loc["before", "events"] == 1 and march.loc["after", "events"] == 1
    totals = reports.before_after_totals(table).set_index(["agreement_id", "zone_id"])
    row = totals.loc[("moscow-2020", "idlib-de-escalation-area")]
    assert (row["before_events"], row["after_events"]) == (2, 2)
    assert (row["before_fatalities"], row["after_fatalities"]) == (9, 6)
    # the evidence runs 2019-02 .. 2020-05: the 'after' side covers months 0, 1 and 2 only
    assert row["after_months"] == 3 and row["before_months"] == 12


def test_counts_party_and_top(make_events, box_zones):
    ev = make_events(
        dict(fatalities=3),
        dict(fatalities=10, actor1="Military Forces of Turkey (2016-)"),
        dict(event_type="Protests", sub_event_type="Peaceful protest", actor1="Protesters"),
    )
    r = evaluate(MOSCOW, ev, zones=box_zones)
    counts = reports.verdict_counts(r.verdicts).set_index("provision_id")
    assert counts.loc["ceasefire", ["violation", "compliant", "total"]].tolist() == [2, 1, 3]
    party = reports.by_party(r.verdicts)
    cf = party[party["provision_id"] == "ceasefire"].set_index("party")
    assert cf.loc["russia", "violation"] == 1 and cf.loc["turkey", "violation"] == 1
    top = reports.top_violations(r.verdicts, ev, n=1)
    assert top.iloc[0]["fatalities"] == 10


def test_by_month_counts_a_wide_window_from_when_the_provision_starts(make_events, box_zones):
    sochi = load_bundled("sochi-2018")
    # dated only to 2018-01-01 .. 2018-12-31: the part in force starts with the memorandum
    ev = make_events(dict(event_date="2018-01-01", days_after=364), dict(event_date="2018-11-05"))
    r = evaluate(sochi, ev, zones=box_zones)
    months = reports.by_month(r.verdicts, ev, r.agreements)
    regime = months[months["provision_id"] == "ceasefire-regime"].set_index("month")
    assert regime.loc["2018-09", "possible_violation"] == 1
    assert regime.loc["2018-11", "violation"] == 1
    assert "2018-01" not in regime.index
    # without the agreements, the event's own first day is used
    plain = reports.by_month(r.verdicts, ev)
    assert "2018-01" in set(plain["month"])
