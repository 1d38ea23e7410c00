"""One readable line per verdict, naming the rule that decided it.

Built column-wise (pandas string concatenation over the rows that are not ``outside``), e.g.::

    shelling 3.1 km north of the M4 near Ariha, 2020-03-07, after the 2020-03-06 00:01 ceasefire
    start; actor Military Forces of Syria -> Russia's side
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..agreements import Agreement, TimeSpec
from ..field_reports import SOURCE_DATASET, published_share
from ..vocab import SourceDataset
from ..zones import Zone
from .actors import involves
from .provisions import event_rule
from .spatial import distance_to_km

__all__ = ["Context", "act_name", "build"]

_ACTS = {
    "Shelling/artillery/missile attack": "shelling",
    "Air/drone strike": "air strike",
    "Armed clash": "armed clash",
    "Remote explosive/landmine/IED": "explosive device",
    "Suicide bomb": "suicide bombing",
    "Attack": "attack",
    "Abduction/forced disappearance": "abduction",
    "Grenade": "grenade attack",
    "Government regains territory": "government advance",
    "Non-state actor overtakes territory": "territorial takeover",
    "Peaceful protest": "protest",
    "Protest with intervention": "protest",
}

#: What the initiator did, by sub-event type, for "the source text says X <did>".
_DID = {
    "Armed clash": "attacked",
    "Government regains territory": "took ground",
    "Non-state actor overtakes territory": "took ground",
    "Air/drone strike": "carried out the air strike",
    "Shelling/artillery/missile attack": "shelled",
    "Remote explosive/landmine/IED": "set off the explosive",
    "Suicide bomb": "carried out the suicide bombing",
}


@dataclass(frozen=True)
class Context:
    """What the reason builder needs besides the frames."""

    agreement: Agreement
    provision: Any
    zone: Zone
    route: Zone | None
    start_spec: TimeSpec
    end_label: str | None
    attribution_rule: np.ndarray
    exempt: np.ndarray
    excluded: np.ndarray
    p_space: np.ndarray


def act_name(sub_event_type: pd.Series, event_type: pd.Series) -> pd.Series:
    """Plain words for an ACLED (sub-)event type.

    >>> act_name(pd.Series(["Shelling/artillery/missile attack", None]),
    ...          pd.Series(["Explosions/Remote violence", "Battles"])).tolist()
    ['shelling', 'battles']
    """
    sub = sub_event_type.astype(object).where(sub_event_type.notna(), None)
    named = sub.map(lambda s: _ACTS.get(s, s.lower()) if isinstance(s, str) and s else None)
    fallback = event_type.astype(object).fillna("event").map(lambda s: str(s).lower())
    return named.where(named.notna(), fallback).astype(str)


def _s(x: Any) -> pd.Series:
    return pd.Series(x, dtype=object).fillna("").astype(str)


def _where(ev: pd.DataFrame, ctx: Context, p_space: np.ndarray, verdict: np.ndarray) -> pd.Series:
    radius = ev["location_uncertainty_km"].fillna(0).to_numpy(dtype=float)
    share = pd.Series(
        [f"{s:.0%} of its {r:g} km location disc " for s, r in zip(p_space, radius, strict=True)],
        index=ev.index,
        dtype=object,
    ).where(p_space < 0.995, "")
    if ctx.route is not None:  # a corridor drawn around its route
        inside = share.map(lambda x: f" ({x}inside the corridor)" if x else "")
        text = _where_route(ev, ctx) + inside
    else:
        text = share + f"inside the {ctx.zone.name}"
    return text.where(~_reports(ev), _where_report(ev, ctx, p_space, verdict))


def _reports(ev: pd.DataFrame) -> np.ndarray:
    return (ev["source_dataset"].astype(object) == SOURCE_DATASET).to_numpy(dtype=bool)


def _where_report(
    ev: pd.DataFrame, ctx: Context, p_space: np.ndarray, verdict: np.ndarray
) -> pd.Series:
    """Where a field report's event was, as may be published: a report is judged at its precise
    estimate, which may be where the observer stood, and a share of its disc, its radius or its
    distance to a line would place the observer inside the published cell (two zone edges
    crossing pin a point). So only "inside" or "partly inside", as ``p_space`` is published
    (:func:`ceasefire.field_reports.publishable_verdicts`)."""
    if ctx.route is not None:
        place = f"the corridor along {ctx.provision.route_label}"
    else:
        place = f"the {ctx.zone.name}"
    whole = published_share(p_space, verdict) == 1.0
    words = np.where(whole, f"inside {place}", f"with its location disc partly inside {place}")
    return pd.Series(words, index=ev.index, dtype=object)


def _where_route(ev: pd.DataFrame, ctx: Context) -> pd.Series:
    route = ctx.route
    label = ctx.provision.route_label
    if route is None:
        return pd.Series(f"inside the {ctx.zone.name}", index=ev.index, dtype=object)
    lon = ev["longitude"].to_numpy(dtype=float)
    lat = ev["latitude"].to_numpy(dtype=float)
    km = distance_to_km(route.geometry, lon, lat)
    pts = shapely.points(lon, lat)
    nearest = shapely.line_interpolate_point(
        route.geometry, shapely.line_locate_point(route.geometry, pts)
    )
    side = np.where(lat >= shapely.get_y(nearest), "north", "south")
    text = pd.Series(
        [f"{k:.1f} km {s} of {label}" for k, s in zip(km, side, strict=True)],
        index=ev.index,
        dtype=object,
    )
    return text.where(km >= 0.05, f"on {label}")


def _when(ev: pd.DataFrame, ctx: Context, p_time: np.ndarray) -> pd.Series:
    what = event_rule(ctx.provision).start_words
    date = _s(ev["event_date"].to_numpy())
    span = (ev["time_end"] - ev["time_start"]).dt.total_seconds().fillna(0).to_numpy()
    is_wide = span > 86400 + 3600
    wide = pd.Series(
        [f" (dated only to a {d / 86400:.0f}-day window)" for d in span],
        index=ev.index,
        dtype=object,
    ).where(is_wide, "")
    pct = pd.Series([f"{t:.0%}" for t in p_time], index=ev.index, dtype=object)
    spec = ctx.start_spec
    readings = " or ".join([spec.timezone, *spec.alternative_timezones])
    uncertain = f" (the start may be read in {readings} time)" if spec.alternative_timezones else ""
    # a wide window: the share of it in force; a short one: the start itself is uncertain
    share = (", " + pct + " of that window").where(is_wide, ", " + pct + " likely" + uncertain)
    share = share.where(p_time < 0.995, ",")
    start = spec.label()
    return date.set_axis(ev.index) + wide + share + f" after the {start} {what}"


def _who(ev: pd.DataFrame, out: pd.DataFrame, ctx: Context) -> pd.Series:
    a = ctx.agreement
    labels = {q.id: q.side_label for q in a.parties}
    label = out["party"].map(lambda x: labels.get(x, "no party")).astype(str)
    a1 = _s(ev["actor1"].to_numpy()).set_axis(ev.index)
    a2 = _s(ev["actor2"].to_numpy()).set_axis(ev.index)
    pair = a1 + a2.map(lambda x: f" vs {x}" if x else "")
    rule = pd.Series(ctx.attribution_rule, index=ev.index)
    act = act_name(ev["sub_event_type"], ev["event_type"])
    text = pd.Series("actor " + a1 + " -> " + label, index=ev.index, dtype=object)
    text = text.where(rule != 2, "actors " + pair + " -> " + label)
    inferred = ev["source_dataset"].astype(str).to_numpy() == SourceDataset.UCDP_GED
    hint = pd.Series(" here (initiator hint", index=ev.index, dtype=object) + pd.Series(
        np.where(inferred, "; UCDP's event type is read from its source text)", ")"),
        index=ev.index,
        dtype=object,
    )
    text = text.where(rule != 3, pair + ": " + act + " only by " + label + hint + " -> " + label)
    text = text.where(
        rule != 4,
        pair + ": a clash between the parties' forces; the source does not record who initiated"
        " -> unattributed",
    )
    text = text.where(rule != 0, "actor " + a1.where(a1 != "", "unknown") + " -> no party's forces")
    # UCDP: who acted is read from the headlines (sources/ucdp_text.py); say so
    known = ev["initiator_known"].fillna(False).to_numpy(dtype=bool)
    assoc = _s(ev["assoc_actor_1"].to_numpy()).set_axis(ev.index)
    did = ev["sub_event_type"].map(
        lambda s: _DID.get(s, "acted") if isinstance(s, str) else "acted"
    )
    said = pair + ": the source text says " + a1 + assoc.map(lambda x: f" and {x}" if x else "")
    said = said + " " + did
    text = text.where(~(inferred & known & (rule == 1)), said + " -> " + label)
    text = text.where(~(inferred & known & (rule == 0)), said + " -> no party's forces")
    text = text.where(
        ~(inferred & (rule == 4)),
        pair + ": a fight between the parties' forces; the source text does not say which side"
        " acted -> unattributed",
    )
    source = pd.Series(
        np.where(inferred, "the source text does not say", "the source does not record"),
        index=ev.index,
        dtype=object,
    )
    text = text.where(
        rule != 6,
        pair
        + ": a fight with an armed group that is no party's force; "
        + source
        + " who started it -> unattributed",
    )
    text = text.where(
        rule != 5,
        "excluded group present (" + pair + ") -> " + label + ", answerable for its removal",
    )
    return text


def _exempt_names(ev: pd.DataFrame, ctx: Context) -> pd.Series:
    """Which exempt groups each row involves, with their basis (one regex per group)."""
    names = pd.Series("", index=ev.index, dtype=object)
    for g in ctx.agreement.exempt_actors:
        hit = involves(ev, g.regex)
        names = names.where(~hit, names + "; " + g.name + f" ({g.basis})")
    return names.str.removeprefix("; ").where(names != "", "an exempt group")


def build(frame: pd.DataFrame, out: pd.DataFrame, ctx: Context) -> pd.Series:
    """The reason column for one provision's verdict rows (aligned with ``out``)."""
    reasons = pd.Series("", index=out.index, dtype=object)
    verdict = out["verdict"].astype(str).to_numpy()
    outside = verdict == "outside"
    reasons[outside] = np.where(
        ctx.p_space[outside] == 0,
        f"outside: not in the {ctx.zone.name}",
        f"outside: not within the provision's time window (from {ctx.start_spec.label()}"
        + (f" until {ctx.end_label})" if ctx.end_label else ")"),
    )
    rows = np.flatnonzero(~outside)
    if len(rows) == 0:
        return reasons
    ev = frame.iloc[rows]
    sub = out.iloc[rows]
    ctx = replace(
        ctx,
        attribution_rule=ctx.attribution_rule[rows],
        exempt=ctx.exempt[rows],
        excluded=ctx.excluded[rows],
        p_space=ctx.p_space[rows],
    )
    p_space = ctx.p_space
    p_time = sub["p_time"].to_numpy(dtype=float)
    act = act_name(ev["sub_event_type"], ev["event_type"])
    loc = _s(ev["location"].to_numpy()).set_axis(ev.index)
    near = loc.map(lambda x: f" near {x}" if x else "")
    head = (
        act + " " + _where(ev, ctx, p_space, verdict[rows]) + near + ", " + _when(ev, ctx, p_time)
    )
    who = _who(ev, sub.set_axis(ev.index), ctx)
    v = pd.Series(verdict[rows], index=ev.index)
    text = head + "; " + who
    text = text.where(
        v != "exempt",
        head
        + "; involves "
        + _exempt_names(ev, ctx)
        + ", exempt from the ceasefire -> not a breach",
    )
    text = text.where(v != "compliant", head + "; not an act this provision prohibits")
    note = event_rule(ctx.provision).possible_note
    if note:
        text = text.where(v != "possible_violation", text + f"; {note}")
    values = reasons.to_numpy(dtype=object, copy=True)
    values[rows] = text.to_numpy(dtype=object)
    return pd.Series(values, index=out.index, dtype=object)
