"""The API's shared filters and paging, checked: the same names in API and page URLs.

:func:`parse_filters` turns query parameters into a :class:`Filters` (a bad value raises
:class:`ApiError` 422 naming the field); :func:`parse_page` checks paging and sorting against an
endpoint's sort keys. :mod:`ceasefire.store.read` turns them into SQL.

>>> f = parse_filters(verdict=["violation"], bbox="36.1,35.2,37,36", date_from="2020-03-06")
>>> f.verdict, f.bbox, f.date_from, f.has_verdict_filter
(('violation',), (36.1, 35.2, 37.0, 36.0), '2020-03-06', True)
>>> parse_filters(date_to="2020-13-01")
Traceback (most recent call last):
...
ceasefire.web.errors.ApiError: date_to: not an ISO date YYYY-MM-DD ('2020-13-01')

:func:`known_parameters` (a dependency of every API route) answers 422 naming a query parameter
the route does not take, so a misspelt or unsupported filter (``review_status=``) is never
silently ignored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any, Final

from fastapi import Request

from ceasefire.compliance import VERDICTS
from ceasefire.findings import REVIEW_STATUSES, Filters, Page
from ceasefire.web.errors import ApiError

__all__ = [
    "MAX_LIMIT",
    "Filters",
    "Page",
    "known_parameters",
    "parse_filters",
    "parse_page",
    "route_parameters",
]

#: The largest page.
MAX_LIMIT: Final = 1000


def _day(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError(
            422, f"{field}: not an ISO date YYYY-MM-DD ({value!r})", field=field
        ) from None


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    try:
        parts = tuple(float(x) for x in value.split(","))
    except ValueError:
        parts = ()
    ok = len(parts) == 4 and all(math.isfinite(x) for x in parts)
    if not ok or not (-180 <= parts[0] <= parts[2] <= 180 and -90 <= parts[1] <= parts[3] <= 90):
        raise ApiError(
            422, f"bbox: expected minlon,minlat,maxlon,maxlat in WGS84 ({value!r})", field="bbox"
        )
    return parts  # type: ignore[return-value]


def _text(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > 200:
        raise ApiError(422, f"{field}: longer than 200 characters", field=field)
    return value


def _choices(values: Iterable[str], allowed: Sequence[str], name: str) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(x for x in values if x))
    for x in out:
        if x not in allowed:
            raise ApiError(422, f"{name}: must be one of {', '.join(allowed)} ({x!r})", field=name)
    return out


def parse_filters(
    *,
    agreement: str | None = None,
    provision: str | None = None,
    verdict: Iterable[str] = (),
    party: str | None = None,
    actor: str | None = None,
    event_type: str | None = None,
    source: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    bbox: str | None = None,
    review_status: Iterable[str] = (),
) -> Filters:
    """Check and normalise the filter parameters."""
    verdicts = _choices(verdict, VERDICTS, "verdict")
    f = Filters(
        agreement=_text(agreement, "agreement"),
        provision=_text(provision, "provision"),
        verdict=verdicts,
        party=_text(party, "party"),
        actor=_text(actor, "actor"),
        event_type=_text(event_type, "event_type"),
        source=_text(source, "source"),
        date_from=_day(date_from, "date_from"),
        date_to=_day(date_to, "date_to"),
        bbox=_bbox(bbox),
        review_status=_choices(review_status, REVIEW_STATUSES, "review_status"),
    )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ApiError(422, "date_to: before date_from", field="date_to")
    return f


def parse_page(limit: int, offset: int, sort: str | None, order: str, sorts: Sequence[str]) -> Page:
    """Check paging and sorting against the endpoint's sort keys."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, f"limit: must be between 1 and {MAX_LIMIT} ({limit})", field="limit")
    if not 0 <= offset <= 1_000_000_000:
        raise ApiError(422, f"offset: must be between 0 and 10^9 ({offset})", field="offset")
    if sort is not None and sort not in sorts:
        raise ApiError(422, f"sort: must be one of {', '.join(sorts)} ({sort!r})", field="sort")
    if order not in ("asc", "desc"):
        raise ApiError(422, f"order: must be asc or desc ({order!r})", field="order")
    return Page(limit, offset, sort, order)


def route_parameters(dependant: Any) -> frozenset[str]:
    """The query parameter names a FastAPI route takes: its own and its dependencies' (a
    route's ``dependant``, walked whole)."""
    names: set[str] = set()
    stack = [dependant]
    while stack:
        d = stack.pop()
        names.update(f.alias for f in d.query_params)
        stack.extend(d.dependencies)
    return frozenset(names)


def known_parameters(request: Request) -> None:
    """Answer 422 naming each query parameter the matched route does not take (a route of
    :mod:`ceasefire.web.api` or :mod:`ceasefire.web.patrols`: both routers depend on this)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known = route_parameters(dependant)  # a walk over a few objects: no cache needed
    unknown = sorted({k for k in request.query_params if k not in known})
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise ApiError(
            422,
            f"{', '.join(unknown)}: not a parameter of {request.url.path} (it takes: {takes})",
            field=unknown[0],
        )
