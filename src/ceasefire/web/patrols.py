"""Patrols over HTTP: the API under ``/api/patrols`` and the ``/patrols`` page's data.

The routes are thin over :mod:`ceasefire.monitoring` (``patrol_coverage``, ``coverage_table``,
``patrols_geojson``, ``import_patrol_files``, ``link_patrol_incidents``); :func:`overview`
gathers what the page shows and lays the weekly coverage strips out as SVG boxes (the template
draws them, autoescaped). See ``docs/api.md`` and ``docs/web.md``.

>>> strip_boxes(60.0, [[0.0, 6.0]], [{"from_km": 6.0, "to_km": 60.0, "from_place": "Nayrab",
...     "to_place": "Ain al-Havr"}], width=600)["covered"]
[{'x': 0.0, 'w': 60.0}]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Annotated, Any, Final, Literal

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ceasefire import monitoring
from ceasefire.errors import TrackError, UnknownIdError
from ceasefire.patrols import PatrolStatus, ReadOptions, RouteLine, is_joint, patrol_summary
from ceasefire.store import SQLStore, workspace
from ceasefire.store import read as q
from ceasefire.store.engine import write_transaction
from ceasefire.store.workspace import User
from ceasefire.vocab import ProvisionType, Role
from ceasefire.web.auth import reader, require
from ceasefire.web.catalog import Catalog
from ceasefire.web.errors import ApiError, error_body
from ceasefire.web.filters import MAX_LIMIT, known_parameters, parse_filters

__all__ = ["DEFAULT_AGREEMENT", "overview", "route_words", "router", "strip_boxes"]

router = APIRouter(dependencies=[Depends(reader), Depends(known_parameters)], tags=["patrols"])

#: The largest track file an upload may be (a day's GPX at one fix a second is about 5 MB).
MAX_TRACK_BYTES: Final = 20_000_000
#: The agreement whose patrol obligation the page shows when the URL names none.
DEFAULT_AGREEMENT: Final = "moscow-2020"
#: Width of a coverage strip on the page, in SVG units.
STRIP_WIDTH: Final = 640

Monitor = Annotated[User, Depends(require(Role.MONITOR, Role.ADMIN))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]


def _store(request: Request) -> SQLStore:
    return request.app.state.store  # type: ignore[no-any-return]


def _cat(request: Request) -> Catalog:
    return request.app.state.catalog  # type: ignore[no-any-return]


def _days(date_from: str | None, date_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    f = parse_filters(date_from=date_from, date_to=date_to)  # 422 naming the field
    return (
        dt.date.fromisoformat(f.date_from) if f.date_from else None,
        dt.date.fromisoformat(f.date_to) if f.date_to else None,
    )


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars to Python, NaN to None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _patrol_items(summary: pd.DataFrame, provision: Any = None) -> list[dict[str, Any]]:
    """Patrol summary rows (:func:`ceasefire.patrols.patrol_summary`) for the API and the page;
    ``joint`` for the parties of the joint-patrol ``provision`` (any two without one)."""
    need = tuple(provision.parties) if provision is not None else ()
    out = []
    for r in summary.to_dict("records"):
        row = {str(k): _plain(v) for k, v in r.items()}
        ps = [p for p in str(row.pop("parties") or "").split(",") if p]
        lon, lat = row.pop("turning_lon"), row.pop("turning_lat")
        row["parties"] = ps
        row["joint"] = is_joint(ps, need)
        row["turning_lonlat"] = None if lon is None or lat is None else [lon, lat]
        out.append(row)
    return out


# ------------------------------------------------------------------------------------ reads


@router.get("/patrols")
def patrols_list(
    request: Request,
    agreement: Annotated[str | None, Query(description="its patrol route and parties")] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """A page of stored patrols on the route, by date: parties, joint or not, status, km
    covered, the furthest km and the turning point with its place."""
    since, until = _days(date_from, date_to)
    cov = monitoring.patrol_coverage(
        _store(request), agreement_id=agreement, since=since, until=until
    )
    items = _patrol_items(cov.patrols, cov.provision)
    return {
        "items": items[offset : offset + limit],
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "route": cov.route.route_id,
    }


@router.get("/patrols.geojson")
def patrols_geojson(
    request: Request,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
) -> Response:
    """Patrol tracks as LineStrings (a plan: its start to its end point, ``planned: true``),
    with status, parties, date, km covered and the turning point (words, place, lon/lat)."""
    since, until = _days(date_from, date_to)
    store = _store(request)
    found = store.patrols(
        since=since.isoformat() if since else None, until=until.isoformat() if until else None
    )
    fc = monitoring.patrols_geojson(store, patrols=found)
    route, _, _ = monitoring.patrol_route(store)  # km and places along the default route
    on_route = [p for p in found if p.route == route.route_id]
    summary = {r["patrol_id"]: r for r in _patrol_items(patrol_summary(route, on_route))}
    for f in fc["features"]:
        p = f["properties"]
        p.pop("coordTimes", None)  # the map needs the line, not a time per fix
        s = summary.get(p["patrol_id"], {})
        for k in ("covered_km", "furthest_km", "turning_point", "turning_place", "notes"):
            p[k] = s.get(k)
        p["turning_lonlat"] = s.get("turning_lonlat")
    return JSONResponse(fc, media_type="application/geo+json")


@router.get("/patrols/coverage")
def patrols_coverage(
    request: Request,
    agreement: Annotated[str | None, Query(description="weeks from its patrol start")] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    period: Literal["week", "day"] = "week",
) -> dict[str, Any]:
    """Per week (from the agreement's patrol start) or day: patrols held, the share of the
    route covered, the longest unwatched stretch, the gaps with the places at their ends."""
    since, until = _days(date_from, date_to)
    cov = monitoring.patrol_coverage(
        _store(request), agreement_id=agreement, since=since, until=until, period=period
    )
    return {
        "agreement": agreement,
        "period": period,
        "route": _route_json(cov.route),
        "rows": monitoring.coverage_table(cov),
    }


def _route_json(route: Any) -> dict[str, Any]:
    return {
        "id": route.route_id,
        "length_km": round(float(route.length_km), 2),
        "places": [{"name": n, "km": round(float(k), 2)} for n, k, _ in route.places],
    }


def _where(lon: float, lat: float) -> str:
    return f"{lat:.3f}° N {lon:.3f}° E"


def route_words(route: RouteLine) -> str:
    """The route in words for the ``/patrols`` page, every name from this route: its length,
    its ends (named after a place only when one lies within 1 km) with the side of the map
    each is on, or that it is a loop; then the named places near it, or that there are none.

    >>> from ceasefire.zones import load_zones
    >>> route_words(RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])).split(". ")[0]
    '60.0 km from Trumba (km 0, the east end) to Ain al-Havr (km 60.0, the west end)'
    >>> route_words(RouteLine.from_zone(load_zones()["sochi-dmz"])).split(", from")[0]
    "A loop of 753.9 km (the zone's boundary)"
    """
    length = route.length_km
    lon, lat = route.lonlat_at([0.0, length])
    if route.closed:
        start = _where(lon[0], lat[0])
        out = f"A loop of {length:.1f} km (the zone's boundary), from km 0 at {start}"
    else:
        if abs(lon[0] - lon[1]) >= abs(lat[0] - lat[1]):
            first, last = ("east", "west") if lon[0] > lon[1] else ("west", "east")
        else:
            first, last = ("north", "south") if lat[0] > lat[1] else ("south", "north")
        a, b = (_end_name(route, km) for km in (0.0, length))
        out = (
            f"{length:.1f} km from {a or _where(lon[0], lat[0])} (km 0, the {first} end) to "
            f"{b or _where(lon[1], lat[1])} (km {length:.1f}, the {last} end)"
        )
    if route.places:
        near = ", ".join(f"{n} (km {k:.1f})" for n, k, _ in route.places)
        return f"{out}. Named places within 5 km of it: {near}."
    return f"{out}. No place in the bundled gazetteer lies within 5 km of it."


def _end_name(route: RouteLine, km: float) -> str | None:
    for name, mark, off in route.places:
        if abs(mark - km) <= 1.0 and off <= 1.0:
            return name
    return None


def _joint_provisions(catalog: Catalog) -> set[tuple[str, str]]:
    reg = catalog.registry()
    return {
        (a.id, p.id)
        for a in reg.agreements.values()
        for p in a.provisions
        if p.type == ProvisionType.JOINT_PATROL
    }


def findings(
    store: SQLStore, catalog: Catalog, agreement: str | None = None
) -> list[dict[str, Any]]:
    """The stored joint-patrol obligation rows (from the last ``ceasefire evaluate``)."""
    rows = store.obligations(agreement)
    keep = _joint_provisions(catalog)
    out = []
    for r in rows.to_dict("records"):
        if (r["agreement_id"], r["provision_id"]) in keep:
            out.append({str(k): None if v is pd.NA else _plain(v) for k, v in r.items()})
    return out


@router.get("/patrols/findings")
def patrols_findings(
    request: Request, agreement: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    """The joint-patrol obligation's findings as last evaluated: a summary row per provision
    (``met``, ``unmet``, ``pending``, ``no_evidence``) and an ``unmet`` row per short week."""
    rows = findings(_store(request), _cat(request), agreement)
    unmet = [r for r in rows if r["status"] == "unmet"]
    return {"rows": rows, "unmet": len(unmet)}


# ----------------------------------------------------------------------------------- upload


def _safe_name(name: str | None) -> str:
    """The upload's file name without any directory, in plain characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:120]
    return base or "upload"


