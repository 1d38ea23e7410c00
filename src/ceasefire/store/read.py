"""The read model: every read of the workspace, the CLI's findings and the exports, as SQL
(SQLAlchemy Core with bound parameters only, never text pasted in).

Each function takes :class:`~ceasefire.findings.Filters` (and a :class:`~ceasefire.findings.Page`)
and returns a frame, or plain dicts and lists ready for JSON: the verdict rows behind the
findings (:func:`finding_rows`, which :mod:`ceasefire.findings` counts), a page of incidents or
of events with their most severe verdict, the map's points or grid cells, verdict rows with their
review, pick-lists, rejects. The filters are defined here once, as SQL conditions; the verdicts
read are the ones that count (an analyst's overruling applied, see :mod:`ceasefire.store.reviews`).

>>> from ceasefire.store import open_store
>>> from ceasefire.findings import Filters, Page
>>> store = open_store(":memory:")
>>> events_page(store.engine, Filters(actor="' OR 1=1 --"), Page())
{'items': [], 'total': 0, 'limit': 100, 'offset': 0}
>>> store.close()
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    Engine,
    Integer,
    String,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ceasefire import findings
from ceasefire.compliance import VERDICTS
from ceasefire.errors import LimitError
from ceasefire.findings import Filters, Page
from ceasefire.limits import MAX_FINDING_ROWS
from ceasefire.store import schema
from ceasefire.store.evaluations import DISPLAY_COLUMNS, VERDICT_COLUMNS
from ceasefire.store.incidents import worst_key

__all__ = [
    "CLAIM_COLUMNS",
    "CLUSTER_THRESHOLD",
    "EVENT_SORTS",
    "MAX_ACTORS",
    "REVIEW_COLUMNS_OUT",
    "VERDICT_COLUMNS_OUT",
    "VERDICT_SORTS",
    "actor_counts",
    "aggregate_rows",
    "claims_published",
    "event_days",
    "event_detail_verdicts",
    "events_geojson",
    "events_page",
    "field_report_observations",
    "file_name",
    "finding_incidents",
    "finding_rows",
    "findings_summary",
    "incident_aggregate",
    "incidents_of_events",
    "incidents_page",
    "last_evaluation",
    "last_event_day",
    "observation_aggregate",
    "party_counts",
    "rejects_page",
    "review_queue",
    "source_counts",
    "verdict_rows",
    "verdicts_page",
]

#: More matching events than this in the view and ``events.geojson`` answers grid cells.
CLUSTER_THRESHOLD: Final = 5000
#: The actor pick-list offers this many names, the most frequent first.
MAX_ACTORS: Final = 300

e = schema.events
v = schema.verdicts

_EVENT_OUT: Final = (
    "event_uid",
    "event_date",
    "time_start",
    "time_end",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "latitude",
    "longitude",
    "location_uncertainty_km",
    "fatalities",
    "source_dataset",
)
#: Sort keys of ``/api/events``.
EVENT_SORTS: Final = ("event_date", "fatalities", "event_type", "source_dataset", "event_uid")
#: Sort keys of ``/api/verdicts``.
VERDICT_SORTS: Final = (
    "event_date",
    "probability",
    "fatalities",
    "verdict",
    "party",
    "provision_id",
    "agreement_id",
    "event_type",
)


# ------------------------------------------------------------------------------ conditions


#: An event that is current evidence: not withdrawn by its provider (schema 16).
_CURRENT: Final = e.c.withdrawn_at.is_(None)


def _event_conditions(f: Filters) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = []
    if f.event_type:
        cond.append(e.c.event_type == f.event_type)
    if f.source:
        cond.append(e.c.source_dataset == f.source)
    if f.date_from:
        cond.append(e.c.event_date >= f.date_from)
    if f.date_to:
        cond.append(e.c.event_date <= f.date_to)
    if f.bbox:
        minlon, minlat, maxlon, maxlat = f.bbox
        cond += [
            e.c.longitude >= minlon,
            e.c.longitude <= maxlon,
            e.c.latitude >= minlat,
            e.c.latitude <= maxlat,
        ]
        if (maxlon - minlon) * (maxlat - minlat) <= NEAR_BOX_MAX_DEG2:
            cond.append(near_box(*(literal(float(x)) for x in f.bbox)))
    if f.actor:
        # LIKE with the user's text escaped, so % and _ are literal characters
        pattern = (
            "%"
            + f.actor.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        cols = (e.c.actor1, e.c.actor2, e.c.assoc_actor_1, e.c.assoc_actor_2)
        cond.append(or_(*[func.lower(c).like(pattern, escape="\\") for c in cols]))
    return cond


def _selective_verdicts(f: Filters) -> bool:
    """Whether the verdict filter picks few rows (most stored rows are ``outside``)."""
    return "outside" not in f.verdicts


def _verdict_conditions(
    f: Filters, *, by_event: bool = False, any_verdict: bool = False
) -> list[ColumnElement[bool]]:
    """The verdict filters as SQL. No verdict asked means every finding verdict
    (:attr:`Filters.verdicts`: not ``outside``), or with ``any_verdict`` every verdict."""
    cond: list[ColumnElement[bool]] = []
    if f.agreement and (by_event or _selective_verdicts(f)):
        # `|| ''` keeps SQLite's planner off the primary key (agreement, provision, event),
        # which would scan every row of the agreement: per event, ix_verdicts_event_uid finds
        # its few rows; with a selective verdict filter, ix_verdicts_verdict does
        cond.append(v.c.agreement_id.concat("") == f.agreement)
    elif f.agreement:
        cond.append(v.c.agreement_id == f.agreement)
    if f.provision:
        cond.append(v.c.provision_id == f.provision)
    if f.verdict or not any_verdict:
        cond.append(v.c.verdict.in_(f.verdicts))
    if f.party:
        cond.append(v.c.party == f.party)
    if f.review_status:
        cond.append(v.c.review_status.in_(f.review_status))
    return cond


def _matching_events(f: Filters) -> list[ColumnElement[bool]]:
    # an event its provider withdrew (schema 16) is no longer evidence (its verdicts are gone)
    cond = [*_event_conditions(f), _CURRENT]
    if f.has_verdict_filter:
        # IN (uncorrelated subquery): computed once, where a correlated EXISTS would probe the
        # verdicts per event through whichever index the filter columns suggest
        cond.append(e.c.event_uid.in_(select(v.c.event_uid).where(*_verdict_conditions(f))))
    return cond


def _worst_key(f: Filters) -> Any:
    """A correlated scalar: the most severe matching verdict of the event and its probability
    packed in one number (:func:`~ceasefire.store.incidents.worst_key`), so one MIN() finds
    both; see :func:`_unpack`."""
    return (
        select(func.min(worst_key()))
        .where(
            v.c.event_uid == e.c.event_uid,
            *_verdict_conditions(f, by_event=True, any_verdict=True),
        )
        .scalar_subquery()
    )


def _unpack(key: float | None) -> tuple[str | None, float | None]:
    if key is None:
        return None, None
    rank = int(key // 2)
    return (VERDICTS[rank] if rank < len(VERDICTS) else None), round(1 - (key - 2 * rank), 4)


# ---------------------------------------------------------------------------------- events


def _event_item(row: Any) -> dict[str, Any]:
    item = {c: row[c] for c in _EVENT_OUT}
    item["verdict"], item["probability"] = _unpack(row["worst"])
    return item


def events_page(engine: Engine, f: Filters, page: Page) -> dict[str, Any]:
    """A page of events matching ``f``, each with its most severe matching verdict. With a
    verdict filter (agreement, provision, verdict, party, review status) the events are the
    incidents the findings count (:func:`finding_rows`), each at its worst verdict."""
    if f.has_verdict_filter:
        return _incident_events_page(engine, f, page)
    where = _matching_events(f)
    sort = e.c[page.sort or "event_date"]
    order = [sort.desc() if page.order == "desc" else sort.asc(), e.c.event_uid.asc()]
    inner = (
        select(e.c.event_uid.label("uid"))
        .where(*where)
        .order_by(*order)
        .limit(page.limit)
        .offset(page.offset)
        .subquery()
    )
    # the correlated verdict lookup runs only for the page's rows, not for every match
    stmt = (
        select(*[e.c[c] for c in _EVENT_OUT], _worst_key(f).label("worst"))
        .join(inner, inner.c.uid == e.c.event_uid)
        .order_by(*order)
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(e).where(*where)).scalar_one()
        items = [_event_item(r) for r in conn.execute(stmt).mappings()]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


class floor_int(FunctionElement[int]):
    """``floor(x)`` as an integer on every dialect: SQLite's ``CAST(x AS INTEGER)`` truncates
    (the floor for x >= 0, which every use here is), PostgreSQL's rounds, so there it is
    ``floor(x)::integer``. Map cells are identical on both stores."""

    type = Integer()
    inherit_cache = True


@compiles(floor_int)
def _floor_int_default(element: floor_int, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(floor_int, "postgresql")
def _floor_int_postgresql(element: floor_int, compiler: Any, **kw: Any) -> str:
    return f"CAST(floor({compiler.process(element.clauses, **kw)}) AS INTEGER)"


#: Boxes up to this many square degrees (half a degree square: a city's map) are first cut with
#: PostgreSQL's GiST index; a larger box holds a good share of the events, which the covering
#: index ``ix_events_map`` (latitude, longitude, worst, fatalities) reads without the table.
NEAR_BOX_MAX_DEG2: Final = 0.25


class near_box(FunctionElement[bool]):
    """``near_box(minlon, minlat, maxlon, maxlat)``: an index's first cut of the events in a
    box, beside the exact latitude/longitude ranges that decide (so the answer is the same on
    both stores). On PostgreSQL, the events' PostGIS points against the box, through their GiST
    index (schema 10; its float4 boxes may let in a point a hair outside, which the ranges then
    drop); elsewhere, nothing (``1 = 1``: SQLite's index on (latitude, longitude) serves the
    ranges)."""

    type = Boolean()
    inherit_cache = True


@compiles(near_box)
def _near_box_default(element: near_box, compiler: Any, **kw: Any) -> str:
    return "1 = 1"


@compiles(near_box, "postgresql")
def _near_box_postgresql(element: near_box, compiler: Any, **kw: Any) -> str:
    args = compiler.process(element.clauses, **kw)
    return f"(events.position::geometry && ST_MakeEnvelope({args}, 4326))"


class byte_order(FunctionElement[Any]):
    """A text column to sort by code point on every database: SQLite's own order, PostgreSQL's
    ``C`` collation whatever the database's locale (so the same page on both, and as pandas
    sorts). Other columns are left as they are."""

    inherit_cache = True

    def __init__(self, expr: Any) -> None:
        super().__init__(expr)
        self.type = expr.type


@compiles(byte_order)
def _byte_order_default(element: byte_order, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(byte_order, "postgresql")
def _byte_order_postgresql(element: byte_order, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    if isinstance(element.type, String):
        return f'({inner}) COLLATE "C"'
    return str(inner)


def _count_to(conn: Any, stmt: Any, most: int) -> int:
    """How many rows ``stmt`` gives, counting no further than ``most``: enough to choose points
    or cells without counting a million rows twice (the cells' counts add up to the total)."""
    return int(
        conn.execute(select(func.count()).select_from(stmt.limit(most).subquery())).scalar_one()
    )


def _cell_size(zoom: int) -> float:
    """Grid cell in degrees: an eighth of a web-map tile at ``zoom``."""
    return 360.0 / (2**zoom) / 8


def events_geojson(engine: Engine, f: Filters, *, zoom: int) -> dict[str, Any]:
    """Points, or grid cells when more than :data:`CLUSTER_THRESHOLD` events match. With a
    verdict filter, the located incidents the findings count, each at its worst verdict."""
    if f.has_verdict_filter:
        return _incidents_geojson(engine, f, zoom=zoom)
    where = [*_matching_events(f), e.c.longitude.is_not(None), e.c.latitude.is_not(None)]
    with engine.connect() as conn:
        total = _count_to(conn, select(e.c.event_uid).where(*where), CLUSTER_THRESHOLD + 1)
        if total > CLUSTER_THRESHOLD:
            features = _cells(conn, where, _cell_size(zoom))
            total = sum(int(c["properties"]["count"]) for c in features)
        else:
            rows = conn.execute(
                select(
                    e.c.event_uid,
                    e.c.event_date,
                    e.c.event_type,
                    e.c.fatalities,
                    e.c.location_uncertainty_km,
                    e.c.source_dataset,
                    e.c.longitude,
                    e.c.latitude,
                    _worst_key(f).label("worst"),
                )
                .where(*where)
                .order_by(e.c.event_date, e.c.event_uid)
            ).mappings()
            features = [_point(r) for r in rows]
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "clustered": total > CLUSTER_THRESHOLD,
    }


