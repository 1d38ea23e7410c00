"""The findings a mission publishes: one definition of every figure a user can see.

A *verdict row* is one event judged under one provision (the engine's unit). An **incident** is
one event with its worst verdict among the rows that match the filters: the unit the workspace,
the briefing and the exports count by default, so an event judged under five provisions is one
incident, not five violations. Violations and possible violations are always counted apart and
never summed under the name "violations".

The figures are computed here, from a frame of verdict rows, by one function each:
:func:`incidents` (the table, most deaths first), :func:`summary` (counts by verdict, party,
zone and month, and how many were reviewed). The CLI, the API, the pages and the exports all
read them; the store only selects the rows (:func:`ceasefire.store.read.finding_rows`), with
analysts' reviews already applied (:class:`ReviewStatus`).

>>> rows = pd.DataFrame({
...     "event_uid": ["e1", "e1", "e2"], "agreement_id": ["a", "a", "a"],
...     "provision_id": ["p", "q", "p"], "verdict": ["violation", "possible_violation", "exempt"],
...     "probability": [1.0, 0.5, 1.0], "party": ["russia", "russia", ""],
...     "fatalities": [3, 3, 0], "event_date": ["2020-03-07", "2020-03-07", "2020-03-09"]})
>>> incidents(rows)[["event_uid", "verdict", "breaches"]].values.tolist()
[['e1', 'violation', 'a/p, a/q'], ['e2', 'exempt', '']]
>>> summary(rows)["incidents"]  # violations and possible violations, by default
{'total': 1, 'violation': 1, 'possible_violation': 0}
>>> summary(rows, verdicts=FINDING_VERDICTS)["incidents"]["total"]
2
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from itertools import groupby
from operator import itemgetter
from typing import Any, Final

import numpy as np
import pandas as pd

from .compliance import VERDICTS
from .vocab import BREACHES as _BREACH_VERDICTS
from .vocab import Verdict
from .weapons import weapon_classes

__all__ = [
    "AGGREGATE_KEYS",
    "BREACHES",
    "DEFAULT_VERDICTS",
    "EVENT_COLUMNS_SHOWN",
    "FINDING_VERDICTS",
    "INCIDENT_COLUMNS",
    "INCIDENT_SORTS",
    "REVIEW_STATUSES",
    "Filters",
    "Page",
    "Provisions",
    "ReviewStatus",
    "aggregate",
    "by_observation",
    "corrected_party",
    "incident_rows",
    "incidents",
    "report",
    "review_queue",
    "reviewed_parties",
    "rows_of",
    "select",
    "selected",
    "sort_incidents",
    "summary",
    "zone_incidents",
]

#: The verdicts a party answers for; counted apart, never summed.
BREACHES: Final = tuple(v.value for v in _BREACH_VERDICTS)
#: The verdicts that are findings: every verdict but ``outside`` (an event the provision does
#: not speak of): ``outside`` rows are read only when asked.
FINDING_VERDICTS: Final = tuple(v for v in VERDICTS if v != Verdict.OUTSIDE)
#: What a filter without verdicts shows, on every surface (the pages tick these boxes):
#: violations and possible violations, never compliant, exempt or outside unless asked.
DEFAULT_VERDICTS: Final = BREACHES


class ReviewStatus(StrEnum):
    """An analyst's reading of one verdict (the latest review of it counts).

    ``overruled`` carries a corrected verdict, party or event type, which replaces the
    machine's in every count; the machine's verdict stays stored beside it
    (``machine_verdict``, ``machine_party``) and in the audit trail. A review is of one version
    of the event: when the event changes, the review is *stale* and the verdict counts as
    unreviewed again (the review is still shown).
    """

    UNREVIEWED = "unreviewed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    OVERRULED = "overruled"
    NEEDS_INFO = "needs_info"


#: Every review status, ``unreviewed`` first.
REVIEW_STATUSES: Final = tuple(s.value for s in ReviewStatus)


def corrected_party(
    verdict: str, machine_verdict: str, machine_party: str | None, party: str | None
) -> str:
    """The party an overruled verdict is attributed to: the analyst's ``party`` when given;
    else the machine's when both verdicts are breaches; ``unattributed`` for a new breach; none
    (``""``) when the verdict is no breach (a party answers only for a breach).

    >>> corrected_party("violation", "possible_violation", "russia", None)
    'russia'
    >>> corrected_party("violation", "compliant", "", None), corrected_party("exempt", "violation",
    ...     "russia", None)
    ('unattributed', '')
    """
    if verdict not in BREACHES:
        return ""
    if party:
        return party
    if machine_verdict in BREACHES and machine_party:
        return machine_party
    return "unattributed"


@dataclass(frozen=True)
class Filters:
    """The shared filters of every surface; ``None`` / empty means "any".

    ``verdict`` empty means :data:`DEFAULT_VERDICTS` (violations and possible violations, on
    every surface). ``review_status`` empty means any status.

    The findings apply ``verdict``, ``party``, ``review_status`` and ``event_type`` to incidents
    (:func:`select`: an event by its worst verdict, that verdict's party and review, its event
    type as an analyst corrected it); the others pick the verdict rows an incident is made of.
    The per-provision listing (``/api/verdicts``) applies them all to rows.
    """

    agreement: str | None = None
    provision: str | None = None
    verdict: tuple[str, ...] = ()
    party: str | None = None
    actor: str | None = None
    event_type: str | None = None
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    review_status: tuple[str, ...] = field(default=())

    @property
    def has_verdict_filter(self) -> bool:
        """Whether a filter speaks of verdicts (agreement, provision, verdict, party, review)."""
        return bool(
            self.agreement or self.provision or self.verdict or self.party or self.review_status
        )

    @property
    def verdicts(self) -> tuple[str, ...]:
        """The verdicts asked for: ``verdict``, or :data:`DEFAULT_VERDICTS` when none."""
        return self.verdict or DEFAULT_VERDICTS

    @property
    def row_verdicts(self) -> tuple[str, ...]:
        """The verdict rows an incident is made of: every finding verdict, and ``outside``
        when asked for."""
        return FINDING_VERDICTS + (("outside",) if "outside" in self.verdict else ())

    def but(self, **changes: Any) -> Filters:
        """A copy with ``changes``."""
        return replace(self, **changes)

    def as_params(self) -> dict[str, Any]:
        """The filters as URL/CLI parameters (only those set)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, ()):
                continue
            out[f.name] = ",".join(map(str, value)) if f.name == "bbox" else value
        return out


