"""Did it hold? One measure of events and deaths before and after an agreement took effect.

The CLI (``ceasefire before-after``), the briefing, the API (``/api/agreements/{id}/held``) and
the page call :func:`held` and show what it returns, so they cannot disagree (issue 10). The
measure, in words (see ``docs/held.md``):

- **Window**: :class:`Window`, ``before`` and ``after`` periods of a ``unit`` ("week" or
  "month") either side of the moment the agreement takes effect
  (:func:`ceasefire.agreements.takes_effect`, its earliest reading); :data:`DEFAULT_WINDOW` is 26
  weeks each side everywhere.
- **Periods**, in local time (:data:`ceasefire.events.LOCAL_TIMEZONE`): weeks are 7 local days
  aligned on the effective moment (period 0 starts exactly then; -N..-1 before, 0..N-1 after).
  Months are calendar months: N whole months each side, and the month the agreement takes
  effect split at that moment into a partial "before" and a partial "after" period (both index
  0, ``split`` true). A period's **days** are the local dates whose noon falls inside it (an
  event known to the day has its midpoint at noon, so it counts in the period its day is in);
  ``start`` and ``end`` are the first and the last of them (``end`` inclusive).
- **Evidence coverage**: the days from the first to the last event date of the evidence (every
  source), given as ``evidence``; a period's ``covered_days`` are its days inside that span and
  its ``coverage`` is "full", "partial" or "none". Where it is "none", its events and deaths are
  ``None``: nothing is known, which is not zero.
- **Membership**: an event counts for a zone when its reported point lies inside
  (:func:`ceasefire.reports.zone_members`), for a period by its time window's midpoint, and for
  the party :func:`ceasefire.compliance.attribute` names (or ``party_overrides``).
- **Totals** per (zone, party) and side: events, deaths, covered days, events and deaths per
  week of covered days; the **rate ratio** after/before of events with an exact 95% interval
  (conditional binomial, Clopper-Pearson), and of deaths without an interval (deaths are
  overdispersed: one strike can kill dozens, so a Poisson interval would be far too narrow).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import numpy as np
import pandas as pd

from .agreements import Agreement, Registry, TimeSpec, chain, takes_effect
from .compliance import attribute, provision_zones
from .errors import InputError, LimitError
from .events import LOCAL_TIMEZONE, normalise_events
from .limits import MAX_HELD_MONTHS, MAX_HELD_WEEKS
from .reports import evidence_span, zone_members
from .zones import Zone

__all__ = [
    "ALL_PARTIES",
    "DEFAULT_MONTHS",
    "DEFAULT_WINDOW",
    "LEVEL",
    "PERIOD_COLUMNS",
    "TOTAL_COLUMNS",
    "Held",
    "Window",
    "agreement_zones",
    "clopper_pearson",
    "held",
    "rate_ratio",
    "window_days",
]

Unit = Literal["week", "month"]
Side = Literal["before", "after"]

_UNITS: Final = ("week", "month")
_SIDES: Final[tuple[Side, Side]] = ("before", "after")
_LIMIT: Final[Mapping[str, int]] = {"week": MAX_HELD_WEEKS, "month": MAX_HELD_MONTHS}
#: The party value of the rows that count every event, whoever is responsible.
ALL_PARTIES: Final = "all"
#: The confidence level of the rate ratio's interval.
LEVEL: Final = 0.95
#: How many months each side when only the unit "month" is asked for (about 26 weeks).
DEFAULT_MONTHS: Final = 6


@dataclass(frozen=True)
class Window:
    """``before`` and ``after`` periods of a ``unit`` either side of the start; each side 1..104
    weeks or 1..24 months (:data:`ceasefire.limits.MAX_HELD_WEEKS`, ``MAX_HELD_MONTHS``).

    >>> Window("month", 12, 12).label()
    '12 months before vs after'
    >>> Window("week", 0, 26)
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: before: must be at least 1 week (0)
    >>> Window("month", 12, 36)
    Traceback (most recent call last):
    ...
    ceasefire.errors.LimitError: after: more months than 24 (the limit) (36)
    """

    unit: Unit
    before: int
    after: int

    def __post_init__(self) -> None:
        if self.unit not in _UNITS:
            raise InputError("must be 'week' or 'month'", field="unit", value=self.unit)
        for name in _SIDES:
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int):
                raise InputError(f"must be a whole number of {self.unit}s", field=name, value=n)
            if n < 1:
                raise InputError(f"must be at least 1 {self.unit}", field=name, value=n)
            if n > _LIMIT[self.unit]:
                raise LimitError(
                    f"more {self.unit}s than", limit=_LIMIT[self.unit], field=name, value=n
                )

    @classmethod
    def of(
        cls, unit: str | None = None, before: int | None = None, after: int | None = None
    ) -> Window:
        """The window asked for, the defaults filling what is not: :data:`DEFAULT_WINDOW`'s
        unit, and its counts (or :data:`DEFAULT_MONTHS` for months).

        >>> Window.of() == DEFAULT_WINDOW, Window.of("month"), Window.of(before=8)
        (True, Window(unit='month', before=6, after=6), Window(unit='week', before=8, after=26))
        """
        u = unit or DEFAULT_WINDOW.unit
        default = DEFAULT_MONTHS if u == "month" else DEFAULT_WINDOW.before
        return cls(
            cast(Unit, u),
            default if before is None else before,
            default if after is None else after,
        )

    def label(self) -> str:
        """The window in words: '26 weeks before vs after', '12 months before vs 3 after'."""
        if self.before == self.after:
            return f"{self.before} {self.unit}s before vs after"
        plural = "s" if self.before != 1 else ""
        return f"{self.before} {self.unit}{plural} before vs {self.after} after"


#: The one default window of every surface: 26 weeks before and 26 after.
DEFAULT_WINDOW: Final = Window("week", 26, 26)

#: The columns of :attr:`Held.periods`.
PERIOD_COLUMNS: Final = [
    "zone",
    "party",
    "period",
    "side",
    "start",
    "end",
    "split",
    "days",
    "covered_days",
    "coverage",
    "events",
    "fatalities",
]
_SIDE_COLUMNS: Final = [
    "days",
    "covered_days",
    "events",
    "fatalities",
    "events_per_week",
    "fatalities_per_week",
]
#: The columns of :attr:`Held.totals`.
TOTAL_COLUMNS: Final = [
    "zone",
    "party",
    *[f"{side}_{c}" for side in _SIDES for c in _SIDE_COLUMNS],
    "events_ratio",
    "events_ratio_low",
    "events_ratio_high",
    "fatalities_ratio",
    "note",
    "summary",
]


@dataclass(frozen=True, eq=False)
class Held:
    """What :func:`held` found for one agreement; :meth:`to_dict` is the API's JSON."""

    agreement_id: str
    effective: TimeSpec
    window: Window
    evidence: tuple[dt.date, dt.date] | None
    #: the zones counted, in order: (id, name)
    zones: tuple[tuple[str, str], ...]
    #: "all", then the parties, then "unattributed"
    parties: tuple[str, ...]
    #: one row per (zone, party, period): :data:`PERIOD_COLUMNS`
    periods: pd.DataFrame
    #: one row per (zone, party): :data:`TOTAL_COLUMNS`
    totals: pd.DataFrame
    #: the first and the last local day of the window
    first_day: dt.date
    last_day: dt.date

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; ``None`` where nothing is known."""
        start, end = self.effective.utc_window()
        return {
            "agreement": self.agreement_id,
            "effective_from": {
                "label": self.effective.label(),
                "timezone": self.effective.timezone,
                "utc_earliest": start.isoformat().replace("+00:00", "Z"),
                "utc_latest": end.isoformat().replace("+00:00", "Z"),
            },
            "window": {
                "unit": self.window.unit,
                "before": self.window.before,
                "after": self.window.after,
                "label": self.window.label(),
                "first_day": self.first_day.isoformat(),
                "last_day": self.last_day.isoformat(),
                "timezone": LOCAL_TIMEZONE,
            },
            "evidence": None
            if self.evidence is None
            else {"first": self.evidence[0].isoformat(), "last": self.evidence[1].isoformat()},
            "level": LEVEL,
            "zones": [{"id": z, "name": name} for z, name in self.zones],
            "parties": list(self.parties),
            "periods": _records(self.periods),
            "totals": _records(self.totals),
        }


def held(
    agreement: Agreement,
    registry: Registry | None,
    zones: Mapping[str, Zone],
    events: pd.DataFrame,
    *,
    window: Window = DEFAULT_WINDOW,
    evidence: tuple[dt.date | str, dt.date | str] | None = None,
    party_overrides: Mapping[str, str] | None = None,
) -> Held:
    """Did ``agreement`` hold: events and deaths per period, zone and party, ``window`` either
    side of its start, and the totals with the rate ratio after/before.

    ``registry`` resolves the agreements it supplements (their zones count too; ``None``: the
    bundled ones); ``zones``: every known zone by id, or an :class:`Evaluation`'s zones (see
    :func:`agreement_zones`). ``events``: an events frame holding at least every event whose
    midpoint falls in the window. ``evidence``: the first and last event date of all the
    evidence (the store's, not only ``events``'); ``None``: the span of ``events``.
    ``party_overrides``: event_uid -> party, replacing the attribution (an analyst's ruling).

    A constructed case: one event a day in Maarat al-Numan (inside the de-escalation area), 4
    weeks before and 2 after the start of moscow-2020 (2020-03-06 00:01), the evidence ending 5
    days after the start.

    >>> from ceasefire.agreements import load_bundled
    >>> from ceasefire.events import day_window
    >>> from ceasefire.zones import load_zones
    >>> moscow, area = load_bundled("moscow-2020"), "idlib-de-escalation-area"
    >>> days = pd.Series(pd.date_range("2020-02-07", "2020-03-10").strftime("%Y-%m-%d"))
    >>> ev = pd.DataFrame({"event_uid": "t:" + days, "event_date": days, "longitude": 36.67,
    ...     "latitude": 35.65, "fatalities": 1, "actor1": "Military Forces of Syria (2000-)",
    ...     "initiator_known": True})
    >>> ev["time_start"], ev["time_end"] = day_window(ev["event_date"])
    >>> h = held(moscow, None, load_zones(), ev, window=Window("week", 4, 2))
    >>> p = h.periods[(h.periods["party"] == "all") & (h.periods["zone"] == area)]
    >>> print(p[["period", "start", "end", "coverage", "events"]].to_string(index=False))
     period      start        end coverage  events
         -4 2020-02-07 2020-02-13     full       7
         -3 2020-02-14 2020-02-20     full       7
         -2 2020-02-21 2020-02-27     full       7
         -1 2020-02-28 2020-03-05     full       7
          0 2020-03-06 2020-03-12  partial       5
          1 2020-03-13 2020-03-19     none    <NA>
    >>> t = next(r for r in h.to_dict()["totals"] if r["zone"] == area and r["party"] == "all")
    >>> t["before_events_per_week"], t["after_events_per_week"], t["events_ratio"]
    (7.0, 7.0, 1.0)
    >>> t["summary"]
    'after/before 1.00 (95% CI 0.30-2.62)'
    """
    events = normalise_events(events.reset_index(drop=True))
    zs = list(agreement_zones(chain(agreement, registry), zones).values())
    effective = takes_effect(agreement)
    grid = _grid(agreement, window)
    span = _span(evidence if evidence is not None else evidence_span(events))
    parties = _parties(agreement, party_overrides)
    counts = _count(agreement, zs, events, grid, parties, party_overrides)
    periods = _period_frame(zs, parties, grid, span, counts)
    return Held(
        agreement_id=agreement.id,
        effective=effective,
        window=window,
        evidence=span,
        zones=tuple((z.id, z.name) for z in zs),
        parties=(ALL_PARTIES, *parties),
        periods=periods,
        totals=_totals(periods),
        first_day=grid[0].first,
        last_day=grid[-1].last,
    )


def window_days(agreement: Agreement, window: Window = DEFAULT_WINDOW) -> tuple[dt.date, dt.date]:
    """The first and the last local day of ``window`` around ``agreement``'s start: what a
    caller reads events and verdicts over (an event counts by its midpoint, so read from
    earlier when events may span weeks).

    >>> from ceasefire.agreements import load_bundled
    >>> [d.isoformat() for d in window_days(load_bundled("sochi-2018"))]
    ['2018-03-19', '2019-03-17']
    """
    grid = _grid(agreement, window)
    return grid[0].first, grid[-1].last


def agreement_zones(agreements: Sequence[Agreement], zones: Mapping[str, Zone]) -> dict[str, Zone]:
    """The zones the agreements' event-checked provisions use, in the engine's order, as
    :func:`ceasefire.compliance.provision_zones` gives them. ``zones`` may be every known zone or
    an :class:`~ceasefire.compliance.Evaluation`'s zones, which hold each derived corridor
    under its id (``agreement/provision``) instead of the route it is drawn around."""
    out: dict[str, Zone] = {}
    for a in agreements:
        for p in a.provisions:
            zid = p.judged_zone(a.id)
            if zid is None:  # an obligation: judged in no zone
                continue
            if zid not in zones:  # a corridor to derive (or an unknown zone: its clear error)
                return provision_zones(agreements, zones)
            out.setdefault(zid, zones[zid])
    return out


# --- the rate ratio ----------------------------------------------------------------------


def rate_ratio(
    k_after: int, days_after: float, k_before: int, days_before: float, level: float = LEVEL
) -> tuple[float | None, float | None, float | None]:
    """The ratio of two Poisson rates, after/before, with its exact interval: given the
    ``k_after + k_before`` events, ``k_after`` is binomial with probability
    ``p = r * days_after / (r * days_after + days_before)``; the Clopper-Pearson bounds of ``p``
    turn into bounds of ``r``. ``None`` where a value is unbounded or undefined (no events
    before: no upper bound and no ratio; no events at all: nothing).

    >>> rate_ratio(20, 182, 10, 182)  # doctest: +ELLIPSIS
    (2.0, 0.893..., 4.78...)
    >>> rate_ratio(0, 182, 10, 182)  # doctest: +ELLIPSIS
    (0.0, 0.0, 0.446...)
    >>> rate_ratio(3, 182, 0, 182)  # doctest: +ELLIPSIS
    (None, 0.413..., None)
    """
    n = k_after + k_before
    if n == 0 or days_after <= 0 or days_before <= 0:
        return None, None, None
    low_p, high_p = clopper_pearson(k_after, n, level)
    scale = days_before / days_after
    ratio = None if k_before == 0 else (k_after / days_after) / (k_before / days_before)
    low = low_p / (1 - low_p) * scale
    high = None if high_p >= 1 else high_p / (1 - high_p) * scale
    return ratio, low, high


def clopper_pearson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of a binomial proportion ``k / n``: the ``p`` at
    which ``P(X >= k) = (1 - level) / 2`` and ``P(X <= k) = (1 - level) / 2``.

    >>> [round(x, 4) for x in clopper_pearson(5, 10)]
    [0.1871, 0.8129]
    >>> clopper_pearson(0, 10)[1] == 1 - 0.025 ** (1 / 10)
    True
    """
    alpha = (1 - level) / 2
    low = 0.0 if k == 0 else _beta_quantile(alpha, k, n - k + 1)
    high = 1.0 if k == n else _beta_quantile(1 - alpha, k + 1, n - k)
    if k == 0:
        high = 1 - alpha ** (1 / n)  # closed form: (1 - p)^n = alpha
    if k == n:
        low = alpha ** (1 / n)
    return low, high


def _beta_quantile(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of Beta(a, b), by bisection on its distribution function (which rises
    monotonically, so bisection cannot miss)."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if _beta_cdf(mid, a, b) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * max(mid, 1e-300) or hi - lo < 1e-300:
            break
    return (lo + hi) / 2


def _beta_cdf(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b) (Numerical Recipes, 6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(x, a, b) / a
    return 1 - front * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function, by Lentz's method."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        for aa in (
            m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m)),
        ):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


