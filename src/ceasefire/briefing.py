"""The briefing a monitor reads after an evaluation, rendered for the terminal with rich.

The numbers come from :mod:`ceasefire.findings` (the same functions the API and the pages read)
over the verdict rows that count (analysts' reviews applied); this module only lays them out: per
agreement, the incidents and the verdicts per provision, who is responsible (violations and
possible violations apart), the months, the gravest violations with their reasons and review
status, how many were reviewed, the obligations, and whether the agreement held.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from . import findings, reports
from .agreements import Agreement, Registry
from .compliance import Evaluation
from .held import ALL_PARTIES, Held
from .held import held as did_it_hold

__all__ = ["briefing", "verdict_list"]

_SHORT = {
    "violation": "violation",
    "possible_violation": "possible",
    "exempt": "exempt",
    "compliant": "compliant",
    "outside": "outside",
}


def _n(x: Any) -> str:
    return f"{int(x):,}" if isinstance(x, int | float) and not pd.isna(x) else str(x)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def _table(title: str | None = None) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False)


def briefing(
    result: Evaluation,
    events: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    provisions: findings.Provisions | None = None,
    top: int = 10,
) -> RenderableType:
    """The whole briefing as one rich renderable. ``rows`` are the verdict rows that count
    (:func:`ceasefire.store.read.finding_rows`, or :func:`ceasefire.findings.rows_of` for an
    evaluation not stored); ``result`` gives the agreements, zones, obligations and unmapped
    actors."""
    return Group(*_parts(result, events, rows, provisions or findings.Provisions(), top))


def _parts(
    result: Evaluation,
    events: pd.DataFrame,
    rows: pd.DataFrame,
    provisions: findings.Provisions,
    top: int,
) -> Iterator[RenderableType]:
    span = reports.evidence_span(events)
    sources = ", ".join(sorted(events["source_dataset"].dropna().astype(str).unique())) or "none"
    if span:
        yield Text(f"Evidence: {len(events):,} events dated {span[0]} .. {span[1]} ({sources})")
    else:
        yield Text("Evidence: none")
    for a in result.agreements:
        yield Text("")
        yield _agreement_head(a)
        mine = rows[rows["agreement_id"] == a.id]
        if mine.empty:
            ends = f"; the evidence ends {span[1]}" if span else ""
            yield Padding(Text(f"no findings: no event falls under its provisions{ends}"), (0, 2))
            continue
        summary = findings.summary(mine, provisions, verdicts=findings.FINDING_VERDICTS)
        yield Padding(_incidents_line(summary), (0, 2))
        yield Padding(_counts(summary), (0, 2))
        yield Padding(_parties(summary, a), (0, 2))
        yield Padding(_months(summary, span), (0, 2))
    yield Text("")
    yield _top(rows, top)
    yield _reviewed(rows, top)
    if not result.obligations.empty:
        yield Text("")
        yield _obligations(result.obligations)
    registry = Registry.of(result.agreements)
    held = [
        h
        for a in result.agreements
        if not (
            h := did_it_hold(
                a,
                registry,
                result.zones,
                events,
                evidence=span,
                party_overrides=findings.reviewed_parties(rows[rows["agreement_id"] == a.id]),
            )
        ).totals.empty
    ]
    if held:
        yield Text("")
        yield _before_after(held)
    if not result.unmapped_actors.empty:
        names = ", ".join(
            f"{r['actor']} ({r['events']})" for r in _records(result.unmapped_actors.head(8))
        )
        yield Text("")
        yield Text(f"Unmapped actors in scope (extend the agreement's patterns): {names}")


def _agreement_head(a: Agreement) -> Text:
    t = Text()
    t.append(a.id, style="bold")
    t.append(f"  {a.title}")
    t.append(f" (PA-X {a.pax_id}; signed {a.signed.date}, {a.signed.place}")
    t.append(f"; supplements {a.supplements})" if a.supplements else ")")
    return t


def _incidents_line(summary: dict[str, Any]) -> Text:
    i = summary["incidents"]
    parts = [f"{_n(i[v])} {_SHORT[v]}" for v in findings.FINDING_VERDICTS if i.get(v)]
    return Text(
        f"incidents (each event once, at its worst verdict): {_n(i['total'])}"
        + (f" ({', '.join(parts)})" if parts else "")
    )


def _counts(summary: dict[str, Any]) -> Table:
    t = _table("verdict rows per provision")
    t.add_column("provision")
    for v in findings.FINDING_VERDICTS:
        t.add_column(_SHORT[v], justify="right")
    for r in summary["verdict_rows"]["by_provision"]:
        t.add_row(r["provision_id"], *[_n(r[v]) for v in findings.FINDING_VERDICTS])
    return t


def _parties(summary: dict[str, Any], a: Agreement) -> Text:
    labels = {q.id: q.side_label for q in a.parties}
    rows = summary["by_party"]
    if not rows:
        return Text("responsible: no violations or possible violations")
    out = Text()
    for verdict, name in (
        ("violation", "violations"),
        ("possible_violation", "possible violations"),
    ):
        shown = [r for r in rows if r[f"{verdict}s"]]
        parts = [
            f"{labels.get(r['party'], r['party'])} {r[f'{verdict}s']:,}"
            f" ({r[f'{verdict}s_share']:.0%})"
            for r in sorted(shown, key=lambda r: -r[f"{verdict}s"])
        ]
        out.append(f"{name} by party: " + ("; ".join(parts) if parts else "none") + "\n")
    out.rstrip()
    return out


def _months(summary: dict[str, Any], span: tuple[str, str] | None) -> RenderableType:
    months = [m for m in summary["by_month"] if m.get("violation") or m.get("possible_violation")]
    if not months:
        after = f" (the evidence ends {span[1]})" if span else ""
        return Text(f"no violations or possible violations in the evidence{after}")
    t = _table("incidents by month")
    t.add_column("month")
    t.add_column("violations", justify="right")
    t.add_column("possible", justify="right")
    for m in months:
        t.add_row(m["month"], _n(m["violation"]), _n(m["possible_violation"]))
    return t


def _top(rows: pd.DataFrame, n: int) -> RenderableType:
    inc = findings.incidents(rows)
    first = inc[inc["verdict"].astype(str) == "violation"].head(n)
    if first.empty:
        return Text("Top violations: none")
    t = _table("Top violations (most deaths first; each event once)")
    t.add_column("#", justify="right")
    t.add_column("event")
    for i, r in enumerate(_records(first), start=1):
        a2 = r["actor2"]
        actors = f"{r['actor1']}" + (f" vs {a2}" if isinstance(a2, str) and a2 else "")
        head = Text()
        head.append(f"{r['event_date']}  {r['location']}  ", style="bold")
        party = r["party"] or "unattributed"
        head.append(f"{int(r['fatalities'])} killed  {actors}  -> {party}  [{r['breaches']}]")
        review = str(r["review_status"])
        if review != findings.ReviewStatus.UNREVIEWED.value:
            machine = r["machine_verdict"]
            head.append(
                f"  review: {review}"
                + (f" (machine: {machine})" if machine != r["verdict"] else ""),
                style="italic",
            )
        head.append(f"\n{r['reason']}", style="dim")
        t.add_row(str(i), head)
    return t


def _reviewed(rows: pd.DataFrame, n: int) -> Text:
    """How many of the briefing's figures an analyst has reviewed."""
    inc = findings.incidents(rows)
    status = inc["review_status"].astype(str)
    done = status != findings.ReviewStatus.UNREVIEWED.value
    top = inc[inc["verdict"].astype(str) == "violation"].head(n)
    top_done = int(
        (top["review_status"].astype(str) != findings.ReviewStatus.UNREVIEWED.value).sum()
    )
    counts = status[done].value_counts()
    detail = ", ".join(f"{counts[s]:,} {s}" for s in findings.REVIEW_STATUSES if s in counts)
    return Text(
        f"Reviewed by an analyst: {top_done} of the top {len(top)} violations; "
        f"{int(done.sum()):,} of {len(inc):,} incidents"
        + (f" ({detail})" if detail else "")
        + "; the rest are the machine's verdicts, unreviewed."
    )


