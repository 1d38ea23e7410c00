"""One readable line per verdict, naming the rule that decided it.

Built column-wise over the rows that are not ``outside`` (Arrow's string kernels: each piece is
formatted once per distinct value, then the pieces are joined row by row in C++), and only for
the rows a piece is for (who answers: the breaches; which exempt group: the exempt rows), e.g.::

    shelling 3.1 km north of the M4 near Ariha, 2020-03-07, after the 2020-03-06 00:01 ceasefire
    start; actor Military Forces of Syria -> Russia's side
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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


# --- Arrow string pieces ---------------------------------------------------------------------

_STR = pa.large_string()
#: A piece of a reason: a column of text, or one text for every row.
_Piece: TypeAlias = "pa.Array | str"


def _text(values: Any) -> pa.Array:
    """A text column (missing values as ""), as an Arrow array."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    arr = pa.array(s.astype("string").reset_index(drop=True), from_pandas=True)
    return pc.fill_null(arr.cast(_STR), "")


def _scalar(x: _Piece) -> Any:
    return pa.scalar(x, _STR) if isinstance(x, str) else x


def _cat(*pieces: _Piece) -> pa.Array:
    """The pieces joined row by row (at least one piece is a column)."""
    return pc.binary_join_element_wise(*(_scalar(p) for p in pieces), _scalar(""))


def _pick(cond: np.ndarray, yes: _Piece, no: _Piece) -> pa.Array:
    """``yes`` where ``cond``, else ``no``, row by row."""
    return pc.if_else(pa.array(np.asarray(cond, dtype=bool)), _scalar(yes), _scalar(no))


def _filled(arr: pa.Array) -> np.ndarray:
    """Which rows hold a text that is not empty."""
    return np.asarray(pc.not_equal(arr, "").to_numpy(zero_copy_only=False), dtype=bool)


def _map(arr: pa.Array, fn: Callable[[Any], str]) -> pa.Array:
    """``fn`` of each distinct value, spread back over the rows (null rows get ``fn(None)``)."""
    enc = pc.dictionary_encode(arr, null_encoding="encode")
    words = pa.array([fn(v) for v in enc.dictionary.to_pylist()], _STR)
    return words.take(enc.indices)


