"""``ceasefire fetch ucdp``: the UCDP GED API into the store, through the UCDP GED reader.

``GET {base}/api/gedevents/{version}?pagesize=1000&page=0&Country=652&StartDate=...&EndDate=...``
with the access token in the ``x-ucdp-access-token`` header (see docs/providers.md); the
answer's ``Result`` rows are stored page by page, and the run follows ``NextPageUrl`` (on the
same server: a next page elsewhere is asked of ``base`` with the same path and query, so the
token never leaves it; without credential-like parameters; a page of another path, or one
already read in the run, is refused) until it is empty or a page has no rows, at most
:data:`~ceasefire.fetch.pages.MAX_PAGES` pages.

A release is fixed (UCDP: "a given URL always returns the same data"), so a query whose run
completed is not asked again (``force`` asks anyway); what is new is a new release. Candidate
releases (``26.0.7``: July 2026) are fetched in the order given, so a later release overrides
an earlier one row for row (same ``id``, hence the same ``event_uid``; the earlier row is kept
as a version); a release earlier in the list that changed stored rows makes the later ones,
fetched completely before, be asked again from their first page, so the latest still wins. An
interrupted run resumes at the page after the last one stored.

>>> q = UcdpQuery("25.1", country="Syria", start="2020-01-01", end="2020-12-31")
>>> q.key, q.params(1000)["Country"]
('ucdp:25.1:Country=652:StartDate=2020-01-01:EndDate=2020-12-31', '652')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx

from ceasefire.errors import FetchError, InputError
from ceasefire.fetch.credentials import Secret
from ceasefire.fetch.http import PoliteClient, credential_free, safe_url
from ceasefire.fetch.pages import (
    FetchOptions,
    FetchReport,
    query_day,
    store_page,
    too_many_pages,
)
from ceasefire.store import SQLStore
from ceasefire.store.fetches import (
    Attribution,
    fail_run,
    fetch_state,
    finish_run,
    put_attribution,
    save_cursor,
    start_run,
)
from ceasefire.vocab import SourceDataset

__all__ = [
    "BASE_URL",
    "GW_CODES",
    "PAGE_SIZE",
    "UCDP_ATTRIBUTION",
    "UcdpQuery",
    "fetch_ucdp",
    "gw_code",
]

#: UCDP's API server.
BASE_URL: Final = "https://ucdpapi.pcr.uu.se"
#: Rows per page: UCDP's maximum.
PAGE_SIZE: Final = 1000
#: The header that carries the access token.
TOKEN_HEADER: Final = "x-ucdp-access-token"
_SOURCE: Final = SourceDataset.UCDP_GED.value
_VERSION: Final = re.compile(r"\d{1,2}\.\d{1,2}(\.\d{1,2})?")

#: Gleditsch-Ward codes of Syria and its neighbours (UCDP's ``Country``); any other country by
#: its number.
GW_CODES: Final[dict[str, int]] = {
    "syria": 652,
    "turkey": 640,
    "iraq": 645,
    "lebanon": 660,
    "israel": 666,
    "jordan": 663,
    "iran": 630,
    "yemen": 679,
    "libya": 620,
}

#: UCDP GED's licence and the citation UCDP asks for (as in data/ucdp/SOURCES.md).
UCDP_ATTRIBUTION: Final = Attribution(
    source_dataset=_SOURCE,
    name="UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program",
    licence="CC BY 4.0",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    citation=(
        'Sundberg, Ralph and Erik Melander (2013), "Introducing the UCDP Georeferenced Event '
        'Dataset", Journal of Peace Research 50(4); Davies, Shawn, Therése Pettersson, '
        'Margareta Sollenberg and Magnus Öberg (2025), "Organized violence 1989-2024, and the '
        'challenges of identifying civilian victims", Journal of Peace Research 62(4). '
        "Data: UCDP, Department of Peace and Conflict Research, Uppsala University."
    ),
    terms_url="https://ucdp.uu.se/apidocs/",
)


def gw_code(country: str) -> int:
    """The Gleditsch-Ward code of ``country``: a number as it is, or a name of
    :data:`GW_CODES`.

    >>> gw_code("652"), gw_code("Syria")
    (652, 652)
    """
    text = country.strip()
    if text.isdigit():
        return int(text)
    try:
        return GW_CODES[text.lower()]
    except KeyError:
        raise InputError(
            "unknown country: give its Gleditsch-Ward number (Syria is 652)",
            field="country",
            value=country,
        ) from None


@dataclass(frozen=True)
class UcdpQuery:
    """One release and its filters."""

    version: str
    country: str | None = None
    start: str | dt.date | None = None
    end: str | dt.date | None = None

    def __post_init__(self) -> None:
        if not _VERSION.fullmatch(self.version):
            raise InputError(
                "not a UCDP version (25.1, or a candidate release such as 26.0.7)",
                field="version",
                value=self.version,
            )

    def params(self, page_size: int) -> dict[str, str]:
        """The first page's query parameters."""
        out = {"pagesize": str(page_size), "page": "0"}
        if self.country is not None:
            out["Country"] = str(gw_code(self.country))
        start, end = query_day(self.start, "start"), query_day(self.end, "end")
        if start:
            out["StartDate"] = start
        if end:
            out["EndDate"] = end
        return out

    @property
    def key(self) -> str:
        """The query key the store records its runs under."""
        p = self.params(PAGE_SIZE)
        parts = [f"{k}={p[k]}" for k in ("Country", "StartDate", "EndDate") if k in p]
        return ":".join(["ucdp", self.version, *parts])