# --- periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    index: int
    side: Side
    start: dt.datetime  # naive local, inclusive
    end: dt.datetime  # naive local, exclusive
    split: bool
    first: dt.date  # the first local date whose noon is inside
    last: dt.date  # the last one

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


_NOON: Final = dt.time(12)


def _period(index: int, side: Side, start: dt.datetime, end: dt.datetime, split: bool) -> _Period:
    first = start.date()
    if dt.datetime.combine(first, _NOON) < start:
        first += dt.timedelta(days=1)
    last = end.date()
    if dt.datetime.combine(last, _NOON) >= end:
        last -= dt.timedelta(days=1)
    return _Period(index, side, start, end, split, first, last)


def _local(t: pd.Timestamp) -> dt.datetime:
    """A UTC moment as the naive local date-time (wall clock) of :data:`LOCAL_TIMEZONE`."""
    return cast(dt.datetime, t.tz_convert(LOCAL_TIMEZONE).tz_localize(None).to_pydatetime())


def _grid(agreement: Agreement, window: Window) -> list[_Period]:
    start = _local(pd.Timestamp(takes_effect(agreement).utc_window()[0]))
    return _week_periods(start, window) if window.unit == "week" else _month_periods(start, window)


def _week_periods(start: dt.datetime, w: Window) -> list[_Period]:
    week = dt.timedelta(days=7)
    return [
        _period(k, "after" if k >= 0 else "before", start + k * week, start + (k + 1) * week, False)
        for k in range(-w.before, w.after)
    ]