def _incident_events_page(engine: Engine, f: Filters, page: Page) -> dict[str, Any]:
    if _marked(f) and page.sort != "event_type":  # sorting by a corrected type: all rows
        return _marked_events_page(engine, f, page)
    inc = finding_incidents(engine, f)
    key = page.sort or "event_date"
    inc = inc.sort_values([key, "event_uid"], ascending=[page.order != "desc", True], kind="stable")
    part = inc.iloc[page.offset : page.offset + page.limit]
    uids = [str(u) for u in part["event_uid"]]
    with engine.connect() as conn:
        found = {
            r["event_uid"]: dict(r)
            for r in conn.execute(
                select(*[e.c[c] for c in _EVENT_OUT]).where(e.c.event_uid.in_(uids))
            ).mappings()
        }
    items = []
    for r in _json_records(part):
        item = found.get(r["event_uid"], {c: r.get(c) for c in _EVENT_OUT})
        items.append({**item, "verdict": r["verdict"], "probability": r["probability"]})
    return {"items": items, "total": len(inc), "limit": page.limit, "offset": page.offset}


def _incidents_geojson(engine: Engine, f: Filters, *, zoom: int) -> dict[str, Any]:
    if _marked(f):
        where = [*_marked_where(f), e.c.longitude.is_not(None), e.c.latitude.is_not(None)]
        with engine.connect() as conn:
            located = select(v.c.event_uid).join(e, e.c.event_uid == v.c.event_uid)
            total = _count_to(conn, located.where(*where), CLUSTER_THRESHOLD + 1)
            if total > CLUSTER_THRESHOLD:  # points need the corrected event type: all rows
                features = _marked_cells(conn, where, _cell_size(zoom))
                return {
                    "type": "FeatureCollection",
                    "features": features,
                    "total": sum(int(c["properties"]["count"]) for c in features),
                    "clustered": True,
                }
    inc = finding_incidents(engine, f)
    inc = inc[inc["longitude"].notna() & inc["latitude"].notna()]
    inc = inc.sort_values(["event_date", "event_uid"], kind="stable")
    total = len(inc)
    if total > CLUSTER_THRESHOLD:
        features = _incident_cells(inc, _cell_size(zoom))
    else:
        features = [
            _point(
                {
                    **r,
                    "worst": None,
                    "verdict": r["verdict"],
                    "probability": r["probability"],
                }
            )
            for r in _json_records(inc)
        ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "clustered": total > CLUSTER_THRESHOLD,
    }


