"""The compliance engine: which events breach which provisions, by whom, how surely, and why.

:func:`evaluate` is the one public entry point. Its private steps, in order:

1. ``_provision_plan``   resolve supplement chains; one :class:`_Planned` per event-checked
   provision, with its zone geometry and its UTC window (uncertain starts become windows).
2. ``_spatial``          one vectorised spatial-index query over all events and all zones at once
   (:func:`ceasefire.compliance.spatial.disc_shares`): the share of each event's uncertainty disc
   inside each zone.
3. ``_time``             closed-form time shares per provision
   (:func:`ceasefire.compliance.timing.reading_shares`: each reading of a start equally likely).
4. ``_judge``            rule predicates as boolean masks: prohibited act, exempt actor, excluded
   actor, responsible party; then verdict codes.
5. ``ceasefire.compliance.reasons`` builds the one-line reason for every row that is not outside.

The verdicts, in order of precedence:

- ``outside``: the event's disc misses the zone, or its time window misses the provision's window.
- ``exempt``: in place and time, a prohibited act, but it involves an actor exempt from the
  ceasefire (groups designated by the UN Security Council).
- ``compliant``: in place and time, but not an act the provision prohibits.
- ``violation``: a prohibited act with probability >= ``Rules.certain_threshold``.
- ``possible_violation``: a prohibited act with a smaller, non-zero probability (location or date
  known only roughly), or one the evidence cannot pin on the zone (a shell's impact point says
  nothing of where the gun stood).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..agreements import Agreement, Registry, TimeSpec, chains, takes_effect
from ..events import normalise_events
from ..vocab import Verdict
from ..zones import Zone, load_zones
from . import obligations as _obligations
from . import reasons as _reasons
from .actors import group_regex, involves, matches
from .provisions import event_rule
from .spatial import ZoneIndex, disc_shares, zone_index
from .timing import reading_shares

__all__ = [
    "ATTRIBUTION_RULES",
    "VERDICTS",
    "Evaluation",
    "EvaluationPlan",
    "Rules",
    "attribute",
    "evaluate",
    "judge_events",
    "plan_evaluation",
    "provision_zone_ids",
    "provision_zones",
]

#: Verdict codes, in the order reports list them (:class:`ceasefire.vocab.Verdict`).
VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)
_CODE = {v: i for i, v in enumerate(VERDICTS)}

#: Actors that are nobody's forces and not a finding in themselves.
_NON_COMBATANTS = re.compile(
    r"^(civilians?|protesters?|rioters?|unidentified|unknown|none)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Rules:
    """Options of an evaluation (one frozen object rather than a long list of keywords).

    >>> Rules().certain_threshold
    0.9
    """

    #: probability at or above which a prohibited act is a ``violation`` rather than ``possible``
    certain_threshold: float = 0.9
    #: keep ``outside`` rows in the output (drop them for very large inputs)
    keep_outside: bool = True
    #: the moment obligations are judged at (deadlines after it are ``pending``); default: now
    as_of: dt.datetime | None = None
    #: disc shares below this count as 0: they are under the spatial engine's accuracy
    #: (largest error 0.013 against exact shapely areas, tests/test_spatial.py)
    min_share: float = 0.015


@dataclass
class Evaluation:
    """What :func:`evaluate` returns."""

    #: one row per (event, event-checked provision): event_uid, agreement_id, provision_id,
    #: provision_type, verdict, probability, p_space, p_time, party, reason
    verdicts: pd.DataFrame
    #: one row per obligation (deadlines, patrols, ...): agreement_id, provision_id, due, status,
    #: reason
    obligations: pd.DataFrame
    #: actors in events inside some zone and window that map to no party and no exempt group
    unmapped_actors: pd.DataFrame
    #: agreements evaluated (the requested ones and every agreement they supplement)
    agreements: list[Agreement] = field(default_factory=list)
    #: the zones used, by id
    zones: dict[str, Zone] = field(default_factory=dict)


@dataclass(frozen=True)
class _Planned:
    agreement: Agreement
    provision: Any
    zone: Zone
    start: tuple[int, ...]  # equally likely UTC readings of the start, ns
    end: tuple[int, ...] | None
    start_spec: TimeSpec
    route: Zone | None = None
    end_label: str | None = None  # "2020-03-06 00:01 (ended by moscow-2020)"


def evaluate(
    agreements: Agreement | Sequence[Agreement],
    events: pd.DataFrame,
    *,
    zones: Mapping[str, Zone] | None = None,
    registry: Registry | None = None,
    rules: Rules | None = None,
    patrols: pd.DataFrame | None = None,
    aid: pd.DataFrame | None = None,
    movements: pd.DataFrame | None = None,
) -> Evaluation:
    """Judge every event against every event-checked provision of the agreements' chains.

    ``agreements``: one agreement or several; each brings the agreements it supplements.
    ``events``: an events frame (see :mod:`ceasefire.events`). ``zones``: zones by id, default
    the bundled ones. ``patrols``: patrol records (:func:`ceasefire.patrols.patrols_frame`) for
    the joint-patrol obligations; ``aid`` and ``movements``: aid deliveries and population
    movements (:mod:`ceasefire.humanitarian`) for humanitarian access and the return of the
    displaced. Returns an :class:`Evaluation`.

    >>> import pandas as pd
    >>> from ceasefire.agreements import load_bundled
    >>> ev = pd.DataFrame({"event_uid": ["t:1"], "event_date": ["2020-03-07"],
    ...     "latitude": [35.83], "longitude": [36.61], "location_uncertainty_km": [0.0],
    ...     "time_start": [pd.Timestamp("2020-03-07T08:00Z")],
    ...     "time_end": [pd.Timestamp("2020-03-07T08:00Z")],
    ...     "event_type": ["Explosions/Remote violence"],
    ...     "sub_event_type": ["Shelling/artillery/missile attack"],
    ...     "actor1": ["Military Forces of Syria (2000-)"], "location": ["Ariha"]})
    >>> v = evaluate(load_bundled("moscow-2020"), ev).verdicts.set_index("provision_id")
    >>> v.loc["m4-security-corridor", ["verdict", "party"]].tolist()
    ['violation', 'russia']
    >>> print(v.loc["m4-security-corridor", "reason"])  # doctest: +ELLIPSIS
    shelling ... km north of the M4 near Ariha, 2020-03-07, after the 2020-03-06 00:01 ...
    """
    zone_map = dict(zones) if zones is not None else load_zones()
    plan = plan_evaluation(agreements, zones=zone_map, registry=registry, rules=rules)
    rules, in_chain = plan.rules, list(plan.agreements)
    frame = normalise_events(events.reset_index(drop=True))
    verdicts = _verdicts(frame, plan, None)
    return Evaluation(
        verdicts=verdicts,
        obligations=_obligations.check(
            in_chain,
            frame,
            verdicts,
            as_of=rules.as_of,
            patrols=patrols,
            aid=aid,
            movements=movements,
            zones=zone_map,
        ),
        unmapped_actors=_unmapped_actors(frame, verdicts, in_chain),
        agreements=in_chain,
        zones=plan.zones,
    )


@dataclass(frozen=True)
class EvaluationPlan:
    """What :func:`evaluate` judges every event against, resolved once: the agreements' chains,
    one entry per event-checked provision (its zone and UTC window) and the rules. Built by
    :func:`plan_evaluation`; :func:`judge_events` judges a frame of events with it. Picklable,
    so that it can be sent once to the workers of a cluster (:mod:`ceasefire.cluster`).

    >>> from ceasefire.agreements import load_bundled
    >>> plan = plan_evaluation(load_bundled("moscow-2020"))
    >>> [a.id for a in plan.agreements][:1], len(plan.zone_geometries) == len(plan.zones)
    (['moscow-2020'], True)
    """

    #: the agreements evaluated: the requested ones and every agreement they supplement
    agreements: tuple[Agreement, ...]
    #: one entry per event-checked provision, in the order of the verdict rows (opaque)
    provisions: tuple[_Planned, ...]
    rules: Rules

    @property
    def zones(self) -> dict[str, Zone]:
        """The zones the provisions are judged in, by id (derived corridors included)."""
        return {pl.zone.id: pl.zone for pl in self.provisions}

    @property
    def zone_geometries(self) -> list[Any]:
        """The zones' geometries, each once, in the order the engine queries them: build the
        :class:`~ceasefire.compliance.spatial.ZoneIndex` given to :func:`judge_events` over
        these (:func:`~ceasefire.compliance.spatial.build_zone_index`)."""
        return [z.geometry for z in self.zones.values()]


def plan_evaluation(
    agreements: Agreement | Sequence[Agreement],
    *,
    zones: Mapping[str, Zone] | None = None,
    registry: Registry | None = None,
    rules: Rules | None = None,
) -> EvaluationPlan:
    """Step 1 of :func:`evaluate` on its own: resolve the agreements' chains (from
    ``registry``, default the bundled agreements and these) into an :class:`EvaluationPlan`
    over ``zones`` (default the bundled ones)."""
    requested = [agreements] if isinstance(agreements, Agreement) else list(agreements)
    registry = registry or Registry.of([*Registry.bundled().agreements.values(), *requested])
    in_chain = chains(requested, registry)
    zone_map = dict(zones) if zones is not None else load_zones()
    plan = _provision_plan(in_chain, zone_map)
    return EvaluationPlan(tuple(in_chain), tuple(plan), rules or Rules())


def judge_events(
    plan: EvaluationPlan, events: pd.DataFrame, *, index: ZoneIndex | None = None
) -> pd.DataFrame:
    """The verdict rows of ``events`` under ``plan``: what :func:`evaluate` returns as
    ``Evaluation.verdicts`` for the same events (each row depends on its own event only, so a
    frame may be judged in parts). ``index``: the zone index built over
    ``plan.zone_geometries`` (default: :func:`~ceasefire.compliance.spatial.zone_index`'s,
    built or kept in this process).

    >>> from ceasefire.agreements import load_bundled
    >>> from ceasefire.sources import read_events
    >>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
    >>> events = read_events(BUNDLED_GED_SYRIA, "ucdp").events.tail(300)
    >>> plan = plan_evaluation(load_bundled("moscow-2020"))
    >>> whole = evaluate(load_bundled("moscow-2020"), events).verdicts
    >>> halves = pd.concat([judge_events(plan, events[:100]), judge_events(plan, events[100:])])
    >>> key = ["event_uid", "provision_id"]
    >>> halves.sort_values(key, ignore_index=True).equals(whole.sort_values(key, ignore_index=True))
    True
    """
    frame = normalise_events(events.reset_index(drop=True))
    return _verdicts(frame, plan, index)


def _verdicts(frame: pd.DataFrame, plan: EvaluationPlan, index: ZoneIndex | None) -> pd.DataFrame:
    """Steps 2 to 5 over a normalised frame: one verdict row per (event, provision)."""
    rules = plan.rules
    p_space = _spatial(frame, plan.provisions, index)
    parts: list[pd.DataFrame] = []
    actors: dict[str, _Actors] = {}  # per agreement: actor masks are the same for each provision
    for j, planned in enumerate(plan.provisions):
        a = planned.agreement
        if a.id not in actors:
            actors[a.id] = _actors(frame, a)
        parts.append(_judge(frame, planned, p_space[:, j], rules, actors[a.id]))
    return _concat_verdicts(parts)


def provision_zones(
    agreements: Sequence[Agreement], zones: Mapping[str, Zone] | None = None
) -> dict[str, Zone]:
    """The zones the agreements' event-checked provisions use, derived corridors included."""
    plan = _provision_plan(list(agreements), dict(zones) if zones is not None else load_zones())
    return {pl.zone.id: pl.zone for pl in plan}


