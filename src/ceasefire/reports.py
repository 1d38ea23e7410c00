"""What a monitor reads: counts per provision, by party and month, top violations, did it hold.

Every function takes the frames the engine produced and returns a DataFrame; formatting is the
CLI's and the web's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .agreements import EVENT_CHECKED_TYPES, Agreement, provision_start, takes_effect
from .compliance import VERDICTS
from .compliance.spatial import build_zone_index, disc_shares
from .events import LOCAL_TIMEZONE
from .zones import Zone

__all__ = [
    "before_after",
    "before_after_totals",
    "by_month",
    "by_party",
    "evidence_span",
    "top_violations",
    "verdict_counts",
    "zone_members",
]

_BREACH = ["violation", "possible_violation"]


def _pivot(frame: pd.DataFrame, keys: list[str], verdicts: Sequence[str]) -> pd.DataFrame:
    """Count rows per ``keys`` with one column per verdict (absent verdicts as zeros)."""
    t = (
        frame.assign(verdict=frame["verdict"].astype(str))
        .groupby([*keys, "verdict"], sort=False)
        .size()
        .unstack("verdict", fill_value=0)
    )
    t = t.reindex(columns=list(verdicts), fill_value=0).astype(int)
    t.columns.name = None
    return t


def _breaches(verdicts: pd.DataFrame) -> pd.DataFrame:
    return verdicts[verdicts["verdict"].astype(str).isin(_BREACH)]


def verdict_counts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Events per verdict for each (agreement, provision); one column per verdict, plus total.

    >>> v = pd.DataFrame({"agreement_id": ["a", "a"], "provision_id": ["p", "p"],
    ...                   "provision_type": ["ceasefire"] * 2, "verdict": ["violation", "outside"]})
    >>> verdict_counts(v)[["violation", "outside", "total"]].values.tolist()
    [[1, 1, 2]]
    """
    t = _pivot(verdicts, ["agreement_id", "provision_id", "provision_type"], VERDICTS)
    t["total"] = t.sum(axis=1)
    return t.reset_index()