def _point(field: str | None) -> int | None:
    m = re.match(r"point (\d+)", field or "")
    return int(m.group(1)) if m else None


@router.post("/patrols", status_code=201)
async def patrols_upload(
    request: Request,
    response: Response,
    user: Monitor,
    file: Annotated[UploadFile, File(description="a .gpx or .geojson track (or plan) file")],
    parties: Annotated[str | None, Form(description="comma-separated, e.g. russia,turkey")] = None,
    status: Annotated[
        PatrolStatus | None,
        Form(description="default: the file's, else inferred from the track"),
    ] = None,
    planned: Annotated[bool, Form(description="the file is a plan")] = False,
    route: Annotated[str | None, Form()] = None,
    date: Annotated[str | None, Form(description="YYYY-MM-DD (a plan without times)")] = None,
    replace: Annotated[bool, Form(description="store a file uploaded before anew")] = False,
    repair: Annotated[bool, Form(description="sort points by time, drop jumps")] = False,
) -> Any:
    """Upload a GPX or GeoJSON file of patrol tracks (or a plan), as ``ceasefire patrols
    import`` does: the same checks and errors, skipped when the same bytes were stored before."""
    data = await file.read(MAX_TRACK_BYTES + 1)
    if len(data) > MAX_TRACK_BYTES:
        raise ApiError(413, f"the file is larger than {MAX_TRACK_BYTES:,} bytes", field="file")
    name = _safe_name(file.filename)
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise ApiError(422, f"date: not an ISO date YYYY-MM-DD ({date!r})", field="date") from None
    options = monitoring.PatrolImportOptions(
        planned=planned,
        status=status,
        parties=parties or None,
        route=route or None,
        date=day,
        replace=replace,
        read=ReadOptions(repair=repair),
    )
    store = _store(request)
    # parsed, checked and stored in a worker thread: a large file never holds up the event loop
    return await run_in_threadpool(_upload, request, response, user, store, name, data, options)