def provision_zone_ids(
    agreements: Sequence[Agreement], zones: Mapping[str, Zone] | None = None
) -> dict[tuple[str, str], str]:
    """(agreement id, provision id) -> the id of the zone the event-checked provision is about
    (what :func:`ceasefire.findings.summary` counts by zone)."""
    plan = _provision_plan(list(agreements), dict(zones) if zones is not None else load_zones())
    return {(pl.agreement.id, pl.provision.id): pl.zone.id for pl in plan}


#: What :func:`attribute`'s ``rule`` codes mean (the order of ``_attribute``'s rules).
ATTRIBUTION_RULES = (
    "none",
    "initiator recorded",
    "only one side is a party's force",
    "initiator hint",
    "both sides are parties' forces, initiator not recorded",
    "excluded group present",
    "a fight with an armed group that is no party's force, initiator not recorded",
)


def attribute(agreement: Agreement, events: pd.DataFrame) -> pd.DataFrame:
    """The party each event would be attributed to under ``agreement``, wherever and whenever it
    happened: the attribution step of :func:`evaluate` on its own (without the zone, the time
    window, exempt or excluded actors), for checking attribution against labelled events.

    Returns one row per event, in order: ``event_uid``, ``party`` (a party id or
    ``"unattributed"``) and ``rule`` (a name from :data:`ATTRIBUTION_RULES`).

    >>> from ceasefire.agreements import load_bundled
    >>> ev = pd.DataFrame({"event_uid": ["t:1"], "actor1": ["Government of Syria"],
    ...     "actor2": ["Syrian insurgents"], "initiator_known": [False],
    ...     "sub_event_type": ["Air/drone strike"]})
    >>> attribute(load_bundled("sochi-2018"), ev)[["party", "rule"]].values.tolist()
    [['russia', 'initiator hint']]
    """
    frame = normalise_events(events.reset_index(drop=True))
    party, rule = _attribute(frame, agreement)
    ids = np.array([q.id for q in agreement.parties] + ["unattributed"], dtype=object)
    return pd.DataFrame(
        {
            "event_uid": pd.array(frame["event_uid"].to_numpy(), dtype="str"),
            "party": ids[np.where(party >= 0, party, len(agreement.parties))],
            "rule": np.array(ATTRIBUTION_RULES, dtype=object)[rule],
        }
    )


