"""The findings of an evaluation: incidents, counts per provision, by party and by month
(:mod:`ceasefire.findings`; before/after is ``ceasefire.held``, tested in test_held.py)."""

from __future__ import annotations

from ceasefire import findings, monitoring
from ceasefire.agreements import load_bundled
from ceasefire.compliance import evaluate

MOSCOW = load_bundled("moscow-2020")


def test_incidents_counts_party_and_top(make_events, box_zones):
    ev = make_events(
        dict(fatalities=3),
        dict(fatalities=10, actor1="Military Forces of Turkey (2016-)"),
        dict(event_type="Protests", sub_event_type="Peaceful protest", actor1="Protesters"),
    )
    r = evaluate(MOSCOW, ev, zones=box_zones)
    rows = findings.rows_of(r.verdicts, ev)
    s = findings.summary(rows, verdicts=findings.FINDING_VERDICTS)
    per = {p["provision_id"]: p for p in s["verdict_rows"]["by_provision"]}
    assert [per["ceasefire"][v] for v in ("violation", "compliant", "total")] == [2, 1, 3]
    # each event once, at its worst verdict
    assert s["incidents"]["total"] == 3 and s["incidents"]["violation"] == 2
    party = {p["party"]: p for p in s["by_party"]}
    assert party["russia"]["violations"] == 1 and party["turkey"]["violations"] == 1
    assert party["russia"]["violations_share"] == 0.5
    top = findings.incidents(rows)
    assert top.iloc[0]["fatalities"] == 10 and top.iloc[0]["verdict"] == "violation"


def test_by_month_counts_a_wide_window_from_when_the_provision_starts(make_events, box_zones):
    sochi = load_bundled("sochi-2018")
    # dated only to 2018-01-01 .. 2018-12-31: the part in force starts with the memorandum
    ev = make_events(dict(event_date="2018-01-01", days_after=364), dict(event_date="2018-11-05"))
    r = evaluate(sochi, ev, zones=box_zones)
    rows = findings.rows_of(r.verdicts, ev)
    rows = rows[rows["provision_id"] == "ceasefire-regime"]
    provisions = monitoring.finding_provisions([sochi], box_zones)
    months = {m["month"]: m for m in findings.summary(rows, provisions)["by_month"]}  # breaches
    assert months["2018-09"]["possible_violation"] == 1
    assert months["2018-11"]["violation"] == 1
    assert "2018-01" not in months
    # without the provisions' starts, the event's own first day is used
    plain = {m["month"] for m in findings.summary(rows)["by_month"]}
    assert "2018-01" in plain