def _upload(
    request: Request,
    response: Response,
    user: User,
    store: SQLStore,
    name: str,
    data: bytes,
    options: monitoring.PatrolImportOptions,
) -> Any:
    """The work of :func:`patrols_upload` after the form is read (run in a worker thread)."""
    replace = options.replace
    try:
        done = monitoring.import_patrol_files(store, [(name, data)], options)
    except TrackError as e:
        body = error_body(
            422, "invalid_body", str(e), field=e.field or "file",
            file=e.file or name, point=_point(e.field), value=_json_value(e.value),
        )  # fmt: skip
        return JSONResponse(body, status_code=422)
    except UnknownIdError as e:
        raise ApiError(422, str(e), code="invalid_parameter", field="route") from None
    _, n, inserted, skipped = done.files[0]
    n_inc = len(monitoring.link_patrol_incidents(store)) if inserted else None
    sha = hashlib.sha256(data).hexdigest()
    if inserted:
        with write_transaction(store.engine) as conn:
            workspace.record(
                conn, user, "patrols.import", f"patrol_file:{sha[:16]}",
                {"file": name, "patrols": n, "inserted": inserted, "replace": replace,
                 "inferred": done.inferred, "repairs": done.repairs},
            )  # fmt: skip
        request.app.state.cache.clear()
    else:
        response.status_code = 200
    return {
        "file": name,
        "sha256": sha,
        "patrols": n,
        "inserted": inserted,
        "skipped": skipped,
        "repairs": done.repairs,
        "inferred": done.inferred,
        "warnings": done.warnings,
        "incidents": n_inc,
    }


