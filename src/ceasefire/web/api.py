"""The HTTP API: JSON and GeoJSON under ``/api`` (see ``docs/api.md``).

Each route parses its input (:mod:`ceasefire.web.filters`, :mod:`ceasefire.web.schemas`),
calls one function of :mod:`ceasefire.store.read`, :mod:`ceasefire.web.catalog`,
:mod:`ceasefire.web.reports` or :mod:`ceasefire.store.workspace`, and returns the result.
Reads go through :func:`ceasefire.web.auth.reader`; writes through
:func:`ceasefire.web.auth.require` with the roles allowed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final, Literal

import pandas as pd
from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ceasefire import agreements as _agreements
from ceasefire import alerts, monitoring
from ceasefire import zones as _zones
from ceasefire.errors import ForbiddenError, GeometryError, StoreBusyError, UnknownIdError
from ceasefire.exports import spreadsheet_safe
from ceasefire.findings import (
    BREACHES,
    INCIDENT_COLUMNS,
    INCIDENT_SORTS,
    sort_incidents,
)
from ceasefire.held import Window
from ceasefire.limits import load_json
from ceasefire.store import SQLStore, workspace
from ceasefire.store import read as q
from ceasefire.store.articles import event_articles
from ceasefire.store.fetches import withdrawn_event
from ceasefire.store.workspace import User
from ceasefire.vocab import Role, SourceDataset
from ceasefire.web import catalog as _catalog
from ceasefire.web import reports as _reports
from ceasefire.web.auth import reader, require
from ceasefire.web.cache import ResultCache
from ceasefire.web.errors import ApiError, error_body
from ceasefire.web.filters import MAX_LIMIT, Filters, known_parameters, parse_filters, parse_page
from ceasefire.web.limits import MAX_BODY
from ceasefire.web.schemas import ReportIn, ReportPatch, ReviewIn, UserIn

__all__ = ["router"]

#: Every route reads as a user (or anonymously) and refuses query parameters it does not take.
router = APIRouter(dependencies=[Depends(reader), Depends(known_parameters)])

Reader = Annotated[User | None, Depends(reader)]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
Monitor = Annotated[User, Depends(require(Role.MONITOR, Role.ADMIN))]
Analyst = Annotated[User, Depends(require(Role.ANALYST, Role.ADMIN))]


def _store(request: Request) -> SQLStore:
    return request.app.state.store  # type: ignore[no-any-return]


def _cat(request: Request) -> _catalog.Catalog:
    return request.app.state.catalog  # type: ignore[no-any-return]


def _cached_json(
    request: Request, compute: Callable[[], Any], media_type: str = "application/json"
) -> Response:
    """The answer rendered once and kept until the data changes (see ceasefire.web.cache)."""
    key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
    cache: ResultCache = request.app.state.cache

    def render() -> bytes:
        with _heavy():
            return json.dumps(compute(), separators=(",", ":"), allow_nan=False).encode()

    return Response(cache.get(key, render), media_type=media_type)


#: How many answers are computed at once (the findings read up to MAX_FINDING_ROWS rows
#: each); a request that waits longer than _HEAVY_WAIT_S for its turn is a 503 with
#: Retry-After, never a pile-up of work that exhausts the server's memory.
_HEAVY_SLOTS: Final = threading.BoundedSemaphore(2)
_HEAVY_WAIT_S: Final = 30.0


@contextmanager
def _heavy() -> Iterator[None]:
    if not _HEAVY_SLOTS.acquire(timeout=_HEAVY_WAIT_S):
        raise StoreBusyError("the server is busy computing other answers; try again shortly")
    try:
        yield
    finally:
        _HEAVY_SLOTS.release()


def filters(
    agreement: str | None = None,
    provision: str | None = None,
    verdict: Annotated[list[str] | None, Query()] = None,
    party: str | None = None,
    actor: str | None = None,
    event_type: str | None = None,
    source: str | None = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    review_status: Annotated[list[str] | None, Query()] = None,
) -> Filters:
    """The shared filters (the same names in page URLs)."""
    return parse_filters(
        agreement=agreement,
        provision=provision,
        verdict=verdict or (),
        party=party,
        actor=actor,
        event_type=event_type,
        source=source,
        date_from=date_from,
        date_to=date_to,
        bbox=bbox,
        review_status=review_status or (),
    )


Filt = Annotated[Filters, Depends(filters)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Order = Annotated[Literal["asc", "desc"], Query()]


# --------------------------------------------------------------------------------- who am I


@router.get("/me")
def me(request: Request, user: Reader) -> dict[str, Any]:
    """The logged-in user (or null) and whether anonymous reads are allowed."""
    return {
        "user": {"id": user.id, "name": user.name, "role": user.role} if user else None,
        "anonymous_read": request.app.state.anonymous_read,
    }


# ------------------------------------------------------------------------ agreements, zones


@router.get("/agreements")
def agreements_list(request: Request) -> list[dict[str, Any]]:
    """Every known agreement (bundled and stored)."""
    reg = _cat(request).registry()
    return [_catalog.agreement_summary(a) for a in reg.agreements.values()]


def _yaml_text(request: Request, agreement_id: str) -> str:
    stored = _store(request).agreements()
    if agreement_id in stored:
        return stored[agreement_id]
    return _agreements.bundled_text(agreement_id)


@router.get("/agreements/{agreement_id}")
def agreement_detail(request: Request, agreement_id: str) -> dict[str, Any]:
    """One agreement: provisions in plain words, zones, times, deadlines, its YAML."""
    a = _cat(request).registry().get(agreement_id)
    return _catalog.agreement_json(a, _cat(request), _yaml_text(request, agreement_id))


@router.get("/agreements/{agreement_id}/held")
def agreement_held(
    request: Request,
    agreement_id: str,
    unit: Annotated[Literal["week", "month"] | None, Query()] = None,
    before: Annotated[int | None, Query(description="periods before the start")] = None,
    after: Annotated[int | None, Query(description="periods after the start")] = None,
) -> Response:
    """Did it hold (:mod:`ceasefire.held`, the CLI's ``before-after --format json``): events and
    deaths per period, zone and party, ``before`` and ``after`` weeks or months of the start
    (default 26 weeks each side), periods without evidence as null; totals with the rate ratio
    after/before and its 95% interval; by party, violations and possible violations over the
    same days, each with its own share (never summed)."""
    window = Window.of(unit, before, after)  # over a limit: 422 naming the field and the limit
    cat = _cat(request)
    cat.registry().get(agreement_id)  # unknown: 404; stored but broken: 409

    def compute() -> dict[str, Any]:
        store = _store(request)
        h = monitoring.before_after(
            store, agreement_id, window, registry=cat.registry(), zones=cat.zones()
        )
        f = Filters(
            agreement=agreement_id,
            verdict=BREACHES,
            date_from=h.first_day.isoformat(),
            date_to=h.last_day.isoformat(),
        )
        return _catalog.held_json(h, q.findings_summary(store.engine, f)["by_party"])

    return _cached_json(request, compute)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _geojson_sha256(feature: dict[str, Any]) -> str:
    """The SHA-256 of a Feature's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return _sha256(json.dumps(feature, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, f"the body is larger than {MAX_BODY:,} bytes")
    return body


@router.post("/agreements", status_code=201)
async def agreement_put(request: Request, user: Admin) -> dict[str, Any]:
    """Add or replace an agreement from its YAML (the raw body), validated in full as
    ``ceasefire agreements validate`` does (422 naming every problem; nothing stored)."""
    try:
        text = (await _body(request)).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "the body is not UTF-8 text", code="invalid_body") from None
    # validated and stored in a worker thread: a slow document never holds up the event loop
    return await run_in_threadpool(_agreement_put, request, user, text)