def _incident_cells(inc: pd.DataFrame, size: float) -> list[dict[str, Any]]:
    """Grid cells of located incidents, as :func:`_cells` makes them from SQL."""
    t = inc.assign(
        cx=np.floor((inc["longitude"].astype(float) + 180.0) / size).astype(int),
        cy=np.floor((inc["latitude"].astype(float) + 90.0) / size).astype(int),
        fat=pd.to_numeric(inc["fatalities"], errors="coerce").fillna(0).astype(int),
    )
    t = t.assign(
        verdict=t["verdict"].astype(str),
        longitude=_micro(t["longitude"].astype(float).to_numpy(), 180.0),
        latitude=_micro(t["latitude"].astype(float).to_numpy(), 90.0),
    )
    g = t.groupby(["cx", "cy", "verdict"], sort=True)
    sums = g[["fat", "longitude", "latitude"]].sum()
    per = [
        {"cx": cx, "cy": cy, "verdict": verdict, "n": int(n), "fatalities": fat, "lon": lon,
         "lat": lat}
        for (cx, cy, verdict), n, fat, lon, lat in zip(
            g.size().index, g.size(), sums["fat"], sums["longitude"], sums["latitude"],
            strict=True,
        )
    ]  # fmt: skip
    return _cell_features(per, size)