def _json_value(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    return str(v)


# ------------------------------------------------------------------------------------- page


def strip_boxes(
    length_km: float,
    covered: list[list[float]],
    gaps: list[dict[str, Any]],
    *,
    width: int = STRIP_WIDTH,
) -> dict[str, Any]:
    """One coverage strip laid out in SVG units: the covered stretches and the gaps as boxes
    (``x``, ``w``) along a bar ``width`` wide for km 0..``length_km``, each gap with its label
    ("km 5.2-60.0 Nayrab - Ain al-Havr") at its middle."""
    scale = width / length_km if length_km > 0 else 0.0

    def box(a: float, b: float) -> dict[str, float]:
        return {"x": round(a * scale, 1), "w": round(max(b - a, 0.0) * scale, 1)}

    out_gaps = []
    for g in gaps:
        b = box(g["from_km"], g["to_km"])
        places = " - ".join(p for p in (g["from_place"], g["to_place"]) if p)
        km = f"km {g['from_km']:.1f}-{g['to_km']:.1f}"
        out_gaps.append(
            b
            | {
                "label": f"{km} {places}".strip(),
                "mid": round(min(max(b["x"] + b["w"] / 2, 40.0), width - 40.0), 1),
                "km": round(g["to_km"] - g["from_km"], 1),
            }
        )
    return {"covered": [box(a, b) for a, b in covered], "gaps": out_gaps}


def _evidence_end(store: SQLStore, rows: pd.DataFrame, route_id: str) -> dt.date | None:
    """Where the evidence ends for the patrols on ``route_id``, as the joint-patrol obligation
    reads it: the last patrol record on the route (held or cancelled; plans are no evidence) or
    the last event, whichever is later, and not after today. None without records."""
    mine = rows[(rows["route"] == route_id) & ~rows["planned"].astype(bool)] if len(rows) else rows
    if not len(mine):
        return None
    last = max(str(d)[:10] for d in mine["date"])
    event_day = q.last_event_day(store.engine)
    if event_day and event_day > last:
        last = event_day
    return min(dt.date.fromisoformat(last), dt.date.today())


def overview(store: SQLStore, catalog: Catalog, agreement: str | None) -> dict[str, Any]:
    """What ``/patrols`` shows: the weekly coverage strips, the patrols, the obligation's
    findings, and whether there are any patrol records at all."""
    reg = catalog.registry()
    if agreement is None and DEFAULT_AGREEMENT in reg.agreements:
        agreement = DEFAULT_AGREEMENT
    rows_stored = store.patrol_rows()
    has_any = len(rows_stored) > 0
    cov = monitoring.patrol_coverage(store, agreement_id=agreement)
    end = _evidence_end(store, rows_stored, cov.route.route_id)
    last_week = cov.periods["period_end"].max() if len(cov.periods) else None
    if end is not None and last_week is not None and end.isoformat() > str(last_week):
        # the weeks run to where the evidence ends, as the obligation's do (weeks with no
        # patrol after the last one are shown, empty)
        cov = monitoring.patrol_coverage(store, agreement_id=agreement, until=end)
    route = _route_json(cov.route)
    weeks = []
    for r in monitoring.coverage_table(cov):
        partial = end is not None and r["period_end"] > end.isoformat()
        weeks.append(
            r
            | {
                "boxes": strip_boxes(route["length_km"], r["covered"], r["gaps"]),
                "partial": partial,
                "evidence_end": end.isoformat() if partial and end else None,
            }
        )
    scale = STRIP_WIDTH / route["length_km"] if route["length_km"] else 0.0
    ticks: list[dict[str, Any]] = []
    for p in route["places"]:  # a place closer than 14 px to the previous one is left out
        x = round(p["km"] * scale, 1)
        if not ticks or x - ticks[-1]["x"] >= 14:
            ticks.append({"name": p["name"], "x": x})
    rows = findings(store, catalog, agreement)
    return {
        "agreement": agreement,
        "has_patrols": has_any,
        "route": route,
        "route_words": route_words(cov.route),
        "ticks": ticks,
        "width": STRIP_WIDTH,
        "weeks": weeks,
        "patrols": _patrol_items(cov.patrols, cov.provision),
        "findings": rows,
        "unmet": [r for r in rows if r["status"] == "unmet"],
    }