def _agreement_put(request: Request, user: User, text: str) -> dict[str, Any]:
    cat = _cat(request)
    registry = cat.registry()
    agreement = _agreements.validate_agreement(
        text, file="request", zones=cat.zones(), registry=registry
    )
    store = _store(request)
    existed = agreement.id in registry.agreements or agreement.id in registry.broken
    old = _sha256(_yaml_text(request, agreement.id)) if existed else None
    # stored and audited in one transaction: both or neither
    store.put_agreement(
        agreement.id,
        text,
        source=f"api:{user.name}",
        also=lambda conn: workspace.record(
            conn, user, "agreement.put", f"agreement:{agreement.id}",
            {"replaced": existed, "bytes": len(text.encode()), "old_sha256": old,
             "new_sha256": _sha256(text)},
        ),
    )  # fmt: skip
    cat.invalidate()
    request.app.state.cache.clear()
    return {"id": agreement.id, "replaced": existed}


@router.get("/zones")
def zones_list(request: Request) -> dict[str, Any]:
    """Every zone as GeoJSON (properties id, name, kind, note, error_km)."""
    return _catalog.zones_geojson(_cat(request).zones())


@router.post("/zones", status_code=201)
async def zone_put(request: Request, user: Admin) -> dict[str, Any]:
    """Add or replace a zone given as a GeoJSON Feature."""
    body = await _body(request)
    # checked and stored in a worker thread: a slow document never holds up the event loop
    return await run_in_threadpool(_zone_put, request, user, body)