def _micro(degrees: Any, offset: float) -> Any:
    """Degrees + ``offset`` (so >= 0) in whole micro-degrees, rounded half up: summed as
    integers, a cell's centre is exact in any order, so it is the same from SQL on either
    store and from pandas (floats summed in another order differ in the last bit). In SQL for
    a column, with numpy for an array."""
    if isinstance(degrees, np.ndarray):
        return np.floor((degrees + offset) * 1e6 + 0.5).astype(np.int64)
    return floor_int((degrees + offset) * 1e6 + 0.5)


def _cell_features(per: Iterable[Any], size: float) -> list[dict[str, Any]]:
    """Map cells from rows of (``cx``, ``cy``, ``verdict``, ``n``, ``fatalities``, and the sums
    of ``lon`` and ``lat`` in :func:`_micro` units), ordered by cell: one Feature per cell at
    the mean position of its incidents, with their count, deaths and count by verdict (most
    first)."""
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for r in per:
        cell = cells.setdefault(
            (int(r["cx"]), int(r["cy"])),
            {"count": 0, "fatalities": 0, "lon": 0, "lat": 0, "by": {}},
        )
        n = int(r["n"])
        cell["count"] += n
        cell["fatalities"] += int(r["fatalities"] or 0)
        cell["lon"] += int(r["lon"])
        cell["lat"] += int(r["lat"])
        cell["by"][str(r["verdict"])] = n
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(c["lon"] / c["count"] / 1e6 - 180.0, 6),
                    round(c["lat"] / c["count"] / 1e6 - 90.0, 6),
                ],
            },
            "properties": {
                "cluster": True,
                "count": c["count"],
                "fatalities": c["fatalities"],
                "by_verdict": dict(sorted(c["by"].items(), key=lambda kv: (-kv[1], kv[0]))),
                "cell_deg": size,
            },
        }
        for _, c in sorted(cells.items())
    ]


# ------------------------------------------------------------------- incidents, as marked rows


def _marked(f: Filters) -> bool:
    """Whether the marked incident rows (``verdicts.incident``, :mod:`ceasefire.store.incidents`)
    answer ``f``: one agreement, every provision, no ``outside`` and no event-type filter (an
    analyst's corrected event type may come from any of the event's rows). Else every row is
    read and :func:`ceasefire.findings.selected` picks (the same answer, slower)."""
    return bool(f.agreement) and not f.provision and not f.event_type and "outside" not in f.verdict


def _marked_where(f: Filters) -> list[ColumnElement[bool]]:
    """:func:`ceasefire.findings.selected`'s filters on each event's incident row: its verdict,
    its party as labelled (a breach without one is ``unattributed``; other verdicts have none)
    and its review status; and the event filters."""
    cond: list[ColumnElement[bool]] = [
        v.c.agreement_id == f.agreement,
        v.c.incident == true(),
        v.c.verdict.in_(f.verdicts),
    ]
    if f.party:
        party = func.coalesce(v.c.party, "")
        named = party == f.party
        if f.party == "unattributed":
            named = or_(named, party == "")
        cond += [v.c.verdict.in_(findings.BREACHES), named]
    if f.review_status:
        cond.append(v.c.review_status.in_(f.review_status))
    return cond + _event_conditions(f)


def _marked_from(f: Filters) -> Any:
    """Verdicts joined to their events: inner when an event filter needs the event, else outer
    (an evaluated event that is not stored still counts), as :func:`_verdict_select` joins."""
    return v.join(e, e.c.event_uid == v.c.event_uid, isouter=not _event_conditions(f))


def _marked_events_page(engine: Engine, f: Filters, page: Page) -> dict[str, Any]:
    """:func:`_incident_events_page` from the marked rows: one SQL count and one page."""
    where = _marked_where(f)
    key = page.sort or "event_date"
    col: Any = {
        "event_uid": v.c.event_uid,
        "fatalities": func.coalesce(e.c.fatalities, 0),
    }.get(key, e.c[key])
    col = byte_order(col)  # pandas sorts text by code point: so must the database
    first = col.desc() if page.order == "desc" else col.asc()
    # an incident of an event that was judged but never stored counts no deaths (as incidents)
    fatalities = case((e.c.event_uid.is_(None), 0), else_=e.c.fatalities).label("fatalities")
    out = {"event_uid": v.c.event_uid, "fatalities": fatalities}
    stmt = (
        select(
            *[out.get(c, e.c[c]) for c in _EVENT_OUT],
            v.c.verdict,
            v.c.probability,
        )
        .select_from(_marked_from(f))
        .where(*where)
        .order_by(first.nulls_last(), byte_order(v.c.event_uid).asc())
        .limit(page.limit)
        .offset(page.offset)
    )
    # without an event filter the outer join cannot change the count: leave it out
    counted = _marked_from(f) if _event_conditions(f) else v
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(counted).where(*where)).scalar_one()
        items = [dict(r) for r in conn.execute(stmt).mappings()]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


def _marked_cells(conn: Any, where: list[Any], size: float) -> list[dict[str, Any]]:
    """:func:`_incident_cells` from the marked rows, grouped in SQL."""
    cx = floor_int((e.c.longitude + 180.0) / size).label("cx")
    cy = floor_int((e.c.latitude + 90.0) / size).label("cy")
    stmt = (
        select(
            cx,
            cy,
            v.c.verdict,
            func.count().label("n"),
            func.sum(func.coalesce(e.c.fatalities, 0)).label("fatalities"),
            func.sum(_micro(e.c.longitude, 180.0)).label("lon"),
            func.sum(_micro(e.c.latitude, 90.0)).label("lat"),
        )
        .select_from(v)
        .join(e, e.c.event_uid == v.c.event_uid)
        .where(*where)
        .group_by(cx, cy, v.c.verdict)
        .order_by(cx, cy, v.c.verdict)
    )
    return _cell_features(conn.execute(stmt).mappings(), size)