def _obligations(o: pd.DataFrame) -> Table:
    t = _table("Obligations")
    for col in ("agreement", "provision", "due", "status", "reason"):
        t.add_column(col, overflow="fold")
    for r in _records(o):
        t.add_row(r["agreement_id"], r["provision_id"], r["due"], r["status"], r["reason"])
    return t


def _before_after(held: list[Held]) -> RenderableType:
    """Did it hold (:func:`ceasefire.held.held`, the API's and the page's measure): per
    agreement and zone, all events and each party's with any (and per week of evidence),
    deaths, and the rate ratio after/before with its interval, or why there is none."""
    out: list[RenderableType] = [
        Text(
            f"Did it hold? Events and deaths inside each zone, {held[0].window.label()} "
            "the start (per week of evidence)",
            style="bold",
        )
    ]
    for h in held:
        d = h.to_dict()
        first = d["totals"][0]
        out.append(
            Text(
                f"{h.agreement_id}, from {h.effective.label()}: days of evidence "
                f"{first['before_covered_days']} of {first['before_days']} before, "
                f"{first['after_covered_days']} of {first['after_days']} after"
            )
        )
        for side in ("before", "after"):
            if not first[f"{side}_covered_days"]:
                out.append(
                    Text(
                        f"  no evidence {side} the start: this cannot say whether "
                        f"{h.agreement_id} held",
                        style="bold",
                    )
                )
        for zone, name in h.zones:
            t = _table(f"{name} ({zone})")
            t.title_style = "italic"
            for col in ("party", "events before", "after", "deaths before", "after"):
                t.add_column(col, justify="left" if col == "party" else "right")
            t.add_column("events after/before", overflow="fold")
            for r in (x for x in d["totals"] if x["zone"] == zone):
                if r["party"] != ALL_PARTIES and not (r["before_events"] or r["after_events"]):
                    continue
                sides = ("before", "after")
                t.add_row(
                    r["party"],
                    *[_rate(r[f"{s}_events"], r[f"{s}_events_per_week"]) for s in sides],
                    *[_deaths(r[f"{s}_fatalities"]) for s in sides],
                    r["summary"],
                )
            out.append(Padding(t, (0, 2)))
    return Group(*out)