def _zone_put(request: Request, user: User, body: bytes) -> dict[str, Any]:
    try:
        feature = load_json(body, file="request", max_bytes=MAX_BODY)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "the body is not JSON", code="invalid_body") from None
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ApiError(422, "expected a GeoJSON Feature", code="invalid_body")
    try:
        zone = _zones.zone_from_feature(feature)
    except (KeyError, TypeError, ValueError) as e:
        raise GeometryError(f"not a usable zone Feature: {e}") from None
    store = _store(request)
    stored = {f["properties"]["id"]: _zones.zone_from_feature(f) for f in store.zones()}
    _zones.load_zones(overrides={**stored, zone.id: zone})  # raises if it does not fit
    known = _cat(request).zones()
    old = _geojson_sha256(_zones.zone_to_feature(known[zone.id])) if zone.id in known else None
    new = _zones.zone_to_feature(zone)
    # stored and audited in one transaction: both or neither
    store.put_zone(
        new,
        also=lambda conn: workspace.record(
            conn, user, "zone.put", f"zone:{zone.id}",
            {"name": zone.name, "kind": zone.kind, "replaced": old is not None,
             "old_sha256": old, "new_sha256": _geojson_sha256(new)},
        ),
    )  # fmt: skip
    _cat(request).invalidate()
    request.app.state.cache.clear()
    return {"id": zone.id}


@router.get("/facets")
def facets(request: Request) -> Response:
    """The values the filters can take, for the filter bar's pick-lists: provisions and parties
    of the known agreements, and the actors (the most frequent first) and sources in the
    events."""

    def compute() -> dict[str, Any]:
        engine = _store(request).engine
        return _catalog.facets_json(
            _cat(request),
            parties=q.party_counts(engine),
            actors=q.actor_counts(engine),
            sources=q.source_counts(engine),
        )

    return _cached_json(request, compute)


# ----------------------------------------------------------------------------------- events


@router.get("/events")
def events_list(
    request: Request,
    f: Filt,
    limit: Limit = 100,
    offset: Offset = 0,
    sort: str | None = None,
    order: Order = "asc",
) -> Response:
    """A page of events matching the filters, each with its most severe matching verdict."""
    page = parse_page(limit, offset, sort, order, q.EVENT_SORTS)
    return _cached_json(request, lambda: q.events_page(_store(request).engine, f, page))


