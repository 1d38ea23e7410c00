"""Positive obligations, checked for absence: deadlines, patrols, withdrawals.

An event can breach a ceasefire; an obligation is breached by what did *not* happen. Statuses:

- ``pending``: not yet due at ``as_of``.
- ``met`` / ``late``: fulfilment recorded (in the agreement file's ``fulfilled:``) on time / late.
- ``no_evidence``: due and passed, and nothing in the evidence shows it was met. This is not proof
  that it was not: a monitor adds ``fulfilled:`` with the evidence when it was.
- ``contrary_evidence``: events in the evidence contradict it (shelling inside a zone that was to
  be free of heavy weapons; fighting inside a zone to be demilitarised).
- ``no_contrary_evidence``: due, and no event in the evidence contradicts it.
- ``not_checkable``: the evidence types loaded carry no indicator for it.
- ``unmet``: patrol records are loaded and a period (a week from the start, by default) had fewer
  joint patrols than expected, or none; one row per such period, after a summary row for the
  provision (``met`` when no period fell short). A patrol by one party alone is not joint (see
  :mod:`ceasefire.patrols.obligation`). Only whole periods are judged; the summary says the
  period the evidence ends in as partial ("1 of 2 weeks met ... (1 partial: ...)").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..agreements import Agreement
from ..patrols.obligation import patrol_periods

__all__ = ["OBLIGATION_STATUSES", "check"]

OBLIGATION_STATUSES = (
    "pending",
    "met",
    "late",
    "no_evidence",
    "contrary_evidence",
    "no_contrary_evidence",
    "not_checkable",
    "unmet",
)


def check(
    agreements: Sequence[Agreement],
    events: pd.DataFrame,
    verdicts: pd.DataFrame,
    *,
    as_of: dt.datetime | None = None,
    patrols: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per obligation of the agreements: agreement_id, provision_id, provision_type, due,
    status, reason. ``patrols`` (see :func:`ceasefire.patrols.patrols_frame`) are the patrol
    records: with them, a joint-patrol provision gets a row per period that fell short."""
    now = as_of or dt.datetime.now(dt.UTC)
    rows = []
    for a in agreements:
        for p in a.provisions:
            if p.type == "joint_patrol":
                found = _patrol_rows(p, patrols, events, now)
            else:
                one = _check_one(a, p, events, verdicts, now)
                found = [] if one is None else [one]
            for row in found:
                rows.append(
                    {"agreement_id": a.id, "provision_id": p.id, "provision_type": p.type, **row}
                )
    cols = ["agreement_id", "provision_id", "provision_type", "due", "status", "reason"]
    return pd.DataFrame(rows, columns=cols)


