"""The briefing a monitor reads after an evaluation, rendered for the terminal with rich.

The numbers come from :mod:`ceasefire.reports`; this module only lays them out: per agreement,
the verdicts per provision, who is responsible, the months, the gravest violations with their
reasons, the obligations, and whether the agreement held.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from . import reports
from .agreements import Agreement
from .compliance import Evaluation

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


def briefing(result: Evaluation, events: pd.DataFrame, *, top: int = 10) -> RenderableType:
    """The whole briefing as one rich renderable."""
    return Group(*_parts(result, events, top))


def _parts(result: Evaluation, events: pd.DataFrame, top: int) -> Iterator[RenderableType]:
    span = reports.evidence_span(events)
    sources = ", ".join(sorted(events["source_dataset"].dropna().astype(str).unique())) or "none"
    if span:
        yield Text(f"Evidence: {len(events):,} events dated {span[0]} .. {span[1]} ({sources})")
    else:
        yield Text("Evidence: none")
    v = result.verdicts
    months = reports.by_month(v, events, result.agreements)
    for a in result.agreements:
        yield Text("")
        yield _agreement_head(a)
        mine = v[v["agreement_id"] == a.id]
        if mine.empty:
            yield Padding(Text("no event-checked provisions"), (0, 2))
        else:
            yield Padding(_counts(mine), (0, 2))
            yield Padding(_parties(mine, a), (0, 2))
            yield Padding(_months(months[months["agreement_id"] == a.id], a, span), (0, 2))
    yield Text("")
    yield _top(v, events, top)
    if not result.obligations.empty:
        yield Text("")
        yield _obligations(result.obligations)
    ba = reports.before_after_totals(reports.before_after(result.agreements, result.zones, events))
    if not ba.empty:
        yield Text("")
        yield _before_after(ba)
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


def _counts(v: pd.DataFrame) -> Table:
    c = reports.verdict_counts(v)
    t = _table()
    t.add_column("provision")
    t.add_column("type")
    for k in _SHORT.values():
        t.add_column(k, justify="right")
    for r in _records(c):
        t.add_row(r["provision_id"], r["provision_type"], *[_n(r[k]) for k in _SHORT])
    return t


def _parties(v: pd.DataFrame, a: Agreement) -> Text:
    p = reports.by_party(v)
    labels = {q.id: q.side_label for q in a.parties}
    if p.empty:
        return Text("responsible: no violations")
    g = p.groupby("party", as_index=False)[["violation", "possible_violation"]].sum()
    total = max(int(g["violation"].sum()), 1)
    parts = [
        f"{labels.get(str(r['party']), str(r['party']))} {int(r['violation']):,}"
        f" ({int(r['violation']) / total:.0%}) / {int(r['possible_violation']):,}"
        for r in _records(g)
    ]
    return Text("violations / possible by party, all provisions: " + "; ".join(parts))


def _months(m: pd.DataFrame, a: Agreement, span: tuple[str, str] | None) -> RenderableType:
    if m.empty:
        after = f" (the evidence ends {span[1]})" if span else ""
        return Text(f"no violations in the evidence{after}")
    w = m.assign(cell=m["violation"].map(_n) + " / " + m["possible_violation"].map(_n)).pivot_table(
        index="month", columns="provision_id", values="cell", aggfunc="first"
    )
    t = _table("violations / possible by month")
    t.add_column("month")
    for c in w.columns:
        t.add_column(str(c), justify="right")
    for month, row in w.fillna("").iterrows():
        t.add_row(str(month), *[str(x) for x in row])
    return t


def _top(v: pd.DataFrame, events: pd.DataFrame, n: int) -> RenderableType:
    top = reports.top_violations(v, events, n=len(v))
    if top.empty:
        return Text("Top violations: none")
    provisions = dict(
        top.groupby("event_uid", sort=False)["provision_id"].agg(lambda x: ", ".join(x)).items()
    )
    first = top.drop_duplicates("event_uid").head(n)
    t = _table("Top violations (most fatalities first; each event once)")
    t.add_column("#", justify="right")
    t.add_column("event")
    for i, r in enumerate(_records(first), start=1):
        a2 = r["actor2"]
        actors = f"{r['actor1']}" + (f" vs {a2}" if isinstance(a2, str) and a2 else "")
        head = Text()
        head.append(f"{r['event_date']}  {r['location']}  ", style="bold")
        head.append(
            f"{int(r['fatalities'])} killed  {actors}  "
            f"[{r['agreement_id']}: {provisions[r['event_uid']]}]"
        )
        head.append(f"\n{r['reason']}", style="dim")
        t.add_row(str(i), head)
    return t


def _obligations(o: pd.DataFrame) -> Table:
    t = _table("Obligations")
    for col in ("agreement", "provision", "due", "status", "reason"):
        t.add_column(col, overflow="fold")
    for r in _records(o):
        t.add_row(r["agreement_id"], r["provision_id"], r["due"], r["status"], r["reason"])
    return t


def _before_after(ba: pd.DataFrame) -> RenderableType:
    t = _table("Did it hold? Events and deaths inside each zone, 12 months before vs after")
    for col in (
        "agreement",
        "zone",
        "events before",
        "after",
        "deaths before",
        "after",
        "months of evidence after",
    ):
        t.add_column(col, justify="left" if col in ("agreement", "zone") else "right")
    for r in _records(ba):
        t.add_row(
            r["agreement_id"],
            r["zone"],
            _n(r["before_events"]),
            _n(r["after_events"]),
            _n(r["before_fatalities"]),
            _n(r["after_fatalities"]),
            f"{r['after_months']} of 12",
        )
    return t


def verdict_list(v: pd.DataFrame) -> RenderableType:
    """Stored verdicts as a readable list: a head line per verdict, its reason below."""
    t = _table(f"{len(v):,} verdicts")
    t.add_column("#", justify="right")
    t.add_column("verdict")
    for i, r in enumerate(_records(v), start=1):
        head = Text()
        head.append(f"{r['event_date']}  {r['verdict']}", style="bold")
        head.append(
            f"  p={float(r['probability']):.2f}  {r['party'] or '-'}  "
            f"{r['agreement_id']}/{r['provision_id']}  {r['location']}  [{r['event_uid']}]"
        )
        head.append(f"\n{r['reason']}", style="dim")
        t.add_row(str(i), head)
    return t