@router.get("/events.geojson")
def events_geojson(
    request: Request, f: Filt, zoom: Annotated[int, Query(ge=0, le=22)] = 8
) -> Response:
    """Event points, or grid cells when many events match (see docs/api.md)."""
    return _cached_json(
        request,
        lambda: q.events_geojson(_store(request).engine, f, zoom=zoom),
        media_type="application/geo+json",
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))  # type: ignore[no-any-return]


def _withdrawn_answer(store: SQLStore, uid: str) -> JSONResponse | None:
    """410 Gone for an event its provider withdrew: the event as it was, when and why it was
    withdrawn, its earlier versions, and no verdicts (it is no longer evidence)."""
    gone = withdrawn_event(store.engine, uid)
    if gone is None:
        return None
    event = _records(gone.event)[0]
    event["source_file"] = q.file_name(event.get("source_file"))
    versions = _records(gone.versions)
    for v in versions:
        v["source_file"] = q.file_name(v.get("source_file"))
    reason = gone.withdrawn_reason or "withdrawn by its provider"
    body = error_body(
        410,
        "withdrawn",
        f"event {uid!r} was withdrawn by its provider ({reason}) at {gone.withdrawn_at}; "
        "it is kept with its history but is no longer evidence",
    )
    body |= {
        "event": event,
        "withdrawn": {"at": gone.withdrawn_at, "reason": gone.withdrawn_reason},
        "versions": versions,
        "verdicts": [],
    }
    return JSONResponse(body, status_code=410)


@router.get("/events/{uid:path}", response_model=None)
def event_detail(
    request: Request, uid: Annotated[str, Path(max_length=500)]
) -> dict[str, Any] | JSONResponse:
    """One event: its evidence, every verdict with its reason, and the reviews; 410 Gone for
    an event its provider withdrew (see :func:`_withdrawn_answer`)."""
    store = _store(request)
    frame = store.events(uids=[uid])
    if frame.empty:
        gone = _withdrawn_answer(store, uid)
        if gone is not None:
            return gone
        raise UnknownIdError(f"no event {uid!r}")
    event = _records(frame)[0]
    # the server's directories are nobody's business: the file's name only (docs/api.md); a
    # field report's "file" is its record (field_reports/<id>), not a path: it stays
    from_report = event["source_dataset"] == SourceDataset.FIELD_REPORT
    if not from_report:
        event["source_file"] = q.file_name(event.get("source_file"))
    evidence: list[dict[str, Any]] = [
        {
            "kind": "field_report" if from_report else "dataset",
            "source_dataset": event["source_dataset"],
            "file": event["source_file"],
            "line": event.get("source_line"),
            "text": event.get("notes"),
            "source": event.get("source"),
            "url": None,
            "report_id": (int(event["source_row_id"]) if from_report else None),
        }
    ]
    for art in event_articles(store.engine, uid):
        evidence.append(
            {
                "kind": "article",
                "source_dataset": SourceDataset.NEWS.value,
                "file": q.file_name(art["file"]),
                "line": None,
                "text": art["sentence"],
                "url": art["url"],
                "headline": art["headline"],
                "publisher": art["publisher"],
                "published": art["published"],
                "span": [art["sentence_start"], art["sentence_end"]],
            }
        )
    verdicts = [_with_review(v) for v in q.event_detail_verdicts(store.engine, uid)]
    counting = {v["review_id"] for v in verdicts if not v["review_stale"]}
    return {
        "event": event,
        "evidence": evidence,
        "verdicts": verdicts,
        # stale: of an older version of the event; counts: the review its verdict reads now
        "reviews": [
            {**r, "stale": bool(r["stale"]), "counts": r["id"] in counting}
            for r in workspace.reviews(store.engine, uid)
        ],
    }


# --------------------------------------------------------------------------------- verdicts


