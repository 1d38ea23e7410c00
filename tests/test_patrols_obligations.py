"""The joint-patrol provision as a positive obligation: weeks with too few joint patrols are
``unmet``, with the reason; a patrol by one party alone is not joint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ceasefire.agreements import load_bundled, parse_agreement
from ceasefire.compliance import OBLIGATION_STATUSES, Rules, evaluate
from ceasefire.compliance.obligations import check
from ceasefire.patrols import Patrol, patrol_periods, patrols_frame, read_tracks

ROUTE = "m4-trumba-ain-al-havr"
AS_OF = dt.datetime(2020, 4, 30, tzinfo=dt.UTC)


def _patrols(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(date, parties, status) -> a patrols frame on the M4."""
    return pd.DataFrame(
        {
            "patrol_id": [f"p{i}" for i in range(len(rows))],
            "route": ROUTE,
            "date": [r[0] for r in rows],
            "parties": [r[1] for r in rows],
            "status": [r[2] for r in rows],
            "planned": False,
        }
    )


def _patrol_rows(
    patrols: pd.DataFrame | None, agreement=None, as_of=AS_OF, evidence_until: str | None = None
) -> pd.DataFrame:
    """The joint-patrol rows of ``check``; ``evidence_until``: the day the events end."""
    a = agreement or load_bundled("moscow-2020")
    t = [pd.Timestamp(evidence_until, tz="UTC")] if evidence_until else []
    events = pd.DataFrame(
        {
            "time_start": pd.Series(t, dtype="datetime64[ns, UTC]"),
            "time_end": pd.Series(t, dtype="datetime64[ns, UTC]"),
        }
    )
    out = check([a], events, pd.DataFrame(), as_of=as_of, patrols=patrols)
    return out[out["provision_type"] == "joint_patrol"].reset_index(drop=True)


def test_unmet_is_a_status():
    assert "unmet" in OBLIGATION_STATUSES


def test_weeks_without_a_joint_patrol_are_unmet_with_the_reason():
    rows = _patrol_rows(
        _patrols(
            ("2020-03-15", "russia,turkey", "cut_short"),  # week 1: joint (cut short counts)
            ("2020-03-23", "turkey", "completed"),  # week 2: Turkey alone, not joint
            ("2020-04-01", "russia,turkey", "cancelled"),  # week 3: cancelled, not held
            ("2020-04-06", "russia,turkey", "completed"),  # week 4: joint
            ("2020-04-14", "russia,turkey", "completed"),  # week 5 ends 04-18; evidence ends here
        )
    )
    summary = rows.iloc[0]
    assert summary["status"] == "unmet"
    assert summary["due"] == "2020-03-15"
    # week 5 (from 04-12) is partial: said so, met already, never judged unmet
    assert summary["reason"].startswith(
        "3 of 5 weeks met from 2020-03-15 to 2020-04-14 (1 partial: 2020-04-12 to 2020-04-14, "
        "where the evidence ends, 1 joint patrol(s) so far); 2 had fewer joint"
    )
    assert "the text sets no frequency" in summary["reason"]
    unmet = rows.iloc[1:]
    assert unmet["status"].tolist() == ["unmet", "unmet"]
    assert unmet["due"].tolist() == ["2020-03-28", "2020-04-04"]
    week2 = unmet.iloc[0]["reason"]
    assert week2.startswith("week 2020-03-22 to 2020-03-28: 0 joint patrol(s), expected 1")
    assert "1 patrol(s) without every party, not joint" in week2
    assert "without every party" not in unmet.iloc[1]["reason"]


def test_a_frequency_in_the_agreement_is_the_bar():
    text = load_bundled("moscow-2020").model_dump(mode="json", exclude_none=True)
    for p in text["provisions"]:
        if p["type"] == "joint_patrol":
            p["expected_frequency"] = {"count": 2, "per": "week"}
    import yaml

    a = parse_agreement(yaml.safe_dump(text), file="freq.yaml")
    rows = _patrol_rows(
        _patrols(
            ("2020-03-15", "russia,turkey", "completed"),
            ("2020-03-17", "russia,turkey", "completed"),
            ("2020-03-23", "russia,turkey", "completed"),
        ),
        agreement=a,
        as_of=dt.datetime(2020, 3, 29, tzinfo=dt.UTC),
        evidence_until="2020-04-10",
    )
    assert rows["status"].tolist() == ["unmet", "unmet"]
    assert "expected 2" in rows.iloc[1]["reason"] and "2 per week" in rows.iloc[0]["reason"]


def test_every_week_met_is_met():
    rows = _patrol_rows(
        _patrols(
            ("2020-03-15", "russia,turkey", "completed"),
            ("2020-03-22", "russia,turkey", "completed"),
        )
    )
    assert rows["status"].tolist() == ["met"]
    # the evidence ends on the first day of week 2: one whole week and one partial, both met
    assert rows.iloc[0]["reason"].startswith(
        "2 of 2 weeks met from 2020-03-15 to 2020-03-22 (1 partial"
    )
    assert "none had fewer" in rows.iloc[0]["reason"]


def test_a_twelve_day_span_is_one_whole_week_and_one_partial_said_so():
    # issue 10: "0 of 1 weeks met" for 12 days of evidence; the partial week is said as such,
    # counted in the weeks shown, and never judged unmet while it has too few so far
    rows = _patrol_rows(
        _patrols(("2020-03-15", "turkey", "completed"), ("2020-03-26", "turkey", "completed"))
    )
    summary = rows.iloc[0]["reason"]
    assert summary.startswith(
        "0 of 2 weeks met from 2020-03-15 to 2020-03-26 (1 partial: 2020-03-22 to 2020-03-26, "
        "where the evidence ends, 0 joint patrol(s) so far); 1 had fewer joint"
    )
    assert rows["status"].tolist() == ["unmet", "unmet"]  # the summary and the whole week only
    assert rows.iloc[1]["reason"].startswith("week 2020-03-15 to 2020-03-21: 0 joint patrol(s)")
    periods = patrol_periods(
        _patrols(("2020-03-15", "turkey", "completed")),
        route=ROUTE,
        parties=["russia", "turkey"],
        start=dt.date(2020, 3, 15),
        end=dt.date(2020, 3, 26),
        partial=True,
    )
    assert periods[["period_end", "partial"]].values.tolist() == [
        ["2020-03-21", False],
        ["2020-03-26", True],
    ]