@dataclass(frozen=True)
class Page:
    """Paging and sorting of a table."""

    limit: int = 100
    offset: int = 0
    sort: str | None = None
    order: str = "asc"


#: Event columns a verdict row carries for display (as the store joins them).
EVENT_COLUMNS_SHOWN: Final = (
    "event_date",
    "location",
    "latitude",
    "longitude",
    "actor1",
    "actor2",
    "fatalities",
    "event_type",
    "sub_event_type",
    "source_dataset",
)


def rows_of(verdicts: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Verdict rows of an evaluation that was not stored, as the store's read model gives them
    (:func:`ceasefire.store.read.finding_rows` without filters): the finding verdicts (not
    ``outside``) with their events' columns; nothing reviewed."""
    v = verdicts[verdicts["verdict"].astype(str).isin(FINDING_VERDICTS)]
    cols = ["event_uid", *(c for c in EVENT_COLUMNS_SHOWN if c in events.columns)]
    out = v.merge(events[cols], on="event_uid", how="left")
    return out.assign(
        verdict=out["verdict"].astype(str),
        party=out["party"].fillna("").astype(str),
        fatalities=pd.to_numeric(out["fatalities"], errors="coerce").fillna(0).astype(int),
        machine_verdict=out["verdict"].astype(str),
        machine_party=out["party"].fillna("").astype(str),
        review_status=ReviewStatus.UNREVIEWED.value,
        review_stale=False,
    )


@dataclass(frozen=True)
class Provisions:
    """What the findings need of each event-checked provision, by (agreement id, provision id):
    the zone its verdicts are about (counts by zone) and the local day it starts (an event dated
    only to a month or a year that began before counts from that day, the part of its window
    the verdict is about). Built by :func:`ceasefire.monitoring.finding_provisions`."""

    zone: Mapping[tuple[str, str], str] = field(default_factory=dict)
    start: Mapping[tuple[str, str], str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- incidents

#: Columns of :func:`incidents`.
INCIDENT_COLUMNS: Final = (
    "event_uid",
    "event_date",
    "location",
    "latitude",
    "longitude",
    "location_uncertainty_km",
    "actor1",
    "actor2",
    "event_type",
    "machine_event_type",
    "source_dataset",
    "fatalities",
    "verdict",
    "probability",
    "party",
    "agreement_id",
    "provision_id",
    "breaches",
    "verdict_rows",
    "review_status",
    "machine_verdict",
    "reason",
)
#: Sort keys of an incidents table; the default is severity.
INCIDENT_SORTS: Final = ("severity", "event_date", "fatalities", "probability", "verdict", "party")

_RANK: Final = {v: i for i, v in enumerate(VERDICTS)}


def _with_defaults(rows: pd.DataFrame) -> pd.DataFrame:
    """The verdict rows with every column :func:`incidents` reads (absent ones empty)."""
    r = rows
    n = len(r)
    fill: dict[str, Any] = {
        "location": None,
        "latitude": np.nan,
        "longitude": np.nan,
        "location_uncertainty_km": np.nan,
        "reviewed_event_type": None,
        "actor1": None,
        "actor2": None,
        "event_type": None,
        "source_dataset": None,
        "fatalities": 0,
        "party": "",
        "reason": "",
        "review_status": ReviewStatus.UNREVIEWED.value,
        "event_date": None,
        "provision_id": "",
        "agreement_id": "",
    }
    add = {k: [v] * n for k, v in fill.items() if k not in r.columns}
    if add:
        r = r.assign(**add)
    if "machine_verdict" not in r.columns:
        r = r.assign(machine_verdict=r["verdict"])
    return r


def _severity_order(t: pd.DataFrame) -> pd.DataFrame:
    """Most deaths first, then the worse verdict, the likelier, the latest, by uid."""
    return t.assign(
        _deaths=pd.to_numeric(t["fatalities"], errors="coerce").fillna(0),
        _rank=t["verdict"].astype(str).map(_RANK).fillna(len(VERDICTS)),
        _p=pd.to_numeric(t["probability"], errors="coerce").fillna(0),
        _date=t["event_date"].astype(str),
    ).sort_values(
        ["_deaths", "_rank", "_p", "_date", "event_uid"],
        ascending=[False, True, False, False, True],
        kind="stable",
    )


def _worst_first(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` by event, each event's worst row first: the most severe verdict, then the
    likelier, then agreement and provision order. The one definition of an incident's row."""
    return rows.assign(
        _rank=rows["verdict"].astype(str).map(_RANK).fillna(len(VERDICTS)),
        _p=pd.to_numeric(rows["probability"], errors="coerce").fillna(0),
    ).sort_values(
        ["event_uid", "_rank", "_p", "agreement_id", "provision_id"],
        ascending=[True, True, False, True, True],
        kind="stable",
    )


def incident_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The row :func:`incidents` takes for each event of ``rows`` (``event_uid``, ``verdict``,
    ``probability``, ``agreement_id``, ``provision_id``): its worst. The store marks these rows
    (``verdicts.incident``) per agreement, so that a page or a timeline of incidents reads one
    row per event instead of all of them.

    >>> rows = pd.DataFrame({"event_uid": ["e1", "e1"], "agreement_id": ["a", "a"],
    ...     "provision_id": ["p", "q"], "verdict": ["possible_violation", "violation"],
    ...     "probability": [0.9, 0.6]})
    >>> incident_rows(rows)[["event_uid", "provision_id"]].to_dict("records")
    [{'event_uid': 'e1', 'provision_id': 'q'}]
    """
    if rows.empty:
        return rows
    return _worst_first(rows).drop_duplicates("event_uid", keep="first")[list(rows.columns)]


def incidents(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per event: its worst verdict among ``rows`` (then the likelier; then agreement and
    provision order), that row's probability, party, provision, reason and review status, the
    provisions it breaches (``agreement/provision`` with a violation or possible violation,
    comma-separated), its number of verdict rows, its review status (its worst row's) and its
    event type (an analyst's correction, the machine's kept in ``machine_event_type``); sorted
    by severity: most deaths first,
    then the worse verdict, the likelier, the latest (:data:`INCIDENT_COLUMNS`)."""
    if rows.empty:
        return pd.DataFrame(columns=list(INCIDENT_COLUMNS))
    order = _worst_first(_with_defaults(rows))
    worst = order.drop_duplicates("event_uid", keep="first").set_index("event_uid")
    # the event type an analyst's current overruling gives the event (any of its rows)
    corrected = order.dropna(subset=["reviewed_event_type"]).drop_duplicates("event_uid")
    worst["machine_event_type"] = worst["event_type"]
    worst["event_type"] = (
        corrected.set_index("event_uid")["reviewed_event_type"]
        .reindex(worst.index)
        .fillna(worst["event_type"])
    )
    # the incident's review is its worst row's: an event with an unreviewed violation is
    # unreviewed, whatever was said of its other rows
    worst["review_status"] = worst["review_status"].fillna(ReviewStatus.UNREVIEWED.value)
    breach = order[order["verdict"].astype(str).isin(BREACHES)]
    named = breach["agreement_id"].astype(str) + "/" + breach["provision_id"].astype(str)
    # `order` is sorted by event, so each event's breaches are one run (a pandas groupby
    # with a Python join per group costs ~30 µs a group)
    breaches = pd.Series(
        {
            uid: ", ".join(name for _, name in run)
            for uid, run in groupby(
                zip(breach["event_uid"].tolist(), named.tolist(), strict=True), key=itemgetter(0)
            )
        },
        dtype=object,
    )
    counts = order.groupby("event_uid", sort=False).size()
    t = worst.assign(
        breaches=breaches.reindex(worst.index).fillna(""),
        verdict_rows=counts.reindex(worst.index).astype(int),
        fatalities=pd.to_numeric(worst["fatalities"], errors="coerce").fillna(0).astype(int),
        party=worst["party"].fillna("").astype(str),
    ).reset_index()
    t = _severity_order(t)
    return t[list(INCIDENT_COLUMNS)].reset_index(drop=True)


def select(rows: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows of the incidents ``f`` asks for: an event whose worst verdict among ``rows`` is
    one of ``f.verdicts``, with that verdict's party (``unattributed`` for a breach without
    one) ``f.party``, its review status one of ``f.review_status`` and its event type (as
    corrected) ``f.event_type``. ``rows`` are an incident's verdict rows as
    :attr:`Filters.row_verdicts` and the other filters pick them.

    >>> rows = pd.DataFrame({"event_uid": ["e1", "e1", "e2"], "provision_id": ["p", "q", "p"],
    ...     "verdict": ["violation", "possible_violation", "possible_violation"],
    ...     "probability": [1.0, 0.5, 0.5], "party": ["russia", "russia", "turkey"]})
    >>> sorted(set(select(rows, Filters(verdict=("possible_violation",)))["event_uid"]))
    ['e2']
    """
    return selected(rows, f)[0]


def selected(rows: pd.DataFrame, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`select`'s rows and their :func:`incidents` (computed once: an event's incident
    depends on its own rows only, and the selection keeps all of them)."""
    inc = incidents(rows)
    if rows.empty:
        return rows, inc
    keep = inc["verdict"].astype(str).isin(f.verdicts)
    if f.party:
        keep &= _party_label(inc) == f.party
    if f.review_status:
        keep &= inc["review_status"].astype(str).isin(f.review_status)
    if f.event_type:
        keep &= inc["event_type"] == f.event_type
    kept = inc[keep].reset_index(drop=True)
    return rows[rows["event_uid"].isin(set(kept["event_uid"]))], kept


def reviewed_parties(rows: pd.DataFrame) -> dict[str, str]:
    """Event uid -> the party an analyst's current overruling attributes it to, from verdict
    rows (what "did it hold" counts by party, as the findings do).

    >>> rows = pd.DataFrame({"event_uid": ["e1", "e2"], "review_status": ["overruled"] * 2,
    ...     "party": ["russia", ""], "machine_party": ["turkey", "turkey"]})
    >>> reviewed_parties(rows)
    {'e1': 'russia'}
    """
    if rows.empty or "machine_party" not in rows.columns:
        return {}
    party = rows["party"].fillna("").astype(str)
    changed = rows[
        (rows["review_status"].astype(str) == ReviewStatus.OVERRULED.value)
        & (party != "")
        & (party != rows["machine_party"].fillna("").astype(str))
    ]
    return dict(zip(changed["event_uid"].astype(str), changed["party"].astype(str), strict=True))


def sort_incidents(t: pd.DataFrame, page: Page) -> pd.DataFrame:
    """``t`` (from :func:`incidents`) in the order ``page`` asks (``severity`` by default)."""
    if page.sort in (None, "severity"):
        return t if page.order != "asc" or page.sort is None else t.iloc[::-1]
    ascending = page.order == "asc"
    return t.sort_values(
        [page.sort, "event_uid"], ascending=[ascending, True], kind="stable", na_position="last"
    )


# ------------------------------------------------------------------------------------ summary


def _share(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def _by_verdict(t: pd.DataFrame, verdicts: Sequence[str]) -> dict[str, int]:
    counts = t["verdict"].astype(str).value_counts()
    return {v: int(counts.get(v, 0)) for v in verdicts}


#: What :func:`aggregate` groups incidents by.
AGGREGATE_KEYS: Final = (
    "day",
    "week",
    "month",
    "zone",
    "party",
    "verdict",
    "event_type",
    "weapon",
)


def _week(day: pd.Series) -> pd.Series:
    """The Monday (ISO date) of each ISO date's week."""
    d = pd.to_datetime(day, errors="coerce")
    return (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")


def aggregate(
    rows: pd.DataFrame,
    by: str,
    provisions: Provisions | None = None,
    *,
    verdicts: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Incidents (each event once, at its worst verdict) and their deaths grouped by ``by``
    (one of :data:`AGGREGATE_KEYS`) and verdict: ``[{key, verdict, count, fatalities}]``.

    By ``zone``, an incident counts in each zone one of its rows is about (``provisions.zone``),
    at its worst verdict there; by ``party``, a breach without a party is ``unattributed`` and
    other verdicts have none; by ``weapon``, its :mod:`ceasefire.weapons` class (from its
    ``sub_event_type``, as the rows carry it, unless an analyst corrected its event type:
    then ``other_unknown``); by ``day``, ``week`` or ``month``, an incident counts on its
    event date, or on the day its worst verdict's provision starts when that is later
    (``provisions.start``: an event dated only to a month or a year). With ``verdicts`` (the
    filters' :attr:`Filters.verdicts`), only incidents at those verdicts are counted: by zone,
    an event that is a violation elsewhere but only compliant in a zone is not counted there.
    """
    provisions = provisions or Provisions()
    if by not in AGGREGATE_KEYS:
        raise ValueError(f"by: must be one of {', '.join(AGGREGATE_KEYS)} ({by!r})")
    if by == "zone":
        parts = [inc.assign(_key=z) for z, inc in _zone_incidents(rows, provisions.zone)]
        t = pd.concat(parts, ignore_index=True) if parts else incidents(rows.iloc[:0])
        if not parts:
            t = t.assign(_key=pd.Series(dtype=object))
    else:
        t = incidents(rows)
        day = _counted_day(t, provisions.start)
        keys: dict[str, Callable[[], pd.Series]] = {
            "day": lambda: day,
            "week": lambda: _week(day),
            "month": lambda: day.str.slice(0, 7),
            "party": lambda: _party_label(t),
            "verdict": lambda: t["verdict"].astype(str),
            "event_type": lambda: t["event_type"],
            "weapon": lambda: _weapon(t, rows),
        }
        key = keys[by]()
        t = t.assign(_key=key)
    if verdicts is not None:
        t = t[t["verdict"].astype(str).isin(verdicts)]
    if t.empty:
        return []
    g = t.groupby(["_key", t["verdict"].astype(str)], sort=True, dropna=False)["fatalities"]
    out = [
        {
            "key": None if pd.isna(k) else str(k),
            "verdict": str(v),
            "count": int(n),
            "fatalities": int(d),
        }
        for (k, v), n, d in zip(g.size().index, g.size(), g.sum(), strict=True)
    ]
    return sorted(out, key=lambda m: (str(m["key"]), _RANK.get(m["verdict"], 9)))


def by_observation(inc: pd.DataFrame, observations: Mapping[str, str]) -> list[dict[str, Any]]:
    """Incidents of monitors' field reports and their deaths by what the monitor did
    (``observations``: event uid -> ``seen`` or ``heard``) and verdict, as :func:`aggregate`
    gives its rows (``[{key, verdict, count, fatalities}]``); incidents of other events (not in
    ``observations``) are left out. ``/api/aggregates?by=observation`` answers this.

    >>> inc = pd.DataFrame({"event_uid": ["a", "b", "c"], "fatalities": [1, 0, 2],
    ...     "verdict": ["violation", "violation", "possible_violation"]})
    >>> rows = by_observation(inc, {"a": "seen", "c": "heard"})
    >>> [(r["key"], r["verdict"], r["count"]) for r in rows]
    [('heard', 'possible_violation', 1), ('seen', 'violation', 1)]
    """
    if inc.empty:
        return []
    key = inc["event_uid"].astype(str).map(observations)
    t = inc.assign(_key=key).dropna(subset=["_key"])
    if t.empty:
        return []
    g = t.groupby(["_key", t["verdict"].astype(str)], sort=True)["fatalities"]
    out = [
        {"key": str(k), "verdict": str(v), "count": int(n), "fatalities": int(d)}
        for (k, v), n, d in zip(g.size().index, g.size(), g.sum(), strict=True)
    ]
    return sorted(out, key=lambda m: (str(m["key"]), _RANK.get(m["verdict"], 9)))


def _weapon(inc: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Each incident's weapon class (:func:`ceasefire.weapons.weapon_classes`): the sub-event
    type of its event, dropped where an analyst's corrected event type replaced the machine's."""
    if "sub_event_type" in rows.columns and len(rows):
        sub_of = rows.drop_duplicates("event_uid").set_index("event_uid")["sub_event_type"]
        sub = inc["event_uid"].map(sub_of).astype(object)
    else:
        sub = pd.Series([None] * len(inc), index=inc.index, dtype=object)
    machine = inc["machine_event_type"].fillna("").astype(str)
    sub = sub.where(inc["event_type"].fillna("").astype(str) == machine, None)
    return weapon_classes(inc["event_type"], sub)


def _counted_day(inc: pd.DataFrame, start: Mapping[tuple[str, str], str]) -> pd.Series:
    """Each incident's day: its event date, or its worst row's provision start if later."""
    day = inc["event_date"].astype(str).str.slice(0, 10)
    if not start or inc.empty:
        return day
    begins = pd.Series(
        [
            start.get((str(a), str(p)), "")
            for a, p in zip(inc["agreement_id"], inc["provision_id"], strict=True)
        ],
        index=inc.index,
    )
    return day.where(day >= begins, begins)


def _party_label(inc: pd.DataFrame) -> pd.Series:
    breach = inc["verdict"].astype(str).isin(BREACHES)
    party = inc["party"].fillna("").astype(str).replace("", "unattributed")
    return party.where(breach, None)


def _zone_incidents(
    rows: pd.DataFrame, zone_of: Mapping[tuple[str, str], str]
) -> list[tuple[str, pd.DataFrame]]:
    """(zone id, the incidents of the rows about that zone) for every zone with rows."""
    if rows.empty or not zone_of:
        return []
    zone = pd.Series(
        [
            zone_of.get((str(a), str(p)))
            for a, p in zip(rows["agreement_id"], rows["provision_id"], strict=True)
        ],
        index=rows.index,
        dtype=object,
    )
    placed = rows.assign(_zone=zone).dropna(subset=["_zone"])
    return [
        (str(z), incidents(part.drop(columns="_zone")))
        for z, part in placed.groupby("_zone", sort=True)
    ]


def zone_incidents(
    rows: pd.DataFrame, zone_of: Mapping[tuple[str, str], str]
) -> dict[str, pd.DataFrame]:
    """Zone id -> :func:`incidents` of the rows about that zone (``zone_of``: each provision's
    zone, :attr:`Provisions.zone`): each event at its worst verdict *there*, as :func:`aggregate`
    counts by zone (an event that is a violation elsewhere may be a possible violation in the
    corridor). The alert rules of a zone read it (:mod:`ceasefire.alerts`).

    >>> rows = pd.DataFrame({"event_uid": ["e1", "e1"], "agreement_id": ["a", "a"],
    ...     "provision_id": ["p", "q"], "verdict": ["violation", "possible_violation"],
    ...     "probability": [1.0, 0.5]})
    >>> {z: t["verdict"].tolist() for z, t in zone_incidents(rows, {("a", "p"): "area",
    ...     ("a", "q"): "corridor"}).items()}
    {'area': ['violation'], 'corridor': ['possible_violation']}
    """
    return dict(_zone_incidents(rows, zone_of))


def _counts(agg: list[dict[str, Any]], verdicts: Sequence[str]) -> list[dict[str, Any]]:
    """:func:`aggregate` rows as one row per key with a count per verdict and a total."""
    table: dict[Any, dict[str, Any]] = {}
    for r in agg:
        row = table.setdefault(r["key"], {"key": r["key"], "total": 0} | dict.fromkeys(verdicts, 0))
        if r["verdict"] in row:
            row[r["verdict"]] += r["count"]
            row["total"] += r["count"]
    return list(table.values())


def summary(
    rows: pd.DataFrame,
    provisions: Provisions | None = None,
    *,
    verdicts: Sequence[str] = DEFAULT_VERDICTS,
) -> dict[str, Any]:
    """Every count of the findings in ``rows`` (verdict rows, reviews applied), as plain JSON:

    - ``incidents``: events at their worst verdict (``total`` and one count per verdict);
    - ``fatalities``: deaths in the incidents, in total and per worst verdict;
    - ``verdict_rows``: per agreement and provision, verdict rows per verdict;
    - ``by_party``: violations and possible violations per party (the party of the incident's
      worst verdict), each with its own share of that verdict, never summed;
    - ``by_zone``, ``by_month``: :func:`aggregate` by zone and by month (``provisions``: each
      provision's zone and start), one row per key with a count per verdict;
    - ``reviews``: incidents per review status of their worst verdict's row, and
      ``reviewed``: how many have any status but unreviewed.

    ``verdicts`` are the verdict columns reported (those the filters asked for).
    """
    verdicts = [v for v in VERDICTS if v in verdicts]
    inc = incidents(rows)
    inc = inc[inc["verdict"].astype(str).isin(verdicts)]  # the incidents counted
    rows = rows[rows["event_uid"].isin(set(inc["event_uid"]))]
    by_verdict = _by_verdict(inc, verdicts)
    deaths = inc.groupby(inc["verdict"].astype(str))["fatalities"].sum()
    out: dict[str, Any] = {
        "incidents": {"total": len(inc), **by_verdict},
        "fatalities": {"total": int(inc["fatalities"].sum()) if len(inc) else 0}
        | {v: int(deaths.get(v, 0)) for v in verdicts},
    }
    r = _with_defaults(rows)
    per_provision: list[dict[str, Any]] = []
    if len(r):
        for (a, p), part in r.groupby(["agreement_id", "provision_id"], sort=True):
            per_provision.append(
                {"agreement_id": a, "provision_id": p, "total": len(part)}
                | _by_verdict(part, verdicts)
            )
    out["verdict_rows"] = {"total": len(r), "by_provision": per_provision}
    out["by_party"] = _parties(inc)
    out["by_zone"] = [
        {"zone": c.pop("key")} | c
        for c in _counts(aggregate(rows, "zone", provisions, verdicts=verdicts), verdicts)
    ]
    out["by_month"] = [
        {"month": c.pop("key")} | c
        for c in _counts(aggregate(rows, "month", provisions, verdicts=verdicts), verdicts)
    ]
    status = inc["review_status"].fillna(ReviewStatus.UNREVIEWED.value).astype(str)
    counts = status.value_counts()
    out["reviews"] = {s: int(counts.get(s, 0)) for s in REVIEW_STATUSES}
    out["reviewed"] = int((status != ReviewStatus.UNREVIEWED.value).sum())
    return out


def report(rows: pd.DataFrame, f: Filters, provisions: Provisions | None = None) -> dict[str, Any]:
    """What every surface shows for filters ``f``: the filters, the verdicts counted and
    :func:`summary` of ``rows`` (the verdict rows matching ``f``). ``/api/findings`` answers it
    and ``ceasefire findings --format json`` prints it."""
    return {
        "filters": f.as_params(),
        "verdicts": list(f.verdicts),
        **summary(rows, provisions, verdicts=f.verdicts),
    }


def _parties(inc: pd.DataFrame) -> list[dict[str, Any]]:
    """Per party, violations and possible violations each with its share of that verdict."""
    b = inc[inc["verdict"].astype(str).isin(BREACHES)]
    party = b["party"].replace("", "unattributed").fillna("unattributed").astype(str)
    counts = pd.crosstab(party, b["verdict"].astype(str)) if len(b) else pd.DataFrame()
    counts = counts.reindex(columns=list(BREACHES), fill_value=0)
    totals = {v: int(counts[v].sum()) for v in BREACHES}
    rows = []
    for p, c in counts.iterrows():
        row: dict[str, Any] = {"party": str(p)}
        for v in BREACHES:
            row[f"{v}s"] = int(c[v])
            row[f"{v}s_share"] = _share(int(c[v]), totals[v])
        rows.append(row)
    rows.sort(key=lambda x: (-x["violations"], -x["possible_violations"], x["party"]))
    return rows


# ------------------------------------------------------------------------------- review queue


def review_queue(inc: pd.DataFrame, *, top: int = 10, statuses: Sequence[str] = ()) -> pd.DataFrame:
    """The incidents an analyst should read next, most consequential first: those not yet
    settled (unreviewed, or needing more information; or those of ``statuses`` when given)
    among the breaches; the briefing's ``top`` gravest violations (most deaths, then most
    certain, whatever their review status: ``in_briefing``) first, then the rest by ``impact``
    = deaths x uncertainty, where uncertainty is 1 at p = 0.5 and 0 at p = 0 or 1
    (``2 * min(p, 1 - p)``), then by deaths.

    >>> t = pd.DataFrame({"event_uid": ["a", "b", "c"], "verdict": ["violation",
    ...     "possible_violation", "possible_violation"], "probability": [1.0, 0.5, 0.9],
    ...     "fatalities": [2, 10, 40], "review_status": ["unreviewed"] * 3,
    ...     "event_date": ["2020-03-07"] * 3})
    >>> review_queue(t, top=1)[["event_uid", "impact"]].values.tolist()
    [['a', 0.0], ['b', 10.0], ['c', 8.0]]
    """
    wanted = list(statuses) or [ReviewStatus.UNREVIEWED.value, ReviewStatus.NEEDS_INFO.value]
    open_ = inc["review_status"].fillna("unreviewed").astype(str).isin(wanted)
    violations = inc[inc["verdict"].astype(str) == "violation"]
    briefing = set(_severity_order(violations).head(top)["event_uid"])
    t = inc[open_ & inc["verdict"].astype(str).isin(BREACHES)].copy()
    p = pd.to_numeric(t["probability"], errors="coerce").fillna(0).clip(0, 1)
    deaths = pd.to_numeric(t["fatalities"], errors="coerce").fillna(0)
    t["impact"] = (deaths * 2 * np.minimum(p, 1 - p)).round(4)
    t["in_briefing"] = t["event_uid"].isin(briefing)
    first = t[t["in_briefing"]]
    first = _severity_order(first).drop(columns=["_deaths", "_rank", "_p", "_date"])
    rest = t[~t["in_briefing"]].sort_values(
        ["impact", "fatalities", "event_uid"], ascending=[False, False, True], kind="stable"
    )
    return pd.concat([first, rest], ignore_index=True)