def _fmt(values: np.ndarray, spec: str) -> pa.Array:
    """``format(v, spec)`` of each value (computed once per distinct value)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    words = pa.array([format(v, spec) for v in np.asarray(uniques, dtype=values.dtype)], _STR)
    return words.take(pa.array(codes))


def _act(sub_event_type: pd.Series, event_type: pd.Series) -> pa.Array:
    sub = _map(
        _text(sub_event_type), lambda s: _ACTS.get(s, s.lower()) if isinstance(s, str) else ""
    )
    fallback = pd.Series(event_type).astype(object).fillna("event").map(lambda s: str(s).lower())
    return _pick(_filled(sub), sub, _text(fallback))


def act_name(sub_event_type: pd.Series, event_type: pd.Series) -> pd.Series:
    """Plain words for an ACLED (sub-)event type.

    >>> act_name(pd.Series(["Shelling/artillery/missile attack", None]),
    ...          pd.Series(["Explosions/Remote violence", "Battles"])).tolist()
    ['shelling', 'battles']
    """
    words = _act(sub_event_type, event_type).to_numpy(zero_copy_only=False)
    return pd.Series(words, index=sub_event_type.index, dtype=object)


def _where(ev: pd.DataFrame, ctx: Context, p_space: np.ndarray, verdict: np.ndarray) -> pa.Array:
    radius = ev["location_uncertainty_km"].fillna(0).to_numpy(dtype=float)
    partly = p_space < 0.995
    share = _pick(
        partly,
        _cat(_fmt(p_space, ".0%"), " of its ", _fmt(radius, "g"), " km location disc "),
        "",
    )
    if ctx.route is not None:  # a corridor drawn around its route
        inside = _pick(partly, _cat(" (", share, "inside the corridor)"), "")
        text = _cat(_where_route(ev, ctx), inside)
    else:
        text = _cat(share, f"inside the {ctx.zone.name}")
    reports = _reports(ev)
    if not reports.any():
        return text
    return _pick(reports, _where_report(ev, ctx, p_space, verdict), text)


def _reports(ev: pd.DataFrame) -> np.ndarray:
    return (ev["source_dataset"].astype(object) == SOURCE_DATASET).to_numpy(dtype=bool)


def _where_report(
    ev: pd.DataFrame, ctx: Context, p_space: np.ndarray, verdict: np.ndarray
) -> pa.Array:
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
    return _pick(whole, f"inside {place}", f"with its location disc partly inside {place}")


def _where_route(ev: pd.DataFrame, ctx: Context) -> pa.Array:
    route = ctx.route
    label = ctx.provision.route_label
    if route is None:
        return pa.array([f"inside the {ctx.zone.name}"] * len(ev), _STR)
    lon = ev["longitude"].to_numpy(dtype=float)
    lat = ev["latitude"].to_numpy(dtype=float)
    km = distance_to_km(route.geometry, lon, lat)
    pts = shapely.points(lon, lat)
    nearest = shapely.line_interpolate_point(
        route.geometry, shapely.line_locate_point(route.geometry, pts)
    )
    side = np.where(lat >= shapely.get_y(nearest), " km north of ", " km south of ")
    return _pick(km >= 0.05, _cat(_fmt(km, ".1f"), _text(side), label), f"on {label}")


def _when(ev: pd.DataFrame, ctx: Context, p_time: np.ndarray) -> pa.Array:
    what = event_rule(ctx.provision).start_words
    date = _text(ev["event_date"])
    span = (ev["time_end"] - ev["time_start"]).dt.total_seconds().fillna(0).to_numpy()
    is_wide = span > 86400 + 3600
    wide = _pick(is_wide, _cat(" (dated only to a ", _fmt(span / 86400, ".0f"), "-day window)"), "")
    pct = _fmt(p_time, ".0%")
    spec = ctx.start_spec
    readings = " or ".join([spec.timezone, *spec.alternative_timezones])
    uncertain = f" (the start may be read in {readings} time)" if spec.alternative_timezones else ""
    # a wide window: the share of it in force; a short one: the start itself is uncertain
    share = _pick(
        is_wide, _cat(", ", pct, " of that window"), _cat(", ", pct, " likely" + uncertain)
    )
    share = _pick(p_time < 0.995, share, ",")
    return _cat(date, wide, share, f" after the {spec.label()} {what}")


def _who(ev: pd.DataFrame, party: np.ndarray, ctx: Context) -> pa.Array:
    labels = {q.id: q.side_label for q in ctx.agreement.parties}
    label = _map(_text(party), lambda x: labels.get(x, "no party"))
    a1 = _text(ev["actor1"])
    a2 = _text(ev["actor2"])
    pair = _cat(a1, _pick(_filled(a2), _cat(" vs ", a2), ""))
    rule = ctx.attribution_rule
    inferred = ev["source_dataset"].astype(str).to_numpy() == SourceDataset.UCDP_GED
    text = _cat("actor ", a1, " -> ", label)
    text = _pick(rule == 2, _cat("actors ", pair, " -> ", label), text)
    if (rule == 3).any():
        act = _act(ev["sub_event_type"], ev["event_type"])
        hint = _pick(
            inferred,
            " here (initiator hint; UCDP's event type is read from its source text)",
            " here (initiator hint)",
        )
        text = _pick(
            rule == 3, _cat(pair, ": ", act, " only by ", label, hint, " -> ", label), text
        )
    text = _pick(
        rule == 4,
        _cat(
            pair,
            ": a clash between the parties' forces; the source does not record who initiated"
            " -> unattributed",
        ),
        text,
    )
    a1_named = _pick(_filled(a1), a1, "unknown")
    text = _pick(rule == 0, _cat("actor ", a1_named, " -> no party's forces"), text)
    # UCDP: who acted is read from the headlines (sources/ucdp_text.py); say so
    known = ev["initiator_known"].fillna(False).to_numpy(dtype=bool)
    if (inferred & known & ((rule == 1) | (rule == 0))).any():
        assoc = _text(ev["assoc_actor_1"])
        with_assoc = _pick(_filled(assoc), _cat(" and ", assoc), "")
        did = _map(_text(ev["sub_event_type"]), lambda s: _DID.get(s, "acted") if s else "acted")
        said = _cat(pair, ": the source text says ", a1, with_assoc, " ", did)
        text = _pick(inferred & known & (rule == 1), _cat(said, " -> ", label), text)
        text = _pick(inferred & known & (rule == 0), _cat(said, " -> no party's forces"), text)
    text = _pick(
        inferred & (rule == 4),
        _cat(
            pair,
            ": a fight between the parties' forces; the source text does not say which side"
            " acted -> unattributed",
        ),
        text,
    )
    source = _pick(inferred, "the source text does not say", "the source does not record")
    text = _pick(
        rule == 6,
        _cat(
            pair,
            ": a fight with an armed group that is no party's force; ",
            source,
            " who started it -> unattributed",
        ),
        text,
    )
    return _pick(
        rule == 5,
        _cat("excluded group present (", pair, ") -> ", label, ", answerable for its removal"),
        text,
    )


def _exempt_names(ev: pd.DataFrame, ctx: Context) -> pa.Array:
    """Which exempt groups each row involves, with their basis (one regex per group)."""
    names = np.full(len(ev), "", dtype=object)
    for g in ctx.agreement.exempt_actors:
        hit = involves(ev, g.regex)
        names[hit] = names[hit] + ("; " + g.name + f" ({g.basis})")
    words = [n.removeprefix("; ") if n else "an exempt group" for n in names]
    return pa.array(words, _STR)


def build(frame: pd.DataFrame, out: pd.DataFrame, ctx: Context) -> pd.Series:
    """The reason column for one provision's verdict rows (aligned with ``out``)."""
    values = np.empty(len(out), dtype=object)
    verdict = out["verdict"].astype(str).to_numpy()
    outside = verdict == "outside"
    values[outside & (ctx.p_space == 0)] = f"outside: not in the {ctx.zone.name}"
    values[outside & (ctx.p_space != 0)] = (
        f"outside: not within the provision's time window (from {ctx.start_spec.label()}"
        + (f" until {ctx.end_label})" if ctx.end_label else ")")
    )
    rows = np.flatnonzero(~outside)
    if len(rows) == 0:
        return pd.Series(values, index=out.index, dtype=object)
    ev = frame if len(rows) == len(out) else frame.iloc[rows]
    v = verdict[rows]
    sub = replace(
        ctx,
        attribution_rule=ctx.attribution_rule[rows],
        exempt=ctx.exempt[rows],
        excluded=ctx.excluded[rows],
        p_space=ctx.p_space[rows],
    )
    p_time = out["p_time"].to_numpy(dtype=float)[rows]
    act = _act(ev["sub_event_type"], ev["event_type"])
    near = _text(ev["location"])
    near = _pick(_filled(near), _cat(" near ", near), "")
    head = _cat(act, " ", _where(ev, sub, sub.p_space, v), near, ", ", _when(ev, sub, p_time))
    # what follows the head: why it is (not) a breach, and who answers
    tail = np.full(len(rows), "; not an act this provision prohibits", dtype=object)
    exempt = np.flatnonzero(v == "exempt")
    if len(exempt):
        names = _exempt_names(ev.iloc[exempt], sub)
        tail[exempt] = _cat(
            "; involves ", names, ", exempt from the ceasefire -> not a breach"
        ).to_numpy(zero_copy_only=False)
    breach = np.flatnonzero((v == "violation") | (v == "possible_violation"))
    if len(breach):
        party = out["party"].to_numpy(dtype=object)[rows[breach]]
        who_ctx = replace(sub, attribution_rule=sub.attribution_rule[breach])
        who = _who(ev.iloc[breach], party, who_ctx)
        note = event_rule(ctx.provision).possible_note
        if note:
            who = _cat(who, _pick(v[breach] == "possible_violation", f"; {note}", ""))
        tail[breach] = _cat("; ", who).to_numpy(zero_copy_only=False)
    values[rows] = _cat(head, pa.array(tail, _STR)).to_numpy(zero_copy_only=False)
    return pd.Series(values, index=out.index, dtype=object)