def _on_base(next_url: str, base: str, path: str) -> str:
    """``next_url`` moved onto ``base``'s scheme and host (the token goes to no other), without
    credential-like parameters (:func:`~ceasefire.fetch.http.credential_free`); its path must
    be the release's ``path`` (a next page elsewhere is refused).

    >>> _on_base("https://evil.example/api/gedevents/25.1?page=1", "http://127.0.0.1:8", "/api/gedevents/25.1")
    'http://127.0.0.1:8/api/gedevents/25.1?page=1'
    """  # noqa: E501
    n, b = urlsplit(credential_free(next_url)), urlsplit(base)
    if n.path.rstrip("/") != path.rstrip("/"):
        raise FetchError(f"NextPageUrl {safe_url(next_url)} is not a page of {path}: not followed")
    return urlunsplit((b.scheme, b.netloc, n.path, n.query, ""))


def _envelope(body: Any, url: str) -> tuple[list[dict[str, Any]], str, int | None]:
    """``Result``, ``NextPageUrl`` and ``TotalCount`` of a page, checked."""
    if not isinstance(body, dict) or not isinstance(body.get("Result"), list):
        raise FetchError(f"GET {safe_url(url)}: the answer has no Result list")
    rows = body["Result"]
    if not all(isinstance(r, dict) for r in rows):
        raise FetchError(f"GET {safe_url(url)}: a Result row is not an object")
    nxt = body.get("NextPageUrl") or ""
    if not isinstance(nxt, str):
        raise FetchError(f"GET {safe_url(url)}: NextPageUrl is not text")
    total = body.get("TotalCount")
    return rows, nxt, int(total) if isinstance(total, int) else None


def fetch_ucdp(
    store: SQLStore,
    queries: Sequence[UcdpQuery],
    *,
    token: Secret,
    options: FetchOptions | None = None,
) -> list[FetchReport]:
    """Fetch each query in order (a later candidate release overrides an earlier one); one
    report per query. A failure ends the run with :class:`FetchError` after its state is
    saved: run it again to resume."""
    opts = options or FetchOptions()
    base = (opts.base_url or BASE_URL).rstrip("/")
    put_attribution(store.engine, UCDP_ATTRIBUTION)
    kwargs: dict[str, Any] = {}
    if opts.sleep is not None:
        kwargs["sleep"] = opts.sleep
    if opts.clock is not None:
        kwargs["clock"] = opts.clock
    reports: list[FetchReport] = []
    with PoliteClient(opts.politeness, **kwargs) as client:
        client.forget_later(token.reveal())
        overridden = False
        for q in queries:
            # a release earlier in the list that changed stored rows has overridden the later
            # ones fetched before: they are asked again, from their first page, to win again
            reports.append(_fetch_one(store, q, client, base, token, opts, again=overridden))
            overridden = overridden or reports[-1].updated > 0
    return reports


def _fetch_one(
    store: SQLStore,
    q: UcdpQuery,
    client: PoliteClient,
    base: str,
    token: Secret,
    opts: FetchOptions,
    *,
    again: bool = False,
) -> FetchReport:
    report = FetchReport(_SOURCE, q.key)
    engine = store.engine
    old = fetch_state(engine, _SOURCE, q.key)
    if old is not None and old.status == "done" and not (opts.force or again):
        report.skipped = True
        return report
    size = opts.page_size or PAGE_SIZE
    path = f"{urlsplit(base).path}/api/gedevents/{q.version}"
    first_url = str(httpx.URL(f"{base}/api/gedevents/{q.version}", params=q.params(size)))
    state = start_run(engine, _SOURCE, q.key, {"url": first_url, "page": 0}, restart=again)
    cursor = state.cursor or {"url": first_url, "page": 0}
    report.resumed = bool(not again and old is not None and old.status != "done" and old.cursor)
    rows_done = state.rows_fetched if report.resumed else 0
    total: int | None = cursor.get("total")
    requests_before = client.requests
    asked: set[str] = set()  # the pages of this run: a server that sends one again loops
    try:
        url, page = _on_base(str(cursor["url"]), base, path), int(cursor.get("page", 0))
        while url:
            if url in asked:
                raise FetchError(
                    f"GET {safe_url(url)}: NextPageUrl names a page read before in this run: "
                    "the server's paging loops; not followed"
                )
            if len(asked) >= opts.max_pages:
                raise too_many_pages(safe_url(url), opts.max_pages)
            asked.add(url)
            _, body = client.get_json(url, headers={TOKEN_HEADER: token.reveal()})
            rows, nxt, total = _envelope(body, url)
            ingested = store_page(
                store,
                "ucdp",
                rows,
                name=f"ucdp-ged-{q.version}-page-{page:05d}.csv",
                provenance=safe_url(url),
                days=("date_start", "date_end"),
            )
            if ingested is not None:
                report.add(ingested)
            report.pages += 1
            report.rows += len(rows)
            rows_done += len(rows)
            page += 1
            # an empty page is past the end, whatever its NextPageUrl says: asking on would
            # spend UCDP's daily quota on nothing
            url = _on_base(nxt, base, path) if nxt and rows else ""
            if url:
                save_cursor(
                    engine,
                    _SOURCE,
                    q.key,
                    {"url": safe_url(url), "page": page, "total": total},
                    rows=rows_done,
                )
            if opts.progress is not None:
                opts.progress(rows_done, total)
    except BaseException as exc:
        report.requests = client.requests - requests_before
        fail_run(engine, _SOURCE, q.key, client.scrub(_error_line(exc)))
        raise
    report.requests = client.requests - requests_before
    finish_run(
        engine,
        _SOURCE,
        q.key,
        {"version": q.version, "total": total, "pages": page},
        rows=rows_done,
        counts=report.counts(),
    )
    return report


def _error_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