# --- step 1: the plan ----------------------------------------------------------------------


def _ns(t: dt.datetime) -> int:
    return int(pd.Timestamp(t).value)


def _readings(spec: TimeSpec) -> tuple[int, ...]:
    return tuple(_ns(t) for t in spec.utc_readings())


def _superseded_at(agreements: Sequence[Agreement]) -> dict[str, tuple[TimeSpec, str]]:
    """'agreement/provision' -> (when it ends, the agreement that ends it): the superseding
    agreement's own start, so that no gap opens between the two."""
    out: dict[str, tuple[TimeSpec, str]] = {}
    for a in agreements:
        for ref in a.supersedes:
            out[ref] = (takes_effect(a), a.id)
    return out


def _provision_plan(agreements: Sequence[Agreement], zones: Mapping[str, Zone]) -> list[_Planned]:
    ended = _superseded_at(agreements)
    plan = []
    for a in agreements:
        for p in a.provisions:
            start_spec = p.binds_from()
            if start_spec is None:  # an obligation, not judged event by event
                continue
            until: TimeSpec | None = getattr(p, "until", None)
            end_label = until.label() if until is not None else None
            if until is None and f"{a.id}/{p.id}" in ended:
                until, by = ended[f"{a.id}/{p.id}"]
                end_label = f"{until.label()}, when {by} took effect"
            zone, route = event_rule(p).zone(a, p, zones)
            end = _readings(until) if until is not None else None
            plan.append(
                _Planned(a, p, zone, _readings(start_spec), end, start_spec, route, end_label)
            )
    return plan


