"""The dashboard's server-rendered pages.

Each page is a Jinja2 template (autoescaping on) over a small context: the signed-in user, the
filters read from the URL, and ids from the path. The data come from the JSON API under ``/api``
through the page's script (``static/js``), which writes text with ``textContent`` only. No SQL
and no geometry here: the pages are a thin adapter, like the API. An id in the path that names
no event or agreement answers a ``404`` page saying so. See ``docs/web.md``.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ceasefire.compliance import VERDICTS
from ceasefire.errors import ConflictError, UnknownIdError
from ceasefire.events import ACLED_EVENT_TYPES, LOCAL_TIMEZONE
from ceasefire.fetch.attribution import attributions_for
from ceasefire.field_reports import BANDS
from ceasefire.findings import BREACHES, REVIEW_STATUSES, Filters, Page
from ceasefire.held import DEFAULT_MONTHS, DEFAULT_WINDOW
from ceasefire.limits import MAX_HELD_MONTHS, MAX_HELD_WEEKS
from ceasefire.patrols import PATROL_STATUSES
from ceasefire.store.fetches import withdrawn_event
from ceasefire.store.read import file_name
from ceasefire.web import patrols as _patrols
from ceasefire.web.auth import current_user, safe_next

router = APIRouter(include_in_schema=False)

TEMPLATES = Path(__file__).parent / "templates"

#: Autoescaping for every template, whatever its file name ends with.
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
templates = Jinja2Templates(env=_env)

#: The shared filters, in the order the filter bar shows them (``docs/api.md``): the fields of
#: :class:`~ceasefire.web.filters.Filters`.
FILTERS: Final = tuple(f.name for f in fields(Filters))
#: Table state kept in the URL beside the filters: the fields of
#: :class:`~ceasefire.web.filters.Page`.
TABLE_STATE: Final = tuple(f.name for f in fields(Page))
#: What the dashboard, the violations table and the header's "Violations" link show when the
#: URL ticks no verdict: violations and possible violations, never exempt, compliant or
#: outside unless ticked.
DEFAULT_VERDICTS: Final = BREACHES
#: The verdicts in words, plural where a heading counts them.
VERDICT_WORDS: Final = {
    "violation": "violations",
    "possible_violation": "possible violations",
    "exempt": "exempt",
    "compliant": "compliant",
    "outside": "outside the agreements",
}
#: The event types the filter bar and the report form offer: ACLED's, from the one list.
EVENT_TYPES: Final = ACLED_EVENT_TYPES

#: The Content-Security-Policy of every page: scripts and data from this server only. Styles
#: allow inline attributes because Leaflet positions its layers with them.
CSP_BASE: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def tile_url(request: Request) -> str | None:
    """The online tile URL the user configured (``serve --tiles`` or ``CEASEFIRE_TILE_URL``);
    ``None`` (the default) keeps the map offline."""
    configured = getattr(request.app.state, "tile_url", None)
    return configured or os.environ.get("CEASEFIRE_TILE_URL") or None


def _anonymous_read(request: Request) -> bool:
    return bool(getattr(request.app.state, "anonymous_read", True))


def _csp(tiles: str | None) -> str:
    img = "img-src 'self' data:"
    if tiles:
        scheme, _, rest = tiles.partition("://")
        host = rest.split("/", 1)[0].replace("{s}", "*")
        img += f" {scheme}://{host}"
    return f"{CSP_BASE}; {img}"


def filters_of(request: Request) -> dict[str, list[str]]:
    """The filters and table state in the URL, non-empty values only, repeatable ones kept."""
    out: dict[str, list[str]] = {}
    for key in (*FILTERS, *TABLE_STATE, "unit"):
        values = [v for v in request.query_params.getlist(key) if v.strip()]
        if values:
            out[key] = values
    return out


def query_of(filters: dict[str, list[str]], *drop: str) -> str:
    """The filters as a query string (for links that carry the current view)."""
    pairs = [(k, v) for k, vs in filters.items() if k not in drop for v in vs]
    return urlencode(pairs)


def verdicts_shown(verdicts: list[str] | tuple[str, ...]) -> str:
    """Which verdicts a table or chart shows, in words, for its heading.

    >>> verdicts_shown(["violation", "possible_violation"])
    'Violations and possible violations'
    >>> verdicts_shown(["compliant", "violation", "exempt"])
    'Violations, exempt and compliant'
    >>> verdicts_shown([])
    'All verdicts'
    """
    picked = [VERDICT_WORDS[v] for v in VERDICTS if v in verdicts]
    if not picked or len(picked) == len(VERDICTS):
        return "All verdicts"
    words = picked[0] if len(picked) == 1 else ", ".join(picked[:-1]) + " and " + picked[-1]
    return words[0].upper() + words[1:]


def with_default_verdicts(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """The filters with :data:`DEFAULT_VERDICTS` where they tick no verdict.

    >>> with_default_verdicts({"agreement": ["sochi-2018"]})["verdict"]
    ['violation', 'possible_violation']
    >>> with_default_verdicts({"verdict": ["compliant"]})["verdict"]
    ['compliant']
    """
    if filters.get("verdict"):
        return filters
    return {**filters, "verdict": list(DEFAULT_VERDICTS)}


def _default_verdicts_redirect(request: Request) -> Response | None:
    """A redirect to the same page with :data:`DEFAULT_VERDICTS` ticked when the URL ticks no
    verdict (the other filters kept), so that the checkboxes show what is applied; else None."""
    filters = filters_of(request)
    if filters.get("verdict"):
        return None
    query = query_of(with_default_verdicts(filters))
    return RedirectResponse(f"{request.url.path}?{query}", status_code=303)


def _render(request: Request, name: str, **context: Any) -> Response:
    user = current_user(request)
    if user is None and name != "login.html" and not _anonymous_read(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    tiles = tile_url(request)
    filters = filters_of(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "filters": filters,
            "first": {k: v[0] for k, v in filters.items()},
            "query": query_of(filters),
            "violations_query": query_of(with_default_verdicts(filters), "offset"),
            "verdicts_shown": verdicts_shown(filters.get("verdict", [])),
            "default_verdicts": DEFAULT_VERDICTS,
            "tile_url": tiles or "",
            "verdicts": VERDICTS,
            "event_types": EVENT_TYPES,
            "review_statuses": REVIEW_STATUSES,
            **context,
        },
    )
    response.headers["Content-Security-Policy"] = _csp(tiles)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _not_found(request: Request, message: str, **context: Any) -> Response:
    """The 404 page: what was not found, and where to go instead."""
    response = _render(request, "not_found.html", message=message, **context)
    if response.status_code == 200:  # not a redirect to the sign-in form
        response.status_code = 404
    return response


def _unknown_agreement(request: Request, agreement_id: str) -> Response | None:
    """The 404 page when no agreement (valid or broken) has this id, else None."""
    try:
        request.app.state.catalog.registry().get(agreement_id)
    except UnknownIdError:
        return _not_found(request, f"There is no agreement {agreement_id!r}.", page="agreements")
    except ConflictError:  # stored but broken: the page shows the API's 409 and why
        pass
    return None


def event_title(event: dict[str, Any]) -> str:
    """An event in words for its page: day, what happened, where.

    >>> event_title({"event_date": "2019-07-10", "event_type": "Battles",
    ...     "sub_event_type": "Air/drone strike", "location": "Hamamiyat"})
    '2019-07-10 · Air/drone strike · Hamamiyat'
    >>> event_title({"event_date": "2019-07-10", "event_type": "Battles", "location": None})
    '2019-07-10 · Battles'
    """
    what = event.get("sub_event_type") or event.get("event_type")
    parts = [event.get("event_date"), what, event.get("location")]
    return " · ".join(str(p) for p in parts if isinstance(p, str) and p)


@router.get("/")
def dashboard(request: Request) -> Response:
    """Map, timeline and violations table over the filters in the URL; with no verdict
    ticked, a redirect that ticks :data:`DEFAULT_VERDICTS`."""
    redirect = _default_verdicts_redirect(request)
    if redirect is not None:
        return redirect
    return _render(request, "dashboard.html", page="dashboard")


@router.get("/violations")
def violations(request: Request) -> Response:
    """Every verdict row matching the filters: sortable, paged, exportable; with no verdict
    ticked, a redirect that ticks :data:`DEFAULT_VERDICTS`."""
    redirect = _default_verdicts_redirect(request)
    if redirect is not None:
        return redirect
    return _render(request, "violations.html", page="violations")


@router.get("/reviews")
def reviews(request: Request) -> Response:
    """The review queue: the incidents to review next, most consequential first (the briefing's
    top violations, then by impact), over the filters and a review-status filter in the URL."""
    return _render(request, "reviews.html", page="reviews")


@router.get("/agreements")
def agreements(request: Request) -> Response:
    """The stored agreements."""
    return _render(request, "agreements.html", page="agreements")


@router.get("/agreements/{agreement_id}")
def agreement(request: Request, agreement_id: str) -> Response:
    """One agreement: each provision in plain words, its zones on a small map, its YAML."""
    missing = _unknown_agreement(request, agreement_id)
    if missing is not None:
        return missing
    return _render(request, "agreement.html", page="agreements", agreement_id=agreement_id)


@router.get("/agreements/{agreement_id}/held")
def held(request: Request, agreement_id: str) -> Response:
    """Did it hold (:mod:`ceasefire.held`): per zone and party, events and deaths before vs
    after, the rate ratio with its interval, the periods (no evidence shown as such), the party
    shares of the verdicts. The window is the URL's ``unit``, ``before``, ``after``, as the
    API takes them (the page's script reads the API with them)."""
    missing = _unknown_agreement(request, agreement_id)
    if missing is not None:
        return missing
    q = request.query_params
    return _render(
        request,
        "held.html",
        page="agreements",
        agreement_id=agreement_id,
        unit=q.get("unit") or DEFAULT_WINDOW.unit,
        before=q.get("before", ""),
        after=q.get("after", ""),
        defaults={"week": DEFAULT_WINDOW.before, "month": DEFAULT_MONTHS},
        limits={"week": MAX_HELD_WEEKS, "month": MAX_HELD_MONTHS},
    )


@router.get("/events/{event_uid:path}")
def event(request: Request, event_uid: str) -> Response:
    """One event: every verdict with reason and probability, its evidence, reviews; titled by
    its day, type and place (the id below)."""
    if current_user(request) is None and not _anonymous_read(request):
        return _render(request, "event.html", page="event")  # redirects to sign in
    found = request.app.state.store.events(uids=[event_uid])
    if found.empty:
        gone = _withdrawn(request, event_uid)
        if gone is not None:
            return gone
        return _not_found(request, f"There is no event {event_uid!r}.", page="event")
    row = found.iloc[0].to_dict()
    title = event_title(row)
    store = request.app.state.store
    sources = attributions_for(getattr(store, "engine", None), [row.get("source_dataset")])
    return _render(
        request,
        "event.html",
        page="event",
        event_uid=event_uid,
        title=title or event_uid,
        timezone=LOCAL_TIMEZONE,
        attribution=sources[0] if sources else None,
    )


#: The facts a withdrawn event's page shows of the row and of each earlier version.
_WITHDRAWN_FACTS: Final = (
    ("Day", "event_date"),
    ("Type", "event_type"),
    ("Sub-type", "sub_event_type"),
    ("Actor 1", "actor1"),
    ("Actor 2", "actor2"),
    ("Place", "location"),
    ("Fatalities", "fatalities"),
    ("Notes", "notes"),
    ("Source", "source"),
    ("Read from", "source_file"),
)


def _shown(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _withdrawn(request: Request, event_uid: str) -> Response | None:
    """410 Gone for an event its provider withdrew: the page says it existed, when and why it
    was withdrawn, and shows the row and its earlier versions, with no verdicts; None when no
    withdrawn event has this id."""
    engine = getattr(request.app.state.store, "engine", None)
    gone = withdrawn_event(engine, event_uid) if engine is not None else None
    if gone is None:
        return None
    row = {str(k): (None if v is pd.NA else v) for k, v in gone.event.iloc[0].to_dict().items()}
    row["source_file"] = file_name(row.get("source_file"))
    versions = []
    for rec in gone.versions.to_dict(orient="records"):
        rec["source_file"] = file_name(rec.get("source_file"))
        versions.append(
            {
                "version": _shown(rec.get("version")),
                "superseded_at": _shown(rec.get("superseded_at")),
                "facts": [(label, _shown(rec.get(key))) for label, key in _WITHDRAWN_FACTS],
            }
        )
    sources = attributions_for(engine, [row.get("source_dataset")])
    response = _render(
        request,
        "event.html",
        page="event",
        event_uid=event_uid,
        title=event_title(row) or event_uid,
        timezone=LOCAL_TIMEZONE,
        attribution=sources[0] if sources else None,
        withdrawn={
            "at": gone.withdrawn_at,
            "reason": gone.withdrawn_reason or "withdrawn by its provider",
            "version": _shown(row.get("version")),
            "facts": [(label, _shown(row.get(key))) for label, key in _WITHDRAWN_FACTS],
            "versions": versions,
        },
    )
    if response.status_code == 200:
        response.status_code = 410
    return response


@router.get("/rejects")
def rejects(request: Request) -> Response:
    """Rows the readers could not use, with the file, line, field and reason."""
    return _render(request, "rejects.html", page="rejects")


@router.get("/patrols")
def patrols(request: Request) -> Response:
    """Joint patrols: weekly coverage strips of the route, the patrols, the obligation's
    findings (server-rendered SVG; ``ceasefire.web.patrols.overview`` gathers the data)."""
    agreement = request.query_params.get("agreement") or None
    if current_user(request) is None and not _anonymous_read(request):
        return _render(request, "patrols.html", page="patrols")  # redirects to sign in
    missing = _unknown_agreement(request, agreement) if agreement else None
    if missing is not None:
        return missing
    try:
        data = _patrols.overview(request.app.state.store, request.app.state.catalog, agreement)
    except UnknownIdError as e:  # an unknown agreement, or one without patrols
        return _render(
            request,
            "patrols.html",
            page="patrols",
            statuses=PATROL_STATUSES,
            error=str(e),
            agreement=agreement,
        )
    return _render(request, "patrols.html", page="patrols", statuses=PATROL_STATUSES, **data)


@router.get("/login")
def login(request: Request) -> Response:
    """The sign-in form; it posts to the API's ``POST /login``."""
    next_url = safe_next(request.query_params.get("next"))
    error = request.query_params.get("error")
    return _render(request, "login.html", page="login", next_url=next_url, error=error)


@router.get("/report")
def report(request: Request) -> Response:
    """The field report form for monitors (sign in first)."""
    user = current_user(request)
    if user is None:
        return RedirectResponse("/login?next=/report", status_code=303)
    return _render(request, "report.html", page="report", distance_bands=BANDS)
