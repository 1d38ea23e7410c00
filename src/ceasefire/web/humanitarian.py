"""Humanitarian evidence over HTTP, read-only: ``GET /api/humanitarian?agreement=ID`` (the
weekly frames and the obligation's findings as JSON) and the ``/humanitarian`` page (the same
data as tables and a strip of weeks). Both are thin over
:func:`ceasefire.humanitarian.overview`, the one definition the CLI's
``ceasefire humanitarian weeks`` prints too. Records are written through the CLI only
(``ceasefire humanitarian import``); there is no upload here yet.

Text from the imported files (places, organisations, reasons) is untrusted: the page shows it
through Jinja's autoescaping only.

>>> week_boxes([{"unmet": True, "partial": False}, {"unmet": False, "partial": True}],
...     width=100)[1]
{'x': 50.0, 'w': 48.0, 'state': 'partial'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from ceasefire import monitoring
from ceasefire.errors import ConflictError, UnknownIdError
from ceasefire.humanitarian import as_json
from ceasefire.store import SQLStore
from ceasefire.web.auth import current_user, reader
from ceasefire.web.filters import known_parameters, parse_filters
from ceasefire.web.pages import CSP_BASE, templates

__all__ = ["DEFAULT_AGREEMENT", "STRIP_WIDTH", "gather", "router", "week_boxes"]

router = APIRouter(tags=["humanitarian"])

#: The agreement shown when the URL names none.
DEFAULT_AGREEMENT: Final = "moscow-2020"
#: Width of the strip of weeks on the page, in SVG units.
STRIP_WIDTH: Final = 720

_API: Final = [Depends(reader), Depends(known_parameters)]
Day = Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")]


def _store(request: Request) -> SQLStore:
    return request.app.state.store  # type: ignore[no-any-return]


def week_boxes(
    weeks: Sequence[dict[str, Any]], *, width: int = STRIP_WIDTH
) -> list[dict[str, Any]]:
    """One box per week for the strip: x, width and state (``unmet``, ``partial`` or ``met``;
    ``met`` also for a week that was not judged)."""
    n = max(len(weeks), 1)
    step = width / n
    out = []
    for i, w in enumerate(weeks):
        state = "unmet" if w.get("unmet") else "partial" if w.get("partial") else "met"
        out.append({"x": round(i * step, 1), "w": round(max(step - 2, 1.0), 1), "state": state})
    return out


def gather(
    request: Request, agreement: str | None, date_from: str | None, date_to: str | None
) -> dict[str, Any]:
    """What the API answers and the page shows, for one agreement (default
    :data:`DEFAULT_AGREEMENT`); :class:`UnknownIdError` for an unknown one."""
    f = parse_filters(date_from=date_from, date_to=date_to)  # 422 naming the field
    agreement_id = agreement or DEFAULT_AGREEMENT
    o = monitoring.humanitarian_overview(
        _store(request),
        agreement_id,
        start=dt.date.fromisoformat(f.date_from) if f.date_from else None,
        end=dt.date.fromisoformat(f.date_to) if f.date_to else None,
    )
    return as_json(o)


@router.get("/api/humanitarian", dependencies=_API)
def humanitarian_weeks(
    request: Request,
    agreement: Annotated[str | None, Query(description="agreement id")] = None,
    date_from: Day = None,
    date_to: Day = None,
) -> dict[str, Any]:
    """Per week (Monday to Sunday) in the zone of each humanitarian provision of the
    agreement: deliveries made, made in part and blocked with their trucks
    (``humanitarian_access``), or returns, new displacement and net (``return_of_displaced``),
    each week's judgement, and the obligation's findings."""
    return gather(request, agreement, date_from, date_to)


@router.get("/humanitarian", include_in_schema=False)
def humanitarian_page(request: Request) -> Response:
    """The weekly tables of deliveries and movements, with a strip of weeks per provision."""
    user = current_user(request)
    if user is None and not getattr(request.app.state, "anonymous_read", True):
        return RedirectResponse("/login?next=/humanitarian", status_code=303)
    agreement = request.query_params.get("agreement") or None
    context: dict[str, Any] = {"agreement": agreement or DEFAULT_AGREEMENT}
    status = 200
    try:
        data = gather(request, agreement, None, None)
        for s in data["sections"]:
            s["boxes"] = week_boxes(s["weeks"])
        context |= data
    except (UnknownIdError, ConflictError) as e:
        context["error"] = str(e)
        status = 404 if isinstance(e, UnknownIdError) else 409
    response = templates.TemplateResponse(
        request,
        "humanitarian.html",
        {
            "user": user,
            "page": "humanitarian",
            "query": "",
            "violations_query": "",
            "tile_url": "",
            "strip_width": STRIP_WIDTH,
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = f"{CSP_BASE}; img-src 'self' data:"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
