"""Situation reports in the workspace: the saved reports listed, each at a permalink, and a form
for analysts and admins to generate one.

- ``GET /situation-reports``: the latest report of each period (agreement, period, language)
  with its permalink, who generated it and when, the earlier versions below; for analysts and
  admins, a form that generates one (it posts to the API below, from the page's script, with
  the CSRF header every write from the pages sends: :mod:`ceasefire.web.auth`).
- ``GET /situation-reports/{id}``: the stored HTML page exactly as stored, under the report's
  own Content-Security-Policy (no script, no request: styles inline and ``data:`` images);
  ``GET /situation-reports/{id}.html``: the same bytes as a download.
- ``GET /api/situation-reports``: the list as JSON (``which``: ``all``, ``latest``,
  ``earlier``); ``GET /api/situation-reports/{id}``: one report's record (no body).
- ``POST /api/situation-reports`` (analyst or admin): generate the report of an agreement
  for a period and save it (:func:`ceasefire.situation_reports.publish`): ``201`` with the
  record when it is new, ``200`` with the stored one when the same page was saved before.

Readers (anyone when the server allows anonymous reads, else a signed-in user) may read the
list and the reports, like every other page. The work runs in the request, bounded by the
period (the same reads as the dashboard's answers for that period); one generation at a time
per server process, a request waiting more than :data:`GENERATION_WAIT_S` for its turn is a
``503`` (see ``docs/reports.md``). No SQL here: the rows come from
:mod:`ceasefire.store.situation_reports` through the store.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ceasefire import alerts
from ceasefire.errors import UnknownIdError
from ceasefire.situation import PERIOD_UNITS, Period
from ceasefire.situation_reports import LANGUAGES, permalink, publish, resolve_day
from ceasefire.store import SQLStore
from ceasefire.store.workspace import User
from ceasefire.vocab import Role
from ceasefire.web.auth import current_user, reader, require
from ceasefire.web.errors import ApiError
from ceasefire.web.filters import known_parameters
from ceasefire.web.pages import CSP_BASE, templates

__all__ = [
    "GENERATION_WAIT_S",
    "REPORT_CSP",
    "SERVED_CSP",
    "GenerateIn",
    "router",
]

router = APIRouter()

#: The Content-Security-Policy a stored report's own page declares (``<meta http-equiv>`` in
#: ``ceasefire/situation/templates/report.html``): no scripts, nothing fetched.
REPORT_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: What it is served under: its own policy, and what a ``<meta>`` policy cannot say (no
#: framing by another site, no form posted, no ``<base>``); with ``X-Frame-Options`` for
#: browsers that predate ``frame-ancestors``.
SERVED_CSP: Final = f"{REPORT_CSP}; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
#: Seconds a generation waits for its turn before it is refused with a ``503``.
GENERATION_WAIT_S: Final = 30.0
#: One generation at a time in this process: a report reads a period's findings (the same
#: reads as the dashboard's answers for that period), a few seconds at most.
_GENERATING: Final = threading.BoundedSemaphore(1)
#: Roles that may generate a report.
_WRITERS: Final = (Role.ANALYST, Role.ADMIN)
#: How many saved reports the page lists (the newest periods first).
_PAGE_ROWS: Final = 200

_API: Final = [Depends(known_parameters)]
Analyst = Annotated[User, Depends(require(*_WRITERS))]
Reader = Annotated[User | None, Depends(reader)]


class GenerateIn(BaseModel):
    """``POST /api/situation-reports``: the agreement, the period and a day of it (an ISO
    date, or ``yesterday``, ``last-week``, ``last-month``: :func:`resolve_day`)."""

    model_config = ConfigDict(extra="forbid")

    agreement_id: str = Field(min_length=1, max_length=200)
    period: Literal["day", "week", "month"]
    date: str = Field(min_length=1, max_length=20)
    language: str = Field(default="en", min_length=1, max_length=16)


def _store(request: Request) -> SQLStore:
    return request.app.state.store  # type: ignore[no-any-return]


@contextmanager
def _turn() -> Iterator[None]:
    if not _GENERATING.acquire(timeout=GENERATION_WAIT_S):
        raise ApiError(503, "the server is generating another report; try again shortly")
    try:
        yield
    finally:
        _GENERATING.release()


def _record(row: dict[str, Any]) -> dict[str, Any]:
    """A saved report's record as the API gives it (with its permalink and download)."""
    out = {k: v for k, v in row.items() if k != "body"}
    out["permalink"] = permalink(int(row["id"]))
    out["download"] = permalink(int(row["id"])) + ".html"
    return out


def _must_read(request: Request) -> Response | None:
    """A redirect to the sign-in form when the server refuses anonymous reads and no one is
    signed in; else None."""
    if current_user(request) is None and not getattr(request.app.state, "anonymous_read", True):
        target = request.url.path
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    return None


def _page(request: Request, **context: Any) -> Response:
    user = current_user(request)
    response = templates.TemplateResponse(
        request,
        "situation_reports.html",
        {
            "user": user,
            "page": "situation-reports",
            "query": "",
            "violations_query": "",
            "tile_url": "",
            "may_generate": user is not None and user.role in _WRITERS,
            "periods": PERIOD_UNITS,
            # yesterday as the findings count days (Asia/Damascus), not the browser's UTC one
            "default_day": resolve_day("yesterday", "day").isoformat(),
            "languages": LANGUAGES,
            **context,
        },
    )
    response.headers["Content-Security-Policy"] = f"{CSP_BASE}; img-src 'self' data:"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get("/situation-reports", include_in_schema=False)