def by_party(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Violations and possible violations per responsible party, per agreement and provision."""
    keys = ["agreement_id", "provision_id", "party"]
    return _pivot(_breaches(verdicts), keys, _BREACH).reset_index()


def by_month(
    verdicts: pd.DataFrame,
    events: pd.DataFrame,
    agreements: Sequence[Agreement] = (),
    *,
    timezone: str = LOCAL_TIMEZONE,
) -> pd.DataFrame:
    """Violations and possible violations per month per provision.

    An event counts in the month its time window starts, or, for a window that opens before the
    provision does (an event dated only to a month or a year), the month the provision starts
    when ``agreements`` are given: the part of the window in force is what the verdict is about.
    """
    cols = ["event_uid", "event_date", "time_start"]
    b = _breaches(verdicts).merge(events[cols], on="event_uid", how="left")
    starts = {
        (a.id, p.id): pd.Timestamp(provision_start(p).utc_window()[0])
        for a in agreements
        for p in a.provisions
        if p.type in EVENT_CHECKED_TYPES
    }
    begin = pd.to_datetime(b["time_start"], utc=True)
    opens = pd.Series(
        [starts.get(k, pd.NaT) for k in zip(b["agreement_id"], b["provision_id"], strict=True)],
        index=b.index,
        dtype="datetime64[ns, UTC]",
    )
    when = begin.where(~(begin < opens), opens)
    month = when.dt.tz_convert(timezone).dt.strftime("%Y-%m")
    b = b.assign(month=month.where(when.notna(), b["event_date"].astype(str).str.slice(0, 7)))
    keys = ["agreement_id", "provision_id", "month"]
    return _pivot(b, keys, _BREACH).sort_index().reset_index()


def top_violations(verdicts: pd.DataFrame, events: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` gravest violations: most fatalities first, then most certain, then latest."""
    v = verdicts[verdicts["verdict"].astype(str) == "violation"]
    cols = ["event_uid", "event_date", "location", "actor1", "actor2", "fatalities"]
    v = v.merge(events[cols], on="event_uid", how="left")
    v = v.assign(fatalities=v["fatalities"].fillna(0).astype(int))
    v = v.sort_values(
        ["fatalities", "probability", "event_date"], ascending=[False, False, False], kind="stable"
    )
    keep = ["agreement_id", "provision_id", "event_date", "location", "actor1", "actor2"]
    return v[[*keep, "fatalities", "probability", "party", "reason", "event_uid"]].head(n)


def evidence_span(events: pd.DataFrame) -> tuple[str, str] | None:
    """First and last event date in the evidence, as ISO dates."""
    d = events["event_date"].dropna().astype(str)
    if d.empty:
        return None
    return str(d.min()), str(d.max())


def _zones_of(agreement: Agreement, zones: Mapping[str, Zone]) -> list[Zone]:
    out: dict[str, Zone] = {}
    for z in zones.values():
        if z.id.startswith(f"{agreement.id}/"):
            out[z.id] = z
    for p in agreement.provisions:
        zid = getattr(p, "zone", None)
        if p.type in EVENT_CHECKED_TYPES and isinstance(zid, str) and zid in zones:
            out[zid] = zones[zid]
    return list(out.values())


_SIDES = ("before", "after")

_BEFORE_AFTER_COLUMNS = [
    "agreement_id",
    "zone_id",
    "zone",
    "month",
    "offset",
    "side",
    "events",
    "fatalities",
    "covered",
]


def zone_members(zones: Sequence[Zone], lon: np.ndarray, lat: np.ndarray) -> list[np.ndarray]:
    """For each zone, the indices of the points (WGS84 arrays) whose reported position lies
    inside it; a point without a position (NaN) is in none.

    >>> from shapely.geometry import box
    >>> z = Zone("z", "Z", "area", box(36.0, 35.0, 37.0, 36.0), None, "test")
    >>> lon, lat = np.array([36.5, 38.0, np.nan]), np.array([35.5, 35.5, 35.5])
    >>> [m.tolist() for m in zone_members([z], lon, lat)]
    [[0]]
    """
    idx = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    ei, zi, _ = disc_shares(
        build_zone_index([z.geometry for z in zones]), lon[idx], lat[idx], np.zeros(len(idx))
    )
    return [idx[ei[zi == k]] for k in range(len(zones))]


def before_after(
    agreements: Sequence[Agreement],
    zones: Mapping[str, Zone],
    events: pd.DataFrame,
    *,
    months: int = 12,
) -> pd.DataFrame:
    """Events and fatalities per month inside each zone, ``months`` before and after each
    agreement took effect. An event counts for a zone when its reported point lies inside, and
    for the side ("before"/"after") its time window's midpoint falls on, so the month the
    agreement took effect (offset 0) has a row for each side.
    ``zones`` are the zones the provisions use, as in :attr:`Evaluation.zones` or from
    :func:`ceasefire.compliance.provision_zones`.

    Columns: agreement_id, zone_id, zone, month, offset (months from the effective month), side,
    events, fatalities, covered (whether the evidence spans the month).
    """
    rows: list[pd.DataFrame] = []
    span = evidence_span(events)
    lon = events["longitude"].to_numpy(dtype=float, na_value=np.nan)
    lat = events["latitude"].to_numpy(dtype=float, na_value=np.nan)
    month = pd.PeriodIndex(pd.to_datetime(events["event_date"], errors="coerce"), freq="M")
    fat = events["fatalities"].fillna(0).to_numpy(dtype=float)
    middle = events["time_start"] + (events["time_end"] - events["time_start"]) / 2
    for a in agreements:
        zs = _zones_of(a, zones)
        if not zs:
            continue
        effective = pd.Timestamp(takes_effect(a).utc_window()[0])
        start = effective.tz_convert(LOCAL_TIMEZONE).tz_localize(None).to_period("M")
        periods = pd.period_range(start - months, start + months - 1, freq="M")
        grid = pd.DataFrame(
            {
                "month": [*periods[:months], *periods[months:], start],
                "side": ["before"] * months + ["after"] * months + ["before"],
            }
        ).sort_values(["month", "side"], ascending=[True, False], ignore_index=True)
        after = (middle >= effective).to_numpy(dtype=bool)
        for z, sel in zip(zs, zone_members(zs, lon, lat), strict=True):
            frame = pd.DataFrame(
                {
                    "month": month[sel],
                    "side": np.where(after[sel], "after", "before"),
                    "fatalities": fat[sel],
                }
            )
            g = frame.groupby(["month", "side"]).agg(
                events=("fatalities", "size"), fatalities=("fatalities", "sum")
            )
            t = grid.merge(g.reset_index(), on=["month", "side"], how="left").fillna(0)
            covered = [
                span is not None and span[0][:7] <= str(m) <= span[1][:7] for m in t["month"]
            ]
            rows.append(
                pd.DataFrame(
                    {
                        "agreement_id": a.id,
                        "zone_id": z.id,
                        "zone": z.name,
                        "month": t["month"].astype(str),
                        "offset": [(m - start).n for m in t["month"]],
                        "side": t["side"],
                        "events": t["events"].to_numpy(dtype=int),
                        "fatalities": t["fatalities"].to_numpy(dtype=int),
                        "covered": covered,
                    }
                )
            )
    if not rows:
        return pd.DataFrame(columns=_BEFORE_AFTER_COLUMNS)
    return pd.concat(rows, ignore_index=True)[_BEFORE_AFTER_COLUMNS]


def before_after_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`before_after` into before/after totals per agreement and zone, with the number
    of months the evidence covers on each side (so an empty 'after' is not read as peace)."""
    # month 0 is split between the sides; count it as a month of the 'after' side only
    t = table.assign(
        counted=table["covered"] & ~((table["side"] == "before") & (table["offset"] == 0))
    )
    g = t.groupby(["agreement_id", "zone_id", "zone", "side"], sort=False).agg(
        events=("events", "sum"), fatalities=("fatalities", "sum"), months=("counted", "sum")
    )
    keys = ["agreement_id", "zone_id", "zone"]
    before = g.xs("before", level="side").add_prefix("before_")
    after = g.xs("after", level="side").add_prefix("after_")
    w = before.join(after, how="outer").fillna(0)
    w.index.names = keys
    cols = [f"{side}_{what}" for what in ("events", "fatalities", "months") for side in _SIDES]
    w = w.reindex(columns=cols, fill_value=0)
    return w[cols].astype(int).reset_index()


def provision_titles(agreements: Sequence[Agreement]) -> dict[tuple[str, str], str]:
    """(agreement, provision) -> 'type: first words of the text' for table captions."""
    return {
        (a.id, p.id): f"{p.type}: {p.text[:60]}{'...' if len(p.text) > 60 else ''}"
        for a in agreements
        for p in a.provisions
    }