def test_without_patrol_records_on_the_route_the_old_answer_stays():
    rows = _patrol_rows(None)
    assert rows["status"].tolist() == ["no_evidence"]
    other = _patrols(("2020-03-15", "russia,turkey", "completed")).assign(route="elsewhere")
    assert _patrol_rows(other)["status"].tolist() == ["no_evidence"]


def test_before_the_start_it_is_pending():
    rows = _patrol_rows(
        _patrols(("2020-03-10", "russia,turkey", "completed")),
        as_of=dt.datetime(2020, 3, 12, tzinfo=dt.UTC),
    )
    assert rows["status"].tolist() == ["pending"]


def test_evaluate_passes_patrols_through(make_events):
    ev = make_events(dict(event_date="2020-03-20"))
    result = evaluate(
        load_bundled("moscow-2020"),
        ev,
        rules=Rules(as_of=AS_OF),
        patrols=_patrols(("2020-03-23", "turkey", "completed")),
    )
    o = result.obligations
    mine = o[o["provision_id"] == "m4-joint-patrols"]
    assert mine.iloc[0]["status"] == "unmet"
    assert (mine["status"] == "unmet").sum() == 2  # the summary and week 1 (03-15..03-21)


def test_patrol_objects_read_from_files_feed_an_evaluation_without_a_store(make_events):
    # the library path: tracks read, patrols made, their frame (patrols_frame) to evaluate
    data = Path(__file__).parent / "data" / "patrols"
    (alone,) = read_tracks(data / "2020-03-23-turkey-alone.geojson")
    (full,) = read_tracks(data / "2020-03-26-joint-full.geojson")
    patrols = [
        Patrol.actual(alone, route=ROUTE, parties="turkey"),
        Patrol.actual(full, route=ROUTE, parties="russia,turkey"),
    ]
    frame = patrols_frame(patrols)
    assert frame["date"].tolist() == ["2020-03-23", "2020-03-26"]
    result = evaluate(
        load_bundled("moscow-2020"),
        make_events(dict(event_date="2020-03-28")),
        rules=Rules(as_of=AS_OF),
        patrols=frame,
    )
    o = result.obligations
    mine = o[o["provision_id"] == "m4-joint-patrols"]
    # week 1 (03-15..03-21) has no patrol at all; week 2 has the joint one of the 26th
    assert mine["status"].tolist() == ["unmet", "unmet"]
    assert "week 2020-03-15 to 2020-03-21: 0 joint patrol(s)" in mine.iloc[1]["reason"]


def test_periods_per_day_and_month():
    frame = _patrols(("2020-03-15", "russia,turkey", "completed"))
    days = patrol_periods(
        frame,
        route=ROUTE,
        parties=["russia", "turkey"],
        start=dt.date(2020, 3, 15),
        end=dt.date(2020, 3, 17),
        per="day",
    )
    assert days["met"].tolist() == [True, False, False]
    months = patrol_periods(
        frame,
        route=ROUTE,
        parties=["russia", "turkey"],
        start=dt.date(2020, 3, 15),
        end=dt.date(2020, 5, 20),
        per="month",
    )
    assert months["period_start"].tolist() == ["2020-03-15", "2020-04-15"]
    assert months["n_joint"].tolist() == [1, 0]


@pytest.mark.parametrize("parties", ["russia", "turkey", "russia,syria"])
def test_one_party_alone_never_meets_it(parties):
    rows = _patrol_rows(
        _patrols(("2020-03-15", parties, "completed")),
        as_of=dt.datetime(2020, 3, 22, tzinfo=dt.UTC),
        evidence_until="2020-03-25",
    )
    assert rows["status"].tolist() == ["unmet", "unmet"]
    assert "not joint" in rows.iloc[1]["reason"]


def test_the_checked_weeks_end_with_the_evidence_not_today():
    only = _patrols(("2020-03-15", "russia,turkey", "completed"))
    assert _patrol_rows(only, as_of=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))["status"].tolist() == [
        "pending"
    ]  # no whole week of evidence yet
    rows = _patrol_rows(only, evidence_until="2020-04-04")
    assert len(rows) == 1 + 2  # weeks 2 and 3 unmet


def test_a_plan_does_not_stretch_the_weeks_judged():
    held = _patrols(
        ("2020-03-15", "russia,turkey", "completed"),
        ("2020-03-22", "russia,turkey", "completed"),
    )
    before = _patrol_rows(held).iloc[0]
    plan = _patrols(("2020-05-01", "russia,turkey", "completed")).assign(planned=True)
    after = _patrol_rows(pd.concat([held, plan], ignore_index=True))
    assert after.iloc[0]["status"] == before["status"]
    assert after.iloc[0]["reason"] == before["reason"]
    assert len(after) == 1 + (before["status"] == "unmet")


def test_plans_alone_are_no_evidence():
    plan = _patrols(("2020-03-15", "russia,turkey", "completed")).assign(planned=True)
    rows = _patrol_rows(plan, evidence_until="2020-04-20")
    assert rows["status"].tolist() == ["no_evidence"]
    assert "only plans" in rows.iloc[0]["reason"]