def _marked_incident_rows(engine: Engine, f: Filters) -> pd.DataFrame | None:
    """Each incident's row as :func:`finding_rows` would give it (the columns
    :func:`ceasefire.findings.aggregate` reads), from the marked rows; None when they do not
    answer ``f`` (:func:`_marked`). ``aggregate`` of these equals ``aggregate`` of
    :func:`finding_rows` by day, week, month, party and verdict (one row per event is what it
    keeps of them)."""
    if not _marked(f):
        return None
    cols = [
        v.c.event_uid,
        v.c.agreement_id,
        v.c.provision_id,
        v.c.verdict,
        v.c.probability,
        v.c.party,
        v.c.review_status,
        e.c.event_date,
        e.c.event_type,
        e.c.fatalities,
    ]
    frame = _columns(engine, select(*cols).select_from(_marked_from(f)).where(*_marked_where(f)))
    if frame.empty:
        return frame
    frame["party"] = frame["party"].fillna("")
    frame["fatalities"] = pd.to_numeric(frame["fatalities"], errors="coerce").fillna(0).astype(int)
    return frame


def _point(r: Any) -> dict[str, Any]:
    if r["worst"] is None and "verdict" in r:  # an incident: its worst verdict given
        verdict, probability = r["verdict"], r["probability"]
    else:
        verdict, probability = _unpack(r["worst"])
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]},
        "properties": {
            "event_uid": r["event_uid"],
            "event_date": r["event_date"],
            "event_type": r["event_type"],
            "verdict": verdict,
            "probability": probability,
            "fatalities": r["fatalities"],
            "uncertainty_km": r["location_uncertainty_km"],
            "source": r["source_dataset"],
        },
    }


def _cells(conn: Any, where: list[Any], size: float) -> list[dict[str, Any]]:
    """Grid cells of the events matching ``where`` (no verdict filter), each event at its most
    severe verdict over every agreement, as stored with it (``events.worst``, kept by
    :mod:`ceasefire.store.incidents`): one scan of the events, no join."""
    # longitude+180 and latitude+90 are >= 0, so CAST(... AS INTEGER) is floor() everywhere
    per_event = (
        select(
            floor_int((e.c.longitude + 180.0) / size).label("cx"),
            floor_int((e.c.latitude + 90.0) / size).label("cy"),
            _micro(e.c.longitude, 180.0).label("lon"),
            _micro(e.c.latitude, 90.0).label("lat"),
            func.coalesce(e.c.fatalities, 0).label("fat"),
            e.c.worst.label("worst"),
        )
        .where(*where)
        .subquery()
    )
    rank = floor_int(per_event.c.worst / 2)
    stmt = select(
        per_event.c.cx,
        per_event.c.cy,
        rank.label("rank"),
        func.count().label("n"),
        func.sum(per_event.c.fat).label("fatalities"),
        func.sum(per_event.c.lon).label("lon"),
        func.sum(per_event.c.lat).label("lat"),
    ).group_by(per_event.c.cx, per_event.c.cy, rank)

    def named(r: Any) -> dict[str, Any]:
        rank = r["rank"]
        name = VERDICTS[rank] if rank is not None and rank < len(VERDICTS) else None
        return {**r, "verdict": name or "none"}

    return _cell_features((named(r) for r in conn.execute(stmt).mappings()), size)


def event_detail_verdicts(engine: Engine, event_uid: str) -> list[dict[str, Any]]:
    """Every verdict on one event, by agreement and provision."""
    cols = [c for c in v.columns if c.name not in ("evaluation_id", "incident")]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*cols)
            .where(v.c.event_uid == event_uid)
            .order_by(v.c.agreement_id, v.c.provision_id)
        ).mappings()
        return [dict(r) for r in rows]


# -------------------------------------------------------------------------------- verdicts

#: The stored verdict columns a listing shows (the space and time shares stay in the store).
_VERDICT_OUT: Final = tuple(c for c in VERDICT_COLUMNS if c not in ("p_space", "p_time"))
_JOINED: Final = tuple(c for c in DISPLAY_COLUMNS if c != "sub_event_type")


#: The review columns of a verdict row: the status that counts, whether the latest review is
#: of an older event version (stale), the machine's verdict and party beside the counted ones,
#: and the latest review's note, corrected event type, reviewer and time.
REVIEW_COLUMNS_OUT: Final = (
    "review_status",
    "review_stale",
    "machine_verdict",
    "machine_party",
    "review_note",
    "reviewed_event_type",
    "reviewed_by",
    "reviewed_at",
)
#: Columns of a verdict row of ``/api/verdicts``, the exports and :func:`finding_rows`.
VERDICT_COLUMNS_OUT: Final = (*_VERDICT_OUT, *_JOINED, *REVIEW_COLUMNS_OUT)