@router.get("/verdicts")
def verdicts_list(
    request: Request,
    f: Filt,
    limit: Limit = 100,
    offset: Offset = 0,
    sort: str | None = None,
    order: Order = "asc",
) -> dict[str, Any]:
    """A page of verdicts with their events and latest review."""
    page = parse_page(limit, offset, sort, order, q.VERDICT_SORTS)
    return q.verdicts_page(_store(request).engine, f, page)


@router.get("/verdicts.csv")
def verdicts_csv(
    request: Request, f: Filt, sort: str | None = None, order: Order = "asc"
) -> StreamingResponse:
    """Every verdict row matching the filters, as CSV (streamed)."""
    page = parse_page(1, 0, sort, order, q.VERDICT_SORTS)
    cols = list(q.VERDICT_COLUMNS_OUT)

    def chunks() -> Iterator[bytes]:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(cols)
        for rows in q.verdict_rows(_store(request).engine, f, page):
            for r in rows:
                w.writerow([spreadsheet_safe(r[c]) for c in cols])
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
        yield out.getvalue().encode()

    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="verdicts.csv"'},
    )


@router.get("/incidents.csv")
def incidents_csv(
    request: Request, f: Filt, sort: str | None = None, order: Order = "desc"
) -> Response:
    """Every incident matching the filters (one row per event at its worst verdict, with the
    machine's verdict and the review status), as CSV, most severe first unless sorted."""
    page = parse_page(1, 0, sort, order, INCIDENT_SORTS)
    with _heavy():
        t = sort_incidents(q.finding_incidents(_store(request).engine, f), page)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(INCIDENT_COLUMNS)
    for r in t.itertuples(index=False):
        w.writerow([spreadsheet_safe(None if pd.isna(x) else x) for x in r])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="incidents.csv"'},
    )


def _feature(r: dict[str, Any]) -> dict[str, Any]:
    point = r["longitude"] is not None and r["latitude"] is not None
    return {
        "type": "Feature",
        "geometry": (
            {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]} if point else None
        ),
        "properties": {k: val for k, val in r.items() if k not in ("longitude", "latitude")},
    }


@router.get("/verdicts.geojson")
def verdicts_geojson(
    request: Request, f: Filt, sort: str | None = None, order: Order = "asc"
) -> StreamingResponse:
    """Every verdict row matching the filters, as GeoJSON points (streamed)."""
    page = parse_page(1, 0, sort, order, q.VERDICT_SORTS)

    def chunks() -> Iterator[bytes]:
        yield b'{"type":"FeatureCollection","features":['
        sep = ""
        for rows in q.verdict_rows(_store(request).engine, f, page):
            body = ",".join(json.dumps(_feature(r), separators=(",", ":")) for r in rows)
            if body:
                yield (sep + body).encode()
                sep = ","
        yield b"]}"

    return StreamingResponse(
        chunks(),
        media_type="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="verdicts.geojson"'},
    )


def _with_review(v: dict[str, Any]) -> dict[str, Any]:
    """A stored verdict row as the API shows it: the counted verdict and party, the machine's
    beside them, the review status and whether its latest review is stale."""
    machine = v.get("machine_verdict") or v["verdict"]
    return {
        **v,
        "machine_verdict": machine,
        "machine_party": v.get("machine_party") if v.get("machine_verdict") else v.get("party"),
        "review_status": v.get("review_status") or "unreviewed",
        "review_stale": bool(v.get("review_stale")),
        "overruled": v.get("review_status") == "overruled",
    }


def _check_party(request: Request, agreement_id: str, party: str | None) -> None:
    """422 unless ``party`` is one of the agreement's parties or ``unattributed``."""
    if not party:
        return
    agreement = _cat(request).registry().get(agreement_id)  # 404 for no such agreement
    allowed = [p.id for p in agreement.parties] + ["unattributed"]
    if party not in allowed:
        raise ApiError(
            422,
            f"corrected_party: not a party of {agreement_id} (one of {', '.join(allowed)}) "
            f"({party!r})",
            field="corrected_party",
        )