# --- step 2 and 3: where and when ------------------------------------------------------------


def _spatial(
    frame: pd.DataFrame, plan: Sequence[_Planned], given: ZoneIndex | None = None
) -> np.ndarray:
    """Dense (n_events, n_provisions) matrix of disc shares; zones shared by provisions once.
    ``given``: an index built over the plan's zones (else the one kept in this process)."""
    n = len(frame)
    unique: dict[str, int] = {}
    geoms: list[Any] = []
    for pl in plan:
        if pl.zone.id not in unique:
            unique[pl.zone.id] = len(geoms)
            geoms.append(pl.zone.geometry)
    out = np.zeros((n, len(plan)), dtype=np.float32)
    if n == 0 or not plan:
        return out
    lon = frame["longitude"].to_numpy(dtype=float, na_value=np.nan)
    lat = frame["latitude"].to_numpy(dtype=float, na_value=np.nan)
    radius = frame["location_uncertainty_km"].to_numpy(dtype=float, na_value=0.0)
    ok = np.isfinite(lon) & np.isfinite(lat)
    idx = np.flatnonzero(ok)
    if given is not None and given.n_zones != len(geoms):
        raise ValueError(f"the zone index has {given.n_zones} zones, the plan {len(geoms)}")
    # kept: a field report is judged under the write lock
    index = given if given is not None else zone_index(geoms)
    ei, zi, share = disc_shares(index, lon[idx], lat[idx], np.nan_to_num(radius[idx]))
    by_zone = np.zeros((n, len(geoms)), dtype=np.float32)
    by_zone[idx[ei], zi] = share
    for j, pl in enumerate(plan):
        out[:, j] = by_zone[:, unique[pl.zone.id]]
    return out