def _rate(n: int | None, per_week: float | None) -> str:
    return "no evidence" if n is None or per_week is None else f"{n:,} ({per_week:.2g}/wk)"


def _deaths(n: int | None) -> str:
    return "no evidence" if n is None else f"{n:,}"


def verdict_list(v: pd.DataFrame, *, unit: str = "verdicts") -> RenderableType:
    """Verdict rows (or incidents) as a readable list: a head line each, the reason below; the
    review status where an analyst reviewed it, with the machine's verdict when overruled."""
    t = _table(f"{len(v):,} {unit}")
    t.add_column("#", justify="right")
    t.add_column(unit[:-1])
    for i, r in enumerate(_records(v), start=1):
        head = Text()
        head.append(f"{r['event_date']}  {r['verdict']}", style="bold")
        where = r.get("provisions") or f"{r['agreement_id']}/{r['provision_id']}"
        deaths = f"{int(r['fatalities'])} killed  " if unit == "incidents" else ""
        head.append(
            f"  p={float(r['probability']):.2f}  {r['party'] or '-'}  {deaths}"
            f"{where}  {r['location']}  [{r['event_uid']}]"
        )
        review = r.get("review_status")
        if review and review != findings.ReviewStatus.UNREVIEWED.value:
            machine = r.get("machine_verdict")
            was = f" (machine: {machine})" if machine and machine != r["verdict"] else ""
            head.append(f"  review: {review}{was}", style="italic")
        elif r.get("review_stale"):
            head.append("  review stale: the event changed since", style="italic")
        head.append(f"\n{r['reason']}", style="dim")
        t.add_row(str(i), head)
    return t