def _verdict_select(f: Filters, *, located: bool = False) -> Any:
    """Verdict rows matching ``f`` with their events' and reviews' columns (and, ``located``,
    the event's location uncertainty and sub-event type). A stale review's corrected event
    type is not given."""
    r, u = schema.reviews, schema.users
    stmt = (
        select(
            *[v.c[c] for c in _VERDICT_OUT],
            *[e.c[c] for c in _JOINED],
            v.c.review_status,
            v.c.review_stale,
            func.coalesce(v.c.machine_verdict, v.c.verdict).label("machine_verdict"),
            case((v.c.machine_verdict.is_(None), v.c.party), else_=v.c.machine_party).label(
                "machine_party"
            ),
            r.c.note.label("review_note"),
            case((v.c.review_stale.is_(True), None), else_=r.c.corrected_event_type).label(
                "reviewed_event_type"
            ),
            u.c.name.label("reviewed_by"),
            r.c.created_at.label("reviewed_at"),
            *([e.c.location_uncertainty_km, e.c.sub_event_type] if located else []),
        )
        .select_from(v)
        .join(e, e.c.event_uid == v.c.event_uid, isouter=not _event_conditions(f))
        .join(r, r.c.id == v.c.review_id, isouter=True)
        .join(u, u.c.id == r.c.user_id, isouter=True)
        .where(*_verdict_conditions(f), *_event_conditions(f))
    )
    return stmt


def _verdict_count(f: Filters) -> Any:
    base = select(func.count()).select_from(v)
    if _event_conditions(f):
        base = base.join(e, e.c.event_uid == v.c.event_uid)
    return base.where(*_verdict_conditions(f), *_event_conditions(f))


def _verdict_order(page: Page) -> list[Any]:
    name = page.sort or "event_date"
    col = e.c[name] if name in ("event_date", "fatalities", "event_type") else v.c[name]
    return [
        col.desc() if page.order == "desc" else col.asc(),
        v.c.event_uid.asc(),
        v.c.agreement_id.asc(),
        v.c.provision_id.asc(),
    ]


def verdicts_page(engine: Engine, f: Filters, page: Page) -> dict[str, Any]:
    """A page of verdict rows joined with their events and latest review."""
    stmt = _verdict_select(f).order_by(*_verdict_order(page)).limit(page.limit)
    stmt = stmt.offset(page.offset)
    with engine.connect() as conn:
        total = conn.execute(_verdict_count(f)).scalar_one()
        items = [dict(r) for r in conn.execute(stmt).mappings()]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


def verdict_rows(
    engine: Engine, f: Filters, page: Page | None = None, *, chunk: int = 2000
) -> Iterator[list[dict[str, Any]]]:
    """Every verdict row matching ``f``, in lists of ``chunk`` rows (the exports stream them:
    an unfiltered export of 100,000 events is about half a million rows)."""
    stmt = _verdict_select(f).order_by(*_verdict_order(page or Page()))
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=chunk).execute(stmt).mappings()
        for part in result.partitions():
            yield [dict(r) for r in part]


# -------------------------------------------------------------------------------- findings


def verdict_frame(engine: Engine, f: Filters) -> pd.DataFrame:
    """The verdict rows matching ``f``, every filter applied to rows (the per-provision unit of
    ``/api/verdicts``), as a frame of :data:`VERDICT_COLUMNS_OUT`."""
    return _frame(engine, _verdict_select(f))


def finding_rows(engine: Engine, f: Filters) -> pd.DataFrame:
    """The verdict rows of the incidents ``f`` asks for (:func:`ceasefire.findings.select`: its
    verdict, party, review status and event type filters apply to each event's worst verdict),
    the counted verdicts with the machine's beside them: what :mod:`ceasefire.findings` counts
    on every surface. Columns: :data:`VERDICT_COLUMNS_OUT`, ``location_uncertainty_km`` and
    ``sub_event_type`` (what the counts by weapon class read)."""
    return _selection(engine, f)[0]


def finding_incidents(engine: Engine, f: Filters) -> pd.DataFrame:
    """:func:`ceasefire.findings.incidents` of :func:`finding_rows` (computed once)."""
    return _selection(engine, f)[1]


def incidents_of_events(engine: Engine, f: Filters, event_uids: Iterable[str]) -> pd.DataFrame:
    """:func:`finding_incidents` of ``f`` among the events ``event_uids`` only: what the
    findings say of given events (an article's), whatever their dates (``f``'s dates, like its
    other filters, still apply: leave them out to look the events up on any day)."""
    uids = sorted({str(u) for u in event_uids})
    if not uids:
        return findings.incidents(pd.DataFrame())
    rows = f.but(verdict=f.row_verdicts, party=None, review_status=(), event_type=None)
    parts = [
        _frame(engine, _verdict_select(rows, located=True).where(v.c.event_uid.in_(part)))
        for part in (uids[i : i + 500] for i in range(0, len(uids), 500))
    ]
    parts = [x for x in parts if not x.empty]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return findings.selected(frame, f)[1]


def _selection(engine: Engine, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows and incidents ``f`` asks for, read once (at most :data:`MAX_FINDING_ROWS`)."""
    rows = f.but(verdict=f.row_verdicts, party=None, review_status=(), event_type=None)
    with engine.connect() as conn:
        n = conn.execute(_verdict_count(rows)).scalar_one()
    if n > MAX_FINDING_ROWS:
        raise LimitError(
            f"these filters match {n:,} verdict rows (narrow the dates, the agreement or the"
            " place, or leave out 'outside'); the findings read at most",
            limit=MAX_FINDING_ROWS,
            field="verdict" if "outside" in f.verdict else None,
        )
    return findings.selected(_frame(engine, _verdict_select(rows, located=True)), f)


def _columns(engine: Engine, stmt: Any) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, built column by column (``from_records`` probes every
    row's type: three times slower); no rows give an empty frame with the columns."""
    with engine.connect() as conn:
        result = conn.execute(stmt)
        keys, rows = list(result.keys()), result.all()
    if not rows:
        return pd.DataFrame(columns=keys)
    return pd.DataFrame(dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True)))