def _times(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    a = frame["time_start"].to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    b = frame["time_end"].to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    return a.astype(np.int64), b.astype(np.int64)


def _p_time(frame: pd.DataFrame, planned: _Planned) -> np.ndarray:
    a, b = _times(frame)
    nat = np.iinfo(np.int64).min
    bad = (a == nat) | (b == nat)
    p = reading_shares(np.where(bad, 0, a), np.where(bad, 0, b), planned.start, planned.end)
    return np.where(bad, 0.0, p)


# --- step 4: rule predicates -----------------------------------------------------------------


def _attribute(frame: pd.DataFrame, agreement: Agreement) -> tuple[np.ndarray, np.ndarray]:
    """Responsible party index per event (-1 unattributed) and the attribution rule used.

    Rules: 0 none; 1 actor1 is the known initiator; 2 the initiator is not recorded, but actor1
    is a party's force and actor2 is no other party's; 3 both sides are parties' forces but the
    act is one only one side can do here (``initiator_hints``); 4 both sides are different
    parties and the source does not say who initiated; 6 as 2, but the act is an armed clash
    with an armed group (not civilians): who started the fight is not recorded. (5, an excluded
    group present, is set per provision in ``_judge``.)
    """
    n = len(frame)
    parties = agreement.parties
    s1 = np.stack([involves(frame, p.regex, 1) for p in parties]) if parties else np.zeros((0, n))
    s2 = np.stack([involves(frame, p.regex, 2) for p in parties]) if parties else np.zeros((0, n))
    first1 = np.where(s1.any(axis=0), s1.argmax(axis=0), -1)
    first2 = np.where(s2.any(axis=0), s2.argmax(axis=0), -1)
    known = frame["initiator_known"].fillna(False).to_numpy(dtype=bool)
    party = np.full(n, -1, dtype=np.int64)
    rule = np.zeros(n, dtype=np.int8)
    # initiator recorded: actor1's party answers
    m = known & (first1 >= 0)
    party[m], rule[m] = first1[m], 1
    # initiator not recorded: one side mapped, or both mapped to the same party
    undecided = ~known
    # initiator not recorded: actor1's side is a party's force and actor2's is no other party's.
    # (Only actor2 mapped is not enough: actor2 is the target or the victims.)
    one = undecided & (first1 >= 0) & ((first2 < 0) | (first2 == first1))
    sub = frame["sub_event_type"].fillna("").to_numpy(dtype=object)
    # ... but in a fight with an armed group that is no party's force (HTS, IS, the SDF) either
    # side may have started it: nobody answers unless the source says who did
    armed2 = frame["actor2"].fillna("").str.len().gt(0).to_numpy(dtype=bool) & ~matches(
        frame["actor2"], _NON_COMBATANTS
    )
    fight = one & (first2 < 0) & armed2 & (sub == "Armed clash")
    one &= ~fight
    party[one], rule[one] = first1[one], 2
    rule[fight] = 6
    both = undecided & (first1 >= 0) & (first2 >= 0) & (first1 != first2)
    for k, p in enumerate(parties):
        if p.initiator_hints:
            hinted = both & np.isin(sub, p.initiator_hints) & ((first1 == k) | (first2 == k))
            party[hinted], rule[hinted] = k, 3
    clash = both & (rule == 0)
    rule[clash] = 4
    return party, rule


@dataclass(frozen=True)
class _Actors:
    exempt: np.ndarray
    party: np.ndarray
    rule: np.ndarray


def _actors(frame: pd.DataFrame, agreement: Agreement) -> _Actors:
    exempt_rx = group_regex(agreement.exempt_actors)
    exempt = involves(frame, exempt_rx)
    party, rule = _attribute(frame, agreement)
    return _Actors(exempt, party, rule)


def _judge(
    frame: pd.DataFrame, planned: _Planned, p_space: np.ndarray, rules: Rules, actors: _Actors
) -> pd.DataFrame:
    a, p = planned.agreement, planned.provision
    p_space = np.where(p_space < rules.min_share, np.float32(0), p_space)
    p_time = _p_time(frame, planned)
    prob = p_space.astype(np.float64) * p_time
    inside = (p_space > 0) & (p_time > 0)
    rule_of = event_rule(p)
    prohibited = rule_of.prohibited(frame, p)
    exempt, party, rule = actors.exempt, actors.party, actors.rule
    excluded, answerable = rule_of.excluded(frame, a, p)
    if answerable is not None:
        party = np.where(excluded, answerable, party)
        rule = np.where(excluded, 5, rule).astype(np.int8)
    breach = (prohibited & ~exempt) | excluded
    code = np.full(len(frame), _CODE["outside"], dtype=np.int8)
    code[inside & ~prohibited & ~excluded] = _CODE["compliant"]
    code[inside & prohibited & exempt & ~excluded] = _CODE["exempt"]
    certain = prob >= rules.certain_threshold
    if not rule_of.can_be_certain:
        certain[:] = False  # e.g. an impact point does not show where the weapon stood
    code[inside & breach & certain] = _CODE["violation"]
    code[inside & breach & ~certain] = _CODE["possible_violation"]
    if not rules.keep_outside:  # the rest is built for the rows kept only
        keep = np.flatnonzero(code != _CODE["outside"])
        if len(keep) < len(frame):
            frame, code, prob, p_space, p_time = (
                frame.iloc[keep],
                code[keep],
                prob[keep],
                p_space[keep],
                p_time[keep],
            )
            party, rule, exempt, excluded = party[keep], rule[keep], exempt[keep], excluded[keep]
    party_ids = np.array([q.id for q in a.parties] + ["unattributed"], dtype=object)
    out = pd.DataFrame(
        {
            "event_uid": pd.array(frame["event_uid"].to_numpy(), dtype="str"),
            "agreement_id": a.id,
            "provision_id": p.id,
            "provision_type": p.type.value,
            "verdict": pd.Categorical.from_codes(code.astype(np.int64), categories=list(VERDICTS)),  # type: ignore[call-overload]
            "probability": np.where(code == _CODE["outside"], 0.0, prob).round(4),
            "p_space": p_space.astype(np.float64).round(4),
            "p_time": p_time.round(4),
            "party": pd.array(party_ids[np.where(party >= 0, party, len(a.parties))], dtype="str"),
        }
    )
    # a party answers only for a breach
    out.loc[code > _CODE["possible_violation"], "party"] = ""
    out["reason"] = _reasons.build(
        frame,
        out,
        _reasons.Context(
            agreement=a,
            provision=p,
            zone=planned.zone,
            route=planned.route,
            start_spec=planned.start_spec,
            end_label=planned.end_label,
            attribution_rule=rule,
            exempt=exempt,
            excluded=excluded,
            p_space=p_space,
        ),
    )
    return out


def _concat_verdicts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    cols = [
        "event_uid",
        "agreement_id",
        "provision_id",
        "provision_type",
        "verdict",
        "probability",
        "p_space",
        "p_time",
        "party",
        "reason",
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = pd.concat(parts, ignore_index=True)
    out["verdict"] = pd.Categorical(out["verdict"], categories=list(VERDICTS))
    return out[cols]


def _unmapped_actors(
    frame: pd.DataFrame, verdicts: pd.DataFrame, agreements: Sequence[Agreement]
) -> pd.DataFrame:
    """Actors of in-scope events that no agreement maps to a party or an exempt group."""
    in_scope = verdicts.loc[verdicts["verdict"] != "outside", "event_uid"].unique()
    ev = frame[frame["event_uid"].isin(in_scope)]
    names = pd.concat([ev[c] for c in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")])
    names = names.dropna()
    names = names[names.str.len() > 0]
    if names.empty:
        return pd.DataFrame({"actor": pd.Series(dtype=str), "events": pd.Series(dtype=int)})
    groups = [f for a in agreements for party in a.parties for f in party.forces]
    groups += [g for a in agreements for g in a.exempt_actors]
    known = group_regex(groups)
    counts = names.value_counts()
    actors = counts.index.to_series()
    mapped = matches(actors, known) | actors.str.match(_NON_COMBATANTS).to_numpy(dtype=bool)
    out = counts[~mapped].rename_axis("actor").reset_index(name="events")
    return out.sort_values(["events", "actor"], ascending=[False, True], ignore_index=True)
