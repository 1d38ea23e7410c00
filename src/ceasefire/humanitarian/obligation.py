"""Humanitarian access and the return of the displaced as obligations checked week by week.

**Weeks** are calendar weeks, Monday to Sunday (the provisions carry no start of their own, and
the published tracking tables count calendar weeks and months): the first is the week holding
``start``, the last the week holding ``end``. A week that ``start`` or ``end`` cuts is
``partial``. :func:`weekly_access` and :func:`weekly_movements` are the one definition the
obligation rows, the report, the CLI (``ceasefire humanitarian weeks``), the API
(``GET /api/humanitarian``) and the page all use.

**Access** (``humanitarian_access``): per week, the deliveries made (``delivered``), made in
part (``partly``) and ``blocked``, and their trucks. A week is *unmet* when a delivery in it was
blocked (in any week, partial or whole: a blocked convoy is a fact), or, for a whole week, when
no delivery at all was recorded in it although deliveries were recorded before it (access that
lapsed, or went unrecorded). Weeks before the first delivery on record are not judged.

**Return** (``return_of_displaced``): per week, the people who returned and those newly
displaced; ``net`` is returns less displacement. A whole week is *unmet* when new displacement
exceeded returns (more people were driven from their homes than went back to them). A monthly
figure (a table with a ``Month`` column) counts in the week holding the month's last day.

Records outside the provision's zone are left out, and records whose place is unknown are
counted (:func:`ceasefire.humanitarian.places.where_in_zone`); the summary says how many of
each. Without records at all: ``no_evidence``.

>>> import datetime as dt
>>> d = pd.DataFrame({"date": ["2020-03-09", "2020-03-10", "2020-03-24"],
...     "status": ["delivered", "blocked", "delivered"], "trucks": [40, 12, 30]})
>>> w = weekly_access(d, dt.date(2020, 3, 9), dt.date(2020, 3, 29))
>>> w[["week_start", "delivered", "blocked", "unmet"]].values.tolist()
[['2020-03-09', 1, 1, True], ['2020-03-16', 0, 0, True], ['2020-03-23', 1, 0, False]]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from ..errors import LimitError
from ..limits import MAX_PERIODS
from ..vocab import ObligationStatus
from .places import where_in_zone

__all__ = [
    "ACCESS_RULE",
    "ACCESS_WEEK_COLUMNS",
    "IMPORT_HINT",
    "MOVEMENT_WEEK_COLUMNS",
    "NOT_YET",
    "RETURN_RULE",
    "access_rows",
    "effective_days",
    "return_rows",
    "week_start",
    "weekly_access",
    "weekly_movements",
]

#: Columns of :func:`weekly_access`.
ACCESS_WEEK_COLUMNS: Final = (
    "week_start",
    "week_end",
    "partial",
    "deliveries",
    "delivered",
    "partly",
    "blocked",
    "trucks",
    "trucks_blocked",
    "unmet",
    "why",
)
#: Columns of :func:`weekly_movements`.
MOVEMENT_WEEK_COLUMNS: Final = (
    "week_start",
    "week_end",
    "partial",
    "records",
    "returns",
    "displacement",
    "net",
    "unmet",
    "why",
)
#: The access rule, in words (said in every summary).
ACCESS_RULE: Final = (
    "a week is unmet when a delivery in it was blocked, or when none was recorded in it "
    "after deliveries in earlier weeks"
)
#: The return rule, in words (said in every summary).
RETURN_RULE: Final = "a week is unmet when more people were newly displaced than returned"
#: A week before the first delivery on record: not judged.
NOT_YET: Final = "no delivery recorded yet: not judged"
#: What to do without records.
IMPORT_HINT: Final = "import them with `ceasefire humanitarian import`"


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week.

    >>> week_start(dt.date(2020, 3, 15))
    datetime.date(2020, 3, 9)
    """
    return day - dt.timedelta(days=day.weekday())


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    first, last = week_start(start), week_start(end)
    n = (last - first).days // 7 + 1 if last >= first else 0
    if n > MAX_PERIODS:
        raise LimitError(
            f"{start} to {end} is {n:,} weeks, more than", limit=MAX_PERIODS, field="weeks"
        )
    return [first + dt.timedelta(days=7 * i) for i in range(n)]