def _frame(engine: Engine, stmt: Any) -> pd.DataFrame:
    """The rows of a verdict select, ordered by event, agreement, provision, as a frame."""
    frame = _columns(engine, stmt.order_by(v.c.event_uid, v.c.agreement_id, v.c.provision_id))
    if frame.empty:
        return frame
    frame["review_stale"] = frame["review_stale"].astype(bool)
    frame["party"] = frame["party"].fillna("")
    frame["fatalities"] = pd.to_numeric(frame["fatalities"], errors="coerce").fillna(0).astype(int)
    return frame


#: What :func:`ceasefire.findings.aggregate` groups by from each incident's own row alone (by
#: zone it needs every zone's worst, by event type any row's correction).
_ONE_ROW_KEYS: Final = ("day", "week", "month", "party", "verdict")


def incident_aggregate(
    engine: Engine, f: Filters, by: str, provisions: findings.Provisions | None = None
) -> list[dict[str, Any]]:
    """:func:`ceasefire.findings.aggregate` of the incidents matching ``f`` by ``by``: of the
    marked incident rows where they answer (:func:`_marked`; one row per incident), else of
    every row (:func:`finding_rows`). The same answer both ways (tested)."""
    rows = _marked_incident_rows(engine, f) if by in _ONE_ROW_KEYS else None
    if rows is None:
        rows = finding_rows(engine, f)
    return findings.aggregate(rows, by, provisions, verdicts=f.verdicts)


def findings_summary(
    engine: Engine, f: Filters, provisions: findings.Provisions | None = None
) -> dict[str, Any]:
    """:func:`ceasefire.findings.report` of the rows matching ``f``."""
    return findings.report(finding_rows(engine, f), f, provisions)


def incidents_page(engine: Engine, f: Filters, page: Page) -> dict[str, Any]:
    """A page of :func:`ceasefire.findings.incidents` matching ``f`` (one row per event, its worst
    verdict; most severe first unless ``page`` sorts otherwise)."""
    return _page_of(findings.sort_incidents(finding_incidents(engine, f), page), page)


def review_queue(engine: Engine, f: Filters, page: Page) -> dict[str, Any]:
    """A page of :func:`ceasefire.findings.review_queue` over the incidents matching ``f`` (of the
    review statuses ``f`` asks for, else the open ones)."""
    inc = finding_incidents(engine, f)
    return _page_of(findings.review_queue(inc, statuses=f.review_status), page)


def _page_of(t: pd.DataFrame, page: Page) -> dict[str, Any]:
    """The rows of ``t`` that ``page`` shows, as JSON, with the total."""
    part = t.iloc[page.offset : page.offset + page.limit]
    return {
        "items": _json_records(part),
        "total": len(t),
        "limit": page.limit,
        "offset": page.offset,
    }


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON values (NaN and NA as None, numpy scalars as Python)."""
    out = []
    for r in frame.to_dict(orient="records"):
        out.append({str(k): _plain(x) for k, x in r.items()})
    return out


def _plain(x: Any) -> Any:
    if x is None or (not isinstance(x, str | bytes | list | tuple | dict) and pd.isna(x)):
        return None
    if hasattr(x, "item"):
        return x.item()
    return x


# ------------------------------------------------------------------------------ aggregates


def aggregate_rows(engine: Engine, f: Filters, column: str) -> list[dict[str, Any]]:
    """Counts and fatalities of the verdict rows matching ``f``, grouped by ``column`` of the
    joined rows (``event_date``, ``party``, ``verdict``, ``event_type``, or
    ``agreement_id,provision_id`` for zones) and by verdict."""
    keys = [e.c[c] if c in ("event_date", "event_type") else v.c[c] for c in column.split(",")]
    stmt = (
        select(
            *[k.label(f"k{i}") for i, k in enumerate(keys)],
            v.c.verdict,
            func.count().label("count"),
            func.coalesce(func.sum(e.c.fatalities), literal(0)).label("fatalities"),
        )
        .select_from(v)
        .join(e, e.c.event_uid == v.c.event_uid)
        .where(*_verdict_conditions(f), *_event_conditions(f))
        .group_by(*keys, v.c.verdict)
        .order_by(*keys, v.c.verdict)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def last_event_day(engine: Engine) -> str | None:
    """The latest ``event_date`` stored (``YYYY-MM-DD``), or None: where the evidence ends."""
    with engine.connect() as conn:
        day = conn.execute(select(func.max(e.c.event_date)).where(_CURRENT)).scalar_one()
    return str(day)[:10] if day else None


# --------------------------------------------------------------------------- pick-lists


def actor_counts(engine: Engine, limit: int = MAX_ACTORS) -> list[dict[str, Any]]:
    """The actors named in events (``actor1`` or ``actor2``) with their number of events, the
    most frequent first: the filter bar's actor pick-list."""
    names = union_all(
        select(e.c.actor1.label("name")).where(_CURRENT),
        select(e.c.actor2.label("name")).where(_CURRENT),
    ).subquery()
    n = func.count().label("events")
    stmt = (
        select(names.c.name, n)
        .where(names.c.name.is_not(None), names.c.name != "")
        .group_by(names.c.name)
        .order_by(n.desc(), names.c.name)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def party_counts(engine: Engine) -> list[dict[str, Any]]:
    """The parties verdicts are attributed to (``unattributed`` included) with their number of
    verdict rows."""
    n = func.count().label("verdicts")
    stmt = select(v.c.party.label("id"), n).group_by(v.c.party).order_by(n.desc(), v.c.party)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings() if r["id"]]