def _evidence_span(events: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    if events.empty or events["time_start"].isna().all():
        return None, None
    return events["time_start"].min(), events["time_end"].max()


def _check_one(
    a: Agreement, p: Any, events: pd.DataFrame, verdicts: pd.DataFrame, now: dt.datetime
) -> dict[str, str] | None:
    if p.type == "deadline":
        due_hi = p.due.utc_window()[1]
        due = p.due.label()
        if p.fulfilled is not None:
            on_time = p.fulfilled.date <= p.due.local().date()
            return {
                "due": due,
                "status": "met" if on_time else "late",
                "reason": f"fulfilled {p.fulfilled.date}: {p.fulfilled.evidence}",
            }
        if due_hi > now:
            return {"due": due, "status": "pending", "reason": f"due {due}, after {now:%Y-%m-%d}"}
        return {
            "due": due,
            "status": "no_evidence",
            "reason": f"due {due}; no fulfilment recorded (add `fulfilled:` with evidence if met)",
        }
    if p.type in ("weapons_withdrawal", "demilitarised_zone"):
        spec = p.deadline if p.type == "weapons_withdrawal" else p.effective_from
        due = spec.label()
        if spec.utc_window()[1] > now:
            return {"due": due, "status": "pending", "reason": f"due {due}"}
        mine = verdicts[(verdicts["agreement_id"] == a.id) & (verdicts["provision_id"] == p.id)]
        breaches = mine["verdict"].isin(["violation", "possible_violation"])
        n = int(breaches.sum())
        _, last = _evidence_span(events)
        if n:
            what = "shelling or heavy-weapon use" if p.type == "weapons_withdrawal" else "breaches"
            return {
                "due": due,
                "status": "contrary_evidence",
                "reason": f"{n} events of {what} inside the zone after {due}",
            }
        if last is None or last < pd.Timestamp(spec.utc_window()[1]):
            return {"due": due, "status": "no_evidence", "reason": "no evidence after the deadline"}
        return {"due": due, "status": "no_contrary_evidence", "reason": "no breach in the evidence"}
    if p.type in ("humanitarian_access", "return_of_displaced"):
        return {
            "due": "",
            "status": "not_checkable",
            "reason": "event data carry no indicator for it; record evidence by hand",
        }
    return None


def _patrol_rows(
    p: Any, patrols: pd.DataFrame | None, events: pd.DataFrame, now: dt.datetime
) -> list[dict[str, str]]:
    """A joint-patrol provision: pending before its start; ``no_evidence`` without patrol
    records on its route; else a summary row and one ``unmet`` row per period with too few
    joint patrols."""
    start = p.start.local().date()
    label = p.start.label()
    if p.start.utc_window()[1] > now:
        return [{"due": label, "status": "pending", "reason": f"patrols start {label}"}]
    freq = p.expected_frequency
    count, per = (freq.count, freq.per) if freq else (1, "week")
    if patrols is None or not (patrols["route"] == p.route).any():
        asked = f"{count} per {per}" if freq else "no frequency set by the text"
        why = (
            f"joint patrols due from {label} ({asked}); no patrol records on route {p.route} "
            "in the evidence (import them with `ceasefire patrols import`)"
        )
        return [{"due": label, "status": "no_evidence", "reason": why}]
    basis = f"{count} per {per}" if freq else "at least 1 a week; the text sets no frequency"
    # the evidence ends at the last record of a patrol on this route (held or cancelled) or the
    # last event, whichever is later; not at "now", and a plan is no evidence of anything
    records = patrols[(patrols["route"] == p.route) & ~patrols["planned"].astype(bool)]
    last = pd.to_datetime(records["date"]).max() if len(records) else pd.NaT
    _, last_event = _evidence_span(events)
    if pd.isna(last):
        why = f"only plans of patrols on route {p.route} in the evidence, no records of patrols"
        return [{"due": label, "status": "no_evidence", "reason": why}]
    if last_event is not None and pd.notna(last_event):
        last = max(last, pd.Timestamp(last_event).tz_localize(None))
    end = min(now.date(), last.date())
    periods = patrol_periods(
        patrols,
        route=p.route,
        parties=p.parties,
        start=start,
        end=end,
        count=count,
        per=per,
        partial=True,
    )
    partial = periods["partial"].astype(bool)
    if not (~partial).any():
        why = f"no whole {per} of evidence from {start} (the evidence ends {end})"
        return [{"due": label, "status": "pending", "reason": why}]
    # only whole periods are judged; the one the evidence ends in is said as partial
    short = periods[~partial & ~periods["met"].astype(bool)]
    joint = " and ".join(p.parties)
    summary = {
        "due": label,
        "status": "unmet" if len(short) else "met",
        "reason": _periods_said(periods, per, start, end)
        + f"; {len(short) or 'none'} had fewer joint {joint} patrols than expected ({basis})",
    }
    rows = [summary]
    for r in short.to_dict("records"):
        n_lone = int(r["n_not_joint"])
        lone = f"; {n_lone} patrol(s) without every party, not joint" if n_lone else ""
        rows.append(
            {
                "due": str(r["period_end"]),
                "status": "unmet",
                "reason": f"{per} {r['period_start']} to {r['period_end']}: {int(r['n_joint'])} "
                f"joint patrol(s), expected {int(r['expected'])}{lone}",
            }
        )
    return rows


def _periods_said(periods: pd.DataFrame, per: str, start: dt.date, end: dt.date) -> str:
    """How many periods met the bar, partial ones said as such: "1 of 2 weeks met from
    2020-03-15 to 2020-03-26 (1 partial: 2020-03-22 to 2020-03-26, where the evidence ends,
    1 joint patrol so far)"."""
    n, met = len(periods), int(periods["met"].astype(bool).sum())
    out = f"{met} of {n} {per}s met from {start} to {end}"
    part = periods[periods["partial"].astype(bool)]
    if len(part):
        r = part.iloc[0]
        out += (
            f" ({len(part)} partial: {r['period_start']} to {r['period_end']}, where the "
            f"evidence ends, {int(r['n_joint'])} joint patrol(s) so far)"
        )
    return out
