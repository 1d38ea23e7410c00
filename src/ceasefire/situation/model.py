"""A situation report as data: every figure from the findings layer, each with the link to the
view that produced it.

:func:`build` asks for verdict rows by :class:`~ceasefire.findings.Filters` (the store's
``finding_rows``: the rows every surface counts) and computes each figure with the function
the dashboard's API uses on the same filters (:func:`ceasefire.findings.report`,
:func:`~ceasefire.findings.aggregate`, :func:`~ceasefire.findings.incidents`), then links
it to that view with those filters (:class:`~ceasefire.situation.links.Links`). Nothing is
counted another way. The other sections (obligations, patrol coverage, claims, the evidence
per day) come in :class:`Evidence` as the store keeps them; claims are shown beside the
findings of the same day, never counted with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from .. import findings
from ..agreements import Agreement
from ..field_reports import SOURCE_DATASET as FIELD_REPORT
from ..findings import BREACHES, FINDING_VERDICTS, Filters, Provisions
from ..humanitarian import Overview, section_items
from ..patrols.chart import strip_svg
from ..patrols.linear import RouteLine
from ..vocab import ProvisionType
from ..weapons import WEAPON_CLASSES, WEAPON_LABELS
from ..zones import Zone
from .charts import VERDICT_COLOURS, map_svg, timeline_svg
from .i18n import SOURCE_LANGUAGE, Words, words
from .links import Links
from .period import Period

__all__ = ["Evidence", "ReportOptions", "build"]

#: Claims shown at most (the latest days last); the report says how many more there were.
MAX_CLAIMS: Final = 40
#: Obligation statuses that mean "not done".
_NOT_MET: Final = ("unmet", "late", "contrary_evidence", "no_evidence")


@dataclass(frozen=True)
class Evidence:
    """What a report reads besides the findings' rows, as the store keeps it.

    ``rows``: the verdict rows the findings count for some filters (``Store.finding_rows``);
    ``provisions``: each provision's zone and start (the same the API counts with);
    ``zones``: every zone by id; ``obligations``: the agreement's stored obligations;
    ``patrol_periods`` and ``patrol_route``: joint-patrol coverage per week over the period
    (None when the agreement has no joint-patrol provision); ``claims``: the claims of articles
    published in the period (``ceasefire.store.read.claims_published``); ``observations``: the
    incidents of field reports for some filters by ``seen``/``heard`` and verdict
    (``ceasefire.store.read.observation_aggregate``, what ``/api/aggregates?by=observation``
    answers); ``linked``: the incidents among some events for some filters, whatever their
    dates (``ceasefire.store.read.incidents_of_events``: what the findings say of the events
    an article reported; None: only this period's are looked up); ``event_days``: stored events
    per day of the period; ``evidence_span``: the first and last day of all stored events;
    ``evaluation``: the latest evaluation of the agreement (its id and time);
    ``humanitarian``: the agreement's humanitarian access and return provisions judged week by
    week (:func:`ceasefire.humanitarian.overview`, what ``/api/humanitarian`` answers; None when
    it has none).
    """

    rows: Callable[[Filters], pd.DataFrame]
    provisions: Provisions
    zones: Mapping[str, Zone]
    obligations: pd.DataFrame
    claims: pd.DataFrame
    observations: Callable[[Filters], list[dict[str, Any]]]
    event_days: Mapping[str, int]
    evidence_span: tuple[str, str] | None = None
    evaluation: Mapping[str, Any] | None = None
    patrol_periods: pd.DataFrame | None = None
    patrol_route: RouteLine | None = None
    linked: Callable[[Filters, Sequence[str]], pd.DataFrame] | None = None
    humanitarian: Overview | None = None


@dataclass(frozen=True)
class ReportOptions:
    """``top``: incidents listed; ``base_url``: where the links point (empty: relative);
    ``lang``: the language it is written in (:data:`ceasefire.situation.LANGUAGES`)."""

    top: int = 10
    base_url: str = ""
    lang: str = SOURCE_LANGUAGE


def build(
    agreement: Agreement,
    period: Period,
    evidence: Evidence,
    options: ReportOptions | None = None,
) -> dict[str, Any]:
    """The report on ``agreement`` over ``period``: plain data (numbers, text, SVG, links)
    that the HTML and Markdown templates lay out, in ``options.lang``: the period in its words
    and place names as it writes them (:class:`~ceasefire.situation.i18n.Words`); every number
    and link the same in every language."""
    options = options or ReportOptions()
    w = words(options.lang)
    links = Links(options.base_url)
    now = Filters(  # the verdicts spelled out, as in the links (and so in the echoed filters)
        agreement=agreement.id,
        verdict=BREACHES,
        date_from=period.first.isoformat(),
        date_to=period.last.isoformat(),
    )
    before = period.previous()
    then = now.but(date_from=before.first.isoformat(), date_to=before.last.isoformat())
    rows = evidence.rows(now)
    current = findings.report(rows, now, evidence.provisions)
    previous = findings.report(evidence.rows(then), then, evidence.provisions)
    every = now.but(verdict=FINDING_VERDICTS)
    all_rows = evidence.rows(every)
    every_report = findings.report(all_rows, every, evidence.provisions)
    inc = findings.incidents(rows)
    all_inc = findings.incidents(all_rows)
    timeline = _timeline(period, evidence, now, links, w)
    labels = {q.id: q.side_label for q in agreement.parties}
    return {
        "lang": w.lang,
        "dir": w.direction,
        "agreement": _agreement(agreement, links),
        "period": _period(period, before, w),
        "basis": _basis(evidence),
        "filters": {"current": now.as_params(), "previous": then.as_params()},
        "findings": current,
        "previous_findings": previous,
        "headline": _headline(current, previous, now, then, links),
        "by_zone": _by_zone(current, evidence.zones, now, links, w),
        "by_party": _by_party(current, labels, now, links),
        "by_weapon": _by_weapon(rows, evidence.provisions, now, links),
        "field_reports": _field_reports(evidence.observations, now, links),
        "incidents": _top(inc, options.top, labels, links, w),
        "incidents_url": links.api("incidents", now),
        "obligations": _obligations(evidence.obligations, agreement, period, links),
        "patrols": _patrols(evidence, agreement, period, links, w),
        "humanitarian": _humanitarian(evidence, agreement, period, links),
        "claims": _claims(evidence, period, timeline["days"], all_inc, now, links, w),
        "map": _map(agreement, evidence, all_inc, every_report, every, links, w),
        "timeline": timeline,
        "methods": _methods(agreement, period, evidence, current, all_inc, now, links, w),
    }


# ------------------------------------------------------------------------------ sections


def _agreement(a: Agreement, links: Links) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "pax_id": a.pax_id,
        "signed": f"{a.signed.date.isoformat()}, {a.signed.place}",
        "supplements": a.supplements,
        "parties": [q.side_label for q in a.parties],
        "url": links.page(f"/agreements/{a.id}"),
    }


def _period(p: Period, before: Period, w: Words) -> dict[str, Any]:
    return {
        "unit": p.unit,
        "label": w.period(p.unit, p.first, p.last),
        "first": p.first.isoformat(),
        "last": p.last.isoformat(),
        "days": p.days,
        "previous_label": w.period(before.unit, before.first, before.last),
    }


def _basis(evidence: Evidence) -> dict[str, Any]:
    ev = evidence.evaluation or {}
    return {
        "evaluation_id": ev.get("id"),
        "evaluated_at": str(ev["created_at"])[:19].replace("T", " ") if ev else None,
        "evidence_span": list(evidence.evidence_span) if evidence.evidence_span else None,
    }


def _change(cur: int, prev: int) -> str:
    return f"{cur - prev:+,d}" if cur != prev else "0"


def _headline(
    cur: dict[str, Any], prev: dict[str, Any], now: Filters, then: Filters, links: Links
) -> list[dict[str, Any]]:
    """Incidents, violations, possible violations and the deaths in each, this period and the
    one before, each figure linked to its dashboard view."""
    rows = [
        (
            "incidents",
            "Incidents (violations and possible violations)",
            "incidents",
            "total",
            BREACHES,
        ),
        ("violations", "Violations", "incidents", "violation", ("violation",)),
        (
            "possible_violations",
            "Possible violations",
            "incidents",
            "possible_violation",
            ("possible_violation",),
        ),
        ("deaths", "Deaths in these incidents", "fatalities", "total", BREACHES),
        ("deaths_violations", "Deaths in violations", "fatalities", "violation", ("violation",)),
    ]
    out = []
    for key, label, part, column, verdict in rows:
        c, p = int(cur[part][column]), int(prev[part][column])
        out.append(
            {
                "key": key,
                "label": label,
                "current": c,
                "previous": p,
                "change": _change(c, p),
                "current_url": links.dashboard(now.but(verdict=verdict)),
                "previous_url": links.dashboard(then.but(verdict=verdict)),
            }
        )
    return out


def _timeline(
    period: Period, evidence: Evidence, now: Filters, links: Links, w: Words
) -> dict[str, Any]:
    """Violations and possible violations per day over :meth:`Period.timeline`
    (``/api/aggregates?by=day``), and their chart."""
    first, last = period.timeline()
    span = now.but(date_from=first.isoformat(), date_to=last.isoformat())
    per_day = findings.aggregate(evidence.rows(span), "day", evidence.provisions, verdicts=BREACHES)
    days: dict[str, dict[str, int]] = {}
    for r in per_day:
        days.setdefault(str(r["key"]), {})[r["verdict"]] = int(r["count"])
    svg = timeline_svg(
        _days(first, last), days, BREACHES, highlight=(period.first, period.last), language=w
    )
    return {
        "svg": svg,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "days": days,
        "url": links.dashboard(span),
        "api_url": links.api("aggregates", span, by="day"),
    }


def _by_zone(
    cur: dict[str, Any], zones: Mapping[str, Zone], now: Filters, links: Links, w: Words
) -> list[dict[str, Any]]:
    url = links.api("findings", now)
    return [
        {
            "zone": r["zone"],
            "name": w.place(zones[r["zone"]].name) if r["zone"] in zones else r["zone"],
            "violation": int(r.get("violation", 0)),
            "possible_violation": int(r.get("possible_violation", 0)),
            "total": int(r["total"]),
            "url": url,
        }
        for r in cur["by_zone"]
    ]


def _by_party(
    cur: dict[str, Any], labels: Mapping[str, str], now: Filters, links: Links
) -> list[dict[str, Any]]:
    out = []
    for r in cur["by_party"]:
        party = str(r["party"])
        out.append(
            r
            | {
                "label": labels.get(party, party),
                "violations_url": links.dashboard(now.but(party=party, verdict=("violation",))),
                "possible_violations_url": links.dashboard(
                    now.but(party=party, verdict=("possible_violation",))
                ),
            }
        )
    return out


def _by_weapon(
    rows: pd.DataFrame, provisions: Provisions, now: Filters, links: Links
) -> list[dict[str, Any]]:
    """Every weapon class, ``other_unknown`` included, zeros shown."""
    agg = findings.aggregate(rows, "weapon", provisions, verdicts=now.verdicts)
    url = links.api("aggregates", now, by="weapon")
    out = []
    for key in WEAPON_CLASSES:
        mine = [r for r in agg if r["key"] == key]
        counts = {v: sum(r["count"] for r in mine if r["verdict"] == v) for v in BREACHES}
        out.append(
            {
                "key": key,
                "label": WEAPON_LABELS[key],
                **counts,
                "total": sum(counts.values()),
                "fatalities": sum(int(r["fatalities"]) for r in mine),
                "url": url,
            }
        )
    return out


def _field_reports(
    observations: Callable[[Filters], list[dict[str, Any]]],
    now: Filters,
    links: Links,
) -> dict[str, Any]:
    """The period's incidents from field reports, by what the monitor did: saw or heard
    (``/api/aggregates?by=observation``, which each figure links to)."""
    mine = now.but(source=FIELD_REPORT)
    agg = observations(mine)
    table = []
    for how in ("seen", "heard"):
        counts = {
            v: sum(int(r["count"]) for r in agg if r["key"] == how and r["verdict"] == v)
            for v in BREACHES
        }
        table.append({"observation": how, **counts, "total": sum(counts.values())})
    return {
        "rows": table,
        "total": sum(r["total"] for r in table),
        "url": links.dashboard(mine),
        "api_url": links.api("aggregates", mine, by="observation"),
    }


def _top(
    inc: pd.DataFrame, n: int, labels: Mapping[str, str], links: Links, w: Words
) -> list[dict[str, Any]]:
    out = []
    for r in inc.head(n).to_dict("records"):
        party = str(r["party"] or "unattributed")
        out.append(
            {
                "event_uid": str(r["event_uid"]),
                "date": str(r["event_date"])[:10],
                "location": "" if pd.isna(r["location"]) else w.place(r["location"]),
                "verdict": str(r["verdict"]),
                "probability": f"{float(r['probability']):.2f}",
                "party": labels.get(party, party),
                "fatalities": int(r["fatalities"]),
                "breaches": str(r["breaches"]),
                "reason": "" if pd.isna(r["reason"]) else str(r["reason"]),
                "review_status": str(r["review_status"]),
                "machine_verdict": str(r["machine_verdict"]),
                "event_type": "" if pd.isna(r["event_type"]) else str(r["event_type"]),
                "url": links.event(
                    str(r["event_uid"]), str(r["agreement_id"]), str(r["provision_id"])
                ),
            }
        )
    return out


def _provision_type(a: Agreement, provision_id: str) -> str:
    return next((str(p.type) for p in a.provisions if p.id == provision_id), "")


def _in_period(due: str, period: Period) -> bool:
    day = str(due)[:10]
    return period.first.isoformat() <= day <= period.last.isoformat()


def _obligations(
    o: pd.DataFrame, a: Agreement, period: Period, links: Links
) -> list[dict[str, Any]]:
    """The agreement's obligations: each provision's first row (a joint-patrol provision's
    summary) and the rows due in the period (its unmet weeks)."""
    out = []
    seen: set[str] = set()
    for r in o.to_dict("records"):
        first = r["provision_id"] not in seen
        seen.add(str(r["provision_id"]))
        if not (first or _in_period(str(r["due"]), period)):
            continue
        kind = _provision_type(a, str(r["provision_id"]))
        patrol = kind == ProvisionType.JOINT_PATROL
        out.append(
            {
                "provision": str(r["provision_id"]),
                "type": kind,
                "due": str(r["due"]),
                "status": str(r["status"]),
                "not_met": str(r["status"]) in _NOT_MET,
                "in_period": _in_period(str(r["due"]), period),
                "reason": str(r["reason"]),
                "url": links.page("/patrols", agreement=a.id)
                if patrol
                else links.page(f"/agreements/{a.id}"),
            }
        )
    return out


def _humanitarian(
    evidence: Evidence, a: Agreement, period: Period, links: Links
) -> dict[str, Any] | None:
    """The weeks that overlap the period, whole, for each humanitarian provision, as the
    dashboard's ``/humanitarian`` shows them (the same frames), and each provision's status
    as the last evaluation judged it over all the evidence (its summary obligation row, the
    one the obligations section shows)."""
    o = evidence.humanitarian
    if o is None or not o.sections:
        return None
    first, last = period.first.isoformat(), period.last.isoformat()
    sections = []
    for s in o.sections:
        weeks = [
            {k: v for k, v in r.items() if k != "why"} | {"why": str(r["why"])}
            for r in section_items(s)
            if str(r["week_end"]) >= first and str(r["week_start"]) <= last
        ]
        summary = s.rows[0] if s.rows else {"status": "", "reason": ""}
        sections.append(
            {
                "provision_id": s.provision_id,
                "access": s.type == ProvisionType.HUMANITARIAN_ACCESS,
                "zone": s.zone or "",
                "records": s.records,
                "outside": s.outside,
                "weeks": weeks,
                "status": summary["status"],
                "reason": summary["reason"],
            }
        )
    return {
        "sections": sections,
        "url": links.page("/humanitarian", agreement=a.id),
        "api_url": links.page("/api/humanitarian", agreement=a.id),
    }


def _patrols(
    evidence: Evidence, a: Agreement, period: Period, links: Links, w: Words
) -> dict[str, Any] | None:
    """Coverage of the route per week of the period, the strip chart and the unmet weeks."""
    p, route = evidence.patrol_periods, evidence.patrol_route
    if p is None or route is None:
        return None
    rows = []
    for r in p.to_dict("records"):
        rows.append(
            {
                "period": str(r["period"]),
                "period_end": str(r["period_end"]),
                "n_patrols": int(r["n_patrols"]),
                "covered_km": f"{float(r['covered_km']):.1f}",
                "covered_share": f"{float(r['covered_share']):.0%}",
                "longest_gap_km": f"{float(r['longest_gap_km']):.1f}",
            }
        )
    unmet = [
        r
        for r in evidence.obligations.to_dict("records")
        if _provision_type(a, str(r["provision_id"])) == ProvisionType.JOINT_PATROL
        and r["status"] == "unmet"
        and _in_period(str(r["due"]), period)
        and str(r["reason"]).startswith(("week ", "day ", "month "))
    ]
    strip = (
        strip_svg(
            route,
            [str(r["period"]) for r in p.to_dict("records")],
            [list(r["covered"]) for r in p.to_dict("records")],
            title=w.gettext("Joint patrol coverage"),
        )
        if len(p)
        else ""
    )
    return {
        "route": route.route_id,
        "length_km": f"{route.length_km:.1f}",
        "periods": rows,
        "unmet": [{"due": str(r["due"]), "reason": str(r["reason"])} for r in unmet],
        "strip_svg": strip,
        "url": links.page("/patrols", agreement=a.id),
        "api_url": links.page(
            "/api/patrols/coverage",
            agreement=a.id,
            date_from=period.first.isoformat(),
            date_to=period.last.isoformat(),
        ),
    }


def _claims(
    evidence: Evidence,
    period: Period,
    day_counts: Mapping[str, Mapping[str, int]],
    all_inc: pd.DataFrame,
    now: Filters,
    links: Links,
    w: Words,
) -> dict[str, Any]:
    """Each claim of the period beside what the findings show for its day (the article's
    publication day: incidents that day, as the timeline counts them) and its places (the
    events the article reported, at their worst verdict under this agreement, on whatever day:
    an article of Monday about Sunday's shelling; those outside the period said so)."""
    claims = evidence.claims
    shown = claims.tail(MAX_CLAIMS).to_dict("records")
    if evidence.linked is not None:
        uids = sorted({str(u) for r in shown for u in r["event_uids"]})
        any_day = now.but(verdict=FINDING_VERDICTS, date_from=None, date_to=None)
        all_inc = evidence.linked(any_day, uids) if uids else all_inc.iloc[:0]
    by_uid = all_inc.set_index("event_uid") if len(all_inc) else None
    out = []
    for r in shown:
        day = str(r["published"])
        counts = day_counts.get(day, {})
        events = []
        for uid in r["event_uids"]:
            found = by_uid is not None and uid in by_uid.index
            inc = by_uid.loc[uid] if found and by_uid is not None else None
            date = "" if inc is None else str(inc["event_date"])[:10]
            events.append(
                {
                    "event_uid": uid,
                    "location": ""
                    if inc is None or pd.isna(inc["location"])
                    else w.place(inc["location"]),
                    "date": date,
                    "outside_period": bool(date) and not _in_period(date, period),
                    "verdict": "no finding" if inc is None else str(inc["verdict"]),
                    "url": links.event(
                        uid,
                        now.agreement or "",
                        "" if inc is None else str(inc["provision_id"]),
                    ),
                }
            )
        out.append(
            {
                "published": day,
                "claimant": r["claimant"] or "",
                "kind": r["kind"],
                "text": r["text"],
                "headline": r["headline"] or "",
                "publisher": r["publisher"] or "",
                "violation": int(counts.get("violation", 0)),
                "possible_violation": int(counts.get("possible_violation", 0)),
                "day_url": links.dashboard(now.but(date_from=day, date_to=day)),
                "events": events,
            }
        )
    return {"rows": out, "total": len(claims), "shown": len(out)}


def _map(
    a: Agreement,
    evidence: Evidence,
    all_inc: pd.DataFrame,
    every_report: dict[str, Any],
    every: Filters,
    links: Links,
    w: Words,
) -> dict[str, Any]:
    zones = [evidence.zones[z] for z in _zone_ids(a, evidence) if z in evidence.zones]
    located = all_inc.dropna(subset=["longitude", "latitude"]) if len(all_inc) else all_inc
    return {
        "svg": map_svg(zones, all_inc, language=w),
        "counts": {v: int(every_report["incidents"].get(v, 0)) for v in FINDING_VERDICTS},
        "colours": {v: VERDICT_COLOURS[v] for v in FINDING_VERDICTS},
        "total": int(every_report["incidents"]["total"]),
        "unlocated": len(all_inc) - len(located),
        "url": links.dashboard(every),
        "api_url": links.api("findings", every),
    }


def _zone_ids(a: Agreement, evidence: Evidence) -> list[str]:
    """The zones the agreement's event-checked provisions are about, and the patrol route."""
    ids = {z for (agr, _), z in evidence.provisions.zone.items() if agr == a.id}
    if evidence.patrol_route is not None:
        ids.add(evidence.patrol_route.route_id)
    return sorted(ids)


def _methods(
    a: Agreement,
    period: Period,
    evidence: Evidence,
    cur: dict[str, Any],
    all_inc: pd.DataFrame,
    now: Filters,
    links: Links,
    w: Words,
) -> dict[str, Any]:
    zones = []
    for zid in _zone_ids(a, evidence):
        z = evidence.zones.get(zid)
        if z is None:
            continue
        ap = z.approximation
        zones.append(
            {
                "id": z.id,
                "name": w.place(z.name),
                "kind": z.kind,
                "note": ap.note if ap else "",
                "error_km": f"{ap.error_km:g}" if ap else "",
            }
        )
    unattributed = next((r for r in cur["by_party"] if r["party"] == "unattributed"), None)
    total = int(cur["incidents"]["total"])
    days_with = sum(1 for d, n in evidence.event_days.items() if n and _in_period(d, period))
    missing = [d.isoformat() for d in _days(period.first, period.last)]
    missing = [d for d in missing if not evidence.event_days.get(d)]
    return {
        "zones": zones,
        "unattributed": {
            "violations": int(unattributed["violations"]) if unattributed else 0,
            "violations_share": _pct(unattributed["violations_share"]) if unattributed else "-",
            "possible_violations": int(unattributed["possible_violations"]) if unattributed else 0,
            "possible_violations_share": _pct(unattributed["possible_violations_share"])
            if unattributed
            else "-",
            "url": links.dashboard(now.but(party="unattributed")),
        },
        "coverage": {
            "events": sum(evidence.event_days.values()),
            "days_with_events": days_with,
            "days": period.days,
            "days_without": missing if len(missing) <= 14 else [],
            "n_days_without": len(missing),
            "url": links.page(
                "/api/events",
                date_from=period.first.isoformat(),
                date_to=period.last.isoformat(),
            ),
        },
        "reviews": {
            "reviewed": int(cur["reviewed"]),
            "total": total,
            "share": _pct(cur["reviewed"] / total) if total else "-",
            "by_status": {k: int(v) for k, v in cur["reviews"].items()},
            "url": links.page("/reviews", agreement=a.id),
        },
        "unlocated": int(all_inc[["longitude", "latitude"]].isna().any(axis=1).sum())
        if len(all_inc)
        else 0,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{float(x):.0%}"


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