def source_counts(engine: Engine) -> list[dict[str, Any]]:
    """The stored events' ``source_dataset`` values with their number of events."""
    n = func.count().label("events")
    stmt = (
        select(e.c.source_dataset.label("id"), n)
        .where(_CURRENT)
        .group_by(e.c.source_dataset)
        .order_by(n.desc(), e.c.source_dataset)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings() if r["id"]]


# --------------------------------------------------------------------------------- rejects


def file_name(path: str | None) -> str | None:
    r"""A source file as the workspace shows it: its name without the server's directories
    (either kind of slash); a URL (a news article's) stays whole.

    >>> file_name("/srv/data/ucdp/ged_syria.csv.gz"), file_name("C:\\data\\acled.csv")
    ('ged_syria.csv.gz', 'acled.csv')
    >>> file_name("https://example.org/news/1.html"), file_name(None)
    ('https://example.org/news/1.html', None)
    """
    if path is None or "://" in path:
        return path
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def rejects_page(engine: Engine, page: Page) -> dict[str, Any]:
    """A page of rejected rows, by file (its name: :func:`file_name`) and line."""
    r = schema.rejects
    cols = [r.c.ingest_id, r.c.file, r.c.line, r.c.field, r.c.value, r.c.reason]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(r)).scalar_one()
        rows = conn.execute(
            select(*cols)
            .order_by(r.c.file, r.c.line, r.c.field)
            .limit(page.limit)
            .offset(page.offset)
        ).mappings()
        items = [dict(x) | {"file": file_name(x["file"])} for x in rows]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


# ------------------------------------------------------------------- situation reports


def event_days(engine: Engine, date_from: str, date_to: str) -> dict[str, int]:
    """Stored events per ``event_date`` from ``date_from`` to ``date_to`` (inclusive,
    ``YYYY-MM-DD``), days without any left out: how much evidence a period has."""
    stmt = (
        select(e.c.event_date, func.count())
        .where(e.c.event_date >= date_from, e.c.event_date <= date_to, _CURRENT)
        .group_by(e.c.event_date)
        .order_by(e.c.event_date)
    )
    with engine.connect() as conn:
        return {str(d)[:10]: int(n) for d, n in conn.execute(stmt).all()}


def field_report_observations(engine: Engine, event_uids: Iterable[str]) -> dict[str, str]:
    """Event uid -> ``seen`` or ``heard``, for the events of field reports among
    ``event_uids`` (the others are left out)."""
    fr = schema.field_reports
    uids = sorted({str(u) for u in event_uids})
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for i in range(0, len(uids), 500):
            stmt = select(fr.c.event_uid, fr.c.observation).where(
                fr.c.event_uid.in_(uids[i : i + 500])
            )
            out.update({str(u): str(o) for u, o in conn.execute(stmt).all()})
    return out


def observation_aggregate(engine: Engine, f: Filters) -> list[dict[str, Any]]:
    """:func:`ceasefire.findings.by_observation` of the incidents matching ``f`` (those of
    field reports: what the monitor saw and what it heard), for ``/api/aggregates?by=observation``
    and the situation report."""
    inc = finding_incidents(engine, f)
    seen = field_report_observations(engine, inc["event_uid"]) if len(inc) else {}
    return findings.by_observation(inc, seen)


#: Columns of :func:`claims_published`.
CLAIM_COLUMNS: Final = (
    "claim_id",
    "article_id",
    "published",
    "headline",
    "publisher",
    "url",
    "kind",
    "claimant",
    "subject",
    "predicate",
    "text",
    "event_uids",
)


def claims_published(engine: Engine, date_from: str, date_to: str) -> pd.DataFrame:
    """The claims of the articles published from ``date_from`` to ``date_to`` (inclusive, by
    the day of ``articles.published``), with their article's headline, publisher and link and
    the uids of the events the article reported (``event_uids``, a sorted list): claims are
    kept apart from findings, and this reads them apart (:data:`CLAIM_COLUMNS`), by day,
    article and position in the text."""
    c, a, ae = schema.claims, schema.articles, schema.article_events
    day = func.substr(a.c.published, 1, 10)
    stmt = (
        select(
            c.c.id.label("claim_id"),
            c.c.article_id,
            day.label("published"),
            a.c.headline,
            a.c.publisher,
            a.c.url,
            c.c.kind,
            c.c.claimant,
            c.c.subject,
            c.c.predicate,
            c.c.text,
        )
        .join(a, a.c.article_id == c.c.article_id)
        .where(day >= date_from, day <= date_to)
        .order_by(day, byte_order(c.c.article_id), c.c.start, c.c.id)
    )
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        articles = sorted({r["article_id"] for r in rows})
        linked: dict[str, list[str]] = {}
        for i in range(0, len(articles), 500):
            part = articles[i : i + 500]
            for art, uid in conn.execute(
                select(ae.c.article_id, ae.c.event_uid)
                .where(ae.c.article_id.in_(part))
                .order_by(ae.c.article_id, byte_order(ae.c.event_uid))
            ).all():
                linked.setdefault(str(art), []).append(str(uid))
    for r in rows:
        r["event_uids"] = linked.get(r["article_id"], [])
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def last_evaluation(engine: Engine, agreement_id: str) -> dict[str, Any] | None:
    """The latest stored evaluation of an agreement (``id``, ``created_at``, ``n_events``,
    ``n_verdicts``), or None: what a report's figures were computed from."""
    t = schema.evaluations
    stmt = (
        select(t.c.id, t.c.created_at, t.c.n_events, t.c.n_verdicts)
        .where(t.c.agreement_id == agreement_id)
        .order_by(t.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None
