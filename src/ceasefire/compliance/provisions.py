"""One handler per provision type: how a provision is judged and explained.

A provision's *model* (:mod:`ceasefire.agreements`) says how it is written and parsed, where it
is judged and from when. Its *handler*, here, says how the evidence is judged against it:

- an :class:`EventRule` (ceasefire, security corridor, demilitarised zone, weapons withdrawal)
  gives the engine the zone to judge events in, the acts it prohibits, the actors whose mere
  presence breaches it, whether a breach can be certain, and the words its reasons use; some
  are also obligations (a zone to be cleared by a deadline);
- an obligation handler (joint patrols, deadlines, humanitarian access, return of the
  displaced) turns the evidence of its kind into obligation rows (``due``, ``status``,
  ``reason``), checked for what did *not* happen.

:data:`HANDLERS` has exactly one handler for each :class:`~ceasefire.vocab.ProvisionType`
(a test holds it so), and nothing else in the code branches on a provision's type: a new type
is a model in ``agreements.py`` and a handler here.

>>> from ceasefire.agreements import load_bundled
>>> p = load_bundled("sochi-2018").provision("heavy-weapons-withdrawal")
>>> h = handler(p)
>>> type(h).__name__, h.can_be_certain
('WeaponsWithdrawal', False)
>>> sorted(t.value for t in HANDLERS) == sorted(t.value for t in ProvisionType)
True
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..agreements import Agreement
from ..humanitarian import AID_COLUMNS, MOVEMENT_COLUMNS, access_rows, return_rows
from ..patrols.obligation import patrol_periods
from ..vocab import BREACHES, ObligationStatus, ProvisionType
from ..zones import Zone, clip_route, corridor, place_point
from .actors import group_regex, involves, matches

__all__ = [
    "HANDLERS",
    "EventRule",
    "Evidence",
    "ObligationRow",
    "ProvisionHandler",
    "event_rule",
    "handler",
    "provision_route",
    "zone_of",
]

#: One obligation row: ``due``, ``status`` (an :class:`~ceasefire.vocab.ObligationStatus`)
#: and ``reason``.
ObligationRow = dict[str, str]
Rows = list[ObligationRow]


@dataclass(frozen=True)
class Evidence:
    """What obligations are judged from, besides the provision itself."""

    #: the events frame (normalised) and the verdicts judged from it
    events: pd.DataFrame
    verdicts: pd.DataFrame
    #: the moment they are judged at: deadlines after it are pending
    now: dt.datetime
    #: patrol records (:func:`ceasefire.patrols.patrols_frame`), or None when none are loaded
    patrols: pd.DataFrame | None = None
    #: aid deliveries and population movements (:mod:`ceasefire.humanitarian`), or None
    aid: pd.DataFrame | None = None
    movements: pd.DataFrame | None = None
    #: the zones known, by id (for obligations bound to a zone)
    zones: Mapping[str, Zone] | None = None

    def span(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """When the events begin and end (None, None without dated events)."""
        ev = self.events
        if ev.empty or ev["time_start"].isna().all():
            return None, None
        return ev["time_start"].min(), ev["time_end"].max()


class ProvisionHandler:
    """How one provision type is judged. The base judges nothing and owes nothing."""

    type: ClassVar[ProvisionType]

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        """Obligation rows for ``provision`` (none for a provision that is only event-checked)."""
        return []


# --- zones --------------------------------------------------------------------------------


def zone_of(zones: Mapping[str, Zone], zone_id: str, agreement: Agreement, provision: Any) -> Zone:
    """The zone ``zone_id`` that ``provision`` names (:class:`UnknownIdError` naming both)."""
    from ..errors import UnknownIdError

    try:
        return zones[zone_id]
    except KeyError:
        raise UnknownIdError(
            f"{agreement.id}/{provision.id}: unknown zone {zone_id!r}; known: {sorted(zones)}"
        ) from None


def provision_route(provision: Any, agreement: Agreement, zones: Mapping[str, Zone]) -> Zone:
    """The route of a security-corridor or joint-patrol provision, cut at the provision's named
    end points where the gazetteer knows them (flat ends "at the settlement of Trumba"); a route
    that misses them keeps its own ends. An unknown route raises :class:`UnknownIdError`."""
    route = zone_of(zones, provision.route, agreement, provision)
    start, stop = place_point(provision.from_place), place_point(provision.to_place)
    if start is None or stop is None:
        return route
    return clip_route(
        route,
        start,
        stop,
        strict=False,
        from_name=provision.from_place,
        to_name=provision.to_place,
    )


# --- provisions judged event by event ------------------------------------------------------


class EventRule(ProvisionHandler):
    """A provision events are judged against one by one, inside its zone and time window."""

    #: whether a breach can be a ``violation`` (else it is at most ``possible_violation``)
    can_be_certain: ClassVar[bool] = True
    #: added to the reason of a possible violation, when the rule has something to say
    possible_note: ClassVar[str | None] = None
    #: what its start is called in reasons ("after the 2020-03-06 00:01 ceasefire start")
    start_words: ClassVar[str] = "start"

    def zone(
        self, agreement: Agreement, provision: Any, zones: Mapping[str, Zone]
    ) -> tuple[Zone, Zone | None]:
        """The zone events are judged in, and the route it is drawn around (or None)."""
        return zone_of(zones, provision.zone, agreement, provision), None

    def prohibited(self, frame: pd.DataFrame, provision: Any) -> np.ndarray:
        """Which events are acts the provision prohibits (by event or sub-event type)."""
        kinds = list(provision.prohibited_event_types)
        return np.isin(frame["event_type"].fillna("").to_numpy(dtype=object), kinds) | np.isin(
            frame["sub_event_type"].fillna("").to_numpy(dtype=object), kinds
        )

    def excluded(
        self, frame: pd.DataFrame, agreement: Agreement, provision: Any
    ) -> tuple[np.ndarray, int | None]:
        """Events whose actors' presence is itself the breach, and the index of the party
        answerable for them (None: the usual attribution applies)."""
        return np.zeros(len(frame), dtype=bool), None


class Ceasefire(EventRule):
    """All prohibited acts by anyone inside the zone breach it from its start."""

    type = ProvisionType.CEASEFIRE
    start_words = "ceasefire start"


class SecurityCorridor(EventRule):
    """A ceasefire inside a corridor drawn either side of a route."""

    type = ProvisionType.SECURITY_CORRIDOR
    start_words = "corridor start"

    def zone(
        self, agreement: Agreement, provision: Any, zones: Mapping[str, Zone]
    ) -> tuple[Zone, Zone | None]:
        route = provision_route(provision, agreement, zones)
        width = provision.width_each_side_km
        drawn = corridor(
            route,
            width,
            zone_id=provision.judged_zone(agreement.id),
            name=f"{provision.route_label.removeprefix('the ')} security corridor "
            f"({width:g} km each side)",
        )
        return drawn, route


def _contrary_rows(agreement: Agreement, provision: Any, ev: Evidence, what: str) -> Rows:
    """A zone to be cleared (of heavy weapons, of fighting) by a deadline: breaches judged in
    it after the deadline are contrary evidence; none, with evidence after it, none."""
    spec = provision.binds_from()
    due = spec.label()
    if spec.utc_window()[1] > ev.now:
        return [{"due": due, "status": ObligationStatus.PENDING, "reason": f"due {due}"}]
    v = ev.verdicts
    mine = v[(v["agreement_id"] == agreement.id) & (v["provision_id"] == provision.id)]
    n = int(mine["verdict"].isin(list(BREACHES)).sum())
    _, last = ev.span()
    if n:
        return [
            {
                "due": due,
                "status": ObligationStatus.CONTRARY_EVIDENCE,
                "reason": f"{n} events of {what} inside the zone after {due}",
            }
        ]
    if last is None or last < pd.Timestamp(spec.utc_window()[1]):
        why = "no evidence after the deadline"
        return [{"due": due, "status": ObligationStatus.NO_EVIDENCE, "reason": why}]
    why = "no breach in the evidence"
    return [{"due": due, "status": ObligationStatus.NO_CONTRARY_EVIDENCE, "reason": why}]


class DemilitarisedZone(EventRule):
    """A zone to be cleared of fighting and of excluded actors by its start."""

    type = ProvisionType.DEMILITARISED_ZONE
    start_words = "demilitarised-zone deadline"

    def excluded(
        self, frame: pd.DataFrame, agreement: Agreement, provision: Any
    ) -> tuple[np.ndarray, int | None]:
        if not provision.excluded_actors:
            return super().excluded(frame, agreement, provision)
        mask = involves(frame, group_regex(provision.excluded_actors))
        answerable = provision.excluded_actors_responsible
        k = [q.id for q in agreement.parties].index(answerable) if answerable else None
        return mask, k

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        return _contrary_rows(agreement, provision, ev, "breaches")


#: Words in an event's notes that name a weapon class.
_WEAPON_WORDS: Mapping[str, str] = {
    "tanks": r"\btanks?\b",
    "multiple_rocket_launchers": r"rocket launcher|\bMLRS\b|\bgrad\b|multiple[- ]launch|rockets?\b",
    "artillery": r"artillery|shell(?:s|ing|ed)?\b|howitzer|bombard",
    "mortars": r"mortars?\b",
}


class WeaponsWithdrawal(EventRule):
    """Heavy weapons of some classes out of a zone by a deadline: shelling inside it after
    the deadline is a possible breach (an impact point does not show where the gun stood)."""

    type = ProvisionType.WEAPONS_WITHDRAWAL
    start_words = "heavy-weapons withdrawal deadline"
    can_be_certain = False
    possible_note = "impact point only, the firing position is not recorded"

    def prohibited(self, frame: pd.DataFrame, provision: Any) -> np.ndarray:
        words = "|".join(_WEAPON_WORDS[w] for w in provision.weapon_classes)
        shelling = frame["sub_event_type"].fillna("").to_numpy() == (
            "Shelling/artillery/missile attack"
        )
        return shelling | matches(frame["notes"], re.compile(words, re.IGNORECASE))

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        return _contrary_rows(agreement, provision, ev, "shelling or heavy-weapon use")


# --- obligations --------------------------------------------------------------------------


class Deadline(ProvisionHandler):
    """Something to be done by a day; met or late when the agreement file records it."""

    type = ProvisionType.DEADLINE

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        due = provision.due.label()
        done = provision.fulfilled
        if done is not None:
            on_time = done.date <= provision.due.local().date()
            status = ObligationStatus.MET if on_time else ObligationStatus.LATE
            why = f"fulfilled {done.date}: {done.evidence}"
            return [{"due": due, "status": status, "reason": why}]
        if provision.due.utc_window()[1] > ev.now:
            why = f"due {due}, after {ev.now:%Y-%m-%d}"
            return [{"due": due, "status": ObligationStatus.PENDING, "reason": why}]
        why = f"due {due}; no fulfilment recorded (add `fulfilled:` with evidence if met)"
        return [{"due": due, "status": ObligationStatus.NO_EVIDENCE, "reason": why}]


class JointPatrol(ProvisionHandler):
    """Joint patrols on a route from a start, at an expected frequency: pending before the
    start; ``no_evidence`` without patrol records on the route; else a summary row and one
    ``unmet`` row per whole period with too few joint patrols (see
    :mod:`ceasefire.patrols.obligation`). The period the evidence ends in is said as partial."""

    type = ProvisionType.JOINT_PATROL

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        p, patrols = provision, ev.patrols
        start = p.start.local().date()
        label = p.start.label()
        if p.start.utc_window()[1] > ev.now:
            why = f"patrols start {label}"
            return [{"due": label, "status": ObligationStatus.PENDING, "reason": why}]
        freq = p.expected_frequency
        count, per = (freq.count, freq.per) if freq else (1, "week")
        if patrols is None or not (patrols["route"] == p.route).any():
            asked = f"{count} per {per}" if freq else "no frequency set by the text"
            why = (
                f"joint patrols due from {label} ({asked}); no patrol records on route "
                f"{p.route} in the evidence (import them with `ceasefire patrols import`)"
            )
            return [{"due": label, "status": ObligationStatus.NO_EVIDENCE, "reason": why}]
        basis = f"{count} per {per}" if freq else "at least 1 a week; the text sets no frequency"
        # the evidence ends at the last record of a patrol on this route (held or cancelled) or
        # the last event, whichever is later; not at "now", and a plan is no evidence of anything
        records = patrols[(patrols["route"] == p.route) & ~patrols["planned"].astype(bool)]
        last = pd.to_datetime(records["date"]).max() if len(records) else pd.NaT
        _, last_event = ev.span()
        if pd.isna(last):
            why = f"only plans of patrols on route {p.route} in the evidence, no records of patrols"
            return [{"due": label, "status": ObligationStatus.NO_EVIDENCE, "reason": why}]
        if last_event is not None and pd.notna(last_event):
            last = max(last, pd.Timestamp(last_event).tz_localize(None))
        end = min(ev.now.date(), last.date())
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
            return [{"due": label, "status": ObligationStatus.PENDING, "reason": why}]
        # only whole periods are judged; the one the evidence ends in is said as partial
        short = periods[~partial & ~periods["met"].astype(bool)]
        joint = " and ".join(p.parties)
        summary = {
            "due": label,
            "status": ObligationStatus.UNMET if len(short) else ObligationStatus.MET,
            "reason": _periods_said(periods, per, start, end)
            + f"; {len(short) or 'none'} had fewer joint {joint} patrols than expected ({basis})",
        }
        rows: Rows = [summary]
        for r in short.to_dict("records"):
            n_lone = int(r["n_not_joint"])
            lone = f"; {n_lone} patrol(s) without every party, not joint" if n_lone else ""
            rows.append(
                {
                    "due": str(r["period_end"]),
                    "status": ObligationStatus.UNMET,
                    "reason": f"{per} {r['period_start']} to {r['period_end']}: "
                    f"{int(r['n_joint'])} joint patrol(s), expected {int(r['expected'])}{lone}",
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


class HumanitarianAccess(ProvisionHandler):
    """Aid delivered to those in need without obstruction: judged per week from records of
    aid deliveries and crossings (delivered or blocked; :mod:`ceasefire.humanitarian`)."""

    type = ProvisionType.HUMANITARIAN_ACCESS

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        aid = ev.aid if ev.aid is not None else pd.DataFrame(columns=list(AID_COLUMNS))
        return access_rows(provision, aid, **_humanitarian(agreement, provision, ev))


class ReturnOfDisplaced(ProvisionHandler):
    """The safe return of the displaced: judged per week from records of population movements
    (returns against new displacement; :mod:`ceasefire.humanitarian`)."""

    type = ProvisionType.RETURN_OF_DISPLACED

    def obligations(self, agreement: Agreement, provision: Any, ev: Evidence) -> Rows:
        moves = ev.movements
        moves = moves if moves is not None else pd.DataFrame(columns=list(MOVEMENT_COLUMNS))
        return return_rows(provision, moves, **_humanitarian(agreement, provision, ev))


def _humanitarian(agreement: Agreement, provision: Any, ev: Evidence) -> dict[str, Any]:
    """How a humanitarian provision is judged: from the agreement's signing, inside its zone
    (every record when the zone is unknown), as the dashboard's overview judges it
    (:func:`ceasefire.humanitarian.overview`)."""
    zone = ev.zones.get(provision.zone) if ev.zones and provision.zone else None
    return {
        "zone_geometry": zone.geometry if zone is not None else None,
        "start": agreement.signed.date,
        "now": ev.now,
    }


#: The handler of each provision type: exactly one each.
HANDLERS: Mapping[ProvisionType, ProvisionHandler] = {
    h.type: h
    for h in (
        Ceasefire(),
        SecurityCorridor(),
        DemilitarisedZone(),
        WeaponsWithdrawal(),
        JointPatrol(),
        Deadline(),
        HumanitarianAccess(),
        ReturnOfDisplaced(),
    )
}


def handler(provision: Any) -> ProvisionHandler:
    """The handler of ``provision``'s type."""
    return HANDLERS[ProvisionType(provision.type)]


def event_rule(provision: Any) -> EventRule:
    """The handler of an event-checked provision (:class:`TypeError` for an obligation)."""
    h = handler(provision)
    if not isinstance(h, EventRule):
        raise TypeError(f"{provision.type} is an obligation, not judged event by event")
    return h