def situation_reports_page(request: Request) -> Response:
    """The saved reports: the latest of each period with its permalink, the earlier versions,
    and (analysts and admins) the form that generates one."""
    redirect = _must_read(request)
    if redirect is not None:
        return redirect
    store = _store(request)
    agreement = request.query_params.get("agreement") or None
    latest = store.situation_reports(agreement_id=agreement, which="latest", limit=_PAGE_ROWS)
    earlier = store.situation_reports(agreement_id=agreement, which="earlier", limit=_PAGE_ROWS)
    agreements = sorted(request.app.state.catalog.registry().agreements)
    return _page(
        request,
        latest=[_record(r) for r in latest["items"]],
        latest_total=latest["total"],
        earlier=[_record(r) for r in earlier["items"]],
        earlier_total=earlier["total"],
        agreement=agreement,
        agreements=agreements,
    )


def _stored(request: Request, report_id: int) -> dict[str, Any] | Response:
    try:
        return _store(request).situation_report_row(report_id)
    except UnknownIdError:
        return Response(
            f"There is no situation report {report_id}.\n",
            status_code=404,
            media_type="text/plain; charset=utf-8",
        )


def _filename(row: dict[str, Any]) -> str:
    """A safe download name: ``<agreement>-<period>-<first day>-<id>.html``.

    >>> _filename({"id": 3, "agreement_id": 'x"; evil', "period_kind": "week",
    ...     "period_start": "2019-07-08"})
    'x_evil-week-2019-07-08-3.html'
    """
    agreement = re.sub(r"[^A-Za-z0-9._-]+", "_", str(row["agreement_id"]))[:80].strip("._")
    return f"{agreement or 'report'}-{row['period_kind']}-{row['period_start']}-{row['id']}.html"


def _served(row: dict[str, Any], *, download: bool) -> Response:
    headers = {
        "Content-Security-Policy": SERVED_CSP,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "ETag": f'"{row["sha256"]}"',
        # a saved report never changes: its id names one body for ever
        "Cache-Control": "private, max-age=86400, immutable",
    }
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{_filename(row)}"'
    body = str(row["body"]).encode("utf-8")
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/situation-reports/{report_id:int}.html", include_in_schema=False)
def situation_report_download(request: Request, report_id: int) -> Response:
    """The stored report as a file to keep (the same bytes as its permalink)."""
    redirect = _must_read(request)
    if redirect is not None:
        return redirect
    row = _stored(request, report_id)
    return row if isinstance(row, Response) else _served(row, download=True)


@router.get("/situation-reports/{report_id:int}", include_in_schema=False)
def situation_report_page(request: Request, report_id: int) -> Response:
    """The stored report, exactly as stored, under its own Content-Security-Policy."""
    redirect = _must_read(request)
    if redirect is not None:
        return redirect
    row = _stored(request, report_id)
    return row if isinstance(row, Response) else _served(row, download=False)


@router.get("/api/situation-reports", tags=["situation reports"], dependencies=_API)
def situation_reports_list(
    request: Request,
    user: Reader,
    agreement: Annotated[str | None, Query(max_length=200)] = None,
    which: Annotated[Literal["all", "latest", "earlier"], Query()] = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    """Saved situation reports, newest period first, without their bodies: each with its
    ``version`` of ``versions`` of its period, whether it is the ``latest``, its ``permalink``
    and ``download``."""
    page = _store(request).situation_reports(
        agreement_id=agreement, which=which, limit=limit, offset=offset
    )
    return {**page, "items": [_record(r) for r in page["items"]]}


@router.get("/api/situation-reports/{report_id}", tags=["situation reports"], dependencies=_API)
def situation_report_record(request: Request, user: Reader, report_id: int) -> dict[str, Any]:
    """One saved report's record (its body is at its permalink)."""
    return _record(_store(request).situation_report_row(report_id))


@router.post(
    "/api/situation-reports",
    tags=["situation reports"],
    status_code=201,
    dependencies=_API,
)
def situation_report_generate(
    request: Request, body: GenerateIn, user: Analyst, background: BackgroundTasks
) -> Response:
    """Generate the report of an agreement over the period holding ``date`` and save it (an
    analyst or an admin): ``201`` with its record, or ``200`` with the stored one when the
    same report (byte for byte) was saved before. An unknown agreement is a ``404``."""
    day = resolve_day(body.date, body.period)
    period = Period.of(body.period, day)
    with _turn():
        saved = publish(
            _store(request),
            body.agreement_id,
            period,
            created_by=user.name,
            actor=user,
            language=body.language,
        )
    out = {**_record(saved.row), "created": saved.created, "label": period.label}
    if saved.created:  # the situation_report alert rules send it, after the answer
        background.add_task(alerts.after_request, _store(request), "situation_report")
    return JSONResponse(out, status_code=201 if saved.created else 200, background=background)