def _month(start: dt.datetime, k: int) -> dt.datetime:
    """Midnight on the first day of the ``k``-th month from ``start``'s."""
    m = start.year * 12 + start.month - 1 + k
    return dt.datetime(m // 12, m % 12 + 1, 1)


def _month_periods(start: dt.datetime, w: Window) -> list[_Period]:
    """N whole months before, N after, the month of ``start`` split between them; a part of it
    that holds no local noon (a start just after midnight on the 1st) is left out, and that
    month counts whole for the other side."""
    head = _period(0, "before", _month(start, 0), start, True)
    tail = _period(0, "after", start, _month(start, 1), True)
    whole = lambda k, side: _period(k, side, _month(start, k), _month(start, k + 1), False)  # noqa: E731
    if head.days <= 0:  # the month of the start is after it
        return [whole(k, "before") for k in range(-w.before, 0)] + [
            _period(0, "after", start, _month(start, 1), False),
            *(whole(k, "after") for k in range(1, w.after)),
        ]
    if tail.days <= 0:  # ... or before it
        return [
            *(whole(k, "before") for k in range(-w.before + 1, 0)),
            _period(0, "before", _month(start, 0), start, False),
        ] + [whole(k, "after") for k in range(1, w.after + 1)]
    before = [whole(k, "before") for k in range(-w.before, 0)]
    return [*before, head, tail, *(whole(k, "after") for k in range(1, w.after + 1))]


# --- counting ----------------------------------------------------------------------------


def _span(value: tuple[dt.date | str, dt.date | str] | None) -> tuple[dt.date, dt.date] | None:
    if value is None:
        return None
    first, last = (
        d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d in value
    )
    return first, last


def _parties(agreement: Agreement, overrides: Mapping[str, str] | None) -> tuple[str, ...]:
    own = [p.id for p in agreement.parties]
    extra = sorted({v for v in (overrides or {}).values()} - {*own, "unattributed"})
    return (*own, *extra, "unattributed")


@dataclass(frozen=True)
class _Counts:
    #: [zone, party, period] event counts and deaths
    events: np.ndarray
    fatalities: np.ndarray


def _count(
    agreement: Agreement,
    zs: Sequence[Zone],
    events: pd.DataFrame,
    grid: Sequence[_Period],
    parties: Sequence[str],
    overrides: Mapping[str, str] | None,
) -> _Counts:
    shape = (len(zs), len(parties) + 1, len(grid))
    n_events, deaths = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    if not len(events) or not zs:
        return _Counts(n_events, deaths)
    begin = pd.to_datetime(events["time_start"], utc=True)
    middle = begin + (pd.to_datetime(events["time_end"], utc=True) - begin) / 2
    mid = middle.dt.tz_convert(LOCAL_TIMEZONE).dt.tz_localize(None).to_numpy()
    starts = np.array([p.start for p in grid], dtype="datetime64[ns]")
    ends = np.array([p.end for p in grid], dtype="datetime64[ns]")
    known = ~np.isnat(mid)
    pos = np.searchsorted(starts, np.where(known, mid, starts[0]), side="right") - 1
    inside = known & (pos >= 0) & (mid < ends[np.clip(pos, 0, None)])
    # only events in the window are placed in zones and attributed (the store may pass years)
    idx = np.flatnonzero(inside)
    lon = events["longitude"].to_numpy(dtype=float, na_value=np.nan)[idx]
    lat = events["latitude"].to_numpy(dtype=float, na_value=np.nan)[idx]
    members = zone_members(zs, lon, lat)
    used = np.unique(np.concatenate([*members, np.array([], dtype=np.int64)]))
    party = np.full(len(idx), len(parties) - 1, dtype=np.int64)  # unattributed
    if len(used):
        sub = events.iloc[idx[used]]
        named = attribute(agreement, sub)["party"].to_numpy(dtype=object)
        if overrides:
            uids = sub["event_uid"].astype(str).to_numpy(dtype=object)
            named = np.array([overrides.get(u, p) for u, p in zip(uids, named, strict=True)])
        where = {p: i for i, p in enumerate(parties)}
        party[used] = [where[str(p)] for p in named]
    fat = events["fatalities"].fillna(0).to_numpy(dtype=np.int64)[idx]
    period = pos[idx]
    for z, sel in enumerate(members):
        for j, who in ((0, slice(None)), *((i + 1, party[sel] == i) for i in range(len(parties)))):
            p = period[sel][who]
            n_events[z, j] = np.bincount(p, minlength=len(grid))
            deaths[z, j] = np.bincount(p, weights=fat[sel][who], minlength=len(grid))
    return _Counts(n_events, deaths)


def _period_frame(
    zs: Sequence[Zone],
    parties: Sequence[str],
    grid: Sequence[_Period],
    span: tuple[dt.date, dt.date] | None,
    counts: _Counts,
) -> pd.DataFrame:
    covered = [_covered(p, span) for p in grid]
    coverage = [
        "none" if c == 0 else "full" if c == p.days else "partial"
        for p, c in zip(grid, covered, strict=True)
    ]
    rows: list[dict[str, Any]] = []
    for z, zone in enumerate(zs):
        for j, party in enumerate((ALL_PARTIES, *parties)):
            for k, p in enumerate(grid):
                none = coverage[k] == "none"
                rows.append(
                    {
                        "zone": zone.id,
                        "party": party,
                        "period": p.index,
                        "side": p.side,
                        "start": p.first.isoformat(),
                        "end": p.last.isoformat(),
                        "split": p.split,
                        "days": p.days,
                        "covered_days": covered[k],
                        "coverage": coverage[k],
                        "events": pd.NA if none else int(counts.events[z, j, k]),
                        "fatalities": pd.NA if none else int(counts.fatalities[z, j, k]),
                    }
                )
    frame = pd.DataFrame(rows, columns=PERIOD_COLUMNS)
    return frame.astype(
        {"events": "Int64", "fatalities": "Int64", "days": int, "covered_days": int}
    )


def _covered(p: _Period, span: tuple[dt.date, dt.date] | None) -> int:
    if span is None:
        return 0
    first, last = max(p.first, span[0]), min(p.last, span[1])
    return max((last - first).days + 1, 0)


# --- totals ------------------------------------------------------------------------------


def _totals(periods: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for (zone, party), part in periods.groupby(["zone", "party"], sort=False):
        row: dict[str, Any] = {"zone": zone, "party": party}
        for side in _SIDES:
            s = part[part["side"] == side]
            seen = s[s["coverage"] != "none"]
            days = int(seen["covered_days"].sum())
            n = int(seen["events"].sum()) if days else None
            deaths = int(seen["fatalities"].sum()) if days else None
            row |= {
                f"{side}_days": int(s["days"].sum()),
                f"{side}_covered_days": days,
                f"{side}_events": n,
                f"{side}_fatalities": deaths,
                f"{side}_events_per_week": None if n is None else round(7 * n / days, 3),
                f"{side}_fatalities_per_week": None
                if deaths is None
                else round(7 * deaths / days, 3),
            }
        rows.append(row | _ratios(row))
    frame = pd.DataFrame(rows, columns=TOTAL_COLUMNS)
    ints = [f"{s}_{c}" for s in _SIDES for c in ("events", "fatalities")]
    return frame.astype(dict.fromkeys(ints, "Int64"))


def _ratios(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "events_ratio": None,
        "events_ratio_low": None,
        "events_ratio_high": None,
        "fatalities_ratio": None,
        "note": None,
    }
    missing = [side for side in _SIDES if not row[f"{side}_covered_days"]]
    if missing:
        out["note"] = f"no evidence {' or '.join(missing)} the start"
        return out | {"summary": out["note"]}
    kb, ka = row["before_events"], row["after_events"]
    db, da = row["before_covered_days"], row["after_covered_days"]
    ratio, low, high = rate_ratio(ka, da, kb, db)
    out |= {
        "events_ratio": _round(ratio),
        "events_ratio_low": _round(low),
        "events_ratio_high": _round(high),
    }
    fb, fa = row["before_fatalities"], row["after_fatalities"]
    if fb:
        out["fatalities_ratio"] = _round((fa / da) / (fb / db))
    level = f"{LEVEL:.0%}"
    if ka + kb == 0:
        out["note"] = "no events before or after the start"
        return out | {"summary": out["note"]}
    if kb == 0:
        out["note"] = "no events before the start: the ratio has no upper bound"
        summary = f"after/before at least {_num(low)} ({level} lower bound; no events before)"
        return out | {"summary": summary}
    summary = f"after/before {_num(ratio)} ({level} CI {_num(low)}-{_num(high)})"
    return out | {"summary": summary}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _num(x: float | None) -> str:
    """A ratio in words: two decimals, or two significant digits below 0.1."""
    if x is None:
        return "?"
    return "0" if x == 0 else f"{x:.2f}" if x >= 0.1 else f"{x:.2g}"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON types: ``None`` for missing, Python ints and floats."""
    out: list[dict[str, Any]] = []
    for r in frame.to_dict(orient="records"):
        out.append({str(k): _plain(v) for k, v in r.items()})
    return out


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v