def effective_days(frame: pd.DataFrame) -> np.ndarray:
    """Each record's day as ``datetime64[D]``: its date, or for a monthly figure
    (``date_precision == "month"``) the month's last day."""
    days = pd.to_datetime(frame["date"], errors="coerce")
    if "date_precision" in frame.columns:
        monthly = (frame["date_precision"].astype(str) == "month").to_numpy()
        if monthly.any():
            ends = days + pd.offsets.MonthEnd(0)
            days = days.where(~monthly, ends)
    return days.to_numpy("datetime64[D]")


def _index(
    frame: pd.DataFrame, weeks: list[dt.date], start: dt.date, end: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """Each record's week index (-1: before ``start``, after ``end`` or undated) and day."""
    days = effective_days(frame)
    if not weeks:
        return np.full(len(frame), -1), days
    first = np.datetime64(weeks[0], "D")
    k = ((days - first).astype("timedelta64[D]").astype("int64") // 7).astype("int64")
    ok = (days >= np.datetime64(start, "D")) & (days <= np.datetime64(end, "D")) & ~np.isnat(days)
    return np.where(ok, k, -1), days


def _frame_of(weeks: list[dt.date], start: dt.date, end: dt.date) -> dict[str, Any]:
    ends = [w + dt.timedelta(days=6) for w in weeks]
    return {
        "week_start": [w.isoformat() for w in weeks],
        "week_end": [e.isoformat() for e in ends],
        "partial": [w < start or e > end for w, e in zip(weeks, ends, strict=True)],
    }


def _count(k: np.ndarray, mask: np.ndarray, n: int, weights: np.ndarray | None = None) -> Any:
    sel = (k >= 0) & mask
    w = None if weights is None else weights[sel]
    return np.bincount(k[sel], weights=w, minlength=n)[:n]


def weekly_access(deliveries: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Deliveries per week from ``start`` to ``end`` (:data:`ACCESS_WEEK_COLUMNS`): records,
    delivered, partly, blocked, trucks (delivered in whole or in part), trucks_blocked, and the
    week's judgement (``unmet`` and ``why``; see the module's doc)."""
    weeks = _weeks(start, end)
    n = len(weeks)
    base = _frame_of(weeks, start, end)
    if n == 0:
        return pd.DataFrame(columns=list(ACCESS_WEEK_COLUMNS))
    k, days = _index(deliveries, weeks, start, end)
    status = deliveries["status"].astype(str).to_numpy() if len(deliveries) else np.array([])
    trucks = (
        pd.to_numeric(deliveries["trucks"], errors="coerce").fillna(0).to_numpy(float)
        if len(deliveries)
        else np.array([])
    )
    made = (status == "delivered") | (status == "partial")
    all_rows = np.ones(len(deliveries), dtype=bool)
    frame = pd.DataFrame(base)
    frame["deliveries"] = _count(k, all_rows, n).astype(int)
    frame["delivered"] = _count(k, status == "delivered", n).astype(int)
    frame["partly"] = _count(k, status == "partial", n).astype(int)
    frame["blocked"] = _count(k, status == "blocked", n).astype(int)
    frame["trucks"] = _count(k, made, n, trucks).astype(int)
    frame["trucks_blocked"] = _count(k, status == "blocked", n, trucks).astype(int)
    # deliveries made before each week (records before start count too)
    made_days = np.sort(days[made & ~np.isnat(days)]) if len(days) else days
    firsts = np.array([np.datetime64(w, "D") for w in weeks])
    before = np.searchsorted(made_days, firsts, side="left")
    last_before = [str(made_days[b - 1]) if b > 0 else "" for b in before.tolist()]
    reasons: dict[int, list[str]] = {}
    if "reason" in deliveries.columns and len(deliveries):
        said = deliveries["reason"].fillna("").astype(str).to_numpy()
        for i in np.flatnonzero((k >= 0) & (status == "blocked") & (said != "")).tolist():
            got = reasons.setdefault(int(k[i]), [])
            if said[i] not in got and len(got) < 3:
                got.append(said[i])
    unmet: list[bool] = []
    why: list[str] = []
    cols = ("blocked", "trucks_blocked", "delivered", "partly", "trucks")
    blocked, t_blocked, delivered, partly, t_made = (
        [int(x) for x in frame[c].tolist()] for c in cols
    )
    partial = [bool(x) for x in frame["partial"].tolist()]
    for i in range(n):
        made = delivered[i] + partly[i]
        if blocked[i]:
            unmet.append(True)
            because = f": {'; '.join(reasons[i])}" if i in reasons else ""
            why.append(
                f"{blocked[i]} deliver{'y' if blocked[i] == 1 else 'ies'} blocked "
                f"({t_blocked[i]:,} trucks{because}); {made} made"
            )
        elif partial[i]:
            unmet.append(False)
            why.append("partial week: not judged for absence")
        elif made == 0 and before[i] > 0:
            unmet.append(True)
            why.append(
                f"no delivery recorded, after deliveries in earlier weeks (the last on "
                f"{last_before[i]})"
            )
        elif made == 0:
            unmet.append(False)
            why.append(NOT_YET)
        else:
            unmet.append(False)
            why.append(f"{made} made ({t_made[i]:,} trucks), none blocked")
    frame["unmet"] = unmet
    frame["why"] = why
    return frame[list(ACCESS_WEEK_COLUMNS)]


def weekly_movements(movements: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Returns and new displacement per week from ``start`` to ``end``
    (:data:`MOVEMENT_WEEK_COLUMNS`; ``net`` = returns - displacement), and the week's judgement
    (``unmet``: a whole week with more displaced than returned).

    >>> m = pd.DataFrame({"date": ["2020-03-10", "2020-03-11", "2020-03-01"],
    ...     "kind": ["returns", "displacement", "displacement"], "people": [500, 200, 900],
    ...     "date_precision": ["day", "day", "month"]})
    >>> w = weekly_movements(m, dt.date(2020, 3, 9), dt.date(2020, 4, 5))
    >>> w[["week_start", "returns", "displacement", "unmet"]].values.tolist()[::3]
    [['2020-03-09', 500, 200, False], ['2020-03-30', 0, 900, True]]
    """
    weeks = _weeks(start, end)
    n = len(weeks)
    if n == 0:
        return pd.DataFrame(columns=list(MOVEMENT_WEEK_COLUMNS))
    k, _ = _index(movements, weeks, start, end)
    kind = movements["kind"].astype(str).to_numpy() if len(movements) else np.array([])
    people = (
        pd.to_numeric(movements["people"], errors="coerce").fillna(0).to_numpy(float)
        if len(movements)
        else np.array([])
    )
    frame = pd.DataFrame(_frame_of(weeks, start, end))
    frame["records"] = _count(k, np.ones(len(movements), dtype=bool), n).astype(int)
    frame["returns"] = _count(k, kind == "returns", n, people).astype(int)
    frame["displacement"] = _count(k, kind == "displacement", n, people).astype(int)
    frame["net"] = frame["returns"] - frame["displacement"]
    unmet: list[bool] = []
    why: list[str] = []
    returns, displaced, records = (
        [int(x) for x in frame[c].tolist()] for c in ("returns", "displacement", "records")
    )
    partial = [bool(x) for x in frame["partial"].tolist()]
    for i in range(n):
        said = f"{displaced[i]:,} newly displaced, {returns[i]:,} returned"
        if partial[i]:
            unmet.append(False)
            why.append(f"partial week: not judged ({said} so far)")
        elif displaced[i] > returns[i]:
            unmet.append(True)
            why.append(f"{said}: {displaced[i] - returns[i]:,} more displaced than returned")
        elif records[i] == 0:
            unmet.append(False)
            why.append("no movement recorded")
        else:
            unmet.append(False)
            why.append(said)
    frame["unmet"] = unmet
    frame["why"] = why
    return frame[list(MOVEMENT_WEEK_COLUMNS)]


def _in_zone(
    frame: pd.DataFrame, zone_geometry: shapely.Geometry | None
) -> tuple[pd.DataFrame, str]:
    """The records inside the zone or of unknown place, and a note of what was left out."""
    if zone_geometry is None or frame.empty:
        return frame, ""
    where = where_in_zone(frame, zone_geometry)
    outside, unknown = int((where == "outside").sum()), int((where == "unknown").sum())
    notes = []
    if outside:
        notes.append(f"{outside} record(s) outside the zone left out")
    if unknown:
        notes.append(f"{unknown} of unknown place counted")
    return frame[where != "outside"], ("; " + "; ".join(notes)) if notes else ""


def _span(
    frame: pd.DataFrame, start: dt.date, now: dt.datetime, evidence_end: dt.date | None
) -> dt.date | None:
    days = effective_days(frame)
    days = days[~np.isnat(days)]
    if len(days) == 0:
        return None
    last = evidence_end if evidence_end is not None else pd.Timestamp(days.max()).date()
    return min(now.date(), last)


def _row(due: str, status: ObligationStatus, reason: str) -> dict[str, str]:
    return {"due": due, "status": str(status), "reason": reason}


def _summary_and_weeks(label: str, said: str, short: pd.DataFrame) -> list[dict[str, str]]:
    """The summary row (``unmet`` when a week fell short, else ``met``) and one ``unmet`` row
    per short week, due on its last day."""
    status = ObligationStatus.UNMET if len(short) else ObligationStatus.MET
    weeks = [
        _row(
            str(r["week_end"]),
            ObligationStatus.UNMET,
            f"week {r['week_start']} to {r['week_end']}: {r['why']}",
        )
        for r in short.to_dict("records")
    ]
    return [_row(label, status, said), *weeks]


@dataclass(frozen=True)
class _Judged:
    """What both humanitarian obligations are judged over: the records in the zone (and the
    note on those left out), the words for the zone, those records from ``start`` on, and the
    last day of the evidence."""

    frame: pd.DataFrame
    note: str
    where: str
    from_start: pd.DataFrame
    end: dt.date


def _judged(
    provision: Any,
    records: pd.DataFrame,
    what: str,
    missing: str,
    *,
    zone_geometry: shapely.Geometry | None,
    start: dt.date,
    now: dt.datetime,
    evidence_end: dt.date | None,
) -> _Judged | list[dict[str, str]]:
    """The records a provision is judged over, or its one row when it cannot be judged yet:
    ``pending`` before ``start``, ``no_evidence`` without ``missing`` records in its zone."""
    label = start.isoformat()
    if start > now.date():
        return [_row(label, ObligationStatus.PENDING, f"{what} from {label}")]
    zone = getattr(provision, "zone", None)
    frame, note = _in_zone(records, zone_geometry)
    where = f" in {zone}" if zone and zone_geometry is not None else ""
    days = effective_days(frame) if len(frame) else np.array([], dtype="datetime64[D]")
    from_start = frame[days >= np.datetime64(start, "D")] if len(frame) else frame
    end = _span(frame, start, now, evidence_end)
    if from_start.empty or end is None or end < start:
        why = (
            f"{what} from {label}: no {missing} records{where} in the evidence from {label} "
            f"({IMPORT_HINT}){note}"
        )
        return [_row(label, ObligationStatus.NO_EVIDENCE, why)]
    return _Judged(frame, note, where, from_start, end)


def access_rows(
    provision: Any,
    deliveries: pd.DataFrame,
    *,
    zone_geometry: shapely.Geometry | None = None,
    start: dt.date,
    now: dt.datetime,
    evidence_end: dt.date | None = None,
) -> list[dict[str, str]]:
    """A ``humanitarian_access`` provision's obligation rows (``due``, ``status``, ``reason``):
    ``pending`` before ``start``; ``no_evidence`` without delivery records in its zone from
    ``start``; else a summary row (``unmet`` when a week was, else ``met``; ``pending`` without
    a judged week yet) and one ``unmet`` row per week that fell short. ``evidence_end``: the
    last day the evidence covers (default: the last record's day; never after ``now``)."""
    label = start.isoformat()
    j = _judged(
        provision,
        deliveries,
        "humanitarian access",
        "aid delivery",
        zone_geometry=zone_geometry,
        start=start,
        now=now,
        evidence_end=evidence_end,
    )
    if isinstance(j, list):
        return j
    frame, note, where, end = j.frame, j.note, j.where, j.end
    weeks = weekly_access(frame, start, end)
    short = weeks[weeks["unmet"].astype(bool)]
    whole = weeks[~weeks["partial"].astype(bool)]
    judged = whole[whole["why"] != NOT_YET]
    if short.empty and judged.empty:
        why = f"no whole week with deliveries on record from {label} (the evidence ends {end})"
        return [_row(label, ObligationStatus.PENDING, why + note)]
    met = len(judged) - int(judged["unmet"].astype(bool).sum())
    total = weeks[["delivered", "partly", "blocked", "trucks", "trucks_blocked"]].sum()
    n_part = int(weeks["partial"].astype(bool).sum())
    counted = f"{met} of {len(judged)} whole weeks judged met" if len(judged) else "no whole week"
    said = (
        f"{counted} from {label} to {end} (Monday-based weeks"
        f"{f'; {n_part} partial' if n_part else ''}): "
        f"{int(total['delivered'])} deliveries made, {int(total['partly'])} in part "
        f"({int(total['trucks']):,} trucks), {int(total['blocked'])} blocked "
        f"({int(total['trucks_blocked']):,} trucks){where}; {ACCESS_RULE}{note}"
    )
    return _summary_and_weeks(label, said, short)


def return_rows(
    provision: Any,
    movements: pd.DataFrame,
    *,
    zone_geometry: shapely.Geometry | None = None,
    start: dt.date,
    now: dt.datetime,
    evidence_end: dt.date | None = None,
) -> list[dict[str, str]]:
    """A ``return_of_displaced`` provision's obligation rows, as :func:`access_rows` gives
    them: ``no_evidence`` without movement records in its zone from ``start``; else a summary
    (returns against new displacement over the span) and one ``unmet`` row per whole week in
    which more people were newly displaced than returned."""
    label = start.isoformat()
    j = _judged(
        provision,
        movements,
        "return of the displaced",
        "return or displacement",
        zone_geometry=zone_geometry,
        start=start,
        now=now,
        evidence_end=evidence_end,
    )
    if isinstance(j, list):
        return j
    frame, note, where, end, from_start = j.frame, j.note, j.where, j.end, j.from_start
    weeks = weekly_movements(frame, start, end)
    whole = weeks[~weeks["partial"].astype(bool) & (weeks["records"] > 0)]
    short = whole[whole["unmet"].astype(bool)]
    if whole.empty:
        why = f"no whole week with movement records from {label} (the evidence ends {end})"
        return [_row(label, ObligationStatus.PENDING, why + note)]
    monthly = ""
    if "date_precision" in from_start.columns and (from_start["date_precision"] == "month").any():
        monthly = "; monthly figures counted in the week holding the month's last day"
    r_sum, d_sum = int(weeks["returns"].sum()), int(weeks["displacement"].sum())
    said = (
        f"{len(whole) - len(short)} of {len(whole)} whole weeks with records met from {label} "
        f"to {end} (Monday-based weeks): {r_sum:,} returned, {d_sum:,} newly displaced, net "
        f"{r_sum - d_sum:+,}{where}; {RETURN_RULE}{monthly}{note}"
    )
    return _summary_and_weeks(label, said, short)