@router.post("/verdicts/review", status_code=201)
def verdict_review(request: Request, body: ReviewIn, user: Analyst) -> dict[str, Any]:
    """Review one verdict: confirmed, disputed, needs_info, or overruled with the corrected
    verdict, party or event type (which then count everywhere); answers the review and the
    verdict as it now counts."""
    _check_party(request, body.agreement, body.corrected_party)
    engine = _store(request).engine
    rid = workspace.add_review(
        engine,
        user,
        agreement_id=body.agreement,
        provision_id=body.provision,
        event_uid=body.event_uid,
        status=body.status,
        note=body.note,
        corrected_verdict=body.corrected_verdict,
        corrected_party=body.corrected_party,
        corrected_event_type=body.corrected_event_type,
    )
    now = next(
        (
            _with_review(v)
            for v in q.event_detail_verdicts(engine, body.event_uid)
            if (v["agreement_id"], v["provision_id"]) == (body.agreement, body.provision)
        ),
        None,  # replaced since by a writer beside this one
    )
    return {"id": rid, **body.model_dump(), "user": user.name, "verdict": now}


@router.get("/reviews/queue")
def review_queue(
    request: Request, f: Filt, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    """The incidents to review next, most consequential first: the briefing's top violations,
    then by impact (deaths x uncertainty); open ones (unreviewed, needs_info) unless
    ``review_status`` asks for others."""
    page = parse_page(limit, offset, None, "asc", ())
    with _heavy():
        return q.review_queue(_store(request).engine, f, page)


# ------------------------------------------------------------------------------- aggregates


@router.get("/findings")
def findings_summary(request: Request, f: Filt) -> Response:
    """Every count of the findings matching the filters, from one definition
    (:func:`ceasefire.findings.summary`): incidents by verdict, deaths, verdict rows per
    provision, violations and possible violations by party (each with its own share), by zone,
    by month, and how many were reviewed. The CLI's ``ceasefire findings --format json``
    prints the same."""
    cat = _cat(request)
    return _cached_json(
        request, lambda: q.findings_summary(_store(request).engine, f, cat.finding_provisions())
    )


@router.get("/incidents")
def incidents_list(
    request: Request,
    f: Filt,
    limit: Limit = 100,
    offset: Offset = 0,
    sort: str | None = None,
    order: Order = "desc",
) -> Response:
    """A page of incidents: one row per event with its worst matching verdict, the provisions it
    breaches and the party; most severe first (deaths, then verdict, then probability)."""
    page = parse_page(limit, offset, sort, order, INCIDENT_SORTS)
    return _cached_json(request, lambda: q.incidents_page(_store(request).engine, f, page))


@router.get("/aggregates")
def aggregates(
    request: Request,
    f: Filt,
    by: Literal[
        "day", "week", "month", "zone", "party", "verdict", "event_type", "weapon", "observation"
    ] = "day",
) -> Response:
    """Incidents (each event once, at its worst matching verdict) and their deaths by day, week
    (its Monday), month, zone, party, verdict, event type or weapon class
    (:mod:`ceasefire.weapons`), and by verdict (:func:`ceasefire.findings.aggregate`); or, by
    observation, field reports' incidents by seen and heard
    (:func:`ceasefire.findings.by_observation`)."""
    cat = _cat(request)

    def compute() -> dict[str, Any]:
        engine = _store(request).engine
        rows = (
            q.observation_aggregate(engine, f)
            if by == "observation"
            else q.incident_aggregate(engine, f, by, cat.finding_provisions())
        )
        return {"by": by, "unit": "incidents", "rows": rows}

    return _cached_json(request, compute)


# ---------------------------------------------------------------------------------- rejects


@router.get("/rejects")
def rejects_list(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """A page of rows that could not be read, by file and line."""
    return q.rejects_page(_store(request).engine, parse_page(limit, offset, None, "asc", ()))


# ---------------------------------------------------------------------------- field reports


#: What says who observed a report and from where (the bearing and band with the estimated
#: location give the observer's position back) and when they filed it: shown only to analysts,
#: admins and the report's own monitor. The others get the report's published position in place
#: of its precise estimate (``est_latitude, est_longitude, radius_km``; see
#: :func:`ceasefire.web.reports.published_position`).
OBSERVER_FIELDS: Final = (
    "user",
    "user_id",
    "latitude",
    "longitude",
    "bearing_deg",
    "distance_band",
    "created_at",
    "updated_at",
)


@router.get("/reports")
def reports_list(
    request: Request,
    who: Reader,
    limit: Limit = 100,
    offset: Offset = 0,
    user: Annotated[str | None, Query(description="only this user's reports")] = None,
) -> dict[str, Any]:
    """A page of field reports, newest first. Analysts and admins see every field; a monitor
    sees its own reports whole and others' without :data:`OBSERVER_FIELDS` and with the
    published position (the event's) as ``est_latitude, est_longitude, radius_km``; viewers and
    anonymous readers see every report so, and only analysts and admins (or a monitor naming
    itself) may ask for one ``user``'s reports."""
    engine = _store(request).engine
    full = who is not None and who.role in (Role.ANALYST, Role.ADMIN)
    uid = None
    if user:
        if not full and (who is None or who.name != user):
            raise ForbiddenError("only analysts and admins may list another user's reports")
        found = workspace.user_by_name(engine, user)
        if found is None:
            return {"items": [], "total": 0, "limit": limit, "offset": offset}
        uid = found.id
    page = workspace.reports(engine, user_id=uid, limit=limit, offset=offset)
    if not full:
        own = who.id if who is not None else None
        # the precise estimate gives the observer's position back: others see the published one
        page["items"] = [
            r
            if r["user_id"] == own
            else {
                **{k: v for k, v in r.items() if k not in OBSERVER_FIELDS},
                **_reports.published_position(r),
            }
            for r in page["items"]
        ]
    return page


@router.post("/reports", status_code=201)
def report_create(
    request: Request, body: ReportIn, user: Monitor, background: BackgroundTasks
) -> dict[str, Any]:
    """Submit a field report: located, stored as an event, evaluated at once; the alert rules
    run once the answer is sent (a failed alert never fails the report)."""
    out = _reports.submit_report(_store(request), _cat(request), user, body.model_dump())
    background.add_task(alerts.after_request, _store(request), "field_report")
    return out


@router.patch("/reports/{report_id}")
def report_update(
    request: Request,
    report_id: Annotated[int, Path(ge=1, le=2**31)],
    body: ReportPatch,
    user: Monitor,
    background: BackgroundTasks,
) -> dict[str, Any]:
    """Change one's own report (an admin: any), re-locate and re-evaluate it (then the alert
    rules run, as after a new report)."""
    changes = body.model_dump(exclude_unset=True)
    out = _reports.edit_report(_store(request), _cat(request), user, report_id, changes)
    background.add_task(alerts.after_request, _store(request), "field_report")
    return out


# ------------------------------------------------------------------------------ users, audit


@router.get("/users")
def users_list(request: Request, user: Admin) -> list[dict[str, Any]]:
    """Every user (admin)."""
    return workspace.users(_store(request).engine)


@router.post("/users", status_code=201)
def user_create(request: Request, body: UserIn, user: Admin) -> dict[str, Any]:
    """Create a user (admin)."""
    new = workspace.add_user(
        _store(request).engine, body.name, body.role, body.password, actor=user
    )
    return {"id": new.id, "name": new.name, "role": new.role}


@router.get("/audit")
def audit(request: Request, user: Admin, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """A page of the audit log, newest first (admin)."""
    return workspace.audit_rows(_store(request).engine, limit=limit, offset=offset)
